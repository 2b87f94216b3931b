"""End to end: the open workload model, dropped arrivals and load shapes."""

from __future__ import annotations

import itertools
import json
import statistics

import pytest

from tests.harness.conftest import read_csv, sim_get, wfload

pytestmark = pytest.mark.e2e

FAST = ["--poll-first", "0.05", "--poll-interval", "0.2", "--drain-timeout", "15"]



def gaps(rows):
    times = sorted(float(row["intended_at"]) for row in rows)
    return [b - a for a, b in itertools.pairwise(times)]


def test_arrivals_keep_their_rate_and_record_the_lag(simulator, tmp_path):
    sim = simulator(workers=32)
    out = tmp_path / "open"
    result = wfload("run", "-H", sim.url, "--arrival-rate", "25", "-t", "4s", "--out", str(out), "--no-report",
                    "--workflow", "fl_quick_notify", *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    runs = read_csv(out / "runs.csv")
    spacing = gaps(runs)
    assert statistics.mean(spacing) == pytest.approx(1 / 25, rel=0.05)
    assert statistics.pstdev(spacing) / statistics.mean(spacing) < 0.25
    assert max(float(row["start_lag_s"]) for row in runs) < 0.25
    assert all(row["outcome"] == "completed" for row in runs)
    assert json.loads((out / "meta.json").read_text())["model"] == "open"
    assert sim_get(sim, "/__sim/stats")["runs"]["created"] == len(runs)


def test_poisson_arrivals_are_irregular(simulator, tmp_path):
    sim = simulator(workers=32)
    out = tmp_path / "poisson"
    result = wfload("run", "-H", sim.url, "--arrival-rate", "40", "-t", "4s", "--out", str(out), "--no-report",
                    "--workflow", "fl_quick_notify", "--arrival-process", "poisson", *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    spacing = gaps(read_csv(out / "runs.csv"))
    assert len(spacing) > 100
    assert 0.7 < statistics.pstdev(spacing) / statistics.mean(spacing) < 1.3  # exponential gaps: CV near 1


def test_arrivals_past_the_in_flight_cap_are_dropped_and_counted(simulator, tmp_path):
    sim = simulator()
    out = tmp_path / "capped"
    result = wfload("run", "-H", sim.url, "--arrival-rate", "10", "-t", "3s", "--out", str(out), "--no-report",
                    "--workflow", "fl_delayed_report", "--max-in-flight", "3", "--max-start-lag", "0.2", *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    runs = read_csv(out / "runs.csv")
    dropped = [row for row in runs if row["outcome"] == "dropped"]
    sent = [row for row in runs if row["outcome"] != "dropped"]
    assert len(runs) >= 25 and len(dropped) >= 15
    assert len(sent) >= 3 and all(row["submitted_at"] == "" and row["run_id"] == "" for row in dropped)
    assert sim_get(sim, "/__sim/stats")["runs"]["created"] == len(sent)


def test_a_steps_shape_moves_the_users_and_ends_the_test(simulator, tmp_path):
    sim = simulator()
    out = tmp_path / "steps"
    result = wfload("run", "-H", sim.url, "-t", "60s", "--shape", "steps:2,5/2s", "--out", str(out), "--no-report",
                    "--workflow", "fl_quick_notify", *FAST, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    stages = [e for e in events if e["event"] == "stage"]
    assert [(e["index"], e["level"], e["unit"]) for e in stages] == [(0, 2, "users"), (1, 5, "users")]
    runs = read_csv(out / "runs.csv")
    assert {int(row["user"]) for row in runs} == set(range(5))
    meta = json.loads((out / "meta.json").read_text())
    assert meta["ended_at"] - meta["started_at"] < 20, "the shape's end must end the test, not -t"


def test_an_abort_rule_stops_the_test_early_and_says_why(simulator, tmp_path):
    sim = simulator()
    out = tmp_path / "aborted"
    rule = '[{"metric": "end_to_end_s", "stat": "p95", "op": ">", "threshold": 0.01, "for_s": 2, "grace_s": 1}]'
    result = wfload("run", "-H", sim.url, "-u", "4", "-t", "60s", "--out", str(out), "--no-report",
                    "--workflow", "fl_quick_notify", "--abort-rules", rule, *FAST, timeout=60)
    assert result.returncode == 1, result.stderr[-2000:]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "aborted"
    assert meta["ended_at"] - meta["started_at"] < 30
    assert any("p95(end_to_end_s) > 0.01 for 2 s" in note for note in meta["notes"])
    events = [json.loads(line)["event"] for line in (out / "events.jsonl").read_text().splitlines()]
    assert "abort" in events
    assert all(row["outcome"] in ("completed", "unfinished") for row in read_csv(out / "runs.csv"))


def test_abort_rules_a_running_test_cannot_watch_are_refused(simulator, tmp_path):
    sim = simulator()
    rule = '[{"metric": "execute_ms", "stat": "p95", "op": ">", "threshold": 5}]'
    result = wfload("run", "-H", sim.url, "-t", "5s", "--out", str(tmp_path / "never"), "--abort-rules", rule)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "can only watch" in result.stderr
    assert sim_get(sim, "/__sim/stats")["runs"]["created"] == 0
