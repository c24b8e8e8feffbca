"""Every gate of the design's table met, and the gates of the earlier moves unmet (the
later ones are in test_workflow_gates_results.py).

A refused move names every unmet condition at once (`MoveRefused.unmet`) and changes
nothing: same stage, no history row, nobody notified. Each test starts from an
initiative that meets every gate (`ReadyInitiativeFactory`) and takes away what it tests.
"""

import datetime as dt

import pytest

from improvement import workflow
from improvement.models import Methodology, Stage, StageTransition
from metrics.models import Target
from tests.factories import (
    InitiativeFactory,
    MeasurementFactory,
    MetricFactory,
    ReadyInitiativeFactory,
    TargetFactory,
    TriagedInitiativeFactory,
)

pytestmark = pytest.mark.django_db

PDCA, DMAIC = Methodology.PDCA, Methodology.DMAIC
# The two moves that need baselines (and freeze them).
BASELINE_MOVES = [(PDCA, Stage.PLAN, Stage.DO), (DMAIC, Stage.MEASURE, Stage.ANALYZE)]


def ids(move) -> str:
    return "→".join(str(part) for part in move)


def refused_codes(initiative, to, actor, **kwargs) -> list[str]:
    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=to, actor=actor, **kwargs)
    return [unmet.code for unmet in refused.value.unmet]


def only_target(initiative):
    return initiative.targets.get()


# --- every gate met ------------------------------------------------------------------------

EVERY_GATED_MOVE = [
    (PDCA, Stage.SUBMITTED, Stage.BACKLOG),
    (PDCA, Stage.SUBMITTED, Stage.REJECTED),
    (PDCA, Stage.BACKLOG, Stage.REJECTED),
    (PDCA, Stage.BACKLOG, Stage.PLAN),
    (PDCA, Stage.PLAN, Stage.DO),
    (PDCA, Stage.DO, Stage.CHECK),
    (PDCA, Stage.CHECK, Stage.ACT),
    (PDCA, Stage.ACT, Stage.COMPLETED),
    (PDCA, Stage.ACT, Stage.PLAN),
    (DMAIC, Stage.BACKLOG, Stage.DEFINE),
    (DMAIC, Stage.DEFINE, Stage.MEASURE),
    (DMAIC, Stage.MEASURE, Stage.ANALYZE),
    (DMAIC, Stage.ANALYZE, Stage.IMPROVE),
    (DMAIC, Stage.IMPROVE, Stage.CONTROL),
    (DMAIC, Stage.CONTROL, Stage.COMPLETED),
]


@pytest.mark.parametrize(("methodology", "source", "to"), EVERY_GATED_MOVE, ids=ids)
def test_it_makes_a_gated_move_when_every_condition_holds(methodology, source, to, admin_user):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source)

    moved = workflow.move(initiative=initiative, to=to, actor=admin_user, note="Reason given.")

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to
    assert StageTransition.objects.filter(initiative=initiative).count() == 1


# --- submitted → backlog -----------------------------------------------------------------


def test_it_refuses_backlog_naming_impact_effort_and_methodology_at_once(
    reviewer, assert_not_moved
):
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    codes = refused_codes(initiative, Stage.BACKLOG, reviewer)

    assert codes == ["impact_missing", "effort_missing", "methodology_missing"]
    assert_not_moved(initiative, Stage.SUBMITTED)


@pytest.mark.parametrize(
    ("missing", "code"),
    [
        ({"impact": None}, "impact_missing"),
        ({"effort": None}, "effort_missing"),
        ({"methodology": ""}, "methodology_missing"),
    ],
    ids=lambda value: value if isinstance(value, str) else next(iter(value)),
)
def test_it_refuses_backlog_without_each_triage_decision(missing, code, reviewer, assert_not_moved):
    initiative = ReadyInitiativeFactory(stage=Stage.SUBMITTED, **missing)

    codes = refused_codes(initiative, Stage.BACKLOG, reviewer)

    assert codes == [code]
    assert_not_moved(initiative, Stage.SUBMITTED)


