"""The Telnyx v2 dialect: snake_case JSON, `{"data": ...}` envelopes, `{"errors": [...]}`."""

from __future__ import annotations

from typing import Any, Final

from .. import _wire
from .._errors import ErrorDetail
from .._send import Answer, Dialect
from ._models import Conference

__all__ = ["CONVERTER", "DIALECT", "decode_conference", "parse_errors"]

#: Telnyx's keys are the Python field names already.
CONVERTER: Final = _wire.make_converter()


def _opt_str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def parse_errors(payload: Any) -> tuple[ErrorDetail, ...]:
    """Read `{"errors": [{code, title, detail, source: {pointer | parameter}}]}`."""
    found = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(found, list):
        return ()
    details = []
    for item in found:
        if not isinstance(item, dict):
            continue
        source = item.get("source")
        pointer = None
        if isinstance(source, dict):
            pointer = _opt_str(source.get("pointer") or source.get("parameter"))
        details.append(
            ErrorDetail(
                # The schema says code is a string of digits; some answers send a number.
                code=_opt_str(item.get("code")),
                title=_opt_str(item.get("title")),
                detail=_opt_str(item.get("detail")),
                pointer=pointer,
            )
        )
    return tuple(details)


DIALECT: Final = Dialect(name="telnyx", parse_errors=parse_errors)


def data(answer: Answer) -> Any:
    """The `data` member of a Telnyx success envelope."""
    payload = answer.json()
    if not isinstance(payload, dict) or "data" not in payload:
        raise ValueError("expected a JSON object with a 'data' member")
    return payload["data"]


def decode_conference(answer: Answer) -> Conference:
    """Decode `{"data": Conference}`."""
    return CONVERTER.structure(data(answer), Conference)
