"""Telnyx conference commands beyond the lifecycle, dialing and hanging up, and names in paths."""

from __future__ import annotations

import json
import string
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import attrs
import pytest
from aiohttp import web
from aiohttp.test_utils import RawTestServer
from aioresponses import aioresponses
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from yarl import URL

from conferencing import CallEndedError, OutcomeUnknownError, ValidationError, telnyx
from conferencing._rules import build
from conferencing.telnyx import ConferenceName, TelnyxClient

ROOT = "https://api.telnyx.com/v2"
CONF = f"{ROOT}/conferences/conf-1"
CALLS = f"{ROOT}/calls"
OK = {"data": {"result": "ok"}}
CALL = {
    "record_type": "call",
    "call_control_id": "v3:new-leg",
    "call_leg_id": "2dc6fc34-f9e0-11ea-b68e-02420a0f7768",
    "call_session_id": "2dc1b3c8-f9e0-11ea-bc5a-02420a0f7768",
    "is_alive": False,
}
FROM = "+15551230000"
TO = "+15557650000"

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture
async def tx() -> AsyncIterator[TelnyxClient]:
    async with TelnyxClient(api_key="KEY") as client:
        yield client


def sent(http: aioresponses, method: str, url: str) -> list[Any]:
    """The JSON bodies sent to `url` with `method`, in order."""
    return [json.loads(c.kwargs["data"]) for c in http.requests.get((method, URL(url)), [])]


def is_uuid4(value: object) -> bool:
    """Whether `value` is the text of a version 4 UUID."""
    return isinstance(value, str) and uuid.UUID(value).version == 4


# --- audio and speech -----------------------------------------------------------


