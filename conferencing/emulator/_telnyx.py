"""Telnyx v2 Call Control conferences, as the emulator reads Telnyx's documents.

Every refusal is ``{"errors": [{code, title, detail, source?, meta}]}``, one
error per problem, ``code`` a string of digits. The documented codes are used
where the documents give them (10004, 10009, 10032, 10033, 90015, 90018,
90019, 90032, 90033). Where they are silent, these are the emulator's choices:

- 422 10015 "Bad Request": a body that is not a JSON object, or that nests
  arrays and objects deeper than 100 levels (the documented bodies are at
  most three deep; the documents set no cap, so it is answered as any other
  unreadable body); a field of the wrong JSON type (a string for
  ``max_participants``, ``1.5`` or ``true`` for an integer, ``"true"`` for a
  boolean, ...); ``client_state`` that is not Base64; ``hold_audio_url`` with
  ``hold_media_name`` (and ``audio_url`` with ``media_name``); a call leg
  joining a conference it is already in.
- 413 10015 "Bad Request": a body over 1 MiB (1048576 bytes), the emulator's
  cap. The documents list only 401 and 422, but a size cap is HTTP's concern,
  checked before any field is read, and 413 is HTTP's status for it.
- 422 10003 "Invalid URL": a URL that is not absolute http(s).
- 422 10033: ``duration_minutes`` below 1; ``page[number]`` below 1,
  ``page[size]`` outside 1..250 (with ``source.parameter``, not ``pointer``).
- 422 10032 with ``source.parameter``: a bad ``filter[status]``, ``region``
  or ``filter[muted]``-style boolean in a query.
- 422 90015: a call control id that is malformed (not ``v2:`` or ``v3:``
  followed by a token), marked unknown, or not a participant of the
  conference the command names (leave, mute, hold, ...).
- 422 90018: a call control id marked ended (hung up).
- 404 10005 "Resource not found": an unknown conference, participant or
  route; a method the API does not have on a path counts as an unknown route.
- 429 10011 "Too many requests" with ``Retry-After`` in whole seconds when
  the optional Telnyx rate limit is on (the header is our choice).
- Injected faults: 500 10007 "Unexpected error"; 503 10007 with a detail
  saying the service is unavailable; 429 10011 with ``Retry-After``.
- JSON null in a field reads as absent.
- hold and unhold require a non-empty ``call_control_ids``; mute and unmute
  without one (or with an empty list) apply to every participant.
- A call leg may sit in several conferences at once (the documents do not
  say it cannot).
- ``command_id`` is remembered for create, join, leave and end, only once the
  command succeeded, and per API key, per kind of command and per target
  (the conference id or name in the path; none for create): a join reusing
  a create's id is a join, and one id sent to two conferences acts on both.
  The documents give no window; the emulator keeps each for
  ``Emulator(command_id_ttl=...)`` seconds, 600 by default.
- Lists come in creation order.

Webhooks (sent when ``Emulator(webhook_url=...)`` is set; see `_webhooks`
for delivery): every state change queues the events it implies, through
`TelnyxApi._emit`:

- create: ``conference.created``, then ``conference.participant.joined`` for
  the creating leg; join: ``conference.participant.joined``;
- leave, or a joined leg hung up (``Emulator.hang_up_telnyx_call``, which
  first sends ``call.hangup`` for the leg): ``conference.participant.left``;
- the conference ending: ``conference.ended`` with ``reason`` (``all_left``
  when the last participant left, ``host_left`` when a participant with
  ``end_conference_on_exit`` or ``soft_end_conference_on_exit`` left,
  ``time_exceeded`` when its ``duration_minutes`` ran out, noticed the next
  time the conference is looked at, and ``ended_via_api`` for the end
  command), then ``conference.participant.left`` for each leg still in it.

Conference-wide events (created, ended) carry the ids of the creating leg and
the ``client_state`` given on create; a participant's events carry its leg's
ids and the ``client_state`` given on its create or join (else the leg's
last one). ``connection_id`` is the emulator's one made-up Call Control App.
``call.hangup`` says ``hangup_cause`` ``normal_clearing``, ``hangup_source``
``unknown`` (the emulator cannot tell who hung up).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiohttp import web

from conferencing.emulator._faults import FaultKind, Faults
from conferencing.emulator._http import (
    BadJson,
    BodyTooLarge,
    Handler,
    Refusal,
    is_http_url,
    json_answer,
    read_object,
)
from conferencing.emulator._limits import Window
from conferencing.emulator._state import (
    Clock,
    CommandKey,
    CommandMemory,
    Counters,
    Settings,
    TelnyxConference,
    TelnyxParticipant,
    TelnyxState,
)
from conferencing.emulator._webhooks import Destination, Outbox, TelnyxSigner, TelnyxWebhook

_T = TypeVar("_T")

BEEP = ("always", "never", "on_enter", "on_exit")
REGIONS = ("Australia", "Europe", "Middle East", "US")
SUPERVISOR_ROLES = ("barge", "monitor", "none", "whisper")
STATUSES = ("init", "in_progress", "completed")
DEFAULT_LIFETIME = dt.timedelta(hours=4)
DEFAULT_MAX_PARTICIPANTS = 250

_CALL_CONTROL_ID = re.compile(r"v[23]:[A-Za-z0-9_\-+/=.]+")

_TITLES = {
    "10003": "Invalid URL",
    "10004": "Missing required parameter",
    "10005": "Resource not found",
    "10007": "Unexpected error",
    "10009": "Authentication failed",
    "10011": "Too many requests",
    "10015": "Bad Request",
    "10032": "Invalid enumerated value",
    "10033": "Value outside of range",
    "90015": "Invalid Call Control ID",
    "90018": "Call has already ended",
    "90019": "Conference has already ended",
    "90032": "Maximum number of participants reached",
    "90033": "Unable to execute command",
}


def _error(
    code: str, detail: str, *, pointer: str | None = None, parameter: str | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "title": _TITLES[code], "detail": detail}
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    error["meta"] = {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"}
    return error


def _answer(
    status: int, errors: Sequence[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> web.Response:
    return json_answer(status, {"errors": list(errors)}, headers)


def _refuse(status: int, *errors: dict[str, Any]) -> Refusal:
    return Refusal(_answer(status, errors))


def _timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _ok() -> web.Response:
    return json_answer(200, {"data": {"result": "ok"}})


def _bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class _Body:
    """Reads a JSON body field by field, keeping one error per problem."""

    __slots__ = ("_data", "errors")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data
        self.errors: list[dict[str, Any]] = []

    def _wrong_type(self, pointer: str, name: str, kind: str) -> None:
        detail = f"The '{name}' parameter must be {kind}."
        self.errors.append(_error("10015", detail, pointer=pointer))

    def _missing(self, name: str) -> None:
        detail = f"The '{name}' parameter is required and cannot be blank."
        self.errors.append(_error("10004", detail, pointer=f"/{name}"))

    def required_string(self, name: str) -> str:
        """Return a required non-blank string ("" once the error is recorded)."""
        value = self._data.get(name)
        if isinstance(value, str) and value.strip():
            return value
        if value is None or isinstance(value, str):
            self._missing(name)
        else:
            self._wrong_type(f"/{name}", name, "a string")
        return ""

    def string(self, name: str) -> str | None:
        """Return an optional string."""
        value = self._data.get(name)
        if value is None or isinstance(value, str):
            return value
        self._wrong_type(f"/{name}", name, "a string")
        return None

    def boolean(self, name: str) -> bool | None:
        """Return an optional JSON boolean (no strings: Telnyx's schema says boolean)."""
        value = self._data.get(name)
        if value is None or isinstance(value, bool):
            return value
        self._wrong_type(f"/{name}", name, "a boolean")
        return None

    def integer(self, name: str, low: int, high: int | None) -> int | None:
        """Return an optional integer within low..high."""
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(f"/{name}", name, "an integer")
            return None
        if value < low or (high is not None and value > high):
            detail = (
                f"The value is outside of allowed range {low} to {high}"
                if high is not None
                else f"The value must be at least {low}"
            )
            self.errors.append(_error("10033", detail, pointer=f"/{name}"))
            return None
        return value

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        """Return an optional value from an enumeration."""
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, str) and value in choices:
            return value
        detail = f"The value must be one of: {', '.join(choices)}."
        self.errors.append(_error("10032", detail, pointer=f"/{name}"))
        return None

    def base64(self, name: str) -> str | None:
        """Return an optional Base64 string."""
        value = self.string(name)
        if value is None:
            return None
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            detail = f"The '{name}' parameter must be a valid Base-64 encoded string."
            self.errors.append(_error("10015", detail, pointer=f"/{name}"))
            return None
        return value

    def url(self, name: str) -> str | None:
        """Return an optional absolute http(s) URL."""
        value = self.string(name)
        if value is None or is_http_url(value):
            return value
        detail = f"The '{name}' parameter must be an absolute http or https URL."
        self.errors.append(_error("10003", detail, pointer=f"/{name}"))
        return None

    def _check_call_control_id(self, value: object, pointer: str, name: str) -> str | None:
        if not isinstance(value, str):
            self._wrong_type(pointer, name, "a string")
            return None
        if _CALL_CONTROL_ID.fullmatch(value) is None:
            detail = "The call_control_id provided was not valid."
            self.errors.append(_error("90015", detail, pointer=pointer))
            return None
        return value

    def call_control_id(self, name: str) -> str:
        """Return a required, well-formed call control id ("" once the error is recorded)."""
        value = self._data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self._missing(name)
            return ""
        return self._check_call_control_id(value, f"/{name}", name) or ""

    def call_control_ids(self, name: str, *, required: bool) -> list[str]:
        """Return a list of well-formed call control ids (empty when absent)."""
        value = self._data.get(name)
        if value is None or value == []:
            if required:
                self._missing(name)
            return []
        if not isinstance(value, list):
            self._wrong_type(f"/{name}", name, "a list of strings")
            return []
        checked = [
            self._check_call_control_id(item, f"/{name}/{index}", name)
            for index, item in enumerate(value)
        ]
        return [item for item in checked if item is not None]

    def exclusive(self, first: str, second: str) -> None:
        """Record an error when both fields are given."""
        if self._data.get(first) is not None and self._data.get(second) is not None:
            detail = f"'{first}' and '{second}' cannot be used together in one request."
            self.errors.append(_error("10015", detail, pointer=f"/{second}"))

    def done(self) -> None:
        """Refuse the request if any field was wrong."""
        if self.errors:
            raise _refuse(422, *self.errors)


