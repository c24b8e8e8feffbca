"""metrics.run_chart and its template: the control chart drawn by phase, stepped p-chart
limits, the lines' names outside the plot, gridlines, readable text on a phone, escaping.
No database: the chart is a pure function of the points and the stored `control` figure.
"""

import datetime as dt
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string

from metrics import run_chart as chart_module
from metrics.run_chart import (
    LABEL_GAP,
    LEFT,
    PLOT_BOTTOM,
    PLOT_RIGHT,
    TOP,
    WIDTH,
    RunChart,
    run_chart,
)

CHANGE = dt.date(2026, 3, 2)


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def series(before: list[float], after: list[float], sizes=None) -> list[tuple]:
    """One point a day, `before` up to the day before the change, `after` from it."""
    points = [(noon(CHANGE - dt.timedelta(days=len(before) - i)), v) for i, v in enumerate(before)]
    points += [(noon(CHANGE + dt.timedelta(days=i)), v) for i, v in enumerate(after)]
    if sizes is not None:
        points = [(*p, n) for p, n in zip(points, sizes, strict=True)]
    return points


def control(**figure) -> dict:
    """A stored `control` figure (metrics.results.compute.ControlColumns.get)."""
    return {
        "center": 11.0,
        "ucl": 14.0,
        "lcl": 8.0,
        "mr_bar": 1.128,
        "sigma": 1.0,
        "provisional": False,
        "signals": [],
        "chart": "xmr",
        "size": None,
        "limit_points": 20,
        "since": CHANGE.isoformat(),
        "baseline": None,
        **figure,
    }


def draw(points, **kwargs) -> RunChart:
    kwargs = {"baseline": None, "target": None, "control": None, "implemented_on": CHANGE, **kwargs}
    return run_chart(points, **kwargs)


def value_at(chart: RunChart, y: float) -> float:
    """The value drawn at height y: the first tick is the plot's bottom, the last its top."""
    low, high = float(chart.ticks[0]["label"]), float(chart.ticks[-1]["label"])
    return high - (y - TOP) / (PLOT_BOTTOM - TOP) * (high - low)


def lines_of(chart: RunChart, kind: str) -> list:
    return [line for line in chart.lines if line.kind == kind]


def render(chart: RunChart, name: str = "Cycle time") -> str:
    return render_to_string(
        "improvement/partials/run_chart.html",
        {"chart": chart, "target": SimpleNamespace(pk=7), "name": name},
    )


# --- phases ----------------------------------------------------------------------------------


def test_it_draws_the_control_limits_over_the_post_change_phase_only():
    chart = draw(series([15, 16, 15, 16], [10, 12, 11, 12]), control=control())

    assert chart.change_x is not None
    for kind in ("center", "limit"):
        for line in lines_of(chart, kind):
            assert (line.x1, line.x2) == (chart.change_x, PLOT_RIGHT)
    assert [value_at(chart, line.y) for line in lines_of(chart, "limit")] == [
        pytest.approx(14.0, abs=0.05),
        pytest.approx(8.0, abs=0.05),
    ]
    # The points before the change are left of the line, those after it right of it.
    assert [p["x"] < chart.change_x for p in chart.points] == [True] * 4 + [False] * 4


def test_it_draws_the_limits_across_the_plot_when_every_point_is_after_the_change():
    chart = draw(series([], [10, 12, 11, 12]), control=control())

    assert chart.change_x is None
    assert {(line.x1, line.x2) for line in chart.lines} == {(LEFT, PLOT_RIGHT)}


def test_it_draws_the_baseline_phase_with_its_own_centre_line_and_limits():
    before = {"chart": "xmr", "center": 15.5, "ucl": 17.0, "lcl": 14.0, "mr_bar": 0.56,
              "sigma": 0.5, "size": None, "n_points": 20, "signals": []}  # fmt: skip
    chart = draw(series([15, 16, 15, 16], [10, 12, 11, 12]), control=control(baseline=before))

    (center,) = lines_of(chart, "center before")
    limits = lines_of(chart, "limit before")
    assert (center.x1, center.x2) == (LEFT, chart.change_x)
    assert value_at(chart, center.y) == pytest.approx(15.5, abs=0.05)
    assert [(line.x1, line.x2) for line in limits] == [(LEFT, chart.change_x)] * 2
    assert [value_at(chart, line.y) for line in limits] == [
        pytest.approx(17.0, abs=0.05),
        pytest.approx(14.0, abs=0.05),
    ]
    # Named in the legend, not at the right edge, which it does not reach.
    assert "Before the change: centre line 15.5, limits 14 to 17 (from its 20 points)" in [
        item["text"] for item in chart.legend
    ]
    assert all("before" not in label.kind for label in chart.labels)


