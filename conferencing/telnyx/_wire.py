"""The Telnyx v2 dialect: snake_case JSON, `{"data": ...}` envelopes, `{"errors": [...]}`."""

from __future__ import annotations

import os
from typing import Any, Final

import attrs
from cattrs.gen import make_dict_unstructure_fn, override

from .. import _wire
from .._errors import ErrorDetail
from .._pages import PageMeta
from .._send import Answer, Dialect
from ._models import Call, CommandResult, Conference, DialRequest, Participant

__all__ = [
    "CONVERTER",
    "DIALECT",
    "decode_call",
    "decode_command_result",
    "decode_conference",
    "decode_conference_page",
    "decode_participant",
    "decode_participant_page",
    "new_command_id",
    "parse_errors",
]

#: The RFC 4122 variant digit for each hex digit: its two low bits stay random.
_VARIANT: Final = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def new_command_id() -> str:
    """A fresh random `command_id`: a version 4 UUID, as `str(uuid.uuid4())` gives.

    Formatted from 16 bytes of `os.urandom` directly, which costs a fifth of
    building a `uuid.UUID`: every Telnyx command carries one.
    """
    h = os.urandom(16).hex()
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


#: Telnyx's keys are the Python field names already, but for `from`, a Python keyword.
CONVERTER: Final = _wire.make_converter()
# Only a dial sends `from`; one hook for that class keeps every other
# request on the converter's generic code.
CONVERTER.register_unstructure_hook(
    DialRequest,
    make_dict_unstructure_fn(
        DialRequest,
        CONVERTER,
        _cattrs_omit_if_default=True,
        from_=override(rename="from"),
    ),
)


def _participant_hook() -> Any:
    """Structure a Participant, naming its conference's id however the answer gives it.

    A listing gives `conference: {id, name}`, a single participant's answer
    `conference_id`; either way `Participant.conference_id` is set.
    """
    fields = CONVERTER.get_structure_hook(Participant)

    def structure(value: Any, type_: Any) -> Participant:
        participant: Participant = fields(value, type_)
        if participant.conference_id is None and participant.conference is not None:
            return attrs.evolve(participant, conference_id=participant.conference.id)
        return participant

    return structure


CONVERTER.register_structure_hook(Participant, _participant_hook())


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


def wire_name(name: str) -> str:
    """The JSON key of a request attribute: its name, `from_` as `from`."""
    return name.removesuffix("_")


DIALECT: Final = Dialect(name="telnyx", parse_errors=parse_errors, wire_name=wire_name)


def data(answer: Answer) -> Any:
    """The `data` member of a Telnyx success envelope."""
    payload = _wire.loads(answer.body)
    if not isinstance(payload, dict) or "data" not in payload:
        raise ValueError("expected a JSON object with a 'data' member")
    return payload["data"]


# Each answer class's structuring code, looked up once rather than per answer.
_conference: Final = CONVERTER.get_structure_hook(Conference)
_participant: Final = CONVERTER.get_structure_hook(Participant)
_command_result: Final = CONVERTER.get_structure_hook(CommandResult)
_call: Final = CONVERTER.get_structure_hook(Call)


def decode_conference(answer: Answer) -> Conference:
    """Decode `{"data": Conference}`."""
    conference: Conference = _conference(data(answer), Conference)
    return conference


def decode_participant(answer: Answer) -> Participant:
    """Decode `{"data": Participant}`."""
    participant: Participant = _participant(data(answer), Participant)
    return participant


def decode_call(answer: Answer) -> Call:
    """Decode `{"data": Call}`, a dial's answer."""
    call: Call = _call(data(answer), Call)
    return call


def decode_command_result(answer: Answer) -> CommandResult:
    """Decode `{"data": {"result": "ok"}}`."""
    result: CommandResult = _command_result(data(answer), CommandResult)
    return result


def _page(answer: Answer, item: type[Any]) -> tuple[tuple[Any, ...], PageMeta]:
    payload = answer.json()
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise TypeError("expected a JSON object with a 'data' array")
    meta = payload.get("meta")
    return (
        CONVERTER.structure(payload["data"], tuple[item, ...]),  # type: ignore[valid-type]
        CONVERTER.structure(meta, PageMeta) if meta is not None else PageMeta(),
    )


def decode_conference_page(answer: Answer) -> tuple[tuple[Conference, ...], PageMeta]:
    """Decode `{"data": [Conference], "meta": PageMeta}`."""
    return _page(answer, Conference)


def decode_participant_page(answer: Answer) -> tuple[tuple[Participant, ...], PageMeta]:
    """Decode `{"data": [Participant], "meta": PageMeta}`."""
    return _page(answer, Participant)
