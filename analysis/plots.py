"""The report's figures, drawn headless with matplotlib (no pyplot, no
display, no global state) and returned as PNG bytes.

Every figure is drawn from the analysis, never from raw rows: distributions
from their sorted samples (a CDF at a few thousand ranks, histograms by
binary search on bin edges), time series from their windows. So drawing
costs the same for a thousand runs as for a million, and the statistics are
never those of a downsampled copy.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib: never look for a display

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analysis import formatting as fmt
from analysis import schema
from analysis.decomposition import COMPONENTS
from analysis.metrics import METRICS, Analysis
from analysis.stats import Sample, percentile_key, percentile_label

PALETTE = {
    "blue": "#1f6feb",
    "orange": "#e8792b",
    "green": "#2da44e",
    "red": "#cf222e",
    "purple": "#8250df",
    "gray": "#6e7781",
    "teal": "#1b7c83",
    "yellow": "#bf8700",
}
SERIES_COLOURS = ["blue", "orange", "green", "purple", "teal", "red", "yellow", "gray"]
COMPONENT_COLOURS = {
    "acceptance_s": "#1f6feb",
    "queue_wait_s": "#e8792b",
    "execution_s": "#2da44e",
    "detection_lag_s": "#8250df",
}
OUTCOME_COLOURS = {
    schema.COMPLETED: "green",
    schema.FAILED: "red",
    schema.AWAITING_UI: "yellow",
    schema.ERROR: "purple",
}
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.grid": True,
    "grid.color": "#d0d7de",
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#8c959f",
    "legend.fontsize": 8,
    "legend.frameon": False,
    "figure.dpi": 100,
}
WIDTH = 10.5
DPI = 110


@dataclass(frozen=True)
class Plot:
    key: str
    title: str
    caption: str
    png: bytes


def colour(name: str) -> str:
    return PALETTE.get(name, name)


def render(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    # Figures laid out with fixed margins (the time figures) keep their whole
    # canvas, so that their plot areas stay the same width on the page.
    tight = "tight" if figure.get_layout_engine() is not None else None
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches=tight, metadata={"Software": None})
    return buffer.getvalue()


def draw_all(analysis: Analysis) -> list[Plot]:
    """Every figure of the report that has data to show, in report order.

    A figure that fails to draw is left out with a note in the report rather
    than costing the whole report: the tables still carry every figure.
    """
    plots = []
    with matplotlib.rc_context(STYLE):
        for key, title, caption, draw in FIGURES:
            try:
                figure = draw(analysis)
                if figure is not None:
                    plots.append(Plot(key, title, caption, render(figure)))
            except (ValueError, RuntimeError, OverflowError) as error:
                analysis.notes.append(f"the figure '{title}' could not be drawn ({type(error).__name__}: {error})")
    return plots


# ---------------------------------------------------------------- helpers


def _figure(
    rows: int = 1, columns: int = 1, height: float = 3.6, layout: str | None = "constrained", **kwargs
) -> tuple[Figure, np.ndarray]:
    figure = Figure(figsize=(WIDTH, height), layout=layout)
    axes = figure.subplots(rows, columns, squeeze=False, **kwargs)
    return figure, axes


def _time_figure(rows: int) -> tuple[Figure, np.ndarray]:
    """Stacked panels over time with fixed margins (legends to the right), so
    that every time figure of the report has the same plot width and their
    time axes line up on the page."""
    figure, axes = _figure(rows, 1, height=2.4 * rows, layout=None, sharex=True)
    figure.subplots_adjust(left=0.07, right=0.8, top=0.95, bottom=0.09, hspace=0.42)
    return figure, axes


def _metric_label(name: str) -> str:
    metric = METRICS[name]
    return f"{metric.title} ({metric.unit})"


def _slo_vertical(ax: Axes, analysis: Analysis, metric: str) -> None:
    budget = analysis.options.slo.get(metric)
    if budget is not None:
        ax.axvline(
            budget, color=colour("red"), linestyle="--", linewidth=1.2, label=f"SLO {metric} {fmt.number(budget)}"
        )


def _slo_horizontal(ax: Axes, analysis: Analysis, metric: str) -> None:
    budget = analysis.options.slo.get(metric)
    if budget is not None:
        ax.axhline(budget, color=colour("red"), linestyle="--", linewidth=1.2, label=f"SLO {fmt.number(budget)}")


def _time_axis(analysis: Analysis) -> tuple[np.ndarray, str, float]:
    """Window middles in seconds or minutes from the start, the axis label,
    and the divisor used."""
    series = analysis.timeseries
    seconds = series.frame["t_s"].to_numpy() + series.step_s / 2
    if analysis.window.test_duration_s > 1800:
        return seconds / 60, "time since start (min)", 60.0
    return seconds, "time since start (s)", 1.0


def _shade_excluded(ax: Axes, analysis: Analysis, divisor: float) -> None:
    window = analysis.window
    if window.warmup_s:
        ax.axvspan(0, window.warmup_s / divisor, color="#8c959f", alpha=0.15, linewidth=0, label="left out")
    if window.cooldown_s:
        end = window.test_duration_s / divisor
        ax.axvspan(end - window.cooldown_s / divisor, end, color="#8c959f", alpha=0.15, linewidth=0)
    for marker in analysis.timeseries.markers:
        ax.axvline(marker.t_s / divisor, color=colour("gray"), linestyle=":", linewidth=1)
        ax.annotate(
            marker.label,
            (marker.t_s / divisor, 1),
            xycoords=("data", "axes fraction"),
            rotation=90,
            va="top",
            ha="right",
            fontsize=7,
            color=colour("gray"),
        )


def _log_bins(sample: Sample, bins: int = 60) -> np.ndarray | None:
    positive = sample.values[sample.values > 0]
    if positive.size < 2 or positive[0] == positive[-1]:
        return None
    return np.geomspace(positive[0], positive[-1], bins + 1)


def _wants_log(samples: list[Sample]) -> bool:
    """Log axis when values span more than a decade (and are all positive)."""
    lows = [s.quantile(1) for s in samples if s.count]
    highs = [s.max for s in samples if s.count]
    if not lows or min(lows) is None or min(lows) <= 0:
        return False
    return max(highs) / min(lows) > 10


def _percentiles_to_draw(analysis: Analysis) -> list[float]:
    """At most four lines a panel stay readable: the usual ones if chosen."""
    chosen = list(analysis.options.percentiles)
    if len(chosen) <= 4:
        return chosen
    usual = [p for p in chosen if p in (50, 95, 99, 99.9)]
    return usual or chosen[-4:]


def _legend(ax: Axes, **placement) -> None:
    """A legend, if anything drawn has a label (an empty one only warns)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**placement)


