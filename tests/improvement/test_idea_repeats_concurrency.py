"""Ten identical idea submissions at once, from ten connections: exactly one idea, and
every caller is answered with it (one 201, the rest 200), never a 500. The submitter's
user row, locked by `services.submit_idea`, makes them take turns.

Real transactions on separate connections: PostgreSQL (the harness is
tests/improvement/test_concurrency.py's)."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from improvement.models import Initiative
from tests.factories import AreaFactory, UserFactory
from tests.improvement.test_concurrency import TIMEOUT, run_in_threads

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks are what is tested, and SQLite's in-memory "
        "test database cannot be shared between threads",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SUBMISSIONS = 10


def test_it_submits_ten_simultaneous_identical_ideas_once():
    submitter = UserFactory()
    body = {
        "title": "Fewer hand-offs",
        "problem_statement": "Forms wait in two in-trays.",
        "area": AreaFactory().pk,
        "pillar": "operational",
    }
    start = threading.Barrier(SUBMISSIONS, timeout=TIMEOUT)

    def submit():
        client = APIClient()
        client.force_authenticate(submitter)
        start.wait()
        response = client.post("/api/initiatives/", body, format="json")
        return response.status_code, response.json()["id"]

    outcomes = run_in_threads(*[submit] * SUBMISSIONS)

    idea = Initiative.objects.get()
    assert sorted(outcomes) == [(200, idea.pk)] * (SUBMISSIONS - 1) + [(201, idea.pk)], outcomes
