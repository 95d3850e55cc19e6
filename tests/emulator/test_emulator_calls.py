"""Dialed calls ring before they are answered, on both providers, with per-number outcomes."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from emulator_receiver import Receiver, kinds, telnyx_events, wait_for_callbacks, wait_for_event
from emulator_wire import FROM, TO, Answer, CatapultWire, TelnyxWire, new_ccid

from conferencing.emulator import CallOutcome, Emulator
from conferencing.emulator.__main__ import _emulator, _parser

pytest_plugins = ["emulator_fixtures"]

CONNECTION_ID = "1494404757140276705"
BASE32_ID = "[a-z2-7]{23}"


@pytest.fixture
async def emu(hook_receiver: Receiver) -> AsyncIterator[Emulator]:
    """An emulator sending Telnyx events to the receiver's /telnyx."""
    async with Emulator(webhook_url=hook_receiver.url("/telnyx")) as emulator:
        yield emulator


@pytest.fixture
def telnyx(http_session: aiohttp.ClientSession, emu: Emulator) -> TelnyxWire:
    return TelnyxWire(http_session, emu)


@pytest.fixture
def catapult(http_session: aiohttp.ClientSession, emu: Emulator) -> CatapultWire:
    return CatapultWire(http_session, emu)


async def _dial(telnyx: TelnyxWire, to: str = TO, **fields: Any) -> Answer:
    body = {"connection_id": CONNECTION_ID, "from": FROM, "to": to, **fields}
    return await telnyx.call("POST", "/calls", body)


async def _dialed(telnyx: TelnyxWire, to: str = TO, **fields: Any) -> str:
    answer = await _dial(telnyx, to, **fields)
    assert 200 == answer.status, answer.body
    leg: str = answer.body["data"]["call_control_id"]
    return leg


def _seconds_between(first: dict[str, Any], second: dict[str, Any]) -> float:
    start = dt.datetime.fromisoformat(first["occurred_at"])
    return (dt.datetime.fromisoformat(second["occurred_at"]) - start).total_seconds()


# --- Telnyx -----------------------------------------------------------------------------


async def test_a_dialed_leg_rings_then_is_answered(
    http_session: aiohttp.ClientSession, hook_receiver: Receiver
) -> None:
    """call.initiated at once, 90034 for commands while it rings, then call.answered."""
    async with Emulator(webhook_url=hook_receiver.url("/telnyx"), answer_delay=0.3) as emu:
        await _rings_then_answers(emu, TelnyxWire(http_session, emu), hook_receiver)


