"""``wfload trend``: each headline figure across many test runs, with the
change points of its history (analysis.changepoints) and which way each
one went (worse or better, from the figure's direction).

Reads only summary.json of each results directory (so histories of
thousands of runs are quick), orders the runs by start time, and writes
``trend.png`` (a panel per figure), ``trend.html`` (the figure and tables,
one self-contained file), ``trend.md`` and ``trend.json``.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: never look for a display

import itertools

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis import formatting as fmt
from analysis import templating
from analysis.baselines import is_baseline
from analysis.changepoints import ALPHA, MIN_EFFECT, MIN_SIZE, ChangePoint, change_points
from analysis.expressions import RATE, Expression, parse_expression
from analysis.load import ResultsError
from analysis.markdown import markdown_table
from analysis.plots import STYLE, WIDTH, colour, render
from analysis.report import write_together
from analysis.sides import read_summary
from analysis.summary import dumps
from analysis.tables import Cell, Table, text
from analysis.verdict import measured_text

TREND_VERSION = 1
HEADLINE = (
    "p50(end_to_end_s)",
    "p95(end_to_end_s)",
    "p99(end_to_end_s)",
    "p95(execute_ms)",
    "rate(failed)",
    "rate(http_errors)",
    "throughput(runs_finished_per_s)",
)
REGRESSION, IMPROVEMENT = "regression", "improvement"
FILES = ("trend.png", "trend.html", "trend.md", "trend.json")


@dataclass(frozen=True)
class TrendOptions:
    alpha: float = ALPHA
    min_size: int = MIN_SIZE
    min_effect: float = MIN_EFFECT
    seed: int = 0


@dataclass(frozen=True)
class Run:
    path: Path
    started_at: float | None
    summary: dict[str, Any]

    @property
    def label(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Shift:
    """A change point with the way it went for this figure."""

    point: ChangePoint
    direction: str  # REGRESSION or IMPROVEMENT


@dataclass(frozen=True)
class Series:
    expression: Expression
    values: list[float | None]
    shifts: list[Shift]


@dataclass(frozen=True)
class Trend:
    runs: list[Run]
    series: list[Series]
    options: TrendOptions


def find_runs(paths: list[str | Path]) -> list[Run]:
    """Each path is a results directory with a summary.json, or a folder of
    them (its subdirectories that have one); ordered by start time."""
    runs = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise ResultsError(f"{path} is not a directory: give results directories, or a folder of them")
        if (path / "summary.json").is_file():
            candidates = [path]
        else:
            candidates = sorted(p for p in path.iterdir() if p.is_dir() and (p / "summary.json").is_file())
        runs += [_run(p) for p in candidates if not is_baseline(p)]
    if not runs:
        raise ResultsError(
            f"no summary.json under {', '.join(map(str, paths))}: give results directories with a report "
            "(wfload report DIR), or the folder that holds them"
        )
    return sorted(runs, key=lambda run: (run.started_at is None, run.started_at or 0.0, run.label))


def build_trend(runs: list[Run], expressions: list[Expression], options: TrendOptions | None = None) -> Trend:
    options = options or TrendOptions()
    series = []
    for number, expression in enumerate(expressions):
        values = [expression.value(run.summary) for run in runs]
        points = change_points(
            [math.nan if v is None else v for v in values],
            alpha=options.alpha,
            min_size=options.min_size,
            min_effect=options.min_effect,
            seed=options.seed + number,
        )
        series.append(Series(expression, values, [Shift(p, _direction(expression, p)) for p in points]))
    return Trend(runs, series, options)


def headline_expressions() -> list[Expression]:
    return [parse_expression(text) for text in HEADLINE]


def write_trend(trend: Trend, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    png = draw(trend)
    documents = {
        "trend.png": png,
        "trend.html": render_html(trend, png).encode("utf-8"),
        "trend.md": render_markdown(trend).encode("utf-8"),
        "trend.json": dumps(trend_json(trend)),
    }
    write_together(out, documents)
    return [out / name for name in documents]


def shift_table(trend: Trend) -> Table:
    rows = []
    for series in trend.series:
        expression = series.expression
        for shift in series.shifts:
            point, run = shift.point, trend.runs[shift.point.index]
            rows.append(
                [
                    text(expression.label),
                    text(run.label),
                    text(fmt.timestamp(run.started_at)),
                    Cell(measured_text(expression, point.before)),
                    Cell(measured_text(expression, point.after)),
                    Cell(_percent(point.change)),
                    Cell(f"{point.p_value:.4f}"),
                    text(shift.direction),
                ]
            )
    columns = ["metric", "from run", "started", "before", "after", "change", "p", "direction"]
    return Table(columns, rows)


def latest_table(trend: Trend) -> Table:
    rows = []
    for series in trend.series:
        last = series.shifts[-1] if series.shifts else None
        since = f"{last.direction} at {trend.runs[last.point.index].label}" if last else "no change point"
        latest = next((v for v in reversed(series.values) if v is not None), None)
        rows.append([text(series.expression.label), Cell(measured_text(series.expression, latest)), text(since)])
    return Table(["metric", "latest", "last change"], rows)


def render_markdown(trend: Trend) -> str:
    runs = trend.runs
    lines = [
        f"## wfload trend: {len(runs)} runs, {_span(trend)}",
        "",
        markdown_table(latest_table(trend)),
        "",
        "### Change points",
        "",
        markdown_table(shift_table(trend)) if any(s.shifts for s in trend.series) else "None found.",
        "",
        method_text(trend.options),
        "",
    ]
    return "\n".join(lines)


def method_text(options: TrendOptions) -> str:
    return (
        "Change points: binary segmentation with Pettitt's rank statistic, permutation p-value at most "
        f"{options.alpha:g}, at least {options.min_size} runs a level, medians at least "
        f"{options.min_effect * 100:g}% apart. See docs/ci.md."
    )


def render_html(trend: Trend, png: bytes) -> str:
    return templating.environment.get_template("trend.html.j2").render(
        title=f"{len(trend.runs)} runs",
        subtitle=_span(trend),
        image="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        latest=latest_table(trend),
        shifts=shift_table(trend),
        runs=Table(
            ["#", "run", "started"],
            [[Cell(str(n)), text(run.label), text(fmt.timestamp(run.started_at))] for n, run in enumerate(trend.runs)],
        ),
        method=method_text(trend.options),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    )


def trend_json(trend: Trend) -> dict[str, Any]:
    return {
        "trend_version": TREND_VERSION,
        "settings": {
            "alpha": trend.options.alpha,
            "min_size": trend.options.min_size,
            "min_effect": trend.options.min_effect,
            "seed": trend.options.seed,
        },
        "runs": [{"path": str(run.path), "started_at": run.started_at} for run in trend.runs],
        "metrics": [
            {
                **series.expression.to_json(),
                "unit": series.expression.unit,
                "higher_is_worse": series.expression.higher_is_worse,
                "values": series.values,
                "change_points": [
                    {
                        "index": shift.point.index,
                        "run": str(trend.runs[shift.point.index].path),
                        "before": shift.point.before,
                        "after": shift.point.after,
                        "change": _finite(shift.point.change),
                        "p_value": shift.point.p_value,
                        "direction": shift.direction,
                    }
                    for shift in series.shifts
                ],
            }
            for series in trend.series
        ],
    }


def draw(trend: Trend) -> bytes:
    """A panel per figure: the values by run, each level's median, and the change points."""
    columns = 2 if len(trend.series) > 1 else 1
    rows = math.ceil(len(trend.series) / columns)
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(WIDTH, 2.6 * rows), layout="constrained")
        axes = figure.subplots(rows, columns, squeeze=False).ravel()
        for ax, series in zip(axes, trend.series, strict=False):
            _panel(ax, series, len(trend.runs))
        for ax in axes[len(trend.series) :]:
            ax.set_visible(False)
        return render(figure)


