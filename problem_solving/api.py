"""REST endpoints for the root-cause analysis: thin views over problem_solving.services.

`GET/POST /api/initiatives/{id}/five-whys/`, `GET/PATCH/DELETE /api/five-whys/{id}/`,
`GET/POST /api/initiatives/{id}/causes/`, `GET/PATCH/DELETE /api/causes/{id}/`. Every
signed-in person reads them (as they read the initiative); a write is checked by
problem_solving.rules — the role before the values, so a caller who may not change the
analysis learns that (403) before whether the data was valid.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from improvement import visibility
from improvement.models import Initiative
from metrics.ids import parse_id
from problem_solving import rules, services
from problem_solving.models import Cause, FiveWhy, WhyStep
from problem_solving.serializers import CauseSerializer, FiveWhySerializer

REASON_PARAMETER = OpenApiParameter(
    "reason", str, description=gettext_lazy("Why: required once the root-cause gate has passed.")
)


def chains():
    return FiveWhy.objects.select_related("initiative").prefetch_related(
        Prefetch("steps", queryset=WhyStep.objects.order_by("position"))
    )


def reason_given(request) -> str:
    """The reason of a DELETE: `?reason=` or a JSON body's "reason"."""
    body = request.data if isinstance(request.data, dict) else {}
    reason = request.query_params.get("reason") or body.get("reason") or ""
    return reason if isinstance(reason, str) else ""


def whys(data: dict):
    steps = data.get("steps")
    if steps is None:
        return None
    return [services.Why(**step) for step in steps]


class InitiativeScoped(generics.ListCreateAPIView):
    filter_backends = []

    def initiative(self) -> Initiative:
        if parse_id(self.kwargs["pk"]) is None:
            raise NotFound()
        return get_object_or_404(
            visibility.visible_initiatives(self.request.user).prefetch_related("team"),
            pk=self.kwargs["pk"],
        )

    def check_role(self, initiative: Initiative) -> None:
        if not rules.can_edit(self.request.user, initiative):
            self.permission_denied(
                self.request, "You may not change this initiative's root-cause analysis."
            )


class InitiativeFiveWhysView(InitiativeScoped):
    """`GET/POST /api/initiatives/{id}/five-whys/`: its 5-why chains, oldest first."""

    serializer_class = FiveWhySerializer

    def get_queryset(self):
        return chains().filter(initiative=self.initiative()).order_by("created_at", "id")

    def create(self, request, *args, **kwargs):
        initiative = self.initiative()
        self.check_role(initiative)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        chain = services.create_five_why(
            initiative=initiative,
            actor=request.user,
            problem=data["problem"],
            steps=whys(data) or (),
            reason=data.get("reason", ""),
        )
        return Response(
            FiveWhySerializer(chains().get(pk=chain.pk)).data, status=status.HTTP_201_CREATED
        )


class InitiativeCausesView(InitiativeScoped):
    """`GET/POST /api/initiatives/{id}/causes/`: its fishbone's causes, oldest first."""

    serializer_class = CauseSerializer

    def get_queryset(self):
        return Cause.objects.filter(initiative=self.initiative()).order_by("created_at", "id")

    def create(self, request, *args, **kwargs):
        initiative = self.initiative()
        self.check_role(initiative)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        reason = data.pop("reason", "")
        cause = services.add_cause(initiative=initiative, actor=request.user, reason=reason, **data)
        return Response(CauseSerializer(cause).data, status=status.HTTP_201_CREATED)


class PlainIdDetail(
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_object(self):
        # Digits 0–9 only: the ORM would read full-width digits as a number (metrics.ids).
        if parse_id(self.kwargs.get("pk")) is None:
            raise NotFound()
        return super().get_object()


class FiveWhyViewSet(PlainIdDetail):
    """`GET/PATCH/DELETE /api/five-whys/{id}/`: PATCH `problem` and/or `steps` (the whole
    list of whys, in order); DELETE `?reason=` once the gate has passed."""

    serializer_class = FiveWhySerializer

    def get_queryset(self):
        return visibility.visible(chains(), self.request.user)

    def partial_update(self, request, pk=None):
        chain = self.get_object()
        if not rules.can_edit(request.user, chain.initiative):
            self.permission_denied(request, "You may not change this root-cause analysis.")
        serializer = self.get_serializer(chain, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.update_five_why(
            chain=chain,
            actor=request.user,
            problem=data.get("problem"),
            steps=whys(data),
            reason=data.get("reason", ""),
        )
        return Response(FiveWhySerializer(chains().get(pk=chain.pk)).data)

    @extend_schema(parameters=[REASON_PARAMETER], responses={204: None})
    def destroy(self, request, pk=None):
        chain = self.get_object()
        services.delete_five_why(chain=chain, actor=request.user, reason=reason_given(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CauseViewSet(PlainIdDetail):
    """`GET/PATCH/DELETE /api/causes/{id}/`."""

    serializer_class = CauseSerializer
    queryset = Cause.objects.select_related("initiative")

    def get_queryset(self):
        return visibility.visible(super().get_queryset(), self.request.user)

    def partial_update(self, request, pk=None):
        cause = self.get_object()
        if not rules.can_edit(request.user, cause.initiative):
            self.permission_denied(request, "You may not change this root-cause analysis.")
        serializer = self.get_serializer(cause, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason", "")
        services.update_cause(cause=cause, actor=request.user, changes=changes, reason=reason)
        return Response(CauseSerializer(cause).data)

    @extend_schema(parameters=[REASON_PARAMETER], responses={204: None})
    def destroy(self, request, pk=None):
        cause = self.get_object()
        services.delete_cause(cause=cause, actor=request.user, reason=reason_given(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
