"""Live run statistics: what the console progress line and the web UI show
while a test runs.

Counters and a bounded window of recent end-to-end times, so memory stays
flat. These are for watching, not for reporting: every figure in a report
is computed afterwards from the raw records.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from typing import Any

from loadtests.records import RunRecord

WINDOW = 2000
MAX_ERROR_KINDS = 200


class LiveRunStats:
    def __init__(self, window: int = WINDOW) -> None:
        self.submitted = 0
        self.in_flight = 0
        self.by_outcome: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.by_workflow: dict[str, Counter[str]] = {}
        self.recent_end_to_end: deque[float] = deque(maxlen=window)
        self.recent_duration: deque[float] = deque(maxlen=window)

    def run_started(self) -> None:
        self.submitted += 1
        self.in_flight += 1

    def run_finished(self, record: RunRecord) -> None:
        self.in_flight -= 1
        self.by_outcome[record.outcome] += 1
        self.by_workflow.setdefault(record.workflow_id, Counter())[record.outcome] += 1
        if record.end_to_end_s is not None:
            self.recent_end_to_end.append(record.end_to_end_s)
        if record.duration_in_seconds is not None:
            self.recent_duration.append(record.duration_in_seconds)
        message = record.error_message or (record.detail if record.outcome != "completed" else "")
        if message and (message in self.errors or len(self.errors) < MAX_ERROR_KINDS):
            self.errors[message] += 1

    @property
    def finished(self) -> int:
        return sum(self.by_outcome.values())

    def snapshot(self) -> dict[str, Any]:
        return {
            "submitted": self.submitted,
            "in_flight": self.in_flight,
            "finished": self.finished,
            "by_outcome": dict(self.by_outcome),
            "end_to_end_s": percentiles(self.recent_end_to_end),
            "duration_in_seconds": percentiles(self.recent_duration),
            "top_errors": self.errors.most_common(10),
            "by_workflow": {wf: dict(c) for wf, c in self.by_workflow.items()},
        }

    def progress_line(self, elapsed_s: float, users: int) -> str:
        outcomes = " ".join(f"{k} {v}" for k, v in sorted(self.by_outcome.items()))
        e2e = percentiles(self.recent_end_to_end)
        latency = f" | e2e p50 {e2e['p50']:.2f}s p95 {e2e['p95']:.2f}s" if e2e else ""
        minutes, seconds = divmod(int(elapsed_s), 60)
        return (
            f"wfload {minutes}:{seconds:02d} users {users} | runs {self.submitted} submitted, "
            f"{self.in_flight} in flight | {outcomes or 'none finished yet'}{latency}"
        )


def percentiles(values: deque[float] | list[float]) -> dict[str, float]:
    """Nearest-rank p50/p95/p99 of a small window (empty dict if none)."""
    if not values:
        return {}
    ordered = sorted(values)
    n = len(ordered)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * n) - 1)]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "count": n}
