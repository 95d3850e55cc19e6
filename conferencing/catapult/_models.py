"""Bandwidth Catapult v1 conference requests and answers, with the documented rules."""

from __future__ import annotations

from typing import Final

import attrs

from .. import _rules as rules

__all__ = [
    "CALLBACK_HTTP_METHODS",
    "MAX_CALLBACK_TIMEOUT_MS",
    "PROFILES",
    "ConferenceRef",
    "CreateConferenceRequest",
]

#: `callbackHttpMethod` values.
CALLBACK_HTTP_METHODS: Final = ("GET", "POST")
#: `profile` values.
PROFILES: Final = ("interpret_digits", "passthru_digits")
#: Catapult waits at most 10 s for a callback answer, and that is also its default.
MAX_CALLBACK_TIMEOUT_MS: Final = 10_000


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
    callback_timeout: int | None = attrs.field(
        default=None, validator=rules.int_range(1, MAX_CALLBACK_TIMEOUT_MS, "ms")
    )
    fallback_url: str | None = attrs.field(default=None, validator=rules.http_url())
    profile: str | None = attrs.field(default=None, validator=rules.one_of(PROFILES))
    tag: str | None = attrs.field(default=None, validator=rules.string())


@attrs.frozen
class ConferenceRef:
    """A resource Catapult created: its id, taken from the `Location` header."""

    id: str
    #: The `Location` header as Catapult sent it (relative or absolute).
    location: str
