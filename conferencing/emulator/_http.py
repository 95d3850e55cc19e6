"""Small pieces of HTTP both providers' handlers share."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode

MAX_BODY_BYTES = 1024**2
"""The largest request body read, in bytes (aiohttp's default cap, stated once here)."""

MAX_JSON_DEPTH = 100
"""The deepest nesting of arrays and objects read in a body.

Both APIs' bodies are at most three levels deep; the cap keeps parsing, and
echoing a value back in an error, far below Python's recursion limit.
"""


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


_TOO_LARGE = web.RequestKey("conferencing.emulator.body_too_large", bool)


class BadJson(Exception):
    """The request body is not a JSON object, or nests deeper than `MAX_JSON_DEPTH`."""


class BodyTooLarge(Exception):
    """The request body is larger than `MAX_BODY_BYTES`."""

    def __init__(self, limit: int) -> None:
        """Carry the cap that was passed."""
        super().__init__(f"the request body exceeds the limit of {limit} bytes")
        self.limit = limit


async def read_body(request: web.Request) -> bytes:
    """Return the raw body; raise `BodyTooLarge` past the cap, on every read of that request.

    aiohttp stops reading at the cap, so a second read would see only the
    rest of the body: the refusal is remembered on the request instead.
    """
    if request.get(_TOO_LARGE):
        raise BodyTooLarge(request.client_max_size)
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        request[_TOO_LARGE] = True
        raise BodyTooLarge(request.client_max_size) from exc


def _too_deep(data: object) -> bool:
    """Tell whether `data` nests arrays and objects deeper than `MAX_JSON_DEPTH`."""
    pending: list[tuple[object, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Iterable[object] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _nesting_refusal() -> BadJson:
    return BadJson(f"it nests arrays and objects deeper than {MAX_JSON_DEPTH} levels")


async def read_object(request: web.Request) -> dict[str, Any]:
    """Return the request's JSON object body; an empty body reads as ``{}``.

    Raises `BadJson` for anything else (nesting too deep included) and
    `BodyTooLarge` past the size cap.
    """
    raw = await read_body(request)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise _nesting_refusal() from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJson(str(exc)) from exc
    if not isinstance(data, dict):
        raise BadJson("the body must be a JSON object")
    # Counting brackets is cheap; walking the parsed value is needed only when there are many.
    if raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH and _too_deep(data):
        raise _nesting_refusal()
    return data


def is_http_url(value: str) -> bool:
    """Tell whether `value` is an absolute http(s) URL with a host."""
    scheme, sep, rest = value.partition("://")
    if not sep or scheme.lower() not in {"http", "https"}:
        return False
    host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return bool(host) and not any(ch.isspace() for ch in value)
