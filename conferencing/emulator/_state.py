"""What the emulator remembers: its clock, its counters and both providers' records."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

import attrs

from conferencing.emulator._faults import FAULT_KINDS, WEBHOOK_FAULT_KINDS
from conferencing.emulator._limits import RateLimits

UTC = dt.UTC

DEFAULT_COMMAND_ID_TTL = 600.0
"""Seconds a Telnyx ``command_id`` is remembered unless told otherwise (see `Emulator`)."""

DEFAULT_ANSWER_DELAY = 0.05
"""Seconds a dialed call rings before it is answered, busy or rejected (see `Emulator`)."""

DEFAULT_RING_TIMEOUT_SCALE = 0.01
"""Emulated seconds per documented second of a no-answer timeout (30 s rings 0.3 s)."""

DEFAULT_MEDIA_DURATION = 0.05
"""Seconds one playback loop or one spoken text lasts (see `Emulator`)."""

CallOutcome = Literal["answer", "no_answer", "busy", "reject"]
"""What happens to a dialed call: answered, never answered, busy, or rejected by the callee."""

CALL_OUTCOMES: tuple[CallOutcome, ...] = ("answer", "no_answer", "busy", "reject")


@attrs.frozen
class Arrival:
    """One provider request as the emulator received it (see `Emulator(arrival_log=...)`)."""

    at: float
    """When it arrived, in seconds of the emulator's monotonic clock (`time.monotonic`)."""
    provider: str
    """``"telnyx"`` or ``"catapult"``."""
    method: str
    path: str
    account: str | None
    """Catapult: the ``{userId}`` of the path. Telnyx: the first 16 hex digits of the
    SHA-256 of the Bearer key (the key itself is not kept). None when there is none."""


class Clock:
    """Wall-clock time in UTC that tests can move forward."""

    __slots__ = ("_offset",)

    def __init__(self) -> None:
        """Start at the real time."""
        self._offset = dt.timedelta()

    def now(self) -> dt.datetime:
        """Return the emulated current time, aware, in UTC."""
        return dt.datetime.now(UTC) + self._offset

    def reset(self) -> None:
        """Go back to the real time."""
        self._offset = dt.timedelta()

    def advance(self, seconds: float) -> None:
        """Move the emulated time `seconds` forward."""
        if seconds < 0:
            raise ValueError(f"time only moves forward, got {seconds} s")
        self._offset += dt.timedelta(seconds=seconds)


def _read_only(counts: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(counts))


def _no_webhook_faults() -> Mapping[str, int]:
    return dict.fromkeys(WEBHOOK_FAULT_KINDS, 0)


@attrs.frozen
class EmulatorStats:
    """A snapshot of what the emulator has done since it started (or was reset)."""

    requests: int = 0
    """Requests to either provider's routes (the ``/_emulator`` routes are not counted)."""
    telnyx_requests: int = 0
    catapult_requests: int = 0
    telnyx_conferences_created: int = 0
    catapult_conferences_created: int = 0
    telnyx_participants_joined: int = 0
    """Participants added to Telnyx conferences, the creating call leg included."""
    telnyx_calls_dialed: int = 0
    """Call legs dialed with ``POST /v2/calls``."""
    recordings_saved: int = 0
    """Telnyx conference recordings saved (and served at ``/_emulator/recordings``)."""
    catapult_calls_created: int = 0
    catapult_members_added: int = 0
    duplicates_avoided: int = 0
    """Telnyx commands answered from a ``command_id`` already executed."""
    rate_limited: int = 0
    """Requests refused by the configured rate limits (not by fault injection)."""
    faults_injected: Mapping[str, int] = attrs.field(factory=dict, converter=_read_only)
    """Injected faults by kind; every kind is present."""
    webhooks_queued: int = 0
    """Webhook and callback deliveries queued, injected duplicates included."""
    webhooks_delivered: int = 0
    """Deliveries a receiver acknowledged with a 2xx (at the main or the fallback URL)."""
    webhook_attempts: int = 0
    """Attempts at delivering, each counted once however many URLs it tried."""
    webhooks_failed: int = 0
    """Deliveries given up after their last attempt failed."""
    webhooks_dropped: int = 0
    """Deliveries still queued or under way when the emulator closed or was reset."""
    webhook_faults_injected: Mapping[str, int] = attrs.field(
        factory=_no_webhook_faults, converter=_read_only
    )
    """Injected webhook faults by kind; every kind is present."""

    def as_dict(self) -> dict[str, Any]:
        """Return the snapshot as JSON-ready data."""
        data = attrs.asdict(self, recurse=False)
        data["faults_injected"] = dict(self.faults_injected)
        data["webhook_faults_injected"] = dict(self.webhook_faults_injected)
        return data


