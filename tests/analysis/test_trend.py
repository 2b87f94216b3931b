"""Change points on histories with a known step, and ``wfload trend`` over
synthetic results directories (summary.json is all a trend reads)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analysis import cli
from analysis.changepoints import best_segment, change_points
from analysis.expressions import parse_expression
from analysis.trend import IMPROVEMENT, REGRESSION, build_trend, find_runs

T0 = 1796374800.0


def test_a_step_is_found_where_it_is_in_most_seeded_histories():
    rng = np.random.default_rng(1)
    found = 0
    for seed in range(100):
        values = rng.normal(1.0, 0.05, 30)
        values[18:] *= 1.2
        points = change_points(values, seed=seed)
        found += any(abs(p.index - 18) <= 1 and 0.1 < p.change < 0.3 for p in points)
    assert found >= 85


def test_flat_histories_rarely_show_a_change_point():
    rng = np.random.default_rng(2)
    flagged = sum(bool(change_points(rng.normal(1.0, 0.05, 30), seed=seed)) for seed in range(100))
    assert flagged <= 8


def test_a_regression_that_was_fixed_shows_both_changes():
    rng = np.random.default_rng(3)
    values = np.r_[rng.normal(1.0, 0.03, 12), rng.normal(1.3, 0.03, 8), rng.normal(1.0, 0.03, 12)]
    assert [p.index for p in change_points(values)] == [12, 20]


def test_one_wild_run_is_not_a_step():
    values = np.r_[np.full(10, 1.0), [50.0], np.full(10, 1.0)] + np.linspace(0, 0.01, 21)
    assert change_points(values) == []


def test_small_steps_and_missing_values():
    rng = np.random.default_rng(4)
    values = np.r_[rng.normal(1.0, 0.001, 15), rng.normal(1.02, 0.001, 15)]
    assert change_points(values) == []  # significant, but under the 5% minimum effect
    assert [p.index for p in change_points(values, min_effect=0.01)] == [15]
    values[[3, 20]] = np.nan
    assert [p.index for p in change_points(values, min_effect=0.01)] == [15]


def test_best_segment_respects_the_minimum_size():
    values = np.r_[np.zeros(10), [5.0, 5.0], np.zeros(10)]
    i, j, _ = best_segment(values, 3)
    n = len(values)
    assert j - i >= 3 and (i == 0 or i >= 3) and (j == n or n - j >= 3)


def history(root: Path, p95: list[float], throughput: list[float] | None = None) -> list[Path]:
    """Results directories holding only a summary.json, one a day."""
    paths = []
    for n, value in enumerate(p95):
        directory = root / f"run-{n:03d}"
        directory.mkdir(parents=True)
        summary = {
            "results": {"started_at": T0 + 86400 * (len(p95) - n)},  # written newest first: order by time
            "metrics": {"end_to_end_s": {"p50": value / 2, "p95": value, "p99": value * 1.5},
                        "execute_ms": {"p95": 20.0}},
            "rates": {"failed": 0.01, "http_errors": 0.0},
            "throughput": {"runs_finished_per_s": (throughput or [10.0] * len(p95))[n]},
        }  # fmt: skip
        (directory / "summary.json").write_text(json.dumps(summary))
        paths.append(directory)
    return paths


def test_trend_orders_runs_by_start_and_gives_each_change_its_direction(tmp_path):
    rng = np.random.default_rng(5)
    p95 = list(np.r_[rng.normal(3.0, 0.1, 12), rng.normal(2.0, 0.1, 12)])  # read in reverse: a rise
    throughput = list(np.r_[rng.normal(10, 0.2, 12), rng.normal(7, 0.2, 12)])  # read in reverse: a rise
    history(tmp_path / "history", p95, throughput)
    runs = find_runs([tmp_path / "history"])
    assert [r.label for r in runs] == [f"run-{n:03d}" for n in range(23, -1, -1)]
    trend = build_trend(
        runs, [parse_expression("p95(end_to_end_s)"), parse_expression("throughput(runs_finished_per_s)")]
    )
    latency, rate = trend.series
    assert [(s.point.index, s.direction) for s in latency.shifts] == [(12, REGRESSION)]
    assert [(s.point.index, s.direction) for s in rate.shifts] == [(12, IMPROVEMENT)]


def test_wfload_trend_writes_its_files(tmp_path, capsys):
    rng = np.random.default_rng(6)
    paths = history(tmp_path / "history", list(np.r_[rng.normal(2.0, 0.05, 10), rng.normal(2.5, 0.05, 10)][::-1]))
    (tmp_path / "history" / "baselines").mkdir()  # not a run: ignored
    out = tmp_path / "trend"
    assert cli.main(["trend", str(tmp_path / "history"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"trend: {out / 'trend.html'} (20 runs)"
    assert any(line.startswith("  p95(end_to_end_s): regression from run-009") for line in printed)
    assert {p.name for p in out.iterdir()} == {"trend.png", "trend.html", "trend.md", "trend.json"}
    data = json.loads((out / "trend.json").read_text())
    p95 = next(m for m in data["metrics"] if m["expression"] == "p95(end_to_end_s)")
    assert [(c["index"], c["direction"], c["run"]) for c in p95["change_points"]] == [(10, "regression", str(paths[9]))]
    assert (out / "trend.png").read_bytes().startswith(b"\x89PNG")
    html = (out / "trend.html").read_text()
    assert "data:image/png;base64," in html and "run-009" in html and "<script" not in html
    assert "| p95(end_to_end_s) | run-009 |" in (out / "trend.md").read_text()
    # Directories given one by one make the same history.
    assert cli.main(["trend", *map(str, paths), "--out", str(tmp_path / "again"), "--quiet"]) == 0
    again = json.loads((tmp_path / "again" / "trend.json").read_text())
    assert again["metrics"] == data["metrics"]


@pytest.mark.parametrize("argv", [["trend", "/nonexistent"], ["trend", "{empty}"]])
def test_trend_of_nothing_is_exit_2(tmp_path, capsys, argv):
    (tmp_path / "empty").mkdir()
    argv = [a.replace("{empty}", str(tmp_path / "empty")) for a in argv]
    assert cli.main([*argv, "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("wfload trend: ")
