"""Both recipes against an emulator whose calls ring: each leg's real outcome, none left ringing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from conferencing import (
    CallNotAnsweredError,
    CatapultClient,
    SessionPool,
    TelnyxClient,
    ValidationError,
    WebhookReceiver,
    catapult,
    telnyx,
)
from conferencing.emulator import Emulator

HOST = "+15550001000"
ANSWERS, BUSY, SILENT, REFUSES = "+15557770001", "+15557770002", "+15557770003", "+15557770004"


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        emulator.set_call_outcome(BUSY, "busy")
        emulator.set_call_outcome(SILENT, "no_answer")
        emulator.set_call_outcome(REFUSES, "reject")
        yield emulator


@pytest.fixture
async def pool() -> AsyncIterator[SessionPool]:
    async with SessionPool() as shared:
        yield shared


async def test_telnyx_dialing_reports_joined_busy_no_answer_and_rejected(
    emu: Emulator, pool: SessionPool
) -> None:
    """Each dialed number ends as the phone did: joined, busy, no answer or rejected."""
    tx = TelnyxClient(api_key=emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool)
    decoder = telnyx.webhook_decoder(emu.telnyx_public_key)
    async with WebhookReceiver(decoder) as events, events.serve() as url:
        emu.webhook_url = url
        result = await tx.dial_conference_call(
            events=events,
            connection_id="1494404757140276705",
            from_=HOST,
            to=[ANSWERS, BUSY, SILENT, REFUSES, "+15557770005"],
            name="all-hands",
            timeout_secs=5,
        )

    assert [
        (ANSWERS, "joined"),
        (BUSY, "busy"),
        (SILENT, "no_answer"),
        (REFUSES, "rejected"),
        ("+15557770005", "joined"),
    ] == [(leg.to, leg.status) for leg in result.legs]
    assert result.conference_id is not None
    assert {result.conference_id} == {leg.conference_id for leg in result.joined}
    assert ["user_busy", "timeout", "call_rejected"] == [leg.hangup_cause for leg in result.failed]
    [conference] = [c for c in emu.telnyx_conferences() if c["id"] == result.conference_id]
    assert "all-hands" == conference["name"]
    joined = {p["call_control_id"] for p in emu.telnyx_participants(result.conference_id)}
    assert {leg.call.call_control_id for leg in result.joined if leg.call} == joined


async def test_telnyx_dialing_checks_every_number_before_dialing_any(
    emu: Emulator, pool: SessionPool
) -> None:
    """A bad number among good ones is refused before a single call is placed."""
    tx = TelnyxClient(api_key=emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool)
    async with WebhookReceiver(telnyx.webhook_decoder(emu.telnyx_public_key)) as events:
        with pytest.raises(ValidationError, match="to"):
            await tx.dial_conference_call(
                events=events,
                connection_id="1494404757140276705",
                from_=HOST,
                to=[ANSWERS, "not-a-number"],
                name="x",
            )
    assert 0 == emu.stats.telnyx_requests


async def test_catapult_recipe_adds_only_answered_calls_and_leaves_none_ringing(
    emu: Emulator, pool: SessionPool
) -> None:
    """Busy and rejected callees are reported at the answer step; the rest are members."""
    cp = CatapultClient(
        emu.catapult_user_id,
        emu.catapult_api_token,
        emu.catapult_api_secret,
        base_url=emu.catapult_url,
        pool=pool,
    )
    result = await cp.start_conference_call(
        from_=HOST, to=[ANSWERS, BUSY, REFUSES, "+15557770005"], call_options={"call_timeout": 5}
    )

    assert [ANSWERS, "+15557770005"] == [leg.to for leg in result.joined]
    assert [BUSY, REFUSES] == [leg.to for leg in result.failed]
    assert all(leg.failed_step == catapult.STEP_ANSWER for leg in result.failed)
    assert all(isinstance(leg.error, CallNotAnsweredError) for leg in result.failed)
    assert [] == list(result.orphaned)
    members = await cp.list_members(result.conference.id)
    assert {leg.call.id for leg in result.joined if leg.call} == {m.call_id for m in members}
    ringing = [c for c in emu.catapult_calls() if c["state"] == "started"]
    assert [] == ringing


async def test_catapult_recipe_hangs_up_a_call_that_never_answers(
    emu: Emulator, pool: SessionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A callee still ringing past its call timeout is hung up and reported, not left ringing."""
    # The emulator rings "no answer" for 100x less than the call's timeout;
    # make the recipe impatient too, so the test is quick.
    monkeypatch.setattr("conferencing.catapult._recipe._GRACE", 0.0)
    emu.set_call_outcome(SILENT, "no_answer")
    cp = CatapultClient(
        emu.catapult_user_id,
        emu.catapult_api_token,
        emu.catapult_api_secret,
        base_url=emu.catapult_url,
        pool=pool,
    )
    result = await cp.start_conference_call(
        from_=HOST, to=[ANSWERS, SILENT, "+15557770005"], call_options={"call_timeout": 1}
    )

    [silent] = result.failed
    assert SILENT == silent.to
    assert catapult.STEP_ANSWER == silent.failed_step
    assert [] == [c for c in emu.catapult_calls() if c["state"] == "started"]
    assert 2 == len(result.joined)


async def test_a_cancelled_telnyx_dialing_hangs_up_every_leg_it_placed(
    emu: Emulator, pool: SessionPool
) -> None:
    """Cancelled while phones ring, the recipe hangs them all up before it gives way."""
    emu.set_call_outcome(ANSWERS, "no_answer")
    tx = TelnyxClient(api_key=emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool)
    decoder = telnyx.webhook_decoder(emu.telnyx_public_key)
    async with WebhookReceiver(decoder) as events, events.serve() as url:
        emu.webhook_url = url
        recipe = asyncio.create_task(
            tx.dial_conference_call(
                events=events,
                connection_id="1494404757140276705",
                from_=HOST,
                to=[ANSWERS, SILENT],
                name="cancelled",
                timeout_secs=600,  # rings 6 s on the emulator: longer than this test
            )
        )
        async with asyncio.timeout(10):
            while len(emu.telnyx_calls()) < 2:  # noqa: ASYNC110 - polls the emulator
                await asyncio.sleep(0.01)
        recipe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await recipe

    assert 2 == len(emu.telnyx_calls())
    assert [] == [c for c in emu.telnyx_calls() if c.get("state") not in {"hangup", "ended"}]
