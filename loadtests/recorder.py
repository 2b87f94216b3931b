"""The recorder: takes records on the hot path, hands them on in batches.

Users and Locust's request event append plain tuples to in-memory buffers
(a few hundred nanoseconds each); a background greenlet swaps the buffers
every ``interval`` seconds and gives each batch to a *sink*. Memory therefore
holds at most one interval's records, however long the test, and records
reach the sink within about a second.

A sink is anything with ``write_rows(table, rows)``: the results directory
itself in a local test, or a shipper that sends batches to the master in a
distributed one. The recorder does not know which.
"""

from __future__ import annotations

from typing import Any, Protocol

import gevent

from loadtests.contract import LogEntry
from loadtests.records import TABLES, RunRecord, describe_error, request_row

# Request types that are not HTTP requests: our per-run entries in Locust's table.
RUN_REQUEST_TYPE = "RUN"

class Sink(Protocol):
    def write_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None: ...


class Recorder:
    def __init__(self, sink: Sink, worker: int = 0, interval: float = 0.5) -> None:
        self.sink = sink
        self.worker = worker
        self.interval = interval
        self._buffers: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self._loop: gevent.Greenlet | None = None

    # -- the hot path -----------------------------------------------------

    def record_run(self, record: RunRecord, logs: list[LogEntry] | None = None) -> None:
        self._buffers["runs"].append(record.row())
        if logs and record.run_id:
            append = self._buffers["nodes"].append
            for seq, entry in enumerate(logs):
                append(
                    (record.run_id, record.workflow_id, seq, entry.node_id, entry.component_id, entry.status,
                     entry.created_at)
                )

    def on_request(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response_length: int,
        response: Any = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        **_: Any,
    ) -> None:
        """Listener for Locust's ``request`` event: one row per HTTP request."""
        if request_type == RUN_REQUEST_TYPE:
            return
        status = getattr(response, "status_code", 0) or 0
        error = "" if status or exception is None else describe_error(exception)
        self._buffers["requests"].append(
            request_row(start_time or 0.0, name, request_type, status, response_time or 0.0,
                        response_length or 0, error, self.worker)
        )

    # -- batching ---------------------------------------------------------

    def start(self) -> None:
        if self._loop is None:
            self._loop = gevent.spawn(self._flush_forever)

    def flush(self) -> None:
        for table, rows in self._buffers.items():
            if rows:
                self._buffers[table] = []
                self.sink.write_rows(table, rows)

    def stop(self) -> None:
        """Stop the background flushing and hand on what is left."""
        if self._loop is not None:
            self._loop.kill(block=True)
            self._loop = None
        self.flush()

    def _flush_forever(self) -> None:
        while True:
            gevent.sleep(self.interval)
            self.flush()