class Counters:
    """Running counts behind `EmulatorStats`."""

    __slots__ = ("_counts",)

    def __init__(self) -> None:
        """Start from zero."""
        self._counts: collections.Counter[str] = collections.Counter()

    def clear(self) -> None:
        """Go back to zero."""
        self._counts.clear()

    def bump(self, name: str, amount: int = 1) -> None:
        """Add `amount` to the count called `name`."""
        self._counts[name] += amount

    def snapshot(self) -> EmulatorStats:
        """Return the counts as an immutable `EmulatorStats`."""
        counts = self._counts
        fields = {
            field.name: counts[field.name]
            for field in attrs.fields(EmulatorStats)
            if field.name not in {"faults_injected", "webhook_faults_injected"}
        }
        faults: dict[str, int] = {kind: counts["fault:" + kind] for kind in FAULT_KINDS}
        webhook_faults: dict[str, int] = {
            kind: counts["fault:" + kind] for kind in WEBHOOK_FAULT_KINDS
        }
        return EmulatorStats(
            **fields, faults_injected=faults, webhook_faults_injected=webhook_faults
        )


@attrs.define
class Settings:
    """What the emulator accepts and how it answers; shared by both providers."""

    telnyx_api_keys: frozenset[str]
    catapult_user_id: str
    catapult_api_token: str
    catapult_api_secret: str
    rate_limits: RateLimits | None = None
    catapult_absolute_locations: bool = False
    telnyx_command_id_ttl: float = DEFAULT_COMMAND_ID_TTL
    telnyx_connection_id: str = ""
    """The ``connection_id`` the events of legs it did not dial name."""
    webhook_url: str | None = None
    """Where Telnyx events are POSTed; None sends none."""
    webhook_timeout: float = 2.0
    """Seconds a Telnyx webhook request waits for its answer."""
    origin: str = "http://127.0.0.1"
    """The emulator's own origin, for the resource URLs Catapult callbacks name."""
    answer_delay: float = DEFAULT_ANSWER_DELAY
    """Seconds a dialed call rings before its outcome (no answer waits its timeout instead)."""
    ring_timeout_scale: float = DEFAULT_RING_TIMEOUT_SCALE
    """Emulated seconds per documented second of a dial's no-answer timeout."""
    media_duration: float = DEFAULT_MEDIA_DURATION
    """Seconds one playback loop or one spoken text lasts."""
    call_outcomes: dict[str, CallOutcome] = attrs.Factory(dict)
    """Dialed number (or SIP URI) -> its outcome; any other number answers."""
    unknown_connections: set[str] = attrs.Factory(set)
    """Telnyx ``connection_id`` values that name no Call Control App; any other one does."""

    def outcome(self, number: str) -> CallOutcome:
        """Return what happens to a call dialed to `number`."""
        return self.call_outcomes.get(number, "answer")

    def no_answer_seconds(self, documented: float) -> float:
        """Return how long a call rings unanswered whose documented timeout is `documented`."""
        return documented * self.ring_timeout_scale


# --- Telnyx records ---------------------------------------------------------


@attrs.define
class TelnyxParticipant:
    """A call leg's membership of one Telnyx conference."""

    id: str
    call_control_id: str
    call_leg_id: str
    call_session_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    client_state: str | None = None
    """The leg's ``client_state`` as given on create or join; its webhooks carry it."""
    status: str = "joined"
    muted: bool = False
    on_hold: bool = False
    end_conference_on_exit: bool = False
    soft_end_conference_on_exit: bool = False
    supervisor_role: str = "none"
    whisper_call_control_ids: list[str] = attrs.Factory(list)
    label: str | None = None
    """The participant's label; no documented command sets one, lookups accept it."""


@attrs.define
class Playing:
    """Audio a conference (or one of its participants) is hearing: a playback or speech."""

    kind: str
    """``playback`` or ``speak``."""
    target: str | None
    """The participant's call control id, or None for the whole conference."""
    fields: dict[str, Any]
    """What its events carry besides the ids (``media_url`` or ``media_name``)."""
    tag: str | None = None
    """Catapult: the tag its callbacks carry."""
    timer: asyncio.TimerHandle | None = None
    """When it ends by itself; None while it loops forever."""


@attrs.define
class TelnyxRecording:
    """A Telnyx conference recording under way."""

    id: str
    format: str
    channels: str
    started_at: dt.datetime
    paused: bool = False


@attrs.define
class TelnyxConference:
    """A Telnyx conference and its participants, keyed by call control id."""

    id: str
    name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    expires_at: dt.datetime
    status: str
    max_participants: int
    creator: str = ""
    """The call control id of the leg that created the conference."""
    client_state: str | None = None
    """The ``client_state`` given on create; conference-wide webhooks carry it."""
    region: str | None = None
    connection_id: str | None = None
    """The Call Control App of the creating leg."""
    end_reason: str | None = None
    ended_by: tuple[str, str] | None = None
    participants: dict[str, TelnyxParticipant] = attrs.Factory(dict)
    playing: dict[tuple[str, str | None], Playing] = attrs.Factory(dict)
    """(kind, target) -> the audio playing there now."""
    recording: TelnyxRecording | None = None

    def joined(self) -> list[TelnyxParticipant]:
        """Return the participants in the conference now."""
        return [p for p in self.participants.values() if p.status == "joined"]


@attrs.define
class TelnyxCall:
    """A call leg the emulator dialed (``POST /v2/calls``): it rings, then is answered or ends."""

    call_control_id: str
    call_leg_id: str
    call_session_id: str
    connection_id: str
    from_: str
    to: str
    start_time: dt.datetime
    client_state: str | None = None
    conference: dict[str, Any] | None = None
    """The validated ``conference_config``: what to join once answered."""
    state: str = "ringing"
    """``ringing``, ``answered`` or ``ended``."""
    answered_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    hangup_cause: str | None = None
    webhook_url: str | None = None
    """The dial's ``webhook_url``: where this leg's ``call.*`` events go instead."""
    timer: asyncio.TimerHandle | None = None
    """The ring's outcome, while it is still due."""


CommandKey = tuple[str, str, str, str]
"""(API key, command kind, target, command_id): what makes a Telnyx command a repeat.

The kind is ``create`` or the action (``join``, ``leave``, ``end``); the
target is the conference id or name in the path, ``""`` for create.
"""

CommandAnswer = tuple[int, bytes]
"""A remembered answer: its status and body."""


class CommandMemory:
    """The answers of executed Telnyx commands, each kept for `ttl` seconds.

    Entries are kept in the order they were made, which with one `ttl` for all
    is the order they expire in: every look dropping the expired ones from the
    front keeps memory bounded by the commands of the last `ttl` seconds.
    """

    __slots__ = ("_answers", "_ttl")

    def __init__(self, ttl: float) -> None:
        """Remember nothing yet; keep each answer `ttl` seconds (monotonic time)."""
        self._ttl = ttl
        self._answers: dict[CommandKey, tuple[float, CommandAnswer]] = {}

    def __len__(self) -> int:
        """Return how many answers are held, expired ones not yet dropped included."""
        return len(self._answers)

    def _forget_expired(self, now: float) -> None:
        answers = self._answers
        while answers:
            oldest = next(iter(answers))
            if answers[oldest][0] > now:
                return
            del answers[oldest]

    def recall(self, key: CommandKey, now: float) -> CommandAnswer | None:
        """Return the answer remembered for `key` at monotonic `now`, or None."""
        self._forget_expired(now)
        found = self._answers.get(key)
        return None if found is None else found[1]

    def remember(self, key: CommandKey, answer: CommandAnswer, now: float) -> None:
        """Keep `answer` for `key` until `now` + ttl."""
        self._forget_expired(now)
        self._answers.pop(key, None)  # re-inserted at the end, to keep expiry order
        self._answers[key] = (now + self._ttl, answer)


@attrs.define
class TelnyxState:
    """Everything the Telnyx side remembers."""

    commands: CommandMemory
    """Answers of executed commands that carried a ``command_id``."""
    conferences: dict[str, TelnyxConference] = attrs.Factory(dict)
    active_names: dict[str, str] = attrs.Factory(dict)
    """Name of each conference not yet completed -> its id (names are unique among those)."""
    call_states: dict[str, str] = attrs.Factory(dict)
    """Call control ids marked "ended" or "unknown"; any other well-formed id is live."""
    call_sessions: dict[str, tuple[str, str]] = attrs.Factory(dict)
    """Call control id -> (call_leg_id, call_session_id), made up on first sight."""
    client_states: dict[str, str] = attrs.Factory(dict)
    """Call control id -> the last ``client_state`` a command gave the leg."""
    calls: dict[str, TelnyxCall] = attrs.Factory(dict)
    """The legs dialed with ``POST /v2/calls``, by call control id."""


# --- Catapult records -------------------------------------------------------


@attrs.define
class CatapultCall:
    """A Catapult call: ``started`` while it rings, then ``active``, ``rejected``, ``completed``."""

    id: str
    start_time: dt.datetime
    conference_id: str | None
    properties: dict[str, Any]
    """The request's validated properties, camelCase, echoed by GET."""
    state: str = "started"
    active_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    timer: asyncio.TimerHandle | None = None
    """The ring's outcome, while it is still due."""
    playing: dict[str, Playing] = attrs.Factory(dict)
    """Kind (``playback`` or ``speak``) -> the member audio playing to this call."""


@attrs.define
class CatapultMember:
    """A call's membership of one Catapult conference."""

    id: str
    call_id: str
    added_time: dt.datetime
    state: str = "active"
    mute: bool = False
    hold: bool = False
    join_tone: bool = False
    leaving_tone: bool = False
    removed_time: dt.datetime | None = None


@attrs.define
class CatapultConference:
    """A Catapult conference and its members, in the order they were added."""

    id: str
    from_: str
    created_time: dt.datetime
    settings: dict[str, Any]
    """callbackUrl, callbackHttpMethod, callbackTimeout, fallbackUrl, profile, tag as set."""
    state: str = "created"
    hold: bool = False
    mute: bool = False
    completed_time: dt.datetime | None = None
    members: dict[str, CatapultMember] = attrs.Factory(dict)
    playing: dict[str, Playing] = attrs.Factory(dict)
    """Kind (``playback`` or ``speak``) -> the conference audio playing now."""

    def active_members(self) -> int:
        """Return how many members are in the conference now."""
        return sum(1 for member in self.members.values() if member.state == "active")


@attrs.define
class CatapultState:
    """Everything the Catapult side remembers."""

    conferences: dict[str, CatapultConference] = attrs.Factory(dict)
    calls: dict[str, CatapultCall] = attrs.Factory(dict)
