"""The one send path every request of every provider goes through.

Adapters describe a request as a `Call` and say how to decode a success
answer; `send` does the rest: the queue for a connection, the exchange,
timeouts, reading the body under a cap, status checks, mapping failures to
our exceptions, decoding, and the DEBUG log line.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import math
import time
from collections.abc import Callable, Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar

import aiohttp
import attrs
import cattrs
import yarl
from attrs import AttrsInstance
from multidict import CIMultiDictProxy

from . import _fast, _wire
from ._errors import (
    APIError,
    ClientClosedError,
    ConferencingError,
    ErrorDetail,
    RateLimitError,
    RequestTimeout,
    ResponseDecodeError,
    TransportError,
    error_class_for,
)
from ._fast import MAX_BODY_BYTES
from ._observe import Observers, request_id
from ._pool import SessionPool
from ._ratelimit import Limiter
from ._retry import (
    NO_RETRY,
    RetryPolicy,
    call_with_retries,
    maybe_carried_out,
    outcome_unknown,
    retry_reason,
)

__all__ = ["MAX_BODY_BYTES", "SENDING", "Answer", "Call", "Dialect", "send"]

_log: Final = logging.getLogger("conferencing")
_T = TypeVar("_T")

#: How much of a failure body an exception keeps as `.body`.
ERROR_BODY_CHARS: Final = 8192

#: Called, in the task sending a request, the moment the request is about to
#: leave: after its pacing and its wait for a connection slot, before the
#: first byte is written (once per attempt). `create_many`'s `on_send` sets it.
SENDING: Final[contextvars.ContextVar[Callable[[], None] | None]] = contextvars.ContextVar(
    "conferencing_sending", default=None
)


@attrs.frozen
class Dialect:
    """What the send path must know of a provider: its name and its error payloads."""

    name: str
    #: Reads the provider's JSON error payload; may raise on odd shapes.
    parse_errors: Callable[[Any], tuple[ErrorDetail, ...]]
    #: The JSON name of a request class's attribute (`from_` -> `from`, camelCase, ...).
    wire_name: Callable[[str], str]


# Call and Answer are built for every request, so they are plain (not frozen)
# slotted classes, built positionally: a frozen attrs class sets each field
# through object.__setattr__, and keywords cost more than positions.
@attrs.define
class Call:
    """One HTTP request, fully described, credentials in `headers`."""

    dialect: Dialect
    origin: str
    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes | None = None
    #: Seconds the whole exchange may take; None for the pool's timeout.
    timeout: float | None = None
    #: Sending it twice has the effect of sending it once (a GET, or a Telnyx
    #: command with a `command_id`), so a retry after an unknown outcome is safe.
    idempotent: bool = False
    retry: RetryPolicy = NO_RETRY
    #: Paces this call's endpoint family, when the client has a rate limit.
    limiter: Limiter | None = None
    #: The request object being sent, for `OutcomeUnknownError.request`.
    request: AttrsInstance | None = None
    #: The `command_id` the body carries (Telnyx), for `OutcomeUnknownError.command_id`.
    command_id: str | None = None
    #: The client method sending it ("create_conference"), for hooks and spans.
    operation: str = ""
    #: Who watches its attempts (hooks, tracing); None when nobody does.
    observers: Observers | None = None
    #: Which attempt this is: 1 for the first try.
    attempt: int = 1


@attrs.define
class Answer:
    """A success answer, read whole, for a decoder."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return _wire.loads(self.body)


#: The parsed form of each URL recently sent to: aiohttp parses a string URL
#: on every request, while a `yarl.URL` it was given before has its host,
#: port and path already worked out.
_parsed_url: Final = functools.lru_cache(maxsize=1024)(yarl.URL)


