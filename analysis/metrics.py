"""From the tables of a results directory to every figure a report shows.

``analyse(results, options)`` computes it all once, from the raw records:
the distributions (sorted samples), the failure rates of the three levels,
HTTP figures, throughput, the time series, the decomposition of end-to-end
time, the breakdowns per workflow and per node, the error taxonomy and the
anomaly counts. Plots and documents only format what it returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema
from analysis.anomalies import AnomalyCounts, count_anomalies
from analysis.decomposition import COMPONENTS, Decomposition, components, decompose
from analysis.frames import floats, is_in
from analysis.httpstats import HttpStats, http_stats
from analysis.load import Results
from analysis.nodes import node_durations, node_table
from analysis.options import ReportOptions
from analysis.outcomes import RunCounts, count_runs, run_rates
from analysis.progress import Progress, silent
from analysis.stats import Distribution, Proportion, Sample, describe
from analysis.taxonomy import group_messages
from analysis.throughput import request_throughput, run_throughput
from analysis.timeseries import TimeSeries, build_timeseries
from analysis.window import Window, measurement_window, run_times
from analysis.workflows import WorkflowBreakdown, breakdowns


@dataclass(frozen=True)
class Metric:
    unit: str
    title: str
    means: str


METRICS: dict[str, Metric] = {
    "execute_ms": Metric("ms", "execute latency", "latency of the execute request that got the run accepted"),
    "poll_ms": Metric("ms", "poll latency", "latency of 2xx answers to GET /workflows/runs/{id}"),
    "end_to_end_s": Metric(
        "s", "end-to-end time", "from sending the execute to receiving the poll that showed the run ended"
    ),
    "duration_in_seconds": Metric("s", "server duration", "the server's duration_in_seconds of the run"),
    "overhead_s": Metric(
        "s",
        "overhead",
        "end_to_end_s - duration_in_seconds: acceptance, queue wait and detection lag (no clock agreement needed)",
    ),
    "acceptance_s": Metric("s", "acceptance", "accepted_at - submitted_at (the execute, with its retries)"),
    "queue_wait_s": Metric("s", "queue wait", "started_at (server) - accepted_at (harness)"),
    "execution_s": Metric("s", "execution", "completed_at - started_at (both the server's)"),
    "detection_lag_s": Metric("s", "detection lag", "from completed_at (server) to the poll that saw it (harness)"),
    "start_lag_s": Metric("s", "start lag", "open model: how late runs were submitted after their arrival"),
    "corrected_end_to_end_s": Metric(
        "s", "corrected end-to-end time", "end_to_end_s + start_lag_s: as a user arriving on time saw it"
    ),
}
# Metrics every summary has, whatever the data.
REQUIRED_METRICS = ("execute_ms", "poll_ms", "end_to_end_s", "duration_in_seconds", "overhead_s")
# Metrics of the per-workflow breakdowns.
WORKFLOW_METRICS = ("execute_ms", "end_to_end_s", "duration_in_seconds", "overhead_s")


@dataclass
class Analysis:
    results: Results
    options: ReportOptions
    window: Window
    counts: RunCounts
    rates: dict[str, Proportion]
    samples: dict[str, Sample]
    http: HttpStats
    throughput: dict[str, float | None]
    timeseries: TimeSeries
    decomposition: Decomposition
    workflows: list[WorkflowBreakdown]
    nodes: pd.DataFrame
    components: pd.DataFrame
    errors: pd.DataFrame
    anomalies: AnomalyCounts
    open_model: bool
    notes: list[str]

    def distribution(self, name: str, percentiles: tuple[float, ...] | None = None) -> Distribution:
        return describe(
            self.samples.get(name, Sample([])),
            METRICS[name].unit,
            percentiles or self.options.percentiles,
            self.options.confidence,
        )


def analyse(results: Results, options: ReportOptions | None = None, progress: Progress | None = None) -> Analysis:
    options = options or ReportOptions()
    progress = progress or silent()
    window = measurement_window(results, options.warmup_s, options.cooldown_s)
    runs, requests = results.runs, results.requests
    included = window.contains(run_times(runs))
    requests_included = window.contains(floats(requests, "t"))
    measured_runs = runs if included.all() else runs.iloc[np.flatnonzero(included)]
    measured_requests = requests if requests_included.all() else requests.iloc[np.flatnonzero(requests_included)]

    with progress.step("computing distributions"):
        parts = components(runs)
        values = per_run_values(runs, parts)
        open_model = "start_lag_s" in values
        http = http_stats(measured_requests)
        samples = {name: Sample(column[included]) for name, column in values.items()}
        poll = http.route(schema.RUN_ROUTE, "GET")
        samples["poll_ms"] = poll.latency if poll else Sample([])
        counts = count_runs(measured_runs)
    with progress.step("computing time series"):
        series = build_timeseries(
            runs, requests, parts, results.events, window, list(options.percentiles), options.window_s
        )
    with progress.step("computing breakdowns"):
        workflows = breakdowns(
            runs, included, {name: values[name] for name in WORKFLOW_METRICS if name in values}, parts, window
        )
        durations = node_durations(results.nodes, runs, included)
        percentiles = options.summary_percentiles
        node_stats = node_table(durations, ["workflow_id", "node_id", "component_id"], percentiles)
        component_stats = node_table(durations, ["component_id"], percentiles)
        errors = error_taxonomy(runs, included, measured_requests)
    decomposition = decompose(parts, included)
    throughput = run_throughput(runs, window)
    throughput["requests_per_s"] = request_throughput(requests, window)
    throughput.update(_peaks(series, window))
    notes = _notes(results, window, included, requests_included, decomposition, durations.negative)
    return Analysis(
        results=results,
        options=options,
        window=window,
        counts=counts,
        rates={**run_rates(counts), **http.rates},
        samples=samples,
        http=http,
        throughput=throughput,
        timeseries=series,
        decomposition=decomposition,
        workflows=workflows,
        nodes=node_stats,
        components=component_stats,
        errors=errors,
        anomalies=count_anomalies(measured_runs),
        open_model=open_model,
        notes=notes,
    )


def per_run_values(runs: pd.DataFrame, parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each run-level metric as an array aligned with ``runs`` (NaN where a
    run has no such value). Start lag and the corrected end-to-end time only
    appear when some run started late (the open model)."""
    end_to_end = floats(runs, "end_to_end_s")
    duration = floats(runs, "duration_in_seconds")
    accepted = ~np.isnan(floats(runs, "accepted_at"))
    values = {
        "execute_ms": np.where(accepted, floats(runs, "execute_ms"), np.nan),
        "end_to_end_s": end_to_end,
        "duration_in_seconds": duration,
        "overhead_s": np.round(end_to_end - duration, 6),
        **parts,
    }
    start_lag = floats(runs, "start_lag_s")
    if np.nanmax(np.abs(start_lag), initial=0.0) > 0:
        values["start_lag_s"] = start_lag
        values["corrected_end_to_end_s"] = np.round(end_to_end + np.nan_to_num(start_lag), 6)
    return values


