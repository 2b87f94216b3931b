"""The mechanism behind wfload's Locust users.

A locustfile subclasses :class:`WorkflowUser` (closed model) and describes
behaviour with its verbs ``pick_workflow``, ``execute_and_follow`` and
``think``; or :class:`ArrivalGenerator` (open model) and calls
``let_runs_arrive``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from gevent import GreenletExit
from gevent.lock import Semaphore
from gevent.pool import Group
from locust import FastHttpUser

from loadtests import plugin  # noqa: F401 - wfload users need wfload's listeners, whatever the locustfile imports
from loadtests.harness import harness_of
from loadtests.records import RunRecord
from loadtests.scenario import Workflow
from loadtests.tracking import RunTracker
from loadtests.transport import GeventTransport


class WorkflowUser(FastHttpUser):
    """A Locust user that triggers workflow runs and follows each to its end.

    Built on FastHttpUser (geventhttpclient): about a quarter of the cost
    per request of requests or httpx, which is what lets one process follow
    thousands of runs.
    """

    abstract = True
    model = "closed"

    def __init__(self, environment) -> None:
        self.harness = harness_of(environment)
        options = self.harness.options
        self.network_timeout = self.connection_timeout = options.request_timeout_s
        super().__init__(environment)
        self.number = self.harness.next_user_number()
        self.generation = self.harness.generation_state(self.number)
        # Runs are tracked through a lean transport on the same engine as
        # self.client (geventhttpclient); self.client stays for a locustfile's own requests.
        self.transport = GeventTransport(
            self.host, environment.events.request, options.request_timeout_s,
            concurrency=options.max_in_flight if self.model == "open" else 1,
        )
        self.tracker = RunTracker(
            self.transport,
            options.tracking,
            self.harness.tokens.for_user(self.number),
            self.generation.rng,
            self.harness.run_finished,
        )

    def on_stop(self) -> None:
        self.transport.close()

    def wait_time(self) -> float:
        # Pauses belong inside tasks (think()), so that a stopping user is
        # never killed between runs while it still owes a record.
        return 0.0

    def pick_workflow(self) -> Workflow:
        return self.harness.scenario.pick(self.generation.rng)

    def execute_and_follow(
        self, workflow: Workflow, intended_mono: float | None = None, intended_at: float | None = None
    ) -> RunRecord:
        """Execute ``workflow`` with a freshly generated context and follow the
        run until it ends; the record is written whatever happens."""
        record = self.harness.new_record(workflow.id, self.number, intended_at)
        return self.tracker.track(record, workflow.context.render(self.generation), intended_mono)

    def think(self) -> None:
        if self.harness.options.think_time_s:
            time.sleep(self.harness.options.think_time_s)


class ArrivalGenerator(WorkflowUser):
    """The open model: runs arrive at the harness's arrival rate, each one
    executed and followed in its own greenlet, however slow the service gets.

    Every arrival has an intended time; the lag between it and the real send
    is recorded, so latency can be reported from the intended time (without
    coordinated omission) as well as from the send. When ``--max-in-flight``
    runs are being followed, an arrival is dropped and recorded as such,
    never silently skipped. Only the first generator of a process produces
    arrivals; the rate is split across processes by the harness.
    """

    abstract = True
    model = "open"

    def let_runs_arrive(self) -> None:
        if not self.harness.claim_generator():
            while not self.harness.stopping:
                time.sleep(0.5)
            return
        runs = Group()
        slots = Semaphore(self.harness.options.max_in_flight)
        try:
            for intended_mono in self._arrivals():
                runs.spawn(self._arrive, slots, intended_mono)
            runs.join()  # the drain: Locust kills us at the drain timeout, see below
        except GreenletExit:
            runs.kill(block=True)  # each run in flight is recorded as unfinished, each waiting one as dropped
            raise

    def _arrive(self, slots: Semaphore, intended_mono: float) -> None:
        """One arrival: wait for a free slot (at most --max-start-lag after the
        intended time, else it is dropped), then execute and follow the run.
        The wait is start lag: in the corrected latency, not in the service time."""
        workflow = self.pick_workflow()
        intended_at = time.time() - (time.perf_counter() - intended_mono)
        patience = self.harness.options.max_start_lag_s - (time.perf_counter() - intended_mono)
        try:
            started = slots.acquire(timeout=max(0.0, patience))
        except GreenletExit:
            self.harness.record_dropped(workflow.id, self.number, intended_at, "the test stopped before it started")
            raise
        if not started:
            self.harness.record_dropped(workflow.id, self.number, intended_at)
            return
        try:
            self.execute_and_follow(workflow, intended_mono, intended_at)
        finally:
            slots.release()

    def _arrivals(self) -> Iterator[float]:
        """Intended arrival times on the monotonic clock, until the test stops."""
        poisson = self.harness.options.arrival_process == "poisson"
        rng = self.generation.rng
        next_at = time.perf_counter()
        while not self.harness.stopping:
            rate = self.harness.process_arrival_rate
            if rate <= 0:
                time.sleep(IDLE_CHECK_S)
                next_at = time.perf_counter()
                continue
            next_at += rng.expovariate(rate) if poisson else 1.0 / rate
            # Sleep in slices, so a rate change or the end of the test is seen promptly.
            while (wait := next_at - time.perf_counter()) > 0 and not self.harness.stopping:
                time.sleep(min(wait, IDLE_CHECK_S))
            if not self.harness.stopping:
                yield next_at


IDLE_CHECK_S = 0.25
