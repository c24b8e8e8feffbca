"""The impact–effort matrix: the backlog on a 2×2 grid beside the ranked list."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from improvement import roles, services
from improvement.forms import ScoreForm
from improvement.models import Initiative, Quadrant

SCORES = range(1, 6)
CHIPS_PER_CELL = 8  # ideas drawn in one grid cell; the rest are counted
RANKED_PER_PAGE = 50


def matrix(request):
    order = request.GET.get("order", "matrix")
    if order not in ("matrix", "roi"):
        order = "matrix"
    # Plain rows, in rank order: the page reads six fields of each idea, so building a
    # model instance per backlog row would be most of its cost.
    ranked = list(
        Initiative.objects.backlog(order).values(
            "pk", "title", "impact", "effort", "quadrant", "risk_adjusted_roi"
        )
    )
    high = settings.QUADRANT_THRESHOLD
    # A 5×5 grid: rows impact 5 → 1, columns effort 1 → 5; every idea in its cell.
    # The page stays the same size however long the backlog grows.
    cells = {(i, e): [] for i in SCORES for e in SCORES}
    counts = dict.fromkeys(Quadrant.values, 0)
    for item in ranked:
        if (item["impact"], item["effort"]) in cells:
            cells[item["impact"], item["effort"]].append(item)
        if item["quadrant"]:
            counts[item["quadrant"]] += 1
    grid = [
        [
            {
                "impact": impact,
                "effort": effort,
                "items": cells[impact, effort][:CHIPS_PER_CELL],
                "more": max(0, len(cells[impact, effort]) - CHIPS_PER_CELL),
                "quadrant": _quadrant(impact, effort, high),
            }
            for effort in SCORES
        ]
        for impact in reversed(SCORES)
    ]
    context = {
        "grid": grid,
        "ranked": Paginator(ranked, RANKED_PER_PAGE).get_page(request.GET.get("page")),
        "query": f"order={order}",
        "order": order,
        "quadrants": [(Quadrant(code), n) for code, n in counts.items()],
        "threshold": high,
        "can_rescore": roles.is_reviewer(request.user),
        "scores": SCORES,
    }
    return render(request, "improvement/matrix.html", context)


def _quadrant(impact: int, effort: int, high: int) -> str:
    if impact >= high:
        return Quadrant.QUICK_WIN if effort < high else Quadrant.MAJOR_PROJECT
    return Quadrant.FILL_IN if effort < high else Quadrant.AVOID


@require_POST
def rescore(request, pk: int):
    """A reviewer changes impact and effort from the matrix."""
    initiative = get_object_or_404(Initiative, pk=pk)
    form = ScoreForm(request.POST, instance=Initiative.objects.get(pk=pk))
    order = request.POST.get("order", "matrix")
    if form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.update_initiative(initiative=initiative, actor=request.user, changes=changes)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(request, f"Rescored “{initiative.title}”.")
    else:
        messages.error(request, "Impact and effort must each be a score from 1 to 5.")
    order = "roi" if order == "roi" else "matrix"
    return redirect(f"{reverse('improvement:matrix')}?order={order}#item-{pk}")
