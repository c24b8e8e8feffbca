from django.contrib.auth import get_user_model
from rest_framework import serializers

from config.serializers import RefuseUnknownFieldsMixin
from improvement import roles
from improvement.models import (
    NOTE_TEXT,
    Area,
    Initiative,
    Methodology,
    Stage,
    StageTransition,
)
from improvement.people import display_name

User = get_user_model()
active_users = User.objects.filter(is_active=True)

TRANSITION = "POST /api/initiatives/{id}/transition/"
# Where the fields an initiative shows, but a write does not take, change instead: the
# end of the 400's sentence "Unknown or read-only field: stage changes only through …".
READ_ONLY_HINTS = {
    "stage": f"changes only through {TRANSITION}.",
    "held_from": f"changes with the stage, through {TRANSITION}.",
    "cycle": f"changes with the stage, through {TRANSITION}.",
    "rejection_reason": f"is the note of the move that rejects the idea ({TRANSITION}).",
    "duplicate_of": f"is given with the move that rejects the idea ({TRANSITION}).",
    "team": "is set by an administrator, in the admin.",
    "watchers": "is set by the tracker and in the admin.",
    "submitted_by": "is whoever submits the idea.",
    "campaign": "is chosen when the idea is submitted (POST /api/initiatives/).",
    "quadrant": "is computed from impact and effort.",
    "ratio": "is computed from impact and effort.",
    "risk_adjusted_roi": "is computed from the estimates.",
    "support_count": "counts the +1s.",
    **dict.fromkeys(
        ("id", "created_at", "updated_at", "stage_entered_at"), "is set by the tracker."
    ),
}


class UserSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "name"]

    def get_name(self, user) -> str:
        return display_name(user)


class AreaSerializer(serializers.ModelSerializer):
    """An area in the tree: `parent` is the id of the area it belongs to (null for a site
    at the top), `depth` 1 at the top; `restricted` areas' initiatives are private."""

    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Area
        fields = ["id", "name", "description", "parent", "depth", "restricted"]


class InitiativeSerializer(serializers.ModelSerializer):
    """An initiative as every reader sees it, with its priority figures."""

    quadrant = serializers.CharField(read_only=True, allow_null=True)
    ratio = serializers.FloatField(read_only=True, allow_null=True)
    risk_adjusted_roi = serializers.FloatField(read_only=True, allow_null=True)
    support_count = serializers.IntegerField(read_only=True)
    # "" until chosen, "" unless on hold. Declared here because a ModelSerializer drops
    # allow_blank from read-only fields, and the schema would then refuse "".
    methodology = serializers.ChoiceField(Methodology.choices, allow_blank=True, read_only=True)
    held_from = serializers.ChoiceField(Stage.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "title",
            "problem_statement",
            "proposed_change",
            "root_cause",
            "control_plan",
            "decision_note",
            "rejection_reason",
            "duplicate_of",
            "campaign",
            "pillar",
            "area",
            "methodology",
            "stage",
            "held_from",
            "cycle",
            "submitted_by",
            "owner",
            "sponsor",
            "team",
            "watchers",
            "impact",
            "effort",
            "estimated_annual_benefit",
            "estimated_cost",
            "confidence",
            "quadrant",
            "ratio",
            "risk_adjusted_roi",
            "support_count",
            "implemented_on",
            "created_at",
            "updated_at",
            "stage_entered_at",
        ]
        read_only_fields = fields


class InitiativeCreateSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    read_only_hints = {
        **READ_ONLY_HINTS,
        **dict.fromkeys(
            (*roles.TRIAGE_FIELDS, *roles.EXECUTION_FIELDS),
            "is edited once the idea is submitted (PATCH /api/initiatives/{id}/), by the "
            "role that may.",
        ),
    }

    class Meta:
        model = Initiative
        # `campaign`: an open campaign's id, or null (improvement.services.submit_idea).
        fields = (*roles.IDEA_FIELDS, "campaign")
        extra_kwargs = {"proposed_change": {"required": False}}


class InitiativeUpdateSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """Every field someone may edit; which of them *this* caller may edit is checked by
    the service (improvement.roles.editable_fields). Any other key is refused (400)."""

    read_only_hints = READ_ONLY_HINTS

    owner = serializers.PrimaryKeyRelatedField(queryset=active_users, allow_null=True)
    sponsor = serializers.PrimaryKeyRelatedField(queryset=active_users, allow_null=True)
    impact = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    effort = serializers.IntegerField(min_value=1, max_value=5, allow_null=True)
    confidence = serializers.DecimalField(
        max_digits=3, decimal_places=2, min_value=0, max_value=1, allow_null=True
    )
    estimated_annual_benefit = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True
    )
    estimated_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True
    )

    # Why a field a gate has checked is corrected (improvement.services.check_update).
    reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=NOTE_TEXT
    )

    class Meta:
        model = Initiative
        fields = [*roles.IDEA_FIELDS, *roles.TRIAGE_FIELDS, *roles.EXECUTION_FIELDS, "reason"]


class TransitionSerializer(RefuseUnknownFieldsMixin, serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=StageTransition._meta.get_field("note").max_length,
    )
    duplicate_of = serializers.PrimaryKeyRelatedField(
        queryset=Initiative.objects.all(), required=False, allow_null=True, default=None
    )


class UnmetSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class MoveRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    unmet = UnmetSerializer(many=True)


class MoveOptionSerializer(serializers.Serializer):
    to = serializers.CharField()
    allowed = serializers.BooleanField()
    unmet = UnmetSerializer(many=True)
    needs_note = serializers.BooleanField()


class HistorySerializer(serializers.Serializer):
    """`[{"from", "to", "actor", "at", "note", "cycle"}]`, plus the actor's name."""

    def get_fields(self):
        # `from` is a Python keyword, so the fields are listed here, not as attributes.
        return {
            "from": serializers.CharField(source="from_stage"),
            "to": serializers.CharField(source="to_stage"),
            "actor": serializers.IntegerField(source="actor_id"),
            "actor_name": serializers.SerializerMethodField(),
            "at": serializers.DateTimeField(),
            "note": serializers.CharField(),
            "cycle": serializers.IntegerField(),
        }

    def get_actor_name(self, transition) -> str:
        return display_name(transition.actor)


class BacklogItemSerializer(serializers.ModelSerializer):
    quadrant = serializers.CharField(read_only=True)
    ratio = serializers.FloatField(read_only=True)
    risk_adjusted_roi = serializers.FloatField(read_only=True, allow_null=True)
    rank = serializers.IntegerField(read_only=True)

    class Meta:
        model = Initiative
        fields = [
            "id",
            "title",
            "impact",
            "effort",
            "quadrant",
            "ratio",
            "risk_adjusted_roi",
            "rank",
        ]
        read_only_fields = fields
