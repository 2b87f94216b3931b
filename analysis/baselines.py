"""Stored baselines: what a later comparison needs from a test, not the test.

```
reports/baselines/NAME/
  baseline.json     what this is: name, when saved, the test it came from, the window
  summary.json      the test's summary (summary_version 1), for budgets and trends
  samples.parquet   every metric's sorted samples per scope (analysis.samples), zstd
```

A baseline is a few hundred kilobytes where its results directory may be
gigabytes: small enough for a CI cache or a commit. It is written under a
temporary name and renamed into place, so a failed save never leaves half a
baseline, and an existing one is replaced only when asked to.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from analysis.load import ResultsError
from analysis.samples import SAMPLE_CAP, SampleSets, read_samples, write_samples
from analysis.summary import dumps

BASELINES_ROOT = Path("reports") / "baselines"
BASELINE_VERSION = 1
BASELINE_JSON = "baseline.json"
SUMMARY_JSON = "summary.json"
SAMPLES_FILE = "samples.parquet"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


@dataclass(frozen=True)
class StoredBaseline:
    path: Path
    meta: dict[str, Any]
    summary: dict[str, Any]
    samples: SampleSets

    @property
    def name(self) -> str:
        return str(self.meta.get("name") or self.path.name)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ResultsError(
            f"{name!r} is not a baseline name: use letters, digits, '.', '_' and '-' (e.g. main or release-1.4)"
        )
    return name


def is_baseline(path: Path) -> bool:
    return (path / BASELINE_JSON).is_file()


def save_baseline(root: Path, name: str, summary: dict[str, Any], samples: SampleSets, *, force: bool = False) -> Path:
    """Write ``root/name``; an existing baseline is replaced only with ``force``."""
    target = root / check_name(name)
    if target.exists() and not force:
        raise ResultsError(f"baseline {target} exists already: choose another --name, or add --force to replace it")
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".{name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write_samples(staging / SAMPLES_FILE, samples)
        (staging / SUMMARY_JSON).write_bytes(dumps(summary))
        (staging / BASELINE_JSON).write_bytes(dumps(_meta(name, summary, samples)))
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def read_baseline(path: Path) -> StoredBaseline:
    meta = _read_json(path / BASELINE_JSON)
    version = meta.get("baseline_version")
    if not isinstance(version, int) or version > BASELINE_VERSION:
        raise ResultsError(
            f"baseline {path} has version {version}; this wfload reads up to {BASELINE_VERSION}: upgrade wfload"
        )
    summary = _read_json(path / SUMMARY_JSON)
    try:
        samples = read_samples(path / SAMPLES_FILE)
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path / SAMPLES_FILE} cannot be read ({exc}): save the baseline again") from exc
    return StoredBaseline(path, meta, summary, samples)


def list_baselines(root: Path) -> list[dict[str, Any]]:
    """The stored baselines under ``root``, newest first, each as its baseline.json."""
    found = []
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        if path.is_dir() and not path.name.startswith(".") and is_baseline(path):
            try:
                found.append({**_read_json(path / BASELINE_JSON), "path": str(path)})
            except ResultsError:
                continue
    return sorted(found, key=lambda meta: meta.get("saved_at") or 0, reverse=True)


def _meta(name: str, summary: dict[str, Any], samples: SampleSets) -> dict[str, Any]:
    results = summary.get("results") or {}
    window = summary.get("window") or {}
    return {
        "baseline_version": BASELINE_VERSION,
        "name": name,
        "saved_at": time.time(),
        "source": {
            key: results.get(key)
            for key in ("path", "status", "started_at", "ended_at", "model", "target_host", "embedded_simulator")
        },
        "window": {key: window.get(key) for key in ("start", "end", "duration_s", "warmup_s", "cooldown_s")},
        "sample_cap": SAMPLE_CAP,
        "samples": {scope: {metric: s.count for metric, s in metrics.items()} for scope, metrics in samples.items()},
    }


def _swap_in(staging: Path, target: Path) -> None:
    if not target.exists():
        os.replace(staging, target)
        return
    retired = target.with_name(f".{target.name}.{os.getpid()}.old")
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(retired, target)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ResultsError(f"{path} is missing: the baseline is incomplete; save it again") from None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ResultsError(f"{path} cannot be read ({exc}): save the baseline again") from exc
    if not isinstance(data, dict):
        raise ResultsError(f"{path} is not a JSON object: save the baseline again")
    return data
