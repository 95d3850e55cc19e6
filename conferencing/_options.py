"""Per-call options: a timeout, and headers, body fields and query parameters we do not know yet.

Every client method takes them as keywords beside the request's own fields:
`tx.create_conference(..., timeout=5, extra_body={"new_field": 1})`. The
request's known fields are still checked by their rules; the extras are
checked only for what would break the request or its security: an extra
cannot replace a known field, a credential or a framing header, nor carry a
line break into a header.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypedDict, cast
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import attrs
from attrs import AttrsInstance

from . import _wire
from ._errors import ConfigurationError, ValidationError
from ._pool import check_seconds

__all__ = ["NAMES", "Options", "RequestOptions", "call_options", "only_options", "with_extras"]


class RequestOptions(TypedDict, total=False):
    """The per-call options every client method takes as keywords."""

    #: Seconds this call's request may take (each attempt), overriding the client's and pool's.
    timeout: float
    #: Headers to add to the request; credential and framing headers are refused.
    extra_headers: Mapping[str, str]
    #: JSON fields to add to the request body; a known field of the request is refused.
    extra_body: Mapping[str, Any]
    #: Query parameters to add to the URL; one the call already sets is refused.
    extra_query: Mapping[str, str]


#: The option keywords, popped from a method's keywords before its fields are read.
NAMES: Final = frozenset(RequestOptions.__annotations__)

#: Headers an extra may not set: the credentials, and what frames the request
#: (the client writes them from what it sends).
_REFUSED_HEADERS: Final = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "host",
        "content-type",
        "content-length",
        "transfer-encoding",
        "connection",
        "content-encoding",
        # Hop-by-hop headers: they change how the connection itself behaves.
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)
#: An HTTP field name (RFC 9110 `token`).
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@attrs.frozen
class Options:
    """One call's options, checked: what the send path adds to the call's request."""

    #: The client method, e.g. "create_conference" (hooks and spans name it).
    operation: str
    timeout: float | None = None
    headers: Mapping[str, str] | None = None
    body: Mapping[str, Any] | None = None
    query: Mapping[str, str] | None = None


@functools.cache
def _plain(operation: str) -> Options:
    """The options of a call that gave none: one shared instance per method."""
    return Options(operation)


def call_options(operation: str, keywords: Mapping[str, object]) -> Options:
    """Pop and check the per-call options out of a method's keywords (its `**` dict).

    Raises:
        ValidationError: an option has the wrong type or would break the request.
    """
    if not keywords or NAMES.isdisjoint(keywords):
        return _plain(operation)
    given = cast("dict[str, object]", keywords)  # the method's own `**` dict: its to change
    timeout = given.pop("timeout", None)
    headers = given.pop("extra_headers", None)
    body = given.pop("extra_body", None)
    query = given.pop("extra_query", None)
    return Options(
        operation,
        _timeout(timeout),
        _headers(headers) or None if headers is not None else None,
        _body(body) or None if body is not None else None,
        _query(query) or None if query is not None else None,
    )


def only_options(operation: str, keywords: Mapping[str, object]) -> Options:
    """As `call_options`, for a method that takes no other keywords: any left is an error.

    Raises:
        TypeError: a keyword that is not an option (a misspelling), as Python would.
        ValidationError: an option has the wrong type or would break the request.
    """
    options = call_options(operation, keywords)
    if keywords:
        name = next(iter(keywords))
        raise TypeError(f"{operation}() got an unexpected keyword argument {name!r}")
    return options


def _timeout(value: object) -> float | None:
    if value is None:
        return None
    try:
        return check_seconds("timeout", value)
    except ConfigurationError as exc:  # a call's option is a ValidationError
        raise ValidationError(str(exc), field="timeout") from None


def _mapping(value: object, option: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            f"{option} must be a mapping, got {type(value).__name__}", field=option
        )
    return value


def _headers(value: object) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name, text in _mapping(value, "extra_headers").items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            raise ValidationError(
                f"extra_headers: {name!r} is not an HTTP header name", field="extra_headers"
            )
        if name.lower() in _REFUSED_HEADERS:
            raise ValidationError(
                f"extra_headers may not set {name}: the client sets it (credentials and "
                "framing are never taken from extras)",
                field="extra_headers",
            )
        if not isinstance(text, str):
            raise ValidationError(
                f"extra_headers: the value of {name} must be a string, got {type(text).__name__}",
                field="extra_headers",
            )
        if any((ord(c) < 0x20 and c != "\t") or ord(c) == 0x7F for c in text):  # noqa: PLR2004
            # A CR or LF would end the header and start another (header injection).
            raise ValidationError(
                f"extra_headers: the value of {name} contains a control character",
                field="extra_headers",
            )
        checked[name] = text
    return checked


def _body(value: object) -> dict[str, Any]:
    fields = dict(_mapping(value, "extra_body"))
    for name in fields:
        if not isinstance(name, str):
            raise ValidationError(
                f"extra_body: field names must be strings, got {name!r}", field="extra_body"
            )
    try:
        _wire.dumps(fields)
        _finite(fields)
    except ValidationError as exc:
        raise ValidationError(f"extra_body: {exc}", field="extra_body") from None
    return fields


def _finite(value: object, depth: int = 0) -> None:
    """Refuse NaN and infinities, which JSON cannot carry (orjson would send null)."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(f"{value!r} is not a JSON number")
    elif depth < _MAX_DEPTH:
        if isinstance(value, Mapping):
            for item in value.values():
                _finite(item, depth + 1)
        elif isinstance(value, list | tuple):
            for item in value:
                _finite(item, depth + 1)


