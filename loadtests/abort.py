"""Stopping a test early when a budget is broken for a sustained time
(k6's ``abortOnFail`` with ``delayAbortEval``).

The rules arrive as plain JSON (``--abort-rules``), already parsed from the
budget file by the front end, so this side only evaluates them, once a
second, on the master (or the single process) against live statistics:

``[{"metric": "end_to_end_s", "stat": "p95", "op": ">", "threshold": 10,
"for_s": 30, "grace_s": 60, "workflow": null}]``

A rule is *broken* when ``stat(metric) op threshold`` holds. The test stops
when one rule has been broken continuously for ``for_s`` seconds, not
counting the first ``grace_s`` seconds of the test (warm-up).

Live statistics are windows, not the raw records: good enough to decide
that a test has gone wrong, never used for a figure in a report.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import orjson

# What live statistics can answer: percentiles of these metrics, and outcome rates.
LIVE_METRICS = ("end_to_end_s", "duration_in_seconds")
LIVE_STATS = ("p50", "p95", "p99")
OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


class AbortRuleError(ValueError):
    """Rules this side cannot evaluate; one line."""


@dataclass(frozen=True)
class AbortRule:
    metric: str
    stat: str
    op: str
    threshold: float
    for_s: float = 0.0
    grace_s: float = 0.0
    workflow: str | None = None

    def describe(self) -> str:
        scope = f" for {self.workflow}" if self.workflow else ""
        figure = f"rate({self.stat})" if self.metric == "rate" else f"{self.stat}({self.metric})"
        return f"{figure}{scope} {self.op} {self.threshold:g}"

    def value(self, snapshot: dict[str, Any]) -> float | None:
        """The live value of the rule's statistic, or None while there is none."""
        if self.metric == "rate":
            counts = snapshot.get("by_outcome", {})
            if self.workflow is not None:
                counts = snapshot.get("by_workflow", {}).get(self.workflow, {})
            ended = sum(counts.get(k, 0) for k in ("completed", "failed", "awaiting_ui_interaction"))
            return counts.get(self.stat, 0) / ended if ended else None
        return (snapshot.get(self.metric) or {}).get(self.stat)

    def broken(self, snapshot: dict[str, Any]) -> bool:
        value = self.value(snapshot)
        return value is not None and OPERATORS[self.op](value, self.threshold)


def parse_rules(text: str) -> list[AbortRule]:
    if not text:
        return []
    try:
        items = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise AbortRuleError("--abort-rules is not JSON; 'wfload run --budget FILE' writes it for you") from None
    if not isinstance(items, list):
        raise AbortRuleError("--abort-rules must be a JSON list of rules")
    return [_rule(item) for item in items]


def _rule(item: Any) -> AbortRule:
    try:
        rule = AbortRule(
            metric=str(item["metric"]),
            stat=str(item["stat"]),
            op=str(item["op"]),
            threshold=float(item["threshold"]),
            for_s=float(item.get("for_s", 0)),
            grace_s=float(item.get("grace_s", 0)),
            workflow=item.get("workflow"),
        )
    except (KeyError, TypeError, ValueError):
        raise AbortRuleError(f"abort rule {item!r} needs metric, stat, op and a number threshold") from None
    if rule.op not in OPERATORS:
        raise AbortRuleError(f"abort rule {rule.describe()}: the operator must be one of {', '.join(OPERATORS)}")
    percentile = rule.metric in LIVE_METRICS and rule.stat in LIVE_STATS
    if not (percentile or rule.metric == "rate"):
        raise AbortRuleError(
            f"abort rule {rule.describe()}: a running test can only watch {', '.join(LIVE_STATS)} of "
            f"{', '.join(LIVE_METRICS)} and rate(outcome); keep others as end-of-test budgets"
        )
    return rule


class AbortWatch:
    """Tracks, second by second, how long each rule has been broken."""

    def __init__(self, rules: list[AbortRule]) -> None:
        self.rules = rules
        self._broken_since: dict[int, float] = {}

    def check(self, snapshot: dict[str, Any], elapsed_s: float) -> AbortRule | None:
        """The rule that has been broken long enough to stop the test, if any."""
        for index, rule in enumerate(self.rules):
            if elapsed_s < rule.grace_s or not rule.broken(snapshot):
                self._broken_since.pop(index, None)
                continue
            since = self._broken_since.setdefault(index, elapsed_s)
            if elapsed_s - since >= rule.for_s:
                return rule
        return None