async def test_play_sends_the_set_fields_and_no_command_id(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """play sends audio_url or media_name, loop and the legs; Telnyx takes no command_id there."""
    http.post(f"{CONF}/actions/play", payload=OK, repeat=True)

    first = await tx.play(
        "conf-1", audio_url="https://x.example/a.wav", loop="infinity", call_control_ids=["v3:a"]
    )
    await tx.play("conf-1", telnyx.PlayRequest(media_name="hold_music", loop=3, region="Europe"))

    assert [
        {"audio_url": "https://x.example/a.wav", "loop": "infinity", "call_control_ids": ["v3:a"]},
        {"media_name": "hold_music", "loop": 3, "region": "Europe"},
    ] == sent(http, "POST", f"{CONF}/actions/play")
    assert telnyx.CommandResult(result="ok") == first


async def test_stop_everyone_or_some(tx: TelnyxClient, http: aioresponses) -> None:
    """stop with no ids sends {} (the whole conference); with ids, only those."""
    http.post(f"{CONF}/actions/stop", payload=OK, repeat=True)

    await tx.stop("conf-1")
    await tx.stop("conf-1", call_control_ids=["v3:a"])

    assert [{}, {"call_control_ids": ["v3:a"]}] == sent(http, "POST", f"{CONF}/actions/stop")


async def test_speak_generates_and_returns_a_command_id(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """speak sends payload, voice and the set fields, with a fresh UUID command_id it returns."""
    http.post(f"{CONF}/actions/speak", payload=OK)

    result = await tx.speak(
        "conf-1", payload="<speak>Hi</speak>", voice="AWS.Polly.Joanna", payload_type="ssml"
    )

    [body] = sent(http, "POST", f"{CONF}/actions/speak")
    assert is_uuid4(result.command_id)
    assert {
        "payload": "<speak>Hi</speak>",
        "voice": "AWS.Polly.Joanna",
        "payload_type": "ssml",
        "command_id": result.command_id,
    } == body


# --- recording --------------------------------------------------------------------


async def test_record_start_stop_pause_resume(tx: TelnyxClient, http: aioresponses) -> None:
    """The four recording commands go to their own paths, each with its own command_id."""
    for action in ("record_start", "record_stop", "record_pause", "record_resume"):
        http.post(f"{CONF}/actions/{action}", payload=OK)

    started = await tx.record_start(
        "conf-1", format="mp3", channels="dual", trim="trim-silence", custom_file_name="standup"
    )
    paused = await tx.record_pause("conf-1", recording_id="rec-1")
    resumed = await tx.record_resume("conf-1", telnyx.RecordResumeRequest(command_id="mine"))
    stopped = await tx.record_stop("conf-1", client_state="aGk=", region="US")

    assert [
        {
            "format": "mp3",
            "channels": "dual",
            "trim": "trim-silence",
            "custom_file_name": "standup",
            "command_id": started.command_id,
        }
    ] == sent(http, "POST", f"{CONF}/actions/record_start")
    assert [{"recording_id": "rec-1", "command_id": paused.command_id}] == sent(
        http, "POST", f"{CONF}/actions/record_pause"
    )
    assert [{"command_id": "mine"}] == sent(http, "POST", f"{CONF}/actions/record_resume")
    assert "mine" == resumed.command_id
    assert [{"client_state": "aGk=", "region": "US", "command_id": stopped.command_id}] == sent(
        http, "POST", f"{CONF}/actions/record_stop"
    )
    assert 4 == len({started.command_id, paused.command_id, resumed.command_id, stopped.command_id})


# --- supervisor role, DTMF and gather ---------------------------------------------


async def test_update_conference_sets_a_supervisor_role(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """update takes the leg positionally or in the request, with a generated command_id."""
    http.post(f"{CONF}/actions/update", payload=OK, repeat=True)

    whisper = await tx.update_conference(
        "conf-1", "v3:boss", supervisor_role="whisper", whisper_call_control_ids=["v3:agent"]
    )
    await tx.update_conference(
        "conf-1",
        telnyx.UpdateConferenceRequest(
            call_control_id="v3:boss", supervisor_role="barge", command_id="c-2"
        ),
    )

    assert [
        {
            "call_control_id": "v3:boss",
            "supervisor_role": "whisper",
            "whisper_call_control_ids": ["v3:agent"],
            "command_id": whisper.command_id,
        },
        {"call_control_id": "v3:boss", "supervisor_role": "barge", "command_id": "c-2"},
    ] == sent(http, "POST", f"{CONF}/actions/update")
    assert is_uuid4(whisper.command_id)


async def test_send_dtmf(tx: TelnyxClient, http: aioresponses) -> None:
    """send_dtmf sends the digits and the set fields; Telnyx takes no command_id there."""
    http.post(f"{CONF}/actions/send_dtmf", payload=OK)

    result = await tx.send_dtmf("conf-1", digits="1234#wW*", duration_millis=250)

    assert [{"digits": "1234#wW*", "duration_millis": 250}] == sent(
        http, "POST", f"{CONF}/actions/send_dtmf"
    )
    assert result.command_id is None


async def test_gather_using_audio(tx: TelnyxClient, http: aioresponses) -> None:
    """The conference gather prompts one leg, given positionally, and sends only the set fields."""
    http.post(f"{CONF}/actions/gather_using_audio", payload=OK)

    await tx.gather_using_audio(
        "conf-1",
        "v3:caller",
        audio_url="https://x.example/menu.wav",
        minimum_digits=1,
        maximum_digits=4,
        terminating_digit="#",
        valid_digits="0123456789#",
        gather_id="menu-1",
    )

    assert [
        {
            "call_control_id": "v3:caller",
            "audio_url": "https://x.example/menu.wav",
            "minimum_digits": 1,
            "maximum_digits": 4,
            "terminating_digit": "#",
            "valid_digits": "0123456789#",
            "gather_id": "menu-1",
        }
    ] == sent(http, "POST", f"{CONF}/actions/gather_using_audio")


# --- dial and hang up ---------------------------------------------------------------


async def test_dial_into_a_conference(tx: TelnyxClient, http: aioresponses) -> None:
    """dial POSTs /calls with `from`, the nested conference_config and a command_id it returns."""
    http.post(CALLS, payload={"data": {**CALL, "start_time": "2024-03-01T10:00:00.000Z"}})

    call = await tx.dial(
        connection_id="1494404757140276705",
        from_=FROM,
        to="sip:agent@example.com;secure=true",
        timeout_secs=45,
        time_limit_secs=3600,
        client_state="aGk=",
        webhook_url="https://hooks.example/telnyx",
        webhook_url_method="POST",
        custom_headers=[telnyx.CustomHeader(name="X-Team", value="sales")],
        conference_config=telnyx.ConferenceConfig(
            id="conf-1", mute=True, supervisor_role="whisper", whisper_call_control_ids=["v3:a"]
        ),
    )

    [body] = sent(http, "POST", CALLS)
    assert {
        "connection_id": "1494404757140276705",
        "from": FROM,
        "to": "sip:agent@example.com;secure=true",
        "timeout_secs": 45,
        "time_limit_secs": 3600,
        "client_state": "aGk=",
        "webhook_url": "https://hooks.example/telnyx",
        "webhook_url_method": "POST",
        "custom_headers": [{"name": "X-Team", "value": "sales"}],
        "conference_config": {
            "id": "conf-1",
            "mute": True,
            "supervisor_role": "whisper",
            "whisper_call_control_ids": ["v3:a"],
        },
        "command_id": call.command_id,
    } == body
    assert is_uuid4(call.command_id)
    assert ("v3:new-leg", False, "call") == (call.call_control_id, call.is_alive, call.record_type)
    assert CALL["call_session_id"] == call.call_session_id
    assert call.start_time is not None
    assert 0 == call.start_time.utcoffset().total_seconds()  # type: ignore[union-attr]


async def test_dial_keeps_the_callers_command_id(tx: TelnyxClient, http: aioresponses) -> None:
    """A command_id given is sent and returned as is, so a dial can be repeated safely."""
    http.post(CALLS, payload={"data": CALL})
    request = telnyx.DialRequest(connection_id="c", from_=FROM, to=TO, command_id="dial-1")

    call = await tx.dial(request)

    assert "dial-1" == call.command_id
    assert {"connection_id": "c", "from": FROM, "to": TO, "command_id": "dial-1"} == sent(
        http, "POST", CALLS
    )[0]


async def test_dial_with_an_unknown_outcome_names_its_command_id(http: aioresponses) -> None:
    """A dial that may have been placed raises OutcomeUnknownError with the command_id to reuse."""
    http.post(CALLS, status=500, payload={"errors": [{"code": "10001"}]}, repeat=True)

    async with TelnyxClient(api_key="KEY", retry=None) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await client.dial(connection_id="c", from_=FROM, to=TO)

    [body] = sent(http, "POST", CALLS)
    assert body["command_id"] == caught.value.command_id


async def test_hang_up(tx: TelnyxClient, http: aioresponses) -> None:
    """hang_up POSTs /calls/{id}/actions/hangup with a generated command_id and the set fields."""
    url = f"{CALLS}/v3:leg==/actions/hangup"
    http.post(url, payload=OK)
    http.post(
        f"{CALLS}/v3:gone/actions/hangup", status=422, payload={"errors": [{"code": "90018"}]}
    )

    result = await tx.hang_up("v3:leg==", client_state="aGk=")
    with pytest.raises(CallEndedError):
        await tx.hang_up("v3:gone", command_id="bye-1")

    assert [{"client_state": "aGk=", "command_id": result.command_id}] == sent(http, "POST", url)
    assert is_uuid4(result.command_id)


@pytest.mark.parametrize(
    ("call", "idempotent", "commanded"),
    [
        (lambda tx: tx.play("c", media_name="m"), False, False),
        (lambda tx: tx.send_dtmf("c", digits="1"), False, False),
        (lambda tx: tx.gather_using_audio("c", "v3:a", media_name="m"), False, False),
        (lambda tx: tx.stop("c"), True, False),
        (lambda tx: tx.speak("c", payload="Hi", voice="Telnyx.KokoroTTS.af"), True, True),
        (lambda tx: tx.record_start("c", format="wav"), True, True),
        (lambda tx: tx.record_stop("c"), True, True),
        (lambda tx: tx.record_pause("c"), True, True),
        (lambda tx: tx.record_resume("c"), True, True),
        (lambda tx: tx.update_conference("c", "v3:a", supervisor_role="monitor"), True, True),
        (lambda tx: tx.hang_up("v3:a"), True, True),
    ],
)
async def test_only_repeatable_commands_are_marked_idempotent(
    tx: TelnyxClient,
    monkeypatch: pytest.MonkeyPatch,
    call: Callable[[TelnyxClient], Coroutine[Any, Any, object]],
    idempotent: bool,
    commanded: bool,
) -> None:
    """Commands with a command_id or that set a state may be retried; play, DTMF, gather not."""
    seen: list[tuple[str, bool, str | None]] = []

    async def fake_send(_self: TelnyxClient, m: str, _url: str, *_args: Any, **kwargs: Any) -> Any:
        seen.append((m, kwargs.get("idempotent", False), kwargs.get("command_id")))
        return telnyx.CommandResult(result="ok")

    monkeypatch.setattr(TelnyxClient, "_send", fake_send)

    await call(tx)

    [(method, marked, command_id)] = seen
    assert ("POST", idempotent, commanded) == (method, marked, command_id is not None)


# --- rules, checked before anything is sent -------------------------------------------

CONFIG = telnyx.ConferenceConfig(id="conf-1")
HEADER = telnyx.CustomHeader(name="X-A", value="1")
DIAL: dict[str, Any] = {"connection_id": "c", "from_": FROM, "to": TO}
GATHER: dict[str, Any] = {"call_control_id": "v3:a"}
UPDATE: dict[str, Any] = {"call_control_id": "v3:a", "supervisor_role": "none"}
SPEAK: dict[str, Any] = {"payload": "Hi", "voice": "Telnyx.KokoroTTS.af"}

RULES: list[tuple[type[Any], dict[str, Any], str]] = [
    (telnyx.PlayRequest, {}, "audio_url"),
    (telnyx.PlayRequest, {"audio_url": "https://x.example/a", "media_name": "m"}, "media_name"),
    (telnyx.PlayRequest, {"media_name": "m", "loop": 0}, "loop"),
    (telnyx.PlayRequest, {"media_name": "m", "loop": 101}, "loop"),
    (telnyx.PlayRequest, {"media_name": "m", "loop": "forever"}, "loop"),
    (telnyx.PlayRequest, {"media_name": "m", "loop": True}, "loop"),
    (telnyx.PlayRequest, {"audio_url": "ftp://x.example/a"}, "audio_url"),
    (telnyx.PlayRequest, {"media_name": "m", "call_control_ids": "v3:a"}, "call_control_ids"),
    (telnyx.PlayRequest, {"media_name": "m", "region": "Mars"}, "region"),
    (telnyx.StopRequest, {"call_control_ids": ["v3:a", ""]}, "call_control_ids"),
    (telnyx.SpeakRequest, {"voice": "v"}, "payload"),
    (telnyx.SpeakRequest, {"payload": "Hi"}, "voice"),
    (telnyx.SpeakRequest, {**SPEAK, "payload": "x" * 3001}, "payload"),
    (telnyx.SpeakRequest, {**SPEAK, "payload": " "}, "payload"),
    (telnyx.SpeakRequest, {**SPEAK, "payload_type": "html"}, "payload_type"),
    (telnyx.SpeakRequest, {**SPEAK, "language": "xx-XX"}, "language"),
    (telnyx.RecordStartRequest, {}, "format"),
    (telnyx.RecordStartRequest, {"format": "ogg"}, "format"),
    (telnyx.RecordStartRequest, {"format": "mp3", "channels": "stereo"}, "channels"),
    (telnyx.RecordStartRequest, {"format": "mp3", "trim": "silence"}, "trim"),
    (telnyx.RecordStartRequest, {"format": "mp3", "custom_file_name": ""}, "custom_file_name"),
    (
        telnyx.RecordStartRequest,
        {"format": "mp3", "custom_file_name": "x" * 41},
        "custom_file_name",
    ),
    (telnyx.RecordStartRequest, {"format": "mp3", "play_beep": 1}, "play_beep"),
    (telnyx.RecordStopRequest, {"client_state": "not base64!"}, "client_state"),
    (telnyx.RecordPauseRequest, {"recording_id": ""}, "recording_id"),
    (telnyx.RecordResumeRequest, {"region": "Mars"}, "region"),
    (telnyx.UpdateConferenceRequest, {"supervisor_role": "none"}, "call_control_id"),
    (telnyx.UpdateConferenceRequest, {"call_control_id": "v3:a"}, "supervisor_role"),
    (telnyx.UpdateConferenceRequest, {**UPDATE, "supervisor_role": "boss"}, "supervisor_role"),
    (
        telnyx.UpdateConferenceRequest,
        {**UPDATE, "whisper_call_control_ids": ["v3:b", "v3:b"]},
        "whisper_call_control_ids",
    ),
    (telnyx.SendDtmfRequest, {}, "digits"),
    (telnyx.SendDtmfRequest, {"digits": ""}, "digits"),
    (telnyx.SendDtmfRequest, {"digits": "12E"}, "digits"),
    (telnyx.SendDtmfRequest, {"digits": "1", "duration_millis": 99}, "duration_millis"),
    (telnyx.SendDtmfRequest, {"digits": "1", "duration_millis": 501}, "duration_millis"),
    (telnyx.SendDtmfRequest, {"digits": "1", "client_state": "%%%"}, "client_state"),
    (telnyx.GatherUsingAudioRequest, {}, "call_control_id"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "gather_id": "g" * 101}, "gather_id"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "maximum_digits": 0}, "maximum_digits"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "minimum_digits": 0}, "minimum_digits"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "maximum_tries": 0}, "maximum_tries"),
    (
        telnyx.GatherUsingAudioRequest,
        {**GATHER, "minimum_digits": 5, "maximum_digits": 4},
        "minimum_digits",
    ),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "terminating_digit": "##"}, "terminating_digit"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "terminating_digit": "x"}, "terminating_digit"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "valid_digits": "12x"}, "valid_digits"),
    (telnyx.GatherUsingAudioRequest, {**GATHER, "timeout_millis": 0}, "timeout_millis"),
    (
        telnyx.GatherUsingAudioRequest,
        {**GATHER, "audio_url": "https://x.example/a", "media_name": "m"},
        "media_name",
    ),
    (
        telnyx.GatherUsingAudioRequest,
        {**GATHER, "invalid_audio_url": "https://x.example/a", "invalid_media_name": "m"},
        "invalid_media_name",
    ),
    (telnyx.DialRequest, {"from_": FROM, "to": TO}, "connection_id"),
    (telnyx.DialRequest, {"connection_id": "c", "to": TO}, "from_"),
    (telnyx.DialRequest, {"connection_id": "c", "from_": FROM}, "to"),
    (telnyx.DialRequest, {**DIAL, "from_": "5551230000"}, "from_"),
    (telnyx.DialRequest, {**DIAL, "to": "agent@example.com"}, "to"),
    (telnyx.DialRequest, {**DIAL, "to": "sip:agent example.com"}, "to"),
    (telnyx.DialRequest, {**DIAL, "timeout_secs": 4}, "timeout_secs"),
    (telnyx.DialRequest, {**DIAL, "timeout_secs": 601}, "timeout_secs"),
    (telnyx.DialRequest, {**DIAL, "time_limit_secs": 29}, "time_limit_secs"),
    (telnyx.DialRequest, {**DIAL, "time_limit_secs": 14401}, "time_limit_secs"),
    (telnyx.DialRequest, {**DIAL, "client_state": "not base64!"}, "client_state"),
    (telnyx.DialRequest, {**DIAL, "webhook_url_method": "PUT"}, "webhook_url_method"),
    (telnyx.DialRequest, {**DIAL, "webhook_url": "hooks.example"}, "webhook_url"),
    (
        telnyx.DialRequest,
        {**DIAL, "answering_machine_detection": "maybe"},
        "answering_machine_detection",
    ),
    (
        telnyx.DialRequest,
        {**DIAL, "audio_url": "https://x.example/a", "media_name": "m"},
        "media_name",
    ),
    (telnyx.DialRequest, {**DIAL, "from_display_name": "x" * 129}, "from_display_name"),
    (telnyx.DialRequest, {**DIAL, "from_display_name": "Sales <x>"}, "from_display_name"),
    (telnyx.DialRequest, {**DIAL, "conference_config": {"id": "c"}}, "conference_config"),
    (telnyx.DialRequest, {**DIAL, "custom_headers": [{"name": "X"}]}, "custom_headers"),
    (telnyx.DialRequest, {**DIAL, "custom_headers": HEADER}, "custom_headers"),
    (telnyx.DialRequest, {**DIAL, "link_to": ""}, "link_to"),
    (telnyx.ConferenceConfig, {}, "id"),
    (telnyx.ConferenceConfig, {"id": "c", "conference_name": "n"}, "conference_name"),
    (telnyx.ConferenceConfig, {"id": "c", "beep_enabled": "loud"}, "beep_enabled"),
    (telnyx.ConferenceConfig, {"id": "c", "supervisor_role": "boss"}, "supervisor_role"),
    (
        telnyx.ConferenceConfig,
        {"id": "c", "hold_audio_url": "https://x.example/a", "hold_media_name": "m"},
        "hold_media_name",
    ),
    (
        telnyx.ConferenceConfig,
        {"id": "c", "whisper_call_control_ids": ["v3:a", "v3:a"]},
        "whisper_call_control_ids",
    ),
    (telnyx.ConferenceConfig, {"id": "c", "mute": "yes"}, "mute"),
    (telnyx.CustomHeader, {"name": "", "value": "v"}, "name"),
    (telnyx.CustomHeader, {"name": "X-A", "value": None}, "value"),
    (telnyx.RecordStartRequest, {"format": None}, "format"),
    (telnyx.SendDtmfRequest, {"digits": None}, "digits"),
    (telnyx.UpdateConferenceRequest, {**UPDATE, "supervisor_role": None}, "supervisor_role"),
    (telnyx.HangUpRequest, {"client_state": "not base64!"}, "client_state"),
    (telnyx.HangUpRequest, {"custom_headers": ["X-A: 1"]}, "custom_headers"),
    (
        telnyx.JoinRequest,
        {**GATHER, "whisper_call_control_ids": ["v3:b", "v3:b"]},
        "whisper_call_control_ids",
    ),
    (telnyx.ListParticipantsRequest, {"region": "Mars"}, "region"),
]


