"""The Telnyx requests' fields as keyword arguments, typed, for `Unpack` in the client.

One `TypedDict` per request class, with the same names and types as its
attrs fields; a key is `Required` exactly when the attrs field has no
default, so a misspelled or wrongly typed keyword is a type error, not a
`ValidationError` at run time. `tests/test_keyword_types.py` keeps the two
in step.
"""

# No `from __future__ import annotations`: on Python 3.11, `TypedDict` only
# sees `Required[...]` in an evaluated annotation, never in a string.
from collections.abc import Sequence
from typing import Literal, Required

from .._options import RequestOptions
from ._models import ConferenceConfig, CustomHeader

__all__ = [
    "CreateConferenceFields",
    "DialFields",
    "EndConferenceFields",
    "GatherUsingAudioFields",
    "GatherUsingAudioOptionalFields",
    "HangUpFields",
    "HoldFields",
    "JoinFields",
    "JoinOptionalFields",
    "LeaveFields",
    "LeaveOptionalFields",
    "ListConferencesFields",
    "ListParticipantsFields",
    "MuteFields",
    "PlayFields",
    "RecordPauseFields",
    "RecordResumeFields",
    "RecordStartFields",
    "RecordStopFields",
    "SendDtmfFields",
    "SpeakFields",
    "StopFields",
    "UnholdFields",
    "UnmuteFields",
    "UpdateConferenceFields",
    "UpdateConferenceOptionalFields",
    "UpdateParticipantFields",
]


class CreateConferenceFields(RequestOptions, total=False):
    """The fields of a `CreateConferenceRequest`, as keywords."""

    call_control_id: Required[str]
    name: Required[str]
    beep_enabled: str | None
    client_state: str | None
    comfort_noise: bool | None
    command_id: str | None
    duration_minutes: int | None
    hold_audio_url: str | None
    hold_media_name: str | None
    max_participants: int | None
    start_conference_on_create: bool | None
    region: str | None


class JoinOptionalFields(RequestOptions, total=False):
    """The fields of a `JoinRequest` but `call_control_id`, for keywords after a leg's id."""

    beep_enabled: str | None
    client_state: str | None
    command_id: str | None
    end_conference_on_exit: bool | None
    soft_end_conference_on_exit: bool | None
    hold: bool | None
    hold_audio_url: str | None
    hold_media_name: str | None
    mute: bool | None
    start_conference_on_enter: bool | None
    supervisor_role: str | None
    whisper_call_control_ids: Sequence[str] | None
    region: str | None


class JoinFields(JoinOptionalFields, total=False):
    """The fields of a `JoinRequest`, as keywords."""

    call_control_id: Required[str]


class LeaveOptionalFields(RequestOptions, total=False):
    """The fields of a `LeaveRequest` but `call_control_id`, for keywords after a leg's id."""

    beep_enabled: str | None
    command_id: str | None
    region: str | None


class LeaveFields(LeaveOptionalFields, total=False):
    """The fields of a `LeaveRequest`, as keywords."""

    call_control_id: Required[str]


class _LegsFields(RequestOptions, total=False):
    call_control_ids: Sequence[str] | None
    region: str | None


class MuteFields(_LegsFields, total=False):
    """The fields of a `MuteRequest`, as keywords."""


class UnmuteFields(_LegsFields, total=False):
    """The fields of an `UnmuteRequest`, as keywords."""


class HoldFields(_LegsFields, total=False):
    """The fields of a `HoldRequest`, as keywords."""

    audio_url: str | None
    media_name: str | None


class UnholdFields(RequestOptions, total=False):
    """The fields of an `UnholdRequest`, as keywords."""

    call_control_ids: Required[Sequence[str]]
    region: str | None


class EndConferenceFields(RequestOptions, total=False):
    """The fields of an `EndConferenceRequest`, as keywords."""

    command_id: str | None


class UpdateParticipantFields(RequestOptions, total=False):
    """The fields of an `UpdateParticipantRequest`, as keywords."""

    beep_enabled: str | None
    end_conference_on_exit: bool | None
    soft_end_conference_on_exit: bool | None


