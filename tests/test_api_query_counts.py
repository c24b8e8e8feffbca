"""Every list endpoint makes the same number of queries for 5 rows as for 50."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from improvement.models import Methodology, Stage
from tests.factories import (
    AreaFactory,
    InitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    QuarterlyResultFactory,
    StageTransitionFactory,
    SupportFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

SMALL, LARGE = 5, 50


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content
    return len(context)


def counts(client, url, add_rows) -> tuple[int, int]:
    """Queries for `url` with SMALL rows, then with LARGE rows (after a warm-up request,
    so per-process caches such as content types do not count against the first)."""
    add_rows(SMALL)
    client.get(url)
    small = queries(client, url)
    add_rows(LARGE - SMALL)
    return small, queries(client, url)


@pytest.fixture
def client(api_as, db):
    return api_as(UserFactory())


def test_it_lists_initiatives_in_fixed_queries(client):
    def add(n):
        for _ in range(n):
            initiative = TriagedInitiativeFactory()
            initiative.team.add(UserFactory())
            initiative.watchers.add(UserFactory())
            SupportFactory(initiative=initiative)

    small, large = counts(client, "/api/initiatives/", add)

    assert small == large


def test_it_lists_the_backlog_in_fixed_queries(client):
    small, large = counts(
        client, "/api/backlog/", lambda n: TriagedInitiativeFactory.create_batch(n)
    )

    assert small == large


def test_it_lists_the_matrix_in_fixed_queries(client):
    def add(n):
        for i in range(n):
            TriagedInitiativeFactory(impact=1 + i % 5, effort=1 + (i // 5) % 5)

    small, large = counts(client, "/api/matrix/", add)

    assert small == large


def test_it_lists_measurements_in_fixed_queries(client):
    target = TargetFactory()

    small, large = counts(
        client, "/api/measurements/", lambda n: MeasurementFactory.create_batch(n, target=target)
    )

    assert small == large


def test_it_lists_measurements_of_many_targets_in_fixed_queries(client):
    small, large = counts(
        client, "/api/measurements/", lambda n: MeasurementFactory.create_batch(n)
    )

    assert small == large


def test_it_lists_metrics_in_fixed_queries(client):
    small, large = counts(client, "/api/metrics/", lambda n: MetricFactory.create_batch(n))

    assert small == large


def test_it_lists_areas_in_fixed_queries(client):
    small, large = counts(client, "/api/areas/", lambda n: AreaFactory.create_batch(n))

    assert small == large


def test_it_lists_the_ledger_in_fixed_queries(client):
    small, large = counts(
        client, "/api/quarterly-results/", lambda n: QuarterlyResultFactory.create_batch(n)
    )

    assert small == large


def test_it_lists_an_initiatives_targets_in_fixed_queries(client):
    initiative = TriagedInitiativeFactory()

    def add(n):
        for _ in range(n):
            TargetFactory(initiative=initiative, is_primary=False, frozen_by=UserFactory())

    small, large = counts(client, f"/api/initiatives/{initiative.pk}/targets/", add)

    assert small == large


def test_it_lists_the_history_in_fixed_queries(client):
    initiative = TriagedInitiativeFactory()
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def add(n):
        for i in range(n):
            StageTransitionFactory(
                initiative=initiative, actor=UserFactory(), at=start + dt.timedelta(hours=i)
            )

    small, large = counts(client, f"/api/initiatives/{initiative.pk}/history/", add)

    assert small == large


@pytest.mark.parametrize(
    ("stage", "methodology"),
    [
        (Stage.DEFINE, Methodology.DMAIC),
        (Stage.MEASURE, Methodology.DMAIC),
        (Stage.PLAN, Methodology.PDCA),
        (Stage.DO, Methodology.PDCA),
        (Stage.CONTROL, Methodology.DMAIC),
    ],
)
def test_it_lists_the_moves_in_fixed_queries_however_many_targets(client, stage, methodology):
    initiative = TriagedInitiativeFactory(
        stage=stage, methodology=methodology, implemented_on=dt.date(2026, 3, 1)
    )
    initiative.team.add(*UserFactory.create_batch(3))

    def add(n):
        for _ in range(n):
            target = TargetFactory(initiative=initiative, is_primary=False)
            MeasurementFactory(target=target)

    small, large = counts(client, f"/api/initiatives/{initiative.pk}/moves/", add)

    assert small == large


def test_it_counts_support_in_fixed_queries(client):
    """Not a list, but the support count is one subquery, not a row per supporter."""
    initiative = InitiativeFactory()

    def add(n):
        SupportFactory.create_batch(n, initiative=initiative)

    small, large = counts(client, f"/api/initiatives/{initiative.pk}/", add)

    assert small == large
