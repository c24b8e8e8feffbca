"""Run charts drawn on the server as SVG: no chart library, no JavaScript needed.

`run_chart()` turns a target's series into coordinates for the
`improvement/partials/run_chart.html` template: the points joined by a line, gridlines
with their values, the baseline and the target as horizontal lines, the change date as
a vertical line, the signal points marked, and the control chart by phase (the stored
`control` figure, metrics.results.compute.control_columns): the post-change phase's
centre line and limits drawn from the change date on only — stepped for a p-chart whose
points carry their sample sizes — and the baseline phase's own centre line (and limits)
before it. The lines are named outside the plot, at the right, and in a legend.

Sizes are in viewBox units; the stylesheet sets the text size per screen width so that
the chart, scaled to fit, keeps its text at 11 px or more (static/css/app.css).
"""

import datetime as dt
import itertools
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from metrics.periods import day_start
from metrics.stats import p_point_limits
from metrics.stats.rules import RULE_WORDS

WIDTH, HEIGHT = 640, 260
# Room left of the plot for the tick labels, right of it for the lines' names, below it
# for the first and last dates: at the largest text size the stylesheet sets (23 units).
LEFT, RIGHT, TOP, BOTTOM = 84, 104, 20, 36
PLOT_RIGHT, PLOT_BOTTOM = WIDTH - RIGHT, HEIGHT - BOTTOM
LABEL_GAP = 24  # the least distance between two lines' names, one text line apart
TICKS = 5  # about how many gridlines


@dataclass
class Line:
    """A horizontal line from x1 to x2; `kind` is its CSS class."""

    y: float
    label: str
    kind: str  # css class: baseline, target, center, limit; "before" for the baseline phase
    x1: float = LEFT
    x2: float = PLOT_RIGHT


@dataclass
class Step:
    """A stepped line (a p-chart's limits with varying sample sizes) as an SVG path."""

    d: str
    label: str
    kind: str


@dataclass
class Label:
    """A line's name at the right of the plot, at `y`; `line_y` is where the line ends."""

    y: float
    line_y: float
    text: str
    kind: str


@dataclass
class RunChart:
    width: int
    height: int
    path: str
    points: list[dict]
    lines: list[Line] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    change_x: float | None = None
    ticks: list[dict] = field(default_factory=list)
    first: str = ""
    last: str = ""
    summary: str = ""
    left: int = LEFT
    plot_right: int = PLOT_RIGHT
    top: int = TOP
    plot_bottom: int = PLOT_BOTTOM

    def circles(self) -> str:
        """The points' markers as SVG, each titled with its date and value: formatted
        here rather than by a template loop, which costs ~30 µs a point."""
        return format_html_join(
            "",
            '<circle cx="{}" cy="{}" r="{}" class="{}"><title>{}</title></circle>',
            (
                (
                    point["x"],
                    point["y"],
                    5 if point["rule"] else 2.5,
                    "signal" if point["rule"] else "point",
                    f"{point['label']} — signal: {RULE_WORDS.get(point['rule'], 'a rule')}"
                    if point["rule"]
                    else point["label"],
                )
                for point in self.points
            ),
        )

    def rows(self) -> list[tuple[str, str]]:
        """Each point as (its date and value, the signal in words or ""), for the table
        that stands in for the chart where a picture cannot be seen."""
        return [
            (point["label"], RULE_WORDS.get(point["rule"], "a rule") if point["rule"] else "")
            for point in self.points
        ]

    def description(self) -> str:
        """The legend in words, for the SVG's <desc>."""
        return "; ".join(item["text"] for item in self.legend)


