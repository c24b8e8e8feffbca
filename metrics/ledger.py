"""The quarterly ledger: one row per initiative and quarter with the primary target's
figures over that quarter and a computed benefit; reviewers validate the benefit, mark
rows reviewed and close the quarter. A closed quarter is never rewritten.

Everything that writes a quarter's rows or closes it first takes `lock_quarter()`, so a
close never interleaves with a rollup, a validation or a review of the same quarter."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from improvement import roles
from metrics import tasks
from metrics.figures import figures
from metrics.gates import day_start
from metrics.models import QuarterClose, QuarterClosed, QuarterlyResult
from metrics.samples import fetch_samples

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
        result = figures(samples)
        now = timezone.now()
        ledger = []
        for i, target_id in enumerate(samples.target_id):
            f = SimpleNamespace(**result.row(i))
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
                    computed_benefit=quarter_benefit(
                        f.realized_annual_benefit,
                        implemented_on=samples.implemented_on[i],
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


# --- review -------------------------------------------------------------------------------


class UnreviewedRows(ValidationError):
    """Closing a quarter some of whose rows nobody has reviewed, without confirming."""

    def __init__(self, year: int, quarter: int, count: int):
        self.count = count
        rows = "1 row" if count == 1 else f"{count} rows"
        super().__init__(
            f"{year} Q{quarter} has {rows} not reviewed yet: confirm to close it anyway."
        )


def require_reviewer(actor, message: str) -> None:
    if not (roles.is_reviewer(actor) or roles.is_admin(actor)):
        raise PermissionDenied(message)


def unreviewed_count(year: int, quarter: int) -> int:
    return QuarterlyResult.objects.filter(
        year=year, quarter=quarter, reviewed_at__isnull=True
    ).count()


def close_quarter(
    *, year: int, quarter: int, actor, confirm_unreviewed: bool = False, note: str = ""
) -> QuarterClose:
    """Close the quarter: from now on its ledger rows are frozen.

    Reviewers only. Refuses (UnreviewedRows, naming how many) while rows are unreviewed
    unless `confirm_unreviewed`, and refuses a quarter already closed (QuarterClosed).
    Takes the rollup's locks first, so the rows it checks are the rows it freezes."""
    require_reviewer(actor, "Only reviewers can close a quarter.")
    with transaction.atomic():
        rows = lock_quarter(year, quarter)
        if is_closed(year, quarter):
            raise QuarterClosed(year, quarter, f"{year} Q{quarter} is already closed.")
        unreviewed = sum(row.reviewed_at is None for row in rows)
        if unreviewed and not confirm_unreviewed:
            raise UnreviewedRows(year, quarter, unreviewed)
        close = QuarterClose(year=year, quarter=quarter, closed_by=actor, note=note)
        close.full_clean(validate_unique=False)
        try:
            with transaction.atomic():
                close.save()
        except IntegrityError:  # closed by someone else since our check (SQLite only)
            raise QuarterClosed(year, quarter, f"{year} Q{quarter} is already closed.") from None
    return close


def validate_benefit(
    *, row: QuarterlyResult, actor, validated_benefit: Decimal | None, review_note: str
) -> QuarterlyResult:
    """Record the reviewer's validated benefit and note on an open quarter's row."""
    require_reviewer(actor, "Only reviewers validate benefits.")
    with transaction.atomic():
        locked = QuarterlyResult.objects.select_for_update().get(pk=row.pk)
        locked.validated_benefit = validated_benefit
        locked.review_note = review_note
        locked.clean_fields(
            exclude=[
                f.name
                for f in QuarterlyResult._meta.fields
                if f.name not in ("validated_benefit", "review_note")
            ]
        )
        # save() checks the quarter is open, now that the row is locked.
        locked.save(update_fields=["validated_benefit", "review_note", "updated_at"])
    row.validated_benefit, row.review_note = locked.validated_benefit, locked.review_note
    row.updated_at = locked.updated_at
    return row


def mark_reviewed(*, rows, actor) -> int:
    """Record who reviewed the rows and when; all or nothing, refused if any of them is
    in a closed quarter. Returns how many rows were marked."""
    require_reviewer(actor, "Only reviewers can mark ledger rows reviewed.")
    pks = [row.pk for row in rows]
    with transaction.atomic():
        locked = QuarterlyResult.objects.select_for_update().filter(pk__in=pks).order_by("pk")
        quarters = {(y, q) for y, q in locked.values_list("year", "quarter")}
        if quarters:
            any_of = Q()
            for y, q in quarters:
                any_of |= Q(year=y, quarter=q)
            closed = QuarterClose.objects.filter(any_of).order_by("year", "quarter").first()
            if closed is not None:
                raise QuarterClosed(closed.year, closed.quarter)
        now = timezone.now()
        return QuarterlyResult.objects.filter(pk__in=pks).update(
            reviewed_by=actor, reviewed_at=now, updated_at=now
        )


def recompute_rows(*, rows, actor) -> tuple[int, int]:
    """Queue the rollup of each selected row of an open quarter (after commit); returns
    (queued, skipped because their quarter is closed)."""
    from config.celery import enqueue_on_commit

    require_reviewer(actor, "Only reviewers can recompute ledger rows.")
    keys = (
        QuarterlyResult.objects.filter(pk__in=[row.pk for row in rows])
        .with_closed()
        .order_by("year", "quarter", "initiative_id")
        .values_list("year", "quarter", "initiative_id", "closed")
    )
    queued = skipped = 0
    for year, quarter, initiative_id, closed in keys:
        if closed:
            skipped += 1
            continue
        enqueue_on_commit(
            tasks.rollup_ledger_row, year=year, quarter=quarter, initiative_id=initiative_id
        )
        queued += 1
    return queued, skipped
