"""The action items' FilterSet, for /api/actions/."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from actions.models import ActionItem, ActionStatus
from metrics.ids import parse_id

ME = "me"


class AssigneeField(forms.CharField):
    """`me` or a user id (digits 0–9 only, metrics.ids)."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None) or value == ME:
            return value
        pk = parse_id(value)
        if pk is None:
            raise forms.ValidationError(_("Give “me” or a user id, a whole number such as 42."))
        return pk


class YesNoField(forms.CharField):
    """`true` or `false` (also 1 and 0); anything else is refused rather than ignored."""

    WORDS = {"true": True, "1": True, "false": False, "0": False}

    def clean(self, value):
        value = super().clean(value)
        if value in ("", None):
            return None
        try:
            return self.WORDS[value.lower()]
        except KeyError:
            raise forms.ValidationError(_("Give true or false.")) from None


@extend_schema_field(OpenApiTypes.BOOL)
class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField

    def filter(self, qs, value):
        if value in ("", None):
            return qs
        if value == ME:
            return qs.filter(assignee=self.parent.request.user)
        return qs.filter(assignee_id=value)


class ActionFilter(django_filters.FilterSet):
    assignee = AssigneeFilter(help_text=gettext_lazy("`me`, or a user id."))
    overdue = YesNoFilter(
        method="filter_overdue",
        help_text=gettext_lazy("true: open and due before today; false: everything else."),
    )
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)

    class Meta:
        model = ActionItem
        fields = ["assignee", "overdue", "status"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status=ActionStatus.OPEN, due_on__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
