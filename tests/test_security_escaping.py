"""Text that people type — titles, problem statements, notes, comments, names — is shown
escaped on every page that shows it, never as markup: a stored script or an attribute
break-out stays inert text."""

import datetime as dt

import pytest
from django.utils.html import escape

from improvement import services, workflow
from improvement.models import Stage
from metrics.models import ResultStatus
from tests.factories import (
    AreaFactory,
    CommentFactory,
    InitiativeFactory,
    LiveInitiativeFactory,
    MetricFactory,
    ResultSnapshotFactory,
    ReviewerFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

# A stored script, and a quote that would close an attribute and open an element.
PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
EVIL = "".join(PAYLOADS)


def evil(label: str) -> str:
    return f"{label} {EVIL}"


@pytest.fixture
def hostile(db):
    """Every kind of typed text, each carrying both payloads, on the rows the pages show.
    `viewer` (a reviewer) submitted the rejected idea and owns the quick win."""
    area = AreaFactory(name=evil("Area"))
    metric = MetricFactory(name=evil("Metric"), unit="h<i>")
    viewer = ReviewerFactory(first_name=evil("Vera"), last_name="Viewer")
    quick = TriagedInitiativeFactory(
        title=evil("Quick win"),
        problem_statement=evil("Problem"),
        proposed_change=evil("Change"),
        root_cause=evil("Root cause"),
        area=area,
        impact=5,
        effort=1,
        owner=viewer,
    )
    CommentFactory(initiative=quick, body=evil("Comment"), author=UserFactory())
    submitted = InitiativeFactory(title=evil("Submitted idea"), area=area)
    rejected = InitiativeFactory(title=evil("Rejected idea"), submitted_by=viewer)
    workflow.move(
        initiative=rejected, to=Stage.REJECTED, actor=ReviewerFactory(), note=evil("Reason")
    )
    live = LiveInitiativeFactory(title=evil("Live"), control_plan=evil("Control plan"))
    live.team.add(viewer)
    target = TargetFactory(initiative=live, metric=metric)
    record_series(target, first=dt.date(2026, 3, 5), values=[9.0, 9.5, 12.0])
    ResultSnapshotFactory(target=target, status=ResultStatus.AT_RISK, n_before=1, n_after=3)
    services.update_initiative(
        initiative=quick, actor=UserFactory(is_superuser=True), changes={"sponsor": viewer}
    )
    return {
        "viewer": viewer,
        "quick": quick,
        "submitted": submitted,
        "rejected": rejected,
        "live": live,
    }


def assert_escaped(response, *texts: str, status: int = 200) -> None:
    """No payload appears raw, and each expected text appears escaped."""
    assert response.status_code == status, response.status_code
    page = response.content.decode()
    for payload in PAYLOADS:
        assert payload not in page
    for text in texts:
        assert escape(text) in page, f"{text!r} is not shown escaped"


# Every full page also shows the viewer's own name in the top bar ("Vera").
PAGES = [
    ("/", ["Quick win", "Live", "Metric", "Vera"]),
    ("/initiatives/", ["Quick win", "Submitted idea", "Rejected idea", "Live", "Area", "Vera"]),
    ("/board/", ["Quick win", "Submitted idea", "Live", "Vera"]),
    ("/matrix/", ["Quick win", "Vera"]),
    ("/my-work/", ["Quick win", "Submitted idea", "Rejected idea", "Live", "Vera"]),
    ("/notifications/", ["Rejected idea", "Reason", "Quick win", "Vera"]),
    ("/ideas/new/", ["Area", "Vera"]),
    # The htmx partial under the title field of the idea form.
    ("/ideas/similar/?title=Quick+Submitted", ["Quick win", "Submitted idea"]),
]


@pytest.mark.parametrize(("url", "labels"), PAGES)
def test_it_escapes_typed_text_on_every_page_that_lists_it(web_as, hostile, url, labels):
    response = web_as(hostile["viewer"]).get(url)

    assert_escaped(response, *(evil(label) for label in labels))


@pytest.mark.parametrize(
    ("row", "labels"),
    [
        ("quick", ["Quick win", "Problem", "Change", "Root cause", "Area", "Comment", "Vera"]),
        ("rejected", ["Rejected idea", "Reason", "Vera"]),
        ("live", ["Live", "Metric", "Control plan"]),
    ],
)
def test_it_escapes_typed_text_on_the_initiative_page(web_as, hostile, row, labels):
    response = web_as(hostile["viewer"]).get(f"/initiatives/{hostile[row].pk}/")

    assert_escaped(response, *(evil(label) for label in labels))


def test_it_escapes_the_title_in_a_flash_message(web_as, hostile):
    client = web_as(UserFactory(is_superuser=True))
    quick = hostile["quick"]

    response = client.post(f"/matrix/{quick.pk}/score/", {"impact": 4, "effort": 2}, follow=True)

    assert_escaped(response, evil("Quick win"))


def test_it_escapes_a_refused_form_value_it_shows_again(web_as, hostile):
    response = web_as(hostile["viewer"]).post("/ideas/new/", {"title": evil("Typed")})

    # Refused (no problem statement): the form again, with what was typed.
    assert_escaped(response, evil("Typed"), status=400)


@pytest.mark.parametrize(
    ("url", "labels"),
    [
        ("/admin/improvement/initiative/", ["Quick win", "Submitted idea", "Live"]),
        ("/admin/improvement/area/", ["Area"]),
        ("/admin/metrics/metric/", ["Metric"]),
        ("/admin/improvement/comment/", ["Comment"]),
        ("/admin/metrics/target/", ["Metric"]),
    ],
)
def test_it_escapes_typed_text_in_the_admin_changelists(web_as, admin_user, hostile, url, labels):
    response = web_as(admin_user).get(url)

    assert_escaped(response, *(evil(label) for label in labels))


def test_it_escapes_typed_text_in_the_admin_change_form(web_as, admin_user, hostile):
    response = web_as(admin_user).get(
        f"/admin/improvement/initiative/{hostile['quick'].pk}/change/"
    )

    assert_escaped(response, evil("Quick win"), evil("Problem"), evil("Root cause"))
