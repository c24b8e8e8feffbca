from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campaigns.models import Campaign
from campaigns.services import CAMPAIGN_FIELDS
from improvement.models import Pillar


class CampaignForm(forms.ModelForm):
    """Opening or changing a campaign; saved by campaigns.services, whose refusals come
    back onto the form."""

    class Meta:
        model = Campaign
        fields = CAMPAIGN_FIELDS
        labels = {
            "question": gettext_lazy("The question"),
            "opens_on": gettext_lazy("Opens on"),
            "closes_on": gettext_lazy("Closes on"),
        }
        help_texts = {
            "description": gettext_lazy(
                "Optional: background, what a good idea looks like, any limits."
            ),
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "opens_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "closes_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].empty_label = _("Choose an area")
        self.fields["pillar"].choices = [("", "Choose a pillar"), *Pillar.choices]

    def changes(self) -> dict:
        """The changed fields and their new values, for services.update_campaign."""
        return {name: self.cleaned_data[name] for name in self.changed_data}
