"""Bandwidth Catapult v1 conferences, members and calls, as the emulator reads Bandwidth's pages.

Routes under ``/v1/users/{userId}``: conferences (create, get, update, audio),
members (add, list, get, update, audio), calls (create, list, get, update).
Ids look like the documents' examples: ``conf-``, ``c-`` and ``member-``
followed by 23 lowercase base32 characters.

Every refusal is ``{"category", "code", "message", "details"}``, one problem
per answer (the first found); ``details`` names the offending property, then
the request (``requestMethod``, ``remoteAddress``, ``requestPath``) as the
documented samples do. Where the documents are silent or disagree, these are
the emulator's choices:

- ``category`` follows errors.md's section headings, as both documented
  samples do ("403 - LIMIT" gives ``limit``, "429 - TOO MANY REQUESTS" gives
  ``too-many-requests``): 400 ``bad-request``, 401 ``authorization``, 403
  ``limit`` or ``forbidden``, 404 ``not-found``, 409 ``conflict``, 500
  ``backend``, 503 ``unavailable``.
- 401 ``unauthorized`` for missing or wrong credentials (errors.md has no
  code for it); 401 ``user-access-denied`` for a user id that is not the
  configured one.
- 400 ``validation-error`` messages fill errors.md's templates ("The
  conference resource property callbackTimeout must be greater than 0",
  "... exceeds the limit of 10000", "... must be one of the following values:
  ...", "Invalid phone number", "Invalid callbackUrl URL. callbackUrl is not a
  valid URL"); a missing required property gets "... is required", a wrong
  JSON type "... must be a string" (or "an integer"), a body that is not a
  JSON object, or nests arrays and objects deeper than 100 levels, "Bad
  parameters".
- A body over 1 MiB (1048576 bytes), the emulator's cap: 400
  ``validation-error`` "The request body exceeds the limit of 1048576 bytes",
  after errors.md's "... exceeds the limit of ..." template. errors.md lists
  no 413, and every other malformed request is a 400 ``validation-error``.
- JSON null is an unset property. Integers may come as strings of digits and
  booleans as "true" / "false", as in the documents' own examples; nothing
  else is converted. ``callbackHttpMethod`` is GET or POST in any case
  (echoed as written).
  Voice names match whatever their case (the documents list "Kate" and send
  "kate"); the Italian locale is ``it`` (the documents print "t").
- 429 as the rate-limit sample: category ``too-many-requests``, code
  ``rate-limit-reached``, no ``message``, ``X-RateLimit-Reset`` in epoch
  milliseconds. Injected 429 faults add ``Retry-After`` in seconds.
- A call that is already an active member, added again: 409
  ``duplicate-conference-member`` (errors.md lists no 409 for it; the code
  follows its ``duplicate-*`` pattern). An unknown call added: 403
  ``call-id-not-found``; one not active (still ringing, ``started``, or
  ended): 403 ``call-invalid-state`` "Invalid call state started". GET or
  POST of an unknown call: 404 ``call-not-found``. A call created with an
  unknown ``conferenceId``: 403 ``invalid-call-conference-id``; with a
  completed one: 403 ``conference-error``.
- ``POST /calls/{id}``: ``state`` ``completed`` hangs up (a ringing call is
  cancelled, ``ORIGINATOR_CANCEL``); ``active`` on an active call changes
  nothing; ``rejected``, and ``active`` on a call not active, are 403
  ``call-invalid-state`` (only incoming calls are answered or rejected, and
  the emulator's calls go out); ``transferring`` needs ``transferTo`` and
  transfers nothing; ``recordingEnabled`` / ``recordingFileFormat`` are
  noted (GET shows them) but record nothing. Any change to a ``completed``
  or ``rejected`` call: 403 ``call-invalid-state`` "... You can't update the
  call's state after being set to completed".
- ``GET /calls``: ``conferenceId``, ``bridgeId``, ``from``, ``to`` filter
  (exact match); ``sortOrder`` by ``startTime``, ``desc`` by default;
  ``page`` (from 0) and ``size`` (25, at most 1000) page the rest, with a
  ``Link: <...>; rel="next"`` header while more remain, as the other list
  pages document; a ``conferenceId`` or ``bridgeId`` list is not paged
  ("pagination do not apply").
- Any change to a completed conference or member, audio included: 403
  ``conference-error`` ("Invalid conference state completed"). Playing audio
  needs ``fileUrl`` or ``sentence`` (an empty one stops playback), not both.
- Timestamps are UTC with ``Z`` (``2013-07-12T15:22:47Z``), not the sample's
  hour offsets (``-02``).
- A method the API does not have on a path: 404 ``resource-not-found``.
- Rate limits are fixed windows per user: ``/conferences...`` share one,
  ``/calls...`` another; over the limit ``POST /calls`` answers 403
  ``call-rate-limit``, everything else 429.

Callbacks (see `_webhooks` for delivery, GET or POST, timeout, fallback and
retries) go to the ``callbackUrl`` the conference has when the event happens
(as created or last updated), or the call's own:

- ``conference`` with status ``created`` when it is created, ``completed``
  when it completes (ended with ``state`` ``completed``, or its last member
  gone);
- ``conference-member`` with ``state`` ``active`` when a member is added and
  when its own ``mute`` or ``hold`` changes, ``completed`` when it is removed
  or its call hangs up, ``activeMembers`` counted after the change. Ending a
  conference sends one per member still in it, then the ``conference``
  event. Conference-wide ``mute`` / ``hold`` send nothing (the member event
  reports the member's own flags);
- ``conference-playback`` / ``conference-speak`` with ``status``
  ``started`` when ``POST .../audio`` plays a ``fileUrl`` or speaks a
  ``sentence``, ``done`` ``Emulator(media_duration=...)`` seconds later (a
  ``loopEnabled`` playback only when stopped with an empty ``fileUrl``, or
  replaced, or when the conference completes: audio ends before members do).
  Audio to one member sends the call's own ``playback`` / ``speak`` events
  to the call's ``callbackUrl`` instead, as the documents direct. The audio's
  ``tag`` replaces the conference's (or call's) in those events;
- for a call with a ``callbackUrl``: calls ring (``state`` ``started``) for
  ``Emulator(answer_delay=...)``, then the outcome set for the ``to`` number:
  ``answer`` (``callState`` ``active``); or ``hangup`` with ``cause``
  ``USER_BUSY``, or ``CALL_REJECTED`` (the call's state is then
  ``rejected``), or, for no answer, ``timeout`` then ``hangup``
  ``NO_ANSWER`` after ``callTimeout`` (60 s unless given) times
  ``Emulator(ring_timeout_scale=...)``. Hanging up (``POST /calls/{id}``
  ``state=completed`` or ``Emulator.hang_up_catapult_call``) sends
  ``hangup`` ``NORMAL_CLEARING`` (``ORIGINATOR_CANCEL`` while ringing),
  before the member and conference events that follow from it. Every
  ``hangup`` has ``callState`` ``completed``, as the reject sample does.

Each carries the conference's (or call's) ``tag`` when it has one; the
resource URLs name the emulator's own origin. ``time`` has milliseconds, as
the callback samples do.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import json
import math
import re
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from conferencing.emulator._faults import FaultKind, Faults
from conferencing.emulator._http import (
    BadJson,
    BodyTooLarge,
    Handler,
    Refusal,
    is_http_url,
    read_object,
)
from conferencing.emulator._http import json_answer as _json
from conferencing.emulator._limits import RateLimit, Window
from conferencing.emulator._state import (
    CatapultCall,
    CatapultConference,
    CatapultMember,
    CatapultState,
    Clock,
    Counters,
    Playing,
    Settings,
)
from conferencing.emulator._timers import Timers
from conferencing.emulator._webhooks import (
    DEFAULT_CATAPULT_TIMEOUT_MS,
    CatapultCallback,
    Destination,
    Outbox,
)

MAX_MEMBERS = 20
DEFAULT_CALL_TIMEOUT = 60
"""Seconds a call rings unanswered when ``callTimeout`` is not given (the documented default)."""
CALL_STATES = ("active", "rejected", "completed", "transferring")
SORT_ORDERS = ("asc", "desc")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000
PROFILES = ("interpret_digits", "passthru_digits")
HTTP_METHODS = ("GET", "POST")
GENDERS = ("female", "male")
LOCALES = ("en_US", "en_UK", "es", "es_MX", "fr", "fr_FR", "de", "de_DE", "it", "it_IT")
VOICES = (
    "Kate",
    "Susan",
    "Julie",
    "Dave",
    "Paul",
    "Bridget",
    "Esperanza",
    "Violeta",
    "Jorge",
    "Jolie",
    "Bernard",
    "Katrin",
    "Stefan",
    "Paola",
    "Luca",
)
RECORDING_FORMATS = ("wav", "mp3")

_CATEGORIES = {
    400: "bad-request",
    401: "authorization",
    403: "forbidden",
    404: "not-found",
    409: "conflict",
    429: "too-many-requests",
    500: "backend",
    503: "unavailable",
}
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_SIP_URI = re.compile(r"sip:[^@\s]+@[^@\s]+")
_INTEGER = re.compile(r"-?[0-9]+")
_MISSING = object()


def _timestamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _event_time(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _new_id(prefix: str) -> str:
    """Return `prefix` and 23 lowercase base32 characters, as Catapult's ids look.

    The documents' examples: ``c-bonay3r4mtwbplurq4nkt7q`` (a call),
    ``conf-nreqnmjx4mo5y64tz6obnia`` (a conference); members take ``member-``.
    """
    return prefix + base64.b32encode(secrets.token_bytes(15)).decode("ascii").lower()[:23]


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _tagged(settings: dict[str, Any], tag: str | None) -> dict[str, Any]:
    """Return callback `settings` whose ``tag`` is `tag` when one is given."""
    return settings if tag is None else {**settings, "tag": tag}


def _basic_credentials(header: str) -> tuple[str, str] | None:
    """Return (user, password) from a basic ``Authorization`` header, None if unusable."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, colon, password = decoded.partition(":")
    return (user, password) if colon else None


