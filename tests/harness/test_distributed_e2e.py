"""End to end: a Locust master and two worker processes against the simulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from analysis import load_results
from tests.harness.conftest import LOCUSTFILE, SECRET, files_containing, free_port, read_csv, sim_get, wfload

pytestmark = pytest.mark.e2e



def test_master_and_two_workers_account_for_every_run(simulator, tmp_path):
    sim = simulator(workers=16)
    out = tmp_path / "dist"
    result = wfload("run", "-H", sim.url, "--workers", "2", "-u", "8", "-t", "6s", "--out", str(out), "--no-report",
                    "--poll-first", "0.1", "--poll-interval", "0.2", "--drain-timeout", "20", timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    runs = read_csv(out / "runs.csv")
    truth = {run["id"]: run["status"] for run in sim_get(sim, "/__sim/runs")["runs"]}
    recorded = Counter(row["run_id"] for row in runs)
    assert len(truth) > 20 and set(recorded) == set(truth) and max(recorded.values()) == 1
    assert all(row["outcome"] == truth[row["run_id"]] for row in runs)
    assert {row["worker"] for row in runs} == {"0", "1"}
    requests = read_csv(out / "requests.csv")
    answered = sim_get(sim, "/__sim/stats")["requests"]
    for key, route in (("POST /workflows/[id]/execute", "/workflows/[id]/execute"),
                       ("GET /workflows/runs/[id]", "/workflows/runs/[id]")):
        assert sum(answered[key].values()) == sum(1 for row in requests if row["route"] == route)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "completed" and meta["workers"] == [0, 1] and meta["notes"] == []
    assert meta["counts"]["runs"] == len(runs)
    assert files_containing(out, SECRET) == []



def test_losing_a_worker_leaves_an_annotated_readable_directory_and_a_report(simulator, tmp_path):
    sim = simulator(workers=16)
    out = tmp_path / "lost"
    port = free_port()
    env = dict(os.environ, ALTOSTRAT_TOKEN=SECRET)
    locust = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE)]
    master = subprocess.Popen(
        [*locust, "--master", "--headless", "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
         "--expect-workers", "2", "-H", sim.url, "-u", "6", "-r", "6", "-t", "14s", "--results-dir", str(out),
         "--drain-timeout", "10", "--exit-code-on-error", "0"],  # failed runs are for budgets to judge
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    workers = [subprocess.Popen([*locust, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        time.sleep(6)
        workers[1].send_signal(signal.SIGKILL)
        assert master.wait(90) == 0
    finally:
        for process in (master, *workers):
            if process.poll() is None:
                process.kill()
            process.wait()
    meta = json.loads((out / "meta.json").read_text())
    assert meta["status"] == "completed"
    assert any("was lost" in note and "runs in flight" in note for note in meta["notes"]), meta["notes"]
    events = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events].count("worker_lost") == 1
    results = load_results(out)
    assert len(results.runs) > 10 and set(results.runs["worker"].astype(int)) == {0, 1}
    report = wfload("report", str(out))
    assert report.returncode == 0, report.stderr
    assert (out / "report.html").exists()
