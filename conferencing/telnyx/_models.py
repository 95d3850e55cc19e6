"""Telnyx v2 conference requests and answers, with the documented rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final, Literal

import attrs

from .. import _rules as rules
from .._errors import ValidationError

__all__ = [
    "ANSWERING_MACHINE_DETECTION",
    "BEEP_ENABLED",
    "CONFERENCE_STATUSES",
    "DEFAULT_MAX_PARTICIPANTS",
    "DTMF_DIGITS",
    "MAX_PAGE_SIZE",
    "PARTICIPANT_STATUSES",
    "RECORDING_CHANNELS",
    "RECORDING_FORMATS",
    "REGIONS",
    "SPEAK_LANGUAGES",
    "SPEAK_PAYLOAD_TYPES",
    "SUPERVISOR_ROLES",
    "WEBHOOK_URL_METHODS",
    "Call",
    "CommandResult",
    "Conference",
    "ConferenceConfig",
    "ConferenceName",
    "ConferenceSummary",
    "CreateConferenceRequest",
    "CustomHeader",
    "DialRequest",
    "EndConferenceRequest",
    "EndedBy",
    "GatherUsingAudioRequest",
    "HangUpRequest",
    "HoldRequest",
    "JoinRequest",
    "LeaveRequest",
    "ListConferencesRequest",
    "ListParticipantsRequest",
    "MuteRequest",
    "Participant",
    "PlayRequest",
    "RecordPauseRequest",
    "RecordResumeRequest",
    "RecordStartRequest",
    "RecordStopRequest",
    "SendDtmfRequest",
    "SpeakRequest",
    "StopRequest",
    "UnholdRequest",
    "UnmuteRequest",
    "UpdateConferenceRequest",
    "UpdateParticipantRequest",
]

#: `beep_enabled` values.
BEEP_ENABLED: Final = ("always", "never", "on_enter", "on_exit")
#: `region` values for creating a conference.
REGIONS: Final = ("Australia", "Europe", "Middle East", "US")
#: `supervisor_role` values for joining a conference.
SUPERVISOR_ROLES: Final = ("barge", "monitor", "none", "whisper")
#: A conference's `status`, also the values of the `filter[status]` of a listing.
CONFERENCE_STATUSES: Final = ("init", "in_progress", "completed")
#: A participant's `status`.
PARTICIPANT_STATUSES: Final = ("joining", "joined", "left")
#: The largest `page[size]` of a listing (Telnyx's default is 20).
MAX_PAGE_SIZE: Final = 250
#: A conference's `max_participants` when creating it did not say.
DEFAULT_MAX_PARTICIPANTS: Final = 250
#: `format` values for recording a conference.
RECORDING_FORMATS: Final = ("mp3", "wav")
#: `channels` values for recording a conference.
RECORDING_CHANNELS: Final = ("dual", "single")
#: `payload_type` values for speaking to a conference.
SPEAK_PAYLOAD_TYPES: Final = ("ssml", "text")
#: `language` values for speaking to a conference (ignored for `Polly.*` voices).
SPEAK_LANGUAGES: Final = (
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
#: `answering_machine_detection` values for dialing.
ANSWERING_MACHINE_DETECTION: Final = (
    "detect",
    "detect_beep",
    "detect_words",
    "disabled",
    "greeting_end",
    "premium",
)
#: `webhook_url_method` values for dialing.
WEBHOOK_URL_METHODS: Final = ("GET", "POST")
#: The DTMF digits: what `terminating_digit` and `valid_digits` are made of.
DTMF_DIGITS: Final = "0123456789ABCD*#"


@attrs.frozen(kw_only=True)
class CreateConferenceRequest:
    """A `POST /conferences`: a conference made from an existing, answered call leg.

    Rules from Telnyx's reference: `call_control_id` and `name` are required;
    `max_participants` is 2..800 (Telnyx defaults to 250); `client_state` is
    Base64; `hold_audio_url` and `hold_media_name` cannot be used together.
    Fields left as `None` are not sent, and Telnyx applies its defaults.
    """

    call_control_id: str = attrs.field(validator=rules.non_empty_str())
    name: str = attrs.field(validator=rules.non_empty_str())
    beep_enabled: str | None = attrs.field(default=None, validator=rules.one_of(BEEP_ENABLED))
    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())
    comfort_noise: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    duration_minutes: int | None = attrs.field(
        default=None, validator=rules.int_range(1, None, "minutes")
    )
    hold_audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    hold_media_name: str | None = attrs.field(default=None, validator=rules.string())
    max_participants: int | None = attrs.field(default=None, validator=rules.int_range(2, 800))
    start_conference_on_create: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))

    def __attrs_post_init__(self) -> None:
        if self.hold_audio_url is not None and self.hold_media_name is not None:
            raise ValidationError(
                "hold_audio_url and hold_media_name cannot be used together",
                field="hold_media_name",
            )


@attrs.frozen
class EndedBy:
    """Who ended a conference."""

    call_control_id: str | None = None
    call_session_id: str | None = None


@attrs.frozen
class Conference:
    """A Telnyx conference as the API describes it; timestamps are aware datetimes."""

    id: str
    name: str
    created_at: datetime
    expires_at: datetime
    record_type: str = "conference"
    updated_at: datetime | None = None
    region: str | None = None
    status: str | None = None
    end_reason: str | None = None
    ended_by: EndedBy | None = None
    connection_id: str | None = None


def _hold_audio_xor_media(url_field: str, media_field: str, request: object) -> None:
    if getattr(request, url_field) is not None and getattr(request, media_field) is not None:
        raise ValidationError(
            f"{url_field} and {media_field} cannot be used together", field=media_field
        )


def _require_a_change(request: object) -> None:
    """Refuse an update that sets nothing: it would be sent and change nothing."""
    if all(getattr(request, a.name) is None for a in attrs.fields(type(request))):  # type: ignore[arg-type]
        raise ValidationError(f"{type(request).__name__} must set at least one field")


def _exactly_one(first: str, second: str, request: object, *, what: str) -> None:
    """Refuse a request that sets both `first` and `second`, or neither."""
    if getattr(request, first) is None and getattr(request, second) is None:
        raise ValidationError(f"{what} needs {first} or {second}", field=first)
    _hold_audio_xor_media(first, second, request)


def _required() -> rules.Validator:
    """The value is set: a required field given `None` is refused, never sent as null."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            raise ValidationError(f"{attribute.name} is required", field=attribute.name)

    return check


