"""The verdict: budgets checked on the current test, figures compared with a
baseline, and whether CI should fail.

A compared figure is

- **regressed** when its interval of change lies wholly on the bad side of 0
  (a significant change), the change is larger than the noise threshold, and
  larger than its own limit from the budget file (if it has one);
- **improved** when the same holds on the good side (limits aside);
- **inconclusive** when a side has too few values (analysis.significance);
- **within noise** otherwise.

Intervals are simultaneous (Bonferroni over the conclusive comparisons), so
the chance that two tests of identical behaviour show *any* regression stays
under 1 - confidence however many figures are compared.

The verdict fails (exit status 1) on a broken budget (or one with no value
to judge), on a regression, or when the test was aborted by an abort rule.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from analysis import formatting as fmt
from analysis.budgets import DEFAULT_NOISE, Budgets, Check, Limit, threshold_text
from analysis.expressions import RATE, Expression, parse_expression
from analysis.sides import Side
from analysis.significance import (
    RESAMPLES,
    Change,
    family_confidence,
    mean_change,
    percentile_change,
    rate_change,
)
from analysis.stats import CONFIDENCE

VERDICT_VERSION = 1
PASS, FAIL = "pass", "fail"
MET, BROKEN, NO_DATA = "met", "broken", "no data"
REGRESSED, IMPROVED, WITHIN_NOISE, INCONCLUSIVE = "regressed", "improved", "within noise", "inconclusive"

# Compared when the budget file has no [regression] entries: the headline figures.
# Not poll latency: a few milliseconds on a quiet target, it moves by tens of
# percent between identical runs with whatever else the host runs, which no
# interval from within one run can see (docs/ci.md); a [regression] line adds it.
DEFAULT_COMPARED = (
    "p50(end_to_end_s)",
    "p95(end_to_end_s)",
    "p99(end_to_end_s)",
    "p95(execute_ms)",
    "p99(execute_ms)",
    "rate(failed)",
    "rate(http_errors)",
)


@dataclass(frozen=True)
class Settings:
    noise: float = DEFAULT_NOISE
    confidence: float = CONFIDENCE
    resamples: int = RESAMPLES
    seed: int = 0


@dataclass(frozen=True)
class CheckResult:
    check: Check
    value: float | None

    @property
    def status(self) -> str:
        if self.value is None:
            return NO_DATA
        return MET if self.check.holds(self.value) else BROKEN

    @property
    def failed(self) -> bool:
        return self.status != MET

    @property
    def outcome(self) -> str:
        """``budget broken``, ``budget not measured`` (no value to judge), or ``budget met``."""
        return {MET: "budget met", BROKEN: "budget broken", NO_DATA: "budget not measured"}[self.status]

    @property
    def reason(self) -> str:
        """``p95(end_to_end_s) = 6.21 s, limit < 5 s``"""
        check = self.check
        value = "no value" if self.value is None else measured_text(check.expression, self.value)
        return (
            f"{check.expression.label} = {value}, limit {check.op} {threshold_text(check.expression, check.threshold)}"
        )


@dataclass(frozen=True)
class Comparison:
    limit: Limit
    change: Change
    verdict: str
    note: str

    @property
    def failed(self) -> bool:
        return self.verdict == REGRESSED


@dataclass
class Verdict:
    current: Side
    checks: list[CheckResult]
    comparisons: list[Comparison]
    settings: Settings
    baseline: Side | None = None
    budget_file: Path | None = None
    aborts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def interval_confidence(self) -> float:
        return family_confidence(self.settings.confidence, self.conclusive_comparisons)

    @property
    def conclusive_comparisons(self) -> int:
        return sum(1 for c in self.comparisons if c.change.conclusive)

    @property
    def failures(self) -> list[str]:
        """One line per reason to fail, for people."""
        reasons = [f"{r.outcome}: {r.reason}" for r in self.checks if r.failed]
        reasons += [f"regressed: {c.limit.expression.label} {c.note}" for c in self.comparisons if c.failed]
        reasons += [f"test aborted early: {reason}" for reason in self.aborts]
        return reasons

    @property
    def status(self) -> str:
        return FAIL if self.failures else PASS

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def count(self, verdict: str) -> int:
        return sum(1 for c in self.comparisons if c.verdict == verdict)

    @property
    def headline(self) -> str:
        """``fail: 1 budget broken, 2 regressed`` and the like."""
        parts = []
        broken = sum(1 for r in self.checks if r.failed)
        if self.checks:
            parts.append(
                f"{broken} of {len(self.checks)} budgets broken" if broken else f"{len(self.checks)} budgets met"
            )
        if self.comparisons:
            counts = [
                f"{self.count(v)} {v}" for v in (REGRESSED, IMPROVED, WITHIN_NOISE, INCONCLUSIVE) if self.count(v)
            ]
            parts.append(", ".join(counts))
        if self.aborts:
            parts.append("aborted early")
        return f"{self.status}: " + ("; ".join(parts) or "nothing to check")

    def to_json(self) -> dict[str, Any]:
        """The verdict document: compare.json, and summary.json's ``verdict``."""
        return {
            "verdict_version": VERDICT_VERSION,
            "status": self.status,
            "exit_code": self.exit_code,
            "headline": self.headline,
            "reasons": self.failures,
            "budget_file": None if self.budget_file is None else str(self.budget_file),
            "current": self.current.to_json(),
            "baseline": None if self.baseline is None else self.baseline.to_json(),
            "settings": {
                "noise": self.settings.noise,
                "confidence": self.settings.confidence,
                "interval_confidence": self.interval_confidence,
                "resamples": self.settings.resamples,
                "seed": self.settings.seed,
            },
            "budgets": [_check_json(r) for r in self.checks],
            "comparisons": [_comparison_json(c) for c in self.comparisons],
            "aborts": self.aborts,
            "counts": {
                "budgets": len(self.checks),
                "budgets_broken": sum(1 for r in self.checks if r.failed),
                "comparisons": len(self.comparisons),
                **{v.replace(" ", "_"): self.count(v) for v in (REGRESSED, IMPROVED, WITHIN_NOISE, INCONCLUSIVE)},
            },
            "notes": self.notes,
        }


