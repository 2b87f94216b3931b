"""Tracking a run: execute it, then poll it until it ends, and write it down.

The tracker speaks the API through ``loadtests.contract`` and sends through
a *transport* (Locust's FastHttpSession in a test, anything with ``send`` in
a unit test), so the rules below are the same for the closed and the open
model and are tested without Locust.

The rules:
- Execute carries an ``Idempotency-Key`` (the record's ``attempt_id``), so
  an ambiguous answer (no response, a 5xx, an unreadable 2xx) is retried
  with the same key and backoff, up to ``execute_retries`` times: the server
  returns the original run instead of starting a second one. If the budget
  runs out without a definitive answer the outcome is ``unknown``.
- ``429`` is waited out (``Retry-After``, else exponential backoff) within
  the run timeout, and is neither a retry nor a failure of the service.
- A definitive ``4xx`` ends the attempt as ``rejected``.
- Polling follows the ``PollSchedule``; transient poll errors (5xx, resets,
  timeouts, malformed bodies) are retried within the run timeout; repeated
  ``404`` means the server no longer knows the run (``lost``).
- Whatever happens, including the greenlet being killed at the end of the
  drain, the attempt ends as exactly one record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from random import Random
from typing import Any, Protocol

from loadtests import contract
from loadtests.contract import LogEntry, Run
from loadtests.polling import PollSchedule
from loadtests.records import DROPPED, ERROR, LOST, REJECTED, TIMED_OUT, UNFINISHED, UNKNOWN, RunRecord
from loadtests.tokens import TokenLease, backoff_seconds, retry_after_seconds

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Reply:
    """What came back for one request. ``status`` is 0 when no response
    arrived; ``reached`` is False only when the request certainly never got
    to the server (connection refused), so nothing can have been started."""

    status: int
    body: bytes | None
    headers: Mapping[str, str] | None
    ms: float
    error: str = ""
    reached: bool = True

    def header(self, name: str) -> str | None:
        if not self.headers:
            return None
        return self.headers.get(name) or self.headers.get(name.lower())


class Transport(Protocol):
    def send(self, request: contract.Request) -> Reply: ...


@dataclass(frozen=True)
class TrackingPolicy:
    schedule: PollSchedule = field(default_factory=PollSchedule)
    run_timeout_s: float = 300.0
    execute_retries: int = 3
    retry_base_s: float = 0.5
    lost_after_404s: int = 3


class RunTracker:
    """Tracks runs for one user (or one open-model arrival stream)."""

    def __init__(
        self,
        transport: Transport,
        policy: TrackingPolicy,
        lease: TokenLease,
        rng: Random,
        on_finished: Callable[[RunRecord, list[LogEntry] | None], None],
    ) -> None:
        self.transport = transport
        self.policy = policy
        self.lease = lease
        self.rng = rng
        self.on_finished = on_finished

    def track(self, record: RunRecord, context: dict[str, Any], intended_mono: float | None = None) -> RunRecord:
        """Execute ``record.workflow_id`` with ``context`` and follow the run.

        ``intended_mono`` is the monotonic time the run should have started
        (open model); the lag to the real send is recorded apart.
        """
        run: Run | None = None
        attempt = _Attempt(intended_mono)
        try:
            request = contract.execute_request(record.workflow_id, context, self.lease.token, record.attempt_id)
            run = self._submit(record, request, attempt)
            if run is not None:
                run = self._follow(record, run, attempt)
        except BaseException as exc:
            _close_interrupted(record, exc)
            if not isinstance(exc, Exception):
                raise
            log.exception("harness error while tracking a %s run", record.workflow_id)
        finally:
            record.finished_at = time.time()
            self.on_finished(record, run.logs if run is not None and run.is_terminal else None)
        return record

    # -- execute ----------------------------------------------------------

    def _submit(self, record: RunRecord, request: contract.Request, attempt: _Attempt) -> Run | None:
        retries = rate_limited = 0
        while True:
            self.lease.pace()
            attempt.mark_sent(record)
            record.execute_attempts += 1
            reply = self.transport.send(request)
            record.execute_ms, record.execute_status = reply.ms, reply.status
            if 200 <= reply.status < 300:
                parsed = contract.parse_run_body(reply.body)
                record.note_anomalies(parsed.anomalies)
                if parsed.run is not None:
                    return self._accepted(record, parsed.run)
                reason = f"HTTP {reply.status} with an unreadable run ({parsed.anomalies[0]})"
            elif reply.status == 429:
                rate_limited += 1
                if not self._wait_rate_limit(reply, rate_limited, attempt):
                    return _ended(record, REJECTED, "HTTP 429: still rate limited at the run timeout")
                continue
            elif 400 <= reply.status < 500:
                return _ended(record, REJECTED, _http_detail(reply))
            elif not reply.reached:
                reason = reply.error
            else:
                reason = _http_detail(reply) if reply.status else reply.error
            if retries >= self.policy.execute_retries:
                return self._give_up(record, reply, reason)
            retries += 1
            time.sleep(self._retry_delay(retries))

    def _accepted(self, record: RunRecord, run: Run) -> Run:
        record.accepted_at = time.time()
        record.run_id = run.id
        record.last_status = run.status
        return run

    def _give_up(self, record: RunRecord, reply: Reply, reason: str) -> None:
        attempts = f"after {record.execute_attempts} attempts"
        if not reply.reached:
            return _ended(record, REJECTED, f"{reason} ({attempts}; nothing reached the server)")
        if 500 <= reply.status < 600:
            return _ended(record, REJECTED, f"{reason} ({attempts})")
        return _ended(record, UNKNOWN, f"{reason} ({attempts}; a run may exist that was never reported)")

    def _retry_delay(self, retry: int) -> float:
        return self.policy.retry_base_s * 2 ** (retry - 1) * self.rng.uniform(0.8, 1.2)

    def _wait_rate_limit(self, reply: Reply, count: int, attempt: _Attempt) -> bool:
        """Sleep as the server asks; False when that would pass the run timeout."""
        wait = retry_after_seconds(reply.header("Retry-After"))
        wait = backoff_seconds(count) if wait is None else wait
        if attempt.elapsed() + wait > self.policy.run_timeout_s:
            return False
        time.sleep(wait)
        return True

    # -- follow -----------------------------------------------------------

    def _follow(self, record: RunRecord, run: Run, attempt: _Attempt) -> Run:
        request = contract.get_run_request(record.run_id, self.lease.token)
        delays = self.policy.schedule.delays(self.rng)
        # A run that is already terminal at acceptance is fetched once more
        # at once: its logs come only with a single-run retrieval.
        terminal_at_accept = run.is_terminal
        not_found = rate_limited = 0
        while True:
            delay = 0.0 if terminal_at_accept else next(delays)
            remaining = self.policy.run_timeout_s - attempt.elapsed()
            if delay >= remaining:
                time.sleep(max(0.0, remaining))
                _ended(record, TIMED_OUT, _timeout_detail(self.policy.run_timeout_s, record))
                return run
            if delay > 0:  # a zero delay must not yield: it would cost a trip through the event loop
                time.sleep(delay)
            self.lease.pace()
            reply = self.transport.send(request)
            record.polls += 1
            if reply.status == 200:
                not_found = 0
                polled = self._read_poll(record, reply, terminal_at_accept)
                terminal_at_accept = False
                if polled is None:
                    continue
                run = polled
                if run.is_terminal:
                    _finished(record, run, attempt)
                    return run
            elif reply.status == 404:
                not_found += 1
                record.detail = "HTTP 404 on poll"
                if not_found >= self.policy.lost_after_404s:
                    _ended(record, LOST, f"HTTP 404 on {not_found} polls in a row: the server no longer knows this run")
                    return run
            elif reply.status == 429:
                rate_limited += 1
                record.detail = "HTTP 429 on poll"
                wait = retry_after_seconds(reply.header("Retry-After"))
                time.sleep(min(backoff_seconds(rate_limited) if wait is None else wait,
                               max(0.0, self.policy.run_timeout_s - attempt.elapsed())))
            else:
                record.detail = f"last poll: {_http_detail(reply) if reply.status else reply.error}"

    def _read_poll(self, record: RunRecord, reply: Reply, expect_terminal: bool) -> Run | None:
        parsed = contract.parse_run_body(reply.body)
        record.note_anomalies(parsed.anomalies)
        run = parsed.run
        if run is None:
            record.detail = f"last poll: unreadable run ({parsed.anomalies[0]})"
            return None
        if run.id != record.run_id:
            record.note_anomalies([contract.RUN_ID_CHANGED])
            return None
        if expect_terminal and not run.is_terminal:
            record.note_anomalies([contract.STATUS_REGRESSED])
        record.last_status = run.status
        return run


class _Attempt:
    """The clocks of one attempt: intended start, first send, elapsed."""

    def __init__(self, intended_mono: float | None) -> None:
        self.intended_mono = intended_mono
        self.sent_mono: float | None = None

    def mark_sent(self, record: RunRecord) -> None:
        if self.sent_mono is not None:
            return
        self.sent_mono = time.perf_counter()
        record.submitted_at = time.time()
        if self.intended_mono is not None:
            record.start_lag_s = max(0.0, self.sent_mono - self.intended_mono)

    def elapsed(self) -> float:
        return 0.0 if self.sent_mono is None else time.perf_counter() - self.sent_mono


def _finished(record: RunRecord, run: Run, attempt: _Attempt) -> None:
    record.end_to_end_s = attempt.elapsed()
    record.outcome = run.status
    record.detail = ""
    record.started_at = run.started_at
    record.completed_at = run.completed_at
    record.duration_in_seconds = run.duration_in_seconds
    record.error_message = run.error_message
    record.nodes = len(run.logs or ())


def _ended(record: RunRecord, outcome: str, detail: str) -> None:
    record.outcome = outcome
    record.detail = detail


def _close_interrupted(record: RunRecord, exc: BaseException) -> None:
    """Give an attempt that something stopped the outcome it had reached."""
    if record.outcome:
        return
    if isinstance(exc, Exception):
        _ended(record, ERROR, f"harness error: {type(exc).__name__}: {exc}"[:300])
    elif record.run_id:
        _ended(record, UNFINISHED, f"still {record.last_status or 'open'} when the test stopped")
    elif record.submitted_at is not None:
        _ended(record, UNKNOWN, "the test stopped while the execute was in flight")
    else:
        _ended(record, DROPPED, "the test stopped before the execute was sent")


def _http_detail(reply: Reply) -> str:
    message = contract.error_message_of(reply.body)
    return f"HTTP {reply.status}: {message}" if message else f"HTTP {reply.status}"


def _timeout_detail(timeout_s: float, record: RunRecord) -> str:
    last = f"; {record.detail}" if record.detail else ""
    return f"no terminal status within the run timeout of {timeout_s:g} s (last status {record.last_status}){last}"
