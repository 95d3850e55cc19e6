"""Media and recording: playback and speech start and end, recordings are saved and served."""

from __future__ import annotations

import datetime as dt
import io
import wave
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from emulator_receiver import Receiver, kinds, telnyx_events, wait_for_callbacks, wait_for_event
from emulator_wire import FROM, TO, CatapultWire, TelnyxWire, new_ccid

from conferencing.emulator import Emulator

pytest_plugins = ["emulator_fixtures"]

MEDIA = 0.1
"""The media_duration these tests run with, in seconds."""
AUDIO = "http://example.com/message.wav"


@pytest.fixture
async def emu(hook_receiver: Receiver) -> AsyncIterator[Emulator]:
    """An emulator sending Telnyx events to the receiver, each playback lasting MEDIA seconds."""
    async with Emulator(webhook_url=hook_receiver.url("/telnyx"), media_duration=MEDIA) as emulator:
        yield emulator


@pytest.fixture
def telnyx(http_session: aiohttp.ClientSession, emu: Emulator) -> TelnyxWire:
    return TelnyxWire(http_session, emu)


@pytest.fixture
def catapult(http_session: aiohttp.ClientSession, emu: Emulator) -> CatapultWire:
    return CatapultWire(http_session, emu)


def _occurred(event: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(event["occurred_at"])


def _lasted(started: dict[str, Any], ended: dict[str, Any]) -> float:
    return (_occurred(ended) - _occurred(started)).total_seconds()


def _media(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if ".playback." in e["event_type"] or ".speak." in e["event_type"]]


async def _ok(telnyx: TelnyxWire, conference_id: str, action: str, **fields: Any) -> None:
    answer = await telnyx.action(conference_id, action, **fields)
    assert (200, {"data": {"result": "ok"}}) == (answer.status, answer.body), answer.body


# --- Telnyx playback and speech ---------------------------------------------------------


async def test_play_to_the_conference_starts_then_ends(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """conference.playback.started, then .ended after media_duration, naming the media."""
    host = new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await _ok(telnyx, conference["id"], "play", audio_url=AUDIO)
    events = _media(await wait_for_event(emu, hook_receiver, "conference.playback.ended"))
    assert ["conference.playback.started", "conference.playback.ended"] == kinds(events)
    started = events[0]["payload"]
    assert {
        "conference_id": conference["id"],
        "connection_id": emu.telnyx_connection_id,
        "media_url": AUDIO,
    } == {key: started[key] for key in ("conference_id", "connection_id", "media_url")}
    assert started["creator_call_session_id"]
    assert MEDIA - 0.002 <= _lasted(events[0], events[1]) < MEDIA + 1


async def test_play_to_participants_loops_and_speaks(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """call_control_ids target participants: participant events, loop times longer."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await _ok(telnyx, conference["id"], "join", call_control_id=guest)
    await _ok(
        telnyx, conference["id"], "play", media_name="hello", call_control_ids=[guest], loop=3
    )
    await _ok(
        telnyx, conference["id"], "speak", payload="Hi", voice="female", call_control_ids=[host]
    )
    events = await wait_for_event(emu, hook_receiver, "conference.participant.playback.ended")
    media = _media(events)
    playback = [e for e in media if ".playback." in e["event_type"]]
    assert [guest, guest] == [e["payload"]["call_control_id"] for e in playback]
    assert "hello" == playback[0]["payload"]["media_name"]
    assert 3 * MEDIA - 0.002 <= _lasted(playback[0], playback[1])
    spoken = [e for e in media if ".speak." in e["event_type"]]
    assert ["conference.participant.speak.started", "conference.participant.speak.ended"] == kinds(
        spoken
    )
    assert {host} == {e["payload"]["call_control_id"] for e in spoken}


async def test_endless_playback_ends_when_stopped(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """loop infinity plays until stop; stop with ids stops only those participants."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await _ok(telnyx, conference["id"], "join", call_control_id=guest)
    await _ok(telnyx, conference["id"], "play", audio_url=AUDIO, loop="infinity")
    await _ok(
        telnyx, conference["id"], "play", audio_url=AUDIO, loop="infinity", call_control_ids=[guest]
    )
    await _ok(telnyx, conference["id"], "stop", call_control_ids=[guest])
    events = await wait_for_event(emu, hook_receiver, "conference.participant.playback.ended")
    assert "conference.playback.ended" not in kinds(events)
    await _ok(telnyx, conference["id"], "stop")
    events = await wait_for_event(emu, hook_receiver, "conference.playback.ended")
    assert [
        "conference.playback.started",
        "conference.participant.playback.started",
        "conference.participant.playback.ended",
        "conference.playback.ended",
    ] == kinds(_media(events))


async def test_a_new_playback_ends_the_one_before(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """Playing again on the same target ends what played there first."""
    conference = await telnyx.create()
    await _ok(telnyx, conference["id"], "play", audio_url=AUDIO, loop="infinity")
    await _ok(telnyx, conference["id"], "play", audio_url="http://example.com/b.mp3")
    events = await wait_for_event(emu, hook_receiver, "conference.playback.ended", count=2)
    media = _media(events)
    assert [
        "conference.playback.started",
        "conference.playback.ended",
        "conference.playback.started",
        "conference.playback.ended",
    ] == kinds(media)
    assert [AUDIO, AUDIO] == [e["payload"]["media_url"] for e in media[:2]]


async def test_leaving_and_ending_end_what_plays(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """A leaving participant's playback ends before it leaves; the conference's before it ends."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await _ok(telnyx, conference["id"], "join", call_control_id=guest)
    await _ok(
        telnyx, conference["id"], "play", audio_url=AUDIO, loop="infinity", call_control_ids=[guest]
    )
    await _ok(telnyx, conference["id"], "play", audio_url=AUDIO, loop="infinity")
    await _ok(telnyx, conference["id"], "leave", call_control_id=guest)
    await _ok(telnyx, conference["id"], "end")
    events = await wait_for_event(emu, hook_receiver, "conference.ended")
    after_joins = events[kinds(events).index("conference.participant.playback.started") :]
    assert [
        ("conference.participant.playback.started", guest),
        ("conference.playback.started", None),
        ("conference.participant.playback.ended", guest),
        ("conference.participant.left", guest),
        ("conference.playback.ended", None),
        ("conference.ended", host),
    ] == [(e["event_type"], e["payload"].get("call_control_id")) for e in after_joins][:6]


@pytest.mark.parametrize(
    ("action", "fields", "codes"),
    [
        ("play", {}, ["10004"]),
        ("play", {"audio_url": AUDIO, "media_name": "m"}, ["10015"]),
        ("play", {"audio_url": "ftp://x/y.wav"}, ["10003"]),
        ("play", {"audio_url": AUDIO, "loop": 0}, ["10033"]),
        ("play", {"audio_url": AUDIO, "loop": 101}, ["10033"]),
        ("play", {"audio_url": AUDIO, "loop": "forever"}, ["10015"]),
        ("play", {"audio_url": AUDIO, "call_control_ids": [new_ccid()]}, ["90015"]),
        ("speak", {}, ["10004", "10004"]),
        ("speak", {"payload": "x" * 3001, "voice": "female"}, ["10015"]),
        ("speak", {"payload": "x", "voice": "female", "language": "xx-XX"}, ["10032"]),
        ("speak", {"payload": "x", "voice": "female", "payload_type": "html"}, ["10032"]),
        ("stop", {"call_control_ids": ["bad"]}, ["90015"]),
        ("send_dtmf", {}, ["10004"]),
        ("send_dtmf", {"digits": "12x"}, ["10015"]),
        ("send_dtmf", {"digits": "12", "duration_millis": 50}, ["10033"]),
        ("update", {}, ["10004", "10004"]),
        ("update", {"call_control_id": new_ccid(), "supervisor_role": "boss"}, ["10032"]),
        ("update", {"call_control_id": new_ccid(), "supervisor_role": "monitor"}, ["90015"]),
        ("gather_using_audio", {}, ["10004"]),
        ("gather_using_audio", {"call_control_id": new_ccid(), "gather_id": "g" * 101}, ["10015"]),
        ("gather_using_audio", {"call_control_id": new_ccid()}, ["90015"]),
        ("record_start", {}, ["10004"]),
        ("record_start", {"format": "ogg", "channels": "stereo"}, ["10032", "10032"]),
        ("record_stop", {}, ["90033"]),
        ("record_pause", {}, ["90033"]),
        ("record_resume", {"region": "Mars"}, ["10032"]),
    ],
)
async def test_media_and_command_validation(
    telnyx: TelnyxWire, action: str, fields: dict[str, Any], codes: list[str]
) -> None:
    """The newer commands check their fields and participants with the documented codes."""
    conference = await telnyx.create()
    answer = await telnyx.action(conference["id"], action, **fields)
    assert (422, codes) == (answer.status, answer.codes)


async def test_update_dtmf_and_gather_act_on_participants(telnyx: TelnyxWire) -> None:
    """update sets the supervisor role; send_dtmf and gather accept participants."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await _ok(telnyx, conference["id"], "join", call_control_id=guest)
    await _ok(
        telnyx,
        conference["id"],
        "update",
        call_control_id=guest,
        supervisor_role="whisper",
        whisper_call_control_ids=[host],
    )
    whispering = await telnyx.participants(conference["id"], **{"filter[whispering]": "true"})
    assert [([host], guest)] == [
        (p["whisper_call_control_ids"], p["call_control_id"]) for p in whispering
    ]
    await _ok(telnyx, conference["id"], "send_dtmf", digits="0123456789ABCD*#wW")
    await _ok(telnyx, conference["id"], "gather_using_audio", call_control_id=guest, media_name="p")


async def test_actions_address_a_conference_by_name(telnyx: TelnyxWire) -> None:
    """An action's path may name the conference; an unknown name is 404 10005."""
    conference = await telnyx.create(name="by-name")
    await _ok(telnyx, "by-name", "mute")
    assert [True] == [p["muted"] for p in await telnyx.participants(conference["id"])]
    await _ok(telnyx, "by-name", "end")
    assert "completed" == (await telnyx.get(conference["id"]))["status"]
    assert ["90019"] == (await telnyx.action("by-name", "mute")).codes
    unknown = await telnyx.action("no-such-room", "mute")
    assert (404, ["10005"]) == (unknown.status, unknown.codes)


async def test_participants_who_left_are_listed_as_left(telnyx: TelnyxWire) -> None:
    """The participants list keeps those who left, status left, each with conference_id."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await _ok(telnyx, conference["id"], "join", call_control_id=guest)
    await _ok(telnyx, conference["id"], "leave", call_control_id=guest)
    listed = await telnyx.participants(conference["id"])
    assert [(host, "joined"), (guest, "left")] == [
        (p["call_control_id"], p["status"]) for p in listed
    ]
    assert {conference["id"]} == {p["conference_id"] for p in listed}
    retrieved = await telnyx.call("GET", f"/conferences/{conference['id']}/participants/{guest}")
    assert "left" == retrieved.body["data"]["status"]


# --- Telnyx recording ------------------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["wav", "mp3"])
async def test_a_recording_is_saved_and_served(
    emu: Emulator,
    telnyx: TelnyxWire,
    hook_receiver: Receiver,
    http_session: aiohttp.ClientSession,
    file_format: str,
) -> None:
    """record_start .. record_stop sends recording.saved with URLs the emulator serves."""
    host = new_ccid()
    conference = await telnyx.create(call_control_id=host, client_state="Y29uZg==")
    await _ok(telnyx, conference["id"], "record_start", format=file_format, channels="dual")
    assert ["90033"] == (await telnyx.action(conference["id"], "record_start", format="wav")).codes
    await _ok(telnyx, conference["id"], "record_pause")
    await _ok(telnyx, conference["id"], "record_resume")
    await _ok(telnyx, conference["id"], "record_stop", client_state="c3RvcA==")
    events = await wait_for_event(emu, hook_receiver, "conference.recording.saved")
    saved = events[-1]["payload"]
    assert {
        "call_control_id": host,
        "channels": "dual",
        "client_state": "c3RvcA==",
        "conference_id": conference["id"],
        "format": file_format,
    } == {
        key: saved[key]
        for key in ("call_control_id", "channels", "client_state", "conference_id", "format")
    }
    started = dt.datetime.fromisoformat(saved["recording_started_at"])
    ended = dt.datetime.fromisoformat(saved["recording_ended_at"])
    assert started <= ended
    url = saved["recording_urls"][file_format]
    assert url == saved["public_recording_urls"][file_format]
    assert url.startswith(emu.base_url + "/_emulator/recordings/" + saved["recording_id"])
    async with http_session.get(url) as response:
        assert 200 == response.status
        body = await response.read()
    if file_format == "wav":
        assert "audio/wav" == response.content_type
        with wave.open(io.BytesIO(body)) as recording:
            assert (1, 8000, 2) == (
                recording.getnchannels(),
                recording.getframerate(),
                recording.getsampwidth(),
            )
            assert recording.getnframes() >= 1
    else:
        assert "audio/mpeg" == response.content_type
        assert body[:2] == b"\xff\xfb"
    assert 1 == emu.stats.recordings_saved
    async with http_session.get(emu.base_url + "/_emulator/recordings/nope.wav") as missing:
        assert 404 == missing.status


async def test_a_conference_ending_while_recording_saves_it(
    emu: Emulator, telnyx: TelnyxWire, hook_receiver: Receiver
) -> None:
    """Ending a recorded conference sends conference.ended, then recording.saved."""
    conference = await telnyx.create(client_state="Y29uZg==")
    await _ok(telnyx, conference["id"], "record_start", format="wav")
    answer = await telnyx.action(conference["id"], "record_stop", recording_id="not-it")
    assert (422, ["10005"]) == (answer.status, answer.codes)
    await _ok(telnyx, conference["id"], "end")
    events = await wait_for_event(emu, hook_receiver, "conference.recording.saved")
    assert [
        "conference.ended",
        "conference.participant.left",
        "conference.recording.saved",
    ] == kinds(events)[-3:]
    assert "Y29uZg==" == events[-1]["payload"]["client_state"]


# --- Catapult conference and member audio ---------------------------------------------------


async def test_catapult_conference_audio_calls_back_started_then_done(
    emu: Emulator, catapult: CatapultWire, hook_receiver: Receiver
) -> None:
    """fileUrl sends conference-playback started/done, sentence conference-speak, with tags."""
    conference_id = await catapult.conference(
        callbackUrl=hook_receiver.url("/conf"), tag="conf-tag"
    )
    audio = f"/conferences/{conference_id}/audio"
    assert (
        200 == (await catapult.call("POST", audio, {"fileUrl": AUDIO, "tag": "audio-tag"})).status
    )
    assert (
        200 == (await catapult.call("POST", audio, {"sentence": "Hello", "voice": "kate"})).status
    )
    callbacks = await wait_for_callbacks(
        hook_receiver, "/conf", lambda found: sum(e.get("status") == "done" for e in found) >= 2
    )
    media = [e for e in callbacks if e["eventType"] != "conference"]
    assert {
        ("conference-playback", "started", "audio-tag"),
        ("conference-playback", "done", "audio-tag"),
        ("conference-speak", "started", "conf-tag"),
        ("conference-speak", "done", "conf-tag"),
    } == {(e["eventType"], e["status"], e["tag"]) for e in media}
    uri = f"{emu.base_url}/v1/users/{emu.catapult_user_id}/conferences/{conference_id}"
    assert {(conference_id, uri)} == {(e["conferenceId"], e["conferenceUri"]) for e in media}
    playback = [e for e in media if e["eventType"] == "conference-playback"]
    lasted = dt.datetime.fromisoformat(playback[1]["time"]) - dt.datetime.fromisoformat(
        playback[0]["time"]
    )
    assert MEDIA - 0.002 <= lasted.total_seconds()


async def test_catapult_looping_audio_stops_on_an_empty_file_url(
    emu: Emulator, catapult: CatapultWire, hook_receiver: Receiver
) -> None:
    """loopEnabled plays until {"fileUrl": ""}; completing the conference ends audio first."""
    conference_id = await catapult.conference(callbackUrl=hook_receiver.url("/conf"))
    await catapult.member(conference_id)
    audio = f"/conferences/{conference_id}/audio"
    await catapult.call("POST", audio, {"fileUrl": AUDIO, "loopEnabled": True})
    await catapult.call("POST", audio, {"fileUrl": ""})
    await catapult.call("POST", audio, {"fileUrl": AUDIO, "loopEnabled": "true"})
    await catapult.call("POST", f"/conferences/{conference_id}", {"state": "completed"})
    await emu.deliveries_settled(timeout=5)
    events = [hit.json() for hit in hook_receiver.at("/conf")]
    assert [
        ("conference", "created"),
        ("conference-member", "active"),
        ("conference-playback", "started"),
        ("conference-playback", "done"),
        ("conference-playback", "started"),
        ("conference-playback", "done"),
        ("conference-member", "completed"),
        ("conference", "completed"),
    ] == [(e["eventType"], e.get("status", e.get("state"))) for e in events]


async def test_catapult_member_audio_calls_back_on_the_call(
    emu: Emulator, catapult: CatapultWire, hook_receiver: Receiver
) -> None:
    """Audio to one member sends the call's own playback / speak events to its callbackUrl."""
    conference_id = await catapult.conference()
    body = {
        "from": FROM,
        "to": TO,
        "conferenceId": conference_id,
        "callbackUrl": hook_receiver.url("/call"),
    }
    call_id = await catapult.created("/calls", body)
    await catapult.wait_for_state(call_id, "active")
    member_id = await catapult.created(f"/conferences/{conference_id}/members", {"callId": call_id})
    path = f"/conferences/{conference_id}/members/{member_id}/audio"
    assert 200 == (await catapult.call("POST", path, {"sentence": "Just you", "tag": "t"})).status
    callbacks = await wait_for_callbacks(
        hook_receiver, "/call", lambda found: any(e.get("status") == "done" for e in found)
    )
    spoken = [e for e in callbacks if e["eventType"] == "speak"]
    assert [("started", call_id, "t"), ("done", call_id, "t")] == [
        (e["status"], e["callId"], e["tag"]) for e in spoken
    ]
    assert [] == [hit for hit in hook_receiver.hits if hit.path == "/conf"]
    assert [] == telnyx_events(emu, hook_receiver)
