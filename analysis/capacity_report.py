"""``wfload capacity``'s outputs: capacity.html, capacity.md and capacity.json,
beside the results, written together or not at all."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import matplotlib
import numpy as np
import orjson
from matplotlib.figure import Figure

from analysis import formatting as fmt
from analysis import templating
from analysis.budgets import load_budgets
from analysis.capacity import Capacity, Step, analyse_capacity, objectives_from_budgets
from analysis.load import load_results
from analysis.markdown import markdown_table
from analysis.plots import STYLE, WIDTH, colour, render
from analysis.report import write_together
from analysis.tables import Cell, Table, text

CAPACITY_HTML = "capacity.html"
CAPACITY_MD = "capacity.md"
CAPACITY_JSON = "capacity.json"


def write_capacity_report(path: str | Path, budget: str | Path | None = None) -> Capacity:
    """Judge the steps of the results at ``path`` (against the budget's
    absolute limits, when given) and write the capacity files beside them."""
    directory = Path(path)
    objectives, notes = objectives_from_budgets(list(load_budgets(budget).checks)) if budget else ([], [])
    results = load_results(directory)
    capacity = analyse_capacity(results, objectives, notes)
    with matplotlib.rc_context(STYLE):
        figures = {key: _png(draw(capacity)) for key, _, draw in FIGURES}
    table = step_table(capacity)
    write_together(
        directory,
        {
            CAPACITY_HTML: _html(directory, capacity, table, figures).encode("utf-8"),
            CAPACITY_MD: markdown(capacity, table).encode("utf-8"),
            CAPACITY_JSON: orjson.dumps(capacity.to_json(), option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY),
        },
    )
    return capacity


def headline_lines(capacity: Capacity) -> list[str]:
    fit = capacity.fit
    lines = [
        f"  max sustainable rate  {_rate(capacity.max_sustainable_rate)}",
        f"  knee                  {_rate(capacity.knee_rate)}",
        f"  steps                 {len(capacity.steps)} ({sum(s.sustainable for s in capacity.steps)} sustainable)",
    ]
    if fit is not None:
        lines.append(
            f"  USL fit               λ {fit.lambda_:.3g}/s, σ {fit.sigma:.3g}, κ {fit.kappa:.3g}, "
            f"peak {_rate(fit.peak_throughput)}, R² {fit.r_squared:.3f}"
        )
    return lines + [f"  note                  {note}" for note in capacity.notes]


def step_table(capacity: Capacity) -> Table:
    rows = []
    for step in sorted(capacity.steps, key=lambda s: s.offered_rate):
        numbers = [
            fmt.number(step.offered_rate),
            fmt.number(step.arrival_rate),
            fmt.number(step.throughput),
            fmt.number(step.mean_in_flight),
            fmt.number(step.little_ratio),
            f"{step.backlog_growth:+.1f}",
            fmt.number(step.latency.get("p50")),
            fmt.number(step.latency.get("p95")),
            fmt.number(step.latency.get("p99")),
            fmt.number(step.duration.get("p95")),
            fmt.percent(step.failure_rate),
        ]
        rows.append([*(Cell(value) for value in numbers), text(_verdict(step))])
    header = [
        "offered runs/s",
        "arrived runs/s",
        "throughput runs/s",
        "in flight",
        "Little L/(X·W)",
        "backlog added",
        "e2e p50 s",
        "e2e p95 s",
        "e2e p99 s",
        "duration p95 s",
        "failed",
        "verdict",
    ]
    return Table(header, rows)


def markdown(capacity: Capacity, table: Table) -> str:
    lines = ["# Capacity", "", "```", *headline_lines(capacity), "```", ""]
    if capacity.objectives:
        lines += ["Objectives: " + ", ".join(f"`{o.describe()}`" for o in capacity.objectives), ""]
    lines += [markdown_table(table), ""]
    return "\n".join(lines)


def _verdict(step: Step) -> str:
    if step.sustainable:
        return "sustained"
    reasons = []
    if step.growing:
        reasons.append("backlog grows")
    if step.throughput < 0.9 * step.arrival_rate:
        reasons.append("throughput behind")
    reasons += [f"{name} broken" for name, met in step.objectives.items() if met is False]
    return "not sustained: " + ", ".join(reasons)


def _rate(value: float | None) -> str:
    return "none" if value is None else f"{value:.3g} runs/s"


# ------------------------------------------------------------------ figures


def throughput_against_offered(capacity: Capacity) -> Figure:
    figure, ax = _axes()
    steps = sorted(capacity.steps, key=lambda s: s.offered_rate)
    offered = [s.offered_rate for s in steps]
    ax.plot(offered, offered, color=colour("gray"), linestyle=":", label="throughput = offered")
    ax.plot(offered, [s.throughput for s in steps], color=colour("blue"), marker="o", label="completion throughput")
    _mark_sustainability(ax, offered, [s.throughput for s in steps], steps)
    if capacity.max_sustainable_rate is not None:
        ax.axvline(
            capacity.max_sustainable_rate,
            color=colour("green"),
            linestyle="--",
            label=f"max sustainable {capacity.max_sustainable_rate:.3g}/s",
        )
    ax.set(title="Throughput against offered load", xlabel="offered rate (runs/s)", ylabel="runs finished per second")
    ax.legend(loc="upper left")
    return figure


def latency_against_throughput(capacity: Capacity) -> Figure:
    figure, ax = _axes()
    steps = sorted(capacity.steps, key=lambda s: s.offered_rate)
    throughput = [s.throughput for s in steps]
    for key, name in (("p50", "blue"), ("p95", "orange"), ("p99", "red")):
        ax.plot(
            throughput,
            [s.latency.get(key) or np.nan for s in steps],
            marker="o",
            color=colour(name),
            label=f"end-to-end {key} (corrected)",
        )
    ax.set(title="Latency against throughput", xlabel="completion throughput (runs/s)", ylabel="seconds")
    ax.legend(loc="upper left")
    return figure


def usl_curve(capacity: Capacity) -> Figure:
    figure, ax = _axes()
    steps = capacity.steps
    concurrency = np.array([s.mean_in_flight for s in steps])
    ax.scatter(concurrency, [s.throughput for s in steps], color=colour("blue"), zorder=3, label="measured steps")
    fit = capacity.fit
    if fit is not None and concurrency.size:
        grid = np.linspace(0.01, max(concurrency.max(), fit.peak_concurrency or 0) * 1.2 + 1, 300)
        ax.plot(
            grid,
            fit.throughput(grid),
            color=colour("orange"),
            label=f"USL fit: λ={fit.lambda_:.3g}, σ={fit.sigma:.3g}, κ={fit.kappa:.3g} (R² {fit.r_squared:.2f})",
        )
    ax.set(
        title="Universal Scalability Law: throughput against runs in flight",
        xlabel="runs in flight (time-averaged)",
        ylabel="runs finished per second",
    )
    ax.legend(loc="lower right")
    return figure


def backlog_per_step(capacity: Capacity) -> Figure:
    figure, ax = _axes()
    steps = sorted(capacity.steps, key=lambda s: s.offered_rate)
    labels = [f"{s.offered_rate:.3g}" for s in steps]
    colours = [colour("red") if s.growing else colour("green") for s in steps]
    ax.bar(labels, [s.backlog_growth for s in steps], color=colours)
    ax.axhline(0, color=colour("gray"), linewidth=0.8)
    ax.set(
        title="Backlog added during each step (red: growing)",
        xlabel="offered rate (runs/s)",
        ylabel="runs in flight added",
    )
    return figure


FIGURES = [
    ("throughput", "Throughput against offered load", throughput_against_offered),
    ("latency", "Latency against throughput", latency_against_throughput),
    ("usl", "Universal Scalability Law fit", usl_curve),
    ("backlog", "Backlog per step", backlog_per_step),
]


def _axes():
    figure = Figure(figsize=(WIDTH / 2, 3.6), layout="constrained")
    return figure, figure.subplots()


def _mark_sustainability(ax, xs: list[float], ys: list[float], steps: list[Step]) -> None:
    for x, y, step in zip(xs, ys, steps, strict=True):
        ax.scatter([x], [y], color=colour("green") if step.sustainable else colour("red"), zorder=4, s=30)


def _png(figure: Figure) -> str:
    return "data:image/png;base64," + base64.b64encode(render(figure)).decode("ascii")


def _html(directory: Path, capacity: Capacity, table: Table, figures: dict[str, str]) -> str:
    return templating.render(
        "capacity.html.j2",
        title=directory.name,
        lines=headline_lines(capacity),
        capacity=capacity,
        steps_table=table,
        figures=[(key, title, figures[key]) for key, title, _ in FIGURES],
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        rate=_rate,
    )
