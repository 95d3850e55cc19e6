"""Telnyx's dialect, as the emulator reads it: error bodies, body and query readers, pages.

Every refusal is ``{"errors": [{code, title, detail, source?, meta}]}``, one
error per problem, ``code`` a string of digits; `TelnyxBody` and
`TelnyxQuery` read a request field by field and keep one error per problem,
so a request with three wrong fields gets three errors.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from aiohttp import web

from conferencing.emulator._http import Refusal, is_http_url, json_answer

_T = TypeVar("_T")

CALL_CONTROL_ID = re.compile(r"v[23]:[A-Za-z0-9_\-+/=.]+")
"""A well-formed call control id: ``v2:`` or ``v3:`` and a token."""

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
SIP_URI = re.compile(r"sips?:[^@\s]+@[^@\s]+")

TITLES = {
    "10003": "Invalid URL",
    "10004": "Missing required parameter",
    "10005": "Resource not found",
    "10007": "Unexpected error",
    "10009": "Authentication failed",
    "10011": "Too many requests",
    "10015": "Bad Request",
    "10016": "Phone number must be in +E164 format",
    "10032": "Invalid enumerated value",
    "10033": "Value outside of range",
    "90015": "Invalid Call Control ID",
    "90018": "Call has already ended",
    "90019": "Conference has already ended",
    "90032": "Maximum number of participants reached",
    "90033": "Unable to execute command",
    "90034": "Call not answered yet",
}
"""The documented title of each code the emulator answers with."""

NOT_FOUND = "The requested resource or URL could not be found."


def error(
    code: str,
    detail: str,
    *,
    pointer: str | None = None,
    parameter: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """Return one Telnyx error object; `title` replaces the code's usual title."""
    found: dict[str, Any] = {"code": code, "title": title or TITLES[code], "detail": detail}
    if pointer is not None:
        found["source"] = {"pointer": pointer}
    elif parameter is not None:
        found["source"] = {"parameter": parameter}
    found["meta"] = {"url": f"https://developers.telnyx.com/docs/overview/errors/{code}"}
    return found


def answer(
    status: int, errors: Sequence[dict[str, Any]], headers: Mapping[str, str] | None = None
) -> web.Response:
    """Return an error answer carrying `errors`."""
    return json_answer(status, {"errors": list(errors)}, headers)


def refuse(status: int, *errors: dict[str, Any]) -> Refusal:
    """Return a `Refusal` to raise, answering `status` with `errors`."""
    return Refusal(answer(status, errors))


def not_found() -> Refusal:
    """Return the 404 10005 refusal of an unknown resource."""
    return refuse(404, error("10005", NOT_FOUND))


def timestamp(moment: dt.datetime) -> str:
    """Format `moment` as Telnyx does: ISO 8601 with milliseconds and ``Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ok() -> web.Response:
    """Return a command's success answer."""
    return json_answer(200, {"data": {"result": "ok"}})


