"""wfload's options, as Locust custom arguments.

Registered on Locust's own parser, so each works from the command line,
``locust.conf``, ``LOCUST_*`` environment variables and the web UI's start
form alike. ``HarnessOptions.from_parsed`` turns them into one validated,
typed object; a bad value is one clear line.

The token is deliberately never an option *default*: a default would be
rendered into the web UI's form. It comes from ``--token`` (a masked field
in the form), ``--token-file`` or the ``ALTOSTRAT_TOKEN`` variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loadtests.abort import AbortRule, AbortRuleError, parse_rules
from loadtests.polling import PollSchedule
from loadtests.search import SearchSpec
from loadtests.shapes import Shape, ShapeError, parse_shape
from loadtests.tracking import TrackingPolicy


def _option(flag: str, **settings: Any) -> tuple[str, dict[str, Any]]:
    return flag, settings


# The options, as data: Locust's parser gets them all (add_arguments); `wfload run --help` lists them.
OPTIONS = (
    _option("--scenario", default="", help="Scenario file (TOML): workflows, weights, context templates. "
            "Default: the built-in scenario for the simulator's catalogue."),
    # No list default: Locust's form handler turns an empty list default into a list of ints.
    _option("--workflow", action="append", default=None, metavar="ID[:WEIGHT]",
            help="Trigger this workflow (repeatable, or comma separated); overrides the scenario's list."),
    _option("--results-dir", default="", help="Where to write this test's results directory. "
            "Default: reports/<date>-<time>-run."),
    _option("--token", default="", is_secret=True,
            help="Bearer token. Prefer the ALTOSTRAT_TOKEN environment variable or --token-file."),
    _option("--token-file", default="", include_in_web_ui=False,
            help="File with one token a line: a pool shared round-robin across users."),
    _option("--token-rate", type=float, default=0.0,
            help="Client-side limit in requests per minute per token (production allows 60); 0 = none."),
    _option("--poll-first", type=float, default=0.25, help="Seconds from acceptance to the first poll."),
    _option("--poll-interval", type=float, default=0.5, help="Seconds between polls."),
    _option("--poll-backoff", type=float, default=1.0,
            help="Multiply the interval by this after each poll (1 = constant)."),
    _option("--poll-max", type=float, default=5.0, help="Longest interval between polls, seconds."),
    _option("--poll-jitter", type=float, default=0.1, help="Spread every delay by ±this fraction."),
    _option("--run-timeout", type=float, default=300.0,
            help="Seconds a run may take to reach a terminal status before it counts as timed_out."),
    _option("--drain-timeout", type=float, default=60.0,
            help="At the end of the test, seconds to keep following runs in flight (then: unfinished)."),
    _option("--request-timeout", type=float, default=30.0, help="Seconds before one HTTP request fails."),
    _option("--execute-retries", type=int, default=3,
            help="Retries (same Idempotency-Key) of an execute whose outcome is ambiguous."),
    _option("--think-time", type=float, default=0.0,
            help="Closed model: seconds a user pauses between one run's end and the next execute."),
    _option("--arrival-rate", type=float, default=0.0,
            help="Open model: runs arrive at this many per second whatever the service does "
            "(0 = closed model: each user follows one run at a time)."),
    _option("--arrival-process", default="constant", choices=["constant", "poisson"],
            help="Open model: evenly spaced arrivals, or a Poisson process."),
    _option("--max-in-flight", type=int, default=1000,
            help="Open model: runs followed at once per process; further arrivals wait for a slot."),
    _option("--max-start-lag", type=float, default=5.0,
            help="Open model: an arrival not started this many seconds after its time is dropped (counted)."),
    _option("--shape", default="",
            help="Load shape: ramp:0-50/60s, steps:5,10,20/30s, spike:10,100@60s/15s or soak:50/2m. "
            "Levels are users (closed) or runs/s (open)."),
    _option("--abort-rules", default="", include_in_web_ui=False,
            help="Stop the test early when a budget stays broken (JSON; written by 'wfload run --budget FILE')."),
    _option("--seed", type=int, default=-1,
            help="Seed for workflow choice and contexts (-1: the scenario's)."),
)

# Settings only Locust's parser understands (its web UI form); plain argparse refuses them.
_LOCUST_ONLY = ("is_secret", "include_in_web_ui", "is_required", "is_multiple")


def add_arguments(parser: Any) -> None:
    # Straight on the parser: Locust's web UI extras (is_secret, include_in_web_ui) exist only there, not on groups.
    for flag, settings in OPTIONS:
        parser.add_argument(flag, **settings)


def add_plain_arguments(parser: Any, skip: set[str] = frozenset()) -> None:
    """The same options on a plain argparse parser (for help texts outside Locust), less ``skip``."""
    for flag, settings in OPTIONS:
        if flag not in skip:
            parser.add_argument(flag, **{k: v for k, v in settings.items() if k not in _LOCUST_ONLY})


class OptionsError(ValueError):
    """An option value that cannot work; one line."""


@dataclass(frozen=True)
class HarnessOptions:
    scenario: str
    workflows: tuple[str, ...]
    results_dir: str
    token: str
    token_file: str
    token_rate: float
    tracking: TrackingPolicy
    drain_timeout_s: float
    request_timeout_s: float
    think_time_s: float
    seed: int | None
    arrival_rate: float = 0.0
    arrival_process: str = "constant"
    max_in_flight: int = 1000
    max_start_lag_s: float = 5.0
    shape: Shape | SearchSpec | None = None
    abort_rules: tuple[AbortRule, ...] = ()

    @property
    def model(self) -> str:
        return "open" if self.arrival_rate > 0 else "closed"

    @classmethod
    def from_parsed(cls, parsed: Any) -> HarnessOptions:
        get = _getter(parsed)
        try:
            schedule = PollSchedule(
                first_s=get("poll_first", 0.25),
                interval_s=get("poll_interval", 0.5),
                backoff=get("poll_backoff", 1.0),
                max_interval_s=get("poll_max", 5.0),
                jitter=get("poll_jitter", 0.1),
            )
        except ValueError as exc:
            raise OptionsError(str(exc)) from None
        run_timeout = get("run_timeout", 300.0)
        retries = get("execute_retries", 3)
        _require(run_timeout > 0, "--run-timeout must be more than 0 seconds")
        _require(retries >= 0, "--execute-retries must be 0 or more")
        _require(get("drain_timeout", 60.0) >= 0, "--drain-timeout must be 0 or more seconds")
        _require(get("request_timeout", 30.0) > 0, "--request-timeout must be more than 0 seconds")
        _require(get("token_rate", 0.0) >= 0, "--token-rate must be 0 (no limit) or more requests per minute")
        _require(get("think_time", 0.0) >= 0, "--think-time must be 0 or more seconds")
        seed = get("seed", -1)
        _require(get("arrival_rate", 0.0) >= 0, "--arrival-rate must be 0 (closed model) or more runs per second")
        _require(get("max_in_flight", 1000) >= 1, "--max-in-flight must be at least 1")
        _require(get("max_start_lag", 5.0) >= 0, "--max-start-lag must be 0 or more seconds")
        process = get("arrival_process", "constant")
        _require(process in ("constant", "poisson"), "--arrival-process must be constant or poisson")
        try:
            shape = parse_shape(get("shape", "")) if get("shape", "") else None
            abort_rules = tuple(parse_rules(get("abort_rules", "")))
            if isinstance(shape, SearchSpec) and get("arrival_rate", 0.0) <= 0:
                raise ShapeError("--shape search: needs the open model; give --arrival-rate (the search sets it)")
        except (ShapeError, AbortRuleError) as exc:
            raise OptionsError(str(exc)) from None
        return cls(
            scenario=get("scenario", "") or "",
            workflows=_as_tuple(get("workflow", None)),
            results_dir=get("results_dir", "") or "",
            token=get("token", "") or "",
            token_file=get("token_file", "") or "",
            token_rate=get("token_rate", 0.0),
            tracking=TrackingPolicy(schedule=schedule, run_timeout_s=run_timeout, execute_retries=retries),
            drain_timeout_s=get("drain_timeout", 60.0),
            request_timeout_s=get("request_timeout", 30.0),
            think_time_s=get("think_time", 0.0),
            seed=None if seed is None or seed < 0 else seed,
            arrival_rate=get("arrival_rate", 0.0),
            arrival_process=process,
            max_in_flight=get("max_in_flight", 1000),
            max_start_lag_s=get("max_start_lag", 5.0),
            shape=shape,
            abort_rules=abort_rules,
        )

    def describe(self) -> dict[str, Any]:
        """The options for meta.json, secrets redacted."""
        schedule = self.tracking.schedule
        return {
            "scenario": self.scenario or "<built-in>",
            "workflows": list(self.workflows),
            "token": "<redacted>" if self.token else None,
            "token_file": "<redacted>" if self.token_file else None,
            "token_rate_per_minute": self.token_rate,
            "poll": {
                "first_s": schedule.first_s,
                "interval_s": schedule.interval_s,
                "backoff": schedule.backoff,
                "max_interval_s": schedule.max_interval_s,
                "jitter": schedule.jitter,
            },
            "run_timeout_s": self.tracking.run_timeout_s,
            "execute_retries": self.tracking.execute_retries,
            "drain_timeout_s": self.drain_timeout_s,
            "request_timeout_s": self.request_timeout_s,
            "think_time_s": self.think_time_s,
            "seed": self.seed,
            "model": self.model,
            "arrival_rate": self.arrival_rate or None,
            "arrival_process": self.arrival_process if self.model == "open" else None,
            "max_in_flight": self.max_in_flight if self.model == "open" else None,
            "max_start_lag_s": self.max_start_lag_s if self.model == "open" else None,
            "shape": self.shape.spec if self.shape else None,
            "abort_rules": [rule.describe() for rule in self.abort_rules],
        }


def _getter(parsed: Any):
    def get(name: str, default: Any) -> Any:
        value = getattr(parsed, name, default)
        return default if value is None else value

    return get


def _as_tuple(value: Any) -> tuple[str, ...]:
    """A repeatable option: a list from the command line, one text from the web form."""
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise OptionsError(message)
