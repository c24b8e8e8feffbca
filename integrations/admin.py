"""Chat channels and webhooks on the administrators' desk.

Channels are created and changed through integrations.services (the address checked
for its kind, the signing secret generated there and shown once); the full address
never comes back to the page after it is saved. Deliveries are a read-only log: status,
attempts and the last error in the list, failures first to the eye, and an action to
send failed ones again."""

import copy
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.forms.models import construct_instance
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.admin_input import RefuseOddInputMixin
from integrations import services
from integrations.models import Channel, ChannelKind, Delivery, DeliveryStatus, Event
from integrations.senders import SendError


class ChannelAdminForm(forms.ModelForm):
    """The service's rules, so that a refusal shows on the form. On a saved channel the
    address field starts empty: left empty it keeps the address saved."""

    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off"}),
        help_text=_(
            "Slack: https://hooks.slack.com/services/… (or a Slack-compatible …/hooks/<token>). "
            "Teams: the workflow's …/workflows/…/triggers/manual/paths/invoke?…&sig=… address. "
            "Webhook: any http(s) address; each message is signed."
        ),
    )

    actor = None  # set per request by ChannelAdmin.get_form

    class Meta:
        model = Channel
        fields = ["name", "kind", "url", "area", "campaign", "events", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The saved address is a secret: never sent back to the browser.
            self.initial["url"] = ""
            self.fields["url"].help_text = format_html(
                "{} <strong>{}</strong>. {}",
                gettext("Saved:"),
                self.instance.masked_url,
                gettext("Leave empty to keep it."),
            )

    def clean_url(self):
        url = self.cleaned_data.get("url", "").strip()
        if not url and self.instance.pk:
            return self.instance.url
        if not url:
            raise ValidationError(gettext("Give the channel's address."))
        return url

    def clean(self):
        cleaned = super().clean()
        if not services.may_manage_channels(self.actor):
            raise ValidationError(gettext("Only administrators manage chat channels and webhooks."))
        # The channel as it would be saved (a copy: the form's instance stays as it was).
        probe = copy.copy(self.instance)
        for name in services.CHANNEL_FIELDS:
            setattr(probe, name, cleaned.get(name))
        probe.url = probe.url or ""
        probe.events = list(cleaned.get("events") or [])
        try:
            services.check_channel(probe)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in self.fields else None
                for error in errors:
                    if target is None or target not in self.errors:
                        self.add_error(target, error)
        return cleaned

    def _post_clean(self):
        # The form's values onto the instance (the admin's messages name it), without the
        # ModelForm's own model validation: clean() asked the service already, and it
        # checks again when ChannelAdmin.save_model saves through it.
        construct_instance(self, self.instance, self._meta.fields)


@admin.register(Channel)
class ChannelAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    form = ChannelAdminForm
    # Failures first to the eye: the counts come right after the name.
    list_display = [
        "name",
        "kind",
        "failed_count",
        "pending_count",
        "active",
        "scope",
        "event_list",
        "address",
    ]
    list_filter = ["kind", "active"]
    list_select_related = ["area", "campaign"]
    search_fields = ["name"]
    readonly_fields = ["address", "signing_secret", "created_by", "created_at", "updated_at"]
    actions = ["send_test_message", "rotate_signing_secret"]

    def get_queryset(self, request):
        # The list's failure counts in the same query as the rows.
        return (
            super()
            .get_queryset(request)
            .annotate(
                failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
                pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
            )
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def get_fields(self, request, obj=None):
        fields = ["name", "kind", "url", "area", "campaign", "events", "active"]
        if obj is not None:
            fields += ["address", "signing_secret", "created_by", "created_at", "updated_at"]
        return fields

    # Administrators only (integrations.services.may_manage_channels).
    def has_module_permission(self, request):
        return services.may_manage_channels(request.user)

    def has_view_permission(self, request, obj=None):
        return services.may_manage_channels(request.user)

    def has_add_permission(self, request):
        return services.may_manage_channels(request.user)

    def has_change_permission(self, request, obj=None):
        return services.may_manage_channels(request.user)

    def has_delete_permission(self, request, obj=None):
        return services.may_manage_channels(request.user)

    @admin.display(description=_("address"))
    def address(self, obj):
        return obj.masked_url

    @admin.display(description=_("signing secret"))
    def signing_secret(self, obj):
        if obj.kind != ChannelKind.WEBHOOK:
            return "—"
        return format_html(
            "{} <span class='help'>{}</span>",
            obj.masked_secret,
            gettext("Shown in full once; “Rotate the signing secret” issues a new one."),
        )

    @admin.display(description=_("scope"))
    def scope(self, obj):
        parts = [str(part) for part in (obj.area, obj.campaign) if part is not None]
        return " · ".join(parts) or gettext("Everything not private")

    @admin.display(description=_("events"))
    def event_list(self, obj):
        labels = dict(Event.choices)
        return ", ".join(str(labels.get(code, code)) for code in obj.events)

    @admin.display(description=_("failed"), ordering="failed")
    def failed_count(self, obj):
        if not obj.failed:
            return 0
        return format_html("<strong class='errornote'>{}</strong>", obj.failed)

    @admin.display(description=_("pending"), ordering="pending")
    def pending_count(self, obj):
        return obj.pending

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.CHANNEL_FIELDS}
        if change:
            services.update_channel(channel=obj, actor=request.user, changes=fields)
            return
        channel = services.create_channel(actor=request.user, **fields)
        obj.pk, obj.secret, obj.created_by = channel.pk, channel.secret, channel.created_by
        obj._state.adding = False
        if channel.secret:
            self._show_secret(request, channel)

    def delete_model(self, request, obj):
        services.delete_channel(channel=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for channel in queryset:
            services.delete_channel(channel=channel, actor=request.user)

    def _show_secret(self, request, channel):
        self.message_user(
            request,
            gettext(
                "The signing secret of “%(name)s” is %(secret)s — copy it now to the "
                "receiver: it is not shown again."
            )
            % {"name": channel.name, "secret": channel.secret},
            messages.WARNING,
        )

    @admin.action(description=_("Send a test message to the selected channels"))
    def send_test_message(self, request, queryset):
        for channel in queryset:
            try:
                services.send_test(channel=channel, actor=request.user)
            except SendError as exc:
                self.message_user(
                    request,
                    gettext("“%(name)s”: the test message failed: %(error)s")
                    % {"name": channel.name, "error": exc},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    gettext("“%(name)s”: the test message was sent.") % {"name": channel.name},
                    messages.SUCCESS,
                )

    @admin.action(description=_("Rotate the signing secret of the selected webhooks"))
    def rotate_signing_secret(self, request, queryset):
        for channel in queryset:
            if channel.kind != ChannelKind.WEBHOOK:
                continue
            services.rotate_secret(channel=channel, actor=request.user)
            self._show_secret(request, channel)


@admin.register(Delivery)
class DeliveryAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    # What went wrong first (status, error); the HTTP status and the next try are in the
    # error text and on the row's page.
    list_display = [
        "created_at",
        "status_badge",
        "error_summary",
        "channel",
        "event",
        "attempts",
        "initiative",
    ]
    list_filter = ["status", "event", "channel"]
    list_select_related = ["channel", "initiative"]
    search_fields = ["initiative__title", "channel__name", "last_error", "event_key"]
    date_hierarchy = "created_at"
    actions = ["retry_selected"]
    fields = [
        "channel",
        "event",
        "event_key",
        "initiative",
        "status",
        "attempts",
        "response_status",
        "last_error",
        "created_at",
        "last_attempt_at",
        "sent_at",
        "next_attempt_at",
        "payload_text",
    ]
    readonly_fields = fields

    def has_module_permission(self, request):
        return services.may_manage_channels(request.user)

    def has_view_permission(self, request, obj=None):
        return services.may_manage_channels(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj):
        label = obj.get_status_display()
        if obj.status == DeliveryStatus.PENDING and obj.attempts:
            label = gettext("Retrying (attempt %(n)s done)") % {"n": obj.attempts}
        css = {"failed": "errornote", "sent": "success"}.get(obj.status, "")
        return format_html("<strong class='{}'>{}</strong>", css, label)

    @admin.display(description=_("last error"))
    def error_summary(self, obj):
        text = obj.last_error
        return text if len(text) <= 80 else text[:79] + "…"

    @admin.display(description=_("payload"))
    def payload_text(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, ensure_ascii=False))

    @admin.action(description=_("Send the selected failed deliveries again"))
    def retry_selected(self, request, queryset):
        count = services.retry(deliveries=queryset, actor=request.user)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed delivery queued again.",
                "%(count)d failed deliveries queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