@pytest.mark.parametrize(
    ("cls", "fields", "field"),
    RULES,
    ids=[f"{c.__name__}-{f}-{i}" for i, (c, _, f) in enumerate(RULES)],
)
def test_documented_rules_are_refused_naming_the_field(
    cls: type[Any], fields: dict[str, Any], field: str
) -> None:
    """Each documented rule (enums, ranges, required, X or Y not both) raises, naming its field."""
    with pytest.raises(ValidationError) as caught:
        build(cls, fields)

    assert field == caught.value.field


@pytest.mark.parametrize(
    "call",
    [
        lambda tx: tx.play("conf-1", audio_url="https://x.example/a", media_name="m"),
        lambda tx: tx.stop("conf-1", call_control_ids="v3:a"),
        lambda tx: tx.speak("conf-1", payload="Hi", voice="v", language="xx"),
        lambda tx: tx.record_start("conf-1", format="flac"),
        lambda tx: tx.record_stop("conf-1", client_state="?"),
        lambda tx: tx.record_pause("conf-1", region="Mars"),
        lambda tx: tx.record_resume("conf-1", recording_id=""),
        lambda tx: tx.update_conference("conf-1", "v3:a", supervisor_role="boss"),
        lambda tx: tx.send_dtmf("conf-1", digits="9", duration_millis=1000),
        lambda tx: tx.gather_using_audio("conf-1", "v3:a", maximum_digits=0),
        lambda tx: tx.dial(connection_id="c", from_=FROM, to=TO, timeout_secs=601),
        lambda tx: tx.hang_up("v3:a", client_state="?"),
    ],
)
async def test_nothing_is_sent_when_a_rule_is_broken(
    tx: TelnyxClient,
    http: aioresponses,
    call: Callable[[TelnyxClient], Coroutine[Any, Any, object]],
) -> None:
    """The client checks the request before it sends anything."""
    with pytest.raises(ValidationError):
        await call(tx)

    assert not http.requests


