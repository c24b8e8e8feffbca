"""The campaigns' FilterSet, for the API's list."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign, CampaignStatus
from improvement.models import Area, Pillar


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=CampaignStatus.choices, method="filter_status", label=gettext_lazy("Status today")
    )
    area = django_filters.ModelChoiceFilter(queryset=Area.objects.all())
    pillar = django_filters.ChoiceFilter(choices=Pillar.choices)

    class Meta:
        model = Campaign
        fields = ["status", "area", "pillar"]

    def filter_status(self, queryset, name, value):
        today = timezone.localdate()
        if value == CampaignStatus.OPEN:
            return queryset.open_on(today)
        if value == CampaignStatus.UPCOMING:
            return queryset.upcoming_on(today)
        return queryset.closed_on(today)
