"""Sending contract requests: geventhttpclient, straight, with Locust's event.

``FastHttpUser``'s session wraps geventhttpclient's ``HTTPClient`` in a
user agent that parses the URL, builds a request object and manages cookies
for every request: a sixth of the cost of a request here, on the path every
poll takes. The contract already knows each request's method, path, headers
and body, so this transport hands them to ``HTTPClient`` directly (same
connection pool, keep-alive, timeouts and TLS) and fires Locust's
``request`` event itself, exactly as the session does, so Locust's table,
its failure counts and wfload's request records see every request, named by
route.

A status of 400 and above is a failure in Locust's table, with the route in
its message (never the URL: run ids would make a row each).
"""

from __future__ import annotations

import time
from typing import Any

from gevent.ssl import create_default_context
from geventhttpclient import HTTPClient
from geventhttpclient.url import URL

from loadtests.contract import Request
from loadtests.records import describe_error
from loadtests.tracking import Reply


class HttpStatusError(Exception):
    """How a 4xx/5xx answer shows in Locust's failure table."""


class GeventTransport:
    def __init__(self, base_url: str, request_event: Any, timeout_s: float, concurrency: int = 1) -> None:
        url = URL(base_url)
        self.base_url = base_url.rstrip("/")
        self.prefix = url.path.rstrip("/")  # a base URL may carry a path, e.g. https://host/v1
        self.event = request_event
        self.client = HTTPClient.from_url(
            url,
            concurrency=concurrency,
            connection_timeout=timeout_s,
            network_timeout=timeout_s,
            ssl_context_factory=create_default_context,  # certificates are checked: production is HTTPS
        )

    def send(self, request: Request) -> Reply:
        started_at = time.time()
        started = time.perf_counter()
        response = body = error = None
        try:
            response = self.client.request(request.method, self.prefix + request.path, body=request.body,
                                           headers=request.headers)
            try:
                body = response.read()
            finally:
                response.release()
        except Exception as exc:  # any failure to get an answer is "no response", recorded with its reason
            error = exc
        ms = (time.perf_counter() - started) * 1000.0
        status = response.status_code if error is None and response is not None else 0
        self.event.fire(
            request_type=request.method,
            name=request.route,
            response_time=ms,
            response_length=len(body) if body else 0,
            response=response if status else None,
            exception=error if error is not None else (HttpStatusError(f"HTTP {status}") if status >= 400 else None),
            context={},
            start_time=started_at,
            url=self.base_url + request.path,
        )
        if not status:
            reached = not isinstance(error, ConnectionRefusedError)
            return Reply(0, None, None, ms, describe_error(error), reached=reached)
        return Reply(status, body, response.info(), ms)  # info(): the case-insensitive header index

    def close(self) -> None:
        self.client.close()
