"""A whole Telnyx conference from existing call legs: create with the first, join the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from .. import _rules
from .._errors import ConferencingError, ValidationError
from ._models import (
    DEFAULT_MAX_PARTICIPANTS,
    Conference,
    CreateConferenceRequest,
    JoinRequest,
)
from ._wire import new_command_id

if TYPE_CHECKING:
    from ._client import TelnyxClient

__all__ = ["ConferenceCall", "LegOutcome"]

# Stands in for the call control id of each joining leg, so that the join
# options are checked before anything is sent.
_PENDING: Final = "pending"


@attrs.frozen
class LegOutcome:
    """What became of one call leg: in the conference, or the error that kept it out.

    `command_id` is the id its create or join was sent with; sending the
    same join again with it cannot join the leg twice.
    """

    call_control_id: str
    command_id: str | None = None
    error: ConferencingError | None = None
    #: Whether this leg created the conference (the first one given).
    created: bool = False

    @property
    def ok(self) -> bool:
        """Whether the leg is in the conference."""
        return self.error is None


@attrs.frozen
class ConferenceCall:
    """The outcome of `TelnyxClient.start_conference_call`: the conference and every leg."""

    conference: Conference
    #: One outcome per call leg, in the order they were given; the first created it.
    legs: tuple[LegOutcome, ...]

    @property
    def ok(self) -> bool:
        """Whether every leg is in the conference."""
        return all(leg.ok for leg in self.legs)

    @property
    def joined(self) -> tuple[LegOutcome, ...]:
        """The legs in the conference, its creator included."""
        return tuple(leg for leg in self.legs if leg.ok)

    @property
    def failed(self) -> tuple[LegOutcome, ...]:
        """The legs that could not join."""
        return tuple(leg for leg in self.legs if not leg.ok)


async def start_conference_call(
    client: TelnyxClient,
    *,
    name: str,
    call_control_ids: Sequence[str],
    max_participants: int | None,
    conference_options: Mapping[str, Any] | None,
    join_options: Mapping[str, Any] | None,
) -> ConferenceCall:
    """Run the recipe for `client`; see `TelnyxClient.start_conference_call`."""
    legs = _rules.unique_strings("call_control_ids", call_control_ids)
    if not legs:
        raise ValidationError(
            "call_control_ids must list at least one call leg: the first creates the conference",
            field="call_control_ids",
        )
    create = _rules.build(
        CreateConferenceRequest,
        {
            **_rules.extra_fields(
                "conference_options",
                conference_options,
                ("call_control_id", "name", "max_participants"),
            ),
            "call_control_id": legs[0],
            "name": name,
            "max_participants": max_participants,
        },
    )
    limit = DEFAULT_MAX_PARTICIPANTS if max_participants is None else max_participants
    if len(legs) > limit:
        raise ValidationError(
            f"{len(legs)} call legs exceed the conference's max_participants of {limit}"
            + (" (Telnyx's default)" if max_participants is None else ""),
            field="call_control_ids",
        )
    # Each join needs its own command_id: Telnyx would ignore every join
    # after the first that shared one.
    join = _rules.build(
        JoinRequest,
        {
            **_rules.extra_fields("join_options", join_options, ("call_control_id", "command_id")),
            "call_control_id": _PENDING,
        },
    )
    if create.command_id is None:
        create = attrs.evolve(create, command_id=new_command_id())
    joins = [
        attrs.evolve(join, call_control_id=leg, command_id=new_command_id()) for leg in legs[1:]
    ]

    # Every request is valid: only now does anything go out. Without the
    # conference there is nothing to join, so its failure is raised as it is.
    conference = await client.create_conference(create)
    creator = LegOutcome(call_control_id=legs[0], command_id=create.command_id, created=True)

    async def bring_in(request: JoinRequest) -> LegOutcome:
        try:
            await client.join(conference.id, request)
        except ConferencingError as exc:
            return LegOutcome(
                call_control_id=request.call_control_id, command_id=request.command_id, error=exc
            )
        return LegOutcome(call_control_id=request.call_control_id, command_id=request.command_id)

    # A task group, not gather: should anything but our own errors escape a
    # leg (a bug), the other joins are cancelled rather than left unobserved.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(bring_in(request)) for request in joins]
    return ConferenceCall(conference=conference, legs=(creator, *(task.result() for task in tasks)))
