import smtplib

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone, translation

from accounts.services import language_of
from config.celery import DAILY_JOB
from improvement.models import Notification
from improvement.notifications import DIGEST_DUE, digest_email, email_subject
from improvement.reminders import remind_stale

# How much of a failed send's error the notification keeps.
ERROR_TEXT = 1000


class TransientMailError(Exception):
    """The mail server answered 4xx: a temporary refusal, to be tried again later."""


# Transient failures worth retrying: the mail server or the network hiccupped, or the
# database connection dropped. Not OSError as a whole: every smtplib error is one, and a
# refused login or address (5xx) fails the same way however often it is retried.
# (socket.timeout is TimeoutError.)
TRANSIENT = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
    TransientMailError,
    OperationalError,
    InterfaceError,
)


def _send(subject: str, message: str, to: str) -> None:
    """Send one email. A 4xx reply is SMTP's "try again later" (a busy server, greylisting,
    RFC 5321 4.2.1): it becomes TransientMailError, retried; a 5xx reply is final."""
    try:
        send_mail(subject, message, None, [to])
    except smtplib.SMTPResponseException as exc:
        if 400 <= exc.smtp_code < 500:
            raise TransientMailError(str(exc)) from exc
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        # Greylisting answers the RCPT command, so it arrives as a refused recipient.
        if all(400 <= code < 500 for code, _ in exc.recipients.values()):
            raise TransientMailError(str(exc)) from exc
        raise


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,
)
def send_notification_emails(self, notification_ids: list[int]) -> int:
    """Email each notification not emailed (nor given up on) yet; returns how many went out.

    Each row is claimed (emailed_at set) in the same transaction that sends it, so a
    retry after a transient failure sends only what is left. A row that cannot be sent —
    refused for good, or still failing on the last try — is marked failed (email_failed_at,
    email_error, shown in the admin) and the others still go out; the job then fails with
    the first such error, so the worker's log shows it too."""
    last_try = self.request.retries >= self.max_retries
    sent = 0
    failures = []
    # Never a digest row: its email waits for the daily digest.
    pending = Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True, email_failed_at__isnull=True
    ).exclude(digest=True)
    for pk in pending.values_list("pk", flat=True):
        try:
            sent += _send_one(pk)
        except SoftTimeLimitExceeded:
            raise  # out of time: what is left stays pending for a later run
        except TRANSIENT as exc:
            if not last_try:
                raise  # retried: what went out stays sent, the rest is tried again
            _mark_failed(pk, exc)
            failures.append(exc)
        except Exception as exc:  # a 5xx, a refused address: the same however often tried
            _mark_failed(pk, exc)
            failures.append(exc)
    if failures:
        raise failures[0]
    return sent


def _send_one(pk: int) -> int:
    """Send notification `pk` if it is still pending and its recipient has an address;
    1 if it went out. Raises what sending raised, with the row left pending."""
    with transaction.atomic():
        row = (
            # of=self: the initiative join is nullable, and PostgreSQL cannot lock the
            # nullable side of an outer join.
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "initiative")
            .filter(pk=pk, emailed_at__isnull=True, email_failed_at__isnull=True, digest=False)
            .first()
        )
        if row is None or not row.recipient.email:
            return 0
        # The subject in the recipient's language, as their message was written.
        with translation.override(language_of(row.recipient)):
            subject = email_subject(row)
        _send(subject, row.message, row.recipient.email)
        row.emailed_at = timezone.now()
        row.save(update_fields=["emailed_at"])
        return 1


def _mark_failed(pk: int, error: Exception) -> None:
    """Give up on emailing `pk`, saying why. In its own statement, after the sending
    transaction: a dropped database connection may have broken that one."""
    text = f"{type(error).__name__}: {error}"[:ERROR_TEXT]
    Notification.objects.filter(pk=pk, emailed_at__isnull=True).update(
        email_failed_at=timezone.now(), email_error=text
    )


# Rows per UPDATE: SQLite caps the parameters of a statement.
MARK_BATCH = 500


@shared_task(
    bind=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=8 * 60,
    time_limit=10 * 60,
    acks_late=True,
)
def send_daily_digests(self) -> int:
    """One email to each person with every digest notification of theirs not emailed yet
    — everything since their last digest; returns how many went out.

    Safe to run again: a person's rows are claimed, sent and marked emailed in one
    transaction, so a second run, or a retry after a transient failure, sends only what
    is left (nothing, the same day). A digest that cannot be sent is marked failed on its
    rows (shown in the admin) and the others still go out; the job then fails with the
    first such error, as send_notification_emails does."""
    last_try = self.request.retries >= self.max_retries
    started = timezone.now()
    sent = 0
    failures = []
    for user_id in _digest_recipients():
        try:
            sent += _send_digest(user_id)
        except SoftTimeLimitExceeded:
            raise  # out of time: the others' digests go out on the next run
        except TRANSIENT as exc:
            if not last_try:
                raise  # retried: the digests that went out stay sent
            _mark_digest_failed(user_id, started, exc)
            failures.append(exc)
        except Exception as exc:  # a 5xx, a refused address
            _mark_digest_failed(user_id, started, exc)
            failures.append(exc)
    if failures:
        raise failures[0]
    return sent


def _digest_recipients() -> list[int]:
    """Who has digest rows due and an address to send them to (the partial index
    notification_digest_due_idx holds just those rows)."""
    return list(
        Notification.objects.filter(DIGEST_DUE, recipient__is_active=True)
        .exclude(recipient__email="")
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )


def _send_digest(user_id: int) -> int:
    """Send `user_id` their digest of the rows due now; 1 if it went out. Raises what
    sending raised, with the rows left due."""
    with transaction.atomic():
        rows = list(
            # of=self: as in _send_one, the initiative join is nullable.
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(DIGEST_DUE, recipient_id=user_id)
            .order_by("created_at", "id")
        )
        if not rows or not rows[0].recipient.email:
            return 0
        with translation.override(language_of(rows[0].recipient)):
            subject, text = digest_email(rows)
        _send(subject, text, rows[0].recipient.email)
        ids = [row.pk for row in rows]
        now = timezone.now()
        for start in range(0, len(ids), MARK_BATCH):
            Notification.objects.filter(pk__in=ids[start : start + MARK_BATCH]).update(
                emailed_at=now
            )
        return 1


def _mark_digest_failed(user_id: int, started, error: Exception) -> None:
    """Give up on `user_id`'s digest of the rows due when this run started, saying why;
    what arrives later goes in the next digest."""
    text = f"{type(error).__name__}: {error}"[:ERROR_TEXT]
    Notification.objects.filter(DIGEST_DUE, recipient_id=user_id, created_at__lte=started).update(
        email_failed_at=timezone.now(), email_error=text
    )


@shared_task(**DAILY_JOB)
def send_stale_reminders() -> int:
    return remind_stale()
