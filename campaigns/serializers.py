from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import CAMPAIGN_FIELDS
from config.serializers import RefuseUnknownFieldsMixin


class CampaignSerializer(serializers.ModelSerializer):
    """A campaign as every reader sees it."""

    status = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()
    idea_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id",
            "title",
            "question",
            "description",
            "area",
            "pillar",
            "opens_on",
            "closes_on",
            "status",
            "is_open",
            "idea_count",
            "created_by",
            "created_at",
            "closed_at",
            "closed_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=CampaignStatus.choices))
    def get_status(self, campaign) -> str:
        return campaign.status(on=self.context.get("today"))

    def get_is_open(self, campaign) -> bool:
        return campaign.is_open(on=self.context.get("today"))


CLOSE = "POST /api/campaigns/{id}/close/"


class CampaignWriteSerializer(RefuseUnknownFieldsMixin, serializers.ModelSerializer):
    """What a reviewer gives to open a campaign (POST) or change it (PATCH); the rules
    are the service's (campaigns.services). Any other key is refused (400)."""

    read_only_hints = {
        "status": "follows from the dates; a campaign closes through " + CLOSE + ".",
        "is_open": "follows from the dates; a campaign closes through " + CLOSE + ".",
        "closed_at": "is set by " + CLOSE + ".",
        "closed_by": "is set by " + CLOSE + ".",
        "idea_count": "counts the ideas submitted to it.",
        "created_by": "is whoever opens the campaign.",
        **dict.fromkeys(("id", "created_at"), "is set by the tracker."),
    }

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS
        extra_kwargs = {"description": {"required": False}}
