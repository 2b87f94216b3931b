"""The reserved control prefix ``/__sim/``: health, ground truth, faults and
runtime settings. Never part of the public contract: no authentication, no
faults, no rate limit, not counted in the request stats.

- ``GET /__sim/health``
- ``GET /__sim/stats``   runs, queue, workers, requests by route and status
- ``GET /__sim/runs``    every retained run (``?workflow_id=`` and ``?status=`` filter)
- ``GET|POST /__sim/faults``  POST merges a JSON object of fault settings
- ``GET|POST /__sim/config``  POST changes time_scale, workers, rate_limit, retention
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from loadtests.simulator.replies import Reply, error_reply, json_reply
from loadtests.simulator.simulation import Simulation
from loadtests.simulator.validation import ConfigError, Table

PREFIX = "/__sim/"

Handler = Callable[[Simulation, web.BaseRequest], Awaitable[Reply]]


async def health(sim: Simulation, request: web.BaseRequest) -> Reply:
    return json_reply(200, {"status": "ok", "uptime_s": sim.uptime_s()})


async def stats(sim: Simulation, request: web.BaseRequest) -> Reply:
    return json_reply(200, sim.stats())


async def runs(sim: Simulation, request: web.BaseRequest) -> Reply:
    workflow_id = request.query.get("workflow_id")
    status = request.query.get("status")
    listed = [
        record.summary()
        for record in sim.store.runs.values()
        if (workflow_id is None or record.workflow_id == workflow_id)
        and (status is None or record.status == status)
    ]
    return json_reply(200, {"runs": listed})


async def get_faults(sim: Simulation, request: web.BaseRequest) -> Reply:
    return json_reply(200, sim.faults.to_json())


async def post_faults(sim: Simulation, request: web.BaseRequest) -> Reply:
    return await _patch(request, sim.update_faults, lambda: sim.faults.to_json())


async def get_config(sim: Simulation, request: web.BaseRequest) -> Reply:
    return json_reply(200, sim.runtime_config())


async def post_config(sim: Simulation, request: web.BaseRequest) -> Reply:
    return await _patch(request, sim.update_runtime, sim.runtime_config)


ENDPOINTS: dict[str, dict[str, Handler]] = {
    "health": {"GET": health},
    "stats": {"GET": stats},
    "runs": {"GET": runs},
    "faults": {"GET": get_faults, "POST": post_faults},
    "config": {"GET": get_config, "POST": post_config},
}


async def handle(sim: Simulation, request: web.BaseRequest) -> Reply:
    methods = ENDPOINTS.get(request.path[len(PREFIX) :].rstrip("/"))
    if methods is None:
        return error_reply(404, f"No control endpoint {request.path}; see docs/simulator.md.")
    handler = methods.get(request.method)
    if handler is None:
        allowed = ", ".join(methods)
        return error_reply(
            405, f"{request.method} is not allowed here; use {allowed}.", headers={"Allow": allowed}
        )
    return await handler(sim, request)


async def _patch(
    request: web.BaseRequest, apply: Callable[[Table], None], current: Callable[[], object]
) -> Reply:
    """Merge a JSON object into settings; 422 naming the key if it is refused."""
    try:
        patch = orjson.loads(await request.read() or b"{}")
        apply(Table(patch))
    except orjson.JSONDecodeError:
        return error_reply(422, "The body must be a JSON object of settings.")
    except ConfigError as exc:
        return error_reply(422, str(exc))
    return json_reply(200, current())