# --- → rejected ----------------------------------------------------------------------------


@pytest.mark.parametrize("source", [Stage.SUBMITTED, Stage.BACKLOG])
@pytest.mark.parametrize("note", ["", "   \n "], ids=["empty", "blank"])
def test_it_refuses_a_rejection_without_a_reason(source, note, reviewer, assert_not_moved):
    initiative = ReadyInitiativeFactory(stage=source)

    codes = refused_codes(initiative, Stage.REJECTED, reviewer, note=note)

    assert codes == ["reason_missing"]
    assert_not_moved(initiative, source)


def test_it_accepts_the_original_instead_of_a_reason(reviewer):
    original = TriagedInitiativeFactory()
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    moved = workflow.move(
        initiative=initiative, to=Stage.REJECTED, actor=reviewer, duplicate_of=original
    )

    assert moved.stage == Stage.REJECTED
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.duplicate_of, initiative.rejection_reason) == (
        Stage.REJECTED,
        original,
        "",
    )


def test_it_refuses_an_idea_as_a_duplicate_of_itself(reviewer, assert_not_moved):
    initiative = InitiativeFactory(stage=Stage.SUBMITTED)

    codes = refused_codes(
        initiative, Stage.REJECTED, reviewer, note="Same idea.", duplicate_of=initiative
    )

    assert codes == ["duplicate_of_self"]
    assert_not_moved(initiative, Stage.SUBMITTED)
    assert initiative.duplicate_of is None


# --- backlog → plan / define ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("methodology", "first_stage"), [(PDCA, Stage.PLAN), (DMAIC, Stage.DEFINE)]
)
def test_it_refuses_the_first_stage_without_an_owner(
    methodology, first_stage, admin_user, assert_not_moved
):
    initiative = ReadyInitiativeFactory(methodology=methodology, owner=None)

    codes = refused_codes(initiative, first_stage, admin_user)

    assert codes == ["owner_missing"]
    assert_not_moved(initiative, Stage.BACKLOG)


@pytest.mark.parametrize(
    ("methodology", "other_first_stage"), [(PDCA, Stage.DEFINE), (DMAIC, Stage.PLAN)]
)
def test_it_refuses_the_other_methodologys_first_stage(
    methodology, other_first_stage, admin_user, assert_not_moved
):
    initiative = ReadyInitiativeFactory(methodology=methodology)

    codes = refused_codes(initiative, other_first_stage, admin_user)

    assert codes == ["move_not_allowed"]
    assert_not_moved(initiative, Stage.BACKLOG)


# --- define → measure ----------------------------------------------------------------------


def dmaic_in_define(**kwargs):
    return ReadyInitiativeFactory(methodology=DMAIC, stage=Stage.DEFINE, **kwargs)


@pytest.mark.parametrize("statement", ["", "  \n"], ids=["empty", "blank"])
def test_it_refuses_measure_without_a_problem_statement(statement, admin_user, assert_not_moved):
    initiative = dmaic_in_define(problem_statement=statement)

    codes = refused_codes(initiative, Stage.MEASURE, admin_user)

    assert codes == ["problem_statement_missing"]
    assert_not_moved(initiative, Stage.DEFINE)


def test_it_refuses_measure_without_targets(admin_user, assert_not_moved):
    initiative = dmaic_in_define(primary_target=False)

    codes = refused_codes(initiative, Stage.MEASURE, admin_user)

    assert codes == ["targets_missing"]
    assert_not_moved(initiative, Stage.DEFINE)


def test_it_refuses_measure_naming_the_target_without_a_target_value(admin_user, assert_not_moved):
    initiative = dmaic_in_define()
    TargetFactory(
        initiative=initiative,
        metric=MetricFactory(name="Defect rate"),
        is_primary=False,
        target_value=None,
    )

    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=Stage.MEASURE, actor=admin_user)

    assert [u.code for u in refused.value.unmet] == ["target_value_missing"]
    assert "Defect rate" in refused.value.unmet[0].message
    assert_not_moved(initiative, Stage.DEFINE)


