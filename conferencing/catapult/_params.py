"""The Catapult requests' fields as keyword arguments, typed, for `Unpack` in the client.

One `TypedDict` per request class, with the same names and types as its
attrs fields; a key is `Required` exactly when the attrs field has no
default, so a misspelled or wrongly typed keyword is a type error, not a
`ValidationError` at run time. `tests/test_keyword_types.py` keeps the two
in step.
"""

# No `from __future__ import annotations`: on Python 3.11, `TypedDict` only
# sees `Required[...]` in an evaluated annotation, never in a string.
from collections.abc import Mapping
from typing import Required

from .._options import RequestOptions
from ._models import PlayAudioRequest

__all__ = [
    "AddMemberFields",
    "AddMemberOptionalFields",
    "CreateCallFields",
    "CreateConferenceFields",
    "ListCallsFields",
    "PlayAudioFields",
    "UpdateCallFields",
    "UpdateConferenceFields",
    "UpdateMemberFields",
]


class CreateConferenceFields(RequestOptions, total=False):
    """The fields of a `CreateConferenceRequest`, as keywords."""

    from_: Required[str]
    callback_url: str | None
    callback_http_method: str | None
    callback_timeout: int | None
    fallback_url: str | None
    profile: str | None
    tag: str | None


class UpdateConferenceFields(RequestOptions, total=False):
    """The fields of an `UpdateConferenceRequest`, as keywords."""

    state: str | None
    hold: bool | None
    mute: bool | None
    callback_url: str | None
    callback_http_method: str | None
    callback_timeout: int | None
    fallback_url: str | None
    tag: str | None


class CreateCallFields(RequestOptions, total=False):
    """The fields of a `CreateCallRequest`, as keywords."""

    from_: Required[str]
    to: Required[str]
    conference_id: str | None
    bridge_id: str | None
    call_timeout: int | None
    callback_url: str | None
    callback_http_method: str | None
    callback_timeout: int | None
    fallback_url: str | None
    recording_enabled: bool | None
    recording_max_duration: int | None
    recording_file_format: str | None
    transcription_enabled: bool | None
    tag: str | None
    sip_headers: Mapping[str, str] | None


class AddMemberOptionalFields(RequestOptions, total=False):
    """The fields of an `AddMemberRequest` but `call_id`, for keywords after the call's id."""

    join_tone: bool | None
    leaving_tone: bool | None
    mute: bool | None
    hold: bool | None


class AddMemberFields(AddMemberOptionalFields, total=False):
    """The fields of an `AddMemberRequest`, as keywords."""

    call_id: Required[str]


class UpdateMemberFields(RequestOptions, total=False):
    """The fields of an `UpdateMemberRequest`, as keywords."""

    state: str | None
    join_tone: bool | None
    leaving_tone: bool | None
    mute: bool | None
    hold: bool | None


class PlayAudioFields(RequestOptions, total=False):
    """The fields of a `PlayAudioRequest`, as keywords."""

    file_url: str | None
    sentence: str | None
    gender: str | None
    locale: str | None
    voice: str | None
    loop_enabled: bool | None
    tag: str | None


class UpdateCallFields(RequestOptions, total=False):
    """The fields of an `UpdateCallRequest`, as keywords."""

    state: str | None
    recording_enabled: bool | None
    recording_file_format: str | None
    transfer_to: str | None
    transfer_caller_id: str | None
    whisper_audio: PlayAudioRequest | None
    callback_url: str | None


class ListCallsFields(RequestOptions, total=False):
    """The fields of a `ListCallsRequest`, as keywords."""

    conference_id: str | None
    bridge_id: str | None
    from_: str | None
    to: str | None
    sort_order: str | None
    page: int | None
    size: int | None
