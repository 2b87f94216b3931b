"""Exact statistics from raw values: percentiles with confidence intervals,
and proportions with Wilson intervals. Pure functions and small value types.

Percentile definition (used everywhere in the reports): **nearest rank**, the
inverse of the empirical distribution function (Hyndman and Fan's type 1).
The p-th percentile of n values is the value at rank ``ceil(p/100 * n)`` in
ascending order (rank 1 for p = 0). It is always one of the observed values,
never above the maximum: on the values 1..100, p50 = 50, p99 = 99 and
p99.9 = 100. (Locust reports rank ``floor(p/100 * n) + 1`` of rounded
values instead; see the shared locust notes.)

Percentile intervals are distribution-free order-statistic intervals: the
number of values at or below the true p-th percentile is Binomial(n, p), so
the ranks ``l`` and ``u`` below give ``P(x_(l) <= q_p <= x_(u)) >= 95%`` for
any continuous distribution, exactly, without resampling. Where the sample is
too small for a bound (the upper bound of p99.9 over 100 values), that bound
is ``None``: nothing in the data supports one.

Proportion intervals are Wilson score intervals, which stay inside [0, 1]
and behave at 0 and n successes, unlike the normal approximation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

CONFIDENCE = 0.95
DEFAULT_PERCENTILES: tuple[float, ...] = (50, 75, 90, 95, 99, 99.9)

Interval = tuple[float | None, float | None]


def percentile_key(p: float) -> str:
    """The key a percentile has in summaries: 50 -> "p50", 99.9 -> "p99_9"."""
    text = f"{p:g}"
    return "p" + text.replace(".", "_")


def percentile_label(p: float) -> str:
    """The label a percentile has in reports: 50 -> "p50", 99.9 -> "p99.9"."""
    return f"p{p:g}"


def nearest_rank(p: float, n: int) -> int:
    """The 1-based rank of the p-th percentile (0 <= p <= 100) of n values."""
    if n <= 0:
        raise ValueError("no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile out of range: {p}")
    exact = p * n / 100
    # p/100 * n in floating point lands a hair above an integer for cases
    # like 99.9 * 1000; the tolerance keeps such products on that integer.
    rank = math.ceil(exact - 1e-9 * max(1.0, exact))
    return min(n, max(1, rank))


def interval_ranks(p: float, n: int, confidence: float = CONFIDENCE) -> tuple[int | None, int | None]:
    """1-based ranks (l, u) of the order-statistic interval for the p-th
    percentile of n values; ``None`` where the sample gives no bound.

    With B ~ Binomial(n, p/100) the count of values at or below the true
    percentile, x_(l) <= q iff B >= l and x_(u) >= q iff B <= u - 1, so the
    coverage is F(u - 1) - F(l - 1). l is the smallest k with F(k) >= a/2
    (so F(l - 1) < a/2) and u - 1 the smallest k with F(k) >= 1 - a/2.
    """
    alpha = 1 - confidence
    q = p / 100
    lower = int(sps.binom.ppf(alpha / 2, n, q))
    upper = int(sps.binom.ppf(1 - alpha / 2, n, q)) + 1
    return (lower if lower >= 1 else None), (upper if upper <= n else None)


def interval_coverage(p: float, n: int, confidence: float = CONFIDENCE) -> float:
    """The exact coverage of :func:`interval_ranks` for continuous data."""
    lower, upper = interval_ranks(p, n, confidence)
    q = p / 100
    high = 1.0 if upper is None else float(sps.binom.cdf(upper - 1, n, q))
    low = 0.0 if lower is None else float(sps.binom.cdf(lower - 1, n, q))
    return high - low


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; ``None`` for no trials."""
    if trials <= 0:
        return None
    z = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    phat = successes / trials
    denominator = 1 + z * z / trials
    centre = (phat + z * z / (2 * trials)) / denominator
    half = z / denominator * math.sqrt(phat * (1 - phat) / trials + z * z / (4 * trials * trials))
    # At 0 (or n) successes the bound is 0 (or 1) exactly; the arithmetic
    # leaves a rounding residue that would print as 4e-20.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high


class Sample:
    """One metric's values, sorted once; every figure about it comes from here.

    NaNs (a run that has no such value) are dropped on the way in.
    """

    def __init__(self, values: np.ndarray | Sequence[float], *, presorted: bool = False) -> None:
        array = np.asarray(values, dtype=float)
        if not presorted:
            array = array[~np.isnan(array)]
            array.sort()
        self.values = array

    @property
    def count(self) -> int:
        return int(self.values.size)

    @property
    def mean(self) -> float | None:
        return float(self.values.mean()) if self.count else None

    @property
    def min(self) -> float | None:
        return float(self.values[0]) if self.count else None

    @property
    def max(self) -> float | None:
        return float(self.values[-1]) if self.count else None

    @property
    def total(self) -> float:
        return float(self.values.sum())

    def quantile(self, p: float) -> float | None:
        if not self.count:
            return None
        return float(self.values[nearest_rank(p, self.count) - 1])

    def interval(self, p: float, confidence: float = CONFIDENCE) -> Interval:
        if not self.count:
            return None, None
        lower, upper = interval_ranks(p, self.count, confidence)
        return (
            None if lower is None else float(self.values[lower - 1]),
            None if upper is None else float(self.values[upper - 1]),
        )

    def ecdf(self, points: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """(x, F(x)) at up to ``points`` ranks, denser in the upper tail so a
        plot keeps the p99.9 region exact however many values there are."""
        n = self.count
        if n == 0:
            return np.array([]), np.array([])
        if n <= points:
            ranks = np.arange(1, n + 1)
        else:
            body = np.linspace(1, n, points // 2)
            # Ranks whose distance from the top shrinks geometrically.
            tail = n + 1 - np.geomspace(n, 1, points // 2)
            ranks = np.unique(np.clip(np.round(np.concatenate([body, tail])), 1, n).astype(np.int64))
        return self.values[ranks - 1], ranks / n


@dataclass(frozen=True)
class Distribution:
    """The summary of a Sample at chosen percentiles, in the metric's unit."""

    unit: str
    count: int
    mean: float | None
    min: float | None
    max: float | None
    percentiles: dict[float, float | None]
    intervals: dict[float, Interval]


def describe(sample: Sample, unit: str, percentiles: Iterable[float], confidence: float = CONFIDENCE) -> Distribution:
    ps = sorted(set(percentiles))
    return Distribution(
        unit=unit,
        count=sample.count,
        mean=sample.mean,
        min=sample.min,
        max=sample.max,
        percentiles={p: sample.quantile(p) for p in ps},
        intervals={p: sample.interval(p, confidence) for p in ps},
    )


@dataclass(frozen=True)
class Proportion:
    """``numerator`` of ``denominator`` things, with its Wilson interval.

    ``level`` keeps failure kinds apart (``run``, ``http``, ``harness``) and
    ``of`` says what the denominator counts, for the report's reader.
    """

    name: str
    level: str
    numerator: int
    denominator: int
    of: str

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def interval(self, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
        return wilson_interval(self.numerator, self.denominator, confidence)
