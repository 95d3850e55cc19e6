"""Dial people into a new Telnyx conference, and learn from the webhooks what became of each.

A dial only says the call was placed; whether the phone was answered, busy
or never picked up arrives later, as webhooks. This recipe dials every
number with a `conference_config` naming one new conference, then waits on
a `WebhookReceiver` for each leg's fate: `conference.participant.joined`
(answered and in the conference) or `call.hangup` (with the cause that says
busy, no answer, rejected or failed).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs

from .. import _rules
from .._errors import ConferencingError, ValidationError
from .._receive import WebhookReceiver
from ._events import CallHangup, ConferenceParticipantJoined, Event
from ._models import Call, ConferenceConfig, DialRequest

if TYPE_CHECKING:
    from ._client import TelnyxClient

__all__ = ["DialOutcome", "DialedConference", "dial_conference_call"]

_log: Final = logging.getLogger("conferencing")

#: What became of one dialed number.
DialStatus = Literal["joined", "busy", "no_answer", "rejected", "failed"]

#: `call.hangup` causes (Telnyx's `hangup_cause`) that say why a leg never joined.
_BY_CAUSE: Final[Mapping[str, DialStatus]] = {
    "user_busy": "busy",
    "timeout": "no_answer",
    "no_answer": "no_answer",
    "call_rejected": "rejected",
}
#: Seconds past a leg's ringing time to wait for its webhook before giving up on it.
_GRACE: Final = 15.0


@attrs.frozen
class DialOutcome:
    """One dialed number: joined, busy, no answer, rejected, or failed (with why)."""

    to: str
    status: DialStatus
    #: The dial's answer (`call_control_id`, ...); None when the dial itself failed.
    call: Call | None = None
    #: Telnyx's `hangup_cause`, for a leg that hung up without joining.
    hangup_cause: str | None = None
    #: The error of the dial, or of waiting for the leg's webhook.
    error: ConferencingError | None = None
    #: Whether the recipe hung this leg up (it never joined, and no hang-up was heard).
    hung_up: bool = False
    #: The conference the leg joined (from its `conference.participant.joined`).
    conference_id: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the leg answered and is in the conference."""
        return self.status == "joined"


@attrs.frozen
class DialedConference:
    """The outcome of `TelnyxClient.dial_conference_call`: the conference and every number."""

    name: str
    #: The conference's id, from the first leg that joined; None if nobody did.
    conference_id: str | None
    #: One outcome per number, in the order given.
    legs: tuple[DialOutcome, ...]

    @property
    def joined(self) -> tuple[DialOutcome, ...]:
        """The legs in the conference."""
        return tuple(leg for leg in self.legs if leg.ok)

    @property
    def failed(self) -> tuple[DialOutcome, ...]:
        """The legs that are not in it, and why (`status`, `hangup_cause`, `error`)."""
        return tuple(leg for leg in self.legs if not leg.ok)


async def dial_conference_call(
    client: TelnyxClient,
    *,
    events: WebhookReceiver[Event],
    connection_id: str,
    from_: str,
    to: Sequence[str],
    name: str,
    timeout_secs: int = 30,
    dial_options: Mapping[str, Any] | None = None,
    conference_options: Mapping[str, Any] | None = None,
) -> DialedConference:
    """Dial every number in `to` into a new conference named `name`; see `TelnyxClient`."""
    requests = _requests(
        connection_id=connection_id,
        from_=from_,
        to=to,
        name=name,
        timeout_secs=timeout_secs,
        dial_options=dial_options or {},
        conference_options=conference_options or {},
    )
    wait = timeout_secs + _GRACE
    # Legs placed and not heard to end: what a cancelled recipe must hang up.
    live: set[str] = set()
    legs = asyncio.gather(
        *(
            _dial_one(client, events, number, request, wait=wait, live=live)
            for number, request in requests
        )
    )
    try:
        outcomes = await legs
    except asyncio.CancelledError:
        # Rather than leave phones ringing, or people in a conference nobody knows of.
        await asyncio.gather(*(_hang_up(client, leg) for leg in sorted(live)))
        if live:
            _log.warning("dial_conference_call was cancelled; hung up %d leg(s)", len(live))
        raise
    conference_id = next((leg.conference_id for leg in outcomes if leg.ok), None)
    return DialedConference(name=name, conference_id=conference_id, legs=tuple(outcomes))


def _requests(
    *,
    connection_id: str,
    from_: str,
    to: Sequence[str],
    name: str,
    timeout_secs: int,
    dial_options: Mapping[str, Any],
    conference_options: Mapping[str, Any],
) -> list[tuple[str, DialRequest]]:
    """Every dial, built (and so checked) before the first is sent."""
    given: object = to
    if isinstance(given, str) or not isinstance(given, Sequence) or not given:
        raise ValidationError("to must be a non-empty list of numbers", field="to")
    if len(set(to)) != len(to):
        raise ValidationError("to must list each number once", field="to")
    reserved = {"connection_id", "from_", "to", "conference_config", "timeout_secs", "command_id"}
    clash = sorted(reserved & set(dial_options))
    if clash:
        raise ValidationError(
            f"dial_options may not set {', '.join(clash)}: the recipe sets them", field=clash[0]
        )
    if "conference_name" in conference_options or "id" in conference_options:
        raise ValidationError(
            "conference_options may not name the conference: pass name=", field="conference_options"
        )
    # Only answered legs join: ringing ones (early media) must not be in the conference.
    config = _rules.build(
        ConferenceConfig, {"early_media": False, **conference_options, "conference_name": name}
    )
    return [
        (
            number,
            _rules.build(
                DialRequest,
                {
                    **dial_options,
                    "connection_id": connection_id,
                    "from_": from_,
                    "to": number,
                    "timeout_secs": timeout_secs,
                    "conference_config": config,
                },
            ),
        )
        for number in to
    ]


async def _dial_one(
    client: TelnyxClient,
    events: WebhookReceiver[Event],
    number: str,
    request: DialRequest,
    *,
    wait: float,
    live: set[str],
) -> DialOutcome:
    try:
        call = await client.dial(request)
    except ConferencingError as exc:
        return DialOutcome(to=number, status="failed", error=exc)
    leg = call.call_control_id
    live.add(leg)

    def about_this_leg(event: Event) -> bool:
        match event:
            case ConferenceParticipantJoined(payload=joined):
                return joined.call_control_id == leg
            case CallHangup(payload=hangup):
                return hangup.call_control_id == leg
        return False

    try:
        event = await events.wait_for(about_this_leg, timeout=wait)
    except TimeoutError:
        # No word of it: hang it up rather than leave a phone ringing.
        live.discard(leg)
        hung_up, error = await _hang_up(client, leg)
        problem = ConferencingError(
            f"no webhook about {leg} arrived within {wait:g} s (are Telnyx's webhooks "
            "reaching `events`?); the leg was hung up"
        )
        return DialOutcome(
            to=number, status="failed", call=call, error=error or problem, hung_up=hung_up
        )
    if isinstance(event, CallHangup):
        live.discard(leg)
        cause = event.payload.hangup_cause
        status = _BY_CAUSE.get(cause or "", "failed")
        return DialOutcome(to=number, status=status, call=call, hangup_cause=cause)
    assert isinstance(event, ConferenceParticipantJoined)  # noqa: S101 - the predicate says so
    return DialOutcome(
        to=number, status="joined", call=call, conference_id=event.payload.conference_id
    )


async def _hang_up(client: TelnyxClient, leg: str) -> tuple[bool, ConferencingError | None]:
    try:
        await client.hang_up(leg)
    except ConferencingError as exc:
        return False, exc
    return True, None
