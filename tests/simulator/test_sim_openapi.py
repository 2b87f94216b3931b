"""docs/openapi.yaml is a valid OpenAPI document, and the simulator's real
answers (successes and errors, on every endpoint) match its schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from loadtests.simulator.process import _PROJECT_ROOT
from tests.simulator.sim_helpers import client, config, execute, post_control, wait_terminal

SPEC_PATH = _PROJECT_ROOT / "docs" / "openapi.yaml"

EXECUTE = "/workflows/{workflowId}/execute"
RUN = "/workflows/runs/{runId}"
EXECUTIONS = "/workflows/{workflowId}/executions"
WORKFLOWS = "/workflows"
WORKFLOW = "/workflows/{workflowId}"
RERUN = "/workflows/runs/{runId}/rerun"
RESUME = "/workflows/runs/{runId}/resume-from/{nodeId}"

FLAKY = {
    "id": "fl_flaky",
    "nodes": [
        {"id": "n1", "component": "manual_trigger", "duration_s": 0.0},
        {"id": "n2", "component": "webhook", "duration_s": 0.01, "fail_ratio": 1.0},
    ],
}


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())


def test_the_document_is_valid_openapi() -> None:
    validate(spec())
    assert not any(path.startswith("/__sim") for path in spec()["paths"])


def _resolve(entry: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (``#/components/responses/X``)."""
    if "$ref" not in entry:
        return entry
    node: Any = spec()
    for part in entry["$ref"].split("/")[1:]:
        node = node[part]
    return node


def check(template: str, method: str, response: httpx.Response, seen: set[tuple[str, str, int]]) -> None:
    """``response`` matches what the document says ``method template`` answers with its status."""
    responses = spec()["paths"][template][method.lower()]["responses"]
    status = response.status_code
    assert str(status) in responses, (
        f"{method} {template} answered {status}, which the document does not list"
    )
    entry = _resolve(responses[str(status)])
    schema = entry["content"]["application/json"]["schema"]
    validator = OAS31Validator({**schema, "components": spec()["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, f"{method} {template} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"
    for header in entry.get("headers", {}):
        if header == "Retry-After":
            assert header in response.headers
    seen.add((template, method, status))


@pytest.fixture
def seen() -> set[tuple[str, str, int]]:
    return set()


def test_answers_match_the_document(start_sim, seen: set[tuple[str, str, int]]) -> None:
    sim = start_sim(config(time_scale=0.05, rate_limit={"limit": 1000}))
    with client(sim.url) as c:
        pending = execute(c, "fl_webhook_check", key="key-1")
        check(EXECUTE, "POST", pending, seen)
        run_id = pending.json()["id"]
        check(RUN, "GET", c.get(f"/workflows/runs/{run_id}"), seen)
        wait_terminal(c, run_id)
        check(RUN, "GET", c.get(f"/workflows/runs/{run_id}"), seen)
        check(EXECUTE, "POST", execute(c, "fl_webhook_check", key="key-1"), seen)
        approval = wait_terminal(c, execute(c, "fl_approval").json()["id"])
        check(RUN, "GET", c.get(f"/workflows/runs/{approval['id']}"), seen)
        check(EXECUTIONS, "GET", c.get("/workflows/fl_webhook_check/executions?page=1"), seen)
        check(EXECUTIONS, "GET", c.get("/workflows/fl_webhook_check/executions?page=5"), seen)
        check(WORKFLOWS, "GET", c.get("/workflows"), seen)
        check(WORKFLOW, "GET", c.get("/workflows/fl_delayed_report"), seen)
        check(RERUN, "POST", c.post(f"/workflows/runs/{run_id}/rerun"), seen)
        # errors
        check(EXECUTE, "POST", execute(c, "fl_nope"), seen)
        check(EXECUTE, "POST", c.post("/workflows/fl_approval/execute", json={"context": 1}), seen)
        check(RUN, "GET", c.get("/workflows/runs/fl_run_nope"), seen)
        check(EXECUTIONS, "GET", c.get("/workflows/fl_nope/executions"), seen)
        check(WORKFLOW, "GET", c.get("/workflows/fl_nope"), seen)
        check(RERUN, "POST", c.post("/workflows/runs/fl_run_nope/rerun"), seen)
        check(RESUME, "POST", c.post("/workflows/runs/fl_run_nope/resume-from/n1"), seen)
        check(RESUME, "POST", c.post(f"/workflows/runs/{approval['id']}/resume-from/n1"), seen)
    with client(sim.url, token=None) as anonymous:
        for template, method, path in [
            (EXECUTE, "POST", "/workflows/fl_approval/execute"),
            (RUN, "GET", f"/workflows/runs/{run_id}"),
            (EXECUTIONS, "GET", "/workflows/fl_approval/executions"),
            (WORKFLOWS, "GET", "/workflows"),
            (WORKFLOW, "GET", "/workflows/fl_approval"),
            (RERUN, "POST", f"/workflows/runs/{run_id}/rerun"),
            (RESUME, "POST", f"/workflows/runs/{run_id}/resume-from/n1"),
        ]:
            check(template, method, anonymous.request(method, path), seen)
    post_control(sim.url, "faults", {"errors": {"ratio": 1.0, "statuses": [500, 502, 503]}})
    with client(sim.url) as c:
        for _ in range(40):
            check(EXECUTE, "POST", execute(c, "fl_approval"), seen)
    assert {(EXECUTE, "POST", status) for status in (500, 502, 503)} <= seen


def test_failed_runs_resume_and_rate_limits_match_the_document(
    start_sim, seen: set[tuple[str, str, int]]
) -> None:
    sim = start_sim(config([FLAKY], rate_limit={"limit": 50, "window_s": 60}))
    with client(sim.url) as c:
        failed = wait_terminal(c, execute(c, "fl_flaky").json()["id"])
        check(RUN, "GET", c.get(f"/workflows/runs/{failed['id']}"), seen)
        check(RESUME, "POST", c.post(f"/workflows/runs/{failed['id']}/resume-from/n1"), seen)
    with client(sim.url, token="limited") as limited:
        for _ in range(50):
            limited.get("/workflows")
        for template, method, path in [
            (EXECUTE, "POST", "/workflows/fl_flaky/execute"),
            (RUN, "GET", f"/workflows/runs/{failed['id']}"),
            (EXECUTIONS, "GET", "/workflows/fl_flaky/executions"),
            (WORKFLOWS, "GET", "/workflows"),
            (WORKFLOW, "GET", "/workflows/fl_flaky"),
            (RERUN, "POST", f"/workflows/runs/{failed['id']}/rerun"),
            (RESUME, "POST", f"/workflows/runs/{failed['id']}/resume-from/n1"),
        ]:
            response = limited.request(method, path)
            assert response.status_code == 429
            check(template, method, response, seen)
    assert {status for *_, status in seen} >= {200, 202, 429}


def test_every_documented_answer_is_exercised(start_sim) -> None:
    """The two tests above cover every path, method and status the document lists."""
    seen: set[tuple[str, str, int]] = set()
    test_answers_match_the_document(start_sim, seen)
    test_failed_runs_resume_and_rate_limits_match_the_document(start_sim, seen)
    documented = {
        (template, method.upper(), int(status))
        for template, operations in spec()["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }
    assert documented - seen == set()
