"""Helpers shared by the simulator tests (a uniquely named module, so it
cannot clash with other test packages' helpers on sys.path)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from loadtests.simulator import SimConfig, parse_config

TOKEN = "test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TERMINAL = ("completed", "failed", "awaiting_ui_interaction")


def config(workflows: list[dict[str, Any]] | None = None, **settings: Any) -> SimConfig:
    """The default configuration with ``settings`` (TOML keys) on top."""
    data = dict(settings)
    if workflows is not None:
        data["workflows"] = workflows
    return parse_config(data)


def constant_workflow(workflow_id: str = "fl_const", seconds: float = 0.1, **extra: Any) -> dict[str, Any]:
    """A one-node workflow lasting exactly ``seconds``: a known service time."""
    return {
        "id": workflow_id,
        "nodes": [{"id": "n1", "component": "manual_trigger", "duration_s": seconds}],
        **extra,
    }


def client(url: str, token: str | None = TOKEN, **kwargs: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url, headers=headers, timeout=10.0, **kwargs)


def wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.02) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def wait_terminal(c: httpx.Client, run_id: str, timeout: float = 5.0) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        run = c.get(f"/workflows/runs/{run_id}").json()
        return run if run["status"] in TERMINAL else None

    return wait_until(done, timeout)


def execute(c: httpx.Client, workflow_id: str, key: str | None = None, context: Any = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return c.post(f"/workflows/{workflow_id}/execute", json={"context": context or {}}, headers=headers)


def stats(url: str) -> dict[str, Any]:
    return httpx.get(f"{url}/__sim/stats").json()


def post_control(url: str, what: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/__sim/{what}", json=body)
