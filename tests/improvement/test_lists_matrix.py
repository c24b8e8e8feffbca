"""The initiatives list (checkbox filters for stage and result, sortable headings in words,
the primary target's result, everything kept in the URL), the matrix's chips and axes, the
idea form's length limits and pillar help, and the favicon (issue 15, items 7 and 8)."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from improvement.models import Initiative, Stage
from metrics.models import ResultStatus
from tests.factories import (
    AreaFactory,
    InitiativeFactory,
    MetricFactory,
    ResultSnapshotFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

LIST = reverse("improvement:initiatives")
MATRIX = reverse("improvement:matrix")
IDEA = reverse("improvement:idea_new")


@pytest.fixture
def me(db):
    return UserFactory()


@pytest.fixture
def client_me(web_as, me):
    return web_as(me)


def titles(response) -> list[str]:
    return [initiative.title for initiative in response.context["page"]]


def with_result(title: str, status: str, **fields) -> Initiative:
    """A backlog initiative whose primary target's newest result has `status`."""
    initiative = TriagedInitiativeFactory(title=title, **fields)
    ResultSnapshotFactory(target=TargetFactory(initiative=initiative), status=status)
    return initiative


def heading(html: str, label: str) -> str:
    """The <th> of the list's column `label`."""
    match = re.search(rf"<th scope=\"col\"[^>]*>(?:<a [^>]*>)?{re.escape(label)}.*?</th>", html)
    assert match, f"no heading {label!r}"
    return match.group(0)


# --- filters ------------------------------------------------------------------------------


def test_it_offers_stages_and_results_as_checkboxes(client_me):
    response = client_me.get(LIST, {"stage": ["backlog", "plan"]})

    assert response.status_code == 200
    html = response.content.decode()
    assert '<select name="stage"' not in html
    assert "<legend>Stage</legend>" in html
    for stage in ("submitted", "backlog", "plan", "completed"):
        assert re.search(rf'<input type="checkbox" name="stage" value="{stage}"', html)
    assert re.search(r'<input type="checkbox" name="stage" value="backlog"[^>]* checked>', html)
    assert not re.search(r'<input type="checkbox" name="stage" value="submitted"[^>]*checked', html)
    assert re.search(r'<input type="checkbox" name="result_status" value="at_risk"', html)
    assert re.search(r'value="none"[^>]*>\s*No result yet</label>', html)


def test_it_filters_by_several_stages_at_once(client_me):
    InitiativeFactory(title="Submitted")
    TriagedInitiativeFactory(title="Backlog")
    TriagedInitiativeFactory(title="Planned", stage=Stage.PLAN)

    response = client_me.get(LIST, {"stage": ["submitted", "plan"], "ordering": "title"})

    assert response.status_code == 200
    assert titles(response) == ["Planned", "Submitted"]


def test_it_filters_by_the_primary_targets_result(client_me):
    with_result("Slipping", ResultStatus.AT_RISK)
    with_result("Worse", ResultStatus.REGRESSED)
    with_result("Fine", ResultStatus.IMPROVING)
    TriagedInitiativeFactory(title="Unmeasured")

    response = client_me.get(LIST, {"result_status": ["at_risk", "regressed"], "ordering": "title"})

    assert response.status_code == 200
    assert titles(response) == ["Slipping", "Worse"]


def test_it_finds_initiatives_with_no_result_yet(client_me):
    with_result("Fine", ResultStatus.IMPROVING)
    TriagedInitiativeFactory(title="No target")
    TargetFactory(initiative=TriagedInitiativeFactory(title="Target, no result"))

    response = client_me.get(LIST, {"result_status": "none", "ordering": "title"})

    assert response.status_code == 200
    assert titles(response) == ["No target", "Target, no result"]


def test_it_refuses_an_unknown_result_status_beside_the_unfiltered_list(client_me):
    InitiativeFactory(title="Anything")

    response = client_me.get(LIST, {"result_status": "splendid"})

    assert response.status_code == 200
    assert titles(response) == ["Anything"]
    assert "splendid is not one of the available choices" in response.content.decode()


# --- the result column ------------------------------------------------------------------------


def test_it_shows_the_primary_targets_result_in_words(client_me):
    initiative = with_result("Slipping", ResultStatus.AT_RISK)
    # Another target's result is not the initiative's.
    ResultSnapshotFactory(
        target=TargetFactory(initiative=initiative, is_primary=False, metric=MetricFactory()),
        status=ResultStatus.ACHIEVED,
    )
    TriagedInitiativeFactory(title="Unmeasured")

    response = client_me.get(LIST, {"ordering": "title"})

    assert response.status_code == 200
    html = response.content.decode()
    assert heading(html, "Result")
    assert '<td><span class="status at_risk">At risk</span></td>' in html
    assert '<span class="status achieved">' not in html
    assert titles(response) == ["Slipping", "Unmeasured"]  # one row each


# --- sorting ------------------------------------------------------------------------------------