def test_it_refuses_measure_without_a_primary_target(admin_user, assert_not_moved):
    initiative = dmaic_in_define()
    initiative.targets.update(is_primary=False)
    TargetFactory(initiative=initiative, is_primary=False)

    codes = refused_codes(initiative, Stage.MEASURE, admin_user)

    assert codes == ["primary_target_missing"]
    assert_not_moved(initiative, Stage.DEFINE)


def test_it_refuses_measure_naming_every_unmet_condition_at_once(admin_user, assert_not_moved):
    initiative = dmaic_in_define(problem_statement="", primary_target=False)
    TargetFactory(initiative=initiative, is_primary=False, target_value=None)

    codes = refused_codes(initiative, Stage.MEASURE, admin_user)

    assert codes == ["problem_statement_missing", "target_value_missing", "primary_target_missing"]
    assert_not_moved(initiative, Stage.DEFINE)


# --- measure → analyze, plan → do: baselines ----------------------------------------------


def without_baseline(methodology, source, **target_fields):
    """An initiative whose one primary target has no hand-entered baseline value."""
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source)
    Target.objects.filter(initiative=initiative).update(baseline_value=None, **target_fields)
    return initiative


@pytest.mark.parametrize(("methodology", "source", "to"), BASELINE_MOVES, ids=ids)
def test_it_refuses_to_leave_measurement_without_a_baseline(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = without_baseline(methodology, source)

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["baseline_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), BASELINE_MOVES, ids=ids)
def test_it_accepts_a_hand_entered_baseline_value(methodology, source, to, admin_user):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source)
    assert only_target(initiative).baseline_start is None

    moved = workflow.move(initiative=initiative, to=to, actor=admin_user)

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to


@pytest.mark.parametrize(("methodology", "source", "to"), BASELINE_MOVES, ids=ids)
def test_it_accepts_a_baseline_window_with_measurements(methodology, source, to, admin_user):
    initiative = without_baseline(
        methodology, source, baseline_start=dt.date(2026, 1, 1), baseline_end=dt.date(2026, 1, 31)
    )
    MeasurementFactory(
        target=only_target(initiative), observed_at=dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC)
    )

    moved = workflow.move(initiative=initiative, to=to, actor=admin_user)

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to


@pytest.mark.parametrize(("methodology", "source", "to"), BASELINE_MOVES, ids=ids)
def test_it_refuses_a_baseline_window_without_measurements_in_it(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = without_baseline(
        methodology, source, baseline_start=dt.date(2026, 1, 1), baseline_end=dt.date(2026, 1, 31)
    )
    # The ready initiative's one measurement (9 March) is after the window.
    MeasurementFactory(
        target=only_target(initiative), observed_at=dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    )

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["baseline_missing"]
    assert_not_moved(initiative, source)


def test_it_refuses_analyze_naming_every_target_without_a_baseline(admin_user, assert_not_moved):
    initiative = ReadyInitiativeFactory(methodology=DMAIC, stage=Stage.MEASURE)
    TargetFactory(
        initiative=initiative,
        metric=MetricFactory(name="First-contact resolution"),
        is_primary=False,
        baseline_value=None,
    )

    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=Stage.ANALYZE, actor=admin_user)

    assert [u.code for u in refused.value.unmet] == ["baseline_missing"]
    assert "First-contact resolution" in refused.value.unmet[0].message
    assert_not_moved(initiative, Stage.MEASURE)


# --- analyze → improve ---------------------------------------------------------------------


@pytest.mark.parametrize("root_cause", ["", " \t"], ids=["empty", "blank"])
def test_it_refuses_improve_without_a_root_cause(root_cause, admin_user, assert_not_moved):
    initiative = ReadyInitiativeFactory(
        methodology=DMAIC, stage=Stage.ANALYZE, root_cause=root_cause
    )

    codes = refused_codes(initiative, Stage.IMPROVE, admin_user)

    assert codes == ["root_cause_missing"]
    assert_not_moved(initiative, Stage.ANALYZE)