def _optional_non_empty() -> rules.Validator:
    """The value, when set, is a `str` with at least one non-blank character."""
    check = rules.non_empty_str()

    def optional(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(inst, attribute, value)

    return optional


def _text_length(low: int, high: int) -> rules.Validator:
    """The value, when set, is a `str` of `low..high` characters."""
    longest = rules.max_length(high)

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        longest(inst, attribute, value)
        if isinstance(value, str) and len(value) < low:
            raise ValidationError(
                f"{attribute.name} must be {low}..{high} characters, got {len(value)}",
                field=attribute.name,
            )

    return check


def _unique_ids() -> rules.Validator:
    """The value, when set, is a list of distinct non-empty strings (Telnyx: "unique")."""
    strings = rules.string_list()

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        strings(inst, attribute, value)
        if isinstance(value, list | tuple) and len(set(value)) != len(value):
            raise ValidationError(
                f"{attribute.name} must list distinct call control ids, got {value!r}",
                field=attribute.name,
            )

    return check


def _digits(allowed: str, *, single: bool = False, what: str = "DTMF digits") -> rules.Validator:
    """The value, when set, is a non-empty `str` of the characters in `allowed` (or one of them)."""
    shape = f"one of {allowed}" if single else f"{what} ({allowed})"

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if (
            not isinstance(value, str)
            or not value
            or (single and len(value) != 1)
            or any(c not in allowed for c in value)
        ):
            raise ValidationError(
                f"{attribute.name} must be {shape}, got {value!r}", field=attribute.name
            )

    return check


def _loop() -> rules.Validator:
    """`loop`: an `int` in 1..100, or the string "infinity"."""
    count = rules.int_range(1, 100)

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None or value == "infinity":
            return
        if isinstance(value, str):
            raise ValidationError(
                f"loop must be an int in 1..100 or 'infinity', got {value!r}",
                field=attribute.name,
            )
        count(inst, attribute, value)

    return check


def _instances(cls: type[Any], *, many: bool = False) -> rules.Validator:
    """The value, when set, is a `cls` (or, with `many`, a list or tuple of them)."""
    shape = f"a list of {cls.__name__}" if many else f"a {cls.__name__}"

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        ok = (
            isinstance(value, list | tuple) and all(isinstance(item, cls) for item in value)
            if many
            else isinstance(value, cls)
        )
        if not ok:
            raise ValidationError(
                f"{attribute.name} must be {shape}, got {type(value).__name__}",
                field=attribute.name,
            )

    return check


# Telnyx: "letters, numbers, spaces, and -_~!.+ special characters".
_DISPLAY_NAME_EXTRA: Final = frozenset(" -_~!.+")


def _display_name() -> rules.Validator:
    """`from_display_name`: at most 128 letters, digits, spaces and -_~!.+ characters."""
    longest = rules.max_length(128)

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        longest(inst, attribute, value)
        if isinstance(value, str) and not all(
            c.isalnum() or c in _DISPLAY_NAME_EXTRA for c in value
        ):
            raise ValidationError(
                f"{attribute.name} may hold only letters, digits, spaces and -_~!.+, got {value!r}",
                field=attribute.name,
            )

    return check


@attrs.frozen(kw_only=True)
class JoinRequest:
    """A `POST /conferences/{id}/actions/join`: an existing call leg joins a conference.

    Rules from Telnyx's reference: `call_control_id` is required;
    `client_state` is Base64; `hold_audio_url` and `hold_media_name` cannot
    be used together; `supervisor_role` is barge, monitor, none or whisper;
    `whisper_call_control_ids` are distinct; `region` is one of `REGIONS`.
    Without a `command_id`, the client makes one up, so a retry cannot join
    twice.
    """

    call_control_id: str = attrs.field(validator=rules.non_empty_str())
    beep_enabled: str | None = attrs.field(default=None, validator=rules.one_of(BEEP_ENABLED))
    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    end_conference_on_exit: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    soft_end_conference_on_exit: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )
    hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    hold_audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    hold_media_name: str | None = attrs.field(default=None, validator=rules.string())
    mute: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    start_conference_on_enter: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )
    supervisor_role: str | None = attrs.field(
        default=None, validator=rules.one_of(SUPERVISOR_ROLES)
    )
    whisper_call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=_unique_ids()
    )
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))

    def __attrs_post_init__(self) -> None:
        _hold_audio_xor_media("hold_audio_url", "hold_media_name", self)


