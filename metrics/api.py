"""REST endpoints for numbers: the KPI catalog, targets, measurements, results, ledger."""

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.celery import enqueue_on_commit
from improvement import roles, visibility
from improvement.models import Initiative
from metrics import services
from metrics.filters import MeasurementFilter, QuarterlyResultFilter
from metrics.ids import parse_id
from metrics.ledger import review
from metrics.models import (
    Measurement,
    MeasurementSource,
    Metric,
    QuarterClosed,
    QuarterlyResult,
    Target,
)
from metrics.serializers import (
    MeasurementCorrectionSerializer,
    MeasurementSerializer,
    MetricSerializer,
    QuarterlyResultReviewSerializer,
    QuarterlyResultSerializer,
    ResultSerializer,
    TargetSerializer,
)
from metrics.tasks import measure_results

AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description=gettext_lazy(
        "The result in force on this date (YYYY-MM-DD) instead of the latest."
    ),
)
REASON_PARAMETER = OpenApiParameter(
    "reason", str, description=gettext_lazy("Why: kept in the history (required for a correction).")
)


def reason_given(request) -> str:
    """The reason of a DELETE: `?reason=` or a JSON body's "reason"."""
    body = request.data if isinstance(request.data, dict) else {}
    reason = request.query_params.get("reason") or body.get("reason") or ""
    return reason if isinstance(reason, str) else ""


class PlainIdLookup:
    """A detail URL's id in the digits 0–9 only (metrics.ids): the ORM would read
    /api/targets/１２/ (full-width digits) as target 12. Anything else is a 404. (Checked
    here rather than by the router's `lookup_value_regex`, which would turn the id into a
    string in the OpenAPI schema.)"""

    def get_object(self):
        if parse_id(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)) is None:
            raise NotFound()
        return super().get_object()


