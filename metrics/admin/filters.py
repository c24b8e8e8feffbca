"""The review desk's list filters (metrics.admin.desk)."""

from django.contrib import admin


class YesNoFilter(admin.SimpleListFilter):
    """A yes/no filter on one boolean condition of the row."""

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(**self.condition(self.value() == "yes"))
        return queryset


class ReviewedFilter(YesNoFilter):
    title = "reviewed"
    parameter_name = "reviewed"

    def condition(self, yes):
        return {"reviewed_at__isnull": not yes}


class ClosedFilter(YesNoFilter):
    title = "quarter closed"
    parameter_name = "closed"

    def condition(self, yes):
        return {"closed": yes}  # annotated by QuarterlyResultAdmin.get_queryset


class DoubleCountedFilter(YesNoFilter):
    title = "double counted"
    parameter_name = "double_counted"

    def condition(self, yes):
        return {"double_counted": yes}


class QuarterFilter(admin.SimpleListFilter):
    title = "quarter"
    parameter_name = "quarter"

    def lookups(self, request, model_admin):
        return [(str(q), f"Q{q}") for q in range(1, 5)]

    def queryset(self, request, queryset):
        if self.value() in {"1", "2", "3", "4"}:
            return queryset.filter(quarter=int(self.value()))
        return queryset
