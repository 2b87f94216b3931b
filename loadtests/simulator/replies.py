"""What a handler answers, before it becomes an HTTP response: a status, an
encoded JSON body and any extra headers. Keeping it plain lets the fault
layer garble or dribble a body without knowing which endpoint made it."""

from __future__ import annotations

from typing import Any

import orjson

from loadtests import contract


class Reply:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.body = body
        self.headers = headers


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    return Reply(status, orjson.dumps(data), headers)


def error_reply(
    status: int,
    message: str,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    """A Laravel-style error: ``{"message": ..., "errors": {field: [...]}}``."""
    return Reply(status, orjson.dumps(contract.error_body(message, errors)), headers)


def validation_error(field: str, message: str) -> Reply:
    """422 as Laravel's validator answers it: the message, and the same under its field."""
    return error_reply(422, message, {field: [message]})
