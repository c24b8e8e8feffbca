"""Admin for initiatives and everything said about them.

Stage moves are not made here: they go through the workflow, which checks the gates
and writes the history row in the same transaction. So the stage is read-only on the
initiative and the history can be read but never added to, changed or deleted.
"""

from django.contrib import admin
from django.utils.text import Truncator

from config.admin_input import RefuseOddInputMixin
from improvement.models import (
    Area,
    Comment,
    Initiative,
    Notification,
    StageTransition,
    Support,
)

# The targets inline lives with the rest of the target admin (the frozen-baseline rule).
from metrics.admin.records import TargetInline


@admin.register(Area)
class AreaAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]


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


@admin.register(Initiative)
class InitiativeAdmin(RefuseOddInputMixin, admin.ModelAdmin):
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
    autocomplete_fields = [
        "area",
        "submitted_by",
        "owner",
        "sponsor",
        "team",
        "watchers",
        "duplicate_of",
    ]
    readonly_fields = [
        "stage",
        "held_from",
        "cycle",
        "created_at",
        "updated_at",
        "stage_entered_at",
    ]
    fieldsets = [
        (
            "Idea",
            {"fields": ["title", "problem_statement", "proposed_change", "pillar", "area"]},
        ),
        (
            "Triage",
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
        ("People", {"fields": ["submitted_by", "owner", "sponsor", "team", "watchers"]}),
        (
            "Execution",
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
        ("Dates", {"fields": ["created_at", "stage_entered_at", "updated_at"]}),
    ]
    inlines = [TargetInline, StageTransitionInline]

    def get_changeform_initial_data(self, request):
        return {"submitted_by": request.user.pk, **super().get_changeform_initial_data(request)}


@admin.register(StageTransition)
class StageTransitionAdmin(RefuseOddInputMixin, admin.ModelAdmin):
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


@admin.register(Support)
class SupportAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    list_display = ["initiative", "user", "created_at"]
    list_select_related = ["initiative", "user"]
    search_fields = ["initiative__title", "user__username"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["initiative", "user"]


@admin.register(Comment)
class CommentAdmin(RefuseOddInputMixin, admin.ModelAdmin):
    list_display = ["initiative", "author", "excerpt", "created_at"]
    list_select_related = ["initiative", "author"]
    search_fields = ["body", "initiative__title", "author__username"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["initiative", "author"]

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(obj.body).chars(80)


class ReadFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", "Read"), ("no", "Unread")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


class EmailFilter(admin.SimpleListFilter):
    title = "email"
    parameter_name = "email"

    def lookups(self, request, model_admin):
        return [("sent", "Sent"), ("failed", "Failed"), ("pending", "Not sent yet")]

    def queryset(self, request, queryset):
        if self.value() == "sent":
            return queryset.filter(emailed_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(email_failed_at__isnull=False)
        if self.value() == "pending":
            return queryset.filter(emailed_at__isnull=True, email_failed_at__isnull=True)
        return queryset


@admin.register(Notification)
class NotificationAdmin(RefuseOddInputMixin, admin.ModelAdmin):
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
