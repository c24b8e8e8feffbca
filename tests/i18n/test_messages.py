"""What the tracker tells people arrives in their language: notifications and e-mails in
the recipient's (not the actor's), the workflow gates' conditions in the reader's."""

import datetime as dt

import pytest
from django.utils import translation

from accounts.services import set_language
from improvement import workflow
from improvement.models import Notification, Stage
from improvement.tasks import send_daily_digests
from tests.factories import InitiativeFactory, ReadyInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_writes_each_notification_and_email_in_its_recipients_language(
    reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED, title="Halve the wait")
    set_language(user=initiative.owner, language="de")
    watcher = UserFactory()  # no choice: English, the site's language
    initiative.watchers.add(watcher)

    # The reviewer who moves it reads German: that changes nothing for the others.
    with translation.override("de"), django_capture_on_commit_callbacks(execute=True):
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer, note="Good one")

    owner_note = Notification.objects.get(recipient=initiative.owner)
    watcher_note = Notification.objects.get(recipient=watcher)
    assert owner_note.message == (
        "„Halve the wait“ ist von Eingereicht nach Backlog gewechselt. Notiz: Good one"
    )
    assert (
        watcher_note.message == "“Halve the wait” moved from Submitted to Backlog. Note: Good one"
    )
    emails = {email.to[0]: email for email in mailoutbox}
    assert emails[initiative.owner.email].subject == "[Verbesserung] Halve the wait"
    assert emails[initiative.owner.email].body == owner_note.message
    assert emails[watcher.email].subject == "[Improvement] Halve the wait"


def test_it_writes_the_daily_digest_in_its_recipients_language(reviewer, mailoutbox):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED, title="Halve the wait")
    set_language(user=initiative.submitted_by, language="de")
    workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)
    mailoutbox.clear()

    sent = send_daily_digests()

    assert sent == 1
    (email,) = mailoutbox
    assert email.to == [initiative.submitted_by.email]
    assert email.subject == "[Verbesserung] Ihre Tageszusammenfassung: 1 Neuigkeit"
    assert "Was seit Ihrer letzten Zusammenfassung passiert ist (1 Neuigkeit):" in email.body
    assert "„Halve the wait“ ist von Eingereicht nach Backlog gewechselt." in email.body
    assert "Benachrichtigungseinstellungen" in email.body
    assert Notification.objects.get(recipient=initiative.submitted_by).emailed_at is not None


def test_it_names_the_unmet_conditions_of_a_gate_in_german(reviewer):
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    with translation.override("de"), pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=Stage.BACKLOG, actor=reviewer)

    assert [(u.code, u.message) for u in refused.value.unmet] == [
        ("impact_missing", "Bewerten Sie die Wirkung (1–5)."),
        ("effort_missing", "Bewerten Sie den Aufwand (1–5)."),
        ("methodology_missing", "Wählen Sie PDCA oder DMAIC."),
    ]
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_writes_dates_in_gate_conditions_as_the_reader_does(reviewer):
    initiative = ReadyInitiativeFactory(stage=Stage.DO, primary_target=False)
    initiative.implemented_on = dt.date(2026, 12, 3)
    initiative.save(update_fields=["implemented_on"])

    with translation.override("de"), pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=Stage.CHECK, actor=initiative.owner)

    messages = [u.message for u in refused.value.unmet]
    assert (
        "Erfassen Sie eine Messung des primären Ziels am oder nach dem 3. Dezember 2026."
        in messages
    )


def test_it_shows_a_german_reader_the_gate_checklist_in_german(web_as):
    owner = UserFactory()
    set_language(user=owner, language="de")
    initiative = ReadyInitiativeFactory(
        stage=Stage.DEFINE, methodology="dmaic", owner=owner, problem_statement=""
    )

    html = web_as(owner).get(f"/initiatives/{initiative.pk}/").content.decode()

    assert "Nächste Schritte" in html
    assert "Nach Messen verschieben" in html
    assert "Schreiben Sie die Problembeschreibung." in html
    assert "Write the problem statement." not in html


def test_it_answers_the_api_in_the_browsers_language_with_the_same_codes(api_as, reviewer):
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    response = api_as(reviewer).post(
        f"/api/initiatives/{initiative.pk}/transition/",
        {"to": "backlog"},
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 409
    unmet = response.json()["unmet"]
    assert {"code": "impact_missing", "message": "Bewerten Sie die Wirkung (1–5)."} in unmet
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_answers_a_token_in_its_persons_language(api, reviewer):
    from accounts.tokens import issue

    set_language(user=reviewer, language="de")
    _row, token = issue(reviewer)
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    response = api.post(
        f"/api/initiatives/{initiative.pk}/transition/",
        {"to": "backlog"},
        HTTP_AUTHORIZATION=f"Token {token}",
    )

    assert response.status_code == 409
    unmet = response.json()["unmet"]
    assert {"code": "effort_missing", "message": "Bewerten Sie den Aufwand (1–5)."} in unmet
    initiative.refresh_from_db()
    assert initiative.stage == Stage.SUBMITTED


def test_it_translates_the_control_chart_rules_named_by_the_pure_statistics():
    from improvement.result_words import RULE_WORDS_MARKED, rule_words
    from metrics.stats.rules import RULE_WORDS

    assert list(RULE_WORDS.values()) == RULE_WORDS_MARKED
    with translation.override("de"):
        assert rule_words(4) == "8 Punkte in Folge auf einer Seite der Mittellinie"
