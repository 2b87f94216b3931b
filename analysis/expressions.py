"""Metric expressions: how budgets, comparisons and trends name a figure of
summary.json.

``p95(end_to_end_s)``, ``mean(execute_ms)``, ``max(poll_ms)``,
``count(end_to_end_s)``, ``rate(failed)``, ``throughput(runs_finished_per_s)``;
scoped to the whole test or to one workflow (``workflow:fl_webhook_check``).
An expression knows where its value lives in summary.json, its unit, and
which way is worse, so every consumer reads and judges values the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from analysis.httpstats import classify
from analysis.metrics import METRICS, WORKFLOW_METRICS
from analysis.outcomes import RUN_RATES
from analysis.stats import DEFAULT_PERCENTILES, percentile_key, percentile_label

DISTRIBUTION_STATS = ("mean", "min", "max", "count")
PERCENTILE_STAT = "pXX"
RATE = "rate"
THROUGHPUT = "throughput"
ALL = "all"
WORKFLOW_PREFIX = "workflow:"

RUN_RATE_NAMES = tuple(RUN_RATES)
HTTP_RATE_NAMES = tuple(classify(np.zeros(0, dtype=np.int64)))
# The keys of summary.json's "throughput" block (docs/analysis.md); a test
# keeps this list equal to what build_summary writes.
THROUGHPUT_NAMES = (
    "runs_submitted_per_s",
    "runs_accepted_per_s",
    "runs_finished_per_s",
    "runs_completed_per_s",
    "requests_per_s",
    "peak_requests_per_s",
    "peak_runs_in_flight",
    "mean_runs_in_flight",
)
WORKFLOW_THROUGHPUT_NAMES = THROUGHPUT_NAMES[:4]

_EXPRESSION = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.]*)\s*\(\s*([A-Za-z0-9_]+)\s*\)\s*$")
_PERCENTILE = re.compile(r"^p(\d+(?:[._]\d+)?)$")


class ExpressionError(ValueError):
    """An expression that names nothing summary.json has; the message says what would."""


@dataclass(frozen=True)
class Expression:
    """One figure: ``stat`` of ``name`` (a metric, a rate or a throughput),
    over the whole test or one workflow (``workflow`` is None for the whole test)."""

    stat: str  # "p95", "p99_9", "mean", "min", "max", "count", "rate", "throughput"
    name: str
    workflow: str | None = None

    @property
    def percentile(self) -> float | None:
        match = _PERCENTILE.match(self.stat)
        return float(match.group(1).replace("_", ".")) if match else None

    @property
    def kind(self) -> str:
        """``distribution`` (a statistic of a metric), ``rate`` or ``throughput``."""
        return self.stat if self.stat in (RATE, THROUGHPUT) else "distribution"

    @property
    def scope(self) -> str:
        return ALL if self.workflow is None else WORKFLOW_PREFIX + self.workflow

    @property
    def text(self) -> str:
        """As a person writes it: ``p99.9(end_to_end_s)``."""
        p = self.percentile
        stat = percentile_label(p) if p is not None else self.stat
        return f"{stat}({self.name})"

    @property
    def label(self) -> str:
        """The text with its scope when it is not the whole test."""
        return self.text if self.workflow is None else f"{self.text} [{self.scope}]"

    @property
    def unit(self) -> str:
        if self.kind == RATE:
            return ""
        if self.kind == THROUGHPUT:
            return "/s" if self.name.endswith("_per_s") else ""
        return "" if self.stat == "count" else METRICS[self.name].unit

    @property
    def higher_is_worse(self) -> bool:
        """Latencies and failure rates get worse upwards, throughput downwards."""
        return self.kind != THROUGHPUT

    @property
    def comparable(self) -> bool:
        """Whether a baseline comparison can put an interval on it: percentiles
        and means of raw samples, and rates (counts of events). A maximum,
        minimum or count has no useful interval; throughput depends on the load."""
        return self.percentile is not None or self.stat in ("mean", RATE)

    def value(self, summary: dict[str, Any]) -> float | None:
        """This figure in a summary.json document; None when it has none
        (no such workflow, no values, no denominator)."""
        block: Any = summary
        if self.workflow is not None:
            block = (summary.get("workflows") or {}).get(self.workflow)
            if block is None:
                return None
        if self.kind == RATE:
            found = (block.get("rates") or {}).get(self.name)
        elif self.kind == THROUGHPUT:
            found = (block.get("throughput") or {}).get(self.name)
        else:
            found = ((block.get("metrics") or {}).get(self.name) or {}).get(self.stat)
        if found is None or (isinstance(found, float) and not math.isfinite(found)):
            return None
        return float(found)

    def to_json(self) -> dict[str, Any]:
        return {"expression": self.text, "stat": self.stat, "name": self.name, "workflow": self.workflow}


def parse_expression(text: str, scope: str = ALL) -> Expression:
    """``p95(end_to_end_s)`` in ``scope`` (``all`` or ``workflow:ID``).
    Raises :class:`ExpressionError` naming what is valid instead."""
    workflow = parse_scope(scope)
    match = _EXPRESSION.match(text)
    if not match:
        raise ExpressionError(f"{text!r} is not an expression like p95(end_to_end_s), mean(execute_ms) or rate(failed)")
    stat_text, name = match.groups()
    stat = _stat(stat_text.lower())
    if stat == RATE:
        valid = RUN_RATE_NAMES if workflow else RUN_RATE_NAMES + HTTP_RATE_NAMES
    elif stat == THROUGHPUT:
        valid = WORKFLOW_THROUGHPUT_NAMES if workflow else THROUGHPUT_NAMES
    else:
        valid = WORKFLOW_METRICS if workflow else tuple(METRICS)
    if name not in valid:
        where = "per workflow" if workflow else "in summary.json"
        raise ExpressionError(f"unknown {_what(stat)} {name!r} {where}; one of {', '.join(valid)}")
    return Expression(stat, name, workflow)


def parse_scope(scope: str) -> str | None:
    """The workflow of a scope (None for the whole test)."""
    if scope == ALL:
        return None
    if scope.startswith(WORKFLOW_PREFIX) and len(scope) > len(WORKFLOW_PREFIX):
        return scope[len(WORKFLOW_PREFIX) :]
    raise ExpressionError(f'unknown scope {scope!r}; use "workflow:ID" (e.g. "workflow:fl_webhook_check")')


def _stat(text: str) -> str:
    if text in DISTRIBUTION_STATS or text in (RATE, THROUGHPUT):
        return text
    match = _PERCENTILE.match(text)
    if match:
        p = float(match.group(1).replace("_", "."))
        if p in DEFAULT_PERCENTILES:
            return percentile_key(p)
        standard = ", ".join(percentile_label(q) for q in DEFAULT_PERCENTILES)
        raise ExpressionError(f"{text} is not a percentile summary.json always has; use one of {standard}")
    raise ExpressionError(
        f"unknown statistic {text!r}; use pXX (p50, p95, p99, p99.9...), mean, min, max, count, rate or throughput"
    )


def _what(stat: str) -> str:
    return {RATE: "rate", THROUGHPUT: "throughput"}.get(stat, "metric")
