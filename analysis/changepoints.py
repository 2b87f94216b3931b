"""Change points in a history: where a metric's level moved for good, across
many runs, rather than between two of them.

Method: binary segmentation (as Hunter / Apache Otava do with E-divisive
means) with a rank statistic. Over a series of n values with ranks r, let
``D_t = 2 * (r_1 + ... + r_t) - t (n + 1)`` (Pettitt's statistic: the
Mann-Whitney U of the first t values against the rest, centred). The
segment between two splits i < j differs from the rest by ``|D_j - D_i|``,
so the largest such difference finds both a step (i = 0 or j = n) and a
level that moves and comes back (a regression later fixed). Its p-value
comes from ``permutations`` seeded shuffles of the ranks (no assumption on
the distribution; the shuffles use the unconstrained range max D - min D,
which makes the test conservative). A split counts when the p-value is at
most ``alpha``, every segment holds ``min_size`` runs or more, and the
medians either side of it differ by ``min_effect`` or more (relative); the
segments are then searched again. Last, a split whose final neighbouring
levels ended up closer than ``min_effect`` is dropped (weakest first). Ranks
keep one wild run from faking a step.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

ALPHA = 0.05
MIN_SIZE = 3
MIN_EFFECT = 0.05
PERMUTATIONS = 1999


@dataclass(frozen=True)
class ChangePoint:
    """The level moves at ``index`` (the first value of the new level)."""

    index: int
    before: float  # median of the segment before
    after: float  # median of the segment after
    p_value: float

    @property
    def change(self) -> float | None:
        """Relative change of the median; +-inf from a median of 0."""
        if self.before == 0:
            return None if self.after == 0 else float(np.sign(self.after) * np.inf)
        return (self.after - self.before) / abs(self.before)


def change_points(
    values: Sequence[float],
    *,
    alpha: float = ALPHA,
    min_size: int = MIN_SIZE,
    min_effect: float = MIN_EFFECT,
    permutations: int = PERMUTATIONS,
    seed: int = 0,
) -> list[ChangePoint]:
    """The change points of ``values``, in order (NaNs are skipped; indices refer to ``values``)."""
    series = np.asarray(values, dtype=float)
    kept = np.flatnonzero(~np.isnan(series))
    x = series[kept]
    rng = np.random.default_rng(seed)
    splits: dict[int, float] = {}
    pending = [(0, x.size)]
    while pending:
        start, end = pending.pop()
        segment = x[start:end]
        found = best_segment(segment, min_size)
        if found is None:
            continue
        i, j, statistic = found
        p_value = _p_value(segment, statistic, min_size, permutations, rng)
        if p_value > alpha:
            continue
        parts = {i: (segment[:i], segment[i:j]), j: (segment[i:j], segment[j:])}
        accepted = [
            split
            for split, (left, right) in parts.items()
            if 0 < split < segment.size and _large_enough(np.median(left), np.median(right), min_effect)
        ]
        for split in accepted:
            splits[start + split] = p_value
        if accepted:
            bounds = [0, *accepted, segment.size]
            pending += [(start + a, start + b) for a, b in itertools.pairwise(bounds)]
    bounds = [0, *_pruned(x, sorted(splits), min_effect), x.size]
    return [
        ChangePoint(int(kept[b]), float(np.median(x[a:b])), float(np.median(x[b:c])), splits[b])
        for a, b, c in zip(bounds, bounds[1:], bounds[2:], strict=False)
    ]


def cumulative_ranks(ranks: np.ndarray) -> np.ndarray:
    """D_0 .. D_n for each row of ranks."""
    n = ranks.shape[-1]
    sums = np.concatenate([np.zeros((*ranks.shape[:-1], 1)), np.cumsum(ranks, axis=-1)], axis=-1)
    return 2 * sums - np.arange(n + 1) * (n + 1)


def best_segment(values: np.ndarray, min_size: int) -> tuple[int, int, float] | None:
    """(i, j, |D_j - D_i|): the splits whose middle segment values[i:j]
    differs most from the rest (i = 0 or j = n: a single step), every part
    ``min_size`` long; None when no split is possible."""
    n = values.size
    if n < 2 * min_size or np.ptp(values) == 0:
        return None
    allowed = _allowed(n, min_size)
    d = cumulative_ranks(sps.rankdata(values))[allowed]
    # For each i, the best j at least min_size further: suffix maxima and minima of D.
    first_j = np.searchsorted(allowed, allowed + min_size)
    valid = first_j < allowed.size
    suffix_max = np.maximum.accumulate(d[::-1])[::-1]
    suffix_min = np.minimum.accumulate(d[::-1])[::-1]
    ends = np.minimum(first_j, allowed.size - 1)
    gaps = np.where(valid, np.maximum(suffix_max[ends] - d, d - suffix_min[ends]), -np.inf)
    k = int(np.argmax(gaps))
    tail = d[ends[k] :]
    target = tail.argmax() if suffix_max[ends[k]] - d[k] >= d[k] - suffix_min[ends[k]] else tail.argmin()
    return int(allowed[k]), int(allowed[ends[k] + target]), float(gaps[k])


def _p_value(values: np.ndarray, observed: float, min_size: int, permutations: int, rng: np.random.Generator) -> float:
    ranks = sps.rankdata(values)
    allowed = _allowed(values.size, min_size)
    shuffled = cumulative_ranks(rng.permuted(np.broadcast_to(ranks, (permutations, ranks.size)), axis=1))[:, allowed]
    at_least = int((shuffled.max(axis=1) - shuffled.min(axis=1) >= observed - 1e-9).sum())
    return (1 + at_least) / (1 + permutations)


def _pruned(x: np.ndarray, splits: list[int], min_effect: float) -> list[int]:
    """Drop the splits whose final neighbouring levels differ by less than
    ``min_effect`` (a split accepted early can lose its step once later splits
    cut its segments), weakest first, until every split stands."""
    splits = list(splits)
    while splits:
        bounds = [0, *splits, x.size]
        effects = [
            _effect(np.median(x[a:b]), np.median(x[b:c]))
            for a, b, c in zip(bounds, bounds[1:], bounds[2:], strict=False)
        ]
        weakest = int(np.argmin(effects))
        if effects[weakest] >= min_effect:
            break
        del splits[weakest]
    return splits


def _allowed(n: int, min_size: int) -> np.ndarray:
    """Split positions that leave min_size values at either end (0 and n: no split)."""
    return np.unique(np.r_[0, np.arange(min_size, n - min_size + 1), n])


def _large_enough(before: float, after: float, min_effect: float) -> bool:
    return _effect(before, after) >= min_effect


def _effect(before: float, after: float) -> float:
    """The relative size of a change of level (infinite from 0)."""
    if before == 0:
        return 0.0 if after == 0 else np.inf
    return abs(after - before) / abs(before)
