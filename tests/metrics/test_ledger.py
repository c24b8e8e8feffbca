"""The quarterly ledger: one row per initiative and quarter from the primary target's
data in the quarter, a pro-rated benefit, reviewer fields kept, closed quarters frozen."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from improvement.models import Stage
from metrics.ledger.rollup import quarter_benefit, rollup_open_quarters, rollup_quarter
from metrics.models import Direction, Measurement, QuarterlyResult, ResultStatus
from tests.factories import (
    LiveInitiativeFactory,
    MetricFactory,
    QuarterCloseFactory,
    ReviewerFactory,
    TargetFactory,
    record_series,
)

pytestmark = pytest.mark.django_db

Q1_FIRST, Q1_LAST = dt.date(2026, 1, 1), dt.date(2026, 3, 31)  # 90 days
# Live from 10 February: 19 days of February and 31 of March = 50 of Q1's 90 days.
CHANGE = dt.date(2026, 2, 10)

COMPUTED = [
    "initiative",
    "target",
    "year",
    "quarter",
    "n_measurements",
    "baseline_mean",
    "quarter_mean",
    "improvement",
    "improvement_pct",
    "progress_pct",
    "p_value",
    "significant",
    "status",
    "computed_benefit",
    "validated_benefit",
    "review_note",
    "updated_at",
]


def live_target(*, implemented_on=CHANGE, is_primary=True, initiative=None, **fields):
    """Cycle time (lower is better), baseline 20, target 12, 1000 a year per hour saved,
    due at the start of 2026 (so every quarter of 2026 is a final look, α = 0.05)."""
    initiative = initiative or LiveInitiativeFactory(implemented_on=implemented_on)
    defaults = {
        "baseline_value": 20.0,
        "target_value": 12.0,
        "target_date": Q1_FIRST,
        "value_per_unit": Decimal("1000"),
        "metric": MetricFactory(direction=Direction.LOWER_IS_BETTER),
    }
    return TargetFactory(initiative=initiative, is_primary=is_primary, **{**defaults, **fields})


@pytest.fixture
def target():
    """Before the change 20, 22, 18, 20; in Q1 after it 15, 16, 14, 15 (mean 15: an
    improvement of 5 hours, 5000 a year); in April 12.9, 13.1 (another quarter)."""
    target = live_target()
    record_series(target, first=CHANGE - dt.timedelta(days=4), values=[20, 22, 18, 20])
    record_series(target, first=CHANGE, values=[15, 16, 14, 15])
    record_series(target, first=dt.date(2026, 4, 1), values=[12.9, 13.1])
    return target


def ledger_rows():
    return list(
        QuarterlyResult.objects.order_by("initiative_id", "year", "quarter").values(*COMPUTED)
    )


def test_it_writes_the_primary_targets_figures_for_the_quarter(target):
    written = rollup_quarter(year=2026, quarter=1)

    assert written == 1
    row = QuarterlyResult.objects.get()
    assert (row.initiative_id, row.target_id, row.year, row.quarter) == (
        target.initiative_id,
        target.pk,
        2026,
        1,
    )
    assert row.n_measurements == 4
    assert row.baseline_mean == 20.0
    assert row.quarter_mean == pytest.approx(15.0)
    assert row.improvement == pytest.approx(5.0)
    assert row.improvement_pct == pytest.approx(25.0)
    assert row.progress_pct == pytest.approx(62.5)  # (15 − 20) / (12 − 20)
    assert row.significant is True
    assert row.status == ResultStatus.IMPROVING


def test_it_pro_rates_the_benefit_to_the_days_after_the_change(target):
    rollup_quarter(year=2026, quarter=1)

    row = QuarterlyResult.objects.get()
    # 5 × 1000 a year, a quarter of it, for 50 of the quarter's 90 days: 694.444… → 694.44
    assert row.computed_benefit == Decimal("694.44")


def test_it_counts_a_whole_quarter_after_an_earlier_change():
    target = live_target(implemented_on=dt.date(2025, 11, 3))
    record_series(target, first=dt.date(2026, 1, 5), values=[15, 16, 14, 15])

    rollup_quarter(year=2026, quarter=1)

    row = QuarterlyResult.objects.get()
    assert row.computed_benefit == Decimal("1250.00")  # 5000 / 4


def test_it_averages_only_the_quarters_measurements_on_or_after_the_change(target):
    # A point on the last day of the quarter counts; the April ones and the ones before
    # the change do not.
    Measurement.objects.create(
        target=target, observed_at=dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), value=10
    )

    rollup_quarter(year=2026, quarter=1)

    row = QuarterlyResult.objects.get()
    assert row.n_measurements == 5
    assert row.quarter_mean == pytest.approx(14.0)  # (15 + 16 + 14 + 15 + 10) / 5


def test_it_rolls_up_a_quarter_with_a_single_measurement():
    # Live in the last days of a quarter: one point, too few for Welch, not an error.
    target = live_target(implemented_on=dt.date(2026, 3, 30))
    record_series(target, first=dt.date(2026, 3, 26), values=[20, 22, 18, 20])
    record_series(target, first=dt.date(2026, 3, 31), values=[15])

    written = rollup_quarter(year=2026, quarter=1)

    assert written == 1
    row = QuarterlyResult.objects.get()
    assert (row.n_measurements, row.quarter_mean) == (1, 15.0)
    assert row.p_value is row.significant is None
    assert row.status == ResultStatus.INSUFFICIENT_DATA
    # Not proven: booked apart. 5000 / 4 × 2 / 90 = 27.777…
    assert (row.computed_benefit, row.unproven_benefit) == (None, Decimal("27.78"))


def test_it_writes_the_next_quarter_from_that_quarters_data(target):
    written = rollup_quarter(year=2026, quarter=2)

    assert written == 1
    row = QuarterlyResult.objects.get()
    assert (row.year, row.quarter, row.n_measurements) == (2026, 2, 2)
    assert row.quarter_mean == pytest.approx(13.0)
    assert row.computed_benefit == Decimal("1750.00")  # (20 − 13) × 1000 / 4, whole quarter


def test_it_writes_one_row_per_initiative_with_a_primary_target(target):
    live_target(initiative=target.initiative, is_primary=False)  # a second target
    live_target(is_primary=False)  # an initiative without a primary target
    live_target(implemented_on=dt.date(2026, 4, 15))  # live only after Q1
    backlog = LiveInitiativeFactory(stage=Stage.BACKLOG)
    live_target(initiative=backlog)

    written = rollup_quarter(year=2026, quarter=1)

    assert written == 1
    assert list(QuarterlyResult.objects.values_list("initiative", "target")) == [
        (target.initiative_id, target.pk)
    ]


def test_it_rewrites_the_same_rows_when_run_twice(target):
    live_target()  # a second initiative, no data: a no-data row
    rollup_quarter(year=2026, quarter=1)
    first = [{k: v for k, v in row.items() if k != "updated_at"} for row in ledger_rows()]

    written = rollup_quarter(year=2026, quarter=1)

    assert written == 2
    second = [{k: v for k, v in row.items() if k != "updated_at"} for row in ledger_rows()]
    assert second == first
    assert QuarterlyResult.objects.count() == 2


def test_it_keeps_the_reviewers_benefit_and_note(target):
    rollup_quarter(year=2026, quarter=1)
    reviewer = ReviewerFactory()
    reviewed_at = timezone.now()
    QuarterlyResult.objects.update(
        validated_benefit=Decimal("600.00"),
        review_note="Checked against the overtime bill.",
        reviewed_by=reviewer,
        reviewed_at=reviewed_at,
    )
    record_series(target, first=dt.date(2026, 3, 30), values=[10, 10])  # new data

    written = rollup_quarter(year=2026, quarter=1)

    assert written == 1
    row = QuarterlyResult.objects.get()
    assert row.validated_benefit == Decimal("600.00")
    assert row.review_note == "Checked against the overtime bill."
    assert (row.reviewed_by, row.reviewed_at) == (reviewer, reviewed_at)
    assert row.n_measurements == 6  # the computed figures did move on
    assert row.quarter_mean == pytest.approx(80 / 6)


def test_it_never_rewrites_a_closed_quarter(target):
    rollup_quarter(year=2026, quarter=1)
    before = ledger_rows()
    QuarterCloseFactory(year=2026, quarter=1)
    Measurement.objects.filter(target=target).update(value=99)
    record_series(target, first=dt.date(2026, 3, 30), values=[10, 10])

    written = rollup_quarter(year=2026, quarter=1)

    assert written == 0
    assert ledger_rows() == before


def test_it_writes_nothing_for_a_quarter_closed_before_its_first_rollup(target):
    QuarterCloseFactory(year=2026, quarter=1)

    written = rollup_quarter(year=2026, quarter=1)

    assert written == 0
    assert not QuarterlyResult.objects.exists()


def test_it_rolls_up_the_current_and_the_previous_quarter(target):
    written = rollup_open_quarters(today=dt.date(2026, 4, 10))

    assert written == 2
    assert set(QuarterlyResult.objects.values_list("year", "quarter")) == {(2026, 1), (2026, 2)}


def test_it_rolls_up_the_last_quarter_of_the_previous_year_in_january():
    target = live_target(implemented_on=dt.date(2025, 11, 3))
    record_series(target, first=dt.date(2025, 11, 3), values=[15, 16])

    written = rollup_open_quarters(today=dt.date(2026, 1, 15))

    assert written == 2
    assert set(QuarterlyResult.objects.values_list("year", "quarter")) == {(2025, 4), (2026, 1)}


def test_it_skips_a_closed_previous_quarter(target):
    QuarterCloseFactory(year=2026, quarter=1)

    written = rollup_open_quarters(today=dt.date(2026, 4, 10))

    assert written == 1
    assert list(QuarterlyResult.objects.values_list("year", "quarter")) == [(2026, 2)]


# --- the pro-rating itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("implemented_on", "expected"),
    [
        (dt.date(2025, 12, 1), Decimal("1250.00")),  # live all quarter: 5000 / 4
        (Q1_FIRST, Decimal("1250.00")),
        (dt.date(2026, 2, 15), Decimal("625.00")),  # 45 of 90 days
        (dt.date(2026, 2, 10), Decimal("694.44")),  # 50 of 90 days
        (Q1_LAST, Decimal("13.89")),  # 1 of 90 days: 1250 / 90 = 13.888…
        (dt.date(2026, 4, 1), Decimal("0.00")),  # after the quarter
    ],
)
def test_it_pro_rates_a_quarter_of_the_annual_benefit(implemented_on, expected):
    benefit = quarter_benefit(
        Decimal("5000.00"), implemented_on=implemented_on, first=Q1_FIRST, last=Q1_LAST
    )

    assert benefit == expected


def test_it_has_no_quarter_benefit_without_an_annual_one():
    assert quarter_benefit(None, implemented_on=CHANGE, first=Q1_FIRST, last=Q1_LAST) is None
