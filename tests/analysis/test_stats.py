"""Percentiles, their intervals and proportion intervals, against known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.stats import (
    Proportion,
    Sample,
    describe,
    interval_coverage,
    interval_ranks,
    nearest_rank,
    percentile_key,
    wilson_interval,
)


def shuffled(values: list[float], seed: int = 1) -> np.ndarray:
    array = np.array(values, dtype=float)
    np.random.default_rng(seed).shuffle(array)
    return array


def test_nearest_rank_percentiles_of_one_to_hundred():
    sample = Sample(shuffled(list(range(1, 101))))
    expected = {50: 50, 75: 75, 90: 90, 95: 95, 99: 99, 99.9: 100, 100: 100, 1: 1, 0.5: 1}
    assert {p: sample.quantile(p) for p in expected} == expected


def test_nearest_rank_percentiles_of_five_values():
    sample = Sample(shuffled([30, 10, 50, 20, 40]))
    assert [sample.quantile(p) for p in (20, 21, 50, 75, 90, 100)] == [10, 20, 30, 40, 50, 50]


def test_products_that_land_on_an_integer_stay_there():
    # 99.9 * 1000 / 100 is 999.0000000000001 in floating point: still rank 999.
    assert nearest_rank(99.9, 1000) == 999
    assert nearest_rank(99.99, 10_000) == 9999
    assert Sample(np.arange(1, 1001)).quantile(99.9) == 999


def test_sample_drops_missing_values_and_summarises():
    sample = Sample([3.0, float("nan"), 1.0, 2.0])
    assert (sample.count, sample.min, sample.max, sample.mean, sample.quantile(50)) == (3, 1.0, 3.0, 2.0, 2.0)
    empty = Sample([float("nan")])
    assert (empty.count, empty.quantile(50), empty.mean, empty.interval(50)) == (0, None, None, (None, None))


def test_median_interval_ranks_match_the_classic_table():
    # Distribution-free 95% interval for the median of 100 values: x(40)..x(61).
    assert interval_ranks(50, 100) == (40, 61)
    sample = Sample(np.arange(1, 101))
    assert sample.interval(50) == (40.0, 61.0)


def test_interval_has_no_bound_the_sample_cannot_support():
    lower, upper = interval_ranks(99.9, 100)
    assert upper is None and lower is not None
    d = describe(Sample(np.arange(1, 101)), "s", [99.9])
    assert d.intervals[99.9][1] is None


@pytest.mark.parametrize(("p", "n"), [(50, 300), (90, 500), (99, 2000)])
def test_interval_coverage_is_95_percent_over_seeded_samples(p, n):
    # n large enough that about 20 values lie beyond the percentile: with
    # fewer, ranks are too coarse for any interval to sit near 95%.
    trials = 1500
    rng = np.random.default_rng(20261204)
    true_quantile = -math.log(1 - p / 100)  # of the standard exponential
    lower, upper = interval_ranks(p, n)
    hits = 0
    for _ in range(trials):
        values = np.sort(rng.exponential(size=n))
        low = values[lower - 1] if lower else -np.inf
        high = values[upper - 1] if upper else np.inf
        hits += low <= true_quantile <= high
    exact = interval_coverage(p, n)
    assert 0.95 <= exact < 0.97  # conservative, and not uselessly wide
    standard_error = math.sqrt(exact * (1 - exact) / trials)
    assert abs(hits / trials - exact) < 4 * standard_error


@pytest.mark.parametrize(
    ("successes", "trials", "low", "high"),
    [(0, 10, 0.0, 0.2775), (1, 10, 0.0179, 0.4042), (5, 10, 0.2366, 0.7634), (10, 10, 0.7225, 1.0)],
)
def test_wilson_interval_known_values(successes, trials, low, high):
    interval = wilson_interval(successes, trials)
    assert interval == pytest.approx((low, high), abs=5e-5)


def test_wilson_interval_ends_are_exact_at_zero_and_all():
    assert wilson_interval(0, 10_000_000)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_wilson_interval_coverage_over_seeded_samples():
    rng = np.random.default_rng(5)
    p, n, trials = 0.03, 400, 2000
    hits = 0
    for successes in rng.binomial(n, p, trials):
        low, high = wilson_interval(int(successes), n)
        hits += low <= p <= high
    assert 0.93 <= hits / trials <= 0.97


def test_proportion_without_denominator_has_no_value():
    assert Proportion("failed", "run", 0, 0, "terminal runs").value is None
    assert Proportion("failed", "run", 0, 0, "terminal runs").interval() is None
    assert Proportion("failed", "run", 3, 12, "terminal runs").value == 0.25


def test_percentile_keys():
    assert [percentile_key(p) for p in (50, 99, 99.9, 99.99)] == ["p50", "p99", "p99_9", "p99_99"]


def test_ecdf_is_exact_at_its_points_and_keeps_the_tail():
    sample = Sample(np.arange(1, 100_001, dtype=float))
    x, y = sample.ecdf(points=1000)
    assert len(x) <= 1000
    assert np.allclose(y, x / 100_000)  # F(x) = x / n for 1..n
    assert x[-1] == 100_000 and (x >= 99_990).sum() >= 5
