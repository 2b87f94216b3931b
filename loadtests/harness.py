"""The harness inside a Locust process: options, scenario, tokens, recorder,
results directory and live statistics, for one test.

One :class:`Harness` lives on each Locust environment and is rebuilt at
every test start (``loadtests.plugin`` does that), so that each test started
from the web UI gets its own results directory. Users reach it with
:func:`harness_of`.
"""

from __future__ import annotations

import logging
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from random import Random
from typing import Any

import gevent
import locust
import orjson
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from loadtests import contract
from loadtests.abort import AbortRule, AbortWatch
from loadtests.contexts import GenerationState, random_uuid4
from loadtests.distributed import ShippingSink, WorkerWatch, tell_master_drained
from loadtests.live import LiveRunStats, combine, progress_line
from loadtests.options import HarnessOptions
from loadtests.recorder import RUN_REQUEST_TYPE, Recorder
from loadtests.records import DROPPED, RunRecord
from loadtests.results import ResultsDirectory, default_results_dir
from loadtests.scenario import Scenario
from loadtests.search import SearchSpec
from loadtests.tokens import TokenPool

log = logging.getLogger("wfload")

# Set by ``wfload run``: JSON describing the target (e.g. the embedded simulator's settings).
TARGET_INFO_ENV = "WFLOAD_TARGET_INFO"
PROGRESS_INTERVAL_S = 5.0


class RunFailed(Exception):
    """How a run that did not complete shows in Locust's failure table."""


