"""Each person chooses, for each topic, to hear of it immediately (in the app and by
email), in the daily digest (in the app now, one email a day) or not at all. By default
everything comes at once but the moves of an idea one submitted. The first measured
result and the completion are told to the submitter and owner with the result."""

import datetime as dt
import smtplib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from improvement import notifications, tasks, workflow
from improvement.models import (
    Delivery,
    Methodology,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationTopic,
    Stage,
)
from improvement.tasks import send_daily_digests, send_notification_emails
from metrics.models import Direction, ResultStatus
from metrics.tasks import measure_results
from tests.factories import (
    InitiativeFactory,
    LiveInitiativeFactory,
    MetricFactory,
    NotificationFactory,
    ReadyInitiativeFactory,
    ResultSnapshotFactory,
    TargetFactory,
    UserFactory,
    record_series,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]

MINUS = "\N{MINUS SIGN}"


def choose(user, **choices) -> None:
    notifications.save_preferences(user=user, choices=choices)


def addresses(mailoutbox) -> list[str]:
    return sorted(address for mail in mailoutbox for address in mail.to)


@pytest.fixture
def move(django_capture_on_commit_callbacks):
    """`move(initiative, to, actor)`: the workflow's move, its emails sent on commit."""

    def run(initiative, to, actor, note=""):
        with django_capture_on_commit_callbacks(execute=True):
            return workflow.move(initiative=initiative, to=to, actor=actor, note=note)

    return run


# --- defaults ------------------------------------------------------------------------------


def test_it_puts_a_submitters_stage_moves_in_the_daily_digest_by_default(
    reviewer, move, mailoutbox
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)

    move(initiative, Stage.BACKLOG, reviewer)

    told = Notification.objects.get(recipient=initiative.submitted_by)
    assert (told.kind, told.digest, told.emailed_at) == (NotificationKind.STAGE_MOVED, True, None)
    owner = Notification.objects.get(recipient=initiative.owner)
    assert owner.digest is False
    assert owner.emailed_at is not None
    assert addresses(mailoutbox) == [initiative.owner.email]


def test_it_emails_a_submitter_who_owns_their_idea_at_once(move, mailoutbox):
    submitter = UserFactory()
    initiative = ReadyInitiativeFactory(
        stage=Stage.DO, submitted_by=submitter, owner=submitter, sponsor=UserFactory()
    )

    move(initiative, Stage.PLAN, initiative.sponsor, note="Redo the plan.")

    told = Notification.objects.get(recipient=submitter)
    assert told.digest is False
    assert addresses(mailoutbox) == [submitter.email]


def test_it_shows_everyone_the_defaults(user):
    settings = notifications.preferences(user=user)

    assert list(settings) == NotificationTopic.values
    assert settings[NotificationTopic.IDEA_MOVED] == Delivery.DIGEST
    assert {settings[t] for t in NotificationTopic if t != NotificationTopic.IDEA_MOVED} == {
        Delivery.IMMEDIATELY
    }


# --- choices -------------------------------------------------------------------------------


def test_it_writes_no_notification_for_a_topic_turned_off(reviewer, move, mailoutbox):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    choose(initiative.owner, stage_moved=Delivery.OFF)
    choose(initiative.submitted_by, idea_moved=Delivery.OFF)

    move(initiative, Stage.BACKLOG, reviewer)

    initiative.refresh_from_db()
    assert initiative.stage == Stage.BACKLOG
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_it_turns_off_only_the_topic_chosen(reviewer, move):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    choose(initiative.owner, assigned=Delivery.OFF)

    move(initiative, Stage.BACKLOG, reviewer)

    assert Notification.objects.filter(recipient=initiative.owner).count() == 1


def test_it_emails_a_submitters_moves_at_once_when_they_choose_it(reviewer, move, mailoutbox):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    choose(initiative.submitted_by, idea_moved=Delivery.IMMEDIATELY)

    move(initiative, Stage.BACKLOG, reviewer)

    assert addresses(mailoutbox) == sorted([initiative.submitted_by.email, initiative.owner.email])
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_it_puts_an_owners_moves_in_the_digest_when_they_choose_it(reviewer, move, mailoutbox):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    watcher = UserFactory()
    initiative.watchers.add(watcher)
    choose(initiative.owner, stage_moved=Delivery.DIGEST)

    move(initiative, Stage.BACKLOG, reviewer)

    owner = Notification.objects.get(recipient=initiative.owner)
    assert (owner.digest, owner.emailed_at) == (True, None)
    assert addresses(mailoutbox) == [watcher.email]


