"""metrics.stats: which points a control chart checks and against which limits, each rule
on a hand-computed example with its source. No database.

Sources cited below:

* qcc — R package qcc 3.0 (luca-scr/qcc), ``R/qcc.R`` (``limits.xbar.one``,
  ``limits.p``), ``R/rules.R`` (``beyond.limits``) and the vignette (the copies in
  reference_data/).
* Montgomery — D. C. Montgomery, *Introduction to Statistical Quality Control*, 6th ed.:
  §6.4 (individuals chart, σ̂ = MR̄/d2, d2 = 1.128), §7.2.1 Example 7.1 (the orange-juice
  p-chart, trial and revised limits), §7.2.2 (variable sample size: limits for each
  sample, p̄ ± 3√(p̄(1−p̄)/nᵢ)).
* Minitab — Minitab 21 Support, "Methods and formulas for P Chart" (UCLᵢ, LCLᵢ with nᵢ)
  and "Tests for special causes" (test 1 on every point of the chart, the points that
  estimated the limits included).
"""

import math

import pytest

from metrics.stats import (
    D2,
    LIMIT_POINT_RULES,
    Signal,
    control_charts,
    p_chart_limits,
    p_point_limits,
    series_signals,
    xmr_limits,
)
from tests.metrics.test_stats import (
    ORANGE_JUICE,
    PHASE1,
    PHASE2,
    proportions_and_sizes,
    viscosities,
)

# --- Rule 1 among the limit points --------------------------------------------------------


def test_it_checks_the_limit_points_with_rule_1_only():
    assert LIMIT_POINT_RULES == (1,)


def test_it_flags_a_spike_among_the_limit_points():
    """Twenty points of 10 but the 6th, 20 (Montgomery §6.4; qcc and Minitab test every
    point against the limits it helped to set):

    centre = 210 / 20 = 10.5; the 19 moving ranges are 0 but two of 10, MR̄ = 20/19;
    σ = MR̄ / 1.128 = 0.933184; UCL = 10.5 + 3σ = 13.299552, LCL = 7.700448.
    20 > 13.30: rule 1 at index 5, though the spike widened the limits it broke.
    """
    values = [10.0] * 5 + [20.0] + [10.0] * 14

    charts = control_charts(values, [20], limit_points=20)

    limits = charts.limits(0)
    assert limits.center == pytest.approx(10.5)
    assert limits.mr_bar == pytest.approx(20 / 19)
    assert limits.sigma == pytest.approx(0.933184, abs=1e-6)
    assert (limits.lcl, limits.ucl) == (
        pytest.approx(7.700448, abs=1e-6),
        pytest.approx(13.299552, abs=1e-6),
    )
    assert charts.signals(0) == [Signal(index=5, rule=1)]
    # The same from the one-series functions; and hidden, as before, without the rule.
    assert series_signals(values, limits=xmr_limits(values), start=20) == [Signal(5, 1)]
    assert series_signals(values, limits=xmr_limits(values), start=20, limit_point_rules=()) == []


def test_it_checks_only_rule_1_among_the_limit_points():
    """Rules 2-4 start after the limit points: a run among them set the centre, it is no
    shift away from it.

    Limit points 11, 12 (× 4 pairs), 8, 9: centre = (92 + 17) / 10 = 10.9; moving
    ranges 1 × 7, 4, 1: MR̄ = 12/9, σ = 1.18203, limits 7.354 to 14.446. The first 8
    points are above 10.9 — a rule 4 run — and none is beyond the limits, so nothing
    signals; asked to check rule 4 there too, index 7 would.
    """
    limit_points = [11.0, 12.0] * 4 + [8.0, 9.0]
    values = [*limit_points, 11.0]

    charts = control_charts(values, [11], limit_points=10)

    limits = charts.limits(0)
    assert limits.center == pytest.approx(10.9)
    assert limits.sigma == pytest.approx(12 / 9 / D2)
    assert (limits.lcl, limits.ucl) == (
        pytest.approx(7.354, abs=1e-3),
        pytest.approx(14.446, abs=1e-3),
    )
    assert charts.signals(0) == []
    assert Signal(7, 4) in series_signals(
        values, limits=xmr_limits(limit_points), start=10, limit_point_rules=(1, 2, 3, 4)
    )


def test_it_flags_the_viscosity_batch_4_among_the_trial_batches():
    """qcc's vignette charts ``qcc(viscosity[trial], type = "xbar.one")``: centre 34.088,
    UCL 35.61096 (published), and marks batch 4 beyond it; the trial batches are the
    limit points, and batch 4 is among them."""
    values = viscosities(PHASE1 + PHASE2)

    charts = control_charts(values, [len(values)], limit_points=len(PHASE1))

    assert charts.limits(0).ucl == pytest.approx(35.61096, abs=5e-6)
    first = charts.signals(0)[0]
    assert (int(PHASE1[first.index]["batch"]), first.rule) == (4, 1)
    assert float(PHASE1[first.index]["viscosity"]) > 35.61096


