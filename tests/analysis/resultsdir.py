"""Results directories built row by row, exactly as docs/results-format.md
describes them (csv module, RFC 4180 quoting, ``\\n`` line ends, empty
cells for missing values), for tests whose answers are known in advance.

``run(...)`` makes one run record whose timestamps agree with each other:
give it the parts of the end-to-end time (execute latency, queue wait,
execution, detection lag) and it fills in every column from them.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from analysis import schema

T0 = 1796374800.0  # 2026-12-04T09:00:00Z
EXECUTE = schema.EXECUTE_ROUTE
POLL = schema.RUN_ROUTE


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def meta(**overrides: Any) -> dict[str, Any]:
    data = {
        "schema": schema.SCHEMA,
        "schema_version": 1,
        "status": "completed",
        "started_at": T0,
        "ended_at": T0 + 100.0,
        "target": {"host": "http://127.0.0.1:8765", "embedded_simulator": True},
        "config": {"users": 10, "token": "<redacted>", "tokens": 1},
        "model": "closed",
        "versions": {"wfload": "test", "locust": "2.47.0", "python": "3.11"},
        "git_revision": None,
        "workers": [0],
        "counts": {},
        "notes": [],
    }
    data.update(overrides)
    return data


def run(
    index: int,
    *,
    outcome: str = schema.COMPLETED,
    workflow_id: str = "fl_alpha",
    at: float | None = None,
    execute_ms: float = 10.0,
    queue_s: float = 0.5,
    execution_s: float = 2.0,
    detection_s: float = 0.25,
    duration_in_seconds: float | None = None,
    start_lag_s: float = 0.0,
    execute_status: int | None = None,
    execute_attempts: int = 1,
    error_message: str | None = None,
    detail: str | None = None,
    anomalies: str = "",
    nodes: int = 0,
) -> dict[str, Any]:
    """One run record; ``at`` is when it was meant to start (default T0 + index)."""
    intended = T0 + index if at is None else at
    row: dict[str, Any] = {
        "attempt_id": f"attempt-{index:06d}",
        "run_id": f"fl_run_{index:026d}",
        "workflow_id": workflow_id,
        "worker": 0,
        "user": index % 7,
        "intended_at": intended,
        "submitted_at": intended + start_lag_s,
        "start_lag_s": start_lag_s,
        "execute_ms": execute_ms,
        "execute_status": 202 if execute_status is None else execute_status,
        "execute_attempts": execute_attempts,
        "outcome": outcome,
        "error_message": error_message,
        "detail": detail,
        "anomalies": anomalies,
        "polls": 3,
        "nodes": nodes,
    }
    submitted = row["submitted_at"]
    if outcome == schema.DROPPED:
        row.update(submitted_at=None, execute_ms=None, execute_status=None, execute_attempts=0, run_id=None)
        row["finished_at"] = intended
        return row
    if row["execute_status"] != 202:
        row.update(run_id=None, finished_at=submitted + execute_ms / 1000)
        return row
    accepted = submitted + execute_ms / 1000
    started = accepted + queue_s
    completed = started + execution_s
    row.update(accepted_at=accepted, started_at=iso(started))
    if outcome in (schema.COMPLETED, schema.FAILED):
        seen = completed + detection_s
        row.update(
            last_status=outcome,
            completed_at=iso(completed),
            duration_in_seconds=execution_s if duration_in_seconds is None else duration_in_seconds,
            end_to_end_s=seen - submitted,
            finished_at=seen,
        )
    elif outcome == schema.AWAITING_UI:
        seen = completed + detection_s
        row.update(last_status=outcome, end_to_end_s=seen - submitted, finished_at=seen)
    else:
        row.update(last_status="running", finished_at=completed + 60)
    return row


def request(t: float, status: int = 200, ms: float = 5.0, route: str = POLL, error: str | None = None) -> dict:
    method = "POST" if route == EXECUTE else "GET"
    return {"t": t, "route": route, "method": method, "status": status, "ms": ms, "bytes": 300, "error": error}


def node(run_row: dict[str, Any], seq: int, created_at: float, **fields: Any) -> dict[str, Any]:
    row = {
        "run_id": run_row["run_id"],
        "workflow_id": run_row["workflow_id"],
        "seq": seq,
        "node_id": f"n{seq + 1}",
        "component_id": "webhook",
        "status": "success",
        "created_at": iso(created_at),
    }
    row.update(fields)
    return row


def write_results(
    directory: Path,
    runs: list[dict[str, Any]],
    requests: list[dict[str, Any]] | None = None,
    nodes: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    meta_data: dict[str, Any] | None = None,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / schema.META_FILE).write_bytes(orjson.dumps(meta_data or meta()))
    write_csv(directory / schema.RUNS_FILE, list(schema.RUNS_COLUMNS), runs)
    write_csv(directory / schema.REQUESTS_FILE, list(schema.REQUESTS_COLUMNS), requests or [])
    write_csv(directory / schema.NODES_FILE, list(schema.NODES_COLUMNS), nodes or [])
    with open(directory / schema.EVENTS_FILE, "wb") as handle:
        for event in events or []:
            handle.write(orjson.dumps(event) + b"\n")
    return directory


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


def completed_runs(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [run(i, **fields) for i in range(count)]
