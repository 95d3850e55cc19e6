"""Telnyx v2 webhooks: verify the Ed25519 signature over the raw bytes, then parse the event.

```python
from conferencing import WebhookReceiver, telnyx

decoder = telnyx.webhook_decoder(os.environ["TELNYX_PUBLIC_KEY"])
async with WebhookReceiver(decoder, handler=on_event) as receiver: ...

# or by hand, in any web framework, on the body exactly as received:
event = telnyx.construct_event(body, request.headers, public_key)
match event:
    case telnyx.ConferenceParticipantJoined(payload=joined):
        print(joined.conference_id, joined.call_control_id)
    case telnyx.UnknownEvent():
        pass  # an event type this library does not know yet
```

Verifying (`verify_webhook`) is a pure function of the body bytes, the
headers, the key and the clock; parsing (`parse_event`) is a second step on
verified bytes. Event types this module does not know become `UnknownEvent`
values, never errors: Telnyx adds event types, and fields, without asking.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from types import NoneType, UnionType
from typing import TYPE_CHECKING, Any, Final, TypeAlias, Union, get_args, get_origin

import attrs
from cattrs.errors import (
    BaseValidationError,
    ClassValidationError,
    IterableValidationError,
)

from .. import _wire
from .._delivery import Delivery
from .._errors import ConfigurationError, EventPayloadError, WebhookVerificationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "CallAnswered",
    "CallAnsweredPayload",
    "CallHangup",
    "CallHangupPayload",
    "CallInitiated",
    "CallInitiatedPayload",
    "ConferenceCreated",
    "ConferenceCreatedPayload",
    "ConferenceEnded",
    "ConferenceEndedPayload",
    "ConferenceFloorChanged",
    "ConferenceFloorChangedPayload",
    "ConferenceParticipantJoined",
    "ConferenceParticipantJoinedPayload",
    "ConferenceParticipantLeft",
    "ConferenceParticipantLeftPayload",
    "ConferenceParticipantPlaybackEnded",
    "ConferenceParticipantPlaybackEndedPayload",
    "ConferenceParticipantPlaybackStarted",
    "ConferenceParticipantPlaybackStartedPayload",
    "ConferenceParticipantSpeakEnded",
    "ConferenceParticipantSpeakEndedPayload",
    "ConferenceParticipantSpeakStarted",
    "ConferenceParticipantSpeakStartedPayload",
    "ConferencePlaybackEnded",
    "ConferencePlaybackEndedPayload",
    "ConferencePlaybackStarted",
    "ConferencePlaybackStartedPayload",
    "ConferenceRecordingSaved",
    "ConferenceRecordingSavedPayload",
    "ConferenceSpeakEnded",
    "ConferenceSpeakEndedPayload",
    "ConferenceSpeakStarted",
    "ConferenceSpeakStartedPayload",
    "Event",
    "RecordingUrls",
    "SipHeader",
    "TelnyxEvent",
    "UnknownEvent",
    "construct_event",
    "parse_event",
    "verify_webhook",
    "webhook_decoder",
]

SIGNATURE_HEADER: Final = "telnyx-signature-ed25519"
TIMESTAMP_HEADER: Final = "telnyx-timestamp"
#: Telnyx's own SDKs refuse a timestamp more than five minutes from now.
DEFAULT_TOLERANCE: Final = 300.0

_KEY_BYTES: Final = 32
_SIGNATURE_BYTES: Final = 64
# Unix seconds as ASCII digits only: `int()` would also take " 12", "+12",
# "1_2" and other scripts' digits, none of which Telnyx sends.
_TIMESTAMP: Final = re.compile(r"[0-9]{1,15}")


# --- Verifying -----------------------------------------------------------------------------


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """`name`'s value in any letter case, for a plain dict as for aiohttp's `CIMultiDict`."""
    value = headers.get(name)
    if value is None:
        for key, candidate in headers.items():
            if key.lower() == name:
                value = candidate
                break
        else:
            return None
    return value.strip()


def _key_bytes(public_key: str | bytes) -> bytes:
    given: object = public_key
    if isinstance(given, bytes) and len(given) == _KEY_BYTES:
        # 32 raw bytes: Base64 text that long would decode to 24 bytes, no key at all.
        return given
    if not isinstance(given, str | bytes):
        raise WebhookVerificationError(
            "the public key must be Base64 text or the 32 raw bytes of the key", check="key"
        )
    try:
        raw = base64.b64decode(given.strip(), validate=True)
    except ValueError:  # binascii.Error, or a str with non-ASCII characters
        raise WebhookVerificationError("the public key is not valid Base64", check="key") from None
    if len(raw) != _KEY_BYTES:
        raise WebhookVerificationError(
            f"the public key decodes to {len(raw)} bytes; an Ed25519 public key has 32",
            check="key",
        )
    return raw


@functools.lru_cache(maxsize=16)
def _public_key(public_key: str | bytes) -> Ed25519PublicKey:
    """The key, decoded and loaded once per distinct key (verifying a delivery loads none)."""
    raw = _key_bytes(public_key)
    # Imported on first use, not with the module: cryptography's native
    # bindings take some 35 ms to load, which everyone who only sends
    # requests would otherwise pay at `import conferencing`.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: PLC0415
        Ed25519PublicKey,
    )

    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise WebhookVerificationError(
            "the public key is not a usable Ed25519 key", check="key"
        ) from None


def _seconds(name: str, value: object, *, minimum: float | None) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or (minimum is not None and value < minimum)
    ):
        bound = f" >= {minimum:g}" if minimum is not None else ""
        raise ConfigurationError(f"{name} must be a finite number of seconds{bound}, got {value!r}")
    return float(value)


def _verify(
    body: bytes,
    headers: Mapping[str, str],
    key: Ed25519PublicKey,
    tolerance: float,
    now: float,
) -> None:
    from cryptography.exceptions import InvalidSignature  # noqa: PLC0415 - see _public_key

    signature_text = _header(headers, SIGNATURE_HEADER)
    if signature_text is None:
        raise WebhookVerificationError(f"the {SIGNATURE_HEADER} header is missing", check="header")
    timestamp_text = _header(headers, TIMESTAMP_HEADER)
    if timestamp_text is None:
        raise WebhookVerificationError(f"the {TIMESTAMP_HEADER} header is missing", check="header")
    if not _TIMESTAMP.fullmatch(timestamp_text):
        raise WebhookVerificationError(
            f"the {TIMESTAMP_HEADER} header is not a whole number of Unix seconds", check="header"
        )
    try:
        signature = base64.b64decode(signature_text, validate=True)
    except ValueError:
        raise WebhookVerificationError(
            f"the {SIGNATURE_HEADER} header is not valid Base64", check="header"
        ) from None
    if len(signature) != _SIGNATURE_BYTES:
        raise WebhookVerificationError(
            f"the {SIGNATURE_HEADER} header decodes to {len(signature)} bytes; "
            "an Ed25519 signature has 64",
            check="header",
        )
    age = now - int(timestamp_text)
    # Written so that a NaN clock fails too.
    if not abs(age) <= tolerance:
        when = "in the past" if age > 0 else "in the future"
        raise WebhookVerificationError(
            f"the {TIMESTAMP_HEADER} is {abs(age):.0f} s {when}, "
            f"beyond the {tolerance:g} s tolerance (a replay, or a wrong clock)",
            check="timestamp",
        )
    # Signed is "{timestamp}|{body}" with the body's bytes exactly as they arrived.
    try:
        key.verify(signature, timestamp_text.encode("ascii") + b"|" + body)
    except InvalidSignature:
        raise WebhookVerificationError(
            "the signature does not match this body and timestamp under this public key",
            check="signature",
        ) from None


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    public_key: str | bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Check that a delivery was signed by Telnyx, recently; return None or raise.

    Args:
        body: The request body exactly as received (never re-serialised JSON).
        headers: The request headers; names are matched in any letter case.
        public_key: The account's public key from the Telnyx portal: Base64
            text (str or bytes) of its 32 bytes, or the 32 raw bytes.
        tolerance: How many seconds `telnyx-timestamp` may be from `now`,
            either way; a finite number >= 0.
        now: The current Unix time; `time.time()` when None.

    Raises:
        WebhookVerificationError: `check` says which check failed: "key" (not
            Base64 of a 32-byte key), "header" (a header missing, a timestamp
            that is not an integer, a signature that is not Base64 of 64
            bytes), "timestamp" (outside the tolerance), "signature" (does
            not match). Its message never contains the key.
        ConfigurationError: `tolerance` or `now` is not a finite number.
    """
    allowed = _seconds("tolerance", tolerance, minimum=0)
    clock = time.time() if now is None else _seconds("now", now, minimum=None)
    _verify(body, headers, _public_key(public_key), allowed, clock)