def run_chart(
    points: list[tuple],
    *,
    baseline: float | None,
    target: float | None,
    control: dict | None,
    implemented_on: dt.date | None,
    unit: str = "",
) -> RunChart | None:
    """None with no points. `points` are (observed_at, value) or (observed_at, value,
    sample size or None), oldest first; with every post-change point's size, a p-chart's
    limits are drawn stepped, each point's own."""
    if not points:
        return None
    times = [p[0].timestamp() for p in points]
    values = [p[1] for p in points]
    sizes = [p[2] if len(p) > 2 else None for p in points]
    t0, t1 = times[0], times[-1] if times[-1] > times[0] else times[0] + 1
    change = day_start(implemented_on).timestamp() if implemented_on is not None else None

    def x(t: float) -> float:
        return round(LEFT + (t - t0) / (t1 - t0) * (PLOT_RIGHT - LEFT), 1)

    # Where each phase is drawn: the post-change phase from the change date on (from the
    # left edge when the change is before the first point drawn), the baseline phase up
    # to it (not at all when the change is before the first point).
    change_x = x(change) if change is not None and t0 <= change <= t1 else None
    # (None: the change is after the last point, and no post-change phase is drawn.)
    after_from = LEFT if change is None or change < t0 else change_x
    shows_before = change is not None and change > t0

    # Every line in data units first; the scale comes from them and the points.
    lines: list[Line] = []
    steps: list[tuple[list[float], str, str]] = []  # (one y per post-change point, ...)
    legend: list[dict] = []
    if baseline is not None:
        lines.append(Line(baseline, _("Baseline %(value)s") % {"value": _g(baseline)}, "baseline"))
        legend.append(
            {"kind": "baseline", "text": _("Baseline %(value)s") % {"value": _with(baseline, unit)}}
        )
    if target is not None:
        lines.append(Line(target, _("Target %(value)s") % {"value": _g(target)}, "target"))
        legend.append(
            {"kind": "target", "text": _("Target %(value)s") % {"value": _with(target, unit)}}
        )
    before = (control or {}).get("baseline") if shows_before else None
    if before:
        lines.extend(_before_lines(before, x2=change_x if change_x is not None else PLOT_RIGHT))
        legend.append({"kind": "center before", "text": _before_legend(before, unit)})
    after_points = [i for i, t in enumerate(times) if change is None or t >= change]
    if control and after_from is not None:
        stepped = (
            control.get("chart") == "p"
            and after_points
            and all(sizes[i] is not None for i in after_points)
        )
        lines.append(Line(control["center"], "CL", "center", x1=after_from))
        if stepped:
            lcl, ucl = p_point_limits(control["center"], [sizes[i] for i in after_points])
            steps.append((ucl.tolist(), "UCL", "limit"))
            steps.append((lcl.tolist(), "LCL", "limit"))
        else:
            lines.append(Line(control["ucl"], "UCL", "limit", x1=after_from))
            lines.append(Line(control["lcl"], "LCL", "limit", x1=after_from))
        legend.append({"kind": "center", "text": _after_legend(control, unit, stepped=stepped)})
    if change_x is not None:
        legend.append(
            {"kind": "change", "text": _("Change date %(day)s") % {"day": _day(implemented_on)}}
        )

    low, high, ticks = _scale(values + [line.y for line in lines] + _flat(steps))

    def y(v: float) -> float:
        return round(TOP + (high - v) / (high - low) * (PLOT_BOTTOM - TOP), 1)

    signalled = _signalled(control)
    marks = [
        {
            "x": x(t),
            "y": y(v),
            "label": f"{_day(p[0])}: {_g(v)} {unit}".strip(),
            "rule": signalled.get(p[0].isoformat()),
        }
        for p, v, t in zip(points, values, times, strict=True)
    ]
    if any(m["rule"] for m in marks):
        legend.append({"kind": "signal", "text": _("Large red dot: a control-chart signal")})
    # The lines' names at the right: those of the lines that reach the right edge.
    ends = [
        (line.y, _short(line), line.kind)
        for line in lines
        if line.x2 == PLOT_RIGHT and "before" not in line.kind
    ]
    for line in lines:
        line.y = y(line.y)
    drawn_steps = [
        Step(
            _step_path([marks[i]["x"] for i in after_points], [y(v) for v in ys], after_from),
            _("%(label)s (each point's own, for its sample size)") % {"label": label},
            kind,
        )
        for ys, label, kind in steps
    ]
    ends += [(ys[-1], label, kind) for ys, label, kind in steps]
    n_signals = sum(1 for m in marks if m["rule"])
    return RunChart(
        width=WIDTH,
        height=HEIGHT,
        path=" ".join(f"{m['x']},{m['y']}" for m in marks),
        points=marks,
        lines=lines,
        steps=drawn_steps,
        labels=_labels([(y(v), text, kind) for v, text, kind in ends]),
        legend=legend,
        change_x=change_x,
        ticks=[{"y": y(v), "label": label} for v, label in ticks],
        first=_day(points[0][0]),
        last=_day(points[-1][0]),
        summary=(
            ngettext(
                "%(count)d measurement from %(first)s to %(last)s, latest %(latest)s",
                "%(count)d measurements from %(first)s to %(last)s, latest %(latest)s",
                len(points),
            )
            % {
                "count": len(points),
                "first": _day(points[0][0]),
                "last": _day(points[-1][0]),
                "latest": _with(values[-1], unit),
            }
            + (
                ngettext(
                    "; %(count)d control-chart signal",
                    "; %(count)d control-chart signals",
                    n_signals,
                )
                % {"count": n_signals}
                if n_signals
                else ""
            )
        ),
    )


