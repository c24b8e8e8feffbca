"""Reading an initiative's root-cause analysis for the pages: its 5-why chains with
their whys, and its fishbone's causes, in two queries however many there are."""

from dataclasses import dataclass, field

from improvement.models import Initiative
from problem_solving.models import Category, Cause, FiveWhy, WhyStep


@dataclass
class Analysis:
    chains: list[FiveWhy] = field(default_factory=list)  # each with `whys`, in order
    causes: list[Cause] = field(default_factory=list)

    @property
    def bones(self) -> list[tuple[str, str, list[Cause]]]:
        """(code, label, causes) for each of the 6M in order, empty ones included."""
        return [
            (code, label, [c for c in self.causes if c.category == code])
            for code, label in Category.choices
        ]

    @property
    def verified_root_causes(self) -> list[str]:
        """What the root-cause gate accepts from the tools: every verified cause on the
        fishbone and every 5-why root cause marked verified."""
        whys = [w.answer for chain in self.chains for w in chain.whys if w.verified]
        return whys + [c.text for c in self.causes if c.verified]

    @property
    def is_empty(self) -> bool:
        return not self.chains and not self.causes


def analysis_for(*, initiative: Initiative) -> Analysis:
    """The chains and their whys in one query (a LEFT JOIN, so a chain without whys yet
    is there too), the causes in another."""
    rows = (
        FiveWhy.objects.filter(initiative=initiative)
        .order_by("created_at", "id", "steps__position")
        .values(
            "id",
            "problem",
            "created_at",
            "steps__id",
            "steps__position",
            "steps__answer",
            "steps__is_root_cause",
            "steps__verified",
        )
    )
    chains: dict[int, FiveWhy] = {}
    for row in rows:
        chain = chains.get(row["id"])
        if chain is None:
            chain = FiveWhy(
                id=row["id"],
                initiative=initiative,
                problem=row["problem"],
                created_at=row["created_at"],
            )
            chain.whys = []
            chains[chain.pk] = chain
        if row["steps__id"] is not None:
            chain.whys.append(
                WhyStep(
                    id=row["steps__id"],
                    chain=chain,
                    position=row["steps__position"],
                    answer=row["steps__answer"],
                    is_root_cause=row["steps__is_root_cause"],
                    verified=row["steps__verified"],
                )
            )
    causes = list(Cause.objects.filter(initiative=initiative).order_by("created_at", "id"))
    for cause in causes:
        cause.initiative = initiative  # no query to reach it again
    return Analysis(chains=list(chains.values()), causes=causes)
