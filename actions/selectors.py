"""What the pages read about action items, each in a fixed number of queries."""

from django.utils import timezone

from actions import roles
from actions.forms import ActionForm
from actions.models import ActionItem, ActionStatus
from improvement import visibility
from improvement.models import CLOSED_STAGES, Initiative

# The most open actions My work lists; the API lists them all (?assignee=me&status=open).
MY_WORK_LIMIT = 100


def panel(
    initiative: Initiative,
    user,
    *,
    form: ActionForm | None = None,
    edit_form: ActionForm | None = None,
    edited: ActionItem | None = None,
    notice: str = "",
):
    """The initiative page's action items panel for `user`: every action of the
    initiative, due date first, each marked overdue or not and whether this user may
    tick it; and the form to add one for those who may (`form`, bound when refused).
    One query for the actions, one more for the form's people when it is shown. (The
    initiative's team should be prefetched: the role check reads it.)"""
    today = timezone.localdate()
    closed = initiative.stage in CLOSED_STAGES
    manage = not closed and roles.can_manage(user, initiative)
    actions = list(initiative.action_items.select_related("assignee").order_by("due_on", "id"))
    for action in actions:
        action.overdue = action.is_overdue(today)
        action.may_tick = not closed and (manage or action.assignee_id == user.pk)
        action.may_edit = manage
    if manage and form is None:
        form = ActionForm.for_new(initiative)
    return {
        "initiative": initiative,
        "actions": actions,
        "open_count": sum(a.is_open for a in actions),
        "overdue_count": sum(a.overdue for a in actions),
        "can_manage": manage,
        "show_controls": any(a.may_tick or a.may_edit for a in actions),
        "closed": closed,
        "form": form if manage else None,
        # A refused edit, shown again with its errors (htmx).
        "edit_form": edit_form,
        "edited": edited,
        "notice": notice,
        "statuses": ActionStatus,
    }


def my_open_actions(user) -> dict:
    """`user`'s open actions on initiatives still being worked on, due date first (the
    index action_assignee_idx), overdue ones marked; one query."""
    today = timezone.localdate()
    rows = list(
        visibility.visible(ActionItem.objects.all(), user)
        .filter(assignee=user, status=ActionStatus.OPEN)
        .exclude(initiative__stage__in=CLOSED_STAGES)
        .select_related("initiative")
        .order_by("due_on", "id")[: MY_WORK_LIMIT + 1]
    )
    for action in rows:
        action.overdue = action.is_overdue(today)
        action.due_today = action.due_on == today
    return {
        "my_actions": rows[:MY_WORK_LIMIT],
        "more_actions": len(rows) > MY_WORK_LIMIT,
        "overdue_count": sum(a.overdue for a in rows[:MY_WORK_LIMIT]),
    }
