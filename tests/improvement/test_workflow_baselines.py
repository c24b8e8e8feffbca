"""The baseline freeze: measure → analyze and plan → do freeze every unfrozen target.

A window-only target gets the mean of the measurements in its window (inclusive local
dates) and their count; a hand-entered value is kept as entered. A refused move freezes
nothing.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from improvement import workflow
from improvement.models import Methodology, Stage
from metrics.models import BaselineSource
from tests.factories import (
    MeasurementFactory,
    ReadyInitiativeFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

FREEZING_MOVES = [
    (Methodology.PDCA, Stage.PLAN, Stage.DO),
    (Methodology.DMAIC, Stage.MEASURE, Stage.ANALYZE),
]
JANUARY = {"baseline_start": dt.date(2026, 1, 1), "baseline_end": dt.date(2026, 1, 10)}


def ids(move) -> str:
    return "→".join(str(part) for part in move)


def measure(target, *points) -> None:
    for observed_at, value in points:
        MeasurementFactory(target=target, observed_at=observed_at, value=value)


def utc(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def ready(methodology, source):
    """Ready to leave `source`, with no target yet: each test adds the ones it needs."""
    return ReadyInitiativeFactory(methodology=methodology, stage=source, primary_target=False)


@pytest.mark.parametrize(("methodology", "source", "to"), FREEZING_MOVES, ids=ids)
def test_it_freezes_a_window_baseline_as_the_mean_of_its_measurements(
    methodology, source, to, admin_user
):
    initiative = ready(methodology, source)
    target = TargetFactory(initiative=initiative, baseline_value=None, **JANUARY)
    measure(
        target,
        (utc(2026, 1, 1, 0, 0), 10.0),  # the first day of the window
        (utc(2026, 1, 5, 12, 0), 20.0),
        (utc(2026, 1, 10, 23, 59), 60.0),  # the last day of the window
        (utc(2026, 1, 11, 0, 0), 1000.0),  # the day after: outside
        (utc(2025, 12, 31, 23, 59), 1000.0),  # the day before: outside
    )

    moved = workflow.move(initiative=initiative, to=to, actor=admin_user)

    assert moved.stage == to
    target.refresh_from_db()
    assert target.baseline_value == pytest.approx(30.0)
    assert (target.baseline_n, target.baseline_source) == (3, BaselineSource.WINDOW)
    assert target.frozen_by == admin_user
    assert target.frozen_at is not None
    assert target.frozen_at <= moved.stage_entered_at


@pytest.mark.parametrize(("methodology", "source", "to"), FREEZING_MOVES, ids=ids)
def test_it_reads_the_window_in_the_local_time_zone(methodology, source, to, admin_user, settings):
    settings.TIME_ZONE = "Europe/Paris"
    paris = ZoneInfo("Europe/Paris")
    initiative = ready(methodology, source)
    target = TargetFactory(initiative=initiative, baseline_value=None, target_value=1.0, **JANUARY)
    measure(
        target,
        # 23:30 UTC on 31 December is 00:30 on 1 January in Paris: inside.
        (utc(2025, 12, 31, 23, 30), 4.0),
        (dt.datetime(2026, 1, 10, 23, 59, tzinfo=paris), 8.0),
        # 23:30 UTC on 10 January is 00:30 on 11 January in Paris: outside.
        (utc(2026, 1, 10, 23, 30), 1000.0),
    )

    workflow.move(initiative=initiative, to=to, actor=admin_user)

    target.refresh_from_db()
    assert (target.baseline_value, target.baseline_n) == (pytest.approx(6.0), 2)


@pytest.mark.parametrize(("methodology", "source", "to"), FREEZING_MOVES, ids=ids)
def test_it_keeps_a_hand_entered_baseline_as_entered(methodology, source, to, admin_user):
    initiative = ready(methodology, source)
    target = TargetFactory(initiative=initiative, baseline_value=12.5)
    measure(target, (utc(2026, 1, 2, 9, 0), 100.0), (utc(2026, 1, 3, 9, 0), 200.0))

    workflow.move(initiative=initiative, to=to, actor=admin_user)

    target.refresh_from_db()
    assert (target.baseline_value, target.baseline_n, target.baseline_source) == (
        12.5,
        None,
        BaselineSource.MANUAL,
    )
    assert target.frozen_by == admin_user
    assert target.frozen_at is not None


@pytest.mark.parametrize(("methodology", "source", "to"), FREEZING_MOVES, ids=ids)
def test_it_freezes_every_unfrozen_target_at_once(methodology, source, to):
    initiative = ready(methodology, source)
    manual = TargetFactory(initiative=initiative, baseline_value=3.0, target_value=1.0)
    windowed = TargetFactory(
        initiative=initiative, is_primary=False, baseline_value=None, target_value=1.0, **JANUARY
    )
    measure(windowed, (utc(2026, 1, 4, 9, 0), 7.0))

    moved = workflow.move(initiative=initiative, to=to, actor=initiative.owner)

    manual.refresh_from_db()
    windowed.refresh_from_db()
    assert (manual.baseline_source, windowed.baseline_source) == (
        BaselineSource.MANUAL,
        BaselineSource.WINDOW,
    )
    assert (windowed.baseline_value, windowed.baseline_n) == (7.0, 1)
    assert manual.frozen_at == windowed.frozen_at
    assert manual.frozen_at <= moved.stage_entered_at
    assert manual.frozen_by == windowed.frozen_by == initiative.owner


@pytest.mark.parametrize(("methodology", "source", "to"), FREEZING_MOVES, ids=ids)
def test_it_leaves_an_already_frozen_baseline_alone(methodology, source, to, admin_user):
    initiative = ready(methodology, source)
    earlier, first_freezer = dt.datetime(2026, 1, 20, 8, tzinfo=dt.UTC), UserFactory()
    target = TargetFactory(
        initiative=initiative,
        baseline_value=5.0,
        target_value=1.0,
        baseline_source=BaselineSource.WINDOW,
        baseline_n=4,
        frozen_at=earlier,
        frozen_by=first_freezer,
        **JANUARY,
    )
    measure(target, (utc(2026, 1, 2, 9, 0), 100.0))

    workflow.move(initiative=initiative, to=to, actor=admin_user)

    target.refresh_from_db()
    assert (target.baseline_value, target.baseline_n, target.baseline_source) == (
        5.0,
        4,
        BaselineSource.WINDOW,
    )
    assert (target.frozen_at, target.frozen_by) == (earlier, first_freezer)


@pytest.mark.parametrize(("methodology", "source", "to"), FREEZING_MOVES, ids=ids)
def test_it_freezes_nothing_when_the_move_is_refused(
    methodology, source, to, admin_user, assert_not_moved
):
    initiative = ready(methodology, source)
    manual = TargetFactory(initiative=initiative, baseline_value=3.0)
    TargetFactory(initiative=initiative, is_primary=False, baseline_value=None)

    with pytest.raises(workflow.MoveRefused):
        workflow.move(initiative=initiative, to=to, actor=admin_user)

    assert_not_moved(initiative, source)
    manual.refresh_from_db()
    assert (manual.frozen_at, manual.frozen_by, manual.baseline_source) == (None, None, "")


def test_it_freezes_nothing_on_other_moves(admin_user):
    initiative = ready(Methodology.PDCA, Stage.BACKLOG)
    target = TargetFactory(initiative=initiative, baseline_value=3.0)

    workflow.move(initiative=initiative, to=Stage.PLAN, actor=admin_user)

    target.refresh_from_db()
    assert (target.frozen_at, target.baseline_source) == (None, "")