def _legend_outside(ax: Axes) -> None:
    _legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0))


# ---------------------------------------------------------------- distributions


def _latency_groups(analysis: Analysis) -> tuple[tuple[str, tuple[str, ...]], ...]:
    run_times = ("end_to_end_s", "duration_in_seconds", "overhead_s")
    if "corrected_end_to_end_s" in analysis.samples:
        run_times = ("corrected_end_to_end_s", *run_times)
    return (("HTTP latency", ("execute_ms", "poll_ms")), ("run times", run_times))


def latency_cdf(analysis: Analysis) -> Figure | None:
    figure, axes = _figure(1, 2)
    drawn = False
    for ax, (title, names) in zip(axes[0], _latency_groups(analysis), strict=True):
        samples = [analysis.samples[name] for name in names]
        for index, (name, sample) in enumerate(zip(names, samples, strict=True)):
            if not sample.count:
                continue
            drawn = True
            x, y = sample.ecdf()
            ax.step(x, y, where="post", color=colour(SERIES_COLOURS[index]), label=_metric_label(name), linewidth=1.4)
            p95 = sample.quantile(95)
            ax.plot([p95], [0.95], "o", color=colour(SERIES_COLOURS[index]), markersize=4)
            _slo_vertical(ax, analysis, name)
        if _wants_log(samples):
            ax.set_xscale("log")
        ax.axhline(0.95, color=colour("gray"), linewidth=0.8, linestyle=":")
        ax.set_ylim(0, 1.01)
        ax.set_title(f"{title}: cumulative distribution")
        ax.set_xlabel("ms" if title.startswith("HTTP") else "s")
        ax.set_ylabel("fraction at or below")
        _legend(ax, loc="lower right")
    return figure if drawn else None


def latency_histogram(analysis: Analysis) -> Figure | None:
    figure, axes = _figure(1, 2)
    drawn = False
    for ax, (title, names) in zip(axes[0], _latency_groups(analysis), strict=True):
        samples = [analysis.samples[name] for name in names]
        log = _wants_log(samples)
        for index, (name, sample) in enumerate(zip(names, samples, strict=True)):
            if sample.count < 2:
                continue
            edges = _log_bins(sample) if log else np.linspace(sample.min, sample.max, 61)
            if edges is None or edges[0] == edges[-1]:
                continue
            drawn = True
            counts = np.diff(np.searchsorted(sample.values, edges, side="left"))
            counts[-1] += sample.count - int(np.searchsorted(sample.values, edges[-1], side="left"))
            ax.stairs(
                counts / sample.count,
                edges,
                color=colour(SERIES_COLOURS[index]),
                label=_metric_label(name),
                linewidth=1.4,
            )
            _slo_vertical(ax, analysis, name)
        if log:
            ax.set_xscale("log")
        ax.set_title(f"{title}: histogram")
        ax.set_xlabel("ms" if title.startswith("HTTP") else "s")
        ax.set_ylabel("share of values per bin")
        _legend(ax, loc="upper right")
    return figure if drawn else None


