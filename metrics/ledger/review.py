"""Reviewing the quarterly ledger: reviewers validate each row's benefit, mark rows
reviewed, queue a row's recomputation and close the quarter once it has ended; an
administrator may reopen a closed quarter, with a reason. Every write takes the quarter's
lock (`rollup.lock_quarter`) and is refused once the quarter is closed."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import enqueue_on_commit
from improvement import roles
from metrics import events
from metrics.ledger.rollup import is_closed, lock_quarter
from metrics.models import QuarterClose, QuarterClosed, QuarterlyResult, QuarterReopen
from metrics.periods import quarter_bounds


class UnreviewedRows(ValidationError):
    """Closing a quarter some of whose rows nobody has reviewed, without confirming."""

    def __init__(self, year: int, quarter: int, count: int):
        self.count = count
        rows = "1 row" if count == 1 else f"{count} rows"
        super().__init__(
            f"{year} Q{quarter} has {rows} not reviewed yet: confirm to close it anyway."
        )


class QuarterNotEnded(ValidationError):
    """Closing a quarter whose last day is today or later: the rollup keeps writing a
    quarter until it has ended (and its last days' data are in), so a close before then
    would freeze figures that are still coming."""

    def __init__(self, year: int, quarter: int, last: dt.date):
        self.year, self.quarter = year, quarter
        super().__init__(
            f"{year} Q{quarter} has not ended yet (its last day is {last:%Y-%m-%d}): "
            "a quarter can be closed only after it has ended."
        )


class QuarterNotClosed(ValidationError):
    """Reopening a quarter that is open."""

    def __init__(self, year: int, quarter: int):
        self.year, self.quarter = year, quarter
        super().__init__(f"{year} Q{quarter} is not closed: there is nothing to reopen.")


def require_reviewer(actor, message: str) -> None:
    if not roles.is_reviewer(actor):
        raise PermissionDenied(message)


def check_quarter(year: int, quarter: int) -> None:
    """A calendar quarter the ledger can hold (its rows' constraints: 2000–2200, Q1–Q4)."""
    if not (isinstance(year, int) and isinstance(quarter, int)):
        raise ValidationError(_("Give the year and the quarter as whole numbers."))
    if not (2000 <= year <= 2200 and 1 <= quarter <= 4):
        raise ValidationError(
            _("%(year)s Q%(quarter)s is not a quarter of the ledger (2000–2200, Q1–Q4).")
            % {"year": year, "quarter": quarter}
        )


def check_ended(year: int, quarter: int, *, today: dt.date | None = None) -> None:
    """Raise QuarterNotEnded unless the quarter's last day is before today (the site's
    local date, settings.TIME_ZONE)."""
    check_quarter(year, quarter)
    last = quarter_bounds(year, quarter)[1]
    if last >= (today or timezone.localdate()):
        raise QuarterNotEnded(year, quarter, last)


def unreviewed_count(year: int, quarter: int) -> int:
    return QuarterlyResult.objects.filter(
        year=year, quarter=quarter, reviewed_at__isnull=True
    ).count()


def close_quarter(
    *, year: int, quarter: int, actor, confirm_unreviewed: bool = False, note: str = ""
) -> QuarterClose:
    """Close the quarter: from now on its ledger rows are frozen.

    Reviewers only. Refuses a quarter that has not ended (QuarterNotEnded), one already
    closed (QuarterClosed), and (UnreviewedRows, naming how many) one with unreviewed
    rows unless `confirm_unreviewed`. Takes the rollup's locks first, so the rows it
    checks are the rows it freezes."""
    require_reviewer(actor, "Only reviewers can close a quarter.")
    check_ended(year, quarter)
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
        events.send_on_commit(events.quarter_closed, close_id=close.pk)
    return close


def reopen_quarter(*, year: int, quarter: int, actor, reason: str) -> QuarterReopen:
    """Reopen a closed quarter: its rows can be reviewed and the rollup writes them again
    until it is closed again.

    Administrators only, with a reason. Records the reopen with the close it undoes (who
    closed the quarter, when, and their note) and deletes the close, so everything that
    checks for a closed quarter sees it open. Refuses a quarter that is not closed
    (QuarterNotClosed). Takes the quarter's lock, as a close does, so a reopen never
    interleaves with a close, a rollup or a review of the quarter."""
    if not roles.is_admin(actor):
        raise PermissionDenied(_("Only an administrator can reopen a closed quarter."))
    check_quarter(year, quarter)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the quarter is reopened.")})
    with transaction.atomic():
        lock_quarter(year, quarter)
        close = QuarterClose.objects.filter(year=year, quarter=quarter).first()
        if close is None:
            raise QuarterNotClosed(year, quarter)
        reopen = QuarterReopen(
            year=year,
            quarter=quarter,
            closed_at=close.closed_at,
            closed_by_id=close.closed_by_id,
            close_note=close.note,
            reopened_by=actor,
            reason=reason,
        )
        reopen.full_clean()
        reopen.save()
        close.delete()
    return reopen


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
