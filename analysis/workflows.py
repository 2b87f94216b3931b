"""Breakdowns per workflow: each workflow gets the run-level figures the
whole test gets (outcomes, failure rate, latency distributions, the
decomposition, throughput)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.decomposition import Decomposition, decompose
from analysis.frames import group_codes, group_slices
from analysis.outcomes import RunCounts, count_runs, run_rates
from analysis.stats import Proportion, Sample
from analysis.throughput import run_throughput
from analysis.window import Window


@dataclass(frozen=True)
class WorkflowBreakdown:
    workflow_id: str
    counts: RunCounts
    rates: dict[str, Proportion]
    samples: dict[str, Sample]
    decomposition: Decomposition
    throughput: dict[str, float | None]


def group_rows(series: pd.Series) -> list[tuple[str, np.ndarray]]:
    """(value, row positions) for each value of a column, most rows first;
    missing values form no group."""
    inverse, names = group_codes(series.to_frame("value"), ["value"])
    groups = [(name[0], rows) for name, rows in zip(names, group_slices(inverse, len(names)), strict=True) if name[0]]
    return sorted(groups, key=lambda group: (-group[1].size, group[0]))


def breakdowns(
    runs: pd.DataFrame,
    included: np.ndarray,
    values: Mapping[str, np.ndarray],
    parts: Mapping[str, np.ndarray],
    window: Window,
) -> list[WorkflowBreakdown]:
    """One breakdown per workflow. ``values`` are per-run metric values (over
    all runs, aligned with ``runs``); statistics use the ``included`` runs,
    throughput all runs by event time, as for the whole test."""
    result = []
    for workflow_id, rows in group_rows(runs["workflow_id"]):
        measured = rows[included[rows]]
        subset = runs.iloc[measured]
        counts = count_runs(subset)
        result.append(
            WorkflowBreakdown(
                workflow_id=workflow_id,
                counts=counts,
                rates=run_rates(counts),
                samples={name: Sample(column[measured]) for name, column in values.items()},
                decomposition=decompose({name: part[measured] for name, part in parts.items()}),
                throughput=run_throughput(runs.iloc[rows], window),
            )
        )
    return result