class ListConferencesFields(RequestOptions, total=False):
    """The fields of a `ListConferencesRequest`, as keywords."""

    name: str | None
    status: str | None
    page_size: int | None
    region: str | None


class ListParticipantsFields(RequestOptions, total=False):
    """The fields of a `ListParticipantsRequest`, as keywords."""

    muted: bool | None
    on_hold: bool | None
    whispering: bool | None
    page_size: int | None
    region: str | None


class PlayFields(RequestOptions, total=False):
    """The fields of a `PlayRequest`, as keywords."""

    audio_url: str | None
    media_name: str | None
    loop: int | Literal["infinity"] | None
    call_control_ids: Sequence[str] | None
    region: str | None


class StopFields(_LegsFields, total=False):
    """The fields of a `StopRequest`, as keywords."""


class SpeakFields(RequestOptions, total=False):
    """The fields of a `SpeakRequest`, as keywords."""

    payload: Required[str]
    voice: Required[str]
    call_control_ids: Sequence[str] | None
    command_id: str | None
    language: str | None
    payload_type: str | None
    region: str | None


class RecordStartFields(RequestOptions, total=False):
    """The fields of a `RecordStartRequest`, as keywords."""

    format: Required[str]
    channels: str | None
    command_id: str | None
    custom_file_name: str | None
    play_beep: bool | None
    region: str | None
    trim: str | None


class RecordStopFields(RequestOptions, total=False):
    """The fields of a `RecordStopRequest`, as keywords."""

    client_state: str | None
    command_id: str | None
    recording_id: str | None
    region: str | None


class RecordPauseFields(RequestOptions, total=False):
    """The fields of a `RecordPauseRequest`, as keywords."""

    command_id: str | None
    recording_id: str | None
    region: str | None


class RecordResumeFields(RecordPauseFields, total=False):
    """The fields of a `RecordResumeRequest`, as keywords."""


class UpdateConferenceOptionalFields(RequestOptions, total=False):
    """The fields of an `UpdateConferenceRequest` but `call_control_id`, after a leg's id."""

    supervisor_role: Required[str]
    command_id: str | None
    region: str | None
    whisper_call_control_ids: Sequence[str] | None


class UpdateConferenceFields(UpdateConferenceOptionalFields, total=False):
    """The fields of an `UpdateConferenceRequest`, as keywords."""

    call_control_id: Required[str]


class SendDtmfFields(RequestOptions, total=False):
    """The fields of a `SendDtmfRequest`, as keywords."""

    digits: Required[str]
    call_control_ids: Sequence[str] | None
    client_state: str | None
    duration_millis: int | None


class GatherUsingAudioOptionalFields(RequestOptions, total=False):
    """The fields of a `GatherUsingAudioRequest` but `call_control_id`, after a leg's id."""

    audio_url: str | None
    client_state: str | None
    gather_id: str | None
    initial_timeout_millis: int | None
    inter_digit_timeout_millis: int | None
    invalid_audio_url: str | None
    invalid_media_name: str | None
    maximum_digits: int | None
    maximum_tries: int | None
    media_name: str | None
    minimum_digits: int | None
    stop_playback_on_dtmf: bool | None
    terminating_digit: str | None
    timeout_millis: int | None
    valid_digits: str | None


class GatherUsingAudioFields(GatherUsingAudioOptionalFields, total=False):
    """The fields of a `GatherUsingAudioRequest`, as keywords."""

    call_control_id: Required[str]


class DialFields(RequestOptions, total=False):
    """The fields of a `DialRequest`, as keywords (`from_` for `from`)."""

    connection_id: Required[str]
    from_: Required[str]
    to: Required[str]
    answering_machine_detection: str | None
    audio_url: str | None
    client_state: str | None
    command_id: str | None
    conference_config: ConferenceConfig | None
    custom_headers: Sequence[CustomHeader] | None
    from_display_name: str | None
    link_to: str | None
    media_name: str | None
    time_limit_secs: int | None
    timeout_secs: int | None
    webhook_url: str | None
    webhook_url_method: str | None


class HangUpFields(RequestOptions, total=False):
    """The fields of a `HangUpRequest`, as keywords."""

    client_state: str | None
    command_id: str | None
    custom_headers: Sequence[CustomHeader] | None