class Harness:
    """Everything a test needs besides Locust, for one test."""

    def __init__(self, environment: Environment, options: HarnessOptions, scenario: Scenario, tokens: TokenPool):
        self.environment = environment
        self.options = options
        self.scenario = scenario
        self.tokens = tokens
        self.live = LiveRunStats()
        self.worker = max(0, getattr(environment.runner, "worker_index", 0) or 0)
        self.worker_count = _worker_count(environment)
        # Open model: the total arrival rate (a shape may change it), split across processes.
        # A capacity search starts at rest: its first step sets the rate.
        self.arrival_rate = 0.0 if isinstance(options.shape, SearchSpec) else options.arrival_rate
        self.stopping = False
        self._generator_claimed = False
        self.results: ResultsDirectory | None = None
        self.last_results_path: Path | None = None
        self.recorder: Recorder | None = None
        self.workers: WorkerWatch | None = None
        self._user_numbers = iter(range(sys.maxsize))
        self._ids = Random(os.urandom(16))
        self._interrupted = False
        self._aborted = False
        self._started_mono = time.monotonic()
        self._progress: gevent.Greenlet | None = None
        self._budget_watch: gevent.Greenlet | None = None

    # -- what users ask of it --------------------------------------------

    def _attempt_id(self) -> str:
        """A random UUID4 string (the Idempotency-Key): unique, not secret, so
        drawn from a fast generator seeded once from the OS."""
        return random_uuid4(self._ids)

    def next_user_number(self) -> int:
        return next(self._user_numbers)

    def generation_state(self, user_number: int) -> GenerationState:
        seed = self.scenario.seed if self.options.seed is None else self.options.seed
        rng = Random(f"{seed}:{self.worker}:{user_number}") if seed is not None else Random()
        return GenerationState(rng, self.worker, self.worker_count)

    def new_record(self, workflow_id: str, user_number: int, intended_at: float | None = None) -> RunRecord:
        self.live.run_started(workflow_id)
        return RunRecord(
            attempt_id=self._attempt_id(),
            workflow_id=workflow_id,
            worker=self.worker,
            user=user_number,
            intended_at=time.time() if intended_at is None else intended_at,
        )

    def record_dropped(self, workflow_id: str, user_number: int, intended_at: float, why: str = "") -> None:
        """An arrival that could not start in time: the in-flight cap was reached."""
        record = self.new_record(workflow_id, user_number, intended_at)
        record.outcome = DROPPED
        record.detail = why or (f"not started within --max-start-lag {self.options.max_start_lag_s:g} s: "
                                f"--max-in-flight {self.options.max_in_flight} runs were in flight")
        record.finished_at = time.time()
        self.run_finished(record, None)

    def claim_generator(self) -> bool:
        """Open model: the first arrival user of a process generates; others idle."""
        claimed, self._generator_claimed = self._generator_claimed, True
        return not claimed

    @property
    def process_arrival_rate(self) -> float:
        return self.arrival_rate / self.worker_count

    def set_arrival_rate(self, total: float) -> None:
        """The total arrival rate, from a shape on the master (or the single process)."""
        self.arrival_rate = total
        runner = self.environment.runner
        if isinstance(runner, MasterRunner):
            runner.send_message(ARRIVAL_RATE_MESSAGE, total)

    def stage_changed(self, index: int, level: float, name: str = "") -> None:
        unit = "runs_per_s" if self.options.model == "open" else "users"
        if self.results is not None:
            extra = {"name": name} if name else {}
            self.results.write_event("stage", index=index, level=level, unit=unit, **extra)

    def search_step_judged(
        self, index: int, rate: float, arrivals: float, finished: float, growth: float, was_saturated: bool
    ) -> None:
        """The capacity search's live verdict on a step (the report recomputes it from the records)."""
        if self.results is not None:
            self.results.write_event("step_judged", index=index, rate=rate, arrivals=arrivals, finished=finished,
                                     backlog_growth=growth, saturated=was_saturated)
        print(f"wfload: step {index} at {rate:.3g} runs/s: {'saturated' if was_saturated else 'held'} "
              f"(backlog {growth:+.0f}, finished {finished:.0f} of {arrivals:.0f})", file=sys.stderr, flush=True)

    def run_finished(self, record: RunRecord, logs: list[contract.LogEntry] | None) -> None:
        self.live.run_finished(record)
        if self.recorder is not None:
            self.recorder.record_run(record, logs)
        self.environment.events.request.fire(
            request_type=RUN_REQUEST_TYPE,
            name=record.workflow_id,
            response_time=_run_time_ms(record),
            response_length=0,
            exception=None if record.outcome in _SUCCESSFUL else RunFailed(_failure_text(record)),
            context={},
        )

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        runner = self.environment.runner
        if not isinstance(runner, WorkerRunner):
            self.results = ResultsDirectory(_results_path(self.options.results_dir), self._meta())
            self.last_results_path = self.results.path
            self.results.write_event("test_start")
            log.info("wfload: writing results to %s", self.results.path)
            self._progress = gevent.spawn(self._print_progress)
            if self.options.abort_rules:
                self._budget_watch = gevent.spawn(self._watch_abort_rules)
        if isinstance(runner, MasterRunner):
            self.workers = WorkerWatch(self)  # the master makes no requests: it writes what workers send
            return
        sink = ShippingSink(runner, self.worker) if isinstance(runner, WorkerRunner) else self.results
        self.recorder = Recorder(sink, worker=self.worker)
        self.environment.events.request.add_listener(self.recorder.on_request)
        self.recorder.start()

    def drain_started(self) -> None:
        self.stopping = True
        if self.results is not None:
            self.results.write_event("drain_start", timeout_s=self.options.drain_timeout_s)
        if self.workers is not None:
            self.workers.drain(self.options.drain_timeout_s)

    def interrupted(self) -> None:
        self._interrupted = True

    def stop(self) -> None:
        for greenlet in (self._progress, self._budget_watch):
            if greenlet is not None and greenlet is not gevent.getcurrent():
                greenlet.kill(block=False)
        self._progress = self._budget_watch = None
        if self.recorder is not None:
            self.environment.events.request.remove_listener(self.recorder.on_request)
            self.recorder.stop()
            if isinstance(self.recorder.sink, ShippingSink):
                tell_master_drained(self.environment.runner, self.recorder.sink.shipped)
            self.recorder = None
        if self.workers is not None:
            self.workers.stop()
        if self.results is not None:
            self.results.write_event("test_stop")
            self.results.close(self._ending())
            print(f"wfload: results in {self.results.path}", file=sys.stderr, flush=True)
            self.results = None

    def _ending(self) -> str:
        if self._aborted:
            return "aborted"
        return "interrupted" if self._interrupted else "completed"

    def _watch_abort_rules(self) -> None:
        watch = AbortWatch(list(self.options.abort_rules))
        while True:
            gevent.sleep(1.0)
            rule = watch.check(self.live_snapshot(), time.monotonic() - self._started_mono)
            if rule is not None:
                self._abort(rule)
                return

    def _abort(self, rule: AbortRule) -> None:
        reason = f"{rule.describe()} for {rule.for_s:g} s"
        self._aborted = True
        self.note(f"the test was stopped early: {reason} (an abort rule of the budget)")
        if self.results is not None:
            self.results.write_event("abort", reason=reason)
        self.environment.process_exit_code = 1
        runner = self.environment.runner
        headless = getattr(self.environment.parsed_options, "headless", False)
        gevent.spawn(runner.quit if headless else runner.stop)

    def note(self, text: str) -> None:
        log.warning("wfload: %s", text)
        if self.results is not None:
            self.results.note(text)

    def note_worker(self, index: int) -> None:
        if self.results is not None and index not in self.results.meta["workers"]:
            self.results.update_meta(workers=sorted([*self.results.meta["workers"], index]))

    def live_snapshot(self) -> dict[str, Any]:
        """Live run statistics of the whole test (combined from the workers on a master)."""
        if self.workers is not None:
            return combine(list(self.workers.live.values()))
        return self.live.snapshot()

    def _print_progress(self) -> None:
        while True:
            gevent.sleep(PROGRESS_INTERVAL_S)
            users = self.environment.runner.user_count if self.environment.runner else 0
            line = progress_line(self.live_snapshot(), time.monotonic() - self._started_mono, users)
            print(line, file=sys.stderr, flush=True)

    def _meta(self) -> dict[str, Any]:
        target: dict[str, Any] = {"host": self.environment.host, "embedded_simulator": False}
        if os.environ.get(TARGET_INFO_ENV):
            target.update(orjson.loads(os.environ[TARGET_INFO_ENV]))
        parsed = self.environment.parsed_options
        return {
            "target": target,
            "model": self.options.model,
            "config": {
                **self.options.describe(),
                "scenario": self.scenario.describe(),
                "tokens": len(self.tokens),
                "users": getattr(parsed, "num_users", None),
                "spawn_rate": getattr(parsed, "spawn_rate", None),
                "run_time_s": getattr(parsed, "run_time", None),
            },
            "versions": {
                "wfload": _wfload_version(),
                "locust": locust.__version__,
                "python": platform.python_version(),
            },
            "git_revision": _git_revision(),
            "workers": [] if isinstance(self.environment.runner, MasterRunner) else [self.worker],
        }