class MetricViewSet(
    PlainIdLookup, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = Metric.objects.filter(is_active=True)
    serializer_class = MetricSerializer


class InitiativeTargetsView(generics.ListCreateAPIView):
    """`GET/POST /api/initiatives/{id}/targets/`."""

    serializer_class = TargetSerializer
    filter_backends = []

    def initiative(self) -> Initiative:
        return get_object_or_404(
            visibility.visible_initiatives(self.request.user), pk=self.kwargs["pk"]
        )

    def get_queryset(self):
        return self.initiative().targets.order_by("id")

    def create(self, request, *args, **kwargs):
        initiative = self.initiative()
        # Role first: a caller learns they may not add targets before whether data is valid.
        if not roles.can_record(request.user, initiative):
            self.permission_denied(request, "Only the owner and the team can add targets.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.create_target(
            initiative=initiative, actor=request.user, **serializer.validated_data
        )
        return Response(TargetSerializer(target).data, status=status.HTTP_201_CREATED)


class TargetViewSet(
    PlainIdLookup, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """`GET/PATCH/DELETE /api/targets/{id}/`: once frozen, the evidence changes only as a
    reviewer's correction with a `reason` (metrics.services.update_target); `DELETE
    ?reason=…` the same way."""

    http_method_names = ["get", "patch", "delete", "head", "options"]
    serializer_class = TargetSerializer
    queryset = Target.objects.select_related("initiative")

    def get_queryset(self):
        return visibility.visible(super().get_queryset(), self.request.user)

    def partial_update(self, request, pk=None):
        target = self.get_object()
        correcting = target.is_frozen and roles.reviews(request.user, target.initiative)
        if not (roles.can_record(request.user, target.initiative) or correcting):
            self.permission_denied(request, "Only the owner and the team can change targets.")
        serializer = self.get_serializer(target, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason", "")
        services.update_target(target=target, actor=request.user, changes=changes, reason=reason)
        return Response(TargetSerializer(target).data)

    @extend_schema(parameters=[REASON_PARAMETER], responses={204: None})
    def destroy(self, request, pk=None):
        target = self.get_object()
        services.delete_target(target=target, actor=request.user, reason=reason_given(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[AS_OF_PARAMETER], responses=ResultSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The target's latest result, or with `?as_of=` the one in force on that date: a
        result row is written when a figure changes and holds from its date on."""
        target = self.get_object()
        results = target.results.order_by("-as_of")
        as_of = request.query_params.get("as_of")
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise ValidationError({"as_of": [_("Give a date as YYYY-MM-DD.")]}) from None
            results = results.filter(as_of__lte=day)
            missing = f"This target had no result yet on {day:%Y-%m-%d}."
        else:
            missing = "No result has been computed for this target yet."
        result = results.first()
        if result is None:
            raise NotFound(missing)
        return Response(ResultSerializer(result).data)


class MeasurementViewSet(
    PlainIdLookup,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """`POST` one measurement or a list (all or nothing); `GET` filtered by target/time;
    `PATCH` a correction and `DELETE ?reason=…`, each with a reason kept in the history."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    queryset = Measurement.objects.select_related("target__initiative", "target__metric").order_by(
        "target_id", "observed_at"
    )

    def get_queryset(self):
        return visibility.visible(super().get_queryset(), self.request.user, "target__initiative")

    @extend_schema(request=MeasurementCorrectionSerializer, responses=MeasurementSerializer)
    def partial_update(self, request, pk=None):
        measurement = self.get_object()
        serializer = MeasurementCorrectionSerializer(measurement, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason", "")
        services.correct_measurement(
            measurement=measurement, actor=request.user, changes=changes, reason=reason
        )
        return Response(MeasurementSerializer(measurement).data)

    @extend_schema(parameters=[REASON_PARAMETER], responses={204: None})
    def destroy(self, request, pk=None):
        measurement = self.get_object()
        services.delete_measurement(
            measurement=measurement, actor=request.user, reason=reason_given(request)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def get_throttles(self):
        # Posting measurements is limited per user (RATE_LIMITS["measurements"]).
        self.throttle_scope = "measurements" if self.action == "create" else None
        return super().get_throttles()

    @extend_schema(request=MeasurementSerializer, responses={201: MeasurementSerializer})
    def create(self, request, *args, **kwargs):
        """Cheapest refusal first: the batch's size; then every target of the batch read in
        one query and refused as a whole (403) if the caller may not record on one; only
        then each item, with no query of its own (the service's checks are set-based)."""
        many = isinstance(request.data, list)
        if many and not 1 <= len(request.data) <= services.MAX_BATCH:
            raise ValidationError(
                {
                    "non_field_errors": [
                        _("Send between 1 and %(MAX_BATCH)s measurements.")
                        % {"MAX_BATCH": services.MAX_BATCH}
                    ]
                }
            )
        items = request.data if many else [request.data]
        ids = {parse_id(item.get("target")) for item in items if isinstance(item, dict)}
        targets = services.targets_for_recording(actor=request.user, ids=ids - {None})
        context = {**self.get_serializer_context(), "targets": targets}
        serializer = self.get_serializer(data=request.data, many=many, context=context)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data if many else [serializer.validated_data]
        try:
            rows = services.record_measurements(
                actor=request.user, items=items, source=MeasurementSource.API
            )
        except services.MeasurementErrors as exc:
            raise ValidationError(exc.errors if many else exc.errors[0]) from None
        data = MeasurementSerializer(rows, many=True).data
        return Response(data if many else data[0], status=status.HTTP_201_CREATED)


class RecomputeView(APIView):
    """`POST /api/initiatives/{id}/recompute/` → 202: the results job is queued."""

    @extend_schema(request=None, responses={202: None})
    def post(self, request, pk):
        initiative = get_object_or_404(visibility.visible_initiatives(request.user), pk=pk)
        if not (
            roles.can_record(request.user, initiative) or roles.reviews(request.user, initiative)
        ):
            self.permission_denied(
                request, "Only the owner, the team or a reviewer can recompute results."
            )
        enqueue_on_commit(measure_results, initiative_id=initiative.pk)
        return Response({"detail": "Recompute queued."}, status=status.HTTP_202_ACCEPTED)


class QuarterlyResultViewSet(
    PlainIdLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The ledger: read by anyone signed in, the rows of the initiatives they may see
    (`?area=` an area and everything under it); `PATCH` the validated benefit and note of
    an open quarter's row (reviewers; 409 once the quarter is closed)."""

    http_method_names = ["get", "patch", "head", "options"]
    serializer_class = QuarterlyResultSerializer
    filterset_class = QuarterlyResultFilter

    def get_queryset(self):
        return visibility.visible(
            QuarterlyResult.objects.select_related("initiative")
            .with_closed()
            .order_by("-year", "-quarter", "initiative_id"),
            self.request.user,
        )

    @extend_schema(
        request=QuarterlyResultReviewSerializer,
        responses={200: QuarterlyResultSerializer, 409: OpenApiTypes.OBJECT},
    )
    def partial_update(self, request, pk=None):
        # The row first: one the caller may not see is not found (404), whoever asks.
        row = self.get_object()
        if not roles.is_reviewer(request.user):
            self.permission_denied(request, "Only reviewers validate benefits.")
        if not roles.reviews(request.user, row.initiative):
            self.permission_denied(request, "Only reviewers of its area validate its benefit.")
        serializer = QuarterlyResultReviewSerializer(row, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        try:
            review.validate_benefit(
                row=row,
                actor=request.user,
                validated_benefit=changes.get("validated_benefit", row.validated_benefit),
                review_note=changes.get("review_note", row.review_note),
            )
        except QuarterClosed as exc:
            return Response({"detail": exc.messages[0]}, status=status.HTTP_409_CONFLICT)
        return Response(QuarterlyResultSerializer(self.get_object()).data)
