"""Distributed tests on Locust's master/worker engine: what wfload adds.

Locust aggregates its own request statistics across workers, but nothing of
ours, so:

- Workers ship their records to the master in batches (the recorder's sink
  on a worker is a :class:`ShippingSink`); the master alone writes the
  results directory. Nothing assumes a disk shared between machines.
- Workers add their live run statistics to Locust's periodic worker report;
  the master combines them for its console and web UI.
- At the end, the master asks every worker to stop and drain, and waits for
  each one's last batch (``wfload_drained``) before it closes the results:
  Locust's own ``quit`` would otherwise stop the master before the workers
  have followed their runs to the end.
- A worker that goes missing mid-test is noted in ``meta.json``: when, and
  how many of its runs were in flight (their records never arrive).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import gevent
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

if TYPE_CHECKING:
    from loadtests.harness import Harness

RECORDS_MESSAGE = "wfload_records"
DRAIN_MESSAGE = "wfload_drain"
DRAINED_MESSAGE = "wfload_drained"
LIVE_REPORT_KEY = "wfload_live"
# After the drain timeout, how long the master still waits for workers' last batches.
DRAIN_MARGIN_S = 15.0
WATCH_INTERVAL_S = 1.0


class ShippingSink:
    """A worker's sink: each batch goes to the master as one message."""

    def __init__(self, runner: WorkerRunner, worker: int) -> None:
        self.runner = runner
        self.worker = worker
        self.shipped = {"runs": 0, "requests": 0, "nodes": 0}

    def write_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        self.runner.send_message(RECORDS_MESSAGE, {"table": table, "rows": rows, "worker": self.worker})
        self.shipped[table] += len(rows)


class WorkerWatch:
    """The master's view of its workers: who sent what, who went missing."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.runner: MasterRunner = harness.environment.runner
        self.live: dict[str, dict[str, Any]] = {}
        self.last_batch: dict[str, float] = {}
        self.drained: set[str] = set()
        self.lost: set[str] = set()
        self._greenlet = gevent.spawn(self._watch)

    def stop(self) -> None:
        self._greenlet.kill(block=False)

    def records_arrived(self, client_id: str, table: str, rows: list[list[Any]]) -> None:
        self.last_batch[client_id] = time.time()
        if self.harness.results is not None:
            self.harness.results.write_rows(table, rows)
            self.harness.note_worker(self._index(client_id))

    def report_arrived(self, client_id: str, live: dict[str, Any]) -> None:
        self.live[client_id] = live

    def drain(self, timeout_s: float) -> None:
        """Ask every worker to stop and drain; wait for each one's last batch."""
        expected = {c.id for c in self.runner.clients.all if c.state != STATE_MISSING}
        self.runner.send_message(DRAIN_MESSAGE, None)
        deadline = time.monotonic() + timeout_s + DRAIN_MARGIN_S
        while time.monotonic() < deadline:
            present = {c.id for c in self.runner.clients.all if c.state != STATE_MISSING}
            if not (expected & present) - self.drained:
                return
            gevent.sleep(0.2)
        for client_id in sorted((expected - self.drained) & present):
            self.harness.note(f"worker {self._index(client_id)} did not send its last records within the drain "
                              f"timeout + {DRAIN_MARGIN_S:g} s; its runs still in flight have no record")

    def _watch(self) -> None:
        while True:
            gevent.sleep(WATCH_INTERVAL_S)
            for client_id in list(self.live):
                client = self.runner.clients.get(client_id)
                if client_id not in self.lost and (client is None or client.state == STATE_MISSING):
                    self._worker_lost(client_id)

    def _worker_lost(self, client_id: str) -> None:
        self.lost.add(client_id)
        in_flight = int(self.live.get(client_id, {}).get("in_flight", 0))
        last = self.last_batch.get(client_id)
        index = self._index(client_id)
        when = time.strftime("%H:%M:%S", time.localtime())
        self.harness.note(
            f"worker {index} was lost at {when}; records after its last batch "
            f"({time.strftime('%H:%M:%S', time.localtime(last)) if last else 'none received'}) are missing, "
            f"including its {in_flight} runs in flight"
        )
        if self.harness.results is not None:
            self.harness.results.write_event("worker_lost", worker=index, last_batch=last, in_flight=in_flight)

    def _index(self, client_id: str) -> int:
        return self.runner.get_worker_index(client_id)


def register_master(environment: Any, harness_of_env: Any) -> None:
    runner = environment.runner

    def on_records(environment: Any, msg: Any, **_: Any) -> None:
        watch = _watch_of(harness_of_env(environment))
        if watch is not None:
            watch.records_arrived(msg.node_id, msg.data["table"], msg.data["rows"])

    def on_drained(environment: Any, msg: Any, **_: Any) -> None:
        watch = _watch_of(harness_of_env(environment))
        if watch is not None:
            watch.drained.add(msg.node_id)

    runner.register_message(RECORDS_MESSAGE, on_records)
    runner.register_message(DRAINED_MESSAGE, on_drained)

    @environment.events.worker_report.add_listener
    def on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        watch = _watch_of(harness_of_env(environment))
        if watch is not None and LIVE_REPORT_KEY in data:
            watch.report_arrived(client_id, data[LIVE_REPORT_KEY])


def register_worker(environment: Any, harness_of_env: Any) -> None:
    runner: WorkerRunner = environment.runner

    def on_drain(environment: Any, msg: Any, **_: Any) -> None:
        # In its own greenlet: stopping waits for the drain, and this handler
        # must not hold up the worker's message loop (heartbeats).
        gevent.spawn(runner.stop)

    runner.register_message(DRAIN_MESSAGE, on_drain, concurrent=True)

    @environment.events.report_to_master.add_listener
    def on_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
        harness = harness_of_env(environment)
        if harness is not None:
            data[LIVE_REPORT_KEY] = harness.live.snapshot(with_samples=True)


def tell_master_drained(runner: WorkerRunner, shipped: dict[str, int]) -> None:
    runner.send_message(DRAINED_MESSAGE, shipped)


def _watch_of(harness: Harness | None) -> WorkerWatch | None:
    return None if harness is None else harness.workers
