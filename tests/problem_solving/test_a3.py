"""The A3 / charter page and its PDF: every section's content, a fixed number of queries,
the paper sizes, and a PDF whose text reads back (pypdf) with the title, the baseline
and the result — rendered without fetching anything but our static files."""

import datetime as dt
import io

import pypdf
import pytest

from improvement.models import Methodology, Stage
from problem_solving import pdf
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    TargetFactory,
    UserFactory,
)
from tests.problem_solving.factories import (
    CauseFactory,
    FiveWhyFactory,
    WhyStepFactory,
    measured_approval_target,
)

pytestmark = pytest.mark.django_db


def a3_url(initiative, suffix="/"):
    return f"/initiatives/{initiative.pk}/a3{suffix}"


@pytest.fixture
def ready(owner):
    """A DMAIC initiative in Control with a primary target (baseline 12.5 h, target 8),
    measurements before and after the change, a result, a 5-why and a fishbone."""
    initiative = LiveInitiativeFactory(
        title="Faster invoice approval",
        methodology=Methodology.DMAIC,
        stage=Stage.CONTROL,
        owner=owner,
        implemented_on=dt.date(2026, 3, 2),
        root_cause="Invoices wait in two in-trays.",
        control_plan="Weekly review of the approval-time chart.",
    )
    measured_approval_target(initiative)
    chain = FiveWhyFactory(initiative=initiative, problem="Approval takes 12 hours.")
    WhyStepFactory(chain=chain, position=1, answer="Invoices wait for a signature.")
    WhyStepFactory(
        chain=chain,
        position=2,
        answer="Two managers sign in turn.",
        is_root_cause=True,
        verified=True,
    )
    CauseFactory(initiative=initiative, category="method", text="Serial sign-off", verified=True)
    CauseFactory(initiative=initiative, category="machine", text="Slow scanner")
    return initiative


def test_the_a3_shows_every_section(web_as, ready):
    response = web_as(UserFactory()).get(a3_url(ready))

    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Background",
        "Current state",
        "Goal",
        "Root-cause analysis",
        "Countermeasures",
        "Results",
        "Follow-up",
    ):
        assert heading in html
    assert "Faster invoice approval" in html
    assert ready.problem_statement in html
    assert "Baseline of Approval time" in html and "12.5" in html
    assert "Two managers sign in turn." in html and "Serial sign-off" in html
    assert "Improving" in html and "+28" in html
    assert "Weekly review of the approval-time chart." in html
    assert html.count('class="chart"') == 2  # the baseline chart and the results chart
    assert "css/a3-page-a3.css" in html


def test_a4_is_an_option_and_anything_else_is_a3(web_as, ready):
    client = web_as(UserFactory())

    assert "css/a3-page-a4.css" in client.get(a3_url(ready), {"size": "a4"}).content.decode()
    assert "css/a3-page-a3.css" in client.get(a3_url(ready), {"size": "letter"}).content.decode()


def test_an_unknown_initiative_is_404(web_as):
    client = web_as(UserFactory())

    assert client.get("/initiatives/999999/a3/").status_code == 404
    assert client.get("/initiatives/999999/a3.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, ready):
    for url in (a3_url(ready), a3_url(ready, ".pdf")):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_actions_are_the_countermeasures(web_as, ready):
    if not hasattr(ready, "action_items"):
        pytest.skip("the actions app is not in the tree yet")
    from actions import services as actions

    action = actions.create_action(
        initiative=ready,
        actor=ready.owner,
        title="Merge the two in-trays",
        assignee=ready.owner,
        due_on=dt.date(2026, 3, 1),
    )
    actions.set_status(action=action, actor=ready.owner, status="done")

    html = web_as(UserFactory()).get(a3_url(ready)).content.decode()

    assert "Merge the two in-trays" in html


def test_the_a3_reads_in_a_fixed_number_of_queries(web_as, count_queries, ready, owner):
    small = LiveInitiativeFactory(methodology=Methodology.DMAIC, stage=Stage.CONTROL, owner=owner)
    TargetFactory(initiative=small)
    for initiative, chains, causes in ((small, 1, 1), (ready, 5, 20)):
        for _ in range(chains):
            chain = FiveWhyFactory(initiative=initiative)
            for position in (1, 2, 3):
                WhyStepFactory(chain=chain, position=position)
        CauseFactory.create_batch(causes, initiative=initiative)
        TargetFactory(initiative=initiative, is_primary=False, metric=MetricFactory())
    ready.team.add(*UserFactory.create_batch(4))
    client = web_as(UserFactory())
    client.get(a3_url(small))

    _, few = count_queries(client, a3_url(small))
    response, many = count_queries(client, a3_url(ready))

    assert response.status_code == 200
    assert few == many
    assert many <= 14


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_reads_back_with_the_title_the_baseline_and_the_result(web_as, ready):
    response = web_as(UserFactory()).get(a3_url(ready, ".pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape, in points
    text = pdf_text(response.content)
    assert "Faster invoice approval" in text
    assert "12.5" in text  # the baseline
    assert "Improving" in text and "+28" in text  # the result
    assert "Serial sign-off" in text  # the fishbone's text, drawn


def test_the_a4_pdf_is_a4_portrait(web_as, ready):
    response = web_as(UserFactory()).get(a3_url(ready, ".pdf"), {"size": "a4"})

    page = pypdf.PdfReader(io.BytesIO(response.content)).pages[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == (595, 842)
    assert "Faster invoice approval" in pdf_text(response.content)


# --- fetching nothing but the static files --------------------------------------------------


def test_the_fetcher_serves_static_files_from_disk():
    fetcher = pdf.StaticFilesOnly("http://testserver/")

    response = fetcher.fetch("http://testserver/static/css/a3.css")

    assert b".a3-box" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/static/css/a3.css",  # another host
        "https://testserver/static/css/a3.css",  # another scheme, so another origin
        "http://testserver/media/secret.png",
        "http://testserver/static/../config/settings.py",
        "http://testserver/static/%2e%2e/config/settings.py",
        "file:///etc/passwd",
        "ftp://testserver/static/css/a3.css",
    ],
)
def test_the_fetcher_refuses_everything_else(url, monkeypatch):
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError(f"network used for {url}")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    fetcher = pdf.StaticFilesOnly("http://testserver/")

    with pytest.raises(ValueError):
        fetcher.fetch(url)


def test_rendering_never_opens_a_connection(web_as, ready, monkeypatch):
    """An image pointing elsewhere (as text typed into a field could never make, but a
    template might) is skipped, not fetched."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("a connection was opened")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = '<img src="http://example.com/x.png"><link rel="stylesheet" href="https://cdn.example/x.css"><p>Hi</p>'
    from weasyprint import HTML

    document = HTML(
        string=html,
        base_url="http://testserver/",
        url_fetcher=pdf.StaticFilesOnly("http://testserver/"),
    ).write_pdf()

    assert "Hi" in pdf_text(document)
