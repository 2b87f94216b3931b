"""Per-token rate limiting, the way Laravel's ``throttle`` middleware does it:
a fixed window per token that opens with the token's first request; past
``limit`` requests in the window the answer is 429 with ``Retry-After``
(whole seconds until the window closes).

``limit = 60`` with the default 60 s window reproduces production's
published 60 requests per minute per token.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from loadtests.simulator.validation import Table

# Forget closed windows once this many tokens are tracked, so a client
# inventing tokens cannot grow memory without bound.
_SWEEP_AT = 10_000


@dataclass(frozen=True, slots=True)
class RateLimit:
    limit: int = 0  # requests per window per token; 0 switches limiting off
    window_s: float = 60.0

    def to_json(self) -> dict[str, float]:
        return {"limit": self.limit, "window_s": self.window_s}


PRODUCTION = RateLimit(limit=60, window_s=60.0)


def parse_rate_limit(table: Table, base: RateLimit) -> RateLimit:
    table.check_known(frozenset({"limit", "window_s"}))
    return RateLimit(
        limit=table.integer("limit", base.limit, minimum=0),
        window_s=table.number("window_s", base.window_s, above=0.0),
    )


class RateLimiter:
    def __init__(self, settings: RateLimit) -> None:
        self.settings = settings
        self._windows: dict[str, list[float]] = {}  # token -> [window end, requests]

    def configure(self, settings: RateLimit) -> None:
        self.settings = settings
        self._windows.clear()

    def retry_after(self, token: str, now: float) -> int | None:
        """Count a request; ``None`` if it may pass, else the seconds to wait."""
        limit = self.settings.limit
        if not limit:
            return None
        window = self._windows.get(token)
        if window is None or now >= window[0]:
            if len(self._windows) >= _SWEEP_AT:
                self._sweep(now)
            self._windows[token] = [now + self.settings.window_s, 1]
            return None
        if window[1] >= limit:
            return max(1, math.ceil(window[0] - now))
        window[1] += 1
        return None

    def _sweep(self, now: float) -> None:
        self._windows = {token: w for token, w in self._windows.items() if w[0] > now}
