"""`manage.py seed_demo`: a complete, consistent demo data set, and a second run changes
nothing."""

import datetime as dt
import itertools
import re
import statistics
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from improvement import demo, workflow
from improvement.demo import builder
from improvement.models import (
    ACTIVE_STAGES,
    DMAIC_STAGES,
    PDCA_STAGES,
    Comment,
    Initiative,
    Methodology,
    Notification,
    Stage,
    StageTransition,
    Support,
)
from metrics.models import (
    BaselineSource,
    ChartKind,
    Measurement,
    Metric,
    QuarterlyResult,
    ResultSnapshot,
    Target,
)

ANCHOR = dt.date(2026, 6, 30)
ALL_STAGES = set(Stage.values)
UNACCEPTED = (Stage.SUBMITTED, Stage.REJECTED)
# The moves the design allows (forward, the PDCA loop, hold, cancel, reject).
ALLOWED_MOVES = {
    (Stage.SUBMITTED, Stage.BACKLOG),
    (Stage.SUBMITTED, Stage.REJECTED),
    (Stage.BACKLOG, Stage.REJECTED),
    (Stage.BACKLOG, Stage.PLAN),
    (Stage.BACKLOG, Stage.DEFINE),
    (Stage.PLAN, Stage.DO),
    (Stage.DO, Stage.CHECK),
    (Stage.CHECK, Stage.ACT),
    (Stage.ACT, Stage.PLAN),
    (Stage.ACT, Stage.COMPLETED),
    (Stage.DEFINE, Stage.MEASURE),
    (Stage.MEASURE, Stage.ANALYZE),
    (Stage.ANALYZE, Stage.IMPROVE),
    (Stage.IMPROVE, Stage.CONTROL),
    (Stage.CONTROL, Stage.COMPLETED),
    *((stage, Stage.ON_HOLD) for stage in ACTIVE_STAGES),
    *((stage, Stage.CANCELLED) for stage in ACTIVE_STAGES),
}
CHANGE_MOVES = {(Stage.DO, Stage.CHECK), (Stage.IMPROVE, Stage.CONTROL)}
DATE = r"\d{4}-\d{2}-\d{2}"
TRIAGE_MOVES = {
    (Stage.SUBMITTED, Stage.BACKLOG),
    (Stage.SUBMITTED, Stage.REJECTED),
    (Stage.BACKLOG, Stage.REJECTED),
}


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args: str) -> str:
    out = StringIO()
    # Tests run with DEBUG off, like a deployment: say that seeding is meant.
    call_command("seed_demo", "--production", *args, stdout=out)
    return out.getvalue()


def seeded() -> str:
    return seed(f"--anchor={ANCHOR.isoformat()}")


def the_reached(initiative: Initiative) -> str:
    """The stage whose fields apply: on hold or cancelled, the stage it left."""
    if initiative.stage == Stage.ON_HOLD:
        return initiative.held_from
    if initiative.stage == Stage.CANCELLED:
        return initiative.history.order_by("-at").first().from_stage
    return initiative.stage