def evaluate(
    current: Side, budgets: Budgets | None = None, baseline: Side | None = None, settings: Settings | None = None
) -> Verdict:
    """Check the budgets on ``current`` and, with a baseline, compare the two."""
    settings = settings or Settings(noise=noise_of(budgets))
    checks = [
        CheckResult(check, check.expression.value(current.summary)) for check in (budgets.checks if budgets else ())
    ]
    notes = []
    comparisons: list[Comparison] = []
    if baseline is not None:
        comparisons = compare(compared_limits(budgets), baseline, current, settings)
    elif budgets is not None and budgets.limits:
        notes.append("no baseline given: the [regression] limits were not applied")
    aborts = [str(reason) for reason in (current.summary.get("harness") or {}).get("aborts") or []]
    notes += [
        f"the {role} test did not end normally: {'; '.join(reasons)}"
        for role, reasons in _incomplete(current, baseline)
    ]
    return Verdict(current, checks, comparisons, settings, baseline, budgets.path if budgets else None, aborts, notes)


def compared_limits(budgets: Budgets | None) -> list[Limit]:
    """The budget file's [regression] entries, else the headline figures with the noise threshold only."""
    if budgets is not None and budgets.limits:
        return list(budgets.limits)
    return [Limit(parse_expression(text)) for text in DEFAULT_COMPARED]


def compare(limits: list[Limit], baseline: Side, current: Side, settings: Settings) -> list[Comparison]:
    # Two passes: how many comparisons are conclusive fixes the level of every interval.
    probe = [_change(limit, baseline, current, settings, settings.confidence) for limit in limits]
    level = family_confidence(settings.confidence, sum(1 for change in probe if change.conclusive))
    changes = [_change(limit, baseline, current, settings, level) for limit in limits]
    return [
        Comparison(limit, change, *judge(change, limit, settings.noise))
        for limit, change in zip(limits, changes, strict=True)
    ]


