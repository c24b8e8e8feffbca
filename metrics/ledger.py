"""The quarterly ledger: one row per initiative and quarter with the primary target's
figures over that quarter and a computed benefit. A closed quarter is never rewritten."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from metrics.gates import day_start
from metrics.models import QuarterClose, QuarterlyResult
from metrics.results import eligible_targets, figures, sample_stats, welch_for

COMPUTED_FIELDS = [
    "target",
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
    "updated_at",
]


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of the quarter."""
    first = dt.date(year, 3 * quarter - 2, 1)
    following = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return first, following - dt.timedelta(days=1)


def is_closed(year: int, quarter: int) -> bool:
    return QuarterClose.objects.filter(year=year, quarter=quarter).exists()


def quarter_benefit(
    annual: Decimal | None, *, implemented_on: dt.date, first: dt.date, last: dt.date
) -> Decimal | None:
    """A quarter's share of the realized annual benefit (a quarter is a quarter of a year),
    pro-rated to the days of the quarter on or after the change."""
    if annual is None:
        return None
    days = (last - first).days + 1
    live = (last - max(first, implemented_on)).days + 1
    if live <= 0:
        return Decimal("0.00")
    return (annual / 4 * live / days).quantize(Decimal("0.01"))


def rollup_quarter(*, year: int, quarter: int, initiative_id: int | None = None) -> int:
    """Write the quarter's ledger rows from the primary targets' data; returns how many.

    Runs in one transaction that first locks the quarter's existing rows and then checks
    the quarter is open: closing a quarter takes the same locks, so a close and a rollup
    never interleave and a closed quarter is never rewritten."""
    first, last = quarter_bounds(year, quarter)
    targets = eligible_targets(initiative_id).filter(
        is_primary=True, initiative__implemented_on__lte=last
    )
    in_quarter = Q(
        measurements__observed_at__date__gte=F("initiative__implemented_on"),
        measurements__observed_at__gte=day_start(first),
        measurements__observed_at__lt=day_start(last + dt.timedelta(days=1)),
    )
    with transaction.atomic():
        list(QuarterlyResult.objects.select_for_update().filter(year=year, quarter=quarter))
        if is_closed(year, quarter):
            return 0
        rows = list(sample_stats(targets, after=in_quarter))
        if not rows:
            return 0
        t, df, p = welch_for(rows)
        now = timezone.now()
        ledger = []
        for i, row in enumerate(rows):
            f = figures(row, t=t[i], df=df[i], p=p[i])
            ledger.append(
                QuarterlyResult(
                    initiative_id=row["initiative_id"],
                    target_id=row["pk"],
                    year=year,
                    quarter=quarter,
                    n_measurements=row["n_after"],
                    baseline_mean=f.baseline_mean,
                    quarter_mean=f.current_mean,
                    improvement=f.improvement,
                    improvement_pct=f.improvement_pct,
                    progress_pct=f.progress_pct,
                    p_value=f.p_value,
                    significant=f.significant,
                    status=f.status,
                    computed_benefit=quarter_benefit(
                        f.realized_annual_benefit,
                        implemented_on=row["initiative__implemented_on"],
                        first=first,
                        last=last,
                    ),
                    updated_at=now,
                )
            )
        QuarterlyResult.objects.bulk_create(
            ledger,
            update_conflicts=True,
            unique_fields=["initiative", "year", "quarter"],
            update_fields=COMPUTED_FIELDS,
            batch_size=5000,
        )
    return len(ledger)


def rollup_open_quarters(*, today: dt.date | None = None) -> int:
    """Keep the current quarter's rows current, and the previous quarter's until it is
    closed (its last days' data arrive after it ends, and reviewers close it later)."""
    current = quarter_of(today or timezone.localdate())
    return sum(rollup_quarter(year=y, quarter=q) for y, q in (previous_quarter(*current), current))
