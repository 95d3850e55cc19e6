"""When a failed request may be sent again, how long to wait, and when to stop.

The loop itself is tenacity's: it already has exponential backoff with
jitter, stop conditions that account for the coming sleep, and hooks to log
each retry. What is ours is the judgement of what is safe to repeat.

What is safe:

* anything the provider provably did not act on: a 429, Catapult's 403
  `call-rate-limit`, a 503 ("retry your operation later"), a connection that
  failed before the request left;
* for an idempotent call (a GET, a Telnyx command carrying a `command_id`),
  also every other 5xx, timeout, dropped connection or garbled answer, since
  the provider does the work at most once however often it is asked.

A non-idempotent call (a Catapult create) whose outcome is unknown (a 500,
a timeout or a connection lost after sending) is never repeated. Any call
but a GET that some attempt may have carried out ends, if it fails, in
`OutcomeUnknownError` (with the `command_id` it carried, if any), even when
the last attempt was refused as "not executed": an earlier one may not
have been.

A proxy that refused the pool's credentials (407) is not asked again, safe
as that would be: it would refuse them again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeVar

import attrs
from attrs import AttrsInstance

from ._errors import (
    ConferencingError,
    OutcomeUnknownError,
    RateLimitError,
    RequestTimeout,
    ResponseDecodeError,
    ServerError,
    TransportError,
)

if TYPE_CHECKING:
    from tenacity import RetryCallState

__all__ = [
    "DEFAULT_RETRY",
    "NO_RETRY",
    "RetryPolicy",
    "call_with_retries",
    "maybe_carried_out",
    "outcome_unknown",
    "retry_reason",
]

_log: Final = logging.getLogger("conferencing")
_T = TypeVar("_T")
_UNAVAILABLE: Final = 503


def _positive(_inst: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{attribute.name} must be a number > 0, got {value!r}")


def _attempts(_inst: object, _attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"attempts must be an int >= 1, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a client retries requests that are safe to send again.

    Args:
        attempts: Tries in all, the first included; 1 turns retries off.
        backoff_initial: Seconds before the first retry, doubling after each.
        backoff_max: The longest wait between two tries, before jitter.
        jitter: Up to this many seconds added at random to each wait, so
            that many clients do not retry in step.
        deadline: Seconds from the first try after which no retry starts;
            a wait the provider asks for (`Retry-After`, `X-RateLimit-Reset`)
            that would end past it is not waited for.
    """

    attempts: int = attrs.field(default=5, validator=_attempts)
    backoff_initial: float = attrs.field(default=0.2, validator=_positive)
    backoff_max: float = attrs.field(default=10.0, validator=_positive)
    jitter: float = attrs.field(default=0.2, validator=attrs.validators.ge(0))
    deadline: float = attrs.field(default=60.0, validator=_positive)


#: A policy that sends every request once.
NO_RETRY: Final = RetryPolicy(attempts=1)
#: What clients use unless told otherwise.
DEFAULT_RETRY: Final = RetryPolicy()


def retry_reason(exc: BaseException, *, idempotent: bool) -> str | None:
    """Say why `exc` may be retried, or return None when repeating it is not safe (or useless)."""
    if isinstance(exc, TransportError) and exc.proxy_refused:
        return None  # the proxy would refuse the same credentials again
    reason: str | None = None
    if isinstance(exc, RateLimitError):
        reason = f"rate limited ({exc.status}{' ' + exc.code if exc.code else ''})"
    elif isinstance(exc, ServerError) and exc.status == _UNAVAILABLE:
        reason = "503 service unavailable"
    elif isinstance(exc, TransportError) and not exc.request_sent:
        reason = "connection failed before sending"
    elif idempotent:
        if isinstance(exc, ServerError):
            reason = f"server error {exc.status}"
        elif isinstance(exc, TransportError):
            reason = "timeout" if isinstance(exc, RequestTimeout) else "connection failed"
        elif isinstance(exc, ResponseDecodeError):
            reason = "unreadable answer"
    return reason


def maybe_carried_out(exc: ConferencingError) -> bool:
    """Whether the provider may have acted on the attempt that failed with `exc`."""
    if isinstance(exc, RateLimitError):
        return False  # documented as "not executed"
    if isinstance(exc, ServerError):
        return exc.status != _UNAVAILABLE  # a 503 asks to retry later: not executed
    if isinstance(exc, TransportError):
        return exc.request_sent
    # A 2xx whose body could not be read was carried out; an earlier unknown stays unknown.
    return isinstance(exc, ResponseDecodeError | OutcomeUnknownError)


def outcome_unknown(
    last: ConferencingError,
    *,
    provider: str,
    method: str,
    url: str,
    request: AttrsInstance | None,
    command_id: str | None,
    idempotent: bool,
) -> OutcomeUnknownError:
    """The error for a request an attempt of which may have been carried out; `last` failed last."""
    if command_id is not None:
        advice = f"sending it again with the same command_id {command_id} is safe"
    elif idempotent:
        advice = "sending it again is safe: it sets a state, which twice leaves as once"
    else:
        advice = "check before sending it again"
    return OutcomeUnknownError(
        f"{last} -- an attempt may have been carried out; {advice}",
        provider=provider,
        method=method,
        url=url,
        request=request,
        command_id=command_id,
        last_error=last,
    )


class _Wait:
    """Exponential backoff with jitter, but never shorter than the provider asked."""

    def __init__(self, policy: RetryPolicy) -> None:
        import tenacity  # noqa: PLC0415 - see call_with_retries

        self._backoff = tenacity.wait_exponential(
            multiplier=policy.backoff_initial, max=policy.backoff_max
        ) + tenacity.wait_random(0, policy.jitter)

    def __call__(self, retry_state: RetryCallState) -> float:
        backoff = self._backoff(retry_state)
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            return max(backoff, exc.retry_after)
        return backoff


async def call_with_retries(
    policy: RetryPolicy,
    first_failure: ConferencingError,
    elapsed: float,
    attempt: Callable[[], Awaitable[_T]],
    *,
    idempotent: bool,
    what: str,
    on_retry: Callable[[int, str, float, ConferencingError], None] | None = None,
) -> _T:
    """Retry `attempt` after its first try failed with `first_failure`.

    The first try runs outside this function, so a request that succeeds the
    first time pays nothing for retries; tenacity is handed that failure as
    its first attempt's outcome, then drives the rest. `on_retry(attempt,
    reason, delay, error)` is called before each wait, with the number of
    the attempt that follows it.
    """
    # Imported on the first retry, not with the package: most processes
    # never retry, and every module kept in memory slows the garbage
    # collector's full passes down a little.
    import tenacity  # noqa: PLC0415

    tries = 0

    async def replay_then_attempt() -> _T:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise first_failure
        return await attempt()

    def log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        reason = retry_reason(exc, idempotent=idempotent) if exc is not None else "?"
        sleep = state.next_action.sleep if state.next_action is not None else 0.0
        _log.info(
            "retrying %s in %.2f s (attempt %d of %d): %s",
            what,
            sleep,
            state.attempt_number + 1,
            policy.attempts,
            reason,
        )
        if on_retry is not None and isinstance(exc, ConferencingError):
            on_retry(state.attempt_number + 1, reason or "?", sleep, exc)

    retrying = tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(policy.attempts)
        | tenacity.stop_before_delay(max(0.0, policy.deadline - elapsed)),
        wait=_Wait(policy),
        retry=tenacity.retry_if_exception(
            lambda exc: retry_reason(exc, idempotent=idempotent) is not None
        ),
        before_sleep=log_retry,
        reraise=True,
    )
    return await retrying(replay_then_attempt)