@attrs.frozen(kw_only=True)
class LeaveRequest:
    """A `POST /conferences/{id}/actions/leave`: a call leg leaves a conference (the call goes on).

    Rules from Telnyx's reference: `call_control_id` is required;
    `beep_enabled` is one of `BEEP_ENABLED`; without a `command_id`, the
    client makes one up.
    """

    call_control_id: str = attrs.field(validator=rules.non_empty_str())
    beep_enabled: str | None = attrs.field(default=None, validator=rules.one_of(BEEP_ENABLED))
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))


@attrs.frozen(kw_only=True)
class _LegsRequest:
    """A conference action on some legs, or everyone when `call_control_ids` is unset or empty."""

    call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=rules.string_list()
    )
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))


@attrs.frozen(kw_only=True)
class MuteRequest(_LegsRequest):
    """A `POST /conferences/{id}/actions/mute`: the legs listed, or everyone, stop being heard.

    `call_control_ids` empty or unset mutes every participant.
    """


@attrs.frozen(kw_only=True)
class UnmuteRequest(_LegsRequest):
    """A `POST /conferences/{id}/actions/unmute`: the legs listed, or everyone, are heard again.

    `call_control_ids` empty or unset unmutes every participant.
    """


@attrs.frozen(kw_only=True)
class HoldRequest(_LegsRequest):
    """A `POST /conferences/{id}/actions/hold`: put the legs listed, or everyone, on hold.

    Rules from Telnyx's reference: `call_control_ids` empty or unset holds
    every participant ("When empty all participants will be placed on
    hold"); `audio_url` (played to those on hold) and `media_name` (a file
    uploaded to Telnyx's media storage) cannot be used together.
    """

    audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    media_name: str | None = attrs.field(default=None, validator=rules.string())

    def __attrs_post_init__(self) -> None:
        _hold_audio_xor_media("audio_url", "media_name", self)


