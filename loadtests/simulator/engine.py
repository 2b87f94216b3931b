"""The execution model: a FIFO queue in front of a pool of W workers.

A run is created ``pending`` and queued; a worker takes it when one is free
(``started_at``), plays out its plan, and is free again when the plan ends.
Past W / S runs per second (S the mean service time) the queue grows and
with it the wait before ``started_at``: the knee real services have.

Workers are a counter, not tasks: taking a run draws its plan and records
its end in :class:`Deadlines`, so a run costs the event loop one heap entry
however long it lasts, and the HTTP layer keeps the CPU.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque

from loadtests import contract
from loadtests.simulator.deadlines import Deadlines
from loadtests.simulator.faults import FaultInjector
from loadtests.simulator.rng import RunRandom
from loadtests.simulator.runs import Minters, RunRecord
from loadtests.simulator.store import RunStore
from loadtests.simulator.workflows import Workflow, plan_run

# How often finished runs past their retention age are looked for.
SWEEP_INTERVAL_S = 1.0


class Engine:
    def __init__(
        self,
        workflows: dict[str, Workflow],
        store: RunStore,
        faults: FaultInjector,
        *,
        workers: int,
        time_scale: float,
        seed: int,
    ) -> None:
        self.workflows = workflows
        self.store = store
        self.faults = faults
        self.workers = workers
        self.time_scale = time_scale
        self.seed = seed
        self.busy = 0
        self.queue: deque[RunRecord] = deque()
        self._seq = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._deadlines: Deadlines | None = None
        self._dispatch_pending = False
        self._sweeper: asyncio.TimerHandle | None = None
        self.minters = Minters()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the event loop that will run the simulator."""
        self._loop = loop
        self._deadlines = Deadlines(loop, self._finish)
        self._sweeper = loop.call_later(SWEEP_INTERVAL_S, self._sweep)

    def close(self) -> None:
        if self._deadlines is not None:
            self._deadlines.close()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    @property
    def queue_depth(self) -> int:
        return len(self.queue)

    def submit(
        self, workflow: Workflow, idempotency_key: str | None = None, start_node: str | None = None
    ) -> RunRecord:
        """Create a pending run and queue it. A worker takes it on a later
        turn of the loop, so the 202 always shows ``pending``, as a queued
        service would."""
        now = time.time()
        self._seq += 1
        record = RunRecord(
            self.minters.run_id(now),
            workflow.id,
            self._seq,
            now,
            idempotency_key,
            start_node,
        )
        self.store.add(record)
        self.queue.append(record)
        self._schedule_dispatch()
        return record

    def set_workers(self, workers: int) -> None:
        """Resize the pool. Shrinking lets busy workers finish their runs;
        no new run starts until fewer than ``workers`` are busy."""
        self.workers = workers
        self._schedule_dispatch()

    def rng_for(self, seq: int) -> RunRandom:
        """The run's own generator: a function of the seed and the run's
        sequence number only, so concurrency cannot change outcomes."""
        return RunRandom(self.seed, seq)

    def _schedule_dispatch(self) -> None:
        if not self._dispatch_pending and self._loop is not None:
            self._dispatch_pending = True
            self._loop.call_soon(self._dispatch)

    def _dispatch(self) -> None:
        self._dispatch_pending = False
        queue = self.queue
        while queue and self.busy < self.workers:
            self._start(queue.popleft())

    def _start(self, record: RunRecord) -> None:
        workflow = self.workflows[record.workflow_id]
        plan = plan_run(workflow, self.rng_for(record.seq), self.time_scale, record.start_node)
        record.begin(plan, time.time(), self.minters)
        self.store.moved(record, contract.PENDING)
        if self.faults.hang_active and self.faults.hang(workflow.id):
            # The worker lost the run after its first node and moved on: the
            # run shows ``running`` forever but holds no capacity.
            record.hung = True
            return
        self.busy += 1
        assert self._loop is not None and self._deadlines is not None
        self._deadlines.add(self._loop.time() + plan.total_s, record.seq, record)

    def _finish(self, record: RunRecord) -> None:
        record.finish()
        self.store.moved(record, contract.RUNNING)
        self.store.retire(record, time.monotonic())
        self.busy -= 1
        self._dispatch()

    def _sweep(self) -> None:
        self.store.sweep(time.monotonic())
        assert self._loop is not None
        self._sweeper = self._loop.call_later(SWEEP_INTERVAL_S, self._sweep)
