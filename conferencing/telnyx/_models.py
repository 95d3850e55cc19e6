"""Telnyx v2 conference requests and answers, with the documented rules."""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

from .. import _rules as rules
from .._errors import ValidationError

__all__ = ["BEEP_ENABLED", "REGIONS", "Conference", "CreateConferenceRequest", "EndedBy"]

#: `beep_enabled` values.
BEEP_ENABLED: Final = ("always", "never", "on_enter", "on_exit")
#: `region` values for creating a conference.
REGIONS: Final = ("Australia", "Europe", "Middle East", "US")


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
