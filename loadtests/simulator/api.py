"""The public endpoints, as ``workflows-api.md`` describes them.

Each handler gets the simulation, the request, the route's path parameters
and the request body (read beforehand for execute only: ``None`` if it was
too large to read), and returns a :class:`Reply`. They are plain functions,
not coroutines, which saves a coroutine per request on the hot path.
Authentication, rate limiting, faults and counting happen around them in
:mod:`loadtests.simulator.app`.
"""

from __future__ import annotations

import math
import time
from typing import Any

import orjson
from aiohttp import web

from loadtests import contract
from loadtests.simulator.replies import Reply, error_reply, json_reply, validation_error
from loadtests.simulator.runs import RunRecord
from loadtests.simulator.simulation import Simulation
from loadtests.simulator.workflows import Workflow

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"  # set on an answer that returns an existing run
MAX_IDEMPOTENCY_KEY = 255

_REPLAYED = {REPLAYED_HEADER: "true"}


def execute(sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None) -> Reply:
    workflow = sim.workflows.get(params[0])
    if workflow is None:
        return _workflow_not_found()
    problem = _check_execute_body(body, sim.config.max_body_bytes)
    if problem is not None:
        return problem
    key, problem = _idempotency_key(request)
    if problem is not None:
        return problem
    if key is not None:
        original = sim.store.by_idempotency_key(key)
        if original is not None:
            sim.idempotent_replays += 1
            return Reply(202, orjson.dumps(original.to_json(time.time(), False)), _REPLAYED)
    if not workflow.is_active:
        return validation_error("workflow", "The workflow is not active.")
    record = sim.engine.submit(workflow, key)
    return Reply(202, orjson.dumps(record.to_json(record.created_at, False)))


def get_run(sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None) -> Reply:
    record = sim.store.get(params[0])
    if record is None:
        return _run_not_found()
    return Reply(200, record.body(time.time()))


def list_executions(
    sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None
) -> Reply:
    workflow_id = params[0]
    if workflow_id not in sim.workflows:
        return _workflow_not_found()
    page = _page_number(request.query.get("page"))
    per_page = sim.config.per_page
    records, total = sim.store.page(workflow_id, page, per_page)
    now = time.time()
    path = f"{request.scheme}://{request.host}{contract.executions_path(workflow_id).split('?')[0]}"
    return json_reply(200, _paginated([r.to_json(now, False) for r in records], page, per_page, total, path))


def list_workflows(
    sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None
) -> Reply:
    return Reply(200, sim.workflows_body)


def get_workflow(
    sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None
) -> Reply:
    body = sim.workflow_bodies.get(params[0])
    if body is None:
        return _workflow_not_found()
    return Reply(200, body)


def rerun(sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None) -> Reply:
    original = sim.store.get(params[0])
    if original is None:
        return _run_not_found()
    return _new_run(
        sim, request, sim.workflows[original.workflow_id], None, "Workflow run queued for re-execution."
    )


def resume_from(
    sim: Simulation, request: web.BaseRequest, params: tuple[str, ...], body: bytes | None
) -> Reply:
    original = sim.store.get(params[0])
    if original is None:
        return _run_not_found()
    node_id = params[1]
    workflow = sim.workflows[original.workflow_id]
    if node_id not in workflow.nodes_by_id:
        return error_reply(404, "Node not found in this workflow.")
    if original.status != contract.FAILED:
        return validation_error("run", "Only failed runs can be resumed.")
    if not _completed_node(original, node_id):
        return validation_error(
            "node", f"Node {node_id} did not complete in this run; resume from a completed node."
        )
    return _new_run(sim, request, workflow, node_id, f"Workflow run resumed from node {node_id}.")


def _new_run(
    sim: Simulation, request: web.BaseRequest, workflow: Workflow, start_node: str | None, message: str
) -> Reply:
    """A rerun or a resumption: a new run, honouring ``Idempotency-Key`` like execute."""
    key, problem = _idempotency_key(request)
    if problem is not None:
        return problem
    now = time.time()
    if key is not None:
        original = sim.store.by_idempotency_key(key)
        if original is not None:
            sim.idempotent_replays += 1
            return json_reply(202, {"message": message, "new_run": original.to_json(now, False)}, _REPLAYED)
    record = sim.engine.submit(workflow, key, start_node)
    return json_reply(202, {"message": message, "new_run": record.to_json(now, False)})


def _completed_node(record: RunRecord, node_id: str) -> bool:
    steps = record.plan.steps if record.plan is not None else ()
    return any(step.node_id == node_id and step.status == "success" for step in steps)


def _check_execute_body(raw: bytes | None, limit: int) -> Reply | None:
    """Check the optional ``{"context": {...}}`` body; a :class:`Reply` if it is refused."""
    if raw is None or len(raw) > limit:
        return _too_large(limit)
    if not raw.strip():
        return None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return validation_error("body", "The request body must be valid JSON.")
    if not isinstance(data, dict):
        return validation_error("body", "The request body must be a JSON object.")
    context = data.get("context")
    if context is not None and not isinstance(context, dict):
        return validation_error("context", "The context field must be an object.")
    return None


def _too_large(limit: int) -> Reply:
    return validation_error("body", f"The request body must not be greater than {limit} bytes.")


def _idempotency_key(request: web.BaseRequest) -> tuple[str | None, Reply | None]:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if not key:
        return None, None
    if len(key) > MAX_IDEMPOTENCY_KEY:
        return None, validation_error(
            "idempotency_key",
            f"The Idempotency-Key header must not be longer than {MAX_IDEMPOTENCY_KEY} characters.",
        )
    return key, None


def _page_number(text: str | None) -> int:
    # Laravel reads a missing, non-numeric or non-positive page as page 1.
    try:
        page = int(text) if text is not None else 1
    except ValueError:
        return 1
    return page if page >= 1 else 1


def _paginated(data: list[Any], page: int, per_page: int, total: int, path: str) -> dict[str, Any]:
    last_page = max(1, math.ceil(total / per_page))
    first_index = (page - 1) * per_page
    return {
        "data": data,
        "links": {
            "first": f"{path}?page=1",
            "last": f"{path}?page={last_page}",
            "prev": f"{path}?page={page - 1}" if page > 1 else None,
            "next": f"{path}?page={page + 1}" if page < last_page else None,
        },
        "meta": {
            "current_page": page,
            "from": first_index + 1 if data else None,
            "last_page": last_page,
            "path": path,
            "per_page": per_page,
            "to": first_index + len(data) if data else None,
            "total": total,
        },
    }


def _workflow_not_found() -> Reply:
    return error_reply(404, "Workflow not found.")


def _run_not_found() -> Reply:
    return error_reply(404, "Workflow run not found.")
