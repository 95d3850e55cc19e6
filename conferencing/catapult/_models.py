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
    "CONFERENCE_STATES",
    "GENDERS",
    "LOCALES",
    "MAX_CALLBACK_TIMEOUT_MS",
    "MAX_CALL_TIMEOUT_S",
    "MAX_MEMBERS",
    "MAX_SENTENCE_CHARS",
    "MAX_SIP_HEADERS",
    "MEMBER_STATES",
    "MIN_CONFERENCE_CALLERS",
    "PROFILES",
    "RECORDING_FILE_FORMATS",
    "VOICES",
    "AddMemberRequest",
    "CallRef",
    "Conference",
    "ConferenceRef",
    "CreateCallRequest",
    "CreateConferenceRequest",
    "Member",
    "MemberRef",
    "PlayAudioRequest",
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
