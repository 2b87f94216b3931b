"""Where the end-to-end time of an asynchronous run goes.

For a run that reached a terminal status, the time from sending its execute
to receiving the poll that showed the end splits, by the timestamps recorded,
into four parts that add up to it exactly:

- acceptance: ``accepted_at - submitted_at`` (the execute request, with its
  retries; equal to ``execute_ms`` when it was sent once);
- queue wait: ``started_at - accepted_at`` (the server's start against the
  harness's clock; slightly negative when the server starts the run before
  its 202 reaches the harness);
- execution: ``completed_at - started_at`` (the server's own clock; it is
  ``duration_in_seconds`` unless the run has a ``duration_mismatch``);
- detection lag: ``submitted_at + end_to_end_s - completed_at`` (the wait for
  the next poll, and that poll's latency).

Queue wait and detection lag compare the server's clock with the harness's:
exact for the embedded simulator (same machine), off by the clock offset for
a remote target, though their sum is not. ``overhead_s`` (``end_to_end_s -
duration_in_seconds``) needs no clock agreement at all and is reported beside
them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COMPONENTS: dict[str, str] = {
    "acceptance_s": "acceptance",
    "queue_wait_s": "queue wait",
    "execution_s": "execution",
    "detection_lag_s": "detection lag",
}


def components(runs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per run, the four parts in seconds; NaN for all four unless all are known."""

    def column(name: str) -> np.ndarray:
        return runs[name].to_numpy(dtype=float, na_value=np.nan)

    submitted = column("submitted_at")
    accepted = column("accepted_at")
    started = column("started_at_s")
    completed = column("completed_at_s")
    detected = submitted + column("end_to_end_s")
    # Differences of epoch seconds carry float noise below a microsecond,
    # the resolution every recorded time has: rounding removes it.
    parts = {
        "acceptance_s": np.round(accepted - submitted, 6),
        "queue_wait_s": np.round(started - accepted, 6),
        "execution_s": np.round(completed - started, 6),
        "detection_lag_s": np.round(detected - completed, 6),
    }
    unknown = np.zeros(len(runs), dtype=bool)
    for values in parts.values():
        unknown |= np.isnan(values)
    for values in parts.values():
        values[unknown] = np.nan
    return parts


@dataclass(frozen=True)
class Decomposition:
    """Mean parts over the runs where all four are known (means add up, so
    the bar they make is the mean end-to-end time of those runs)."""

    runs: int
    means: dict[str, float | None]
    clock_skew_runs: int

    @property
    def end_to_end_mean(self) -> float | None:
        if not self.runs:
            return None
        return sum(v for v in self.means.values() if v is not None)


def decompose(parts: dict[str, np.ndarray], rows: np.ndarray | None = None) -> Decomposition:
    """Means of the parts over ``rows`` (a boolean mask; all runs if None)."""
    selected = {name: values if rows is None else values[rows] for name, values in parts.items()}
    known = ~np.isnan(selected["acceptance_s"])
    count = int(known.sum())
    means = {name: (float(values[known].mean()) if count else None) for name, values in selected.items()}
    # A run may start before its 202 reaches the harness (a slightly negative
    # queue wait), but not before the execute was sent, and no poll can show
    # a run ended before the server ended it: either means the clocks differ.
    started_early = selected["queue_wait_s"][known] < -selected["acceptance_s"][known]
    skew = started_early | (selected["detection_lag_s"][known] < 0)
    return Decomposition(runs=count, means=means, clock_skew_runs=int(skew.sum()))