async def _rings_then_answers(emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver) -> None:
    conference = await telnyx.create()
    answer = await _dial(telnyx, client_state="c3RhdGU=", timeout_secs=30)
    assert 200 == answer.status
    data = answer.body["data"]
    leg = data["call_control_id"]
    assert re.fullmatch(r"v3:[A-Za-z0-9_-]{40,}", leg)
    assert ("call", False, "c3RhdGU=") == (
        data["record_type"],
        data["is_alive"],
        data["client_state"],
    )
    for action, fields in [
        ("join", {"call_control_id": leg}),
        ("mute", {"call_control_ids": [leg]}),
        ("update", {"call_control_id": leg, "supervisor_role": "monitor"}),
    ]:
        refused = await telnyx.action(conference["id"], action, **fields)
        assert (422, ["90034"]) == (refused.status, refused.codes)
        assert "Call not answered yet" == refused.errors[0]["title"]
    early = await telnyx.call("POST", "/conferences", {"call_control_id": leg, "name": "early"})
    assert ["90034"] == early.codes

    events = (await wait_for_event(emu, hook_receiver, "call.answered"))[-2:]
    assert ["call.initiated", "call.answered"] == kinds(events)
    initiated, answered = (event["payload"] for event in events)
    assert {
        "call_control_id": leg,
        "call_leg_id": data["call_leg_id"],
        "call_session_id": data["call_session_id"],
        "client_state": "c3RhdGU=",
        "connection_id": CONNECTION_ID,
        "direction": "outgoing",
        "from": FROM,
        "to": TO,
        "state": "bridging",
    } == {key: value for key, value in initiated.items() if key != "start_time"}
    assert ("answered", leg) == (answered["state"], answered["call_control_id"])
    assert _seconds_between(events[0], events[1]) >= 0.29
    assert 200 == (await telnyx.action(conference["id"], "join", call_control_id=leg)).status
    assert "answered" == emu.telnyx_calls()[0]["state"]


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("busy", ("user_busy", "486", "callee")),
        ("reject", ("call_rejected", "603", "callee")),
        ("no_answer", ("timeout", "487", "caller")),
    ],
)
async def test_a_leg_not_answered_hangs_up_with_its_documented_cause(
    emu: Emulator,
    telnyx: TelnyxWire,
    hook_receiver: Receiver,
    outcome: CallOutcome,
    expected: tuple[str, str, str],
) -> None:
    """Busy, rejected and unanswered legs send call.initiated then call.hangup, never answered."""
    cause, sip, source = expected
    emu.set_call_outcome(TO, outcome)
    leg = await _dialed(telnyx, timeout_secs=5)
    events = await wait_for_event(emu, hook_receiver, "call.hangup")
    assert ["call.initiated", "call.hangup"] == kinds(events)
    hangup = events[1]["payload"]
    assert (cause, sip, source, leg) == (
        hangup["hangup_cause"],
        hangup["sip_hangup_cause"],
        hangup["hangup_source"],
        hangup["call_control_id"],
    )
    assert (FROM, TO) == (hangup["from"], hangup["to"])
    assert ("ended", cause) == (
        emu.telnyx_calls()[0]["state"],
        emu.telnyx_calls()[0]["hangup_cause"],
    )
    gone = await telnyx.call("POST", f"/calls/{leg}/actions/hangup", {})
    assert (422, ["90018"]) == (gone.status, gone.codes)


async def test_no_answer_rings_the_scaled_timeout(
    http_session: aiohttp.ClientSession, hook_receiver: Receiver
) -> None:
    """An unanswered leg rings timeout_secs times ring_timeout_scale: 50 s * 0.003 = 0.15 s."""
    async with Emulator(
        webhook_url=hook_receiver.url("/telnyx"),
        ring_timeout_scale=0.003,
        call_outcomes={TO: "no_answer"},
    ) as emulator:
        await _dialed(TelnyxWire(http_session, emulator), timeout_secs=50)
        events = await wait_for_event(emulator, hook_receiver, "call.hangup")
        assert 0.14 <= _seconds_between(events[0], events[1]) < 2


