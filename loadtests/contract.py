"""The Altostrat Workflows API contract, in one place.

Everything that speaks the API goes through this module: the Locust users,
the standalone httpx client, the tests, and (from the other side) the
embedded simulator. It knows the paths, how a request is built, what a run
object looks like, and which departures from the published contract are
worth flagging. See ``docs/workflows-api.md`` in the shared docs for the
contract itself.

Parsing never raises on what a server sends: a malformed or inconsistent
answer becomes a :class:`ParsedRun` with ``anomalies`` set, because a load
test must record what the server said, not crash on it.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson

# --------------------------------------------------------------------------
# Statuses

PENDING = "pending"
RUNNING = "running"
COMPLETED = "completed"
FAILED = "failed"
AWAITING_UI = "awaiting_ui_interaction"

STATUSES = (PENDING, RUNNING, COMPLETED, FAILED, AWAITING_UI)
TERMINAL_STATUSES = frozenset({COMPLETED, FAILED, AWAITING_UI})

LOG_STATUSES = ("success", "error", "warning")

# --------------------------------------------------------------------------
# Paths and route names.
#
# Route names are what Locust's stats table and our request records show:
# one entry per route, never per ID (the web UI truncates at 500 entries).

EXECUTE_ROUTE = "/workflows/[id]/execute"
RUN_ROUTE = "/workflows/runs/[id]"
EXECUTIONS_ROUTE = "/workflows/[id]/executions"
WORKFLOWS_ROUTE = "/workflows"
WORKFLOW_ROUTE = "/workflows/[id]"
RERUN_ROUTE = "/workflows/runs/[id]/rerun"
RESUME_ROUTE = "/workflows/runs/[id]/resume-from/[node]"


def execute_path(workflow_id: str) -> str:
    return f"/workflows/{workflow_id}/execute"


def run_path(run_id: str) -> str:
    return f"/workflows/runs/{run_id}"


def executions_path(workflow_id: str, page: int = 1) -> str:
    return f"/workflows/{workflow_id}/executions?page={page}"


def workflows_path() -> str:
    return "/workflows"


def workflow_path(workflow_id: str) -> str:
    return f"/workflows/{workflow_id}"


def rerun_path(run_id: str) -> str:
    return f"/workflows/runs/{run_id}/rerun"


def resume_path(run_id: str, node_id: str) -> str:
    return f"/workflows/runs/{run_id}/resume-from/{node_id}"


# --------------------------------------------------------------------------
# Identifiers and timestamps

WORKFLOW_PREFIX = "fl_"
RUN_PREFIX = "fl_run_"
LOG_PREFIX = "fl_log_"

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str, now: float | None = None) -> str:
    """A ULID-like identifier: 48-bit millisecond time + 80 random bits, in
    lower-case Crockford base32 (26 characters), behind ``prefix``.

    Sortable by creation time like the vendor's IDs, so "newest first"
    listings can be checked by eye.
    """
    ms = int((time.time() if now is None else now) * 1000) & ((1 << 48) - 1)
    value = (ms << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return prefix + "".join(reversed(chars))


def id_factory(prefix: str) -> Callable[[float | None], str]:
    """A minter of IDs with :func:`new_id`'s layout and alphabet, for servers
    that mint many: the time part is encoded once per millisecond, and the 80
    random bits come from a private generator seeded from ``os.urandom``
    (unique, not secret) and are encoded ten bits at a time. About five times
    cheaper than :func:`new_id`. Used by the simulator."""
    last: list[Any] = [-1, ""]
    bits = random.Random(os.urandom(32)).getrandbits
    pairs = _CROCKFORD_PAIRS

    def mint(now: float | None = None) -> str:
        ms = int((time.time() if now is None else now) * 1000) & ((1 << 48) - 1)
        if ms != last[0]:
            # 48 time bits fill the first 10 characters (the top 2 bits are zero).
            last[0], last[1] = ms, prefix + "".join(_CROCKFORD[(ms >> shift) & 31] for shift in range(45, -5, -5))
        hi, lo = bits(40), bits(40)
        return (
            f"{last[1]}{pairs[hi >> 30]}{pairs[(hi >> 20) & 1023]}{pairs[(hi >> 10) & 1023]}{pairs[hi & 1023]}"
            f"{pairs[lo >> 30]}{pairs[(lo >> 20) & 1023]}{pairs[(lo >> 10) & 1023]}{pairs[lo & 1023]}"
        )

    return mint


# Every two-character string of the alphabet, indexed by its 10-bit value.
_CROCKFORD_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]


def timestamp_formatter() -> Callable[[float], str]:
    """A :func:`format_timestamp` with identical output (microseconds rounded
    half to even, as ``datetime`` does) that formats the date and time of day
    once per second, for servers that stamp many records. Used by the
    simulator."""
    last: list[Any] = [-1, ""]

    def format_(epoch_seconds: float) -> str:
        whole = math.floor(epoch_seconds)
        micros = round((epoch_seconds - whole) * 1e6)
        if micros >= 1_000_000:
            whole, micros = whole + 1, micros - 1_000_000
        if whole != last[0]:
            last[0], last[1] = whole, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole))
        return f"{last[1]}{micros:06d}Z"

    return format_


def format_timestamp(epoch_seconds: float) -> str:
    """ISO-8601 UTC with microseconds and ``Z``: ``2025-10-31T12:00:00.000000Z``."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text: str) -> float:
    """Epoch seconds from an ISO-8601 timestamp; raises ``ValueError`` on junk.

    Accepts what servers commonly send besides the documented form (no
    fraction, an explicit offset), since we measure, not lint, here.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(f"not a timestamp: {text!r}")
    value = datetime.fromisoformat(text)  # Python 3.11 reads the trailing Z itself
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


# --------------------------------------------------------------------------
# Requests


@dataclass(frozen=True, slots=True)
class Request:
    """A request ready to send, independent of any HTTP library."""

    method: str
    path: str
    route: str
    headers: dict[str, str]
    body: bytes | None = None


def auth_headers(token: str | None) -> dict[str, str]:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def execute_request(
    workflow_id: str,
    context: dict[str, Any] | None,
    token: str | None,
    idempotency_key: str | None = None,
) -> Request:
    headers = auth_headers(token)
    headers["Content-Type"] = "application/json"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    body = orjson.dumps({"context": context if context is not None else {}})
    return Request("POST", execute_path(workflow_id), EXECUTE_ROUTE, headers, body)


def get_run_request(run_id: str, token: str | None) -> Request:
    return Request("GET", run_path(run_id), RUN_ROUTE, auth_headers(token))


def list_runs_request(workflow_id: str, token: str | None, page: int = 1) -> Request:
    return Request("GET", executions_path(workflow_id, page), EXECUTIONS_ROUTE, auth_headers(token))


def get_workflow_request(workflow_id: str, token: str | None) -> Request:
    return Request("GET", workflow_path(workflow_id), WORKFLOW_ROUTE, auth_headers(token))


def list_workflows_request(token: str | None) -> Request:
    return Request("GET", workflows_path(), WORKFLOWS_ROUTE, auth_headers(token))


# --------------------------------------------------------------------------
# The run object

# Anomaly kinds: departures from the contract that are recorded, counted in
# reports and never fatal. Documented in docs/results-format.md.
MALFORMED_JSON = "malformed_json"
NOT_A_RUN = "not_a_run"
UNKNOWN_STATUS = "unknown_status"
COMPLETED_WITH_ERROR = "completed_with_error"
COMPLETED_BEFORE_STARTED = "completed_before_started"
DURATION_MISMATCH = "duration_mismatch"
BAD_TIMESTAMP = "bad_timestamp"
BAD_FIELD_TYPE = "bad_field_type"
TERMINAL_WITHOUT_COMPLETED_AT = "terminal_without_completed_at"
RUN_ID_CHANGED = "run_id_changed"
STATUS_REGRESSED = "status_regressed"

ANOMALY_KINDS = (
    MALFORMED_JSON,
    NOT_A_RUN,
    UNKNOWN_STATUS,
    COMPLETED_WITH_ERROR,
    COMPLETED_BEFORE_STARTED,
    DURATION_MISMATCH,
    BAD_TIMESTAMP,
    BAD_FIELD_TYPE,
    TERMINAL_WITHOUT_COMPLETED_AT,
    RUN_ID_CHANGED,
    STATUS_REGRESSED,
)

# How far duration_in_seconds may stray from completed_at - started_at before
# it is flagged: the server may round durations to whole seconds (the vendor's
# example does), so allow one second plus 1%.
DURATION_TOLERANCE_S = 1.0
DURATION_TOLERANCE_RATIO = 0.01


@dataclass(slots=True)
class LogEntry:
    id: str
    node_id: str
    component_id: str | None
    status: str
    output: Any
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "node_id": self.node_id,
            "component_id": self.component_id,
            "status": self.status,
            "output": self.output,
            "created_at": self.created_at,
        }


@dataclass(slots=True)
class Run:
    """A workflow run as the API describes it. ``logs`` is ``None`` where the
    server did not send them (list endpoints), a list where it did."""

    id: str
    status: str
    error_message: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    duration_in_seconds: float | None = None
    logs: list[LogEntry] | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def to_json(self, with_logs: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "error_message": self.error_message,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "duration_in_seconds": self.duration_in_seconds,
        }
        if with_logs:
            body["logs"] = [entry.to_json() for entry in self.logs or ()]
        return body


@dataclass(slots=True)
class ParsedRun:
    """The outcome of parsing a run object: the run, if one could be read,
    and the anomalies found on the way."""

    run: Run | None
    anomalies: list[str] = field(default_factory=list)


def parse_run_body(body: bytes | str | None) -> ParsedRun:
    """Parse a response body that should hold a run object."""
    try:
        data = orjson.loads(body or b"")
    except (orjson.JSONDecodeError, TypeError):
        return ParsedRun(None, [MALFORMED_JSON])
    return parse_run(data)


def parse_run(data: Any) -> ParsedRun:
    """Validate and read a decoded run object."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or "status" not in data:
        return ParsedRun(None, [NOT_A_RUN])
    anomalies: list[str] = []
    status = data.get("status")
    if status not in STATUSES:
        anomalies.append(UNKNOWN_STATUS)
        status = str(status)
    run = Run(
        id=data["id"],
        status=status,
        error_message=_optional_str(data.get("error_message"), anomalies),
        started_at=_optional_str(data.get("started_at"), anomalies),
        completed_at=_optional_str(data.get("completed_at"), anomalies),
        duration_in_seconds=_optional_number(data.get("duration_in_seconds"), anomalies),
        logs=_parse_logs(data.get("logs"), anomalies) if "logs" in data else None,
    )
    anomalies.extend(consistency_anomalies(run))
    return ParsedRun(run, _unique(anomalies) if anomalies else anomalies)


