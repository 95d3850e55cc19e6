"""A call's result together with its answer's status, headers and request id, when asked for."""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Awaitable, Callable
from typing import Final, Generic, TypeVar

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from ._errors import ConfigurationError
from ._observe import request_id
from ._send import Answer

__all__ = ["CAPTURE", "RawResponse", "raw_response"]

_T = TypeVar("_T")

#: Set while `raw_response` awaits a call: the answers its requests got.
CAPTURE: Final[contextvars.ContextVar[list[Answer] | None]] = contextvars.ContextVar(
    "conferencing_raw_response", default=None
)


@attrs.frozen
class RawResponse(Generic[_T]):
    """A call's result (`parsed`), with the HTTP answer it was decoded from."""

    parsed: _T
    #: The answer's status; None only when the awaited call decoded no answer in this task.
    status: int | None
    headers: CIMultiDictProxy[str] = attrs.field(repr=False)
    #: The provider's id of the request (its `X-Request-Id` or `Request-Id` header), if sent.
    request_id: str | None


def capturing(answers: list[Answer], decode: Callable[[Answer], _T]) -> Callable[[Answer], _T]:
    """`decode`, noting each answer it decodes in `answers` first."""

    def decode_and_keep(answer: Answer) -> _T:
        answers.append(answer)
        return decode(answer)

    return decode_and_keep


_NO_HEADERS: Final = CIMultiDictProxy(CIMultiDict[str]())


async def raw_response(call: Awaitable[_T]) -> RawResponse[_T]:
    """Await a client call and return its result with its answer's status, headers and request id.

    `await raw_response(tx.create_conference(name="x", call_control_id="v3:..."))`
    is a `RawResponse[Conference]`: `.parsed` is what the call returns,
    `.status`, `.headers` and `.request_id` come from the answer it was
    decoded from (the last one, for a call that sends several requests, or
    several calls gathered inside it). The call keeps its own typing,
    overloads included. Calls not awaited through this function pay nothing
    for it. A result is never lost to this function: should the awaitable
    decode no answer where this function can see it (a task or
    `asyncio.gather` started before, which runs in its own context), it is
    awaited all the same, and `status` and `request_id` are None.

    Whatever the call raises is raised unchanged.

    Raises:
        ConfigurationError: `call` cannot be awaited (nothing was run).
    """
    given: object = call  # callers without a type checker pass anything
    if not inspect.isawaitable(given):
        raise ConfigurationError(
            f"raw_response() takes a client call to await, got {type(call).__name__}: pass "
            "the call itself, e.g. raw_response(client.get_conference(conference_id)); "
            "for pages, wrap each page's call, or iterate without it"
        )
    outer = CAPTURE.get()
    answers: list[Answer] = []
    token = CAPTURE.set(answers)
    try:
        parsed = await call
    finally:
        CAPTURE.reset(token)
        if outer is not None:  # a raw_response around this one sees these answers too
            outer.extend(answers)
    if not answers:
        return RawResponse(parsed, None, _NO_HEADERS, None)
    last = answers[-1]
    return RawResponse(parsed, last.status, last.headers, request_id(last.headers))
