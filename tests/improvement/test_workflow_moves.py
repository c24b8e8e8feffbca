"""Every kind of move the lifecycle allows, what it writes, and a sample of what it refuses.

Each allowed move changes the stage, stamps `stage_entered_at` and writes exactly one
history row (from, to, actor, note, cycle) in the same transaction.
"""

import datetime as dt

import pytest

from improvement import workflow
from improvement.models import Initiative, Methodology, Stage, StageTransition, Support
from metrics.periods import day_start
from tests.factories import (
    InitiativeFactory,
    MeasurementFactory,
    ReadyInitiativeFactory,
    ResultSnapshotFactory,
    SupportFactory,
    TriagedInitiativeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDCA, DMAIC = Methodology.PDCA, Methodology.DMAIC


def ids(move) -> str:
    return "→".join(str(part) for part in move)


def history(initiative) -> list[tuple]:
    rows = StageTransition.objects.filter(initiative=initiative).order_by("at", "id")
    return [(r.from_stage, r.to_stage, r.actor, r.note, r.cycle) for r in rows]


def refused_codes(initiative, to, actor, **kwargs) -> list[str]:
    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=to, actor=actor, **kwargs)
    return [unmet.code for unmet in refused.value.unmet]


# --- one move, one history row -------------------------------------------------------------

EVERY_FORWARD_MOVE = [
    (PDCA, Stage.SUBMITTED, Stage.BACKLOG),
    (PDCA, Stage.BACKLOG, Stage.PLAN),
    (PDCA, Stage.PLAN, Stage.DO),
    (PDCA, Stage.DO, Stage.CHECK),
    (PDCA, Stage.CHECK, Stage.ACT),
    (PDCA, Stage.ACT, Stage.COMPLETED),
    (DMAIC, Stage.BACKLOG, Stage.DEFINE),
    (DMAIC, Stage.DEFINE, Stage.MEASURE),
    (DMAIC, Stage.MEASURE, Stage.ANALYZE),
    (DMAIC, Stage.ANALYZE, Stage.IMPROVE),
    (DMAIC, Stage.IMPROVE, Stage.CONTROL),
    (DMAIC, Stage.CONTROL, Stage.COMPLETED),
]


@pytest.mark.parametrize(("methodology", "source", "to"), EVERY_FORWARD_MOVE, ids=ids)
def test_it_writes_one_history_row_for_a_forward_move(methodology, source, to, reviewer):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source)
    entered_before = initiative.stage_entered_at

    moved = workflow.move(initiative=initiative, to=to, actor=reviewer, note="  On track.  ")

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to
    assert history(initiative) == [(source, to, reviewer, "On track.", 1)]
    transition = initiative.history.get()
    assert initiative.stage_entered_at == transition.at
    assert initiative.stage_entered_at > entered_before


def test_it_walks_a_pdca_initiative_from_submitted_to_completed(reviewer):
    initiative = ReadyInitiativeFactory(methodology=PDCA, stage=Stage.SUBMITTED)
    owner = initiative.owner
    path = [
        (Stage.BACKLOG, reviewer),
        (Stage.PLAN, owner),
        (Stage.DO, owner),
        (Stage.CHECK, owner),
        (Stage.ACT, owner),
        (Stage.COMPLETED, owner),
    ]

    for to, actor in path:
        moved = workflow.move(initiative=initiative, to=to, actor=actor)
        assert moved.stage == to

    initiative.refresh_from_db()
    assert initiative.stage == Stage.COMPLETED
    stages = [Stage.SUBMITTED] + [to for to, _ in path]
    assert history(initiative) == [
        (source, to, actor, "", 1) for source, (to, actor) in zip(stages, path, strict=False)
    ]


def test_it_walks_a_dmaic_initiative_from_submitted_to_completed(reviewer):
    initiative = ReadyInitiativeFactory(methodology=DMAIC, stage=Stage.SUBMITTED)
    owner = initiative.owner
    path = [
        (Stage.BACKLOG, reviewer),
        (Stage.DEFINE, owner),
        (Stage.MEASURE, owner),
        (Stage.ANALYZE, owner),
        (Stage.IMPROVE, owner),
        (Stage.CONTROL, owner),
        (Stage.COMPLETED, owner),
    ]

    for to, actor in path:
        moved = workflow.move(initiative=initiative, to=to, actor=actor)
        assert moved.stage == to

    initiative.refresh_from_db()
    assert initiative.stage == Stage.COMPLETED
    stages = [Stage.SUBMITTED] + [to for to, _ in path]
    assert history(initiative) == [
        (source, to, actor, "", 1) for source, (to, actor) in zip(stages, path, strict=False)
    ]


# --- the PDCA loop -------------------------------------------------------------------------


def test_it_loops_act_back_to_plan_as_the_next_cycle():
    initiative = ReadyInitiativeFactory(stage=Stage.ACT, cycle=1)

    moved = workflow.move(
        initiative=initiative, to=Stage.PLAN, actor=initiative.owner, note="Adapt: try B."
    )

    assert (moved.stage, moved.cycle, moved.decision_note) == (Stage.PLAN, 2, "")
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.cycle, initiative.decision_note) == (Stage.PLAN, 2, "")
    # The row records the cycle the move starts.
    assert history(initiative) == [(Stage.ACT, Stage.PLAN, initiative.owner, "Adapt: try B.", 2)]


def test_it_needs_new_evidence_and_a_new_decision_in_the_next_cycle():
    initiative = ReadyInitiativeFactory(stage=Stage.ACT)
    owner = initiative.owner
    for to in (Stage.PLAN, Stage.DO):
        workflow.move(initiative=initiative, to=to, actor=owner)
    assert refused_codes(initiative, Stage.CHECK, owner) == ["implemented_on_missing"]

    initiative.refresh_from_db()
    new_change = initiative.history.order_by("at").last().at.date() + dt.timedelta(days=30)
    Initiative.objects.filter(pk=initiative.pk).update(implemented_on=new_change)
    primary = initiative.targets.get(is_primary=True)
    MeasurementFactory(target=primary, observed_at=day_start(new_change), value=7.0)
    workflow.move(initiative=initiative, to=Stage.CHECK, actor=owner)
    assert refused_codes(initiative, Stage.ACT, owner) == ["result_missing"]

    ResultSnapshotFactory(target=primary, as_of=new_change, n_after=1)
    workflow.move(initiative=initiative, to=Stage.ACT, actor=owner)
    codes = refused_codes(initiative, Stage.COMPLETED, owner)

    assert codes == ["decision_note_missing"]
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.cycle) == (Stage.ACT, 2)
    assert [row[4] for row in history(initiative)] == [2, 2, 2, 2]


# --- one step back, with a note ------------------------------------------------------------

EVERY_BACK_MOVE = [
    (PDCA, Stage.DO, Stage.PLAN),
    (PDCA, Stage.CHECK, Stage.DO),
    (PDCA, Stage.ACT, Stage.CHECK),
    (DMAIC, Stage.MEASURE, Stage.DEFINE),
    (DMAIC, Stage.ANALYZE, Stage.MEASURE),
    (DMAIC, Stage.IMPROVE, Stage.ANALYZE),
    (DMAIC, Stage.CONTROL, Stage.IMPROVE),
]


@pytest.mark.parametrize(("methodology", "source", "to"), EVERY_BACK_MOVE, ids=ids)
def test_it_moves_one_stage_back_with_a_note(methodology, source, to):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source)

    moved = workflow.move(
        initiative=initiative, to=to, actor=initiative.owner, note="The data was wrong."
    )

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to
    assert history(initiative) == [(source, to, initiative.owner, "The data was wrong.", 1)]


@pytest.mark.parametrize(("methodology", "source", "to"), EVERY_BACK_MOVE, ids=ids)
@pytest.mark.parametrize("note", ["", "  \n"], ids=["empty", "blank"])
def test_it_refuses_a_step_back_without_a_note(methodology, source, to, note, assert_not_moved):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source)

    codes = refused_codes(initiative, to, initiative.owner, note=note)

    assert codes == ["note_missing"]
    assert_not_moved(initiative, source)


