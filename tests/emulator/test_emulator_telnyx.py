"""The emulator's Telnyx v2 side: auth, validation, lifecycle, command_id and lists."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from typing import Any

import aiohttp
import pytest
from emulator_wire import TelnyxWire, new_ccid

from conferencing.emulator import Emulator
from conferencing.emulator._state import CommandMemory

pytest_plugins = ["emulator_fixtures"]

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _parse(timestamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(timestamp)


def _body(**fields: Any) -> dict[str, Any]:
    return {"call_control_id": new_ccid(), "name": f"n-{uuid.uuid4().hex}", **fields}


# --- auth -------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}, {"Authorization": ""}],
)
async def test_bad_auth_is_401_with_the_documented_body(
    telnyx_wire: TelnyxWire, headers: dict[str, str]
) -> None:
    """A missing, wrong or non-Bearer key is answered 401 with code 10009 as documented."""
    answer = await telnyx_wire.call("POST", "/conferences", _body(), headers=headers)
    assert 401 == answer.status
    assert {
        "errors": [
            {
                "code": "10009",
                "title": "Authentication failed",
                "detail": "The required authentication headers were either invalid or not "
                "included in the request.",
                "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10009"},
            }
        ]
    } == answer.body
    assert [] == telnyx_wire.emu.telnyx_conferences()


async def test_bad_auth_on_an_unknown_route_is_still_401(telnyx_wire: TelnyxWire) -> None:
    """Authentication comes before routing."""
    answer = await telnyx_wire.call("GET", "/nowhere", headers={})
    assert 401 == answer.status


async def test_extra_keys_are_accepted(http_session: aiohttp.ClientSession) -> None:
    """Keys given as telnyx_extra_api_keys authenticate too."""
    async with Emulator(telnyx_api_key="KEY-A", telnyx_extra_api_keys=["KEY-B"]) as local_emulator:
        wire = TelnyxWire(http_session, local_emulator)
        assert "KEY-A" == local_emulator.telnyx_api_key
        assert 200 == (await wire.call("GET", "/conferences", key="KEY-B")).status
        assert 401 == (await wire.call("GET", "/conferences", key="KEY-C")).status


# --- create -----------------------------------------------------------------


async def test_create_answers_the_conference(telnyx_wire: TelnyxWire) -> None:
    """Create answers 200 with an in-progress conference expiring 4 hours later."""
    data = await telnyx_wire.create(name="Business")
    assert "conference" == data["record_type"]
    assert "Business" == data["name"]
    assert "in_progress" == data["status"]
    assert str(uuid.UUID(data["id"])) == data["id"]
    for field in ("created_at", "expires_at", "updated_at"):
        assert TIMESTAMP.fullmatch(data[field])
    assert dt.timedelta(hours=4) == _parse(data["expires_at"]) - _parse(data["created_at"])
    assert "end_reason" not in data


async def test_the_creating_call_leg_is_the_first_participant(telnyx_wire: TelnyxWire) -> None:
    """The call leg that creates a conference is its first participant."""
    ccid = new_ccid()
    data = await telnyx_wire.create(call_control_id=ccid)
    [participant] = await telnyx_wire.participants(data["id"])
    assert ccid == participant["call_control_id"]
    assert "joined" == participant["status"]
    assert {"id": data["id"], "name": data["name"]} == participant["conference"]
    assert 1 == telnyx_wire.emu.stats.telnyx_participants_joined


async def test_duration_minutes_sets_the_expiry(telnyx_wire: TelnyxWire) -> None:
    """duration_minutes replaces the 4-hour lifetime."""
    data = await telnyx_wire.create(duration_minutes=5)
    assert dt.timedelta(minutes=5) == _parse(data["expires_at"]) - _parse(data["created_at"])


async def test_not_started_conference_is_init_and_holds_joiners(telnyx_wire: TelnyxWire) -> None:
    """start_conference_on_create false gives status init, and participants join on hold."""
    data = await telnyx_wire.create(start_conference_on_create=False, region="Europe")
    assert "init" == data["status"]
    assert "Europe" == data["region"]
    assert 200 == (await telnyx_wire.action(data["id"], "join", call_control_id=new_ccid())).status
    assert [True, True] == [p["on_hold"] for p in await telnyx_wire.participants(data["id"])]
    starter = new_ccid()
    answer = await telnyx_wire.action(
        data["id"], "join", call_control_id=starter, start_conference_on_enter=True
    )
    assert 200 == answer.status
    assert "in_progress" == (await telnyx_wire.get(data["id"]))["status"]
    assert [False, False, False] == [
        p["on_hold"] for p in await telnyx_wire.participants(data["id"])
    ]


@pytest.mark.parametrize(("value", "status"), [(2, 200), (800, 200), (1, 422), (801, 422)])
async def test_max_participants_bounds(telnyx_wire: TelnyxWire, value: int, status: int) -> None:
    """max_participants must be 2..800; outside is 10033 pointing at the field."""
    answer = await telnyx_wire.call("POST", "/conferences", _body(max_participants=value))
    assert status == answer.status
    if status == 422:
        assert ["10033"] == answer.codes
        assert {"pointer": "/max_participants"} == answer.errors[0]["source"]
        assert "2 to 800" in answer.errors[0]["detail"]


@pytest.mark.parametrize("value", ["250", 2.5, True, [3]])
async def test_max_participants_of_the_wrong_type_is_10015(
    telnyx_wire: TelnyxWire, value: object
) -> None:
    """A max_participants that is not a JSON integer is 10015 (our choice)."""
    answer = await telnyx_wire.call("POST", "/conferences", _body(max_participants=value))
    assert 422 == answer.status
    assert ["10015"] == answer.codes
    assert {"pointer": "/max_participants"} == answer.errors[0]["source"]


async def test_missing_and_blank_required_fields_are_10004_each(telnyx_wire: TelnyxWire) -> None:
    """Each missing or blank required field gets its own 10004 error."""
    answer = await telnyx_wire.call("POST", "/conferences", {"name": "   "})
    assert 422 == answer.status
    assert ["10004", "10004"] == answer.codes
    pointers = [error["source"]["pointer"] for error in answer.errors]
    assert ["/call_control_id", "/name"] == pointers


async def test_one_error_per_problem(telnyx_wire: TelnyxWire) -> None:
    """Several problems in one body give one error each."""
    body = {"call_control_id": "nope", "beep_enabled": "loud", "max_participants": 0}
    answer = await telnyx_wire.call("POST", "/conferences", body)
    assert ["90015", "10004", "10032", "10033"] == answer.codes


@pytest.mark.parametrize(
    ("field", "value"),
    [("beep_enabled", "sometimes"), ("region", "Mars"), ("beep_enabled", 1)],
)
async def test_enumerations_are_10032(telnyx_wire: TelnyxWire, field: str, value: object) -> None:
    """A value outside an enumeration is 10032 pointing at the field."""
    answer = await telnyx_wire.call("POST", "/conferences", _body(**{field: value}))
    assert ["10032"] == answer.codes
    assert {"pointer": f"/{field}"} == answer.errors[0]["source"]


@pytest.mark.parametrize("value", ["always", "never", "on_enter", "on_exit"])
async def test_every_documented_beep_value_is_accepted(telnyx_wire: TelnyxWire, value: str) -> None:
    """All four documented beep_enabled values are accepted."""
    assert 200 == (await telnyx_wire.call("POST", "/conferences", _body(beep_enabled=value))).status


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("client_state", "not base64!", "10015"),
        ("start_conference_on_create", "false", "10015"),
        ("comfort_noise", 0, "10015"),
        ("hold_audio_url", "ftp://example.com/a.wav", "10003"),
        ("duration_minutes", 0, "10033"),
        ("command_id", 7, "10015"),
    ],
)
async def test_field_rules(telnyx_wire: TelnyxWire, field: str, value: object, code: str) -> None:
    """Base64, boolean, URL, duration and string rules each refuse with their code."""
    answer = await telnyx_wire.call("POST", "/conferences", _body(**{field: value}))
    assert [code] == answer.codes
    assert {"pointer": f"/{field}"} == answer.errors[0]["source"]


async def test_valid_client_state_and_hold_audio_are_accepted(telnyx_wire: TelnyxWire) -> None:
    """Base64 client_state and an http hold_audio_url pass."""
    body = _body(client_state="aGF2ZSBhIG5pY2UgZGF5ID1d", hold_audio_url="http://e.com/a.wav")
    assert 200 == (await telnyx_wire.call("POST", "/conferences", body)).status


async def test_hold_audio_url_and_hold_media_name_together_are_refused(
    telnyx_wire: TelnyxWire,
) -> None:
    """hold_audio_url and hold_media_name cannot be used together."""
    body = _body(hold_audio_url="http://e.com/a.wav", hold_media_name="music")
    answer = await telnyx_wire.call("POST", "/conferences", body)
    assert ["10015"] == answer.codes
    assert {"pointer": "/hold_media_name"} == answer.errors[0]["source"]


async def test_null_optional_fields_read_as_absent(telnyx_wire: TelnyxWire) -> None:
    """JSON null in an optional field is the field left out."""
    body = _body(beep_enabled=None, max_participants=None, region=None, client_state=None)
    assert 200 == (await telnyx_wire.call("POST", "/conferences", body)).status


@pytest.mark.parametrize("ccid", ["abc", "v4:abc", "v2:", "v3:has space", ""])
async def test_malformed_call_control_id_is_90015(telnyx_wire: TelnyxWire, ccid: str) -> None:
    """A call control id not of the documented form is 90015 (blank is 10004)."""
    answer = await telnyx_wire.call("POST", "/conferences", _body(call_control_id=ccid))
    assert ["10004" if ccid == "" else "90015"] == answer.codes
    assert {"pointer": "/call_control_id"} == answer.errors[0]["source"]


@pytest.mark.parametrize("data", [b"{not json", b"[1, 2]", b'"text"'])
async def test_a_body_that_is_not_a_json_object_is_10015(
    telnyx_wire: TelnyxWire, data: bytes
) -> None:
    """Malformed JSON, or JSON that is not an object, is 422 10015."""
    answer = await telnyx_wire.call("POST", "/conferences", data=data)
    assert 422 == answer.status
    assert ["10015"] == answer.codes


async def test_v2_call_control_ids_from_the_docs_are_well_formed(telnyx_wire: TelnyxWire) -> None:
    """The documented v2 example id is accepted."""
    ccid = "v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQczRrZvZakpWxBlpw48KyZQ=="
    assert (
        200 == (await telnyx_wire.call("POST", "/conferences", _body(call_control_id=ccid))).status
    )


async def test_an_unknown_call_is_90015_and_an_ended_one_90018(telnyx_wire: TelnyxWire) -> None:
    """Call legs marked unknown or hung up cannot create conferences."""
    unknown, ended = new_ccid(), new_ccid()
    telnyx_wire.emu.mark_telnyx_call_unknown(unknown)
    telnyx_wire.emu.hang_up_telnyx_call(ended)
    answer = await telnyx_wire.call("POST", "/conferences", _body(call_control_id=unknown))
    assert ["90015"] == answer.codes
    answer = await telnyx_wire.call("POST", "/conferences", _body(call_control_id=ended))
    assert ["90018"] == answer.codes
    assert "Call has already ended" == answer.errors[0]["title"]


async def test_an_active_name_conflicts_until_the_conference_ends(telnyx_wire: TelnyxWire) -> None:
    """A name in use by an active conference is 90033; once it ended the name is free."""
    first = await telnyx_wire.create(name="standup")
    answer = await telnyx_wire.call("POST", "/conferences", _body(name="standup"))
    assert 422 == answer.status
    assert ["90033"] == answer.codes
    assert 200 == (await telnyx_wire.action(first["id"], "end")).status
    assert "standup" == (await telnyx_wire.create(name="standup"))["name"]


# --- retrieve, unknown things -----------------------------------------------


async def test_unknown_conference_is_404_10005(telnyx_wire: TelnyxWire) -> None:
    """Retrieving or commanding an unknown conference is 404 with a Telnyx errors body."""
    missing = str(uuid.uuid4())
    for method, path, body in [
        ("GET", f"/conferences/{missing}", None),
        ("GET", f"/conferences/{missing}/participants", None),
        ("POST", f"/conferences/{missing}/actions/join", {"call_control_id": new_ccid()}),
        ("POST", f"/conferences/{missing}/actions/mute", {}),
    ]:
        answer = await telnyx_wire.call(method, path, body)
        assert 404 == answer.status
        assert ["10005"] == answer.codes


async def test_unknown_routes_and_methods_are_404_10005(telnyx_wire: TelnyxWire) -> None:
    """An unknown path, action or method is 404 with a Telnyx errors body."""
    data = await telnyx_wire.create()
    for method, path in [
        ("GET", "/calls"),
        ("DELETE", f"/conferences/{data['id']}"),
        ("POST", f"/conferences/{data['id']}/actions/dance"),
    ]:
        answer = await telnyx_wire.call(method, path, {})
        assert 404 == answer.status
        assert ["10005"] == answer.codes


async def test_retrieve_checks_region(telnyx_wire: TelnyxWire) -> None:
    """GET validates the region query parameter (10032 with source.parameter)."""
    data = await telnyx_wire.create()
    path = f"/conferences/{data['id']}"
    assert data == (await telnyx_wire.call("GET", path, params={"region": "US"})).body["data"]
    answer = await telnyx_wire.call("GET", path, params={"region": "Moon"})
    assert ["10032"] == answer.codes
    assert {"parameter": "region"} == answer.errors[0]["source"]


# --- join, leave, mute, hold, end -----------------------------------------------


async def test_join_adds_participants_up_to_max_participants(telnyx_wire: TelnyxWire) -> None:
    """Joins beyond max_participants are 90032."""
    data = await telnyx_wire.create(max_participants=3)
    for _ in range(2):
        assert (
            200 == (await telnyx_wire.action(data["id"], "join", call_control_id=new_ccid())).status
        )
    answer = await telnyx_wire.action(data["id"], "join", call_control_id=new_ccid())
    assert 422 == answer.status
    assert ["90032"] == answer.codes
    assert "reached at 3" in answer.errors[0]["detail"]
    assert 3 == len(await telnyx_wire.participants(data["id"]))


async def test_join_answers_ok_and_applies_options(telnyx_wire: TelnyxWire) -> None:
    """Join answers {"data": {"result": "ok"}} and honours mute, hold and role."""
    data = await telnyx_wire.create()
    ccid = new_ccid()
    answer = await telnyx_wire.action(
        data["id"], "join", call_control_id=ccid, mute=True, hold=True, supervisor_role="whisper"
    )
    assert {"data": {"result": "ok"}} == answer.body
    [joined] = await telnyx_wire.participants(data["id"], **{"filter[whispering]": "true"})
    assert (ccid, True, True) == (joined["call_control_id"], joined["muted"], joined["on_hold"])


async def test_join_validation(telnyx_wire: TelnyxWire) -> None:
    """Join refuses a bad role, bad whisper ids and a call already in the conference."""
    data = await telnyx_wire.create()
    creator = (await telnyx_wire.participants(data["id"]))[0]["call_control_id"]
    answer = await telnyx_wire.action(
        data["id"], "join", call_control_id=new_ccid(), supervisor_role="x"
    )
    assert ["10032"] == answer.codes
    answer = await telnyx_wire.action(
        data["id"], "join", call_control_id=new_ccid(), whisper_call_control_ids=["bad"]
    )
    assert ["90015"] == answer.codes
    assert {"pointer": "/whisper_call_control_ids/0"} == answer.errors[0]["source"]
    answer = await telnyx_wire.action(data["id"], "join", call_control_id=creator)
    assert ["10015"] == answer.codes
    answer = await telnyx_wire.action(data["id"], "join")
    assert ["10004"] == answer.codes


async def test_join_with_an_ended_or_unknown_call(telnyx_wire: TelnyxWire) -> None:
    """Join with a hung-up call is 90018, with an unknown one 90015."""
    data = await telnyx_wire.create()
    ended, unknown = new_ccid(), new_ccid()
    telnyx_wire.emu.hang_up_telnyx_call(ended)
    telnyx_wire.emu.mark_telnyx_call_unknown(unknown)
    assert ["90018"] == (await telnyx_wire.action(data["id"], "join", call_control_id=ended)).codes
    assert ["90015"] == (
        await telnyx_wire.action(data["id"], "join", call_control_id=unknown)
    ).codes


async def test_the_last_leave_ends_the_conference(telnyx_wire: TelnyxWire) -> None:
    """When the last participant leaves, the conference completes with all_left."""
    creator = new_ccid()
    data = await telnyx_wire.create(call_control_id=creator)
    other = new_ccid()
    await telnyx_wire.action(data["id"], "join", call_control_id=other)
    assert 200 == (await telnyx_wire.action(data["id"], "leave", call_control_id=other)).status
    assert "in_progress" == (await telnyx_wire.get(data["id"]))["status"]
    assert ["90015"] == (await telnyx_wire.action(data["id"], "leave", call_control_id=other)).codes
    assert 200 == (await telnyx_wire.action(data["id"], "leave", call_control_id=creator)).status
    ended = await telnyx_wire.get(data["id"])
    assert ("completed", "all_left") == (ended["status"], ended["end_reason"])


async def test_a_host_leaving_ends_the_conference(telnyx_wire: TelnyxWire) -> None:
    """A participant with end_conference_on_exit ends it on leaving (host_left, ended_by)."""
    data = await telnyx_wire.create()
    host = new_ccid()
    await telnyx_wire.action(data["id"], "join", call_control_id=host, end_conference_on_exit=True)
    await telnyx_wire.action(data["id"], "leave", call_control_id=host)
    ended = await telnyx_wire.get(data["id"])
    assert ("completed", "host_left") == (ended["status"], ended["end_reason"])
    assert host == ended["ended_by"]["call_control_id"]


async def test_hanging_up_the_only_participant_ends_the_conference(telnyx_wire: TelnyxWire) -> None:
    """hang_up_telnyx_call makes the leg leave; the last one leaving ends the conference."""
    ccid = new_ccid()
    data = await telnyx_wire.create(call_control_id=ccid)
    telnyx_wire.emu.hang_up_telnyx_call(ccid)
    assert "all_left" == (await telnyx_wire.get(data["id"]))["end_reason"]


async def test_mute_unmute_everyone_or_some(telnyx_wire: TelnyxWire) -> None:
    """Mute without ids mutes everyone; with ids only those; unmute undoes it."""
    data = await telnyx_wire.create()
    other = new_ccid()
    await telnyx_wire.action(data["id"], "join", call_control_id=other)
    assert 200 == (await telnyx_wire.action(data["id"], "mute")).status
    assert 2 == len(await telnyx_wire.participants(data["id"], **{"filter[muted]": "true"}))
    await telnyx_wire.action(data["id"], "unmute", call_control_ids=[other])
    [unmuted] = await telnyx_wire.participants(data["id"], **{"filter[muted]": "false"})
    assert other == unmuted["call_control_id"]
    answer = await telnyx_wire.action(data["id"], "mute", call_control_ids=[new_ccid()])
    assert ["90015"] == answer.codes
    assert {"pointer": "/call_control_ids/0"} == answer.errors[0]["source"]


async def test_hold_and_unhold(telnyx_wire: TelnyxWire) -> None:
    """Hold without ids holds everyone; unhold needs ids; audio_url and media_name exclude."""
    ccid = new_ccid()
    data = await telnyx_wire.create(call_control_id=ccid)
    other = new_ccid()
    await telnyx_wire.action(data["id"], "join", call_control_id=other)
    assert 200 == (await telnyx_wire.action(data["id"], "hold")).status
    assert [True, True] == [p["on_hold"] for p in await telnyx_wire.participants(data["id"])]
    assert ["10004"] == (await telnyx_wire.action(data["id"], "unhold", call_control_ids=[])).codes
    await telnyx_wire.action(data["id"], "unhold", call_control_ids=[ccid, other])
    answer = await telnyx_wire.action(
        data["id"], "hold", call_control_ids=[ccid], audio_url="http://a/b.wav", media_name="m"
    )
    assert ["10015"] == answer.codes
    await telnyx_wire.action(
        data["id"], "hold", call_control_ids=[ccid], audio_url="http://a/b.wav"
    )
    assert [ccid] == [
        p["call_control_id"]
        for p in await telnyx_wire.participants(data["id"], **{"filter[on_hold]": "true"})
    ]
    await telnyx_wire.action(data["id"], "unhold", call_control_ids=[ccid])
    assert [] == await telnyx_wire.participants(data["id"], **{"filter[on_hold]": "true"})


async def test_end_and_then_every_command_is_90019(telnyx_wire: TelnyxWire) -> None:
    """End completes the conference (ended_via_api); later commands are 90019."""
    ccid = new_ccid()
    data = await telnyx_wire.create(call_control_id=ccid)
    assert {"data": {"result": "ok"}} == (await telnyx_wire.action(data["id"], "end")).body
    ended = await telnyx_wire.get(data["id"])
    assert ("completed", "ended_via_api") == (ended["status"], ended["end_reason"])
    commands: list[tuple[str, dict[str, Any]]] = [
        ("join", {"call_control_id": new_ccid()}),
        ("leave", {"call_control_id": ccid}),
        ("mute", {}),
        ("unmute", {}),
        ("hold", {"call_control_ids": [ccid]}),
        ("unhold", {"call_control_ids": [ccid]}),
        ("end", {}),
    ]
    for action, fields in commands:
        answer = await telnyx_wire.action(data["id"], action, **fields)
        assert (422, ["90019"]) == (answer.status, answer.codes)
    assert "left" == telnyx_wire.emu.telnyx_participants(data["id"])[0]["status"]


async def test_time_up_ends_the_conference(telnyx_wire: TelnyxWire) -> None:
    """After expires_at the conference is completed (time_exceeded) and refuses commands."""
    data = await telnyx_wire.create(name="short", duration_minutes=1)
    telnyx_wire.emu.advance_time(61)
    ended = await telnyx_wire.get(data["id"])
    assert ("completed", "time_exceeded") == (ended["status"], ended["end_reason"])
    assert ["90019"] == (await telnyx_wire.action(data["id"], "mute")).codes
    assert "short" == (await telnyx_wire.create(name="short"))["name"]


async def test_participant_get_and_update(telnyx_wire: TelnyxWire) -> None:
    """A participant can be read by id or call control id, and updated with PATCH."""
    ccid = new_ccid()
    data = await telnyx_wire.create(call_control_id=ccid)
    [participant] = await telnyx_wire.participants(data["id"])
    path = f"/conferences/{data['id']}/participants/{participant['id']}"
    assert participant == (await telnyx_wire.call("GET", path)).body["data"]
    by_ccid = f"/conferences/{data['id']}/participants/{ccid}"
    assert participant == (await telnyx_wire.call("GET", by_ccid)).body["data"]
    answer = await telnyx_wire.call("PATCH", path, {"end_conference_on_exit": True})
    assert answer.body["data"]["end_conference_on_exit"] is True
    assert ["10015"] == (
        await telnyx_wire.call("PATCH", path, {"end_conference_on_exit": "y"})
    ).codes
    missing = f"/conferences/{data['id']}/participants/{uuid.uuid4()}"
    assert ["10005"] == (await telnyx_wire.call("GET", missing)).codes


# --- command_id ---------------------------------------------------------------------


async def test_a_repeated_create_command_id_answers_the_first_answer(
    telnyx_wire: TelnyxWire,
) -> None:
    """The same command_id gets the first answer again, and nothing new is created."""
    body = _body(command_id="891510ac-f3e4-11e8-af5b-de00688a4901")
    first = await telnyx_wire.call("POST", "/conferences", body)
    second = await telnyx_wire.call("POST", "/conferences", body)
    assert (200, first.raw) == (second.status, second.raw)
    assert 1 == len(telnyx_wire.emu.telnyx_conferences())
    stats = telnyx_wire.emu.stats
    assert (1, 1) == (stats.telnyx_conferences_created, stats.duplicates_avoided)


async def test_command_id_is_kept_per_api_key(http_session: aiohttp.ClientSession) -> None:
    """Another API key with the same command_id is a different command."""
    async with Emulator(telnyx_api_key="A", telnyx_extra_api_keys=["B"]) as local_emulator:
        wire = TelnyxWire(http_session, local_emulator)
        first = await wire.call("POST", "/conferences", _body(command_id="same"), key="A")
        second = await wire.call("POST", "/conferences", _body(command_id="same"), key="B")
        assert first.body["data"]["id"] != second.body["data"]["id"]
        assert (2, 0) == (
            local_emulator.stats.telnyx_conferences_created,
            local_emulator.stats.duplicates_avoided,
        )


async def test_a_refused_command_does_not_use_up_its_command_id(telnyx_wire: TelnyxWire) -> None:
    """A command that failed was not executed, so its command_id stays free."""
    refused = await telnyx_wire.call(
        "POST", "/conferences", _body(command_id="c1", max_participants=1)
    )
    assert 422 == refused.status
    assert 200 == (await telnyx_wire.call("POST", "/conferences", _body(command_id="c1"))).status
    assert 0 == telnyx_wire.emu.stats.duplicates_avoided


@pytest.mark.parametrize("action", ["join", "leave", "end"])
async def test_repeated_actions_with_a_command_id_are_done_once(
    telnyx_wire: TelnyxWire, action: str
) -> None:
    """Join, leave and end with a repeated command_id answer ok without doing it twice."""
    data = await telnyx_wire.create()
    ccid = new_ccid()
    await telnyx_wire.action(data["id"], "join", call_control_id=ccid)
    fields: dict[str, Any] = {"command_id": f"cmd-{action}"}
    if action != "end":
        fields["call_control_id"] = new_ccid() if action == "join" else ccid
    first = await telnyx_wire.action(data["id"], action, **fields)
    second = await telnyx_wire.action(data["id"], action, **fields)
    assert (200, 200) == (first.status, second.status)
    assert first.body == second.body
    assert 1 == telnyx_wire.emu.stats.duplicates_avoided


async def test_a_join_reusing_a_create_command_id_really_joins(telnyx_wire: TelnyxWire) -> None:
    """A command_id is remembered per kind of command: a join reusing a create's id is a join."""
    data = await telnyx_wire.create(command_id="shared")
    ccid = new_ccid()
    joined = await telnyx_wire.action(data["id"], "join", call_control_id=ccid, command_id="shared")
    assert (200, {"data": {"result": "ok"}}) == (joined.status, joined.body)
    assert ccid in {p["call_control_id"] for p in await telnyx_wire.participants(data["id"])}
    assert (2, 0) == (
        telnyx_wire.emu.stats.telnyx_participants_joined,
        telnyx_wire.emu.stats.duplicates_avoided,
    )


async def test_the_same_command_id_on_two_conferences_acts_on_both(
    telnyx_wire: TelnyxWire,
) -> None:
    """A command_id is remembered per target: one id ending two conferences ends both."""
    first, second = await telnyx_wire.create(), await telnyx_wire.create()
    for data in (first, second):
        assert 200 == (await telnyx_wire.action(data["id"], "end", command_id="end-it")).status
    assert ["completed", "completed"] == [
        (await telnyx_wire.get(data["id"]))["status"] for data in (first, second)
    ]
    assert 0 == telnyx_wire.emu.stats.duplicates_avoided


async def test_a_repeat_within_command_id_ttl_is_recognised(
    http_session: aiohttp.ClientSession,
) -> None:
    """A repeat inside command_id_ttl gets the first answer, even with a different body."""
    async with Emulator(command_id_ttl=60) as local_emulator:
        wire = TelnyxWire(http_session, local_emulator)
        first = await wire.call("POST", "/conferences", _body(command_id="once"))
        again = await wire.call("POST", "/conferences", _body(command_id="once"))
        assert (200, first.raw) == (again.status, again.raw)
        stats = local_emulator.stats
        assert (1, 1) == (stats.telnyx_conferences_created, stats.duplicates_avoided)


async def test_a_repeat_after_command_id_ttl_is_executed_again(
    http_session: aiohttp.ClientSession,
) -> None:
    """Once command_id_ttl has passed, the same command_id is a new command."""
    async with Emulator(command_id_ttl=0.05) as local_emulator:
        wire = TelnyxWire(http_session, local_emulator)
        first = await wire.call("POST", "/conferences", _body(command_id="twice"))
        await asyncio.sleep(0.1)
        again = await wire.call("POST", "/conferences", _body(command_id="twice"))
        assert (200, 200) == (first.status, again.status)
        assert first.body["data"]["id"] != again.body["data"]["id"]
        stats = local_emulator.stats
        assert (2, 0) == (stats.telnyx_conferences_created, stats.duplicates_avoided)


def test_expired_commands_are_forgotten() -> None:
    """Remembered commands past their time to live are dropped, so memory stays bounded."""
    memory = CommandMemory(ttl=10.0)
    for index in range(3):
        memory.remember(("KEY", "create", "", f"c{index}"), (200, b"{}"), now=float(index))
    assert 3 == len(memory)
    assert (200, b"{}") == memory.recall(("KEY", "create", "", "c2"), now=11.5)
    assert 1 == len(memory)
    assert memory.recall(("KEY", "create", "", "c2"), now=12.0) is None
    assert 0 == len(memory)


@pytest.mark.parametrize("ttl", [0, -1.0, float("nan")])
def test_command_id_ttl_must_be_positive(ttl: float) -> None:
    """A time to live that is not a positive number of seconds is refused."""
    with pytest.raises(ValueError, match="command_id_ttl must be > 0 seconds"):
        Emulator(command_id_ttl=ttl)


# --- lists ------------------------------------------------------------------------


async def test_list_pages_through_filtered_conferences(telnyx_wire: TelnyxWire) -> None:
    """filter[status] and page[...] walk every matching conference exactly once."""
    created = [await telnyx_wire.create() for _ in range(23)]
    for data in created[:3]:
        await telnyx_wire.action(data["id"], "end")
    seen: list[str] = []
    for number in (1, 2, 3, 4):
        params = {"filter[status]": "in_progress", "page[size]": "7", "page[number]": str(number)}
        answer = await telnyx_wire.call("GET", "/conferences", params=params)
        assert {
            "page_number": number,
            "page_size": 7,
            "total_pages": 3,
            "total_results": 20,
        } == answer.body["meta"]
        assert [7, 7, 6, 0][number - 1] == len(answer.body["data"])
        seen += [item["id"] for item in answer.body["data"]]
    assert [data["id"] for data in created[3:]] == seen
    answer = await telnyx_wire.call("GET", "/conferences", params={"filter[status]": "completed"})
    assert 3 == answer.body["meta"]["total_results"]


async def test_list_filters_by_exact_name_and_defaults_to_20(telnyx_wire: TelnyxWire) -> None:
    """filter[name] matches the whole name; the default page size is 20."""
    for index in range(21):
        await telnyx_wire.create(name=f"room-{index}")
    answer = await telnyx_wire.call("GET", "/conferences", params={"filter[name]": "room-1"})
    assert ["room-1"] == [item["name"] for item in answer.body["data"]]
    answer = await telnyx_wire.call("GET", "/conferences")
    assert (20, 21, 2) == (
        len(answer.body["data"]),
        answer.body["meta"]["total_results"],
        answer.body["meta"]["total_pages"],
    )


@pytest.mark.parametrize(
    ("parameter", "value", "code"),
    [
        ("page[size]", "0", "10033"),
        ("page[size]", "251", "10033"),
        ("page[number]", "0", "10033"),
        ("page[size]", "ten", "10015"),
        ("filter[status]", "running", "10032"),
    ],
)
async def test_list_parameters_out_of_range(
    telnyx_wire: TelnyxWire, parameter: str, value: str, code: str
) -> None:
    """Bad page and filter parameters are refused with source.parameter."""
    answer = await telnyx_wire.call("GET", "/conferences", params={parameter: value})
    assert 422 == answer.status
    assert [code] == answer.codes
    assert {"parameter": parameter} == answer.errors[0]["source"]


@pytest.mark.parametrize("size", ["1", "250"])
async def test_page_size_bounds_are_accepted(telnyx_wire: TelnyxWire, size: str) -> None:
    """page[size] 1 and 250 are within range."""
    answer = await telnyx_wire.call("GET", "/conferences", params={"page[size]": size})
    assert int(size) == answer.body["meta"]["page_size"]


async def test_participants_list_pages(telnyx_wire: TelnyxWire) -> None:
    """The participants list pages like the conference list."""
    data = await telnyx_wire.create()
    for _ in range(4):
        await telnyx_wire.action(data["id"], "join", call_control_id=new_ccid())
    path = f"/conferences/{data['id']}/participants"
    answer = await telnyx_wire.call("GET", path, params={"page[size]": "2", "page[number]": "3"})
    assert 1 == len(answer.body["data"])
    assert {"page_number": 3, "page_size": 2, "total_pages": 3, "total_results": 5} == (
        answer.body["meta"]
    )
    answer = await telnyx_wire.call("GET", path, params={"filter[muted]": "maybe"})
    assert ["10032"] == answer.codes
