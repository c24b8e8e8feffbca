"""The review desk's list filters (metrics.admin.desk)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from improvement import visibility
from metrics.ids import parse_id


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no filter on one boolean condition of the row."""

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**self.condition(self.value() == "yes"))
        return queryset


class ReviewedFilter(YesNoFilter):
    title = gettext_lazy("reviewed")
    parameter_name = "reviewed"

    def condition(self, yes):
        return {"reviewed_at__isnull": not yes}


class ClosedFilter(YesNoFilter):
    title = gettext_lazy("quarter closed")
    parameter_name = "closed"

    def condition(self, yes):
        return {"closed": yes}  # annotated by QuarterlyResultAdmin.get_queryset


class DoubleCountedFilter(YesNoFilter):
    title = gettext_lazy("double counted")
    parameter_name = "double_counted"

    def condition(self, yes):
        return {"double_counted": yes}


class QuarterFilter(admin.SimpleListFilter):
    title = gettext_lazy("quarter")
    parameter_name = "quarter"

    def lookups(self, request, model_admin):
        return [(str(q), f"Q{q}") for q in range(1, 5)]

    def queryset(self, request, queryset):
        if self.value() in {"1", "2", "3", "4"}:
            return queryset.filter(quarter=int(self.value()))
        return queryset


class AreaSubtreeFilter(admin.SimpleListFilter):
    """An area and every area under it, so the desk's totals roll up a site's
    departments and lines. The choices are the areas the reader may see, indented as
    the tree; `?area=` takes an area's id."""

    title = gettext_lazy("area")
    parameter_name = "area"

    def lookups(self, request, model_admin):
        return [(str(area.pk), area.label) for area in visibility.visible_areas(request.user)]

    def queryset(self, request, queryset):
        pk = parse_id(self.value() or "")
        if pk is None:
            return queryset
        area = visibility.visible_areas(request.user).filter(pk=pk).first()
        if area is None:
            return queryset.none()
        return visibility.in_subtree(queryset, area)
