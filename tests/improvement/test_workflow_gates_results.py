"""The gates of the later moves: a measured change, a computed result, a control plan and
a decision. (The earlier ones are in test_workflow_gates.py.)

A refused move names every unmet condition at once and changes nothing. Each test starts
from an initiative that meets every gate (`ReadyInitiativeFactory`) and takes away what it
tests.
"""

import datetime as dt

import pytest

from improvement import workflow
from improvement.models import Methodology, Stage
from tests.factories import (
    MeasurementFactory,
    ReadyInitiativeFactory,
    ResultSnapshotFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

PDCA, DMAIC = Methodology.PDCA, Methodology.DMAIC
CHANGE_MOVES = [(PDCA, Stage.DO, Stage.CHECK), (DMAIC, Stage.IMPROVE, Stage.CONTROL)]
RESULT_MOVES = [(PDCA, Stage.CHECK, Stage.ACT), (DMAIC, Stage.CONTROL, Stage.COMPLETED)]
DECISION_MOVES = [(Stage.ACT, Stage.COMPLETED), (Stage.ACT, Stage.PLAN)]


def ids(move) -> str:
    return "→".join(str(part) for part in move)


def refused_codes(initiative, to, actor, **kwargs) -> list[str]:
    with pytest.raises(workflow.MoveRefused) as refused:
        workflow.move(initiative=initiative, to=to, actor=actor, **kwargs)
    return [unmet.code for unmet in refused.value.unmet]


def only_target(initiative):
    return initiative.targets.get()


# --- improve → control, do → check: a measured change --------------------------------------


def with_change_on(methodology, source, day, *, measured_at=None, **target_fields):
    """A change that went live on `day`, its primary target measured only at `measured_at`."""
    initiative = ReadyInitiativeFactory(
        methodology=methodology, stage=source, implemented_on=day, primary_target=False
    )
    target = TargetFactory(initiative=initiative, **target_fields)
    if measured_at is not None:
        MeasurementFactory(target=target, observed_at=measured_at)
    return initiative


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_refuses_to_check_a_change_without_its_date(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source, implemented_on=None)

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["implemented_on_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_refuses_to_check_a_change_without_any_measurement(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = with_change_on(methodology, source, dt.date(2026, 3, 2))

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["post_change_measurement_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_refuses_to_check_a_change_measured_only_before_it(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = with_change_on(
        methodology,
        source,
        dt.date(2026, 3, 2),
        measured_at=dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.UTC),
    )

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["post_change_measurement_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_accepts_a_measurement_on_the_day_of_the_change(methodology, source, to, admin_user):
    initiative = with_change_on(
        methodology,
        source,
        dt.date(2026, 3, 2),
        measured_at=dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC),
    )

    moved = workflow.move(initiative=initiative, to=to, actor=admin_user)

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_counts_the_day_of_the_change_in_the_local_time_zone(
    methodology, source, to, admin_user, settings
):
    settings.TIME_ZONE = "Europe/Paris"
    # 23:30 UTC on 1 March is 00:30 on 2 March in Paris: on the day of the change.
    initiative = with_change_on(
        methodology,
        source,
        dt.date(2026, 3, 2),
        measured_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC),
    )

    moved = workflow.move(initiative=initiative, to=to, actor=admin_user)

    assert moved.stage == to
    initiative.refresh_from_db()
    assert initiative.stage == to


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_refuses_a_measurement_before_midnight_local_time(
    methodology, source, to, admin_user, settings, assert_not_moved
):
    settings.TIME_ZONE = "America/New_York"
    # 02:00 UTC on 2 March is still 1 March in New York: before the change.
    initiative = with_change_on(
        methodology,
        source,
        dt.date(2026, 3, 2),
        measured_at=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
    )

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["post_change_measurement_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), CHANGE_MOVES, ids=ids)
def test_it_refuses_a_post_change_measurement_of_a_secondary_target(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = with_change_on(methodology, source, dt.date(2026, 3, 2))
    secondary = TargetFactory(initiative=initiative, is_primary=False)
    MeasurementFactory(
        target=secondary,
        observed_at=dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC),
    )

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["post_change_measurement_missing"]
    assert_not_moved(initiative, source)


# --- check → act, control → completed: a result --------------------------------------------


def without_result(methodology, source, **kwargs):
    initiative = ReadyInitiativeFactory(methodology=methodology, stage=source, **kwargs)
    only_target(initiative).results.all().delete()
    return initiative


@pytest.mark.parametrize(("methodology", "source", "to"), RESULT_MOVES, ids=ids)
def test_it_refuses_to_conclude_without_a_result(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = without_result(methodology, source)

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["result_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), RESULT_MOVES, ids=ids)
def test_it_refuses_a_result_without_post_change_data(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = without_result(methodology, source)
    ResultSnapshotFactory(target=only_target(initiative), n_before=5, n_after=0)

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["result_missing"]
    assert_not_moved(initiative, source)


@pytest.mark.parametrize(("methodology", "source", "to"), RESULT_MOVES, ids=ids)
def test_it_refuses_a_result_of_a_secondary_target(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = without_result(methodology, source)
    secondary = TargetFactory(initiative=initiative, is_primary=False)
    ResultSnapshotFactory(target=secondary, n_before=5, n_after=5)

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["result_missing"]
    assert_not_moved(initiative, source)


def test_it_refuses_completion_without_a_control_plan(admin_user, assert_not_moved):
    initiative = ReadyInitiativeFactory(methodology=DMAIC, stage=Stage.CONTROL, control_plan=" ")

    codes = refused_codes(initiative, Stage.COMPLETED, admin_user)

    assert codes == ["control_plan_missing"]
    assert_not_moved(initiative, Stage.CONTROL)


def test_it_refuses_completion_naming_result_and_control_plan_at_once(admin_user, assert_not_moved):
    initiative = without_result(DMAIC, Stage.CONTROL, control_plan="")

    codes = refused_codes(initiative, Stage.COMPLETED, admin_user)

    assert codes == ["result_missing", "control_plan_missing"]
    assert_not_moved(initiative, Stage.CONTROL)


# --- act → completed, act → plan: a decision -----------------------------------------------


@pytest.mark.parametrize(("source", "to"), DECISION_MOVES, ids=ids)
def test_it_refuses_to_leave_act_without_a_decision(source, to, admin_user, assert_not_moved):
    initiative = ReadyInitiativeFactory(stage=source, decision_note="")

    codes = refused_codes(initiative, to, admin_user)

    assert codes == ["decision_note_missing"]
    assert_not_moved(initiative, source)
