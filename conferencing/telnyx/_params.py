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
from typing import Required, TypedDict

__all__ = [
    "CreateConferenceFields",
    "EndConferenceFields",
    "HoldFields",
    "JoinFields",
    "JoinOptionalFields",
    "LeaveFields",
    "LeaveOptionalFields",
    "ListConferencesFields",
    "ListParticipantsFields",
    "MuteFields",
    "UnholdFields",
    "UnmuteFields",
    "UpdateParticipantFields",
]


class CreateConferenceFields(TypedDict, total=False):
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


class JoinOptionalFields(TypedDict, total=False):
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


class LeaveOptionalFields(TypedDict, total=False):
    """The fields of a `LeaveRequest` but `call_control_id`, for keywords after a leg's id."""

    beep_enabled: str | None
    command_id: str | None
    region: str | None


class LeaveFields(LeaveOptionalFields, total=False):
    """The fields of a `LeaveRequest`, as keywords."""

    call_control_id: Required[str]


class _LegsFields(TypedDict, total=False):
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


class UnholdFields(TypedDict, total=False):
    """The fields of an `UnholdRequest`, as keywords."""

    call_control_ids: Required[Sequence[str]]
    region: str | None


class EndConferenceFields(TypedDict, total=False):
    """The fields of an `EndConferenceRequest`, as keywords."""

    command_id: str | None


class UpdateParticipantFields(TypedDict, total=False):
    """The fields of an `UpdateParticipantRequest`, as keywords."""

    beep_enabled: str | None
    end_conference_on_exit: bool | None
    soft_end_conference_on_exit: bool | None


class ListConferencesFields(TypedDict, total=False):
    """The fields of a `ListConferencesRequest`, as keywords."""

    name: str | None
    status: str | None
    page_size: int | None
    region: str | None


class ListParticipantsFields(TypedDict, total=False):
    """The fields of a `ListParticipantsRequest`, as keywords."""

    muted: bool | None
    on_hold: bool | None
    whispering: bool | None
    page_size: int | None
