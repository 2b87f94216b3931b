"""Each fault mode, set through the control API, with its effect on the
wire and in the ground truth."""

from __future__ import annotations

import socket
import time

import httpx
import orjson
import pytest

from loadtests import contract
from tests.simulator.sim_helpers import (
    TOKEN,
    client,
    config,
    constant_workflow,
    execute,
    post_control,
    stats,
    wait_terminal,
)

EXECUTE = contract.EXECUTE_ROUTE


def set_faults(url: str, **faults: dict) -> dict:
    response = post_control(url, "faults", faults)
    assert response.status_code == 200, response.text
    return response.json()


def timed(call):  # type: ignore[no-untyped-def]
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def test_all_faults_are_off_by_default(sim) -> None:
    faults = httpx.get(f"{sim.url}/__sim/faults").json()
    assert set(faults) == {"latency", "errors", "reset", "stall", "malformed", "slow", "hang"}
    assert faults["errors"]["ratio"] == 0 and faults["latency"]["ms"] == 0 and faults["stall"]["every_s"] == 0


def test_added_latency_scoped_to_a_route(api: httpx.Client, sim) -> None:
    set_faults(sim.url, latency={"ms": 250, "routes": [contract.WORKFLOWS_ROUTE]})
    slow, slow_s = timed(lambda: api.get("/workflows"))
    fast, fast_s = timed(lambda: api.get("/workflows/fl_approval"))
    assert slow.status_code == fast.status_code == 200
    assert slow_s >= 0.25 and fast_s < 0.2


def test_server_errors_at_a_ratio_with_a_count_budget(api: httpx.Client, sim) -> None:
    set_faults(sim.url, errors={"ratio": 1.0, "statuses": [503], "count": 2, "routes": [EXECUTE]})
    answers = [execute(api, "fl_quick_notify") for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 202]
    assert answers[0].json() == {"message": "Service Unavailable"}
    truth = stats(sim.url)
    assert truth["requests"]["POST /workflows/[id]/execute"] == {"503": 2, "202": 1}
    assert truth["runs"]["created"] == 1
    assert truth["faults_injected"]["errors"] == 2
    assert httpx.get(f"{sim.url}/__sim/faults").json()["errors"]["remaining"] == 0


def test_error_ratio_is_roughly_respected(api: httpx.Client, sim) -> None:
    set_faults(sim.url, errors={"ratio": 0.3, "routes": [contract.WORKFLOWS_ROUTE]})
    statuses = [api.get("/workflows").status_code for _ in range(300)]
    failures = sum(status >= 500 for status in statuses)
    assert set(statuses) <= {200, 500, 502, 503}
    assert 50 <= failures <= 130


def test_reset_before_the_request_takes_effect(sim) -> None:
    set_faults(sim.url, reset={"ratio": 1.0, "when": "before", "count": 1, "routes": [EXECUTE]})
    with client(sim.url) as c:
        with pytest.raises(httpx.TransportError):
            execute(c, "fl_quick_notify", key="k-before")
        truth = stats(sim.url)
        assert truth["runs"]["created"] == 0
        assert truth["requests"]["POST /workflows/[id]/execute"] == {"reset": 1}
        retry = execute(c, "fl_quick_notify", key="k-before")
    assert retry.status_code == 202 and "idempotent-replayed" not in retry.headers
    assert stats(sim.url)["runs"]["created"] == 1


def test_reset_after_the_run_was_created_is_resolved_by_the_idempotency_key(sim) -> None:
    set_faults(sim.url, reset={"ratio": 1.0, "when": "after", "count": 1, "routes": [EXECUTE]})
    with client(sim.url) as c:
        with pytest.raises(httpx.TransportError):
            execute(c, "fl_quick_notify", key="k-after")
        runs = httpx.get(f"{sim.url}/__sim/runs").json()["runs"]
        assert [(r["idempotency_key"], r["workflow_id"]) for r in runs] == [("k-after", "fl_quick_notify")]
        retry = execute(c, "fl_quick_notify", key="k-after")
    assert retry.status_code == 202 and retry.json()["id"] == runs[0]["id"]
    assert retry.headers["idempotent-replayed"] == "true"
    truth = stats(sim.url)
    assert truth["runs"]["created"] == 1 and truth["idempotent_replays"] == 1
    assert truth["requests"]["POST /workflows/[id]/execute"] == {"reset": 1, "202": 1}


