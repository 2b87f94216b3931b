"""Live run statistics: what the console progress line and the web UI show
while a test runs.

Counters and a bounded window of recent end-to-end times, so memory stays
flat. A snapshot is plain data, so a worker can send it to the master, which
combines its workers' snapshots into one. These figures are for watching,
not for reporting: every figure in a report is computed afterwards from the
raw records.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from typing import Any

from loadtests.records import RunRecord

WINDOW = 2000
WORKFLOW_WINDOW = 500
SHIPPED_SAMPLES = 500
MAX_ERROR_KINDS = 200
TOP_ERRORS = 10


class LiveRunStats:
    def __init__(self, window: int = WINDOW) -> None:
        self.submitted = 0
        self.in_flight = 0
        self.by_outcome: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.by_workflow: dict[str, Counter[str]] = {}
        self.in_flight_by_workflow: Counter[str] = Counter()
        self.recent_end_to_end: deque[float] = deque(maxlen=window)
        self.recent_duration: deque[float] = deque(maxlen=window)
        self.workflow_samples: dict[str, dict[str, deque[float]]] = {}

    def run_started(self, workflow_id: str) -> None:
        self.submitted += 1
        self.in_flight += 1
        self.in_flight_by_workflow[workflow_id] += 1

    def run_finished(self, record: RunRecord) -> None:
        self.in_flight -= 1
        self.in_flight_by_workflow[record.workflow_id] -= 1
        self.by_outcome[record.outcome] += 1
        self.by_workflow.setdefault(record.workflow_id, Counter())[record.outcome] += 1
        samples = self.workflow_samples.get(record.workflow_id)
        if samples is None:
            samples = self.workflow_samples[record.workflow_id] = {
                "end_to_end_s": deque(maxlen=WORKFLOW_WINDOW),
                "duration_in_seconds": deque(maxlen=WORKFLOW_WINDOW),
            }
        if record.end_to_end_s is not None:
            self.recent_end_to_end.append(record.end_to_end_s)
            samples["end_to_end_s"].append(record.end_to_end_s)
        if record.duration_in_seconds is not None:
            self.recent_duration.append(record.duration_in_seconds)
            samples["duration_in_seconds"].append(record.duration_in_seconds)
        message = record.error_message or (record.detail if record.outcome != "completed" else "")
        if message and (message in self.errors or len(self.errors) < MAX_ERROR_KINDS):
            self.errors[message] += 1

    def snapshot(self, with_samples: bool = False) -> dict[str, Any]:
        """Plain data; ``with_samples`` adds recent samples so snapshots can be combined."""
        snap: dict[str, Any] = {
            "submitted": self.submitted,
            "in_flight": self.in_flight,
            "by_outcome": dict(self.by_outcome),
            "errors": dict(self.errors.most_common(TOP_ERRORS * 5)),
            "by_workflow": {wf: dict(c) for wf, c in self.by_workflow.items()},
            "in_flight_by_workflow": {wf: n for wf, n in self.in_flight_by_workflow.items() if n},
            "end_to_end_s": percentiles(self.recent_end_to_end),
            "duration_in_seconds": percentiles(self.recent_duration),
            "workflow_samples": {
                wf: {key: list(values)[-SHIPPED_SAMPLES:] for key, values in samples.items()}
                for wf, samples in self.workflow_samples.items()
            },
        }
        if with_samples:
            snap["samples"] = {
                "end_to_end_s": list(self.recent_end_to_end)[-SHIPPED_SAMPLES:],
                "duration_in_seconds": list(self.recent_duration)[-SHIPPED_SAMPLES:],
            }
        return snap


def combine(snapshots: list[dict[str, Any]]) -> dict[str, Any]:
    """One snapshot from several workers' (sums, and percentiles over their recent samples)."""
    combined: dict[str, Any] = {"submitted": 0, "in_flight": 0}
    outcomes: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    workflows: dict[str, Counter[str]] = {}
    in_flight: Counter[str] = Counter()
    samples: dict[str, list[float]] = {"end_to_end_s": [], "duration_in_seconds": []}
    workflow_samples: dict[str, dict[str, list[float]]] = {}
    for snap in snapshots:
        combined["submitted"] += snap.get("submitted", 0)
        combined["in_flight"] += snap.get("in_flight", 0)
        outcomes.update(snap.get("by_outcome", {}))
        errors.update(snap.get("errors", {}))
        for workflow, counts in snap.get("by_workflow", {}).items():
            workflows.setdefault(workflow, Counter()).update(counts)
        in_flight.update(snap.get("in_flight_by_workflow", {}))
        for key, values in snap.get("samples", {}).items():
            samples[key].extend(values)
        for workflow, by_key in snap.get("workflow_samples", {}).items():
            merged = workflow_samples.setdefault(workflow, {"end_to_end_s": [], "duration_in_seconds": []})
            for key, values in by_key.items():
                merged[key].extend(values)
    combined["by_outcome"] = dict(outcomes)
    combined["errors"] = dict(errors.most_common(TOP_ERRORS * 5))
    combined["by_workflow"] = {wf: dict(c) for wf, c in workflows.items()}
    combined["in_flight_by_workflow"] = dict(in_flight)
    combined["workflow_samples"] = workflow_samples
    for key, values in samples.items():
        combined[key] = percentiles(values)
    return combined


def finished(snapshot: dict[str, Any]) -> int:
    return sum(snapshot.get("by_outcome", {}).values())


def progress_line(snapshot: dict[str, Any], elapsed_s: float, users: int) -> str:
    outcomes = " ".join(f"{k} {v}" for k, v in sorted(snapshot.get("by_outcome", {}).items()))
    e2e = snapshot.get("end_to_end_s") or {}
    latency = f" | e2e p50 {e2e['p50']:.2f}s p95 {e2e['p95']:.2f}s" if e2e else ""
    minutes, seconds = divmod(int(elapsed_s), 60)
    return (
        f"wfload {minutes}:{seconds:02d} users {users} | runs {snapshot.get('submitted', 0)} submitted, "
        f"{snapshot.get('in_flight', 0)} in flight | {outcomes or 'none finished yet'}{latency}"
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
