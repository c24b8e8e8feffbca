"""Reading numbers for pages: what the web views need from `metrics`, in a fixed number
of queries however many targets, results or measurements there are."""

import functools
import operator
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery, Sum, Window
from django.db.models.functions import RowNumber

from metrics.models import Measurement, QuarterlyResult, ResultSnapshot, ResultStatus, Target
from metrics.results.samples import DEAD_STAGES
from metrics.run_chart import run_chart

CHART_POINTS = 200  # the most recent points drawn per target


def targets_for_page(*, initiative) -> list[Target]:
    """The initiative's targets, each with `latest` (its newest result or None), `series`
    (its last CHART_POINTS (observed_at, value, sample size or None) points, oldest
    first) and `chart`: three queries however many targets, results or measurements."""
    targets = list(
        Target.objects.filter(initiative=initiative)
        .select_related("metric", "frozen_by")
        .order_by("-is_primary", "id")
    )
    # Each target's newest result: one probe of the (target, as_of) unique index per target.
    newest = ResultSnapshot.objects.filter(target=OuterRef("pk")).order_by("-as_of")
    newest_ids = (
        Target.objects.filter(initiative=initiative)
        .annotate(latest_id=Subquery(newest.values("pk")[:1]))
        .values("latest_id")
    )
    latest = {r.target_id: r for r in ResultSnapshot.objects.filter(pk__in=newest_ids)}
    # Each target's newest points, as plain rows: only the chart reads them (the sample
    # sizes for a p-chart's stepped limits, each point's own).
    recent = (
        Measurement.objects.filter(target__initiative=initiative)
        .annotate(
            newest=Window(RowNumber(), partition_by="target_id", order_by=F("observed_at").desc())
        )
        .filter(newest__lte=CHART_POINTS)
        .order_by("target_id", "observed_at")
        .values_list("target_id", "observed_at", "value", "sample_size")
    )
    series = {target.pk: [] for target in targets}
    for target_id, *point in recent:
        series[target_id].append(tuple(point))
    for target in targets:
        target.latest = latest.get(target.pk)
        target.series = series[target.pk]
        target.chart = run_chart(
            target.series,
            baseline=target.baseline_value,
            target=target.target_value,
            control=target.latest.control if target.latest else None,
            implemented_on=initiative.implemented_on,
            unit=target.metric.unit,
        )
    return targets


def results_needing_attention(limit: int = 10, *, targets=None):
    """The newest results of live initiatives' primary targets that are regressed or at
    risk, regressed first: found by the targets' latest_status (a partial index), then
    each target's newest result by an index probe on (target, as_of). `targets`: the
    targets to look at (those the reader may see, improvement.visibility); all without."""
    newest = ResultSnapshot.objects.filter(target=OuterRef("pk")).order_by("-as_of")
    targets = Target.objects.all() if targets is None else targets
    latest_ids = (
        targets.filter(
            is_primary=True, latest_status__in=[ResultStatus.REGRESSED, ResultStatus.AT_RISK]
        )
        .exclude(initiative__stage__in=DEAD_STAGES)
        .order_by("-latest_status", "-pk")  # regressed before at_risk, newest targets first
        .annotate(latest_id=Subquery(newest.values("pk")[:1]))
        .values("latest_id")[:limit]
    )
    return (
        ResultSnapshot.objects.filter(pk__in=latest_ids)
        .select_related("target__initiative", "target__metric")
        .order_by("-status", "-target_id")
    )


def quarter_benefits(*, quarters: list[tuple[int, int]], rows=None) -> dict[tuple[int, int], dict]:
    """Proven (computed), unproven and validated benefit per quarter, summed in the
    database (one query) over `rows`: the ledger rows the reader may see, of the chosen
    area's subtree (improvement.visibility.narrowed); all without."""
    sums = {}
    for year, quarter in quarters:
        in_quarter = Q(year=year, quarter=quarter)
        sums[f"computed_{year}_{quarter}"] = Sum("computed_benefit", filter=in_quarter)
        sums[f"unproven_{year}_{quarter}"] = Sum("unproven_benefit", filter=in_quarter)
        sums[f"validated_{year}_{quarter}"] = Sum("validated_benefit", filter=in_quarter)
    rows = QuarterlyResult.objects.all() if rows is None else rows
    totals = rows.aggregate(**sums)
    return {
        (year, quarter): {
            "computed": totals[f"computed_{year}_{quarter}"] or Decimal("0"),
            "unproven": totals[f"unproven_{year}_{quarter}"] or Decimal("0"),
            "validated": totals[f"validated_{year}_{quarter}"],
        }
        for year, quarter in quarters
    }


def benefit_by_quarter(*, quarters: list[tuple[int, int]], rows=None) -> list[dict]:
    """Each of `quarters`' proven (computed), unproven and validated benefit, in the order
    given: one GROUP BY query, each quarter found by ledger_quarter_idx. A quarter without
    rows has 0 proven and unproven; `validated` is None until a reviewer validated a row.
    `rows`: as for quarter_benefits."""
    rows = QuarterlyResult.objects.all() if rows is None else rows
    in_quarters = functools.reduce(operator.or_, (Q(year=y, quarter=q) for y, q in quarters))
    sums = {
        (row["year"], row["quarter"]): row
        for row in rows.filter(in_quarters)
        .values("year", "quarter")
        .annotate(
            computed=Sum("computed_benefit"),
            unproven=Sum("unproven_benefit"),
            validated=Sum("validated_benefit"),
        )
        .order_by()  # not Meta.ordering: its initiative_id would split the groups
    }
    figures = []
    for year, quarter in quarters:
        row = sums.get((year, quarter), {})
        figures.append(
            {
                "year": year,
                "quarter": quarter,
                "computed": row.get("computed") or Decimal("0"),
                "unproven": row.get("unproven") or Decimal("0"),
                "validated": row.get("validated"),
            }
        )
    return figures
