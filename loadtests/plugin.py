"""wfload's listeners on Locust's events: importing this module plugs the
harness into a Locust process (``loadtests/locustfile.py`` does).

- ``init_command_line_parser``: wfload's options on Locust's parser.
- ``init``: the workload model and shape; distributed messages; the web UI's tabs.
- ``test_start``: a fresh :class:`~loadtests.harness.Harness` for every test
  (a bad option, scenario or token file refuses the test in one line, exit 2).
- ``test_stopping``, ``test_stop``, ``quitting``: the drain, the end of the
  results directory, and whether the test was interrupted.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import STATE_STOPPED, MasterRunner, WorkerRunner

from loadtests.distributed import register_master, register_worker
from loadtests.harness import (
    ARRIVAL_RATE_MESSAGE,
    HARNESS_KEY,
    WORKER_COUNT_OPTION,
    Harness,
    current_harness,
)
from loadtests.model import select_model
from loadtests.options import HarnessOptions, OptionsError, add_arguments
from loadtests.scenario import ScenarioError, load_scenario, with_shortcuts
from loadtests.tokens import TokenError, TokenPool, load_tokens
from loadtests.webui import extend as extend_web_ui


def build_harness(environment: Environment) -> Harness:
    """Read options, scenario and tokens; raise a one-line error if unusable."""
    options = HarnessOptions.from_parsed(environment.parsed_options)
    scenario = load_scenario(options.scenario or None)
    if options.workflows:
        scenario = with_shortcuts(list(options.workflows), scenario)
    tokens = TokenPool(load_tokens(options.token, options.token_file), options.token_rate)
    return Harness(environment, options, scenario, tokens)


# -- Locust events -----------------------------------------------------------


@events.init_command_line_parser.add_listener
def _register_options(parser: Any, **_: Any) -> None:
    add_arguments(parser)


@events.init.add_listener
def _on_init(environment: Environment, **_: Any) -> None:
    with contextlib.suppress(OptionsError):  # refused with the reason when the test starts
        select_model(environment, HarnessOptions.from_parsed(environment.parsed_options))
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.register_message(ARRIVAL_RATE_MESSAGE, _on_arrival_rate)
        register_worker(environment, current_harness)
    elif isinstance(environment.runner, MasterRunner):
        register_master(environment, current_harness)
    if environment.web_ui is not None:
        extend_web_ui(environment, current_harness)


def _on_arrival_rate(environment: Environment, msg: Any, **_: Any) -> None:
    harness = current_harness(environment)
    if harness is not None:
        harness.arrival_rate = float(msg.data)


@events.test_start.add_listener
def _on_test_start(environment: Environment, **_: Any) -> None:
    if isinstance(environment.runner, MasterRunner) and environment.parsed_options is not None:
        setattr(environment.parsed_options, WORKER_COUNT_OPTION, environment.runner.worker_count)
    try:
        harness = build_harness(environment)
    except (OptionsError, ScenarioError, TokenError) as exc:
        _refuse(environment, str(exc))
        return
    environment.__dict__[HARNESS_KEY] = harness
    if not isinstance(environment.runner, WorkerRunner):
        # Users finish the run they are following before they stop: that is the drain.
        environment.stop_timeout = harness.options.drain_timeout_s
    harness.start()


@events.test_stopping.add_listener
def _on_test_stopping(environment: Environment, **_: Any) -> None:
    harness = current_harness(environment)
    if harness is not None:
        harness.drain_started()


@events.test_stop.add_listener
def _on_test_stop(environment: Environment, **_: Any) -> None:
    harness = current_harness(environment)
    if harness is not None:
        harness.stop()


@events.quitting.add_listener
def _on_quitting(environment: Environment, **_: Any) -> None:
    # Locust fires quitting before stopping a test that SIGINT/SIGTERM cut short.
    harness = current_harness(environment)
    runner = environment.runner
    if harness is not None and runner is not None and runner.state != STATE_STOPPED:
        harness.interrupted()


def _refuse(environment: Environment, message: str) -> None:
    print(f"wfload: {message}", file=sys.stderr, flush=True)
    environment.process_exit_code = 2
    if environment.runner is not None:
        gevent.spawn(environment.runner.quit)
