"""Requests out, events in: the library's receivers against the emulator's webhooks and callbacks.

Every event here travels over loopback from the emulator, signed as Telnyx
signs (or with the Basic credentials a Catapult callback URL carries), and
is verified, parsed and de-duplicated by the library's own receiver.
"""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from conferencing import (
    CatapultClient,
    SessionPool,
    TelnyxClient,
    WebhookReceiver,
    catapult,
    telnyx,
)
from conferencing.emulator import Emulator, EmulatorThread, EmulatorWebhooks, Faults

pytest_plugins = ["conferencing.emulator.pytest_plugin"]

#: What a user puts in a Catapult callback URL to protect it.
PASSWORD = "s3cret"  # noqa: S105 - a test's own credential


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


@pytest.fixture
async def pool() -> AsyncIterator[SessionPool]:
    async with SessionPool() as shared:
        yield shared


def _tx(emu: Emulator, pool: SessionPool) -> TelnyxClient:
    return TelnyxClient(api_key=emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool)


def _cp(emu: Emulator, pool: SessionPool) -> CatapultClient:
    return CatapultClient(
        emu.catapult_user_id,
        emu.catapult_api_token,
        emu.catapult_api_secret,
        base_url=emu.catapult_url,
        pool=pool,
    )


def _leg(event: telnyx.Event) -> tuple[str, str | None, str | None]:
    """An event's type, conference and leg, whatever its class."""
    match event:
        case (
            telnyx.ConferenceParticipantJoined(payload=p)
            | telnyx.ConferenceParticipantLeft(payload=p)
        ):
            return event.event_type, p.conference_id, p.call_control_id
        case telnyx.ConferenceCreated(payload=c) | telnyx.ConferenceEnded(payload=c):
            return event.event_type, c.conference_id, None
        case telnyx.CallHangup(payload=h):
            return event.event_type, None, h.call_control_id
    return event.event_type, None, None


async def test_a_telnyx_conference_tells_its_whole_life(emu: Emulator, pool: SessionPool) -> None:
    """Create, join, leave, end: exactly those events, verified and typed, in order."""
    decoder = telnyx.webhook_decoder(emu.telnyx_public_key)
    async with WebhookReceiver(decoder) as receiver, receiver.serve() as url:
        emu.webhook_url = url
        tx = _tx(emu, pool)
        conference = await tx.create_conference(call_control_id="v3:host", name="standup")
        await tx.join(conference.id, "v3:guest")
        await tx.leave(conference.id, "v3:guest")
        await tx.end_conference(conference.id)
        await emu.deliveries_settled(timeout=10)

    events = receiver.received
    c = conference.id
    assert [
        ("conference.created", c, None),
        ("conference.participant.joined", c, "v3:host"),
        ("conference.participant.joined", c, "v3:guest"),
        ("conference.participant.left", c, "v3:guest"),
        ("conference.ended", c, None),
        ("conference.participant.left", c, "v3:host"),
    ] == [_leg(e) for e in events]
    ended = events[4]
    assert isinstance(ended, telnyx.ConferenceEnded)
    assert "ended_via_api" == ended.payload.reason
    assert all(e.occurred_at is not None and e.occurred_at.tzinfo for e in events)
    assert 0 == receiver.counts["refused"]


async def test_a_hung_up_leg_is_reported_by_its_call_and_its_conference(
    emu: Emulator, pool: SessionPool
) -> None:
    """A leg that hangs up brings call.hangup, then participant.left, to the handler."""
    seen: list[telnyx.Event] = []

    async def handler(event: telnyx.Event) -> None:
        seen.append(event)

    decoder = telnyx.webhook_decoder(emu.telnyx_public_key)
    async with WebhookReceiver(decoder, handler=handler) as receiver, receiver.serve() as url:
        emu.webhook_url = url
        tx = _tx(emu, pool)
        conference = await tx.create_conference(call_control_id="v3:host", name="hangup")
        await tx.join(conference.id, "v3:guest")
        emu.hang_up_telnyx_call("v3:guest")
        left = await receiver.wait_for(
            lambda e: isinstance(e, telnyx.ConferenceParticipantLeft), timeout=10
        )
        hangup = await receiver.wait_for(lambda e: isinstance(e, telnyx.CallHangup), timeout=10)

    assert "v3:guest" == _leg(left)[2]
    assert "v3:guest" == _leg(hangup)[2]
    kinds = [type(e).__name__ for e in seen]
    assert kinds.index("CallHangup") < kinds.index("ConferenceParticipantLeft")


