"""The email job retries what may pass (a dropped connection, a 4xx "try again later")
and nothing else: a refused login or address fails once, and the notification stays
unsent for the next run to pick up."""

import smtplib

import pytest

from improvement import tasks
from improvement.tasks import send_notification_emails
from tests.factories import NotificationFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

TRANSIENT = {
    "disconnected": smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    "refused connection": ConnectionRefusedError(111, "Connection refused"),
    "timeout": TimeoutError("timed out"),
    "busy server": smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    "greylisted": smtplib.SMTPRecipientsRefused({"a@example.com": (450, b"4.2.0 Greylisted")}),
}
PERMANENT = {
    "refused login": smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),
    "unknown address": smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"5.1.1 No such")}),
    "rejected message": smtplib.SMTPDataError(554, b"5.7.1 Rejected"),
}


def failing_first(monkeypatch, error: Exception, *, times: int = 1) -> list:
    """Make the job's send_mail raise `error` the first `times` calls, then really send."""
    calls = []
    real = tasks.send_mail

    def send_mail(*args, **kwargs):
        calls.append(args)
        if len(calls) <= times:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", send_mail)
    return calls


@pytest.mark.parametrize("error", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_it_retries_a_transient_failure(monkeypatch, mailoutbox, error):
    notification = NotificationFactory()
    calls = failing_first(monkeypatch, error)

    # throw=False: an eager task re-runs its retry in place instead of raising Retry.
    outcome = send_notification_emails.apply(args=[[notification.pk]], throw=False)

    assert outcome.get() == 1
    assert len(calls) == 2
    assert [mail.to for mail in mailoutbox] == [[notification.recipient.email]]
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.parametrize("error", PERMANENT.values(), ids=PERMANENT.keys())
def test_it_does_not_retry_a_permanent_failure(monkeypatch, mailoutbox, error):
    notification = NotificationFactory()
    calls = failing_first(monkeypatch, error, times=10)

    outcome = send_notification_emails.apply(args=[[notification.pk]], throw=False)

    assert outcome.failed()
    assert outcome.result is error
    assert len(calls) == 1
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None