_SUCCESSFUL = {contract.COMPLETED, contract.AWAITING_UI}
ARRIVAL_RATE_MESSAGE = "wfload_arrival_rate"
HARNESS_KEY = "wfload_harness"
WORKER_COUNT_OPTION = "wfload_worker_count"


def _worker_count(environment: Environment) -> int:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        # The master puts the count in the options it sends with the spawn message.
        return max(1, int(getattr(environment.parsed_options, WORKER_COUNT_OPTION, 1) or 1))
    if isinstance(runner, MasterRunner):
        return max(1, runner.worker_count)
    return 1


def current_harness(environment: Environment) -> Harness | None:
    """The harness of the test running (or last run) in ``environment``, if any."""
    return environment.__dict__.get(HARNESS_KEY)


def harness_of(environment: Environment) -> Harness:
    harness = current_harness(environment)
    if harness is None:
        raise RuntimeError("the wfload harness has not started: users run only inside a started test")
    return harness


def _results_path(requested: str) -> Path:
    if not requested:
        return default_results_dir()
    path = Path(requested)
    # A second test started from the web UI must not overwrite the first.
    candidate, n = path, 1
    while (candidate / "meta.json").exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def _run_time_ms(record: RunRecord) -> float:
    if record.end_to_end_s is not None:
        return record.end_to_end_s * 1000.0
    if record.submitted_at is not None and record.finished_at is not None:
        return (record.finished_at - record.submitted_at) * 1000.0
    return 0.0


def _failure_text(record: RunRecord) -> str:
    reason = record.error_message or record.detail
    return f"{record.outcome}: {reason}" if reason else record.outcome


def _wfload_version() -> str:
    try:
        from importlib.metadata import version

        return version("wfload")
    except Exception:
        return "unknown"


def _git_revision() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None