def judge(change: Change, limit: Limit, noise: float) -> tuple[str, str]:
    """(verdict, a note saying why) for one compared figure."""
    if not change.conclusive:
        return INCONCLUSIVE, change.missing
    worse = 1 if limit.expression.higher_is_worse else -1
    relative, difference = change.relative, change.difference or 0.0
    moved = f"{_signed_percent(relative)}" if relative is not None else f"{difference:+g}"
    if change.direction == 0:
        return WITHIN_NOISE, f"{moved}, not significant"
    # Without a relative change (a baseline at or below 0) the noise threshold cannot apply.
    beyond_noise = relative is None or abs(relative) > noise
    if not beyond_noise:
        return WITHIN_NOISE, f"{moved}, significant but within the {noise * 100:g}% noise threshold"
    if change.direction != worse:
        return IMPROVED, moved
    if limit.relative is not None and relative is not None and abs(relative) <= limit.relative:
        return WITHIN_NOISE, f"{moved}, within its {limit.text} limit"
    if limit.absolute is not None and abs(difference) <= limit.absolute:
        return WITHIN_NOISE, f"{moved}, within its {limit.text} limit"
    return REGRESSED, moved


def _change(limit: Limit, baseline: Side, current: Side, settings: Settings, level: float) -> Change:
    expression = limit.expression
    # A generator per figure, seeded by its name: its interval does not depend on what else is compared.
    rng = np.random.default_rng([settings.seed, zlib.crc32(expression.label.encode())])
    if expression.kind == RATE:
        base, now = baseline.rate_counts(expression), current.rate_counts(expression)
        if base is None or now is None:
            side = "the baseline" if base is None else "the current test"
            values = expression.value(baseline.summary), expression.value(current.summary)
            return Change(*values, 0, 0, missing=f"no {expression.name} rate in {side}")
        return rate_change(base, now, level)
    base_sample, now_sample = baseline.sample(expression), current.sample(expression)
    if base_sample is None or now_sample is None:
        side = "the baseline" if base_sample is None else "the current test"
        return Change(None, None, 0, 0, missing=f"no {expression.name} samples in {side}")
    if expression.percentile is not None:
        return percentile_change(base_sample, now_sample, expression.percentile, level, rng, settings.resamples)
    return mean_change(base_sample, now_sample, level, rng, settings.resamples)


def _incomplete(current: Side, baseline: Side | None) -> list[tuple[str, list[str]]]:
    """Sides whose headline says the measurement itself is incomplete (killed, crashed)."""
    sides = [("current", current)] + ([("baseline", baseline)] if baseline is not None else [])
    found = []
    for role, side in sides:
        headline = side.summary.get("headline") or {}
        if headline.get("status") == "incomplete":
            found.append((role, [str(reason) for reason in headline.get("reasons") or []]))
    return found


def noise_of(budgets: Budgets | None) -> float:
    """The budget file's noise threshold, else the default."""
    return budgets.noise if budgets is not None and budgets.noise is not None else DEFAULT_NOISE


def _check_json(result: CheckResult) -> dict[str, Any]:
    check = result.check
    return {
        "check": check.text,
        **check.expression.to_json(),
        "op": check.op,
        "threshold": check.threshold,
        "unit": check.expression.unit,
        "value": result.value,
        "status": result.status,
        "line": check.line,
    }


def _comparison_json(comparison: Comparison) -> dict[str, Any]:
    change, limit = comparison.change, comparison.limit
    relative = change.relative
    return {
        **limit.expression.to_json(),
        "unit": limit.expression.unit,
        "baseline": change.baseline,
        "current": change.current,
        "change": None if relative is None or not math.isfinite(relative) else relative,
        "difference": change.difference,
        "interval": None if change.interval is None else list(change.interval),
        "interval_of": change.interval_of,
        "limit": None if limit.relative is None and limit.absolute is None else limit.text,
        "n_baseline": change.n_baseline,
        "n_current": change.n_current,
        "verdict": comparison.verdict,
        "note": comparison.note,
    }


def _signed_percent(fraction: float) -> str:
    if math.isinf(fraction):
        return "from 0"
    return f"{fraction * 100:+.1f}%"


def measured_text(expression: Expression, value: float | None) -> str:
    """A measured figure for people, to three significant figures: ``4.87 s``, ``2.37 %``."""
    if expression.kind == RATE:
        return fmt.percent(value)
    return fmt.quantity(value, expression.unit) if expression.unit else fmt.number(value)
