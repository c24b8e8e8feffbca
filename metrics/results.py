"""Realized results, computed from data: `compute_results()` for every eligible target
(or one initiative's), as of a date.

Set-based: one aggregate query gives every target's before/after count, mean and
variance; Welch's t-test runs vectorised over all of them; the control-chart series are
streamed only for targets whose initiative is in control, act or completed; the rows are
bulk-upserted, one per target and as-of date, so recomputing is idempotent.

"Before" is the baseline window when the target has one, else everything before the
change date (`implemented_on`); "after" is from the change date to the end of the
as-of date. Dates are local days (settings.TIME_ZONE).
"""

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings
from django.db.models import Avg, Count, F, Q, Variance
from django.utils import timezone

from improvement.models import Stage
from metrics import stats
from metrics.gates import day_start
from metrics.models import ChartKind, Measurement, ResultSnapshot, ResultStatus, Target

ALPHA = 0.05
# Targets whose initiative has gone live and is still alive.
DEAD_STAGES = (Stage.SUBMITTED, Stage.BACKLOG, Stage.REJECTED, Stage.CANCELLED)
CONTROL_STAGES = (Stage.CONTROL, Stage.ACT, Stage.COMPLETED)
# Money columns hold 16 digits with 2 decimals.
MAX_MONEY = Decimal("1e13")

FIGURE_FIELDS = [
    "n_before",
    "n_after",
    "baseline_mean",
    "current_mean",
    "improvement",
    "improvement_pct",
    "progress_pct",
    "welch_t",
    "welch_df",
    "p_value",
    "significant",
    "status",
    "realized_annual_benefit",
    "control",
    "computed_at",
]


def eligible_targets(initiative_id: int | None = None):
    targets = Target.objects.filter(initiative__implemented_on__isnull=False).exclude(
        initiative__stage__in=DEAD_STAGES
    )
    if initiative_id is not None:
        targets = targets.filter(initiative_id=initiative_id)
    return targets


def before_filter(prefix: str = "measurements__") -> Q:
    """A measurement in its target's "before" sample."""
    has_window = Q(baseline_start__isnull=False, baseline_end__isnull=False)
    in_window = Q(
        **{
            f"{prefix}observed_at__date__gte": F("baseline_start"),
            f"{prefix}observed_at__date__lte": F("baseline_end"),
        }
    )
    before_change = Q(**{f"{prefix}observed_at__date__lt": F("initiative__implemented_on")})
    return (has_window & in_window) | (~has_window & before_change)


def sample_stats(targets, *, after: Q, prefix: str = "measurements__"):
    """One query: per target, count/mean/variance of the before and the `after` samples,
    with what the figures need from the target, its metric and its initiative."""
    before = before_filter(prefix)
    value = f"{prefix}value"
    return (
        targets.order_by()
        .values(
            "pk",
            "initiative_id",
            "baseline_value",
            "target_value",
            "value_per_unit",
            "metric__direction",
            "metric__chart_kind",
            "initiative__stage",
            "initiative__implemented_on",
        )
        .annotate(
            n_before=Count(value, filter=before),
            mean_before=Avg(value, filter=before),
            var_before=Variance(value, filter=before, sample=True),
            n_after=Count(value, filter=after),
            mean_after=Avg(value, filter=after),
            var_after=Variance(value, filter=after, sample=True),
        )
    )


def finite(x) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass
class Figures:
    """The comparison of a target's after sample with its frozen baseline."""

    baseline_mean: float | None
    current_mean: float | None
    improvement: float | None
    improvement_pct: float | None
    progress_pct: float | None
    welch_t: float | None
    welch_df: float | None
    p_value: float | None
    significant: bool | None
    status: str
    realized_annual_benefit: Decimal | None


def figures(row: dict, *, t: float, df: float, p: float) -> Figures:
    """Figures for one aggregate row (see `sample_stats`) and its Welch test.

    Status: `no_data` without an after sample or a baseline; `regressed` when worse and
    significant; `achieved` when the target is reached, `improving` when better — each
    only if significant where the test can run (≥ 2 points each side); else `at_risk`."""
    baseline, current = row["baseline_value"], row["mean_after"]
    t, df, p = finite(t), finite(df), finite(p)
    significant = None if p is None else p < ALPHA
    test = {"welch_t": t, "welch_df": df, "p_value": p, "significant": significant}
    if baseline is None or current is None or row["n_after"] == 0:
        return Figures(
            baseline_mean=baseline,
            current_mean=finite(current),
            improvement=None,
            improvement_pct=None,
            progress_pct=None,
            status=ResultStatus.NO_DATA,
            realized_annual_benefit=None,
            **test,
        )

    sign = -1.0 if row["metric__direction"] == "lower_is_better" else 1.0
    improvement = finite((current - baseline) * sign)
    improvement_pct = finite(improvement / abs(baseline) * 100) if baseline else None
    target = row["target_value"]
    progress_pct = None
    if target is not None and target != baseline:
        progress_pct = finite((current - baseline) / (target - baseline) * 100)

    proven = significant is not False
    if improvement is not None and improvement < 0 and significant:
        status = ResultStatus.REGRESSED
    elif progress_pct is not None and progress_pct >= 100 and proven:
        status = ResultStatus.ACHIEVED
    elif improvement is not None and improvement > 0 and proven:
        status = ResultStatus.IMPROVING
    else:
        status = ResultStatus.AT_RISK
    return Figures(
        baseline_mean=baseline,
        current_mean=current,
        improvement=improvement,
        improvement_pct=improvement_pct,
        progress_pct=progress_pct,
        status=status,
        realized_annual_benefit=annual_benefit(improvement, row["value_per_unit"]),
        **test,
    )