# ---------------------------------------------------------------- over time


def percentiles_over_time(analysis: Analysis) -> Figure | None:
    frame = analysis.timeseries.frame
    x, label, divisor = _time_axis(analysis)
    metrics = ("execute_ms", "poll_ms", "end_to_end_s")
    figure, axes = _time_figure(len(metrics))
    percentiles = _percentiles_to_draw(analysis)
    drawn = False
    for ax, name in zip(axes[:, 0], metrics, strict=True):
        for index, p in enumerate(percentiles):
            column = f"{name}_{percentile_key(p)}"
            if column in frame and frame[column].notna().any():
                drawn = True
                ax.plot(x, frame[column], color=colour(SERIES_COLOURS[index]), label=percentile_label(p), linewidth=1.2)
        _slo_horizontal(ax, analysis, name)
        _shade_excluded(ax, analysis, divisor)
        ax.set_ylabel(METRICS[name].unit)
        ax.set_title(f"{METRICS[name].title}, percentiles per {analysis.timeseries.step_s:g} s window")
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, analysis.window.test_duration_s / divisor)
        _legend_outside(ax)
    axes[-1, 0].set_xlabel(label)
    return figure if drawn else None


def throughput_over_time(analysis: Analysis) -> Figure:
    frame = analysis.timeseries.frame
    x, label, divisor = _time_axis(analysis)
    figure, axes = _time_figure(3)
    runs_ax, requests_ax, flight_ax = axes[:, 0]
    for column, name, tint in (
        ("submitted_per_s", "submitted", "blue"),
        ("accepted_per_s", "accepted", "teal"),
        ("finished_per_s", "finished", "green"),
        ("failed_per_s", "failed", "red"),
    ):
        runs_ax.plot(x, frame[column], label=name, color=colour(tint), linewidth=1.2)
    runs_ax.set_title("runs per second")
    runs_ax.set_ylabel("runs/s")
    requests_ax.plot(x, frame["requests_per_s"], label="requests", color=colour("blue"), linewidth=1.2)
    requests_ax.plot(x, frame["http_errors_per_s"], label="HTTP errors", color=colour("red"), linewidth=1.2)
    requests_ax.plot(x, frame["http_429_per_s"], label="429 (rate limited)", color=colour("orange"), linewidth=1.2)
    requests_ax.set_title("requests per second")
    requests_ax.set_ylabel("requests/s")
    flight_ax.plot(x, frame["in_flight"], label="runs in flight", color=colour("purple"), linewidth=1.4)
    flight_ax.set_title("runs in flight (accepted, not yet ended)")
    flight_ax.set_ylabel("runs")
    for column, name in (("users", "users (asked)"), ("target_rate_per_s", "arrivals/s (asked)")):
        if column in frame:
            twin = flight_ax.twinx()
            twin.step(x, frame[column], where="mid", color=colour("gray"), linestyle="--", label=name, linewidth=1)
            twin.set_ylabel(name.split(" (")[0])
            twin.grid(False)
            twin.set_ylim(bottom=0)
            _legend(twin, loc="lower left", bbox_to_anchor=(1.08, 0.0))
    for ax in axes[:, 0]:
        _shade_excluded(ax, analysis, divisor)
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, analysis.window.test_duration_s / divisor)
        _legend_outside(ax)
    if "users" in frame or "target_rate_per_s" in frame:
        # Clear of the second axis's tick labels.
        _legend(flight_ax, loc="upper left", bbox_to_anchor=(1.08, 1.0))
    flight_ax.set_xlabel(label)
    return figure


def latency_against_load(analysis: Analysis) -> Figure | None:
    frame = analysis.timeseries.frame
    load = frame["in_flight"].to_numpy(dtype=float)
    figure, axes = _figure(1, 2)
    drawn = False
    x_time, time_label, _ = _time_axis(analysis)
    for ax, name in zip(axes[0], ("end_to_end_s", "execute_ms"), strict=True):
        column = f"{name}_p95"
        if column not in frame or not frame[column].notna().any():
            continue
        drawn = True
        points = ax.scatter(load, frame[column], c=x_time, cmap="viridis", s=14, alpha=0.85)
        _slo_horizontal(ax, analysis, name)
        ax.set_xlabel("runs in flight")
        ax.set_ylabel(f"p95 {METRICS[name].unit}")
        ax.set_title(f"p95 {METRICS[name].title} against load (one point a window)")
        bar = figure.colorbar(points, ax=ax, pad=0.01)
        bar.set_label(time_label)
    return figure if drawn else None


