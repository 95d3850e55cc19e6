"""Bandwidth's conference-call recipe: a conference, then a call and a member per callee."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Self

import attrs

from .. import _rules
from .._errors import CallNotAnsweredError, ConferencingError, RateLimitError, ValidationError
from ._models import (
    MAX_MEMBERS,
    MIN_CONFERENCE_CALLERS,
    AddMemberRequest,
    Call,
    CallRef,
    ConferenceRef,
    CreateCallRequest,
    CreateConferenceRequest,
    MemberRef,
)

if TYPE_CHECKING:
    from ._client import CatapultClient

__all__ = [
    "STEP_ADD_MEMBER",
    "STEP_ANSWER",
    "STEP_CREATE_CALL",
    "CalleeOutcome",
    "ConferenceCall",
]

#: The step of a leg that failed: creating its call.
STEP_CREATE_CALL: Final = "create_call"
#: The step of a leg that failed: its call was not answered (busy, rejected, no answer).
STEP_ANSWER: Final = "answer"
#: The step of a leg that failed: adding its call as a member.
STEP_ADD_MEMBER: Final = "add_member"

#: Catapult rings a new call this long when `call_timeout` is not given (seconds).
_DEFAULT_CALL_TIMEOUT: Final = 60
#: How long past a call's `call_timeout` to keep looking before giving up on it.
_GRACE: Final = 15.0
#: The longest a 429's reset time makes the watcher pause (a leg's own patience still rules).
_MAX_PAUSE: Final = 60.0
#: Seconds between looks at the conference's calls: soon at first, then every second.
_POLL_INTERVALS: Final = (0.05, 0.1, 0.2, 0.5, 1.0)

# Stands in for ids not known until the conference and calls exist, so that
# every request can be built, and so checked, before the first is sent.
_PENDING: Final = "pending"

_log: Final = logging.getLogger("conferencing")


@attrs.frozen
class CalleeOutcome:
    """What became of one callee: the call and member created, or where it failed.

    `failed_step` is `STEP_CREATE_CALL` (then `call` is None: no call was
    made, unless `error` is an `OutcomeUnknownError` or a `TransportError`
    with `request_sent`, when one may exist that the recipe cannot name:
    `list_calls(conference_id=...)` finds it), `STEP_ANSWER` (the call was
    not answered: `error` is a `CallNotAnsweredError` whose `state` is the
    call's last, e.g. "rejected", or "started" when it still rang past its
    `call_timeout` and the recipe hung it up) or `STEP_ADD_MEMBER` (then
    `call` was answered but is not a member, and the recipe hung it up so
    that no phone is left ringing: `hung_up` says Catapult accepted that,
    and `hang_up_error` is why it did not).
    """

    to: str
    call: CallRef | None = None
    member: MemberRef | None = None
    error: ConferencingError | None = None
    failed_step: str | None = None
    #: Whether the recipe hung up `call` after its member step failed.
    hung_up: bool = False
    #: Why hanging up `call` failed too, when it did (the call may still be live).
    hang_up_error: ConferencingError | None = None

    @property
    def ok(self) -> bool:
        """Whether the callee's call was created and added as a member."""
        return self.error is None

    @property
    def orphaned(self) -> bool:
        """Whether a call exists that is not a member, not hung up and not over: yours to end."""
        ended = isinstance(self.error, CallNotAnsweredError) and self.error.state not in {
            None,
            "started",
        }
        return self.call is not None and self.member is None and not self.hung_up and not ended


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

    @property
    def orphaned(self) -> tuple[CalleeOutcome, ...]:
        """The callees whose call is outside the conference and could not be hung up."""
        return tuple(outcome for outcome in self.callees if outcome.orphaned)


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
    # Calls created and not hung up, by id: what an interrupted recipe undoes.
    live: dict[str, CallRef] = {}
    answers = _Answers(client, ref.id)

    async def bring_in(call: CreateCallRequest) -> CalleeOutcome:
        try:
            call_ref = await client.create_call(attrs.evolve(call, conference_id=ref.id))
        except ConferencingError as exc:
            return CalleeOutcome(to=call.to, error=exc, failed_step=STEP_CREATE_CALL)
        # No await between the call's creation and this line: a cancelled
        # recipe knows every call it created.
        live[call_ref.id] = call_ref
        # Only an active (answered) call can be a member: wait for the answer.
        ringing = (call.call_timeout or _DEFAULT_CALL_TIMEOUT) + _GRACE
        answered = await answers.wait(call_ref.id, ringing)
        if answered is None or answered.state != "active":
            state = None if answered is None else answered.state
            hang_up_error = None
            if state in {None, "started"}:  # still ringing, or unknown: end it
                hang_up_error = await _hang_up(client, call_ref.id)
            if hang_up_error is None:
                del live[call_ref.id]
            return CalleeOutcome(
                to=call.to,
                call=call_ref,
                error=_not_answered(call_ref.id, state, ringing),
                failed_step=STEP_ANSWER,
                hung_up=state in {None, "started"} and hang_up_error is None,
                hang_up_error=hang_up_error,
            )
        try:
            member_ref = await client.add_member(ref.id, attrs.evolve(member, call_id=call_ref.id))
        except ConferencingError as exc:
            # Hung up even when the member's outcome is unknown: a call that
            # might be a member is worse than one that surely is not.
            hang_up_error = await _hang_up(client, call_ref.id)
            if hang_up_error is None:
                del live[call_ref.id]
            return CalleeOutcome(
                to=call.to,
                call=call_ref,
                error=exc,
                failed_step=STEP_ADD_MEMBER,
                hung_up=hang_up_error is None,
                hang_up_error=hang_up_error,
            )
        return CalleeOutcome(to=call.to, call=call_ref, member=member_ref)

    try:
        # A task group, not gather: should anything but our own errors escape
        # a leg (a bug), the other legs are cancelled rather than left running
        # unobserved.
        async with answers, asyncio.TaskGroup() as group:
            tasks = [group.create_task(bring_in(call)) for call in calls]
    except BaseException as exc:
        # Cancelled (or broken) part-way, the caller gets no ConferenceCall
        # and so no id to end anything with: undo what was started.
        await _undo(client, ref, tuple(live.values()), exc)
        raise
    return ConferenceCall(conference=ref, callees=tuple(task.result() for task in tasks))


