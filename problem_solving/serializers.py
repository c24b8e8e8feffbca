from rest_framework import serializers

from config.serializers import RefuseUnknownFieldsMixin
from config.text import REASON_MAX_LENGTH
from problem_solving.models import MAX_WHYS, STATEMENT_TEXT, Cause, FiveWhy, WhyStep

REASON_HELP = (
    "Why: required once the root-cause gate has passed (a reviewer's correction), kept in "
    "the history."
)
READ_ONLY_HINTS = {
    "id": "is set by the tracker.",
    "initiative": "is the one in the URL the row was created under.",
    "created_by": "is whoever created it.",
    "created_at": "is set by the tracker.",
    "updated_at": "is set by the tracker.",
}


class WhyStepSerializer(serializers.ModelSerializer):
    """One why of a chain; its position is its place in the list."""

    answer = serializers.CharField(max_length=STATEMENT_TEXT)

    class Meta:
        model = WhyStep
        fields = ["position", "answer", "is_root_cause", "verified"]
        read_only_fields = ["position"]


class FiveWhySerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """A 5-why chain: its problem and its whys in order. Writing `steps` replaces the
    whole chain of whys (leave one out to delete it)."""

    read_only_hints = READ_ONLY_HINTS
    steps = WhyStepSerializer(many=True, required=False, max_length=MAX_WHYS)
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=REASON_HELP,
    )

    class Meta:
        model = FiveWhy
        fields = [
            "id",
            "initiative",
            "problem",
            "steps",
            "created_by",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["initiative", "created_by", "created_at", "updated_at"]


class CauseSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """A cause on the initiative's fishbone, under one of the 6M categories."""

    read_only_hints = READ_ONLY_HINTS
    reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=REASON_MAX_LENGTH,
        help_text=REASON_HELP,
    )

    class Meta:
        model = Cause
        fields = [
            "id",
            "initiative",
            "category",
            "text",
            "verified",
            "evidence",
            "created_by",
            "created_at",
            "updated_at",
            "reason",
        ]
        read_only_fields = ["initiative", "created_by", "created_at", "updated_at"]
