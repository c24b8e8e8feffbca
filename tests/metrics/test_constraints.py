"""Every invariant about numbers is a database constraint: finite values only, one
primary target, one measurement per target and time, one result per target and date,
one ledger row per initiative and quarter."""

import datetime as dt
import math

import pytest
from django.db import connection
from django.utils import timezone

from metrics.models import MAX_VALUE, Measurement, Metric, QuarterlyResult, ResultSnapshot, Target
from tests.constraints import assert_insert_refused, assert_refused
from tests.factories import (
    MeasurementFactory,
    MetricFactory,
    QuarterCloseFactory,
    QuarterlyResultFactory,
    ResultSnapshotFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOT_FINITE = [float("nan"), float("inf"), float("-inf")]


@pytest.mark.parametrize("bad", [{"direction": "up"}, {"pillar": "bogus"}, {"chart_kind": "pie"}])
def test_it_refuses_an_unknown_metric_choice(bad):
    metric = MetricFactory()
    assert_refused(Metric.objects.filter(pk=metric.pk), **bad)


def test_it_refuses_a_second_metric_with_the_same_name():
    MetricFactory(name="Lead time")
    assert_insert_refused(Metric.objects.create, name="Lead time", unit="d", pillar="operational")


def test_it_refuses_a_second_primary_target_on_an_initiative():
    target = TargetFactory(is_primary=True)
    assert_insert_refused(TargetFactory, initiative=target.initiative, is_primary=True)


def test_it_accepts_several_secondary_targets_beside_one_primary():
    primary = TargetFactory(is_primary=True)
    TargetFactory(initiative=primary.initiative, is_primary=False)
    TargetFactory(initiative=primary.initiative, is_primary=False)
    assert primary.initiative.targets.filter(is_primary=True).count() == 1
    assert primary.initiative.targets.count() == 3


def test_it_refuses_the_same_metric_twice_on_an_initiative():
    target = TargetFactory()
    assert_insert_refused(
        TargetFactory, initiative=target.initiative, metric=target.metric, is_primary=False
    )


def assert_never_stored(queryset, field, value):
    """PostgreSQL's CHECK refuses NaN and ±Infinity. SQLite has no NaN: its driver binds NaN
    as NULL, which a nullable column keeps as "no value" — still never a NaN."""
    if math.isnan(value) and connection.vendor == "sqlite":
        queryset.update(**{field: value})
        assert getattr(queryset.get(), field) is None
    else:
        assert_refused(queryset, **{field: value})


@pytest.mark.parametrize("value", NOT_FINITE, ids=repr)
@pytest.mark.parametrize("field", ["baseline_value", "target_value"])
def test_it_refuses_a_target_value_that_is_not_finite(field, value):
    target = TargetFactory()
    assert_never_stored(Target.objects.filter(pk=target.pk), field, value)


def test_it_refuses_a_baseline_window_that_ends_before_it_starts():
    target = TargetFactory()
    assert_refused(
        Target.objects.filter(pk=target.pk),
        baseline_start=dt.date(2026, 3, 1),
        baseline_end=dt.date(2026, 2, 1),
    )


def test_it_refuses_a_frozen_baseline_without_a_value():
    target = TargetFactory(baseline_value=None)
    assert_refused(
        Target.objects.filter(pk=target.pk), frozen_at=timezone.now(), baseline_source="manual"
    )


def test_it_refuses_a_frozen_baseline_without_provenance():
    target = TargetFactory(baseline_value=12.0)
    assert_refused(Target.objects.filter(pk=target.pk), frozen_at=timezone.now())


def test_it_accepts_a_frozen_baseline_with_value_and_provenance():
    target = TargetFactory(baseline_value=12.0)
    Target.objects.filter(pk=target.pk).update(
        frozen_at=timezone.now(), frozen_by=UserFactory(), baseline_source="manual"
    )
    target.refresh_from_db()
    assert target.is_frozen


def test_it_refuses_an_unknown_benefit_type():
    target = TargetFactory()
    assert_refused(Target.objects.filter(pk=target.pk), benefit_type="imaginary")


@pytest.mark.parametrize("value", NOT_FINITE, ids=repr)
def test_it_refuses_a_measurement_that_is_not_finite(value):
    measurement = MeasurementFactory()
    assert_refused(Measurement.objects.filter(pk=measurement.pk), value=value)


def test_it_accepts_a_measurement_at_the_end_of_the_range():
    measurement = MeasurementFactory(value=-MAX_VALUE)
    measurement.refresh_from_db()
    assert measurement.value == -1e15


@pytest.mark.parametrize("value", [1.0000001e15, -1e300, 1.7976931348623157e308])
def test_it_refuses_a_measurement_beyond_the_range(value):
    """Written by any path, the admin's old form included: one such value made the
    results query overflow for every target (issue 12)."""
    assert_insert_refused(MeasurementFactory, value=value)


def test_it_refuses_a_second_measurement_at_the_same_time():
    measurement = MeasurementFactory()
    assert_insert_refused(
        MeasurementFactory, target=measurement.target, observed_at=measurement.observed_at
    )


def test_it_refuses_a_sample_size_of_zero():
    measurement = MeasurementFactory()
    assert_refused(Measurement.objects.filter(pk=measurement.pk), sample_size=0)


def test_it_refuses_an_unknown_measurement_source():
    measurement = MeasurementFactory()
    assert_refused(Measurement.objects.filter(pk=measurement.pk), source="fax")


def test_it_refuses_a_second_result_for_the_same_target_and_date():
    result = ResultSnapshotFactory()
    assert_insert_refused(ResultSnapshotFactory, target=result.target, as_of=result.as_of)


@pytest.mark.parametrize("bad", [{"p_value": 1.5}, {"p_value": -0.1}, {"status": "great"}])
def test_it_refuses_an_impossible_result(bad):
    result = ResultSnapshotFactory()
    assert_refused(ResultSnapshot.objects.filter(pk=result.pk), **bad)


@pytest.mark.parametrize("value", NOT_FINITE, ids=repr)
@pytest.mark.parametrize("field", ["current_mean", "welch_t", "improvement_pct"])
def test_it_refuses_a_result_figure_that_is_not_finite(field, value):
    result = ResultSnapshotFactory()
    assert_never_stored(ResultSnapshot.objects.filter(pk=result.pk), field, value)


def test_it_refuses_a_second_ledger_row_for_the_same_quarter():
    row = QuarterlyResultFactory()
    assert_insert_refused(
        QuarterlyResultFactory, initiative=row.initiative, year=row.year, quarter=row.quarter
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"quarter": 0},
        {"quarter": 5},
        {"year": 1999},
        {"p_value": 2.0},
        {"quarter_mean": float("inf")},
    ],
    ids=repr,
)
def test_it_refuses_an_impossible_ledger_row(bad):
    row = QuarterlyResultFactory()
    assert_refused(QuarterlyResult.objects.filter(pk=row.pk), **bad)


def test_it_refuses_closing_a_quarter_twice():
    closed = QuarterCloseFactory()
    assert_insert_refused(QuarterCloseFactory, year=closed.year, quarter=closed.quarter)


def test_it_refuses_closing_quarter_five():
    assert_insert_refused(QuarterCloseFactory, quarter=5)