def test_it_draws_a_short_baseline_phase_as_a_centre_line_only():
    before = {"chart": "xmr", "center": 15.5, "ucl": None, "lcl": None, "mr_bar": None,
              "sigma": None, "size": None, "n_points": 4, "signals": []}  # fmt: skip
    chart = draw(series([15, 16, 15, 16], [10, 12, 11, 12]), control=control(baseline=before))

    assert len(lines_of(chart, "center before")) == 1
    assert lines_of(chart, "limit before") == []
    assert any("4 points, too few for limits" in item["text"] for item in chart.legend)


def test_it_marks_the_signals_of_both_phases():
    before = {"chart": "xmr", "center": 15.5, "ucl": 17.0, "lcl": 14.0, "mr_bar": 0.56,
              "sigma": 0.5, "size": None, "n_points": 20,
              "signals": [{"observed_at": noon(CHANGE - dt.timedelta(days=2)).isoformat(),
                           "value": 30.0, "rule": 1}]}  # fmt: skip
    spike = {"observed_at": noon(CHANGE + dt.timedelta(days=1)).isoformat(), "value": 30, "rule": 1}
    chart = draw(
        series([15, 16, 30, 16], [10, 30, 11, 12]),
        control=control(baseline=before, signals=[spike]),
    )

    assert [p["rule"] for p in chart.points] == [None, None, 1, None, None, 1, None, None]
    assert chart.summary.endswith("; 2 control-chart signals")


# --- stepped p-chart limits -------------------------------------------------------------------


def test_it_draws_a_p_chart_s_limits_stepped_for_each_sample_size():
    """p̄ = 0.1; each point's own limits 0.1 ± 3√(0.09/nᵢ) (Montgomery §7.2.2): n = 100 →
    0.01 to 0.19, n = 25 → 0 to 0.28, n = 900 → 0.07 to 0.13."""
    points = series([], [0.1, 0.12, 0.14], sizes=[100, 25, 900])
    chart = draw(points, control=control(center=0.1, ucl=0.145, lcl=0.055, chart="p", size=400.0))

    ucl, lcl = chart.steps
    for step, expected in ((ucl, [0.19, 0.28, 0.13]), (lcl, [0.01, 0.0, 0.07])):
        start = re.match(r"M([\d.]+),([\d.]+)", step.d)
        ys = [float(start.group(2))] + [float(v) for v in re.findall(r"V([\d.]+)", step.d)]
        assert [value_at(chart, y) for y in ys] == [pytest.approx(e, abs=0.002) for e in expected]
        assert step.d.endswith(f"H{PLOT_RIGHT}")
    # The flat summary limits are not drawn: the steps are.
    assert lines_of(chart, "limit") == []
    assert "limits for each point's sample size" in chart.legend[-1]["text"]
    assert render(chart).count('class="limit step"') == 2


def test_it_draws_flat_p_chart_limits_without_the_sample_sizes():
    chart = draw(
        series([], [0.1, 0.12, 0.14]), control=control(center=0.1, ucl=0.145, lcl=0.055, chart="p")
    )

    assert chart.steps == []
    assert len(lines_of(chart, "limit")) == 2


# --- labels, gridlines, text size -----------------------------------------------------------


def test_it_names_the_lines_outside_the_plot_at_the_right_apart_from_each_other():
    # The target on the centre line, the baseline just above: three names at one height.
    chart = draw(series([15, 16], [10, 12, 11, 12]), baseline=11.2, target=11.0, control=control())

    html = render(chart)
    names = [label.text for label in chart.labels]
    assert sorted(names) == ["Baseline", "CL", "LCL", "Target", "UCL"]
    ys = sorted(label.y for label in chart.labels)
    assert all(b - a >= LABEL_GAP for a, b in itertools.pairwise(ys))
    assert all(TOP <= y <= PLOT_BOTTOM for y in ys)
    # Every name is drawn right of the plot, where no point is.
    xs = re.findall(r'<text x="([\d.]+)" y="[\d.]+" class="line-label', html)
    assert xs and all(float(x) > PLOT_RIGHT for x in xs)
    assert all(p["x"] <= PLOT_RIGHT for p in chart.points)