def construct_event(
    body: bytes,
    headers: Mapping[str, str],
    public_key: str | bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> Event:
    """Verify a delivery (`verify_webhook`), then parse its body (`parse_event`).

    Raises:
        WebhookVerificationError: the delivery does not verify; nothing was parsed.
        EventPayloadError: it verifies, but the body is not a Telnyx event.
    """
    verify_webhook(body, headers, public_key, tolerance=tolerance)
    return parse_event(body)


def webhook_decoder(
    public_key: str | bytes, *, tolerance: float = DEFAULT_TOLERANCE
) -> Callable[[Delivery], Event]:
    """A decoder for `WebhookReceiver`: verifies and parses each `Delivery` of Telnyx's.

    The key and the tolerance are checked here, once: a key that is not
    Base64 of 32 bytes raises `WebhookVerificationError` (check "key") now,
    not at the first delivery. The decoder refuses anything but a POST with
    `EventPayloadError` (Telnyx always POSTs JSON).
    """
    allowed = _seconds("tolerance", tolerance, minimum=0)
    key = _public_key(public_key)

    def decode(delivery: Delivery) -> Event:
        if delivery.method.upper() != "POST":
            raise EventPayloadError(
                f"Telnyx delivers webhooks as a POST with a JSON body, not a {delivery.method}"
            )
        _verify(delivery.body, delivery.headers, key, allowed, time.time())
        return parse_event(delivery.body)

    return decode


# --- Payloads --------------------------------------------------------------------------------


@attrs.frozen
class RecordingUrls:
    """Where a recording can be downloaded, one URL per format it was saved in."""

    mp3: str | None = None
    wav: str | None = None


@attrs.frozen
class SipHeader:
    """A SIP header of a call: a custom header, or User-to-User / Diversion from the INVITE."""

    name: str
    value: str


@attrs.frozen
class _Leg:
    """What Telnyx says about the call leg an event concerns."""

    #: The leg's id for Call Control commands.
    call_control_id: str | None = None
    call_leg_id: str | None = None
    call_session_id: str | None = None
    #: The Base64 text the last command set, exactly as sent (see `client_state_text`).
    client_state: str | None = None
    #: The Call Control application's id.
    connection_id: str | None = None

    @property
    def client_state_text(self) -> str | None:
        """`client_state` decoded from Base64 as UTF-8 text; None when there is none.

        Raises:
            EventPayloadError: it is not Base64 of UTF-8 text (it was set by
                some other client, or holds binary state).
        """
        if self.client_state is None:
            return None
        try:
            return base64.b64decode(self.client_state, validate=True).decode()
        except ValueError as exc:  # binascii.Error and UnicodeDecodeError both are
            raise EventPayloadError("client_state is not Base64 of UTF-8 text") from exc


@attrs.frozen
class _ConferenceLeg(_Leg):
    conference_id: str | None = None
    occurred_at: datetime | None = None


@attrs.frozen
class ConferenceCreatedPayload(_ConferenceLeg):
    """`conference.created`: the conference, and the leg it was created from."""


@attrs.frozen
class ConferenceEndedPayload(_ConferenceLeg):
    """`conference.ended`: the conference, and why it ended."""

    #: "all_left", "host_left" or "time_exceeded" (kept as sent: Telnyx may add reasons).
    reason: str | None = None


@attrs.frozen
class ConferenceFloorChangedPayload(_ConferenceLeg):
    """`conference.floor.changed`: the call fields are the new speaker's."""


@attrs.frozen
class ConferenceParticipantJoinedPayload(_ConferenceLeg):
    """`conference.participant.joined`: the leg that joined, and the conference."""


@attrs.frozen
class ConferenceParticipantLeftPayload(_ConferenceLeg):
    """`conference.participant.left`: the leg that left, and the conference."""


@attrs.frozen
class _ParticipantMedia(_ConferenceLeg):
    #: The call session that started the conference.
    creator_call_session_id: str | None = None


@attrs.frozen
class ConferenceParticipantSpeakStartedPayload(_ParticipantMedia):
    """`conference.participant.speak.started`: text-to-speech began for one participant."""


@attrs.frozen
class ConferenceParticipantSpeakEndedPayload(_ParticipantMedia):
    """`conference.participant.speak.ended`: text-to-speech ended for one participant."""


@attrs.frozen
class ConferenceParticipantPlaybackStartedPayload(_ParticipantMedia):
    """`conference.participant.playback.started`: audio began playing to one participant."""

    #: The media storage file being played, if the playback named one.
    media_name: str | None = None
    #: The audio URL being played, if the playback gave one.
    media_url: str | None = None


@attrs.frozen
class ConferenceParticipantPlaybackEndedPayload(_ParticipantMedia):
    """`conference.participant.playback.ended`: audio stopped playing to one participant."""

    media_name: str | None = None
    media_url: str | None = None


@attrs.frozen
class _ConferenceMedia:
    conference_id: str | None = None
    connection_id: str | None = None
    #: The call session that started the conference.
    creator_call_session_id: str | None = None
    occurred_at: datetime | None = None


@attrs.frozen
class ConferenceSpeakStartedPayload(_ConferenceMedia):
    """`conference.speak.started`: text-to-speech began in the whole conference."""


@attrs.frozen
class ConferenceSpeakEndedPayload(_ConferenceMedia):
    """`conference.speak.ended`: text-to-speech ended in the whole conference."""


@attrs.frozen
class ConferencePlaybackStartedPayload(_ConferenceMedia):
    """`conference.playback.started`: audio began playing to the whole conference."""

    media_name: str | None = None
    media_url: str | None = None


@attrs.frozen
class ConferencePlaybackEndedPayload(_ConferenceMedia):
    """`conference.playback.ended`: audio stopped playing to the whole conference."""

    media_name: str | None = None
    media_url: str | None = None


@attrs.frozen
class ConferenceRecordingSavedPayload(_Leg):
    """`conference.recording.saved`: a conference recording is ready to download."""

    conference_id: str | None = None
    recording_id: str | None = None
    #: "single" or "dual".
    channels: str | None = None
    #: "mp3" or "wav".
    format: str | None = None
    #: Valid for 10 minutes after the event.
    recording_urls: RecordingUrls | None = None
    #: Valid while the file exists; only on accounts where Telnyx enabled them.
    public_recording_urls: RecordingUrls | None = None
    recording_started_at: datetime | None = None
    recording_ended_at: datetime | None = None


@attrs.frozen
class _CallLeg(_Leg):
    #: Number or SIP URI placing the call (`from` on the wire).
    from_: str | None = None
    #: Number or SIP URI the call is to.
    to: str | None = None
    start_time: datetime | None = None
    state: str | None = None
    #: The tags of the number.
    tags: tuple[str, ...] | None = None
    custom_headers: tuple[SipHeader, ...] | None = None
    #: User-to-User and Diversion headers from the INVITE.
    sip_headers: tuple[SipHeader, ...] | None = None


@attrs.frozen
class CallInitiatedPayload(_CallLeg):
    """`call.initiated`: a call leg began, incoming or dialled; `state` is parked or bridging."""

    #: "incoming" or "outgoing".
    direction: str | None = None
    caller_id_name: str | None = None
    call_screening_result: str | None = None
    #: Comma-separated codecs enabled for the connection.
    connection_codecs: str | None = None
    #: Comma-separated codecs the caller offered.
    offered_codecs: str | None = None
    shaken_stir_attestation: str | None = None
    shaken_stir_validated: bool | None = None


@attrs.frozen
class CallAnsweredPayload(_CallLeg):
    """`call.answered`: the leg was answered and can join a conference."""


@attrs.frozen
class CallHangupPayload(_CallLeg):
    """`call.hangup`: the leg ended, why, and who ended it."""

    #: call_rejected, normal_clearing, originator_cancel, timeout, time_limit,
    #: user_busy, not_found, no_answer or unspecified (kept as sent).
    hangup_cause: str | None = None
    #: "caller", "callee" or "unknown".
    hangup_source: str | None = None
    #: The SIP response code as text ("603"), or "unspecified".
    sip_hangup_cause: str | None = None
    #: Call quality statistics exactly as sent (`inbound` / `outbound` objects
    #: of string metrics); raw because they are diagnostics, not decisions.
    call_quality_stats: Mapping[str, Any] | None = None


# --- Events ----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Event:
    """A Telnyx webhook event: `data` of the envelope, with its `payload` in each subclass.

    `occurred_at` is `data.occurred_at`, or the payload's own when the
    envelope has none (Telnyx's reference shows conference events that
    way); None only when neither says.
    """

    #: Unique per event and the same for every delivery of it: de-duplicate on it.
    id: str
    event_type: str
    occurred_at: datetime | None = None
    record_type: str = "event"


@attrs.frozen(kw_only=True)
class ConferenceCreated(Event):
    """`conference.created`."""

    event_type: str = "conference.created"
    payload: ConferenceCreatedPayload


@attrs.frozen(kw_only=True)
class ConferenceEnded(Event):
    """`conference.ended`."""

    event_type: str = "conference.ended"
    payload: ConferenceEndedPayload


@attrs.frozen(kw_only=True)
class ConferenceFloorChanged(Event):
    """`conference.floor.changed`."""

    event_type: str = "conference.floor.changed"
    payload: ConferenceFloorChangedPayload


@attrs.frozen(kw_only=True)
class ConferenceParticipantJoined(Event):
    """`conference.participant.joined`."""

    event_type: str = "conference.participant.joined"
    payload: ConferenceParticipantJoinedPayload


@attrs.frozen(kw_only=True)
class ConferenceParticipantLeft(Event):
    """`conference.participant.left`."""

    event_type: str = "conference.participant.left"
    payload: ConferenceParticipantLeftPayload


@attrs.frozen(kw_only=True)
class ConferenceParticipantPlaybackStarted(Event):
    """`conference.participant.playback.started`."""

    event_type: str = "conference.participant.playback.started"
    payload: ConferenceParticipantPlaybackStartedPayload


@attrs.frozen(kw_only=True)
class ConferenceParticipantPlaybackEnded(Event):
    """`conference.participant.playback.ended`."""

    event_type: str = "conference.participant.playback.ended"
    payload: ConferenceParticipantPlaybackEndedPayload


@attrs.frozen(kw_only=True)
class ConferenceParticipantSpeakStarted(Event):
    """`conference.participant.speak.started`."""

    event_type: str = "conference.participant.speak.started"
    payload: ConferenceParticipantSpeakStartedPayload


@attrs.frozen(kw_only=True)
class ConferenceParticipantSpeakEnded(Event):
    """`conference.participant.speak.ended`."""

    event_type: str = "conference.participant.speak.ended"
    payload: ConferenceParticipantSpeakEndedPayload


@attrs.frozen(kw_only=True)
class ConferencePlaybackStarted(Event):
    """`conference.playback.started`."""

    event_type: str = "conference.playback.started"
    payload: ConferencePlaybackStartedPayload


@attrs.frozen(kw_only=True)
class ConferencePlaybackEnded(Event):
    """`conference.playback.ended`."""

    event_type: str = "conference.playback.ended"
    payload: ConferencePlaybackEndedPayload


@attrs.frozen(kw_only=True)
class ConferenceSpeakStarted(Event):
    """`conference.speak.started`."""

    event_type: str = "conference.speak.started"
    payload: ConferenceSpeakStartedPayload


@attrs.frozen(kw_only=True)
class ConferenceSpeakEnded(Event):
    """`conference.speak.ended`."""

    event_type: str = "conference.speak.ended"
    payload: ConferenceSpeakEndedPayload


@attrs.frozen(kw_only=True)
class ConferenceRecordingSaved(Event):
    """`conference.recording.saved`."""

    event_type: str = "conference.recording.saved"
    payload: ConferenceRecordingSavedPayload


@attrs.frozen(kw_only=True)
class CallInitiated(Event):
    """`call.initiated`."""

    event_type: str = "call.initiated"
    payload: CallInitiatedPayload


@attrs.frozen(kw_only=True)
class CallAnswered(Event):
    """`call.answered`."""

    event_type: str = "call.answered"
    payload: CallAnsweredPayload


@attrs.frozen(kw_only=True)
class CallHangup(Event):
    """`call.hangup`."""

    event_type: str = "call.hangup"
    payload: CallHangupPayload


@attrs.frozen(kw_only=True)
class UnknownEvent(Event):
    """An event type this library has no class for; `payload` is the JSON object as sent."""

    payload: Mapping[str, Any]


#: Every event `parse_event` returns, for exhaustive `match` statements.
TelnyxEvent: TypeAlias = (
    ConferenceCreated
    | ConferenceEnded
    | ConferenceFloorChanged
    | ConferenceParticipantJoined
    | ConferenceParticipantLeft
    | ConferenceParticipantPlaybackStarted
    | ConferenceParticipantPlaybackEnded
    | ConferenceParticipantSpeakStarted
    | ConferenceParticipantSpeakEnded
    | ConferencePlaybackStarted
    | ConferencePlaybackEnded
    | ConferenceSpeakStarted
    | ConferenceSpeakEnded
    | ConferenceRecordingSaved
    | CallInitiated
    | CallAnswered
    | CallHangup
    | UnknownEvent
)


# --- Parsing ---------------------------------------------------------------------------------


def _wire_name(name: str) -> str:
    """`from_` -> `from`; every other field has its wire name already."""
    return "from" if name == "from_" else name


# The Telnyx dialect, with one rename the answers never need: `from` is a
# Python keyword. Built from the same parts as `_wire.CONVERTER`.
_CONVERTER: Final = _wire.make_converter(_wire_name)


def _object_as_sent(value: Any, _type: Any) -> Mapping[str, Any]:
    if type(value) is not dict:
        raise TypeError(f"expected a JSON object, got {type(value).__name__}")
    return value


_CONVERTER.register_structure_hook_func(lambda t: t == Mapping[str, Any], _object_as_sent)


def _by_event_type(*classes: type[Event]) -> dict[str, tuple[Callable[..., Event], type[Any]]]:
    """Each class's `event_type` -> the class and its payload class."""
    known: dict[str, tuple[Callable[..., Event], type[Any]]] = {}
    for cls in classes:
        fields = attrs.fields_dict(attrs.resolve_types(cls))
        event_type, payload_type = fields["event_type"].default, fields["payload"].type
        if not isinstance(event_type, str) or payload_type is None:
            raise TypeError(f"{cls.__name__} needs a default event_type and a payload class")
        known[event_type] = (cls, payload_type)
    return known


_KNOWN: Final = _by_event_type(
    ConferenceCreated,
    ConferenceEnded,
    ConferenceFloorChanged,
    ConferenceParticipantJoined,
    ConferenceParticipantLeft,
    ConferenceParticipantPlaybackStarted,
    ConferenceParticipantPlaybackEnded,
    ConferenceParticipantSpeakStarted,
    ConferenceParticipantSpeakEnded,
    ConferencePlaybackStarted,
    ConferencePlaybackEnded,
    ConferenceSpeakStarted,
    ConferenceSpeakEnded,
    ConferenceRecordingSaved,
    CallInitiated,
    CallAnswered,
    CallHangup,
)


_hooks: Final[dict[type[Any], Callable[[Any, Any], Any]]] = {}


def _payload_hook(payload_type: type[Any]) -> Callable[[Any, Any], Any]:
    """The payload class's structuring code, generated on first use rather than at import."""
    hook = _hooks.get(payload_type)
    if hook is None:
        hook = _hooks[payload_type] = _CONVERTER.get_structure_hook(payload_type)
    return hook


class _Missing:
    """Stands for a key that is absent, as distinct from one that is null."""


_MISSING: Final = _Missing()


#: JSON's names for the types a decoded value can have; bool before int, which it is.
_KINDS: Final[tuple[tuple[type | UnionType, str], ...]] = (
    (NoneType, "null"),
    (bool, "a boolean"),
    (int | float, "a number"),
    (list, "an array"),
    (Mapping, "an object"),
)


def _kind(value: object) -> str:
    """What JSON calls `value`'s type, for messages (values themselves are never echoed)."""
    if isinstance(value, _Missing):
        return "nothing (the key is missing)"
    if isinstance(value, str):
        return "a string" if value else "an empty string"
    for kind, name in _KINDS:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def _describe_type(type_: Any) -> str:
    if get_origin(type_) in (Union, UnionType):
        inner = [arg for arg in get_args(type_) if arg is not NoneType]
        if len(inner) == 1:
            return _describe_type(inner[0])
    if _wire.is_array(type_):
        return f"an array of {_plural(get_args(type_)[0])}"
    names: dict[Any, str] = {
        str: "a string",
        int: "an integer",
        bool: "true or false",
        datetime: "an ISO 8601 timestamp",
    }
    if type_ in names:
        return names[type_]
    return "an object"


def _plural(type_: Any) -> str:
    return {str: "strings"}.get(type_, "objects")


def _problems(exc: BaseException, path: str, type_: Any) -> Iterator[str]:
    """One "path: problem" line per field that failed, however deep."""
    if isinstance(exc, ClassValidationError):
        with_notes, others = exc.group_exceptions()
        for sub, note in with_notes:
            yield from _problems(sub, f"{path}.{_wire_name(note.name)}", note.type)
        for sub in others:
            yield from _problems(sub, path, type_)
    elif isinstance(exc, IterableValidationError):
        items, others = exc.group_exceptions()
        for sub, item_note in items:
            yield from _problems(sub, f"{path}[{item_note.index}]", item_note.type)
        for sub in others:
            yield from _problems(sub, path, type_)
    elif isinstance(exc, KeyError):
        yield f"{path}: missing"
    else:
        yield f"{path}: expected {_describe_type(type_)}"


def _timestamp(value: object, path: str) -> datetime:
    if isinstance(value, str):
        try:
            return _wire.parse_datetime(value)
        except ValueError:
            pass
    raise EventPayloadError(f"{path}: expected an ISO 8601 timestamp, got {_kind(value)}")


def _data(body: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    """The envelope's `data` object."""
    envelope: Any = body
    if not isinstance(body, Mapping):
        try:
            envelope = _wire.loads(body)
        except ValueError as exc:
            raise EventPayloadError(f"the body is not JSON: {exc}") from exc
        if not isinstance(envelope, dict):
            raise EventPayloadError(f"the body is {_kind(envelope)}, not a JSON object")
    data = envelope.get("data", _MISSING)
    if not isinstance(data, Mapping):
        raise EventPayloadError(f"data: expected an object, got {_kind(data)}")
    return data


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, _MISSING)
    if type(value) is not str or not value:
        raise EventPayloadError(f"data.{key}: expected a non-empty string, got {_kind(value)}")
    return value


def _record_type(data: Mapping[str, Any]) -> str:
    record_type = data.get("record_type")
    if record_type is None:
        return "event"
    if type(record_type) is not str:
        raise EventPayloadError(f"data.record_type: expected a string, got {_kind(record_type)}")
    return record_type


def _unknown_occurred_at(payload: Mapping[str, Any]) -> datetime | None:
    """An unknown event's `payload.occurred_at`, if it has a readable one: not ours to judge."""
    value = payload.get("occurred_at")
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return _wire.parse_datetime(value)
    return None


def parse_event(body: bytes | str | Mapping[str, Any]) -> Event:
    """Parse a Telnyx webhook body into its event class, or `UnknownEvent` for any other type.

    The body is `{"data": {"record_type": "event", "id", "event_type",
    "occurred_at", "payload": {...}}, "meta": {...}}`, as bytes, text or
    already-decoded JSON. Unknown fields are ignored anywhere; known fields
    must have their documented JSON types. Call it on verified bytes only
    (`construct_event` and `webhook_decoder` do both).

    Raises:
        EventPayloadError: the body is not JSON, not an object, or its
            `data`, `data.id`, `data.event_type`, `data.occurred_at` or
            `data.payload` (or a payload field) is missing where required or
            of the wrong type; the message names the field, as in
            "data.payload.conference_id: expected a string".
    """
    data = _data(body)
    event_id = _text(data, "id")
    event_type = _text(data, "event_type")
    record_type = _record_type(data)
    payload = data.get("payload", _MISSING)
    if not isinstance(payload, Mapping):
        raise EventPayloadError(f"data.payload: expected an object, got {_kind(payload)}")
    occurred = data.get("occurred_at")
    occurred_at = None if occurred is None else _timestamp(occurred, "data.occurred_at")

    known = _KNOWN.get(event_type)
    if known is None:
        return UnknownEvent(
            id=event_id,
            event_type=event_type,
            occurred_at=occurred_at or _unknown_occurred_at(payload),
            record_type=record_type,
            payload=payload,
        )
    event_class, payload_type = known
    fields = payload if type(payload) is dict else dict(payload)
    try:
        typed = _payload_hook(payload_type)(fields, payload_type)
    except (BaseValidationError, TypeError, ValueError, KeyError) as exc:
        problems = "; ".join(_problems(exc, "data.payload", payload_type))
        raise EventPayloadError(f"{event_type}: {problems}") from exc
    return event_class(
        id=event_id,
        event_type=event_type,
        occurred_at=occurred_at or getattr(typed, "occurred_at", None),
        record_type=record_type,
        payload=typed,
    )