class _Query:
    """Reads query parameters, keeping one error per problem."""

    __slots__ = ("_query", "errors")

    def __init__(self, query: Mapping[str, str]) -> None:
        self._query = query
        self.errors: list[dict[str, Any]] = []

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        """Return an optional value from an enumeration."""
        value = self._query.get(name)
        if value is None or value in choices:
            return value
        detail = f"The value must be one of: {', '.join(choices)}."
        self.errors.append(_error("10032", detail, parameter=name))
        return None

    def boolean(self, name: str) -> bool | None:
        """Return an optional ``true`` / ``false``."""
        value = self.choice(name, ("true", "false"))
        return None if value is None else value == "true"

    def integer(self, name: str, default: int, low: int, high: int | None) -> int:
        """Return an integer within low..high, `default` when absent or wrong."""
        raw = self._query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            detail = f"The '{name}' parameter must be an integer."
            self.errors.append(_error("10015", detail, parameter=name))
            return default
        if value < low or (high is not None and value > high):
            detail = (
                f"The value is outside of allowed range {low} to {high}"
                if high is not None
                else f"The value must be at least {low}"
            )
            self.errors.append(_error("10033", detail, parameter=name))
            return default
        return value

    def page(self) -> tuple[int, int]:
        """Return ``page[number]`` and ``page[size]``."""
        return (
            self.integer("page[number]", 1, 1, None),
            self.integer("page[size]", 20, 1, 250),
        )

    def done(self) -> None:
        """Refuse the request if any parameter was wrong."""
        if self.errors:
            raise _refuse(422, *self.errors)


