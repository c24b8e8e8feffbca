"""The dashboard's charts, drawn on the server as SVG like metrics/run_chart.py: no chart
library, no JavaScript, nothing the Content Security Policy refuses.

- `benefit_chart()`: the benefit booked in each of the last quarters, proven (computed
  in quarters whose change is significant), unproven and validated side by side.
- `pipeline_chart()`: how many initiatives are in each stage, as horizontal bars.

Both are 640 viewBox units wide, as the run chart is, so the stylesheet's `.chart text`
sizes keep their text at 11 px or more at any screen width (static/css/app.css); their
margins leave room for the largest of those sizes (TEXT). The templates are
`improvement/partials/dashboard_charts.html`; each chart's figures are also given as a
table there, for screen readers and anyone who wants the numbers.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from metrics.periods import previous_quarter, quarter_of
from metrics.run_chart import _scale  # the run chart's y axis: round steps, labels as 12.5k

WIDTH = 640
TEXT = 23  # the largest `.chart text` size (viewBox units), on a phone
CHAR = 0.6 * TEXT  # a generous width of one character at that size
QUARTERS = 6  # how many quarters the benefit chart shows, this one and the five before

# The bars' colours as SVG presentation attributes: the CSP refuses style attributes,
# not these. Unproven is drawn hollow, so it reads apart from proven without colour.
SERIES = [
    # (the figure's key, its name, css class, fill, stroke)
    ("computed", gettext_lazy("Proven"), "proven", "#1e7d32", "#1e7d32"),
    ("unproven", gettext_lazy("Unproven"), "unproven", "#ffffff", "#9a6700"),
    ("validated", gettext_lazy("Validated"), "validated", "#1f5fbf", "#1f5fbf"),
]
PIPELINE_FILL = "#1f5fbf"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str
    fill: str
    stroke: str
    title: str
    value: Decimal | int


@dataclass
class BenefitChart:
    width: int
    height: int
    bars: list[Bar]
    quarters: list[dict]  # each group's centre `x`, `quarter` ("Q1") and `year`
    ticks: list[dict]  # gridlines: `y` and `label`
    legend: list[dict]  # `x`, `text_x`, `fill`, `stroke`, `text`
    rows: list[dict]  # the figures, for the table
    zero_y: float
    title: str
    description: str
    left: int
    plot_right: int
    top: int
    plot_bottom: int
    legend_y: int
    quarter_y: int
    year_y: int


@dataclass
class PipelineChart:
    width: int
    height: int
    bars: list[Bar]
    rows: list[dict]  # each stage's `label`, `count`, and where its texts go (`y`, `count_x`)
    title: str
    description: str
    left: int
    label_x: int


def recent_quarters(today: dt.date, count: int = QUARTERS) -> list[tuple[int, int]]:
    """The `count` quarters up to and including today's, oldest first."""
    quarters = [quarter_of(today)]
    while len(quarters) < count:
        quarters.append(previous_quarter(*quarters[-1]))
    return quarters[::-1]


# --- benefit per quarter ---------------------------------------------------------------

B_LEFT, B_RIGHT = 96, 12  # left: tick labels such as "-12.5k" at TEXT
LEGEND_Y = 18  # the legend's row, above the plot
B_TOP = 48
B_PLOT_BOTTOM = 250
QUARTER_Y, YEAR_Y = B_PLOT_BOTTOM + 24, B_PLOT_BOTTOM + 50  # two rows of labels below
B_HEIGHT = YEAR_Y + 14
BAR_SHARE = 0.27  # of a quarter's width, each of its three bars