async def test_a_forged_or_foreign_signature_is_refused(emu: Emulator, pool: SessionPool) -> None:
    """Events signed by another key are answered 403 and never handed on."""
    stranger = base64.b64encode(bytes(range(32))).decode()
    decoder = telnyx.webhook_decoder(stranger)
    async with WebhookReceiver(decoder) as receiver, receiver.serve() as url:
        emu.webhook_url = url
        await _tx(emu, pool).create_conference(call_control_id="v3:host", name="forged")
        await emu.deliveries_settled(timeout=10)

    assert () == receiver.received
    assert receiver.counts["refused"] >= 2
    assert 0 == emu.stats.webhooks_delivered


async def test_duplicated_and_reordered_deliveries_reach_the_handler_once(
    emu: Emulator, pool: SessionPool
) -> None:
    """Redeliveries and swaps from the emulator's faults: each event is handled exactly once."""
    handled: Counter[str] = Counter()

    async def handler(event: telnyx.Event) -> None:
        handled[event.id] += 1

    emu.faults = Faults(seed=11, webhook_duplicate=0.5, webhook_reorder=0.3)
    decoder = telnyx.webhook_decoder(emu.telnyx_public_key)
    async with WebhookReceiver(decoder, handler=handler) as receiver, receiver.serve() as url:
        emu.webhook_url = url
        tx = _tx(emu, pool)
        for n in range(5):
            conference = await tx.create_conference(call_control_id=f"v3:h{n}", name=f"r{n}")
            await tx.join(conference.id, f"v3:g{n}")
        await emu.deliveries_settled(timeout=10)

    faults = emu.stats.webhook_faults_injected
    assert faults["webhook_duplicate"] > 0
    assert faults["webhook_reorder"] > 0
    assert receiver.counts["duplicate"] == faults["webhook_duplicate"]
    assert 15 == len(handled)  # per conference: created, two joined
    assert {1} == set(handled.values())


async def test_catapult_callbacks_of_conferences_calls_and_members_arrive_checked(
    emu: Emulator, pool: SessionPool
) -> None:
    """The callback URL's credentials are checked; conference, member and call events arrive."""
    decoder = catapult.callback_decoder(username="hooks", password=PASSWORD)
    async with WebhookReceiver(decoder) as receiver, receiver.serve() as url:
        callback = url.replace("http://", f"http://hooks:{PASSWORD}@")
        cp = _cp(emu, pool)
        conference = await cp.create_conference(
            from_="+15551234567", callback_url=callback, tag="weekly"
        )
        call = await cp.create_call(
            from_="+15551234567",
            to="+15557650001",
            conference_id=conference.id,
            callback_url=callback,
            callback_http_method="GET",
        )
        # Only an answered call can be a member: its `answer` callback says when.
        await receiver.wait_for(
            lambda e: isinstance(e, catapult.AnswerEvent) and e.call_id == call.id, timeout=10
        )
        member = await cp.add_member(conference.id, call.id)
        await cp.update_member(conference.id, member.id, mute=True)
        await cp.update_conference(conference.id, state="completed")
        await emu.deliveries_settled(timeout=10)

    received = receiver.received
    conference_events = [e for e in received if isinstance(e, catapult.ConferenceEvent)]
    member_events = [e for e in received if isinstance(e, catapult.ConferenceMemberEvent)]
    assert ["created", "completed"] == [e.status for e in conference_events]
    assert {"weekly"} == {e.tag for e in conference_events}
    assert [("active", False), ("active", True)] == [(e.state, e.mute) for e in member_events[:2]]
    assert "completed" == member_events[-1].state
    assert {member.id} == {e.member_id for e in member_events}
    assert any(isinstance(e, catapult.AnswerEvent) and e.call_id == call.id for e in received)
    assert 0 == receiver.counts["refused"]


