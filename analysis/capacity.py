"""Capacity: how much the service sustains within its objectives, and why.

Reads a *stepped* results directory (an open-model test whose arrival rate
moved in steps: ``wfload capacity``, or any test with a ``steps:`` or
``search:`` shape) and judges every step from the raw records:

- offered rate (the step's level) and the arrival rate actually generated;
- completion throughput X: runs reaching a terminal status per second;
- runs in flight, time-averaged (L), and Little's law agreement L / (X·W),
  W the mean corrected end-to-end time of the runs that finished;
- corrected end-to-end and ``duration_in_seconds`` percentiles and the
  failure rate of the runs that arrived in the step;
- backlog growth: how many runs in flight the step added (the slope of runs
  in flight over the step). The backlog *grows* when it added more than
  ``max(MIN_BACKLOG_GROWTH, BACKLOG_GROWTH_FRACTION × arrivals)``.

The first ``SETTLE_FRACTION`` of each step is left out of its figures: the
queue needs a moment to reach the new rate's steady state.

A step is *sustainable* when its backlog does not grow, its throughput is at
least ``THROUGHPUT_FLOOR`` of its arrivals, and it meets every objective.
The maximum sustainable rate is the highest offered rate of a sustainable
step. The knee is the highest sustainable offered rate below the first step
(by rate) whose p95 latency is more than ``KNEE_LATENCY_FACTOR`` times the
lowest step's, or that is not sustainable. A Universal Scalability Law fit of
throughput against runs in flight says why throughput stops growing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analysis import schema
from analysis.frames import floats, is_in
from analysis.load import Results, ResultsError
from analysis.stats import Sample
from analysis.usl import UslFit, fit_usl

CAPACITY_VERSION = 1
SETTLE_FRACTION = 0.2
MIN_BACKLOG_GROWTH = 3.0
BACKLOG_GROWTH_FRACTION = 0.05
THROUGHPUT_FLOOR = 0.9
KNEE_LATENCY_FACTOR = 2.0
IN_FLIGHT_SAMPLES = 200
TERMINAL = (schema.COMPLETED, schema.FAILED, schema.AWAITING_UI)
OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


@dataclass(frozen=True)
class Objective:
    """``stat(metric) op threshold`` that a sustainable step must meet, e.g.
    ``p95(end_to_end_s) < 5`` or ``rate(failed) < 0.01``."""

    metric: str
    stat: str
    op: str
    threshold: float

    def describe(self) -> str:
        return f"{self.stat}({self.metric}) {self.op} {self.threshold:g}"

    def met(self, step: Step) -> bool | None:
        value = step.value(self.metric, self.stat)
        return None if value is None else OPERATORS[self.op](value, self.threshold)


@dataclass
class Step:
    index: int
    offered_rate: float
    start: float
    end: float
    arrival_rate: float = 0.0
    throughput: float = 0.0
    mean_in_flight: float = 0.0
    backlog_growth: float = 0.0
    little_ratio: float | None = None
    latency: dict[str, float | None] = field(default_factory=dict)  # corrected end-to-end, s
    service: dict[str, float | None] = field(default_factory=dict)  # end-to-end from the send, s
    duration: dict[str, float | None] = field(default_factory=dict)  # duration_in_seconds
    runs: int = 0
    failed: int = 0
    ended: int = 0
    dropped: int = 0
    growing: bool = False
    objectives: dict[str, bool | None] = field(default_factory=dict)
    sustainable: bool = False

    @property
    def failure_rate(self) -> float | None:
        return self.failed / self.ended if self.ended else None

    def value(self, metric: str, stat: str) -> float | None:
        if metric == "rate":
            counts = {"failed": self.failed, "dropped": self.dropped}
            return counts[stat] / self.ended if stat in counts and self.ended else None
        block = {
            "end_to_end_s": self.latency,
            "corrected_end_to_end_s": self.latency,
            "duration_in_seconds": self.duration,
        }.get(metric)
        return None if block is None else block.get(stat)

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "offered_rate": self.offered_rate,
            "arrival_rate": self.arrival_rate,
            "throughput": self.throughput,
            "mean_in_flight": self.mean_in_flight,
            "little_ratio": self.little_ratio,
            "backlog_growth": self.backlog_growth,
            "backlog_growing": self.growing,
            "corrected_end_to_end_s": self.latency,
            "end_to_end_s": self.service,
            "duration_in_seconds": self.duration,
            "failure_rate": self.failure_rate,
            "runs": self.runs,
            "dropped": self.dropped,
            "objectives": self.objectives,
            "sustainable": self.sustainable,
            "start": self.start,
            "end": self.end,
        }


@dataclass
class Capacity:
    steps: list[Step]
    objectives: list[Objective]
    max_sustainable_rate: float | None
    knee_rate: float | None
    fit: UslFit | None
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "capacity_version": CAPACITY_VERSION,
            "max_sustainable_rate": self.max_sustainable_rate,
            "knee_rate": self.knee_rate,
            "objectives": [objective.describe() for objective in self.objectives],
            "steps": [step.to_json() for step in self.steps],
            "fit": self.fit.to_json() if self.fit else None,
            "notes": self.notes,
        }


# What a step can be judged on: percentiles of these metrics, and these rates.
STEP_METRICS = ("end_to_end_s", "corrected_end_to_end_s", "duration_in_seconds")
STEP_STATS = ("p50", "p95", "p99")
STEP_RATES = ("failed", "dropped")


def objectives_from_budgets(checks: list[Any]) -> tuple[list[Objective], list[str]]:
    """The budget's absolute limits a step can be judged on, and a note for
    each one it cannot (per workflow, or a figure steps do not have)."""
    objectives, notes = [], []
    for check in checks:
        expression = check.expression
        if expression.workflow is None and expression.stat == "rate" and expression.name in STEP_RATES:
            objectives.append(Objective("rate", expression.name, check.op, check.threshold))
        elif expression.workflow is None and expression.name in STEP_METRICS and expression.stat in STEP_STATS:
            objectives.append(Objective(expression.name, expression.stat, check.op, check.threshold))
        else:
            notes.append(f"the budget's {check.text} is not judged per step (steps have "
                         f"{'/'.join(STEP_STATS)} of {', '.join(STEP_METRICS)} and rate({'/'.join(STEP_RATES)}))")
    return objectives, notes


def analyse_capacity(
    results: Results, objectives: list[Objective] | None = None, notes: list[str] | None = None
) -> Capacity:
    objectives = objectives or []
    spans = step_spans(results)
    runs = _RunTimes(results)
    steps = [measure_step(i, rate, start, end, runs, objectives) for i, (rate, start, end) in enumerate(spans)]
    ordered = sorted(steps, key=lambda s: s.offered_rate)
    sustainable = [s.offered_rate for s in ordered if s.sustainable]
    notes = list(notes or [])
    fit = fit_usl(np.array([s.mean_in_flight for s in steps]), np.array([s.throughput for s in steps]))
    if fit is None:
        notes.append("too few steps with runs in flight to fit the Universal Scalability Law (3 needed)")
    if not sustainable:
        notes.append("no step was sustainable: start lower")
    elif ordered[-1].sustainable:
        notes.append("the highest step was still sustainable: the service may sustain more; go higher")
    return Capacity(steps, objectives, max(sustainable) if sustainable else None, knee(ordered), fit, notes)


def step_spans(results: Results) -> list[tuple[float, float, float]]:
    """(offered rate, start, end) of each arrival-rate step, from the stage events."""
    events = sorted(results.events, key=lambda e: e.get("t", 0))
    ends = [e["t"] for e in events if e.get("event") in ("drain_start", "test_stop")]
    stages = [e for e in events if e.get("event") == "stage"]
    spans = []
    for i, stage in enumerate(stages):
        end = stages[i + 1]["t"] if i + 1 < len(stages) else (min(ends) if ends else None)
        if stage.get("unit") != "runs_per_s" or stage.get("name") == "recovery" or end is None:
            continue
        spans.append((float(stage["level"]), float(stage["t"]), float(end)))
    if not spans:
        raise ResultsError(
            f"{results.path} has no arrival-rate steps: run 'wfload capacity', or an open-model test with "
            "--shape steps:... or search:..."
        )
    return spans


class _RunTimes:
    """The run columns a step needs, as arrays, with run submission and end
    sorted for counting runs in flight by binary search."""

    def __init__(self, results: Results) -> None:
        runs = results.runs
        self.intended = floats(runs, "intended_at")
        self.submitted = floats(runs, "submitted_at")
        self.finished = floats(runs, "finished_at")
        self.service = floats(runs, "end_to_end_s")
        self.latency = self.service + np.nan_to_num(floats(runs, "start_lag_s"))
        self.duration = floats(runs, "duration_in_seconds")
        self.terminal = is_in(runs["outcome"], TERMINAL)
        self.failed = is_in(runs["outcome"], schema.FAILED)
        self.dropped = is_in(runs["outcome"], schema.DROPPED)
        sent = ~np.isnan(self.submitted)
        self.sorted_submitted = np.sort(self.submitted[sent])
        self.sorted_finished = np.sort(np.where(np.isnan(self.finished), np.inf, self.finished)[sent])

    def in_flight(self, at: np.ndarray) -> np.ndarray:
        started = np.searchsorted(self.sorted_submitted, at, side="right")
        ended = np.searchsorted(self.sorted_finished, at, side="right")
        return (started - ended).astype(float)


def measure_step(
    index: int, rate: float, start: float, end: float, runs: _RunTimes, objectives: list[Objective]
) -> Step:
    step = Step(index, rate, start, end)
    begin = start + SETTLE_FRACTION * (end - start)
    length = end - begin
    if length <= 0:
        return step
    arrived = (runs.intended >= begin) & (runs.intended < end)
    done = runs.terminal & (runs.finished >= begin) & (runs.finished < end)
    step.runs = int(arrived.sum())
    step.arrival_rate = step.runs / length
    step.throughput = float(done.sum()) / length
    _measure_backlog(step, runs, begin, end)
    mean_latency = Sample(runs.latency[done]).mean
    if mean_latency and step.throughput:
        step.little_ratio = step.mean_in_flight / (step.throughput * mean_latency)
    ended = arrived & runs.terminal
    step.latency = _percentiles(Sample(runs.latency[ended]))
    step.service = _percentiles(Sample(runs.service[ended]))
    step.duration = _percentiles(Sample(runs.duration[ended]))
    step.ended = int(ended.sum())
    step.failed = int((arrived & runs.failed).sum())
    step.dropped = int((arrived & runs.dropped).sum())
    step.objectives = {o.describe(): o.met(step) for o in objectives}
    step.sustainable = (
        not step.growing
        and step.throughput >= THROUGHPUT_FLOOR * step.arrival_rate
        and all(met is not False for met in step.objectives.values())
    )
    return step


def _measure_backlog(step: Step, runs: _RunTimes, begin: float, end: float) -> None:
    at = np.linspace(begin, end, IN_FLIGHT_SAMPLES)
    in_flight = runs.in_flight(at)
    step.mean_in_flight = float(in_flight.mean())
    slope = float(np.polyfit(at - begin, in_flight, 1)[0]) if np.ptp(in_flight) > 0 else 0.0
    step.backlog_growth = slope * (end - begin)
    step.growing = step.backlog_growth > max(MIN_BACKLOG_GROWTH, BACKLOG_GROWTH_FRACTION * step.runs)


def _percentiles(sample: Sample) -> dict[str, float | None]:
    return {"p50": sample.quantile(50), "p95": sample.quantile(95), "p99": sample.quantile(99), "count": sample.count}


def knee(ordered: list[Step]) -> float | None:
    """See the module docstring; ``ordered`` by offered rate."""
    measured = [s for s in ordered if s.latency.get("p95") is not None]
    if not measured:
        return None
    base = measured[0].latency["p95"]
    knee_rate = None
    for step in ordered:
        p95 = step.latency.get("p95")
        if not step.sustainable or (p95 is not None and base and p95 > KNEE_LATENCY_FACTOR * base):
            break
        knee_rate = step.offered_rate
    return knee_rate
