"""The statistics of ``wfload compare``: the Beta-rank bootstrap is the
bootstrap, Newcombe's interval matches the published example, kept samples
stay exact, and verdicts are calibrated over many seeded synthetic pairs:
at most 5% false alarms for identical tests, a 20% shift of p95 at about
2,000 values a side detected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from analysis.budgets import Limit
from analysis.expressions import parse_expression
from analysis.samples import KeptSample
from analysis.sides import RESULTS, Side
from analysis.significance import (
    DIFFERENCE,
    RELATIVE,
    Change,
    bootstrap_percentile,
    family_confidence,
    mean_change,
    minimum_samples,
    newcombe_interval,
    percentile_change,
    rate_change,
)
from analysis.stats import Sample, nearest_rank
from analysis.verdict import (
    IMPROVED,
    INCONCLUSIVE,
    REGRESSED,
    WITHIN_NOISE,
    Settings,
    compare,
    compared_limits,
    judge,
)


def kept(values) -> KeptSample:
    return KeptSample.of(Sample(np.asarray(values, dtype=float)))


def synthetic_side(rng: np.random.Generator, n: int, scale: float = 1.0, failure: float = 0.03) -> Side:
    """A test in memory: lognormal end-to-end (times ``scale``) and execute latencies, two rates."""
    samples = {
        "all": {
            "end_to_end_s": kept(rng.lognormal(0.3, 0.5, n) * scale),
            "execute_ms": kept(rng.lognormal(2.5, 0.6, n)),
        }
    }
    summary = {
        "rate_details": {
            "failed": {"numerator": int(rng.binomial(n, failure)), "denominator": n},
            "http_errors": {"numerator": int(rng.binomial(5 * n, 0.002)), "denominator": 5 * n},
        }
    }
    return Side(RESULTS, Path("synthetic"), summary, samples)


def verdicts(base: Side, current: Side, seed: int) -> dict[str, str]:
    return {
        c.limit.expression.text: c.verdict for c in compare(compared_limits(None), base, current, Settings(seed=seed))
    }


def test_identical_tests_raise_at_most_5_percent_false_alarms_over_200_seeded_pairs():
    rng = np.random.default_rng(2026)
    alarms = sum(
        REGRESSED in verdicts(synthetic_side(rng, 2000), synthetic_side(rng, 2000), seed).values()
        for seed in range(200)
    )
    # Any of the seven default figures regressed counts as a false alarm for the pair.
    assert alarms / 200 <= 0.05, f"{alarms} false alarms in 200 identical pairs"


def test_small_identical_tests_do_not_cry_wolf_either():
    rng = np.random.default_rng(7)
    alarms = sum(
        REGRESSED in verdicts(synthetic_side(rng, 300), synthetic_side(rng, 300), seed).values() for seed in range(100)
    )
    assert alarms <= 5


def test_a_20_percent_p95_shift_with_2000_values_a_side_is_regressed():
    rng = np.random.default_rng(11)
    found = [
        verdicts(synthetic_side(rng, 2000), synthetic_side(rng, 2000, scale=1.2), seed)["p95(end_to_end_s)"]
        for seed in range(100)
    ]
    assert found.count(REGRESSED) >= 95, found


def test_a_20_percent_speed_up_is_improved_not_regressed():
    rng = np.random.default_rng(12)
    found = verdicts(synthetic_side(rng, 2000), synthetic_side(rng, 2000, scale=1 / 1.2), 0)
    assert found["p50(end_to_end_s)"] == found["p95(end_to_end_s)"] == IMPROVED


def test_a_tripled_failure_rate_is_regressed():
    rng = np.random.default_rng(13)
    found = verdicts(synthetic_side(rng, 2000), synthetic_side(rng, 2000, failure=0.09), 0)
    assert found["rate(failed)"] == REGRESSED


def test_too_few_values_are_inconclusive_with_the_minimum_named():
    rng = np.random.default_rng(14)
    found = compare(compared_limits(None), synthetic_side(rng, 150), synthetic_side(rng, 150, 2.0), Settings())
    by_name = {c.limit.expression.text: c for c in found}
    assert by_name["p95(end_to_end_s)"].verdict == INCONCLUSIVE
    assert by_name["p95(end_to_end_s)"].note == "fewer than 200 values a side"
    assert by_name["p50(end_to_end_s)"].verdict == REGRESSED  # 150 values are plenty for a median


def test_minimum_samples():
    assert minimum_samples(None) == 20
    assert minimum_samples(50) == 20
    assert minimum_samples(95) == 200
    assert minimum_samples(99) == 1000
    assert minimum_samples(99.9) == 10000


def test_beta_rank_draws_are_the_resampling_bootstrap():
    """The k-th order statistic of n draws with replacement, by Beta draws of its rank,
    has the same distribution as resampling and sorting (two-sample KS test)."""
    rng = np.random.default_rng(3)
    values = rng.lognormal(0, 1, 301)
    sample = kept(values)
    fast = bootstrap_percentile(sample, 90, 4000, rng)
    slow = np.sort(rng.choice(values, (4000, values.size)), axis=1)[:, nearest_rank(90, values.size) - 1]
    assert sps.ks_2samp(fast, slow).pvalue > 0.01
    assert np.isin(fast, values).all()


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873, example (a): 56/70 against 48/80, method 10.
    low, high = newcombe_interval(48, 80, 56, 70)
    assert low == pytest.approx(0.0524, abs=5e-4) and high == pytest.approx(0.3339, abs=5e-4)
    low, high = newcombe_interval(0, 10, 0, 10)  # example (h): 0/10 against 0/10
    assert low == pytest.approx(-0.2775, abs=5e-4) and high == pytest.approx(0.2775, abs=5e-4)


def test_rate_change_is_a_difference_and_handles_zero_events():
    change = rate_change((0, 1000), (12, 1000))
    assert change.interval_of == DIFFERENCE and change.direction == 1
    assert change.relative == float("inf")
    assert rate_change((5, 10), (5, 10)).missing == "fewer than 20 in a denominator"


def test_percentile_and_mean_changes_are_relative_with_seeded_intervals():
    rng = np.random.default_rng(4)
    base, current = kept(rng.lognormal(0, 0.3, 3000)), kept(rng.lognormal(0, 0.3, 3000) * 1.5)
    first = percentile_change(base, current, 95, 0.95, np.random.default_rng(1))
    again = percentile_change(base, current, 95, 0.95, np.random.default_rng(1))
    assert first == again and first.interval_of == RELATIVE
    low, high = first.interval
    assert low < first.relative < high and 0.35 < first.relative < 0.65
    mean = mean_change(base, current, 0.95, np.random.default_rng(1))
    assert mean.direction == 1 and mean.interval[0] < mean.relative < mean.interval[1]


def test_a_baseline_at_zero_is_judged_by_difference():
    base, current = kept(np.zeros(500)), kept(np.r_[np.zeros(400), np.ones(100)])
    change = percentile_change(base, current, 95, 0.95, np.random.default_rng(0))
    assert change.interval_of == DIFFERENCE and change.direction == 1


def test_kept_samples_thin_large_samples_and_stay_exact_in_rank():
    values = np.arange(1, 1_000_001, dtype=float)
    sample = KeptSample.of(Sample(values), cap=1000)
    assert sample.values.size == 1000 and sample.count == 1_000_000
    assert sample.quantile(50) == pytest.approx(500_000, rel=1e-3)
    assert sample.quantile(99.9) == pytest.approx(999_000, rel=1e-3)
    assert sample.quantile(100) == 1_000_000
    small = KeptSample.of(Sample(np.arange(1, 101, dtype=float)))
    assert small.quantile(99) == 99 and small.quantile(50) == 50


def test_bonferroni_level():
    assert family_confidence(0.95, 1) == pytest.approx(0.95)
    assert family_confidence(0.95, 8) == pytest.approx(1 - 0.05 / 8)


@pytest.mark.parametrize(
    ("interval", "relative_current", "limit", "expected"),
    [
        ((0.12, 0.30), 1.20, Limit(parse_expression("p95(end_to_end_s)")), REGRESSED),
        ((0.01, 0.07), 1.04, Limit(parse_expression("p95(end_to_end_s)")), WITHIN_NOISE),  # under 5% noise
        ((-0.05, 0.40), 1.20, Limit(parse_expression("p95(end_to_end_s)")), WITHIN_NOISE),  # not significant
        ((0.12, 0.30), 1.20, Limit(parse_expression("p95(end_to_end_s)"), relative=0.25), WITHIN_NOISE),
        ((0.12, 0.30), 1.20, Limit(parse_expression("p95(end_to_end_s)"), absolute=0.3), REGRESSED),
        ((0.12, 0.30), 1.20, Limit(parse_expression("p95(end_to_end_s)"), absolute=3.0), WITHIN_NOISE),
        ((-0.30, -0.12), 0.80, Limit(parse_expression("p95(end_to_end_s)")), IMPROVED),
    ],
)
def test_judge(interval, relative_current, limit, expected):
    change = Change(2.0, 2.0 * relative_current, 2000, 2000, interval, RELATIVE)
    assert judge(change, limit, noise=0.05)[0] == expected
