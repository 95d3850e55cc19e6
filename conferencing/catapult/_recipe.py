"""Bandwidth's conference-call recipe: a conference, then a call and a member per callee."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from .. import _rules
from .._errors import ConferencingError, ValidationError
from ._models import (
    MAX_MEMBERS,
    MIN_CONFERENCE_CALLERS,
    AddMemberRequest,
    CallRef,
    ConferenceRef,
    CreateCallRequest,
    CreateConferenceRequest,
    MemberRef,
)

if TYPE_CHECKING:
    from ._client import CatapultClient

__all__ = ["STEP_ADD_MEMBER", "STEP_CREATE_CALL", "CalleeOutcome", "ConferenceCall"]

#: The step of a leg that failed: creating its call.
STEP_CREATE_CALL: Final = "create_call"
#: The step of a leg that failed: adding its call as a member.
STEP_ADD_MEMBER: Final = "add_member"

# Stands in for ids not known until the conference and calls exist, so that
# every request can be built, and so checked, before the first is sent.
_PENDING: Final = "pending"


@attrs.frozen
class CalleeOutcome:
    """What became of one callee: the call and member created, or where it failed.

    `failed_step` is `STEP_CREATE_CALL` (then `call` is None: no call was
    made, unless `error` is an `OutcomeUnknownError` or a `TransportError`
    with `request_sent`) or `STEP_ADD_MEMBER` (then `call` exists, ringing
    or active, but is not a member: hang it up or add it again).
    """

    to: str
    call: CallRef | None = None
    member: MemberRef | None = None
    error: ConferencingError | None = None
    failed_step: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the callee's call was created and added as a member."""
        return self.error is None


@attrs.frozen
class ConferenceCall:
    """The outcome of `CatapultClient.start_conference_call`: the conference and every callee."""

    conference: ConferenceRef
    #: One outcome per callee, in the order they were given.
    callees: tuple[CalleeOutcome, ...]

    @property
    def ok(self) -> bool:
        """Whether every callee was brought in."""
        return all(outcome.ok for outcome in self.callees)

    @property
    def joined(self) -> tuple[CalleeOutcome, ...]:
        """The callees whose call is a member of the conference."""
        return tuple(outcome for outcome in self.callees if outcome.ok)

    @property
    def failed(self) -> tuple[CalleeOutcome, ...]:
        """The callees for whom a step failed."""
        return tuple(outcome for outcome in self.callees if not outcome.ok)


def _callees(to: object) -> tuple[str, ...]:
    """Check the number of callees against Bandwidth's 3-caller minimum and 20-member cap."""
    callees = _rules.unique_strings("to", to)
    if len(callees) < MIN_CONFERENCE_CALLERS:
        raise ValidationError(
            f"a Catapult conference call needs at least {MIN_CONFERENCE_CALLERS} callees, "
            f"got {len(callees)}; Bandwidth says calls with fewer than three callers "
            "should be bridged: use a bridge (create the calls with bridge_id) instead",
            field="to",
        )
    if len(callees) > MAX_MEMBERS:
        raise ValidationError(
            f"a Catapult conference holds at most {MAX_MEMBERS} members, got {len(callees)} "
            "callees",
            field="to",
        )
    return callees


async def start_conference_call(
    client: CatapultClient,
    *,
    from_: str,
    to: Sequence[str],
    conference_options: Mapping[str, Any] | None,
    call_options: Mapping[str, Any] | None,
    member_options: Mapping[str, Any] | None,
) -> ConferenceCall:
    """Run the recipe for `client`; see `CatapultClient.start_conference_call`."""
    callees = _callees(to)
    conference = _rules.build(
        CreateConferenceRequest,
        {
            **_rules.extra_fields("conference_options", conference_options, ("from_",)),
            "from_": from_,
        },
    )
    extra_call = _rules.extra_fields("call_options", call_options, ("from_", "to", "conference_id"))
    calls = [
        _rules.build(
            CreateCallRequest,
            {**extra_call, "from_": from_, "to": callee, "conference_id": _PENDING},
        )
        for callee in callees
    ]
    member = _rules.build(
        AddMemberRequest,
        {
            **_rules.extra_fields("member_options", member_options, ("call_id",)),
            "call_id": _PENDING,
        },
    )

    # Every request is valid: only now does anything go out. A failure here
    # means no conference to report, so it is raised as it is.
    ref = await client.create_conference(conference)

    async def bring_in(call: CreateCallRequest) -> CalleeOutcome:
        try:
            call_ref = await client.create_call(attrs.evolve(call, conference_id=ref.id))
        except ConferencingError as exc:
            return CalleeOutcome(to=call.to, error=exc, failed_step=STEP_CREATE_CALL)
        try:
            member_ref = await client.add_member(ref.id, attrs.evolve(member, call_id=call_ref.id))
        except ConferencingError as exc:
            return CalleeOutcome(to=call.to, call=call_ref, error=exc, failed_step=STEP_ADD_MEMBER)
        return CalleeOutcome(to=call.to, call=call_ref, member=member_ref)

    # A task group, not gather: should anything but our own errors escape a
    # leg (a bug), the other legs are cancelled rather than left running
    # unobserved.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(bring_in(call)) for call in calls]
    return ConferenceCall(conference=ref, callees=tuple(task.result() for task in tasks))