def test_reset_is_a_tcp_rst(sim) -> None:
    set_faults(sim.url, reset={"ratio": 1.0, "routes": [contract.WORKFLOWS_ROUTE]})
    host, port = sim.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(f"GET /workflows HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
        with pytest.raises(ConnectionResetError):
            while raw.recv(4096):
                pass


def test_stall_window_holds_requests_until_it_ends(api: httpx.Client, sim) -> None:
    set_faults(sim.url, stall={"every_s": 30, "for_s": 0.5})
    held, held_s = timed(lambda: api.get("/workflows"))
    time.sleep(0.1)
    free, free_s = timed(lambda: api.get("/workflows"))
    assert held.status_code == free.status_code == 200
    assert 0.35 <= held_s < 0.7 and free_s < 0.15
    assert httpx.get(f"{sim.url}/__sim/health").status_code == 200  # control is never stalled


def test_stall_comes_back_every_period(api: httpx.Client, sim) -> None:
    set_faults(sim.url, stall={"every_s": 0.6, "for_s": 0.3})
    time.sleep(0.35)
    _, free_s = timed(lambda: api.get("/workflows"))
    time.sleep(0.6 - 0.35 - free_s + 0.02)  # into the second window
    _, held_s = timed(lambda: api.get("/workflows"))
    assert free_s < 0.1 and held_s > 0.15


def test_malformed_bodies_keep_their_status(api: httpx.Client, sim) -> None:
    set_faults(sim.url, malformed={"ratio": 1.0, "count": 1, "routes": [EXECUTE]})
    garbled = execute(api, "fl_quick_notify", key="k-garbled")
    assert garbled.status_code == 202
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(garbled.content)
    assert contract.parse_run_body(garbled.content).anomalies == [contract.MALFORMED_JSON]
    replay = execute(api, "fl_quick_notify", key="k-garbled").json()
    assert replay["id"] == httpx.get(f"{sim.url}/__sim/runs").json()["runs"][0]["id"]


def test_slow_responses_dribble_the_body(sim) -> None:
    set_faults(sim.url, slow={"ratio": 1.0, "seconds": 0.6, "count": 1, "routes": [contract.WORKFLOWS_ROUTE]})
    with client(sim.url) as c:
        start = time.monotonic()
        with c.stream("GET", "/workflows") as response:
            headers_s = time.monotonic() - start
            chunks = list(response.iter_raw())
        body_s = time.monotonic() - start
        assert response.status_code == 200
        assert orjson.loads(b"".join(chunks))["data"]
        assert headers_s < 0.3 and body_s >= 0.55
        _, next_s = timed(lambda: c.get("/workflows"))
    assert next_s < 0.2  # the count budget of one is spent


def test_hanging_runs_stay_running_without_holding_a_worker(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.05)], workers=1))
    set_faults(sim.url, hang={"ratio": 1.0, "count": 2})
    with client(sim.url) as c:
        hung = [execute(c, "fl_const").json()["id"] for _ in range(2)]
        normal = wait_terminal(c, execute(c, "fl_const").json()["id"])
        time.sleep(0.2)
        stuck = [c.get(f"/workflows/runs/{run_id}").json() for run_id in hung]
    assert normal["status"] == "completed"
    for run in stuck:
        assert run["status"] == "running" and run["completed_at"] is None
        assert [e["node_id"] for e in run["logs"]] == ["n1"]
    truth = stats(sim.url)
    assert truth["runs"]["by_status"]["running"] == 2 and truth["busy_workers"] == 0


def test_hang_scoped_to_workflows(start_sim) -> None:
    sim = start_sim(config([constant_workflow("fl_a", 0.01), constant_workflow("fl_b", 0.01)]))
    set_faults(sim.url, hang={"ratio": 1.0, "workflows": ["fl_a"]})
    with client(sim.url) as c:
        b = wait_terminal(c, execute(c, "fl_b").json()["id"])
        a_id = execute(c, "fl_a").json()["id"]
        time.sleep(0.1)
        assert c.get(f"/workflows/runs/{a_id}").json()["status"] == "running"
    assert b["status"] == "completed"


def test_faults_from_the_configuration_file(start_sim) -> None:
    sim = start_sim(config(faults={"errors": {"ratio": 1.0, "statuses": [502]}}))
    with client(sim.url) as c:
        assert c.get("/workflows").status_code == 502
    set_faults(sim.url, errors={"ratio": 0})
    with client(sim.url) as c:
        assert c.get("/workflows").status_code == 200


@pytest.mark.parametrize(
    ("patch", "key"),
    [
        ({"errors": {"ratio": 2}}, "errors.ratio"),
        ({"errors": {"statuses": [404]}}, "errors.statuses"),
        ({"reset": {"when": "during"}}, "reset.when"),
        ({"stall": {"every_s": 1, "for_s": 1}}, "stall.for_s"),
        ({"latency": {"routes": ["/nope"]}}, "latency.routes"),
        ({"latency": {"msec": 3}}, "latency.msec"),
        ({"flood": {}}, "flood"),
    ],
)
def test_fault_settings_are_validated(sim, patch: dict, key: str) -> None:
    response = post_control(sim.url, "faults", patch)
    assert response.status_code == 422
    assert response.json()["message"].startswith(f"{key}:")
    assert httpx.get(f"{sim.url}/__sim/faults").json()["errors"]["ratio"] == 0


def test_runs_answer_normally_once_faults_are_off(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.01)]))
    set_faults(sim.url, latency={"ms": 1}, malformed={"ratio": 0.0})
    set_faults(sim.url, latency={"ms": 0})
    with client(sim.url) as c:
        assert wait_terminal(c, execute(c, "fl_const").json()["id"])["status"] == "completed"
