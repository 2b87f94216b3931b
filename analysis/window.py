"""The measurement window: the part of a test that the statistics describe.

A test starts cold (connection pools, caches, autoscaling) and ends draining;
``--warmup`` and ``--cooldown`` leave those seconds out. A run belongs to the
window when it was meant to start inside it (``intended_at``: its arrival in
the open model, its submission in the closed one), so a run is counted or
left out whole; a request belongs by the time it was sent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.load import Results, ResultsError


@dataclass(frozen=True)
class Window:
    test_start: float
    test_end: float
    start: float
    end: float
    warmup_s: float
    cooldown_s: float

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    @property
    def test_duration_s(self) -> float:
        return self.test_end - self.test_start

    def contains(self, times: np.ndarray) -> np.ndarray:
        return (times >= self.start) & (times <= self.end)


def run_times(runs: pd.DataFrame) -> np.ndarray:
    """When each run was meant to start (falling back on what is recorded)."""
    times = runs["intended_at"].to_numpy(dtype=float, na_value=np.nan)
    for fallback in ("submitted_at", "finished_at"):
        missing = np.isnan(times)
        if not missing.any():
            break
        times = np.where(missing, runs[fallback].to_numpy(dtype=float, na_value=np.nan), times)
    return times


def measurement_window(results: Results, warmup_s: float = 0.0, cooldown_s: float = 0.0) -> Window:
    start, end = test_span(results)
    window = Window(start, end, start + warmup_s, end - cooldown_s, warmup_s, cooldown_s)
    if warmup_s + cooldown_s and window.duration_s <= 0:
        raise ResultsError(
            f"a warm-up of {warmup_s:g} s and a cool-down of {cooldown_s:g} s leave nothing of the "
            f"{window.test_duration_s:.0f} s test in {results.path}: choose shorter ones"
        )
    return window


def test_span(results: Results) -> tuple[float, float]:
    """(start, end) of the test in epoch seconds: the meta's, or the records'."""
    runs, requests = results.runs, results.requests
    starts = [run_times(runs), requests["t"].to_numpy(dtype=float, na_value=np.nan)]
    ends = [runs[column].to_numpy(dtype=float, na_value=np.nan) for column in ("finished_at", "submitted_at")] + [
        requests["t"].to_numpy(dtype=float, na_value=np.nan)
    ]
    first = _extreme(starts, np.nanmin)
    last = _extreme(ends, np.nanmax)
    start = _number(results.meta.get("started_at"))
    end = _number(results.meta.get("ended_at"))
    if start is None:
        start = first
    if end is None:
        end = last
    if start is None or end is None:
        raise ResultsError(f"{results.path} records no times: runs.csv is damaged")
    # Records written a moment after the meta's end (the drain's last rows)
    # still belong to the test.
    if last is not None and last > end:
        end = last
    if first is not None and first < start:
        start = first
    return start, max(end, start)


def _extreme(arrays: list[np.ndarray], reduce) -> float | None:
    values = [reduce(a) for a in arrays if a.size and not np.isnan(a).all()]
    return float(reduce(values)) if values else None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)
