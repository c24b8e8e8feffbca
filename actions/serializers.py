from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from actions.models import ACTION_STAGES, ActionItem, ActionStatus
from config.serializers import RefuseUnknownFieldsMixin
from metrics.serializers import IdField

STAGES = ACTION_STAGES


def assignee_field(**kwargs) -> IdField:
    return IdField(
        queryset=get_user_model().objects.filter(is_active=True),
        help_text=_("The user id of an active user."),
        **kwargs,
    )


def stage_field(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        STAGES,
        allow_blank=True,
        help_text=_(
            'A stage of the initiative\'s methodology, or "" for none. '
            "Leaving Do (PDCA) or Improve (DMAIC) needs that stage's actions "
            "done or cancelled."
        ),
        **kwargs,
    )


class ActionItemSerializer(serializers.ModelSerializer):
    """An action item as everyone who can see its initiative sees it."""

    # "" for none. Declared here because a ModelSerializer drops allow_blank from
    # read-only fields, and the schema would then refuse "".
    stage = serializers.ChoiceField(STAGES, allow_blank=True, read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "initiative",
            "title",
            "assignee",
            "due_on",
            "status",
            "stage",
            "overdue",
            "created_by",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_overdue(self, action) -> bool:
        """Open and due before today (the site's local day)."""
        today = self.context.get("today") or timezone.localdate()
        return action.is_overdue(today)


class ActionCreateSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=200)
    assignee = assignee_field()
    due_on = serializers.DateField()
    stage = stage_field(required=False, default="")


class ActionUpdateSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    """What a PATCH changes: the status (the assignee may too), and the title, assignee,
    due date and stage (the owner, the team, reviewers)."""

    read_only_hints = {
        "initiative": "is fixed when the action is created.",
        **dict.fromkeys(
            ("id", "created_by", "created_at", "closed_at", "overdue"), "is set by the tracker."
        ),
    }

    title = serializers.CharField(max_length=200, required=False)
    assignee = assignee_field(required=False)
    due_on = serializers.DateField(required=False)
    stage = stage_field(required=False)
    status = serializers.ChoiceField(ActionStatus.choices, required=False)