def annual_benefit(improvement: float | None, value_per_unit: Decimal | None) -> Decimal | None:
    if improvement is None or value_per_unit is None:
        return None
    benefit = (Decimal(repr(improvement)) * value_per_unit).quantize(Decimal("0.01"))
    return benefit if abs(benefit) < MAX_MONEY else None


def welch_for(rows: list[dict]):
    """Welch's t-test for every row at once: arrays (t, df, p), NaN where undefined."""
    column = lambda key: np.array([np.nan if r[key] is None else r[key] for r in rows], float)  # noqa: E731
    return stats.welch_many(
        n_before=column("n_before"),
        mean_before=column("mean_before"),
        var_before=column("var_before"),
        n_after=column("n_after"),
        mean_after=column("mean_after"),
        var_after=column("var_after"),
    )


# --- control charts ----------------------------------------------------------------------


def control_series(target_ids, *, until: dt.datetime) -> Iterable[tuple[int, list]]:
    """Stream (target_id, [(observed_at, value, sample_size), …]) of post-change points,
    target by target, without loading every measurement at once."""
    points = (
        Measurement.objects.filter(
            target_id__in=target_ids,
            observed_at__date__gte=F("target__initiative__implemented_on"),
            observed_at__lt=until,
        )
        .order_by("target_id", "observed_at")
        .values_list("target_id", "observed_at", "value", "sample_size")
        .iterator(chunk_size=5000)
    )
    for target_id, group in itertools.groupby(points, key=lambda p: p[0]):
        yield target_id, [p[1:] for p in group]


def control_chart(points: list, *, chart_kind: str, limit_points: int) -> dict | None:
    """Limits from the first `limit_points` post-change points (all of them, provisional,
    when there are fewer; at least 2), then Western Electric signals on the later points."""
    if len(points) < 2:
        return None
    base = points[:limit_points]
    values = [p[1] for p in points]
    sizes = [p[2] for p in points]
    if chart_kind == ChartKind.PROPORTION and all(sizes) and all(0 <= v <= 1 for v in values):
        limits = stats.p_chart_limits([p[1] for p in base], [p[2] for p in base])
    else:
        limits, sizes = stats.xmr_limits([p[1] for p in base]), None
    if limits is None:
        return None
    signals = stats.series_signals(values, limits=limits, start=len(base), sizes=sizes)
    return {
        "center": limits.center,
        "ucl": limits.ucl,
        "lcl": limits.lcl,
        "mr_bar": limits.mr_bar,
        "sigma": limits.sigma,
        "provisional": len(base) < limit_points,
        "signals": [
            {
                "observed_at": points[s.index][0].isoformat(),
                "value": points[s.index][1],
                "rule": s.rule,
            }
            for s in signals
        ],
    }


# --- the job -----------------------------------------------------------------------------


BATCH = 5000


def compute_results(
    *,
    initiative_id: int | None = None,
    as_of: dt.date | str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> int:
    """Compute and upsert results for every eligible target (or one initiative's) as of
    `as_of` (default today). Returns the number of result rows written.

    `progress(phase, done, total)`, if given, is called as the work advances."""
    progress = progress or (lambda phase, done, total: None)
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    as_of = as_of or timezone.localdate()
    until = day_start(as_of + dt.timedelta(days=1))
    targets = eligible_targets(initiative_id)

    after = Q(
        measurements__observed_at__date__gte=F("initiative__implemented_on"),
        measurements__observed_at__lt=until,
    )
    rows = list(sample_stats(targets, after=after))
    progress("aggregated", len(rows), len(rows))
    if not rows:
        return 0
    t, df, p = welch_for(rows)

    controlled = {r["pk"]: r for r in rows if r["initiative__stage"] in CONTROL_STAGES}
    charts = {}
    if controlled:
        limit_points = settings.CONTROL_LIMIT_POINTS
        for target_id, points in control_series(list(controlled), until=until):
            kind = controlled[target_id]["metric__chart_kind"]
            charts[target_id] = control_chart(points, chart_kind=kind, limit_points=limit_points)
            progress("control charts", len(charts), len(controlled))

    now = timezone.now()
    snapshots = [
        ResultSnapshot(
            target_id=row["pk"],
            as_of=as_of,
            n_before=row["n_before"],
            n_after=row["n_after"],
            control=charts.get(row["pk"]),
            computed_at=now,
            **vars(figures(row, t=t[i], df=df[i], p=p[i])),
        )
        for i, row in enumerate(rows)
    ]
    for start in range(0, len(snapshots), BATCH):
        ResultSnapshot.objects.bulk_create(
            snapshots[start : start + BATCH],
            update_conflicts=True,
            unique_fields=["target", "as_of"],
            update_fields=FIGURE_FIELDS,
        )
        progress("saved", min(start + BATCH, len(snapshots)), len(snapshots))
    return len(snapshots)
