"""A small standalone client for the Workflows API, on httpx.

For everything that is not load: preflight checks before a test (is the
target up, is the token accepted, do the workflows exist), tests, and
scripts. Requests are built and answers parsed by ``loadtests.contract``,
exactly as the Locust users do.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from loadtests import contract
from loadtests.contract import ParsedRun
from loadtests.records import describe_error
from loadtests.tracking import Reply


class PreflightError(RuntimeError):
    """The target cannot take this test. One line: what, where, what to do."""


@dataclass
class Page:
    """One page of a workflow's runs (Laravel pagination)."""

    runs: list[ParsedRun]
    current_page: int
    last_page: int
    total: int


class WorkflowsClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)

    def __repr__(self) -> str:
        return f"WorkflowsClient({self.base_url!r})"

    def __enter__(self) -> WorkflowsClient:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def send(self, request: contract.Request) -> httpx.Response:
        return self._http.request(request.method, request.path, headers=request.headers, content=request.body)

    def execute(
        self, workflow_id: str, context: dict[str, Any] | None = None, idempotency_key: str | None = None
    ) -> tuple[httpx.Response, ParsedRun]:
        response = self.send(contract.execute_request(workflow_id, context, self._token, idempotency_key))
        return response, contract.parse_run_body(response.content)

    def get_run(self, run_id: str) -> tuple[httpx.Response, ParsedRun]:
        response = self.send(contract.get_run_request(run_id, self._token))
        return response, contract.parse_run_body(response.content)

    def list_runs(self, workflow_id: str, page: int = 1) -> tuple[httpx.Response, Page | None]:
        response = self.send(contract.list_runs_request(workflow_id, self._token, page))
        return response, _page(response)

    def get_workflow(self, workflow_id: str) -> httpx.Response:
        return self.send(contract.get_workflow_request(workflow_id, self._token))

    def preflight(self, workflow_ids: list[str]) -> None:
        """Check that the target answers, accepts the token and knows every
        workflow, before any load is sent. Raises :class:`PreflightError`."""
        for workflow_id in workflow_ids:
            try:
                response = self.get_workflow(workflow_id)
            except httpx.HTTPError as exc:
                raise PreflightError(
                    f"cannot reach {self.base_url} ({type(exc).__name__}); check -H/--host and that the service is up"
                ) from None
            if response.status_code == 401:
                raise PreflightError(
                    f"{self.base_url} rejected the token (HTTP 401); check ALTOSTRAT_TOKEN or --token-file"
                )
            if response.status_code == 404:
                raise PreflightError(
                    f"workflow {workflow_id!r} does not exist on {self.base_url} (HTTP 404); "
                    "check the scenario or --workflow"
                )
            if response.status_code >= 400:
                raise PreflightError(
                    f"{self.base_url} answered HTTP {response.status_code} for workflow {workflow_id!r}; "
                    "check the target before loading it"
                )


class HttpxTransport:
    """The tracker's transport over this client: run tracking without Locust
    (scripts, tests), with the same rules as in a load test."""

    def __init__(self, client: WorkflowsClient) -> None:
        self.client = client

    def send(self, request: contract.Request) -> Reply:
        started = time.perf_counter()
        try:
            response = self.client.send(request)
        except httpx.HTTPError as exc:
            ms = (time.perf_counter() - started) * 1000.0
            return Reply(0, None, None, ms, describe_error(exc), reached=not isinstance(exc, httpx.ConnectError))
        ms = (time.perf_counter() - started) * 1000.0
        return Reply(response.status_code, response.content, response.headers, ms)


def _page(response: httpx.Response) -> Page | None:
    try:
        data = orjson.loads(response.content)
        meta = data["meta"]
        return Page(
            runs=[contract.parse_run(item) for item in data["data"]],
            current_page=int(meta["current_page"]),
            last_page=int(meta["last_page"]),
            total=int(meta["total"]),
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None