def bearer(request: web.Request) -> str | None:
    """Return the request's Bearer key, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _range_detail(low: int, high: int | None) -> str:
    if high is None:
        return f"The value must be at least {low}"
    return f"The value is outside of allowed range {low} to {high}"


class TelnyxBody:
    """Reads a JSON body field by field, keeping one error per problem.

    A nested object (``conference_config``) is read by `nested`, whose
    errors point below the object's own pointer and join this body's list.
    """

    __slots__ = ("_data", "_prefix", "errors")

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        prefix: str = "",
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        """Read `data`; pointers start with `prefix`; errors go to `errors` (a new list)."""
        self._data = data
        self._prefix = prefix
        self.errors: list[dict[str, Any]] = [] if errors is None else errors

    def pointer(self, name: str) -> str:
        """Return the JSON pointer of field `name`."""
        return f"{self._prefix}/{name}"

    def raw(self, name: str) -> object:
        """Return field `name` as sent (None when absent), for readers of their own."""
        return self._data.get(name)

    def given(self, name: str) -> bool:
        """Tell whether field `name` is present and not null."""
        return self._data.get(name) is not None

    def _wrong_type(self, pointer: str, name: str, kind: str) -> None:
        detail = f"The '{name}' parameter must be {kind}."
        self.errors.append(error("10015", detail, pointer=pointer))

    def missing(self, name: str) -> None:
        """Record that required field `name` is missing or blank."""
        detail = f"The '{name}' parameter is required and cannot be blank."
        self.errors.append(error("10004", detail, pointer=self.pointer(name)))

    def invalid(self, name: str, detail: str, code: str = "10015") -> None:
        """Record a problem with field `name`."""
        self.errors.append(error(code, detail, pointer=self.pointer(name)))

    def required_string(self, name: str) -> str:
        """Return a required non-blank string ("" once the error is recorded)."""
        value = self._data.get(name)
        if isinstance(value, str) and value.strip():
            return value
        if value is None or isinstance(value, str):
            self.missing(name)
        else:
            self._wrong_type(self.pointer(name), name, "a string")
        return ""

    def string(self, name: str, *, max_length: int | None = None) -> str | None:
        """Return an optional string, at most `max_length` characters."""
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            self._wrong_type(self.pointer(name), name, "a string")
            return None
        if max_length is not None and len(value) > max_length:
            detail = f"The '{name}' parameter must be at most {max_length} characters."
            self.invalid(name, detail)
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        """Return an optional JSON boolean (no strings: Telnyx's schema says boolean)."""
        value = self._data.get(name)
        if value is None or isinstance(value, bool):
            return value
        self._wrong_type(self.pointer(name), name, "a boolean")
        return None

    def integer(self, name: str, low: int, high: int | None) -> int | None:
        """Return an optional integer within low..high."""
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(self.pointer(name), name, "an integer")
            return None
        if value < low or (high is not None and value > high):
            self.errors.append(error("10033", _range_detail(low, high), pointer=self.pointer(name)))
            return None
        return value

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        """Return an optional value from an enumeration."""
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, str) and value in choices:
            return value
        detail = f"The value must be one of: {', '.join(choices)}."
        self.errors.append(error("10032", detail, pointer=self.pointer(name)))
        return None

    def required_choice(self, name: str, choices: Sequence[str]) -> str | None:
        """Return a required value from an enumeration."""
        if self._data.get(name) is None:
            self.missing(name)
            return None
        return self.choice(name, choices)

    def base64(self, name: str) -> str | None:
        """Return an optional Base64 string."""
        value = self.string(name)
        if value is None:
            return None
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            self.invalid(name, f"The '{name}' parameter must be a valid Base-64 encoded string.")
            return None
        return value

    def url(self, name: str) -> str | None:
        """Return an optional absolute http(s) URL."""
        value = self.string(name)
        if value is None or is_http_url(value):
            return value
        detail = f"The '{name}' parameter must be an absolute http or https URL."
        self.errors.append(error("10003", detail, pointer=self.pointer(name)))
        return None

    def mapping(self, name: str) -> Mapping[str, Any] | None:
        """Return an optional JSON object."""
        value = self._data.get(name)
        if value is None or isinstance(value, dict):
            return value
        self._wrong_type(self.pointer(name), name, "an object")
        return None

    def nested(self, name: str) -> TelnyxBody | None:
        """Return a reader of the optional object `name`, sharing this body's errors."""
        value = self.mapping(name)
        if value is None:
            return None
        return TelnyxBody(value, prefix=self.pointer(name), errors=self.errors)

    def phone(self, name: str, *, sip: bool = False) -> str:
        """Return a required +E.164 number (or, with `sip`, a SIP URI); "" once refused."""
        value = self.required_string(name)
        if not value:
            return ""
        if E164.fullmatch(value) or (sip and SIP_URI.fullmatch(value)):
            return value
        self.invalid(name, f"The '{name}' parameter must be in E164 format.", "10016")
        return ""

    def _check_call_control_id(self, value: object, pointer: str, name: str) -> str | None:
        if not isinstance(value, str):
            self._wrong_type(pointer, name, "a string")
            return None
        if CALL_CONTROL_ID.fullmatch(value) is None:
            detail = "The call_control_id provided was not valid."
            self.errors.append(error("90015", detail, pointer=pointer))
            return None
        return value

    def call_control_id(self, name: str) -> str:
        """Return a required, well-formed call control id ("" once the error is recorded)."""
        value = self._data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            self.missing(name)
            return ""
        return self._check_call_control_id(value, self.pointer(name), name) or ""

    def call_control_ids(self, name: str, *, required: bool) -> list[str]:
        """Return a list of well-formed call control ids (empty when absent)."""
        value = self._data.get(name)
        if value is None or value == []:
            if required:
                self.missing(name)
            return []
        if not isinstance(value, list):
            self._wrong_type(self.pointer(name), name, "a list of strings")
            return []
        checked = [
            self._check_call_control_id(item, f"{self.pointer(name)}/{index}", name)
            for index, item in enumerate(value)
        ]
        return [item for item in checked if item is not None]

    def exclusive(self, first: str, second: str) -> None:
        """Record an error when both fields are given."""
        if self.given(first) and self.given(second):
            detail = f"'{first}' and '{second}' cannot be used together in one request."
            self.invalid(second, detail)

    def done(self) -> None:
        """Refuse the request if any field was wrong."""
        if self.errors:
            raise refuse(422, *self.errors)


class TelnyxQuery:
    """Reads query parameters, keeping one error per problem."""

    __slots__ = ("_query", "errors")

    def __init__(self, query: Mapping[str, str]) -> None:
        """Read `query`."""
        self._query = query
        self.errors: list[dict[str, Any]] = []

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        """Return an optional value from an enumeration."""
        value = self._query.get(name)
        if value is None or value in choices:
            return value
        detail = f"The value must be one of: {', '.join(choices)}."
        self.errors.append(error("10032", detail, parameter=name))
        return None

    def boolean(self, name: str) -> bool | None:
        """Return an optional ``true`` / ``false``."""
        value = self.choice(name, ("true", "false"))
        return None if value is None else value == "true"

    def integer(self, name: str, default: int, low: int, high: int | None) -> int:
        """Return an integer within low..high, `default` when absent or wrong."""
        raw = self._query.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            detail = f"The '{name}' parameter must be an integer."
            self.errors.append(error("10015", detail, parameter=name))
            return default
        if value < low or (high is not None and value > high):
            self.errors.append(error("10033", _range_detail(low, high), parameter=name))
            return default
        return value

    def page(self) -> tuple[int, int]:
        """Return ``page[number]`` and ``page[size]``."""
        return (
            self.integer("page[number]", 1, 1, None),
            self.integer("page[size]", 20, 1, 250),
        )

    def done(self) -> None:
        """Refuse the request if any parameter was wrong."""
        if self.errors:
            raise refuse(422, *self.errors)


def page(
    items: Sequence[_T], number: int, size: int, render: Callable[[_T], dict[str, Any]]
) -> web.Response:
    """Answer page `number` of `items`, `size` a page, with Telnyx's ``meta``."""
    total = len(items)
    chunk = items[(number - 1) * size : number * size]
    meta = {
        "page_number": number,
        "page_size": size,
        "total_pages": math.ceil(total / size),
        "total_results": total,
    }
    return json_answer(200, {"data": [render(item) for item in chunk], "meta": meta})
