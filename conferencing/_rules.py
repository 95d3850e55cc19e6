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
    "build",
    "e164",
    "http_url",
    "int_range",
    "is_base64",
    "non_empty_str",
    "one_of",
    "path_segment",
    "strict_bool",
    "string",
    "string_list",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
_T = TypeVar("_T")

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


def string() -> Validator:
    """The value is a `str`."""

    def check(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and not isinstance(value, str):
            raise ValidationError(
                f"{_field(attribute)} must be a string, got {_type_name(value)}",
                field=attribute.name,
            )

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


def build(cls: type[_T], fields: Mapping[str, Any]) -> _T:
    """Build the attrs class `cls` from keyword fields, unknown names included.

    attrs would raise `TypeError` for an unknown or missing keyword; callers
    feeding rows from files deserve a `ValidationError` naming the field.
    """
    known = {a.name: a for a in attrs.fields(cast("type[attrs.AttrsInstance]", cls))}
    for name in fields:
        if name not in known:
            raise ValidationError(
                f"{name} is not a field of {cls.__name__}; known fields: {', '.join(known)}",
                field=name,
            )
    for name, attribute in known.items():
        if attribute.default is attrs.NOTHING and attribute.init and name not in fields:
            raise ValidationError(f"{name} is required", field=name)
    return cls(**fields)
