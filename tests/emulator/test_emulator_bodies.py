"""Request bodies the emulator cannot take: nested too deep or too large, on both providers."""

from __future__ import annotations

import aiohttp
import pytest
from emulator_wire import Answer, CatapultWire, TelnyxWire, new_ccid

from conferencing.emulator import Emulator, Faults
from conferencing.emulator._http import MAX_BODY_BYTES, MAX_JSON_DEPTH

pytest_plugins = ["emulator_fixtures"]

DEEP_BODIES = {
    "array": b"[" * 100_000 + b"]" * 100_000,
    "object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "field": b'{"name":' + b"[" * 200 + b"]" * 200 + b"}",
}


def _oversized(field: str) -> bytes:
    """Return a well-formed JSON object just over the emulator's body size cap."""
    return b'{"' + field.encode() + b'":"' + b"x" * MAX_BODY_BYTES + b'"}'


def _assert_no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [] == [record.getMessage() for record in caplog.records if record.exc_info]


def _assert_telnyx_error(answer: Answer, status: int) -> None:
    assert (status, "application/json") == (answer.status, answer.headers["Content-Type"])
    assert ["10015"] == answer.codes
    assert {"code", "title", "detail", "meta"} == set(answer.errors[0])


def _assert_catapult_error(answer: Answer) -> None:
    assert (400, "application/json") == (answer.status, answer.headers["Content-Type"])
    assert ("bad-request", "validation-error") == (answer.body["category"], answer.body["code"])
    assert answer.body["message"]


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
async def test_telnyx_refuses_deep_nesting_as_422_10015(
    telnyx_wire: TelnyxWire, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    """A body nested too deep is 422 10015 in Telnyx's error body, with no traceback logged."""
    answer = await telnyx_wire.call("POST", "/conferences", data=DEEP_BODIES[shape])
    _assert_telnyx_error(answer, 422)
    assert "nest" in answer.errors[0]["detail"]
    _assert_no_traceback(caplog)
    assert 200 == (await telnyx_wire.call("GET", "/conferences")).status


async def test_telnyx_refuses_an_oversized_body_as_413(
    telnyx_wire: TelnyxWire, caplog: pytest.LogCaptureFixture
) -> None:
    """A body over the size cap is 413 10015 in Telnyx's error body, and nothing is created."""
    answer = await telnyx_wire.call("POST", "/conferences", data=_oversized("name"))
    _assert_telnyx_error(answer, 413)
    assert str(MAX_BODY_BYTES) in answer.errors[0]["detail"]
    _assert_no_traceback(caplog)
    assert [] == telnyx_wire.emu.telnyx_conferences()
    await telnyx_wire.create()


async def test_telnyx_refuses_an_oversized_action_body(telnyx_wire: TelnyxWire) -> None:
    """The size cap holds for conference actions too, and the leg does not join."""
    data = await telnyx_wire.create()
    answer = await telnyx_wire.call(
        "POST", f"/conferences/{data['id']}/actions/join", data=_oversized("call_control_id")
    )
    _assert_telnyx_error(answer, 413)
    assert 1 == len(await telnyx_wire.participants(data["id"]))


@pytest.mark.parametrize(("depth", "status"), [(MAX_JSON_DEPTH, 200), (MAX_JSON_DEPTH + 1, 422)])
async def test_the_nesting_cap_is_exact(telnyx_wire: TelnyxWire, depth: int, status: int) -> None:
    """A body nested exactly as deep as the cap is read; one level more is refused."""
    inner = b"[" * (depth - 1) + b"]" * (depth - 1)
    data = b'{"call_control_id":"%s","name":"deep","extra":%s}' % (new_ccid().encode(), inner)
    answer = await telnyx_wire.call("POST", "/conferences", data=data)
    assert status == answer.status


@pytest.mark.parametrize("shape", sorted(DEEP_BODIES))
async def test_catapult_refuses_deep_nesting_as_a_validation_error(
    catapult_wire: CatapultWire, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    """A body nested too deep is 400 validation-error in Catapult's body, no traceback logged."""
    answer = await catapult_wire.call("POST", "/conferences", data=DEEP_BODIES[shape])
    _assert_catapult_error(answer)
    assert "Bad parameters" == answer.body["message"]
    _assert_no_traceback(caplog)
    await catapult_wire.conference()


async def test_catapult_refuses_an_oversized_body_as_a_validation_error(
    catapult_wire: CatapultWire, caplog: pytest.LogCaptureFixture
) -> None:
    """A body over the size cap is 400 validation-error naming the limit, and nothing is made."""
    answer = await catapult_wire.call("POST", "/conferences", data=_oversized("tag"))
    _assert_catapult_error(answer)
    assert str(MAX_BODY_BYTES) in answer.body["message"]
    _assert_no_traceback(caplog)
    assert [] == catapult_wire.emu.catapult_conferences()
    await catapult_wire.conference()


async def test_a_slow_fault_still_answers_an_oversized_body_in_the_provider_format(
    http_session: aiohttp.ClientSession,
) -> None:
    """The slow fault reads the body first; an oversized one still gets the provider's answer."""
    async with Emulator(faults=Faults(slow=1.0, slow_seconds=0)) as local_emulator:
        telnyx = await TelnyxWire(http_session, local_emulator).call(
            "POST", "/conferences", data=_oversized("name")
        )
        _assert_telnyx_error(telnyx, 413)
        catapult = await CatapultWire(http_session, local_emulator).call(
            "POST", "/conferences", data=_oversized("tag")
        )
        _assert_catapult_error(catapult)
        assert 2 == local_emulator.stats.faults_injected["slow"]
