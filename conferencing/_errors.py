"""The exception tree of `conferencing`.

Every failure this library reports is one of these::

    ConferencingError
     ├── ValidationError            a request breaks a documented rule (also a ValueError)
     ├── ConfigurationError         missing credentials, unusable base URL or options
     ├── ClientClosedError          the pool or client was closed, or never opened
     ├── TransportError             the exchange failed on the network
     │    └── RequestTimeout        no complete answer within the timeout
     ├── ResponseDecodeError        a 2xx answer that does not have the documented shape
 ├── OutcomeUnknownError        a request may or may not have been carried out; it was not repeated
     ├── CallNotAnsweredError       a call a recipe placed ended, or kept ringing, without an answer
     ├── EventLoopError             a pool or client used on an event loop other than its own
     ├── WebhookVerificationError   a webhook's signature, timestamp or credentials do not check out
     ├── EventPayloadError          a webhook or callback body that is not an event of its provider
     ├── StoreUnavailableError      the shared store (Redis) for pacing or event ids is unreachable
     └── APIError                   the provider answered with a failure status
          ├── BadRequestError              400
          ├── AuthenticationError          401
          ├── PermissionDeniedError        403
          │    └── ConferenceFullError     Catapult `conference-max-members`
          ├── NotFoundError                404
          ├── ConflictError                409
          ├── UnprocessableEntityError     422
          │    ├── ConferenceNameConflictError    Telnyx 90033
          │    ├── MaxParticipantsReachedError    Telnyx 90032
          │    ├── InvalidCallControlIdError      Telnyx 90015
          │    ├── CallEndedError                 Telnyx 90018
          │    └── ConferenceEndedError           Telnyx 90019
          ├── RateLimitError               429, and Catapult's 403 `call-rate-limit`
          └── ServerError                  5xx

Errors carry their context as keyword-only attributes and never hold a
credential: the request's headers are not kept, only its method and URL.
Every error survives `pickle` and `copy` with its type, message and
attributes, so it can cross a `ProcessPoolExecutor` or a task queue.
"""

from __future__ import annotations

from typing import Any, Final, Self

import attrs
from attrs import AttrsInstance

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "CallEndedError",
    "CallNotAnsweredError",
    "ClientClosedError",
    "ConferenceEndedError",
    "ConferenceFullError",
    "ConferenceNameConflictError",
    "ConferencingError",
    "ConfigurationError",
    "ConflictError",
    "ErrorDetail",
    "EventLoopError",
    "EventPayloadError",
    "InvalidCallControlIdError",
    "MaxParticipantsReachedError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeout",
    "ResponseDecodeError",
    "ServerError",
    "StoreUnavailableError",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookVerificationError",
    "error_class_for",
]


@attrs.frozen
class ErrorDetail:
    """One problem a provider reported, in a shape common to both providers.

    Telnyx's `{code, title, detail, source: {pointer}}` maps field by field;
    Catapult's `{category, code, message, details}` gives `code`, `title`
    (its category), `detail` (its message) and `pointer` (the first detail's
    `name`, when there is one).
    """

    code: str | None = None
    title: str | None = None
    detail: str | None = None
    pointer: str | None = None


def _restore(
    cls: type[ConferencingError],
    args: tuple[Any, ...],
    state: dict[str, Any],
    cause: ConferencingError | None = None,
) -> Any:
    """Rebuild a pickled or copied error without calling its keyword-only `__init__`."""
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    error.__cause__ = cause
    return error


