"""The demo's action items (settings.DEMO_SEEDERS → `seed(report)`): actions in every
state — open, open and overdue, done, cancelled — on initiatives in Do and Improve and
on two that have left them, so the gate, My work, the reminders and the timeline all
have something to show.

Idempotent by (initiative, title): an action that exists is left as it is, with
whatever a demo user did to it. Written directly, as improvement's demo writes its
moves: the rows and their events are dated relative to the anchor (the past the demo
shows), and nobody is emailed about the past.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from actions.models import ActionEvent, ActionItem, ActionStatus, EventKind
from improvement.models import Initiative, Stage

OPEN, DONE, CANCELLED = ActionStatus.OPEN, ActionStatus.DONE, ActionStatus.CANCELLED


@dataclass(frozen=True)
class DemoAction:
    title: str
    assignee: str  # a demo username
    due: int  # days from the anchor (negative: in the past)
    status: str = OPEN
    stage: str = ""
    lead: int = 14  # days between adding it and its due date


# By initiative title (improvement/demo/data.py); each is added by its owner.
ACTIONS = {
    "Two-bin system at the packing benches": [
        DemoAction("Order a second set of bins for every bench", "contributor3", -10, DONE, "do"),
        DemoAction("Label each bench with its reorder card", "contributor4", -3, OPEN, "do"),
        DemoAction("Brief the night shift on the empty-bin signal", "owner1", 4, OPEN, "do"),
        DemoAction("Laminate the reorder cards", "contributor3", -6, CANCELLED, "do"),
    ],
    "Cut overtime in the returns department": [
        DemoAction(
            "Agree Tuesday and Thursday deliveries with the carrier", "owner1", -12, DONE, "improve"
        ),
        DemoAction(
            "Draw up the rota for the new delivery days", "contributor3", -2, OPEN, "improve"
        ),
        DemoAction("Check the overtime figures with payroll", "contributor3", 1, OPEN, "improve"),
        DemoAction("Move the overtime budget review", "owner1", -5, CANCELLED, "improve"),
    ],
    "Fewer complaints about damaged shipments": [
        DemoAction(
            "Switch glassware to double-wall boxes with dividers",
            "contributor3",
            -60,
            DONE,
            "improve",
        ),
        DemoAction("Trial foam inserts for vases", "contributor4", -55, CANCELLED, "improve"),
        DemoAction(
            "Put the monthly complaint review on the logistics agenda",
            "owner1",
            14,
            OPEN,
            "control",
            lead=7,
        ),
    ],
    "Pick-path re-sequencing in aisles A-D": [
        DemoAction("Print the pick lists in path order", "contributor3", -20, DONE, "do"),
        DemoAction("Compare pick times for the first four weeks", "owner1", 7, OPEN, "check"),
    ],
}


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def seed(report) -> None:
    anchor = report.anchor
    users = get_user_model().objects.in_bulk(
        {a.assignee for actions in ACTIONS.values() for a in actions}, field_name="username"
    )
    initiatives = Initiative.objects.filter(title__in=ACTIONS).select_related("owner")
    created = 0
    for initiative in initiatives:
        existing = set(initiative.action_items.values_list("title", flat=True))
        for spec in ACTIONS[initiative.title]:
            assignee = users.get(spec.assignee)
            if spec.title in existing or assignee is None or initiative.owner is None:
                continue
            _add(initiative, spec, assignee=assignee, anchor=anchor)
            created += 1
    report.created["action items"] += created
    report.totals["action items"] = ActionItem.objects.count()


def _add(initiative: Initiative, spec: DemoAction, *, assignee, anchor: dt.date) -> None:
    owner = initiative.owner
    due_on = anchor + dt.timedelta(days=spec.due)
    added_at = _at(due_on - dt.timedelta(days=spec.lead), 9)
    closed_at = None
    if spec.status != OPEN:
        # Ticked off a day before it was due, or when the demo's today is earlier.
        closed_at = min(_at(due_on - dt.timedelta(days=1), 15), _at(anchor, 8))
    action = ActionItem(
        initiative=initiative,
        title=spec.title,
        assignee=assignee,
        due_on=due_on,
        status=spec.status,
        stage=Stage(spec.stage) if spec.stage else "",
        created_by=owner,
        created_at=added_at,
        closed_at=closed_at,
    )
    action.full_clean()
    action.save()
    ActionEvent.objects.create(
        action=action,
        initiative=initiative,
        kind=EventKind.CREATED,
        actor=owner,
        assignee=assignee,
        at=added_at,
    )
    if closed_at is not None:
        kind = EventKind.DONE if spec.status == DONE else EventKind.CANCELLED
        actor = assignee if spec.status == DONE else owner
        ActionEvent.objects.create(
            action=action, initiative=initiative, kind=kind, actor=actor, at=closed_at
        )
