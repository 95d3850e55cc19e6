"""Bandwidth Catapult v1 conference requests and answers, with the documented rules."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

import attrs

from .. import _rules as rules
from .._errors import ValidationError

__all__ = [
    "CALLBACK_HTTP_METHODS",
    "CALL_DIRECTIONS",
    "CALL_STATES",
    "CALL_UPDATE_STATES",
    "CONFERENCE_STATES",
    "DEFAULT_CALLS_PAGE_SIZE",
    "GENDERS",
    "LOCALES",
    "MAX_CALLBACK_TIMEOUT_MS",
    "MAX_CALLS_PAGE_SIZE",
    "MAX_CALL_TIMEOUT_S",
    "MAX_MEMBERS",
    "MAX_SENTENCE_CHARS",
    "MAX_SIP_HEADERS",
    "MEMBER_STATES",
    "MIN_CONFERENCE_CALLERS",
    "PROFILES",
    "RECORDING_FILE_FORMATS",
    "SORT_ORDERS",
    "TRANSFER_CALLER_ID_PRIVATE",
    "VOICES",
    "AddMemberRequest",
    "Call",
    "CallRef",
    "Conference",
    "ConferenceRef",
    "CreateCallRequest",
    "CreateConferenceRequest",
    "ListCallsRequest",
    "Member",
    "MemberRef",
    "PlayAudioRequest",
    "UpdateCallRequest",
    "UpdateConferenceRequest",
    "UpdateMemberRequest",
]

#: `callbackHttpMethod` values.
CALLBACK_HTTP_METHODS: Final = ("GET", "POST")
#: `profile` values.
PROFILES: Final = ("interpret_digits", "passthru_digits")
#: Catapult waits at most 10 s for a callback answer, and that is also its default.
MAX_CALLBACK_TIMEOUT_MS: Final = 10_000
#: The longest a new call may ring before Catapult gives up (`callTimeout`, seconds).
MAX_CALL_TIMEOUT_S: Final = 300
#: A conference holds at most this many members (more: 403 `conference-max-members`).
MAX_MEMBERS: Final = 20
#: Bandwidth's guide: a conference is for three or more calls; fewer should be bridged.
MIN_CONFERENCE_CALLERS: Final = 3
#: A conference's `state` as Catapult reports it.
CONFERENCE_STATES: Final = ("created", "active", "completed")
#: A member's `state` as Catapult reports it.
MEMBER_STATES: Final = ("active", "completed")
#: A call's `state` as Catapult reports it (`started` while it rings).
CALL_STATES: Final = ("started", "rejected", "active", "completed", "transferring")
#: The `state` values an update may ask for: answer (`active`) or reject an
#: incoming call, hang up (`completed`), or transfer (`transferring`).
CALL_UPDATE_STATES: Final = ("active", "rejected", "completed", "transferring")
#: A call's `direction`: `in` for an incoming call, `out` for an outgoing one.
CALL_DIRECTIONS: Final = ("in", "out")
#: `sortOrder` values for listing calls (by `startTime`; Catapult's default is desc).
SORT_ORDERS: Final = ("asc", "desc")
#: The most calls one page of `GET /calls` holds (`size`).
MAX_CALLS_PAGE_SIZE: Final = 1000
#: Catapult's page size for `GET /calls` when none is asked for.
DEFAULT_CALLS_PAGE_SIZE: Final = 25
#: The `transfer_caller_id` that hides the caller's number.
TRANSFER_CALLER_ID_PRIVATE: Final = "private"
#: `recordingFileFormat` values.
RECORDING_FILE_FORMATS: Final = ("wav", "mp3")
#: A call carries at most this many `sipHeaders`.
MAX_SIP_HEADERS: Final = 5
#: The longest SIP header name or value Catapult keeps.
MAX_SIP_HEADER_CHARS: Final = 256
#: The longest `sentence` Catapult speaks.
MAX_SENTENCE_CHARS: Final = 1000
#: `gender` values for speaking a sentence.
GENDERS: Final = ("female", "male")
#: `locale` values for speaking a sentence. The page lists Italian as "t or
#: it_IT"; "t" is read as the typo it is for "it".
LOCALES: Final = ("en_US", "en_UK", "es", "es_MX", "fr", "fr_FR", "de", "de_DE", "it", "it_IT")
#: `voice` values for speaking a sentence; matched in any case, since the
#: page's own example sends "kate" for the listed "Kate".
VOICES: Final = (
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

_callback_timeout = rules.int_range(1, MAX_CALLBACK_TIMEOUT_MS, "ms")


def _only_completed(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # GET reports created/active/completed, but an update may only ask for
    # "completed": the others are states Catapult moves into by itself.
    if value is not None and value != "completed":
        raise ValidationError(
            f"{attribute.name} can only be set to 'completed' (to end it), got {value!r}",
            field=attribute.name,
        )


def _sip_headers(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    name = attribute.name
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a mapping of header to value", field=name)
    if len(value) > MAX_SIP_HEADERS:
        raise ValidationError(
            f"{name} may hold at most {MAX_SIP_HEADERS} headers, got {len(value)}", field=name
        )
    for header, text in value.items():
        if not isinstance(header, str) or not header[:2].lower() == "x-" or len(header) < 3:  # noqa: PLR2004
            raise ValidationError(
                f"{name} keys must be header names prefixed by 'X-', got {header!r}", field=name
            )
        if not isinstance(text, str):
            raise ValidationError(f"{name}[{header!r}] must be a string", field=name)
        if len(header) > MAX_SIP_HEADER_CHARS or len(text) > MAX_SIP_HEADER_CHARS:
            raise ValidationError(
                f"{name} names and values must be at most {MAX_SIP_HEADER_CHARS} characters",
                field=name,
            )
        if any(ord(c) < 0x20 or c == "\x7f" for c in header + text):  # noqa: PLR2004
            raise ValidationError(f"{name}[{header!r}] contains a control character", field=name)
        try:
            (header + text).encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(
                f"{name}[{header!r}] must be valid Unicode text (it holds a lone surrogate)",
                field=name,
            ) from None


def _require_a_change(request: object) -> None:
    """Refuse an update that sets nothing: it would be sent and change nothing."""
    if all(getattr(request, a.name) is None for a in attrs.fields(type(request))):  # type: ignore[arg-type]
        raise ValidationError(f"{type(request).__name__} must set at least one field")


@attrs.frozen(kw_only=True)
class CreateConferenceRequest:
    """A `POST /v1/users/{userId}/conferences`: a conference with no members yet.

    Rules from Bandwidth's reference: `from_` (sent as `from`) is required,
    the E.164 number hosting the conference; `callback_timeout` is in
    milliseconds, at most 10000; `callback_http_method` is GET or POST;
    `profile` is interpret_digits or passthru_digits. Fields left as `None`
    are not sent, and Catapult applies its defaults.
    """

    from_: str = attrs.field(validator=rules.e164())
    callback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    callback_http_method: str | None = attrs.field(
        default=None, validator=rules.one_of(CALLBACK_HTTP_METHODS)
    )
    callback_timeout: int | None = attrs.field(default=None, validator=_callback_timeout)
    fallback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    profile: str | None = attrs.field(default=None, validator=rules.one_of(PROFILES))
    tag: str | None = attrs.field(default=None, validator=rules.string())


@attrs.frozen(kw_only=True)
class UpdateConferenceRequest:
    """A `POST .../conferences/{conferenceId}`: end, mute, hold or re-route callbacks.

    Rules from Bandwidth's reference: `state` may only be "completed" (which
    ends the conference for everyone); `hold` and `mute` apply to all members
    unless set per member; `callback_timeout` is 1..10000 ms;
    `callback_http_method` is GET or POST. At least one field must be set.
    """

    state: str | None = attrs.field(default=None, validator=_only_completed)
    hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    mute: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    callback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    callback_http_method: str | None = attrs.field(
        default=None, validator=rules.one_of(CALLBACK_HTTP_METHODS)
    )
    callback_timeout: int | None = attrs.field(default=None, validator=_callback_timeout)
    fallback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    tag: str | None = attrs.field(default=None, validator=rules.string())

    def __attrs_post_init__(self) -> None:
        _require_a_change(self)


@attrs.frozen(kw_only=True)
class CreateCallRequest:
    """A `POST /v1/users/{userId}/calls`: a new outbound call, into a conference if given one.

    Rules from Bandwidth's reference: `from_` is an E.164 number on your
    account; `to` is an E.164 number or a `sip:` URI (SIPS is not
    supported); `call_timeout` is 1..300 seconds (Catapult's default is 60);
    `callback_timeout` is 1..10000 ms; `callback_http_method` is GET or POST;
    `recording_file_format` is wav or mp3; `sip_headers` holds at most 5
    headers, each named `X-...`, names and values at most 256 characters.
    Set `conference_id` to put the call in a conference (then add it as a
    member with `CatapultClient.add_member`).
    """

    from_: str = attrs.field(validator=rules.e164())
    to: str = attrs.field(validator=rules.e164_or_sip_uri())
    conference_id: str | None = attrs.field(default=None, validator=rules.id_value())
    bridge_id: str | None = attrs.field(default=None, validator=rules.id_value())
    call_timeout: int | None = attrs.field(
        default=None, validator=rules.int_range(1, MAX_CALL_TIMEOUT_S, "s")
    )
    callback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    callback_http_method: str | None = attrs.field(
        default=None, validator=rules.one_of(CALLBACK_HTTP_METHODS)
    )
    callback_timeout: int | None = attrs.field(default=None, validator=_callback_timeout)
    fallback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    recording_enabled: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    recording_max_duration: int | None = attrs.field(
        default=None, validator=rules.int_range(1, None, "s")
    )
    recording_file_format: str | None = attrs.field(
        default=None, validator=rules.one_of(RECORDING_FILE_FORMATS)
    )
    transcription_enabled: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    tag: str | None = attrs.field(default=None, validator=rules.string())
    sip_headers: Mapping[str, str] | None = attrs.field(default=None, validator=_sip_headers)


@attrs.frozen(kw_only=True)
class AddMemberRequest:
    """A `POST .../conferences/{conferenceId}/members`: a call joins as a member.

    Rules from Bandwidth's reference: `call_id` is required and must be an
    active call created with this conference's id; a conference holds at
    most 20 members (Catapult answers `ConferenceFullError` past that).
    """

    call_id: str = attrs.field(validator=rules.id_value(required=True))
    join_tone: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    leaving_tone: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    mute: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())


@attrs.frozen(kw_only=True)
class UpdateMemberRequest:
    """A `POST .../conferences/{conferenceId}/members/{memberId}`: remove, mute or hold one member.

    Rules from Bandwidth's reference: `state` may only be "completed" (which
    removes the member); at least one field must be set.
    """

    state: str | None = attrs.field(default=None, validator=_only_completed)
    join_tone: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    leaving_tone: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    mute: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())

    def __attrs_post_init__(self) -> None:
        _require_a_change(self)


@attrs.frozen(kw_only=True)
class PlayAudioRequest:
    """A `POST .../audio` to a conference or one member: play a file or speak a sentence.

    Rules from Bandwidth's reference: exactly one of `file_url` (a WAV or MP3
    URL) and `sentence` (at most 1000 characters); an empty string for
    either stops that kind of playback; `gender` (female, male), `locale` and
    `voice` shape a spoken sentence and are refused with a file, where
    Catapult would silently ignore them; `voice` is one of the documented
    voices in any case.
    """

    file_url: str | None = attrs.field(default=None, validator=rules.http_url_or_empty())
    sentence: str | None = attrs.field(default=None, validator=rules.max_length(MAX_SENTENCE_CHARS))
    gender: str | None = attrs.field(default=None, validator=rules.one_of(GENDERS))
    locale: str | None = attrs.field(default=None, validator=rules.one_of(LOCALES))
    voice: str | None = attrs.field(default=None, validator=rules.one_of_any_case(VOICES))
    loop_enabled: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    tag: str | None = attrs.field(default=None, validator=rules.string())

    def __attrs_post_init__(self) -> None:
        if (self.file_url is None) == (self.sentence is None):
            raise ValidationError(
                "set exactly one of file_url (play a file) and sentence (speak text); "
                "an empty string stops that playback",
                field="file_url" if self.file_url is not None else "sentence",
            )
        if self.sentence is None:
            for name in ("gender", "locale", "voice"):
                if getattr(self, name) is not None:
                    raise ValidationError(
                        f"{name} applies only to a spoken sentence, not to file_url",
                        field=name,
                    )

    @classmethod
    def stop_file(cls) -> PlayAudioRequest:
        """The request that stops a file playing (`{"fileUrl": ""}`)."""
        return cls(file_url="")

    @classmethod
    def stop_sentence(cls) -> PlayAudioRequest:
        """The request that stops a sentence being spoken (`{"sentence": ""}`)."""
        return cls(sentence="")


_e164 = rules.e164()


def _transfer_caller_id(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None or value == TRANSFER_CALLER_ID_PRIVATE:
        return
    try:
        _e164(inst, attribute, value)
    except ValidationError:
        raise ValidationError(
            f"{attribute.name} must be 'private' or an E.164 number like +15551234567 "
            f"(the caller's own or one of your Bandwidth numbers), got {value!r}",
            field=attribute.name,
        ) from None


def _whisper_audio(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, PlayAudioRequest):
        raise ValidationError(
            f"{attribute.name} must be a PlayAudioRequest (a file_url or a sentence), "
            f"got {type(value).__name__}",
            field=attribute.name,
        )
    if value.file_url == "" or value.sentence == "":
        raise ValidationError(
            f"{attribute.name} must play a file or speak a sentence; an empty one stops "
            "playback, which means nothing for a transfer",
            field=attribute.name,
        )


#: The update fields that only mean something with `state="transferring"`.
_TRANSFER_ONLY: Final = ("transfer_to", "transfer_caller_id", "whisper_audio", "callback_url")


@attrs.frozen(kw_only=True)
class UpdateCallRequest:
    """A `POST /v1/users/{userId}/calls/{callId}`: answer, reject, hang up, transfer or record.

    Rules from Bandwidth's reference (Update active Call, Transfer active
    Call): `state` is `active` (answer an incoming call), `rejected`
    (reject it), `completed` (hang up) or `transferring`; a transfer must
    name its line in `transfer_to` (an E.164 number or a `sip:` URI);
    `transfer_to`, `transfer_caller_id`, `whisper_audio` and `callback_url`
    (where the transferred call's events go) only count in a transfer and
    are refused without `state="transferring"`, where Catapult would ignore
    them; `transfer_caller_id` is `private` or an E.164 number;
    `whisper_audio` plays a file or speaks a sentence to the transfer's
    callee; `recording_file_format` is wav or mp3. At least one field must
    be set.
    """

    state: str | None = attrs.field(default=None, validator=rules.one_of(CALL_UPDATE_STATES))
    recording_enabled: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    recording_file_format: str | None = attrs.field(
        default=None, validator=rules.one_of(RECORDING_FILE_FORMATS)
    )
    transfer_to: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(rules.e164_or_sip_uri())
    )
    transfer_caller_id: str | None = attrs.field(default=None, validator=_transfer_caller_id)
    whisper_audio: PlayAudioRequest | None = attrs.field(default=None, validator=_whisper_audio)
    callback_url: str | None = attrs.field(default=None, validator=rules.http_url())

    def __attrs_post_init__(self) -> None:
        _require_a_change(self)
        if self.state == "transferring":
            if self.transfer_to is None:
                raise ValidationError(
                    "transfer_to is required with state='transferring': the number or "
                    "SIP URI to transfer the call to",
                    field="transfer_to",
                )
            return
        for name in _TRANSFER_ONLY:
            if getattr(self, name) is not None:
                raise ValidationError(
                    f"{name} only applies to a transfer: set state='transferring' with it",
                    field=name,
                )


@attrs.frozen(kw_only=True)
class ListCallsRequest:
    """A `GET /v1/users/{userId}/calls` listing: filters, order and paging.

    Rules from Bandwidth's reference (List Calls): `from_` and `to` are
    E.164 numbers or `sip:` URIs; `sort_order` is asc or desc (by
    `startTime`; Catapult's default is desc); `page` counts from 0; `size`
    is 1..1000 (Catapult's default is 25). Catapult does not page a listing
    by `conference_id` or `bridge_id` (it answers every call at once), so
    `page` and `size` are refused with either.
    """

    conference_id: str | None = attrs.field(default=None, validator=rules.id_value())
    bridge_id: str | None = attrs.field(default=None, validator=rules.id_value())
    from_: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(rules.e164_or_sip_uri())
    )
    to: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(rules.e164_or_sip_uri())
    )
    sort_order: str | None = attrs.field(default=None, validator=rules.one_of(SORT_ORDERS))
    page: int | None = attrs.field(default=None, validator=rules.int_range(0, None))
    size: int | None = attrs.field(default=None, validator=rules.int_range(1, MAX_CALLS_PAGE_SIZE))

    def __attrs_post_init__(self) -> None:
        if self.paged:
            return
        for name in ("page", "size"):
            if getattr(self, name) is not None:
                raise ValidationError(
                    f"{name} cannot be used with conference_id or bridge_id: Catapult does not "
                    "page those listings, it answers every call at once",
                    field=name,
                )

    @property
    def paged(self) -> bool:
        """Whether Catapult pages this listing (it does unless it is by conference or bridge)."""
        return self.conference_id is None and self.bridge_id is None


@attrs.frozen
class ConferenceRef:
    """A resource Catapult created: its id, taken from the `Location` header."""

    id: str
    #: The `Location` header as Catapult sent it (relative or absolute).
    location: str


@attrs.frozen
class CallRef:
    """A call Catapult created: its id, taken from the `Location` header."""

    id: str
    #: The `Location` header as Catapult sent it (relative or absolute).
    location: str


@attrs.frozen
class MemberRef:
    """A conference member Catapult created: its id, taken from the `Location` header."""

    id: str
    #: The `Location` header as Catapult sent it (relative or absolute).
    location: str


@attrs.frozen
class Conference:
    """A Catapult conference as `GET .../conferences/{id}` describes it.

    `state` is created (no members yet), active or completed; timestamps are
    aware datetimes (Catapult writes offsets like `-02`).
    """

    id: str
    state: str
    from_: str | None = None
    created_time: datetime | None = None
    completed_time: datetime | None = None
    active_members: int | None = None
    hold: bool | None = None
    mute: bool | None = None
    profile: str | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    tag: str | None = None


@attrs.frozen
class Member:
    """A conference member as Catapult describes it; `state` is active or completed."""

    id: str
    state: str
    mute: bool | None = None
    hold: bool | None = None
    join_tone: bool | None = None
    leaving_tone: bool | None = None
    added_time: datetime | None = None
    removed_time: datetime | None = None
    #: The URL of the member's call resource.
    call: str | None = None

    @property
    def call_id(self) -> str | None:
        """The id of the member's call: the last path segment of `call`."""
        if not self.call:
            return None
        return urlsplit(self.call).path.rstrip("/").rsplit("/", 1)[-1] or None


@attrs.frozen
class Call:
    """A Catapult call as `GET .../calls/{callId}` and `GET .../calls` describe it.

    `state` is started (ringing), rejected, active, completed or
    transferring; `direction` is in or out. Timestamps are aware datetimes;
    `chargeable_duration` is in seconds, `callback_timeout` in milliseconds,
    `call_timeout` in seconds. `events`, `recordings` and `transcriptions`
    are the URLs of those lists. Fields Catapult leaves out are None, and
    fields it adds are ignored.
    """

    id: str
    state: str
    direction: str | None = None
    from_: str | None = None
    to: str | None = None
    start_time: datetime | None = None
    active_time: datetime | None = None
    end_time: datetime | None = None
    chargeable_duration: int | None = None
    call_timeout: int | None = None
    callback_url: str | None = None
    callback_http_method: str | None = None
    callback_timeout: int | None = None
    fallback_url: str | None = None
    bridge_id: str | None = None
    conference_id: str | None = None
    recording_enabled: bool | None = None
    recording_file_format: str | None = None
    transcription_enabled: bool | None = None
    #: The `X-` SIP headers the call carries (left out of the hash: a dict).
    sip_headers: Mapping[str, str] | None = attrs.field(default=None, hash=False)
    #: The `tag` the call was created with, when Catapult reports it.
    tag: str | None = None
    events: str | None = None
    recordings: str | None = None
    transcriptions: str | None = None
