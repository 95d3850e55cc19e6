"""The cost of validation and serialization alone, per request, for each provider.

`python -m benchmarks.validation` prints µs per call (best of 5) of building a
`CreateConferenceRequest` (with every documented rule checked), building it
from keywords as `create_conference(**fields)` does, serializing it with the
provider's converter to JSON bytes, and both; next to `json.dumps` of the
same body as a plain dict, the standard library's floor (the send path
encodes with orjson). Decoding the fixed answer into the returned object is
timed too.
"""

from __future__ import annotations

import argparse
import json
import timeit
import uuid
from collections.abc import Callable
from typing import Any, Final

import orjson
from multidict import CIMultiDict, CIMultiDictProxy

from conferencing import _rules, _wire, catapult, telnyx
from conferencing._send import Answer
from conferencing.catapult._wire import CONVERTER as CATAPULT_CONVERTER
from conferencing.catapult._wire import decode_ref
from conferencing.telnyx._wire import CONVERTER as TELNYX_CONVERTER
from conferencing.telnyx._wire import decode_conference, new_command_id

from . import _fixtures

__all__ = ["main", "measure"]

_REPEAT: Final = 5


def _best_us(function: Callable[[], object], min_seconds: float) -> float:
    """µs per call, best of `_REPEAT` timings of about `min_seconds` each."""
    timer = timeit.Timer(function)
    calibration = 200
    per_call = timer.timeit(calibration) / calibration
    number = max(calibration, int(min_seconds / max(per_call, 1e-9)))
    return min(timer.repeat(repeat=_REPEAT, number=number)) / number * 1e6


def measure(min_seconds: float = 0.2) -> list[dict[str, Any]]:
    """Time each step for each provider; rows of `{provider, step, us}`."""
    tx_fields: dict[str, Any] = dict(_fixtures.TELNYX_FIELDS)
    cp_fields: dict[str, Any] = dict(_fixtures.CATAPULT_FIELDS)
    tx_request = telnyx.CreateConferenceRequest(**tx_fields)
    cp_request = catapult.CreateConferenceRequest(**cp_fields)
    tx_body = {**tx_fields, "command_id": str(uuid.uuid4())}
    no_headers = CIMultiDictProxy(CIMultiDict[str]())
    tx_answer = Answer(status=200, headers=no_headers, body=_fixtures.TELNYX_ANSWER.encode())
    location = f"{_fixtures.CATAPULT_PATH}/{_fixtures.CATAPULT_CONFERENCE_ID}"
    cp_answer = Answer(
        status=201, headers=CIMultiDictProxy(CIMultiDict({"Location": location})), body=b""
    )
    cases: list[tuple[str, str, Callable[[], object]]] = [
        ("telnyx", "build CreateConferenceRequest(**fields)", lambda: _build_tx(tx_fields)),
        (
            "telnyx",
            "build from keywords (as create_conference)",
            lambda: _rules.build(telnyx.CreateConferenceRequest, tx_fields),
        ),
        ("telnyx", "generate command_id", new_command_id),
        ("telnyx", "for comparison: str(uuid.uuid4())", lambda: str(uuid.uuid4())),
        (
            "telnyx",
            "serialize (converter + JSON bytes)",
            lambda: _wire.dumps(TELNYX_CONVERTER.unstructure(tx_request)),
        ),
        (
            "telnyx",
            "both, as create_conference does",
            lambda: _telnyx_both(tx_fields),
        ),
        ("telnyx", "floor: json.dumps(dict).encode()", lambda: json.dumps(tx_body).encode()),
        ("telnyx", "decode the answer (JSON, Conference)", lambda: decode_conference(tx_answer)),
        (
            "telnyx",
            "floor: json.loads of the answer",
            lambda: json.loads(tx_answer.body),
        ),
        (
            "telnyx",
            "floor: orjson.loads of the answer",
            lambda: orjson.loads(tx_answer.body),
        ),
        ("catapult", "build CreateConferenceRequest(**fields)", lambda: _build_cp(cp_fields)),
        (
            "catapult",
            "build from keywords (as create_conference)",
            lambda: _rules.build(catapult.CreateConferenceRequest, cp_fields),
        ),
        (
            "catapult",
            "serialize (converter + JSON bytes)",
            lambda: _wire.dumps(CATAPULT_CONVERTER.unstructure(cp_request)),
        ),
        (
            "catapult",
            "both, as create_conference does",
            lambda: _wire.dumps(
                CATAPULT_CONVERTER.unstructure(
                    _rules.build(catapult.CreateConferenceRequest, cp_fields)
                )
            ),
        ),
        (
            "catapult",
            "floor: json.dumps(dict).encode()",
            lambda: json.dumps(_fixtures.CATAPULT_BODY).encode(),
        ),
        ("catapult", "decode the answer (id from Location)", lambda: decode_ref(cp_answer)),
    ]
    return [
        {"provider": provider, "step": step, "us": _best_us(function, min_seconds)}
        for provider, step, function in cases
    ]


def _build_tx(fields: dict[str, Any]) -> object:
    return telnyx.CreateConferenceRequest(**fields)


def _build_cp(fields: dict[str, Any]) -> object:
    return catapult.CreateConferenceRequest(**fields)


def _telnyx_both(fields: dict[str, Any]) -> bytes:
    payload = TELNYX_CONVERTER.unstructure(_rules.build(telnyx.CreateConferenceRequest, fields))
    if payload.get("command_id") is None:
        payload["command_id"] = new_command_id()
    return _wire.dumps(payload)


def main(argv: list[str] | None = None) -> None:
    """Print the validation micro-benchmark as a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    rows = measure()
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    for row in rows:
        print(f"{row['provider']:9} {row['step']:45} {row['us']:8.2f} µs")


if __name__ == "__main__":
    main()
