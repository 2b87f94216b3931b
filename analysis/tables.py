"""The report's tables, formatted once for both documents (HTML and
Markdown): a header and rows of cells, each cell a text and an optional
second line (a confidence interval, a denominator)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from analysis import formatting as fmt
from analysis import schema
from analysis.decomposition import COMPONENTS
from analysis.metrics import METRICS, Analysis
from analysis.stats import Proportion, percentile_key, percentile_label


@dataclass(frozen=True)
class Cell:
    text: str
    sub: str = ""
    numeric: bool = True


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.rows


def text(value: str) -> Cell:
    return Cell(value, numeric=False)


DISTRIBUTION_METRICS = ("execute_ms", "poll_ms", "end_to_end_s", "duration_in_seconds", "overhead_s")
OPEN_MODEL_METRICS = ("start_lag_s", "corrected_end_to_end_s")


def distribution_table(analysis: Analysis, names: tuple[str, ...] | None = None) -> Table:
    names = names or DISTRIBUTION_METRICS + tuple(n for n in OPEN_MODEL_METRICS if n in analysis.samples)
    percentiles = analysis.options.percentiles
    table = Table(["metric", "count", "mean", *[percentile_label(p) for p in percentiles], "max"])
    for name in names:
        d = analysis.distribution(name)
        metric = METRICS[name]
        row = [
            Cell(name, f"{metric.title}, {metric.unit}", numeric=False),
            Cell(fmt.count(d.count)),
            Cell(fmt.number(d.mean)),
        ]
        row += [
            Cell(fmt.number(d.percentiles[p]), fmt.interval(d.intervals[p]) if d.count else "") for p in percentiles
        ]
        row.append(Cell(fmt.number(d.max)))
        table.rows.append(row)
    return table


def rate_table(analysis: Analysis, level: str) -> Table:
    table = Table(["rate", "count", "of", "rate", "95% CI"])
    for rate in analysis.rates.values():
        if rate.level == level:
            table.rows.append(_rate_row(rate))
    return table


def _rate_row(rate: Proportion) -> list[Cell]:
    return [
        text(rate.name),
        Cell(fmt.count(rate.numerator)),
        Cell(fmt.count(rate.denominator), rate.of),
        Cell(fmt.percent(rate.value)),
        Cell(fmt.percent_interval(rate.interval())),
    ]


def outcome_table(analysis: Analysis) -> Table:
    counts = analysis.counts
    table = Table(["outcome", "runs", "share of attempts"])
    for outcome, number in counts.by_status.items():
        share = number / counts.attempts if counts.attempts else None
        table.rows.append([text(outcome), Cell(fmt.count(number)), Cell(fmt.percent(share))])
    return table


def throughput_table(analysis: Analysis) -> Table:
    t = analysis.throughput
    rows = [
        ("runs submitted", t["runs_submitted_per_s"], "runs/s"),
        ("runs accepted", t["runs_accepted_per_s"], "runs/s"),
        ("runs finished", t["runs_finished_per_s"], "runs/s"),
        ("runs completed", t["runs_completed_per_s"], "runs/s"),
        ("requests", t["requests_per_s"], "requests/s"),
        ("peak requests (one window)", t["peak_requests_per_s"], "requests/s"),
        ("runs in flight, mean", t["mean_runs_in_flight"], "runs"),
        ("runs in flight, peak", t["peak_runs_in_flight"], "runs"),
    ]
    return Table(["figure", "value"], [[text(name), Cell(fmt.quantity(v, unit))] for name, v, unit in rows])


def decomposition_table(analysis: Analysis) -> Table:
    d = analysis.decomposition
    table = Table(["part", "mean", "share of mean", "p50", "p95", "p99", "what it measures"])
    total = d.end_to_end_mean
    for name in [*COMPONENTS, "overhead_s"]:
        sample = analysis.samples.get(name)
        mean = d.means.get(name) if name in COMPONENTS else (sample.mean if sample else None)
        share = mean / total if (name in COMPONENTS and mean is not None and total) else None
        table.rows.append(
            [
                Cell(name, METRICS[name].title, numeric=False),
                Cell(fmt.quantity(mean, "s")),
                Cell(fmt.percent(share)),
                *[Cell(fmt.quantity(sample.quantile(p) if sample else None, "s")) for p in (50, 95, 99)],
                text(METRICS[name].means),
            ]
        )
    return table


def workflow_table(analysis: Analysis) -> Table:
    table = Table(
        [
            "workflow",
            "runs",
            "completed",
            "failed",
            "failure rate",
            "p50 end-to-end",
            "p95 end-to-end",
            "p95 execute",
            "p95 duration",
            "p95 overhead",
            "finished/s",
        ]
    )
    for wf in analysis.workflows:
        failure = wf.counts.failure_rate
        s = wf.samples
        table.rows.append(
            [
                text(wf.workflow_id),
                Cell(fmt.count(wf.counts.attempts)),
                Cell(fmt.count(wf.counts.by_status[schema.COMPLETED])),
                Cell(fmt.count(wf.counts.by_status[schema.FAILED])),
                Cell(fmt.percent(failure.value), fmt.percent_interval(failure.interval())),
                Cell(fmt.quantity(s["end_to_end_s"].quantile(50), "s")),
                Cell(fmt.quantity(s["end_to_end_s"].quantile(95), "s"), fmt.interval(s["end_to_end_s"].interval(95))),
                Cell(fmt.quantity(s["execute_ms"].quantile(95), "ms")),
                Cell(fmt.quantity(s["duration_in_seconds"].quantile(95), "s")),
                Cell(fmt.quantity(s["overhead_s"].quantile(95), "s")),
                Cell(fmt.number(wf.throughput["runs_finished_per_s"])),
            ]
        )
    return table


def route_table(analysis: Analysis) -> Table:
    table = Table(["route", "requests", "status codes", "error rate", "429", "p50", "p95", "p99", "max"])
    for route in analysis.http.routes:
        latency = route.latency
        table.rows.append(
            [
                Cell(f"{route.method} {route.route}", numeric=False),
                Cell(fmt.count(route.requests)),
                text(", ".join(f"{_status_name(c)}: {fmt.count(n)}" for c, n in route.by_status_code.items())),
                Cell(fmt.percent(route.errors.value), fmt.percent_interval(route.errors.interval())),
                Cell(fmt.count(route.rate_limited)),
                *[
                    Cell(fmt.quantity(latency.quantile(p), "ms"), fmt.interval(latency.interval(p)))
                    for p in (50, 95, 99)
                ],
                Cell(fmt.quantity(latency.max, "ms")),
            ]
        )
    return table


def _status_name(code: str) -> str:
    return "no response" if code == "0" else code


def error_table(analysis: Analysis, limit: int | None = None) -> Table:
    errors = analysis.errors.head(limit or analysis.options.top_errors)
    table = Table(["source", "error (masked)", "count", "first seen", "last seen", "where", "example"])
    for row in errors.itertuples(index=False):
        table.rows.append(
            [
                text(row.source),
                text(row.pattern),
                Cell(fmt.count(row.count)),
                Cell(fmt.timestamp(row.first_seen)),
                Cell(fmt.timestamp(row.last_seen)),
                text(row.labels),
                text(row.example),
            ]
        )
    return table


def node_stats_table(analysis: Analysis, frame_name: str = "nodes", limit: int = 50) -> Table:
    frame = getattr(analysis, frame_name).head(limit)
    keys = ["workflow_id", "node_id", "component_id"] if frame_name == "nodes" else ["component_id"]
    percentiles = analysis.options.percentiles
    table = Table(
        [
            *[k.removesuffix("_id") for k in keys],
            "count",
            "errors",
            "mean",
            *[percentile_label(p) for p in percentiles],
            "max",
            "share of time",
        ]
    )
    for row in frame.to_dict(orient="records"):
        table.rows.append(
            [text(str(row[k])) for k in keys]
            + [
                Cell(fmt.count(row["count"])),
                Cell(fmt.count(row["errors"])),
                Cell(fmt.quantity(row["mean_s"], "s")),
                *[Cell(fmt.quantity(row.get(f"{percentile_key(p)}_s"), "s")) for p in percentiles],
                Cell(fmt.quantity(row["max_s"], "s")),
                Cell(fmt.percent(_finite(row["share"]))),
            ]
        )
    return table


def anomaly_table(analysis: Analysis) -> Table:
    anomalies = analysis.anomalies
    table = Table(["kind", "runs", "share of runs"])
    for kind, number in anomalies.by_kind.items():
        share = number / anomalies.runs if anomalies.runs else None
        table.rows.append([text(kind), Cell(fmt.count(number)), Cell(fmt.percent(share))])
    return table


# Config keys whose values are never shown, whatever the writer did.
_SECRET = re.compile(r"token|secret|password|passwd|authori[sz]ation|api[_-]?key|cookie|bearer", re.IGNORECASE)


def _generators(workers: list[int]) -> str:
    if not workers:
        return fmt.DASH
    if workers == [0]:
        return "1 process"
    return f"{len(workers)} worker processes ({', '.join(str(w) for w in workers)})"


def redact(config: Any) -> Any:
    """A copy of ``config`` with secret-looking values replaced (counts of
    tokens, being numbers, are kept)."""
    if isinstance(config, dict):
        return {
            key: ("<redacted>" if _SECRET.search(str(key)) and value is not None and not isinstance(value, int | float)
                  else redact(value))
            for key, value in config.items()
        }
    if isinstance(config, list):
        return [redact(item) for item in config]
    return config


def test_table(analysis: Analysis) -> Table:
    results = analysis.results
    meta = results.meta
    window = analysis.window
    target = meta.get("target") if isinstance(meta.get("target"), dict) else {}
    versions = meta.get("versions") if isinstance(meta.get("versions"), dict) else {}
    rows = [
        ("results", str(results.path)),
        ("status", results.status + ("" if results.complete else " (incomplete)" if results.killed else "")),
        (
            "target",
            f"{target.get('host', fmt.DASH)}" + (" (embedded simulator)" if target.get("embedded_simulator") else ""),
        ),
        ("model", str(meta.get("model") or fmt.DASH)),
        ("started", fmt.timestamp(window.test_start)),
        ("ended", fmt.timestamp(window.test_end)),
        ("duration", fmt.seconds(window.test_duration_s)),
        (
            "measured",
            f"{fmt.seconds(window.duration_s)} "
            f"(warm-up {window.warmup_s:g} s, cool-down {window.cooldown_s:g} s left out)",
        ),
        ("load generators", _generators(meta.get("workers") or [])),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items() if v) or fmt.DASH),
        ("git revision", str(meta.get("git_revision") or fmt.DASH)),
        ("time-series window", f"{analysis.timeseries.step_s:g} s"),
    ]
    config = redact(meta.get("config") or {})
    if isinstance(config, dict):
        rows += [(f"config: {key}", _plain(value)) for key, value in config.items()]
    return Table(["", ""], [[text(k), text(v)] for k, v in rows])


def _plain(value: Any) -> str:
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None
