"""summary.json: the figures of a report as stable, versioned data.

Built for machines (CI budgets, baselines, trends): a metric name and a
statistic address a value directly, ``summary["metrics"]["end_to_end_s"]
["p95"]``, a rate by its name, ``summary["rates"]["failed"]``, and the same
inside ``summary["workflows"][id]``. Keys never depend on the data or the
options (every outcome, anomaly kind and standard percentile is present,
with 0 or null); new keys may be added within a ``summary_version``, none is
removed or changes meaning. docs/analysis.md lists every key.
"""

from __future__ import annotations

import math
from importlib import metadata
from typing import Any

import orjson
import pandas as pd

from analysis.decomposition import COMPONENTS, Decomposition
from analysis.headline import Headline, headline
from analysis.metrics import METRICS, REQUIRED_METRICS, Analysis
from analysis.outcomes import RunCounts
from analysis.stats import Proportion, Sample, describe, percentile_key

SUMMARY_VERSION = 1
# Error groups kept in the summary (the report shows the top few).
ERRORS_KEPT = 50


def build_summary(analysis: Analysis, head: Headline | None = None) -> dict[str, Any]:
    """The summary.json document of an analysis (``head`` is computed when not given)."""
    head = head or headline(analysis)
    percentiles = analysis.options.summary_percentiles
    return {
        "summary_version": SUMMARY_VERSION,
        "generator": {"name": "wfload", "version": generator_version()},
        "results": _results_block(analysis),
        "window": _window_block(analysis),
        "headline": {"status": head.status, "reasons": head.reasons},
        # Reserved for the verdict on budgets (a later command fills it).
        "verdict": None,
        "percentiles": list(percentiles),
        "runs": runs_block(analysis.counts),
        "rates": {name: rate.value for name, rate in analysis.rates.items()},
        "rate_details": {name: rate_block(rate) for name, rate in analysis.rates.items()},
        "metrics": {
            name: metric_block(analysis.samples.get(name, Sample([])), METRICS[name].unit, percentiles)
            for name in METRICS
            if name in REQUIRED_METRICS or name in analysis.samples
        },
        "http": _http_block(analysis, percentiles),
        "throughput": dict(analysis.throughput),
        "decomposition": decomposition_block(analysis.decomposition),
        "workflows": {
            wf.workflow_id: {
                "runs": runs_block(wf.counts),
                "rates": {name: rate.value for name, rate in wf.rates.items()},
                "rate_details": {name: rate_block(rate) for name, rate in wf.rates.items()},
                "metrics": {
                    name: metric_block(sample, METRICS[name].unit, percentiles) for name, sample in wf.samples.items()
                },
                "throughput": dict(wf.throughput),
                "decomposition": decomposition_block(wf.decomposition),
            }
            for wf in analysis.workflows
        },
        "nodes": _records(analysis.nodes),
        "components": _records(analysis.components),
        "errors": _records(analysis.errors.head(ERRORS_KEPT)),
        "harness": _harness_block(analysis),
        "anomalies": {
            "runs_with_anomalies": analysis.anomalies.runs_with_anomalies,
            "by_kind": analysis.anomalies.by_kind,
        },
        "notes": analysis.notes,
    }


def runs_block(counts: RunCounts) -> dict[str, Any]:
    failure = counts.failure_rate
    return {
        "attempts": counts.attempts,
        "submitted": counts.submitted,
        "accepted": counts.accepted,
        "terminal": counts.terminal,
        "retried": counts.retried,
        "by_status": counts.by_status,
        "rejected_by_status": counts.rejected_by_status,
        "failure_rate": failure.value,
        "failure_rate_ci95": _pair(failure.interval()),
    }


def rate_block(rate: Proportion) -> dict[str, Any]:
    return {
        "level": rate.level,
        "numerator": rate.numerator,
        "denominator": rate.denominator,
        "of": rate.of,
        "value": rate.value,
        "ci95": _pair(rate.interval()),
    }


def metric_block(sample: Sample, unit: str, percentiles: tuple[float, ...]) -> dict[str, Any]:
    d = describe(sample, unit, percentiles)
    block: dict[str, Any] = {"unit": unit, "count": d.count, "mean": d.mean, "min": d.min, "max": d.max}
    block.update({percentile_key(p): d.percentiles[p] for p in percentiles})
    block["ci95"] = {percentile_key(p): list(d.intervals[p]) for p in percentiles}
    return block


def decomposition_block(decomposition: Decomposition) -> dict[str, Any]:
    return {
        "runs": decomposition.runs,
        "mean_s": {name: decomposition.means.get(name) for name in COMPONENTS},
        "end_to_end_mean_s": decomposition.end_to_end_mean,
        "clock_skew_runs": decomposition.clock_skew_runs,
    }


def _results_block(analysis: Analysis) -> dict[str, Any]:
    results = analysis.results
    meta = results.meta
    target = meta.get("target") if isinstance(meta.get("target"), dict) else {}
    return {
        "path": str(results.path),
        "schema_version": meta.get("schema_version"),
        "status": results.status,
        "complete": results.complete,
        "killed": results.killed,
        "started_at": meta.get("started_at"),
        "ended_at": meta.get("ended_at"),
        "model": meta.get("model"),
        "open_model": analysis.open_model,
        "target_host": target.get("host"),
        "embedded_simulator": target.get("embedded_simulator"),
        "workers": meta.get("workers"),
    }


def _window_block(analysis: Analysis) -> dict[str, Any]:
    window = analysis.window
    return {
        "test_start": window.test_start,
        "test_end": window.test_end,
        "test_duration_s": window.test_duration_s,
        "start": window.start,
        "end": window.end,
        "duration_s": window.duration_s,
        "warmup_s": window.warmup_s,
        "cooldown_s": window.cooldown_s,
        "timeseries_step_s": analysis.timeseries.step_s,
    }


def _http_block(analysis: Analysis, percentiles: tuple[float, ...]) -> dict[str, Any]:
    http = analysis.http
    return {
        "requests": http.requests,
        "by_status_code": http.by_status_code,
        "by_route": {
            f"{route.method} {route.route}": {
                "route": route.route,
                "method": route.method,
                "requests": route.requests,
                "by_status_code": route.by_status_code,
                "errors": route.errors.numerator,
                "error_rate": route.errors.value,
                "error_rate_ci95": _pair(route.errors.interval()),
                "rate_limited": route.rate_limited,
                "latency_ms": metric_block(route.latency, "ms", percentiles),
            }
            for route in http.routes
        },
    }


def _harness_block(analysis: Analysis) -> dict[str, Any]:
    events = analysis.results.events
    rate = analysis.rates["harness_error"]
    return {
        "errors": rate.numerator,
        "error_rate": rate.value,
        "workers_lost": sum(1 for e in events if e.get("event") == "worker_lost"),
        "aborts": [str(e.get("reason", "")) for e in events if e.get("event") == "abort"],
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _plain(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _pair(bounds: tuple[float | None, float | None] | None) -> list[float | None] | None:
    return None if bounds is None else [bounds[0], bounds[1]]


def generator_version() -> str | None:
    """The installed wfload's version (None when run from a bare checkout)."""
    try:
        return metadata.version("wfload")
    except metadata.PackageNotFoundError:
        return None


def dumps(summary: dict[str, Any]) -> bytes:
    """The JSON text: indented, keys in the order built, NaN as null."""
    return orjson.dumps(summary, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
