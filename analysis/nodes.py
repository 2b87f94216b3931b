"""Per-node and per-component durations, from the runs' logs.

A log entry is written when its node finishes, so a node's duration is the
gap between its ``created_at`` and the previous entry's; the first entry's is
measured from the run's ``started_at``. All of these are the server's
timestamps, so no clock agreement is needed. Gaps that come out negative (a
server writing logs out of order) are counted and left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.frames import group_codes, group_slices, is_in
from analysis.stats import Sample, percentile_key


@dataclass(frozen=True)
class NodeDurations:
    """One row per log entry that belongs to an included run, in run and
    ``seq`` order, with its ``duration_s`` (NaN where unknown)."""

    frame: pd.DataFrame
    negative: int


def node_durations(nodes: pd.DataFrame, runs: pd.DataFrame, included: np.ndarray) -> NodeDurations:
    """Durations of the log entries of the runs selected by ``included``."""
    columns = ["run_id", "workflow_id", "node_id", "component_id", "status", "duration_s"]
    if nodes.empty:
        return NodeDurations(pd.DataFrame(columns=columns), 0)
    run_ids = nodes["run_id"].astype("category")
    row_of_run = _run_rows(run_ids.cat.categories, runs)
    codes = run_ids.cat.codes.to_numpy(np.int64)
    run_row = np.where(codes >= 0, row_of_run[np.maximum(codes, 0)], -1)
    keep = run_row >= 0
    keep[keep] = included[run_row[keep]]
    index = np.flatnonzero(keep)
    seq = nodes["seq"].to_numpy(dtype=float, na_value=-1)[index]
    order = _run_order(codes[index], seq)
    index = index[order]
    created = nodes["created_at_s"].to_numpy(dtype=float, na_value=np.nan)[index]
    started = runs["started_at_s"].to_numpy(dtype=float, na_value=np.nan)[run_row[index]]
    codes = codes[index]
    first = np.ones(index.size, dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    previous = np.empty(index.size)
    previous[first] = started[first]
    previous[~first] = created[:-1][~first[1:]]
    # Server timestamps have microseconds; rounding drops float noise.
    durations = np.round(created - previous, 6)
    negative = durations < 0
    durations[negative] = np.nan
    frame = nodes.iloc[index][columns[:-1]].reset_index(drop=True)
    frame["duration_s"] = durations
    return NodeDurations(frame, int(negative.sum()))


def _run_rows(run_ids: pd.Index, runs: pd.DataFrame) -> np.ndarray:
    """For each distinct run id of the nodes, its row in ``runs`` (-1 if none)."""
    ids = runs["run_id"]
    present = ids.notna().to_numpy()
    known = pd.Index(ids[present].astype(str))
    rows = np.flatnonzero(present)
    # A run id recorded twice (an idempotent retry answered with the same
    # run) keeps its last record.
    unique = ~known.duplicated(keep="last")
    lookup = pd.Index(known[unique])
    positions = lookup.get_indexer(pd.Index(run_ids.astype(str)))
    return np.where(positions >= 0, rows[unique][np.maximum(positions, 0)], -1)


def _run_order(codes: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """The order that puts each run's entries together, by ``seq``. The
    recorder writes a run's logs in one go, so this is usually the identity
    and the sort is skipped."""
    if codes.size < 2:
        return np.arange(codes.size)
    same = codes[1:] == codes[:-1]
    blocks = int((~same).sum()) + 1
    if blocks == np.count_nonzero(np.bincount(codes)) and bool(np.all(seq[1:][same] > seq[:-1][same])):
        return np.arange(codes.size)
    return np.lexsort((seq, codes))


def node_table(durations: NodeDurations, by: Iterable[str], percentiles: Iterable[float]) -> pd.DataFrame:
    """Duration statistics grouped by the columns ``by`` (e.g. workflow and
    node, or component), the most time-consuming first.

    Columns: the ``by`` columns, ``count``, ``errors``, ``warnings``,
    ``mean_s``, one ``pNN_s`` per percentile (``p99_9_s`` for 99.9), ``max_s``, ``total_s`` and
    ``share`` (of the total time of the group's workflow, or of all nodes).
    """
    by = list(by)
    percentiles = list(percentiles)
    frame = durations.frame
    if frame.empty:
        return pd.DataFrame(columns=[*by, "count", "errors", "warnings", "mean_s", "max_s", "total_s", "share"])
    inverse, names = group_codes(frame, by)
    values = frame["duration_s"].to_numpy(dtype=float)
    errors = is_in(frame["status"], "error")
    warnings = is_in(frame["status"], "warning")
    rows = []
    for name, members in zip(names, group_slices(inverse, len(names)), strict=True):
        sample = Sample(values[members])
        row = dict(zip(by, name, strict=True))
        row.update(
            count=int(members.size),
            errors=int(errors[members].sum()),
            warnings=int(warnings[members].sum()),
            mean_s=sample.mean,
            **{f"{percentile_key(p)}_s": sample.quantile(p) for p in percentiles},
            max_s=sample.max,
            total_s=sample.total,
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    scope = [c for c in by if c == "workflow_id"]
    if scope:
        totals = table.groupby(scope)["total_s"].transform("sum").to_numpy()
    else:
        totals = np.full(len(table), table["total_s"].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        table["share"] = np.where(totals > 0, table["total_s"].to_numpy() / totals, np.nan)
    return table.sort_values(["total_s", *by], ascending=[False, *[True] * len(by)], kind="stable").reset_index(
        drop=True
    )