# --- the phases ----------------------------------------------------------------------------


def _before_lines(before: dict, *, x2: float) -> list[Line]:
    lines = [Line(before["center"], _("CL before the change"), "center before", x2=x2)]
    for name in ("ucl", "lcl"):
        if before.get(name) is not None:
            lines.append(
                Line(
                    before[name],
                    _("%(limit)s before the change") % {"limit": name.upper()},
                    "limit before",
                    x2=x2,
                )
            )
    return lines


def _before_legend(before: dict, unit: str) -> str:
    center = _with(before["center"], unit)
    n = before["n_points"]
    if before.get("ucl") is None:
        return ngettext(
            "Before the change: centre line %(center)s (%(n)d point, too few for limits)",
            "Before the change: centre line %(center)s (%(n)d points, too few for limits)",
            n,
        ) % {"center": center, "n": n}
    return ngettext(
        "Before the change: centre line %(center)s, limits %(lcl)s to %(ucl)s (from its "
        "%(n)d point)",
        "Before the change: centre line %(center)s, limits %(lcl)s to %(ucl)s (from its "
        "%(n)d points)",
        n,
    ) % {"center": center, "lcl": _g(before["lcl"]), "ucl": _with(before["ucl"], unit), "n": n}


def _after_legend(control: dict, unit: str, *, stepped: bool) -> str:
    kind = _("p-chart") if control.get("chart") == "p" else _("individuals chart")
    text = _("After the change (%(kind)s): centre line %(center)s") % {
        "kind": kind,
        "center": _with(control["center"], unit),
    }
    if stepped:
        text += _(", limits for each point's sample size")
    else:
        text += _(", limits %(lcl)s to %(ucl)s") % {
            "lcl": _g(control["lcl"]),
            "ucl": _with(control["ucl"], unit),
        }
    n = control.get("limit_points")
    if control.get("provisional"):
        text += _(", provisional (from %(n)d points)") % {"n": n} if n else _(", provisional")
    elif n:
        text += _(" (from its first %(n)d points)") % {"n": n}
    return text


def _day(day: dt.date | dt.datetime) -> str:
    """A date on the chart, as the active language writes it short: 2026-12-03, 03.12.2026."""
    return date_format(day, "SHORT_DATE_FORMAT")


def _signalled(control: dict | None) -> dict[str, int]:
    """Each signalling point's rule by its time, in either phase."""
    control = control or {}
    signals = list(control.get("signals", []))
    signals += (control.get("baseline") or {}).get("signals", [])
    return {s["observed_at"]: s["rule"] for s in signals}


