"""Narrowing a page to an area's subtree: `?area=<id>` on the dashboard, the matrix and
the lists. The choice is one of the areas the reader may see (improvement.visibility);
anything else is refused with a 400, the same for an area that does not exist and for
one the reader may not see."""

from django import forms
from django.core.exceptions import BadRequest, ValidationError
from django.utils.translation import gettext_lazy as _

from improvement import visibility
from improvement.models import Area
from metrics.filters import AreaTreeField


class AreaScopeForm(forms.Form):
    area = AreaTreeField(
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("All areas"),
        label=_("Area"),
        help_text=_("An area and everything under it."),
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["area"].queryset = visibility.visible_areas(user)


REFUSED = _("area: choose one of the areas you may see, by its id.")


def chosen_area(request) -> tuple[Area | None, AreaScopeForm]:
    """The area `?area=` names (None for all), and the form that offers the choice (a
    page's); BadRequest (400) for anything else."""
    form = AreaScopeForm(request.GET if request.GET.get("area") else None, user=request.user)
    if not form.is_bound:
        return None, form
    if not form.is_valid():
        raise BadRequest(REFUSED)
    return form.cleaned_data["area"], form


def area_param(query, user) -> Area | None:
    """The same for the API: `?area=` as an area `user` may see, or None;
    ValidationError (400) for anything else."""
    if not query.get("area"):
        return None
    form = AreaScopeForm(query, user=user)
    if not form.is_valid():
        raise ValidationError({"area": [REFUSED]})
    return form.cleaned_data["area"]
