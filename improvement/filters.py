"""One FilterSet per resource, shared by the API and the web list."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, F, FilteredRelation, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy
from django_filters.constants import EMPTY_VALUES

from improvement.models import Initiative, Methodology, Pillar, Quadrant, Stage
from metrics.filters import AreaSubtreeFilter
from metrics.models import ResultStatus

NO_RESULT = "none"  # the result filter's value for "no result yet" (latest_status "")
# Sorting by result puts what needs attention first; no result at all comes last.
RESULT_ORDER = [
    ResultStatus.REGRESSED,
    ResultStatus.AT_RISK,
    ResultStatus.ERROR,
    ResultStatus.INSUFFICIENT_DATA,
    ResultStatus.NO_DATA,
    ResultStatus.IMPROVING,
    ResultStatus.ACHIEVED,
]


def with_result_status(queryset):
    """Annotate `result_status`: the primary target's latest_status, "" when there is no
    primary target or no result yet, and `result_order`, its place in RESULT_ORDER.

    One LEFT JOIN on the primary target, not a query per row: an initiative has at most
    one (the target_one_primary_per_initiative constraint), so no row is repeated."""
    if "result_status" in queryset.query.annotations:
        return queryset
    return queryset.annotate(
        primary_target=FilteredRelation("targets", condition=Q(targets__is_primary=True)),
        result_status=Coalesce(F("primary_target__latest_status"), Value("")),
    ).annotate(
        result_order=Case(
            *(When(result_status=code, then=Value(i)) for i, code in enumerate(RESULT_ORDER)),
            default=Value(len(RESULT_ORDER)),
            output_field=IntegerField(),
        )
    )


class Ordering(django_filters.OrderingFilter):
    """Orders by the chosen fields with empty values (unscored, no ROI) last either way,
    then newest first, so that rows which tie keep one order from page to page."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        ordering = []
        for param in value:
            if param in EMPTY_VALUES:
                continue
            name = self.get_ordering_value(param)
            if name.lstrip("-") == "result_order":
                qs = with_result_status(qs)
            if name.startswith("-"):
                ordering.append(F(name[1:]).desc(nulls_last=True))
            else:
                ordering.append(F(name).asc(nulls_last=True))
        return qs.order_by(*ordering, "-created_at", "-id")


class InitiativeFilter(django_filters.FilterSet):
    """Expects a queryset annotated by `Initiative.objects.with_priority()`; the result
    filter and sort add `with_result_status()` when the queryset does not have it."""

    # Checkboxes on the web page (the API reads the same repeated parameter).
    stage = django_filters.MultipleChoiceFilter(
        choices=Stage.choices, widget=forms.CheckboxSelectMultiple
    )
    result_status = django_filters.MultipleChoiceFilter(
        choices=[
            *((str(code.value), code.lazy_label) for code in RESULT_ORDER),
            (NO_RESULT, gettext_lazy("No result yet")),
        ],
        widget=forms.CheckboxSelectMultiple,
        method="filter_result_status",
        label=gettext_lazy("Result"),
    )
    methodology = django_filters.ChoiceFilter(
        choices=Methodology.choices, empty_label=gettext_lazy("Any")
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(), empty_label=gettext_lazy("Anyone")
    )
    # The area and everything under it; the choices are the areas the caller may see.
    area = AreaSubtreeFilter(initiative="", empty_label=gettext_lazy("Any"))
    pillar = django_filters.ChoiceFilter(choices=Pillar.choices, empty_label=gettext_lazy("Any"))
    quadrant = django_filters.ChoiceFilter(
        choices=Quadrant.choices, empty_label=gettext_lazy("Any")
    )
    search = django_filters.CharFilter(method="filter_search", label=gettext_lazy("Search"))
    ordering = Ordering(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("stage_entered_at", "stage_entered_at"),
            ("title", "title"),
            ("impact", "impact"),
            ("effort", "effort"),
            ("ratio", "ratio"),
            ("risk_adjusted_roi", "risk_adjusted_roi"),
            ("result_order", "result_status"),
        ),
        # What each choice means in words: the ascending label by field name, the
        # descending one by "-" and the parameter.
        field_labels={
            "created_at": gettext_lazy("Oldest first"),
            "-created_at": gettext_lazy("Newest first"),
            "updated_at": gettext_lazy("Least recently changed"),
            "-updated_at": gettext_lazy("Most recently changed"),
            "stage_entered_at": gettext_lazy("Longest in its stage"),
            "-stage_entered_at": gettext_lazy("Newest stage move"),
            "title": gettext_lazy("Title, A to Z"),
            "-title": gettext_lazy("Title, Z to A"),
            "impact": gettext_lazy("Impact, low to high"),
            "-impact": gettext_lazy("Impact, high to low"),
            "effort": gettext_lazy("Effort, low to high"),
            "-effort": gettext_lazy("Effort, high to low"),
            "ratio": gettext_lazy("Impact for the effort, low to high"),
            "-ratio": gettext_lazy("Impact for the effort, high to low"),
            "risk_adjusted_roi": gettext_lazy("Risk-adjusted return, low to high"),
            "-risk_adjusted_roi": gettext_lazy("Risk-adjusted return, high to low"),
            "result_order": gettext_lazy("Result, needs attention first"),
            "-result_status": gettext_lazy("Result, best first"),
        },
        label=gettext_lazy("Order by"),
        empty_label=gettext_lazy("Newest first (default)"),
    )

    class Meta:
        model = Initiative
        fields = ["stage", "methodology", "owner", "area", "pillar", "quadrant"]

    def filter_result_status(self, queryset, name, value):
        codes = ["" if code == NO_RESULT else code for code in value]
        return with_result_status(queryset).filter(result_status__in=codes)

    def filter_search(self, queryset, name, value):
        terms = value.split()
        for term in terms:
            queryset = queryset.filter(
                Q(title__icontains=term)
                | Q(problem_statement__icontains=term)
                | Q(proposed_change__icontains=term)
            )
        return queryset


class UserFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label=gettext_lazy("Search"))

    class Meta:
        model = get_user_model()
        fields = ["search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )
