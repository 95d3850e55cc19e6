"""The emulator's Telnyx answers validate against Telnyx's own OpenAPI document.

The document (tests/data, copied from Telnyx's create-conference page)
describes one operation, create; its response schemas are the Conference
envelope and the errors list every Telnyx endpoint uses. So bodies of other
endpoints are checked against the same schemas by validating them as create
answers of the same status shape.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from emulator_wire import Answer, TelnyxWire, new_ccid
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

pytest_plugins = ["emulator_fixtures"]

SPEC = Path(__file__).resolve().parents[1] / "data" / "telnyx-v2-create-conference.openapi.yml"


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    """Telnyx's create-conference OpenAPI document."""
    return OpenAPI.from_file_path(str(SPEC))


def _check(openapi: OpenAPI, status: int, body: Any) -> None:
    """Validate `body` as the create operation's answer with `status`."""
    request = MockRequest("https://api.telnyx.com", "post", "/v2/conferences")
    response = MockResponse(
        json.dumps(body).encode(), status_code=status, content_type="application/json"
    )
    openapi.validate_response(request, response)


def _check_answer(openapi: OpenAPI, answer: Answer, status: int) -> None:
    assert status == answer.status, answer.body
    _check(openapi, status, answer.body)


def test_the_document_rejects_a_wrong_body(openapi: OpenAPI) -> None:
    """The check is real: a conference without its required fields fails it."""
    with pytest.raises(Exception, match="required property"):
        _check(openapi, 200, {"data": {"record_type": "conference"}})
    with pytest.raises(Exception, match="not of type 'string'"):
        _check(openapi, 422, {"errors": [{"code": 10004, "title": "Missing"}]})


async def test_create_success_validates(openapi: OpenAPI, telnyx_wire: TelnyxWire) -> None:
    """Create's 200 bodies, plain and with every option, validate."""
    plain = {"call_control_id": new_ccid(), "name": "plain"}
    _check_answer(openapi, await telnyx_wire.call("POST", "/conferences", plain), 200)
    full = {
        "call_control_id": new_ccid(),
        "name": "full",
        "beep_enabled": "always",
        "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
        "command_id": "891510ac-f3e4-11e8-af5b-de00688a4901",
        "duration_minutes": 5,
        "hold_audio_url": "http://www.example.com/audio.wav",
        "start_conference_on_create": False,
        "max_participants": 250,
        "region": "US",
        "comfort_noise": False,
    }
    _check_answer(openapi, await telnyx_wire.call("POST", "/conferences", full), 200)
    _check_answer(openapi, await telnyx_wire.call("POST", "/conferences", full), 200)


async def test_create_errors_validate(openapi: OpenAPI, telnyx_wire: TelnyxWire) -> None:
    """Create's 401 and every kind of 422 body validate."""
    _check_answer(openapi, await telnyx_wire.call("POST", "/conferences", {}, key="wrong"), 401)
    ended = new_ccid()
    telnyx_wire.emu.hang_up_telnyx_call(ended)
    await telnyx_wire.create(name="taken")
    for body in [
        {},
        {"call_control_id": "bad", "name": "x", "max_participants": 801, "region": "Mars"},
        {"call_control_id": new_ccid(), "name": "x", "max_participants": "3"},
        {"call_control_id": new_ccid(), "name": "x", "hold_audio_url": "nope"},
        {"call_control_id": ended, "name": "x"},
        {"call_control_id": new_ccid(), "name": "taken"},
    ]:
        _check_answer(openapi, await telnyx_wire.call("POST", "/conferences", body), 422)
    _check_answer(openapi, await telnyx_wire.call("POST", "/conferences", data=b"{"), 422)


async def test_other_conference_bodies_validate(openapi: OpenAPI, telnyx_wire: TelnyxWire) -> None:
    """Retrieved, listed and ended conferences have the Conference schema too."""
    data = await telnyx_wire.create(region="Europe")
    host = new_ccid()
    await telnyx_wire.action(data["id"], "join", call_control_id=host, end_conference_on_exit=True)
    _check(openapi, 200, {"data": await telnyx_wire.get(data["id"])})
    await telnyx_wire.action(data["id"], "leave", call_control_id=host)
    ended = await telnyx_wire.get(data["id"])
    assert "ended_by" in ended
    _check(openapi, 200, {"data": ended})
    listed = await telnyx_wire.call("GET", "/conferences")
    for item in listed.body["data"]:
        _check(openapi, 200, {"data": item})


async def test_other_error_bodies_validate(openapi: OpenAPI, telnyx_wire: TelnyxWire) -> None:
    """The 404, 90019, 90032 and 429 bodies have the errors schema too."""
    small = await telnyx_wire.create(max_participants=2)
    await telnyx_wire.action(small["id"], "join", call_control_id=new_ccid())
    full = await telnyx_wire.action(small["id"], "join", call_control_id=new_ccid())
    assert ["90032"] == full.codes
    _check(openapi, 422, full.body)
    await telnyx_wire.action(small["id"], "end")
    _check(openapi, 422, (await telnyx_wire.action(small["id"], "mute")).body)
    missing = await telnyx_wire.call("GET", f"/conferences/{uuid.uuid4()}")
    _check(openapi, 422, missing.body)
    paged = await telnyx_wire.call("GET", "/conferences", params={"page[size]": "0"})
    _check(openapi, 422, paged.body)
