"""The impact–effort matrix: the backlog on a 5×5 grid, quadrant counts, the ranked list in
matrix or ROI order, and rescoring by reviewers."""

import pytest
from django.urls import reverse

from improvement.models import Stage
from tests.factories import AreaFactory, InitiativeFactory, TriagedInitiativeFactory, UserFactory

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
MATRIX = reverse("improvement:matrix")


@pytest.fixture
def me(db):
    return UserFactory()


@pytest.fixture
def client_me(web_as, me):
    return web_as(me)


def pks(items) -> list[int]:
    return [item["pk"] for item in items]


def cell(response, impact: int, effort: int) -> dict:
    """The grid cell for a score pair (rows are impact 5 → 1, columns effort 1 → 5)."""
    found = response.context["grid"][5 - impact][effort - 1]
    assert (found["impact"], found["effort"]) == (impact, effort)
    return found


def test_it_puts_each_backlog_idea_in_the_cell_of_its_scores(client_me):
    quick = TriagedInitiativeFactory(impact=4, effort=2)
    big = TriagedInitiativeFactory(impact=5, effort=5)

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    assert pks(cell(response, 4, 2)["items"]) == [quick.pk]
    assert cell(response, 4, 2)["quadrant"] == "quick_win"
    assert pks(cell(response, 5, 5)["items"]) == [big.pk]
    assert cell(response, 5, 5)["quadrant"] == "major_project"
    assert pks(cell(response, 1, 1)["items"]) == []
    html = response.content.decode()
    assert f'class="chip" title="{quick.title}"><span>{quick.title}</span></a>' in html
    assert '<th scope="row"><span class="score-name">Impact </span>5</th>' in html


def test_it_colours_the_grid_by_quadrant_at_the_threshold(client_me):
    response = client_me.get(MATRIX)

    assert response.status_code == 200
    assert cell(response, 3, 2)["quadrant"] == "quick_win"
    assert cell(response, 3, 3)["quadrant"] == "major_project"
    assert cell(response, 2, 2)["quadrant"] == "fill_in"
    assert cell(response, 2, 3)["quadrant"] == "avoid"


def test_it_leaves_ideas_outside_the_backlog_off_the_matrix(client_me):
    InitiativeFactory(title="Still submitted", impact=4, effort=2)
    TriagedInitiativeFactory(title="Already planned", stage=Stage.PLAN)

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    assert list(response.context["ranked"]) == []
    html = response.content.decode()
    assert "The backlog is empty." in html
    assert "Still submitted" not in html
    assert "Already planned" not in html


def test_it_counts_the_backlog_by_quadrant(client_me):
    TriagedInitiativeFactory.create_batch(2, impact=5, effort=1)
    TriagedInitiativeFactory(impact=5, effort=5)
    TriagedInitiativeFactory(impact=1, effort=5)

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    counts = {quadrant.value: n for quadrant, n in response.context["quadrants"]}
    assert counts == {"quick_win": 2, "major_project": 1, "fill_in": 0, "avoid": 1}
    html = response.content.decode()
    assert '<li class="quadrant quick_win"><strong>2</strong> Quick win</li>' in html
    assert '<li class="quadrant fill_in"><strong>0</strong> Fill-in</li>' in html


def ranked_pair():
    """A quick win with a poor ROI and a major project with a good one."""
    quick = TriagedInitiativeFactory(
        title="Quick but poor",
        impact=5,
        effort=1,
        estimated_annual_benefit=1000,
        estimated_cost=1000,
        confidence="0.5",
    )
    major = TriagedInitiativeFactory(
        title="Big and rich",
        impact=5,
        effort=5,
        estimated_annual_benefit=100000,
        estimated_cost=1000,
        confidence="0.9",
    )
    return quick, major


def test_it_ranks_quick_wins_first_in_matrix_order(client_me):
    quick, major = ranked_pair()

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    assert response.context["order"] == "matrix"
    assert pks(response.context["ranked"]) == [quick.pk, major.pk]
    html = response.content.decode()
    assert html.index("Quick but poor") < html.index("Big and rich")
    assert '<strong>matrix</strong> · <a href="?order=roi">ROI</a>' in html


def test_it_ranks_by_risk_adjusted_roi_in_roi_order(client_me):
    quick, major = ranked_pair()

    response = client_me.get(MATRIX, {"order": "roi"})

    assert response.status_code == 200
    assert response.context["order"] == "roi"
    assert pks(response.context["ranked"]) == [major.pk, quick.pk]
    html = response.content.decode()
    assert html.index(f"#{major.pk} Big and rich") < html.index(f"#{quick.pk} Quick but poor")
    assert "ROI 89.00" in html
    assert '<a href="?order=matrix">matrix</a> · <strong>ROI</strong>' in html


def test_it_falls_back_to_matrix_order_for_an_unknown_order(client_me):
    quick, major = ranked_pair()

    response = client_me.get(MATRIX, {"order": "random"})

    assert response.status_code == 200
    assert response.context["order"] == "matrix"
    assert pks(response.context["ranked"]) == [quick.pk, major.pk]


def test_it_shows_the_matrix_in_fixed_queries(client_me, count_queries):
    area, submitter = AreaFactory(), UserFactory()

    def add(n):
        for i in range(n):
            TriagedInitiativeFactory(
                impact=1 + i % 5,
                effort=1 + (i // 5) % 5,
                area=area,
                submitted_by=submitter,
                estimated_cost=100,
                estimated_annual_benefit=1000,
                confidence="0.5",
            )

    add(2)
    client_me.get(MATRIX)
    _, small = count_queries(client_me, MATRIX)
    add(30)
    response, large = count_queries(client_me, MATRIX)

    assert response.status_code == 200
    assert len(response.context["ranked"]) == 32
    assert small == large


def test_it_shows_the_roi_ordered_matrix_to_a_reviewer_in_fixed_queries(
    web_as, reviewer, count_queries
):
    client = web_as(reviewer)
    TriagedInitiativeFactory()
    client.get(MATRIX, {"order": "roi"})
    _, small = count_queries(client, MATRIX, {"order": "roi"})
    TriagedInitiativeFactory.create_batch(15)
    response, large = count_queries(client, MATRIX, {"order": "roi"})

    assert response.status_code == 200
    assert "Rescore" in response.content.decode()
    assert small == large


def test_it_escapes_html_in_titles_on_the_matrix(client_me):
    TriagedInitiativeFactory(title=XSS)

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    html = response.content.decode()
    assert XSS not in html
    assert f'title="{ESCAPED}"' in html
    assert html.count(ESCAPED) == 3  # the chip's title attribute and text, the ranked list


# --- rescoring ------------------------------------------------------------------------


def test_it_shows_rescore_forms_to_reviewers(web_as, reviewer):
    item = TriagedInitiativeFactory()

    response = web_as(reviewer).get(MATRIX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'<label for="impact-{item.pk}">Impact</label>' in html
    assert f'<label for="effort-{item.pk}">Effort</label>' in html


def test_it_hides_rescore_forms_from_contributors(client_me):
    TriagedInitiativeFactory()

    response = client_me.get(MATRIX)

    assert response.status_code == 200
    assert "Rescore" not in response.content.decode()


def test_it_rescores_an_idea_for_a_reviewer(web_as, reviewer):
    item = TriagedInitiativeFactory(impact=4, effort=2)

    response = web_as(reviewer).post(
        reverse("improvement:rescore", args=[item.pk]), {"impact": 2, "effort": 4, "order": "roi"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{MATRIX}?order=roi#item-{item.pk}"
    item.refresh_from_db()
    assert (item.impact, item.effort) == (2, 4)


def test_it_confirms_a_rescore_on_the_matrix(web_as, reviewer):
    item = TriagedInitiativeFactory(title="Label the shelves", impact=4, effort=2)

    response = web_as(reviewer).post(
        reverse("improvement:rescore", args=[item.pk]), {"impact": 2, "effort": 4}, follow=True
    )

    assert response.status_code == 200
    assert "Rescored “Label the shelves”." in response.content.decode()
    assert pks(cell(response, 2, 4)["items"]) == [item.pk]


def test_it_refuses_a_rescore_out_of_range(web_as, reviewer):
    item = TriagedInitiativeFactory(impact=4, effort=2)

    response = web_as(reviewer).post(
        reverse("improvement:rescore", args=[item.pk]), {"impact": 9, "effort": 0}, follow=True
    )

    assert response.status_code == 200
    assert "Impact and effort must each be a score from 1 to 5." in response.content.decode()
    item.refresh_from_db()
    assert (item.impact, item.effort) == (4, 2)


def test_it_refuses_a_rescore_from_a_contributor(client_me):
    item = TriagedInitiativeFactory(impact=4, effort=2)

    response = client_me.post(
        reverse("improvement:rescore", args=[item.pk]), {"impact": 1, "effort": 5}
    )

    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.impact, item.effort) == (4, 2)


def test_it_answers_404_when_rescoring_a_missing_idea(web_as, reviewer):
    response = web_as(reviewer).post(
        reverse("improvement:rescore", args=[999999]), {"impact": 1, "effort": 5}
    )

    assert response.status_code == 404


def test_it_keeps_the_page_the_same_size_however_long_the_backlog(web_as, reviewer):
    TriagedInitiativeFactory.create_batch(60, impact=4, effort=1)

    response = web_as(reviewer).get("/matrix/")

    assert response.status_code == 200
    assert len(response.context["ranked"]) == 50
    html = response.content.decode()
    assert html.count('class="chip"') == 8
    assert "+52" in html
    assert 'rel="next"' in html
