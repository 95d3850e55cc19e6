"""Catapult v1 callbacks: the events Bandwidth sends to a `callbackUrl`, and their credentials.

Catapult delivers a callback as a JSON POST, or, with
`callbackHttpMethod=GET`, as the same fields in the query string (where
every value is text: `"true"`, `"1"`). Neither is signed: the only
protection Bandwidth offers is Basic credentials written into the callback
URL (`https://user:pass@host/path`), which `check_callback_auth` checks.

```python
decode = catapult.callback_decoder(username="hook", password="s3cret")
event = decode(delivery)  # WebhookVerificationError, EventPayloadError
match event:
    case catapult.ConferenceMemberEvent(state="completed"):
        ...
```

Event pages: Bandwidth's `apiCallbacks/conf.md`, `confMember.md`,
`confAudio.md`, `confSpeak.md`, `answer.md` and `hangup.md`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, ClassVar, Final

import attrs
import cattrs
import orjson
from cattrs.errors import ClassValidationError

from .. import _wire
from .._delivery import Delivery, EventDecoder
from .._errors import ConfigurationError, EventPayloadError, WebhookVerificationError
from ._wire import CONVERTER, camel

__all__ = [
    "AnswerEvent",
    "Callback",
    "ConferenceEvent",
    "ConferenceMemberEvent",
    "ConferencePlaybackEvent",
    "ConferenceSpeakEvent",
    "HangupEvent",
    "UnknownCallback",
    "callback_decoder",
    "check_callback_auth",
    "parse_callback",
]


def _canonical(value: object) -> object:
    # The same instant written with another offset is the same event time.
    if isinstance(value, datetime):
        try:
            return value.astimezone(UTC).isoformat()
        except OverflowError:  # within hours of year 1 or 9999: no UTC form
            return value.isoformat()
    return value


def _digest(event_type: str, parts: Iterable[tuple[str, object]]) -> str:
    identity = [event_type, [[name, _canonical(value)] for name, value in parts]]
    return hashlib.sha256(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()


class Callback:
    """Base class of every Catapult callback; `id` names the event across redeliveries.

    Catapult gives a callback no id of its own, yet delivers it again when
    an answer fails or is slow (to `fallbackUrl` among others). `id` is
    therefore a SHA-256 digest (hex) of the event's identity: its
    `eventType` and the fields each class lists in its docstring (ids,
    status or state, time; timestamps compared as instants), read from the
    parsed values, so a redelivery with its keys reordered, or the same
    modelled event by GET rather than POST, has the same `id`, and events
    differing in any of those fields have different ones. Fields outside
    the identity (`tag`, URIs, numbers) do not change it. An
    `UnknownCallback`'s identity is all of its fields, as received.
    """

    __slots__ = ()

    #: The `eventType` this class stands for.
    EVENT_TYPE: ClassVar[str] = ""
    #: The attributes (Python names) that make up the event's identity.
    IDENTITY: ClassVar[tuple[str, ...]] = ()

    @property
    def event_type(self) -> str:
        """The callback's `eventType`."""
        return self.EVENT_TYPE

    def _identity(self) -> Iterable[tuple[str, object]]:
        return ((camel(name), getattr(self, name)) for name in self.IDENTITY)

    @property
    def id(self) -> str:
        """A digest of the event's identity: the same for every delivery of this event."""
        return _digest(self.event_type, self._identity())


@attrs.frozen
class ConferenceEvent(Callback):
    """`conference`: a conference was created or completed.

    `status` is `created` or `completed`; `created_time` and
    `completed_time` are aware datetimes, `None` when the callback leaves
    them out (a created event has no completed time). `tag` is the one
    the conference was created with. Identity: `conferenceId`, `status`,
    `createdTime`, `completedTime`.
    """

    EVENT_TYPE: ClassVar[str] = "conference"
    IDENTITY: ClassVar[tuple[str, ...]] = (
        "conference_id",
        "status",
        "created_time",
        "completed_time",
    )

    conference_id: str
    status: str
    conference_uri: str | None = None
    created_time: datetime | None = None
    completed_time: datetime | None = None
    tag: str | None = None