# ---------------------------------------------------------------- outcomes and errors


def outcome_breakdown(analysis: Analysis) -> Figure:
    figure, axes = _figure(1, 2, height=3.4)
    runs_ax, http_ax = axes[0]
    by_status = {k: v for k, v in analysis.counts.by_status.items() if v}
    names = list(by_status)[::-1]
    values = [by_status[n] for n in names]
    tints = [colour(OUTCOME_COLOURS.get(n, "gray")) for n in names]
    bars = runs_ax.barh(names, values, color=tints)
    runs_ax.bar_label(bars, labels=[fmt.count(v) for v in values], padding=3, fontsize=8)
    runs_ax.set_xscale("log")
    runs_ax.set_title("runs by outcome")
    runs_ax.set_xlabel("runs (log scale)")
    runs_ax.margins(x=0.15)
    codes = analysis.http.by_status_code
    if not codes:
        http_ax.set_axis_off()
        http_ax.text(0.5, 0.5, "no requests recorded", ha="center", va="center", color=colour("gray"))
        return figure
    # 2xx on top, "no response" (status 0) at the bottom.
    names = sorted(codes, key=lambda code: int(code) or 1000, reverse=True)
    values = [codes[n] for n in names]
    tints = [colour(_status_tint(int(n))) for n in names]
    bars = http_ax.barh([n if n != "0" else "no response" for n in names], values, color=tints)
    http_ax.bar_label(bars, labels=[fmt.count(v) for v in values], padding=3, fontsize=8)
    http_ax.set_xscale("log")
    http_ax.set_title("requests by HTTP status")
    http_ax.set_xlabel("requests (log scale)")
    http_ax.margins(x=0.15)
    return figure


def _status_tint(code: int) -> str:
    if code == 429:
        return "orange"
    if code == 0 or code >= 500:
        return "red"
    if code >= 400:
        return "yellow"
    return "green"


def top_errors(analysis: Analysis) -> Figure | None:
    errors = analysis.errors.head(analysis.options.top_errors)
    if errors.empty:
        return None
    figure, axes = _figure(1, 1, height=0.6 + 0.32 * len(errors))
    ax = axes[0, 0]
    labels = [f"[{s}] {_shorten(p, 70)}" for s, p in zip(errors["source"], errors["pattern"], strict=True)][::-1]
    values = errors["count"].to_numpy()[::-1]
    tints = [colour(_source_tint(s)) for s in errors["source"]][::-1]
    bars = ax.barh(labels, values, color=tints)
    ax.bar_label(bars, labels=[fmt.count(v) for v in values], padding=3, fontsize=8)
    ax.set_title(f"top {len(errors)} errors (messages grouped after masking IDs, numbers and URLs)")
    ax.set_xlabel("occurrences")
    ax.margins(x=0.1)
    return figure


def _source_tint(source: str) -> str:
    return {"error_message": "red", "request": "orange", schema.ERROR: "purple"}.get(source, "gray")


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------- breakdowns


def duration_by_workflow(analysis: Analysis) -> Figure | None:
    workflows = [wf for wf in analysis.workflows if wf.samples["duration_in_seconds"].count][:12]
    if not workflows:
        return None
    figure, axes = _figure(1, 1, height=1.0 + 0.38 * len(workflows))
    ax = axes[0, 0]
    stats = []
    for wf in workflows:
        sample = wf.samples["duration_in_seconds"]
        stats.append(
            {
                "label": f"{wf.workflow_id} ({fmt.count(sample.count)})",
                "med": sample.quantile(50),
                "q1": sample.quantile(25),
                "q3": sample.quantile(75),
                "whislo": sample.quantile(1),
                "whishi": sample.quantile(99),
                "mean": sample.mean,
                "fliers": [],
            }
        )
    ax.bxp(
        stats[::-1],
        orientation="horizontal",
        showmeans=True,
        patch_artist=True,
        boxprops={"facecolor": "#ddf4ff", "edgecolor": colour("blue")},
        medianprops={"color": colour("blue"), "linewidth": 1.6},
        meanprops={"marker": "D", "markerfacecolor": colour("orange"), "markeredgecolor": "none", "markersize": 4},
    )
    for row, wf in enumerate(workflows[::-1], start=1):
        p95 = wf.samples["duration_in_seconds"].quantile(95)
        ax.plot([p95], [row], "|", color=colour("red"), markersize=12, markeredgewidth=1.6)
    _slo_vertical(ax, analysis, "duration_in_seconds")
    if _wants_log([wf.samples["duration_in_seconds"] for wf in workflows]):
        ax.set_xscale("log")
    ax.set_title("server duration_in_seconds per workflow (box p25-p75, whiskers p1-p99, | p95, diamond mean)")
    ax.set_xlabel("s")
    return figure