@attrs.frozen(kw_only=True)
class UnholdRequest:
    """A `POST /conferences/{id}/actions/unhold`: take the legs listed off hold.

    Rules from Telnyx's reference: `call_control_ids` is required, and must
    list at least one leg (unlike hold, there is no "everyone").
    """

    call_control_ids: Sequence[str] = attrs.field(validator=rules.string_list())
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))

    def __attrs_post_init__(self) -> None:
        if not self.call_control_ids:
            raise ValidationError(
                "call_control_ids is required by unhold and must list at least one call leg",
                field="call_control_ids",
            )


@attrs.frozen(kw_only=True)
class EndConferenceRequest:
    """A `POST /conferences/{id}/actions/end`: end the conference for everyone.

    Without a `command_id`, the client makes one up.
    """

    command_id: str | None = attrs.field(default=None, validator=rules.string())


@attrs.frozen(kw_only=True)
class UpdateParticipantRequest:
    """A `PATCH /conferences/{id}/participants/{participant_id}`: change one participant.

    Rules from Telnyx's reference: `beep_enabled` is one of `BEEP_ENABLED`;
    at least one field must be set.
    """

    beep_enabled: str | None = attrs.field(default=None, validator=rules.one_of(BEEP_ENABLED))
    end_conference_on_exit: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    soft_end_conference_on_exit: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )

    def __attrs_post_init__(self) -> None:
        _require_a_change(self)


_page_size = rules.int_range(1, MAX_PAGE_SIZE)


@attrs.frozen(kw_only=True)
class ListConferencesRequest:
    """A `GET /conferences` listing: filters and page size.

    Rules from Telnyx's reference: `status` is init, in_progress or
    completed; `page_size` is 1..250 (Telnyx's default is 20); `region` is
    one of `REGIONS`. Sent as `filter[name]`, `filter[status]`, `page[size]`.
    """

    name: str | None = attrs.field(default=None, validator=rules.string())
    status: str | None = attrs.field(default=None, validator=rules.one_of(CONFERENCE_STATUSES))
    page_size: int | None = attrs.field(default=None, validator=_page_size)
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))

    def query(self) -> dict[str, str]:
        """The query parameters of the listing, page number aside."""
        params = {"filter[name]": self.name, "filter[status]": self.status, "region": self.region}
        found = {key: value for key, value in params.items() if value is not None}
        if self.page_size is not None:
            found["page[size]"] = str(self.page_size)
        return found


@attrs.frozen(kw_only=True)
class ListParticipantsRequest:
    """A `GET /conferences/{id}/participants` listing: filters, page size and region.

    Rules from Telnyx's reference: `muted`, `on_hold` and `whispering` are
    booleans (sent as `filter[muted]=true` ...); `page_size` is 1..250;
    `region` (where the conference's data is kept) is one of `REGIONS`.
    """

    muted: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    on_hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    whispering: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    page_size: int | None = attrs.field(default=None, validator=_page_size)
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))

    def query(self) -> dict[str, str]:
        """The query parameters of the listing, page number aside."""
        flags: dict[str, Any] = {
            "filter[muted]": self.muted,
            "filter[on_hold]": self.on_hold,
            "filter[whispering]": self.whispering,
        }
        found = {
            key: "true" if value else "false" for key, value in flags.items() if value is not None
        }
        if self.page_size is not None:
            found["page[size]"] = str(self.page_size)
        if self.region is not None:
            found["region"] = self.region
        return found


