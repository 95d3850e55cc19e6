"""The Catapult v1 dialect: camelCase JSON, ids in `Location`, `{category, code, message}`."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import urlsplit

from .. import _rules, _wire
from .._errors import ErrorDetail, ValidationError
from .._send import Answer, Dialect
from ._models import Call, CallRef, Conference, ConferenceRef, ListCallsRequest, Member, MemberRef

__all__ = [
    "CONVERTER",
    "DIALECT",
    "calls_query",
    "camel",
    "decode_call",
    "decode_call_ref",
    "decode_calls",
    "decode_conference",
    "decode_member",
    "decode_member_ref",
    "decode_members",
    "decode_nothing",
    "decode_ref",
    "parse_errors",
]


def camel(name: str) -> str:
    """`callback_timeout` -> `callbackTimeout`; `from_` -> `from`."""
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


#: Every attrs class crosses the wire with camelCase keys.
CONVERTER: Final = _wire.make_converter(camel)


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def parse_errors(payload: Any) -> tuple[ErrorDetail, ...]:
    """Read `{category, code, message, details: [{name, value}]}`; `message` may be absent."""
    if not isinstance(payload, dict) or not ({"code", "category", "message"} & payload.keys()):
        return ()
    pointer = None
    details = payload.get("details")
    if isinstance(details, list) and details and isinstance(details[0], dict):
        pointer = _opt_str(details[0].get("name"))
    return (
        ErrorDetail(
            code=_opt_str(payload.get("code")),
            title=_opt_str(payload.get("category")),
            detail=_opt_str(payload.get("message")),
            pointer=pointer,
        ),
    )


DIALECT: Final = Dialect(name="catapult", parse_errors=parse_errors, wire_name=camel)


def location_id(answer: Answer, collection: str) -> tuple[str, str]:
    """The new resource's id: the last path segment of `Location`, and the header.

    The docs write Location relative (`/v1/users/{userId}/conferences/{id}`),
    some answers absolute, and one example drops a segment, so only the last
    segment is trusted; it must be an id the client could use in a URL
    again, and not the `collection` itself (`.../conferences/`).
    """
    location = answer.headers.get("Location")
    if not location:
        raise ValueError("the answer has no Location header")
    path = urlsplit(location.strip()).path.rstrip("/")
    resource_id = path.rsplit("/", 1)[-1]
    try:
        _rules.path_segment("id", resource_id)
    except ValidationError:
        resource_id = ""
    if not resource_id or resource_id == collection:
        raise ValueError(f"the Location header {location!r} does not end in an id")
    return resource_id, location


def decode_ref(answer: Answer) -> ConferenceRef:
    """Decode a 201 with a `Location` header."""
    resource_id, location = location_id(answer, "conferences")
    return ConferenceRef(resource_id, location)


def decode_call_ref(answer: Answer) -> CallRef:
    """Decode the 201 of a new call (`Location: .../calls/{callId}`)."""
    resource_id, location = location_id(answer, "calls")
    return CallRef(resource_id, location)


def decode_member_ref(answer: Answer) -> MemberRef:
    """Decode the 201 of a new member (`Location: .../members/{memberId}`)."""
    resource_id, location = location_id(answer, "members")
    return MemberRef(resource_id, location)


def decode_conference(answer: Answer) -> Conference:
    """Decode a conference object."""
    return CONVERTER.structure(answer.json(), Conference)


def decode_member(answer: Answer) -> Member:
    """Decode a member object."""
    return CONVERTER.structure(answer.json(), Member)


def decode_members(answer: Answer) -> tuple[Member, ...]:
    """Decode the JSON array of a conference's members."""
    payload = answer.json()
    if not isinstance(payload, list):
        raise TypeError(f"expected a JSON array of members, got {type(payload).__name__}")
    return CONVERTER.structure(payload, tuple[Member, ...])


def decode_nothing(_answer: Answer) -> None:
    """Accept an update's 200 whatever its body: Catapult documents none."""


def decode_call(answer: Answer) -> Call:
    """Decode a call object."""
    return CONVERTER.structure(answer.json(), Call)


def decode_calls(answer: Answer) -> tuple[Call, ...]:
    """Decode the JSON array of calls a listing answers with."""
    payload = answer.json()
    if not isinstance(payload, list):
        raise TypeError(f"expected a JSON array of calls, got {type(payload).__name__}")
    return CONVERTER.structure(payload, tuple[Call, ...])


def calls_query(request: ListCallsRequest) -> dict[str, str]:
    """The query parameters of a calls listing, `page` aside: camelCase, unset ones left out."""
    fields = CONVERTER.unstructure(request)
    return {key: str(value) for key, value in fields.items() if key != "page"}