def test_it_follows_a_choice_for_an_assignment(web_as, reviewer):
    from improvement import services

    initiative = ReadyInitiativeFactory(stage=Stage.BACKLOG)
    new_owner = UserFactory()
    choose(new_owner, assigned=Delivery.OFF)

    services.update_initiative(
        initiative=initiative, actor=reviewer, changes={"owner": new_owner}, reason=""
    )

    initiative.refresh_from_db()
    assert initiative.owner == new_owner
    assert not Notification.objects.filter(recipient=new_owner).exists()


def test_it_changes_a_choice_saved_before(user):
    choose(user, signal=Delivery.OFF)
    choose(user, signal=Delivery.DIGEST, reminder=Delivery.OFF)

    rows = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "delivery"))
    assert rows == {"signal": Delivery.DIGEST, "reminder": Delivery.OFF}


@pytest.mark.parametrize(
    "choices",
    [
        {"signal": Delivery.OFF, "comment": Delivery.OFF},
        {"signal": Delivery.OFF, "reminder": "weekly"},
        {"bogus": "off"},
    ],
)
def test_it_refuses_an_unknown_topic_or_delivery_and_stores_nothing(user, choices):
    with pytest.raises(ValidationError) as refused:
        notifications.save_preferences(user=user, choices=choices)

    assert set(refused.value.message_dict) == {
        topic
        for topic, delivery in choices.items()
        if topic not in NotificationTopic.values or delivery not in Delivery.values
    }
    assert not NotificationPreference.objects.exists()


# --- the settings page ---------------------------------------------------------------------


SETTINGS = reverse("improvement:notification_settings")


def form_data(**choices) -> dict:
    data = {topic: notifications.default_delivery(topic) for topic in NotificationTopic}
    return data | choices


def test_it_links_the_settings_from_the_notifications_page(web_as, user):
    response = web_as(user).get(reverse("improvement:notifications"))

    assert response.status_code == 200
    assert f'href="{SETTINGS}"' in response.content.decode()


def test_it_shows_the_settings_with_the_defaults_chosen(web_as, user):
    response = web_as(user).get(SETTINGS)

    assert response.status_code == 200
    html = response.content.decode()
    assert "An idea I submitted moves to another stage" in html
    assert 'name="idea_moved" value="digest" id="id_idea_moved_1" required checked' in html
    assert 'name="signal" value="immediately" id="id_signal_0" required checked' in html
    assert '<label for="id_signal_2">' in html


def test_it_saves_the_settings_from_the_page(web_as, user):
    client = web_as(user)

    response = client.post(SETTINGS, form_data(idea_moved="immediately", signal="off"))

    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    saved = dict(NotificationPreference.objects.filter(user=user).values_list("topic", "delivery"))
    assert saved == form_data(idea_moved="immediately", signal="off")
    page = client.get(SETTINGS)
    assert "Your notification settings are saved." in page.content.decode()
    assert 'name="signal" value="off" id="id_signal_2" required checked' in page.content.decode()


def test_it_refuses_a_bad_choice_on_the_page_and_saves_nothing(web_as, user):
    response = web_as(user).post(SETTINGS, form_data(signal="sometimes"))

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_it_saves_only_the_signed_in_users_settings(web_as, user):
    other = UserFactory()

    web_as(user).post(SETTINGS, form_data(result="off") | {"user": other.pk})

    assert not NotificationPreference.objects.filter(user=other).exists()
    assert NotificationPreference.objects.get(user=user, topic="result").delivery == "off"


def test_it_shows_the_settings_in_fixed_queries(web_as, user, count_queries):
    client = web_as(user)
    client.get(SETTINGS)
    _, before = count_queries(client, SETTINGS)
    choose(user, **dict.fromkeys(NotificationTopic, Delivery.OFF))
    response, after = count_queries(client, SETTINGS)

    assert response.status_code == 200
    assert before == after