def _in_range(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=low - 1000, max_value=high + 1000)


@PROPERTY
@given(
    timeout=_in_range(5, 600),
    limit=_in_range(30, 14400),
)
@example(timeout=5, limit=30)
@example(timeout=600, limit=14400)
@example(timeout=4, limit=14401)
def test_dial_timeouts_are_within_their_documented_ranges(timeout: int, limit: int) -> None:
    """timeout_secs is 5..600 and time_limit_secs 30..14400, bounds included."""
    for field, value, low, high in (
        ("timeout_secs", timeout, 5, 600),
        ("time_limit_secs", limit, 30, 14400),
    ):
        fields: dict[str, Any] = {**DIAL, field: value}
        if low <= value <= high:
            assert value == getattr(telnyx.DialRequest(**fields), field)
        else:
            with pytest.raises(ValidationError, match=rf"{field} must be {low}\.\.{high} s"):
                telnyx.DialRequest(**fields)


@PROPERTY
@given(duration=_in_range(100, 500), loop=_in_range(1, 100))
@example(duration=100, loop=1)
@example(duration=500, loop=100)
def test_dtmf_duration_and_play_loop_ranges(duration: int, loop: int) -> None:
    """duration_millis is 100..500 and loop 1..100, bounds included."""
    if 100 <= duration <= 500:
        assert (
            duration == telnyx.SendDtmfRequest(digits="1", duration_millis=duration).duration_millis
        )
    else:
        with pytest.raises(ValidationError, match="duration_millis"):
            telnyx.SendDtmfRequest(digits="1", duration_millis=duration)
    if 1 <= loop <= 100:
        assert loop == telnyx.PlayRequest(media_name="m", loop=loop).loop
    else:
        with pytest.raises(ValidationError, match="loop"):
            telnyx.PlayRequest(media_name="m", loop=loop)


