"""``wfload run``: one command from nothing to a results directory and its report.

1. Validate the scenario (before any load is sent).
2. Start the embedded simulator on a free loopback port, unless ``-H`` names a target.
3. Preflight: the target answers, accepts the token, knows every workflow.
4. Run Locust headless in a child process with our locustfile; every option
   this command does not know is passed to Locust unchanged.
5. Stop the simulator, write the report, print where everything is.

Exit status: 0 when the test ran to its end (whether runs failed is for
budgets to judge), 2 for bad usage or an unusable target, 130 when
interrupted (the results and report are still written).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import orjson

from loadtests.client import PreflightError, WorkflowsClient
from loadtests.options import add_plain_arguments
from loadtests.results import default_results_dir
from loadtests.scenario import ScenarioError, load_scenario, with_shortcuts
from loadtests.tokens import TOKEN_ENV, TokenError, load_tokens

LOCUSTFILE = Path(__file__).resolve().parent.parent / "loadtests" / "locustfile.py"
TARGET_INFO_ENV = "WFLOAD_TARGET_INFO"


class UsageError(Exception):
    """Bad usage or an unusable target: one line, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wfload run",
        description="Run a load test against the embedded simulator (default) or -H URL, then write its report. "
        "Options not listed here are passed to Locust: the harness options below, and Locust's own.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-H", "--host", default="", help="Target base URL. Default: start the embedded simulator.")
    parser.add_argument("-u", "--users", type=int, default=10, help="Concurrent users (closed model). Default 10.")
    parser.add_argument("-r", "--spawn-rate", type=float, default=0, help="Users started per second. Default: all.")
    parser.add_argument("-t", "--run-time", default="60s", help="How long to load, e.g. 90s, 5m. Default 60s.")
    parser.add_argument("--arrival-rate", type=float, default=0.0,
                        help="Open model: runs arriving per second (the users count is then ignored).")
    parser.add_argument("--scenario", default="", help="Scenario file (TOML). Default: the built-in scenario.")
    parser.add_argument("--workflow", action="append", default=[], metavar="ID[:WEIGHT]",
                        help="Trigger this workflow (repeatable); overrides the scenario's list.")
    parser.add_argument("--token", default="", help=argparse.SUPPRESS)
    parser.add_argument("--token-file", default="", help="File with one bearer token a line (else ALTOSTRAT_TOKEN).")
    parser.add_argument("--out", default="", help="Results directory. Default: reports/<date>-<time>-run.")
    parser.add_argument("--sim-config", default="", help="Embedded simulator: configuration file (TOML).")
    parser.add_argument("--sim-workers", type=int, default=None, help="Embedded simulator: worker pool size.")
    parser.add_argument("--sim-seed", type=int, default=None, help="Embedded simulator: seed.")
    parser.add_argument("--workers", type=int, default=0,
                        help="Distribute: a Locust master and this many local worker processes (one per core).")
    parser.add_argument("--no-report", action="store_true", help="Write the results only, not the report.")
    parser.epilog = _harness_options_help(parser)
    return parser


def _harness_options_help(own: argparse.ArgumentParser) -> str:
    listing = argparse.ArgumentParser(prog="", usage=argparse.SUPPRESS, add_help=False)
    add_plain_arguments(listing, skip={flag for action in own._actions for flag in action.option_strings})
    return "harness options (passed to Locust):\n" + listing.format_help().split("\n", 1)[1]


