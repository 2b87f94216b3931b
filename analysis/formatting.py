"""How numbers read in the reports (HTML, Markdown, terminal): three
significant figures, thousands separators, units always shown."""

from __future__ import annotations

import math
from datetime import UTC, datetime

from analysis.stats import Interval

DASH = "\u2013"  # an en dash: a missing value


def number(value: float | None, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, no exponent for the
    magnitudes of latencies and rates."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return DASH
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    if decimals > 6:
        return f"{value:.{digits - 1}e}"
    return f"{value:,.{decimals}f}"


def quantity(value: float | None, unit: str) -> str:
    if value is None:
        return DASH
    return f"{number(value)} {unit}"


def count(value: int | None) -> str:
    return DASH if value is None else f"{int(value):,}"


def percent(fraction: float | None) -> str:
    if fraction is None:
        return DASH
    return f"{number(fraction * 100)} %"


def interval(bounds: Interval | None, unit: str = "") -> str:
    """A confidence interval: ``[a, b]``, with an open end where the data
    give no bound."""
    if bounds is None:
        return DASH
    low, high = bounds
    left = "(-∞" if low is None else f"[{number(low)}"
    right = "∞)" if high is None else f"{number(high)}]"
    return f"{left}, {right}" + (f" {unit}" if unit else "")


def percent_interval(bounds: tuple[float, float] | None) -> str:
    if bounds is None:
        return DASH
    return f"[{number(bounds[0] * 100)}, {number(bounds[1] * 100)}] %"


def timestamp(epoch: float | None) -> str:
    if epoch is None or not math.isfinite(epoch):
        return DASH
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def seconds(value: float | None) -> str:
    """A length of time for people: ``45 s``, ``12 min 5 s``, ``2 h 3 min``."""
    if value is None:
        return DASH
    if value < 60:
        return f"{number(value)} s"
    minutes, secs = divmod(round(value), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"
