"""The analysis commands: ``wfload report DIR`` (also ``python -m analysis
report DIR``), ``wfload compare``, ``wfload baseline`` and ``wfload trend``.
``main`` takes the command and its arguments, so later commands (capacity)
are one more subparser each.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from analysis import formatting as fmt
from analysis.baselines import BASELINES_ROOT, check_name, list_baselines, save_baseline
from analysis.budgets import parse_fraction
from analysis.changepoints import ALPHA, MIN_EFFECT, MIN_SIZE
from analysis.expressions import Expression, ExpressionError, parse_expression
from analysis.gate import Gate, run_gate
from analysis.headline import terminal_lines
from analysis.load import ResultsError
from analysis.metrics import METRICS
from analysis.options import ReportOptions
from analysis.progress import Progress
from analysis.report import write_report
from analysis.sides import BASELINE, resolve, results_side
from analysis.significance import RESAMPLES
from analysis.stats import CONFIDENCE, DEFAULT_PERCENTILES
from analysis.trend import TrendOptions, build_trend, find_runs, headline_expressions, write_trend
from analysis.verdict import Settings, measured_text
from analysis.verdict_report import terminal_lines as verdict_lines

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
    add_compare_command(commands)
    add_baseline_command(commands)
    add_trend_command(commands)
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


def add_compare_command(commands: argparse._SubParsersAction) -> None:
    compare = commands.add_parser(
        "compare",
        usage="wfload compare [BASELINE] CURRENT [--budget FILE] [options]",
        help="judge a test against budgets and a baseline; exit 1 on a broken budget or a regression",
        description="Compare CURRENT with BASELINE (a baseline name under reports/baselines/, a baseline "
        "directory or a results directory) and check the budgets of --budget FILE. With one directory, only "
        "the budgets are checked. Writes compare.md, compare.json and junit.xml into CURRENT (or --out) and "
        "the verdict into its summary.json and summary.md. Exit status: 0 pass, 1 a budget broken or a "
        "regression, 2 unusable input. See docs/ci.md.",
    )
    compare.add_argument("directories", nargs="+", metavar="[BASELINE] CURRENT", help="what to compare")
    compare.add_argument("--budget", metavar="FILE", help="budget file (TOML): absolute limits, regression limits")
    compare.add_argument(
        "--noise",
        type=fraction,
        default=None,
        metavar="PCT",
        help="changes smaller than this are never regressed (default: the budget file's, else 5%%)",
    )
    compare.add_argument(
        "--confidence",
        type=confidence,
        default=CONFIDENCE,
        metavar="C",
        help="confidence that holds for all intervals together (default: %(default)s)",
    )
    compare.add_argument(
        "--resamples", type=int, default=RESAMPLES, metavar="N", help="bootstrap resamples (default: %(default)s)"
    )
    compare.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: %(default)s)")
    compare.add_argument("--out", metavar="DIR", help="write the verdict files here and leave CURRENT untouched")
    add_root_argument(compare)
    compare.add_argument(
        "--warmup",
        type=seconds,
        default=None,
        metavar="S",
        help="leave the first S seconds of results directories out (default: as their report)",
    )
    compare.add_argument(
        "--cooldown",
        type=seconds,
        default=None,
        metavar="S",
        help="leave the last S seconds of results directories out (default: as their report)",
    )
    compare.add_argument("--quiet", action="store_true", help="print only the verdict line")
    compare.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    directories = args.directories
    if len(directories) > 2 or (len(directories) == 1 and not args.budget):
        raise ResultsError("give BASELINE CURRENT (and --budget FILE if wanted), or CURRENT with --budget FILE")
    baseline, current = (None, directories[0]) if len(directories) == 1 else directories
    if args.resamples < 100:
        raise ResultsError(f"--resamples {args.resamples} is too few for an interval: give 100 or more")
    gate = Gate(
        current=current,
        baseline=baseline,
        budget=args.budget,
        root=Path(args.root),
        noise=args.noise,
        settings=Settings(confidence=args.confidence, resamples=args.resamples, seed=args.seed),
        out=Path(args.out) if args.out else None,
        warmup_s=args.warmup,
        cooldown_s=args.cooldown,
    )
    result = run_gate(gate, Progress(enabled=not args.quiet))
    lines = verdict_lines(result.verdict)
    for line in lines[:1] if args.quiet else lines:
        print(line)
    if not args.quiet and result.written:
        where = result.written[0].parent
        print(f"wrote: {', '.join(str(where / p.name) for p in result.written)}")
    return result.verdict.exit_code


def add_baseline_command(commands: argparse._SubParsersAction) -> None:
    baseline = commands.add_parser(
        "baseline",
        help="store what a later comparison needs from a test (reports/baselines/NAME), or list the stored ones",
        description="Baselines: the summary and the raw samples (compressed) of a test, kept for comparisons.",
    )
    actions = baseline.add_subparsers(dest="action", required=True, metavar="ACTION")
    save = actions.add_parser(
        "save",
        help="save a results directory as a baseline",
        description="Save the summary and raw samples of DIR as the baseline NAME.",
    )
    save.add_argument("directory", help="the results directory")
    save.add_argument("--name", required=True, help="baseline name, e.g. main")
    save.add_argument("--force", action="store_true", help="replace a baseline of that name")
    save.add_argument("--warmup", type=seconds, default=None, metavar="S", help="default: as the report")
    save.add_argument("--cooldown", type=seconds, default=None, metavar="S", help="default: as the report")
    add_root_argument(save)
    save.set_defaults(handler=run_baseline_save)
    listing = actions.add_parser("list", help="list the stored baselines", description="List the stored baselines.")
    add_root_argument(listing)
    listing.set_defaults(handler=run_baseline_list)


def run_baseline_save(args: argparse.Namespace) -> int:
    # Name and room first: refuse before minutes of reading a big results directory.
    if (Path(args.root) / check_name(args.name)).exists() and not args.force:
        raise ResultsError(
            f"baseline {Path(args.root) / args.name} exists already: choose another --name, or add --force"
        )
    kind, path = resolve(args.directory)
    if kind == BASELINE:
        raise ResultsError(f"{path} is a stored baseline already: give the results directory it came from")
    side = results_side(path, warmup_s=args.warmup, cooldown_s=args.cooldown, progress=Progress())
    try:
        target = save_baseline(Path(args.root), args.name, side.summary, side.samples, force=args.force)
    except OSError as error:
        raise ResultsError(f"cannot write the baseline under {args.root} ({error.strerror or error})") from error
    size = sum(p.stat().st_size for p in target.iterdir())
    runs = side.summary["runs"]["attempts"]
    print(f"baseline {args.name}: {target} ({fmt.count(runs)} runs from {path}; {size / 1024:,.0f} kB)")
    return 0


def run_baseline_list(args: argparse.Namespace) -> int:
    stored = list_baselines(Path(args.root))
    if not stored:
        print(f"no baselines under {args.root}; save one with 'wfload baseline save DIR --name NAME'")
    for meta in stored:
        source = meta.get("source") or {}
        print(
            f"{meta.get('name')}  saved {fmt.timestamp(meta.get('saved_at'))}  "
            f"test of {fmt.timestamp(source.get('started_at'))}  from {source.get('path')}"
        )
    return 0


def add_trend_command(commands: argparse._SubParsersAction) -> None:
    trend = commands.add_parser(
        "trend",
        help="plot headline figures across many runs and flag the change points of their history",
        description="Read summary.json of each results directory (or of every one in a folder), order the runs "
        "by start time, plot each headline figure and flag where its level moved, for the worse or the better. "
        "Writes trend.png, trend.html, trend.md and trend.json. See docs/ci.md.",
    )
    trend.add_argument("paths", nargs="+", metavar="DIR", help="results directories, or folders of them")
    trend.add_argument(
        "--out",
        default=str(Path("reports") / "trend"),
        metavar="DIR",
        help="where to write the trend (default: %(default)s)",
    )
    trend.add_argument(
        "--metric",
        action="append",
        type=expression,
        default=[],
        metavar="EXPR",
        help="a figure to follow, e.g. p95(end_to_end_s) or rate(failed); repeatable (default: the headline figures)",
    )
    trend.add_argument(
        "--alpha",
        type=confidence_level,
        default=ALPHA,
        metavar="A",
        help="significance of a change point (default: %(default)s)",
    )
    trend.add_argument(
        "--min-effect",
        type=fraction,
        default=MIN_EFFECT,
        metavar="PCT",
        help="smallest change of level that counts (default: 5%%)",
    )
    trend.add_argument(
        "--min-size",
        type=int,
        default=MIN_SIZE,
        metavar="N",
        help="fewest runs a level must last (default: %(default)s)",
    )
    trend.add_argument("--quiet", action="store_true", help="print only where the trend was written")
    trend.set_defaults(handler=run_trend)


def run_trend(args: argparse.Namespace) -> int:
    if args.min_size < 1:
        raise ResultsError("--min-size must be at least 1")
    runs = find_runs(args.paths)
    options = TrendOptions(alpha=args.alpha, min_size=args.min_size, min_effect=args.min_effect)
    trend = build_trend(runs, args.metric or headline_expressions(), options)
    try:
        written = write_trend(trend, Path(args.out))
    except OSError as error:
        raise ResultsError(f"cannot write the trend into {args.out} ({error.strerror or error})") from error
    print(f"trend: {written[1]} ({len(runs)} runs)")
    if not args.quiet:
        for series in trend.series:
            for shift in series.shifts:
                run = runs[shift.point.index]
                print(
                    f"  {series.expression.label}: {shift.direction} from {run.label} "
                    f"({measured_text(series.expression, shift.point.before)} -> "
                    f"{measured_text(series.expression, shift.point.after)})"
                )
    return 0


def add_root_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root", default=str(BASELINES_ROOT), metavar="DIR", help="where baselines are stored (default: %(default)s)"
    )


# ---------------------------------------------------------------- argument types


def percentile_list(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r} (e.g. 50,90,95,99)") from None
    if not values or any(not 0 < v <= 100 for v in values):
        raise argparse.ArgumentTypeError(f"percentiles must lie in (0, 100]: {text!r}")
    return values


def fraction(text: str) -> float:
    value = parse_fraction(text)
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r} (e.g. 5% or 0.05)")
    return value


def confidence(text: str) -> float:
    value = fraction(text)
    if value < 0.5:
        raise argparse.ArgumentTypeError(f"a confidence below 50% means little: {text!r} (e.g. 0.95)")
    return value


def confidence_level(text: str) -> float:
    value = fraction(text)
    if not 0 < value <= 0.5:
        raise argparse.ArgumentTypeError(f"a significance level lies in (0, 0.5]: {text!r} (e.g. 0.05)")
    return value


def expression(text: str) -> Expression:
    try:
        return parse_expression(text)
    except ExpressionError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