def benefit_chart(figures: list[dict], *, current: tuple[int, int]) -> BenefitChart | None:
    """`figures`: selectors.benefit_by_quarter()'s, oldest first; `current` is this
    quarter (its figures are to date). None when no quarter has any benefit booked."""
    if not any(f["computed"] or f["unproven"] or f["validated"] is not None for f in figures):
        return None
    plot_right = WIDTH - B_RIGHT
    values = [float(f[key]) for f in figures for key, *_ in SERIES if f[key] is not None]
    low, high, ticks = _scale([0.0, *values])

    def y(v: float) -> float:
        return round(B_TOP + (high - v) / (high - low) * (B_PLOT_BOTTOM - B_TOP), 1)

    zero_y = y(0.0)
    group = (plot_right - B_LEFT) / len(figures)
    bar_width = round(group * BAR_SHARE, 1)
    bars, quarters, rows = [], [], []
    for i, f in enumerate(figures):
        centre = B_LEFT + group * (i + 0.5)
        name = _quarter_name(f, current=current)
        for j, (key, label, kind, fill, stroke) in enumerate(SERIES):
            value = f[key]
            if value is None:  # nothing validated in the quarter: no bar, not a zero one
                continue
            top = y(float(value))
            bars.append(
                Bar(
                    x=round(centre + (j - 1.5) * bar_width, 1),
                    y=min(top, zero_y),
                    width=bar_width,
                    height=round(abs(zero_y - top), 1),
                    kind=kind,
                    fill=fill,
                    stroke=stroke,
                    title=f"{name}: {str(label).lower()} {_whole(value)}",
                    value=value,
                )
            )
        quarters.append({"x": round(centre, 1), "quarter": f"Q{f['quarter']}", "year": f["year"]})
        rows.append({"name": name, **{key: f[key] for key, *_ in SERIES}})
    first, last = rows[0]["name"], rows[-1]["name"]
    return BenefitChart(
        width=WIDTH,
        height=B_HEIGHT,
        bars=bars,
        quarters=quarters,
        ticks=[{"y": y(v), "label": label} for v, label in ticks],
        legend=_legend(),
        rows=rows,
        zero_y=zero_y,
        title=_("Benefit booked per quarter, %(first)s to %(last)s")
        % {"first": first, "last": last},
        description=(
            _(
                "For each quarter, three bars side by side: the proven benefit "
                "(solid green: quarters whose change is statistically "
                "significant), the unproven benefit (hollow amber: not "
                "significant yet) and the benefit validated by reviewers (solid "
                "blue; no bar before a review). The figures are in the table "
                "after the chart."
            )
        ),
        left=B_LEFT,
        plot_right=plot_right,
        top=B_TOP,
        plot_bottom=B_PLOT_BOTTOM,
        legend_y=LEGEND_Y,
        quarter_y=QUARTER_Y,
        year_y=YEAR_Y,
    )


def _whole(value) -> str:
    """An amount in whole units, grouped as the active language groups: 1,234 / 1.234."""
    return number_format(round(value), force_grouping=True)


def _quarter_name(figure: dict, *, current: tuple[int, int]) -> str:
    name = f"{figure['year']} Q{figure['quarter']}"
    if (figure["year"], figure["quarter"]) == current:
        return _("%(quarter)s (to date)") % {"quarter": name}
    return name


def _legend() -> list[dict]:
    """The series' names in a row above the plot, each after its swatch."""
    items, x = [], 8.0
    for _key, name, _value, fill, stroke in SERIES:
        label = str(name)  # in the active language: its length places the next item
        items.append({"x": x, "text_x": x + 24, "fill": fill, "stroke": stroke, "text": label})
        x += 24 + len(label) * CHAR + 20
    return items


# --- the pipeline ------------------------------------------------------------------------

P_LEFT, P_RIGHT = 156, 72  # left: a stage's name ("Completed") at TEXT; right: its count
P_TOP, ROW, BAR_HEIGHT = 6, 34, 22


def pipeline_chart(counts: list[tuple[str, int]]) -> PipelineChart | None:
    """`counts`: (stage name, initiatives in it) in the workflow's order. The stages
    holding initiatives are drawn, one bar each; None when there are none."""
    held = [(label, count) for label, count in counts if count]
    if not held:
        return None
    most = max(count for _, count in held)
    span = WIDTH - P_RIGHT - P_LEFT
    bars, rows = [], []
    for i, (label, count) in enumerate(held):
        top = P_TOP + i * ROW
        width = round(count / most * span, 1)
        bars.append(
            Bar(
                x=P_LEFT,
                y=top + (ROW - BAR_HEIGHT) / 2,
                width=width,
                height=BAR_HEIGHT,
                kind="stage",
                fill=PIPELINE_FILL,
                stroke=PIPELINE_FILL,
                title=ngettext(
                    "%(stage)s: %(count)d initiative", "%(stage)s: %(count)d initiatives", count
                )
                % {"stage": label, "count": count},
                value=count,
            )
        )
        rows.append(
            {"label": label, "count": count, "y": top + ROW / 2, "count_x": P_LEFT + width + 6}
        )
    total = sum(count for _, count in held)
    in_stages = ngettext("%(count)d stage", "%(count)d stages", len(held)) % {"count": len(held)}
    return PipelineChart(
        width=WIDTH,
        height=P_TOP * 2 + ROW * len(held),
        bars=bars,
        rows=rows,
        title=_("Initiatives per stage: %(total)s in %(in_stages)s")
        % {"total": total, "in_stages": in_stages},
        description=(
            _(
                "One bar per stage that holds initiatives, in the workflow's "
                "order, its length the number of initiatives in the stage; "
                "stages without any are left out. The figures are in the table "
                "after the chart."
            )
        ),
        left=P_LEFT,
        label_x=P_LEFT - 8,
    )
