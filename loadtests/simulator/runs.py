"""A simulated run: the contract's :class:`~loadtests.contract.Run` plus what
the simulator needs to play it out (its plan, when it started) and to answer
polls cheaply (the encoded body of a run that will not change again)."""

from __future__ import annotations

import orjson

from loadtests import contract
from loadtests.contract import LogEntry, Run
from loadtests.simulator.workflows import Plan


class Minters:
    """ID and timestamp makers for one simulation (each keeps a small cache,
    so each event loop has its own)."""

    __slots__ = ("log_id", "run_id", "timestamp")

    def __init__(self) -> None:
        self.run_id = contract.id_factory(contract.RUN_PREFIX)
        self.log_id = contract.id_factory(contract.LOG_PREFIX)
        self.timestamp = contract.timestamp_formatter()


class RunRecord:
    __slots__ = (
        "_final_body",
        "created_at",
        "hung",
        "id",
        "idempotency_key",
        "logs",
        "minters",
        "plan",
        "run",
        "seq",
        "start_node",
        "started_at",
        "workflow_id",
    )

    def __init__(
        self,
        run_id: str,
        workflow_id: str,
        seq: int,
        created_at: float,
        idempotency_key: str | None = None,
        start_node: str | None = None,
    ) -> None:
        self.id = run_id
        self.workflow_id = workflow_id
        self.seq = seq
        self.created_at = created_at
        self.idempotency_key = idempotency_key
        self.start_node = start_node
        self.run = Run(id=run_id, status=contract.PENDING)
        self.plan: Plan | None = None
        self.started_at = 0.0
        self.logs: list[LogEntry] | None = None
        self.minters: Minters | None = None
        self.hung = False
        self._final_body: bytes | None = None

    @property
    def status(self) -> str:
        return self.run.status

    def begin(self, plan: Plan, now: float, minters: Minters) -> None:
        """A worker took the run: it is running, and each node's log entry
        will show once its time has come."""
        self.plan = plan
        self.started_at = now
        self.minters = minters
        self.run.status = contract.RUNNING

    def entries(self) -> list[LogEntry]:
        """Every log entry the plan will produce. Built on first demand (most
        runs are polled, so this happens once per run either way) and kept,
        so IDs stay stable from poll to poll."""
        if self.logs is None:
            plan, minters, now = self.plan, self.minters, self.started_at
            if plan is None or minters is None:
                return []
            stamp, log_id = minters.timestamp, minters.log_id
            self.logs = [
                LogEntry(log_id(now), s.node_id, s.component_id, s.status, s.output, stamp(now + s.end_s))
                for s in plan.steps
            ]
        return self.logs

    def finish(self) -> None:
        """The plan has played out: the run takes its final status."""
        plan = self.plan
        assert plan is not None
        run = self.run
        run.status = plan.status
        run.error_message = plan.error_message
        if plan.status != contract.AWAITING_UI:
            run.duration_in_seconds = round(plan.total_s, 6)

    def _stamp(self) -> None:
        """Format ``started_at`` and ``completed_at`` the first time the run
        is shown after each is known, not on the engine's hot path."""
        minters, run = self.minters, self.run
        if minters is None:
            return
        if run.started_at is None:
            run.started_at = minters.timestamp(self.started_at)
        if run.completed_at is None and run.duration_in_seconds is not None:
            # From the same number as duration_in_seconds, so the two always agree.
            assert self.plan is not None
            run.completed_at = minters.timestamp(self.started_at + self.plan.total_s)

    def visible_logs(self, now: float) -> list[LogEntry]:
        """The entries of the nodes that have finished by ``now``."""
        if self.plan is None:
            return []
        if self.run.status != contract.RUNNING:
            return self.entries()
        elapsed = now - self.started_at
        steps = self.plan.steps[:1] if self.hung else self.plan.steps
        return [entry for entry, step in zip(self.entries(), steps, strict=False) if step.end_s <= elapsed]

    def to_json(self, now: float, with_logs: bool) -> dict:
        self._stamp()
        if with_logs:
            self.run.logs = self.visible_logs(now)
        return self.run.to_json(with_logs)

    def body(self, now: float) -> bytes:
        """The encoded run with its logs, as ``GET /workflows/runs/{id}`` answers."""
        if self._final_body is not None:
            return self._final_body
        body = orjson.dumps(self.to_json(now, True))
        if self.run.status in contract.TERMINAL_STATUSES:
            self._final_body = body
        return body

    def summary(self) -> dict[str, object]:
        """What ``GET /__sim/runs`` lists: enough to match the harness's records."""
        return {
            "id": self.id,
            "workflow_id": self.workflow_id,
            "status": self.run.status,
            "idempotency_key": self.idempotency_key,
            "created_at": contract.format_timestamp(self.created_at),
        }
