"""What the impact–effort matrix reads: the ranked backlog, each idea in its grid cell,
and the quadrant counts — one query, for the matrix page and for any page that shows
the matrix of some of the backlog (a campaign's page: `campaign_id`)."""

from dataclasses import dataclass

from django.conf import settings

from improvement.models import Initiative, Quadrant

SCORES = range(1, 6)
CHIPS_PER_CELL = 8  # ideas drawn in one grid cell; the rest are counted


@dataclass
class BacklogMatrix:
    ranked: list[dict]  # pk, title, impact, effort, quadrant, risk_adjusted_roi; rank order
    grid: list[list[dict]]  # rows impact 5 → 1, columns effort 1 → 5
    counts: dict[str, int]  # quadrant → ideas
    threshold: int

    @property
    def quadrants(self) -> list[tuple[Quadrant, int]]:
        return [(Quadrant(code), n) for code, n in self.counts.items()]


def backlog_matrix(
    *, order: str = "matrix", campaign_id: int | None = None, initiatives=None
) -> BacklogMatrix:
    """The backlog (of one campaign's ideas, with `campaign_id`) on the grid, ranked in
    `order` ("matrix" or "roi"). Ranked within what is shown: filtered before the rank.
    `initiatives`: those the reader may see, of the chosen area's subtree
    (improvement.visibility.narrowed); all without."""
    backlog = Initiative.objects.all() if initiatives is None else initiatives
    if campaign_id is not None:
        backlog = backlog.filter(campaign_id=campaign_id)
    # Plain rows, in rank order: the page reads six fields of each idea, so building a
    # model instance per backlog row would be most of its cost.
    ranked = list(
        backlog.backlog(order).values(
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
                "quadrant": quadrant_of(impact, effort, high),
            }
            for effort in SCORES
        ]
        for impact in reversed(SCORES)
    ]
    return BacklogMatrix(ranked=ranked, grid=grid, counts=counts, threshold=high)


def quadrant_of(impact: int, effort: int, high: int) -> str:
    if impact >= high:
        return Quadrant.QUICK_WIN if effort < high else Quadrant.MAJOR_PROJECT
    return Quadrant.FILL_IN if effort < high else Quadrant.AVOID
