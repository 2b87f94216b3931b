"""What the harness writes down: run, request and node records.

The writer's side of the results schema in ``docs/results-format.md``; the
column tuples here are the CSV headers, in order. ``analysis`` reads the
same document from the other side and never imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA = "wfload-results"
SCHEMA_VERSION = 1

RUN_COLUMNS = (
    "attempt_id",
    "run_id",
    "workflow_id",
    "worker",
    "user",
    "intended_at",
    "submitted_at",
    "start_lag_s",
    "execute_ms",
    "execute_status",
    "execute_attempts",
    "accepted_at",
    "outcome",
    "last_status",
    "started_at",
    "completed_at",
    "duration_in_seconds",
    "error_message",
    "detail",
    "end_to_end_s",
    "finished_at",
    "polls",
    "nodes",
    "anomalies",
)
REQUEST_COLUMNS = ("t", "route", "method", "status", "ms", "bytes", "error", "worker")
NODE_COLUMNS = ("run_id", "workflow_id", "seq", "node_id", "component_id", "status", "created_at")

TABLES = {"runs": RUN_COLUMNS, "requests": REQUEST_COLUMNS, "nodes": NODE_COLUMNS}

# Outcomes beyond the server's terminal statuses (see docs/results-format.md).
TIMED_OUT = "timed_out"
UNFINISHED = "unfinished"
REJECTED = "rejected"
UNKNOWN = "unknown"
LOST = "lost"
DROPPED = "dropped"
ERROR = "error"

MAX_ERROR_LENGTH = 300


@dataclass(slots=True)
class RunRecord:
    """One execute attempt, from intent to its end. Every attempt ends as
    exactly one record, whatever happened."""

    attempt_id: str
    workflow_id: str
    worker: int
    user: int
    intended_at: float
    run_id: str = ""
    submitted_at: float | None = None
    start_lag_s: float = 0.0
    execute_ms: float | None = None
    execute_status: int | None = None
    execute_attempts: int = 0
    accepted_at: float | None = None
    outcome: str = ""
    last_status: str = ""
    started_at: str | None = None
    completed_at: str | None = None
    duration_in_seconds: float | None = None
    error_message: str | None = None
    detail: str = ""
    end_to_end_s: float | None = None
    finished_at: float | None = None
    polls: int = 0
    nodes: int = 0
    anomalies: list[str] = field(default_factory=list)

    def note_anomalies(self, kinds: list[str]) -> None:
        for kind in kinds:
            if kind not in self.anomalies:
                self.anomalies.append(kind)

    def row(self) -> tuple[Any, ...]:
        # Times to the microsecond, latencies to the microsecond of a millisecond:
        # short numbers in the CSV. Written inline: this runs for every run.
        return (
            self.attempt_id,
            self.run_id,
            self.workflow_id,
            self.worker,
            self.user,
            round(self.intended_at, 6),
            None if self.submitted_at is None else round(self.submitted_at, 6),
            round(self.start_lag_s, 6),
            None if self.execute_ms is None else round(self.execute_ms, 3),
            self.execute_status,
            self.execute_attempts,
            None if self.accepted_at is None else round(self.accepted_at, 6),
            self.outcome,
            self.last_status,
            self.started_at,
            self.completed_at,
            self.duration_in_seconds,
            self.error_message,
            self.detail,
            None if self.end_to_end_s is None else round(self.end_to_end_s, 6),
            None if self.finished_at is None else round(self.finished_at, 6),
            self.polls,
            self.nodes,
            ";".join(self.anomalies),
        )


def request_row(
    t: float, route: str, method: str, status: int, ms: float, size: int, error: str, worker: int
) -> tuple[Any, ...]:
    return (round(t, 6), route, method, status, round(ms, 3), size, error, worker)


def describe_error(exception: BaseException | None) -> str:
    """The ``error`` column: exception class and message, one line, bounded."""
    if exception is None:
        return "no response"
    text = f"{type(exception).__name__}: {exception}".replace("\n", " ")
    return text[:MAX_ERROR_LENGTH]