def test_it_sorts_by_a_heading_and_says_so_with_aria_sort(client_me):
    TriagedInitiativeFactory(title="Bravo")
    TriagedInitiativeFactory(title="Alpha")
    TriagedInitiativeFactory(title="Charlie")

    response = client_me.get(LIST, {"ordering": "title"})

    assert response.status_code == 200
    assert titles(response) == ["Alpha", "Bravo", "Charlie"]
    html = response.content.decode()
    title = heading(html, "Title")
    assert 'aria-sort="ascending"' in title
    assert 'href="?ordering=-title"' in title  # the next click reverses it
    assert "aria-sort" not in heading(html, "Result")
    assert 'href="?ordering=result_status"' in heading(html, "Result")


def test_it_sorts_descending_from_the_heading_link(client_me):
    TriagedInitiativeFactory(title="Bravo")
    TriagedInitiativeFactory(title="Alpha")

    response = client_me.get(LIST, {"ordering": "-title"})

    assert titles(response) == ["Bravo", "Alpha"]
    title = heading(response.content.decode(), "Title")
    assert 'aria-sort="descending"' in title
    assert 'href="?ordering=title"' in title


def test_it_marks_the_default_order_newest_first(client_me):
    old = InitiativeFactory(title="Old")
    new = InitiativeFactory(title="New")
    assert new.created_at >= old.created_at

    response = client_me.get(LIST)

    assert titles(response) == ["New", "Old"]
    assert 'aria-sort="descending"' in heading(response.content.decode(), "#")


def test_it_sorts_by_result_what_needs_attention_first(client_me):
    with_result("Achieved", ResultStatus.ACHIEVED)
    TriagedInitiativeFactory(title="Unmeasured")
    with_result("Regressed", ResultStatus.REGRESSED)
    with_result("Improving", ResultStatus.IMPROVING)
    with_result("At risk", ResultStatus.AT_RISK)

    response = client_me.get(LIST, {"ordering": "result_status"})
    backwards = client_me.get(LIST, {"ordering": "-result_status"})

    order = ["Regressed", "At risk", "Improving", "Achieved", "Unmeasured"]
    assert titles(response) == order
    assert titles(backwards) == order[::-1]


def test_it_sorts_unscored_initiatives_last_either_way(client_me):
    TriagedInitiativeFactory(title="Low", impact=1, effort=5)
    InitiativeFactory(title="Unscored")
    TriagedInitiativeFactory(title="High", impact=5, effort=1)

    up = client_me.get(LIST, {"ordering": "ratio"})
    down = client_me.get(LIST, {"ordering": "-ratio"})

    assert titles(up) == ["Low", "High", "Unscored"]
    assert titles(down) == ["High", "Low", "Unscored"]


def test_it_names_the_orders_in_words(client_me):
    response = client_me.get(LIST)

    html = response.content.decode()
    assert '<option value="-risk_adjusted_roi">Risk-adjusted return, high to low</option>' in html
    assert '<option value="title">Title, A to Z</option>' in html
    assert '<option value="result_status">Result, needs attention first</option>' in html
    assert "Risk adjusted roi" not in html
    assert "(descending)" not in html


# --- the URL keeps it all ---------------------------------------------------------------------


def test_it_keeps_the_filters_in_the_heading_links(client_me):
    InitiativeFactory(title="Printer jam")

    response = client_me.get(LIST, {"stage": ["submitted", "backlog"], "search": "printer"})

    title = heading(response.content.decode(), "Title")
    assert 'href="?stage=submitted&amp;stage=backlog&amp;search=printer&amp;ordering=title"' in (
        title
    )


def test_it_keeps_filters_and_order_in_the_page_links(client_me):
    area = AreaFactory()
    submitter = UserFactory()
    InitiativeFactory.create_batch(26, area=area, submitted_by=submitter)

    response = client_me.get(
        LIST, {"stage": "submitted", "result_status": "none", "ordering": "-title"}
    )

    assert response.status_code == 200
    assert len(response.context["page"]) == 25
    html = response.content.decode()
    assert 'href="?stage=submitted&amp;result_status=none&amp;ordering=-title&amp;page=2"' in html
    # The sort links start again from the first page.
    assert "page=" not in heading(html, "Title")


def test_the_api_filters_and_orders_by_result_too(api_as, me):
    with_result("Slipping", ResultStatus.AT_RISK)
    with_result("Worse", ResultStatus.REGRESSED)
    with_result("Fine", ResultStatus.IMPROVING)

    response = api_as(me).get(
        "/api/initiatives/",
        {"result_status": ["at_risk", "regressed"], "ordering": "result_status"},
    )

    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == ["Worse", "Slipping"]


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"ordering": "result_status"},
        {"stage": ["backlog", "plan"], "result_status": ["at_risk", "none"], "ordering": "-title"},
    ],
    ids=["default", "by-result", "filtered"],
)
def test_it_lists_in_the_same_number_of_queries_for_1_or_20_initiatives(
    client_me, count_queries, query
):
    statuses = [ResultStatus.AT_RISK, ResultStatus.IMPROVING, ResultStatus.REGRESSED]

    def add(n):
        for i in range(n):
            initiative = with_result(f"Measured {i}", statuses[i % 3])
            TargetFactory(initiative=initiative, is_primary=False, metric=MetricFactory())

    add(1)
    client_me.get(LIST, query)
    response, one = count_queries(client_me, LIST, query)
    add(19)
    response, twenty = count_queries(client_me, LIST, query)

    assert response.status_code == 200
    assert response.context["page"].paginator.count > 1
    assert one == twenty