def consistency_anomalies(run: Run) -> list[str]:
    """What in a well-formed run contradicts itself."""
    found: list[str] = []
    if run.status == COMPLETED and run.error_message:
        found.append(COMPLETED_WITH_ERROR)
    if run.status in (COMPLETED, FAILED) and not run.completed_at:
        found.append(TERMINAL_WITHOUT_COMPLETED_AT)
    if run.started_at and run.completed_at:  # timestamps are compared (and parsed) only once a run has ended
        started = _timestamp_or_none(run.started_at, found)
        completed = _timestamp_or_none(run.completed_at, found)
        if started is not None and completed is not None:
            elapsed = completed - started
            if elapsed < 0:
                found.append(COMPLETED_BEFORE_STARTED)
            elif run.duration_in_seconds is not None:
                allowed = DURATION_TOLERANCE_S + DURATION_TOLERANCE_RATIO * elapsed
                if abs(run.duration_in_seconds - elapsed) > allowed:
                    found.append(DURATION_MISMATCH)
    return found


def error_message_of(body: bytes | str | None) -> str | None:
    """The ``message`` of a Laravel-style error body, or ``None``."""
    try:
        data = orjson.loads(body or b"")
    except (orjson.JSONDecodeError, TypeError):
        return None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return None


def error_body(message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """A Laravel-style error body, as the API answers 4xx."""
    body: dict[str, Any] = {"message": message}
    if errors:
        body["errors"] = errors
    return body


# --------------------------------------------------------------------------
# helpers


def _optional_str(value: Any, anomalies: list[str]) -> str | None:
    if value is None or isinstance(value, str):
        return value
    anomalies.append(BAD_FIELD_TYPE)
    return str(value)


def _optional_number(value: Any, anomalies: list[str]) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        anomalies.append(BAD_FIELD_TYPE)
        return None
    return float(value)


def _parse_logs(value: Any, anomalies: list[str]) -> list[LogEntry]:
    if not isinstance(value, list):
        anomalies.append(BAD_FIELD_TYPE)
        return []
    entries = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("node_id"), str):
            anomalies.append(BAD_FIELD_TYPE)
            continue
        entries.append(
            LogEntry(
                id=str(item.get("id", "")),
                node_id=item["node_id"],
                component_id=_optional_str(item.get("component_id"), anomalies),
                status=str(item.get("status", "")),
                output=item.get("output"),
                created_at=str(item.get("created_at", "")),
            )
        )
    return entries


def _timestamp_or_none(text: str | None, anomalies: list[str]) -> float | None:
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except ValueError:
        anomalies.append(BAD_TIMESTAMP)
        return None


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
