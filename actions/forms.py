"""The action item forms of the initiative page: add or edit one, tick one off."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actions.models import ActionItem, ActionStatus
from actions.services import stages_for
from improvement.models import Initiative, Stage
from improvement.people import display_name


class AssigneeField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return display_name(user)


def active_users():
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "username")


class ActionForm(forms.Form):
    """An action's title, assignee, due date and stage. The rules (an active assignee, a
    stage of the initiative's methodology, an initiative still being worked on) are the
    service's (actions.services), which the view reports on this form."""

    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        help_text=gettext_lazy("What is to be done, at most 200 characters."),
    )
    assignee = AssigneeField(queryset=active_users(), empty_label=gettext_lazy("Choose someone"))
    due_on = forms.DateField(
        label=gettext_lazy("Due date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    stage = forms.ChoiceField(
        label=gettext_lazy("Stage"),
        required=False,
        help_text=gettext_lazy(
            "Leaving Do (PDCA) or Improve (DMAIC) needs that stage's actions done or cancelled."
        ),
    )

    def __init__(self, *args, initiative: Initiative, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("No stage"))] + [
            (stage, Stage(stage).label) for stage in stages_for(initiative)
        ]

    @classmethod
    def for_new(cls, initiative: Initiative, data=None) -> "ActionForm":
        # The stage being worked in, if it has actions of its own to finish.
        working = initiative.working_stage
        initial = {"stage": working if working in stages_for(initiative) else ""}
        return cls(data, initiative=initiative, prefix="action", initial=initial)

    @classmethod
    def for_edit(cls, action: ActionItem, data=None) -> "ActionForm":
        initial = {
            "title": action.title,
            "assignee": action.assignee_id,
            "due_on": action.due_on,
            "stage": action.stage,
        }
        return cls(data, initiative=action.initiative, prefix=f"action{action.pk}", initial=initial)


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices)
