"""Column access shared by the metric modules: numpy views of float columns
and membership tests on categoricals that compare codes, not strings (ten
million string comparisons cost seconds; ten million integer ones, ms)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def floats(frame: pd.DataFrame, name: str) -> np.ndarray:
    """A column as float64, NaN where missing."""
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def is_in(series: pd.Series, values: str | Iterable[str]) -> np.ndarray:
    """Which rows hold one of ``values`` (a boolean array)."""
    wanted = [values] if isinstance(values, str) else list(values)
    column = series.astype("category")
    categories = column.cat.categories
    codes = [categories.get_loc(v) for v in wanted if v in categories]
    if not codes:
        return np.zeros(len(series), dtype=bool)
    return np.isin(column.cat.codes.to_numpy(), codes)


def group_codes(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Each row's group (by the values of ``columns``) as a number, and each
    group's values. Built from categorical codes, so grouping millions of rows
    costs integer arithmetic, not string hashing. A missing value is ``""``."""
    key = np.zeros(len(frame), dtype=np.int64)
    categories = []
    for name in columns:
        column = frame[name].astype("category")
        names = ["", *(str(c) for c in column.cat.categories)]
        categories.append(names)
        key = key * len(names) + column.cat.codes.to_numpy(np.int64) + 1
    space = int(np.prod([len(c) for c in categories], dtype=np.float64))
    if space <= 1 << 24:
        present = np.flatnonzero(np.bincount(key, minlength=1)) if key.size else np.array([], dtype=np.int64)
        lookup = np.full(max(space, 1), -1, dtype=np.int64)
        lookup[present] = np.arange(present.size)
        inverse = lookup[key]
    else:
        present, inverse = np.unique(key, return_inverse=True)
    return inverse, [_decode(int(k), categories) for k in present]


def _decode(key: int, categories: list[list[str]]) -> tuple[str, ...]:
    values = []
    for names in reversed(categories):
        key, code = divmod(key, len(names))
        values.append(names[code])
    return tuple(reversed(values))


def group_slices(inverse: np.ndarray, groups: int) -> list[np.ndarray]:
    """The row positions of each group, in row order within a group."""
    # Few groups: a 16-bit key lets numpy's stable sort use radix sort.
    codes = inverse.astype(np.uint16) if groups < 1 << 16 else inverse
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(groups + 1))
    return [order[bounds[g] : bounds[g + 1]] for g in range(groups)]