@attrs.frozen
class ConferenceMemberEvent(Callback):
    """`conference-member`: a member joined or left, or was muted or put on hold.

    `state` is `active` or `completed` (left); `active_members` counts the
    conference's active members; `hold` and `mute` are the member's flags
    after the change. Fields the callback leaves out are `None`. Identity:
    `conferenceId`, `memberId`, `callId`, `state`, `hold`, `mute`, `time`
    (a mute and an unmute of one member differ in `mute` and `time`).
    """

    EVENT_TYPE: ClassVar[str] = "conference-member"
    IDENTITY: ClassVar[tuple[str, ...]] = (
        "conference_id",
        "member_id",
        "call_id",
        "state",
        "hold",
        "mute",
        "time",
    )

    conference_id: str
    member_id: str
    call_id: str
    state: str
    active_members: int | None = None
    member_uri: str | None = None
    hold: bool | None = None
    mute: bool | None = None
    time: datetime | None = None
    tag: str | None = None


@attrs.frozen
class _ConferenceMediaEvent(Callback):
    """What a conference's playback and speak events share; `status` is `started` or `done`."""

    IDENTITY: ClassVar[tuple[str, ...]] = ("conference_id", "status", "time")

    conference_id: str
    status: str
    conference_uri: str | None = None
    time: datetime | None = None
    tag: str | None = None


@attrs.frozen
class ConferencePlaybackEvent(_ConferenceMediaEvent):
    """`conference-playback`: an audio file started or is done playing to a whole conference.

    `status` is `started` or `done`. Identity: `conferenceId`, `status`, `time`.
    """

    EVENT_TYPE: ClassVar[str] = "conference-playback"


@attrs.frozen
class ConferenceSpeakEvent(_ConferenceMediaEvent):
    """`conference-speak`: text-to-speech started or is done in a whole conference.

    `status` is `started` or `done`. Identity: `conferenceId`, `status`, `time`.
    """

    EVENT_TYPE: ClassVar[str] = "conference-speak"


@attrs.frozen
class AnswerEvent(Callback):
    """`answer`: a call was answered.

    `call_state` is `active`; `from_` (sent as `from`) and `to` are E.164
    numbers or SIP addresses; `tag` is the one the call was created with.
    The page's `diversion` object is not read. Identity: `callId`,
    `callState`, `time`.
    """

    EVENT_TYPE: ClassVar[str] = "answer"
    IDENTITY: ClassVar[tuple[str, ...]] = ("call_id", "call_state", "time")

    call_id: str
    call_uri: str | None = None
    call_state: str | None = None
    from_: str | None = None
    to: str | None = None
    time: datetime | None = None
    tag: str | None = None


@attrs.frozen
class HangupEvent(Callback):
    """`hangup`: a call ended (also how a rejected call is reported).

    `cause` is a SIP-style cause such as `NORMAL_CLEARING`, `USER_BUSY`,
    `CALL_REJECTED`, `NO_ANSWER`, `ORIGINATOR_CANCEL` or
    `UNALLOCATED_NUMBER` (anything else is an internal error, per the
    page); `call_state` is `completed` when sent. Identity: `callId`,
    `callState`, `cause`, `time`.
    """

    EVENT_TYPE: ClassVar[str] = "hangup"
    IDENTITY: ClassVar[tuple[str, ...]] = ("call_id", "call_state", "cause", "time")

    call_id: str
    cause: str | None = None
    call_uri: str | None = None
    call_state: str | None = None
    from_: str | None = None
    to: str | None = None
    time: datetime | None = None
    tag: str | None = None


@attrs.frozen
class UnknownCallback(Callback):
    """A callback of an `eventType` this library does not model; a value, never an error.

    `fields` holds every field as received (JSON values for a POST,
    strings for a GET), `eventType` included. Which of an unknown event's
    fields name it is not known, so its identity is every field.
    """

    #: A field here; the other classes' `event_type` is their `EVENT_TYPE`.
    event_type: str
    fields: Mapping[str, Any] = attrs.field(hash=False, repr=False)

    def _identity(self) -> Iterable[tuple[str, object]]:
        return sorted(self.fields.items())


_KNOWN: Final[dict[str, type[Callback]]] = {
    cls.EVENT_TYPE: cls
    for cls in (
        ConferenceEvent,
        ConferenceMemberEvent,
        ConferencePlaybackEvent,
        ConferenceSpeakEvent,
        AnswerEvent,
        HangupEvent,
    )
}

_COUNT = re.compile(r"[0-9]{1,18}")


