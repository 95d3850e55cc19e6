"""Validators that state the providers' documented rules where requests are built.

Each factory returns an attrs validator that raises our `ValidationError`
naming the field and the rule. `None` always means "not set" and passes:
required fields are the ones without a default, which attrs enforces itself.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any, Final, TypeVar, cast
from urllib.parse import urlsplit

import attrs

from ._errors import ValidationError

__all__ = [
    "MAX_JSON_INT",
    "build",
    "e164",
    "e164_or_sip_uri",
    "extra_fields",
    "http_url",
    "http_url_or_empty",
    "id_value",
    "int_range",
    "is_base64",
    "max_length",
    "non_empty_str",
    "one_of",
    "one_of_any_case",
    "path_segment",
    "request_from",
    "strict_bool",
    "string",
    "string_list",
    "unique_strings",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
_T = TypeVar("_T")

#: The largest integer a request may carry: JSON numbers go out as signed 64-bit.
MAX_JSON_INT: Final = 2**63 - 1

_E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
# What may stand in a URL path segment without quoting or ambiguity: RFC 3986
# unreserved characters plus the sub-delims and ':' '@' that ids use in
# practice (Telnyx call control ids look like "v3:abc...==").
_SEGMENT: Final = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
_MAX_ID: Final = 512


def _field(attribute: attrs.Attribute[Any]) -> str:
    # Our wire names differ from Python names only by the trailing underscore
    # of `from_`; messages speak the caller's language, the Python name.
    return attribute.name


def _type_name(value: object) -> str:
    return type(value).__name__


def _encodable(attribute: attrs.Attribute[Any], value: str) -> None:
    # A lone surrogate (text read with errors="surrogateescape") cannot be
    # sent as UTF-8 JSON; say so now rather than fail while encoding.
    if value.isascii():  # constant time; most text is ASCII
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"{_field(attribute)} must be valid Unicode text (it holds a lone surrogate)",
            field=attribute.name,
        ) from None


def string() -> Validator:
    """The value is a `str` of valid Unicode text."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            raise ValidationError(
                f"{_field(attribute)} must be a string, got {_type_name(value)}",
                field=attribute.name,
            )
        _encodable(attribute, value)

    return check


def non_empty_str() -> Validator:
    """The value is a `str` with at least one non-blank character."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str):
            raise ValidationError(
                f"{_field(attribute)} must be a non-empty string, got {_type_name(value)}",
                field=attribute.name,
            )
        if not value.strip():
            raise ValidationError(
                f"{_field(attribute)} must be a non-empty string, got {value!r}",
                field=attribute.name,
            )
        _encodable(attribute, value)

    return check


def strict_bool() -> Validator:
    """The value is a real `bool`, not 0/1 or "true"."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, bool):
            raise ValidationError(
                f"{_field(attribute)} must be a bool, got {_type_name(value)}",
                field=attribute.name,
            )

    return check


def int_range(low: int, high: int | None, unit: str = "") -> Validator:
    """The value is an `int` (never a `bool`) in `low..high`; no upper bound when `high` is None."""
    suffix = f" {unit}" if unit else ""
    rule = f"{low}..{high}{suffix}" if high is not None else f">= {low}{suffix}"

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        # bool is an int subclass; True is not a participant count.
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                f"{_field(attribute)} must be an int in {rule}, got {_type_name(value)}",
                field=attribute.name,
            )
        if value < low or (high is not None and value > high):
            raise ValidationError(
                f"{_field(attribute)} must be {rule}, got {value}",
                field=attribute.name,
            )
        if value > MAX_JSON_INT:
            raise ValidationError(
                f"{_field(attribute)} must be at most {MAX_JSON_INT} (64 bits), got {value}",
                field=attribute.name,
            )

    return check


def one_of(values: Collection[str]) -> Validator:
    """The value is one of the documented strings, exactly."""
    allowed = frozenset(values)
    listing = ", ".join(sorted(allowed))

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, str) or value not in allowed:
            raise ValidationError(
                f"{_field(attribute)} must be one of {listing}, got {value!r}",
                field=attribute.name,
            )

    return check


def e164() -> Validator:
    """The value is an E.164 phone number: '+', a non-zero digit, up to 15 digits in all."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or _E164.fullmatch(value) is None:
            raise ValidationError(
                f"{_field(attribute)} must be an E.164 number like +15551234567, got {value!r}",
                field=attribute.name,
            )

    return check


def http_url() -> Validator:
    """The value is an absolute http(s) URL with a host."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        message = f"{_field(attribute)} must be an absolute http(s) URL, got {value!r}"
        if not isinstance(value, str) or any(c.isspace() or ord(c) < 0x20 for c in value):  # noqa: PLR2004
            raise ValidationError(message, field=attribute.name)
        try:
            parts = urlsplit(value)
            _ = parts.port  # an impossible port ("h:x", ":99999") raises here
        except ValueError:
            raise ValidationError(message, field=attribute.name) from None
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValidationError(message, field=attribute.name)

    return check


def is_base64() -> Validator:
    """The value is a valid Base64 string (standard alphabet, padded)."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        message = f"{_field(attribute)} must be valid Base64, got {value!r}"
        if not isinstance(value, str) or not value:
            raise ValidationError(message, field=attribute.name)
        try:
            base64.b64decode(value.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ValidationError(message, field=attribute.name) from None

    return check


def string_list() -> Validator:
    """The value is a list or tuple of non-empty strings."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, list | tuple) or not all(
            isinstance(item, str) and item for item in value
        ):
            raise ValidationError(
                f"{_field(attribute)} must be a list of non-empty strings, got {value!r}",
                field=attribute.name,
            )
        for item in value:
            _encodable(attribute, item)

    return check


