"""The attachments' REST endpoints: an initiative's files (list, upload), one file's
metadata (read, delete) and its bytes. Every one answers 404 for an initiative the
caller may not see (attachments.access), as for one that does not exist."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from attachments import services, serving
from attachments.models import Attachment
from attachments.serializers import AttachmentSerializer, AttachmentUploadSerializer
from improvement import visibility
from improvement.models import Comment, Initiative

BINARY = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description=gettext_lazy("The file, with its stored content type.")
    )
}


class AnyTypeRenderer(renderers.BaseRenderer):
    """Lets a download be asked for with any Accept header (image/*, application/pdf):
    the file is sent as it is; an error (a 404) still goes out as JSON text."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:  # the error is JSON, whatever was asked for
            response["Content-Type"] = "application/json"
        return json.dumps(data).encode()


def visible_initiative(pk, user) -> Initiative:
    """The initiative if `user` may see it (access.can_see's rule, asked in the same
    query: improvement.visibility), else 404."""
    if not (user.is_authenticated and user.is_active):
        raise NotFound()
    return get_object_or_404(visibility.visible_initiatives(user), pk=pk)


class InitiativeAttachmentsView(ListAPIView):
    """`GET`: the initiative's attachments, oldest first. `POST` (multipart/form-data):
    attach one `file` — checked by its content, at most ATTACHMENT_MAX_BYTES — optionally
    to one of its comments; 201 with the attachment, 400 saying why it was refused."""

    serializer_class = AttachmentSerializer
    filter_backends = []
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        initiative = visible_initiative(self.kwargs["pk"], self.request.user)
        return initiative.attachments.for_listing()

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
    )
    def post(self, request, pk: int):
        initiative = visible_initiative(pk, request.user)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = None
        if comment_id := serializer.validated_data.get("comment"):
            comment = Comment.objects.filter(pk=comment_id, initiative=initiative).first()
            if comment is None:
                raise ValidationError(
                    {"comment": [_("No comment with this id on this initiative.")]}
                )
        try:
            (attachment,) = services.add_attachments(
                initiative=initiative,
                actor=request.user,
                files=[serializer.validated_data["file"]],
                comment=comment,
            )
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
        data = AttachmentSerializer(attachment, context={"request": request}).data
        return Response(data, status=status.HTTP_201_CREATED)


class AttachmentViewSet(
    mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """One attachment: its metadata (`GET`), its deletion (`DELETE`: the uploader, the
    initiative's owner, a reviewer or an administrator; 403 for others), its bytes
    (`download/`) and an image's thumbnail (`thumbnail/`)."""

    serializer_class = AttachmentSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        # Only the files of initiatives the caller may see (improvement.visibility).
        return visibility.visible(
            Attachment.objects.select_related("initiative", "uploaded_by", "comment"),
            self.request.user,
        )

    def perform_destroy(self, instance):
        services.delete_attachment(attachment=instance, actor=self.request.user)

    @extend_schema(responses=BINARY)
    @action(
        detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, AnyTypeRenderer]
    )
    def download(self, request, pk=None):
        return serving.file_response(self.get_object())

    @extend_schema(responses=BINARY)
    @action(
        detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, AnyTypeRenderer]
    )
    def thumbnail(self, request, pk=None):
        return serving.file_response(self.get_object(), thumbnail=True)
