"""One event-loop timer for every run in progress.

asyncio keeps its timers in a heap ordered by ``TimerHandle.__lt__``, a
Python method: with thousands of runs in flight each ``call_at`` costs a
dozen Python-level comparisons. Here deadlines are ``(when, seq, item)``
tuples in our own heap, compared in C, and the loop holds a single timer
for the earliest of them. The timer fires on a 1 ms grid, so under load one
firing ends every run due in that millisecond: a run may be seen ending up
to 1 ms late (its reported ``completed_at`` is exact).
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Callable
from typing import Any

GRID_PER_S = 1000


class Deadlines:
    def __init__(self, loop: asyncio.AbstractEventLoop, on_due: Callable[[Any], None]) -> None:
        self._loop = loop
        self._on_due = on_due
        self._heap: list[tuple[float, int, Any]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._armed_for = float("inf")

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, when: float, seq: int, item: Any) -> None:
        """Call ``on_due(item)`` once the loop's clock reaches ``when``;
        ``seq`` breaks ties and must be unique."""
        heapq.heappush(self._heap, (when, seq, item))
        if when < self._armed_for:
            self._arm(when)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._heap.clear()

    def _arm(self, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._armed_for = when
        self._timer = self._loop.call_at(math.ceil(when * GRID_PER_S) / GRID_PER_S, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self._armed_for = float("inf")
        heap, now = self._heap, self._loop.time()
        while heap and heap[0][0] <= now:
            self._on_due(heapq.heappop(heap)[2])
        if heap:
            self._arm(heap[0][0])
