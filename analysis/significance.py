"""Is a change between two tests real? Intervals for the change of a
percentile, a mean and a rate from one test (the baseline) to another.

**Percentiles**: a percentile bootstrap of the relative change
``q_current / q_baseline - 1``, each side resampled independently. It needs
no resampling of the values: the k-th smallest of n draws from a sample's
empirical distribution is the value at rank ``ceil(n * U)`` with
``U ~ Beta(k, n - k + 1)`` (the k-th order statistic of n uniforms), so one
Beta draw per resample gives exactly what resampling all n values and
sorting them would. ``RESAMPLES`` draws cost microseconds whatever n is.

**Means**: the bootstrap distribution of a mean is, for the sample sizes
compared (at least ``MIN_SAMPLES``), its normal limit
``N(mean, sd^2 / n)``; draws from it replace resampling.

**Rates**: Newcombe's hybrid score interval (his method 10) for the
difference of two proportions, built from the two Wilson intervals; exact
enough at 0 events, where the normal approximation fails.

Too few values make a percentile meaningless: a comparison needs at least
``MIN_SAMPLES`` values a side and, for a percentile p, ``TAIL_VALUES``
values beyond it (n >= 10 / (1 - p/100): 200 for p95, 1,000 for p99);
otherwise it is *inconclusive*. All draws come from a seeded generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from analysis.samples import KeptSample
from analysis.stats import CONFIDENCE, nearest_rank, wilson_interval

RESAMPLES = 10_000
MIN_SAMPLES = 20
TAIL_VALUES = 10
RELATIVE = "relative"
DIFFERENCE = "difference"


@dataclass(frozen=True)
class Change:
    """One figure from baseline to current, with an interval for its change.

    ``interval`` bounds the relative change (``interval_of == "relative"``:
    0.1 = +10 %) or, for rates and for figures whose baseline is not above 0,
    the difference ``current - baseline`` (``"difference"``). It is None
    when the comparison is inconclusive (``missing`` says why).
    """

    baseline: float | None
    current: float | None
    n_baseline: int
    n_current: int
    interval: tuple[float, float] | None = None
    interval_of: str = RELATIVE
    missing: str = ""

    @property
    def conclusive(self) -> bool:
        return self.interval is not None

    @property
    def relative(self) -> float | None:
        """``current / baseline - 1``; +inf from a baseline of 0 to more."""
        if self.baseline is None or self.current is None:
            return None
        if self.baseline == 0:
            return 0.0 if self.current == 0 else math.copysign(math.inf, self.current)
        if self.baseline < 0:
            return None
        return self.current / self.baseline - 1

    @property
    def difference(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline

    @property
    def direction(self) -> int:
        """+1 when the interval lies wholly above 0 (a significant rise), -1 below, 0 otherwise."""
        if self.interval is None:
            return 0
        low, high = self.interval
        return 1 if low > 0 else -1 if high < 0 else 0


def minimum_samples(percentile: float | None) -> int:
    """Values a side needs for a conclusive comparison of this percentile (None: a mean or rate)."""
    if percentile is None:
        return MIN_SAMPLES
    # Rounded first: 1 - 99.9/100 is a hair off 0.001 in floating point.
    return max(MIN_SAMPLES, math.ceil(round(TAIL_VALUES * 100 / (100 - percentile), 6)))


def family_confidence(confidence: float, comparisons: int) -> float:
    """Bonferroni: each of ``comparisons`` intervals at this level holds
    together with the others at ``confidence`` at least."""
    return 1 - (1 - confidence) / max(1, comparisons)


def percentile_change(
    baseline: KeptSample,
    current: KeptSample,
    percentile: float,
    confidence: float = CONFIDENCE,
    rng: np.random.Generator | None = None,
    resamples: int = RESAMPLES,
) -> Change:
    rng = rng if rng is not None else np.random.default_rng(0)
    needed = minimum_samples(percentile)
    change = Change(baseline.quantile(percentile), current.quantile(percentile), baseline.count, current.count)
    if min(baseline.count, current.count) < needed:
        return _inconclusive(change, f"fewer than {needed:,} values a side")
    draws = (
        bootstrap_percentile(baseline, percentile, resamples, rng),
        bootstrap_percentile(current, percentile, resamples, rng),
    )
    return _with_interval(change, *draws, confidence)


def mean_change(
    baseline: KeptSample,
    current: KeptSample,
    confidence: float = CONFIDENCE,
    rng: np.random.Generator | None = None,
    resamples: int = RESAMPLES,
) -> Change:
    rng = rng if rng is not None else np.random.default_rng(0)
    change = Change(baseline.mean, current.mean, baseline.count, current.count)
    if min(baseline.count, current.count) < MIN_SAMPLES:
        return _inconclusive(change, f"fewer than {MIN_SAMPLES} values a side")
    draws = [rng.normal(side.mean, side.std / math.sqrt(side.count), resamples) for side in (baseline, current)]
    return _with_interval(change, draws[0], draws[1], confidence)


def rate_change(baseline: tuple[int, int], current: tuple[int, int], confidence: float = CONFIDENCE) -> Change:
    """Rates as (events, denominator); the interval is of the difference."""
    (x1, n1), (x2, n2) = baseline, current
    change = Change(x1 / n1 if n1 else None, x2 / n2 if n2 else None, n1, n2, interval_of=DIFFERENCE)
    if min(n1, n2) < MIN_SAMPLES:
        return _inconclusive(change, f"fewer than {MIN_SAMPLES} in a denominator")
    return replace(change, interval=newcombe_interval(x1, n1, x2, n2, confidence))


def bootstrap_percentile(sample: KeptSample, percentile: float, size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` bootstrap replicates of a percentile (nearest rank), by Beta draws of its rank."""
    n = sample.count
    k = nearest_rank(percentile, n)
    uniform = rng.beta(k, n - k + 1, size)
    ranks = np.clip(np.ceil(uniform * n).astype(np.int64), 1, n)
    return sample.at_ranks(ranks)


def newcombe_interval(x1: int, n1: int, x2: int, n2: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Interval of ``x2/n2 - x1/n1`` (Newcombe 1998, method 10)."""
    p1, p2 = x1 / n1, x2 / n2
    low1, high1 = wilson_interval(x1, n1, confidence) or (0.0, 1.0)
    low2, high2 = wilson_interval(x2, n2, confidence) or (0.0, 1.0)
    difference = p2 - p1
    return (
        difference - math.sqrt((p2 - low2) ** 2 + (high1 - p1) ** 2),
        difference + math.sqrt((high2 - p2) ** 2 + (p1 - low1) ** 2),
    )


def _with_interval(change: Change, base: np.ndarray, current: np.ndarray, confidence: float) -> Change:
    alpha = 1 - confidence
    # A ratio needs a baseline above 0 in every replicate; otherwise the difference is judged.
    if change.baseline is not None and change.baseline > 0 and base.min() > 0:
        replicates, kind = current / base - 1, RELATIVE
    else:
        replicates, kind = current - base, DIFFERENCE
    low, high = np.quantile(replicates, [alpha / 2, 1 - alpha / 2])
    return replace(change, interval=(float(low), float(high)), interval_of=kind)


def _inconclusive(change: Change, why: str) -> Change:
    return replace(change, interval=None, missing=why)
