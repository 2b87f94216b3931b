"""Which workload model and shape a test runs: the Locust side of the choice.

- Closed model: N users, each following one run at a time (``WorkflowUser``
  subclasses, ``model = "closed"``).
- Open model (``--arrival-rate R``): runs arrive at a rate, whatever the
  service does; one ``ArrivalGenerator`` per process produces the arrivals
  (``model = "open"``).

``select_model`` keeps only the user classes of the chosen model (unless the
user named classes on the command line) and installs a ``WfloadShape`` when
``--shape`` is given. It runs on the master or the single process, at
startup and again when the web UI starts a test, so the form's values
decide.
"""

from __future__ import annotations

from typing import Any

from locust import LoadTestShape
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtests.options import HarnessOptions
from loadtests.search import SETTLE_FRACTION, RateSearch, SearchSpec, saturated
from loadtests.shapes import Shape

# Users added per second when a shape raises a closed model's user count.
DEFAULT_SHAPE_SPAWN_RATE = 50.0


class WfloadShape(LoadTestShape):
    """Locust's shape driven by a :class:`~loadtests.shapes.Shape`.

    Closed model: the level is the user count. Open model: the level is the
    total arrival rate, handed to the harness (which splits it across
    worker processes); the user count is one arrival generator a process.
    """

    abstract = True  # never picked up from a locustfile by itself: select_model installs it
    use_common_options = True

    def __init__(self, shape: Shape, model: str, spawn_rate: float) -> None:
        super().__init__()
        self.shape = shape
        self.model = model
        self.spawn_rate = spawn_rate
        self._stage: int | None = None

    def tick(self) -> tuple[int, float] | None:
        t = self.get_run_time()
        level = self.shape.level_at(t)
        if level is None:
            return None
        harness = self.runner.environment.__dict__.get("wfload_harness") if self.runner else None
        stage = self.shape.stage_at(t)
        if harness is not None and stage != self._stage:
            self._stage = stage
            harness.stage_changed(stage, self.shape.segments[stage].to_level)
        if self.model == "closed":
            return round(level), self.spawn_rate
        if harness is not None:
            harness.set_arrival_rate(level)
        generators = generator_count(self.runner)
        return generators, float(generators)


class CapacitySearchShape(LoadTestShape):
    """The open model's stepped capacity search (``--shape search:…``): each
    step's rate is decided from the live statistics of the steps before it
    (see ``loadtests.search``)."""

    abstract = True
    use_common_options = True

    def __init__(self, spec: SearchSpec) -> None:
        super().__init__()
        self.spec = spec
        self.search = RateSearch(spec)
        self._phase = ""  # "step" or "recovery"
        self._stage = -1
        self._since = 0.0
        self._rate = 0.0
        self._mark: dict[str, float] | None = None

    def tick(self) -> tuple[int, float] | None:
        harness = self.runner.environment.__dict__.get("wfload_harness") if self.runner else None
        generators = generator_count(self.runner)
        if harness is None:
            return generators, float(generators)  # the first tick starts the test; steps begin at the next
        t = self.get_run_time()
        live = harness.live_snapshot()
        if self._phase == "step":
            self._measure_step(harness, t, live)
        elif self._phase == "recovery" and self._recovered(t, live):
            self._phase = ""
        if not self._phase and not self._start_step(harness, t):
            return None
        return generators, float(generators)

    def _start_step(self, harness: Any, t: float) -> bool:
        rate = self.search.next_rate()
        if rate is None:
            return False
        self._begin(harness, t, "step", rate)
        return True

    def _measure_step(self, harness: Any, t: float, live: dict[str, Any]) -> None:
        elapsed = t - self._since
        if self._mark is None and elapsed >= SETTLE_FRACTION * self.spec.step_s:
            self._mark = _counters(live)
        if elapsed < self.spec.step_s or self._mark is None:
            return
        now = _counters(live)
        arrivals = now["submitted"] - self._mark["submitted"]
        finished = now["finished"] - self._mark["finished"]
        growth = now["in_flight"] - self._mark["in_flight"]
        was_saturated = saturated(arrivals, finished, growth)
        self.search.observe(self._rate, was_saturated)
        harness.search_step_judged(self._stage, self._rate, arrivals, finished, growth, was_saturated)
        if was_saturated:
            self._begin(harness, t, "recovery", 0.0)
        else:
            self._phase = ""

    def _recovered(self, t: float, live: dict[str, Any]) -> bool:
        return live.get("in_flight", 0) <= 1 or t - self._since >= 2 * self.spec.step_s

    def _begin(self, harness: Any, t: float, phase: str, rate: float) -> None:
        self._phase, self._since, self._rate, self._mark = phase, t, rate, None
        self._stage += 1
        harness.set_arrival_rate(rate)
        harness.stage_changed(self._stage, rate, name=phase)


def _counters(live: dict[str, Any]) -> dict[str, float]:
    return {
        "submitted": live.get("submitted", 0),
        "finished": sum(live.get("by_outcome", {}).values()),
        "in_flight": live.get("in_flight", 0),
    }


def generator_count(runner: Any) -> int:
    """Open model: one arrival generator per load-generating process."""
    if isinstance(runner, MasterRunner):
        return max(1, runner.worker_count)
    return 1


def select_model(environment: Environment, options: HarnessOptions) -> None:
    if isinstance(environment.runner, WorkerRunner):
        return  # workers keep every class: the master names the ones to spawn
    named = getattr(environment.parsed_options, "user_classes", None)
    if not named:
        every = list((environment.available_user_classes or {}).values()) or list(environment.user_classes)
        chosen = [c for c in every if getattr(c, "model", None) in (None, options.model)]
        if any(getattr(c, "model", None) == options.model for c in chosen):
            environment.user_classes[:] = chosen
    if isinstance(options.shape, SearchSpec):
        environment.shape_class = CapacitySearchShape(options.shape)
        environment.shape_class.runner = environment.runner
    elif options.shape is not None:
        spawn_rate = getattr(environment.parsed_options, "spawn_rate", None) or DEFAULT_SHAPE_SPAWN_RATE
        environment.shape_class = WfloadShape(options.shape, options.model, float(spawn_rate))
        environment.shape_class.runner = environment.runner
    elif isinstance(environment.shape_class, WfloadShape | CapacitySearchShape):
        environment.shape_class = None
