"""The result methods of metrics.stats against hand-computed figures and their published
references: the one-sample t-test and Welch's interval (SciPy), the proportion tests
(SciPy; Fisher's tea-tasting table), Newcombe's and Wilson's score intervals (Newcombe
1998), the lag-1 autocorrelation and the effective sample size (Box & Jenkins; Wilks
2011), and exact summaries of constant samples. No database."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as scipy_stats

from metrics.stats import (
    effective_sizes,
    lag1,
    lag1_many,
    one_proportion_columns,
    one_sample_columns,
    summarize,
    summarize_many,
    two_proportion_columns,
    welch_columns,
    wilson_interval,
)

# --- one-sample t-test ---------------------------------------------------------------------


def one_sample(values, reference):
    summary = summarize(values)
    return one_sample_columns(
        n=summary.n,
        mean=summary.mean,
        var=np.nan if summary.variance is None else summary.variance,
        reference=reference,
    )


def test_the_one_sample_t_test_is_scipys_ttest_1samp():
    # [12, 13, 11, 12] against 10: mean 12, s = √(2/3), se = s/2, t = 2/se = 4.898979, df 3.
    values = [12.0, 13.0, 11.0, 12.0]
    expected = scipy_stats.ttest_1samp(values, 10.0)
    interval = expected.confidence_interval(0.95)

    test = one_sample(values, 10.0)

    assert float(test.statistic) == pytest.approx(4.898979, abs=1e-6)
    assert float(test.statistic) == pytest.approx(expected.statistic, rel=1e-12)
    assert float(test.df) == 3.0
    assert float(test.p) == pytest.approx(expected.pvalue, rel=1e-12)
    # The interval is of mean − reference: SciPy's interval of the mean, less 10.
    assert float(test.low) == pytest.approx(interval.low - 10, rel=1e-12)
    assert float(test.high) == pytest.approx(interval.high - 10, rel=1e-12)


def test_a_constant_sample_on_its_reference_is_no_change():
    test = one_sample([0.3] * 6, 0.3)

    assert (float(test.statistic), float(test.df), float(test.p)) == (0.0, 5.0, 1.0)
    assert (float(test.low), float(test.high)) == (0.0, 0.0)


def test_a_constant_sample_off_its_reference_is_no_test():
    # SciPy gives t = −inf, p = 0; a t-test without variation is undefined: no test.
    test = one_sample([0.2] * 6, 0.3)

    assert np.isnan([test.statistic, test.df, test.p, test.low, test.high]).all()


def test_the_one_sample_t_test_needs_two_points():
    assert np.isnan(one_sample([12.0], 10.0).p)


# --- Welch's interval ----------------------------------------------------------------------


def test_welchs_interval_is_scipys():
    before, after = [10.0, 11.0, 9.0, 10.0], [12.0, 13.0, 11.0, 12.0, 14.0]
    expected = scipy_stats.ttest_ind(after, before, equal_var=False).confidence_interval(0.95)

    test = welch_columns(
        n_before=4,
        mean_before=np.mean(before),
        var_before=np.var(before, ddof=1),
        n_after=5,
        mean_after=np.mean(after),
        var_after=np.var(after, ddof=1),
    )

    assert float(test.low) == pytest.approx(expected.low, rel=1e-12)
    assert float(test.high) == pytest.approx(expected.high, rel=1e-12)


def test_welch_of_equal_constants_is_no_change_with_a_point_interval():
    # Ten 0.3 before, six 0.3 after: p = 1, not "significant" (issue 13, defect 3).
    test = welch_columns(
        n_before=10, mean_before=0.3, var_before=0.0, n_after=6, mean_after=0.3, var_after=0.0
    )

    assert (float(test.statistic), float(test.df), float(test.p)) == (0.0, 14.0, 1.0)
    assert (float(test.low), float(test.high)) == (0.0, 0.0)


def test_an_effective_size_enters_welchs_standard_error_and_df():
    # n_before = 12 counted as 2.6: se² = 171.33/2.6 + 0.6667/4, df by Welch–Satterthwaite.
    n_eff, v1, v2 = 2.6, 171.33, 2 / 3
    test = welch_columns(
        n_before=n_eff, mean_before=33.3, var_before=v1, n_after=4, mean_after=15.0, var_after=v2
    )
    a, b = v1 / n_eff, v2 / 4

    assert float(test.statistic) == pytest.approx((15.0 - 33.3) / math.sqrt(a + b))
    assert float(test.df) == pytest.approx((a + b) ** 2 / (a**2 / (n_eff - 1) + b**2 / 3))


# --- proportions ---------------------------------------------------------------------------


def test_the_two_proportion_z_test_pools_the_counts():
    # 48/80 before, 56/70 after: p̄ = 104/150, z = (0.8 − 0.6)/√(p̄(1 − p̄)(1/80 + 1/70))
    # = 2.650; its p equals the uncorrected chi-square test of the 2×2 table (SciPy).
    test, exact = two_proportion_columns(
        events_before=48, trials_before=80, events_after=56, trials_after=70
    )
    pooled = 104 / 150
    z = 0.2 / math.sqrt(pooled * (1 - pooled) * (1 / 80 + 1 / 70))
    chi2 = scipy_stats.chi2_contingency([[56, 14], [48, 32]], correction=False)

    assert not exact[0]
    assert test.statistic[0] == pytest.approx(z, rel=1e-12) == pytest.approx(2.650172, abs=1e-6)
    assert test.p[0] == pytest.approx(chi2.pvalue, rel=1e-9)
    assert math.isnan(test.df[0])


def test_newcombes_interval_reproduces_newcombe_1998():
    # Newcombe, Statistics in Medicine 17 (1998) 873–890, table II, method 10 (hybrid
    # score, no continuity correction): 56/70 − 48/80 → 0.0524 to 0.3339, and
    # 9/10 − 3/10 → 0.1705 to 0.8090.
    test, _ = two_proportion_columns(
        events_before=[48, 3], trials_before=[80, 10], events_after=[56, 9], trials_after=[70, 10]
    )

    assert test.low == pytest.approx([0.0524, 0.1705], abs=5e-5)
    assert test.high == pytest.approx([0.3339, 0.8090], abs=5e-5)


def test_it_uses_fishers_exact_test_when_an_expected_count_is_under_5():
    # 3/10 before, 9/10 after: p̄ = 0.6, expected events 6 and non-events 4 < 5.
    # scipy.stats.fisher_exact([[9, 1], [3, 7]]) = 0.019767 (two-sided).
    test, exact = two_proportion_columns(
        events_before=3, trials_before=10, events_after=9, trials_after=10
    )

    assert exact[0]
    assert test.p[0] == pytest.approx(scipy_stats.fisher_exact([[9, 1], [3, 7]]).pvalue)
    assert test.p[0] == pytest.approx(0.019767, abs=1e-6)
    assert math.isnan(test.statistic[0])


def test_fishers_exact_test_reproduces_the_tea_tasting_lady():
    # Fisher (1935), The Design of Experiments, §2: 3 of 4 cups right each way,
    # two-sided p = 34/70 = 0.4857.
    test, exact = two_proportion_columns(
        events_before=1, trials_before=4, events_after=3, trials_after=4
    )

    assert exact[0]
    assert test.p[0] == pytest.approx(34 / 70)


def test_equal_proportions_with_no_events_are_no_change():
    test, exact = two_proportion_columns(
        events_before=0, trials_before=500, events_after=0, trials_after=300
    )

    assert exact[0] and test.p[0] == 1.0
    assert test.low[0] <= 0.0 <= test.high[0]


def test_the_one_proportion_z_test_uses_the_reference_in_its_standard_error():
    # 5123 of 10000 against 0.5: z = 0.0123 / √(0.25/10000) = 2.46, p = 2Φ(−2.46).
    test, exact = one_proportion_columns(events=5123, trials=10000, reference=0.5)

    assert not exact[0]
    assert test.statistic[0] == pytest.approx(2.46, rel=1e-12)
    assert test.p[0] == pytest.approx(2 * scipy_stats.norm.sf(2.46), rel=1e-12)
    low, high = wilson_interval(5123, 10000)
    assert (test.low[0], test.high[0]) == pytest.approx((low - 0.5, high - 0.5))


def test_it_uses_the_exact_binomial_test_for_a_small_expected_count():
    # 2 of 50 against 0.01: expected 0.5 events; scipy.stats.binomtest(2, 50, 0.01) = 0.0894.
    test, exact = one_proportion_columns(events=2, trials=50, reference=0.01)

    assert exact[0]
    assert test.p[0] == pytest.approx(scipy_stats.binomtest(2, 50, 0.01).pvalue)
    assert test.p[0] == pytest.approx(0.089435, abs=1e-6)


def test_wilsons_interval_reproduces_newcombe_1998():
    # Newcombe, Statistics in Medicine 17 (1998) 857–872, table I: 81/263 → 0.2553 to
    # 0.3662 (score method without continuity correction); and SciPy's Wilson interval.
    low, high = wilson_interval(81, 263)
    expected = scipy_stats.binomtest(81, 263).proportion_ci(method="wilson")

    assert (float(low), float(high)) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert (float(low), float(high)) == pytest.approx((expected.low, expected.high), rel=1e-12)
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0


# --- autocorrelation -----------------------------------------------------------------------


def test_r1_is_the_box_jenkins_lag_1_autocorrelation():
    # 1..5: deviations −2 −1 0 1 2; Σ dₜdₜ₋₁ = 2 + 0 + 0 + 2 = 4, Σ d² = 10: r₁ = 0.4.
    assert lag1([1.0, 2.0, 3.0, 4.0, 5.0]) == pytest.approx(0.4)
    # Alternating: deviations ±1, Σ dₜdₜ₋₁ = −3, Σ d² = 4: r₁ = −0.75.
    assert lag1([1.0, -1.0, 1.0, -1.0]) == pytest.approx(-0.75)


def test_r1_needs_three_points_and_variation():
    assert lag1([1.0, 2.0]) is None
    assert lag1([3.0, 3.0, 3.0, 3.0]) is None


def test_r1_of_many_series_is_each_series_own():
    series = [[1.0, 2.0, 3.0, 4.0, 5.0], [], [1.0, -1.0, 1.0, -1.0], [7.0]]
    values = np.concatenate([np.asarray(s, dtype=float) for s in series if s])
    means = [np.mean(s) if s else 0.0 for s in series]

    r1 = lag1_many(values, [len(s) for s in series], means)

    assert r1[0] == pytest.approx(0.4) and r1[2] == pytest.approx(-0.75)
    assert np.isnan(r1[1]) and np.isnan(r1[3])


@pytest.mark.parametrize(
    ("n", "r1", "expected", "adjusted"),
    [
        (10, 0.5, 10 * 0.5 / 1.5, True),  # n(1 − r₁)/(1 + r₁) = 3.33 (Wilks 2011, eq. 5.12)
        (30, 0.52, 30 * 0.48 / 1.52, True),
        (10, 0.2, 10, False),  # not material: r₁ must exceed 0.2
        (9, 0.9, 9, False),  # too few points to act on r₁
        (20, -0.5, 20, False),  # negative r₁ never inflates n
        (20, float("nan"), 20, False),
    ],
)
def test_the_effective_size_is_used_only_when_material(n, r1, expected, adjusted):
    size, used = effective_sizes(n, r1)

    assert float(size) == pytest.approx(expected)
    assert bool(used) is adjusted


# --- summaries -----------------------------------------------------------------------------


def test_constant_samples_are_summarised_exactly():
    # Ten 0.3s: a sum and a division give 0.30000000000000004; the summary gives 0.3.
    assert np.mean([0.3] * 10) != 0.3
    summary = summarize_many([0.3] * 10 + [0.3] * 6, [10, 6])

    assert summary.mean.tolist() == [0.3, 0.3]
    assert summary.var.tolist() == [0.0, 0.0]
    assert summary.min.tolist() == summary.max.tolist() == [0.3, 0.3]


def test_it_summarises_each_sample_with_its_pooled_counts():
    values = [0.1, 0.2, 0.5, 5.0]
    sizes = [100, 50, np.nan, np.nan]

    summary = summarize_many(values, [2, 0, 2], sizes)

    assert summary.n.tolist() == [2, 0, 2]
    assert summary.mean[0] == pytest.approx(0.15) and np.isnan(summary.mean[1])
    assert summary.var[2] == pytest.approx(np.var([0.5, 5.0], ddof=1))
    assert summary.sized.tolist() == [2, 0, 0]
    assert summary.events[0] == pytest.approx(0.1 * 100 + 0.2 * 50)  # 20 events
    assert summary.trials.tolist() == [150, 0, 0]


@settings(max_examples=100, deadline=None)
@given(
    samples=st.lists(
        st.lists(
            st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
            max_size=12,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_summaries_agree_with_numpy_sample_by_sample(samples):
    values = np.concatenate([np.asarray(s, dtype=float) for s in samples])

    summary = summarize_many(values, [len(s) for s in samples])

    for k, sample in enumerate(samples):
        assert summary.n[k] == len(sample)
        if not sample:
            continue
        assert summary.mean[k] == pytest.approx(np.mean(sample), rel=1e-9, abs=1e-9)
        assert (summary.min[k], summary.max[k]) == (min(sample), max(sample))
        if len(sample) >= 2:
            expected = np.var(sample, ddof=1)
            assert summary.var[k] == pytest.approx(expected, rel=1e-9, abs=1e-6)
            if min(sample) == max(sample):
                assert summary.var[k] == 0.0 and summary.mean[k] == sample[0]
        r1 = summary.r1[k]
        assert np.isnan(r1) or -1 <= r1 <= 1
