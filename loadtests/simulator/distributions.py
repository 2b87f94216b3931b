"""Duration distributions for workflow components.

Each is described in the configuration by ``dist`` and its parameters, in
seconds, chosen so a person can say what they mean without statistics: a
lognormal by its median and 99th percentile, an exponential by its mean.
``duration_s = X`` is shorthand for a constant, the way to give a capacity
test a precisely known service time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from random import Random
from typing import Protocol

from loadtests.simulator.validation import Table

# z such that P(Z <= z) = 0.99 for a standard normal: turns (median, p99)
# into the lognormal's sigma.
_Z99 = 2.3263478740408408


class Distribution(Protocol):
    def sample(self, rng: Random) -> float: ...

    @property
    def mean(self) -> float: ...

    def describe(self) -> dict[str, object]: ...


@dataclass(frozen=True, slots=True)
class Constant:
    value_s: float

    def sample(self, rng: Random) -> float:
        return self.value_s

    @property
    def mean(self) -> float:
        return self.value_s

    def describe(self) -> dict[str, object]:
        return {"dist": "constant", "value_s": self.value_s}


@dataclass(frozen=True, slots=True)
class LogNormal:
    median_s: float
    p99_s: float
    mu: float = field(init=False)
    sigma: float = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mu", math.log(self.median_s))
        object.__setattr__(self, "sigma", math.log(self.p99_s / self.median_s) / _Z99)

    def sample(self, rng: Random) -> float:
        # gauss() draws normals in pairs and keeps the second: half the cost
        # of normalvariate() per draw.
        return math.exp(self.mu + self.sigma * rng.gauss())

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma**2 / 2)

    def describe(self) -> dict[str, object]:
        return {"dist": "lognormal", "median_s": self.median_s, "p99_s": self.p99_s}


@dataclass(frozen=True, slots=True)
class Exponential:
    mean_s: float

    def sample(self, rng: Random) -> float:
        return rng.expovariate(1.0 / self.mean_s)

    @property
    def mean(self) -> float:
        return self.mean_s

    def describe(self) -> dict[str, object]:
        return {"dist": "exponential", "mean_s": self.mean_s}


@dataclass(frozen=True, slots=True)
class Uniform:
    min_s: float
    max_s: float

    def sample(self, rng: Random) -> float:
        return rng.uniform(self.min_s, self.max_s)

    @property
    def mean(self) -> float:
        return (self.min_s + self.max_s) / 2

    def describe(self) -> dict[str, object]:
        return {"dist": "uniform", "min_s": self.min_s, "max_s": self.max_s}


KINDS = ("constant", "lognormal", "exponential", "uniform")
_PARAMS = {
    "constant": {"value_s"},
    "lognormal": {"median_s", "p99_s"},
    "exponential": {"mean_s"},
    "uniform": {"min_s", "max_s"},
}


def parse_duration(owner: Table, default: Distribution) -> Distribution:
    """The duration of a node: ``duration_s = X`` or ``duration = {dist = ..., ...}``."""
    if owner.has("duration_s") and owner.has("duration"):
        raise owner.error("duration_s", "give either duration_s or duration, not both")
    if owner.has("duration_s"):
        return Constant(owner.number("duration_s", 0.0, minimum=0.0))
    if not owner.has("duration"):
        return default
    return parse_distribution(owner.table("duration"))


def parse_distribution(table: Table) -> Distribution:
    kind = table.string("dist", choices=KINDS)
    table.check_known(_PARAMS[kind] | {"dist"})
    if kind == "constant":
        return Constant(table.number("value_s", 0.0, minimum=0.0))
    if kind == "exponential":
        return Exponential(_required_positive(table, "mean_s"))
    if kind == "uniform":
        low = table.number("min_s", 0.0, minimum=0.0)
        high = _required_positive(table, "max_s")
        if high < low:
            raise table.error("max_s", f"must not be below min_s ({low:g})")
        return Uniform(low, high)
    median = _required_positive(table, "median_s")
    p99 = _required_positive(table, "p99_s")
    if p99 <= median:
        raise table.error("p99_s", f"must be above median_s ({median:g}) for a lognormal")
    return LogNormal(median, p99)


def _required_positive(table: Table, key: str) -> float:
    if not table.has(key):
        raise table.error(key, "required setting is missing")
    return table.number(key, 0.0, above=0.0)
