"""The official Telnyx SDK, an independent oracle, works against the emulator as against Telnyx.

Every operation of ``conferences`` and ``conferences.actions``, and
``calls.dial`` (with ``conference_config``) and ``calls.actions.hangup``, is
called once with documented arguments; the SDK must parse each answer into
its own models, and its error classes must recognise the emulator's refusals.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import telnyx
from emulator_receiver import Receiver, kinds, wait_for_event
from telnyx.types import Conference, ConferenceListParticipantsResponse
from telnyx.types.conferences import ConferenceCommandResult

from conferencing.emulator import Emulator

pytest_plugins = ["emulator_fixtures"]

CONNECTION_ID = "1494404757140276705"
CALLER = "+18005550101"
CALLEE = "+18005550100"


def _leg() -> str:
    return "v3:" + uuid.uuid4().hex


@pytest.fixture
async def emu(hook_receiver: Receiver) -> AsyncIterator[Emulator]:
    """An emulator sending its Telnyx events to the receiver, with short media."""
    async with Emulator(webhook_url=hook_receiver.url("/telnyx"), media_duration=0.02) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: Emulator) -> AsyncIterator[telnyx.AsyncTelnyx]:
    """The official async SDK pointed at the emulator, over aiohttp, never retrying."""
    async with telnyx.AsyncTelnyx(
        api_key=emu.telnyx_api_key,
        base_url=emu.telnyx_url,
        max_retries=0,
        http_client=telnyx.DefaultAioHttpClient(),
    ) as sdk:
        yield sdk


def _ok(response: object) -> None:
    data = getattr(response, "data", None)
    assert isinstance(data, ConferenceCommandResult)
    assert "ok" == data.result


async def test_every_conference_operation_parses(client: telnyx.AsyncTelnyx) -> None:
    """Create, retrieve, list, the participant reads and updates, and every action parse."""
    host, guest = _leg(), _leg()
    created = await client.conferences.create(
        call_control_id=host, name="sdk-room", beep_enabled="never", max_participants=10
    )
    assert created.data is not None
    conference_id = created.data.id
    assert str(uuid.UUID(conference_id)) == conference_id
    await client.conferences.create(call_control_id=_leg(), name="sdk-other")
    retrieved = await client.conferences.retrieve(conference_id)
    assert retrieved.data is not None
    assert ("sdk-room", "in_progress") == (retrieved.data.name, retrieved.data.status)
    listed = [c async for c in client.conferences.list(page_size=1)]
    assert all(isinstance(c, Conference) for c in listed)
    assert ["sdk-room", "sdk-other"] == [c.name for c in listed]
    named = [c async for c in client.conferences.list(filter={"name": "sdk-room"})]
    assert [conference_id] == [c.id for c in named]

    actions = client.conferences.actions
    # Actions address the conference by id or by name.
    _ok(await actions.join("sdk-room", call_control_id=guest, mute=True, supervisor_role="none"))
    participants = [p async for p in client.conferences.list_participants(conference_id)]
    assert all(isinstance(p, ConferenceListParticipantsResponse) for p in participants)
    assert [host, guest] == [p.call_control_id for p in participants]
    muted = [
        p async for p in client.conferences.list_participants(conference_id, filter={"muted": True})
    ]
    assert [guest] == [p.call_control_id for p in muted]
    first = await client.conferences.retrieve_participant(participants[0].id, id=conference_id)
    assert first.data is not None
    assert (host, conference_id) == (first.data.call_control_id, first.data.conference_id)
    updated = await client.conferences.update_participant(
        participants[0].id, id=conference_id, end_conference_on_exit=False, beep_enabled="always"
    )
    assert updated.data is not None
    assert updated.data.end_conference_on_exit is False

    _ok(await actions.mute(conference_id))
    _ok(await actions.unmute(conference_id, call_control_ids=[guest]))
    _ok(await actions.hold(conference_id, audio_url="http://example.com/hold.wav"))
    _ok(await actions.unhold(conference_id, call_control_ids=[host, guest]))
    _ok(
        await actions.update(
            conference_id,
            call_control_id=guest,
            supervisor_role="whisper",
            whisper_call_control_ids=[host],
        )
    )
    _ok(await actions.play(conference_id, audio_url="http://example.com/a.wav", loop="infinity"))
    _ok(await actions.stop(conference_id))
    _ok(await actions.play(conference_id, media_name="greeting", call_control_ids=[host], loop=2))
    _ok(await actions.speak(conference_id, payload="Welcome", voice="female", language="en-US"))
    _ok(await actions.record_start(conference_id, format="mp3", channels="dual", play_beep=True))
    _ok(await actions.record_pause(conference_id))
    _ok(await actions.record_resume(conference_id))
    _ok(await actions.record_stop(conference_id, client_state="aGF2ZSBhIG5pY2UgZGF5ID1d"))
    _ok(await actions.send_dtmf(conference_id, digits="1234#", duration_millis=250))
    _ok(
        await actions.gather_dtmf_audio(
            conference_id,
            call_control_id=guest,
            audio_url="http://example.com/prompt.wav",
            maximum_digits=4,
            terminating_digit="#",
        )
    )
    _ok(await actions.leave(conference_id, call_control_id=guest, command_id=str(uuid.uuid4())))
    _ok(await actions.end_conference(conference_id))
    ended = await client.conferences.retrieve(conference_id)
    assert ended.data is not None
    assert ("completed", "ended_via_api") == (ended.data.status, ended.data.end_reason)


async def test_dial_into_a_conference_then_hang_up(
    client: telnyx.AsyncTelnyx, emu: Emulator, hook_receiver: Receiver
) -> None:
    """calls.dial with conference_config rings, is answered, joins; calls.actions.hangup ends it."""
    host = _leg()
    created = await client.conferences.create(call_control_id=host, name="dial-in")
    assert created.data is not None
    dialed = await client.calls.dial(
        connection_id=CONNECTION_ID,
        from_=CALLER,
        to=CALLEE,
        timeout_secs=30,
        conference_config={"conference_name": "dial-in", "mute": True},
    )
    assert dialed.data is not None
    leg = dialed.data.call_control_id
    assert leg.startswith("v3:")
    assert (False, "call") == (dialed.data.is_alive, dialed.data.record_type)
    await wait_for_event(emu, hook_receiver, "conference.participant.joined", count=2)
    participants = [p async for p in client.conferences.list_participants(created.data.id)]
    assert [(host, False), (leg, True)] == [(p.call_control_id, p.muted) for p in participants]
    hung = await client.calls.actions.hangup(leg)
    assert hung.data is not None
    assert "ok" == hung.data.result
    events = await wait_for_event(emu, hook_receiver, "conference.participant.left")
    assert [
        "conference.created",
        "conference.participant.joined",
        "call.initiated",
        "call.answered",
        "conference.participant.joined",
        "call.hangup",
        "conference.participant.left",
    ] == kinds(events)


async def test_the_sdk_recognises_the_emulator_refusals(
    client: telnyx.AsyncTelnyx, emu: Emulator
) -> None:
    """404, 422 90034 (a ringing leg), 422 10015 (a forgotten connection) map to SDK errors."""
    with pytest.raises(telnyx.NotFoundError):
        await client.conferences.retrieve(str(uuid.uuid4()))
    emu.set_call_outcome(CALLEE, "no_answer")
    dialed = await client.calls.dial(connection_id=CONNECTION_ID, from_=CALLER, to=CALLEE)
    assert dialed.data is not None
    with pytest.raises(telnyx.UnprocessableEntityError) as ringing:
        await client.conferences.create(call_control_id=dialed.data.call_control_id, name="early")
    assert "90034" == _first_code(ringing.value)
    emu.forget_connection("42")
    with pytest.raises(telnyx.UnprocessableEntityError) as unknown:
        await client.calls.dial(connection_id="42", from_=CALLER, to=CALLEE)
    assert "10015" == _first_code(unknown.value)


def _first_code(exc: telnyx.APIStatusError) -> str:
    body = exc.body
    assert isinstance(body, dict)
    code: str = body["errors"][0]["code"]
    return code
