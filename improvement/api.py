"""REST endpoints for initiatives: thin views over the workflow and the services."""

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Length, Substr
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from improvement import services, visibility, workflow
from improvement.area_scope import area_param
from improvement.filters import InitiativeFilter, UserFilter
from improvement.models import Area, Initiative, Quadrant
from improvement.serializers import (
    AreaSerializer,
    BacklogItemSerializer,
    HistorySerializer,
    InitiativeCreateSerializer,
    InitiativeSerializer,
    InitiativeUpdateSerializer,
    MoveOptionSerializer,
    MoveRefusedSerializer,
    TransitionSerializer,
    UserSerializer,
)

# `?area=`: an area and everything under it (improvement.area_scope).
AREA_PARAMETER = OpenApiParameter(
    "area",
    int,
    description=gettext_lazy("Only the initiatives of this area and the areas under it."),
)


def initiatives_for_reading(user):
    """The initiatives `user` may see (improvement.visibility), with everything the
    serializer shows, in a fixed number of queries."""
    return (
        visibility.visible_initiatives(user)
        .with_priority()
        .with_support_count()
        .prefetch_related("team", "watchers")
    )


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active users, to pick owners and sponsors by id: `?search=` on name or username."""

    serializer_class = UserSerializer
    filterset_class = UserFilter

    def get_queryset(self):
        return get_user_model().objects.filter(is_active=True).order_by("username")


class MeView(APIView):
    """`GET /api/me/`: who the caller is (also the benchmarks' framework-floor endpoint)."""

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(request.user).data)


class AreaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The areas the caller may see, in tree order, each with its parent's id."""

    queryset = Area.objects.all()
    serializer_class = AreaSerializer

    def get_queryset(self):
        # The parent is the area whose path is this one's less its last step: one
        # subquery on the path index, not a query per area.
        parent = Area.objects.filter(
            path=Substr(OuterRef("path"), 1, Length(OuterRef("path")) - Area.steplen)
        )
        return visibility.visible_areas(self.request.user).annotate(
            parent_id=Subquery(parent.values("pk")[:1])
        )


class InitiativeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Every signed-in person reads the initiatives they may see (improvement.visibility:
    a private area's only its members, reviewers and administrators); changes are checked
    by role."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = InitiativeFilter
    serializer_class = InitiativeSerializer

    def get_queryset(self):
        return initiatives_for_reading(self.request.user)

    def get_throttles(self):
        # Submitting ideas is limited per user (RATE_LIMITS["ideas"]); reading is not.
        self.throttle_scope = "ideas" if self.action == "create" else None
        return super().get_throttles()

    def get_serializer_class(self):
        if self.action == "create":
            return InitiativeCreateSerializer
        if self.action == "partial_update":
            return InitiativeUpdateSerializer
        return super().get_serializer_class()

    def _read(self, pk: int, status_code=status.HTTP_200_OK) -> Response:
        initiative = self.get_queryset().get(pk=pk)
        return Response(InitiativeSerializer(initiative).data, status=status_code)

    @extend_schema(
        request=InitiativeCreateSerializer,
        responses={201: InitiativeSerializer, 200: InitiativeSerializer},
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        initiative, created = services.submit_idea(actor=request.user, **serializer.validated_data)
        # The same idea sent again (a retry after a timeout): the first one, not a second.
        return self._read(initiative.pk, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=InitiativeUpdateSerializer, responses={200: InitiativeSerializer})
    def partial_update(self, request, pk=None):
        initiative = self.get_object()
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object of fields.")]})
        serializer = InitiativeUpdateSerializer(initiative, data=request.data, partial=True)
        # A field nobody edits here first (400), then the role (403), then the values (400):
        # a caller learns what they may not edit before whether a value is valid.
        serializer.refuse_unknown_fields(request.data)
        editable = set(InitiativeUpdateSerializer.Meta.fields) - {"reason"}
        refused = services.refused_fields(
            actor=request.user, initiative=initiative, fields=set(request.data) & editable
        )
        if refused:
            raise PermissionDenied(_("You may not edit: %(join)s.") % {"join": ", ".join(refused)})
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        reason = changes.pop("reason", "")
        services.update_initiative(
            initiative=initiative, actor=request.user, changes=changes, reason=reason
        )
        return self._read(initiative.pk)

    @extend_schema(responses=MoveOptionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def moves(self, request, pk=None):
        initiative = self.get_object()
        options = workflow.options(initiative=initiative, user=request.user)
        return Response(MoveOptionSerializer(options, many=True).data)

    @extend_schema(
        request=TransitionSerializer,
        responses={
            200: InitiativeSerializer,
            409: MoveRefusedSerializer,
        },
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def transition(self, request, pk=None):
        initiative = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        workflow.move(initiative=initiative, actor=request.user, **serializer.validated_data)
        return self._read(initiative.pk)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        initiative = self.get_object()
        rows = initiative.history.select_related("actor").order_by("at", "id")
        return Response(HistorySerializer(rows, many=True).data)


class BacklogView(ListAPIView):
    """The ranked backlog: `order=matrix` (default) or `order=roi`."""

    serializer_class = BacklogItemSerializer
    filter_backends = []

    @extend_schema(
        parameters=[
            OpenApiParameter("order", str, enum=["matrix", "roi"], default="matrix"),
            AREA_PARAMETER,
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        order = self.request.query_params.get("order", "matrix")
        if order not in ("matrix", "roi"):
            raise ValidationError({"order": [_("Use order=matrix or order=roi.")]})
        area = area_param(self.request.query_params, self.request.user)
        return visibility.narrowed(Initiative.objects.all(), self.request.user, area, "").backlog(
            order
        )


class MatrixView(APIView):
    """The backlog on the impact–effort grid: count and ranked items per quadrant."""

    @extend_schema(
        parameters=[AREA_PARAMETER],
        responses=inline_serializer(
            "Matrix",
            {
                "quadrants": serializers.DictField(
                    child=inline_serializer(
                        "Quadrant",
                        {
                            "count": serializers.IntegerField(),
                            "items": BacklogItemSerializer(many=True),
                        },
                    )
                )
            },
        ),
    )
    def get(self, request):
        quadrants = {code: [] for code in Quadrant.values}
        # The serializer's fields as plain rows: every one is a number or a string the
        # database computes, so each row is already what BacklogItemSerializer would give
        # (a test holds them equal), without a model instance per backlog row.
        fields = BacklogItemSerializer.Meta.fields
        area = area_param(request.query_params, request.user)
        initiatives = visibility.narrowed(Initiative.objects.all(), request.user, area, "")
        for item in initiatives.backlog().values(*fields):
            if item["quadrant"] in quadrants:
                quadrants[item["quadrant"]].append(item)
        return Response(
            {
                "quadrants": {
                    code: {"count": len(items), "items": items} for code, items in quadrants.items()
                }
            }
        )
