"""Sending contract requests through Locust's FastHttpSession.

FastHttpSession fires Locust's ``request`` event itself (so Locust's table
and our request records see every request, named by route); this adapter
only turns its response into a :class:`~loadtests.tracking.Reply`.
"""

from __future__ import annotations

import time
from typing import Any

from loadtests.contract import Request
from loadtests.records import describe_error
from loadtests.tracking import Reply


class FastHttpTransport:
    def __init__(self, session: Any) -> None:
        self.session = session

    def send(self, request: Request) -> Reply:
        started = time.perf_counter()
        response = self.session.request(
            request.method, request.path, name=request.route, data=request.body, headers=request.headers
        )
        ms = (time.perf_counter() - started) * 1000.0
        status = response.status_code or 0
        if not status:
            error = getattr(response, "error", None)
            reached = not isinstance(error, ConnectionRefusedError)
            return Reply(0, None, None, ms, describe_error(error), reached=reached)
        return Reply(status, response.content, response.headers, ms)
