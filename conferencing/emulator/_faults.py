"""Fault injection: which provider requests fail, and how, decided from a seed.

Each request to a provider route draws one number from a `random.Random`
seeded with `Faults.seed`; the probabilities, taken in the order of
`FAULT_KINDS`, cut [0, 1) into bands, and the band the number falls in names
the fault (or none). So the n-th eligible request gets the same fault for the
same seed, whatever the timing.

Webhook deliveries draw the same way, in the order of `WEBHOOK_FAULT_KINDS`,
from a second stream derived from the same seed: turning webhook faults on
(or delivering webhooks at all) leaves the request faults of a seed exactly
as they were.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, Generic, Literal, TypeVar

import attrs

_K = TypeVar("_K", bound=str)

FaultKind = Literal[
    "server_error",
    "unavailable",
    "rate_limited",
    "drop_connection",
    "slow",
    "html_error",
    "truncated_body",
    "lost_after_success",
]

FAULT_KINDS: tuple[FaultKind, ...] = (
    "server_error",
    "unavailable",
    "rate_limited",
    "drop_connection",
    "slow",
    "html_error",
    "truncated_body",
    "lost_after_success",
)

WebhookFaultKind = Literal[
    "webhook_duplicate",
    "webhook_reorder",
    "webhook_delay",
    "webhook_fail",
]

WEBHOOK_FAULT_KINDS: tuple[WebhookFaultKind, ...] = (
    "webhook_duplicate",
    "webhook_reorder",
    "webhook_delay",
    "webhook_fail",
)

#: Faults answered without running the request at all.
BEFORE_WORK: frozenset[FaultKind] = frozenset(
    {"server_error", "unavailable", "rate_limited", "html_error"}
)


def _probability(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be a probability 0..1, got {value!r}")


def _not_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class Faults:
    """How often each kind of fault hits a provider request or a webhook, and the seed that picks.

    Kinds:
        server_error: 500 with the provider's error body; nothing is done.
        unavailable: 503 with the provider's error body; nothing is done.
        rate_limited: 429 with ``Retry-After`` (and Catapult's
            ``X-RateLimit-Reset``); nothing is done.
        drop_connection: the connection is closed before any work, no answer.
        slow: the request is read, then after ``slow_seconds`` the work is done
            and answered as usual, even if the client has given up meanwhile.
        html_error: 502 with an HTML page (``text/html``), as a proxy would; nothing is done.
        truncated_body: the work is done, and the answer's JSON body is cut
            short: the headers announce the full ``Content-Length``, half the
            body is sent, then the connection closes. An answer without a body
            (Catapult's ``201`` + ``Location``) is cut in its headers instead:
            the status line and half the header block, then the close.
        lost_after_success: the work is done (conference created, ``command_id``
            recorded), then the connection is closed with no answer, whatever
            the answer would have been.

    Webhook kinds (shares of the deliveries queued, at most one kind each; a
    Telnyx webhook or a Catapult callback alike):
        webhook_duplicate: the event is delivered twice, the copy (same event,
            same ``data.id``) queued right behind the original.
        webhook_reorder: the delivery swaps places with the next one queued;
            if none is queued within ``webhook_delay_seconds``, it goes alone.
        webhook_delay: the delivery leaves the line and is sent
            ``webhook_delay_seconds`` later, so later events overtake it.
        webhook_fail: the first attempt at the main URL pretends the receiver
            failed (nothing is sent): the fallback URL, if any, gets it in that
            attempt, else it is retried on the retry schedule.
    """

    seed: int = 0
    server_error: float = attrs.field(default=0.0, validator=_probability)
    unavailable: float = attrs.field(default=0.0, validator=_probability)
    rate_limited: float = attrs.field(default=0.0, validator=_probability)
    drop_connection: float = attrs.field(default=0.0, validator=_probability)
    slow: float = attrs.field(default=0.0, validator=_probability)
    html_error: float = attrs.field(default=0.0, validator=_probability)
    truncated_body: float = attrs.field(default=0.0, validator=_probability)
    lost_after_success: float = attrs.field(default=0.0, validator=_probability)
    slow_seconds: float = attrs.field(default=1.0, validator=_not_negative)
    retry_after_seconds: int = attrs.field(default=1, validator=_not_negative)
    webhook_duplicate: float = attrs.field(default=0.0, validator=_probability)
    webhook_reorder: float = attrs.field(default=0.0, validator=_probability)
    webhook_delay: float = attrs.field(default=0.0, validator=_probability)
    webhook_fail: float = attrs.field(default=0.0, validator=_probability)
    webhook_delay_seconds: float = attrs.field(default=0.5, validator=_not_negative)

    def __attrs_post_init__(self) -> None:
        """Refuse probabilities that add up to more than one (requests and webhooks apart)."""
        total = sum(self.probability(kind) for kind in FAULT_KINDS)
        if total > 1.0 + 1e-9:
            raise ValueError(f"fault probabilities must add up to at most 1, got {total:g}")
        total = sum(self.webhook_probability(kind) for kind in WEBHOOK_FAULT_KINDS)
        if total > 1.0 + 1e-9:
            raise ValueError(f"webhook fault probabilities must add up to at most 1, got {total:g}")

    def probability(self, kind: FaultKind) -> float:
        """Return the share of requests that get `kind`."""
        value: float = getattr(self, kind)
        return value

    def webhook_probability(self, kind: WebhookFaultKind) -> float:
        """Return the share of webhook deliveries that get `kind`."""
        value: float = getattr(self, kind)
        return value

    @property
    def enabled(self) -> bool:
        """Whether any request can get a fault at all."""
        return any(self.probability(kind) > 0 for kind in FAULT_KINDS)

    @property
    def webhooks_enabled(self) -> bool:
        """Whether any webhook delivery can get a fault at all."""
        return any(self.webhook_probability(kind) > 0 for kind in WEBHOOK_FAULT_KINDS)


class _Draws(Generic[_K]):
    """Draws a kind, or none, for each event in turn: [0, 1) cut into one band per kind."""

    __slots__ = ("_bands", "_rng")

    def __init__(self, seed: int | str, shares: Iterable[tuple[_K, float]]) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
        bands: list[tuple[float, _K]] = []
        upper = 0.0
        for kind, share in shares:
            if share > 0:
                upper += share
                bands.append((upper, kind))
        self._bands = tuple(bands)

    def draw(self) -> _K | None:
        """Return the kind for the next event, or None."""
        if not self._bands:
            return None
        number = self._rng.random()
        for upper, kind in self._bands:
            if number < upper:
                return kind
        return None


class FaultPlan(_Draws[FaultKind]):
    """Draws the fault, or none, for each eligible request in turn."""

    __slots__ = ()

    def __init__(self, faults: Faults) -> None:
        """Start the sequence of `faults.seed` from its beginning."""
        super().__init__(faults.seed, ((k, faults.probability(k)) for k in FAULT_KINDS))


class WebhookFaultPlan(_Draws[WebhookFaultKind]):
    """Draws the fault, or none, for each webhook delivery queued, from its own stream."""

    __slots__ = ()

    def __init__(self, faults: Faults) -> None:
        """Start the webhook sequence of `faults.seed` from its beginning."""
        # A string seed gives a stream of its own, the same on every run and
        # platform, apart from the requests' `random.Random(seed)`.
        super().__init__(
            f"conferencing.emulator.webhooks:{faults.seed}",
            ((k, faults.webhook_probability(k)) for k in WEBHOOK_FAULT_KINDS),
        )


HTML_ERROR_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
