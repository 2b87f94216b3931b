"""Throughput over the measurement window: events that happened inside it,
per second of it. Runs are counted by the time of the event itself (a run
submitted during the warm-up but finished after it counts as finished), so
the rates are those the service sustained while measured."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import schema
from analysis.frames import floats, is_in
from analysis.window import Window


def finish_times(runs: pd.DataFrame) -> np.ndarray:
    """When each run's terminal status was seen (wall clock), NaN if never."""
    seen = floats(runs, "submitted_at") + floats(runs, "end_to_end_s")
    seen = np.where(np.isnan(seen), floats(runs, "finished_at"), seen)
    return np.where(is_in(runs["outcome"], schema.TERMINAL_OUTCOMES), seen, np.nan)


def run_throughput(runs: pd.DataFrame, window: Window) -> dict[str, float | None]:
    duration = window.duration_s
    finished = finish_times(runs)
    completed = is_in(runs["outcome"], schema.COMPLETED)

    def per_second(times: np.ndarray) -> float | None:
        return float(window.contains(times).sum()) / duration if duration > 0 else None

    return {
        "runs_submitted_per_s": per_second(floats(runs, "submitted_at")),
        "runs_accepted_per_s": per_second(floats(runs, "accepted_at")),
        "runs_finished_per_s": per_second(finished),
        "runs_completed_per_s": per_second(np.where(completed, finished, np.nan)),
    }


def request_throughput(requests: pd.DataFrame, window: Window) -> float | None:
    if window.duration_s <= 0:
        return None
    return float(window.contains(floats(requests, "t")).sum()) / window.duration_s
