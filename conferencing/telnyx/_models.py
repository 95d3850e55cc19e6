"""Telnyx v2 conference requests and answers, with the documented rules."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import attrs

from .. import _rules as rules
from .._errors import ValidationError

__all__ = [
    "BEEP_ENABLED",
    "CONFERENCE_STATUSES",
    "DEFAULT_MAX_PARTICIPANTS",
    "MAX_PAGE_SIZE",
    "PARTICIPANT_STATUSES",
    "REGIONS",
    "SUPERVISOR_ROLES",
    "CommandResult",
    "Conference",
    "ConferenceSummary",
    "CreateConferenceRequest",
    "EndConferenceRequest",
    "EndedBy",
    "HoldRequest",
    "JoinRequest",
    "LeaveRequest",
    "ListConferencesRequest",
    "ListParticipantsRequest",
    "MuteRequest",
    "PageMeta",
    "Participant",
    "UnholdRequest",
    "UnmuteRequest",
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


@attrs.frozen(kw_only=True)
class JoinRequest:
    """A `POST /conferences/{id}/actions/join`: an existing call leg joins a conference.

    Rules from Telnyx's reference: `call_control_id` is required;
    `client_state` is Base64; `hold_audio_url` and `hold_media_name` cannot
    be used together; `supervisor_role` is barge, monitor, none or whisper;
    `region` is one of `REGIONS`. Without a `command_id`, the client makes
    one up, so a retry cannot join twice.
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
        default=None, validator=rules.string_list()
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
    """A conference action on some call legs, or on everyone when `call_control_ids` is unset."""

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

    `call_control_ids` unset unmutes every participant.
    """


@attrs.frozen(kw_only=True)
class HoldRequest(_LegsRequest):
    """A `POST /conferences/{id}/actions/hold`: put the legs listed, or everyone, on hold.

    Rules from Telnyx's reference: `audio_url` (played to those on hold)
    and `media_name` (a file uploaded to Telnyx's media storage) cannot be
    used together.
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
    """A `GET /conferences/{id}/participants` listing: filters and page size.

    Rules from Telnyx's reference: `muted`, `on_hold` and `whispering` are
    booleans (sent as `filter[muted]=true` ...); `page_size` is 1..250.
    """

    muted: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    on_hold: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    whispering: bool | None = attrs.field(default=None, validator=rules.strict_bool())
    page_size: int | None = attrs.field(default=None, validator=_page_size)

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
class PageMeta:
    """Where a page of a Telnyx listing stands: its number and size, and the totals."""

    page_number: int | None = None
    page_size: int | None = None
    total_pages: int | None = None
    total_results: int | None = None


@attrs.frozen
class ConferenceSummary:
    """The conference a participant belongs to, as the participant names it."""

    id: str | None = None
    name: str | None = None


@attrs.frozen
class Participant:
    """A participant of a Telnyx conference: a call leg, its status, mute and hold.

    `status` is joining, joined or left; timestamps are aware datetimes.
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