class ConferencingError(Exception):
    """Base class of every error this library raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's own reduce calls `cls(*args)`, which our keyword-only
        # attributes make impossible (pickle fails, `ProcessPoolExecutor`
        # breaks); rebuild from the message and the attributes instead. A
        # cause that is ours goes along (an aiohttp one could hold headers).
        cause = self.__cause__ if isinstance(self.__cause__, ConferencingError) else None
        return (_restore, (type(self), self.args, dict(self.__dict__), cause))

    def __copy__(self) -> Self:
        copied: Self = _restore(type(self), self.args, dict(self.__dict__))
        copied.__cause__ = self.__cause__
        copied.__context__ = self.__context__
        copied.__suppress_context__ = self.__suppress_context__
        return copied


class ValidationError(ConferencingError, ValueError):
    """A request breaks a rule the provider documents; nothing was sent."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConfigurationError(ConferencingError):
    """The client cannot be built or used as configured (credentials, URL, options)."""


class ClientClosedError(ConferencingError, RuntimeError):
    """The pool or client is closed, or a pool-less client is used outside `async with`."""


class EventLoopError(ConferencingError, RuntimeError):
    """A pool or client was used on an event loop other than the one it started on; nothing sent.

    An aiohttp session belongs to the loop it was created on. Create the
    pool (or the client that owns one) inside the loop that uses it, for
    example inside the coroutine given to `asyncio.run`, once per loop.
    """


class CallNotAnsweredError(ConferencingError):
    """A call a recipe placed was not answered: it ended (busy, rejected...) or kept ringing."""

    def __init__(self, message: str, *, call_id: str, state: str | None = None) -> None:
        super().__init__(message)
        self.call_id = call_id
        #: The call's last known state (Catapult: "started" still ringing, "rejected", ...).
        self.state = state


class WebhookVerificationError(ConferencingError):
    """A webhook failed verification; `check` names which check, and nothing was parsed.

    Answer such a delivery with a 4xx and do not act on it: it may be forged
    or replayed.
    """

    def __init__(self, message: str, *, check: str) -> None:
        super().__init__(message)
        #: Which check failed: "header" (missing or malformed), "timestamp"
        #: (outside the tolerance), "key" (not a usable public key),
        #: "signature" (does not match), "credentials" (Catapult Basic auth).
        self.check = check


class EventPayloadError(ConferencingError, ValueError):
    """A webhook or callback body that is not an event envelope of its provider."""


class StoreUnavailableError(ConferencingError):
    """The shared store a pool paces through, or a receiver de-duplicates in, did not answer.

    Raised only when the store is configured to fail closed: the request was
    not sent (`request_sent` is always False), or the event was not handed
    on (the provider is answered 5xx and delivers it again).
    """

    def __init__(self, message: str, *, store: str, request_sent: bool = False) -> None:
        super().__init__(message)
        #: The store's address, without any password.
        self.store = store
        self.request_sent = request_sent


class TransportError(ConferencingError):
    """The HTTP exchange failed on the network, or at the proxy, before the provider answered."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        method: str,
        url: str,
        request_sent: bool = True,
        proxy_refused: bool = False,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.method = method
        self.url = url
        #: False only when the request provably never left (the connection failed);
        #: True means the provider may have received it and acted.
        self.request_sent = request_sent
        #: True when the proxy answered 407 Proxy Authentication Required (to the
        #: request, or to the tunnel of an https origin): it refused the pool's
        #: proxy credentials and would again, so the request is not retried.
        self.proxy_refused = proxy_refused


class RequestTimeout(TransportError):
    """No complete answer arrived within the configured timeout."""


class ResponseDecodeError(ConferencingError):
    """A success answer that does not have the documented shape."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        method: str,
        url: str,
        status: int,
        body: str,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        #: The provider's id of the request, from the answer's headers.
        self.request_id = request_id


