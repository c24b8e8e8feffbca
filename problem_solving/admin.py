"""The analysis in the admin: to look at, never to edit — every write goes through
problem_solving.services (its rules: who may, and a reason after the gate), which the
initiative page and the API use."""

from django.contrib import admin

from improvement.visibility import VisibleOnlyAdmin
from problem_solving.models import Cause, FiveWhy, WhyStep


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WhyStepInline(admin.TabularInline):
    model = WhyStep
    fields = ("position", "answer", "is_root_cause", "verified")
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FiveWhy)
class FiveWhyAdmin(VisibleOnlyAdmin, ReadOnly):
    list_display = ("initiative", "problem", "created_by", "created_at")
    list_select_related = ("initiative", "created_by")
    search_fields = ("problem", "initiative__title")
    raw_id_fields = ("initiative", "created_by")
    inlines = [WhyStepInline]


@admin.register(Cause)
class CauseAdmin(VisibleOnlyAdmin, ReadOnly):
    list_display = ("text", "category", "verified", "initiative", "created_at")
    list_filter = ("category", "verified")
    list_select_related = ("initiative",)
    search_fields = ("text", "evidence", "initiative__title")
    raw_id_fields = ("initiative", "created_by")
