"""The ground truth at /__sim: what tests use to prove the harness lost nothing."""

from __future__ import annotations

import time

import httpx

from loadtests import contract
from tests.simulator.sim_helpers import (
    client,
    config,
    constant_workflow,
    execute,
    stats,
    wait_terminal,
    wait_until,
)


def test_stats_count_runs_and_requests(api: httpx.Client, sim) -> None:
    ids = [execute(api, "fl_quick_notify", key=f"k{i}").json()["id"] for i in range(3)]
    execute(api, "fl_quick_notify", key="k0")
    approval = execute(api, "fl_approval").json()["id"]
    for run_id in [*ids, approval]:
        wait_terminal(api, run_id)
    with client(sim.url, token=None) as anonymous:
        anonymous.get("/workflows")
    truth = stats(sim.url)
    assert set(truth) == {
        "runs",
        "queue_depth",
        "busy_workers",
        "workers",
        "requests",
        "idempotent_replays",
        "faults_injected",
        "uptime_s",
    }
    runs = truth["runs"]
    assert runs["created"] == 4
    assert runs["by_workflow"] == {
        "fl_quick_notify": 3,
        "fl_webhook_check": 0,
        "fl_delayed_report": 0,
        "fl_approval": 1,
    }
    assert runs["by_status"] == {
        "pending": 0,
        "running": 0,
        "completed": 3,
        "failed": 0,
        "awaiting_ui_interaction": 1,
    }
    assert runs["evicted"] == 0 and runs["retained"] == 4
    assert truth["idempotent_replays"] == 1
    assert (truth["queue_depth"], truth["busy_workers"], truth["workers"]) == (0, 0, 8)
    requests = truth["requests"]
    assert requests["POST /workflows/[id]/execute"] == {"202": 5}
    assert requests["GET /workflows"] == {"401": 1}
    assert sum(requests["GET /workflows/runs/[id]"].values()) >= 4
    assert truth["uptime_s"] > 0


def test_runs_lists_every_retained_run_once(api: httpx.Client, sim) -> None:
    keyed = execute(api, "fl_quick_notify", key="attempt-1").json()["id"]
    plain = execute(api, "fl_approval").json()["id"]
    listed = httpx.get(f"{sim.url}/__sim/runs").json()["runs"]
    assert [r["id"] for r in listed] == [keyed, plain]
    assert listed[0]["idempotency_key"] == "attempt-1" and listed[1]["idempotency_key"] is None
    assert listed[0]["workflow_id"] == "fl_quick_notify"
    assert set(listed[0]) == {"id", "workflow_id", "status", "idempotency_key", "created_at"}
    assert contract.parse_timestamp(listed[0]["created_at"]) <= time.time()
    wait_terminal(api, plain)
    only = httpx.get(f"{sim.url}/__sim/runs", params={"status": "awaiting_ui_interaction"}).json()["runs"]
    assert [r["id"] for r in only] == [plain]
    by_workflow = httpx.get(f"{sim.url}/__sim/runs", params={"workflow_id": "fl_quick_notify"}).json()["runs"]
    assert [r["id"] for r in by_workflow] == [keyed]


def test_health_and_config(sim) -> None:
    health = httpx.get(f"{sim.url}/__sim/health").json()
    assert health["status"] == "ok"
    cfg = httpx.get(f"{sim.url}/__sim/config").json()
    assert cfg["seed"] == 1 and cfg["workers"] == 8 and cfg["time_scale"] == 0.05
    assert cfg["retention"] == {"max_runs": 100000, "max_age_s": 3600.0}
    assert set(cfg["workflows"]) == {
        "fl_quick_notify",
        "fl_webhook_check",
        "fl_delayed_report",
        "fl_approval",
    }


def test_control_paths_are_not_counted_and_unknown_ones_404(sim) -> None:
    assert httpx.get(f"{sim.url}/__sim/nope").status_code == 404
    assert httpx.delete(f"{sim.url}/__sim/stats").status_code == 405
    assert stats(sim.url)["requests"] == {}


def test_eviction_by_count(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.0)], retention={"max_runs": 3}))
    with client(sim.url) as c:
        ids = [execute(c, "fl_const", key=f"k{i}").json()["id"] for i in range(6)]
        wait_until(lambda: stats(sim.url)["runs"]["by_status"]["completed"] == 6)
        statuses = [c.get(f"/workflows/runs/{run_id}").status_code for run_id in ids]
        listing = c.get("/workflows/fl_const/executions").json()
        again = execute(c, "fl_const", key="k0").json()
    assert statuses == [404, 404, 404, 200, 200, 200]
    assert [r["id"] for r in listing["data"]] == ids[3:][::-1] and listing["meta"]["total"] == 3
    assert again["id"] not in ids  # an evicted run's key is forgotten with it
    truth = wait_until(lambda: (t := stats(sim.url))["runs"]["by_status"]["completed"] == 7 and t)
    assert truth["runs"]["evicted"] == 4 and truth["runs"]["created"] == 7
    assert sum(truth["runs"]["by_status"].values()) == truth["runs"]["created"]
    assert len(httpx.get(f"{sim.url}/__sim/runs").json()["runs"]) == 3


def test_eviction_by_age_keeps_unfinished_runs(start_sim) -> None:
    workflows = [constant_workflow("fl_fast", 0.0), constant_workflow("fl_slow", 3.0)]
    sim = start_sim(config(workflows, retention={"max_age_s": 0.2}))
    with client(sim.url) as c:
        fast = execute(c, "fl_fast").json()["id"]
        slow = execute(c, "fl_slow").json()["id"]
        wait_until(lambda: stats(sim.url)["runs"]["evicted"] == 1, timeout=4)
        assert c.get(f"/workflows/runs/{fast}").status_code == 404
        assert c.get(f"/workflows/runs/{slow}").json()["status"] == "running"


def test_retention_changes_at_runtime(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.0)]))
    with client(sim.url) as c:
        for _ in range(5):
            execute(c, "fl_const")
        wait_until(lambda: stats(sim.url)["runs"]["by_status"]["completed"] == 5)
    answer = httpx.post(f"{sim.url}/__sim/config", json={"retention": {"max_runs": 2}}).json()
    assert answer["retention"]["max_runs"] == 2
    assert stats(sim.url)["runs"]["evicted"] == 3
