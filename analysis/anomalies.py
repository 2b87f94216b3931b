"""Contract anomalies (the server contradicting the published contract or
itself), counted by kind from the runs' ``anomalies`` column."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import schema


@dataclass(frozen=True)
class AnomalyCounts:
    runs_with_anomalies: int
    runs: int
    by_kind: dict[str, int]


def count_anomalies(runs: pd.DataFrame) -> AnomalyCounts:
    """Every known kind (zero when absent), then any kind this reader does not know."""
    column = runs["anomalies"].astype("category")
    codes = column.cat.codes.to_numpy()
    per_category = np.bincount(codes[codes >= 0], minlength=len(column.cat.categories))
    by_kind = dict.fromkeys(schema.ANOMALY_KINDS, 0)
    for text, count in zip(column.cat.categories, per_category, strict=True):
        # A kind listed twice for one run counts once for it.
        for kind in dict.fromkeys(k.strip() for k in str(text).split(";")):
            if kind:
                by_kind[kind] = by_kind.get(kind, 0) + int(count)
    return AnomalyCounts(
        runs_with_anomalies=int((codes >= 0).sum() - per_category[_blank(column)].sum()),
        runs=len(runs),
        by_kind=by_kind,
    )


def _blank(column: pd.Series) -> np.ndarray:
    return np.array([not str(text).strip(" ;") for text in column.cat.categories], dtype=bool)