#: How deep `_finite` looks; orjson refuses anything deeper than 254 levels.
_MAX_DEPTH: Final = 256


def _query(value: object) -> dict[str, str]:
    checked: dict[str, str] = {}
    for name, text in _mapping(value, "extra_query").items():
        if not isinstance(name, str) or not name:
            raise ValidationError(
                f"extra_query: parameter names must be non-empty strings, got {name!r}",
                field="extra_query",
            )
        if isinstance(text, bool) or not isinstance(text, str | int):
            raise ValidationError(
                f"extra_query: the value of {name} must be a string or an int, got {text!r}",
                field="extra_query",
            )
        checked[name] = str(text)
    return checked


def _folded(name: str) -> str:
    """A field name without case, `_` or `-`: `callbackUrl` and `callback_url` agree."""
    return name.replace("_", "").replace("-", "").casefold()


@functools.cache
def _known_fields(cls: type[AttrsInstance], wire_name: Callable[[str], str]) -> frozenset[str]:
    """Every field of the request class `cls`, set or not, by its wire and Python names, folded."""
    return frozenset(
        _folded(name) for field in attrs.fields(cls) for name in (field.name, wire_name(field.name))
    )


def with_extras(  # noqa: PLR0917 - one call site, in the send path's order
    options: Options,
    method: str,
    url: str,
    payload: dict[str, Any] | None,
    request: object,
    wire_name: Callable[[str], str],
) -> tuple[str, dict[str, Any] | None]:
    """The URL and payload with the call's extra query parameters and body fields added.

    Raises:
        ValidationError: an extra would replace a known field or parameter,
            or the request has no body to add fields to.
    """
    if options.body is not None:
        if payload is None:
            raise ValidationError(
                f"extra_body: {method} {url.split('?', 1)[0]} sends no body; "
                "use extra_query for parameters",
                field="extra_body",
            )
        # Another spelling of a known field (`callback_url` for Catapult's
        # `callbackUrl`, `from_` for `from`) is refused too: a provider reading
        # keys loosely would take it past the field's rule, or silently drop it.
        known = {_folded(name) for name in payload}
        if attrs.has(type(request)):
            known |= _known_fields(cast("type[AttrsInstance]", type(request)), wire_name)
        taken = sorted(name for name in options.body if _folded(name) in known)
        if taken:
            raise ValidationError(
                f"extra_body may not set {', '.join(taken)}: a known field of the request "
                "(pass it as a field, where its rules are checked)",
                field="extra_body",
            )
        payload = {**payload, **options.body}
    if options.query is not None:
        present = {name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)}
        taken = sorted(present.intersection(options.query))
        if taken:
            raise ValidationError(
                f"extra_query may not set {', '.join(taken)}: the call sets it already",
                field="extra_query",
            )
        joiner = "&" if "?" in url else "?"
        url = f"{url}{joiner}{urlencode(options.query, quote_via=quote)}"
    return url, payload
