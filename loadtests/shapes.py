"""Load shapes: how the load level changes over a test.

The level is users for the closed model and runs per second for the open
model; the same four shapes serve both. A shape is written as one short
spec, so it fits a command line and a field of the web UI's form:

| spec | meaning |
|---|---|
| ``ramp:0-50/60s`` | from 0 to 50 over 60 s, then hold 50 until the run time ends |
| ``steps:5,10,20/30s`` | 5, then 10, then 20, each held 30 s; the test ends after the last |
| ``spike:10,100@60s/15s`` | 10; at 60 s jump to 100 for 15 s; back to 10 until the run time ends |
| ``soak:50/2m`` | ramp up to 50 over 2 minutes, then hold it for as long as the test runs |
| ``search:2/5s`` | open model only: the capacity search of ``loadtests.search`` from 2 runs/s, 5 s a step |

A search takes settings after commas: ``search:2/5s,growth=1.5,refine=3,max=1000,steps=16``.

Durations take Locust's forms: ``90``, ``90s``, ``5m``, ``1h30m``.
This module is pure (no Locust import), so specs are validated before a
test starts; ``loadtests.model`` turns a shape into Locust's
``LoadTestShape``.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from loadtests.search import SearchSpec

KINDS = ("ramp", "steps", "spike", "soak", "search")


class ShapeError(ValueError):
    """A shape spec that cannot be read; one line with an example."""


@dataclass(frozen=True)
class Segment:
    """From ``start_s`` to ``end_s`` the level goes linearly ``from_level`` → ``to_level``."""

    start_s: float
    end_s: float
    from_level: float
    to_level: float


@dataclass(frozen=True)
class Shape:
    spec: str
    segments: tuple[Segment, ...]
    # After the last segment: hold its final level (until the run time ends) or end the test.
    holds_at_end: bool

    def level_at(self, t: float) -> float | None:
        """The level ``t`` seconds into the test, or None when the shape has ended."""
        for segment in self.segments:
            if t < segment.end_s:
                if segment.end_s == segment.start_s:
                    return segment.to_level
                progress = max(0.0, (t - segment.start_s) / (segment.end_s - segment.start_s))
                return segment.from_level + (segment.to_level - segment.from_level) * progress
        return self.segments[-1].to_level if self.holds_at_end else None

    def stage_at(self, t: float) -> int:
        """Index of the segment ``t`` falls in (the last one once past the end)."""
        for index, segment in enumerate(self.segments):
            if t < segment.end_s:
                return index
        return len(self.segments) - 1

    @property
    def duration_s(self) -> float | None:
        """How long the shape lasts by itself, or None when it holds until stopped."""
        return None if self.holds_at_end else self.segments[-1].end_s


def parse_shape(spec: str) -> Shape | SearchSpec:
    kind, _, body = spec.strip().partition(":")
    if kind == "search" and body:
        try:
            return _search(body)
        except ShapeError as exc:
            raise ShapeError(f"--shape {spec!r}: {exc}; for example {EXAMPLES[kind]}") from None
    parser = _PARSERS.get(kind)
    if parser is None or not body:
        raise ShapeError(f"--shape {spec!r}: use one of {', '.join(EXAMPLES.values())}")
    try:
        segments, holds = parser(body)
    except ShapeError as exc:
        raise ShapeError(f"--shape {spec!r}: {exc}; for example {EXAMPLES[kind]}") from None
    return Shape(spec.strip(), tuple(segments), holds)


def steps_shape(levels: list[float], step_s: float) -> Shape:
    """A ``steps`` shape from values (what ``wfload capacity`` runs)."""
    spec = f"steps:{','.join(f'{level:g}' for level in levels)}/{step_s:g}s"
    return parse_shape(spec)


EXAMPLES = {
    "ramp": "ramp:0-50/60s",
    "steps": "steps:5,10,20/30s",
    "spike": "spike:10,100@60s/15s",
    "soak": "soak:50/2m",
    "search": "search:2/5s,growth=1.5,refine=3,max=500",
}


def _ramp(body: str) -> tuple[list[Segment], bool]:
    levels, duration = _split_duration(body)
    low, high = _pair(levels, "-")
    return [Segment(0.0, duration, low, high)], True


def _steps(body: str) -> tuple[list[Segment], bool]:
    levels, step = _split_duration(body)
    values = [_level(part) for part in levels.split(",")]
    return [Segment(i * step, (i + 1) * step, v, v) for i, v in enumerate(values)], False


def _spike(body: str) -> tuple[list[Segment], bool]:
    head, length = _split_duration(body)
    levels, at_text = _split(head, "@", "the spike's start after '@'")
    base, peak = _pair(levels, ",")
    at = parse_duration(at_text)
    return [Segment(0.0, at, base, base), Segment(at, at + length, peak, peak),
            Segment(at + length, at + length, base, base)], True


def _soak(body: str) -> tuple[list[Segment], bool]:
    level, ramp = _split_duration(body)
    value = _level(level)
    return [Segment(0.0, ramp, 0.0, value)], True


def _search(body: str) -> SearchSpec:
    head, *settings = [part.strip() for part in body.split(",")]
    start, step = _split_duration(head)
    spec = SearchSpec(start=_level(start), step_s=step, spec=f"search:{body}")
    names = {"growth": "growth", "refine": "refinements", "max": "max_rate", "steps": "max_steps"}
    changes: dict[str, float] = {}
    for setting in settings:
        key, _, value = setting.partition("=")
        if key not in names or not value:
            raise ShapeError(f"unknown search setting {setting!r}; use growth=, refine=, max=, steps=")
        changes[names[key]] = _level(value)
    spec = dataclasses.replace(spec, **{k: int(v) if k in ("refinements", "max_steps") else v
                                        for k, v in changes.items()})
    if spec.start <= 0 or spec.growth <= 1:
        raise ShapeError("the start rate must be above 0 and growth above 1")
    return spec


_PARSERS = {"ramp": _ramp, "steps": _steps, "spike": _spike, "soak": _soak}


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``90s``, ``5m``, ``1h30m``, ``2.5s``."""
    text = text.strip()
    match = re.fullmatch(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?", text)
    if not text or match is None:
        raise ShapeError(f"{text!r} is not a duration such as 30s, 5m or 1h30m")
    hours, minutes, seconds = (float(group) if group else 0.0 for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _split_duration(body: str) -> tuple[str, float]:
    head, duration = _split(body, "/", "a duration after '/'")
    seconds = parse_duration(duration)
    if seconds <= 0:
        raise ShapeError("the duration after '/' must be more than 0")
    return head, seconds


def _split(text: str, separator: str, what: str) -> tuple[str, str]:
    head, found, tail = text.rpartition(separator)
    if not found or not head or not tail:
        raise ShapeError(f"missing {what}")
    return head, tail


def _pair(text: str, separator: str) -> tuple[float, float]:
    parts = text.split(separator)
    if len(parts) != 2:
        raise ShapeError(f"give two levels separated by {separator!r}")
    return _level(parts[0]), _level(parts[1])


def _level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ShapeError(f"{text.strip()!r} is not a number") from None
    if value < 0:
        raise ShapeError("levels cannot be negative")
    return value
