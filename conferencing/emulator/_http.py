"""Small pieces of HTTP both providers' handlers share."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_answer(
    status: int, payload: object, headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return a response carrying `payload` as compact JSON."""
    return web.Response(
        status=status,
        body=_encode(payload).encode(),
        content_type="application/json",
        headers=headers,
    )


class Refusal(Exception):
    """A request refused: raised anywhere in a handler, answered with `response`."""

    def __init__(self, response: web.Response) -> None:
        """Carry the ready answer."""
        super().__init__(response.status)
        self.response = response


class BadJson(Exception):
    """The request body is not a JSON object."""


async def read_object(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body; an empty body reads as ``{}``."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson(str(exc)) from exc
    if not isinstance(data, dict):
        raise BadJson("the body must be a JSON object")
    return data


def is_http_url(value: str) -> bool:
    """Tell whether `value` is an absolute http(s) URL with a host."""
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in {"http", "https"}:
        return False
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return bool(host) and not any(ch.isspace() for ch in value)