# --- on hold and resume --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("methodology", "stage"),
    [(PDCA, Stage.PLAN), (PDCA, Stage.ACT), (DMAIC, Stage.DEFINE), (DMAIC, Stage.CONTROL)],
    ids=ids,
)
def test_it_puts_an_active_initiative_on_hold(methodology, stage):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=stage)

    moved = workflow.move(initiative=initiative, to=Stage.ON_HOLD, actor=initiative.owner)

    assert (moved.stage, moved.held_from) == (Stage.ON_HOLD, stage)
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.held_from) == (Stage.ON_HOLD, stage)
    assert history(initiative) == [(stage, Stage.ON_HOLD, initiative.owner, "", 1)]


@pytest.mark.parametrize(
    ("methodology", "stage"), [(PDCA, Stage.DO), (DMAIC, Stage.ANALYZE)], ids=ids
)
def test_it_resumes_to_the_stage_it_left(methodology, stage):
    initiative = ReadyInitiativeFactory(
        methodology=methodology, stage=Stage.ON_HOLD, held_from=stage
    )

    moved = workflow.move(initiative=initiative, to=stage, actor=initiative.owner)

    assert (moved.stage, moved.held_from) == (stage, "")
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.held_from) == (stage, "")
    assert history(initiative) == [(Stage.ON_HOLD, stage, initiative.owner, "", 1)]


@pytest.mark.parametrize("elsewhere", [Stage.PLAN, Stage.CHECK, Stage.BACKLOG, Stage.COMPLETED])
def test_it_refuses_to_resume_anywhere_but_the_stage_it_left(elsewhere, assert_not_moved):
    initiative = ReadyInitiativeFactory(stage=Stage.ON_HOLD, held_from=Stage.DO)

    codes = refused_codes(initiative, elsewhere, initiative.owner)

    assert codes == ["move_not_allowed"]
    assert_not_moved(initiative, Stage.ON_HOLD)
    assert initiative.held_from == Stage.DO


# --- cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("methodology", "stage"), [(PDCA, Stage.CHECK), (DMAIC, Stage.MEASURE)], ids=ids
)
def test_it_cancels_an_active_initiative_with_a_note(methodology, stage):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=stage)

    moved = workflow.move(
        initiative=initiative, to=Stage.CANCELLED, actor=initiative.owner, note="Site closed."
    )

    assert moved.stage == Stage.CANCELLED
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.held_from) == (Stage.CANCELLED, "")
    assert history(initiative) == [(stage, Stage.CANCELLED, initiative.owner, "Site closed.", 1)]


def test_it_cancels_an_initiative_on_hold_with_a_note():
    initiative = ReadyInitiativeFactory(stage=Stage.ON_HOLD, held_from=Stage.DO)

    moved = workflow.move(
        initiative=initiative, to=Stage.CANCELLED, actor=initiative.owner, note="Site closed."
    )

    assert (moved.stage, moved.held_from) == (Stage.CANCELLED, "")
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.held_from) == (Stage.CANCELLED, "")
    assert history(initiative) == [
        (Stage.ON_HOLD, Stage.CANCELLED, initiative.owner, "Site closed.", 1)
    ]


@pytest.mark.parametrize(
    ("stage", "held_from"), [(Stage.DO, ""), (Stage.ON_HOLD, Stage.DO)], ids=["do", "on_hold"]
)
def test_it_refuses_to_cancel_without_a_note(stage, held_from, assert_not_moved):
    initiative = ReadyInitiativeFactory(stage=stage, held_from=held_from)

    codes = refused_codes(initiative, Stage.CANCELLED, initiative.owner, note=" ")

    assert codes == ["note_missing"]
    assert_not_moved(initiative, stage)


# --- rejection -----------------------------------------------------------------------------


