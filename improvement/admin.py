"""Admin for initiatives and everything said about them.

Stage moves are not made here: they go through the workflow, which checks the gates
and writes the history row in the same transaction. So the stage is read-only on the
initiative and the history can be read but never added to, changed or deleted.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from config.admin_input import RefuseOddInputMixin
from improvement import areas, roles, services
from improvement.models import (
    NOTE_TEXT,
    Area,
    Comment,
    Initiative,
    Notification,
    NotificationPreference,
    StageTransition,
    Support,
)
from improvement.visibility import VisibleOnlyAdmin

# The targets inline lives with the rest of the target admin (the frozen-baseline rule).
from metrics.admin.records import TargetInline
from metrics.models import QuarterlyResult


class AreaForm(forms.ModelForm):
    """An area and its place in the tree; saved through improvement.areas, whose checks
    (administrators only, a name free among its siblings, not under itself) show on the
    form."""

    parent = forms.ModelChoiceField(
        label=gettext_lazy("Parent area"),
        queryset=Area.objects.all(),
        required=False,
        empty_label=gettext_lazy("— none: a site at the top —"),
        help_text=gettext_lazy("The area it belongs to. Moving it moves everything under it."),
    )

    class Meta:
        model = Area
        fields = ["name", "parent", "description", "restricted", "members", "reviewers"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].label_from_instance = lambda area: area.label
        if self.instance.pk:
            self.fields["parent"].initial = Area.objects.get_parent(self.instance)
            # Not under itself: its own subtree is no place to move it to.
            self.fields["parent"].queryset = Area.objects.exclude(
                path__startswith=self.instance.path
            )

    def validate_constraints(self):
        # The tree's fields are set by the service; the name among siblings: clean().
        pass

    def clean(self):
        cleaned = super().clean()
        if "name" in cleaned:
            areas.check_place(
                area=self.instance if self.instance.pk else None,
                name=cleaned["name"],
                parent=cleaned.get("parent"),
            )
        return cleaned


@admin.register(Area)
class AreaAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    """The area tree, indented, in tree order. Created, moved, renamed and restricted
    through improvement.areas; members and area reviewers are saved with the form."""

    form = AreaForm
    list_display = ["indented_name", "restricted", "description"]
    list_filter = ["restricted"]
    search_fields = ["name"]
    raw_id_fields = ["members", "reviewers"]

    @admin.display(description="name", ordering="path")
    def indented_name(self, obj):
        return obj.label

    def has_add_permission(self, request):
        return roles.is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return roles.is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return roles.is_admin(request.user)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            saved = areas.update_area(
                actor=request.user,
                area=obj,
                name=data["name"],
                description=data["description"],
                restricted=data["restricted"],
            )
            if "parent" in form.changed_data:
                saved = areas.move_area(actor=request.user, area=saved, parent=data["parent"])
        else:
            saved = areas.create_area(
                actor=request.user,
                name=data["name"],
                parent=data["parent"],
                description=data["description"],
                restricted=data["restricted"],
            )
        # The members and reviewers are saved next (save_related), onto this row.
        obj.pk, obj.path, obj.depth, obj.numchild = (
            saved.pk,
            saved.path,
            saved.depth,
            saved.numchild,
        )
        obj._state.adding = False


class StageTransitionInline(admin.TabularInline):
    """The stage history on an initiative's page, read-only."""

    model = StageTransition
    fields = ["at", "from_stage", "to_stage", "actor", "cycle", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        # The actor column names the user.
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InitiativeForm(forms.ModelForm):
    """An initiative's page: saved through improvement.services.update_initiative, whose
    rules (the role table, the methodology lock, a gate's evidence needing a reason, the
    change date clear of the baseline windows) are checked here so a refusal shows on
    the form."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=NOTE_TEXT,
        help_text=gettext_lazy(
            "Why, when correcting what a passed gate checked: kept in the history."
        ),
    )
    actor = None  # set per request by InitiativeAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        try:
            self.changes = services.check_update(
                initiative=Initiative.objects.get(pk=self.instance.pk),
                actor=self.actor,
                changes=service_changes(self, cleaned),
                reason=cleaned.get("reason", ""),
            )
        except PermissionDenied as exc:
            raise forms.ValidationError(str(exc)) from None
        return cleaned


def service_changes(form, cleaned: dict) -> dict:
    """The changed fields the service writes (not the team and watchers, saved by the
    admin's many-to-many step, nor the reason)."""
    return {f: cleaned[f] for f in form.changed_data if f in EDITABLE and f in cleaned}


EDITABLE = (*roles.IDEA_FIELDS, *roles.TRIAGE_FIELDS, *roles.EXECUTION_FIELDS)


@admin.register(Initiative)
class InitiativeAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, SimpleHistoryAdmin):
    """Ideas are submitted and moved in the app; here an initiative's fields are edited
    through the same service, and the History button shows who changed what and why."""

    initiative_lookup = ""
    form = InitiativeForm
    list_display = [
        "title",
        "stage",
        "methodology",
        "area",
        "owner",
        "impact",
        "effort",
        "created_at",
    ]
    list_filter = ["stage", "methodology", "pillar", "area"]
    list_select_related = ["area", "owner"]
    search_fields = ["title", "problem_statement"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["area"]
    # Not the admin's autocomplete (Select2) for people: its empty and multiple boxes have
    # no accessible name (axe-core: label, aria-input-field-name, list), nor the two-list
    # picker (aria-prohibited-attr) — tests/browser/test_accessibility.py. Ids with the
    # admin's lookup have one.
    raw_id_fields = ["owner", "sponsor", "team", "watchers"]
    readonly_fields = [
        "submitted_by",
        "rejection_reason",
        "duplicate_of",
        "stage",
        "held_from",
        "cycle",
        "created_at",
        "updated_at",
        "stage_entered_at",
    ]
    fieldsets = [
        (
            gettext_lazy("Idea"),
            {"fields": ["title", "problem_statement", "proposed_change", "pillar", "area"]},
        ),
        (
            pgettext_lazy("noun", "Triage"),
            {
                "fields": [
                    "impact",
                    "effort",
                    "estimated_annual_benefit",
                    "estimated_cost",
                    "confidence",
                    "methodology",
                    "rejection_reason",
                    "duplicate_of",
                ]
            },
        ),
        (
            gettext_lazy("People"),
            {"fields": ["submitted_by", "owner", "sponsor", "team", "watchers"]},
        ),
        (
            gettext_lazy("Execution"),
            {
                "fields": [
                    "stage",
                    "held_from",
                    "cycle",
                    "root_cause",
                    "implemented_on",
                    "control_plan",
                    "decision_note",
                ]
            },
        ),
        (gettext_lazy("Correction"), {"fields": ["reason"]}),
        (gettext_lazy("Dates"), {"fields": ["created_at", "stage_entered_at", "updated_at"]}),
    ]
    inlines = [TargetInline, StageTransitionInline]

    def has_add_permission(self, request):
        # Ideas are submitted in the app or the API (improvement.services.submit_idea).
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        services.update_initiative(
            initiative=Initiative.objects.get(pk=obj.pk),
            actor=request.user,
            changes=form.changes,
            reason=form.cleaned_data["reason"],
        )

    def get_deleted_objects(self, objs, request):
        """Django's confirmation page, listing a closed quarter's ledger rows as what
        prevents the delete (metrics.models.refuse_closed_quarter_delete)."""
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        closed = QuarterlyResult.objects.closed().filter(initiative__in=list(objs))
        protected += [_("Ledger row %(row)s of a closed quarter") % {"row": row} for row in closed]
        if protected:
            perms = set()  # the page then names what protects them, not a permission
        return deleted, counts, perms, protected


@admin.register(StageTransition)
class StageTransitionAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, admin.ModelAdmin):
    """Viewable only. The model refuses a second save and any delete, so the admin
    must never offer either."""

    list_display = ["initiative", "from_stage", "to_stage", "actor", "at", "cycle"]
    list_filter = ["to_stage", "from_stage"]
    list_select_related = ["initiative", "actor"]
    search_fields = ["initiative__title", "note"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewAndDeleteOnly:
    """Written in the app through its service (support, add_comment, the notifiers);
    the admin reads them and may delete one (moderation), never types one in."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Support)
class SupportAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, ViewAndDeleteOnly, admin.ModelAdmin):
    list_display = ["initiative", "user", "created_at"]
    list_select_related = ["initiative", "user"]
    search_fields = ["initiative__title", "user__username"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["initiative", "user"]


@admin.register(Comment)
class CommentAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, ViewAndDeleteOnly, admin.ModelAdmin):
    list_display = ["initiative", "author", "excerpt", "created_at"]
    list_select_related = ["initiative", "author"]
    search_fields = ["body", "initiative__title", "author__username"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["initiative", "author"]

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)


class ReadFilter(admin.SimpleListFilter):
    title = gettext_lazy("read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


class EmailFilter(admin.SimpleListFilter):
    title = gettext_lazy("email")
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("sent", _("Sent")), ("failed", _("Failed")), ("pending", _("Not sent yet"))]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(emailed_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(email_failed_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(emailed_at__isnull=True, email_failed_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, ViewAndDeleteOnly, admin.ModelAdmin):
    list_display = ["recipient", "kind", "initiative", "created_at", "read", "email"]
    list_filter = ["kind", ReadFilter, EmailFilter]
    list_select_related = ["recipient", "initiative"]
    search_fields = ["recipient__username", "initiative__title", "message"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["recipient", "initiative"]
    # Set by the email job; editing them would resend or suppress an email.
    readonly_fields = ["emailed_at", "email_failed_at", "email_error"]

    @admin.display(boolean=True, ordering="read_at")
    def read(self, obj):
        return obj.is_read

    @admin.display(description="email")
    def email(self, obj):
        """Sent, failed (and why), or not sent yet."""
        if obj.emailed_at:
            return "sent"
        if obj.email_failed_at:
            return f"failed: {Truncator(obj.email_error).chars(80)}"
        return "—"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(RefuseOddInputMixin, ViewAndDeleteOnly, admin.ModelAdmin):
    """Each person chooses their own on the notification settings page (through
    improvement.notifications.save_preferences); the admin reads them, and deleting one
    puts that topic back to its default."""

    list_display = ["user", "topic", "delivery", "updated_at"]
    list_filter = ["topic", "delivery"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