@attrs.frozen
class CommandResult:
    """Telnyx's answer to a conference command (`{"data": {"result": "ok"}}`).

    `command_id` is the id the command was sent with (given or generated),
    for commands that take one: send the same command with it again and
    Telnyx will not act twice.
    """

    result: str
    command_id: str | None = None


@attrs.frozen
class ConferenceSummary:
    """The conference a participant belongs to, as the participant names it."""

    id: str | None = None
    name: str | None = None


@attrs.frozen
class Participant:
    """A participant of a Telnyx conference: a call leg, its status, mute and hold.

    `status` is joining, joined or left; timestamps are aware datetimes.
    `conference_id` is the conference's id however the answer gives it: a
    listing names it in `conference` ({id, name}), a single participant's
    answer as `conference_id`. `label` is the label given when it joined.
    """

    id: str
    call_control_id: str | None = None
    call_leg_id: str | None = None
    record_type: str = "participant"
    conference: ConferenceSummary | None = None
    whisper_call_control_ids: tuple[str, ...] | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    end_conference_on_exit: bool | None = None
    soft_end_conference_on_exit: bool | None = None
    status: str | None = None
    muted: bool | None = None
    on_hold: bool | None = None
    conference_id: str | None = None
    label: str | None = None


# --- Conference names in paths --------------------------------------------------


@attrs.frozen
class ConferenceName:
    """A conference addressed by its name, where Telnyx takes "id or name" in the path.

    Telnyx's command paths for join, leave, mute, unmute, hold, unhold,
    play, stop, speak, record_start/stop/pause/resume and update say the
    conference is identified "by id or name". Pass
    `ConferenceName("Sales standup")` there instead of an id: the name is
    percent-encoded into one path segment (spaces, '/', '?', '#', '%' and
    non-ASCII text included), and the server reads it back decoded. A plain
    string is always an id, and ids stay held to the strict path rules.

    Rules: the name is a non-blank string of valid Unicode, and not "." or
    ".." (URL normalisation would remove those segments, not send them).
    """

    name: str = attrs.field(validator=rules.non_empty_str())

    def __attrs_post_init__(self) -> None:
        if self.name in {".", ".."}:
            raise ValidationError(
                f"a conference name cannot be {self.name!r}: URLs drop such a path segment",
                field="name",
            )


# --- Conference commands: audio, speech, recording, supervisor, DTMF, gather -----


@attrs.frozen(kw_only=True)
class PlayRequest:
    """A `POST /conferences/{id}/actions/play`: play audio to the legs listed, or everyone.

    Rules from Telnyx's reference: `audio_url` or `media_name` (a file
    uploaded to Telnyx's media storage), not both (and one: there is
    nothing to play otherwise); `loop` is 1..100 or "infinity" (Telnyx's
    default is 1); `call_control_ids` unset plays to the whole conference;
    `region` is one of `REGIONS`. Telnyx takes no `command_id` here.
    """

    audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    media_name: str | None = attrs.field(default=None, validator=_optional_non_empty())
    loop: int | Literal["infinity"] | None = attrs.field(default=None, validator=_loop())
    call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=rules.string_list()
    )
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))

    def __attrs_post_init__(self) -> None:
        _exactly_one("audio_url", "media_name", self, what="play")


@attrs.frozen(kw_only=True)
class StopRequest:
    """A `POST /conferences/{id}/actions/stop`: stop audio to the legs listed, or everyone.

    `call_control_ids` unset stops the audio for the whole conference.
    """

    call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=rules.string_list()
    )
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))


@attrs.frozen(kw_only=True)
class SpeakRequest:
    """A `POST /conferences/{id}/actions/speak`: text to speech, to the legs listed or everyone.

    Rules from Telnyx's reference: `payload` (text or SSML, at most 3,000
    characters) and `voice` (e.g. "Telnyx.KokoroTTS.af", "AWS.Polly.Joanna")
    are required; `payload_type` is text or ssml; `language` is one of
    `SPEAK_LANGUAGES`; `call_control_ids` empty or unset speaks to everyone.
    Without a `command_id`, the client makes one up.
    """

    payload: str = attrs.field(validator=(rules.non_empty_str(), rules.max_length(3000)))
    voice: str = attrs.field(validator=rules.non_empty_str())
    call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=rules.string_list()
    )
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    language: str | None = attrs.field(default=None, validator=rules.one_of(SPEAK_LANGUAGES))
    payload_type: str | None = attrs.field(
        default=None, validator=rules.one_of(SPEAK_PAYLOAD_TYPES)
    )
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))


