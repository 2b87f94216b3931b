"""The analysis commands: ``wfload report DIR`` (also ``python -m analysis
report DIR``). ``main`` takes the command and its arguments, so later
commands (compare, baseline, trend, capacity) are one more subparser each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from analysis.headline import terminal_lines
from analysis.load import ResultsError
from analysis.metrics import METRICS
from analysis.options import ReportOptions
from analysis.progress import Progress
from analysis.report import write_report
from analysis.stats import DEFAULT_PERCENTILES

PROG = "wfload"


def main(argv: list[str] | None = None) -> int:
    """Run one analysis command; returns the exit status (2: unusable input)."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ResultsError as error:
        print(f"{PROG} {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted; nothing written", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="Analyse wfload results directories.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_report_command(commands)
    return parser


def add_report_command(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="write report.html, summary.md and summary.json for a results directory",
        description="Write report.html, summary.md and summary.json into a results directory.",
    )
    report.add_argument("directory", help="the results directory (as written by 'wfload run')")
    report.add_argument(
        "--percentiles",
        type=percentile_list,
        default=DEFAULT_PERCENTILES,
        metavar="P,P,...",
        help="percentiles the report shows (default: %(default)s); summary.json always has "
        "p50, p75, p90, p95, p99 and p99.9 besides",
    )
    report.add_argument("--warmup", type=seconds, default=0.0, metavar="S", help="leave the first S seconds out")
    report.add_argument("--cooldown", type=seconds, default=0.0, metavar="S", help="leave the last S seconds out")
    report.add_argument(
        "--window",
        type=positive_seconds,
        default=None,
        metavar="S",
        help="time-series window (default: from the test's length)",
    )
    report.add_argument(
        "--slo",
        type=slo_pair,
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="draw a budget line on the plots of METRIC, in its unit "
        "(e.g. end_to_end_s=5 or execute_ms=300); repeatable",
    )
    report.add_argument("--top-errors", type=int, default=10, metavar="N", help="error groups shown (default: 10)")
    report.add_argument("--quiet", action="store_true", help="print only the report's path")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace) -> int:
    options = ReportOptions(
        percentiles=args.percentiles,
        warmup_s=args.warmup,
        cooldown_s=args.cooldown,
        window_s=args.window,
        slo=dict(args.slo),
        top_errors=args.top_errors,
    )
    started = time.perf_counter()
    progress = Progress(enabled=not args.quiet)
    try:
        report = write_report(args.directory, options, progress)
    except OSError as error:
        raise ResultsError(
            f"cannot write the report into {args.directory} ({error.strerror or error}): check that it is writable"
        ) from error
    print(f"report: {report.html_path}")
    if not args.quiet:
        for line in terminal_lines(report.headline):
            print(line)
        elapsed = time.perf_counter() - started
        if elapsed > progress.after_s:
            print(f"  (report written in {elapsed:.1f} s)")
    return 0


# ---------------------------------------------------------------- argument types


def percentile_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r} (e.g. 50,90,95,99)") from None
    if not values or any(not 0 < v <= 100 for v in values):
        raise argparse.ArgumentTypeError(f"percentiles must lie in (0, 100]: {text!r}")
    return values


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative: {text!r}")
    return value


def positive_seconds(text: str) -> float:
    value = seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def slo_pair(text: str) -> tuple[str, float]:
    name, _, value = text.partition("=")
    name = name.strip()
    if name not in METRICS:
        raise argparse.ArgumentTypeError(f"unknown metric {name!r}; one of {', '.join(METRICS)}")
    try:
        return name, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not METRIC=NUMBER: {text!r}") from None