def snapshot() -> dict:
    """Every row of every table, including many-to-many links, by primary key."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


def test_it_creates_the_demo_users(db):
    seeded()

    users = {user.username: user for user in get_user_model().objects.all()}
    expected = {"admin", "reviewer", "owner1", "owner2", "sponsor"}
    assert expected <= users.keys()
    assert sum(name.startswith("contributor") for name in users) >= 3
    assert users["admin"].is_superuser and users["admin"].is_staff
    reviewer = users["reviewer"]
    assert reviewer.is_staff and not reviewer.is_superuser
    assert reviewer.groups.filter(name="Reviewers").exists()
    assert reviewer.has_perm("improvement.triage_initiative")
    assert not users["owner1"].has_perm("improvement.triage_initiative")
    assert all(user.check_password(demo.DEMO_PASSWORD) for user in users.values())


def test_it_sets_the_password_only_when_it_creates_the_user(db):
    get_user_model().objects.create_user("owner1", password="changed-by-owner1")

    seeded()

    owner1 = get_user_model().objects.get(username="owner1")
    assert owner1.check_password("changed-by-owner1")
    assert get_user_model().objects.get(username="owner2").check_password(demo.DEMO_PASSWORD)


def test_it_seeds_every_stage_of_both_methodologies(db):
    seeded()

    assert Initiative.objects.count() >= 35
    assert set(Initiative.objects.values_list("stage", flat=True)) == ALL_STAGES
    assert set(Initiative.objects.values_list("area__name", flat=True)) >= {
        "Assembly",
        "Customer Service",
        "Finance",
        "HR",
        "IT",
        "Logistics",
    }
    on_hold = Initiative.objects.filter(stage=Stage.ON_HOLD)
    assert {i.held_from for i in on_hold} <= set(ACTIVE_STAGES)
    assert on_hold.filter(methodology=Methodology.PDCA).exists()
    assert on_hold.filter(methodology=Methodology.DMAIC).exists()
    assert Initiative.objects.filter(stage=Stage.PLAN, cycle=1).exists()
    assert Initiative.objects.filter(methodology=Methodology.PDCA, cycle=2).exists()


def test_it_scores_the_backlog_in_all_four_quadrants(db):
    seeded()

    backlog = Initiative.objects.filter(stage=Stage.BACKLOG)
    quadrants = {(i.impact >= 3, i.effort >= 3) for i in backlog}
    assert quadrants == {(True, False), (True, True), (False, False), (False, True)}
    for initiative in backlog:
        assert initiative.methodology
        assert initiative.estimated_annual_benefit is not None
        assert initiative.estimated_cost is not None
        assert 0 <= initiative.confidence <= 1
    submitted = Initiative.objects.filter(stage=Stage.SUBMITTED)
    assert submitted.count() >= 3
    assert not submitted.filter(Q(impact__isnull=False) | Q(effort__isnull=False)).exists()
    assert not submitted.exclude(methodology="").exists()


def test_it_gives_each_accepted_initiative_an_owner_and_exactly_one_primary_target(db):
    seeded()

    accepted = Initiative.objects.exclude(stage__in=UNACCEPTED).annotate(
        primaries=Count("targets", filter=Q(targets__is_primary=True))
    )
    assert accepted.count() >= 30
    for initiative in accepted:
        assert initiative.primaries == 1, initiative.title
        assert initiative.owner_id is not None, initiative.title
        assert initiative.impact and initiative.effort and initiative.methodology
    assert not Target.objects.filter(initiative__stage__in=UNACCEPTED).exists()
    assert Initiative.objects.exclude(sponsor=None).count() >= 20
    assert Initiative.team.through.objects.exists()
    assert Initiative.watchers.through.objects.exists()


def test_it_fills_the_fields_each_stage_needs(db):
    seeded()

    for initiative in Initiative.objects.exclude(stage__in=UNACCEPTED):
        reached = the_reached(initiative)
        pdca = initiative.methodology == Methodology.PDCA
        flow = [Stage.BACKLOG, *(PDCA_STAGES if pdca else DMAIC_STAGES), Stage.COMPLETED]
        past = flow[: flow.index(reached) + 1]
        label = f"{initiative.title} ({initiative.stage})"

        if pdca:
            assert initiative.root_cause or Stage.DO not in past, label
            assert initiative.control_plan or Stage.COMPLETED not in past, label
        else:
            assert bool(initiative.root_cause) == (Stage.ANALYZE in past), label
        changed = (Stage.CHECK if pdca else Stage.CONTROL) in past
        assert (initiative.implemented_on is not None) == changed, label
        if not pdca:
            assert bool(initiative.control_plan) == (Stage.CONTROL in past), label
        if pdca and Stage.ACT in past:
            assert initiative.decision_note, label
        if initiative.implemented_on:
            assert initiative.implemented_on <= ANCHOR

    rejected = Initiative.objects.filter(stage=Stage.REJECTED)
    assert rejected.exclude(rejection_reason="").exists()
    duplicate = rejected.get(duplicate_of__isnull=False)
    assert duplicate.duplicate_of.stage != Stage.REJECTED
    assert Support.objects.count() >= 5
    assert Comment.objects.count() >= 3


def test_it_writes_a_history_from_submission_to_the_current_stage(db):
    seeded()
    reviewer = get_user_model().objects.get(username="reviewer")

    for initiative in Initiative.objects.prefetch_related("history"):
        moves = list(initiative.history.all())
        label = initiative.title
        if initiative.stage == Stage.SUBMITTED:
            assert moves == [], label
            continue
        assert moves[0].from_stage == Stage.SUBMITTED, label
        assert moves[-1].to_stage == initiative.stage, label
        assert moves[-1].cycle == initiative.cycle, label
        assert initiative.stage_entered_at == moves[-1].at, label
        assert initiative.created_at < moves[0].at, label
        for before, after in itertools.pairwise(moves):
            assert before.to_stage == after.from_stage, label
            assert before.at < after.at, label
        change_moves = [m for m in moves if (m.from_stage, m.to_stage) in CHANGE_MOVES]
        if initiative.implemented_on:
            assert initiative.implemented_on.isoformat() in change_moves[-1].note, label
        for move in moves:
            assert (move.from_stage, move.to_stage) in ALLOWED_MOVES, label
            assert move.note, label
            assert move.at.date() <= ANCHOR
            if (move.from_stage, move.to_stage) in CHANGE_MOVES:
                changed_on = dt.date.fromisoformat(re.search(DATE, move.note).group())
                assert changed_on < move.at.date(), label
            if (move.from_stage, move.to_stage) in TRIAGE_MOVES:
                assert move.actor == reviewer, label
            else:
                assert move.actor_id == initiative.owner_id, label


def test_it_freezes_baselines_as_the_mean_of_their_window(db):
    seeded()

    frozen = Target.objects.exclude(frozen_at=None).select_related("initiative")
    assert frozen.count() >= 15
    for target in frozen:
        initiative = target.initiative
        freezing_move = initiative.history.filter(to_stage__in=[Stage.DO, Stage.ANALYZE]).earliest(
            "at"
        )
        window = target.measurements.filter(
            observed_at__date__range=(target.baseline_start, target.baseline_end)
        )
        values = list(window.values_list("value", flat=True))
        assert target.baseline_source == BaselineSource.WINDOW
        assert target.frozen_by_id == initiative.owner_id
        assert target.frozen_at == freezing_move.at
        assert target.baseline_end < freezing_move.at.date()
        assert target.baseline_n == len(values) >= 10
        assert target.baseline_value == pytest.approx(statistics.fmean(values))
        if target.metric.lower_is_better:
            assert target.target_value < target.baseline_value, initiative.title
        else:
            assert target.target_value > target.baseline_value, initiative.title

    # Past measure / plan every target is frozen; before, none is.
    unfrozen_stages = [Stage.BACKLOG, Stage.PLAN, Stage.DEFINE, Stage.MEASURE]
    assert not Target.objects.filter(
        initiative__stage__in=unfrozen_stages, frozen_at__isnull=False
    ).exists()
    assert not Target.objects.filter(
        initiative__stage__in=[Stage.DO, Stage.CHECK, Stage.ACT, Stage.ANALYZE, Stage.IMPROVE],
        frozen_at=None,
    ).exists()
    assert not Target.objects.filter(initiative__stage=Stage.COMPLETED, frozen_at=None).exists()


def test_it_writes_series_that_improve_stay_flat_and_regress(db):
    seeded()

    progress = {}
    for target in Target.objects.filter(
        is_primary=True, initiative__implemented_on__isnull=False
    ).select_related("initiative"):
        after = target.measurements.filter(
            observed_at__date__gte=target.initiative.implemented_on
        ).values_list("value", flat=True)
        assert len(after) >= 3, target.initiative.title
        gained = statistics.fmean(after) - target.baseline_value
        progress[target.initiative.title] = gained / (target.target_value - target.baseline_value)

    assert any(share > 0.7 for share in progress.values())
    assert any(abs(share) < 0.15 for share in progress.values())
    assert any(share < -0.25 for share in progress.values())
    assert Measurement.objects.count() >= 500
    assert Target.objects.annotate(n=Count("measurements")).filter(n__gte=24).count() >= 10
    assert set(Measurement.objects.values_list("source", flat=True)) == {"web", "import"}


def test_it_keeps_proportions_between_0_and_1_with_a_sample_size(db):
    seeded()

    proportions = Measurement.objects.filter(target__metric__chart_kind=ChartKind.PROPORTION)
    assert proportions.count() >= 50
    assert not proportions.filter(Q(value__lt=0) | Q(value__gt=1)).exists()
    assert not proportions.filter(sample_size=None).exists()
    individuals = Measurement.objects.filter(target__metric__chart_kind=ChartKind.INDIVIDUALS)
    assert not individuals.exclude(sample_size=None).exists()


def test_it_records_measurements_as_the_owner_up_to_the_day_before_the_anchor(db):
    seeded()

    for target in Target.objects.select_related("initiative"):
        measurements = target.measurements.all()
        assert not measurements.exclude(recorded_by=target.initiative.owner).exists()
        assert not measurements.filter(observed_at__date__gte=ANCHOR).exists()


def test_it_notifies_demo_users(db):
    seeded()

    notifications = Notification.objects.all()
    assert notifications.filter(read_at=None).exists()
    assert notifications.exclude(read_at=None).exists()
    assert {"owner1", "owner2"} <= set(notifications.values_list("recipient__username", flat=True))
    for notification in notifications.exclude(read_at=None):
        assert notification.read_at > notification.created_at
    # Past events: the email job must not send them now.
    assert not notifications.filter(emailed_at=None).exists()
    # Signals are the sustainment watch's to raise, with their SignalAlert.
    assert not notifications.filter(kind=Notification.Kind.SIGNAL).exists()


@pytest.mark.parametrize(("stage", "to"), [(Stage.PLAN, Stage.DO), (Stage.MEASURE, Stage.ANALYZE)])
def test_it_leaves_initiatives_the_workflow_can_move_on(db, stage, to):
    seeded()

    for initiative in Initiative.objects.filter(stage=stage).select_related("owner"):
        moved = workflow.move(initiative=initiative, to=to, actor=initiative.owner, note="Go.")

        assert moved.stage == to
        for target in Target.objects.filter(initiative=initiative):
            window = target.measurements.filter(
                observed_at__date__range=(target.baseline_start, target.baseline_end)
            ).values_list("value", "sample_size")
            values = [value for value, _ in window]
            assert target.is_frozen
            assert target.baseline_n == len(window) >= 10
            if target.metric.chart_kind == ChartKind.PROPORTION:
                # A proportion's baseline is pooled on the counts: Σ p·n / Σ n.
                expected = sum(v * n for v, n in window) / sum(n for _, n in window)
            else:
                expected = statistics.fmean(values)
            assert target.baseline_value == pytest.approx(expected)


def test_it_leaves_results_to_the_jobs(db):
    seeded()

    assert not ResultSnapshot.objects.exists()
    assert not QuarterlyResult.objects.exists()


def test_it_changes_nothing_when_run_again(db):
    seed()
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "nothing changed" in output


def test_it_changes_nothing_when_run_again_on_a_later_day(db):
    seeded()
    counts = {label: len(rows) for label, rows in snapshot().items()}
    fingerprint = (
        sorted(Initiative.objects.values_list("title", "stage", "impact", "effort")),
        sorted(Measurement.objects.values_list("target__metric__name", "value")),
        sorted(
            Target.objects.values_list("baseline_value", "baseline_n", "target_value"), key=repr
        ),
    )
    before = snapshot()

    seed("--anchor=2027-01-15")

    assert {label: len(rows) for label, rows in snapshot().items()} == counts
    assert (
        sorted(Initiative.objects.values_list("title", "stage", "impact", "effort")),
        sorted(Measurement.objects.values_list("target__metric__name", "value")),
        sorted(
            Target.objects.values_list("baseline_value", "baseline_n", "target_value"), key=repr
        ),
    ) == fingerprint
    assert snapshot() == before


def test_it_fills_in_what_is_missing(db):
    seeded()
    Initiative.objects.filter(title=demo.IDEAS[0].title).delete()

    seeded()

    assert Initiative.objects.filter(title=demo.IDEAS[0].title).count() == 1
    assert Initiative.objects.count() == len(demo.IDEAS)


def test_it_prints_a_summary_and_the_credentials(db):
    output = seeded()

    rows = {line.split()[0]: line.split()[1:] for line in output.splitlines() if line.strip()}
    assert rows["initiatives"] == [str(Initiative.objects.count())] * 2  # total, new
    assert rows["measurements"] == [str(Measurement.objects.count())] * 2
    assert "DEMO ONLY" in output
    for user in demo.USERS:
        line = next(line for line in output.splitlines() if line.split()[:1] == [user.username])
        assert demo.DEMO_PASSWORD in line
        assert user.role in line


def test_it_writes_rows_that_pass_full_clean(db):
    seeded()

    samples = [
        *get_user_model().objects.all(),
        *Initiative.objects.all(),
        *StageTransition.objects.all(),
        *Target.objects.all(),
        *Measurement.objects.all()[::10],
        *Support.objects.all(),
        *Comment.objects.all(),
        *Notification.objects.all(),
    ]
    for row in samples:
        row.full_clean()


def test_it_leaves_nothing_behind_when_it_fails(db, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(builder, "_write", fail)

    with pytest.raises(RuntimeError):
        seeded()

    assert not get_user_model().objects.exists()
    assert not Initiative.objects.exists()
    assert not Target.objects.exists()


def test_it_refuses_clearly_without_the_kpi_catalog(db):
    Metric.objects.filter(name="Scrap cost").delete()

    with pytest.raises(CommandError, match="Scrap cost"):
        seeded()

    assert not Initiative.objects.exists()


def test_it_refuses_to_seed_a_deployment_unless_told(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", stdout=StringIO())

    assert not get_user_model().objects.filter(username="admin").exists()