def test_it_flags_sample_21_above_the_revised_orange_juice_ucl():
    """Montgomery Example 7.1 revises the p-chart without samples 15 and 23: p̄ = 0.215,
    UCL = 0.215 + 3√(0.215 × 0.785 / 50) = 0.3893 (qcc publishes 0.3892972), and notes
    that sample 21, 20/50 = 0.40, is now above it: among the limit points, a signal."""
    rows = [r for r in ORANGE_JUICE if r["trial"] == "True" and r["sample"] not in {"15", "23"}]
    proportions, sizes = proportions_and_sizes(rows)

    charts = control_charts(
        proportions, [len(rows)], limit_points=len(rows), p_chart=True, sizes=sizes
    )

    assert charts.limits(0).ucl == pytest.approx(0.3892972, abs=5e-8)
    assert [(int(rows[s.index]["sample"]), s.rule) for s in charts.signals(0)] == [(21, 1)]
    assert proportions[charts.signals(0)[0].index] == 0.40


# --- Zero-width limits ---------------------------------------------------------------------


def test_it_flags_any_point_off_a_flat_xmr_chart():
    """Five limit points of 12: MR̄ = 0, σ = 0, LCL = CL = UCL = 12 (qcc
    ``limits.xbar.one``: centre ± 3 × 0). Then 12 (on the line: no signal), 13 and 11.9
    (off it: beyond the limits, rule 1 — qcc's ``beyond.limits`` is x > UCL or x < LCL)."""
    values = [12.0] * 5 + [12.0, 13.0, 11.9]

    charts = control_charts(values, [8], limit_points=5)

    limits = charts.limits(0)
    assert (limits.lcl, limits.center, limits.ucl, limits.mr_bar, limits.sigma) == (
        12.0,
        12.0,
        12.0,
        0.0,
        0.0,
    )
    assert charts.signals(0) == [Signal(index=6, rule=1), Signal(index=7, rule=1)]


def test_it_flags_any_defective_on_a_zero_defect_p_chart():
    """Five samples of 100 with no defective: p̄ = 0, so σᵢ = √(0 × 1 / nᵢ) = 0 and
    LCL = UCL = 0 (qcc ``limits.p``; Montgomery §7.2.1's formula). Then 0/100 (no
    signal), 1/100 = 0.01 and 1/50 = 0.02: above UCL = 0, rule 1."""
    values = [0.0] * 5 + [0.0, 0.01, 0.02]
    sizes = [100] * 7 + [50]

    charts = control_charts(values, [8], limit_points=5, p_chart=True, sizes=sizes)

    limits = charts.limits(0)
    assert (limits.lcl, limits.center, limits.ucl, limits.sigma) == (0.0, 0.0, 0.0, 0.0)
    assert charts.signals(0) == [Signal(index=6, rule=1), Signal(index=7, rule=1)]
    one = series_signals(values, limits=p_chart_limits(values[:5], sizes[:5]), start=5, sizes=sizes)
    assert one == charts.signals(0)


# --- Stepped p-chart limits ----------------------------------------------------------------

# Limit points: 10 % defective in samples of 100, 900, 400, 100 and 500: p̄ = 200 / 2000
# = 0.1, p̄(1 − p̄) = 0.09; the average size n̄ = 400 gives the summary limits
# 0.1 ± 3 × 0.015 = 0.055 to 0.145. The checked points and their own limits
# (σᵢ = 0.3 / √nᵢ):
#   6/25   = 0.24 : σ 0.06,  limits 0 to 0.28      → in (above the summary UCL 0.145)
#   126/900 = 0.14: σ 0.01,  limits 0.07 to 0.13   → above (below the summary UCL)
#   54/900 = 0.06 : σ 0.01,  limits 0.07 to 0.13   → below (above the summary LCL 0.055)
#   20/100 = 0.20 : σ 0.03,  limits 0.01 to 0.19   → above
STEPPED_VALUES = [0.1, 0.1, 0.1, 0.1, 0.1, 0.24, 0.14, 0.06, 0.20]
STEPPED_SIZES = [100, 900, 400, 100, 500, 25, 900, 900, 100]


def test_it_gives_each_p_chart_point_its_own_limits():
    """Montgomery §7.2.2 ("variable-width control limits"), Minitab's P chart formulas:
    LCLᵢ = max(0, p̄ − 3√(p̄(1−p̄)/nᵢ)), UCLᵢ = min(1, p̄ + 3√(p̄(1−p̄)/nᵢ))."""
    lcl, ucl = p_point_limits(0.1, [25, 900, 100, 1])

    assert lcl.tolist() == pytest.approx([0.0, 0.07, 0.01, 0.0])
    assert ucl.tolist() == pytest.approx([0.28, 0.13, 0.19, 1.0])


def test_it_checks_each_p_chart_point_against_its_own_limits():
    """The hand-computed table above: with each point's own limits 0.14 and 0.20 are
    above and 0.06 below, 0.24 (n = 25) is in — the summary limits at n̄ = 400 would
    have flagged 0.24 and hidden 0.14 and 0.06."""
    charts = control_charts(STEPPED_VALUES, [9], limit_points=5, p_chart=True, sizes=STEPPED_SIZES)

    limits = charts.limits(0)
    assert limits.center == pytest.approx(0.1)
    assert limits.size == 400
    assert (limits.lcl, limits.ucl) == (pytest.approx(0.055), pytest.approx(0.145))
    assert charts.signals(0) == [Signal(6, 1), Signal(7, 1), Signal(8, 1)]
    assert math.isclose(limits.sigma, 0.015)


def test_it_refuses_an_unknown_rule_for_the_limit_points():
    with pytest.raises(ValueError, match=r"rules: \[5\]"):
        control_charts([1.0, 2.0], [2], limit_points=2, limit_point_rules=(1, 5))
