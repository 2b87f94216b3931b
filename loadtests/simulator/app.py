"""The HTTP layer: one aiohttp handler that routes, injects faults,
authenticates, rate-limits, calls the endpoint and counts the answer.

It is the simulator's hot path, so it stays flat: a path split instead of
a regex router, prebuilt answers for the common errors, and the fault
machinery consulted only when some fault is switched on.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import time
from collections.abc import Callable

from aiohttp import web

from loadtests import contract
from loadtests.simulator import api, control
from loadtests.simulator.faults import SERVER_ERROR_MESSAGES
from loadtests.simulator.replies import Reply, error_reply
from loadtests.simulator.routing import EXECUTE, UNMATCHED, Route, match
from loadtests.simulator.simulation import Simulation
from loadtests.simulator.stats import RESET

Endpoint = Callable[[Simulation, web.BaseRequest, tuple[str, ...], bytes | None], Reply]

ENDPOINTS: dict[str, Endpoint] = {
    contract.EXECUTE_ROUTE: api.execute,
    contract.RUN_ROUTE: api.get_run,
    contract.EXECUTIONS_ROUTE: api.list_executions,
    contract.WORKFLOWS_ROUTE: api.list_workflows,
    contract.WORKFLOW_ROUTE: api.get_workflow,
    contract.RERUN_ROUTE: api.rerun,
    contract.RESUME_ROUTE: api.resume_from,
}

JSON = "application/json"
_UNAUTHENTICATED = error_reply(401, "Unauthenticated.")
_LINGER_RESET = struct.pack("ii", 1, 0)
# A dribbled body goes out in this many pieces.
SLOW_CHUNKS = 10


class SimulatorApp:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.faults = sim.faults
        self.requests = sim.requests
        self.limiter = sim.limiter

    def build(self) -> web.Server:
        """aiohttp's low-level server: every request comes straight to
        :meth:`handle`, which routes by itself (no URL dispatcher, no
        middleware chain on the hot path)."""
        loop = asyncio.get_running_loop()
        # Bodies over the limit must be read far enough to answer 422, not 413.
        max_size = max(1 << 20, 2 * self.sim.config.max_body_bytes)

        def make_request(message, payload, protocol, writer, task) -> web.BaseRequest:  # type: ignore[no-untyped-def]
            return web.BaseRequest(message, payload, protocol, writer, task, loop, client_max_size=max_size)

        return web.Server(self.handle, request_factory=make_request, access_log=None)

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path
        route, params = match(path)
        if route is None:
            if path.startswith(control.PREFIX):
                return to_response(await control.handle(self.sim, request))
            self.requests.count(f"{request.method} {UNMATCHED}", 404)
            return to_response(error_reply(404, f"The route {path.lstrip('/')} could not be found."))
        if self.faults.active:
            return await self._handle_with_faults(request, route, params)
        reply = self._refusal(request, route)
        if reply is None:
            reply = ENDPOINTS[route.name](self.sim, request, params, await _body(request, route))
            self.requests.count(route.stats_key, reply.status)
        else:
            self.requests.count(route.key(request.method), reply.status)
        return to_response(reply)

    def _refusal(self, request: web.BaseRequest, route: Route) -> Reply | None:
        """Method, then authentication, then rate limit, the order Laravel's
        router and middleware apply them: the answer if the request is
        refused, None if the endpoint may answer."""
        method = request.method
        if method != route.method:
            return _method_not_allowed(method, request.path, route)
        token = bearer_token(request.headers.get("Authorization"))
        tokens = self.sim.tokens
        if token is None or (tokens and token not in tokens):
            return _UNAUTHENTICATED
        limiter = self.limiter
        if limiter.settings.limit:
            retry_after = limiter.retry_after(token, time.monotonic())
            if retry_after is not None:
                return error_reply(429, "Too Many Attempts.", headers={"Retry-After": str(retry_after)})
        return None

    async def _handle_with_faults(
        self, request: web.BaseRequest, route: Route, params: tuple[str, ...]
    ) -> web.StreamResponse:
        faults, name = self.faults, route.name
        key = route.key(request.method)
        delay = faults.delay_s(name, time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)
        if faults.reset_before(name):
            return self._reset(request, key)
        status = faults.error_status(name)
        if status is not None:
            self.requests.count(key, status)
            return to_response(error_reply(status, SERVER_ERROR_MESSAGES.get(status, "Server Error")))
        reply = self._refusal(request, route)
        if reply is None:
            reply = ENDPOINTS[route.name](self.sim, request, params, await _body(request, route))
        if faults.reset_after(name):
            return self._reset(request, key)
        if faults.malformed(name):
            # Half a JSON document: the status says all is well, the body cannot be parsed.
            reply = Reply(reply.status, reply.body[: max(1, len(reply.body) // 2)], reply.headers)
        self.requests.count(key, reply.status)
        slow_s = faults.slow_s(name)
        if slow_s:
            return await dribble(request, reply, slow_s)
        return to_response(reply)

    def _reset(self, request: web.BaseRequest, key: str) -> web.StreamResponse:
        self.requests.count(key, RESET)
        reset_connection(request)
        # Never sent: aiohttp finds the transport gone and drops the response.
        return web.Response(status=500)


async def _body(request: web.BaseRequest, route: Route) -> bytes | None:
    """The request body for the endpoints that read one (execute), else
    empty; None if it is larger than even aiohttp would buffer."""
    if route is not EXECUTE:
        return b""
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        return None


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    if not header or (header[:7] != "Bearer " and header[:7].lower() != "bearer "):
        return None
    token = header[7:].strip()
    return token or None


def to_response(reply: Reply) -> web.Response:
    response = web.Response(body=reply.body, status=reply.status, content_type=JSON)
    if reply.headers:
        response.headers.update(reply.headers)
    return response


def reset_connection(request: web.BaseRequest) -> None:
    """Drop the connection with a TCP RST, as a crashing proxy or server would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # Linger 0: close() sends RST instead of FIN; the client sees ECONNRESET.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    transport.abort()


async def dribble(request: web.BaseRequest, reply: Reply, seconds: float) -> web.StreamResponse:
    """Send the headers now and the body in pieces spread over ``seconds``."""
    response = web.StreamResponse(status=reply.status, headers=reply.headers)
    response.content_type = JSON
    body = reply.body
    response.content_length = len(body)
    await response.prepare(request)
    pieces = max(1, min(SLOW_CHUNKS, len(body)))
    size = -(-len(body) // pieces)
    for start in range(0, len(body), size):
        await asyncio.sleep(seconds / pieces)
        await response.write(body[start : start + size])
    await response.write_eof()
    return response


def _method_not_allowed(method: str, path: str, route: Route) -> Reply:
    where = path.lstrip("/")
    message = f"The {method} method is not supported for route {where}. Supported methods: {route.method}."
    return error_reply(405, message, headers={"Allow": route.method})
