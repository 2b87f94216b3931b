"""report.html: one self-contained file (styles inline, figures as PNG data
URIs, no script, no URL outside the file), laid out from the Jinja template
``templates/report.html.j2``."""

from __future__ import annotations

import base64
import struct
from datetime import UTC, datetime

from analysis import formatting as fmt
from analysis import tables
from analysis.headline import ATTENTION, INCOMPLETE, Headline
from analysis.metrics import Analysis
from analysis.plots import Plot
from analysis.summary import SUMMARY_VERSION, generator_version
from analysis.templating import render

SECTIONS = [
    ("headline", "Headline"),
    ("test", "Test"),
    ("latency", "Latency"),
    ("over-time", "Over time"),
    ("decomposition", "Where time goes"),
    ("outcomes", "Outcomes"),
    ("errors", "Errors"),
    ("http", "HTTP"),
    ("workflows", "Workflows"),
    ("nodes", "Nodes"),
    ("anomalies", "Anomalies"),
    ("notes", "Notes"),
]

STATUS_TEXT = {
    "ok": "The test ran to its end and recorded nothing that needs weighing before reading its figures.",
    ATTENTION: "The figures stand, but the test recorded something to weigh before reading them:",
    INCOMPLETE: "The test did not end normally: the figures cover only what reached disk.",
}


def render_html(analysis: Analysis, head: Headline, plots: list[Plot]) -> str:
    results = analysis.results
    window = analysis.window
    target = results.meta.get("target") if isinstance(results.meta.get("target"), dict) else {}
    counts = analysis.counts
    context = {
        "title": f"{results.path.name}",
        "subtitle": " · ".join(
            [
                str(target.get("host") or "unknown target"),
                fmt.timestamp(window.test_start),
                fmt.seconds(window.test_duration_s),
                f"{results.meta.get('model') or 'closed'} model",
                f"{fmt.count(counts.attempts)} runs",
                f"{fmt.count(analysis.http.requests)} requests",
            ]
        ),
        "sections": SECTIONS,
        "headline": head,
        "status_text": STATUS_TEXT[head.status],
        "notes": analysis.notes,
        "plots": {plot.key: _embedded(plot) for plot in plots},
        "tables": {
            "test": tables.test_table(analysis),
            "distributions": tables.distribution_table(analysis),
            "throughput": tables.throughput_table(analysis),
            "decomposition": tables.decomposition_table(analysis),
            "outcomes": tables.outcome_table(analysis),
            "run_rates": tables.rate_table(analysis, "run"),
            "http_rates": tables.rate_table(analysis, "http"),
            "harness_rates": tables.rate_table(analysis, "harness"),
            "errors": tables.error_table(analysis),
            "routes": tables.route_table(analysis),
            "workflows": tables.workflow_table(analysis),
            "nodes": tables.node_stats_table(analysis, "nodes"),
            "components": tables.node_stats_table(analysis, "components"),
            "anomalies": tables.anomaly_table(analysis),
        },
        "rejected": ", ".join(f"{code}: {fmt.count(n)}" for code, n in counts.rejected_by_status.items()),
        "step": f"{analysis.timeseries.step_s:g} s",
        "excluded": bool(window.warmup_s or window.cooldown_s),
        "anomaly_text": _anomaly_text(analysis),
        "summary_version": SUMMARY_VERSION,
        "version": generator_version(),
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    return render("report.html.j2", **context)


def _embedded(plot: Plot) -> dict[str, object]:
    width, height = png_size(plot.png)
    return {
        "key": plot.key,
        "title": plot.title,
        "caption": plot.caption,
        "data": base64.b64encode(plot.png).decode("ascii"),
        # The intrinsic size lets the browser lay the page out before decoding.
        "width": width,
        "height": height,
    }


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    return struct.unpack(">II", png[16:24])


def _anomaly_text(analysis: Analysis) -> str:
    anomalies = analysis.anomalies
    if not anomalies.runs_with_anomalies:
        return "No run showed a departure from the published contract."
    return (
        f"{fmt.count(anomalies.runs_with_anomalies)} of {fmt.count(anomalies.runs)} runs showed departures from "
        "the published contract (recorded, never fatal); a run may show several kinds."
    )