DTMF = set("0123456789ABCD*#")


@PROPERTY
@given(digits=st.text(alphabet=string.printable + "wW", max_size=12))
def test_dtmf_digits_are_the_documented_characters(digits: str) -> None:
    """digits is non-empty and made of 0-9, A-D, *, #, w and W only."""
    if digits and set(digits) <= DTMF | {"w", "W"}:
        assert digits == telnyx.SendDtmfRequest(digits=digits).digits
    else:
        with pytest.raises(ValidationError, match="digits"):
            telnyx.SendDtmfRequest(digits=digits)


@PROPERTY
@given(name=st.text(max_size=45), gather=st.text(max_size=105))
def test_file_name_and_gather_id_lengths(name: str, gather: str) -> None:
    """custom_file_name is 1..40 characters, gather_id at most 100."""
    if 1 <= len(name) <= 40 and not _has_surrogate(name):
        assert (
            name == telnyx.RecordStartRequest(format="wav", custom_file_name=name).custom_file_name
        )
    elif not _has_surrogate(name):
        with pytest.raises(ValidationError, match="custom_file_name"):
            telnyx.RecordStartRequest(format="wav", custom_file_name=name)
    if 1 <= len(gather) <= 100 and not _has_surrogate(gather):
        assert gather == telnyx.GatherUsingAudioRequest(**GATHER, gather_id=gather).gather_id
    elif not _has_surrogate(gather):
        with pytest.raises(ValidationError, match="gather_id"):
            telnyx.GatherUsingAudioRequest(**GATHER, gather_id=gather)


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in text)


