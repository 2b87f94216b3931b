"""Figures over time, in fixed windows from the start of the test.

Each window holds rates (runs submitted, accepted and finished per second,
requests and HTTP failures per second), the runs in flight at its middle, and
percentiles of the latencies that started in it: execute latency and
end-to-end time by the run's submission, poll latency by the request's time.
Percentiles per window use the same nearest-rank definition as everywhere.

The series covers the whole test, warm-up and cool-down included (the plots
shade what the statistics leave out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import schema
from analysis.frames import floats, is_in
from analysis.httpstats import classify
from analysis.load import ResultsError
from analysis.stats import nearest_rank, percentile_key
from analysis.window import Window

# Steps a window may have; the shortest that gives at most MAX_WINDOWS wins.
STEPS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
MAX_WINDOWS = 240
# However fine a window is asked for, a figure has no use for more.
MAX_CHOSEN_WINDOWS = 20_000


@dataclass(frozen=True)
class Marker:
    t_s: float
    label: str


@dataclass(frozen=True)
class TimeSeries:
    start: float
    step_s: float
    frame: pd.DataFrame
    markers: list[Marker]


def choose_step(duration_s: float) -> float:
    for step in STEPS_S:
        if duration_s / step <= MAX_WINDOWS:
            return float(step)
    return float(STEPS_S[-1])


def window_index(times: np.ndarray, start: float, step: float, count: int) -> np.ndarray:
    """The window of each time, -1 for times outside the series (or NaN)."""
    with np.errstate(invalid="ignore"):
        index = np.floor((times - start) / step)
    index = np.where(np.isnan(index), -1, index).astype(np.int64)
    # The test's last instant belongs to the last window.
    index[index == count] = count - 1
    index[(index < 0) | (index >= count)] = -1
    return index


def rate_per_window(index: np.ndarray, count: int, step: float, weights: np.ndarray | None = None) -> np.ndarray:
    inside = index >= 0
    w = None if weights is None else weights[inside]
    return np.bincount(index[inside], weights=w, minlength=count)[:count] / step


def percentiles_per_window(index: np.ndarray, values: np.ndarray, count: int, percentiles: list[float]) -> np.ndarray:
    """An array (windows x percentiles), NaN for a window with no values."""
    result = np.full((count, len(percentiles)), np.nan)
    valid = (index >= 0) & ~np.isnan(values)
    index, values = index[valid], values[valid]
    if not index.size:
        return result
    # Records are written in time order, so this stable sort meets
    # nearly sorted input and is close to linear.
    order = np.argsort(index, kind="stable")
    bounds = np.searchsorted(index[order], np.arange(count + 1))
    for window in range(count):
        members = values[order[bounds[window] : bounds[window + 1]]]
        if members.size:
            ranks = [nearest_rank(p, members.size) - 1 for p in percentiles]
            result[window] = np.partition(members, ranks)[ranks]
    return result


def mean_per_window(index: np.ndarray, values: np.ndarray, count: int) -> np.ndarray:
    valid = (index >= 0) & ~np.isnan(values)
    totals = np.bincount(index[valid], weights=values[valid], minlength=count)[:count]
    counts = np.bincount(index[valid], minlength=count)[:count]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def in_flight(accepted: np.ndarray, closed: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Runs accepted and not yet closed at each instant of ``at``. A run never
    closed (a killed test) stays in flight to the end."""
    known = ~np.isnan(accepted)
    opened = np.sort(accepted[known])
    ends = closed[known]
    ends = np.sort(np.where(np.isnan(ends), np.inf, ends))
    return np.searchsorted(opened, at, side="right") - np.searchsorted(ends, at, side="right")


