"""End to end: ``wfload run`` (Locust in a subprocess) against a real simulator on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from analysis import load_results
from tests.harness.conftest import LOCUSTFILE, SECRET, files_containing, read_csv, sim_get, wfload

pytestmark = pytest.mark.e2e



def test_every_run_the_simulator_created_appears_once_with_its_status(simulator, tmp_path):
    sim = simulator(workers=4)
    out = tmp_path / "results"
    result = wfload("run", "-H", sim.url, "-u", "8", "-t", "6s", "--out", str(out), "--no-report",
                    "--workflow", "fl_quick_notify", "--workflow", "fl_approval", "--workflow", "fl_webhook_check",
                    "--drain-timeout", "20", "--poll-interval", "0.2", "--poll-first", "0.1")
    assert result.returncode == 0, result.stderr[-2000:]

    truth = {run["id"]: run for run in sim_get(sim, "/__sim/runs")["runs"]}
    runs = read_csv(out / "runs.csv")
    recorded = Counter(row["run_id"] for row in runs)
    assert len(truth) > 20
    assert set(recorded) == set(truth), "a run the simulator created is missing from the results, or vice versa"
    assert max(recorded.values()) == 1, "a run was recorded twice"
    for row in runs:
        assert row["outcome"] == truth[row["run_id"]]["status"]
        assert row["attempt_id"] == truth[row["run_id"]]["idempotency_key"]
        if row["duration_in_seconds"]:
            assert float(row["end_to_end_s"]) >= float(row["duration_in_seconds"])
    outcomes = Counter(row["outcome"] for row in runs)
    assert outcomes["completed"] > 0 and outcomes["awaiting_ui_interaction"] > 0

    # Every request the simulator answered on the tracked routes is one request record.
    stats = sim_get(sim, "/__sim/stats")
    requests = Counter((row["method"], row["route"], row["status"]) for row in read_csv(out / "requests.csv"))
    for route in ("/workflows/[id]/execute", "/workflows/runs/[id]"):
        method = "POST" if route.endswith("execute") else "GET"
        for status, count in stats["requests"][f"{method} {route}"].items():
            assert requests[(method, route, status)] == count

    nodes = read_csv(out / "nodes.csv")
    assert sum(int(r["nodes"]) for r in runs) == len(nodes)

    meta = load_results(out).meta
    assert meta["status"] == "completed" and meta["counts"]["runs"] == len(runs)
    assert meta["target"]["host"] == sim.url and meta["config"]["tokens"] == 1
    assert files_containing(out, SECRET) == []
    assert SECRET not in result.stdout + result.stderr


def test_a_killed_test_leaves_a_readable_directory(simulator, tmp_path):
    sim = simulator()
    out = tmp_path / "killed"
    env = dict(os.environ, ALTOSTRAT_TOKEN=SECRET)
    child = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-H", sim.url, "-u", "10",
         "-r", "10", "-t", "60s", "--results-dir", str(out)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            runs = out / "runs.csv"
            if runs.exists() and runs.read_text().count("\n") > 15:
                break
            time.sleep(0.2)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(10)
    results = load_results(out)
    assert results.killed
    assert len(results.runs) > 14
    assert results.runs["run_id"].str.startswith("fl_run_").all()
    assert len(results.requests) >= len(results.runs)


def test_a_bad_scenario_is_one_line_exit_2_and_writes_nothing(tmp_path):
    scenario = tmp_path / "bad.toml"
    scenario.write_text('[[workflows]]\nid = "fl_quick_notify"\nweight = 0\n')
    out = tmp_path / "never"
    result = wfload("run", "--scenario", str(scenario), "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{scenario}:3:" in lines[0] and "weight" in lines[0]
    assert not out.exists()


def test_an_unreachable_target_is_one_line_exit_2(tmp_path):
    result = wfload("run", "-H", "http://127.0.0.1:9", "--out", str(tmp_path / "never"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "cannot reach http://127.0.0.1:9" in result.stderr
    assert not (tmp_path / "never").exists()


def test_an_unknown_workflow_is_refused_before_any_load(simulator, tmp_path):
    sim = simulator()
    result = wfload("run", "-H", sim.url, "--workflow", "fl_nope", "--out", str(tmp_path / "never"))
    assert result.returncode == 2 and "workflow 'fl_nope' does not exist" in result.stderr
    assert sim_get(sim, "/__sim/stats")["runs"]["created"] == 0
