"""What the A3 / charter page shows, read in a fixed number of queries: the
initiative, its targets with their results and charts (metrics.selectors, as the
initiative page reads them), the root-cause analysis drawn as SVG, and the action
items (the `actions` app's, through the reverse relation `initiative.action_items`).

One sheet, two papers: A3 landscape (the default) and A4 portrait (`?size=a4`); the
print stylesheet (static/css/a3.css) and the @page rule of the chosen paper do the rest.
"""

from dataclasses import dataclass, field

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy

from improvement import visibility
from improvement.models import Initiative
from metrics import selectors as metric_selectors
from metrics.periods import day_start
from metrics.run_chart import run_chart
from problem_solving import drawing
from problem_solving.forms import SizeForm
from problem_solving.selectors import Analysis, analysis_for

SIZES = {"a3": gettext_lazy("A3 landscape"), "a4": gettext_lazy("A4 portrait")}


@dataclass
class Sheet:
    initiative: Initiative
    size: str
    targets: list
    primary: object | None
    baseline_chart: object | None
    analysis: Analysis
    fishbone: drawing.Fishbone | None
    chains: list = field(default_factory=list)  # (FiveWhy, drawing.Chain)
    actions: list | None = None  # None: the actions app is not there

    def context(self, *, pdf: bool = False) -> dict:
        return {
            "initiative": self.initiative,
            "size": self.size,
            "size_label": SIZES[self.size],
            "sizes": SIZES,
            "targets": self.targets,
            "primary": self.primary,
            "baseline_chart": self.baseline_chart,
            "baseline_chart_id": {"pk": f"{self.primary.pk}-baseline"} if self.primary else None,
            "analysis": self.analysis,
            "fishbone": self.fishbone,
            "chains": self.chains,
            "actions": self.actions,
            "pdf": pdf,
        }


def visible_initiative(*, pk: int, user) -> Initiative:
    """The initiative if this user may see it (improvement.visibility), else 404; the A3
    shows no more than the initiative page does."""
    queryset = (
        visibility.visible_initiatives(user)
        .select_related("area", "owner", "sponsor", "submitted_by")
        .prefetch_related("team")
    )
    return get_object_or_404(queryset, pk=pk)


def build(*, pk: int, user, size: str | None) -> Sheet:
    form = SizeForm({"size": size or "a3"})
    size = form.cleaned_data["size"] if form.is_valid() and form.cleaned_data["size"] else "a3"
    initiative = visible_initiative(pk=pk, user=user)
    targets = metric_selectors.targets_for_page(initiative=initiative)
    primary = next((t for t in targets if t.is_primary), targets[0] if targets else None)
    analysis = analysis_for(initiative=initiative)
    fishbone = (
        drawing.fishbone(effect=initiative.title, causes=analysis.causes)
        if analysis.causes
        else None
    )
    chains = [
        (chain, drawing.why_chain(problem=chain.problem, steps=chain.whys))
        for chain in analysis.chains
    ]
    return Sheet(
        initiative=initiative,
        size=size,
        targets=targets,
        primary=primary,
        baseline_chart=_baseline_chart(initiative, primary),
        analysis=analysis,
        fishbone=fishbone,
        chains=chains,
        actions=_actions(initiative),
    )


def _baseline_chart(initiative: Initiative, target):
    """The current state: the primary target's points before the change (all of them
    while the change is not in), with the baseline and the target lines."""
    if target is None:
        return None
    points = target.series
    if initiative.implemented_on is not None:
        change = day_start(initiative.implemented_on)
        points = [p for p in points if p[0] < change]
    return run_chart(
        points,
        baseline=target.baseline_value,
        target=target.target_value,
        control=None,
        implemented_on=None,
        unit=target.metric.unit,
    )


def _actions(initiative: Initiative) -> list | None:
    """The countermeasures: the initiative's action items, by due date (one query);
    None where the actions app is not installed."""
    if not hasattr(initiative, "action_items"):
        return None
    return list(initiative.action_items.select_related("assignee").order_by("due_on", "id"))