async def send(  # noqa: C901, PLR0912, PLR0915 - the success path is one coroutine on purpose
    pool: SessionPool, call: Call, decode: Callable[[Answer], _T]
) -> _T:
    """Send `call` through `pool`, retrying what is safe, and return the decoded answer.

    The success path runs in this one coroutine (every frame and object per
    request costs throughput); failures go to `_failed`, which retries by
    calling `send` again with retries turned off.

    Raises:
        TransportError: the network failed (`RequestTimeout` for timeouts), or the proxy
            refused the request (407).
        APIError: the provider answered with a failure status (a subclass by status and code).
        ResponseDecodeError: a success answer without the documented shape.
        OutcomeUnknownError: a non-idempotent call may or may not have been carried out.
        ClientClosedError: the pool is closed.
    """
    started = time.perf_counter()
    origin = pool._origin(call.origin)  # noqa: SLF001 - the pool and the send path are one unit
    if call.limiter is not None:
        # Pacing is not part of the timeout: a bulk run paced at 1/s queues
        # for far longer than any request may take.
        await call.limiter.acquire()
    failure: ConferencingError | None = None
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("conferencing requests must run in an asyncio task")
    cancelling = task.cancelling()
    deadlines = origin.deadlines_for(call.timeout if call.timeout is not None else pool.timeout)
    # The timeout covers the whole request, its wait for a connection slot included.
    deadlines.start(task)
    slots = origin.slots
    if not slots.try_acquire():
        try:
            await slots.acquire()
        except asyncio.CancelledError:
            if not deadlines.end(task) or task.uncancel() > cancelling:
                raise
            # Nothing left: a timeout here is as safe to retry as a refused connection.
            return await _failed(
                pool, call, decode, _timed_out(call, deadlines.seconds, sent=False), started
            )
    try:
        url: yarl.URL | str = _parsed_url(call.url)
    except ValueError:
        url = call.url  # aiohttp refuses it with InvalidUrlClientError, mapped below
    observers = call.observers
    headers: Mapping[str, str] = call.headers
    watch = None
    written: list[bool] | None = None
    try:
        hook = SENDING.get()
        if hook is not None:
            hook()
        if observers is not None:
            watch, headers = observers.sending(call, headers)
        fast = origin.fast
        if fast is not None and type(url) is yarl.URL and _fast.available():
            written = [False]
            status, answer_headers, body, complete = await fast.request(
                call.method, url, headers, call.body, written
            )
        else:
            # Awaited rather than entered with `async with`: one coroutine
            # less per request; `release()` below does what leaving would.
            response = await origin.session.request(
                call.method,
                url,
                data=call.body,
                headers=headers,
                allow_redirects=False,  # credentials must never follow a redirect
                proxy_headers=origin.proxy_headers,
            )
            try:
                status = response.status
                answer_headers = response.headers
                # A compressed body's length says nothing of its size once inflated.
                length = None if "Content-Encoding" in answer_headers else response.content_length
                if length == 0:  # Catapult's 201s: nothing to wait for
                    body, complete = b"", True
                elif length is not None and length <= MAX_BODY_BYTES:
                    content = response.content
                    if content.is_eof():  # all of it arrived with the headers
                        body, complete = content.read_nowait(), True
                    else:
                        body, complete = await response.read(), True
                else:
                    body, complete = await _read_capped(response)
            finally:
                response.release()
    except asyncio.CancelledError:
        # Cancelled by `deadlines` when the timeout passed (and by nobody
        # else meanwhile): the request timed out.
        if not deadlines.end(task) or task.uncancel() > cancelling:
            if observers is not None and watch is not None:
                observers.abandoned(watch)
            raise
        # The lean transport knows whether the request was written; aiohttp's may have been.
        failure = _timed_out(call, deadlines.seconds, sent=written is None or written[0])
    except (TimeoutError, aiohttp.ClientError, _fast.FastTransportError) as exc:
        # Either transport fails its requests when the pool closes under them.
        failure = _closed_under_request() if pool.closed else _transport_error(call, exc)
    except RuntimeError:
        if not origin.session.closed:
            raise
        failure = _closed_under_request()
    finally:
        slots.release()
        if deadlines.end(task):
            # The deadline passed as the answer arrived and the cancellation
            # was absorbed on the way: take it back, the request succeeded.
            task.uncancel()
    if failure is None:
        if _log.isEnabledFor(logging.DEBUG):
            _log_answer(call, status, started)
        if 200 <= status < 300 and complete:  # noqa: PLR2004
            try:
                result = decode(Answer(status, answer_headers, body))
            except ConferencingError as exc:
                failure = exc
            except Exception as exc:  # noqa: BLE001 - any decoder failure is a shape problem
                failure = _undecodable(call, status, answer_headers, body, exc)
            else:
                if observers is not None and watch is not None:
                    observers.answered(call, watch, status, answer_headers, None)
                return result
        elif status == _PROXY_AUTHENTICATION_REQUIRED and origin.proxy is not None:
            failure = _proxy_refused(call, origin.proxy)
        else:
            failure = _unsuccessful(call, status, answer_headers, body)
        if observers is not None and watch is not None:
            observers.answered(call, watch, status, answer_headers, failure)
    elif observers is not None and watch is not None:
        observers.answered(call, watch, None, None, failure)
    # Handled outside the `except` clauses above, so that nothing is chained
    # to aiohttp's errors, whose repr holds the request headers (credentials).
    return await _failed(pool, call, decode, failure, started)


