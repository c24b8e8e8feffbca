"""Forecast accuracy: how the benefits reviewers estimated at triage compare with the
benefits they validated once quarters closed, per owner and per area.

Definitions (also printed on the report page):

- Only closed quarters count, and only initiatives with an estimated annual benefit.
- estimated = the initiative's estimated annual benefit × its closed quarters ÷ 4: a
  quarter's share of the estimate for every closed quarter it has a ledger row in.
- validated = the sum of the validated benefit over those rows; a row closed without a
  validated benefit counts as 0 (and is counted under "not validated").
- accuracy = validated ÷ estimated (none when nothing was estimated); 1.00 is a perfect
  estimate, below 1 an over-estimate.
- beside them, for reference, the benefit the rollup computed over those rows: proven
  (`computed_benefit`, quarters whose test is significant) and unproven (the rest).

The sums are a GROUP BY in the database; the division by 4 and the ratio are exact
Decimal arithmetic on the few grouped rows.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from metrics.models import QuarterlyResult

CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Accuracy:
    key: int | None
    label: str
    initiatives: int
    quarters: int
    not_validated: int
    estimated: Decimal
    validated: Decimal
    computed: Decimal  # proven
    unproven: Decimal = Decimal("0.00")

    @property
    def ratio(self) -> Decimal | None:
        if not self.estimated:
            return None
        return (self.validated / self.estimated).quantize(CENTS)

    @property
    def difference(self) -> Decimal:
        return self.validated - self.estimated


GROUPINGS = {
    # key → (the grouped column, the columns naming a group)
    "owner": (
        "initiative__owner",
        [
            "initiative__owner__username",
            "initiative__owner__first_name",
            "initiative__owner__last_name",
        ],
    ),
    "area": ("initiative__area", ["initiative__area__name"]),
}


def closed_estimated_rows(rows=None):
    """Closed-quarter ledger rows (of `rows`, the reader's; all without) of initiatives
    that carry an estimate."""
    rows = QuarterlyResult.objects.all() if rows is None else rows
    return rows.closed().filter(initiative__estimated_annual_benefit__isnull=False)


def forecast_accuracy(by: str, *, rows=None) -> list[Accuracy]:
    """One line per owner (or area), ordered by its name; an owner-less group last."""
    column, names = GROUPINGS[by]
    groups = (
        closed_estimated_rows(rows)
        .order_by()
        .values(column, *names)
        .annotate(**_sums())
        .order_by(*names)
    )
    lines = [_line(group, key=group[column], label=_label(by, group, names)) for group in groups]
    return sorted(lines, key=lambda line: line.key is None)


def overall(*, rows=None) -> Accuracy:
    totals = closed_estimated_rows(rows).order_by().aggregate(**_sums())
    return _line(totals, key=None, label=_("All"))


def _sums() -> dict:
    return {
        "initiatives": Count("initiative", distinct=True),
        "quarters": Count("pk"),
        "not_validated": Count("pk", filter=Q(validated_benefit__isnull=True)),
        # Σ over closed rows of the annual estimate: estimate × closed quarters.
        "estimate_sum": Sum("initiative__estimated_annual_benefit"),
        "validated": Sum("validated_benefit"),
        "computed": Sum("computed_benefit"),
        "unproven": Sum("unproven_benefit"),
    }


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENTS)


def _line(group: dict, *, key, label: str) -> Accuracy:
    return Accuracy(
        key=key,
        label=label,
        initiatives=group["initiatives"],
        quarters=group["quarters"],
        not_validated=group["not_validated"],
        estimated=_money(Decimal(group["estimate_sum"] or 0) / 4),
        validated=_money(group["validated"]),
        computed=_money(group["computed"]),
        unproven=_money(group["unproven"]),
    )


def _label(by: str, group: dict, names: list[str]) -> str:
    if by == "area":
        return group["initiative__area__name"]
    username, first, last = (group[n] for n in names)
    if username is None:
        return "No owner"
    full = f"{first} {last}".strip()
    return f"{full} ({username})" if full else username
