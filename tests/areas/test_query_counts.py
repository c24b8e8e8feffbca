"""Visibility costs no query per row: each page and list asks the same number of queries
for 5 initiatives as for 50, for someone whose view leaves a restricted area out and
narrowed to a subtree."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.areas.conftest import build_tree
from tests.factories import AdminFactory, TriagedInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("web", "/"),
    ("web", "/initiatives/"),
    ("web", "/board/"),
    ("web", "/matrix/"),
    ("web", "/my-work/"),
    ("api", "/api/initiatives/"),
    ("api", "/api/backlog/"),
    ("api", "/api/matrix/"),
    ("api", "/api/quarterly-results/"),
]


def add(tree, n: int, submitter) -> None:
    """n ideas spread over the open line and the restricted lab."""
    for i in range(n):
        area = tree["line"] if i % 2 else tree["prototype"]
        TriagedInitiativeFactory(area=area, submitted_by=submitter, impact=4, effort=2)


@pytest.mark.parametrize(("kind", "url"), PAGES, ids=[url for _, url in PAGES])
@pytest.mark.parametrize("narrowed", [False, True], ids=["all", "subtree"])
def test_it_costs_the_same_queries_for_5_or_50_initiatives(kind, url, narrowed, web_as, api_as):
    tree = build_tree(AdminFactory(username="root"))
    reader = UserFactory()
    client = web_as(reader) if kind == "web" else api_as(reader)
    query = {"area": tree["site"].pk} if narrowed else {}

    add(tree, 5, reader)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, query).status_code == 200
    add(tree, 45, reader)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url, query).status_code == 200

    assert len(few) == len(many)
