"""``wfload capacity``: how much the target sustains, and why.

Runs a stepped arrival-rate test (open model) against the target (the
embedded simulator when no ``-H``), then writes capacity.html, capacity.md
and capacity.json beside the results. With ``--rates`` the steps are those
rates; without, the steps are found by the search of ``loadtests.search``
(grow until the service saturates, then refine around the limit). Either
way the longest the test can take is printed before it starts.

``wfload capacity --analyse DIR`` analyses a stepped results directory that exists.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.budgets import load_budgets
from analysis.capacity_report import CAPACITY_HTML, headline_lines, write_capacity_report
from analysis.load import ResultsError
from loadtests.results import default_results_dir
from loadtests.search import SearchSpec
from loadtests.shapes import ShapeError, parse_duration, parse_shape, steps_shape
from wfload.run import run
from wfload.target import UsageError, add_target_arguments

# After the steps: time for the drain to end before Locust's own run-time limit would cut in.
END_MARGIN_S = 30.0
_TARGET_OPTIONS = ("host", "scenario", "workflow", "token", "token_file", "sim_config", "sim_workers", "sim_seed")
# The budget judges steps here, not the whole test: wfload run gets none.


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wfload capacity",
        description="Find the maximum sustainable arrival rate of the target with a stepped open-model test, "
        "or analyse an existing stepped results directory. Options not listed here go to Locust.",
    )
    parser.add_argument("--analyse", dest="directory", metavar="DIR",
                        help="analyse this stepped results directory instead of running a test")
    add_target_arguments(parser)
    parser.add_argument("--rates", default="", help="Comma-separated arrival rates (runs/s), one step each. "
                        "Default: search for the limit.")
    parser.add_argument("--step-time", default="20s", help="How long each step lasts (default 20s).")
    parser.add_argument("--start-rate", type=float, default=1.0, help="Search: the first step's rate (default 1).")
    parser.add_argument("--max-rate", type=float, default=1000.0, help="Search: never offer more (default 1000).")
    parser.add_argument("--out", default="", help="Results directory. Default: reports/<date>-<time>-capacity.")
    parser.add_argument("--drain-timeout", default="30", help="Seconds to follow runs in flight at the end.")
    parser.add_argument("--budget", default="", metavar="FILE",
                        help="Budget file: its absolute limits on p50/p95/p99 of end_to_end_s or duration_in_seconds "
                        "and rate(failed) are objectives every sustainable step must meet.")
    return parser


def main(argv: list[str]) -> int:
    args, locust_args = build_parser().parse_known_args(argv)
    try:
        if args.budget:
            load_budgets(args.budget)  # a bad budget is refused before any load
        directory = Path(args.directory) if args.directory else _test(args, locust_args)
        if directory is None:
            return 2
        capacity = write_capacity_report(directory, args.budget or None)
    except (UsageError, ShapeError) as exc:
        print(f"wfload capacity: {exc}", file=sys.stderr)
        return 2
    except ResultsError as exc:
        print(f"wfload capacity: {exc}", file=sys.stderr)
        return 2
    print(f"capacity: {directory / CAPACITY_HTML}")
    print("\n".join(headline_lines(capacity)))
    return 0


def _test(args: argparse.Namespace, locust_args: list[str]) -> Path | None:
    shape, bound_s = _shape(args)
    out = Path(args.out) if args.out else default_results_dir(tag="capacity")
    print(f"wfload capacity: {shape}; this takes at most {bound_s / 60:.1f} min "
          f"(+ up to {float(args.drain_timeout):g} s of drain)", flush=True)
    target_options = {k: v for k, v in vars(args).items() if k in _TARGET_OPTIONS}
    run_args = argparse.Namespace(
        **target_options, users=1, spawn_rate=0, run_time=f"{int(bound_s + END_MARGIN_S)}s", arrival_rate=1.0,
        out=str(out), workers=0, no_report=False, budget="", baseline="",
    )
    code = run(run_args, ["--shape", shape, "--drain-timeout", str(args.drain_timeout), *locust_args])
    return out if code in (0, 130) and (out / "meta.json").exists() else None


def _shape(args: argparse.Namespace) -> tuple[str, float]:
    step_s = parse_duration(args.step_time)
    if step_s <= 0:
        raise UsageError("--step-time must be more than 0")
    if args.rates:
        try:
            rates = [float(part) for part in args.rates.split(",") if part.strip()]
        except ValueError:
            raise UsageError(f"--rates {args.rates!r}: give numbers separated by commas, e.g. 5,10,20") from None
        if not rates or min(rates) <= 0:
            raise UsageError("--rates must be arrival rates above 0, e.g. 5,10,20")
        shape = steps_shape(rates, step_s)
        return shape.spec, shape.duration_s
    spec = parse_shape(f"search:{args.start_rate:g}/{step_s:g}s,max={args.max_rate:g}")
    assert isinstance(spec, SearchSpec)
    return spec.spec, spec.time_bound_s
