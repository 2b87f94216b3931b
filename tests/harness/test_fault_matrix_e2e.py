"""The fault matrix: the harness against every fault mode of the simulator.

For each row the harness must keep running, classify what happened, finish
with a report, and account for everything: every execute attempt has
exactly one run record, every run the simulator started is known to the
results (matched by its Idempotency-Key, which is the record's attempt id),
no run was started twice, and the outcomes agree with the simulator's own.
Loads are short and go to a simulator on loopback only.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from loadtests.simulator.process import SimulatorProcess
from tests.harness.conftest import ROOT, SECRET, free_port, read_csv, sim_get, wfload

pytestmark = pytest.mark.e2e

EXECUTE, RUN = "/workflows/[id]/execute", "/workflows/runs/[id]"
FAST = ["--poll-first", "0.05", "--poll-interval", "0.2", "--drain-timeout", "15"]
TERMINAL = {"completed", "failed", "awaiting_ui_interaction"}



def assert_accounted_for(truth_runs: list[dict], records: list[dict]) -> None:
    """The accounting every row of the matrix must satisfy."""
    attempts = Counter(row["attempt_id"] for row in records)
    assert max(attempts.values()) == 1, "an execute attempt has two records"
    keys = Counter(run["idempotency_key"] for run in truth_runs)
    assert max(keys.values(), default=1) == 1, "the simulator started one attempt's run twice"
    by_key = {row["attempt_id"]: row for row in records}
    for run in truth_runs:
        row = by_key.get(run["idempotency_key"])
        assert row is not None, f"the simulator started {run['id']}, which the results do not know"
        if row["run_id"]:
            assert row["run_id"] == run["id"]
        if row["outcome"] in TERMINAL:
            assert row["outcome"] == run["status"]
    started = {run["id"] for run in truth_runs}
    assert {row["run_id"] for row in records if row["run_id"]} <= started


def run_against(sim, out, *extra, seconds="5s", users="4"):
    result = wfload("run", "-H", sim.url, "-u", users, "-t", seconds, "--out", str(out), *FAST, *extra, timeout=150)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (out / "report.html").exists(), "no report"
    records = read_csv(out / "runs.csv")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"]["attempts"] == len(records)
    return records, summary


MATRIX = {
    "5xx bursts": ('[faults.errors]\nratio = 0.25\nroutes = ["/workflows/[id]/execute", "/workflows/runs/[id]"]\n',
                   ["--workflow", "fl_quick_notify"]),
    "stall windows": ("[faults.stall]\nevery_s = 2\nfor_s = 0.7\n", ["--workflow", "fl_quick_notify"]),
    "connection resets": ('[faults.reset]\nratio = 0.15\nwhen = "after"\n'
                          'routes = ["/workflows/[id]/execute", "/workflows/runs/[id]"]\n',
                          ["--workflow", "fl_quick_notify"]),
    "malformed JSON": ('[faults.malformed]\nratio = 0.2\n', ["--workflow", "fl_quick_notify"]),
    "429 storms": ("[rate_limit]\nlimit = 8\nwindow_s = 1\n", ["--workflow", "fl_quick_notify"]),
    "runs that never finish": ('[faults.hang]\nratio = 0.3\n', ["--workflow", "fl_quick_notify", "--run-timeout", "3"]),
    "slow bodies": ('[faults.slow]\nratio = 0.2\nseconds = 0.8\n', ["--workflow", "fl_quick_notify"]),
}


@pytest.mark.parametrize("fault", list(MATRIX))
def test_the_harness_keeps_measuring_and_accounts_for_every_run(fault, simulator, tmp_path):
    config, options = MATRIX[fault]
    sim = simulator(config)
    records, summary = run_against(sim, tmp_path / "r", *options)
    truth = sim_get(sim, "/__sim/runs")["runs"]
    assert_accounted_for(truth, records)
    outcomes = Counter(row["outcome"] for row in records)
    assert outcomes["completed"] > 0, f"{fault}: nothing completed: {outcomes}"
    assert outcomes["error"] == 0, "a fault of the target became a harness error"
    check_classification(fault, records, summary, sim)


def check_classification(fault: str, records: list[dict], summary: dict, sim) -> None:
    answered = sim_get(sim, "/__sim/stats")
    if fault == "5xx bursts":
        assert summary["rates"]["http_5xx"] > 0.05
        assert summary["runs"]["by_status"].get("failed", 0) == sum(r["outcome"] == "failed" for r in records)
    elif fault == "connection resets":
        assert answered["idempotent_replays"] > 0, "no ambiguous execute was retried"
        assert summary["rates"]["http_no_response"] > 0
    elif fault == "malformed JSON":
        assert any("malformed_json" in row["anomalies"] for row in records)
        assert summary["anomalies"]
    elif fault == "429 storms":
        assert summary["rates"]["http_429"] > 0
        assert summary["rates"]["http_errors"] == 0, "429s must be counted apart from real failures"
        assert {row["outcome"] for row in records} == {"completed"}
    elif fault == "runs that never finish":
        timed_out = [row for row in records if row["outcome"] == "timed_out"]
        assert timed_out and all(row["last_status"] in ("pending", "running") for row in timed_out)
        assert summary["runs"]["by_status"]["timed_out"] == len(timed_out)
        assert summary["runs"]["failure_rate"] == 0, "a run the harness gave up on is not a failed run"
    elif fault == "slow bodies":
        assert summary["metrics"]["poll_ms"]["max"] >= 700 or summary["metrics"]["execute_ms"]["max"] >= 700
    elif fault == "stall windows":
        assert summary["metrics"]["end_to_end_s"]["max"] >= 0.5


def test_an_ambiguous_execute_that_stays_ambiguous_is_unknown_and_still_accounted_for(simulator, tmp_path):
    sim = simulator('[faults.reset]\nratio = 1.0\nwhen = "after"\ncount = 4\nroutes = ["/workflows/[id]/execute"]\n')
    records, summary = run_against(sim, tmp_path / "r", "--workflow", "fl_quick_notify", "--execute-retries", "3",
                                   users="1", seconds="3s")
    unknown = [row for row in records if row["outcome"] == "unknown"]
    assert len(unknown) == 1 and unknown[0]["run_id"] == "" and unknown[0]["execute_attempts"] == "4"
    truth = sim_get(sim, "/__sim/runs")["runs"]
    assert unknown[0]["attempt_id"] in {run["idempotency_key"] for run in truth}, "the run that may exist does exist"
    assert_accounted_for(truth, records)
    assert summary["runs"]["by_status"]["unknown"] == 1


def test_a_killed_and_restarted_simulator_loses_runs_without_failing_them(tmp_path):
    port = free_port()
    first = SimulatorProcess(port=port, seed=3)
    first.start()
    out = tmp_path / "restart"
    test = subprocess.Popen(
        [sys.executable, "-m", "wfload", "run", "-H", first.url, "-u", "6", "-t", "10s", "--out", str(out),
         "--workflow", "fl_delayed_report", "--workflow", "fl_quick_notify", *FAST],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**_env(), "ALTOSTRAT_TOKEN": SECRET},
    )
    second = None
    try:
        time.sleep(4)
        before = sim_get(first, "/__sim/runs")["runs"]
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
        time.sleep(1)
        second = SimulatorProcess(port=port, seed=4)
        second.start()
        _, stderr = test.communicate(timeout=120)
        assert test.returncode == 0, stderr[-3000:]
        after = sim_get(second, "/__sim/runs")["runs"]
    finally:
        for sim in (first, second):
            if sim is not None:
                sim.stop()
    records = read_csv(out / "runs.csv")
    lost = [row for row in records if row["outcome"] == "lost"]
    assert lost, "runs in flight when the simulator died must be recorded as lost"
    assert all("404" in row["detail"] for row in lost)
    assert {row["run_id"] for row in lost} <= {run["id"] for run in before}
    known = {row["attempt_id"] for row in records}
    assert {run["idempotency_key"] for run in before + after} <= known
    assert all(row["error_message"] for row in records if row["outcome"] == "failed"), "only the server fails runs"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"]["by_status"]["lost"] == len(lost)
    assert summary["runs"]["failure_rate"] == pytest.approx(
        sum(r["outcome"] == "failed" for r in records) / max(1, sum(r["outcome"] in TERMINAL for r in records)))


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "ALTOSTRAT_TOKEN"}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_test_stops_cleanly_drains_and_still_reports(signum, simulator, tmp_path):
    sim = simulator()
    out = tmp_path / "interrupted"
    test = subprocess.Popen(
        [sys.executable, "-m", "wfload", "run", "-H", sim.url, "-u", "6", "-t", "60s", "--out", str(out),
         "--workflow", "fl_delayed_report", *FAST],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**_env(), "ALTOSTRAT_TOKEN": SECRET},
    )
    time.sleep(5)
    test.send_signal(signum)
    _, stderr = test.communicate(timeout=90)
    assert test.returncode == 130, stderr[-3000:]
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "interrupted"
    assert (out / "report.html").exists()
    records = read_csv(out / "runs.csv")
    assert records and {row["outcome"] for row in records} <= TERMINAL, "the drain followed every run to its end"
    assert_accounted_for(sim_get(sim, "/__sim/runs")["runs"], records)
