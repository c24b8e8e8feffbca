import pytest

from improvement import areas
from improvement.models import Area
from tests.factories import AdminFactory
from tests.integrations.receiver import Receiver


@pytest.fixture
def receiver():
    """A plain-HTTP receiver on 127.0.0.1, stopped after the test."""
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver on 127.0.0.1 whose certificate `requests` trusts for this test
    only (REQUESTS_CA_BUNDLE): the Teams plugin always speaks HTTPS, and verifies."""
    server = Receiver(cert_dir=tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file)
    yield server
    server.stop()


@pytest.fixture
def slack_at(monkeypatch):
    """`slack_at(receiver)`: apprise's Slack plugin posts to the receiver instead of
    https://hooks.slack.com/services (its one fixed address, a class attribute)."""
    from apprise.plugins.slack import NotifySlack

    def point(server):
        monkeypatch.setattr(NotifySlack, "webhook_url", f"{server.base}/services")

    return point


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "https://tracker.example.com"
    return settings.SITE_URL


@pytest.fixture
def admin(db):
    return AdminFactory(username="channel-admin")


@pytest.fixture
def tree(admin):
    """Plant North → Assembly (restricted) → Line 1, and Logistics beside Assembly; made
    through improvement.areas, as an administrator would."""
    site = areas.create_area(actor=admin, name="Plant North")
    assembly = areas.create_area(actor=admin, name="Assembly", parent=site, restricted=True)
    line = areas.create_area(actor=admin, name="Line 1", parent=assembly)
    logistics = areas.create_area(actor=admin, name="Logistics", parent=site)
    return {
        name: Area.objects.get(pk=area.pk)
        for name, area in {
            "site": site,
            "assembly": assembly,
            "line": line,
            "logistics": logistics,
        }.items()
    }
