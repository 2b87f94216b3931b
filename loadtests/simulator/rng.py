"""Each run's own random stream, a function of (seed, run sequence number).

A ``random.Random`` per run would do, but seeding Mersenne Twister fills 624
words, several microseconds on every run started. SplitMix64 needs one
64-bit state, and subclassing ``Random`` keeps every distribution method
(``gauss``, ``expovariate``, ``uniform``...) working on top of it.
"""

from __future__ import annotations

from random import Random

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_TO_UNIT = 2.0**-53


def _mix(z: int) -> int:
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


class RunRandom(Random):
    """A SplitMix64 stream: the same (seed, seq) always yields the same numbers."""

    def __init__(self, seed: int, seq: int) -> None:  # no super(): that would seed Mersenne Twister
        self._state = _mix((_mix(seed & _MASK) + seq) & _MASK)
        self.gauss_next = None

    def seed(self, *args: object, **kwargs: object) -> None:
        raise TypeError("a RunRandom is keyed by (seed, seq) when created")

    def random(self) -> float:
        # _mix inlined: this runs a few times for every run started.
        z = self._state = (self._state + _GOLDEN) & _MASK
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((z ^ (z >> 31)) >> 11) * _TO_UNIT

    def getrandbits(self, k: int) -> int:
        # For randrange()/choice(): enough 64-bit draws, trimmed to k bits.
        value, have = 0, 0
        while have < k:
            self._state = (self._state + _GOLDEN) & _MASK
            value, have = (value << 64) | _mix(self._state), have + 64
        return value >> (have - k)
