"""The budget file (TOML): what a test must meet, for CI.

```toml
[budgets]                                # absolute limits on CURRENT
"p95(end_to_end_s)" = "< 5"
"rate(failed)" = "< 1%"
[budgets."workflow:fl_webhook_check"]
"p99(end_to_end_s)" = "< 8 s"

[regression]                             # against a baseline
noise = "5%"                             # smaller changes are never "regressed"
"p95(end_to_end_s)" = "10%"              # may not grow more than 10 %
"rate(failed)" = "+0.5pp"                # nor by more than half a percentage point

[abort]                                  # stop the test early (Locust side)
"p95(end_to_end_s)" = { above = 10, for = "30s", grace = "60s" }
```

Every problem raises :class:`BudgetError`, one line naming ``file:line``,
the key, and what to write instead. docs/ci.md documents the format.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.expressions import (
    ALL,
    RATE,
    WORKFLOW_PREFIX,
    Expression,
    ExpressionError,
    parse_expression,
)
from analysis.load import ResultsError
from analysis.tomlsource import KeyPath, key_lines, line_of

SECTIONS = ("budgets", "regression", "abort")
NOISE_KEY = "noise"
OPERATORS = ("<=", ">=", "<", ">")
DEFAULT_NOISE = 0.05
# What the live statistics of a running test answer ([abort] rules); rates over runs that ended.
LIVE_METRICS = ("end_to_end_s", "duration_in_seconds")
LIVE_STATS = ("p50", "p95", "p99")
LIVE_RATES = ("failed", "awaiting_ui_interaction")

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_CONDITION = re.compile(rf"^\s*(<=|>=|<|>)\s*({_NUMBER})\s*([a-z%/]*)\s*$")
_QUANTITY = re.compile(rf"^\s*({_NUMBER})\s*([a-z%/]*)\s*$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h)")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class BudgetError(ResultsError):
    """A budget file that cannot be used (exit status 2), one line: file:line: what, and what to do."""


@dataclass(frozen=True)
class Check:
    """An absolute limit: ``expression op threshold`` must hold on the current test."""

    expression: Expression
    op: str
    threshold: float  # in the expression's unit
    line: int | None = None

    @property
    def text(self) -> str:
        return f"{self.expression.text} {self.op} {threshold_text(self.expression, self.threshold)}"

    def holds(self, value: float) -> bool:
        return {
            "<": value < self.threshold,
            "<=": value <= self.threshold,
            ">": value > self.threshold,
            ">=": value >= self.threshold,
        }[self.op]


@dataclass(frozen=True)
class Limit:
    """How far a compared figure may move the bad way from the baseline:
    ``relative`` (0.10 = 10 %) or ``absolute`` (in its unit; rates as fractions).
    A limit of neither kind compares the figure with the noise threshold only."""

    expression: Expression
    relative: float | None = None
    absolute: float | None = None
    line: int | None = None

    @property
    def text(self) -> str:
        if self.relative is not None:
            return f"{self.relative * 100:g}%"
        if self.absolute is not None:
            if self.expression.kind == RATE:
                return f"+{self.absolute * 100:g}pp"
            return f"+{self.absolute:g} {self.expression.unit}".rstrip()
        return "noise"


@dataclass(frozen=True)
class AbortRule:
    """Stop the test when ``expression op threshold`` has held for ``for_s``
    seconds, not counting the first ``grace_s`` seconds of the test."""

    expression: Expression
    op: str  # ">" (above) or "<" (below)
    threshold: float
    for_s: float
    grace_s: float
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The form ``wfload run`` hands Locust as ``--abort-rules`` (a JSON list of these).
        A rate is ``{"metric": "rate", "stat": "<outcome>"}``, as the live side reads it."""
        rate = self.expression.kind == RATE
        return {
            "metric": "rate" if rate else self.expression.name,
            "stat": self.expression.name if rate else self.expression.stat,
            "op": self.op,
            "threshold": self.threshold,
            "for_s": self.for_s,
            "grace_s": self.grace_s,
            "workflow": self.expression.workflow,
        }


@dataclass(frozen=True)
class Budgets:
    path: Path | None
    checks: tuple[Check, ...] = ()
    limits: tuple[Limit, ...] = ()
    noise: float | None = None  # None: DEFAULT_NOISE (or the command line's)
    abort: tuple[AbortRule, ...] = ()
    has_regression: bool = False


def load_budgets(path: str | Path) -> Budgets:
    """Read and check a budget file. Raises :class:`BudgetError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BudgetError(f"{path}: cannot read the budget file ({exc.strerror or exc}); check the path") from exc
    except UnicodeDecodeError as exc:
        raise BudgetError(f"{path}: not UTF-8 text ({exc.reason}); save the budget file as UTF-8") from exc
    return parse_budgets(text, path)


def parse_budgets(text: str, path: str | Path = "<budgets>") -> Budgets:
    """A budget file's text (``path`` names it in errors)."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BudgetError(_toml_error(path, exc)) from None
    return _Parser(path, key_lines(text)).parse(data)


