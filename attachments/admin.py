"""Attachments in the admin: to look at and to delete, nothing else. A file is added
only through attachments.services (which checks its content), and deleted through it
too, so the admin's delete asks the same question as the pages: may this person?"""

from django.contrib import admin
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from attachments import services
from attachments.models import Attachment
from improvement.visibility import VisibleOnlyAdmin


@admin.register(Attachment)
class AttachmentAdmin(VisibleOnlyAdmin, admin.ModelAdmin):
    list_display = [
        "original_name",
        "initiative",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["content_type", "uploaded_at"]
    search_fields = ["original_name", "initiative__title"]
    list_select_related = ["initiative", "uploaded_by"]
    readonly_fields = ["download"]
    fields = [
        "initiative",
        "comment",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
        "download",
    ]

    @admin.display(description=_("File"))
    def download(self, attachment):
        # Through the access-checked view, like everywhere else.
        url = reverse("attachments:download", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.delete_attachment(attachment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # Each through the service: all of them or, if one is not this person's to
        # delete (a 403), none.
        with transaction.atomic():
            for attachment in queryset.select_related("initiative"):
                services.delete_attachment(attachment=attachment, actor=request.user)
