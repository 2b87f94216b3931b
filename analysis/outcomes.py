"""How runs ended, and the failure rates of two of the three levels kept apart:
the *run* level (what the server did with the work) and the *harness* level
(the generator's own bugs). The HTTP level is in :mod:`analysis.httpstats`.

A 429 is never a run failure: a run whose execute was rate limited and then
accepted counts as accepted; one rejected after its retries is ``rejected``,
with the status code kept so rate limiting shows apart from real refusals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema
from analysis.stats import Proportion


@dataclass(frozen=True)
class RunCounts:
    attempts: int
    submitted: int
    accepted: int
    terminal: int
    by_status: dict[str, int]
    rejected_by_status: dict[str, int]
    retried: int

    @property
    def failure_rate(self) -> Proportion:
        return Proportion("failed", "run", self.by_status[schema.FAILED], self.terminal, TERMINAL_RUNS)


TERMINAL_RUNS = "runs that reached a terminal status"
ACCEPTED_RUNS = "accepted runs"
SUBMITTED_RUNS = "submitted runs"
ALL_ATTEMPTS = "run attempts"

# rate name -> (outcome, level, what the denominator counts)
RUN_RATES: dict[str, tuple[str, str, str]] = {
    "failed": (schema.FAILED, "run", TERMINAL_RUNS),
    "awaiting_ui_interaction": (schema.AWAITING_UI, "run", TERMINAL_RUNS),
    "timed_out": (schema.TIMED_OUT, "run", ACCEPTED_RUNS),
    "unfinished": (schema.UNFINISHED, "run", ACCEPTED_RUNS),
    "lost": (schema.LOST, "run", ACCEPTED_RUNS),
    "rejected": (schema.REJECTED, "run", SUBMITTED_RUNS),
    "unknown": (schema.UNKNOWN, "run", SUBMITTED_RUNS),
    "dropped": (schema.DROPPED, "run", ALL_ATTEMPTS),
    "harness_error": (schema.ERROR, "harness", ALL_ATTEMPTS),
}


def count_runs(runs: pd.DataFrame) -> RunCounts:
    outcomes = runs["outcome"].astype(str)
    seen = outcomes.value_counts()
    by_status = {outcome: int(seen.get(outcome, 0)) for outcome in schema.OUTCOMES}
    # An outcome this reader does not know is shown, not silently dropped.
    for outcome, count in seen.items():
        if outcome not in by_status and outcome != "nan":
            by_status[str(outcome)] = int(count)
    rejected = runs.loc[outcomes == schema.REJECTED, "execute_status"]
    rejected_by_status = {
        str(int(code)): int(count) for code, count in sorted(rejected.dropna().value_counts().items())
    }
    attempts = runs["execute_attempts"].to_numpy(dtype=float, na_value=np.nan)
    return RunCounts(
        attempts=len(runs),
        submitted=int(runs["submitted_at"].notna().sum()),
        accepted=int(runs["accepted_at"].notna().sum()),
        terminal=sum(by_status[outcome] for outcome in schema.TERMINAL_OUTCOMES),
        by_status=by_status,
        rejected_by_status=rejected_by_status,
        retried=int(np.nansum(attempts > 1)),
    )


def run_rates(counts: RunCounts) -> dict[str, Proportion]:
    """The run-level and harness-level rates, each over its own denominator."""
    denominators = {
        TERMINAL_RUNS: counts.terminal,
        ACCEPTED_RUNS: counts.accepted,
        SUBMITTED_RUNS: counts.submitted,
        ALL_ATTEMPTS: counts.attempts,
    }
    return {
        name: Proportion(name, level, counts.by_status[outcome], denominators[of], of)
        for name, (outcome, level, of) in RUN_RATES.items()
    }
