"""REST endpoints for action items: thin views over actions.services.

`GET/POST /api/initiatives/{id}/actions/`, `GET /api/actions/` (filters `assignee=me`,
`overdue=true`, `status=`), `GET/PATCH /api/actions/{id}/`. Everyone signed in may read
(as they may read every initiative); writes are checked by role: 403 before any value
is looked at, then 400 for a value the rules refuse."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from actions import roles, services
from actions.filters import ActionFilter
from actions.models import ActionItem
from actions.serializers import (
    ActionCreateSerializer,
    ActionItemSerializer,
    ActionUpdateSerializer,
)
from improvement import visibility
from improvement.models import Initiative
from metrics.ids import parse_id

STATUS_ONLY = frozenset({"status"})


class InitiativeActionsView(generics.ListCreateAPIView):
    """`GET/POST /api/initiatives/{id}/actions/`: the initiative's action items, due date
    first; a new one (owner, team, reviewers) → 201."""

    serializer_class = ActionItemSerializer
    filter_backends = []

    def initiative(self) -> Initiative:
        return get_object_or_404(
            visibility.visible_initiatives(self.request.user).prefetch_related("team"),
            pk=self.kwargs["pk"],
        )

    def get_queryset(self):
        return self.initiative().action_items.order_by("due_on", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionItemSerializer})
    def post(self, request, *args, **kwargs):
        initiative = self.initiative()
        # Role first: a caller learns they may not add actions before whether data is valid.
        if not roles.can_manage(request.user, initiative):
            raise PermissionDenied(
                _("Only the owner, the team or a reviewer can add action items.")
            )
        serializer = ActionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        action = services.create_action(
            initiative=initiative, actor=request.user, **serializer.validated_data
        )
        return Response(ActionItemSerializer(action).data, status=status.HTTP_201_CREATED)


class ActionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """`GET /api/actions/` (`?assignee=me&overdue=true&status=open`), `GET/PATCH
    /api/actions/{id}/`: a PATCH of `status` alone is the assignee's too; `title`,
    `assignee`, `due_on` and `stage` are the owner's, the team's and reviewers'."""

    http_method_names = ["get", "patch", "head", "options"]
    serializer_class = ActionItemSerializer
    filterset_class = ActionFilter
    queryset = ActionItem.objects.order_by("due_on", "id")

    def get_queryset(self):
        return visibility.visible(super().get_queryset(), self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def get_object(self):
        # Digits 0–9 only (metrics.ids): the ORM would read /api/actions/１２/ as 12.
        if parse_id(self.kwargs.get("pk")) is None:
            raise NotFound()
        return super().get_object()

    @extend_schema(request=ActionUpdateSerializer, responses={200: ActionItemSerializer})
    def partial_update(self, request, pk=None):
        action = self.get_object()
        action.initiative = get_object_or_404(
            visibility.visible_initiatives(request.user).prefetch_related("team"),
            pk=action.initiative_id,
        )
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": [_("Send a JSON object of fields.")]})
        serializer = ActionUpdateSerializer(data=request.data, partial=True)
        # A field nobody edits here first (400), then the role (403), then the values (400).
        serializer.refuse_unknown_fields(request.data)
        named = set(request.data)
        initiative = action.initiative
        allowed = (
            roles.can_tick(request.user, action, initiative)
            if named <= STATUS_ONLY
            else roles.can_manage(request.user, initiative)
        )
        if not allowed:
            raise PermissionDenied(_("You may not change this action item."))
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        new_status = changes.pop("status", None)
        with transaction.atomic():
            # Both, or neither: a refused status undoes the other changes.
            if changes:
                services.update_action(action=action, actor=request.user, changes=changes)
            if new_status is not None:
                services.set_status(action=action, actor=request.user, status=new_status)
        return Response(ActionItemSerializer(action, context=self.get_serializer_context()).data)