def _panel(ax, series: Series, runs: int) -> None:
    expression = series.expression
    scale = 100.0 if expression.kind == RATE else 1.0
    xs = [i for i, v in enumerate(series.values) if v is not None]
    ys = [series.values[i] * scale for i in xs]
    ax.plot(xs, ys, marker="o", markersize=3, linewidth=1, color=colour("blue"))
    bounds = [0, *(s.point.index for s in series.shifts), runs]
    for (start, end), level in zip(itertools.pairwise(bounds), _levels(series), strict=False):
        if level is not None:
            ax.hlines(level * scale, start - 0.4, end - 0.6, color=colour("gray"), linewidth=1.5, linestyles="--")
    for shift in series.shifts:
        tint = colour("red") if shift.direction == REGRESSION else colour("green")
        ax.axvline(shift.point.index - 0.5, color=tint, linewidth=1.5)
    unit = "%" if expression.kind == RATE else expression.unit
    ax.set_title(expression.label + (f" ({unit})" if unit else ""))
    ax.set_xlabel("run (by start time)")
    ax.set_xlim(-0.6, max(runs - 0.4, 0.6))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _levels(series: Series) -> list[float | None]:
    if not series.shifts:
        known = sorted(v for v in series.values if v is not None)
        return [known[len(known) // 2] if known else None]
    return [series.shifts[0].point.before, *(s.point.after for s in series.shifts)]


def _direction(expression: Expression, point: ChangePoint) -> str:
    rose = point.after > point.before
    return REGRESSION if rose == expression.higher_is_worse else IMPROVEMENT


def _run(path: Path) -> Run:
    summary = read_summary(path) or {}
    started = (summary.get("results") or {}).get("started_at") or (summary.get("window") or {}).get("test_start")
    return Run(path, float(started) if isinstance(started, int | float) else None, summary)


def _span(trend: Trend) -> str:
    return f"{fmt.timestamp(trend.runs[0].started_at)} to {fmt.timestamp(trend.runs[-1].started_at)}"


def _percent(change: float | None) -> str:
    if change is None:
        return fmt.DASH
    return "from 0" if math.isinf(change) else f"{change * 100:+.1f} %"


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None