def error_taxonomy(runs: pd.DataFrame, included: np.ndarray, requests: pd.DataFrame) -> pd.DataFrame:
    """Every error message, grouped: the server's ``error_message`` on runs,
    the harness's ``detail`` per non-terminal outcome (the ``error`` source
    is the harness's own failures), and the errors of requests that got no
    response."""
    rows = np.flatnonzero(included)
    measured = runs.iloc[rows]
    finished = floats(measured, "finished_at")
    tables = [
        group_messages(measured["error_message"], finished, measured["workflow_id"], "error_message"),
    ]
    for outcome in schema.OUTCOMES:
        if outcome in schema.TERMINAL_OUTCOMES:
            continue
        mask = is_in(measured["outcome"], outcome)
        if mask.any():
            subset = measured.iloc[np.flatnonzero(mask)]
            tables.append(group_messages(subset["detail"], finished[mask], subset["workflow_id"], outcome))
    failed_requests = requests["error"].notna().to_numpy()
    if failed_requests.any():
        subset = requests.iloc[np.flatnonzero(failed_requests)]
        tables.append(group_messages(subset["error"], floats(subset, "t"), subset["route"], "request"))
    tables = [t for t in tables if not t.empty]
    if not tables:
        return group_messages(pd.Series([], dtype="category"), np.array([]))
    combined = pd.concat(tables, ignore_index=True)
    return combined.sort_values(
        ["count", "source", "pattern"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def _peaks(series: TimeSeries, window: Window) -> dict[str, float | None]:
    frame = series.frame
    middles = series.start + frame["t_s"].to_numpy() + series.step_s / 2
    inside = window.contains(middles)
    if not inside.any():
        return {"peak_requests_per_s": None, "peak_runs_in_flight": None, "mean_runs_in_flight": None}
    return {
        "peak_requests_per_s": float(frame["requests_per_s"].to_numpy()[inside].max()),
        "peak_runs_in_flight": float(frame["in_flight"].to_numpy()[inside].max()),
        "mean_runs_in_flight": float(frame["in_flight"].to_numpy()[inside].mean()),
    }


def _notes(
    results: Results,
    window: Window,
    included: np.ndarray,
    requests_included: np.ndarray,
    decomposition: Decomposition,
    negative_nodes: int,
) -> list[str]:
    """What a reader of the report must know, the writer's notes first."""
    notes = [str(note) for note in results.meta.get("notes") or []]
    notes += results.notes
    if results.killed:
        notes.append("the test was killed (meta.json still says running): figures cover what reached disk")
    if window.warmup_s or window.cooldown_s:
        notes.append(
            f"warm-up {window.warmup_s:g} s and cool-down {window.cooldown_s:g} s left out of the statistics: "
            f"{int((~included).sum())} run(s) and {int((~requests_included).sum())} request(s)"
        )
    if decomposition.clock_skew_runs:
        notes.append(
            f"{decomposition.clock_skew_runs} run(s) started before their execute was sent or ended after a poll "
            "saw them end: the server's clock and the harness's disagree, which shifts time between queue wait "
            "and detection lag; overhead_s does not depend on them"
        )
    if negative_nodes:
        notes.append(f"{negative_nodes} node log entries are dated before the previous one and are left out")
    return notes


__all__ = ["COMPONENTS", "METRICS", "Analysis", "analyse"]