#: The policy of the attempts a retry loop makes: each raises its own error
#: as it is, and the loop's caller decides what the whole call reports.
_ATTEMPT: Final = RetryPolicy(attempts=1)


async def _failed(
    pool: SessionPool,
    call: Call,
    decode: Callable[[Answer], _T],
    failure: ConferencingError,
    started: float,
) -> _T:
    """Retry what is safe to retry; raise the last error, or `OutcomeUnknownError` where due."""
    if call.retry is _ATTEMPT:
        raise failure
    maybe_done = maybe_carried_out(failure)
    if call.retry.attempts > 1 and retry_reason(failure, idempotent=call.idempotent):
        tries = call.attempt

        async def attempt() -> _T:
            nonlocal maybe_done, tries
            tries += 1
            try:
                return await send(pool, attrs.evolve(call, retry=_ATTEMPT, attempt=tries), decode)
            except ConferencingError as exc:
                maybe_done = maybe_done or maybe_carried_out(exc)
                raise

        on_retry = None
        observers = call.observers
        if observers is not None:

            def on_retry(number: int, reason: str, delay: float, error: ConferencingError) -> None:
                observers.retrying(call, number, reason, delay, error)

        try:
            return await call_with_retries(
                call.retry,
                failure,
                time.perf_counter() - started,
                attempt,
                idempotent=call.idempotent,
                what=f"{call.dialect.name} {call.method} {call.url}",
                on_retry=on_retry,
            )
        except ConferencingError as exc:
            failure = exc
    if maybe_done and call.method != "GET":
        request = call.request
        if call.command_id is not None and getattr(request, "command_id", "") is None:
            # The caller's request had no command_id; the error's carries the one
            # every attempt used, so that resending `error.request` is safe.
            request = attrs.evolve(request, command_id=call.command_id)  # type: ignore[misc]
        raise outcome_unknown(
            failure,
            provider=call.dialect.name,
            method=call.method,
            url=call.url,
            request=request,
            command_id=call.command_id,
            idempotent=call.idempotent,
        ) from failure
    raise failure


def _log_answer(call: Call, status: int, started: float) -> None:
    _log.debug(
        "%s %s %s -> %d in %.1f ms",
        call.dialect.name,
        call.method,
        call.url,
        status,
        (time.perf_counter() - started) * 1000,
    )


def _unsuccessful(
    call: Call, status: int, headers: CIMultiDictProxy[str], body: bytes
) -> ConferencingError:
    """Our error for a failure status, or for a success answer too large to read."""
    if not 200 <= status < 300:  # noqa: PLR2004
        return _api_error(call, status, headers, body)
    return _decode_error(
        call,
        status,
        headers,
        body,
        f"the answer to {call.method} {call.url} is larger than {MAX_BODY_BYTES} bytes",
    )


def _undecodable(
    call: Call, status: int, headers: Mapping[str, str], body: bytes, exc: Exception
) -> ResponseDecodeError:
    """Our error for a success answer its decoder could not read."""
    if isinstance(exc, cattrs.BaseValidationError):
        # Where in the answer, and what: "expected str @ $.region".
        what = "; ".join(cattrs.transform_error(exc))
    else:
        what = f"{type(exc).__name__}: {exc}"
    error = _decode_error(
        call,
        status,
        headers,
        body,
        f"the {status} answer to {call.method} {call.url} does not have the documented "
        f"shape: {what}",
    )
    error.__cause__ = exc
    return error


def _decode_error(
    call: Call, status: int, headers: Mapping[str, str], body: bytes, problem: str
) -> ResponseDecodeError:
    said = request_id(headers)
    return ResponseDecodeError(
        f"{call.dialect.name}: {problem}{_request_id_note(said)}",
        provider=call.dialect.name,
        method=call.method,
        url=call.url,
        status=status,
        body=_text(body),
        request_id=said,
    )


def _request_id_note(said: str | None) -> str:
    """The note " (request id ...)" for a message, so a log line can go into a support ticket."""
    return "" if said is None else f" (request id {said})"


def _closed_under_request() -> ClientClosedError:
    return ClientClosedError("the SessionPool was closed while a request was under way")


