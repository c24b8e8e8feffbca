"""Pure statistics for results and control charts — no Django, so the figures can be
checked against published worked examples (``tests/metrics/reference_data/``).

Conventions (each one is pinned by a test against the reference data):

* **Welch's t-test** is ``scipy.stats.ttest_ind(after, before, equal_var=False)``:
  t = (mean_after - mean_before) / se, so a positive t means the mean went up;
  Welch-Satterthwaite degrees of freedom; two-sided p. Needs n ≥ 2 on each side.
* **Individuals (XmR) chart** as in Montgomery and R's qcc: centre = mean,
  sigma = MR_bar / d2 with d2 = 1.128 (so 3 sigma = 2.6596 x MR_bar, not the rounded
  2.66), limits = centre ± 3 sigma.
* **p-chart** from proportions p_i with sample sizes n_i: pbar = sum(p_i n_i) / sum(n_i),
  sigma_i = sqrt(pbar (1 - pbar) / n_i), limits pbar ± 3 sigma_i with the LCL floored
  at 0 and the UCL capped at 1: stepped, one pair per point (``p_point_limits``), each
  point checked against its own.
* **Zero-width limits**: sigma = 0 (an XmR chart with MR_bar = 0, a p-chart with
  pbar = 0) puts the limits on the centre line, as qcc does; any point off it is a
  rule 1 signal.
* **Western Electric rules 1-4** exactly as qcc 3.0 ``R/rules.R``: strict inequalities,
  a signal names the point that completes the pattern (and every later point while
  the pattern holds), the windows run over the whole series, phase I included. A
  chart's limit points are checked too, with rule 1 (``LIMIT_POINT_RULES``), as qcc and
  Minitab check the points their limits came from.
* **One-sample t-test** (against a typed reference) is ``scipy.stats.ttest_1samp``;
  every t-test also gives the 95 % interval of the difference (``intervals.py``).
* **Proportions** on pooled counts (``proportions.py``): two-proportion z-test, Fisher's
  exact test when an expected count is under 5; against a typed proportion the
  one-proportion z-test or the exact binomial test; Newcombe's and Wilson's score
  intervals.
* **Constant samples**: mean = the value and variance = 0 exactly
  (``summarize_many``); equal constants give p = 1, different constants no test.
* **Lag-1 autocorrelation** r₁ (Box & Jenkins) and the effective sample size
  n(1 − r₁)/(1 + r₁), used when r₁ > 0.2 on at least 10 points (``autocorrelation.py``).

Every result is finite or absent (``None`` / NaN in the vectorised variants): the
database refuses non-finite numbers.

Each computation has one implementation, over many series or pairs at once, and the
one-series functions are that implementation for one series:

* ``welch_columns`` (``welch_many``, ``welch``), in ``welch.py``;
* ``one_sample_columns``, ``two_proportion_columns``, ``one_proportion_columns``, each
  answering with ``TestColumns``;
* ``summarize_many`` (size, mean, variance, range, pooled counts, r₁ of many samples);
* ``control_charts`` (``xmr_limits``, ``p_chart_limits``), in ``control.py``: limits
  from each series' first points and the signals of its later points;
* ``rules_many`` (``western_electric``, ``series_signals``), in ``rules.py``: signals
  against any centre and sigma.

Many series are passed back to back: ``values`` (N,) and ``lengths`` (K,), series k
being ``values[offset[k] : offset[k] + lengths[k]]``.
"""

from metrics.stats._arrays import BoolArray, FloatArray, IntArray
from metrics.stats.autocorrelation import MATERIAL_R1, MIN_POINTS, effective_sizes, lag1, lag1_many
from metrics.stats.control import (
    D2,
    LIMIT_POINT_RULES,
    Limits,
    SeriesControl,
    control_charts,
    p_chart_limits,
    p_point_limits,
    p_sigmas,
    series_signals,
    xmr_limits,
)
from metrics.stats.intervals import CONFIDENCE, TestColumns, t_interval
from metrics.stats.one_sample import one_sample_columns
from metrics.stats.proportions import (
    one_proportion_columns,
    two_proportion_columns,
    wilson_interval,
)
from metrics.stats.rules import WESTERN_ELECTRIC_RULES, Signal, rules_many, western_electric
from metrics.stats.summaries import SampleColumns, summarize_many
from metrics.stats.welch import Summary, Welch, summarize, welch, welch_columns, welch_many

__all__ = [
    "CONFIDENCE",
    "D2",
    "LIMIT_POINT_RULES",
    "MATERIAL_R1",
    "MIN_POINTS",
    "WESTERN_ELECTRIC_RULES",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "Limits",
    "SampleColumns",
    "SeriesControl",
    "Signal",
    "Summary",
    "TestColumns",
    "Welch",
    "control_charts",
    "effective_sizes",
    "lag1",
    "lag1_many",
    "one_proportion_columns",
    "one_sample_columns",
    "p_chart_limits",
    "p_point_limits",
    "p_sigmas",
    "rules_many",
    "series_signals",
    "summarize",
    "summarize_many",
    "t_interval",
    "two_proportion_columns",
    "welch",
    "welch_columns",
    "welch_many",
    "western_electric",
    "wilson_interval",
    "xmr_limits",
]