async def test_catapult_callbacks_without_the_credentials_are_refused(
    emu: Emulator, pool: SessionPool
) -> None:
    """A callback URL without the receiver's credentials gets 401s and hands nothing on."""
    decoder = catapult.callback_decoder(username="hooks", password=PASSWORD)
    async with WebhookReceiver(decoder) as receiver, receiver.serve() as url:
        await _cp(emu, pool).create_conference(from_="+15551234567", callback_url=url)
        await emu.deliveries_settled(timeout=10)

    assert () == receiver.received
    assert receiver.counts["refused"] >= 1


def test_the_pytest_plugin_wires_receivers_to_the_emulator(
    conferencing_emulator: Emulator, conferencing_webhooks: EmulatorWebhooks
) -> None:
    """In a plain synchronous test, the fixtures deliver verified events from the emulator."""

    async def scenario() -> str:
        async with SessionPool() as shared:
            conference = await _tx(conferencing_emulator, shared).create_conference(
                call_control_id="v3:sync", name="plugin"
            )
            await _cp(conferencing_emulator, shared).create_conference(
                from_="+15551234567", callback_url=conferencing_webhooks.catapult.url, tag="p"
            )
            return conference.id

    conference_id = asyncio.run(scenario())

    created = conferencing_webhooks.telnyx.wait_for(
        lambda e: isinstance(e, telnyx.ConferenceCreated), timeout=10
    )
    assert conference_id == _leg(created)[1]
    callback = conferencing_webhooks.catapult.wait_for(timeout=10)
    assert isinstance(callback, catapult.ConferenceEvent)
    assert "p" == callback.tag


async def test_the_threaded_receivers_serve_async_tests_too() -> None:
    """`wait_for_async` awaits, from the test's own loop, events received on another thread."""
    with EmulatorThread() as emulator, EmulatorWebhooks(emulator) as hooks:
        async with SessionPool() as shared:
            await _tx(emulator, shared).create_conference(call_control_id="v3:a", name="async")
        event = await hooks.telnyx.wait_for_async(
            lambda e: e.event_type == "conference.participant.joined", timeout=10
        )
    assert ("conference.participant.joined", None, "v3:a") == (_leg(event)[0], None, _leg(event)[2])


async def test_the_official_sdk_verifies_the_emulators_signed_webhooks(
    emu: Emulator, pool: SessionPool
) -> None:
    """Telnyx's own SDK (PyNaCl, not our code) accepts every event, and refuses a changed byte."""
    import telnyx as official  # noqa: PLC0415 - the official SDK, not our `telnyx` module

    delivered: list[tuple[bytes, dict[str, str]]] = []

    async def record(request: web.Request) -> web.Response:
        delivered.append((await request.read(), dict(request.headers)))
        return web.Response()

    app = web.Application()
    app.router.add_post("/hooks", record)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        emu.webhook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/hooks"
        tx = _tx(emu, pool)
        conference = await tx.create_conference(call_control_id="v3:a", name="sdk")
        await tx.join(conference.id, "v3:b")
        emu.hang_up_telnyx_call("v3:b")
        await tx.end_conference(conference.id)
        await emu.deliveries_settled(timeout=10)
    finally:
        await runner.cleanup()

    sdk = official.Telnyx(api_key="unused")
    kinds = [
        sdk.webhooks.unwrap(
            body.decode(), headers=headers, key=emu.telnyx_public_key
        ).data.event_type  # type: ignore[union-attr]
        for body, headers in delivered
    ]
    assert {
        "conference.created",
        "conference.participant.joined",
        "conference.participant.left",
        "call.hangup",
        "conference.ended",
    } == set(kinds)
    body, headers = delivered[0]
    with pytest.raises(ValueError, match=r"[Ss]ignature"):
        sdk.webhooks.unwrap(
            body.decode().replace("conference", "c0nference", 1),
            headers=headers,
            key=emu.telnyx_public_key,
        )