def _text_fields(cls: type[Any]) -> dict[str, type[Any]]:
    """The wire names of `cls`'s boolean and integer fields: what a GET query writes as text."""
    attrs.resolve_types(cls)
    kinds: dict[str, type[Any]] = {}
    for field in attrs.fields(cls):
        if field.type in (bool, bool | None):
            kinds[camel(field.name)] = bool
        elif field.type in (int, int | None):
            kinds[camel(field.name)] = int
    return kinds


_TEXT_FIELDS: Final = {event_type: _text_fields(cls) for event_type, cls in _KNOWN.items()}


def _from_query(event_type: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Turn a GET query's `"true"`, `"false"` and digit strings into booleans and ints."""
    converted = dict(fields)
    for name, kind in _TEXT_FIELDS.get(event_type, {}).items():
        text = converted.get(name)
        if text is None:
            continue
        if kind is bool:
            if text not in ("true", "false"):
                raise EventPayloadError(
                    f"Catapult {event_type!r} callback: {name} must be 'true' or 'false'"
                )
            converted[name] = text == "true"
        else:
            if not _COUNT.fullmatch(text):
                raise EventPayloadError(
                    f"Catapult {event_type!r} callback: {name} must be a whole number"
                )
            converted[name] = int(text)
    return converted


def _problem(cls: type[Any], name: str, exc: Exception) -> str:
    field = camel(name)
    if isinstance(exc, KeyError):
        return f"{field} is missing"
    if attrs.fields_dict(cls)[name].type in (datetime, datetime | None) and isinstance(
        exc, ValueError
    ):
        # The parser's own message repeats the whole value, however long.
        return f"{field} is not an ISO 8601 timestamp"
    return f"{field}: {exc}"


def _structure(cls: type[Callback], fields: dict[str, Any]) -> Callback:
    try:
        event: Callback = CONVERTER.structure(fields, cls)
    except ClassValidationError as exc:
        with_notes, without = exc.group_exceptions()
        problems = [_problem(cls, note.name, inner) for inner, note in with_notes]
        problems += [str(inner) for inner in without]
        raise EventPayloadError(
            f"Catapult {cls.EVENT_TYPE!r} callback: {'; '.join(problems)}"
        ) from None
    except (cattrs.BaseValidationError, TypeError, ValueError, KeyError) as exc:
        raise EventPayloadError(
            f"Catapult {cls.EVENT_TYPE!r} callback does not have its documented shape"
        ) from exc
    return event


def _fields_of(data: bytes | str | Mapping[str, str]) -> tuple[dict[str, Any], bool]:
    """The callback's fields, and whether they came from a GET query (text values)."""
    if isinstance(data, Mapping):
        fields: dict[str, Any] = {}
        # Checked, not trusted: the typing promises strings, a caller may not.
        query: Mapping[Any, Any] = data
        for key, value in query.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise EventPayloadError(
                    "a callback query maps parameter names to strings; "
                    f"got a {type(value).__name__} for {str(key)[:40]!r}"
                )
            fields[key] = value
        return fields, True
    if not isinstance(data, bytes | bytearray | memoryview | str):
        raise TypeError(
            f"parse_callback takes a body (bytes or str) or a query Mapping, "
            f"got {type(data).__name__}"
        )
    try:
        payload = _wire.loads(data)
    except ValueError:
        raise EventPayloadError("the callback body is not JSON") from None
    if not isinstance(payload, dict):
        raise EventPayloadError(
            f"the callback body must be a JSON object, got {type(payload).__name__}"
        )
    return payload, False


def parse_callback(data: bytes | str | Mapping[str, str]) -> Callback:
    """Parse one Catapult callback: a POST body (JSON, bytes or str) or a GET query (a Mapping).

    The `eventType` picks the class; an `eventType` this library does not
    model gives an `UnknownCallback`. Fields the class does not know are
    ignored. In a query every value is a string, so the documented booleans
    (`"true"`, `"false"`) and counts (`activeMembers`) are converted here;
    in JSON they must already have their JSON types. Timestamps become
    aware datetimes. Raises `EventPayloadError`, naming the field, for
    anything that is not a callback of the documented shape. This does not
    check credentials: see `check_callback_auth` and `callback_decoder`.
    """
    fields, from_query = _fields_of(data)
    event_type = fields.get("eventType")
    if event_type is None or event_type == "":
        raise EventPayloadError("the callback has no eventType")
    if not isinstance(event_type, str):
        raise EventPayloadError(
            f"the callback's eventType must be a string, got {type(event_type).__name__}"
        )
    cls = _KNOWN.get(event_type)
    if cls is None:
        unknown = UnknownCallback(event_type, MappingProxyType(fields))
        try:
            unknown.id  # noqa: B018 - its id is every field: one that cannot be named is refused now
        except orjson.JSONEncodeError:
            raise EventPayloadError(
                f"the {event_type[:40]!r} callback is nested too deeply to be named"
            ) from None
        return unknown
    if from_query:
        fields = _from_query(event_type, fields)
    return _structure(cls, fields)


def _authorization(headers: Mapping[str, str]) -> str | None:
    """The one `Authorization` header, whatever the case of its name; None if absent or repeated."""
    found = [value for name, value in headers.items() if name.lower() == "authorization"]
    return found[0] if len(found) == 1 else None


def _require_credentials(username: object, password: object) -> tuple[bytes, bytes]:
    if not isinstance(username, str) or not isinstance(password, str):
        raise ConfigurationError("callback username and password must be strings")
    if not username or not password:
        raise ConfigurationError("callback username and password must not be empty")
    if ":" in username:
        # Basic credentials are `user:password`: a colon in the user is ambiguous.
        raise ConfigurationError("a Basic credentials username cannot contain ':'")
    return username.encode(), password.encode()


def _hashed(secret: bytes) -> bytes:
    # Compared as digests, so the comparison takes no time that depends on
    # either side's length.
    return hashlib.sha256(secret).digest()


def check_callback_auth(headers: Mapping[str, str], *, username: str, password: str) -> None:
    """Check a callback's `Authorization: Basic ...` header against the URL's credentials.

    Catapult callbacks are not signed: the credentials written into the
    callback URL (`https://user:pass@host/path`) are the only protection,
    so a callback without them is to be refused. Header names are matched
    in any case. User and password are compared in constant time, both of
    them every time, so neither the timing nor the message tells which was
    wrong. Raises `WebhookVerificationError` with `check="credentials"`
    when the header is missing, not Basic, malformed or wrong; its message
    never holds the credentials. Raises `ConfigurationError` for an empty
    username or password, or a username with a colon.
    """
    expected_user, expected_password = _require_credentials(username, password)
    header = _authorization(headers)
    if header is None:
        raise WebhookVerificationError(
            "the callback has no single Authorization header", check="credentials"
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        raise WebhookVerificationError(
            "the callback's Authorization header is not Basic credentials", check="credentials"
        )
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            "the callback's Basic credentials are not valid Base64", check="credentials"
        ) from None
    user, colon, secret = decoded.partition(b":")
    if not colon:
        raise WebhookVerificationError(
            "the callback's Basic credentials are not user:password", check="credentials"
        )
    user_ok = hmac.compare_digest(_hashed(user), _hashed(expected_user))
    password_ok = hmac.compare_digest(_hashed(secret), _hashed(expected_password))
    if not (user_ok & password_ok):
        raise WebhookVerificationError(
            "the callback's Basic credentials do not match", check="credentials"
        )


def callback_decoder(
    *, username: str | None = None, password: str | None = None
) -> EventDecoder[Callback]:
    """Build the decoder for Catapult deliveries: credentials checked, then the callback parsed.

    With `username` and `password` (both, or neither: anything else is a
    `ConfigurationError`, raised here), every delivery must carry those
    Basic credentials (`check_callback_auth`). A POST's body is parsed as
    JSON, a GET's query parameters as `callbackHttpMethod=GET` sends them;
    any other method is an `EventPayloadError`.
    """
    if (username is None) != (password is None):
        raise ConfigurationError("give both callback username and password, or neither")
    credentials: tuple[str, str] | None = None
    if username is not None and password is not None:
        _require_credentials(username, password)
        credentials = (username, password)

    def decode(delivery: Delivery) -> Callback:
        if credentials is not None:
            check_callback_auth(delivery.headers, username=credentials[0], password=credentials[1])
        method = delivery.method.upper()
        if method == "POST":
            return parse_callback(delivery.body)
        if method == "GET":
            return parse_callback(delivery.query)
        raise EventPayloadError(
            f"Catapult delivers callbacks by GET or POST, not {delivery.method[:20]!r}"
        )

    return decode
