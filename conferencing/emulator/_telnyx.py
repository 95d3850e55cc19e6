"""Telnyx v2 Call Control conferences and calls, as the emulator reads Telnyx's documents.

Routes: the conference list, create, retrieve and participants (list,
retrieve, update); every conference action of the official SDK (join, leave,
end, mute, unmute, hold, unhold, update, play, stop, speak, record_start,
record_stop, record_pause, record_resume, send_dtmf, gather_using_audio);
``POST /v2/calls`` (dial, with ``conference_config``) and
``POST /v2/calls/{call_control_id}/actions/hangup``. Actions address a
conference by id or by name ("Uniquely identifies the conference by id or
name"): a name means the active conference of that name, else the latest one.

Every refusal is ``{"errors": [{code, title, detail, source?, meta}]}`` (see
`_telnyx_wire`). The documented codes are used where the documents give
them (10004, 10009, 10016, 10032, 10033, 90015, 90018, 90019, 90032, 90033,
90034, and 10015 "Invalid value for connection_id (Call Control App ID)").
Where they are silent, these are the emulator's choices:

- 422 10015 "Bad Request": a body that is not a JSON object, or that nests
  arrays and objects deeper than 100 levels; a field of the wrong JSON type;
  ``client_state`` that is not Base64; two fields that exclude each other
  (``hold_audio_url`` / ``hold_media_name``, ``audio_url`` / ``media_name``,
  ``conference_config.id`` / ``conference_name``); a call leg joining a
  conference it is already in; a ``speak`` payload over 3000 characters;
  DTMF digits outside ``0-9 A-D * # w W``; a hangup ``reason`` with ``"``,
  a backtick, a control character or a character outside the BMP.
- 413 10015: a body over 1 MiB (1048576 bytes), the emulator's cap.
- 422 10003 "Invalid URL": a URL that is not absolute http(s).
- 422 10033: a number out of its range (``duration_minutes`` >= 1,
  ``timeout_secs`` 5..600, ``time_limit_secs`` 1..14400, play ``loop``
  1..100, ``duration_millis`` 100..500, page parameters).
- 422 10032 with ``source.parameter``: a bad ``filter[status]``, ``region``
  or ``filter[muted]``-style boolean in a query.
- 422 90015: a call control id that is malformed, marked unknown, or not a
  participant of the conference the command names.
- 422 90018: a call control id that hung up. 422 90034: a dialed leg still
  ringing, named by any command (create, join, update, mute, ...).
- 422 90033: recording a conference already recorded; pausing, resuming
  or stopping a recording when none is under way.
- 422 10005 "Resource not found" at ``/conference_config/id``: a dial into a
  conference id that does not exist. 404 10005: an unknown conference,
  participant or route (a method the API lacks on a path counts as a route).
- 422 10004: play without ``audio_url`` or ``media_name``; a
  ``conference_config`` with neither ``id`` nor ``conference_name``.
- 429 10011 "Too many requests" with ``Retry-After`` when the optional
  Telnyx rate limit is on. Injected faults: 500 / 503 10007, 429 10011.
- JSON null in a field reads as absent. ``hold`` and ``mute`` / ``unmute``
  without ``call_control_ids`` apply to every participant ("When empty all
  participants will be placed on hold"); ``unhold`` requires them.
- A call leg may sit in several conferences at once.
- ``command_id`` is remembered for every command, only once it succeeded,
  per API key, kind of command and target (the conference id or name in the
  path, the call control id of a hangup, none for create and dial), for
  ``Emulator(command_id_ttl=...)`` seconds.
- Lists come in creation order; the participants list shows those who left
  too, with status ``left``. Participants carry ``conference_id``, and a
  ``label`` when they have one (no documented command sets one; a
  participant can be retrieved by id, call control id or label).

Dialed calls (``POST /v2/calls``) ring: ``call.initiated`` at once, then
after ``Emulator(answer_delay=...)`` the outcome set for the ``to`` number
(`Emulator.set_call_outcome`): ``call.answered``, or ``call.hangup`` with
``hangup_cause`` ``user_busy`` (SIP 486) or ``call_rejected`` (603). A call
nobody answers hangs up with ``timeout`` (the cause Telnyx documents for
``timeout_secs``) after ``timeout_secs`` (30 unless given) times
``Emulator(ring_timeout_scale=...)``. An answered call with
``conference_config`` then joins it (``conference.participant.joined``), or
creates a conference of that ``conference_name`` when none is active
(``conference.created`` first); the emulator has no early media, so it joins
on answer whatever ``early_media`` says, and a conference ended or full by
then is not joined. Hanging up a ringing leg cancels it
(``originator_cancel``). Any well-formed ``connection_id`` (letters, digits,
``. _ : -``, up to 128) is a configured Call Control App unless
`Emulator.forget_connection` said otherwise. ``webhook_url`` on the dial
receives that leg's ``call.*`` events instead of the emulator's.

Media: ``play`` and ``speak`` send ``conference.playback.started`` /
``conference.speak.started`` (or ``conference.participant.*`` per
participant named in ``call_control_ids``), then ``.ended`` after
``Emulator(media_duration=...)`` seconds (times ``loop`` for a playback;
``loop: "infinity"`` plays until stopped). A new playback or speech on the
same target ends the one before it; ``stop`` ends playbacks (all, or those of
the participants named); a participant leaving or the conference ending ends
theirs. Recording: ``record_stop`` (or the conference ending while recording)
sends ``conference.recording.saved`` with ``recording_urls`` and
``public_recording_urls`` naming the emulator's own
``/_emulator/recordings/{recording_id}.{format}``, a small file of silence.

Webhooks (when ``Emulator(webhook_url=...)`` is set; see `_webhooks` for
delivery) leave through `TelnyxApi._emit`. Conference-wide events carry the
creating leg's ids and the ``client_state`` given on create; a participant's
events carry its leg's ids and the ``client_state`` given on its create,
join or dial. ``conference.ended`` has ``reason`` ``all_left``,
``host_left``, ``time_exceeded`` (noticed when the conference is next looked
at) or ``ended_via_api``; media still playing ends first, then the
conference, then each participant leaves, then a recording is saved.
``call.hangup`` from `Emulator.hang_up_telnyx_call` says ``normal_clearing``,
``hangup_source`` ``unknown``; from the hangup command, ``caller``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from conferencing.emulator._faults import FaultKind, Faults
from conferencing.emulator._http import (
    BadJson,
    BodyTooLarge,
    Handler,
    Refusal,
    json_answer,
    read_object,
)
from conferencing.emulator._limits import Window
from conferencing.emulator._media import Recordings
from conferencing.emulator._state import (
    Clock,
    CommandKey,
    CommandMemory,
    Counters,
    Playing,
    Settings,
    TelnyxCall,
    TelnyxConference,
    TelnyxParticipant,
    TelnyxRecording,
    TelnyxState,
)
from conferencing.emulator._telnyx_wire import (
    CALL_CONTROL_ID,
    E164,
    NOT_FOUND,
    SIP_URI,
    TelnyxBody,
    TelnyxQuery,
    answer,
    bearer,
    error,
    not_found,
    ok,
    page,
    refuse,
    timestamp,
)
from conferencing.emulator._timers import Timers
from conferencing.emulator._webhooks import Destination, Outbox, TelnyxSigner, TelnyxWebhook

BEEP = ("always", "never", "on_enter", "on_exit")
REGIONS = ("Australia", "Europe", "Middle East", "US")
SUPERVISOR_ROLES = ("barge", "monitor", "none", "whisper")
STATUSES = ("init", "in_progress", "completed")
RECORDING_FORMATS = ("wav", "mp3")
RECORDING_CHANNELS = ("single", "dual")
PAYLOAD_TYPES = ("text", "ssml")
LANGUAGES = (
    "arb",
    "cmn-CN",
    "cy-GB",
    "da-DK",
    "de-DE",
    "en-AU",
    "en-GB",
    "en-GB-WLS",
    "en-IN",
    "en-US",
    "es-ES",
    "es-MX",
    "es-US",
    "fr-CA",
    "fr-FR",
    "hi-IN",
    "is-IS",
    "it-IT",
    "ja-JP",
    "ko-KR",
    "nb-NO",
    "nl-NL",
    "pl-PL",
    "pt-BR",
    "pt-PT",
    "ro-RO",
    "ru-RU",
    "sv-SE",
    "tr-TR",
)
DEFAULT_LIFETIME = dt.timedelta(hours=4)
DEFAULT_MAX_PARTICIPANTS = 250
DEFAULT_TIMEOUT_SECS = 30
"""How long a dialed call rings unanswered when ``timeout_secs`` is not given."""
MAX_SPEAK_PAYLOAD = 3000

_CONNECTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_DTMF = re.compile(r"[0-9A-D*#wW]+")
_UNSAFE_REASON = re.compile('["`\x00-\x1f\x7f]|[^\x00-\uffff]')
_INVALID_CONNECTION = "Invalid value for connection_id (Call Control App ID)"

# What ends a ringing call that is not answered: hangup_cause, hangup_source, sip_hangup_cause.
_NOT_ANSWERED = {
    "no_answer": ("timeout", "caller", "487"),
    "busy": ("user_busy", "callee", "486"),
    "reject": ("call_rejected", "callee", "603"),
}


def _new_call_control_id() -> str:
    return "v3:" + secrets.token_urlsafe(40)


def _destination(value: object) -> str | None:
    """Return the number or SIP URI a ``to`` value dials, or None if it is neither.

    A single number may be followed by a comma and DTMF digits sent on answer.
    """
    if not isinstance(value, str):
        return None
    number = value.split(",", 1)[0]
    return number if E164.fullmatch(number) or SIP_URI.fullmatch(number) else None


class TelnyxApi:
    """The ``/v2`` conference and call routes: handlers, validation and Telnyx's answers."""

    name = "telnyx"

    def __init__(
        self,
        settings: Settings,
        counters: Counters,
        clock: Clock,
        outbox: Outbox,
        *,
        signer: TelnyxSigner,
        timers: Timers,
        recordings: Recordings,
    ) -> None:
        """Share the emulator's settings, counters, clock, outbox, timers and recordings."""
        self._settings = settings
        self._counters = counters
        self._clock = clock
        self._outbox = outbox
        self._signer = signer
        self._timers = timers
        self._recordings = recordings
        self._state = self._new_state()
        self._windows: dict[str, Window] = {}

    def reset(self) -> None:
        """Forget every conference, call, mark, command and rate-limit window."""
        self._state = self._new_state()
        self._windows.clear()

    def _new_state(self) -> TelnyxState:
        return TelnyxState(CommandMemory(self._settings.telnyx_command_id_ttl))

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Register the Telnyx routes."""
        base = "/v2/conferences"
        router.add_get(base, self._list)
        router.add_post(base, self._create)
        router.add_get(base + "/{conference_id}", self._retrieve)
        router.add_get(base + "/{conference_id}/participants", self._participants)
        participant = base + "/{conference_id}/participants/{participant_id}"
        router.add_get(participant, self._participant)
        router.add_patch(participant, self._update_participant)
        router.add_post(base + "/{conference_id}/actions/{action}", self._action)
        router.add_post("/v2/calls", self._dial)
        router.add_post("/v2/calls/{call_control_id}/actions/{action}", self._call_action)

    # --- the gate every request passes -------------------------------------

    async def serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Authenticate, rate-limit, then run `handler`, answering refusals Telnyx's way."""
        try:
            key = bearer(request)
            if key is None or key not in self._settings.telnyx_api_keys:
                detail = (
                    "The required authentication headers were either invalid or not "
                    "included in the request."
                )
                raise refuse(401, error("10009", detail))
            self._throttle(key)
            return await handler(request)
        except Refusal as refusal:
            return refusal.response
        except web.HTTPException as exc:
            if exc.status not in {404, 405}:
                raise
            return answer(404, [error("10005", NOT_FOUND)])

    def _throttle(self, key: str) -> None:
        limits = self._settings.rate_limits
        limit = limits.telnyx if limits is not None else None
        if limit is None:
            return
        wait = self._windows.setdefault(key, Window()).admit(limit, time.monotonic())
        if wait is None:
            return
        self._counters.bump("rate_limited")
        seconds = str(max(1, math.ceil(wait)))
        raise Refusal(self._too_many_requests(seconds))

    @staticmethod
    def _too_many_requests(retry_after: str) -> web.Response:
        detail = "You have exceeded the maximum number of allowed requests."
        headers = {"Retry-After": retry_after, "x-ratelimit-reset": retry_after}
        return answer(429, [error("10011", detail)], headers)

    def fault_answer(self, kind: FaultKind, faults: Faults, request: web.Request) -> web.Response:
        """Answer an injected server_error, unavailable or rate_limited fault."""
        del request  # Telnyx's error bodies do not echo the request
        if kind == "rate_limited":
            return self._too_many_requests(str(faults.retry_after_seconds))
        if kind == "unavailable":
            detail = "The service is temporarily unavailable. Please retry later."
            return answer(503, [error("10007", detail)])
        return answer(500, [error("10007", "An unexpected error occurred.")])

    # --- control, for tests and people ---------------------------------------

    def hang_up(self, call_control_id: str) -> None:
        """Hang a call leg up: it leaves its conferences, later commands get 90018."""
        call = self._state.calls.get(call_control_id)
        if call is not None and call.state == "ringing":
            self._hang_up(call_control_id, "originator_cancel", "unknown", "487")
        else:
            self._hang_up(call_control_id, "normal_clearing", "unknown", "unspecified")

    def mark_unknown(self, call_control_id: str) -> None:
        """Mark a call control id unknown to Telnyx: commands naming it get 90015."""
        self._state.call_states[call_control_id] = "unknown"

    def conferences(self) -> list[dict[str, Any]]:
        """Return every conference as the API shows it."""
        now = self._clock.now()
        for conference in self._state.conferences.values():
            self._refresh(conference, now)
        return [self._conference_data(c) for c in self._state.conferences.values()]

    def participants(self, conference_id: str) -> list[dict[str, Any]]:
        """Return every participant a conference has had, those who left included."""
        conference = self._state.conferences.get(conference_id)
        if conference is None:
            raise KeyError(f"no Telnyx conference {conference_id!r}")
        self._refresh(conference, self._clock.now())
        return [self._participant_data(conference, p) for p in conference.participants.values()]

    def calls(self) -> list[dict[str, Any]]:
        """Return every dialed call leg: its ids, numbers, state and hangup cause."""
        return [
            {
                "call_control_id": call.call_control_id,
                "call_leg_id": call.call_leg_id,
                "call_session_id": call.call_session_id,
                "connection_id": call.connection_id,
                "from": call.from_,
                "to": call.to,
                "state": call.state,
                "hangup_cause": call.hangup_cause,
            }
            for call in self._state.calls.values()
        ]

    # --- representations -----------------------------------------------------

    @staticmethod
    def _conference_data(conference: TelnyxConference) -> dict[str, Any]:
        data: dict[str, Any] = {
            "record_type": "conference",
            "id": conference.id,
            "name": conference.name,
            "created_at": timestamp(conference.created_at),
            "expires_at": timestamp(conference.expires_at),
            "updated_at": timestamp(conference.updated_at),
            "status": conference.status,
        }
        if conference.region is not None:
            data["region"] = conference.region
        if conference.connection_id is not None:
            data["connection_id"] = conference.connection_id
        if conference.end_reason is not None:
            data["end_reason"] = conference.end_reason
        if conference.ended_by is not None:
            call_control_id, call_session_id = conference.ended_by
            data["ended_by"] = {
                "call_control_id": call_control_id,
                "call_session_id": call_session_id,
            }
        return data

    @staticmethod
    def _participant_data(
        conference: TelnyxConference, participant: TelnyxParticipant
    ) -> dict[str, Any]:
        # One shape for the list and for retrieve: the list's fields (``conference``)
        # and retrieve's (``conference_id``, ``label``) together.
        data: dict[str, Any] = {
            "record_type": "participant",
            "id": participant.id,
            "call_leg_id": participant.call_leg_id,
            "call_control_id": participant.call_control_id,
            "conference": {"id": conference.id, "name": conference.name},
            "conference_id": conference.id,
            "whisper_call_control_ids": list(participant.whisper_call_control_ids),
            "created_at": timestamp(participant.created_at),
            "updated_at": timestamp(participant.updated_at),
            "end_conference_on_exit": participant.end_conference_on_exit,
            "soft_end_conference_on_exit": participant.soft_end_conference_on_exit,
            "status": participant.status,
            "muted": participant.muted,
            "on_hold": participant.on_hold,
        }
        if participant.label is not None:
            data["label"] = participant.label
        return data

    # --- state helpers -------------------------------------------------------

    def _conference(self, conference_id: str) -> TelnyxConference:
        conference = self._state.conferences.get(conference_id)
        if conference is None:
            raise not_found()
        return conference

    def _conference_by_ref(self, reference: str) -> TelnyxConference:
        """Find a conference by id, else by name: the active one, else the latest."""
        conference = self._state.conferences.get(reference)
        if conference is not None:
            return conference
        active = self._state.active_names.get(reference)
        if active is not None:
            return self._state.conferences[active]
        named = [c for c in self._state.conferences.values() if c.name == reference]
        if not named:
            raise not_found()
        return named[-1]

    def _refresh(self, conference: TelnyxConference, now: dt.datetime) -> None:
        """End a conference whose time is up (done lazily, when it is next looked at)."""
        if conference.status != "completed" and now >= conference.expires_at:
            self._end(conference, "time_exceeded", conference.expires_at)

    def _require_active(self, conference: TelnyxConference, now: dt.datetime) -> None:
        self._refresh(conference, now)
        if conference.status == "completed":
            detail = "This conference is no longer active and can't receive commands."
            raise refuse(422, error("90019", detail))

    def _require_live(self, call_control_id: str, pointer: str) -> None:
        mark = self._state.call_states.get(call_control_id)
        if mark == "unknown":
            detail = "The call_control_id provided was not valid."
            raise refuse(422, error("90015", detail, pointer=pointer))
        if mark == "ended":
            detail = "This call is no longer active and can't receive commands."
            raise refuse(422, error("90018", detail))
        call = self._state.calls.get(call_control_id)
        if call is not None and call.state == "ringing":
            detail = "This call can't receive this command because it has not been answered yet."
            raise refuse(422, error("90034", detail))

    def _joined(
        self, conference: TelnyxConference, call_control_id: str, pointer: str
    ) -> TelnyxParticipant:
        self._require_live(call_control_id, pointer)
        participant = conference.participants.get(call_control_id)
        if participant is None or participant.status != "joined":
            detail = "The call_control_id is not a participant of this conference."
            raise refuse(422, error("90015", detail, pointer=pointer))
        return participant

    def _targets(
        self, conference: TelnyxConference, call_control_ids: list[str]
    ) -> list[TelnyxParticipant]:
        """Return the participants named, each joined; none named means everyone."""
        if not call_control_ids:
            return conference.joined()
        return [
            self._joined(conference, ccid, f"/call_control_ids/{index}")
            for index, ccid in enumerate(call_control_ids)
        ]

    def _end(
        self,
        conference: TelnyxConference,
        reason: str,
        when: dt.datetime,
        ended_by: tuple[str, str] | None = None,
    ) -> None:
        for playing in list(conference.playing.values()):
            self._stop(conference, playing, when)
        still_in = conference.joined()
        conference.status = "completed"
        conference.end_reason = reason
        conference.ended_by = ended_by
        conference.updated_at = when
        for participant in still_in:
            participant.status = "left"
            participant.updated_at = when
        if self._state.active_names.get(conference.name) == conference.id:
            del self._state.active_names[conference.name]
        ended = {**self._conference_payload(conference), "reason": reason}
        self._emit("conference.ended", ended, when)
        for participant in still_in:
            left = self._participant_payload(conference, participant)
            self._emit("conference.participant.left", left, when)
        if conference.recording is not None:
            self._save_recording(conference, when, conference.client_state)

    def _leave(
        self, conference: TelnyxConference, participant: TelnyxParticipant, now: dt.datetime
    ) -> None:
        for playing in list(conference.playing.values()):
            if playing.target == participant.call_control_id:
                self._stop(conference, playing, now)
        participant.status = "left"
        participant.updated_at = now
        conference.updated_at = now
        left = self._participant_payload(conference, participant)
        self._emit("conference.participant.left", left, now)
        if participant.end_conference_on_exit or participant.soft_end_conference_on_exit:
            ended_by = (participant.call_control_id, participant.call_session_id)
            self._end(conference, "host_left", now, ended_by)
        elif not conference.joined():
            self._end(conference, "all_left", now)

    def _add_participant(
        self,
        conference: TelnyxConference,
        call_control_id: str,
        now: dt.datetime,
        client_state: str | None,
    ) -> TelnyxParticipant:
        call_leg_id, call_session_id = self._leg_ids(call_control_id)
        if client_state is not None:
            self._state.client_states[call_control_id] = client_state
        participant = TelnyxParticipant(
            id=str(uuid.uuid4()),
            call_control_id=call_control_id,
            call_leg_id=call_leg_id,
            call_session_id=call_session_id,
            created_at=now,
            updated_at=now,
            client_state=self._state.client_states.get(call_control_id),
            on_hold=conference.status == "init",
        )
        conference.participants[call_control_id] = participant
        conference.updated_at = now
        self._counters.bump("telnyx_participants_joined")
        return participant

    def _leg_ids(self, call_control_id: str) -> tuple[str, str]:
        """Return the leg's (call_leg_id, call_session_id), made up on first sight."""
        return self._state.call_sessions.setdefault(
            call_control_id, (str(uuid.uuid4()), str(uuid.uuid4()))
        )

    def _connection_of(self, call_control_id: str) -> str:
        call = self._state.calls.get(call_control_id)
        return call.connection_id if call is not None else self._settings.telnyx_connection_id

    def _open(
        self,
        name: str,
        creator: str,
        now: dt.datetime,
        *,
        client_state: str | None,
        duration: int | None = None,
        max_participants: int | None = None,
        start: bool | None = None,
        region: str | None = None,
    ) -> TelnyxConference:
        """Create a conference with `creator` as its first participant; send its events."""
        lifetime = dt.timedelta(minutes=duration) if duration is not None else DEFAULT_LIFETIME
        conference = TelnyxConference(
            id=str(uuid.uuid4()),
            name=name,
            created_at=now,
            updated_at=now,
            expires_at=now + lifetime,
            status="init" if start is False else "in_progress",
            max_participants=max_participants or DEFAULT_MAX_PARTICIPANTS,
            creator=creator,
            client_state=client_state,
            region=region,
            connection_id=self._connection_of(creator),
        )
        self._state.conferences[conference.id] = conference
        self._state.active_names[name] = conference.id
        participant = self._add_participant(conference, creator, now, client_state)
        self._counters.bump("telnyx_conferences_created")
        self._emit("conference.created", self._conference_payload(conference), now)
        joined = self._participant_payload(conference, participant)
        self._emit("conference.participant.joined", joined, now)
        return conference

    def _join(
        self,
        conference: TelnyxConference,
        call_control_id: str,
        now: dt.datetime,
        *,
        client_state: str | None,
        mute: bool | None = None,
        hold: bool | None = None,
        end_on_exit: bool | None = None,
        soft_end_on_exit: bool | None = None,
        start_on_enter: bool | None = None,
        role: str | None = None,
        whisper: list[str] | None = None,
    ) -> TelnyxParticipant:
        """Add a leg to an active conference with room for it; send the joined event."""
        joined = conference.joined()
        if start_on_enter and conference.status == "init":
            conference.status = "in_progress"
            for participant in joined:
                participant.on_hold = False
                participant.updated_at = now
        participant = self._add_participant(conference, call_control_id, now, client_state)
        participant.muted = bool(mute)
        participant.on_hold = bool(hold) or conference.status == "init"
        participant.end_conference_on_exit = bool(end_on_exit)
        participant.soft_end_conference_on_exit = bool(soft_end_on_exit)
        participant.supervisor_role = role or "none"
        participant.whisper_call_control_ids = whisper or []
        payload = self._participant_payload(conference, participant)
        self._emit("conference.participant.joined", payload, now)
        return participant

    @staticmethod
    def _full(conference: TelnyxConference) -> bool:
        return len(conference.joined()) >= conference.max_participants

    # --- webhooks --------------------------------------------------------------

    def _emit(
        self,
        event_type: str,
        payload: dict[str, Any],
        when: dt.datetime,
        url: str | None = None,
    ) -> None:
        """Queue the webhook of one event: every Telnyx event leaves through here.

        It goes to `url` if given (a dialed leg's own ``webhook_url``), else to
        the emulator's. Conference events carry ``occurred_at`` in their
        payload too, as Telnyx's conference payloads do; call events only in
        the envelope.
        """
        url = url or self._settings.webhook_url
        if url is None:
            return
        occurred_at = timestamp(when)
        if event_type.startswith("conference."):
            payload = {**payload, "occurred_at": occurred_at}
        data = {
            "record_type": "event",
            "id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": occurred_at,
            "payload": payload,
        }
        destination = Destination(url, "POST", self._settings.webhook_timeout)
        self._outbox.send(TelnyxWebhook(data, self._signer), destination)

    def _leg_payload(self, call_control_id: str, client_state: str | None) -> dict[str, Any]:
        call_leg_id, call_session_id = self._leg_ids(call_control_id)
        return {
            "call_control_id": call_control_id,
            "call_leg_id": call_leg_id,
            "call_session_id": call_session_id,
            "client_state": client_state,
            "connection_id": self._connection_of(call_control_id),
        }

    def _conference_payload(self, conference: TelnyxConference) -> dict[str, Any]:
        """The payload of conference-wide events: the creating leg, the create's client_state."""
        return {
            **self._leg_payload(conference.creator, conference.client_state),
            "conference_id": conference.id,
        }

    def _participant_payload(
        self, conference: TelnyxConference, participant: TelnyxParticipant
    ) -> dict[str, Any]:
        return {
            **self._leg_payload(participant.call_control_id, participant.client_state),
            "conference_id": conference.id,
        }

    def _call_payload(self, call: TelnyxCall, state: str) -> dict[str, Any]:
        ccid = call.call_control_id
        return {
            **self._leg_payload(ccid, self._state.client_states.get(ccid)),
            "from": call.from_,
            "to": call.to,
            "start_time": timestamp(call.start_time),
            "state": state,
        }

    def _emit_call(self, call: TelnyxCall, event_type: str, payload: dict[str, Any]) -> None:
        self._emit(event_type, payload, self._clock.now(), call.webhook_url)

    # --- commands with command_id ------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            return await read_object(request)
        except BadJson as exc:
            detail = f"The request body must be a JSON object ({exc})."
            raise refuse(422, error("10015", detail)) from exc
        except BodyTooLarge as exc:
            detail = f"The request body must not be larger than {exc.limit} bytes."
            raise refuse(413, error("10015", detail)) from exc

    async def _command(
        self,
        request: web.Request,
        kind: str,
        target: str,
        run: Callable[[dict[str, Any]], web.Response],
    ) -> web.Response:
        """Run a command once per ``command_id``; a repeat gets the first answer again.

        A repeat is the same API key, kind (create, join, ...), target and
        ``command_id`` within the command_id time to live.
        """
        body = await self._body(request)
        command_id = body.get("command_id")
        key: CommandKey | None = None
        if isinstance(command_id, str):
            key = (bearer(request) or "", kind, target, command_id)
            first = self._state.commands.recall(key, time.monotonic())
            if first is not None:
                self._counters.bump("duplicates_avoided")
                status, payload = first
                return web.Response(status=status, body=payload, content_type="application/json")
        response = run(body)
        body_bytes = response.body
        if key is not None and response.status < 300 and isinstance(body_bytes, bytes):  # noqa: PLR2004
            self._state.commands.remember(key, (response.status, body_bytes), time.monotonic())
        return response

    # --- conferences -----------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        return await self._command(request, "create", "", self._do_create)

    def _do_create(self, body: dict[str, Any]) -> web.Response:
        fields = TelnyxBody(body)
        call_control_id = fields.call_control_id("call_control_id")
        name = fields.required_string("name")
        fields.choice("beep_enabled", BEEP)
        client_state = fields.base64("client_state")
        fields.boolean("comfort_noise")
        fields.string("command_id")
        duration = fields.integer("duration_minutes", 1, None)
        fields.url("hold_audio_url")
        fields.string("hold_media_name")
        fields.exclusive("hold_audio_url", "hold_media_name")
        max_participants = fields.integer("max_participants", 2, 800)
        start = fields.boolean("start_conference_on_create")
        region = fields.choice("region", REGIONS)
        fields.done()

        now = self._clock.now()
        self._require_live(call_control_id, "/call_control_id")
        existing_id = self._state.active_names.get(name)
        if existing_id is not None:
            self._refresh(self._state.conferences[existing_id], now)
            if name in self._state.active_names:
                detail = "Conference with given name already exists and it's active."
                raise refuse(422, error("90033", detail))
        conference = self._open(
            name,
            call_control_id,
            now,
            client_state=client_state,
            duration=duration,
            max_participants=max_participants,
            start=start,
            region=region,
        )
        return json_answer(200, {"data": self._conference_data(conference)})

    async def _list(self, request: web.Request) -> web.Response:
        query = TelnyxQuery(request.query)
        status = query.choice("filter[status]", STATUSES)
        query.choice("region", REGIONS)
        number, size = query.page()
        query.done()
        name = request.query.get("filter[name]")
        now = self._clock.now()
        found = []
        for conference in self._state.conferences.values():
            if name is not None and conference.name != name:
                continue
            self._refresh(conference, now)
            if status is None or conference.status == status:
                found.append(conference)
        return page(found, number, size, self._conference_data)

    async def _retrieve(self, request: web.Request) -> web.Response:
        conference = self._conference(request.match_info["conference_id"])
        query = TelnyxQuery(request.query)
        query.choice("region", REGIONS)
        query.done()
        self._refresh(conference, self._clock.now())
        return json_answer(200, {"data": self._conference_data(conference)})

    async def _participants(self, request: web.Request) -> web.Response:
        conference = self._conference(request.match_info["conference_id"])
        query = TelnyxQuery(request.query)
        muted = query.boolean("filter[muted]")
        on_hold = query.boolean("filter[on_hold]")
        whispering = query.boolean("filter[whispering]")
        query.choice("region", REGIONS)
        number, size = query.page()
        query.done()
        self._refresh(conference, self._clock.now())
        found = [
            p
            for p in conference.participants.values()
            if (muted is None or p.muted == muted)
            and (on_hold is None or p.on_hold == on_hold)
            and (whispering is None or (p.supervisor_role == "whisper") == whispering)
        ]
        return page(found, number, size, lambda p: self._participant_data(conference, p))

    def _find_participant(self, request: web.Request) -> tuple[TelnyxConference, TelnyxParticipant]:
        conference = self._conference(request.match_info["conference_id"])
        wanted = request.match_info["participant_id"]
        for participant in conference.participants.values():
            if wanted in {participant.id, participant.call_control_id, participant.label}:
                return conference, participant
        raise not_found()

    async def _participant(self, request: web.Request) -> web.Response:
        conference, participant = self._find_participant(request)
        self._refresh(conference, self._clock.now())
        return json_answer(200, {"data": self._participant_data(conference, participant)})

    async def _update_participant(self, request: web.Request) -> web.Response:
        conference, participant = self._find_participant(request)
        fields = TelnyxBody(await self._body(request))
        fields.choice("beep_enabled", BEEP)
        end_on_exit = fields.boolean("end_conference_on_exit")
        soft_end_on_exit = fields.boolean("soft_end_conference_on_exit")
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        if end_on_exit is not None:
            participant.end_conference_on_exit = end_on_exit
        if soft_end_on_exit is not None:
            participant.soft_end_conference_on_exit = soft_end_on_exit
        participant.updated_at = now
        return json_answer(200, {"data": self._participant_data(conference, participant)})

    # --- conference actions ------------------------------------------------------

    def _actions(self) -> Mapping[str, Callable[[TelnyxConference, TelnyxBody], None]]:
        return {
            "join": self._do_join,
            "leave": self._do_leave,
            "end": self._do_end,
            "mute": lambda c, f: self._do_flag(c, f, "mute"),
            "unmute": lambda c, f: self._do_flag(c, f, "unmute"),
            "hold": lambda c, f: self._do_flag(c, f, "hold"),
            "unhold": lambda c, f: self._do_flag(c, f, "unhold"),
            "update": self._do_update,
            "play": self._do_play,
            "stop": self._do_stop,
            "speak": self._do_speak,
            "record_start": self._do_record_start,
            "record_stop": self._do_record_stop,
            "record_pause": lambda c, f: self._do_record_pause(c, f, paused=True),
            "record_resume": lambda c, f: self._do_record_pause(c, f, paused=False),
            "send_dtmf": self._do_send_dtmf,
            "gather_using_audio": self._do_gather,
        }

    async def _action(self, request: web.Request) -> web.Response:
        reference = request.match_info["conference_id"]
        run = self._actions().get(request.match_info["action"])
        if run is None:
            raise web.HTTPNotFound

        def execute(body: dict[str, Any]) -> web.Response:
            run(self._conference_by_ref(reference), TelnyxBody(body))
            return ok()

        return await self._command(request, request.match_info["action"], reference, execute)

    def _do_join(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        call_control_id = fields.call_control_id("call_control_id")
        fields.choice("beep_enabled", BEEP)
        client_state = fields.base64("client_state")
        fields.string("command_id")
        end_on_exit = fields.boolean("end_conference_on_exit")
        soft_end_on_exit = fields.boolean("soft_end_conference_on_exit")
        hold = fields.boolean("hold")
        fields.url("hold_audio_url")
        fields.string("hold_media_name")
        fields.exclusive("hold_audio_url", "hold_media_name")
        mute = fields.boolean("mute")
        start_on_enter = fields.boolean("start_conference_on_enter")
        role = fields.choice("supervisor_role", SUPERVISOR_ROLES)
        whisper = fields.call_control_ids("whisper_call_control_ids", required=False)
        fields.choice("region", REGIONS)
        fields.done()

        now = self._clock.now()
        self._require_active(conference, now)
        self._require_live(call_control_id, "/call_control_id")
        existing = conference.participants.get(call_control_id)
        if existing is not None and existing.status == "joined":
            detail = "The call is already a participant of this conference."
            raise refuse(422, error("10015", detail, pointer="/call_control_id"))
        if self._full(conference):
            detail = (
                "The maximum allowed value of `max_participants` has been reached "
                f"at {conference.max_participants}."
            )
            raise refuse(422, error("90032", detail))
        self._join(
            conference,
            call_control_id,
            now,
            client_state=client_state,
            mute=mute,
            hold=hold,
            end_on_exit=end_on_exit,
            soft_end_on_exit=soft_end_on_exit,
            start_on_enter=start_on_enter,
            role=role,
            whisper=whisper,
        )

    def _do_leave(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        call_control_id = fields.call_control_id("call_control_id")
        fields.choice("beep_enabled", BEEP)
        fields.string("command_id")
        fields.choice("region", REGIONS)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        participant = self._joined(conference, call_control_id, "/call_control_id")
        self._leave(conference, participant, now)

    def _do_end(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        fields.string("command_id")
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        self._end(conference, "ended_via_api", now)

    def _do_flag(self, conference: TelnyxConference, fields: TelnyxBody, action: str) -> None:
        """Mute, unmute, hold or unhold the participants named, or everyone."""
        ids = fields.call_control_ids("call_control_ids", required=action == "unhold")
        if action == "hold":
            fields.url("audio_url")
            fields.string("media_name")
            fields.exclusive("audio_url", "media_name")
        fields.choice("region", REGIONS)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        for participant in self._targets(conference, ids):
            if action in {"mute", "unmute"}:
                participant.muted = action == "mute"
            else:
                participant.on_hold = action == "hold"
            participant.updated_at = now
        conference.updated_at = now

    def _do_update(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        call_control_id = fields.call_control_id("call_control_id")
        role = fields.required_choice("supervisor_role", SUPERVISOR_ROLES)
        fields.string("command_id")
        fields.choice("region", REGIONS)
        whisper = fields.call_control_ids("whisper_call_control_ids", required=False)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        participant = self._joined(conference, call_control_id, "/call_control_id")
        participant.supervisor_role = role or "none"
        participant.whisper_call_control_ids = whisper
        participant.updated_at = now
        conference.updated_at = now

    def _do_send_dtmf(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        digits = fields.required_string("digits")
        if digits and _DTMF.fullmatch(digits) is None:
            fields.invalid("digits", "The 'digits' parameter may hold only 0-9, A-D, *, #, w, W.")
        ids = fields.call_control_ids("call_control_ids", required=False)
        fields.base64("client_state")
        fields.integer("duration_millis", 100, 500)
        fields.done()
        self._require_active(conference, self._clock.now())
        self._targets(conference, ids)

    def _do_gather(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        """Validate a gather and its participant; the emulator presses no digits, sends nothing."""
        call_control_id = fields.call_control_id("call_control_id")
        fields.url("audio_url")
        fields.string("media_name")
        fields.exclusive("audio_url", "media_name")
        fields.url("invalid_audio_url")
        fields.string("invalid_media_name")
        fields.exclusive("invalid_audio_url", "invalid_media_name")
        fields.base64("client_state")
        fields.string("gather_id", max_length=100)
        for name in ("initial_timeout_millis", "inter_digit_timeout_millis", "timeout_millis"):
            fields.integer(name, 1, None)
        for name in ("maximum_digits", "minimum_digits", "maximum_tries"):
            fields.integer(name, 1, None)
        fields.boolean("stop_playback_on_dtmf")
        fields.string("terminating_digit")
        fields.string("valid_digits")
        fields.done()
        self._require_active(conference, self._clock.now())
        self._joined(conference, call_control_id, "/call_control_id")

    # --- media -------------------------------------------------------------------

    def _do_play(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        audio_url = fields.url("audio_url")
        media_name = fields.string("media_name")
        fields.exclusive("audio_url", "media_name")
        if not fields.given("audio_url") and not fields.given("media_name"):
            fields.missing("audio_url")
        loops = self._loops(fields)
        ids = fields.call_control_ids("call_control_ids", required=False)
        fields.choice("region", REGIONS)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        targets = self._targets(conference, ids) if ids else None
        media = {"media_url": audio_url} if audio_url is not None else {"media_name": media_name}
        seconds = None if loops is None else self._settings.media_duration * loops
        self._start(conference, "playback", targets, media=media, seconds=seconds, now=now)

    @staticmethod
    def _loops(fields: TelnyxBody) -> int | None:
        """Return play's loop count (1 by default); None for ``infinity``."""
        value = fields.raw("loop")
        if value is None:
            return 1
        if value == "infinity":
            return None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            detail = "The 'loop' parameter must be an integer 1..100 or 'infinity'."
            fields.invalid("loop", detail)
            return 1
        if not 1 <= value <= 100:  # noqa: PLR2004 - the documented range
            fields.invalid("loop", "The value is outside of allowed range 1 to 100", "10033")
            return 1
        return value

    def _do_stop(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        ids = fields.call_control_ids("call_control_ids", required=False)
        fields.choice("region", REGIONS)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        targets = {p.call_control_id for p in self._targets(conference, ids)} if ids else None
        for playing in list(conference.playing.values()):
            if playing.kind == "playback" and (targets is None or playing.target in targets):
                self._stop(conference, playing, now)

    def _do_speak(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        payload = fields.required_string("payload")
        if len(payload) > MAX_SPEAK_PAYLOAD:
            detail = f"The 'payload' parameter must be at most {MAX_SPEAK_PAYLOAD} characters."
            fields.invalid("payload", detail)
        fields.required_string("voice")
        ids = fields.call_control_ids("call_control_ids", required=False)
        fields.string("command_id")
        fields.choice("language", LANGUAGES)
        fields.choice("payload_type", PAYLOAD_TYPES)
        fields.choice("region", REGIONS)
        fields.mapping("voice_settings")
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        targets = self._targets(conference, ids) if ids else None
        seconds = self._settings.media_duration
        self._start(conference, "speak", targets, media={}, seconds=seconds, now=now)

    def _start(
        self,
        conference: TelnyxConference,
        kind: str,
        targets: list[TelnyxParticipant] | None,
        *,
        media: dict[str, Any],
        seconds: float | None,
        now: dt.datetime,
    ) -> None:
        """Start `kind` for each target (None: the whole conference), ending what played there."""
        for target in [None] if targets is None else [p.call_control_id for p in targets]:
            before = conference.playing.get((kind, target))
            if before is not None:
                self._stop(conference, before, now)
            playing = Playing(kind, target, dict(media))
            conference.playing[kind, target] = playing
            self._emit(
                self._media_event(playing, "started"), self._media_payload(conference, playing), now
            )
            if seconds is not None:
                playing.timer = self._timers.later(seconds, self._finisher(conference, playing))

    def _finisher(self, conference: TelnyxConference, playing: Playing) -> Callable[[], None]:
        """Return what ends `playing` when its time is up, if nothing ended it before."""

        def finish() -> None:
            if conference.playing.get((playing.kind, playing.target)) is playing:
                playing.timer = None
                self._stop(conference, playing, self._clock.now())

        return finish

    def _stop(self, conference: TelnyxConference, playing: Playing, now: dt.datetime) -> None:
        self._timers.cancel(playing.timer)
        playing.timer = None
        conference.playing.pop((playing.kind, playing.target), None)
        self._emit(
            self._media_event(playing, "ended"), self._media_payload(conference, playing), now
        )

    @staticmethod
    def _media_event(playing: Playing, phase: str) -> str:
        scope = "conference" if playing.target is None else "conference.participant"
        return f"{scope}.{playing.kind}.{phase}"

    def _media_payload(self, conference: TelnyxConference, playing: Playing) -> dict[str, Any]:
        creator_session = self._leg_ids(conference.creator)[1]
        if playing.target is None:
            base: dict[str, Any] = {
                "conference_id": conference.id,
                "connection_id": conference.connection_id or self._settings.telnyx_connection_id,
            }
        else:
            participant = conference.participants[playing.target]
            base = self._participant_payload(conference, participant)
        return {**base, "creator_call_session_id": creator_session, **playing.fields}

    # --- recording ---------------------------------------------------------------

    def _do_record_start(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        file_format = fields.required_choice("format", RECORDING_FORMATS)
        channels = fields.choice("channels", RECORDING_CHANNELS)
        fields.string("command_id")
        fields.string("custom_file_name")
        fields.boolean("play_beep")
        fields.choice("region", REGIONS)
        fields.choice("trim", ("trim-silence",))
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        if conference.recording is not None:
            raise refuse(422, error("90033", "The conference is already being recorded."))
        conference.recording = TelnyxRecording(
            id=str(uuid.uuid4()),
            format=file_format or "wav",
            channels=channels or "single",
            started_at=now,
        )

    def _recording(self, conference: TelnyxConference, fields: TelnyxBody) -> TelnyxRecording:
        """Return the recording under way, checking the ``recording_id`` given, if any."""
        recording_id = fields.string("recording_id")
        fields.string("command_id")
        fields.choice("region", REGIONS)
        fields.done()
        self._require_active(conference, self._clock.now())
        recording = conference.recording
        if recording is None:
            raise refuse(422, error("90033", "The conference is not being recorded."))
        if recording_id is not None and recording_id != recording.id:
            detail = "The recording_id names no recording under way in this conference."
            raise refuse(422, error("10005", detail, pointer="/recording_id"))
        return recording

    def _do_record_pause(
        self, conference: TelnyxConference, fields: TelnyxBody, *, paused: bool
    ) -> None:
        self._recording(conference, fields).paused = paused

    def _do_record_stop(self, conference: TelnyxConference, fields: TelnyxBody) -> None:
        client_state = fields.base64("client_state")
        self._recording(conference, fields)
        self._save_recording(conference, self._clock.now(), client_state or conference.client_state)

    def _save_recording(
        self, conference: TelnyxConference, now: dt.datetime, client_state: str | None
    ) -> None:
        recording = conference.recording
        if recording is None:
            return
        conference.recording = None
        seconds = (now - recording.started_at).total_seconds()
        url = self._recordings.save(recording.id, recording.format, seconds, self._settings.origin)
        self._counters.bump("recordings_saved")
        creator_leg = self._leg_payload(conference.creator, client_state)
        payload = {
            "call_control_id": creator_leg["call_control_id"],
            "call_session_id": creator_leg["call_session_id"],
            "channels": recording.channels,
            "client_state": client_state,
            "conference_id": conference.id,
            "connection_id": creator_leg["connection_id"],
            "format": recording.format,
            "recording_id": recording.id,
            "recording_started_at": timestamp(recording.started_at),
            "recording_ended_at": timestamp(now),
            "recording_urls": {recording.format: url},
            "public_recording_urls": {recording.format: url},
        }
        self._emit("conference.recording.saved", payload, now)

    # --- calls -------------------------------------------------------------------

    async def _dial(self, request: web.Request) -> web.Response:
        return await self._command(request, "dial", "", self._do_dial)

    def _do_dial(self, body: dict[str, Any]) -> web.Response:
        fields = TelnyxBody(body)
        connection_id = fields.required_string("connection_id")
        to = self._dial_to(fields, body.get("to"))
        from_ = fields.phone("from")
        timeout_secs = fields.integer("timeout_secs", 5, 600)
        fields.integer("time_limit_secs", 1, 14400)
        client_state = fields.base64("client_state")
        fields.string("command_id")
        webhook_url = fields.url("webhook_url")
        fields.choice("webhook_url_method", ("POST", "GET"))
        fields.url("audio_url")
        fields.string("media_name")
        fields.exclusive("audio_url", "media_name")
        config = self._conference_config(fields)
        if connection_id and (
            _CONNECTION_ID.fullmatch(connection_id) is None
            or connection_id in self._settings.unknown_connections
        ):
            detail = (
                "The requested connection_id (Call Control App ID) is either invalid or does "
                "not exist. Only Call Control Apps with valid webhook URL are accepted."
            )
            fields.errors.append(
                error("10015", detail, pointer="/connection_id", title=_INVALID_CONNECTION)
            )
        fields.done()
        if config is not None:
            self._check_dial_conference(config)

        now = self._clock.now()
        call = TelnyxCall(
            call_control_id=_new_call_control_id(),
            call_leg_id=str(uuid.uuid4()),
            call_session_id=str(uuid.uuid4()),
            connection_id=connection_id,
            from_=from_,
            to=to,
            start_time=now,
            client_state=client_state,
            conference=config,
            webhook_url=webhook_url,
        )
        ccid = call.call_control_id
        self._state.calls[ccid] = call
        self._state.call_sessions[ccid] = (call.call_leg_id, call.call_session_id)
        if client_state is not None:
            self._state.client_states[ccid] = client_state
        self._counters.bump("telnyx_calls_dialed")
        initiated = {**self._call_payload(call, "bridging"), "direction": "outgoing"}
        self._emit_call(call, "call.initiated", initiated)
        self._ring(call, timeout_secs or DEFAULT_TIMEOUT_SECS)
        data: dict[str, Any] = {
            "record_type": "call",
            "call_control_id": ccid,
            "call_leg_id": call.call_leg_id,
            "call_session_id": call.call_session_id,
            "is_alive": call.state == "answered",
            "start_time": timestamp(call.start_time),
        }
        if client_state is not None:
            data["client_state"] = client_state
        return json_answer(200, {"data": data})

    @staticmethod
    def _dial_to(fields: TelnyxBody, value: object) -> str:
        """Check ``to`` (a number or SIP URI, or a list of them); return the one that rings.

        Of a list, the first destination rings (the emulator rings one phone).
        """
        detail = "The 'to' parameter must be in E164 format."
        if isinstance(value, list):
            if not value:
                fields.missing("to")
                return ""
            rung = ""
            for index, item in enumerate(value):
                number = _destination(item)
                if number is None:
                    fields.errors.append(error("10016", detail, pointer=f"/to/{index}"))
                elif not rung:
                    rung = number
            return rung
        if value is None or (isinstance(value, str) and not value.strip()):
            fields.missing("to")
            return ""
        number = _destination(value)
        if number is None:
            fields.invalid("to", detail, "10016")
            return ""
        return number

    @staticmethod
    def _conference_config(fields: TelnyxBody) -> dict[str, Any] | None:
        config = fields.nested("conference_config")
        if config is None:
            return None
        found = {
            "id": config.string("id"),
            "conference_name": config.string("conference_name"),
            "end_conference_on_exit": config.boolean("end_conference_on_exit"),
            "soft_end_conference_on_exit": config.boolean("soft_end_conference_on_exit"),
            "hold": config.boolean("hold"),
            "mute": config.boolean("mute"),
            "start_conference_on_create": config.boolean("start_conference_on_create"),
            "start_conference_on_enter": config.boolean("start_conference_on_enter"),
            "supervisor_role": config.choice("supervisor_role", SUPERVISOR_ROLES),
            "whisper_call_control_ids": config.call_control_ids(
                "whisper_call_control_ids", required=False
            ),
        }
        config.exclusive("id", "conference_name")
        config.choice("beep_enabled", BEEP)
        config.boolean("early_media")
        config.url("hold_audio_url")
        config.string("hold_media_name")
        config.exclusive("hold_audio_url", "hold_media_name")
        if not config.given("id") and not config.given("conference_name"):
            detail = "The 'conference_config' parameter needs an 'id' or a 'conference_name'."
            config.invalid("id", detail, "10004")
        return found

    def _check_dial_conference(self, config: dict[str, Any]) -> None:
        conference_id = config["id"]
        if conference_id is None:
            return
        conference = self._state.conferences.get(conference_id)
        if conference is None:
            detail = "The conference_config id names no conference."
            raise refuse(422, error("10005", detail, pointer="/conference_config/id"))
        self._require_active(conference, self._clock.now())

    def _ring(self, call: TelnyxCall, timeout_secs: int) -> None:
        """Schedule what the callee does: answer, or let it ring out, or refuse."""
        outcome = self._settings.outcome(call.to)
        delay = (
            self._settings.no_answer_seconds(timeout_secs)
            if outcome == "no_answer"
            else self._settings.answer_delay
        )

        def run() -> None:
            if outcome == "answer":
                self._answered(call)
            elif call.state == "ringing":
                self._hang_up(call.call_control_id, *_NOT_ANSWERED[outcome])

        if delay <= 0:
            run()
        else:
            call.timer = self._timers.later(delay, run)

    def _answered(self, call: TelnyxCall) -> None:
        if call.state != "ringing":
            return
        call.timer = None
        call.state = "answered"
        call.answered_at = self._clock.now()
        self._emit_call(call, "call.answered", self._call_payload(call, "answered"))
        if call.conference is not None:
            self._join_dialed(call, call.conference)

    def _join_dialed(self, call: TelnyxCall, config: dict[str, Any]) -> None:
        """Put an answered leg in its ``conference_config`` conference, or open one by name."""
        now = self._clock.now()
        name: str | None = config["conference_name"]
        conference_id = config["id"] or self._state.active_names.get(name or "")
        if conference_id is None:
            if name is not None:
                self._open(
                    name,
                    call.call_control_id,
                    now,
                    client_state=call.client_state,
                    start=config["start_conference_on_create"],
                )
            return
        conference = self._state.conferences[conference_id]
        self._refresh(conference, now)
        if conference.status == "completed" or self._full(conference):
            return
        self._join(
            conference,
            call.call_control_id,
            now,
            client_state=call.client_state,
            mute=config["mute"],
            hold=config["hold"],
            end_on_exit=config["end_conference_on_exit"],
            soft_end_on_exit=config["soft_end_conference_on_exit"],
            start_on_enter=config["start_conference_on_enter"],
            role=config["supervisor_role"],
            whisper=config["whisper_call_control_ids"],
        )

    async def _call_action(self, request: web.Request) -> web.Response:
        call_control_id = request.match_info["call_control_id"]
        if request.match_info["action"] != "hangup":
            raise web.HTTPNotFound
        return await self._command(
            request, "hangup", call_control_id, lambda body: self._do_hangup(call_control_id, body)
        )

    def _do_hangup(self, call_control_id: str, body: dict[str, Any]) -> web.Response:
        fields = TelnyxBody(body)
        client_state = fields.base64("client_state")
        fields.string("command_id")
        headers = body.get("custom_headers")
        if headers is not None and not (
            isinstance(headers, list) and all(isinstance(item, dict) for item in headers)
        ):
            fields.invalid("custom_headers", "The 'custom_headers' parameter must be a list.")
        reason = fields.string("reason")
        if reason is not None and _UNSAFE_REASON.search(reason):
            detail = "The 'reason' parameter must not hold quotes, backticks or control characters."
            fields.invalid("reason", detail)
        fields.done()
        if CALL_CONTROL_ID.fullmatch(call_control_id) is None:
            detail = "The call_control_id provided was not valid."
            raise refuse(422, error("90015", detail, parameter="call_control_id"))
        mark = self._state.call_states.get(call_control_id)
        if mark == "unknown":
            detail = "The call_control_id provided was not valid."
            raise refuse(422, error("90015", detail, parameter="call_control_id"))
        if mark == "ended":
            detail = "This call is no longer active and can't receive commands."
            raise refuse(422, error("90018", detail))
        if client_state is not None:
            self._state.client_states[call_control_id] = client_state
        call = self._state.calls.get(call_control_id)
        if call is not None and call.state == "ringing":
            self._hang_up(call_control_id, "originator_cancel", "caller", "487")
        else:
            self._hang_up(call_control_id, "normal_clearing", "caller", "unspecified")
        return ok()

    def _hang_up(self, call_control_id: str, cause: str, source: str, sip: str) -> None:
        """End a leg (ringing or not): ``call.hangup``, then it leaves its conferences."""
        now = self._clock.now()
        call = self._state.calls.get(call_control_id)
        already = self._state.call_states.get(call_control_id) == "ended"
        if call is not None and call.state != "ended":
            self._timers.cancel(call.timer)
            call.timer = None
            call.state = "ended"
            call.ended_at = now
            call.hangup_cause = cause
        if not already:
            payload = {
                **self._leg_payload(
                    call_control_id, self._state.client_states.get(call_control_id)
                ),
                "hangup_cause": cause,
                "hangup_source": source,
                "sip_hangup_cause": sip,
                "state": "hangup",
            }
            if call is not None:
                payload |= {
                    "from": call.from_,
                    "to": call.to,
                    "start_time": timestamp(call.start_time),
                }
            self._emit("call.hangup", payload, now, call.webhook_url if call is not None else None)
        self._state.call_states[call_control_id] = "ended"
        for conference in self._state.conferences.values():
            participant = conference.participants.get(call_control_id)
            if participant is not None and participant.status == "joined":
                self._refresh(conference, now)
                if conference.status != "completed":
                    self._leave(conference, participant, now)
