"""Public routes of the contract: matching a path to its route name (the
names of :mod:`loadtests.contract`, which the stats and the harness share)
and its path parameters.

Matching splits the path once and branches on the segment count, which is
cheaper than trying a list of regular expressions on every request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loadtests import contract

UNMATCHED = "[unmatched]"


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    name: str
    method: str
    # "<METHOD> <route name>" for the stats, built once per method.
    keys: dict[str, str] = field(default_factory=dict)
    stats_key: str = field(init=False)  # the key for the route's own method

    def __post_init__(self) -> None:
        object.__setattr__(self, "stats_key", self.key(self.method))

    def key(self, method: str) -> str:
        key = self.keys.get(method)
        if key is None:
            key = self.keys[method] = f"{method} {self.name}"
        return key


EXECUTE = Route(contract.EXECUTE_ROUTE, "POST")
RUN = Route(contract.RUN_ROUTE, "GET")
EXECUTIONS = Route(contract.EXECUTIONS_ROUTE, "GET")
WORKFLOWS = Route(contract.WORKFLOWS_ROUTE, "GET")
WORKFLOW = Route(contract.WORKFLOW_ROUTE, "GET")
RERUN = Route(contract.RERUN_ROUTE, "POST")
RESUME = Route(contract.RESUME_ROUTE, "POST")

ROUTES = (EXECUTE, RUN, EXECUTIONS, WORKFLOWS, WORKFLOW, RERUN, RESUME)

_NO_MATCH: tuple[None, tuple[str, ...]] = (None, ())


def match(path: str) -> tuple[Route | None, tuple[str, ...]]:
    """The route ``path`` belongs to and its parameters, or ``(None, ())``."""
    parts = path.split("/")
    count = len(parts)
    if count < 2 or parts[1] != "workflows" or parts[0] or "" in parts[2:]:
        return _NO_MATCH
    if count == 2:
        return WORKFLOWS, ()
    if count == 3:
        return WORKFLOW, (parts[2],)
    if count == 4:
        if parts[2] == "runs":
            return RUN, (parts[3],)
        if parts[3] == "execute":
            return EXECUTE, (parts[2],)
        if parts[3] == "executions":
            return EXECUTIONS, (parts[2],)
        return _NO_MATCH
    if parts[2] != "runs":
        return _NO_MATCH
    if count == 5 and parts[4] == "rerun":
        return RERUN, (parts[3],)
    if count == 6 and parts[4] == "resume-from":
        return RESUME, (parts[3], parts[5])
    return _NO_MATCH
