"""Rate limits: so many requests per so many milliseconds, in fixed or sliding windows."""

from __future__ import annotations

import collections
import math

import attrs


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or value < 1:
        raise ValueError(f"{attribute.name} must be >= 1, got {value!r}")


@attrs.frozen
class RateLimit:
    """At most `requests` requests per `period_ms` milliseconds.

    Fixed windows by default: a window opens with the first request after
    the last one closed, and admits `requests`. `sliding=True` counts, at
    each request, the requests admitted in the `period_ms` before it: no
    span of `period_ms` ever holds more than `requests`, whatever the
    timing (a client pacing evenly, late by a few milliseconds, is not
    refused for it; one that sends a window's worth at the end of one
    window and again at the start of the next is).
    """

    requests: int = attrs.field(default=1, validator=_positive)
    period_ms: int = attrs.field(default=1000, validator=_positive)
    sliding: bool = attrs.field(default=False, kw_only=True)


@attrs.frozen
class RateLimits:
    """Which rate limits the emulator enforces; None switches one off.

    The Catapult defaults are the documented ones (``/conferences`` and
    ``/calls``: 1 request per 1000 ms). Telnyx documents no number, so its
    limit is off unless given.
    """

    catapult_conferences: RateLimit | None = RateLimit()
    catapult_calls: RateLimit | None = RateLimit()
    telnyx: RateLimit | None = None


class Window:
    """One client's window: how many requests it has admitted, and when it opened.

    For a sliding limit, the times of the requests admitted in the last
    period instead (at most `requests` of them).
    """

    __slots__ = ("_admitted", "_count", "_opened")

    def __init__(self) -> None:
        """Start with no window open."""
        self._opened = -math.inf
        self._count = 0
        self._admitted: collections.deque[float] = collections.deque()

    def admit(self, limit: RateLimit, now: float) -> float | None:
        """Count a request at monotonic `now`: None if admitted, else seconds until reset."""
        period = limit.period_ms / 1000
        if limit.sliding:
            admitted = self._admitted
            while admitted and admitted[0] <= now - period:
                admitted.popleft()
            while len(admitted) > limit.requests:  # the limit was lowered meanwhile
                admitted.popleft()
            if len(admitted) < limit.requests:
                admitted.append(now)
                return None
            return admitted[0] + period - now
        if now >= self._opened + period:
            self._opened = now
            self._count = 0
        if self._count < limit.requests:
            self._count += 1
            return None
        return self._opened + period - now
