"""Admin for action items: read-only. They are written on the initiative page and
through the API, by actions.services (the role checks, the rules, the timeline's
events, the assignee's notification); the admin shows them and their history."""

from django.contrib import admin

from actions.models import ActionEvent, ActionItem
from config.admin_input import RefuseOddInputMixin
from improvement.visibility import VisibleOnlyAdmin


class ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ActionEventInline(ReadOnly, admin.TabularInline):
    model = ActionEvent
    fields = ["at", "kind", "actor", "assignee", "detail"]
    readonly_fields = fields
    extra = 0
    ordering = ["at", "id"]


@admin.register(ActionItem)
class ActionItemAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, ReadOnly, admin.ModelAdmin):
    list_display = ["title", "initiative", "assignee", "due_on", "status", "stage"]
    list_filter = ["status", "stage", "due_on"]
    list_select_related = ["initiative", "assignee"]
    search_fields = ["title", "initiative__title", "assignee__username"]
    date_hierarchy = "due_on"
    inlines = [ActionEventInline]


@admin.register(ActionEvent)
class ActionEventAdmin(VisibleOnlyAdmin, RefuseOddInputMixin, ReadOnly, admin.ModelAdmin):
    initiative_lookup = "action__initiative"
    """Viewable only: the model refuses a second save and any delete."""

    list_display = ["action", "kind", "actor", "assignee", "at"]
    list_filter = ["kind"]
    list_select_related = ["action", "actor", "assignee"]
    search_fields = ["action__title", "detail"]
    date_hierarchy = "at"
