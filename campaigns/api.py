"""REST endpoints for campaigns: thin views over campaigns.services. Everyone signed in
reads them; reviewers open, change and close them."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from campaigns import services
from campaigns.filters import CampaignFilter
from campaigns.selectors import campaigns_for_reading
from campaigns.serializers import CampaignSerializer, CampaignWriteSerializer
from improvement.api import initiatives_for_reading
from improvement.serializers import InitiativeSerializer


class CampaignViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self):
        return campaigns_for_reading(self.request.user).order_by("-opens_on", "-id")

    def get_serializer_context(self):
        # One "today" for every row of a response.
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return CampaignWriteSerializer
        return super().get_serializer_class()

    def _check_runner(self):
        # Before the body is read: a contributor learns they may not, not what is invalid.
        if not services.may_run_campaigns(self.request.user):
            raise PermissionDenied(_("Only reviewers open, change and close campaigns."))

    def _read(self, pk: int, status_code=status.HTTP_200_OK) -> Response:
        campaign = self.get_queryset().get(pk=pk)
        return Response(
            CampaignSerializer(campaign, context=self.get_serializer_context()).data,
            status=status_code,
        )

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request):
        self._check_runner()
        serializer = CampaignWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.open_campaign(actor=request.user, **serializer.validated_data)
        return self._read(campaign.pk, status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses={200: CampaignSerializer})
    def partial_update(self, request, pk=None):
        campaign = self.get_object()
        self._check_runner()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object of fields.")]})
        serializer = CampaignWriteSerializer(campaign, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {
            field: value
            for field, value in serializer.validated_data.items()
            if getattr(campaign, field) != value
        }
        services.update_campaign(campaign=campaign, actor=request.user, changes=changes)
        return self._read(campaign.pk)

    @extend_schema(request=None, responses={200: CampaignSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request, pk=None):
        """Close the campaign now; its submitters are told once. Closing a closed one
        changes nothing (200 all the same)."""
        campaign = self.get_object()
        self._check_runner()
        services.close_campaign(campaign=campaign, actor=request.user)
        return self._read(campaign.pk)

    @extend_schema(responses=InitiativeSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def ideas(self, request, pk=None):
        """The ideas submitted to the campaign, most supported first, paginated."""
        campaign = self.get_object()
        ideas = (
            initiatives_for_reading(request.user)
            .filter(campaign=campaign)
            .order_by("-support_count", "created_at", "pk")
        )
        page = self.paginate_queryset(ideas)
        return self.get_paginated_response(InitiativeSerializer(page, many=True).data)