def path_segment(name: str, value: object) -> str:
    """Return `value` if it can stand in a URL path as one segment, else raise.

    Ids go into URLs; a '/', '..', '?', '#', '%', whitespace or a control
    character would change which resource a request reaches, so they are
    refused rather than quoted.
    """
    if (
        not isinstance(value, str)
        or len(value) > _MAX_ID
        or value in {".", ".."}
        or _SEGMENT.fullmatch(value) is None
    ):
        raise ValidationError(
            f"{name} must be a non-empty id of letters, digits and -._~:@+=!$&'()*,; "
            f"(no '/', '?', '#', '%', spaces or control characters), got {value!r}",
            field=name,
        )
    return value


def request_from(cls: type[_T], request: object, fields: Mapping[str, Any]) -> _T:
    """The request object a client method was given, or one built from keyword fields.

    Raises `TypeError` for both at once (a programming mistake), and
    `ValidationError` for fields that break a rule or an object of another
    class (bad input, as a bulk run may meet in its items).
    """
    if request is None:
        try:
            return cls(**fields)
        except TypeError:
            return build(cls, fields)  # again, to name the field that was wrong
    if fields:
        raise TypeError(f"pass a {cls.__name__} or keyword fields, not both")
    if not isinstance(request, cls):
        raise ValidationError(
            f"expected a {cls.__name__} or its fields, got {type(request).__name__}"
        )
    return request


def extra_fields(
    name: str, options: Mapping[str, Any] | None, reserved: tuple[str, ...]
) -> dict[str, Any]:
    """A recipe's extra fields for every request of one kind, without those it sets itself."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise ValidationError(f"{name} must be a mapping of field names to values", field=name)
    for key in reserved:
        if key in options:
            raise ValidationError(
                f"{name} cannot set {key}: start_conference_call sets it", field=name
            )
    return dict(options)


def build(cls: type[_T], fields: Mapping[str, Any]) -> _T:
    """Build the attrs class `cls` from keyword fields, unknown names included.

    attrs would raise `TypeError` for an unknown or missing keyword; callers
    feeding rows from files deserve a `ValidationError` naming the field.
    """
    try:
        return cls(**fields)
    except TypeError:
        # Only now, on the slow path, work out which name was wrong.
        known = {a.name: a for a in attrs.fields(cast("type[attrs.AttrsInstance]", cls))}
        for name in fields:
            if name not in known:
                raise ValidationError(
                    f"{name} is not a field of {cls.__name__}; known fields: {', '.join(known)}",
                    field=name,
                ) from None
        for name, attribute in known.items():
            if attribute.default is attrs.NOTHING and attribute.init and name not in fields:
                raise ValidationError(f"{name} is required", field=name) from None
        raise


# --- Validators added for the conference lifecycle --------------------------


def id_value(*, required: bool = False) -> Validator:
    """The value is an id that could stand in a URL path as one segment (see `path_segment`).

    Ids sent in a body (a Catapult `callId`, `conferenceId`) are checked as
    strictly as ids in a URL: an id that could not name a resource in a path
    cannot name one in a body either, and failing here says which field.
    `None` passes unless the id is `required`.
    """

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None or required:
            path_segment(_field(attribute), value)

    return check


def max_length(limit: int) -> Validator:
    """The value is a `str` of at most `limit` characters."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            raise ValidationError(
                f"{_field(attribute)} must be a string, got {_type_name(value)}",
                field=attribute.name,
            )
        if len(value) > limit:
            raise ValidationError(
                f"{_field(attribute)} must be at most {limit} characters, got {len(value)}",
                field=attribute.name,
            )
        _encodable(attribute, value)

    return check


def one_of_any_case(values: Collection[str]) -> Validator:
    """The value is one of the documented strings, compared without regard to case.

    For names the documents spell in more than one case themselves (a voice
    listed as "Kate" in the table and sent as "kate" in the example).
    """
    allowed = {value.casefold() for value in values}
    listing = ", ".join(sorted(values))

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        if not isinstance(value, str) or value.casefold() not in allowed:
            raise ValidationError(
                f"{_field(attribute)} must be one of {listing} (any case), got {value!r}",
                field=attribute.name,
            )

    return check


# RFC 3261 URIs are printable ASCII (anything else is %-escaped): no space,
# no control character, one '@' between user and host.
_SIP_URI: Final = re.compile(r"sip:[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+")


def e164_or_sip_uri() -> Validator:
    """The value is an E.164 number, or a `sip:user@host` URI (SIPS is not accepted)."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, str) and (
            _E164.fullmatch(value) is not None or _SIP_URI.fullmatch(value) is not None
        ):
            return
        raise ValidationError(
            f"{_field(attribute)} must be an E.164 number like +15551234567 or a SIP URI "
            f"like sip:someone@example.com, got {value!r}",
            field=attribute.name,
        )

    return check


def http_url_or_empty() -> Validator:
    """The value is an absolute http(s) URL, or the empty string (which may mean "stop")."""
    url = http_url()

    def check(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value != "":
            url(inst, attribute, value)

    return check


def unique_strings(name: str, values: object) -> tuple[str, ...]:
    """Return `values` as a tuple if it is a list or tuple of distinct non-empty strings.

    For the lists a recipe fans out over: a repeated entry would be a second
    request for the same thing, so it is refused naming the repeat.
    """
    if not isinstance(values, list | tuple) or not all(
        isinstance(item, str) and item for item in values
    ):
        raise ValidationError(
            f"{name} must be a list of non-empty strings, got {values!r}", field=name
        )
    seen: set[str] = set()
    for item in values:
        if item in seen:
            raise ValidationError(f"{name} lists {item!r} more than once", field=name)
        seen.add(item)
    return tuple(values)
