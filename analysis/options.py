"""What a report can be asked to do differently: the knobs of ``wfload report``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from analysis.stats import CONFIDENCE, DEFAULT_PERCENTILES


@dataclass(frozen=True)
class ReportOptions:
    """Options of a report.

    ``percentiles`` are the ones tables and plots show; summary.json always
    has the standard set (p50, p75, p90, p95, p99, p99.9) besides, so its keys
    do not change with the options. ``slo`` maps a metric name
    (``end_to_end_s``, ``execute_ms``, ...) to a budget in the metric's unit,
    drawn as a line on the plots of that metric. ``warmup_s`` and
    ``cooldown_s`` leave the first and last seconds of the test out of every
    statistic (time-series plots still show them, shaded). ``window_s`` is the
    step of the time series; by default it is chosen from the test's length.
    """

    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES
    warmup_s: float = 0.0
    cooldown_s: float = 0.0
    window_s: float | None = None
    slo: Mapping[str, float] = field(default_factory=dict)
    top_errors: int = 10
    confidence: float = CONFIDENCE

    def __post_init__(self) -> None:
        if not self.percentiles or any(not 0 < p <= 100 for p in self.percentiles):
            raise ValueError("percentiles must lie in (0, 100]")
        if self.warmup_s < 0 or self.cooldown_s < 0:
            raise ValueError("warm-up and cool-down cannot be negative")
        if self.window_s is not None and self.window_s <= 0:
            raise ValueError("the time-series window must be positive")
        object.__setattr__(self, "percentiles", tuple(sorted(set(self.percentiles))))

    @property
    def summary_percentiles(self) -> tuple[float, ...]:
        return tuple(sorted(set(DEFAULT_PERCENTILES) | set(self.percentiles)))
