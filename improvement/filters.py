"""One FilterSet per resource, shared by the API and the web list."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from improvement.models import Area, Initiative, Methodology, Pillar, Quadrant, Stage


class InitiativeFilter(django_filters.FilterSet):
    """Expects a queryset annotated by `Initiative.objects.with_priority()`."""

    stage = django_filters.MultipleChoiceFilter(choices=Stage.choices)
    methodology = django_filters.ChoiceFilter(choices=Methodology.choices)
    owner = django_filters.ModelChoiceFilter(queryset=get_user_model().objects.all())
    area = django_filters.ModelChoiceFilter(queryset=Area.objects.all())
    pillar = django_filters.ChoiceFilter(choices=Pillar.choices)
    quadrant = django_filters.ChoiceFilter(choices=Quadrant.choices)
    search = django_filters.CharFilter(method="filter_search", label="Search")
    ordering = django_filters.OrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("stage_entered_at", "stage_entered_at"),
            ("title", "title"),
            ("impact", "impact"),
            ("effort", "effort"),
            ("ratio", "ratio"),
            ("risk_adjusted_roi", "risk_adjusted_roi"),
        )
    )

    class Meta:
        model = Initiative
        fields = ["stage", "methodology", "owner", "area", "pillar", "quadrant"]

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
    search = django_filters.CharFilter(method="filter_search", label="Search")

    class Meta:
        model = get_user_model()
        fields = ["search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )
