"""Narrowing to a subtree: `?area=<id>` takes an area and everything under it, on the
lists, the matrix, the board, the dashboard's figures and the ledger's totals (the API
contract keeps `area` as one id; it now rolls up the areas under it)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from improvement.models import Stage
from metrics.models import QuarterlyResult
from tests.areas.conftest import build_tree
from tests.factories import (
    AdminFactory,
    LedgerRowFactory,
    ReviewerFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    tree = build_tree(AdminFactory(username="root"))
    tree["porto"] = tree["site"].__class__.objects.create(name="Site Porto")
    return tree


@pytest.fixture
def ideas(tree):
    """One backlog idea in each of Site Leipzig's open areas, one in Porto."""
    return {
        name: TriagedInitiativeFactory(title=f"Idea in {name}", area=tree[name], impact=5, effort=1)
        for name in ("site", "assembly", "line", "porto")
    }


def titles(response) -> set[str]:
    text = response.content.decode()
    return {t for t in ("site", "assembly", "line", "porto") if f"Idea in {t}<" in text}


def test_the_list_narrowed_to_a_site_holds_its_departments_and_lines(web_as, tree, ideas):
    response = web_as(UserFactory()).get(
        reverse("improvement:initiatives"), {"area": tree["site"].pk}
    )

    assert response.status_code == 200
    assert titles(response) == {"site", "assembly", "line"}


def test_the_list_narrowed_to_a_department_leaves_out_its_site(web_as, tree, ideas):
    response = web_as(UserFactory()).get(
        reverse("improvement:initiatives"), {"area": tree["assembly"].pk}
    )

    assert titles(response) == {"assembly", "line"}


def test_the_filter_shows_the_tree_indented(web_as, tree, ideas):
    response = web_as(UserFactory()).get(reverse("improvement:initiatives"))

    html = response.content.decode()
    assert "\u2003Assembly</option>" in html
    assert "\u2003\u2003Line 1</option>" in html
    assert "R&amp;D lab" not in html  # restricted: not offered to a stranger


def test_the_api_list_narrowed_to_a_site(api_as, tree, ideas):
    response = api_as(UserFactory()).get("/api/initiatives/", {"area": tree["site"].pk})

    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {
        ideas[n].pk for n in ("site", "assembly", "line")
    }


def test_the_matrix_and_the_backlog_narrowed(web_as, api_as, tree, ideas):
    response = web_as(UserFactory()).get(
        reverse("improvement:matrix"), {"area": tree["assembly"].pk}
    )

    assert response.status_code == 200
    assert [item["pk"] for item in response.context["ranked"]] == [
        ideas["assembly"].pk,
        ideas["line"].pk,
    ]
    assert "Idea in porto" not in response.content.decode()

    backlog = api_as(UserFactory()).get("/api/backlog/", {"area": tree["porto"].pk}).json()
    assert [row["id"] for row in backlog["results"]] == [ideas["porto"].pk]

    matrix = api_as(UserFactory()).get("/api/matrix/", {"area": tree["porto"].pk}).json()
    assert matrix["quadrants"]["quick_win"]["count"] == 1


def test_the_board_narrowed(web_as, tree, ideas):
    response = web_as(UserFactory()).get(reverse("improvement:board"), {"area": tree["line"].pk})

    assert response.status_code == 200
    assert titles(response) == {"line"}


def test_the_dashboard_rolls_its_figures_up_over_the_subtree(web_as, tree, ideas):
    from django.utils import timezone

    from metrics.periods import quarter_of

    year, quarter = quarter_of(timezone.localdate())
    for name, benefit in (("line", "100.00"), ("assembly", "20.00"), ("porto", "3.00")):
        LedgerRowFactory(
            initiative__area=tree[name], year=year, quarter=quarter, computed_benefit=benefit
        )
    client = web_as(UserFactory())

    everything = client.get(reverse("improvement:dashboard")).context
    leipzig = client.get(reverse("improvement:dashboard"), {"area": tree["site"].pk}).context
    line = client.get(reverse("improvement:dashboard"), {"area": tree["line"].pk}).context

    assert everything["benefit_now"]["computed"] == Decimal("123.00")
    assert leipzig["benefit_now"]["computed"] == Decimal("120.00")
    assert line["benefit_now"]["computed"] == Decimal("100.00")
    in_backlog = dict(leipzig["by_stage"])[Stage.BACKLOG]
    assert in_backlog == 3  # site, assembly and line ideas; Porto's not
    assert leipzig["area"] == tree["site"]


def test_the_ledger_api_and_the_desk_total_over_the_subtree(api_as, client, tree):
    for name, benefit in (("line", "100.00"), ("assembly", "20.00"), ("porto", "3.00")):
        LedgerRowFactory(initiative__area=tree[name], computed_benefit=benefit)

    response = api_as(UserFactory()).get("/api/quarterly-results/", {"area": tree["site"].pk})

    assert response.status_code == 200
    listed = {row["id"] for row in response.json()["results"]}
    assert listed == set(
        QuarterlyResult.objects.filter(
            initiative__area__path__startswith=tree["site"].path
        ).values_list("pk", flat=True)
    )
    assert len(listed) == 2

    client.force_login(ReviewerFactory(is_staff=True))
    desk = client.get(
        reverse("admin:metrics_quarterlyresult_changelist"), {"area": tree["site"].pk}
    )
    assert desk.status_code == 200
    assert desk.context["totals"]["computed"] == Decimal("120.00")


def test_the_areas_api_gives_parent_depth_and_restricted(api_as, tree):
    admin_view = api_as(AdminFactory()).get("/api/areas/").json()["results"]
    stranger_view = api_as(UserFactory()).get("/api/areas/").json()["results"]

    by_name = {row["name"]: row for row in admin_view}
    assert by_name["Line 1"]["parent"] == tree["assembly"].pk
    assert by_name["Line 1"]["depth"] == 3
    assert by_name["Site Leipzig"]["parent"] is None
    assert by_name["R&D lab"]["restricted"] is True
    assert {row["name"] for row in stranger_view} == {
        "Site Leipzig",
        "Assembly",
        "Line 1",
        "Site Porto",
    }


def test_the_areas_api_costs_the_same_for_5_or_50_areas(api_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from improvement.models import Area

    for i in range(5):
        Area.objects.create(name=f"Few {i}")
    client = api_as(UserFactory())
    with CaptureQueriesContext(connection) as few:
        client.get("/api/areas/")
    for i in range(45):
        Area.objects.create(name=f"Many {i}")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/areas/", {"page_size": 100})

    assert response.status_code == 200
    assert len(few) == len(many)