@attrs.frozen(kw_only=True)
class RecordStartRequest:
    """A `POST /conferences/{id}/actions/record_start`: start recording the conference.

    Rules from Telnyx's reference: `format` (mp3 or wav) is required;
    `channels` is single or dual; `custom_file_name` is 1..40 characters;
    `trim` is "trim-silence". Telnyx sends `conference.recording.saved`
    when the recording stops. Without a `command_id`, the client makes one up.
    """

    format: str = attrs.field(validator=(_required(), rules.one_of(RECORDING_FORMATS)))
    channels: str | None = attrs.field(default=None, validator=rules.one_of(RECORDING_CHANNELS))
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    custom_file_name: str | None = attrs.field(default=None, validator=_text_length(1, 40))
    play_beep: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))
    trim: str | None = attrs.field(default=None, validator=rules.one_of(("trim-silence",)))


@attrs.frozen(kw_only=True)
class _RecordingRequest:
    """What the record stop, pause and resume commands share: the recording, and a command_id."""

    command_id: str | None = attrs.field(default=None, validator=rules.string())
    recording_id: str | None = attrs.field(default=None, validator=_optional_non_empty())
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))


@attrs.frozen(kw_only=True)
class RecordStopRequest(_RecordingRequest):
    """A `POST /conferences/{id}/actions/record_stop`: stop recording the conference.

    Rules from Telnyx's reference: `client_state` is Base64; `recording_id`
    names one recording. Without a `command_id`, the client makes one up.
    """

    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())


@attrs.frozen(kw_only=True)
class RecordPauseRequest(_RecordingRequest):
    """A `POST /conferences/{id}/actions/record_pause`: pause the recording (or `recording_id`).

    Without a `command_id`, the client makes one up.
    """


@attrs.frozen(kw_only=True)
class RecordResumeRequest(_RecordingRequest):
    """A `POST /conferences/{id}/actions/record_resume`: resume a paused recording.

    Without a `command_id`, the client makes one up.
    """


@attrs.frozen(kw_only=True)
class UpdateConferenceRequest:
    """A `POST /conferences/{id}/actions/update`: change a participant's supervisor role.

    Rules from Telnyx's reference: `call_control_id` and `supervisor_role`
    (barge, monitor, none, whisper) are required; `whisper_call_control_ids`
    are distinct (the legs a whispering supervisor is heard by; none makes
    the supervisor a monitor). Without a `command_id`, the client makes one up.
    """

    call_control_id: str = attrs.field(validator=rules.non_empty_str())
    supervisor_role: str = attrs.field(validator=(_required(), rules.one_of(SUPERVISOR_ROLES)))
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    region: str | None = attrs.field(default=None, validator=rules.one_of(REGIONS))
    whisper_call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=_unique_ids()
    )


@attrs.frozen(kw_only=True)
class SendDtmfRequest:
    """A `POST /conferences/{id}/actions/send_dtmf`: DTMF tones to the legs listed, or everyone.

    Rules from Telnyx's reference: `digits` is required, of 0-9, A-D, *, #,
    w (a 0.5 s pause) and W (1 s); `duration_millis` (of each digit) is
    100..500 (Telnyx's default is 250); `client_state` is Base64;
    `call_control_ids` empty or unset sends to everyone. Telnyx takes no
    `command_id` (nor `region`) here.
    """

    digits: str = attrs.field(
        validator=(_required(), _digits(DTMF_DIGITS + "wW", what="DTMF digits or pauses"))
    )
    call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=rules.string_list()
    )
    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())
    duration_millis: int | None = attrs.field(
        default=None, validator=rules.int_range(100, 500, "ms")
    )


