"""Rate limits: fixed windows of so many requests per so many milliseconds."""

from __future__ import annotations

import math

import attrs


def _positive(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or value < 1:
        raise ValueError(f"{attribute.name} must be >= 1, got {value!r}")


@attrs.frozen
class RateLimit:
    """At most `requests` requests per `period_ms` milliseconds."""

    requests: int = attrs.field(default=1, validator=_positive)
    period_ms: int = attrs.field(default=1000, validator=_positive)


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
    """A fixed window: how many requests it has admitted, and when it opened."""

    __slots__ = ("_count", "_opened")

    def __init__(self) -> None:
        """Start with no window open."""
        self._opened = -math.inf
        self._count = 0

    def admit(self, limit: RateLimit, now: float) -> float | None:
        """Count a request at monotonic `now`: None if admitted, else seconds until reset."""
        period = limit.period_ms / 1000
        if now >= self._opened + period:
            self._opened = now
            self._count = 0
        if self._count < limit.requests:
            self._count += 1
            return None
        return self._opened + period - now