# --- conferences by name ------------------------------------------------------------

NAMED: list[Callable[[TelnyxClient, Any], Coroutine[Any, Any, object]]] = [
    lambda tx, c: tx.join(c, "v3:a"),
    lambda tx, c: tx.leave(c, "v3:a"),
    lambda tx, c: tx.mute(c),
    lambda tx, c: tx.unmute(c),
    lambda tx, c: tx.hold(c),
    lambda tx, c: tx.unhold(c, call_control_ids=["v3:a"]),
    lambda tx, c: tx.play(c, media_name="m"),
    lambda tx, c: tx.stop(c),
    lambda tx, c: tx.speak(c, payload="Hi", voice="v"),
    lambda tx, c: tx.record_start(c, format="mp3"),
    lambda tx, c: tx.record_stop(c),
    lambda tx, c: tx.record_pause(c),
    lambda tx, c: tx.record_resume(c),
    lambda tx, c: tx.update_conference(c, "v3:a", supervisor_role="none"),
]
NAMED_ACTIONS = [
    "join",
    "leave",
    "mute",
    "unmute",
    "hold",
    "unhold",
    "play",
    "stop",
    "speak",
    "record_start",
    "record_stop",
    "record_pause",
    "record_resume",
    "update",
]


@pytest.fixture
async def server() -> AsyncIterator[tuple[TelnyxClient, list[tuple[str, str, str]]]]:
    """A real HTTP server on loopback that records each command's decoded conference and path.

    No router: it takes every path and reads the segments as the server's
    URL parser decodes them (aiohttp's router refuses '{', '}' or a line
    break in a segment, which would test the router rather than the client).
    """
    seen: list[tuple[str, str, str]] = []

    async def command(request: web.BaseRequest) -> web.Response:
        root, version, conferences, conference, actions, action = request.rel_url.parts
        assert ("/", "v2", "conferences", "actions") == (root, version, conferences, actions)
        seen.append((conference, action, request.raw_path))
        return web.json_response(OK)

    async with RawTestServer(command, host="127.0.0.1") as running:
        base_url = f"http://127.0.0.1:{running.port}/v2"
        async with TelnyxClient(api_key="KEY", base_url=base_url, retry=None) as client:
            yield client, seen


