"""What both providers' wire dialects share: JSON, timestamps, converter set-up.

Serialization is the converters' job, not the models': each provider has one
converter (its dialect), built here from the same parts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = ["dumps", "loads", "make_converter", "parse_datetime"]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(payload: Any) -> bytes:
    """Encode a JSON payload compactly as UTF-8."""
    return _encoder.encode(payload).encode()


def loads(raw: bytes | str) -> Any:
    """Decode a JSON document; raises `ValueError` on anything that is not JSON."""
    return json.loads(raw)


def parse_datetime(value: object, _type: object = None) -> datetime:
    """Parse an ISO 8601 timestamp into an aware `datetime`.

    Telnyx writes `2019-01-23T18:10:02.574Z`, Catapult `2013-07-12T15:22:47-02`
    (an hour-only offset); both parse. A timestamp with no offset is taken as
    UTC, so every `datetime` we hand out is aware.
    """
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 string, got {type(value).__name__}")
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _exactly(kind: type[Any]) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _type: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return structure


def make_converter(rename: Callable[[str], str] | None = None) -> cattrs.Converter:
    """Build a provider converter.

    Unset fields (those equal to their default, `None` for optional fields)
    are omitted from requests rather than sent as null; unknown fields in
    answers are ignored, since providers add fields; timestamps are parsed.
    `rename` maps Python attribute names to wire names for every attrs class.
    """
    converter = cattrs.Converter(omit_if_default=True, forbid_extra_keys=False)
    # cattrs would turn a null id into the string "None"; an answer of the
    # wrong shape must fail to decode instead.
    converter.register_structure_hook(str, _exactly(str))
    converter.register_structure_hook(bool, _exactly(bool))
    converter.register_structure_hook(int, _exactly(int))
    converter.register_structure_hook(datetime, parse_datetime)
    converter.register_unstructure_hook(datetime, datetime.isoformat)
    if rename is not None:
        _rename = rename

        def unstructure_factory(cls: type[Any]) -> Callable[[Any], dict[str, Any]]:
            overrides = {a.name: override(rename=_rename(a.name)) for a in attrs.fields(cls)}
            return make_dict_unstructure_fn(
                cls,
                converter,
                _cattrs_omit_if_default=True,
                **overrides,  # type: ignore[arg-type]
            )

        def structure_factory(cls: type[Any]) -> Callable[[Any, Any], Any]:
            overrides = {a.name: override(rename=_rename(a.name)) for a in attrs.fields(cls)}
            return make_dict_structure_fn(cls, converter, **overrides)  # type: ignore[arg-type]

        converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
        converter.register_structure_hook_factory(attrs.has, structure_factory)
    return converter