@pytest.mark.parametrize("source", [Stage.SUBMITTED, Stage.BACKLOG])
def test_it_rejects_an_idea_with_its_reason(source, reviewer):
    initiative = ReadyInitiativeFactory(stage=source)

    moved = workflow.move(
        initiative=initiative, to=Stage.REJECTED, actor=reviewer, note=" Out of scope. "
    )

    assert moved.stage == Stage.REJECTED
    initiative.refresh_from_db()
    assert (initiative.stage, initiative.rejection_reason, initiative.duplicate_of) == (
        Stage.REJECTED,
        "Out of scope.",
        None,
    )
    assert history(initiative) == [(source, Stage.REJECTED, reviewer, "Out of scope.", 1)]


def test_it_moves_a_duplicates_supporters_to_the_original(reviewer):
    original = TriagedInitiativeFactory()
    duplicate = InitiativeFactory(stage=Stage.SUBMITTED)
    both, only_duplicate, only_original = UserFactory(), UserFactory(), UserFactory()
    SupportFactory(initiative=original, user=both)
    SupportFactory(initiative=original, user=only_original)
    SupportFactory(initiative=duplicate, user=both)
    SupportFactory(initiative=duplicate, user=only_duplicate)

    moved = workflow.move(
        initiative=duplicate, to=Stage.REJECTED, actor=reviewer, duplicate_of=original
    )

    assert (moved.stage, moved.duplicate_of) == (Stage.REJECTED, original)
    duplicate.refresh_from_db()
    assert (duplicate.stage, duplicate.duplicate_of) == (Stage.REJECTED, original)
    supporters = Support.objects.filter(initiative=original).values_list("user", flat=True)
    assert sorted(supporters) == sorted([both.pk, only_duplicate.pk, only_original.pk])
    assert not Support.objects.filter(initiative=duplicate).exists()


def test_it_makes_a_duplicates_submitter_watch_the_original(reviewer):
    original = TriagedInitiativeFactory()
    duplicate = InitiativeFactory(stage=Stage.BACKLOG, methodology=PDCA, impact=2, effort=2)

    workflow.move(initiative=duplicate, to=Stage.REJECTED, actor=reviewer, duplicate_of=original)

    duplicate.refresh_from_db()
    assert duplicate.stage == Stage.REJECTED
    assert list(original.watchers.all()) == [duplicate.submitted_by]
    assert history(duplicate) == [(Stage.BACKLOG, Stage.REJECTED, reviewer, "", 1)]


# --- moves that do not exist ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("methodology", "source", "to"),
    [
        (PDCA, Stage.SUBMITTED, Stage.PLAN),
        (PDCA, Stage.SUBMITTED, Stage.ON_HOLD),
        (PDCA, Stage.BACKLOG, Stage.COMPLETED),
        (PDCA, Stage.BACKLOG, Stage.ON_HOLD),
        (PDCA, Stage.PLAN, Stage.CHECK),
        (PDCA, Stage.PLAN, Stage.BACKLOG),
        (PDCA, Stage.CHECK, Stage.PLAN),
        (PDCA, Stage.DO, Stage.REJECTED),
        (PDCA, Stage.COMPLETED, Stage.ACT),
        (PDCA, Stage.COMPLETED, Stage.PLAN),
        (PDCA, Stage.COMPLETED, Stage.ON_HOLD),
        (PDCA, Stage.COMPLETED, Stage.CANCELLED),
        (PDCA, Stage.REJECTED, Stage.BACKLOG),
        (PDCA, Stage.REJECTED, Stage.SUBMITTED),
        (PDCA, Stage.CANCELLED, Stage.PLAN),
        (DMAIC, Stage.DEFINE, Stage.PLAN),
        (DMAIC, Stage.MEASURE, Stage.IMPROVE),
        (DMAIC, Stage.CONTROL, Stage.DEFINE),
        (DMAIC, Stage.COMPLETED, Stage.CONTROL),
    ],
    ids=ids,
)
def test_it_refuses_a_move_the_lifecycle_does_not_have(
    methodology, source, to, admin_user, assert_not_moved
):
    rejected = {"rejection_reason": "No."} if source == Stage.REJECTED else {}
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source, **rejected)

    codes = refused_codes(initiative, to, admin_user, note="Because.")

    assert codes == ["move_not_allowed"]
    assert_not_moved(initiative, source)
