"""Writing the quarterly ledger: one row per initiative and quarter with the primary
target's figures over that quarter — the quarter's after data tested against the same
"before" as the result (the baseline window, else the data before the change date, in
every quarter) — and its benefit, booked as proven (`computed_benefit`) only when that
test is significant, else as `unproven_benefit`. A closed quarter is never rewritten.

Everything that writes a quarter's rows or closes it first takes `lock_quarter()`, so a
close never interleaves with a rollup, a validation or a review of the same quarter."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from metrics.models import QuarterClose, QuarterlyResult
from metrics.periods import day_start, previous_quarter, quarter_bounds, quarter_of
from metrics.results.figures import figures
from metrics.results.samples import fetch_samples

# The first key of the PostgreSQL advisory lock on a quarter (the second is the quarter).
LEDGER_LOCK_NAMESPACE = 7_101_972

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
    "test_method",
    "alpha",
    "improvement_low",
    "improvement_high",
    "computed_benefit",
    "unproven_benefit",
    "benefit_low",
    "benefit_high",
    "updated_at",
]


def is_closed(year: int, quarter: int) -> bool:
    return QuarterClose.objects.filter(year=year, quarter=quarter).exists()


def lock_quarter(year: int, quarter: int) -> list[QuarterlyResult]:
    """Lock the quarter for the rest of the transaction; returns its rows, locked.

    The rows are locked in primary-key order (the same order everywhere, so two lockers
    cannot deadlock). Row locks alone do not cover a quarter with no rows yet — a first
    rollup could insert rows just as the quarter is being closed — so on PostgreSQL an
    advisory lock on the quarter is taken first. SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)",
                [LEDGER_LOCK_NAMESPACE, year * 10 + quarter],
            )
    return list(
        QuarterlyResult.objects.select_for_update()
        .filter(year=year, quarter=quarter)
        .order_by("pk")
    )


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
    with transaction.atomic():
        lock_quarter(year, quarter)
        if is_closed(year, quarter):
            return 0
        samples = fetch_samples(
            after_from=day_start(first),
            until=day_start(last + dt.timedelta(days=1)),
            initiative_id=initiative_id,
            primary_only=True,
            implemented_by=last,
        )
        if not len(samples):
            return 0
        # The quarter is looked at as of its last day: interim while that is before the
        # target's due date.
        result = figures(samples, look=last)
        now = timezone.now()
        ledger = []
        for i, target_id in enumerate(samples.target_id):
            f = SimpleNamespace(**result.row(i))

            def share(annual, i=i):
                return quarter_benefit(
                    annual, implemented_on=samples.implemented_on[i], first=first, last=last
                )

            benefit = share(f.realized_annual_benefit)
            ledger.append(
                QuarterlyResult(
                    initiative_id=samples.initiative_id[i],
                    target_id=target_id,
                    year=year,
                    quarter=quarter,
                    n_measurements=int(samples.n_after[i]),
                    baseline_mean=f.baseline_mean,
                    quarter_mean=f.current_mean,
                    improvement=f.improvement,
                    improvement_pct=f.improvement_pct,
                    progress_pct=f.progress_pct,
                    p_value=f.p_value,
                    significant=f.significant,
                    status=f.status,
                    test_method=f.test_method,
                    alpha=f.alpha,
                    improvement_low=f.improvement_low,
                    improvement_high=f.improvement_high,
                    # Booked as proven only when the quarter's test is significant.
                    computed_benefit=benefit if f.significant else None,
                    unproven_benefit=None if f.significant else benefit,
                    benefit_low=share(f.benefit_low),
                    benefit_high=share(f.benefit_high),
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


def rollup_open_quarters(*, today: dt.date | None = None, initiative_id: int | None = None) -> int:
    """Keep the current quarter's rows current, and the previous quarter's until it is
    closed (its last days' data arrive after it ends, and reviewers close it later);
    returns how many rows were written.

    Every initiative's rows (the nightly rollup), or only `initiative_id`'s (after its
    data or stage changed, from the per-initiative results job)."""
    current = quarter_of(today or timezone.localdate())
    return sum(
        rollup_quarter(year=y, quarter=q, initiative_id=initiative_id)
        for y, q in (previous_quarter(*current), current)
    )
