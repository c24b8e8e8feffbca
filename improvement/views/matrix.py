"""The impact–effort matrix: the backlog on a 2×2 grid beside the ranked list."""

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from improvement import roles, services, visibility
from improvement.area_scope import chosen_area
from improvement.forms import ScoreForm
from improvement.models import Initiative
from improvement.selectors import SCORES, backlog_matrix
from metrics.ids import parse_id

RANKED_PER_PAGE = 50


def matrix(request):
    """The backlog on the grid; `?campaign=<id>`: only the ideas of that campaign;
    `?area=<id>`: only those of that area's subtree. Of the ideas the person may see."""
    order = request.GET.get("order", "matrix")
    if order not in ("matrix", "roi"):
        order = "matrix"
    campaign = _campaign(request.GET.get("campaign"))
    area, area_form = chosen_area(request)
    data = backlog_matrix(
        order=order,
        campaign_id=campaign.pk if campaign else None,
        initiatives=visibility.narrowed(Initiative.objects.all(), request.user, area, ""),
    )
    context = {
        "grid": data.grid,
        "ranked": Paginator(data.ranked, RANKED_PER_PAGE).get_page(request.GET.get("page")),
        "query": _query(order, campaign, area),
        "order": order,
        "campaign": campaign,
        "area": area,
        "area_form": area_form,
        # What the area chooser keeps of the page's parameters.
        "keep": {"order": order, **({"campaign": campaign.pk} if campaign else {})},
        "quadrants": data.quadrants,
        "threshold": data.threshold,
        "can_rescore": roles.is_reviewer(request.user),
        "scores": SCORES,
    }
    return render(request, "improvement/matrix.html", context)


def _campaign(value: str | None):
    """The campaign `?campaign=` names, or None without one: 400 for a value that is no
    id, 404 for an id that is no campaign. (Its model is read through the foreign key:
    improvement does not import the campaigns app built on it.)"""
    if value is None:
        return None
    pk = parse_id(value)
    if pk is None:
        raise BadRequest(_("campaign: give the id of a campaign, a whole number."))
    campaign_model = Initiative._meta.get_field("campaign").related_model
    campaign = campaign_model.objects.filter(pk=pk).only("pk", "title").first()
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign


def _query(order: str, campaign, area=None) -> str:
    """The page's query string without the page: its links keep the order, campaign and
    area."""
    query = QueryDict(mutable=True)
    query["order"] = order
    if campaign is not None:
        query["campaign"] = campaign.pk
    if area is not None:
        query["area"] = area.pk
    return query.urlencode()


@require_POST
def rescore(request, pk: int):
    """A reviewer changes impact and effort from the matrix."""
    initiative = get_object_or_404(visibility.visible_initiatives(request.user), pk=pk)
    form = ScoreForm(request.POST, instance=Initiative.objects.get(pk=pk))
    order = request.POST.get("order", "matrix")
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_initiative(initiative=initiative, actor=request.user, changes=changes)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, _("Rescored “%(title)s”.") % {"title": initiative.title})
    else:
        messages.error(request, _("Impact and effort must each be a score from 1 to 5."))
    order = "roi" if order == "roi" else "matrix"
    # Back to the matrix as it was shown: of one campaign when it was (its id as sent
    # only if it is one: it goes into the URL).
    campaign_id = parse_id(request.POST.get("campaign", ""))
    campaign = f"&campaign={campaign_id}" if campaign_id is not None else ""
    return redirect(f"{reverse('improvement:matrix')}?order={order}{campaign}#item-{pk}")
