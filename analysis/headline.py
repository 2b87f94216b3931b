"""The headline: the few figures a reader wants first, and whether the test
itself can be trusted.

The status judges the *measurement*, not the service (budgets and the
verdict on them come later): ``incomplete`` when the test was killed or
crashed, ``attention`` when it recorded something a reader must weigh
(harness errors, contract anomalies, runs lost or left unfinished, a worker
lost, an early stop), ``ok`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis import formatting as fmt
from analysis import schema
from analysis.metrics import Analysis

OK = "ok"
ATTENTION = "attention"
INCOMPLETE = "incomplete"


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str


@dataclass(frozen=True)
class Headline:
    status: str
    reasons: list[str]
    figures: list[Figure]


def headline(analysis: Analysis) -> Headline:
    reasons_incomplete, reasons_attention = _reasons(analysis)
    if reasons_incomplete:
        status = INCOMPLETE
    elif reasons_attention:
        status = ATTENTION
    else:
        status = OK
    return Headline(status, reasons_incomplete + reasons_attention, _figures(analysis))


def _reasons(analysis: Analysis) -> tuple[list[str], list[str]]:
    results = analysis.results
    incomplete: list[str] = []
    attention: list[str] = []
    if results.killed:
        incomplete.append("the test was killed before it ended (meta.json still says running)")
    elif results.status == "crashed":
        incomplete.append("the harness crashed during the test")
    elif results.status == "interrupted":
        attention.append("the test was stopped early (interrupted) and drained what it could")
    by_status = analysis.counts.by_status
    for outcome, words in (
        (schema.ERROR, "harness error(s)"),
        (schema.LOST, "run(s) lost by the server"),
        (schema.UNKNOWN, "run(s) with an unknown outcome"),
        (schema.TIMED_OUT, "run(s) timed out"),
        (schema.UNFINISHED, "run(s) unfinished when the test ended"),
    ):
        if by_status.get(outcome):
            attention.append(f"{fmt.count(by_status[outcome])} {words}")
    if analysis.anomalies.runs_with_anomalies:
        attention.append(f"{fmt.count(analysis.anomalies.runs_with_anomalies)} run(s) with contract anomalies")
    lost_workers = sum(1 for e in results.events if e.get("event") == "worker_lost")
    if lost_workers:
        attention.append(f"{lost_workers} worker(s) lost during the test")
    if results.meta.get("notes"):
        attention.append(f"{len(results.meta['notes'])} note(s) from the harness")
    return incomplete, attention


def _figures(analysis: Analysis) -> list[Figure]:
    counts = analysis.counts
    failure = counts.failure_rate
    e2e = analysis.samples["end_to_end_s"]
    execute = analysis.samples["execute_ms"]
    throughput = analysis.throughput
    http = analysis.rates
    return [
        Figure(
            "runs",
            fmt.count(counts.accepted),
            f"accepted of {fmt.count(counts.submitted)} submitted; {fmt.count(counts.terminal)} ended",
        ),
        Figure(
            "failure rate",
            fmt.percent(failure.value),
            f"{fmt.count(failure.numerator)} failed of {fmt.count(failure.denominator)} ended; "
            f"95% CI {fmt.percent_interval(failure.interval())}",
        ),
        Figure(
            "p95 end-to-end",
            fmt.quantity(e2e.quantile(95), "s"),
            f"p50 {fmt.quantity(e2e.quantile(50), 's')}, p99 {fmt.quantity(e2e.quantile(99), 's')}"
            + _corrected(analysis),
        ),
        Figure(
            "p95 execute",
            fmt.quantity(execute.quantile(95), "ms"),
            f"p50 {fmt.quantity(execute.quantile(50), 'ms')}, p99 {fmt.quantity(execute.quantile(99), 'ms')}",
        ),
        Figure(
            "throughput",
            f"{fmt.number(throughput['runs_finished_per_s'])} runs/s",
            f"finished; {fmt.number(throughput['requests_per_s'])} requests/s",
        ),
        Figure(
            "HTTP errors",
            fmt.percent(http["http_errors"].value),
            f"5xx: {fmt.count(http['http_5xx'].numerator)}, "
            f"no response: {fmt.count(http['http_no_response'].numerator)}; "
            f"429: {fmt.count(http['http_429'].numerator)}, counted apart",
        ),
    ]


def _corrected(analysis: Analysis) -> str:
    """The open model's end-to-end time as users arriving on time saw it."""
    corrected = analysis.samples.get("corrected_end_to_end_s")
    return f"; corrected for start lag p95 {fmt.quantity(corrected.quantile(95), 's')}" if corrected else ""


def terminal_lines(head: Headline) -> list[str]:
    """The headline for a terminal: one status line and one line a figure."""
    status = head.status + (f": {'; '.join(head.reasons)}" if head.reasons else "")
    width = max(len(f.label) for f in head.figures)
    lines = [f"  {'status':<{width}}  {status}"]
    lines += [f"  {f.label:<{width}}  {f.value} ({f.detail})" for f in head.figures]
    return lines
