from django.urls import reverse
from rest_framework import serializers

from attachments.models import Attachment


class AttachmentSerializer(serializers.ModelSerializer):
    """An attachment's metadata; the bytes are at `download_url` (and an image's small
    JPEG at `thumbnail_url`), for whoever may see the initiative."""

    is_image = serializers.BooleanField(read_only=True)
    download_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "initiative",
            "comment",
            "original_name",
            "content_type",
            "size",
            "is_image",
            "uploaded_by",
            "uploaded_at",
            "download_url",
            "thumbnail_url",
        ]
        read_only_fields = fields

    def _url(self, name: str, attachment: Attachment) -> str:
        path = reverse(name, args=[attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_download_url(self, attachment) -> str:
        return self._url("attachment-download", attachment)

    def get_thumbnail_url(self, attachment) -> str | None:
        return self._url("attachment-thumbnail", attachment) if attachment.thumbnail else None


class AttachmentUploadSerializer(serializers.Serializer):
    """`POST /api/initiatives/{id}/attachments/` as multipart/form-data: one `file`, and
    `comment` (the id of one of the initiative's comments) to attach it to that."""

    file = serializers.FileField()
    comment = serializers.IntegerField(required=False, allow_null=True, min_value=1)
