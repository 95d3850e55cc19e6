"""Client-side pacing, so a bulk run stays under a provider's documented limits.

The bucket is aiolimiter's (a leaky bucket for asyncio); what is ours is
the unit: one bucket per endpoint family (`conferences`, `calls`, ...), as
Catapult counts its limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import attrs

if TYPE_CHECKING:
    from aiolimiter import AsyncLimiter

__all__ = ["Limiter", "RateLimit", "RateStore"]


class Limiter(Protocol):
    """One bucket: `acquire` returns when one more request may leave."""

    async def acquire(self) -> None:
        """Wait for this bucket's next free place, then take it."""
        ...


class RateStore(Protocol):
    """Where a pool keeps its buckets when they must be shared beyond one process.

    `SessionPool(rate_store=...)` asks it once for each bucket. `key` names
    the bucket (origin, an account hash or id, the endpoint family) and
    holds no credential; a store may hash it further.
    """

    def limiter(self, key: str, rate: RateLimit) -> Limiter:
        """The bucket `key`, allowing `rate`, shared by every holder of the same key."""
        ...


def _positive(_inst: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{attribute.name} must be a number > 0, got {value!r}")


@attrs.frozen
class RateLimit:
    """At most `requests` requests every `period` seconds, for each endpoint family.

    `RateLimit(1)` allows one request a second to `/conferences` and one to
    `/calls`; `RateLimit(50, 1.0)` fifty a second to each. Requests over the
    limit wait their turn; none is refused.
    """

    requests: float = attrs.field(validator=_positive)
    period: float = attrs.field(default=1.0, validator=_positive)

    def limiter(self) -> AsyncLimiter:
        """A new bucket with this limit."""
        # Imported when a limit is first used: most clients have none.
        from aiolimiter import AsyncLimiter  # noqa: PLC0415

        if self.requests < 1:
            # aiolimiter's bucket holds `requests` and a request takes 1 from
            # it: a bucket smaller than one request would refuse every one.
            # Half a request a second is one request every two seconds.
            return AsyncLimiter(1, self.period / self.requests)
        return AsyncLimiter(self.requests, self.period)