NAMES = [
    ("Sales standup", "Sales%20standup"),
    ("Réunion d'équipe 日本", "R%C3%A9union%20d'%C3%A9quipe%20%E6%97%A5%E6%9C%AC"),
    ("a/b", "a%2Fb"),
    ("what? #1", "what%3F%20%231"),
    ("100% done", "100%25%20done"),
    ("%2F", "%252F"),
    ("a+b=c", "a%2Bb=c"),
    ("...", "..."),
]


@pytest.mark.parametrize(("name", "raw"), NAMES)
async def test_a_name_goes_encoded_and_arrives_decoded(
    server: tuple[TelnyxClient, list[tuple[str, str, str]]], name: str, raw: str
) -> None:
    """Every 'id or name' path takes a ConferenceName: one encoded segment the server decodes."""
    client, seen = server

    for call in NAMED:
        await call(client, ConferenceName(name))

    assert [(name, action) for action in NAMED_ACTIONS] == [(c, a) for c, a, _ in seen]
    assert [f"/v2/conferences/{raw}/actions/{action}" for action in NAMED_ACTIONS] == [
        path for _, _, path in seen
    ]


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(name=st.text(min_size=1, max_size=24))
@example(name="#?/%\\ ;=@:+&")
@example(name="..a")
@example(name="{}")
@example(name="\x00\r\n")
async def test_any_accepted_name_arrives_exactly(
    server: tuple[TelnyxClient, list[tuple[str, str, str]]], name: str
) -> None:
    """A name is refused naming `name`, or reaches the server decoded as exactly itself."""
    client, seen = server
    seen.clear()
    refusable = not name.strip() or name in {".", ".."} or _has_surrogate(name)
    if refusable:
        with pytest.raises(ValidationError) as caught:
            ConferenceName(name)
        assert "name" == caught.value.field
        return

    await client.mute(ConferenceName(name))

    assert [(name, "mute")] == [(c, a) for c, a, _ in seen]


