"""Reviewing the quarterly ledger: reviewers validate each row's benefit, mark rows
reviewed, queue a row's recomputation and close the quarter. Every write takes the
quarter's lock (`rollup.lock_quarter`) and is refused once the quarter is closed."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from config.celery import enqueue_on_commit
from improvement import roles
from metrics.ledger.rollup import is_closed, lock_quarter
from metrics.models import QuarterClose, QuarterClosed, QuarterlyResult


class UnreviewedRows(ValidationError):
    """Closing a quarter some of whose rows nobody has reviewed, without confirming."""

    def __init__(self, year: int, quarter: int, count: int):
        self.count = count
        rows = "1 row" if count == 1 else f"{count} rows"
        super().__init__(
            f"{year} Q{quarter} has {rows} not reviewed yet: confirm to close it anyway."
        )


def require_reviewer(actor, message: str) -> None:
    if not roles.is_reviewer(actor):
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
            "metrics.tasks.rollup_ledger_row",
            year=year,
            quarter=quarter,
            initiative_id=initiative_id,
        )
        queued += 1
    return queued, skipped
