"""End to end: the tracking rules against a simulator that misbehaves on purpose."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.harness.conftest import read_csv, sim_get, wfload

pytestmark = pytest.mark.e2e

FAST = ["--poll-first", "0.05", "--poll-interval", "0.2", "--drain-timeout", "20"]



def run(sim, out, *extra, users="4", seconds="5s"):
    result = wfload("run", "-H", sim.url, "-u", users, "-t", seconds, "--out", str(out), "--no-report",
                    "--workflow", "fl_quick_notify", *FAST, *extra)
    assert result.returncode == 0, result.stderr[-2000:]
    return read_csv(out / "runs.csv"), read_csv(out / "requests.csv")


def test_429_is_waited_out_and_counted_apart(simulator, tmp_path):
    sim = simulator("[rate_limit]\nlimit = 10\nwindow_s = 1\n")
    runs, requests = run(sim, tmp_path / "r")
    statuses = Counter(row["status"] for row in requests)
    assert statuses["429"] > 0
    assert statuses["429"] == sum(sim_get(sim, "/__sim/stats")["requests"][key].get("429", 0)
                                  for key in ("POST /workflows/[id]/execute", "GET /workflows/runs/[id]"))
    assert {row["outcome"] for row in runs} == {"completed"}, "a rate-limited run must not count as failed"
    assert any(int(row["execute_attempts"]) > 1 for row in runs)


def test_client_side_pacing_per_token_avoids_429(simulator, tmp_path):
    sim = simulator("[rate_limit]\nlimit = 10\nwindow_s = 1\n")
    runs, requests = run(sim, tmp_path / "r", "--token-rate", "420")
    assert Counter(row["status"] for row in requests)["429"] == 0
    assert len(runs) > 5 and {row["outcome"] for row in runs} == {"completed"}


def test_malformed_poll_bodies_are_anomalies_not_failures(simulator, tmp_path):
    sim = simulator('[faults.malformed]\nratio = 0.3\nroutes = ["/workflows/runs/[id]"]\n')
    runs, _ = run(sim, tmp_path / "r")
    flagged = [row for row in runs if "malformed_json" in row["anomalies"].split(";")]
    assert flagged, "malformed bodies were not flagged"
    assert {row["outcome"] for row in runs} == {"completed"}
    assert sum(int(r["polls"]) for r in flagged) > len(flagged), "a malformed poll was not retried"


def test_an_ambiguous_execute_is_retried_with_the_same_key_and_starts_one_run(simulator, tmp_path):
    sim = simulator('[faults.reset]\nratio = 1.0\nwhen = "after"\ncount = 3\nroutes = ["/workflows/[id]/execute"]\n')
    runs, _ = run(sim, tmp_path / "r", seconds="3s")
    stats = sim_get(sim, "/__sim/stats")
    assert stats["idempotent_replays"] == 3
    assert stats["runs"]["created"] == len(runs)
    assert len({row["run_id"] for row in runs}) == len(runs)
    retried = [row for row in runs if int(row["execute_attempts"]) == 2]
    assert len(retried) == 3 and all(row["outcome"] == "completed" for row in retried)
