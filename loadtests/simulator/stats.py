"""Counting answered requests by ``"<METHOD> <route name>"`` and status, for
the ground truth at ``GET /__sim/stats``."""

from __future__ import annotations

# The status under which a connection reset (no answer at all) is counted.
RESET = "reset"


class RequestStats:
    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: dict[str, dict[int | str, int]] = {}

    def count(self, key: str, status: int | str) -> None:
        bucket = self.counts.get(key)
        if bucket is None:
            bucket = self.counts[key] = {}
        bucket[status] = bucket.get(status, 0) + 1

    def to_json(self) -> dict[str, dict[str, int]]:
        return {key: {str(status): n for status, n in bucket.items()} for key, bucket in self.counts.items()}

    @property
    def total(self) -> int:
        return sum(sum(bucket.values()) for bucket in self.counts.values())
