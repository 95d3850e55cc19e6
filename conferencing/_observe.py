"""Watching requests go by: hooks on request, response and retry, and OpenTelemetry spans.

Both are observers of the one send path, called for every attempt of every
request: `sending` just before it leaves (after pacing and the wait for a
connection slot), `answered` when its answer (or failure) is in,
`retrying` before the wait for the next attempt. A pool or client with no
hooks and no tracing has no observers at all, and the send path pays one
`is None` test per request.

Hooks are plain functions and must be quick: they run inline, in the task
sending the request. One that raises is logged (with its traceback) and
ignored: watching a request never fails it.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl, urlsplit

import attrs

from ._errors import APIError, ConferencingError, ConfigurationError
from ._headers import AuthHeaders

if TYPE_CHECKING:
    from ._send import Call

__all__ = [
    "REQUEST_ID_HEADERS",
    "Hooks",
    "Observers",
    "RequestInfo",
    "ResponseInfo",
    "RetryInfo",
    "observers",
    "request_id",
]

_log: Final = logging.getLogger("conferencing")

#: Where a provider's id of a request is read from, first found first.
#: Neither provider documents a header; these are the ones in common use.
REQUEST_ID_HEADERS: Final = ("X-Request-Id", "Request-Id")


def request_id(headers: Mapping[str, str]) -> str | None:
    """The provider's id of the request an answer with `headers` belongs to, if it sent one.

    It comes from the network, so it is kept printable and short: other
    characters become "?", and it is cut at 128.
    """
    for name in REQUEST_ID_HEADERS:
        found = headers.get(name)
        if found:
            return "".join(c if " " < c <= "~" else "?" for c in found[:_MAX_REQUEST_ID])
    return None


#: The longest request id kept (ids in use are 16 to 64 characters).
_MAX_REQUEST_ID: Final = 128


@attrs.frozen
class RequestInfo:
    """A request about to leave (one attempt); never holds a credential."""

    provider: str
    #: The client method, e.g. "create_conference".
    operation: str
    method: str
    url: str
    #: 1 for the first try, 2 for the first retry, ...
    attempt: int


@attrs.frozen
class ResponseInfo:
    """The end of one attempt: its answer's status and headers, or its error."""

    provider: str
    operation: str
    method: str
    url: str
    attempt: int
    #: None when no answer arrived (`error` says why).
    status: int | None
    headers: Mapping[str, str] = attrs.field(repr=False)
    #: The provider's id of this request, from its answer's headers.
    request_id: str | None
    #: Seconds from leaving to the answer (or the failure).
    elapsed: float
    #: The error this attempt ends in (a failure status included); None on success.
    error: ConferencingError | None


@attrs.frozen
class RetryInfo:
    """A retry about to be waited for: which attempt comes next, why, and after how long."""

    provider: str
    operation: str
    method: str
    url: str
    #: The attempt that will be made after the wait (2 for the first retry).
    attempt: int
    #: Why it is safe to retry ("rate limited (429)", "timeout", ...).
    reason: str
    #: Seconds to wait before it.
    delay: float
    #: The error of the attempt that failed.
    error: ConferencingError


