"""The demo's action items: every state, on initiatives in Do and Improve and later, and
a second run changes nothing."""

import datetime as dt
from collections import Counter

import pytest

from actions import demo
from actions.models import ActionEvent, ActionItem
from improvement.demo.builder import SeedReport
from improvement.models import Methodology, Stage
from tests.factories import TriagedInitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

ANCHOR = dt.date(2026, 6, 15)
STAGES = {
    "Two-bin system at the packing benches": (Methodology.PDCA, Stage.DO),
    "Cut overtime in the returns department": (Methodology.DMAIC, Stage.IMPROVE),
    "Fewer complaints about damaged shipments": (Methodology.DMAIC, Stage.CONTROL),
    "Pick-path re-sequencing in aisles A-D": (Methodology.PDCA, Stage.CHECK),
}


@pytest.fixture
def demo_initiatives():
    people = {"owner1", "contributor3", "contributor4"}
    users = {name: UserFactory(username=name) for name in people}
    for title, (methodology, stage) in STAGES.items():
        TriagedInitiativeFactory(
            title=title, methodology=methodology, stage=stage, owner=users["owner1"]
        )


def seed() -> SeedReport:
    report = SeedReport(anchor=ANCHOR)
    demo.seed(report)
    return report


def test_it_seeds_actions_in_every_state(demo_initiatives):
    report = seed()

    actions = list(ActionItem.objects.all())
    assert report.created["action items"] == len(actions) == 13
    assert report.totals["action items"] == 13
    states = Counter("overdue" if a.is_overdue(ANCHOR) else a.status for a in actions)
    assert set(states) == {"open", "overdue", "done", "cancelled"}
    for action in actions:
        action.full_clean()
        assert action.events.filter(kind="created").count() == 1
        assert action.events.count() == (1 if action.status == "open" else 2)


def test_it_leaves_the_stages_already_left_finished(demo_initiatives):
    seed()

    for action in ActionItem.objects.select_related("initiative"):
        left = action.initiative.stage in (Stage.CHECK, Stage.CONTROL)
        if left and action.stage in (Stage.DO, Stage.IMPROVE):
            assert action.status != "open", action


def test_it_changes_nothing_when_run_again(demo_initiatives):
    seed()
    before = (
        list(ActionItem.objects.order_by("pk").values()),
        list(ActionEvent.objects.order_by("pk").values()),
    )

    report = seed()

    assert report.created["action items"] == 0
    assert (
        list(ActionItem.objects.order_by("pk").values()),
        list(ActionEvent.objects.order_by("pk").values()),
    ) == before


def test_it_skips_what_the_demo_does_not_have(db):
    report = seed()

    assert report.created["action items"] == 0