# --- geometry ------------------------------------------------------------------------------


def _flat(steps: list[tuple[list[float], str, str]]) -> list[float]:
    return [v for ys, _, _ in steps for v in ys]


def _step_path(xs: list[float], ys: list[float], x_from: float) -> str:
    """Each point's level from halfway to the previous point to halfway to the next (from
    `x_from` for the first, to the plot's right edge for the last), as qcc draws them."""
    edges = [x_from] + [round((a + b) / 2, 1) for a, b in itertools.pairwise(xs)]
    d = f"M{edges[0]},{ys[0]}"
    for edge, (previous, level) in zip(edges[1:], itertools.pairwise(ys), strict=True):
        d += f" H{edge}" + (f" V{level}" if level != previous else "")
    return d + f" H{PLOT_RIGHT}"


def _short(line: Line) -> str:
    """A line's name at the right: short, the value is in its title and the legend."""
    return {"baseline": _("Baseline"), "target": _("Target")}.get(line.kind, line.label)


def _labels(ends: list[tuple[float, str, str]]) -> list[Label]:
    """The lines' names, each at its line's height but at least LABEL_GAP apart, kept
    within the plot's height."""
    ends = sorted(ends)
    ys = [y for y, _, _ in ends]
    for i in range(1, len(ys)):
        ys[i] = max(ys[i], ys[i - 1] + LABEL_GAP)
    if ys and ys[-1] > PLOT_BOTTOM:
        ys[-1] = PLOT_BOTTOM
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - LABEL_GAP)
    return [
        Label(y=round(at, 1), line_y=y, text=text, kind=kind)
        for at, (y, text, kind) in zip(ys, ends, strict=True)
    ]


def _scale(values: list[float]) -> tuple[float, float, list[tuple[float, str]]]:
    """The y axis: its bottom and top, on "nice" round steps (1, 2, 2.5 or 5 × 10ⁿ) that
    cover every value, and its ticks (value, label) at each step."""
    low, high = min(values), max(values)
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
    step = _nice_step((high - low) / TICKS)
    first, last = math.floor(low / step), math.ceil(high / step)
    at = [i * step for i in range(first, last + 1)]
    return first * step, last * step, list(zip(at, _tick_labels(at, step), strict=True))


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw * (1 - 1e-9):
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - 10 always suffices


def _tick_labels(values: list[float], step: float) -> list[str]:
    """The ticks' values with as many decimals as the step needs, short enough for the
    margin: in thousands (k), millions (M) or billions (G) for large numbers."""
    biggest = max(abs(v) for v in values)
    # Thousands only from 10,000: "5000" reads as well as "5k", and fits.
    divisor, suffix = next(
        (scale for scale in ((1e9, "G"), (1e6, "M"), (1e3, "k")) if biggest >= max(scale[0], 1e4)),
        (1.0, ""),
    )
    unit_step = step / divisor
    decimals = -math.floor(math.log10(unit_step) + 1e-9) + (1 if _is_quarter(unit_step) else 0)
    labels = []
    for value in values:
        if abs(value) < step * 1e-9:
            labels.append("0")
        elif decimals > 4:
            labels.append(f"{value / divisor:.2g}{suffix}")
        else:
            labels.append(f"{value / divisor:.{max(0, decimals)}f}{suffix}")
    return labels


def _is_quarter(step: float) -> bool:
    """A step of 2.5 × 10ⁿ needs one decimal more than 10ⁿ⁺¹: 0.25, 2.5."""
    mantissa = step / 10 ** math.floor(math.log10(step))
    return math.isclose(mantissa, 2.5)


def _with(value: float, unit: str) -> str:
    return f"{_g(value)} {unit}".strip()


def _g(value: float) -> str:
    """A figure to 4 significant digits, with the active language's decimal sign: 45.4 in
    English, 45,4 in German (exponents, for extreme values, stay as Python writes them)."""
    text = f"{value:.4g}"
    return text if "e" in text else number_format(Decimal(text))
