"""Action items: the work an initiative's team does, each with one assignee and a due
date, and the log of what happened to each (created, assigned, changed, done, cancelled,
reopened) that the initiative's timeline shows.

Written only by actions.services; every invariant is also a database constraint.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.choices import TextChoices
from improvement.models import ACTIVE_STAGES, NOTE_TEXT, Initiative, limited_text


class ActionStatus(TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class EventKind(TextChoices):
    CREATED = "created", _("created")
    ASSIGNED = "assigned", _("assigned")
    CHANGED = "changed", _("changed")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")
    REOPENED = "reopened", _("reopened")


# The stages an action may belong to: the working stages of either methodology.
ACTION_STAGES = [(stage.value, stage.lazy_label) for stage in ACTIVE_STAGES]


class ActionItemQuerySet(models.QuerySet):
    def open(self) -> "ActionItemQuerySet":
        return self.filter(status=ActionItem.Status.OPEN)

    def overdue(self, today) -> "ActionItemQuerySet":
        """Open and due before `today` (the local day: metrics.periods / localdate)."""
        return self.open().filter(due_on__lt=today)


class ActionItem(models.Model):
    """One thing to do on an initiative.

    Status moves (actions.services.set_status): open → done, open → cancelled, and back
    to open (a tick undone); `closed_at` is set exactly while it is done or cancelled."""

    Status = ActionStatus

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="action_items"
    )
    title = models.CharField(max_length=200)
    # PROTECT: an assignee's actions are history; deactivate the person instead.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items"
    )
    due_on = models.DateField("due date")
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    # The stage this action belongs to ("" for none): leaving Do (PDCA) or Improve (DMAIC)
    # needs that stage's actions done or cancelled (improvement.workflow).
    stage = models.CharField(
        max_length=20,
        blank=True,
        choices=ACTION_STAGES,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_action_items"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The reminders sent for the current due date (actions.reminders): the day each went
    # out, so a second run of the daily job sends nothing. A new due date clears them.
    reminded_before_on = models.DateField(null=True, blank=True)
    reminded_due_on = models.DateField(null=True, blank=True)

    objects = ActionItemQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # The initiative page's panel and the gate: WHERE initiative_id = … ORDER BY due_on.
            models.Index(fields=["initiative", "due_on"], name="action_initiative_due_idx"),
            # My work and /api/actions/?assignee=me: WHERE assignee_id = … AND status = 'open'
            # ORDER BY due_on.
            models.Index(fields=["assignee", "status", "due_on"], name="action_assignee_idx"),
            # The daily reminders: open actions due today or tomorrow; only open rows.
            models.Index(
                fields=["due_on"], condition=Q(status=ActionStatus.OPEN), name="action_open_due_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(stage="") | Q(stage__in=ACTIVE_STAGES), name="action_stage_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="action_title_not_empty"),
            # Closed exactly when done or cancelled.
            models.CheckConstraint(
                condition=Q(status=ActionStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=ActionStatus.OPEN) & Q(closed_at__isnull=False)),
                name="action_closed_when_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_on < today


class ActionEvent(models.Model):
    """One thing that happened to an action item, written by the service in the same
    transaction as the change. Immutable: appended, never edited."""

    Kind = EventKind

    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="events")
    # The action's initiative, kept on the row: the timeline reads an initiative's events
    # without a join (improvement.views.initiative.activity).
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="action_events"
    )
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_events"
    )
    # Whom it was assigned to (created, assigned); null for the other kinds.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(default=timezone.now)
    # What changed, old → new, for `changed`.
    detail = limited_text(NOTE_TEXT, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # The initiative page's timeline: WHERE initiative_id = … ORDER BY at.
            models.Index(fields=["initiative", "at"], name="action_event_timeline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values),
                name="action_event_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[EventKind.CREATED, EventKind.ASSIGNED])
                | Q(assignee__isnull=False),
                name="action_event_names_assignee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_id}: {self.kind}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Action history is immutable; write a new event instead.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Action history is immutable.")