def build_timeseries(
    runs: pd.DataFrame,
    requests: pd.DataFrame,
    parts: dict[str, np.ndarray],
    events: list[dict[str, Any]],
    window: Window,
    percentiles: list[float],
    step_s: float | None = None,
) -> TimeSeries:
    start = window.test_start
    step = step_s or choose_step(window.test_duration_s)
    count = max(1, math.ceil(window.test_duration_s / step))
    if count > MAX_CHOSEN_WINDOWS:
        shortest = window.test_duration_s / MAX_CHOSEN_WINDOWS
        raise ResultsError(
            f"a time-series window of {step:g} s cuts the {window.test_duration_s:.0f} s test into {count:,} "
            f"windows: choose --window {shortest:.2g} or more"
        )

    submitted = floats(runs, "submitted_at")
    accepted = floats(runs, "accepted_at")
    end_to_end = floats(runs, "end_to_end_s")
    finished = np.where(np.isnan(end_to_end), floats(runs, "finished_at"), submitted + end_to_end)
    terminal = is_in(runs["outcome"], schema.TERMINAL_OUTCOMES)
    completed = is_in(runs["outcome"], schema.COMPLETED)
    failed = is_in(runs["outcome"], schema.FAILED)

    by_submission = window_index(submitted, start, step, count)
    by_acceptance = window_index(accepted, start, step, count)
    by_finish = window_index(np.where(terminal, finished, np.nan), start, step, count)
    data: dict[str, np.ndarray] = {
        "t_s": np.arange(count) * step,
        "submitted_per_s": rate_per_window(by_submission, count, step),
        "accepted_per_s": rate_per_window(by_acceptance, count, step),
        "finished_per_s": rate_per_window(by_finish, count, step),
        "completed_per_s": rate_per_window(np.where(completed, by_finish, -1), count, step),
        "failed_per_s": rate_per_window(np.where(failed, by_finish, -1), count, step),
        "in_flight": in_flight(accepted, floats(runs, "finished_at"), start + (np.arange(count) + 0.5) * step),
    }
    data.update(_request_series(requests, start, step, count, percentiles))
    accepted_rows = ~np.isnan(accepted)
    data.update(
        _percentile_columns(
            "execute_ms", np.where(accepted_rows, by_submission, -1), floats(runs, "execute_ms"), count, percentiles
        )
    )
    data.update(_percentile_columns("end_to_end_s", by_submission, end_to_end, count, percentiles))
    for name, values in parts.items():
        data[f"{name}_mean"] = mean_per_window(by_submission, values, count)
    data.update(_load_levels(events, start, step, count))
    return TimeSeries(start=start, step_s=step, frame=pd.DataFrame(data), markers=_markers(events, start))


def _request_series(
    requests: pd.DataFrame, start: float, step: float, count: int, percentiles: list[float]
) -> dict[str, np.ndarray]:
    times = floats(requests, "t")
    status = requests["status"].to_numpy(dtype=float, na_value=-1).astype(np.int64)
    index = window_index(times, start, step, count)
    kinds = classify(status)
    series = {
        "requests_per_s": rate_per_window(index, count, step),
        "http_errors_per_s": rate_per_window(np.where(kinds["http_errors"], index, -1), count, step),
        "http_429_per_s": rate_per_window(np.where(kinds["http_429"], index, -1), count, step),
    }
    polls = is_in(requests["route"], schema.RUN_ROUTE) & (status >= 200) & (status < 300)
    ms = floats(requests, "ms")
    series.update(_percentile_columns("poll_ms", np.where(polls, index, -1), ms, count, percentiles))
    return series


def _percentile_columns(
    metric: str, index: np.ndarray, values: np.ndarray, count: int, percentiles: list[float]
) -> dict[str, np.ndarray]:
    table = percentiles_per_window(index, values, count, percentiles)
    return {f"{metric}_{percentile_key(p)}": table[:, i] for i, p in enumerate(percentiles)}


def _load_levels(events: list[dict[str, Any]], start: float, step: float, count: int) -> dict[str, np.ndarray]:
    """The load the harness was asked for (users, or arrival rate), per window,
    from the ``stage`` events."""
    middles = start + (np.arange(count) + 0.5) * step
    levels: dict[str, np.ndarray] = {}
    for name in ("users", "target_rate_per_s"):
        stages = sorted((float(e["t"]), value) for e in events if (value := _stage_level(e, name)) is not None)
        if not stages:
            continue
        times = np.array([t for t, _ in stages])
        values = np.array([v for _, v in stages])
        position = np.searchsorted(times, middles, side="right") - 1
        levels[name] = np.where(position >= 0, values[np.maximum(position, 0)], np.nan)
    return levels


def _stage_level(event: dict[str, Any], name: str) -> float | None:
    """A stage event's level of ``name``: the format's ``users`` or ``rate``
    key, or a ``level`` with its ``unit`` (``users``, ``runs_per_s``)."""
    if event.get("event") != "stage" or not _is_number(event.get("t")):
        return None
    key, units = ("users", ("users",)) if name == "users" else ("rate", ("runs_per_s", "rate"))
    value = event.get(key)
    if value is None and event.get("unit") in units:
        value = event.get("level")
    return float(value) if _is_number(value) else None


def _markers(events: list[dict[str, Any]], start: float) -> list[Marker]:
    labels = {"drain_start": "drain", "abort": "abort", "worker_lost": "worker lost"}
    markers = []
    for event in events:
        kind = event.get("event")
        if kind in labels and _is_number(event.get("t")):
            markers.append(Marker(float(event["t"]) - start, labels[kind]))
    return markers


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
