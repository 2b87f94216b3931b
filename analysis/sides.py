"""One side of a comparison: a test's summary and its raw samples, from a
results directory or a stored baseline, found by path or baseline name.

A results directory is analysed afresh over the same measured window its
report used (the warm-up and cool-down in its summary.json), so its figures
agree with its report; a stored baseline is read as it was saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from analysis.baselines import BASELINES_ROOT, is_baseline, list_baselines, read_baseline
from analysis.expressions import Expression
from analysis.load import ResultsError, load_results
from analysis.metrics import analyse
from analysis.options import ReportOptions
from analysis.progress import Progress, silent
from analysis.samples import KeptSample, SampleSets, samples_of
from analysis.schema import META_FILE
from analysis.summary import build_summary, dumps

RESULTS = "results"
BASELINE = "baseline"
SUMMARY_JSON = "summary.json"


@dataclass(frozen=True)
class Side:
    kind: str  # RESULTS or BASELINE
    path: Path
    summary: dict[str, Any]
    samples: SampleSets
    name: str | None = None  # a stored baseline's name

    @property
    def label(self) -> str:
        return self.name or str(self.path)

    def sample(self, expression: Expression) -> KeptSample | None:
        return self.samples.get(expression.scope, {}).get(expression.name)

    def rate_counts(self, expression: Expression) -> tuple[int, int] | None:
        """A rate as (events, denominator), from summary.json's rate_details."""
        block = self.summary
        if expression.workflow is not None:
            block = (self.summary.get("workflows") or {}).get(expression.workflow) or {}
        detail = (block.get("rate_details") or {}).get(expression.name)
        if not detail or detail.get("denominator") is None:
            return None
        return int(detail["numerator"]), int(detail["denominator"])

    def to_json(self) -> dict[str, Any]:
        results = self.summary.get("results") or {}
        return {"kind": self.kind, "path": str(self.path), "name": self.name, "started_at": results.get("started_at")}


def load_side(
    spec: str | Path,
    root: Path = BASELINES_ROOT,
    *,
    warmup_s: float | None = None,
    cooldown_s: float | None = None,
    progress: Progress | None = None,
    need_samples: bool = True,
) -> Side:
    """A baseline name (under ``root``), a baseline directory or a results directory.

    Without ``need_samples`` (budgets only), a results directory's own
    summary.json is read when it has one, rather than analysing it again.
    """
    kind, path = resolve(spec, root)
    if kind == BASELINE:
        stored = read_baseline(path)
        return Side(BASELINE, path, stored.summary, stored.samples, stored.name)
    if not need_samples and warmup_s is None and cooldown_s is None:
        summary = read_summary(path)
        if summary is not None:
            return Side(RESULTS, path, summary, {})
    return results_side(path, warmup_s=warmup_s, cooldown_s=cooldown_s, progress=progress)


def resolve(spec: str | Path, root: Path = BASELINES_ROOT) -> tuple[str, Path]:
    """What ``spec`` names: (RESULTS or BASELINE, its directory)."""
    path = Path(spec)
    if path.is_dir():
        if is_baseline(path):
            return BASELINE, path
        if (path / META_FILE).is_file():
            return RESULTS, path
        raise ResultsError(
            f"{path} is neither a results directory (meta.json) nor a baseline (baseline.json): "
            "give the directory 'wfload run' wrote, or a baseline name"
        )
    named = root / str(spec)
    if "/" not in str(spec) and is_baseline(named):
        return BASELINE, named
    known = ", ".join(meta["name"] for meta in list_baselines(root)) or "none"
    raise ResultsError(
        f"no results directory {spec} and no baseline of that name under {root} (stored: {known}); "
        "save one with 'wfload baseline save DIR --name NAME'"
    )


def results_side(
    path: Path,
    *,
    warmup_s: float | None = None,
    cooldown_s: float | None = None,
    progress: Progress | None = None,
) -> Side:
    """Analyse a results directory over its report's window (or the one given)."""
    window = (read_summary(path) or {}).get("window") or {}
    options = ReportOptions(
        warmup_s=(window.get("warmup_s") or 0.0) if warmup_s is None else warmup_s,
        cooldown_s=(window.get("cooldown_s") or 0.0) if cooldown_s is None else cooldown_s,
    )
    progress = progress or silent()
    analysis = analyse(load_results(path, progress), options, progress)
    # Through JSON, so that it reads exactly as summary.json would.
    summary = orjson.loads(dumps(build_summary(analysis)))
    return Side(RESULTS, path, summary, samples_of(analysis))


def read_summary(directory: Path) -> dict[str, Any] | None:
    """A results directory's summary.json, or None when there is none (no report yet)."""
    path = directory / SUMMARY_JSON
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ResultsError(f"{path} cannot be read ({exc}): write the report again with 'wfload report'") from exc
    return data if isinstance(data, dict) else None