def _callable_or_none(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not callable(value):
        raise ConfigurationError(f"Hooks {attribute.name} must be callable or None, got {value!r}")
    if inspect.iscoroutinefunction(value) or inspect.iscoroutinefunction(
        getattr(value, "__call__", None)  # noqa: B004 - an object with an async __call__
    ):
        raise ConfigurationError(
            f"Hooks {attribute.name} must be a plain function: hooks run inline and are "
            "never awaited; hand async work to a task or a queue from a plain function"
        )


@attrs.frozen
class Hooks:
    """Functions called for every attempt of every request of a pool or a client.

    `SessionPool(hooks=...)` watches every client on the pool;
    `TelnyxClient(..., hooks=...)` / `CatapultClient(..., hooks=...)` one
    client (after the pool's). Each hook gets an info object and returns
    nothing; it runs inline, so keep it quick (hand slow work to a queue).
    A hook that raises is logged and ignored.

    Args:
        on_request: Called with a `RequestInfo` just before an attempt leaves.
        on_response: Called with a `ResponseInfo` when the attempt ended.
        on_retry: Called with a `RetryInfo` before waiting to retry.
    """

    on_request: Callable[[RequestInfo], object] | None = attrs.field(
        default=None, validator=_callable_or_none
    )
    on_response: Callable[[ResponseInfo], object] | None = attrs.field(
        default=None, validator=_callable_or_none
    )
    on_retry: Callable[[RetryInfo], object] | None = attrs.field(
        default=None, validator=_callable_or_none
    )


def _call_hook(hook: Callable[[Any], object], info: object) -> None:
    try:
        returned = hook(info)
    except Exception:  # noqa: BLE001 - watching a request never fails it
        _log.exception("a conferencing hook raised; the request goes on (%r)", hook)
        return
    if inspect.iscoroutine(returned):
        # A plain function that returned a coroutine: it would never run.
        returned.close()
        _log.error("a conferencing hook returned a coroutine, which is never awaited (%r)", hook)


class _Span:
    """One attempt being watched: when it left, and the tracing span, if any."""

    __slots__ = ("left", "span")

    def __init__(self, left: float, span: Any) -> None:
        self.left = left
        self.span = span


class Observers:
    """The hooks and the tracer watching one client's requests."""

    __slots__ = ("_hooks", "_tracer")

    def __init__(self, hooks: Sequence[Hooks], tracer: Any) -> None:
        self._hooks = tuple(hooks)
        self._tracer = tracer

    def sending(self, call: Call, headers: Mapping[str, str]) -> tuple[_Span, Mapping[str, str]]:
        """Note that `call` is leaving; return its watch and its headers (with trace context)."""
        attempt = call.attempt
        span = None
        if self._tracer is not None:
            span, headers = self._tracer.start(call, headers)
        for hooks in self._hooks:
            if hooks.on_request is not None:
                info = RequestInfo(
                    call.dialect.name, call.operation, call.method, call.url, attempt
                )
                _call_hook(hooks.on_request, info)
        return _Span(time.perf_counter(), span), headers

    def answered(
        self,
        call: Call,
        watch: _Span,
        status: int | None,
        headers: Mapping[str, str] | None,
        error: ConferencingError | None,
    ) -> None:
        """Note how the attempt `watch` of `call` ended."""
        elapsed = time.perf_counter() - watch.left
        if error is not None and status is None and isinstance(error, APIError):
            status = error.status
        if watch.span is not None:
            self._tracer.end(watch.span, status, error)
        for hooks in self._hooks:
            if hooks.on_response is not None:
                info = ResponseInfo(
                    call.dialect.name,
                    call.operation,
                    call.method,
                    call.url,
                    call.attempt,
                    status,
                    headers if headers is not None else {},
                    request_id(headers) if headers is not None else None,
                    elapsed,
                    error,
                )
                _call_hook(hooks.on_response, info)

    def abandoned(self, watch: _Span) -> None:
        """Note that the attempt `watch` was cancelled by its caller: its span ends; no hook."""
        if watch.span is not None:
            self._tracer.end(watch.span, None, None, cancelled=True)

    def retrying(
        self, call: Call, attempt: int, reason: str, delay: float, error: ConferencingError
    ) -> None:
        """Note that `call` will be tried again (`attempt`) after `delay` seconds."""
        for hooks in self._hooks:
            if hooks.on_retry is not None:
                info = RetryInfo(
                    call.dialect.name,
                    call.operation,
                    call.method,
                    call.url,
                    attempt,
                    reason,
                    delay,
                    error,
                )
                _call_hook(hooks.on_retry, info)


class _Tracer:
    """OpenTelemetry spans for each attempt, after the HTTP client semantic conventions.

    One CLIENT span per attempt, named by the HTTP method, with
    `http.request.method`, `url.full`, `server.address`, `server.port`,
    `http.response.status_code`, `error.type` and, for retries,
    `http.request.resend_count`; and `conferencing.provider` and
    `conferencing.operation`. The trace context is sent in the request's
    headers (`traceparent`) by the configured propagator. URLs hold no
    credential (they go in headers, which are never recorded).
    """

    def __init__(self) -> None:
        from opentelemetry import propagate, trace  # noqa: PLC0415 - optional

        from . import __version__  # noqa: PLC0415 - the package imports this module

        self._trace = trace
        self._inject = propagate.inject
        self._unset = trace.ProxyTracerProvider
        self._tracer = trace.get_tracer("conferencing", __version__)
        self._kind = trace.SpanKind.CLIENT
        self._error = trace.Status(trace.StatusCode.ERROR)

    def start(self, call: Call, headers: Mapping[str, str]) -> tuple[Any, Mapping[str, str]]:
        """Open the attempt's span and add the trace context to its headers."""
        if isinstance(self._trace.get_tracer_provider(), self._unset):
            # OpenTelemetry is installed but no SDK is set up (yet): nothing
            # would record the span, so none is made; checked per request,
            # so a provider set up later is used from then on.
            return None, headers
        parts = urlsplit(call.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        url = call.url
        if parts.query:
            # Query values may be a caller's (`extra_query`): only their names are recorded.
            hidden = "&".join(
                f"{name}=REDACTED" for name, _ in parse_qsl(parts.query, keep_blank_values=True)
            )
            url = f"{url.split('?', 1)[0]}?{hidden}"
        attributes: dict[str, Any] = {
            "http.request.method": call.method,
            "url.full": url,
            "server.address": parts.hostname or "",
            "server.port": port,
            "conferencing.provider": call.dialect.name,
            "conferencing.operation": call.operation,
        }
        if call.attempt > 1:
            attributes["http.request.resend_count"] = call.attempt - 1
        span = self._tracer.start_span(call.method, kind=self._kind, attributes=attributes)
        carrier: dict[str, str] = {}
        if "traceparent" not in headers:  # a caller's own trace context is left as given
            self._inject(carrier, context=self._trace.set_span_in_context(span))
        if carrier:
            merged = AuthHeaders(headers)  # a copy that still hides the credential
            merged.update(carrier)
            headers = merged
        return span, headers

    def end(
        self,
        span: Any,
        status: int | None,
        error: ConferencingError | None,
        *,
        cancelled: bool = False,
    ) -> None:
        """Close the attempt's span with its status code, or its error."""
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if cancelled:
            span.set_attribute("error.type", "CancelledError")
            span.set_status(self._error)
        elif error is not None:
            span.set_attribute(
                "error.type", str(status) if isinstance(error, APIError) else type(error).__name__
            )
            span.set_status(self._error)
        span.end()


def _tracing_available() -> bool:
    try:
        import opentelemetry.trace  # noqa: F401, PLC0415 - only asking whether it is there
    except ImportError:
        return False
    return True


def observers(hooks: Sequence[Hooks], *, tracing: bool) -> Observers | None:
    """The observers for these hooks and this tracing choice; None when nothing watches."""
    tracer = _Tracer() if tracing else None
    if tracer is None and not hooks:
        return None
    return Observers(hooks, tracer)


def tracing_choice(tracing: bool | None) -> bool:
    """`tracing` as given, or, when None, whether OpenTelemetry is installed."""
    if tracing is None:
        return _tracing_available()
    if not isinstance(tracing, bool):
        raise ConfigurationError(f"tracing must be True, False or None, got {tracing!r}")
    if tracing and not _tracing_available():
        raise ConfigurationError(
            "tracing=True needs OpenTelemetry: pip install 'conferencing[otel]'"
        )
    return tracing