def _timed_out(call: Call, seconds: float, *, sent: bool) -> RequestTimeout:
    """Our error for a request whose timeout passed; `sent`: it may have left (or surely not)."""
    what = "no answer to" if sent else "no connection slot free for"
    return RequestTimeout(
        f"{call.dialect.name}: {what} {call.method} {call.url} within {seconds:g} s",
        provider=call.dialect.name,
        method=call.method,
        url=call.url,
        request_sent=sent,
    )


_PROXY_AUTHENTICATION_REQUIRED: Final = 407


def _proxy_refused(call: Call, proxy: str) -> TransportError:
    """Our error for a 407 from the proxy a plain http request went to; the provider saw nothing."""
    return TransportError(
        f"{call.dialect.name}: {call.method} {call.url} failed: the proxy {proxy} refused it: "
        f"{_PROXY_AUTHENTICATION_REQUIRED} Proxy Authentication Required",
        provider=call.dialect.name,
        method=call.method,
        url=call.url,
        request_sent=False,
        proxy_refused=True,
    )


#: Failures before the request left: no connection (to the server or a
#: proxy), or a proxy that refused to open the tunnel.
_NOT_SENT: Final = (
    aiohttp.ClientConnectorError,
    aiohttp.ClientHttpProxyError,
    _fast.ConnectFailed,
)


def _transport_error(call: Call, exc: Exception) -> TransportError:
    """Our error for a timeout or an aiohttp failure."""
    if isinstance(exc, TimeoutError):
        return RequestTimeout(
            f"{call.dialect.name}: no answer to {call.method} {call.url} within the timeout",
            provider=call.dialect.name,
            method=call.method,
            url=call.url,
            request_sent=not isinstance(exc, aiohttp.ConnectionTimeoutError | _fast.ConnectTimeout),
        )
    return TransportError(
        f"{call.dialect.name}: {call.method} {call.url} failed: {type(exc).__name__}: {exc}",
        provider=call.dialect.name,
        method=call.method,
        url=call.url,
        # A refused or failed connection never carried the request.
        request_sent=not isinstance(exc, _NOT_SENT),
        proxy_refused=isinstance(exc, aiohttp.ClientHttpProxyError)
        and exc.status == _PROXY_AUTHENTICATION_REQUIRED,
    )


async def _read_capped(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """Read a body of unknown or large size up to `MAX_BODY_BYTES`; say whether that was all."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_any():
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            # The rest is never read: the connection is closed, not reused.
            return b"".join(chunks)[:MAX_BODY_BYTES], False
    return b"".join(chunks), True


def _text(body: bytes) -> str:
    return body[: ERROR_BODY_CHARS * 4].decode("utf-8", "replace")[:ERROR_BODY_CHARS]


def _api_error(call: Call, status: int, headers: CIMultiDictProxy[str], body: bytes) -> APIError:
    """Build the typed error for a failure answer, whatever its body holds."""
    provider = call.dialect.name
    errors: tuple[ErrorDetail, ...] = ()
    try:
        errors = call.dialect.parse_errors(_wire.loads(body))
    except Exception:  # noqa: BLE001 - an HTML page or cut JSON still yields the status class
        errors = ()
    code = errors[0].code if errors else None
    cls = error_class_for(provider, status, code)
    said = "; ".join(
        part
        for e in errors
        for part in [" ".join(p for p in (e.code, e.title or "", e.detail or "") if p)]
        if part
    )
    message = f"{provider} answered {status} to {call.method} {call.url}"
    if said:
        message = f"{message}: {said}"
    given_id = request_id(headers)
    common: dict[str, Any] = {
        "provider": provider,
        "method": call.method,
        "url": call.url,
        "status": status,
        "body": _text(body),
        "errors": errors,
        "request_id": given_id,
    }
    message += _request_id_note(given_id)
    if issubclass(cls, RateLimitError):
        return cls(message, retry_after=retry_after(headers), **common)
    return cls(message, **common)


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait, from `Retry-After` (seconds or a date) or `X-RateLimit-Reset` (epoch ms)."""
    now = time.time() if now is None else now
    value = headers.get("Retry-After")
    if value is not None:
        value = value.strip()
        seconds = _finite(value)
        if seconds is not None:
            return max(0.0, seconds)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            pass
        else:
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, when.timestamp() - now)
    reset = headers.get("X-RateLimit-Reset")
    if reset is not None:
        millis = _finite(reset)
        if millis is not None:
            return max(0.0, millis / 1000.0 - now)
    return None


def _finite(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None