def abort_rules(budgets: Budgets) -> list[dict[str, Any]]:
    """The ``[abort]`` section as the plain JSON list Locust's ``--abort-rules`` takes."""
    return [rule.to_json() for rule in budgets.abort]


class _Parser:
    def __init__(self, path: Path, lines: dict[KeyPath, int]) -> None:
        self.path = path
        self.lines = lines

    def error(self, key_path: KeyPath, message: str) -> BudgetError:
        line = line_of(self.lines, key_path)
        where = f"{self.path}:{line}" if line else str(self.path)
        key = key_path[-1] if key_path else ""
        return BudgetError(f"{where}: {key + ': ' if key else ''}{message}")

    def parse(self, data: dict[str, Any]) -> Budgets:
        for section in data:
            if section not in SECTIONS:
                raise self.error((section,), f"unknown section; the sections are {', '.join(SECTIONS)}")
            if not isinstance(data[section], dict):
                raise self.error((section,), f"must be a table: write [{section}] above its lines")
        if not data:
            raise self.error((), "holds no [budgets], [regression] or [abort] table; see docs/ci.md")
        regression = dict(data.get("regression", {}))
        noise = self.noise(regression.pop(NOISE_KEY)) if NOISE_KEY in regression else None
        return Budgets(
            path=self.path,
            checks=tuple(self.scoped("budgets", data.get("budgets", {}), self.check)),
            limits=tuple(self.scoped("regression", regression, self.limit)),
            noise=noise,
            abort=tuple(self.scoped("abort", data.get("abort", {}), self.abort_rule)),
            has_regression="regression" in data,
        )

    def scoped(self, section: str, table: dict[str, Any], make) -> list:
        """The entries of a section: its own, then those of each ``workflow:ID`` sub-table."""
        entries = []
        for key, value in table.items():
            if key.startswith(WORKFLOW_PREFIX):
                if not isinstance(value, dict):
                    raise self.error((section, key), f'a workflow\'s limits go in a table: [{section}."{key}"]')
                entries += [make((section, key, k), k, v, key) for k, v in value.items()]
            else:
                entries.append(make((section, key), key, value, ALL))
        return entries

    def expression(self, key_path: KeyPath, text: str, scope: str) -> Expression:
        try:
            return parse_expression(text, scope)
        except ExpressionError as exc:
            raise self.error(key_path, str(exc)) from None

    def check(self, key_path: KeyPath, key: str, value: Any, scope: str) -> Check:
        expression = self.expression(key_path, key, scope)
        if not isinstance(value, str):
            raise self.error(key_path, f'write the comparison as a string, e.g. "< {value}"')
        match = _CONDITION.match(value)
        if not match:
            raise self.error(key_path, f'{value!r} is not a condition; write "< 5", "<= 300 ms", "> 10" or "< 1%"')
        op, number, unit = match.groups()
        threshold = self.in_unit(key_path, expression, float(number), unit)
        return Check(expression, op, threshold, line_of(self.lines, key_path))

    def limit(self, key_path: KeyPath, key: str, value: Any, scope: str) -> Limit:
        expression = self.expression(key_path, key, scope)
        if not expression.comparable:
            raise self.error(key_path, "cannot be compared with a baseline (no interval for it); use pXX, mean or rate")
        line = line_of(self.lines, key_path)
        text = value if isinstance(value, str) else ""
        if text.strip().startswith("+"):
            match = _QUANTITY.match(text.strip()[1:])
            if match:
                number, unit = float(match.group(1)), match.group(2)
                if expression.kind == RATE:
                    if unit not in ("", "pp"):
                        raise self.error(key_path, "a rate's absolute limit is in points: +0.5pp (or +0.005)")
                    absolute = number / 100 if unit == "pp" else number
                else:
                    absolute = self.in_unit(key_path, expression, number, unit)
                if absolute >= 0:
                    return Limit(expression, absolute=absolute, line=line)
        match = _QUANTITY.match(text)
        if match and match.group(2) == "%" and float(match.group(1)) >= 0:
            return Limit(expression, relative=float(match.group(1)) / 100, line=line)
        example = "+0.5pp" if expression.kind == RATE else f"+0.5 {expression.unit}".rstrip()
        raise self.error(
            key_path, f'{value!r} is not a limit; write a relative one ("10%") or an absolute one ("{example}")'
        )

    def noise(self, value: Any) -> float:
        fraction = parse_fraction(value)
        if fraction is None or not 0 <= fraction < 1:
            raise self.error(("regression", NOISE_KEY), f'{value!r} is not a noise threshold; write e.g. "5%"')
        return fraction

    def abort_rule(self, key_path: KeyPath, key: str, value: Any, scope: str) -> AbortRule:
        expression = self.expression(key_path, key, scope)
        self.check_live(key_path, expression)
        if not isinstance(value, dict):
            raise self.error(key_path, 'write an inline table, e.g. { above = 10, for = "30s", grace = "60s" }')
        unknown = set(value) - {"above", "below", "for", "grace"}
        if unknown:
            raise self.error((*key_path, sorted(unknown)[0]), "unknown setting; use above or below, for, grace")
        directions = [d for d in ("above", "below") if d in value]
        if len(directions) != 1:
            raise self.error(key_path, "give exactly one of above = N or below = N")
        direction = directions[0]
        threshold = self.quantity((*key_path, direction), expression, value[direction])
        return AbortRule(
            expression=expression,
            op=">" if direction == "above" else "<",
            threshold=threshold,
            for_s=self.duration((*key_path, "for"), value.get("for", 0)),
            grace_s=self.duration((*key_path, "grace"), value.get("grace", 0)),
            line=line_of(self.lines, key_path),
        )

    def check_live(self, key_path: KeyPath, expression: Expression) -> None:
        """Only what a running test's live statistics can answer (loadtests' abort watch)."""
        if expression.kind == RATE:
            if expression.name not in LIVE_RATES:
                raise self.error(key_path, f"a running test watches rate({'), rate('.join(LIVE_RATES)}) only")
            return
        live = [f"{stat}({metric})" for metric in LIVE_METRICS for stat in LIVE_STATS]
        if expression.stat not in LIVE_STATS or expression.name not in LIVE_METRICS:
            raise self.error(
                key_path,
                f"a running test watches {', '.join(live)} and rates only; keep this one as an end-of-test budget",
            )
        if expression.workflow is not None:
            raise self.error(
                key_path,
                "per workflow, a running test watches rates only; "
                "watch it for the whole test under [abort], or keep it as a budget",
            )

    def quantity(self, key_path: KeyPath, expression: Expression, value: Any) -> float:
        if isinstance(value, bool):
            raise self.error(key_path, "must be a number")
        if isinstance(value, int | float):
            return self.in_unit(key_path, expression, float(value), "")
        match = _QUANTITY.match(value) if isinstance(value, str) else None
        if not match:
            raise self.error(key_path, f'{value!r} is not a number; write e.g. 10, "300 ms" or "5%"')
        return self.in_unit(key_path, expression, float(match.group(1)), match.group(2))

    def in_unit(self, key_path: KeyPath, expression: Expression, number: float, unit: str) -> float:
        """``number unit`` in the expression's own unit (s <-> ms; % for rates)."""
        own = expression.unit
        if not math.isfinite(number):
            raise self.error(key_path, "must be a finite number")
        if expression.kind == RATE:
            if unit not in ("", "%"):
                raise self.error(key_path, f"a rate is a fraction or a percentage (0.01 or 1%), not {unit!r}")
            value = number / 100 if unit == "%" else number
            if not 0 <= value <= 1:
                raise self.error(key_path, f"a rate lies between 0 and 1 (0.01 = 1%); got {value:g}")
            return value
        scale = {("s", "ms"): 0.001, ("ms", "s"): 1000.0}
        if unit in ("", own):
            return number
        if (own, unit) in scale:
            return number * scale[(own, unit)]
        raise self.error(key_path, f"{expression.text} is in {own or 'plain numbers'}, not {unit!r}")

    def duration(self, key_path: KeyPath, value: Any) -> float:
        seconds = parse_duration(value)
        if seconds is None:
            raise self.error(key_path, f'{value!r} is not a duration; write e.g. "30s", "2m" or "1m30s"')
        return seconds


