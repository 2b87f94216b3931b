"""Every public endpoint and every error of the contract (workflows-api.md)."""

from __future__ import annotations

import re
import time

import httpx
import orjson

from loadtests import contract
from tests.simulator.sim_helpers import (
    TOKEN,
    client,
    config,
    constant_workflow,
    execute,
    stats,
    wait_terminal,
)

RUN_ID = re.compile(r"^fl_run_[0-9a-hjkmnp-tv-z]{26}$")
LOG_ID = re.compile(r"^fl_log_[0-9a-hjkmnp-tv-z]{26}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
RUN_FIELDS = ["id", "status", "error_message", "started_at", "completed_at", "duration_in_seconds"]


def test_execute_answers_202_with_a_pending_run(api: httpx.Client) -> None:
    response = execute(api, "fl_quick_notify", context={"user_id": "usr_1"})
    assert response.status_code == 202
    assert response.headers["content-type"] == "application/json"
    run = response.json()
    assert list(run) == RUN_FIELDS  # no logs outside a single-run retrieval
    assert RUN_ID.match(run["id"])
    assert run["status"] == "pending"
    assert run["error_message"] is None and run["started_at"] is None
    assert run["completed_at"] is None and run["duration_in_seconds"] is None


def test_execute_accepts_no_body_and_a_null_context(api: httpx.Client) -> None:
    assert api.post("/workflows/fl_quick_notify/execute").status_code == 202
    assert api.post("/workflows/fl_quick_notify/execute", json={"context": None}).status_code == 202
    assert api.post("/workflows/fl_quick_notify/execute", json={}).status_code == 202


def test_get_run_has_logs_in_order_and_consistent_times(api: httpx.Client) -> None:
    run_id = execute(api, "fl_webhook_check").json()["id"]
    run = wait_terminal(api, run_id)
    assert list(run) == [*RUN_FIELDS, "logs"]
    assert run["status"] in ("completed", "failed")
    assert TIMESTAMP.match(run["started_at"]) and TIMESTAMP.match(run["completed_at"])
    elapsed = contract.parse_timestamp(run["completed_at"]) - contract.parse_timestamp(run["started_at"])
    assert abs(elapsed - run["duration_in_seconds"]) < 2e-6
    assert contract.parse_run(run).anomalies == []
    logs = run["logs"]
    assert [entry["node_id"] for entry in logs][:2] == ["n1", "n2"]
    assert all(LOG_ID.match(entry["id"]) for entry in logs)
    assert list(logs[0]) == ["id", "node_id", "component_id", "status", "output", "created_at"]
    stamps = [contract.parse_timestamp(entry["created_at"]) for entry in logs]
    assert stamps == sorted(stamps)
    assert abs(stamps[-1] - contract.parse_timestamp(run["completed_at"])) < 2e-6
    assert api.get(f"/workflows/runs/{run_id}").json() == run  # stable from poll to poll


def test_failed_run_has_the_error_message_and_an_error_log(start_sim) -> None:
    failing = {
        "id": "fl_failing",
        "nodes": [
            {"id": "n1", "component": "manual_trigger", "duration_s": 0.01},
            {"id": "n2", "component": "webhook", "duration_s": 0.01, "fail_ratio": 1.0},
            {"id": "n3", "component": "notification", "duration_s": 0.01},
        ],
    }
    sim = start_sim(config([failing]))
    with client(sim.url) as c:
        run = wait_terminal(c, execute(c, "fl_failing").json()["id"])
    assert run["status"] == "failed"
    assert run["error_message"] == "Webhook request failed: 503 Service Unavailable"
    assert [(e["node_id"], e["status"]) for e in run["logs"]] == [("n1", "success"), ("n2", "error")]
    assert run["logs"][1]["output"] == {"error": run["error_message"]}


def test_approval_parks_awaiting_ui_interaction(api: httpx.Client) -> None:
    run = wait_terminal(api, execute(api, "fl_approval").json()["id"])
    assert run["status"] == "awaiting_ui_interaction"
    assert run["completed_at"] is None and run["duration_in_seconds"] is None
    assert run["started_at"] is not None
    assert run["logs"][-1]["component_id"] == "ui_interaction"


def test_executions_are_paginated_newest_first(start_sim) -> None:
    sim = start_sim(config([constant_workflow(seconds=0.0)], per_page=2))
    with client(sim.url) as c:
        ids = [execute(c, "fl_const").json()["id"] for _ in range(5)]
        page1 = c.get("/workflows/fl_const/executions?page=1").json()
        page3 = c.get("/workflows/fl_const/executions", params={"page": 3}).json()
        beyond = c.get("/workflows/fl_const/executions?page=9").json()
        default = c.get("/workflows/fl_const/executions").json()
    path = f"{sim.url}/workflows/fl_const/executions"
    assert [run["id"] for run in page1["data"]] == ids[::-1][:2]
    assert all("logs" not in run for run in page1["data"])
    assert page1["links"] == {
        "first": f"{path}?page=1",
        "last": f"{path}?page=3",
        "prev": None,
        "next": f"{path}?page=2",
    }
    assert page1["meta"] == {
        "current_page": 1,
        "from": 1,
        "last_page": 3,
        "path": path,
        "per_page": 2,
        "to": 2,
        "total": 5,
    }
    assert [run["id"] for run in page3["data"]] == [ids[0]]
    assert page3["meta"]["from"] == 5 and page3["meta"]["to"] == 5
    assert page3["links"]["prev"] == f"{path}?page=2" and page3["links"]["next"] is None
    assert beyond["data"] == [] and beyond["meta"]["from"] is None and beyond["meta"]["to"] is None
    assert default["meta"]["current_page"] == 1


def test_workflows_list_and_single(api: httpx.Client) -> None:
    listed = api.get("/workflows").json()["data"]
    assert [w["id"] for w in listed] == [
        "fl_quick_notify",
        "fl_webhook_check",
        "fl_delayed_report",
        "fl_approval",
    ]
    single = api.get("/workflows/fl_webhook_check").json()
    assert single == listed[1]
    assert list(single) == [
        "id",
        "name",
        "description",
        "nodes",
        "edges",
        "schedule_type",
        "is_active",
        "webhook_url",
        "created_at",
        "updated_at",
    ]
    assert single["nodes"][1] == {
        "id": "n2",
        "type": "action",
        "data": {"componentId": "webhook", "label": "GET site health", "continue_on_error": False},
    }
    assert {"id": "e_n3_n4", "source": "n3", "target": "n4", "sourceHandle": "true"} in single["edges"]


def test_rerun_starts_a_new_run_of_the_same_workflow(api: httpx.Client, sim) -> None:
    original = wait_terminal(api, execute(api, "fl_quick_notify").json()["id"])
    response = api.post(f"/workflows/runs/{original['id']}/rerun")
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"message", "new_run"}
    assert body["new_run"]["id"] != original["id"] and body["new_run"]["status"] == "pending"
    assert wait_terminal(api, body["new_run"]["id"])["status"] == "completed"
    assert stats(sim.url)["runs"]["by_workflow"]["fl_quick_notify"] == 2