@attrs.frozen(kw_only=True)
class GatherUsingAudioRequest:
    """A `POST /conferences/{id}/actions/gather_using_audio`: prompt one leg, gather its DTMF.

    Rules from Telnyx's reference: `call_control_id` is required (the leg
    that hears the prompt); `gather_id` is at most 100 characters;
    `minimum_digits`, `maximum_digits` and `maximum_tries` are at least 1;
    `client_state` is Base64; `terminating_digit` is one DTMF digit and
    `valid_digits` DTMF digits. Our reading besides: a prompt is
    `audio_url` or `media_name`, not both (likewise `invalid_audio_url` and
    `invalid_media_name`); `minimum_digits` is at most `maximum_digits`;
    timeouts are at least 1 ms. Telnyx takes no `command_id` here.
    """

    call_control_id: str = attrs.field(validator=rules.non_empty_str())
    audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())
    gather_id: str | None = attrs.field(default=None, validator=_text_length(1, 100))
    initial_timeout_millis: int | None = attrs.field(
        default=None, validator=rules.int_range(1, None, "ms")
    )
    inter_digit_timeout_millis: int | None = attrs.field(
        default=None, validator=rules.int_range(1, None, "ms")
    )
    invalid_audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    invalid_media_name: str | None = attrs.field(default=None, validator=_optional_non_empty())
    maximum_digits: int | None = attrs.field(default=None, validator=rules.int_range(1, None))
    maximum_tries: int | None = attrs.field(default=None, validator=rules.int_range(1, None))
    media_name: str | None = attrs.field(default=None, validator=_optional_non_empty())
    minimum_digits: int | None = attrs.field(default=None, validator=rules.int_range(1, None))
    stop_playback_on_dtmf: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    terminating_digit: str | None = attrs.field(
        default=None, validator=_digits(DTMF_DIGITS, single=True)
    )
    timeout_millis: int | None = attrs.field(default=None, validator=rules.int_range(1, None, "ms"))
    valid_digits: str | None = attrs.field(default=None, validator=_digits(DTMF_DIGITS))

    def __attrs_post_init__(self) -> None:
        _hold_audio_xor_media("audio_url", "media_name", self)
        _hold_audio_xor_media("invalid_audio_url", "invalid_media_name", self)
        if (
            self.minimum_digits is not None
            and self.maximum_digits is not None
            and self.minimum_digits > self.maximum_digits
        ):
            raise ValidationError(
                f"minimum_digits must be at most maximum_digits ({self.maximum_digits}), "
                f"got {self.minimum_digits}",
                field="minimum_digits",
            )


# --- Calls: dial a leg (into a conference), hang one up -----------------------------


@attrs.frozen(kw_only=True)
class CustomHeader:
    """A SIP header added to the INVITE (dial) or BYE (hang-up): `name` and `value`."""

    name: str = attrs.field(validator=rules.non_empty_str())
    value: str = attrs.field(validator=(_required(), rules.string()))


@attrs.frozen(kw_only=True)
class ConferenceConfig:
    """A dial's `conference_config`: the conference the new leg joins once it answers (or rings).

    Rules from Telnyx's reference: `beep_enabled` is one of `BEEP_ENABLED`;
    `supervisor_role` is barge, monitor, none or whisper;
    `whisper_call_control_ids` are distinct; `hold_audio_url` and
    `hold_media_name` cannot be used together. Our reading besides: the
    conference is named by `id` or by `conference_name`, exactly one.
    `early_media` true (Telnyx's default) joins the leg while it rings.
    """

    id: str | None = attrs.field(default=None, validator=_optional_non_empty())
    conference_name: str | None = attrs.field(default=None, validator=_optional_non_empty())
    beep_enabled: str | None = attrs.field(default=None, validator=rules.one_of(BEEP_ENABLED))
    early_media: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    end_conference_on_exit: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    soft_end_conference_on_exit: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )
    hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    hold_audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    hold_media_name: str | None = attrs.field(default=None, validator=_optional_non_empty())
    mute: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    start_conference_on_create: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )
    start_conference_on_enter: bool | None = attrs.field(
        default=None, validator=rules.strict_bool()
    )
    supervisor_role: str | None = attrs.field(
        default=None, validator=rules.one_of(SUPERVISOR_ROLES)
    )
    whisper_call_control_ids: Sequence[str] | None = attrs.field(
        default=None, validator=_unique_ids()
    )

    def __attrs_post_init__(self) -> None:
        _exactly_one("id", "conference_name", self, what="conference_config")
        _hold_audio_xor_media("hold_audio_url", "hold_media_name", self)


