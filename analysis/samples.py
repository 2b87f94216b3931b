"""The raw samples a comparison needs: each metric's sorted values, per scope
(the whole test, each workflow), kept small enough to store with a baseline.

A sample of more than ``SAMPLE_CAP`` values is kept as ``SAMPLE_CAP`` evenly
spaced order statistics (ranks ceil(i*n/cap)) together with its full count
n: percentiles read from it are exact to 1/cap in rank, and the bootstrap
(analysis.significance) still draws ranks out of n, so intervals keep the
width the full sample gives them. Both sides of a comparison are kept the
same way, whether they come from a results directory or a stored baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from analysis.expressions import ALL, WORKFLOW_PREFIX
from analysis.metrics import Analysis
from analysis.stats import Sample, nearest_rank

SAMPLE_CAP = 100_000
_METADATA_KEY = b"wfload.samples"


@dataclass(frozen=True)
class KeptSample:
    """Sorted values (at most ``SAMPLE_CAP`` order statistics) of a sample of ``count`` values."""

    values: np.ndarray
    count: int

    @classmethod
    def of(cls, sample: Sample, cap: int = SAMPLE_CAP) -> KeptSample:
        n = sample.count
        if n <= cap:
            return cls(sample.values, n)
        ranks = np.ceil(np.arange(1, cap + 1) * (n / cap)).astype(np.int64)
        return cls(sample.values[np.clip(ranks, 1, n) - 1], n)

    def at_ranks(self, ranks: np.ndarray) -> np.ndarray:
        """The values at 1-based ranks of the full sample."""
        kept = self.values.size
        index = ranks - 1 if kept == self.count else np.ceil(ranks * (kept / self.count)).astype(np.int64) - 1
        return self.values[np.clip(index, 0, kept - 1)]

    def quantile(self, p: float) -> float | None:
        if not self.count:
            return None
        return float(self.at_ranks(np.array([nearest_rank(p, self.count)]))[0])

    @property
    def mean(self) -> float | None:
        return float(self.values.mean()) if self.count else None

    @property
    def std(self) -> float:
        return float(self.values.std(ddof=1)) if self.values.size > 1 else 0.0


# scope ("all", "workflow:ID") -> metric name -> sample
SampleSets = dict[str, dict[str, KeptSample]]


def samples_of(analysis: Analysis, cap: int = SAMPLE_CAP) -> SampleSets:
    """Every metric sample of an analysis, for the whole test and per workflow."""
    sets: SampleSets = {ALL: {name: KeptSample.of(s, cap) for name, s in analysis.samples.items()}}
    for workflow in analysis.workflows:
        sets[WORKFLOW_PREFIX + workflow.workflow_id] = {
            name: KeptSample.of(s, cap) for name, s in workflow.samples.items()
        }
    return sets


def write_samples(path: Path, sets: SampleSets) -> None:
    """One Parquet file (zstd): a ``value`` column of every sample one after
    the other, and where each begins in the file's metadata."""
    groups, arrays, start = [], [], 0
    for scope, samples in sets.items():
        for metric, sample in samples.items():
            groups.append(
                {
                    "scope": scope,
                    "metric": metric,
                    "count": sample.count,
                    "start": start,
                    "length": int(sample.values.size),
                }
            )
            arrays.append(sample.values)
            start += int(sample.values.size)
    values = np.concatenate(arrays) if arrays else np.zeros(0)
    table = pa.table({"value": pa.array(values, pa.float64())})
    table = table.replace_schema_metadata({_METADATA_KEY: orjson.dumps(groups)})
    # Byte-stream split lays out the bytes of sorted floats so zstd finds their likeness.
    pq.write_table(table, path, compression="zstd", use_byte_stream_split=["value"], use_dictionary=False)


def read_samples(path: Path) -> SampleSets:
    table = pq.read_table(path)
    groups = orjson.loads((table.schema.metadata or {}).get(_METADATA_KEY, b"[]"))
    values = table.column("value").to_numpy()
    sets: SampleSets = {}
    for group in groups:
        start, length = group["start"], group["length"]
        sets.setdefault(group["scope"], {})[group["metric"]] = KeptSample(
            values[start : start + length], int(group["count"])
        )
    return sets
