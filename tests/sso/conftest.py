"""The test OpenID provider (tests/sso/idp) and the tracker configured for it."""

import pytest

from tests.sso.idp import harness


@pytest.fixture(scope="session")
def idp():
    """The provider, starting: it migrates its database while pytest-django makes the
    tracker's (`sso` asks for it before `db`)."""
    return harness.running()


@pytest.fixture
def sso(idp, db, settings, monkeypatch):
    """Single sign-on on, against the test provider, which says nothing about anyone
    until the test sets their claims (`idp.set_claims`)."""
    idp.clear_claims()
    harness.configure(settings, monkeypatch, idp)
    return idp


@pytest.fixture
def configure_sso(sso, settings, monkeypatch):
    """`configure_sso(OIDC_…="…", LOCAL_PASSWORD_LOGIN="0")`: the tracker's settings from
    the test provider's environment with these changes."""
    return lambda **env: harness.configure(settings, monkeypatch, sso, **env)


@pytest.fixture
def sign_in_with_idp(sso):
    """`sign_in_with_idp(client, username)`: the whole authorization-code flow — the
    tracker's start, the provider's login and consent, the tracker's callback — and the
    callback's response."""

    def sign_in(client, username, *, next_url=None, allow=True):
        start = client.get("/accounts/oidc/authenticate/", {"next": next_url} if next_url else {})
        assert start.status_code == 302, start.content
        return client.get(sso.authorize(start["Location"], username, allow=allow))

    return sign_in
