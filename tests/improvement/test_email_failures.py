"""An email is never blocked by what a person typed, and one that cannot be sent is
marked failed, with the reason, where the admin shows it — not left pending for ever."""

import smtplib

import pytest

from improvement import tasks
from improvement.notifications import SUBJECT_LENGTH, one_line
from improvement.tasks import send_notification_emails
from tests.factories import AdminFactory, InitiativeFactory, NotificationFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def failing(monkeypatch, error: Exception, *, for_address: str | None = None) -> list:
    """Make the job's send_mail raise `error` every time (for one address only, if given);
    the list of addresses it was called for."""
    calls = []
    real = tasks.send_mail

    def send_mail(subject, message, sender, to, **kwargs):
        calls.append(to)
        if for_address is None or to == [for_address]:
            raise error
        return real(subject, message, sender, to, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", send_mail)
    return calls


# --- subjects ----------------------------------------------------------------------------


def test_it_sends_the_email_of_a_title_with_line_breaks_on_one_line(mailoutbox):
    initiative = InitiativeFactory(title="Fewer\r\nhand-offs\n\tat  the desk")
    notification = NotificationFactory(initiative=initiative)

    assert send_notification_emails([notification.pk]) == 1

    assert [mail.subject for mail in mailoutbox] == ["[Improvement] Fewer hand-offs at the desk"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.email_failed_at is None


def test_it_cuts_a_long_title_in_the_subject(mailoutbox):
    notification = NotificationFactory(initiative=InitiativeFactory(title="word " * 40))

    send_notification_emails([notification.pk])

    (subject,) = [mail.subject for mail in mailoutbox]
    assert len(subject) <= SUBJECT_LENGTH
    assert subject.startswith("[Improvement] word word")
    assert subject.endswith("word…")


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short", 10, "short"),
        ("  a\u2028b\x0bc\x85d\r\n", 10, "a b c d"),
        ("x" * 10, 10, "x" * 10),
        ("x" * 11, 10, "x" * 9 + "…"),
        ("abcd efgh", 6, "abcd…"),
    ],
)
def test_it_puts_text_on_one_line_within_a_limit(text, limit, expected):
    assert one_line(text, limit) == expected


# --- failures ----------------------------------------------------------------------------


def test_it_marks_a_permanently_refused_email_failed_and_sends_the_others(monkeypatch, mailoutbox):
    refused, fine = NotificationFactory(), NotificationFactory()
    error = smtplib.SMTPRecipientsRefused({refused.recipient.email: (550, b"5.1.1 No such user")})
    calls = failing(monkeypatch, error, for_address=refused.recipient.email)

    outcome = send_notification_emails.apply(args=[[refused.pk, fine.pk]], throw=False)

    assert outcome.failed()  # the worker's log shows it too
    assert len(calls) == 2  # tried once each: a 5xx is not retried
    assert [mail.to for mail in mailoutbox] == [[fine.recipient.email]]
    refused.refresh_from_db()
    fine.refresh_from_db()
    assert refused.emailed_at is None
    assert refused.email_failed_at is not None
    assert refused.email_error.startswith("SMTPRecipientsRefused: ")
    assert "5.1.1 No such user" in refused.email_error
    assert fine.emailed_at is not None
    assert fine.email_failed_at is None


def test_it_marks_an_email_failed_when_the_last_retry_fails_too(monkeypatch, mailoutbox):
    notification = NotificationFactory()
    calls = failing(monkeypatch, smtplib.SMTPDataError(451, b"4.3.0 Try again later"))

    # Run as the last retry would be: `retries` already at the task's maximum.
    last = send_notification_emails.max_retries
    outcome = send_notification_emails.apply(args=[[notification.pk]], retries=last, throw=False)

    assert outcome.failed()
    assert len(calls) == 1
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None
    assert notification.email_failed_at is not None
    assert "4.3.0 Try again later" in notification.email_error


def test_it_leaves_an_email_pending_while_retries_remain(monkeypatch, mailoutbox):
    notification = NotificationFactory()
    failing(monkeypatch, ConnectionRefusedError(111, "Connection refused"))

    with pytest.raises(ConnectionRefusedError):
        # A first run, called in place: the transient error is raised for Celery to retry.
        send_notification_emails.run([notification.pk])

    notification.refresh_from_db()
    assert notification.email_failed_at is None
    assert notification.email_error == ""


def test_it_never_tries_a_failed_email_again(monkeypatch, mailoutbox):
    notification = NotificationFactory()
    failing(monkeypatch, smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"))
    send_notification_emails.apply(args=[[notification.pk]], throw=False)
    monkeypatch.undo()

    assert send_notification_emails([notification.pk]) == 0

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.emailed_at is None


# --- the admin ---------------------------------------------------------------------------


def test_it_lists_failed_emails_in_the_admin(web_as, monkeypatch):
    recipient = UserFactory(username="unreachable")
    failed = NotificationFactory(recipient=recipient)
    NotificationFactory(recipient=UserFactory(username="reachable"))
    failing(monkeypatch, smtplib.SMTPRecipientsRefused({recipient.email: (550, b"No such")}))
    send_notification_emails.apply(args=[[failed.pk]], throw=False)

    response = web_as(AdminFactory(username="admin")).get(
        "/admin/improvement/notification/", {"email": "failed"}
    )

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [failed]
    html = response.content.decode()
    assert "failed: SMTPRecipientsRefused" in html