def _request_details(request: web.Request) -> list[dict[str, str]]:
    return [
        {"name": "requestMethod", "value": request.method},
        {"name": "remoteAddress", "value": request.remote or ""},
        {"name": "requestPath", "value": request.path.removeprefix("/v1/")},
    ]


def _refuse(
    request: web.Request,
    status: int,
    code: str,
    message: str | None,
    *,
    category: str | None = None,
    details: Sequence[dict[str, str]] = (),
    headers: dict[str, str] | None = None,
) -> Refusal:
    body: dict[str, Any] = {"category": category or _CATEGORIES[status], "code": code}
    if message is not None:
        body["message"] = message
    body["details"] = [*details, *_request_details(request)]
    return Refusal(_json(status, body, headers))


class _Fields:
    """Reads a JSON body property by property; the first problem refuses the request."""

    __slots__ = ("_data", "_request", "_resource")

    def __init__(self, request: web.Request, data: dict[str, Any], resource: str) -> None:
        self._request = request
        self._data = data
        self._resource = resource

    def invalid(self, name: str, message: str) -> Refusal:
        """Return the 400 for property `name`."""
        value = self._data.get(name)
        detail = {"name": name, "value": "" if value is None else _shown(value)}
        return _refuse(self._request, 400, "validation-error", message, details=[detail])

    def _property(self, name: str) -> str:
        return f"The {self._resource} resource property {name}"

    def _value(self, name: str, *, required: bool) -> object:
        value = self._data.get(name)
        if value is None:
            if required:
                raise self.invalid(name, f"{self._property(name)} is required")
            return _MISSING
        return value

    def text(
        self, name: str, *, required: bool = False, max_length: int | None = None
    ) -> str | None:
        """Return a string property."""
        value = self._value(name, required=required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            raise self.invalid(name, f"{self._property(name)} must be a string")
        if required and not value.strip():
            raise self.invalid(name, f"{self._property(name)} is required")
        if max_length is not None and len(value) > max_length:
            raise self.invalid(name, f"{self._property(name)} exceeds the limit of {max_length}")
        return value

    def phone(self, name: str, *, required: bool = False, sip: bool = False) -> str | None:
        """Return an E.164 number (or, with `sip`, a SIP URI)."""
        value = self.text(name, required=required)
        if value is None:
            return None
        if _E164.fullmatch(value) or (sip and _SIP_URI.fullmatch(value)):
            return value
        raise self.invalid(name, "Invalid phone number")

    def integer(self, name: str, low: int, high: int | None) -> int | None:
        """Return an integer low..high, given as a number or a string of digits."""
        value = self._value(name, required=False)
        if value is _MISSING:
            return None
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.invalid(name, f"{self._property(name)} must be an integer")
        if value < low:
            raise self.invalid(name, f"{self._property(name)} must be greater than {low - 1}")
        if high is not None and value > high:
            raise self.invalid(name, f"{self._property(name)} exceeds the limit of {high}")
        return value

    def boolean(self, name: str) -> bool | None:
        """Return a boolean, given as true / false or "true" / "false"."""
        value = self._value(name, required=False)
        if value is _MISSING:
            return None
        if isinstance(value, bool):
            return value
        if value in {"true", "false"}:
            return value == "true"
        raise self.invalid(
            name, f"{self._property(name)} must be one of the following values: true, false"
        )

    def choice(
        self,
        name: str,
        values: Sequence[str],
        *,
        any_case: bool = False,
        as_written: bool = False,
    ) -> str | None:
        """Return one of `values` (matched regardless of case with `any_case`).

        With `as_written`, the value is returned as the request spelled it.
        """
        value = self._value(name, required=False)
        if value is _MISSING:
            return None
        if isinstance(value, str):
            for allowed in values:
                if value == allowed or (any_case and value.lower() == allowed.lower()):
                    return value if as_written else allowed
        listed = ", ".join(values)
        raise self.invalid(
            name, f"{self._property(name)} must be one of the following values: {listed}"
        )

    def url(self, name: str) -> str | None:
        """Return an absolute http(s) URL."""
        value = self.text(name)
        if value is None or is_http_url(value):
            return value
        raise self.invalid(name, f"Invalid {name} URL. {name} is not a valid URL")

    def sip_headers(self, name: str) -> dict[str, str] | None:
        """Return up to 5 ``X-`` headers with string values."""
        value = self._value(name, required=False)
        if value is _MISSING:
            return None
        if (
            not isinstance(value, dict)
            or len(value) > 5  # noqa: PLR2004 - the documented maximum
            or not all(
                isinstance(key, str)
                and key.startswith("X-")
                and isinstance(item, str)
                and len(key) <= 256  # noqa: PLR2004 - the documented maximum
                and len(item) <= 256  # noqa: PLR2004
                for key, item in value.items()
            )
        ):
            raise self.invalid(
                name, f"{self._property(name)} must map up to 5 X- headers to strings"
            )
        return value


class CatapultApi:
    """The ``/v1/users/{userId}`` routes: handlers, validation and Catapult's answers."""

    name = "catapult"

    def __init__(
        self,
        settings: Settings,
        counters: Counters,
        clock: Clock,
        outbox: Outbox,
        *,
        timers: Timers,
    ) -> None:
        """Share the emulator's settings, counters, clock, outbox and timers; start empty."""
        self._settings = settings
        self._counters = counters
        self._clock = clock
        self._outbox = outbox
        self._timers = timers
        self._state = CatapultState()
        self._windows: dict[str, Window] = {}

    def reset(self) -> None:
        """Forget every conference, call and rate-limit window."""
        self._state = CatapultState()
        self._windows.clear()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        """Register the Catapult routes."""
        user = "/v1/users/{user_id}"
        conference = user + "/conferences/{conference_id}"
        member = conference + "/members/{member_id}"
        router.add_post(user + "/conferences", self._create_conference)
        router.add_get(conference, self._get_conference)
        router.add_post(conference, self._update_conference)
        router.add_post(conference + "/audio", self._conference_audio)
        router.add_post(conference + "/members", self._add_member)
        router.add_get(conference + "/members", self._list_members)
        router.add_get(member, self._get_member)
        router.add_post(member, self._update_member)
        router.add_post(member + "/audio", self._member_audio)
        router.add_post(user + "/calls", self._create_call)
        router.add_get(user + "/calls", self._list_calls)
        router.add_get(user + "/calls/{call_id}", self._get_call)
        router.add_post(user + "/calls/{call_id}", self._update_call)

    # --- the gate every request passes -------------------------------------

    async def serve(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Authenticate, check the user id, rate-limit, then run `handler`."""
        try:
            self._authenticate(request)
            self._throttle(request)
            return await handler(request)
        except Refusal as refusal:
            return refusal.response
        except web.HTTPException as exc:
            if exc.status not in {404, 405}:
                raise
            message = "The requested resource could not be found."
            return _refuse(request, 404, "resource-not-found", message).response

    def _authenticate(self, request: web.Request) -> None:
        settings = self._settings
        credentials = _basic_credentials(request.headers.get("Authorization", ""))
        if credentials is None or not (
            hmac.compare_digest(credentials[0], settings.catapult_api_token)
            & hmac.compare_digest(credentials[1], settings.catapult_api_secret)
        ):
            message = "Authentication failed: the API token or secret is not valid"
            raise _refuse(request, 401, "unauthorized", message)
        parts = request.path.split("/")
        if len(parts) > 3 and parts[2] == "users" and parts[3] != settings.catapult_user_id:  # noqa: PLR2004
            message = (
                f"User {settings.catapult_user_id} does not have permission to access "
                f"user {parts[3]}"
            )
            raise _refuse(request, 401, "user-access-denied", message)

    def _throttle(self, request: web.Request) -> None:
        limits = self._settings.rate_limits
        parts = request.path.split("/")
        if limits is None or len(parts) < 5 or parts[2] != "users":  # noqa: PLR2004
            return
        family = parts[4]
        limit: RateLimit | None
        if family == "conferences":
            limit = limits.catapult_conferences
        elif family == "calls":
            limit = limits.catapult_calls
        else:
            return
        if limit is None:
            return
        wait = self._windows.setdefault(family, Window()).admit(limit, time.monotonic())
        if wait is None:
            return
        self._counters.bump("rate_limited")
        if family == "calls" and request.method == "POST" and len(parts) == 5:  # noqa: PLR2004
            seconds = limit.period_ms / 1000
            rate = (limit.requests + 1) / seconds
            message = (
                f"You can create {limit.requests} calls per {seconds:g} seconds, calculated "
                f"as the average over {seconds:g} seconds. Your rate is: {rate:g}"
            )
            raise _refuse(request, 403, "call-rate-limit", message, category="limit")
        raise Refusal(self._too_many_requests(request, wait, None))

    @staticmethod
    def _too_many_requests(
        request: web.Request, wait: float, retry_after: int | None
    ) -> web.Response:
        reset = str(int((time.time() + wait) * 1000))
        headers = {"X-RateLimit-Reset": reset}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        details = [{"name": "rateLimitResetTime", "value": reset}]
        refusal = _refuse(
            request, 429, "rate-limit-reached", None, details=details, headers=headers
        )
        return refusal.response

    def fault_answer(self, kind: FaultKind, faults: Faults, request: web.Request) -> web.Response:
        """Answer an injected server_error, unavailable or rate_limited fault."""
        if kind == "rate_limited":
            wait = faults.retry_after_seconds
            return self._too_many_requests(request, wait, faults.retry_after_seconds)
        parts = request.path.split("/")
        subject = parts[5] if len(parts) > 5 else "-"  # noqa: PLR2004
        if kind == "unavailable":
            message = (
                f"The call {subject} is being initialized and cannot be modified now "
                "retry your operation later"
            )
            return _refuse(request, 503, "call-unavailable", message).response
        message = f"There was a backend error {kind} for conference {subject}"
        return _refuse(request, 500, "backend-protocol-support-failure", message).response

    # --- control, for tests and people ---------------------------------------

    def hang_up(self, call_id: str) -> None:
        """End a call: its membership ends, and a conference left empty completes.

        A call still ringing is cancelled (``ORIGINATOR_CANCEL``).
        """
        call = self._state.calls.get(call_id)
        if call is None:
            raise KeyError(f"no Catapult call {call_id!r}")
        if call.state in {"completed", "rejected"}:
            return
        self._end_call(call, "ORIGINATOR_CANCEL" if call.state == "started" else "NORMAL_CLEARING")

    def conferences(self) -> list[dict[str, Any]]:
        """Return every conference as the API shows it."""
        return [self._conference_data(c) for c in self._state.conferences.values()]

    def calls(self, origin: str) -> list[dict[str, Any]]:
        """Return every call, as the API shows it, in the order they were created."""
        return [self._call_data(call, origin) for call in self._state.calls.values()]

    def members(self, conference_id: str, origin: str) -> list[dict[str, Any]]:
        """Return every member a conference has had, as the API shows them."""
        conference = self._state.conferences.get(conference_id)
        if conference is None:
            raise KeyError(f"no Catapult conference {conference_id!r}")
        return [self._member_data(m, origin) for m in conference.members.values()]

    # --- representations -----------------------------------------------------

    @staticmethod
    def _conference_data(conference: CatapultConference) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": conference.id,
            "state": conference.state,
            "from": conference.from_,
            "createdTime": _timestamp(conference.created_time),
            "activeMembers": conference.active_members(),
            "hold": conference.hold,
            "mute": conference.mute,
        }
        if conference.completed_time is not None:
            data["completedTime"] = _timestamp(conference.completed_time)
        data.update(conference.settings)
        return data

    def _member_data(self, member: CatapultMember, origin: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": member.id,
            "state": member.state,
            "mute": member.mute,
            "hold": member.hold,
            "joinTone": member.join_tone,
            "leavingTone": member.leaving_tone,
            "addedTime": _timestamp(member.added_time),
        }
        if member.removed_time is not None:
            data["removedTime"] = _timestamp(member.removed_time)
        data["call"] = f"{origin}{self._user_path()}/calls/{member.call_id}"
        return data

    def _call_data(self, call: CatapultCall, origin: str) -> dict[str, Any]:
        call_url = f"{origin}{self._user_path()}/calls/{call.id}"
        data: dict[str, Any] = {
            "id": call.id,
            "direction": "out",
            "state": call.state,
            "startTime": _timestamp(call.start_time),
            "recordingEnabled": False,
            "transcriptionEnabled": False,
        }
        if call.active_time is not None:
            data["activeTime"] = _timestamp(call.active_time)
        data.update(call.properties)
        if call.end_time is not None:
            data["endTime"] = _timestamp(call.end_time)
            billed = call.end_time - call.active_time if call.active_time is not None else None
            data["chargeableDuration"] = math.ceil(billed.total_seconds()) if billed else 0
        data["events"] = call_url + "/events"
        data["recordings"] = call_url + "/recordings"
        data["transcriptions"] = call_url + "/transcriptions"
        return data

    # --- helpers ---------------------------------------------------------------

    def _user_path(self) -> str:
        return f"/v1/users/{self._settings.catapult_user_id}"

    @staticmethod
    def _origin(request: web.Request) -> str:
        return f"{request.scheme}://{request.host}"

    def _created(self, request: web.Request, path: str) -> web.Response:
        """Answer 201 with the new resource's Location and no body."""
        location = self._user_path() + path
        if self._settings.catapult_absolute_locations:
            location = self._origin(request) + location
        return web.Response(status=201, headers={"Location": location})

    async def _body(self, request: web.Request) -> dict[str, Any]:
        try:
            return await read_object(request)
        except BadJson as exc:
            raise _refuse(request, 400, "validation-error", "Bad parameters") from exc
        except BodyTooLarge as exc:
            message = f"The request body exceeds the limit of {exc.limit} bytes"
            raise _refuse(request, 400, "validation-error", message) from exc

    def _conference(self, request: web.Request) -> CatapultConference:
        conference_id = request.match_info["conference_id"]
        conference = self._state.conferences.get(conference_id)
        if conference is None:
            message = f"The conference {conference_id} could not be found"
            raise _refuse(request, 404, "conference-not-found", message)
        return conference

    def _member(self, request: web.Request, conference: CatapultConference) -> CatapultMember:
        member_id = request.match_info["member_id"]
        member = conference.members.get(member_id)
        if member is None:
            message = f"The conference member {member_id} could not be found"
            raise _refuse(request, 404, "conference-member-not-found", message)
        return member

    @staticmethod
    def _require_open(
        request: web.Request,
        conference: CatapultConference,
        member: CatapultMember | None = None,
    ) -> None:
        if conference.state == "completed":
            message = (
                f"Unable to update conference {conference.id}. Invalid conference state completed"
            )
            raise _refuse(request, 403, "conference-error", message)
        if member is not None and member.state == "completed":
            message = (
                f"Unable to update conference member {member.id}. Invalid member state completed"
            )
            raise _refuse(request, 403, "conference-error", message)

    def _remove(
        self, conference: CatapultConference, member: CatapultMember, now: dt.datetime
    ) -> None:
        member.state = "completed"
        member.removed_time = now
        self._member_event(conference, member, now)
        if conference.active_members() == 0:
            self._stop_all_audio(conference.playing, self._conference_audio_sender(conference))
            conference.state = "completed"
            conference.completed_time = now
            self._conference_event(conference)

    def _complete(self, conference: CatapultConference, now: dt.datetime) -> None:
        self._stop_all_audio(conference.playing, self._conference_audio_sender(conference))
        for member in conference.members.values():
            if member.state == "active":
                member.state = "completed"
                member.removed_time = now
                self._member_event(conference, member, now)
        conference.state = "completed"
        conference.completed_time = now
        self._conference_event(conference)

    # --- callbacks ---------------------------------------------------------------

    def _callback(self, settings: dict[str, Any], fields: dict[str, Any]) -> None:
        """Queue one callback to ``settings``' callbackUrl: every callback leaves through here."""
        url = settings.get("callbackUrl")
        if url is None:
            return
        tag = settings.get("tag")
        if tag is not None:
            fields["tag"] = tag
        destination = Destination(
            url,
            settings.get("callbackHttpMethod", "POST"),
            settings.get("callbackTimeout", DEFAULT_CATAPULT_TIMEOUT_MS) / 1000,
            settings.get("fallbackUrl"),
        )
        self._outbox.send(CatapultCallback(fields), destination)

    def _call_uri(self, call: CatapultCall) -> str:
        return f"{self._settings.origin}{self._user_path()}/calls/{call.id}"

    def _conference_uri(self, conference: CatapultConference) -> str:
        return f"{self._settings.origin}{self._user_path()}/conferences/{conference.id}"

    def _conference_event(self, conference: CatapultConference) -> None:
        fields: dict[str, Any] = {
            "eventType": "conference",
            "conferenceId": conference.id,
            "conferenceUri": self._conference_uri(conference),
            "status": conference.state if conference.state == "completed" else "created",
            "createdTime": _timestamp(conference.created_time),
        }
        if conference.completed_time is not None:
            fields["completedTime"] = _timestamp(conference.completed_time)
        self._callback(conference.settings, fields)

    def _member_event(
        self, conference: CatapultConference, member: CatapultMember, now: dt.datetime
    ) -> None:
        fields: dict[str, Any] = {
            "eventType": "conference-member",
            "activeMembers": conference.active_members(),
            "conferenceId": conference.id,
            "callId": member.call_id,
            "memberId": member.id,
            "memberUri": f"{self._conference_uri(conference)}/members/{member.id}",
            "state": member.state,
            "hold": member.hold,
            "mute": member.mute,
            "time": _event_time(now),
        }
        self._callback(conference.settings, fields)

    def _call_event(
        self, call: CatapultCall, event_type: str, now: dt.datetime, **extra: str
    ) -> None:
        properties = call.properties
        fields: dict[str, Any] = {
            "eventType": event_type,
            "from": properties.get("from"),
            "to": properties.get("to"),
            "callId": call.id,
            "callUri": self._call_uri(call),
            **extra,
            "time": _event_time(now),
        }
        self._callback(properties, fields)

    @staticmethod
    def _callback_settings(fields: _Fields) -> dict[str, Any]:
        found = {
            "callbackUrl": fields.url("callbackUrl"),
            "callbackHttpMethod": fields.choice(
                "callbackHttpMethod", HTTP_METHODS, any_case=True, as_written=True
            ),
            "callbackTimeout": fields.integer("callbackTimeout", 1, 10000),
            "fallbackUrl": fields.url("fallbackUrl"),
        }
        return {key: value for key, value in found.items() if value is not None}

    # --- conferences -----------------------------------------------------------

    async def _create_conference(self, request: web.Request) -> web.Response:
        fields = _Fields(request, await self._body(request), "conference")
        from_ = fields.phone("from", required=True)
        assert from_ is not None  # noqa: S101 - required above
        settings = self._callback_settings(fields)
        settings["profile"] = fields.choice("profile", PROFILES) or "interpret_digits"
        tag = fields.text("tag")
        if tag is not None:
            settings["tag"] = tag
        now = self._clock.now()
        conference = CatapultConference(
            id=_new_id("conf-"), from_=from_, created_time=now, settings=settings
        )
        self._state.conferences[conference.id] = conference
        self._counters.bump("catapult_conferences_created")
        self._conference_event(conference)
        return self._created(request, f"/conferences/{conference.id}")

    async def _get_conference(self, request: web.Request) -> web.Response:
        return _json(200, self._conference_data(self._conference(request)))

    async def _update_conference(self, request: web.Request) -> web.Response:
        conference = self._conference(request)
        fields = _Fields(request, await self._body(request), "conference")
        state = fields.choice("state", ("completed",))
        hold = fields.boolean("hold")
        mute = fields.boolean("mute")
        settings = self._callback_settings(fields)
        tag = fields.text("tag")
        if tag is not None:
            settings["tag"] = tag
        self._require_open(request, conference)
        conference.settings.update(settings)
        if hold is not None:
            conference.hold = hold
        if mute is not None:
            conference.mute = mute
        if state == "completed":
            self._complete(conference, self._clock.now())
        return web.Response(status=200)

    async def _audio(
        self,
        request: web.Request,
        conference: CatapultConference,
        member: CatapultMember | None = None,
    ) -> web.Response:
        fields = _Fields(request, await self._body(request), "audio")
        file_url = fields.text("fileUrl")
        sentence = fields.text("sentence", max_length=1000)
        if file_url is None and sentence is None:
            raise fields.invalid(
                "fileUrl", "The audio resource property fileUrl or sentence is required"
            )
        if file_url and sentence:
            raise fields.invalid(
                "sentence", "The audio resource property sentence cannot be used with fileUrl"
            )
        if file_url:
            fields.url("fileUrl")
        fields.choice("gender", GENDERS)
        fields.choice("locale", LOCALES)
        fields.choice("voice", VOICES, any_case=True)
        loop = fields.boolean("loopEnabled")
        tag = fields.text("tag")
        self._require_open(request, conference, member)
        if member is None:
            playing, send = conference.playing, self._conference_audio_sender(conference)
        else:
            call = self._state.calls[member.call_id]
            playing, send = call.playing, self._call_audio_sender(call)
        duration = self._settings.media_duration
        for kind, value in (("playback", file_url), ("speak", sentence)):
            if value is None:
                continue
            current = playing.get(kind)
            if current is not None:
                self._stop_audio(playing, current, send)
            if value:
                seconds = None if kind == "playback" and loop else duration
                self._start_audio(playing, Playing(kind, None, {}, tag=tag), seconds, send)
        return web.Response(status=200)

    async def _conference_audio(self, request: web.Request) -> web.Response:
        return await self._audio(request, self._conference(request))

    async def _member_audio(self, request: web.Request) -> web.Response:
        conference = self._conference(request)
        return await self._audio(request, conference, self._member(request, conference))

    # --- audio playing -----------------------------------------------------------

    def _start_audio(
        self,
        playing: dict[str, Playing],
        item: Playing,
        seconds: float | None,
        send: Callable[[Playing, str], None],
    ) -> None:
        """Start `item` (its ``started`` callback now, ``done`` after `seconds`, or never)."""
        playing[item.kind] = item
        send(item, "started")
        if seconds is not None:

            def done() -> None:
                if playing.get(item.kind) is item:
                    item.timer = None
                    self._stop_audio(playing, item, send)

            item.timer = self._timers.later(seconds, done)

    def _stop_audio(
        self, playing: dict[str, Playing], item: Playing, send: Callable[[Playing, str], None]
    ) -> None:
        self._timers.cancel(item.timer)
        item.timer = None
        playing.pop(item.kind, None)
        send(item, "done")

    def _stop_all_audio(
        self, playing: dict[str, Playing], send: Callable[[Playing, str], None]
    ) -> None:
        for item in list(playing.values()):
            self._stop_audio(playing, item, send)

    def _conference_audio_sender(
        self, conference: CatapultConference
    ) -> Callable[[Playing, str], None]:
        def send(item: Playing, status: str) -> None:
            fields: dict[str, Any] = {
                "eventType": f"conference-{item.kind}",
                "conferenceId": conference.id,
                "conferenceUri": self._conference_uri(conference),
                "status": status,
                "time": _event_time(self._clock.now()),
            }
            self._callback(_tagged(conference.settings, item.tag), fields)

        return send

    def _call_audio_sender(self, call: CatapultCall) -> Callable[[Playing, str], None]:
        def send(item: Playing, status: str) -> None:
            fields: dict[str, Any] = {
                "eventType": item.kind,
                "callId": call.id,
                "callUri": self._call_uri(call),
                "status": status,
                "time": _event_time(self._clock.now()),
            }
            self._callback(_tagged(call.properties, item.tag), fields)

        return send

    # --- members -----------------------------------------------------------------

    async def _add_member(self, request: web.Request) -> web.Response:
        conference = self._conference(request)
        fields = _Fields(request, await self._body(request), "member")
        call_id = fields.text("callId", required=True)
        join_tone = fields.boolean("joinTone")
        leaving_tone = fields.boolean("leavingTone")
        mute = fields.boolean("mute")
        hold = fields.boolean("hold")
        self._require_open(request, conference)
        call = self._state.calls.get(call_id or "")
        if call is None:
            raise _refuse(request, 403, "call-id-not-found", f"Call Id not found. callId {call_id}")
        if call.conference_id != conference.id:
            message = f"Invalid conference Id in call. conferenceId {conference.id}"
            raise _refuse(request, 403, "invalid-call-conference-id", message)
        if call.state != "active":
            message = f"Unable to update call {call.id}. Invalid call state {call.state}"
            raise _refuse(request, 403, "call-invalid-state", message)
        if any(m.call_id == call.id and m.state == "active" for m in conference.members.values()):
            message = f"Cannot create another instance of conference member for call {call.id}"
            raise _refuse(request, 409, "duplicate-conference-member", message)
        if conference.active_members() >= MAX_MEMBERS:
            message = f"The conference {conference.id} reached the max number of members"
            raise _refuse(request, 403, "conference-max-members", message, category="limit")
        member = CatapultMember(
            id=_new_id("member-"),
            call_id=call.id,
            added_time=self._clock.now(),
            mute=bool(mute),
            hold=bool(hold),
            join_tone=bool(join_tone),
            leaving_tone=bool(leaving_tone),
        )
        conference.members[member.id] = member
        conference.state = "active"
        self._counters.bump("catapult_members_added")
        self._member_event(conference, member, member.added_time)
        return self._created(request, f"/conferences/{conference.id}/members/{member.id}")

    async def _list_members(self, request: web.Request) -> web.Response:
        conference = self._conference(request)
        origin = self._origin(request)
        return _json(200, [self._member_data(m, origin) for m in conference.members.values()])

    async def _get_member(self, request: web.Request) -> web.Response:
        conference = self._conference(request)
        member = self._member(request, conference)
        return _json(200, self._member_data(member, self._origin(request)))

    async def _update_member(self, request: web.Request) -> web.Response:
        conference = self._conference(request)
        member = self._member(request, conference)
        fields = _Fields(request, await self._body(request), "member")
        state = fields.choice("state", ("completed",))
        join_tone = fields.boolean("joinTone")
        leaving_tone = fields.boolean("leavingTone")
        mute = fields.boolean("mute")
        hold = fields.boolean("hold")
        self._require_open(request, conference, member)
        if join_tone is not None:
            member.join_tone = join_tone
        if leaving_tone is not None:
            member.leaving_tone = leaving_tone
        changed = (mute is not None and mute != member.mute) or (
            hold is not None and hold != member.hold
        )
        if mute is not None:
            member.mute = mute
        if hold is not None:
            member.hold = hold
        now = self._clock.now()
        if state == "completed":
            self._remove(conference, member, now)
        elif changed:
            self._member_event(conference, member, now)
        return web.Response(status=200)

    # --- calls -----------------------------------------------------------------

    async def _create_call(self, request: web.Request) -> web.Response:
        fields = _Fields(request, await self._body(request), "call")
        found: dict[str, Any] = {
            "from": fields.phone("from", required=True),
            "to": fields.phone("to", required=True, sip=True),
            "callTimeout": fields.integer("callTimeout", 1, 300),
            **self._callback_settings(fields),
            "bridgeId": fields.text("bridgeId"),
            "conferenceId": fields.text("conferenceId"),
            "recordingEnabled": fields.boolean("recordingEnabled"),
            "recordingMaxDuration": fields.integer("recordingMaxDuration", 1, None),
            "recordingFileFormat": fields.choice("recordingFileFormat", RECORDING_FORMATS),
            "transcriptionEnabled": fields.boolean("transcriptionEnabled"),
            "tag": fields.text("tag"),
            "sipHeaders": fields.sip_headers("sipHeaders"),
        }
        properties = {key: value for key, value in found.items() if value is not None}
        conference_id = properties.get("conferenceId")
        if conference_id is not None:
            conference = self._state.conferences.get(conference_id)
            if conference is None:
                message = f"Invalid conference Id in call. conferenceId {conference_id}"
                raise _refuse(request, 403, "invalid-call-conference-id", message)
            self._require_open(request, conference)
        call = CatapultCall(
            id=_new_id("c-"),
            start_time=self._clock.now(),
            conference_id=conference_id,
            properties=properties,
        )
        self._state.calls[call.id] = call
        self._counters.bump("catapult_calls_created")
        self._ring(call)
        return self._created(request, f"/calls/{call.id}")

    def _ring(self, call: CatapultCall) -> None:
        """Schedule what the callee does: answer, or let it ring out, or refuse."""
        settings = self._settings
        outcome = settings.outcome(call.properties["to"])
        delay = settings.answer_delay
        if outcome == "no_answer":
            delay = settings.no_answer_seconds(
                call.properties.get("callTimeout", DEFAULT_CALL_TIMEOUT)
            )

        def run() -> None:
            if call.state != "started":
                return
            call.timer = None
            if outcome == "answer":
                call.state = "active"
                call.active_time = self._clock.now()
                self._call_event(call, "answer", call.active_time, callState="active")
            elif outcome == "no_answer":
                self._call_event(call, "timeout", self._clock.now())
                self._end_call(call, "NO_ANSWER")
            elif outcome == "busy":
                self._end_call(call, "USER_BUSY")
            else:
                self._end_call(call, "CALL_REJECTED", state="rejected")

        if delay <= 0:
            run()
        else:
            call.timer = self._timers.later(delay, run)

    def _end_call(self, call: CatapultCall, cause: str, *, state: str = "completed") -> None:
        """End a call: its ``hangup``, then its membership ends; an empty conference completes."""
        now = self._clock.now()
        self._timers.cancel(call.timer)
        call.timer = None
        self._stop_all_audio(call.playing, self._call_audio_sender(call))
        call.state = state
        call.end_time = now
        self._call_event(call, "hangup", now, callState="completed", cause=cause)
        conference = self._state.conferences.get(call.conference_id or "")
        if conference is None or conference.state == "completed":
            return
        for member in conference.members.values():
            if member.call_id == call.id and member.state == "active":
                self._remove(conference, member, now)

    def _call(self, request: web.Request) -> CatapultCall:
        call_id = request.match_info["call_id"]
        call = self._state.calls.get(call_id)
        if call is None:
            message = f"The call {call_id} could not be found"
            raise _refuse(request, 404, "call-not-found", message)
        return call

    async def _get_call(self, request: web.Request) -> web.Response:
        return _json(200, self._call_data(self._call(request), self._origin(request)))

    async def _list_calls(self, request: web.Request) -> web.Response:
        query = _Fields(request, dict(request.query), "call")
        number = query.integer("page", 0, None) or 0
        size = query.integer("size", 1, MAX_PAGE_SIZE) or DEFAULT_PAGE_SIZE
        order = query.choice("sortOrder", SORT_ORDERS) or "desc"
        wanted = {
            name: request.query[name]
            for name in ("conferenceId", "bridgeId", "from", "to")
            if name in request.query
        }
        found = [
            call
            for call in self._state.calls.values()
            if all(call.properties.get(name) == value for name, value in wanted.items())
        ]
        found.sort(key=lambda call: call.start_time, reverse=order == "desc")
        headers: dict[str, str] = {}
        if "conferenceId" not in wanted and "bridgeId" not in wanted:
            # "pagination do not apply" to a conference's or bridge's calls: all come at once.
            if len(found) > (number + 1) * size:
                following = {**request.query, "page": str(number + 1), "size": str(size)}
                url = request.url.with_query(following)
                headers["Link"] = f'<{self._origin(request)}{url.path_qs}>; rel="next"'
            found = found[number * size : (number + 1) * size]
        origin = self._origin(request)
        return _json(200, [self._call_data(call, origin) for call in found], headers)

    async def _update_call(self, request: web.Request) -> web.Response:
        call = self._call(request)
        body = await self._body(request)
        fields = _Fields(request, body, "call")
        state = fields.choice("state", CALL_STATES)
        recording = {
            "recordingEnabled": fields.boolean("recordingEnabled"),
            "recordingFileFormat": fields.choice("recordingFileFormat", RECORDING_FORMATS),
        }
        transfer_to = fields.phone("transferTo", sip=True)
        fields.text("transferCallerId")
        fields.url("callbackUrl")
        if body.get("whisperAudio") is not None and not isinstance(body["whisperAudio"], dict):
            raise fields.invalid(
                "whisperAudio", "The call resource property whisperAudio must be an object"
            )
        if state == "transferring" and transfer_to is None:
            raise fields.invalid("transferTo", "The call resource property transferTo is required")
        if call.state in {"completed", "rejected"}:
            # errors.md's words; they only look like SQL to a linter.
            message = f"Unable to update call {call.id}. You can't update the call's state after being set to {call.state}."  # noqa: E501, S608
            raise _refuse(request, 403, "call-invalid-state", message)
        if state == "completed":
            cause = "ORIGINATOR_CANCEL" if call.state == "started" else "NORMAL_CLEARING"
            self._end_call(call, cause)
        elif state is not None and (state == "rejected" or call.state != "active"):
            # Only incoming calls are answered or rejected; the emulator's calls go out.
            message = f"Unable to update call {call.id}. Invalid call state {call.state}"
            raise _refuse(request, 403, "call-invalid-state", message)
        # Recording is noted (GET shows it); the emulator makes no call recordings.
        call.properties.update(
            {key: value for key, value in recording.items() if value is not None}
        )
        return web.Response(status=200)
