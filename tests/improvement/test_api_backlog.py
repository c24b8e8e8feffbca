"""`/api/backlog/` (the ranked backlog) and `/api/matrix/` (the impact–effort grid)."""

import datetime as dt

import pytest

from improvement.models import Stage
from tests.factories import InitiativeFactory, TriagedInitiativeFactory

ITEM_FIELDS = {"id", "title", "impact", "effort", "quadrant", "ratio", "risk_adjusted_roi", "rank"}
QUADRANTS = {"quick_win", "major_project", "fill_in", "avoid"}


@pytest.fixture
def client(api_as, user):
    return api_as(user)


def backlog_item(impact, effort, **fields):
    return TriagedInitiativeFactory(impact=impact, effort=effort, **fields)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- backlog ------------------------------------------------------------------------------


def test_it_lists_backlog_items_with_exactly_the_contract_fields(client):
    backlog_item(4, 2, estimated_annual_benefit=1000, estimated_cost=100, confidence="0.5")

    response = client.get("/api/backlog/")

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert set(item) == ITEM_FIELDS
    assert (item["quadrant"], item["ratio"], item["rank"]) == ("quick_win", 2.0, 1)
    assert item["risk_adjusted_roi"] == pytest.approx(4.0)


def test_it_paginates_the_backlog(client):
    for _ in range(3):
        backlog_item(3, 3)

    response = client.get("/api/backlog/", {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert (body["count"], len(body["results"])) == (3, 2)


def test_it_lists_only_the_backlog_stage(client):
    in_backlog = backlog_item(3, 3)
    InitiativeFactory(impact=5, effort=1)
    backlog_item(5, 1, stage=Stage.PLAN)

    response = client.get("/api/backlog/")

    assert response.status_code == 200
    assert ids(response) == [in_backlog.pk]


def test_it_ranks_by_quadrant_first(client):
    avoid = backlog_item(1, 5)
    fill_in = backlog_item(2, 1)
    major = backlog_item(5, 5)
    quick = backlog_item(3, 2)

    response = client.get("/api/backlog/")

    assert response.status_code == 200
    assert ids(response) == [quick.pk, major.pk, fill_in.pk, avoid.pk]
    assert [row["rank"] for row in response.json()["results"]] == [1, 2, 3, 4]


def test_it_ranks_by_ratio_within_a_quadrant(client):
    lower = backlog_item(3, 2)
    higher = backlog_item(5, 1)

    response = client.get("/api/backlog/", {"order": "matrix"})

    assert response.status_code == 200
    assert ids(response) == [higher.pk, lower.pk]


def test_it_ranks_by_roi_then_age_on_a_tie(client):
    older = backlog_item(4, 2, created_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    newer = backlog_item(4, 2, created_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    best_roi = backlog_item(
        4,
        2,
        created_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        estimated_annual_benefit=10000,
        estimated_cost=100,
        confidence="0.9",
    )

    response = client.get("/api/backlog/")

    assert response.status_code == 200
    assert ids(response) == [best_roi.pk, older.pk, newer.pk]


def test_it_ranks_by_roi_first_with_order_roi(client):
    quick = backlog_item(5, 1)
    avoid_but_profitable = backlog_item(
        1, 5, estimated_annual_benefit=10000, estimated_cost=100, confidence="1.0"
    )

    response = client.get("/api/backlog/", {"order": "roi"})

    assert response.status_code == 200
    assert ids(response) == [avoid_but_profitable.pk, quick.pk]


def test_it_leaves_roi_null_without_a_positive_cost(client):
    backlog_item(3, 3, estimated_annual_benefit=1000, estimated_cost=0, confidence="0.5")

    response = client.get("/api/backlog/")

    assert response.status_code == 200
    assert response.json()["results"][0]["risk_adjusted_roi"] is None


def test_it_refuses_an_unknown_order(client):
    backlog_item(3, 3)

    response = client.get("/api/backlog/", {"order": "random"})

    assert response.status_code == 400
    assert list(response.json()) == ["order"]


# --- matrix -------------------------------------------------------------------------------


def test_it_shows_all_four_quadrants_even_when_empty(client):
    response = client.get("/api/matrix/")

    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["quadrants"]
    assert set(body["quadrants"]) == QUADRANTS
    for cell in body["quadrants"].values():
        assert cell == {"count": 0, "items": []}


def test_it_puts_each_backlog_item_in_its_quadrant(client):
    quick = backlog_item(5, 1)
    major = backlog_item(5, 5)
    fill_in = backlog_item(1, 1)
    avoid = backlog_item(1, 5)

    response = client.get("/api/matrix/")

    assert response.status_code == 200
    quadrants = response.json()["quadrants"]
    cells = {code: [item["id"] for item in cell["items"]] for code, cell in quadrants.items()}
    assert cells == {
        "quick_win": [quick.pk],
        "major_project": [major.pk],
        "fill_in": [fill_in.pk],
        "avoid": [avoid.pk],
    }


def test_it_counts_and_ranks_the_items_of_a_quadrant(client):
    lower = backlog_item(3, 2)
    higher = backlog_item(5, 1)
    backlog_item(5, 1, stage=Stage.PLAN)

    response = client.get("/api/matrix/")

    assert response.status_code == 200
    cell = response.json()["quadrants"]["quick_win"]
    assert cell["count"] == 2
    assert [item["id"] for item in cell["items"]] == [higher.pk, lower.pk]
    assert set(cell["items"][0]) == ITEM_FIELDS


def test_it_gives_matrix_items_exactly_as_the_backlog_serializer_does(client):
    from improvement.models import Initiative
    from improvement.serializers import BacklogItemSerializer

    backlog_item(4, 2, estimated_annual_benefit=1000, estimated_cost=300, confidence="0.7")
    backlog_item(2, 4, title="<b>Unscored costs</b>")

    response = client.get("/api/matrix/")

    items = [item for cell in response.json()["quadrants"].values() for item in cell["items"]]
    expected = BacklogItemSerializer(Initiative.objects.backlog(), many=True).data
    assert sorted(items, key=lambda item: item["id"]) == sorted(
        (dict(item) for item in expected), key=lambda item: item["id"]
    )