def main(argv: list[str]) -> int:
    args, locust_args = build_parser().parse_known_args(argv)
    try:
        return _run(args, locust_args)
    except UsageError as exc:
        print(f"wfload run: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, locust_args: list[str]) -> int:
    workflow_ids = _validated_workflows(args)
    token = _token(args)
    out = Path(args.out) if args.out else default_results_dir()
    simulator = None
    host = args.host
    try:
        if not host:
            simulator = _start_simulator(args)
            host = simulator.url
        _preflight(host, token, workflow_ids)
        code = _run_locust(args, locust_args, host, out, token, simulator)
    finally:
        if simulator is not None:
            simulator.stop()
    if not (out / "meta.json").exists():
        # Locust refused before the test started; it said why.
        return code if code else 2
    if not args.no_report:
        _report(out)
    return code


def _validated_workflows(args: argparse.Namespace) -> list[str]:
    try:
        scenario = load_scenario(args.scenario or None)
        if args.workflow:
            scenario = with_shortcuts(args.workflow, scenario)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None
    if args.users < 1:
        raise UsageError("-u/--users must be at least 1")
    if args.workers < 0:
        raise UsageError("--workers must be 0 (one process) or more")
    return scenario.workflow_ids


def _token(args: argparse.Namespace) -> str | None:
    try:
        tokens = load_tokens(args.token, args.token_file)
    except TokenError as exc:
        raise UsageError(str(exc)) from None
    return tokens[0] if tokens else None


def _start_simulator(args: argparse.Namespace):
    from loadtests.simulator.process import SimulatorProcess

    simulator = SimulatorProcess(
        config=args.sim_config or None, seed=args.sim_seed, workers=args.sim_workers
    )
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


def _run_locust(args, locust_args: list[str], host: str, out: Path, token: str | None, simulator) -> int:
    env = dict(os.environ)
    if args.token:
        env[TOKEN_ENV] = args.token  # never on a command line, where `ps` would show it
    env[TARGET_INFO_ENV] = orjson.dumps(_target_info(simulator, args)).decode()
    command = _locust_command(args, locust_args, host, out)
    if not args.workers:
        # Its own session, so a Ctrl-C reaches Locust only through us, once: it
        # then drains the runs in flight while the simulator keeps answering.
        return _wait_forwarding_signals(subprocess.Popen(command, env=env, start_new_session=True))
    port = _free_port()
    master = [*command, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
              "--expect-workers", str(args.workers), "--expect-workers-max-wait", "60"]
    workers = _start_workers(args.workers, port, out, env)
    try:
        return _wait_forwarding_signals(subprocess.Popen(master, env=env, start_new_session=True))
    finally:
        _stop_all(workers)


def _locust_command(args, locust_args: list[str], host: str, out: Path) -> list[str]:
    # The open model runs one arrival generator per process, whatever --users says.
    users = max(1, args.workers) if args.arrival_rate > 0 else args.users
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--only-summary",
        "-H", host, "-u", str(users), "-r", str(args.spawn_rate or users), "-t", args.run_time,
        "--results-dir", str(out), "--exit-code-on-error", "0",
    ]
    if args.arrival_rate > 0:
        command += ["--arrival-rate", str(args.arrival_rate)]
    if args.scenario:
        command += ["--scenario", args.scenario]
    for workflow in args.workflow:
        command += ["--workflow", workflow]
    if args.token_file:
        command += ["--token-file", args.token_file]
    return command + locust_args


def _start_workers(count: int, port: int, out: Path, env: dict[str, str]) -> list[subprocess.Popen]:
    """Local worker processes; their logs go to <results>/logs/ (the master's console stays readable)."""
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    workers = []
    for n in range(count):
        with open(logs / f"worker-{n}.log", "wb") as log_file:
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker",
                 "--master-host", "127.0.0.1", "--master-port", str(port)],
                env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            ))
    return workers


def _stop_all(processes: list[subprocess.Popen]) -> None:
    """Workers normally quit with the master; make sure none outlives this command."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _target_info(simulator, args: argparse.Namespace) -> dict:
    if simulator is None:
        return {"embedded_simulator": False}
    return {
        "embedded_simulator": True,
        "simulator": {"config": args.sim_config or "<default>", "workers": args.sim_workers, "seed": args.sim_seed},
    }


def _wait_forwarding_signals(child: subprocess.Popen) -> int:
    interrupted = []

    def forward(signum, _frame):
        interrupted.append(signum)
        # First signal: stop and drain. Third: stop waiting for the drain.
        child.send_signal(signal.SIGKILL if len(interrupted) >= 3 else signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        code = child.wait()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 130 if interrupted else code


def _report(out: Path) -> None:
    try:
        from analysis.cli import main as analysis_main
    except ImportError:  # pragma: no cover - analysis is part of the same install
        return
    analysis_main(["report", str(out)])