class OutcomeUnknownError(ConferencingError):
    """A request may have been carried out, but no answer says so; it was not repeated.

    Raised instead of the last attempt's error whenever any attempt may have
    been acted on (a 5xx other than 503, a timeout or a connection lost
    after sending, an unreadable success answer), even if later attempts
    were refused as "not executed" (429, 503). For a request with no
    idempotency key (a Catapult create) sending it again could create a
    second resource: check the provider, then decide. A Telnyx command
    carries its `command_id`: sending it again with that same id is safe,
    Telnyx carries it out at most once. The last attempt's error is
    `__cause__` (and `last_error`, which also survives pickling).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        method: str,
        url: str,
        request: AttrsInstance | None = None,
        command_id: str | None = None,
        last_error: ConferencingError | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.method = method
        self.url = url
        #: The request object that was being sent (None when the call had none).
        self.request = request
        #: The `command_id` every attempt carried (Telnyx); None when there was none.
        self.command_id = command_id
        #: The last attempt's error.
        self.last_error = last_error


class APIError(ConferencingError):
    """The provider answered with a failure status; `errors` holds what it said."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        method: str,
        url: str,
        status: int,
        body: str,
        errors: tuple[ErrorDetail, ...] = (),
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.method = method
        self.url = url
        self.status = status
        self.body = body
        self.errors = errors
        #: The provider's id of the request (its `X-Request-Id` answer header), for
        #: a support ticket; None when the answer had none.
        self.request_id = request_id

    @property
    def code(self) -> str | None:
        """The first error's provider code, if the provider gave one."""
        return self.errors[0].code if self.errors else None


class BadRequestError(APIError):
    """400: the provider rejected the request as malformed or invalid."""


class AuthenticationError(APIError):
    """401: the credentials were missing, wrong or not valid for this account."""


class PermissionDeniedError(APIError):
    """403: the account may not do this, or a provider limit forbids it now."""


class ConferenceFullError(PermissionDeniedError):
    """Catapult `conference-max-members`: the conference already has 20 members."""


class NotFoundError(APIError):
    """404: the conference, member, call or route does not exist."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIError):
    """422: the request was well-formed but the provider could not act on it."""


class ConferenceNameConflictError(UnprocessableEntityError):
    """Telnyx 90033: an active conference already has this name."""


class MaxParticipantsReachedError(UnprocessableEntityError):
    """Telnyx 90032: the conference is at its `max_participants`."""


class InvalidCallControlIdError(UnprocessableEntityError):
    """Telnyx 90015: the call control id is not valid."""


class CallEndedError(UnprocessableEntityError):
    """Telnyx 90018: the call has already ended and can't receive commands."""


class ConferenceEndedError(UnprocessableEntityError):
    """Telnyx 90019: the conference has already ended and can't receive commands."""


class RateLimitError(APIError):
    """429, or Catapult's 403 `call-rate-limit`: slow down; the request was not executed."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        method: str,
        url: str,
        status: int,
        body: str,
        errors: tuple[ErrorDetail, ...] = (),
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(
            message,
            provider=provider,
            method=method,
            url=url,
            status=status,
            body=body,
            errors=errors,
            request_id=request_id,
        )
        #: Seconds to wait before trying again, when the provider said.
        self.retry_after = retry_after


class ServerError(APIError):
    """5xx: the provider failed; whether it acted may be unknown."""


# The one table from statuses and provider codes to classes.
_BY_STATUS: Final[dict[int, type[APIError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}
_BY_CODE: Final[dict[tuple[str, str], type[APIError]]] = {
    ("telnyx", "90033"): ConferenceNameConflictError,
    ("telnyx", "90032"): MaxParticipantsReachedError,
    ("telnyx", "90015"): InvalidCallControlIdError,
    ("telnyx", "90018"): CallEndedError,
    ("telnyx", "90019"): ConferenceEndedError,
    ("catapult", "conference-max-members"): ConferenceFullError,
    ("catapult", "call-rate-limit"): RateLimitError,
}


def error_class_for(provider: str, status: int, code: str | None) -> type[APIError]:
    """Pick the most specific class for a failure status and provider code."""
    if code is not None:
        by_code = _BY_CODE.get((provider, code))
        if by_code is not None:
            return by_code
    if status >= 500:  # noqa: PLR2004 - the 5xx class boundary
        return ServerError
    return _BY_STATUS.get(status, APIError)
