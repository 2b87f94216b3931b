"""One simulated service: its catalogue, run store, execution engine, faults,
rate limiter and counters, built from a :class:`SimConfig`, plus the
runtime-changeable settings and the ground truth the control API serves."""

from __future__ import annotations

import os
import time
from random import Random
from typing import Any

import orjson

from loadtests.simulator.config import SimConfig
from loadtests.simulator.engine import Engine
from loadtests.simulator.faults import FaultInjector, parse_faults
from loadtests.simulator.ratelimit import RateLimiter, parse_rate_limit
from loadtests.simulator.stats import RequestStats
from loadtests.simulator.store import RunStore, parse_retention
from loadtests.simulator.validation import Table

# Settings POST /__sim/config may change while the simulator runs.
RUNTIME_SETTINGS = frozenset({"time_scale", "workers", "rate_limit", "retention"})

# Keeps the fault generator's stream apart from the runs' generators.
_FAULT_SALT = 0x5EED_FA17


class Simulation:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.seed = config.seed if config.seed is not None else int.from_bytes(os.urandom(4), "big")
        self.workflows = {workflow.id: workflow for workflow in config.workflows}
        self.tokens = frozenset(config.tokens)
        self.store = RunStore(config.retention, list(self.workflows))
        self.faults = FaultInjector(config.faults, Random(self.seed ^ _FAULT_SALT), time.monotonic())
        self.engine = Engine(
            self.workflows,
            self.store,
            self.faults,
            workers=config.workers,
            time_scale=config.time_scale,
            seed=self.seed,
        )
        self.limiter = RateLimiter(config.rate_limit)
        self.requests = RequestStats()
        self.idempotent_replays = 0
        self.started = time.monotonic()
        # Workflow objects never change: encode them once.
        self.workflows_body = orjson.dumps({"data": [w.to_json() for w in config.workflows]})
        self.workflow_bodies = {w.id: orjson.dumps(w.to_json()) for w in config.workflows}

    def uptime_s(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def stats(self) -> dict[str, Any]:
        store, engine = self.store, self.engine
        return {
            "runs": {
                "created": store.created,
                "by_workflow": dict(store.created_by_workflow),
                "by_status": dict(store.by_status),
                "evicted": store.evicted,
                "retained": len(store.runs),
            },
            "queue_depth": engine.queue_depth,
            "busy_workers": engine.busy,
            "workers": engine.workers,
            "requests": self.requests.to_json(),
            "idempotent_replays": self.idempotent_replays,
            "faults_injected": dict(self.faults.injected),
            "uptime_s": self.uptime_s(),
        }

    def runtime_config(self) -> dict[str, Any]:
        config = self.config
        return {
            "time_scale": self.engine.time_scale,
            "workers": self.engine.workers,
            "rate_limit": self.limiter.settings.to_json(),
            "retention": self.store.retention.to_json(),
            "seed": self.seed,
            "per_page": config.per_page,
            "max_body_bytes": config.max_body_bytes,
            "auth": {"tokens": len(config.tokens)},  # how many, never which
            "source": config.source,
            "workflows": {
                w.id: {"mean_service_s": round(w.mean_service_s(), 6), "is_active": w.is_active}
                for w in config.workflows
            },
        }

    def update_runtime(self, patch: Table) -> None:
        """Apply a control-API patch; validates everything before changing anything."""
        patch.check_known(RUNTIME_SETTINGS)
        time_scale = patch.number("time_scale", self.engine.time_scale, minimum=0.0)
        workers = patch.integer("workers", self.engine.workers, minimum=1, maximum=100_000)
        rate_limit = parse_rate_limit(patch.table("rate_limit"), self.limiter.settings)
        retention = parse_retention(patch.table("retention"), self.store.retention)
        self.engine.time_scale = time_scale
        if patch.has("rate_limit"):
            self.limiter.configure(rate_limit)
        self.store.set_retention(retention, time.monotonic())
        self.engine.set_workers(workers)

    def update_faults(self, patch: Table) -> None:
        self.faults.apply(parse_faults(patch, self.faults.settings), time.monotonic())
