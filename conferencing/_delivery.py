"""What a provider's webhook or callback delivery is, before any provider reads it.

The one shape both providers' decoders take, so that receiving (the
de-duplication and the aiohttp adapter, in `_receive`) knows no provider:
a decoder turns a `Delivery` into an event, or raises
`WebhookVerificationError` (answer 4xx: forged, stale or unauthorised) or
`EventPayloadError` (answer 400: not an event).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol, TypeVar

import attrs

__all__ = ["Delivery", "EventDecoder", "HasEventId"]


@attrs.frozen
class Delivery:
    """One HTTP request from a provider, as received: raw body bytes, never re-serialised."""

    #: "POST" (JSON body), or "GET" (Catapult's `callbackHttpMethod=GET`: fields in the query).
    method: str
    #: The body exactly as it arrived; signatures are over these bytes.
    body: bytes
    #: Request headers; look-ups must ignore case (a `CIMultiDict` or a plain
    #: dict the decoder searches case-insensitively).
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: The query string's parameters.
    query: Mapping[str, str] = attrs.field(factory=dict)


class HasEventId(Protocol):
    """An event that names itself: providers redeliver, and the id is how a repeat is known."""

    @property
    def id(self) -> str:
        """Unique per event; the same for every delivery of it."""
        ...


_E_co = TypeVar("_E_co", bound=HasEventId, covariant=True)

#: Verifies and parses one delivery.
EventDecoder = Callable[[Delivery], _E_co]