@pytest.mark.parametrize("bad", ["", "   ", ".", "..", "a\udc80", 5, None])
def test_names_that_cannot_be_a_path_segment_are_refused(bad: object) -> None:
    """An empty or blank name, '.', '..' (URLs drop them) or a lone surrogate is refused."""
    with pytest.raises(ValidationError) as caught:
        ConferenceName(bad)  # type: ignore[arg-type]

    assert "name" == caught.value.field


@pytest.mark.parametrize(
    "call",
    [
        lambda tx, c: tx.get_conference(c),
        lambda tx, c: tx.end_conference(c),
        lambda tx, c: tx.send_dtmf(c, digits="1"),
        lambda tx, c: tx.gather_using_audio(c, "v3:a", media_name="m"),
        lambda tx, c: tx.list_participants(c),
        lambda tx, c: tx.get_participant(c, "p-1"),
    ],
)
async def test_a_name_is_refused_where_telnyx_takes_only_an_id(
    tx: TelnyxClient, http: aioresponses, call: Callable[[TelnyxClient, object], Any]
) -> None:
    """Paths documented as taking the conference's id (not 'id or name') refuse a ConferenceName."""
    with pytest.raises(ValidationError, match="only on paths that say 'id or name'") as caught:
        await _maybe_await(call(tx, ConferenceName("Sales")))

    assert "conference_id" == caught.value.field
    assert not http.requests


async def _maybe_await(result: object) -> None:
    if isinstance(result, Coroutine):
        await result


BAD_IDS = ["a/b", "..", "a?b", "a#b", "a%2Fb", "a b", "a\r\nb", "é", "", None]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("call", [*NAMED, lambda tx, c: tx.send_dtmf(c, digits="1")])
async def test_a_plain_string_is_an_id_and_keeps_the_strict_rules(
    tx: TelnyxClient,
    http: aioresponses,
    call: Callable[[TelnyxClient, object], Coroutine[Any, Any, object]],
    bad: object,
) -> None:
    """A string that is no safe id is refused naming conference_id, never quoted into a URL."""
    with pytest.raises(ValidationError) as caught:
        await call(tx, bad)

    assert "conference_id" == caught.value.field
    assert not http.requests


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_hang_up_refuses_an_id_that_would_change_the_path(
    tx: TelnyxClient, http: aioresponses, bad: object
) -> None:
    """The call control id of a hang-up is held to the same path rule, naming call_control_id."""
    with pytest.raises(ValidationError) as caught:
        await tx.hang_up(bad)  # type: ignore[arg-type]

    assert "call_control_id" == caught.value.field
    assert not http.requests


# --- participants: conference_id, label, region ---------------------------------------


async def test_participants_carry_their_conference_id(tx: TelnyxClient, http: aioresponses) -> None:
    """A listing's conference.id and a single answer's conference_id both fill conference_id."""
    listed = {
        "record_type": "participant",
        "id": "p-1",
        "call_control_id": "v3:a",
        "conference": {"id": "conf-1", "name": "Standup"},
        "status": "left",
    }
    http.get(
        f"{CONF}/participants?region=Europe&page%5Bnumber%5D=1",
        payload={"data": [listed], "meta": {"total_pages": 1}},
    )
    http.get(
        f"{CONF}/participants/p-1",
        payload={"data": {"id": "p-1", "conference_id": "conf-1", "label": "host"}},
    )

    [first] = [p async for p in tx.list_participants("conf-1", region="Europe")]
    one = await tx.get_participant("conf-1", "p-1")

    assert ("conf-1", "left", None) == (first.conference_id, first.status, first.label)
    assert telnyx.ConferenceSummary(id="conf-1", name="Standup") == first.conference
    assert ("conf-1", "host", None) == (one.conference_id, one.label, one.conference)
    assert "left" in telnyx.PARTICIPANT_STATUSES


def test_request_classes_are_frozen() -> None:
    """Requests are values: a built request cannot be changed afterwards."""
    request = telnyx.DialRequest(**DIAL)

    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.to = "+15550000000"  # type: ignore[misc]