def _not_answered(call_id: str, state: str | None, ringing: float) -> CallNotAnsweredError:
    if state == "started":
        why = f"it still rang after {ringing:g} s and was hung up"
    elif state is None:
        why = f"its state could not be read within {ringing:g} s; it was hung up"
    else:
        why = f"it ended unanswered (state {state})"
    return CallNotAnsweredError(
        f"call {call_id} was not answered: {why}", call_id=call_id, state=state
    )


class _Answers:
    """Watches a conference's calls until each one waited for is answered or over.

    One `list_calls(conference_id=...)` (a single GET, unpaged) answers for
    every callee at once, instead of a `get_call` per call: Catapult paces
    `/calls` at one request a second by default.
    """

    def __init__(self, client: CatapultClient, conference_id: str) -> None:
        self._client = client
        self._conference_id = conference_id
        self._waiting: dict[str, asyncio.Future[Call | None]] = {}
        #: The latest state seen of every call of the conference.
        self._last: dict[str, Call] = {}
        self._poller: asyncio.Task[None] | None = None

    async def wait(self, call_id: str, patience: float) -> Call | None:
        """The call once it stops ringing; after `patience` s its last state (None: never seen)."""
        future: asyncio.Future[Call | None] = asyncio.get_running_loop().create_future()
        self._waiting[call_id] = future
        if self._poller is None or self._poller.done():
            self._poller = asyncio.create_task(self._poll(), name="conferencing-catapult-answers")
            self._poller.add_done_callback(self._poller_ended)
        try:
            async with asyncio.timeout(patience):
                return await future
        except TimeoutError:
            return self._last.get(call_id)
        finally:
            self._waiting.pop(call_id, None)

    def _poller_ended(self, poller: asyncio.Task[None]) -> None:
        """A poller that died of a bug fails its waiters now, rather than after their patience."""
        error = None if poller.cancelled() else poller.exception()
        if error is None:
            return
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(error)

    async def _poll(self) -> None:
        intervals = iter(_POLL_INTERVALS)
        pause = 0.0
        while self._waiting:
            await asyncio.sleep(max(pause, next(intervals, _POLL_INTERVALS[-1])))
            pause = 0.0
            try:
                calls = [
                    c async for c in self._client.list_calls(conference_id=self._conference_id)
                ]
            except RateLimitError as exc:
                # Looking shares `/calls`' budget with creating calls: wait as told.
                pause = min(exc.retry_after or 0.0, _MAX_PAUSE)
                continue
            except ConferencingError as exc:
                _log.warning("could not list conference %s's calls: %s", self._conference_id, exc)
                continue
            for call in calls:
                self._last[call.id] = call
                future = self._waiting.get(call.id)
                if future is not None and not future.done() and call.state != "started":
                    future.set_result(call)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller


async def _hang_up(client: CatapultClient, call_id: str) -> ConferencingError | None:
    """Hang up one call the recipe created; return the error if that failed."""
    try:
        await client.hang_up(call_id)
    except ConferencingError as exc:
        return exc
    return None


async def _undo(
    client: CatapultClient, ref: ConferenceRef, calls: tuple[CallRef, ...], exc: BaseException
) -> None:
    """Hang up `calls` and end the conference; say on `exc` what could not be undone.

    A conference with no members never ends by itself, so it is ended
    explicitly, after the calls (which, hung up, leave it anyway). Each step
    is sent once; a second cancellation interrupts the undoing.
    """
    # return_exceptions: one hang-up's bug must not leave the others unobserved.
    results = await asyncio.gather(
        *(_hang_up(client, call.id) for call in calls), return_exceptions=True
    )
    failures = [
        f"call {call.id}: {type(error).__name__}: {error}"
        for call, error in zip(calls, results, strict=True)
        if error is not None
    ]
    hung_up = len(calls) - len(failures)
    try:
        await client.update_conference(ref.id, state="completed")
    except ConferencingError as error:
        failures.append(f"conference {ref.id}: {type(error).__name__}: {error}")
    if failures:
        summary = (
            f"start_conference_call was interrupted; it hung up {hung_up} of the "
            f"{len(calls)} calls it had created, but could not undo: " + "; ".join(failures)
        )
        _log.warning("%s", summary)
    else:
        summary = (
            f"start_conference_call was interrupted; it hung up the {len(calls)} calls it "
            f"had created and ended conference {ref.id}"
        )
    exc.add_note(summary)
