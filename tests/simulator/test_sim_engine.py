"""The execution model: a FIFO queue in front of W workers. With a constant
service time S, completed throughput saturates near W / S and queue wait
grows past it; below it, runs start at once."""

from __future__ import annotations

import time

import httpx

from loadtests import contract
from tests.simulator.sim_helpers import (
    client,
    config,
    constant_workflow,
    execute,
    post_control,
    stats,
    wait_terminal,
    wait_until,
)

W, S = 4, 0.1


def _created_at(url: str) -> dict[str, float]:
    runs = httpx.get(f"{url}/__sim/runs").json()["runs"]
    return {run["id"]: contract.parse_timestamp(run["created_at"]) for run in runs}


def _finished(c: httpx.Client, ids: list[str]) -> list[dict]:
    return [wait_terminal(c, run_id, timeout=10) for run_id in ids]


def test_throughput_saturates_at_w_over_s_and_queue_wait_grows(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=S)], workers=W))
    n = 40  # offered all at once: ten times what the pool holds
    with client(sim.url) as c:
        ids = [execute(c, "fl_const").json()["id"] for _ in range(n)]
        assert stats(sim.url)["queue_depth"] > n // 2
        runs = _finished(c, ids)
    created = _created_at(sim.url)
    started = [contract.parse_timestamp(r["started_at"]) for r in runs]
    completed = [contract.parse_timestamp(r["completed_at"]) for r in runs]
    throughput = n / (max(completed) - min(started))
    assert abs(throughput - W / S) / (W / S) < 0.2, throughput
    waits = [start - created[r["id"]] for r, start in zip(runs, started, strict=True)]
    # FIFO: run i waits for i // W runs ahead of it on its worker.
    for i, wait in enumerate(waits):
        assert abs(wait - (i // W) * S) < 0.08, (i, wait)
    assert all(abs(r["duration_in_seconds"] - S) < 1e-6 for r in runs)


def test_below_capacity_runs_start_at_once(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=S)], workers=W))
    with client(sim.url) as c:
        ids = []
        for _ in range(12):  # 20 runs/s offered against a capacity of 40/s
            ids.append(execute(c, "fl_const").json()["id"])
            time.sleep(0.05)
        runs = _finished(c, ids)
    created = _created_at(sim.url)
    waits = [contract.parse_timestamp(r["started_at"]) - created[r["id"]] for r in runs]
    assert max(waits) < 0.04, waits


def test_status_goes_pending_running_completed(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.3)], workers=1))
    with client(sim.url) as c:
        first = execute(c, "fl_const").json()
        second = execute(c, "fl_const").json()
        assert first["status"] == second["status"] == "pending"
        running = wait_until(lambda: c.get(f"/workflows/runs/{first['id']}").json()["status"] == "running")
        assert running
        behind = c.get(f"/workflows/runs/{second['id']}").json()
        assert behind["status"] == "pending" and behind["started_at"] is None and behind["logs"] == []
        truth = stats(sim.url)
        assert (truth["busy_workers"], truth["queue_depth"], truth["workers"]) == (1, 1, 1)
        done = wait_terminal(c, second["id"])
    assert done["status"] == "completed"


def test_logs_appear_as_nodes_finish(start_sim) -> None:
    workflow = {
        "id": "fl_steps",
        "nodes": [
            {"id": "n1", "component": "manual_trigger", "duration_s": 0.0},
            {"id": "n2", "component": "delay", "duration_s": 0.4},
            {"id": "n3", "component": "notification", "duration_s": 0.0},
        ],
    }
    sim = start_sim(config([workflow]))
    with client(sim.url) as c:
        run_id = execute(c, "fl_steps").json()["id"]
        midway = wait_until(
            lambda: (r := c.get(f"/workflows/runs/{run_id}").json())["status"] == "running" and r
        )
        assert [e["node_id"] for e in midway["logs"]] == ["n1"]
        done = wait_terminal(c, run_id)
    assert [e["node_id"] for e in done["logs"]] == ["n1", "n2", "n3"]
    assert done["logs"][0]["id"] == midway["logs"][0]["id"]
    assert done["logs"][1]["output"] == {"waited_seconds": 0.4}


def test_condition_edges_and_continue_on_error(start_sim) -> None:
    workflow = {
        "id": "fl_branches",
        "nodes": [
            {"id": "n1", "component": "manual_trigger", "duration_s": 0.0},
            {"id": "n2", "component": "condition", "duration_s": 0.0, "true_ratio": 0.0},
            {"id": "n3", "component": "notification", "duration_s": 0.0},
            {
                "id": "n4",
                "component": "smtp",
                "duration_s": 0.0,
                "fail_ratio": 1.0,
                "continue_on_error": True,
            },
            {"id": "n5", "component": "notification", "label": "fallback", "duration_s": 0.0},
        ],
        "edges": [
            {"from": "n1", "to": "n2"},
            {"from": "n2", "to": "n3", "when": "true"},
            {"from": "n2", "to": "n4", "when": "false"},
            {"from": "n4", "to": "n5", "when": "error"},
        ],
    }
    sim = start_sim(config([workflow]))
    with client(sim.url) as c:
        run = wait_terminal(c, execute(c, "fl_branches").json()["id"])
    assert run["status"] == "completed" and run["error_message"] is None
    assert [(e["node_id"], e["status"]) for e in run["logs"]] == [
        ("n1", "success"),
        ("n2", "success"),
        ("n4", "warning"),
        ("n5", "success"),
    ]
    assert run["logs"][1]["output"] == {"result": False}
    assert run["logs"][2]["output"] == {"error": "SMTP error: 421 Service not available"}


def test_time_scale_changes_at_runtime(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.1)]))
    with client(sim.url) as c:
        before = wait_terminal(c, execute(c, "fl_const").json()["id"])
        answer = post_control(sim.url, "config", {"time_scale": 3})
        assert answer.status_code == 200 and answer.json()["time_scale"] == 3
        after = wait_terminal(c, execute(c, "fl_const").json()["id"])
    assert before["duration_in_seconds"] == 0.1
    assert abs(after["duration_in_seconds"] - 0.3) < 1e-6


def test_workers_change_at_runtime(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.2)], workers=1))
    with client(sim.url) as c:
        ids = [execute(c, "fl_const").json()["id"] for _ in range(6)]
        wait_until(lambda: stats(sim.url)["busy_workers"] == 1)
        assert post_control(sim.url, "config", {"workers": 6}).json()["workers"] == 6
        wait_until(lambda: stats(sim.url)["busy_workers"] == 6 or stats(sim.url)["queue_depth"] == 0)
        runs = _finished(c, ids)
    starts = sorted(contract.parse_timestamp(r["started_at"]) for r in runs)
    assert starts[-1] - starts[1] < 0.1  # the five queued runs started together once the pool grew


def test_runtime_config_is_validated(sim) -> None:
    bad = post_control(sim.url, "config", {"workers": 0})
    assert bad.status_code == 422 and bad.json()["message"].startswith("workers:")
    unknown = post_control(sim.url, "config", {"seed": 3})
    assert unknown.status_code == 422 and "seed" in unknown.json()["message"]
    assert httpx.get(f"{sim.url}/__sim/config").json()["workers"] == 8
