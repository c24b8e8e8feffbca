"""Admin changelists that answer odd input with a 400 instead of a 500.

The pages' own forms refuse what the database cannot take (a form field refuses a NUL
character: PostgreSQL refuses it in text). A changelist reads more of the query string
than its search form: list-filter values and the date hierarchy go to the query as
they come, and the selected rows of an action are taken for ids. So a NUL in a filter
value (PostgreSQL: "text fields cannot contain NUL"), a year the calendar cannot hold
(`?created_at__year=99999999999`: OverflowError in Django's date hierarchy) or an id
that is no number (`_selected_action=abc`) ended in a 500. This mixin checks them first.
"""

import datetime as dt

from django.core.exceptions import BadRequest, ValidationError
from django.http import QueryDict

NUL = "\x00"
DATE_PARTS = ("year", "month", "day")


def has_nul(data: QueryDict) -> bool:
    """Whether any key or value of a query string or form body holds a NUL character."""
    return any(NUL in key or any(NUL in value for value in values) for key, values in data.lists())


class RefuseOddInputMixin:
    """For a ModelAdmin: refuse (400) what its changelist and autocomplete cannot take."""

    def changelist_view(self, request, extra_context=None):
        problem = self.odd_input(request)
        if problem:
            raise BadRequest(problem)
        return super().changelist_view(request, extra_context)

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete's ?term= comes here without a form (the changelist's ?q= has one).
        if NUL in search_term:
            raise BadRequest("The search holds a NUL character.")
        return super().get_search_results(request, queryset, search_term)

    def odd_input(self, request) -> str | None:
        """What is wrong with this changelist request, or None."""
        if has_nul(request.GET) or has_nul(request.POST):
            return "The request holds a NUL character."
        if self.date_hierarchy and not self._date_hierarchy_ok(request.GET):
            return "That date is not on the calendar."
        for value in request.POST.getlist("_selected_action"):
            try:
                self.model._meta.pk.to_python(value)
            except ValidationError:
                return f"“{value}” is not the id of a row."
        return None

    def _date_hierarchy_ok(self, query: QueryDict) -> bool:
        """Whether the date hierarchy's year, month and day make a date whose period (the
        day, month or year Django filters on) lies inside the calendar."""
        year, month, day = (query.get(f"{self.date_hierarchy}__{part}") for part in DATE_PARTS)
        if year is None:
            return True  # Django ignores a month or day without a year
        try:
            start = dt.datetime(int(year), int(month or 1), int(day or 1))
            # One day on each side too: time zones move these instants by up to a day.
            start - dt.timedelta(days=1)
            start.replace(year=start.year + 1) + dt.timedelta(days=1)
        except (ValueError, OverflowError):
            return False
        return True