def test_resume_from_a_completed_node_of_a_failed_run(start_sim) -> None:
    workflow = {
        "id": "fl_flaky",
        "nodes": [
            {"id": "n1", "component": "manual_trigger", "duration_s": 0.01},
            {"id": "n2", "component": "data_mapper", "duration_s": 0.01},
            {"id": "n3", "component": "webhook", "duration_s": 0.01, "fail_ratio": 1.0},
        ],
    }
    sim = start_sim(config([workflow]))
    with client(sim.url) as c:
        failed = wait_terminal(c, execute(c, "fl_flaky").json()["id"])
        response = c.post(f"/workflows/runs/{failed['id']}/resume-from/n2")
        assert response.status_code == 202
        resumed = wait_terminal(c, response.json()["new_run"]["id"])
        assert [e["node_id"] for e in resumed["logs"]] == ["n2", "n3"]
        not_completed = c.post(f"/workflows/runs/{failed['id']}/resume-from/n3")
        unknown_node = c.post(f"/workflows/runs/{failed['id']}/resume-from/n9")
        unknown_run = c.post("/workflows/runs/fl_run_nope/resume-from/n1")
    assert not_completed.status_code == 422 and "errors" in not_completed.json()
    assert unknown_node.status_code == 404
    assert unknown_run.status_code == 404 and unknown_run.json() == {"message": "Workflow run not found."}


def test_resume_refuses_a_run_that_did_not_fail(api: httpx.Client) -> None:
    run = wait_terminal(api, execute(api, "fl_quick_notify").json()["id"])
    response = api.post(f"/workflows/runs/{run['id']}/resume-from/n1")
    assert response.status_code == 422
    assert response.json() == {
        "message": "Only failed runs can be resumed.",
        "errors": {"run": ["Only failed runs can be resumed."]},
    }


# ---------------------------------------------------------------- errors


def test_401_without_or_with_a_bad_bearer(sim) -> None:
    with client(sim.url, token=None) as c:
        missing = execute(c, "fl_quick_notify")
        basic = c.get("/workflows", headers={"Authorization": "Basic abc"})
        empty = c.get("/workflows", headers={"Authorization": "Bearer"})
    for response in (missing, basic, empty):
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}
    assert stats(sim.url)["runs"]["created"] == 0


def test_configured_tokens_restrict_access(start_sim) -> None:
    sim = start_sim(config(auth={"tokens": ["alpha", "beta"]}))
    with client(sim.url, token="beta") as good, client(sim.url, token="gamma") as bad:
        assert good.get("/workflows").status_code == 200
        assert bad.get("/workflows").status_code == 401
    assert httpx.get(f"{sim.url}/__sim/config").json()["auth"] == {"tokens": 2}


