"""The results directory format as the analysis reads it (schema version 1).

This mirrors ``docs/results-format.md``, the only thing the analysis shares
with ``loadtests/`` (which it never imports). Column types are given here so
that reading never guesses: a column that happens to be empty in one file
must not come back as a different type than in the next.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA = "wfload-results"
# The newest schema version this reader understands; older ones it knows are
# listed in KNOWN_VERSIONS (there is only one so far).
SCHEMA_VERSION = 1
KNOWN_VERSIONS = frozenset({1})

META_FILE = "meta.json"
RUNS_FILE = "runs.csv"
REQUESTS_FILE = "requests.csv"
NODES_FILE = "nodes.csv"
EVENTS_FILE = "events.jsonl"

# Low-cardinality strings become pandas categoricals: an order of magnitude
# less memory than strings at ten million rows, and groupbys on codes.
_CATEGORY = pa.dictionary(pa.int32(), pa.string())

RUNS_COLUMNS: dict[str, pa.DataType] = {
    "attempt_id": pa.string(),
    "run_id": pa.string(),
    "workflow_id": _CATEGORY,
    "worker": pa.int32(),
    "user": pa.int32(),
    "intended_at": pa.float64(),
    "submitted_at": pa.float64(),
    "start_lag_s": pa.float64(),
    "execute_ms": pa.float64(),
    "execute_status": pa.int32(),
    "execute_attempts": pa.int32(),
    "accepted_at": pa.float64(),
    "outcome": _CATEGORY,
    "last_status": _CATEGORY,
    "started_at": pa.string(),
    "completed_at": pa.string(),
    "duration_in_seconds": pa.float64(),
    "error_message": _CATEGORY,
    "detail": _CATEGORY,
    "end_to_end_s": pa.float64(),
    "finished_at": pa.float64(),
    "polls": pa.int32(),
    "nodes": pa.int32(),
    "anomalies": _CATEGORY,
}

REQUESTS_COLUMNS: dict[str, pa.DataType] = {
    "t": pa.float64(),
    "route": _CATEGORY,
    "method": _CATEGORY,
    "status": pa.int32(),
    "ms": pa.float64(),
    "bytes": pa.int64(),
    "error": _CATEGORY,
    "worker": pa.int32(),
}

NODES_COLUMNS: dict[str, pa.DataType] = {
    "run_id": _CATEGORY,
    "workflow_id": _CATEGORY,
    "seq": pa.int32(),
    "node_id": _CATEGORY,
    "component_id": _CATEGORY,
    "status": _CATEGORY,
    "created_at": pa.string(),
}

# Server timestamps (ISO-8601 strings, kept verbatim) that the reader also
# parses into epoch seconds, in a column named ``<name>_s``.
SERVER_TIMESTAMPS: dict[str, tuple[str, ...]] = {
    RUNS_FILE: ("started_at", "completed_at"),
    NODES_FILE: ("created_at",),
}

COLUMNS: dict[str, dict[str, pa.DataType]] = {
    RUNS_FILE: RUNS_COLUMNS,
    REQUESTS_FILE: REQUESTS_COLUMNS,
    NODES_FILE: NODES_COLUMNS,
}

# Outcomes of a run record, in the order reports list them.
COMPLETED = "completed"
FAILED = "failed"
AWAITING_UI = "awaiting_ui_interaction"
TIMED_OUT = "timed_out"
UNFINISHED = "unfinished"
REJECTED = "rejected"
UNKNOWN = "unknown"
LOST = "lost"
DROPPED = "dropped"
ERROR = "error"

OUTCOMES = (COMPLETED, FAILED, AWAITING_UI, TIMED_OUT, UNFINISHED, REJECTED, UNKNOWN, LOST, DROPPED, ERROR)
TERMINAL_OUTCOMES = (COMPLETED, FAILED, AWAITING_UI)

ANOMALY_KINDS = (
    "malformed_json",
    "not_a_run",
    "unknown_status",
    "completed_with_error",
    "completed_before_started",
    "duration_mismatch",
    "bad_timestamp",
    "bad_field_type",
    "terminal_without_completed_at",
    "run_id_changed",
    "status_regressed",
)

# Route names as the recorder writes them (never an id).
EXECUTE_ROUTE = "/workflows/[id]/execute"
RUN_ROUTE = "/workflows/runs/[id]"

META_STATUSES = ("running", "completed", "interrupted", "crashed")
