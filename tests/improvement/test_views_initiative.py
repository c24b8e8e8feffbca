"""The initiative page and what is done on it: support, comments, triage, moves and the
execution fields. A refused move redirects to the page (POST/redirect/GET), with one
message saying what is missing, and changes nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from improvement.models import (
    Comment,
    Initiative,
    Methodology,
    Notification,
    Stage,
    StageTransition,
    Support,
)
from metrics.models import BaselineSource, ChartKind, ResultStatus
from metrics.results.compute import compute_results
from tests.factories import (
    CommentFactory,
    InitiativeFactory,
    LiveInitiativeFactory,
    MetricFactory,
    ResultSnapshotFactory,
    StageTransitionFactory,
    SupportFactory,
    TargetFactory,
    TriagedInitiativeFactory,
    UserFactory,
    record_series,
)

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def me(db):
    """A contributor: signed in, no role on the initiatives below."""
    return UserFactory()


@pytest.fixture
def owner(db):
    return UserFactory(first_name="Olga", last_name="Owner")


def url(name: str, initiative: Initiative) -> str:
    return reverse(f"improvement:{name}", args=[initiative.pk])


def page_of(initiative: Initiative) -> str:
    return url("initiative", initiative)


def messages_on(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- the page -------------------------------------------------------------------------


def test_it_shows_the_idea_on_its_page(web_as, me):
    initiative = InitiativeFactory(
        title="Pre-fill the returns form",
        problem_statement="Customers retype their order number.",
        submitted_by=UserFactory(first_name="Sam", last_name="Submitter"),
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Pre-fill the returns form</h1>" in html
    assert "Customers retype their order number." in html
    assert "submitted by Sam Submitter" in html
    assert '<span class="stage big">Submitted</span>' in html


def test_it_answers_404_for_a_missing_initiative(web_as, me):
    response = web_as(me).get(reverse("improvement:initiative", args=[999999]))

    assert response.status_code == 404


def test_it_shows_the_stage_stepper_of_a_pdca_initiative(web_as, me):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert [(s["stage"].value, s["state"]) for s in response.context["steps"]] == [
        ("submitted", "done"),
        ("backlog", "done"),
        ("plan", "done"),
        ("do", "current"),
        ("check", ""),
        ("act", ""),
        ("completed", ""),
    ]
    assert '<li class="current" aria-current="step">Do</li>' in response.content.decode()


def test_it_shows_the_stage_stepper_of_a_dmaic_initiative(web_as, me):
    initiative = TriagedInitiativeFactory(stage=Stage.ANALYZE, methodology=Methodology.DMAIC)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<li class="done">Measure</li>' in html
    assert '<li class="current" aria-current="step">Analyze</li>' in html
    assert '<li class="">Control</li>' in html
    assert '<li class="">Plan</li>' not in html


def test_it_lists_the_unmet_conditions_of_a_move_for_its_owner(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    TargetFactory(initiative=initiative, metric__name="Refund time", baseline_value=None)

    response = web_as(owner).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h3>→ Do</h3>" in html
    assert (
        "Enter a baseline value, or a baseline window with measurements, for: Refund time." in html
    )
    assert 'aria-disabled="true" class="secondary">Move to Do</button>' in html


def test_it_says_when_every_condition_of_a_move_is_met(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    TargetFactory(initiative=initiative)

    response = web_as(owner).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<li class="met">Every condition is met.</li>' in html
    assert '<button type="submit">Move to Do</button>' in html


def test_it_shows_a_targets_baseline_target_and_current_result(web_as, me):
    initiative = LiveInitiativeFactory()
    target = TargetFactory(
        initiative=initiative,
        metric__name="Refund time",
        metric__unit="days",
        baseline_value=10.0,
        target_value=8.0,
        target_date=dt.date(2026, 9, 30),
    )
    ResultSnapshotFactory(
        target=target,
        n_after=6,
        current_mean=8.5,
        improvement=1.5,
        improvement_pct=15.0,
        progress_pct=75.0,
        p_value=0.0123,
        significant=True,
        status=ResultStatus.IMPROVING,
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'Refund time <small class="muted">(days, lower is better)</small>' in html
    assert '<span class="badge">Primary</span>' in html
    assert "<dd>10</dd>" in html
    assert "<dd>8</dd>" in html
    assert "by 2026-09-30" in html
    assert "<dd>8.5" in html
    assert "6 points after the change" in html
    assert "<dd>+15.0%</dd>" in html
    assert "75% of the way to target" in html
    assert "<dd>0.0123</dd>" in html
    assert "significant (Welch, α 0.05)" in html
    assert '<span class="status improving">Improving</span>' in html


def test_it_shows_not_computed_for_a_target_without_a_result(web_as, me):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    TargetFactory(initiative=initiative)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert '<span class="status no_data">Not computed</span>' in response.content.decode()
    assert "No measurements yet." in response.content.decode()


def test_it_shows_a_frozen_hand_entered_baseline_with_its_provenance(web_as, me):
    reviewer = UserFactory(first_name="Rita", last_name="Reviewer")
    target = TargetFactory(
        initiative__stage=Stage.DO,
        baseline_value=12.5,
        baseline_source=BaselineSource.MANUAL,
        frozen_at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC),
        frozen_by=reviewer,
    )

    response = web_as(me).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<span class="frozen" title="Frozen 2026-02-03">frozen</span>' in html
    assert "<dd>12.5" in html
    assert "entered by hand; frozen by Rita Reviewer on 2026-02-03" in html


def test_it_shows_a_baseline_computed_from_its_window(web_as, me):
    target = TargetFactory(
        initiative__stage=Stage.DO,
        baseline_value=11.0,
        baseline_start=dt.date(2026, 1, 1),
        baseline_end=dt.date(2026, 1, 31),
        baseline_source=BaselineSource.WINDOW,
        baseline_n=4,
        frozen_at=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC),
        frozen_by=UserFactory(username="frost"),
    )

    response = web_as(me).get(page_of(target.initiative))

    assert response.status_code == 200
    assert "mean of 4 measurements, 2026-01-01 to 2026-01-31" in response.content.decode()


def test_it_shows_an_unfrozen_baseline_without_the_frozen_badge(web_as, me):
    target = TargetFactory(initiative__stage=Stage.PLAN, baseline_value=12.5)

    response = web_as(me).get(page_of(target.initiative))

    assert response.status_code == 200
    assert 'class="frozen"' not in response.content.decode()
    assert "<dd>12.5" in response.content.decode()


def test_it_draws_a_run_chart_with_baseline_and_target_lines(web_as, me):
    initiative = LiveInitiativeFactory()
    target = TargetFactory(initiative=initiative, baseline_value=10.0, target_value=8.0)
    record_series(target, first=dt.date(2026, 2, 25), values=[10.1, 9.9, 10.0, 9.0, 8.8, 8.6])

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg viewBox="0 0 640 260" role="img"' in html
    assert '<polyline points="' in html
    assert html.count('class="point"') == 6
    assert 'class="baseline"><title>Baseline 10</title></line>' in html
    assert 'class="target"><title>Target 8</title></line>' in html
    assert 'class="change"><title>Change went live</title>' in html
    assert "6 measurements from 2026-02-25 to 2026-03-02" in html


def test_it_draws_control_limits_and_marks_a_signal_on_the_run_chart(web_as, me):
    initiative = LiveInitiativeFactory(stage=Stage.ACT)
    target = TargetFactory(initiative=initiative, baseline_value=12.0, target_value=8.0)
    steady = [10.0, 10.4, 9.8, 10.2, 9.9, 10.1, 10.3, 9.7, 10.0, 10.2] * 2
    record_series(target, first=initiative.implemented_on, values=[*steady, 25.0])
    compute_results(initiative_id=initiative.pk, as_of=dt.date(2026, 6, 30))
    assert target.results.get().control["signals"]  # the outlier is a rule-1 signal

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="center"><title>CL</title></line>' in html
    assert 'class="limit"><title>UCL</title></line>' in html
    assert 'class="limit"><title>LCL</title></line>' in html
    assert html.count('class="signal"') == 1
    assert "2026-03-22: 25 hours — signal: a point beyond the 3σ control limits" in html
    assert "1 control-chart signal." in html


def test_it_draws_a_p_charts_limits_for_each_points_sample_size(web_as, me):
    """The page reads each point's sample size: a p-chart's limits are drawn stepped,
    p̄ ± 3√(p̄(1−p̄)/nᵢ) for each point, rather than flat at the average size."""
    initiative = LiveInitiativeFactory(stage=Stage.ACT)
    target = TargetFactory(
        initiative=initiative, metric__chart_kind=ChartKind.PROPORTION, baseline_value=0.2
    )
    for i, size in enumerate([100, 400, 100, 400, 100]):
        day = initiative.implemented_on + dt.timedelta(days=i)
        record_series(target, first=day, values=[0.1], sample_size=size)
    compute_results(initiative_id=initiative.pk, as_of=dt.date(2026, 6, 30))
    assert target.results.get().control["chart"] == "p"

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="limit step"') == 2
    assert 'class="limit"><title>UCL</title></line>' not in html
    assert "limits for each point&#x27;s sample size" in html


def test_it_shows_the_history_of_moves_with_their_notes(web_as, me):
    initiative = TriagedInitiativeFactory()
    StageTransitionFactory(
        initiative=initiative,
        actor=UserFactory(first_name="Rita", last_name="Reviewer"),
        note="Clear quick win.",
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Submitted → <strong>Backlog</strong> by Rita Reviewer" in html
    assert "<blockquote>Clear quick win.</blockquote>" in html


def test_it_shows_why_an_idea_was_rejected(web_as, me):
    initiative = InitiativeFactory(stage=Stage.REJECTED, rejection_reason="No budget this year.")

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Not taken forward" in html
    assert "<strong>Reason:</strong> No budget this year." in html


# --- support and comments -------------------------------------------------------------


def test_it_records_support_for_an_idea(web_as, me):
    initiative = InitiativeFactory()

    response = web_as(me).post(url("support", initiative), follow=True)

    assert response.status_code == 200
    assert "Thanks for your support." in response.content.decode()
    assert "Supported (1) — withdraw" in response.content.decode()
    assert Support.objects.filter(initiative=initiative, user=me).count() == 1


def test_it_counts_support_once_per_person(web_as, me):
    initiative = InitiativeFactory()
    SupportFactory(initiative=initiative, user=me)

    response = web_as(me).post(url("support", initiative))

    assert response.status_code == 302
    assert Support.objects.filter(initiative=initiative).count() == 1


def test_it_withdraws_support(web_as, me):
    initiative = InitiativeFactory()
    SupportFactory(initiative=initiative, user=me)
    SupportFactory(initiative=initiative)

    response = web_as(me).post(url("support", initiative), {"withdraw": "1"}, follow=True)

    assert response.status_code == 200
    assert "+1 Support (1)" in response.content.decode()
    assert not Support.objects.filter(initiative=initiative, user=me).exists()
    assert Support.objects.filter(initiative=initiative).count() == 1


def test_it_adds_a_comment(web_as, me):
    initiative = InitiativeFactory()

    response = web_as(me).post(url("comment", initiative), {"body": "  We tried this in 2024.  "})

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative) + "#comments"
    comment = Comment.objects.get()
    assert (comment.initiative, comment.author, comment.body) == (
        initiative,
        me,
        "We tried this in 2024.",
    )


def test_it_shows_comments_on_the_page(web_as, me):
    initiative = InitiativeFactory()
    CommentFactory(
        initiative=initiative,
        author=UserFactory(first_name="Cem", last_name="Commenter"),
        body="Worth a try.",
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert "Cem Commenter" in response.content.decode()
    assert "<p>Worth a try.</p>" in response.content.decode()


def test_it_refuses_a_blank_comment_and_saves_nothing(web_as, me):
    initiative = InitiativeFactory()

    response = web_as(me).post(url("comment", initiative), {"body": "   "})

    assert response.status_code == 400
    assert response.context["comment_form"].errors == {"body": ["This field is required."]}
    assert '<span class="error" role="alert">This field is required.</span>' in (
        response.content.decode()
    )
    assert not Comment.objects.exists()


# --- triage ---------------------------------------------------------------------------


def triage_data(**overrides) -> dict:
    data = {
        "impact": "4",
        "effort": "2",
        "methodology": "pdca",
        "owner": "",
        "sponsor": "",
        "estimated_annual_benefit": "50000",
        "estimated_cost": "10000",
        "confidence": "0.8",
    }
    return {**data, **overrides}


def test_it_shows_reviewers_the_triage_form(web_as, reviewer):
    # A submitted idea is triaged in one step (tests/improvement/test_triage_one_step.py).
    initiative = InitiativeFactory()

    response = web_as(reviewer).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Accept to backlog" in html
    for field in ("impact", "effort", "methodology", "owner", "sponsor", "confidence"):
        assert f'<label for="id_{field}">' in html


def test_it_labels_the_triage_scores_with_their_range(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_impact">Impact (1–5)</label>' in html
    assert '<label for="id_effort">Effort (1–5)</label>' in html


def test_it_saves_a_reviewers_triage(web_as, reviewer, owner):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("triage", initiative), triage_data(owner=owner.pk))

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative)
    initiative.refresh_from_db()
    assert (initiative.impact, initiative.effort) == (4, 2)
    assert initiative.methodology == Methodology.PDCA
    assert initiative.owner == owner
    assert str(initiative.confidence) == "0.80"
    assert initiative.stage == Stage.SUBMITTED


def test_it_confirms_a_saved_triage(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("triage", initiative), triage_data(), follow=True)

    assert response.status_code == 200
    assert "Triage saved." in response.content.decode()
    assert "4 / 2" in response.content.decode()


def test_it_tells_the_new_owner_they_were_assigned(web_as, reviewer, owner):
    initiative = InitiativeFactory()

    web_as(reviewer).post(url("triage", initiative), triage_data(owner=owner.pk))

    assert Notification.objects.filter(recipient=owner, initiative=initiative).count() == 1


def test_it_shows_triage_errors_and_changes_nothing(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("triage", initiative), triage_data(impact="9"))

    assert response.status_code == 400
    assert set(response.context["triage_form"].errors) == {"impact"}
    assert "Select a valid choice. 9 is not one of the available choices." in (
        response.content.decode()
    )
    initiative.refresh_from_db()
    assert initiative.impact is None
    assert initiative.methodology == ""


def test_it_names_the_field_of_an_out_of_range_estimate(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("triage", initiative), triage_data(confidence="2", estimated_cost="-5")
    )

    assert response.status_code == 400
    assert set(response.context["triage_form"].errors) == {"confidence", "estimated_cost"}
    assert "Constraint “" not in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.confidence is None


def test_it_hides_the_triage_panel_from_a_contributor(web_as, me):
    initiative = InitiativeFactory(submitted_by=me)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Save triage" not in html
    assert reverse("improvement:triage", args=[initiative.pk]) not in html


def test_it_refuses_a_forged_triage_from_a_contributor(web_as, me):
    initiative = InitiativeFactory(submitted_by=me)

    response = web_as(me).post(url("triage", initiative), triage_data(owner=me.pk))

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.impact is None
    assert initiative.methodology == ""
    assert initiative.owner is None


def test_it_refuses_a_triage_from_a_get(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).get(url("triage", initiative))

    assert response.status_code == 405


def test_it_keeps_redirects_after_triage_on_this_site(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("triage", initiative), triage_data(next="https://evil.example/phish")
    )

    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


# --- moves ----------------------------------------------------------------------------


def test_it_returns_a_refused_move_to_the_page_with_what_is_missing(
    web_as, reviewer, assert_not_moved
):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("move", initiative), {"to": "backlog"}, follow=True)

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>" in html and initiative.title in html  # the page, not an error page
    assert messages_on(response) == [
        "Not moved to Backlog: Score the impact (1–5). Score the effort (1–5). "
        "Choose PDCA or DMAIC."
    ]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_moves_an_initiative_when_its_gate_is_met(web_as, reviewer):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = web_as(reviewer).post(url("move", initiative), {"to": "backlog", "note": "Go."})

    assert response.status_code == 302
    assert response["Location"] == page_of(initiative)
    initiative.refresh_from_db()
    assert initiative.stage == Stage.BACKLOG
    move = StageTransition.objects.get(initiative=initiative)
    assert (move.from_stage, move.to_stage, move.actor, move.note) == (
        Stage.SUBMITTED,
        Stage.BACKLOG,
        reviewer,
        "Go.",
    )


def test_it_confirms_a_move_on_the_page(web_as, reviewer):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = web_as(reviewer).post(url("move", initiative), {"to": "backlog"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Moved to Backlog." in html
    assert '<span class="stage big">Backlog</span>' in html


def test_it_lets_the_owner_move_to_the_next_stage_and_freezes_baselines(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, owner=owner)
    target = TargetFactory(initiative=initiative, baseline_value=10.0)

    response = web_as(owner).post(url("move", initiative), {"to": "do"}, follow=True)

    assert response.status_code == 200
    assert '<span class="frozen"' in response.content.decode()
    initiative.refresh_from_db()
    target.refresh_from_db()
    assert initiative.stage == Stage.DO
    assert target.is_frozen
    assert target.frozen_by == owner


def test_it_refuses_a_move_that_does_not_exist_from_the_stage(web_as, reviewer, assert_not_moved):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("move", initiative), {"to": "completed"}, follow=True)

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert messages_on(response) == ["Not moved to Completed: Submitted cannot move to Completed."]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_refuses_a_move_to_an_unknown_stage(web_as, reviewer, assert_not_moved):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(url("move", initiative), {"to": "heaven"}, follow=True)

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert messages_on(response) == [
        "That move was not understood. "
        "To: Select a valid choice. heaven is not one of the available choices."
    ]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_rejects_an_idea_with_a_reason(web_as, reviewer):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("move", initiative), {"to": "rejected", "note": "Out of scope."}
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.stage == Stage.REJECTED
    assert initiative.rejection_reason == "Out of scope."
    assert StageTransition.objects.get(initiative=initiative).note == "Out of scope."


def test_it_refuses_a_rejection_without_a_reason(web_as, reviewer, assert_not_moved):
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("move", initiative), {"to": "rejected", "note": " "}, follow=True
    )

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert messages_on(response) == [
        "Not moved to Rejected: Give a reason for the rejection, or the idea it duplicates."
    ]
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_rejects_an_idea_as_a_duplicate(web_as, reviewer):
    original = TriagedInitiativeFactory(title="The first one")
    initiative = InitiativeFactory()

    response = web_as(reviewer).post(
        url("move", initiative), {"to": "rejected", "duplicate_of": original.pk}, follow=True
    )

    assert response.status_code == 200
    assert f'This idea duplicates <a href="/initiatives/{original.pk}/">' in (
        response.content.decode()
    )
    initiative.refresh_from_db()
    assert initiative.stage == Stage.REJECTED
    assert initiative.duplicate_of == original


def test_it_hides_move_buttons_from_someone_who_may_not_move(web_as, me):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    TargetFactory(initiative=initiative)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert response.context["moves"] == []
    assert "Move to" not in response.content.decode()


def test_it_hides_triage_moves_from_a_contributor(web_as, me):
    initiative = InitiativeFactory(
        submitted_by=me, impact=4, effort=2, methodology=Methodology.PDCA
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert "Move to" not in response.content.decode()


def test_it_refuses_a_forged_move_from_a_non_owner(web_as, me, assert_not_moved):
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN)
    TargetFactory(initiative=initiative)

    response = web_as(me).post(url("move", initiative), {"to": "do"})

    assert response.status_code == 403
    assert_not_moved(initiative, Stage.PLAN)
    assert not initiative.targets.get().is_frozen


def test_it_refuses_a_forged_triage_move_from_a_contributor(web_as, me, assert_not_moved):
    initiative = InitiativeFactory(impact=4, effort=2, methodology=Methodology.PDCA)

    response = web_as(me).post(url("move", initiative), {"to": "backlog"})

    assert response.status_code == 403
    assert_not_moved(initiative, Stage.SUBMITTED)


def test_it_lets_the_sponsor_move(web_as):
    sponsor = UserFactory()
    initiative = TriagedInitiativeFactory(stage=Stage.PLAN, sponsor=sponsor)
    TargetFactory(initiative=initiative)

    response = web_as(sponsor).post(url("move", initiative), {"to": "do"})

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.stage == Stage.DO


# --- execution fields -----------------------------------------------------------------


def execution_data(**overrides) -> dict:
    data = {
        "root_cause": "Two in-trays.",
        "implemented_on": "2026-03-02",
        "control_plan": "",
        "decision_note": "",
    }
    return {**data, **overrides}


def test_it_saves_the_owners_execution_fields(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.DO, owner=owner)

    response = web_as(owner).post(url("execution", initiative), execution_data())

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.root_cause == "Two in-trays."
    assert initiative.implemented_on == dt.date(2026, 3, 2)


def test_it_shows_the_owner_the_execution_form(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.DO, owner=owner)

    response = web_as(owner).get(page_of(initiative))

    assert response.status_code == 200
    assert '<label for="id_implemented_on">Change went live on</label>' in (
        response.content.decode()
    )


def test_it_hides_the_execution_form_from_a_contributor(web_as, me):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert reverse("improvement:execution", args=[initiative.pk]) not in (response.content.decode())


def test_it_refuses_forged_execution_fields_from_a_contributor(web_as, me):
    initiative = TriagedInitiativeFactory(stage=Stage.DO)

    response = web_as(me).post(url("execution", initiative), execution_data())

    assert response.status_code == 403
    initiative.refresh_from_db()
    assert initiative.root_cause == ""
    assert initiative.implemented_on is None


def test_it_shows_execution_errors_and_changes_nothing(web_as, owner):
    initiative = TriagedInitiativeFactory(stage=Stage.DO, owner=owner)

    response = web_as(owner).post(
        url("execution", initiative), execution_data(implemented_on="someday")
    )

    assert response.status_code == 400
    assert "implemented_on" in response.context["execution_form"].errors
    initiative.refresh_from_db()
    assert initiative.root_cause == ""


# --- query counts ---------------------------------------------------------------------


def build(initiative: Initiative, *, targets: int, points: int, rows: int) -> None:
    """Targets with measurements and two results each, plus comments, history rows,
    supporters, team members and watchers."""
    for i in range(targets):
        target = TargetFactory(initiative=initiative, is_primary=i == 0, metric=MetricFactory())
        record_series(target, first=dt.date(2026, 2, 1), values=[10 + i % 3 for i in range(points)])
        for day in (dt.date(2026, 5, 1), dt.date(2026, 5, 2)):
            ResultSnapshotFactory(
                target=target,
                as_of=day,
                n_after=3,
                current_mean=9.0,
                status=ResultStatus.IMPROVING,
                control={
                    "center": 10,
                    "ucl": 12,
                    "lcl": 8,
                    "signals": [
                        {"observed_at": "2026-02-02T12:00:00+00:00", "value": 11, "rule": 1}
                    ],
                },
            )
    CommentFactory.create_batch(rows, initiative=initiative)
    StageTransitionFactory.create_batch(rows, initiative=initiative, note="Moved.")
    SupportFactory.create_batch(rows, initiative=initiative)
    initiative.team.add(*UserFactory.create_batch(rows))
    initiative.watchers.add(*UserFactory.create_batch(rows))


@pytest.mark.parametrize("role", ["owner", "reviewer", "contributor"])
def test_it_shows_the_initiative_page_in_fixed_queries(web_as, count_queries, reviewer, role):
    viewer = reviewer if role == "reviewer" else UserFactory()
    owner = viewer if role == "owner" else UserFactory()
    small = LiveInitiativeFactory(owner=owner, stage=Stage.ACT)
    large = LiveInitiativeFactory(owner=owner, stage=Stage.ACT)
    build(small, targets=1, points=3, rows=1)
    build(large, targets=5, points=60, rows=12)
    client = web_as(viewer)
    client.get(page_of(small))

    _, few = count_queries(client, page_of(small))
    response, many = count_queries(client, page_of(large))

    assert response.status_code == 200
    assert len(response.context["targets"]) == 5
    assert few == many


def test_it_shows_a_submitted_idea_to_a_reviewer_in_fixed_queries(web_as, count_queries, reviewer):
    client = web_as(reviewer)
    small, large = InitiativeFactory(), InitiativeFactory()
    SupportFactory(initiative=small)
    CommentFactory(initiative=small)
    SupportFactory.create_batch(10, initiative=large)
    CommentFactory.create_batch(10, initiative=large)
    UserFactory.create_batch(10)  # more people to choose an owner from
    client.get(page_of(small))

    _, few = count_queries(client, page_of(small))
    response, many = count_queries(client, page_of(large))

    assert response.status_code == 200
    assert few == many


# --- escaping -------------------------------------------------------------------------


def test_it_escapes_html_in_the_title_on_the_initiative_page(web_as, me):
    initiative = InitiativeFactory(title=XSS)

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert f"<h1>{ESCAPED}</h1>" in response.content.decode()


def test_it_escapes_html_in_the_idea_text(web_as, me):
    initiative = InitiativeFactory(
        problem_statement=f"Problem {XSS}",
        proposed_change=f"Change {XSS}",
        stage=Stage.REJECTED,
        rejection_reason=f"Reason {XSS}",
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert response.content.decode().count(ESCAPED) == 3


def test_it_escapes_html_in_execution_notes(web_as, me):
    initiative = TriagedInitiativeFactory(
        stage=Stage.ACT,
        root_cause=f"Cause {XSS}",
        control_plan=f"Plan {XSS}",
        decision_note=f"Decision {XSS}",
    )

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert response.content.decode().count(ESCAPED) == 3


def test_it_escapes_html_in_comments_and_move_notes(web_as, me):
    initiative = TriagedInitiativeFactory()
    CommentFactory(initiative=initiative, body=f"Comment {XSS}")
    StageTransitionFactory(initiative=initiative, note=f"Note {XSS}")

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert XSS not in response.content.decode()
    assert response.content.decode().count(ESCAPED) == 2


def test_it_escapes_html_in_names_and_metric_names(web_as, me):
    owner = UserFactory(first_name="<b>Bold</b>", last_name="Owner")
    target = TargetFactory(initiative__owner=owner, metric__name=f"Metric {XSS}")
    record_series(target, first=dt.date(2026, 1, 1), values=[1.0, 2.0])

    response = web_as(me).get(page_of(target.initiative))

    assert response.status_code == 200
    html = response.content.decode()
    assert XSS not in html
    assert "<b>Bold</b>" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; Owner" in html


def test_it_escapes_html_in_a_refused_moves_message_and_page(web_as, reviewer):
    initiative = InitiativeFactory(title=XSS)

    # The form's error repeats the value posted: the message carries it to the page.
    response = web_as(reviewer).post(url("move", initiative), {"to": XSS}, follow=True)

    assert response.redirect_chain == [(page_of(initiative), 302)]
    assert response.status_code == 200
    html = response.content.decode()
    assert XSS not in html
    assert f"<h1>{ESCAPED}</h1>" in html
    assert f"Select a valid choice. {ESCAPED} is not one of the available choices." in html


def test_it_dates_the_idea_on_its_page(web_as, me):
    initiative = InitiativeFactory()

    response = web_as(me).get(page_of(initiative))

    assert response.status_code == 200
    assert f"on {initiative.created_at:%Y-%m-%d}" in response.content.decode()