def node_durations(analysis: Analysis) -> Figure | None:
    nodes = analysis.nodes.head(20)
    if nodes.empty:
        return None
    figure, axes = _figure(1, 1, height=0.8 + 0.3 * len(nodes))
    ax = axes[0, 0]
    labels = [
        f"{w} · {n} ({c})"
        for w, n, c in zip(nodes["workflow_id"], nodes["node_id"], nodes["component_id"], strict=True)
    ][::-1]
    p50 = nodes["p50_s"].to_numpy(dtype=float)[::-1]
    p95 = nodes["p95_s"].to_numpy(dtype=float)[::-1]
    ax.barh(labels, p95, color="#b6e3e6", label="p95")
    ax.barh(labels, p50, color=colour("teal"), height=0.5, label="p50")
    ax.set_title(f"node durations, the {len(nodes)} nodes with the most total time")
    ax.set_xlabel("s (gap between consecutive log created_at)")
    _legend(ax, loc="lower right")
    return figure


def end_to_end_decomposition(analysis: Analysis) -> Figure | None:
    if not analysis.decomposition.runs:
        return None
    figure, axes = _figure(1, 2, height=3.8, width_ratios=[1, 1.3])
    bars_ax, time_ax = axes[0]
    rows = [("all runs", analysis.decomposition)] + [
        (wf.workflow_id, wf.decomposition) for wf in analysis.workflows[:10] if wf.decomposition.runs
    ]
    labels = [name for name, _ in rows][::-1]
    left = np.zeros(len(rows))
    for name, title in COMPONENTS.items():
        widths = np.array([d.means[name] or 0.0 for _, d in rows])[::-1]
        bars_ax.barh(labels, widths, left=left, color=COMPONENT_COLOURS[name], label=title)
        left += widths
    bars_ax.set_title("mean end-to-end time, by part")
    bars_ax.set_xlabel("s")
    frame = analysis.timeseries.frame
    x, label, divisor = _time_axis(analysis)
    stacks = [np.nan_to_num(frame[f"{name}_mean"].to_numpy(dtype=float)) for name in COMPONENTS]
    time_ax.stackplot(
        x, stacks, labels=list(COMPONENTS.values()), colors=[COMPONENT_COLOURS[n] for n in COMPONENTS], alpha=0.9
    )
    _shade_excluded(time_ax, analysis, divisor)
    time_ax.set_title("mean end-to-end time by part, over time (by submission)")
    time_ax.set_xlabel(label)
    time_ax.set_ylabel("s")
    time_ax.set_xlim(0, analysis.window.test_duration_s / divisor)
    _legend_outside(time_ax)
    return figure


FIGURES: list[tuple[str, str, str, Callable[[Analysis], Figure | None]]] = [
    ("latency-cdf", "Latency distributions (CDF)", "Exact, from every record; dots mark p95.", latency_cdf),
    (
        "latency-histogram",
        "Latency distributions (histogram)",
        "Share of values per bin; log bins when values span decades.",
        latency_histogram,
    ),
    (
        "percentiles-over-time",
        "Percentiles over time",
        "Percentiles per window, from the raw records of the window.",
        percentiles_over_time,
    ),
    (
        "throughput",
        "Throughput and runs in flight",
        "Rates per window; runs in flight at each window's middle.",
        throughput_over_time,
    ),
    (
        "latency-vs-load",
        "Latency against load",
        "Each point a window: its p95 against the runs in flight.",
        latency_against_load,
    ),
    (
        "decomposition",
        "End-to-end decomposition",
        "Acceptance, queue wait, execution and detection lag add up to the end-to-end time.",
        end_to_end_decomposition,
    ),
    ("outcomes", "Outcomes", "Runs by outcome and requests by status (log scales).", outcome_breakdown),
    ("top-errors", "Top errors", "Error messages grouped by shape.", top_errors),
    (
        "duration-by-workflow",
        "Server duration per workflow",
        "duration_in_seconds as the server reported it.",
        duration_by_workflow,
    ),
    ("node-durations", "Per-node durations", "From consecutive log entries of each run.", node_durations),
]
