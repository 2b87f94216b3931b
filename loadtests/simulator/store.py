"""Where runs live: lookup by ID, by workflow (newest first), by idempotency
key; the ground-truth counters; and eviction, which keeps memory bounded in a
long soak by forgetting finished runs past a count or an age."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

from loadtests import contract
from loadtests.simulator.runs import RunRecord
from loadtests.simulator.validation import Table


@dataclass(frozen=True, slots=True)
class Retention:
    """How many finished runs, and for how long, the simulator remembers.
    Runs parked in ``awaiting_ui_interaction`` count as finished here: nothing
    can ever move them on."""

    max_runs: int = 100_000
    max_age_s: float = 3600.0

    def to_json(self) -> dict[str, float]:
        return {"max_runs": self.max_runs, "max_age_s": self.max_age_s}


def parse_retention(table: Table, base: Retention) -> Retention:
    table.check_known(frozenset({"max_runs", "max_age_s"}))
    return Retention(
        max_runs=table.integer("max_runs", base.max_runs, minimum=0),
        max_age_s=table.number("max_age_s", base.max_age_s, above=0.0),
    )


class RunStore:
    def __init__(self, retention: Retention, workflow_ids: list[str]) -> None:
        self.retention = retention
        self.runs: dict[str, RunRecord] = {}
        # Insertion-ordered, so reversed iteration is "newest first".
        self.by_workflow: dict[str, dict[str, RunRecord]] = {wf: {} for wf in workflow_ids}
        self.by_key: dict[str, RunRecord] = {}
        self._finished: deque[tuple[float, RunRecord]] = deque()
        self.created = 0
        self.created_by_workflow: dict[str, int] = dict.fromkeys(workflow_ids, 0)
        # Current status of every run ever created; evicted runs stay counted
        # under their final status, so the values always sum to ``created``.
        self.by_status: dict[str, int] = dict.fromkeys(contract.STATUSES, 0)
        self.evicted = 0

    def add(self, record: RunRecord) -> None:
        self.runs[record.id] = record
        self.by_workflow[record.workflow_id][record.id] = record
        if record.idempotency_key is not None:
            self.by_key[record.idempotency_key] = record
        self.created += 1
        self.created_by_workflow[record.workflow_id] += 1
        self.by_status[record.status] += 1

    def get(self, run_id: str) -> RunRecord | None:
        return self.runs.get(run_id)

    def by_idempotency_key(self, key: str) -> RunRecord | None:
        return self.by_key.get(key)

    def moved(self, record: RunRecord, previous_status: str) -> None:
        """Count a status change that already happened on ``record``."""
        self.by_status[previous_status] -= 1
        self.by_status[record.status] += 1

    def retire(self, record: RunRecord, now: float) -> None:
        """A run reached its last status: it may now be evicted."""
        self._finished.append((now, record))
        excess = len(self._finished) - self.retention.max_runs
        for _ in range(max(0, excess)):
            self._evict(self._finished.popleft()[1])

    def sweep(self, now: float) -> None:
        """Evict finished runs older than the retention age."""
        horizon = now - self.retention.max_age_s
        finished = self._finished
        while finished and finished[0][0] < horizon:
            self._evict(finished.popleft()[1])

    def set_retention(self, retention: Retention, now: float) -> None:
        self.retention = retention
        self.retire_excess()
        self.sweep(now)

    def retire_excess(self) -> None:
        while len(self._finished) > self.retention.max_runs:
            self._evict(self._finished.popleft()[1])

    def page(self, workflow_id: str, page: int, per_page: int) -> tuple[list[RunRecord], int]:
        """One page of a workflow's retained runs, newest first, and their total."""
        runs = self.by_workflow[workflow_id]
        start = (page - 1) * per_page
        return list(itertools.islice(reversed(runs.values()), start, start + per_page)), len(runs)

    def _evict(self, record: RunRecord) -> None:
        self.runs.pop(record.id, None)
        self.by_workflow[record.workflow_id].pop(record.id, None)
        if record.idempotency_key is not None and self.by_key.get(record.idempotency_key) is record:
            del self.by_key[record.idempotency_key]
        self.evicted += 1
