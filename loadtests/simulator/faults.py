"""Fault injection: the settings, and the decisions the request pipeline and
the engine ask for.

All faults are off by default. Each can be scoped to public routes (route
names from :mod:`loadtests.contract`; empty means every public route), and
the ratio-based ones can be limited to the next ``count`` occurrences, so an
end-to-end test can ask for exactly one reset after a run was created.

Settings are replaced whole and atomically: a control-API POST merges a
patch into the current settings, validates the result, then swaps it in.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from random import Random
from typing import Any

from loadtests import contract
from loadtests.simulator.validation import Table

PUBLIC_ROUTES = (
    contract.EXECUTE_ROUTE,
    contract.RUN_ROUTE,
    contract.EXECUTIONS_ROUTE,
    contract.WORKFLOWS_ROUTE,
    contract.WORKFLOW_ROUTE,
    contract.RERUN_ROUTE,
    contract.RESUME_ROUTE,
)

RESET_BEFORE = "before"  # the connection drops before the request is acted on
RESET_AFTER = "after"  # the request took effect (a run was created), then the connection drops

SERVER_ERROR_MESSAGES = {
    500: "Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass(frozen=True, slots=True)
class Latency:
    ms: float = 0.0
    jitter_ms: float = 0.0  # uniform extra, 0..jitter_ms
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Errors:
    ratio: float = 0.0
    statuses: tuple[int, ...] = (500, 502, 503)
    count: int = 0
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reset:
    ratio: float = 0.0
    when: str = RESET_BEFORE
    count: int = 0
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Stall:
    every_s: float = 0.0
    for_s: float = 0.0
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Malformed:
    ratio: float = 0.0
    count: int = 0
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Slow:
    ratio: float = 0.0
    seconds: float = 2.0  # the body is dribbled out over this long
    count: int = 0
    routes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hang:
    ratio: float = 0.0
    count: int = 0
    workflows: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FaultSettings:
    latency: Latency = field(default_factory=Latency)
    errors: Errors = field(default_factory=Errors)
    reset: Reset = field(default_factory=Reset)
    stall: Stall = field(default_factory=Stall)
    malformed: Malformed = field(default_factory=Malformed)
    slow: Slow = field(default_factory=Slow)
    hang: Hang = field(default_factory=Hang)

    def to_json(self) -> dict[str, Any]:
        return {
            name: {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in _fields(part).items()
            }
            for name, part in _fields(self).items()
        }

    @property
    def any_request_fault(self) -> bool:
        return bool(
            self.latency.ms
            or self.latency.jitter_ms
            or self.errors.ratio
            or self.reset.ratio
            or (self.stall.every_s and self.stall.for_s)
            or self.malformed.ratio
            or self.slow.ratio
        )


FAULT_NAMES = tuple(f.name for f in dataclasses.fields(FaultSettings))


def parse_faults(table: Table, base: FaultSettings | None = None) -> FaultSettings:
    """``base`` with the settings in ``table`` merged in (a missing key keeps
    its current value)."""
    base = base or FaultSettings()
    table.check_known(frozenset(FAULT_NAMES))
    changes = {}
    for name in FAULT_NAMES:
        if table.has(name):
            changes[name] = _parse_part(table.table(name), getattr(base, name))
    return dataclasses.replace(base, **changes)


def _parse_part(table: Table, current: Any) -> Any:
    values = _fields(current)
    table.check_known(frozenset(values))
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if not table.has(key):
            continue
        if key == "routes":
            changes[key] = _routes(table)
        elif key == "workflows":
            changes[key] = table.strings(key)
        elif key == "statuses":
            changes[key] = _statuses(table)
        elif key == "when":
            changes[key] = table.string(key, choices=(RESET_BEFORE, RESET_AFTER))
        elif key in ("ratio",):
            changes[key] = table.ratio(key)
        elif key == "count":
            changes[key] = table.integer(key, 0, minimum=0)
        else:
            changes[key] = table.number(key, value, minimum=0.0)
    updated = dataclasses.replace(current, **changes)
    if isinstance(updated, Stall) and updated.every_s and updated.for_s >= updated.every_s:
        raise table.error(
            "for_s", f"must be shorter than every_s ({updated.every_s:g}); 0 switches stalls off"
        )
    return updated


def _routes(table: Table) -> tuple[str, ...]:
    routes = table.strings("routes")
    for route in routes:
        if route not in PUBLIC_ROUTES:
            raise table.error(
                "routes", f"unknown route {route!r}; use route names: {', '.join(PUBLIC_ROUTES)}"
            )
    return routes


def _statuses(table: Table) -> tuple[int, ...]:
    statuses = table.sequence("statuses")
    if not statuses or not all(
        isinstance(s, int) and not isinstance(s, bool) and 500 <= s <= 599 for s in statuses
    ):
        raise table.error("statuses", "expected a non-empty list of 5xx status codes, e.g. [500, 502, 503]")
    return tuple(statuses)


def _fields(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


class FaultInjector:
    """Decides, request by request, which fault strikes. Counts what it injected."""

    def __init__(self, settings: FaultSettings, rng: Random, now: float) -> None:
        self.rng = rng
        self.injected: dict[str, int] = dict.fromkeys(FAULT_NAMES, 0)
        self.apply(settings, now)

    def apply(self, settings: FaultSettings, now: float) -> None:
        """Switch to ``settings``; ``now`` (monotonic) is where stall windows start."""
        self.settings = settings
        self.active = settings.any_request_fault
        self.hang_active = bool(settings.hang.ratio)
        self.stall_origin = now
        # What is left of each fault's ``count`` budget (None: unlimited).
        self.remaining: dict[str, int | None] = {
            name: (getattr(settings, name).count or None)
            if hasattr(getattr(settings, name), "count")
            else None
            for name in FAULT_NAMES
        }

    def to_json(self) -> dict[str, Any]:
        body = self.settings.to_json()
        for name, left in self.remaining.items():
            body[name]["remaining"] = left
        return body

    def delay_s(self, route: str, now: float) -> float:
        """How long to hold a request before acting on it: stall plus latency."""
        delay = 0.0
        stall = self.settings.stall
        if stall.every_s and stall.for_s and _in_scope(stall.routes, route):
            into_period = (now - self.stall_origin) % stall.every_s
            if into_period < stall.for_s:
                delay = stall.for_s - into_period
                self.injected["stall"] += 1
        latency = self.settings.latency
        if (latency.ms or latency.jitter_ms) and _in_scope(latency.routes, route):
            delay += (latency.ms + self.rng.random() * latency.jitter_ms) / 1000.0
            self.injected["latency"] += 1
        return delay

    def reset_before(self, route: str) -> bool:
        return self.settings.reset.when == RESET_BEFORE and self._strikes("reset", route)

    def reset_after(self, route: str) -> bool:
        return self.settings.reset.when == RESET_AFTER and self._strikes("reset", route)

    def error_status(self, route: str) -> int | None:
        if not self._strikes("errors", route):
            return None
        return self.rng.choice(self.settings.errors.statuses)

    def malformed(self, route: str) -> bool:
        return self._strikes("malformed", route)

    def slow_s(self, route: str) -> float:
        return self.settings.slow.seconds if self._strikes("slow", route) else 0.0

    def hang(self, workflow_id: str) -> bool:
        """Whether a run that is starting should never finish."""
        hang = self.settings.hang
        if not hang.ratio or (hang.workflows and workflow_id not in hang.workflows):
            return False
        return self._draw("hang", hang.ratio)

    def _strikes(self, name: str, route: str) -> bool:
        part = getattr(self.settings, name)
        if not part.ratio or not _in_scope(part.routes, route):
            return False
        return self._draw(name, part.ratio)

    def _draw(self, name: str, ratio: float) -> bool:
        left = self.remaining[name]
        if left == 0 or (ratio < 1.0 and self.rng.random() >= ratio):
            return False
        if left is not None:
            self.remaining[name] = left - 1
        self.injected[name] += 1
        return True


def _in_scope(routes: tuple[str, ...], route: str) -> bool:
    return not routes or route in routes
