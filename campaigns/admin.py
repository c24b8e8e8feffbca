"""Campaigns in the admin: opened, changed and closed through campaigns.services, so the
rules (reviewers only, dates still to come, a closed campaign frozen) and the closing
notifications are the same as in the app."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns import services
from campaigns.models import Campaign
from config.admin_input import RefuseOddInputMixin


class CampaignAdminForm(forms.ModelForm):
    """Checks with the service's rules, so a refusal shows on the form."""

    actor = None  # set per request by CampaignAdmin.get_form

    class Meta:
        model = Campaign
        fields = services.CAMPAIGN_FIELDS

    def clean(self):
        cleaned = super().clean()
        if not services.may_run_campaigns(self.actor):
            raise forms.ValidationError(_("Only reviewers open, change and close campaigns."))
        if self.instance.closed_at is not None:
            raise forms.ValidationError(_("This campaign is closed: it can no longer be changed."))
        closes_on = cleaned.get("closes_on")
        if closes_on and (self.instance.pk is None or "closes_on" in self.changed_data):
            try:
                services.check_close_date(closes_on, today=timezone.localdate())
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


@admin.register(Campaign)
class CampaignAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    form = CampaignAdminForm
    list_display = ["title", "area", "pillar", "opens_on", "closes_on", "closed_at"]
    list_filter = ["pillar", "area"]
    list_select_related = ["area"]
    search_fields = ["title", "question"]
    date_hierarchy = "opens_on"
    readonly_fields = ["created_by", "created_at", "closed_at", "closed_by"]
    actions = ["close_selected"]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    # Reviewers run campaigns (campaigns.services.may_run_campaigns), in the admin too:
    # the Reviewers group carries the triage permission, not this model's permissions.
    def has_module_permission(self, request):
        return services.may_run_campaigns(request.user)

    def has_view_permission(self, request, obj=None):
        return services.may_run_campaigns(request.user)

    def has_add_permission(self, request):
        return services.may_run_campaigns(request.user)

    def has_change_permission(self, request, obj=None):
        # A closed campaign is read-only: it is what its submitters were told about.
        closed = obj is not None and obj.closed_at is not None
        return services.may_run_campaigns(request.user) and not closed

    def has_delete_permission(self, request, obj=None):
        # Ideas keep their campaign (PROTECT); a campaign ends by being closed.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            # `obj` carries the form's values already; the service writes the changed ones.
            services.update_campaign(
                campaign=obj,
                actor=request.user,
                changes={
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in services.CAMPAIGN_FIELDS
                },
            )
            return
        fields = {name: form.cleaned_data[name] for name in services.CAMPAIGN_FIELDS}
        campaign = services.open_campaign(actor=request.user, **fields)
        # The admin's messages and redirect read the saved row.
        obj.pk, obj.created_by, obj.created_at = (
            campaign.pk,
            campaign.created_by,
            campaign.created_at,
        )
        obj._state.adding = False

    @admin.action(description=_("Close the selected campaigns (their submitters are told)"))
    def close_selected(self, request, queryset):
        closed = sum(
            services.close_campaign(campaign=campaign, actor=request.user) for campaign in queryset
        )
        self.message_user(
            request, _("Closed %(closed)s campaign(s).") % {"closed": closed}, messages.SUCCESS
        )