def _page(
    items: Sequence[_T], number: int, size: int, render: Callable[[_T], dict[str, Any]]
) -> web.Response:
    total = len(items)
    chunk = items[(number - 1) * size : number * size]
    meta = {
        "page_number": number,
        "page_size": size,
        "total_pages": math.ceil(total / size),
        "total_results": total,
    }
    return json_answer(200, {"data": [render(item) for item in chunk], "meta": meta})


class TelnyxApi:
    """The ``/v2`` conference routes: handlers, validation and Telnyx's answers."""

    name = "telnyx"

    def __init__(
        self,
        settings: Settings,
        counters: Counters,
        clock: Clock,
        outbox: Outbox,
        signer: TelnyxSigner,
    ) -> None:
        """Share the emulator's settings, counters, clock and outbox; start with no conferences."""
        self._settings = settings
        self._counters = counters
        self._clock = clock
        self._outbox = outbox
        self._signer = signer
        self._state = self._new_state()
        self._windows: dict[str, Window] = {}

    def reset(self) -> None:
        """Forget every conference, call mark, command and rate-limit window."""
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

    # --- the gate every request passes -------------------------------------

    async def serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Authenticate, rate-limit, then run `handler`, answering refusals Telnyx's way."""
        try:
            key = _bearer(request)
            if key is None or key not in self._settings.telnyx_api_keys:
                detail = (
                    "The required authentication headers were either invalid or not "
                    "included in the request."
                )
                raise _refuse(401, _error("10009", detail))
            self._throttle(key)
            return await handler(request)
        except Refusal as refusal:
            return refusal.response
        except web.HTTPException as exc:
            if exc.status not in {404, 405}:
                raise
            detail = "The requested resource or URL could not be found."
            return _answer(404, [_error("10005", detail)])

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
        return _answer(429, [_error("10011", detail)], headers)

    def fault_answer(self, kind: FaultKind, faults: Faults, request: web.Request) -> web.Response:
        """Answer an injected server_error, unavailable or rate_limited fault."""
        del request  # Telnyx's error bodies do not echo the request
        if kind == "rate_limited":
            return self._too_many_requests(str(faults.retry_after_seconds))
        if kind == "unavailable":
            detail = "The service is temporarily unavailable. Please retry later."
            return _answer(503, [_error("10007", detail)])
        return _answer(500, [_error("10007", "An unexpected error occurred.")])

    # --- control, for tests and people ---------------------------------------

    def hang_up(self, call_control_id: str) -> None:
        """Mark a call leg ended: it leaves its conferences, later commands get 90018."""
        now = self._clock.now()
        if self._state.call_states.get(call_control_id) != "ended":
            self._emit("call.hangup", self._hangup_payload(call_control_id), now)
        self._state.call_states[call_control_id] = "ended"
        for conference in self._state.conferences.values():
            participant = conference.participants.get(call_control_id)
            if participant is not None and participant.status == "joined":
                self._refresh(conference, now)
                if conference.status != "completed":
                    self._leave(conference, participant, now)

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

    # --- representations -----------------------------------------------------

    @staticmethod
    def _conference_data(conference: TelnyxConference) -> dict[str, Any]:
        data: dict[str, Any] = {
            "record_type": "conference",
            "id": conference.id,
            "name": conference.name,
            "created_at": _timestamp(conference.created_at),
            "expires_at": _timestamp(conference.expires_at),
            "updated_at": _timestamp(conference.updated_at),
            "status": conference.status,
        }
        if conference.region is not None:
            data["region"] = conference.region
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
        return {
            "record_type": "participant",
            "id": participant.id,
            "call_leg_id": participant.call_leg_id,
            "call_control_id": participant.call_control_id,
            "conference": {"id": conference.id, "name": conference.name},
            "whisper_call_control_ids": list(participant.whisper_call_control_ids),
            "created_at": _timestamp(participant.created_at),
            "updated_at": _timestamp(participant.updated_at),
            "end_conference_on_exit": participant.end_conference_on_exit,
            "soft_end_conference_on_exit": participant.soft_end_conference_on_exit,
            "status": participant.status,
            "muted": participant.muted,
            "on_hold": participant.on_hold,
        }

    # --- state helpers -------------------------------------------------------

    def _conference(self, conference_id: str) -> TelnyxConference:
        conference = self._state.conferences.get(conference_id)
        if conference is None:
            detail = "The requested resource or URL could not be found."
            raise _refuse(404, _error("10005", detail))
        return conference

    def _refresh(self, conference: TelnyxConference, now: dt.datetime) -> None:
        """End a conference whose time is up (done lazily, when it is next looked at)."""
        if conference.status != "completed" and now >= conference.expires_at:
            self._end(conference, "time_exceeded", conference.expires_at)

    def _require_active(self, conference: TelnyxConference, now: dt.datetime) -> None:
        self._refresh(conference, now)
        if conference.status == "completed":
            detail = "This conference is no longer active and can't receive commands."
            raise _refuse(422, _error("90019", detail))

    def _require_live(self, call_control_id: str, pointer: str) -> None:
        mark = self._state.call_states.get(call_control_id)
        if mark == "unknown":
            detail = "The call_control_id provided was not valid."
            raise _refuse(422, _error("90015", detail, pointer=pointer))
        if mark == "ended":
            detail = "This call is no longer active and can't receive commands."
            raise _refuse(422, _error("90018", detail))

    def _joined(
        self, conference: TelnyxConference, call_control_id: str, pointer: str
    ) -> TelnyxParticipant:
        self._require_live(call_control_id, pointer)
        participant = conference.participants.get(call_control_id)
        if participant is None or participant.status != "joined":
            detail = "The call_control_id is not a participant of this conference."
            raise _refuse(422, _error("90015", detail, pointer=pointer))
        return participant

    def _end(
        self,
        conference: TelnyxConference,
        reason: str,
        when: dt.datetime,
        ended_by: tuple[str, str] | None = None,
    ) -> None:
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

    def _leave(
        self, conference: TelnyxConference, participant: TelnyxParticipant, now: dt.datetime
    ) -> None:
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

    # --- webhooks --------------------------------------------------------------

    def _emit(self, event_type: str, payload: dict[str, Any], when: dt.datetime) -> None:
        """Queue the webhook of one event: every Telnyx event leaves through here.

        Conference events carry ``occurred_at`` in their payload too, as
        Telnyx's conference payloads do; call events only in the envelope.
        """
        url = self._settings.webhook_url
        if url is None:
            return
        occurred_at = _timestamp(when)
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
            "connection_id": self._settings.telnyx_connection_id,
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

    def _hangup_payload(self, call_control_id: str) -> dict[str, Any]:
        return {
            **self._leg_payload(call_control_id, self._state.client_states.get(call_control_id)),
            "hangup_cause": "normal_clearing",
            "hangup_source": "unknown",
            "sip_hangup_cause": "unspecified",
            "state": "hangup",
        }

    # --- commands with command_id ------------------------------------------

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            return await read_object(request)
        except BadJson as exc:
            detail = f"The request body must be a JSON object ({exc})."
            raise _refuse(422, _error("10015", detail)) from exc
        except BodyTooLarge as exc:
            detail = f"The request body must not be larger than {exc.limit} bytes."
            raise _refuse(413, _error("10015", detail)) from exc

    async def _command(
        self,
        request: web.Request,
        kind: str,
        target: str,
        run: Callable[[dict[str, Any]], web.Response],
    ) -> web.Response:
        """Run a command once per ``command_id``; a repeat gets the first answer again.

        A repeat is the same API key, kind (create, join, ...), target
        conference and ``command_id`` within the command_id time to live.
        """
        body = await self._body(request)
        command_id = body.get("command_id")
        key: CommandKey | None = None
        if isinstance(command_id, str):
            key = (_bearer(request) or "", kind, target, command_id)
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

    # --- handlers ------------------------------------------------------------

    async def _create(self, request: web.Request) -> web.Response:
        return await self._command(request, "create", "", self._do_create)

    def _do_create(self, body: dict[str, Any]) -> web.Response:
        fields = _Body(body)
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
                raise _refuse(422, _error("90033", detail))
        lifetime = dt.timedelta(minutes=duration) if duration is not None else DEFAULT_LIFETIME
        conference = TelnyxConference(
            id=str(uuid.uuid4()),
            name=name,
            created_at=now,
            updated_at=now,
            expires_at=now + lifetime,
            status="init" if start is False else "in_progress",
            max_participants=max_participants or DEFAULT_MAX_PARTICIPANTS,
            creator=call_control_id,
            client_state=client_state,
            region=region,
        )
        self._state.conferences[conference.id] = conference
        self._state.active_names[name] = conference.id
        participant = self._add_participant(conference, call_control_id, now, client_state)
        self._counters.bump("telnyx_conferences_created")
        self._emit("conference.created", self._conference_payload(conference), now)
        joined = self._participant_payload(conference, participant)
        self._emit("conference.participant.joined", joined, now)
        return json_answer(200, {"data": self._conference_data(conference)})

    async def _list(self, request: web.Request) -> web.Response:
        query = _Query(request.query)
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
        return _page(found, number, size, self._conference_data)

    async def _retrieve(self, request: web.Request) -> web.Response:
        conference = self._conference(request.match_info["conference_id"])
        query = _Query(request.query)
        query.choice("region", REGIONS)
        query.done()
        self._refresh(conference, self._clock.now())
        return json_answer(200, {"data": self._conference_data(conference)})

    async def _participants(self, request: web.Request) -> web.Response:
        conference = self._conference(request.match_info["conference_id"])
        query = _Query(request.query)
        muted = query.boolean("filter[muted]")
        on_hold = query.boolean("filter[on_hold]")
        whispering = query.boolean("filter[whispering]")
        number, size = query.page()
        query.done()
        self._refresh(conference, self._clock.now())
        found = [
            p
            for p in conference.joined()
            if (muted is None or p.muted == muted)
            and (on_hold is None or p.on_hold == on_hold)
            and (whispering is None or (p.supervisor_role == "whisper") == whispering)
        ]
        return _page(found, number, size, lambda p: self._participant_data(conference, p))

    def _find_participant(self, request: web.Request) -> tuple[TelnyxConference, TelnyxParticipant]:
        conference = self._conference(request.match_info["conference_id"])
        wanted = request.match_info["participant_id"]
        for participant in conference.participants.values():
            if wanted in {participant.id, participant.call_control_id}:
                return conference, participant
        detail = "The requested resource or URL could not be found."
        raise _refuse(404, _error("10005", detail))

    async def _participant(self, request: web.Request) -> web.Response:
        conference, participant = self._find_participant(request)
        self._refresh(conference, self._clock.now())
        return json_answer(200, {"data": self._participant_data(conference, participant)})

    async def _update_participant(self, request: web.Request) -> web.Response:
        conference, participant = self._find_participant(request)
        fields = _Body(await self._body(request))
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

    async def _action(self, request: web.Request) -> web.Response:
        conference_id = request.match_info["conference_id"]
        action = request.match_info["action"]
        if action in {"join", "leave", "end"}:
            run = {"join": self._do_join, "leave": self._do_leave, "end": self._do_end}[action]
            return await self._command(
                request, action, conference_id, lambda body: run(conference_id, body)
            )
        if action in {"mute", "unmute", "hold", "unhold"}:
            body = await self._body(request)
            return self._do_participants(conference_id, action, body)
        raise web.HTTPNotFound

    def _do_join(self, conference_id: str, body: dict[str, Any]) -> web.Response:
        conference = self._conference(conference_id)
        fields = _Body(body)
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
            raise _refuse(422, _error("10015", detail, pointer="/call_control_id"))
        joined = conference.joined()
        if len(joined) >= conference.max_participants:
            detail = (
                "The maximum allowed value of `max_participants` has been reached "
                f"at {conference.max_participants}."
            )
            raise _refuse(422, _error("90032", detail))
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
        participant.whisper_call_control_ids = whisper
        payload = self._participant_payload(conference, participant)
        self._emit("conference.participant.joined", payload, now)
        return _ok()

    def _do_leave(self, conference_id: str, body: dict[str, Any]) -> web.Response:
        conference = self._conference(conference_id)
        fields = _Body(body)
        call_control_id = fields.call_control_id("call_control_id")
        fields.choice("beep_enabled", BEEP)
        fields.string("command_id")
        fields.choice("region", REGIONS)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        participant = self._joined(conference, call_control_id, "/call_control_id")
        self._leave(conference, participant, now)
        return _ok()

    def _do_end(self, conference_id: str, body: dict[str, Any]) -> web.Response:
        conference = self._conference(conference_id)
        fields = _Body(body)
        fields.string("command_id")
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        self._end(conference, "ended_via_api", now)
        return _ok()

    def _do_participants(
        self, conference_id: str, action: str, body: dict[str, Any]
    ) -> web.Response:
        conference = self._conference(conference_id)
        fields = _Body(body)
        ids = fields.call_control_ids("call_control_ids", required=action in {"hold", "unhold"})
        if action == "hold":
            fields.url("audio_url")
            fields.string("media_name")
            fields.exclusive("audio_url", "media_name")
        fields.choice("region", REGIONS)
        fields.done()
        now = self._clock.now()
        self._require_active(conference, now)
        targets = (
            [
                self._joined(conference, ccid, f"/call_control_ids/{index}")
                for index, ccid in enumerate(ids)
            ]
            if ids
            else conference.joined()
        )
        for participant in targets:
            if action in {"mute", "unmute"}:
                participant.muted = action == "mute"
            else:
                participant.on_hold = action == "hold"
            participant.updated_at = now
        conference.updated_at = now
        return _ok()