def test_404_for_unknown_workflow_run_and_route(api: httpx.Client, sim) -> None:
    assert execute(api, "fl_nope").status_code == 404
    assert execute(api, "fl_nope").json() == {"message": "Workflow not found."}
    assert api.get("/workflows/fl_nope").status_code == 404
    assert api.get("/workflows/fl_nope/executions").status_code == 404
    assert api.get("/workflows/runs/fl_run_nope").json() == {"message": "Workflow run not found."}
    assert api.post("/workflows/runs/fl_run_nope/rerun").status_code == 404
    unknown = api.get("/workflow")
    assert unknown.status_code == 404 and unknown.json() == {
        "message": "The route workflow could not be found."
    }
    assert stats(sim.url)["requests"]["GET [unmatched]"] == {"404": 1}


def test_422_for_bodies_the_contract_refuses(start_sim) -> None:
    sim = start_sim(config(max_body_bytes=1024))
    with client(sim.url) as c:
        post = "/workflows/fl_quick_notify/execute"
        cases = {
            "invalid json": c.post(post, content=b"{nope", headers={"Content-Type": "application/json"}),
            "not an object": c.post(post, json=[1, 2]),
            "context a string": c.post(post, json={"context": "x"}),
            "context a list": c.post(post, json={"context": [1]}),
            "too large": c.post(post, json={"context": {"blob": "x" * 2000}}),
            "too large, chunked": c.post(post, content=iter([b'{"context": {"b": "', b"y" * 3000, b'"}}'])),
        }
    for name, response in cases.items():
        assert response.status_code == 422, name
        body = response.json()
        assert set(body) == {"message", "errors"}, name
        ((_, messages),) = body["errors"].items()
        assert messages == [body["message"]], name
    assert cases["context a string"].json()["errors"] == {"context": ["The context field must be an object."]}
    assert "1024 bytes" in cases["too large"].json()["message"]
    assert stats(sim.url)["runs"]["created"] == 0


def test_405_names_the_supported_method(api: httpx.Client, sim) -> None:
    response = api.get("/workflows/fl_quick_notify/execute")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["message"] == (
        "The GET method is not supported for route workflows/fl_quick_notify/execute."
        " Supported methods: POST."
    )
    assert api.delete("/workflows/runs/fl_run_x").headers["allow"] == "GET"
    assert stats(sim.url)["requests"]["GET /workflows/[id]/execute"] == {"405": 1}


def test_429_with_retry_after_past_the_per_token_limit(start_sim) -> None:
    sim = start_sim(config(rate_limit={"limit": 3, "window_s": 30}))
    with client(sim.url, token="one") as one, client(sim.url, token="two") as two:
        statuses = [one.get("/workflows").status_code for _ in range(5)]
        limited = one.get("/workflows")
        other_token = two.get("/workflows")
    assert statuses == [200, 200, 200, 429, 429]
    assert limited.status_code == 429
    assert limited.json() == {"message": "Too Many Attempts."}
    assert 1 <= int(limited.headers["retry-after"]) <= 30
    assert other_token.status_code == 200


def test_rate_limit_window_reopens(start_sim) -> None:
    sim = start_sim(config(rate_limit={"limit": 1, "window_s": 0.3}))
    with client(sim.url) as c:
        assert [c.get("/workflows").status_code for _ in range(2)] == [200, 429]
        time.sleep(0.35)
        assert c.get("/workflows").status_code == 200


def test_production_rate_limit_is_sixty_a_minute(start_sim) -> None:
    sim = start_sim(config(rate_limit={"limit": 60}))
    with client(sim.url) as c:
        statuses = [c.get("/workflows").status_code for _ in range(61)]
        assert statuses.count(200) == 60 and statuses[-1] == 429
        assert 55 <= int(c.get("/workflows").headers["retry-after"]) <= 60
    assert httpx.get(f"{sim.url}/__sim/config").json()["rate_limit"] == {"limit": 60, "window_s": 60.0}


# ---------------------------------------------------------------- idempotency


def test_same_idempotency_key_returns_the_original_run_and_starts_nothing(api: httpx.Client, sim) -> None:
    first = execute(api, "fl_quick_notify", key="key-1")
    again = execute(api, "fl_quick_notify", key="key-1")
    other = execute(api, "fl_quick_notify", key="key-2")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert other.json()["id"] != first.json()["id"]
    truth = stats(sim.url)
    assert truth["runs"]["created"] == 2
    assert truth["idempotent_replays"] == 1
    wait_terminal(api, first.json()["id"])
    replay_later = execute(api, "fl_quick_notify", key="key-1").json()
    assert replay_later["id"] == first.json()["id"] and replay_later["status"] == "completed"


def test_idempotency_key_on_rerun(api: httpx.Client, sim) -> None:
    run_id = execute(api, "fl_quick_notify").json()["id"]
    first = api.post(f"/workflows/runs/{run_id}/rerun", headers={"Idempotency-Key": "rerun-1"}).json()
    again = api.post(f"/workflows/runs/{run_id}/rerun", headers={"Idempotency-Key": "rerun-1"}).json()
    assert again["new_run"]["id"] == first["new_run"]["id"]
    assert stats(sim.url)["runs"]["created"] == 2


def test_bodies_are_compact_json(api: httpx.Client) -> None:
    response = api.get("/workflows")
    assert orjson.loads(response.content) == response.json()
    assert TOKEN not in response.text
