"""Every move tells the submitter, the owner and the watchers — once each, never the person
who moved it — in the app at once and by email after the move commits."""

import pytest

from improvement import workflow
from improvement.models import Notification, NotificationKind, Stage
from improvement.tasks import send_notification_emails
from tests.factories import (
    InitiativeFactory,
    ReadyInitiativeFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def recipients(initiative) -> list:
    rows = Notification.objects.filter(initiative=initiative, kind=NotificationKind.STAGE_MOVED)
    return sorted(row.recipient.username for row in rows)


def usernames(*users) -> list[str]:
    return sorted(user.username for user in users)


def test_it_notifies_the_submitter_owner_and_watchers_once_each(reviewer):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    watcher = UserFactory()
    # The submitter and the owner also watch: still one notification each.
    initiative.watchers.add(watcher, initiative.submitted_by, initiative.owner)

    workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)

    initiative.refresh_from_db()
    assert initiative.stage == Stage.BACKLOG
    assert recipients(initiative) == usernames(initiative.submitted_by, initiative.owner, watcher)
    assert Notification.objects.count() == 3


def test_it_never_notifies_the_person_who_moved(reviewer):
    initiative = ReadyInitiativeFactory(stage=Stage.BACKLOG)
    watcher = UserFactory()
    initiative.watchers.add(watcher, initiative.owner)

    workflow.move(initiative=initiative, to=Stage.PLAN, actor=initiative.owner)

    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert recipients(initiative) == usernames(initiative.submitted_by, watcher)


def test_it_notifies_nobody_when_the_only_person_to_tell_made_the_move():
    submitter = UserFactory()
    initiative = ReadyInitiativeFactory(
        stage=Stage.BACKLOG, submitted_by=submitter, owner=submitter
    )

    workflow.move(initiative=initiative, to=Stage.PLAN, actor=submitter)

    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert not Notification.objects.exists()


def test_it_does_not_notify_a_deactivated_watcher(reviewer):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    initiative.watchers.add(UserFactory(is_active=False))

    workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)

    assert recipients(initiative) == usernames(initiative.submitted_by, initiative.owner)


def test_it_says_where_the_initiative_moved():
    initiative = ReadyInitiativeFactory(stage=Stage.DO, title="Shorter hand-offs")

    workflow.move(initiative=initiative, to=Stage.PLAN, actor=initiative.owner, note="Redo it.")

    message = Notification.objects.get(recipient=initiative.submitted_by).message
    assert "Shorter hand-offs" in message
    assert "from Do to Plan" in message
    assert "Redo it." in message


def test_it_tells_the_submitter_why_their_idea_was_rejected(reviewer):
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    workflow.move(initiative=initiative, to=Stage.REJECTED, actor=reviewer, note="Already policy.")

    notification = Notification.objects.get()
    assert notification.recipient == initiative.submitted_by
    assert notification.kind == NotificationKind.STAGE_MOVED
    assert "Already policy." in notification.message


def test_it_tells_the_submitter_which_idea_theirs_duplicates(reviewer):
    original = TriagedInitiativeFactory(title="One in-tray for all forms")
    duplicate = InitiativeFactory(stage=Stage.SUBMITTED)

    workflow.move(initiative=duplicate, to=Stage.REJECTED, actor=reviewer, duplicate_of=original)

    notification = Notification.objects.get(initiative=duplicate)
    assert notification.recipient == duplicate.submitted_by
    assert "One in-tray for all forms" in notification.message


def test_it_tells_only_people_who_now_follow_the_original_that_they_follow_it(reviewer):
    original = TriagedInitiativeFactory(title="One in-tray for all forms")
    duplicate = ReadyInitiativeFactory(stage=Stage.BACKLOG)
    duplicate.watchers.add(UserFactory())

    workflow.move(initiative=duplicate, to=Stage.REJECTED, actor=reviewer, duplicate_of=original)

    duplicate.refresh_from_db()
    assert duplicate.stage == Stage.REJECTED
    told_they_follow = {
        row.recipient
        for row in Notification.objects.filter(initiative=duplicate)
        if "which you now follow" in row.message
    }
    assert told_they_follow <= set(original.watchers.all())


# --- email ---------------------------------------------------------------------------------


def test_it_emails_each_recipient_once_the_move_commits(
    reviewer, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED, title="Shorter hand-offs")
    watcher = UserFactory()
    initiative.watchers.add(watcher)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)

    # The submitter's email waits for their daily digest (the default for their idea's
    # moves: tests/improvement/test_notification_preferences.py).
    expected = [initiative.owner.email, watcher.email]
    assert sorted(address for mail in mailoutbox for address in mail.to) == sorted(expected)
    assert {mail.subject for mail in mailoutbox} == {"[Improvement] Shorter hand-offs"}
    pending = Notification.objects.get(emailed_at__isnull=True)
    assert (pending.recipient, pending.digest) == (initiative.submitted_by, True)
    assert Notification.objects.count() == 3


def test_it_sends_no_email_before_the_move_commits(
    reviewer, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)

    # The email job, and the stage-moved event for chat channels (improvement.events).
    assert len(callbacks) == 2
    assert mailoutbox == []
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2


def test_it_sends_nothing_more_when_the_email_job_runs_again(
    reviewer, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)
    emailed = dict(Notification.objects.values_list("pk", "emailed_at"))
    assert len(mailoutbox) == 1  # the owner; the submitter's waits for the digest

    sent = send_notification_emails(list(emailed))

    assert sent == 0
    assert len(mailoutbox) == 1
    assert dict(Notification.objects.values_list("pk", "emailed_at")) == emailed


def test_it_keeps_the_in_app_notification_of_someone_without_an_email_address(
    reviewer, celery_eager, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED, submitted_by=UserFactory(email=""))

    with django_capture_on_commit_callbacks(execute=True):
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)

    assert [mail.to for mail in mailoutbox] == [[initiative.owner.email]]
    unsent = Notification.objects.get(recipient=initiative.submitted_by)
    assert unsent.emailed_at is None