async def test_an_answered_leg_with_conference_config_joins_by_id(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """conference_config.id puts the answered leg in the conference, with its options."""
    conference = await telnyx.create()
    config = {"id": conference["id"], "mute": True, "end_conference_on_exit": True}
    leg = await _dialed(telnyx, conference_config=config)
    events = await wait_for_event(emu, hook_receiver, "conference.participant.joined", count=2)
    assert [
        "conference.created",
        "conference.participant.joined",
        "call.initiated",
        "call.answered",
        "conference.participant.joined",
    ] == kinds(events)
    joined = events[-1]["payload"]
    assert (leg, conference["id"], CONNECTION_ID) == (
        joined["call_control_id"],
        joined["conference_id"],
        joined["connection_id"],
    )
    [_, participant] = await telnyx.participants(conference["id"])
    assert (leg, True, True) == (
        participant["call_control_id"],
        participant["muted"],
        participant["end_conference_on_exit"],
    )


async def test_an_answered_leg_opens_a_conference_by_name(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """A conference_name with no active conference is created with the leg as its creator."""
    leg = await _dialed(telnyx, conference_config={"conference_name": "by-dial"})
    events = await wait_for_event(emu, hook_receiver, "conference.participant.joined")
    assert [
        "call.initiated",
        "call.answered",
        "conference.created",
        "conference.participant.joined",
    ] == kinds(events)
    [conference] = emu.telnyx_conferences()
    assert ("by-dial", CONNECTION_ID) == (conference["name"], conference["connection_id"])
    assert leg == events[2]["payload"]["call_control_id"]


async def test_hanging_up_a_ringing_leg_cancels_it(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """Hangup while ringing: call.hangup with originator_cancel, and no call.answered ever."""
    leg = await _dialed(telnyx)
    answer = await telnyx.call("POST", f"/calls/{leg}/actions/hangup", {"reason": "elsewhere"})
    assert (200, {"data": {"result": "ok"}}) == (answer.status, answer.body)
    await emu.deliveries_settled(timeout=5)
    await asyncio.sleep(0.1)  # past the answer delay: nothing more may come
    events = telnyx_events(emu, hook_receiver)
    assert ["call.initiated", "call.hangup"] == kinds(events)
    assert ("originator_cancel", "caller") == (
        events[1]["payload"]["hangup_cause"],
        events[1]["payload"]["hangup_source"],
    )


async def test_hanging_up_a_joined_leg_makes_it_leave(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """The hangup command on any live leg: normal_clearing, then it leaves; again is 90018."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await telnyx.action(conference["id"], "join", call_control_id=guest)
    path = f"/calls/{guest}/actions/hangup"
    assert 200 == (await telnyx.call("POST", path, {"command_id": "bye"})).status
    assert 200 == (await telnyx.call("POST", path, {"command_id": "bye"})).status
    assert ["90018"] == (await telnyx.call("POST", path, {})).codes
    events = await wait_for_event(emu, hook_receiver, "conference.participant.left")
    assert ["call.hangup", "conference.participant.left"] == kinds(events)[-2:]
    assert ("normal_clearing", "caller") == (
        events[-2]["payload"]["hangup_cause"],
        events[-2]["payload"]["hangup_source"],
    )
    assert 1 == emu.stats.duplicates_avoided
    for bad, code in [("nope", "90015"), (f"{new_ccid()}/x", "10005")]:
        assert [code] == (await telnyx.call("POST", f"/calls/{bad}/actions/hangup", {})).codes
    other_action = await telnyx.call("POST", f"/calls/{host}/actions/answer", {})
    assert (404, ["10005"]) == (other_action.status, other_action.codes)


@pytest.mark.parametrize(
    ("fields", "codes", "pointers"),
    [
        (
            {"connection_id": None, "from": None, "to": None},
            ["10004"] * 3,
            ["/connection_id", "/to", "/from"],
        ),
        ({"to": "555-1234"}, ["10016"], ["/to"]),
        ({"to": [TO, "nope"]}, ["10016"], ["/to/1"]),
        ({"from": "sip:me@example.com"}, ["10016"], ["/from"]),
        ({"timeout_secs": 4}, ["10033"], ["/timeout_secs"]),
        ({"timeout_secs": 601}, ["10033"], ["/timeout_secs"]),
        ({"client_state": "not base64!"}, ["10015"], ["/client_state"]),
        ({"connection_id": "not an id"}, ["10015"], ["/connection_id"]),
        ({"conference_config": {}}, ["10004"], ["/conference_config/id"]),
        (
            {"conference_config": {"id": "a", "conference_name": "b", "supervisor_role": "boss"}},
            ["10032", "10015"],
            ["/conference_config/supervisor_role", "/conference_config/conference_name"],
        ),
        ({"conference_config": {"id": str(uuid.uuid4())}}, ["10005"], ["/conference_config/id"]),
    ],
)
async def test_dial_validation(
    telnyx: TelnyxWire, fields: dict[str, Any], codes: list[str], pointers: list[str]
) -> None:
    """Dial checks its required fields, numbers, ranges, connection and conference_config."""
    answer = await _dial(telnyx, **fields)
    assert (422, codes) == (answer.status, answer.codes)
    assert pointers == [error["source"]["pointer"] for error in answer.errors]
    assert [] == telnyx.emu.telnyx_calls()


async def test_sip_uris_and_lists_of_destinations_are_dialed(telnyx: TelnyxWire) -> None:
    """``to`` may be a SIP URI, a number with DTMF digits after a comma, or a list."""
    for to in ["sip:alice@example.com", f"{TO},1234#", [TO, "sip:b@example.com"]]:
        assert 200 == (await _dial(telnyx, to)).status  # type: ignore[arg-type]
    assert ["sip:alice@example.com", TO, TO] == [call["to"] for call in telnyx.emu.telnyx_calls()]


async def test_a_forgotten_connection_is_refused_as_documented(telnyx: TelnyxWire) -> None:
    """After forget_connection, dialing with it is 10015 with the documented title."""
    assert 200 == (await _dial(telnyx)).status
    telnyx.emu.forget_connection(CONNECTION_ID)
    answer = await _dial(telnyx)
    assert (422, ["10015"]) == (answer.status, answer.codes)
    assert "Invalid value for connection_id (Call Control App ID)" == answer.errors[0]["title"]


async def test_unknown_connections_can_be_given_to_the_constructor(
    http_session: aiohttp.ClientSession,
) -> None:
    """telnyx_unknown_connection_ids names connections that are not configured."""
    async with Emulator(telnyx_unknown_connection_ids=[CONNECTION_ID]) as emulator:
        assert ["10015"] == (await _dial(TelnyxWire(http_session, emulator))).codes


async def test_no_answer_delay_answers_within_the_request(
    http_session: aiohttp.ClientSession, hook_receiver: Receiver
) -> None:
    """answer_delay=0: the dial's answer already says is_alive, and the events are queued."""
    async with Emulator(webhook_url=hook_receiver.url("/telnyx"), answer_delay=0) as emulator:
        answer = await _dial(TelnyxWire(http_session, emulator))
        assert answer.body["data"]["is_alive"] is True
        await emulator.deliveries_settled(timeout=5)
        assert ["call.initiated", "call.answered"] == kinds(telnyx_events(emulator, hook_receiver))


async def test_a_dial_webhook_url_gets_that_legs_call_events(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """The dial's webhook_url receives that leg's call.* events instead of the emulator's URL."""
    await _dialed(telnyx, webhook_url=hook_receiver.url("/leg"))
    events = await wait_for_event(emu, hook_receiver, "call.answered", path="/leg")
    assert ["call.initiated", "call.answered"] == kinds(events)
    assert [] == hook_receiver.at("/telnyx")


async def test_a_repeated_dial_command_id_dials_once(telnyx: TelnyxWire) -> None:
    """A dial repeated with its command_id gets the first answer and dials nothing new."""
    first = await _dial(telnyx, command_id="dial-1")
    again = await _dial(telnyx, command_id="dial-1")
    assert (200, first.raw) == (again.status, again.raw)
    assert 1 == len(telnyx.emu.telnyx_calls())
    assert 1 == telnyx.emu.stats.telnyx_calls_dialed


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"answer_delay": -1}, "answer_delay must be >= 0"),
        ({"media_duration": float("nan")}, "media_duration must be >= 0"),
        ({"ring_timeout_scale": -0.1}, "ring_timeout_scale must be >= 0"),
        ({"call_outcomes": {TO: "voicemail"}}, "must be one of answer, no_answer, busy, reject"),
    ],
)
def test_bad_call_settings_are_refused(options: dict[str, Any], message: str) -> None:
    """Negative delays and unknown outcomes are refused when the emulator is made."""
    with pytest.raises(ValueError, match=message):
        Emulator(**options)


async def test_the_command_line_sets_ringing_and_media(
    http_session: aiohttp.ClientSession,
) -> None:
    """python -m conferencing.emulator takes the answer delay, outcomes, scale and media options."""
    args = _parser().parse_args(
        [
            "--answer-delay",
            "0.2",
            "--call-outcome",
            f"{TO}=busy",
            "--call-outcome",
            "sip:a@b.c=reject",
            "--ring-timeout-scale",
            "0.5",
            "--media-duration",
            "0.3",
            "--unknown-connection-id",
            CONNECTION_ID,
        ]
    )
    emulator = _emulator(args)
    assert (0.2, 0.5, 0.3) == (
        emulator.answer_delay,
        emulator.ring_timeout_scale,
        emulator.media_duration,
    )
    assert {TO: "busy", "sip:a@b.c": "reject"} == emulator.call_outcomes
    async with emulator:
        assert ["10015"] == (await _dial(TelnyxWire(http_session, emulator))).codes
    with pytest.raises(SystemExit):
        _parser().parse_args(["--call-outcome", f"{TO}=voicemail"])


def test_set_call_outcome_refuses_an_unknown_outcome() -> None:
    """set_call_outcome names the four outcomes when given another."""
    with pytest.raises(ValueError, match="must be one of"):
        Emulator().set_call_outcome(TO, "maybe")  # type: ignore[arg-type]


# --- Catapult -----------------------------------------------------------------------------


def _events(callbacks: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [
        (e["eventType"], e.get("cause") or e.get("status") or e.get("state") or e.get("callState"))
        for e in callbacks
    ]


async def test_catapult_ids_look_like_catapults(catapult: CatapultWire) -> None:
    """Conferences are conf-..., calls c-..., members member-..., as the documents show."""
    conference_id = await catapult.conference()
    call_id = await catapult.new_call(conference_id)
    member_id = await catapult.created(f"/conferences/{conference_id}/members", {"callId": call_id})
    assert re.fullmatch(f"conf-{BASE32_ID}", conference_id)
    assert re.fullmatch(f"c-{BASE32_ID}", call_id)
    assert re.fullmatch(f"member-{BASE32_ID}", member_id)


async def test_a_catapult_call_rings_then_answers_and_calls_back(
    catapult: CatapultWire, hook_receiver: Receiver
) -> None:
    """It starts ringing (adding it is 403 call-invalid-state), then is active: answer callback."""
    conference_id = await catapult.conference()
    body = {
        "from": FROM,
        "to": TO,
        "conferenceId": conference_id,
        "callbackUrl": hook_receiver.url("/call"),
    }
    call_id = await catapult.created("/calls", body)
    members = f"/conferences/{conference_id}/members"
    early = await catapult.call("POST", members, {"callId": call_id})
    assert (403, "call-invalid-state") == (early.status, early.body["code"])
    assert f"Unable to update call {call_id}. Invalid call state started" == early.body["message"]
    callbacks = await wait_for_callbacks(hook_receiver, "/call", lambda found: len(found) >= 1)
    assert [("answer", "active")] == _events(callbacks)
    assert 201 == (await catapult.call("POST", members, {"callId": call_id})).status


@pytest.mark.parametrize(
    ("outcome", "expected", "state"),
    [
        ("busy", [("hangup", "USER_BUSY")], "completed"),
        ("reject", [("hangup", "CALL_REJECTED")], "rejected"),
        ("no_answer", [("timeout", "timeout"), ("hangup", "NO_ANSWER")], "completed"),
    ],
)
async def test_a_catapult_call_not_answered_calls_back_its_cause(
    catapult: CatapultWire,
    hook_receiver: Receiver,
    outcome: CallOutcome,
    expected: list[tuple[str, str]],
    state: str,
) -> None:
    """Busy, rejected and unanswered calls end with their documented hangup causes."""
    catapult.emu.set_call_outcome(TO, outcome)
    body = {"from": FROM, "to": TO, "callTimeout": 5, "callbackUrl": hook_receiver.url("/call")}
    call_id = await catapult.created("/calls", body)
    callbacks = await wait_for_callbacks(
        hook_receiver, "/call", lambda found: any(e["eventType"] == "hangup" for e in found)
    )
    assert expected == [(e["eventType"], e.get("cause", e["eventType"])) for e in callbacks]
    assert "completed" == callbacks[-1]["callState"]
    call = await catapult.get(f"/calls/{call_id}")
    assert (state, 0, None) == (call["state"], call["chargeableDuration"], call.get("activeTime"))


async def test_completing_a_member_call_ends_its_membership(
    catapult: CatapultWire, hook_receiver: Receiver
) -> None:
    """POST /calls/{id} state=completed: hangup, the member leaves, the empty conference ends."""
    conference_id = await catapult.conference(callbackUrl=hook_receiver.url("/conf"))
    body = {
        "from": FROM,
        "to": TO,
        "conferenceId": conference_id,
        "callbackUrl": hook_receiver.url("/call"),
    }
    call_id = await catapult.created("/calls", body)
    await catapult.wait_for_state(call_id, "active")
    await catapult.created(f"/conferences/{conference_id}/members", {"callId": call_id})
    path = f"/calls/{call_id}"
    assert 200 == (await catapult.call("POST", path, {"state": "active"})).status
    assert 200 == (await catapult.call("POST", path, {"recordingEnabled": "true"})).status
    assert 200 == (await catapult.call("POST", path, {"state": "completed"})).status
    await catapult.emu.deliveries_settled(timeout=5)
    call_events = [hit.json() for hit in hook_receiver.at("/call")]
    assert [("answer", "active"), ("hangup", "NORMAL_CLEARING")] == _events(call_events)
    conference_events = [hit.json() for hit in hook_receiver.at("/conf")]
    assert [
        ("conference", "created"),
        ("conference-member", "active"),
        ("conference-member", "completed"),
        ("conference", "completed"),
    ] == _events(conference_events)
    call = await catapult.get(path)
    assert ("completed", True) == (call["state"], call["recordingEnabled"])
    assert call["endTime"] >= call["activeTime"]
    again = await catapult.call("POST", path, {"state": "completed"})
    assert (403, "forbidden", "call-invalid-state") == (
        again.status,
        again.body["category"],
        again.body["code"],
    )
    assert "after being set to completed" in again.body["message"]


async def test_update_call_refusals(catapult: CatapultWire, hook_receiver: Receiver) -> None:
    """Unknown call 404; bad state 400; reject or transfer refused as documented; cancel rings."""
    assert (
        "call-not-found"
        == (await catapult.call("POST", "/calls/c-none", {"state": "completed"})).body["code"]
    )
    ringing = await catapult.created(
        "/calls", {"from": FROM, "to": TO, "callbackUrl": hook_receiver.url("/ring")}
    )
    path = f"/calls/{ringing}"
    for body, status, code in [
        ({"state": "gone"}, 400, "validation-error"),
        ({"state": "transferring"}, 400, "validation-error"),
        ({"whisperAudio": "hi"}, 400, "validation-error"),
        ({"state": "rejected"}, 403, "call-invalid-state"),
        ({"state": "active"}, 403, "call-invalid-state"),
    ]:
        answer = await catapult.call("POST", path, body)
        assert (status, code) == (answer.status, answer.body["code"]), body
    assert 200 == (await catapult.call("POST", path, {"state": "completed"})).status
    callbacks = await wait_for_callbacks(hook_receiver, "/ring", lambda found: len(found) >= 1)
    assert [("hangup", "ORIGINATOR_CANCEL")] == _events(callbacks)


async def test_list_calls_filters_and_pages(catapult: CatapultWire) -> None:
    """GET /calls: conferenceId lists all its calls; otherwise pages with a Link to the next."""
    conference_id = await catapult.conference()
    in_conference = [await catapult.new_call(conference_id, answered=False) for _ in range(3)]
    alone = [await catapult.new_call(None, answered=False) for _ in range(2)]
    answer = await catapult.call("GET", f"/calls?conferenceId={conference_id}&size=1")
    assert 200 == answer.status
    assert list(reversed(in_conference)) == [call["id"] for call in answer.body]
    assert "Link" not in answer.headers
    first = await catapult.call("GET", "/calls?size=2&sortOrder=asc")
    assert in_conference[:2] == [call["id"] for call in first.body]
    match = re.fullmatch(r'<(.+)>; rel="next"', first.headers["Link"])
    assert match is not None
    following = match.group(1).removeprefix(catapult.emu.catapult_url + catapult.root)
    second = await catapult.call("GET", following)
    assert [in_conference[2], alone[0]] == [call["id"] for call in second.body]
    last = await catapult.call("GET", "/calls?size=2&sortOrder=asc&page=2")
    assert ([alone[1]], None) == ([call["id"] for call in last.body], last.headers.get("Link"))
    assert [] == (await catapult.call("GET", "/calls?to=%2B15550000000")).body
    for query in ["size=1001", "size=0", "page=-1", "sortOrder=up"]:
        refused = await catapult.call("GET", f"/calls?{query}")
        assert (400, "validation-error") == (refused.status, refused.body["code"]), query


async def test_a_call_for_an_unknown_conference_is_403(catapult: CatapultWire) -> None:
    """conferenceId naming no conference: 403 invalid-call-conference-id, errors.md's message."""
    answer = await catapult.call(
        "POST", "/calls", {"from": FROM, "to": TO, "conferenceId": "conf-x"}
    )
    assert (403, "forbidden", "invalid-call-conference-id") == (
        answer.status,
        answer.body["category"],
        answer.body["code"],
    )
    assert "Invalid conference Id in call. conferenceId conf-x" == answer.body["message"]
