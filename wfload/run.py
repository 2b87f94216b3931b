"""``wfload run``: one command from nothing to a results directory and its report.

1. Validate the scenario (before any load is sent).
2. Start the embedded simulator on a free loopback port, unless ``-H`` names a target.
3. Preflight: the target answers, accepts the token, knows every workflow.
4. Run Locust headless in a child process with our locustfile (with
   ``--workers N``: a master and N local workers); every option this command
   does not know is passed to Locust unchanged.
5. Stop the simulator, write the report, print where everything is.

Exit status: 0 when the test ran to its end (whether runs failed is for
budgets to judge), 2 for bad usage or an unusable target, 130 when
interrupted (the results and report are still written). With ``--budget``
or ``--baseline``, the verdict of ``wfload compare`` decides instead once
the test has run: 0 pass, 1 a budget broken or a regression, 2 unusable.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import orjson

from loadtests.options import HarnessOptions, OptionsError, add_plain_arguments
from loadtests.results import default_results_dir
from wfload.target import (
    Target,
    UsageError,
    add_target_arguments,
    free_port,
    locust,
    stop_all,
    target,
    wait_forwarding_signals,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wfload run",
        description="Run a load test against the embedded simulator (default) or -H URL, then write its report. "
        "Options not listed here are passed to Locust: the harness options below, and Locust's own.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(parser)
    parser.add_argument("-u", "--users", type=int, default=10, help="Concurrent users (closed model). Default 10.")
    parser.add_argument("-r", "--spawn-rate", type=float, default=0, help="Users started per second. Default: all.")
    parser.add_argument("-t", "--run-time", default="60s", help="How long to load, e.g. 90s, 5m. Default 60s.")
    parser.add_argument("--arrival-rate", type=float, default=0.0,
                        help="Open model: runs arriving per second (the users count is then ignored).")
    parser.add_argument("--out", default="", help="Results directory. Default: reports/<date>-<time>-run.")
    parser.add_argument("--workers", type=int, default=0,
                        help="Distribute: a Locust master and this many local worker processes (one per core).")
    parser.add_argument("--no-report", action="store_true", help="Write the results only, not the report.")
    parser.add_argument("--budget", default="", metavar="FILE",
                        help="Budget file (TOML): judge the test at its end (exit 1 if broken); its [abort] "
                        "rules stop the test early. See docs/ci.md.")
    parser.add_argument("--baseline", default="", metavar="DIR|NAME",
                        help="Compare with this baseline (a name under reports/baselines/ or a directory) at the end.")
    parser.epilog = _harness_options_help(parser)
    return parser


def _harness_options_help(own: argparse.ArgumentParser) -> str:
    listing = argparse.ArgumentParser(prog="", usage=argparse.SUPPRESS, add_help=False)
    add_plain_arguments(listing, skip={flag for action in own._actions for flag in action.option_strings})
    return "harness options (passed to Locust):\n" + listing.format_help().split("\n", 1)[1]


def main(argv: list[str]) -> int:
    args, locust_args = build_parser().parse_known_args(argv)
    try:
        return run(args, locust_args)
    except UsageError as exc:
        print(f"wfload run: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace, locust_args: list[str]) -> int:
    if args.users < 1:
        raise UsageError("-u/--users must be at least 1")
    if args.workers < 0:
        raise UsageError("--workers must be 0 (one process) or more")
    check_harness_options([*locust_args, "--arrival-rate", str(args.arrival_rate)])
    locust_args = [*locust_args, *_abort_rules(args)]
    out = Path(args.out) if args.out else default_results_dir()
    with target(args) as chosen:
        code = _run_locust(args, locust_args, chosen, out)
    if not (out / "meta.json").exists():
        # Locust refused before the test started; it said why.
        return code if code else 2
    if not args.no_report:
        _report(out)
    if args.budget or args.baseline:
        return code or _verdict(args, out)
    return code


def check_harness_options(locust_args: list[str]) -> None:
    """Refuse a bad harness option here, in one line, before any process starts."""
    parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    add_plain_arguments(parser)
    try:
        parsed, _ = parser.parse_known_args(locust_args)
        HarnessOptions.from_parsed(parsed)
    except argparse.ArgumentError as exc:
        raise UsageError(str(exc)) from None
    except OptionsError as exc:
        raise UsageError(str(exc)) from None


def _run_locust(args: argparse.Namespace, locust_args: list[str], chosen: Target, out: Path) -> int:
    env = chosen.locust_env(args)
    command = _locust_command(args, locust_args, chosen, out)
    if not args.workers:
        # Its own session, so a Ctrl-C reaches Locust only through us, once: it
        # then drains the runs in flight while the simulator keeps answering.
        return wait_forwarding_signals(subprocess.Popen(command, env=env, start_new_session=True))
    port = free_port()
    master = [*command, "--master", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
              "--expect-workers", str(args.workers), "--expect-workers-max-wait", "60"]
    workers = _start_workers(args.workers, port, out, env)
    try:
        return wait_forwarding_signals(subprocess.Popen(master, env=env, start_new_session=True))
    finally:
        stop_all(workers)


def _locust_command(args: argparse.Namespace, locust_args: list[str], chosen: Target, out: Path) -> list[str]:
    # The open model runs one arrival generator per process, whatever --users says.
    users = max(1, args.workers) if args.arrival_rate > 0 else args.users
    command = locust(
        "--headless", "--only-summary", "-u", str(users), "-r", str(args.spawn_rate or users),
        "-t", args.run_time, "--results-dir", str(out), "--exit-code-on-error", "0",
        *chosen.locust_arguments(args),
    )
    if args.arrival_rate > 0:
        command += ["--arrival-rate", str(args.arrival_rate)]
    return command + locust_args


def _start_workers(count: int, port: int, out: Path, env: dict[str, str]) -> list[subprocess.Popen]:
    """Local worker processes; their logs go to <results>/logs/ (the master's console stays readable)."""
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    workers = []
    for n in range(count):
        with open(logs / f"worker-{n}.log", "wb") as log_file:
            workers.append(subprocess.Popen(
                locust("--worker", "--master-host", "127.0.0.1", "--master-port", str(port)),
                env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
            ))
    return workers


def _report(out: Path) -> None:
    from analysis.cli import main as analysis_main

    analysis_main(["report", str(out)])


def _abort_rules(args: argparse.Namespace) -> list[str]:
    """Check --budget and --baseline before any load is sent; the budget's
    [abort] rules become Locust's --abort-rules option."""
    if not (args.budget or args.baseline):
        return []
    from analysis.gate import prepare
    from analysis.load import ResultsError

    try:
        rules = prepare(args.budget or None, args.baseline or None)
    except ResultsError as exc:
        raise UsageError(str(exc)) from None
    return ["--abort-rules", orjson.dumps(rules).decode()] if rules else []


def _verdict(args: argparse.Namespace, out: Path) -> int:
    """``wfload compare`` on the results: prints the verdict, writes it beside the report."""
    from analysis.cli import main as analysis_main

    command = ["compare", *([args.baseline] if args.baseline else []), str(out)]
    return analysis_main(command + (["--budget", args.budget] if args.budget else []))
