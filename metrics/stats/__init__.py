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
  sigma_i = sqrt(pbar (1 - pbar) / n_i), limits pbar ± 3 sigma with the LCL floored at 0
  and the UCL capped at 1.
* **Western Electric rules 1-4** exactly as qcc 3.0 ``R/rules.R``: strict inequalities,
  a signal names the point that completes the pattern (and every later point while
  the pattern holds), the windows run over the whole series, phase I included.

Every result is finite or absent (``None`` / NaN in the vectorised variants): the
database refuses non-finite numbers.

Each computation has one implementation, over many series or pairs at once, and the
one-series functions are that implementation for one series:

* ``welch_many`` (``welch``), in ``welch.py``;
* ``control_charts`` (``xmr_limits``, ``p_chart_limits``), in ``control.py``: limits
  from each series' first points and the signals of its later points;
* ``rules_many`` (``western_electric``, ``series_signals``), in ``rules.py``: signals
  against any centre and sigma.

Many series are passed back to back: ``values`` (N,) and ``lengths`` (K,), series k
being ``values[offset[k] : offset[k] + lengths[k]]``.
"""

from metrics.stats._arrays import BoolArray, FloatArray, IntArray
from metrics.stats.control import (
    D2,
    Limits,
    SeriesControl,
    control_charts,
    p_chart_limits,
    p_sigmas,
    series_signals,
    xmr_limits,
)
from metrics.stats.rules import WESTERN_ELECTRIC_RULES, Signal, rules_many, western_electric
from metrics.stats.welch import Summary, Welch, summarize, welch, welch_many

__all__ = [
    "D2",
    "WESTERN_ELECTRIC_RULES",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "Limits",
    "SeriesControl",
    "Signal",
    "Summary",
    "Welch",
    "control_charts",
    "p_chart_limits",
    "p_sigmas",
    "rules_many",
    "series_signals",
    "summarize",
    "welch",
    "welch_many",
    "western_electric",
    "xmr_limits",
]
