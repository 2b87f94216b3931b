"""When to ask again: the poll schedule of a tracked run.

The first poll comes ``first_s`` after the run was accepted (short workflows
finish quickly, so waiting a whole interval would add detection lag); after
that the interval starts at ``interval_s``, grows by ``backoff`` after each
poll up to ``max_interval_s``, and every delay is spread by ``±jitter`` so
that users started together do not poll in lockstep.

The schedule bounds detection lag: a run is seen finished at most one
current interval after it finished. The report measures that lag.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from random import Random


@dataclass(frozen=True)
class PollSchedule:
    first_s: float = 0.25
    interval_s: float = 0.5
    backoff: float = 1.0
    max_interval_s: float = 5.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        problems = []
        if self.first_s < 0:
            problems.append("--poll-first must be 0 or more seconds")
        if self.interval_s <= 0:
            problems.append("--poll-interval must be more than 0 seconds")
        if self.backoff < 1:
            problems.append("--poll-backoff must be 1 (constant) or more")
        if self.max_interval_s < self.interval_s:
            problems.append("--poll-max must be at least --poll-interval")
        if not 0 <= self.jitter < 1:
            problems.append("--poll-jitter must be from 0 to below 1 (a fraction of the delay)")
        if problems:
            raise ValueError(problems[0])

    def delays(self, rng: Random) -> Iterator[float]:
        """The delays before each poll, endless; the caller stops at the run timeout."""
        yield self._spread(self.first_s, rng)
        interval = self.interval_s
        while True:
            yield self._spread(interval, rng)
            interval = min(interval * self.backoff, self.max_interval_s)

    def _spread(self, delay: float, rng: Random) -> float:
        if not self.jitter:
            return delay
        return delay * (1 + rng.uniform(-self.jitter, self.jitter))
