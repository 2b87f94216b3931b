"""What ``wfload run``, ``wfload ui`` and ``wfload capacity`` share: the target
(the embedded simulator unless ``-H`` names one), the token, preflight, and
the Locust child processes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from loadtests.client import PreflightError, WorkflowsClient
from loadtests.scenario import ScenarioError, load_scenario, with_shortcuts
from loadtests.tokens import TOKEN_ENV, TokenError, load_tokens

LOCUSTFILE = Path(__file__).resolve().parent.parent / "loadtests" / "locustfile.py"
TARGET_INFO_ENV = "WFLOAD_TARGET_INFO"
# The embedded simulator wants a bearer token like the real API, but any will
# do: with none configured, this one is used, so a fresh machine needs none.
EMBEDDED_TOKEN = "wfload-embedded-simulator"


class UsageError(Exception):
    """Bad usage or an unusable target: one line, exit status 2."""


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-H", "--host", default="", help="Target base URL. Default: start the embedded simulator.")
    parser.add_argument("--scenario", default="", help="Scenario file (TOML). Default: the built-in scenario.")
    parser.add_argument("--workflow", action="append", default=[], metavar="ID[:WEIGHT]",
                        help="Trigger this workflow (repeatable); overrides the scenario's list.")
    parser.add_argument("--token", default="", help=argparse.SUPPRESS)
    parser.add_argument("--token-file", default="", help="File with one bearer token a line (else ALTOSTRAT_TOKEN).")
    parser.add_argument("--sim-config", default="", help="Embedded simulator: configuration file (TOML).")
    parser.add_argument("--sim-workers", type=int, default=None, help="Embedded simulator: worker pool size.")
    parser.add_argument("--sim-seed", type=int, default=None, help="Embedded simulator: seed.")


@dataclass
class Target:
    host: str
    token: str | None
    workflow_ids: list[str]
    simulator: Any = None  # a SimulatorProcess when the target is embedded

    def info(self, args: argparse.Namespace) -> dict[str, Any]:
        """For meta.json: what the target was."""
        if self.simulator is None:
            return {"embedded_simulator": False}
        return {
            "embedded_simulator": True,
            "simulator": {"config": args.sim_config or "<default>", "workers": args.sim_workers, "seed": args.sim_seed},
        }

    def locust_env(self, args: argparse.Namespace) -> dict[str, str]:
        env = dict(os.environ)
        if args.token:
            env[TOKEN_ENV] = args.token  # never on a command line, where `ps` would show it
        env[TARGET_INFO_ENV] = orjson.dumps(self.info(args)).decode()
        return env

    def locust_arguments(self, args: argparse.Namespace) -> list[str]:
        """The target and scenario options, for a Locust command line."""
        command = ["-H", self.host]
        if args.scenario:
            command += ["--scenario", args.scenario]
        for workflow in args.workflow:
            command += ["--workflow", workflow]
        if args.token_file:
            command += ["--token-file", args.token_file]
        return command


@contextlib.contextmanager
def target(args: argparse.Namespace) -> Iterator[Target]:
    """Validate the scenario and token, start the simulator if no host was
    given, and check the target before any load; stop the simulator after."""
    workflow_ids = validated_workflows(args)
    token = _token(args)
    simulator = None
    try:
        host = args.host
        if not host:
            simulator = _start_simulator(args)
            host = simulator.url
            if token is None:
                token = args.token = EMBEDDED_TOKEN
        _preflight(host, token, workflow_ids)
        yield Target(host, token, workflow_ids, simulator)
    finally:
        if simulator is not None:
            simulator.stop()


def validated_workflows(args: argparse.Namespace) -> list[str]:
    try:
        scenario = load_scenario(args.scenario or None)
        if args.workflow:
            scenario = with_shortcuts(args.workflow, scenario)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    return scenario.workflow_ids


def _token(args: argparse.Namespace) -> str | None:
    try:
        tokens = load_tokens(args.token, args.token_file)
    except TokenError as exc:
        raise UsageError(str(exc)) from None
    return tokens[0] if tokens else None


def _start_simulator(args: argparse.Namespace):
    from loadtests.simulator.process import SimulatorProcess

    simulator = SimulatorProcess(config=args.sim_config or None, seed=args.sim_seed, workers=args.sim_workers)
    try:
        url = simulator.start()
    except Exception as exc:  # any failure to start is the same one line to the user
        simulator.stop()
        raise UsageError(f"the embedded simulator did not start: {exc}") from None
    print(f"wfload: embedded simulator at {url}", flush=True)
    return simulator


def _preflight(host: str, token: str | None, workflow_ids: list[str]) -> None:
    if not host.startswith(("http://", "https://")):
        raise UsageError(f"-H/--host {host!r} is not an http(s) URL, e.g. http://127.0.0.1:8080")
    try:
        with WorkflowsClient(host, token) as client:
            client.preflight(workflow_ids)
    except PreflightError as exc:
        raise UsageError(str(exc)) from None


def locust(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *arguments]


def wait_forwarding_signals(child: subprocess.Popen) -> int:
    """Wait for a child started in its own session, passing it our SIGINT and
    SIGTERM: the first stops the test and drains it, the third kills it.
    Returns 130 when interrupted, else the child's status."""
    interrupted = []

    def forward(signum, _frame):
        interrupted.append(signum)
        child.send_signal(signal.SIGKILL if len(interrupted) >= 3 else signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 130 if interrupted else code


def stop_all(processes: list[subprocess.Popen]) -> None:
    """Make sure no child outlives the command."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