def test_it_sends_anonymous_visitors_of_the_settings_to_the_login(client):
    response = client.get(SETTINGS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the daily digest ----------------------------------------------------------------------


def digest_row(recipient, message, **fields):
    return NotificationFactory(recipient=recipient, message=message, digest=True, **fields)


def test_it_sends_each_person_one_digest_with_everything_pending(mailoutbox):
    ann, bob = UserFactory(), UserFactory()
    first = digest_row(ann, "“Faster refunds” moved from Submitted to Backlog.")
    second = digest_row(ann, "“Faster refunds” moved from Backlog to Plan.")
    digest_row(bob, "“Label the shelves” moved from Submitted to Backlog.")
    at_once = NotificationFactory(recipient=ann, message="You are now the owner.")

    sent = send_daily_digests.delay().get()

    assert sent == 2
    assert addresses(mailoutbox) == sorted([ann.email, bob.email])
    [to_ann] = [mail for mail in mailoutbox if mail.to == [ann.email]]
    assert to_ann.subject == "[Improvement] Your daily digest: 2 updates"
    assert to_ann.body.index(first.message) < to_ann.body.index(second.message)
    assert "You are now the owner." not in to_ann.body
    assert not Notification.objects.filter(digest=True, emailed_at__isnull=True).exists()
    at_once.refresh_from_db()
    assert at_once.emailed_at is None  # the email job's, not the digest's


def test_it_sends_the_digest_once_when_run_twice(mailoutbox):
    ann = UserFactory()
    row = digest_row(ann, "“Faster refunds” moved to Backlog.")
    assert send_daily_digests.delay().get() == 1
    row.refresh_from_db()
    emailed_at = row.emailed_at

    assert send_daily_digests.delay().get() == 0

    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert row.emailed_at == emailed_at


def test_it_sends_only_what_came_since_the_last_digest(mailoutbox):
    ann = UserFactory()
    digest_row(ann, "Yesterday's news.")
    send_daily_digests.delay().get()
    digest_row(ann, "Today's news.")

    send_daily_digests.delay().get()

    assert len(mailoutbox) == 2
    assert "Today's news." in mailoutbox[1].body
    assert "Yesterday's news." not in mailoutbox[1].body
    assert mailoutbox[1].subject == "[Improvement] Your daily digest: 1 update"


def test_it_sends_no_digest_without_an_address_or_to_a_deactivated_user(mailoutbox):
    no_address = digest_row(UserFactory(email=""), "News.")
    gone = digest_row(UserFactory(is_active=False), "News.")

    assert send_daily_digests.delay().get() == 0

    assert mailoutbox == []
    for row in (no_address, gone):
        row.refresh_from_db()
        assert row.emailed_at is None


def test_it_never_emails_a_digest_row_at_once(mailoutbox):
    row = digest_row(UserFactory(), "News.")

    assert send_notification_emails([row.pk]) == 0

    assert mailoutbox == []
    row.refresh_from_db()
    assert row.emailed_at is None


def test_it_lists_a_long_backlog_up_to_a_limit(mailoutbox, monkeypatch):
    monkeypatch.setattr(notifications, "DIGEST_LINES", 2)
    ann = UserFactory()
    for n in range(3):
        digest_row(ann, f"News {n}.")

    send_daily_digests.delay().get()

    [mail] = mailoutbox
    assert "News 0." in mail.body and "News 1." in mail.body
    assert "News 2." not in mail.body
    assert "and 1 more on your notifications page" in mail.body
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_it_marks_a_refused_digest_failed_and_sends_the_others(monkeypatch, mailoutbox):
    ann, bob = UserFactory(), UserFactory()
    refused = digest_row(ann, "News for Ann.")
    digest_row(bob, "News for Bob.")
    real = tasks.send_mail

    def send_mail(subject, message, sender, to, **kwargs):
        if to == [ann.email]:
            raise smtplib.SMTPRecipientsRefused({ann.email: (550, b"No such user")})
        return real(subject, message, sender, to, **kwargs)

    monkeypatch.setattr(tasks, "send_mail", send_mail)

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_daily_digests.delay().get()

    assert addresses(mailoutbox) == [bob.email]
    refused.refresh_from_db()
    assert refused.emailed_at is None
    assert refused.email_failed_at is not None
    assert "No such user" in refused.email_error
    assert send_daily_digests.delay().get() == 0  # never tried again


def test_it_sends_a_digest_a_person_collected_before_turning_the_digest_off(
    reviewer, move, mailoutbox
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED)
    move(initiative, Stage.BACKLOG, reviewer)
    choose(initiative.submitted_by, idea_moved=Delivery.OFF)
    mailoutbox.clear()

    send_daily_digests.delay().get()

    assert addresses(mailoutbox) == [initiative.submitted_by.email]


# --- the first measured result -------------------------------------------------------------

CHANGE = dt.date(2026, 3, 2)


@pytest.fixture
def live_target():
    """A live initiative's primary target: cycle time (lower is better), typed baseline
    10, target 8; its change went in on 2 March 2026."""
    initiative = LiveInitiativeFactory(title="Faster refunds", implemented_on=CHANGE)
    return TargetFactory(
        initiative=initiative,
        metric=MetricFactory(name="Cycle time", direction=Direction.LOWER_IS_BETTER),
        baseline_value=10.0,
        target_value=8.0,
    )


def results_of(initiative):
    return Notification.objects.filter(initiative=initiative, kind=NotificationKind.RESULT)


def test_it_tells_the_submitter_and_owner_the_first_measured_result(
    live_target, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = live_target.initiative
    watcher = UserFactory()
    initiative.watchers.add(watcher)
    record_series(live_target, first=CHANGE, values=[7.0, 7.1, 6.9, 7.0, 7.05, 6.95])

    with django_capture_on_commit_callbacks(execute=True):
        measure_results.delay(initiative_id=initiative.pk).get()

    live_target.refresh_from_db()
    assert live_target.latest_status == ResultStatus.ACHIEVED
    told = results_of(initiative)
    assert sorted(row.recipient_id for row in told) == sorted(
        [initiative.submitted_by_id, initiative.owner_id, watcher.pk]
    )
    message = told.first().message
    assert message.startswith(
        f"First measured result for “Faster refunds”: Achieved: cycle time {MINUS}30.0 %"
    )
    assert "(p < 0.001)" in message
    assert addresses(mailoutbox) == sorted(
        [initiative.submitted_by.email, initiative.owner.email, watcher.email]
    )


def test_it_tells_the_first_result_once_when_the_results_run_again(live_target):
    record_series(live_target, first=CHANGE, values=[7.0, 7.1, 6.9, 7.0])
    measure_results.delay(initiative_id=live_target.initiative_id).get()
    measure_results.delay(initiative_id=live_target.initiative_id).get()
    measure_results.delay().get()  # the nightly run too

    assert results_of(live_target.initiative).count() == 2  # submitter, owner


def test_it_tells_nobody_while_no_test_could_run(live_target):
    record_series(live_target, first=CHANGE, values=[7.0])

    measure_results.delay(initiative_id=live_target.initiative_id).get()

    live_target.refresh_from_db()
    assert live_target.latest_status == ResultStatus.INSUFFICIENT_DATA
    assert not results_of(live_target.initiative).exists()


def test_it_tells_when_a_test_first_runs_after_too_little_data(live_target):
    record_series(live_target, first=CHANGE, values=[7.0])
    measure_results.delay(initiative_id=live_target.initiative_id).get()
    record_series(live_target, first=CHANGE + dt.timedelta(days=1), values=[7.1, 6.9])

    measure_results.delay(initiative_id=live_target.initiative_id).get()

    assert results_of(live_target.initiative).count() == 2


def test_it_tells_a_first_result_the_nightly_run_measured(live_target):
    record_series(live_target, first=CHANGE, values=[7.0, 7.1, 6.9, 7.0])

    measure_results.delay().get()

    assert results_of(live_target.initiative).count() == 2


def test_it_does_not_tell_a_result_measured_before_it_was_watched_for(live_target):
    """A result measured before (its target's latest_status already a measured one) is no
    news: deploying this does not announce every old result."""
    ResultSnapshotFactory(
        target=live_target, as_of=dt.date(2026, 4, 1), status=ResultStatus.IMPROVING
    )
    record_series(live_target, first=CHANGE, values=[7.0, 7.1, 6.9, 7.0])

    measure_results.delay(initiative_id=live_target.initiative_id).get()

    assert not results_of(live_target.initiative).exists()


def test_it_does_not_tell_about_a_secondary_target(live_target):
    secondary = TargetFactory(initiative=live_target.initiative, is_primary=False)
    record_series(secondary, first=CHANGE, values=[7.0, 7.1, 6.9, 7.0])

    measure_results.delay(initiative_id=live_target.initiative_id).get()

    assert not results_of(live_target.initiative).exists()


def test_it_writes_no_result_notice_for_someone_who_turned_it_off(live_target):
    initiative = live_target.initiative
    choose(initiative.submitted_by, result=Delivery.OFF)
    record_series(live_target, first=CHANGE, values=[7.0, 7.1, 6.9, 7.0])

    measure_results.delay(initiative_id=initiative.pk).get()

    assert [row.recipient for row in results_of(initiative)] == [initiative.owner]


# --- completion ----------------------------------------------------------------------------


@pytest.fixture
def deciding():
    """A PDCA initiative in Act with its decision recorded and an improving result."""
    initiative = ReadyInitiativeFactory(
        stage=Stage.ACT, methodology=Methodology.PDCA, title="Faster refunds", primary_target=False
    )
    target = TargetFactory(initiative=initiative, metric=MetricFactory(name="Cycle time"))
    ResultSnapshotFactory(
        target=target, status=ResultStatus.IMPROVING, improvement_pct=17.8, p_value=0.011
    )
    return initiative


def test_it_tells_the_submitter_the_result_when_the_initiative_completes(
    deciding, move, mailoutbox
):
    watcher = UserFactory()
    deciding.watchers.add(watcher)

    move(deciding, Stage.COMPLETED, deciding.owner, note="Adopted everywhere.")

    deciding.refresh_from_db()
    assert deciding.stage == Stage.COMPLETED
    told = Notification.objects.filter(initiative=deciding)
    assert {row.kind for row in told} == {NotificationKind.COMPLETED}
    assert sorted(row.recipient_id for row in told) == sorted(
        [deciding.submitted_by_id, watcher.pk]
    )  # not the owner, who completed it
    assert told.first().message == (
        f"“Faster refunds” is completed. Result: Improving: cycle time {MINUS}17.8 % "
        "(p = 0.011). Note: Adopted everywhere."
    )
    # The outcome comes at once, even to a submitter whose moves wait for the digest.
    assert addresses(mailoutbox) == sorted([deciding.submitted_by.email, watcher.email])


def test_it_tells_the_owner_when_someone_else_completes_it(deciding, admin_user, move):
    move(deciding, Stage.COMPLETED, admin_user)

    assert Notification.objects.filter(
        recipient=deciding.owner, kind=NotificationKind.COMPLETED
    ).exists()


def test_it_follows_a_choice_for_completions(deciding, move, mailoutbox):
    choose(deciding.submitted_by, completed=Delivery.DIGEST)

    move(deciding, Stage.COMPLETED, deciding.owner)

    told = Notification.objects.get(recipient=deciding.submitted_by)
    assert (told.kind, told.digest) == (NotificationKind.COMPLETED, True)
    assert mailoutbox == []
    send_daily_digests.delay().get()
    assert "is completed. Result: Improving" in mailoutbox[0].body


def test_it_completes_without_a_result_line_when_there_is_none(move):
    initiative = ReadyInitiativeFactory(stage=Stage.ACT, title="Tidy desks", primary_target=False)

    move(initiative, Stage.COMPLETED, initiative.owner)

    told = Notification.objects.get(recipient=initiative.submitted_by)
    assert told.message == "“Tidy desks” is completed."


def test_it_still_notifies_a_comment_kind_at_once(mailoutbox, django_capture_on_commit_callbacks):
    """A kind with no topic of its own (comments are not notified today) keeps the old
    behaviour."""
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            initiative=InitiativeFactory(),
            kind=NotificationKind.COMMENT,
            message="A comment.",
            user_ids=[person.pk],
        )

    assert addresses(mailoutbox) == [person.email]
