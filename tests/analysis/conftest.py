"""Fixtures of the analysis tests: a realistic synthetic results directory
(from the benchmark generator) and its report, built once a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.options import ReportOptions
from analysis.report import Report, write_report
from benchmarks.generate_results import generate


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A realistic results directory (every outcome, errors, anomalies, nodes)."""
    directory = tmp_path_factory.mktemp("synthetic") / "results"
    generate(directory, runs=2000, requests=20000, seed=7)
    return directory


@pytest.fixture(scope="session")
def synthetic_report(synthetic_dir: Path) -> Report:
    options = ReportOptions(warmup_s=5, cooldown_s=5, slo={"end_to_end_s": 10.0, "execute_ms": 40.0})
    return write_report(synthetic_dir, options)