# --- the matrix -------------------------------------------------------------------------------


def test_it_shows_each_chips_title_and_keeps_all_of_it_for_hover_and_focus(client_me):
    long_title = "Label every shelf in the east warehouse " + "with its bin numbers " * 7
    item = TriagedInitiativeFactory(title=long_title.strip()[:200], impact=4, effort=2)

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    html = response.content.decode()
    # The whole title is the link's text (its accessible name) and its tooltip; the CSS
    # cuts it to the cell and shows it whole on hover or focus.
    chip = (
        f'<a href="/initiatives/{item.pk}/" class="chip" title="{item.title}">'
        f"<span>{item.title}</span></a>"
    )
    assert chip in html


def test_it_labels_the_matrix_axes_with_their_direction(client_me):
    response = client_me.get(MATRIX)

    html = response.content.decode()
    assert '<p class="axis axis-y">higher impact ↑</p>' in html
    assert '<p class="axis axis-x">more effort →</p>' in html
    assert html.index("higher impact ↑") < html.index('<table class="matrix">')
    assert html.index("more effort →") > html.index("</table>")


# --- the idea form ----------------------------------------------------------------------------


def idea(**overrides) -> dict:
    return {
        "title": "Fewer hand-offs",
        "problem_statement": "Forms wait in two in-trays.",
        "proposed_change": "",
        "area": AreaFactory().pk,
        "pillar": "operational",
        **overrides,
    }


def test_it_says_how_long_an_over_long_title_is_and_what_fits(client_me):
    response = client_me.post(IDEA, idea(title="x" * 250))

    assert response.status_code == 400
    html = response.content.decode()
    assert "The title has 250 characters: at most 200 characters fit." in html
    assert 'value="' + "x" * 250 + '"' in html  # all of it back, nothing cut off
    assert not Initiative.objects.exists()


def test_it_says_how_long_an_over_long_problem_statement_is(client_me):
    response = client_me.post(IDEA, idea(problem_statement="y" * 10_123))

    assert response.status_code == 400
    assert "This has 10123 characters: at most 10000 characters fit." in (response.content.decode())
    assert not Initiative.objects.exists()


def test_it_explains_the_limits_and_counts_without_cutting_text_short(client_me):
    response = client_me.get(IDEA)

    html = response.content.decode()
    title = re.search(r'<input type="text" name="title"[^>]*>', html, re.S).group(0)
    problem = re.search(r'<textarea name="problem_statement"[^>]*>', html).group(0)
    assert "maxlength" not in title and "maxlength" not in problem
    assert 'data-limit="200"' in title and 'data-limit="10000"' in problem
    assert "id_title_helptext" in title
    assert "at most 200 characters: the details go below" in html
    assert "at most 10,000 characters" in html
    assert re.search(r'<script src="/static/js/counter\.js" defer></script>', html)


def test_it_explains_every_pillar_where_it_is_asked(client_me):
    response = client_me.get(IDEA)

    html = response.content.decode()
    select = re.search(r'<select name="pillar"[^>]*>', html).group(0)
    assert 'aria-describedby="id_pillar_helptext"' in select
    help_text = re.search(r'<small id="id_pillar_helptext">(.*?)</small>', html).group(1)
    for pillar in ("Financial: ", "Operational: ", "Customer: ", "Innovation: "):
        assert pillar in help_text


def test_it_points_a_field_with_an_error_at_its_message(client_me):
    response = client_me.post(IDEA, idea(title="x" * 201, problem_statement=""))

    html = response.content.decode()
    assert (
        'aria-invalid="true" aria-describedby="id_problem_statement_helptext '
        'id_problem_statement_error"'
    ) in html
    assert '<span id="id_problem_statement_error"><span class="error" role="alert">' in html
    assert 'aria-describedby="id_title_helptext id_title_error similar"' in html
    assert '<span id="id_title_error"><span class="error" role="alert">' in html


# --- the favicon ------------------------------------------------------------------------------


def test_every_page_links_the_favicon(client_me):
    response = client_me.get(reverse("improvement:dashboard"))

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
        response.content.decode()
    )


def test_it_serves_the_favicon_and_the_counter_script(settings, me):
    # Tests run without collectstatic: WhiteNoise serves from the finders, as in development.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()  # a new client builds its middleware with that setting

    icon = client.get("/static/favicon.svg")
    script = client.get("/static/js/counter.js")

    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
    assert script.status_code == 200