@attrs.frozen(kw_only=True)
class DialRequest:
    """A `POST /calls`: dial a number or SIP URI, optionally straight into a conference.

    Rules from Telnyx's reference: `connection_id` (the Call Control App),
    `from_` (sent as `from`, an E.164 number) and `to` (an E.164 number or
    a `sip:` URI) are required; `timeout_secs` is 5..600 (Telnyx's default
    30); `time_limit_secs` is 30..14400 (the default, 4 hours, is also the
    most); `client_state` is Base64; `audio_url` and `media_name` cannot be
    used together; `from_display_name` is at most 128 letters, digits,
    spaces and -_~!.+; `answering_machine_detection` is one of
    `ANSWERING_MACHINE_DETECTION`; `webhook_url_method` is GET or POST.
    Without a `command_id`, the client makes one up, so a retry cannot
    dial twice.
    """

    connection_id: str = attrs.field(validator=rules.non_empty_str())
    from_: str = attrs.field(validator=rules.e164())
    to: str = attrs.field(validator=rules.e164_or_sip_uri())
    answering_machine_detection: str | None = attrs.field(
        default=None, validator=rules.one_of(ANSWERING_MACHINE_DETECTION)
    )
    audio_url: str | None = attrs.field(default=None, validator=rules.http_url())
    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    conference_config: ConferenceConfig | None = attrs.field(
        default=None, validator=_instances(ConferenceConfig)
    )
    custom_headers: Sequence[CustomHeader] | None = attrs.field(
        default=None, validator=_instances(CustomHeader, many=True)
    )
    from_display_name: str | None = attrs.field(default=None, validator=_display_name())
    link_to: str | None = attrs.field(default=None, validator=_optional_non_empty())
    media_name: str | None = attrs.field(default=None, validator=_optional_non_empty())
    time_limit_secs: int | None = attrs.field(
        default=None, validator=rules.int_range(30, 14400, "s")
    )
    timeout_secs: int | None = attrs.field(default=None, validator=rules.int_range(5, 600, "s"))
    webhook_url: str | None = attrs.field(default=None, validator=rules.http_url())
    webhook_url_method: str | None = attrs.field(
        default=None, validator=rules.one_of(WEBHOOK_URL_METHODS)
    )

    def __attrs_post_init__(self) -> None:
        _hold_audio_xor_media("audio_url", "media_name", self)


@attrs.frozen(kw_only=True)
class HangUpRequest:
    """A `POST /calls/{call_control_id}/actions/hangup`: end a call leg.

    Rules from Telnyx's reference: `client_state` is Base64;
    `custom_headers` go on the SIP BYE. Without a `command_id`, the client
    makes one up.
    """

    client_state: str | None = attrs.field(default=None, validator=rules.is_base64())
    command_id: str | None = attrs.field(default=None, validator=rules.string())
    custom_headers: Sequence[CustomHeader] | None = attrs.field(
        default=None, validator=_instances(CustomHeader, many=True)
    )


@attrs.frozen
class Call:
    """A call leg as Telnyx's dial answers it; `is_alive` is always false there (dialing is async).

    `command_id` is the id the dial was sent with (given or generated):
    dial again with it and Telnyx will not place a second call.
    """

    call_control_id: str
    call_leg_id: str
    call_session_id: str
    is_alive: bool
    record_type: str = "call"
    call_duration: int | None = None
    client_state: str | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    recording_id: str | None = None
    command_id: str | None = None
