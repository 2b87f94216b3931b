"""Finding how much a service sustains: the stepped arrival-rate search.

Used by ``wfload capacity`` when no ``--rates`` are given. The rate starts
at ``start`` runs/s and grows by ``growth`` each step until a step
*saturates*; then it bisects between the last rate that held and the first
that did not, ``refinements`` times. After a saturated step the load pauses
(rate 0) until the backlog has drained, so the next step starts clean.

A step saturates when, over its measured part (after the first
``SETTLE_FRACTION`` of it):
- the backlog grew: runs in flight rose by more than
  ``max(MIN_BACKLOG_GROWTH, BACKLOG_GROWTH_FRACTION * arrivals)``, or
- completions fell behind: fewer than ``THROUGHPUT_FLOOR * arrivals``
  runs finished.

These live judgements only steer the search; the capacity report
recomputes every step from the raw records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SETTLE_FRACTION = 0.2
MIN_BACKLOG_GROWTH = 3
BACKLOG_GROWTH_FRACTION = 0.1
THROUGHPUT_FLOOR = 0.9


@dataclass(frozen=True)
class SearchSpec:
    """``search:START/STEP``, with optional ``xGROWTH`` and ``^MAX``: e.g.
    ``search:2/5s``, ``search:2/5s x1.5 ^500``."""

    start: float
    step_s: float
    growth: float = 1.5
    refinements: int = 3
    max_rate: float = 1000.0
    max_steps: int = 16
    spec: str = ""  # as written

    @property
    def time_bound_s(self) -> float:
        """The longest the search can take: every step, and a recovery pause of
        up to two steps after each saturated one (the first break and each
        refinement at most)."""
        return (self.max_steps + 2 * (self.refinements + 1)) * self.step_s


def saturated(arrivals: float, finished: float, backlog_growth: float) -> bool:
    """The live judgement of one step (see the module's docstring)."""
    if arrivals <= 0:
        return False
    grew = backlog_growth > max(MIN_BACKLOG_GROWTH, BACKLOG_GROWTH_FRACTION * arrivals)
    return grew or finished < THROUGHPUT_FLOOR * arrivals


@dataclass
class RateSearch:
    spec: SearchSpec
    held: float = 0.0  # the highest rate that held
    broke: float | None = None  # the lowest rate that saturated
    steps: list[tuple[float, bool]] = field(default_factory=list)

    def next_rate(self) -> float | None:
        """The next step's rate, or None when the search is over."""
        if len(self.steps) >= self.spec.max_steps:
            return None
        if self.broke is None:
            rate = self.spec.start * self.spec.growth ** len(self.steps)
            return rate if rate <= self.spec.max_rate else None
        if self._refined() >= self.spec.refinements:
            return None
        return (self.held + self.broke) / 2

    def observe(self, rate: float, was_saturated: bool) -> None:
        self.steps.append((rate, was_saturated))
        if was_saturated:
            self.broke = rate if self.broke is None else min(self.broke, rate)
        else:
            self.held = max(self.held, rate)

    def _refined(self) -> int:
        first_break = next(i for i, (_, s) in enumerate(self.steps) if s)
        return len(self.steps) - first_break - 1