def threshold_text(expression: Expression, value: float) -> str:
    """A limit as a person writes it: ``5 s``, ``300 ms``, ``1%``."""
    if expression.kind == RATE:
        return f"{value * 100:g}%"
    return f"{value:g} {expression.unit}".rstrip()


def parse_duration(value: Any) -> float | None:
    """Seconds from ``30``, ``"30s"``, ``"500ms"``, ``"2m"``, ``"1m30s"``, ``"1h"``; None if not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(_NUMBER, text):
        number = float(text)
        return number if number >= 0 else None
    parts = _DURATION_PART.findall(text)
    if not parts or _DURATION_PART.sub("", text).strip():
        return None
    return sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def parse_fraction(value: Any) -> float | None:
    """``"5%"`` or ``0.05`` as 0.05; None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _QUANTITY.match(value) if isinstance(value, str) else None
    if not match or match.group(2) not in ("", "%"):
        return None
    number = float(match.group(1))
    return number / 100 if match.group(2) == "%" else number


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    message = str(exc)
    found = re.search(r"\(at line (\d+), column \d+\)", message)
    if found:
        detail = message[: found.start()].strip()
        return f"{path}:{found.group(1)}: not valid TOML ({detail}); fix the syntax (keys with ( ) need quotes)"
    return f"{path}: not valid TOML ({message}); fix the syntax"