def test_it_gives_the_label_leaders_a_class_of_their_own():
    """A leader line is not styled (nor found) as the line it names: only the baseline
    line itself is a `line.baseline`, only the limits are dashed `line.limit`."""
    chart = draw(series([15, 16], [10, 12, 11, 12]), baseline=13.0, target=9.0, control=control())

    html = render(chart)

    def lines_with_class(name: str) -> int:  # as the CSS selector `line.<name>` finds them
        return len(re.findall(rf'<line [^>]*class="(?:[^"]* )?{name}(?: [^"]*)?"', html))

    assert (lines_with_class("baseline"), lines_with_class("target")) == (1, 1)
    assert lines_with_class("limit") == 2
    assert lines_with_class("leader") == len(chart.labels) == 5


def test_it_draws_gridlines_on_round_values_with_their_labels():
    chart = draw(series([10.1, 9.9, 10.0], [9.0, 8.8, 8.6]), baseline=10.0, target=8.0)

    assert [t["label"] for t in chart.ticks] == ["8.0", "8.5", "9.0", "9.5", "10.0", "10.5"]
    assert chart.ticks[0]["y"] == PLOT_BOTTOM and chart.ticks[-1]["y"] == TOP
    assert render(chart).count('class="tick" text-anchor="end" dominant-baseline="middle"') == 6


@pytest.mark.parametrize(
    ("values", "labels"),
    [
        ([0.0, 100.0], ["0", "20", "40", "60", "80", "100"]),
        ([0.011, 0.02], ["0.010", "0.012", "0.014", "0.016", "0.018", "0.020"]),
        ([12000.0, 20000.0], ["12k", "14k", "16k", "18k", "20k"]),
        ([1.5e6, 2.5e6], ["1.4M", "1.6M", "1.8M", "2.0M", "2.2M", "2.4M", "2.6M"]),
        ([0.0, 1.0], ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        ([0.0, 12.5], ["0", "2.5", "5.0", "7.5", "10.0", "12.5"]),
    ],
)
def test_its_tick_labels_are_short_round_numbers(values, labels):
    _, _, ticks = chart_module._scale(values)

    assert [label for _, label in ticks] == labels
    assert all(len(label) <= 6 for label in labels)


def test_its_text_is_at_least_11_px_on_a_390_px_phone():
    """The chart is scaled to its box: on a 390 px screen the box is 390 − 2 × 16 (main's
    padding) − 2 × 20 (the card's) − 2 × 1 (its border) − 2 × 1 (the chart's) = 314 px
    wide for 640 units, so its text needs 640 / 314 × 11 = 22.4 units or more."""
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    rule = r"@media \(max-width: (\d+)px\) \{ \.chart text \{ font-size: (\d+)px"
    widths = {int(w): int(size) for w, size in re.findall(rule, css)}
    phone = min(w for w in widths if w >= 390)
    assert widths[phone] * 314 / WIDTH >= 11
    # The margins leave room for the largest text: a tick label of 6 characters (digits
    # about 0.55 em wide) at the left, the longest line name ("Baseline", about 4 em) at
    # the right.
    assert 6 * 0.55 * widths[phone] <= LEFT - 6
    assert 4 * widths[phone] <= WIDTH - PLOT_RIGHT - 8


# --- accessibility and escaping ----------------------------------------------------------------


def test_it_keeps_the_title_and_a_description_of_the_lines():
    chart = draw(series([15, 16], [10, 12, 11]), baseline=15.0, target=10.0, control=control())

    html = render(chart)

    assert 'role="img" aria-labelledby="chart-7-t" aria-describedby="chart-7-d"' in html
    assert '<title id="chart-7-t">Run chart of Cycle time: 5 measurements' in html
    assert '<desc id="chart-7-d">Baseline 15; Target 10; After the change (individuals' in html
    assert '<ul class="legend">' in html


def test_it_escapes_the_unit_and_the_name():
    chart = draw(series([15], [10, 12]), baseline=15.0, control=control(), unit="<i>h</i>")

    html = render(chart, name="<script>x</script>")

    assert "<script>" not in html and "<i>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "Baseline 15 &lt;i&gt;h&lt;/i&gt;" in html


def test_it_gives_the_points_as_a_table_with_each_signal_in_words():
    """The fallback for a screen reader: every point, and a signal named by its rule."""
    from metrics.run_chart import RunChart

    chart = RunChart.__new__(RunChart)
    chart.points = [
        {"label": "2026-03-02: 9.5", "rule": None},
        {"label": "2026-03-03: 30", "rule": 1},
    ]

    assert chart.rows() == [
        ("2026-03-02: 9.5", ""),
        ("2026-03-03: 30", "a point beyond the 3σ control limits"),
    ]
