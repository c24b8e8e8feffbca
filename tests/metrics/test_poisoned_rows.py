"""A bad row costs its own target's result, never the job (issue 12, item 2).

The model and the services refuse such rows; these are written around them with raw SQL,
as a bulk load or a database console could, and the job must still write every other
target's result and say why the poisoned one has none."""

import datetime as dt

import pytest
from django.db import connection

from improvement.models import Stage
from metrics.ledger.rollup import rollup_quarter
from metrics.models import (
    ChartKind,
    Measurement,
    QuarterlyResult,
    ResultSnapshot,
    ResultStatus,
    Target,
)
from metrics.results import compute
from metrics.results.compute import compute_results
from tests.factories import LiveInitiativeFactory, MetricFactory, TargetFactory, record_series

CHANGE = dt.date(2026, 3, 2)
AS_OF = dt.date(2026, 3, 31)


def live_target(**fields) -> Target:
    initiative = LiveInitiativeFactory(stage=Stage.CHECK, implemented_on=CHANGE)
    return TargetFactory(initiative=initiative, **fields)


def insert_raw(target: Target, value: float, *, sample_size=None) -> None:
    table = Measurement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (target_id, observed_at, value, sample_size, source, created_at)"
            " VALUES (%s, %s, %s, %s, 'import', %s)",
            [target.pk, dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC), value, sample_size, AS_OF],
        )


@pytest.mark.django_db
def test_a_proportion_outside_0_1_costs_only_its_own_target():
    healthy = live_target()
    record_series(healthy, first=CHANGE, values=[8, 7, 8, 7])
    poisoned = live_target(
        metric=MetricFactory(chart_kind=ChartKind.PROPORTION, direction="lower_is_better"),
        baseline_value=0.2,
        target_value=0.1,
    )
    record_series(poisoned, first=CHANGE, values=[0.1, 0.12, 0.11], sample_size=100)
    insert_raw(poisoned, 42.0, sample_size=100)

    written = compute_results(as_of=AS_OF)

    assert written == 2
    good = ResultSnapshot.objects.get(target=healthy)
    assert good.status != ResultStatus.ERROR and good.n_after == 4
    bad = ResultSnapshot.objects.get(target=poisoned)
    assert bad.status == ResultStatus.ERROR
    assert "outside 0–1" in bad.error and "42" in bad.error
    assert bad.p_value is None and bad.realized_annual_benefit is None
    poisoned.refresh_from_db()
    assert poisoned.latest_status == ResultStatus.ERROR
    # The ledger too: the healthy initiative's quarter is booked.
    rollup_quarter(year=2026, quarter=1)
    assert QuarterlyResult.objects.filter(target=healthy).exists()


@pytest.mark.django_db
def test_a_target_whose_figures_fail_gets_an_error_result_and_the_rest_are_written(
    monkeypatch,
):
    """Any failure of the set-based batch falls back to one target at a time, so only the
    target that fails loses its result, and its row says why."""
    first, second = live_target(), live_target()
    for target in (first, second):
        record_series(target, first=CHANGE, values=[8, 7, 8, 7])
    real = compute.figures

    def figures(samples, **kwargs):
        if second.pk in samples.target_id:
            raise ArithmeticError("overflow in a crafted row")
        return real(samples, **kwargs)

    monkeypatch.setattr(compute, "figures", figures)

    compute_results(as_of=AS_OF)

    assert ResultSnapshot.objects.get(target=first).status != ResultStatus.ERROR
    failed = ResultSnapshot.objects.get(target=second)
    assert failed.status == ResultStatus.ERROR
    assert "ArithmeticError: overflow in a crafted row" in failed.error


@pytest.mark.django_db
def test_the_database_refuses_a_value_beyond_the_range_whatever_writes_it():
    """The range is a CHECK constraint: the raw insert that made every target's result
    fail (1e300 overflowed the job's sums) cannot be made."""
    from django.db import IntegrityError, transaction

    target = live_target()
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_raw(target, 1e300)
    assert not Measurement.objects.exists()
