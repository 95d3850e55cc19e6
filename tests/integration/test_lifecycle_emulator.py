"""A whole conference call on each provider, against the emulator over loopback."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from conferencing import (
    CallEndedError,
    CatapultClient,
    ConferenceEndedError,
    ConferenceFullError,
    MaxParticipantsReachedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SessionPool,
    TelnyxClient,
    ValidationError,
    catapult,
    telnyx,
)
from conferencing.emulator import Emulator, RateLimit, RateLimits

HOST = "+15550000000"


def numbers(count: int, prefix: str = "+1555777") -> list[str]:
    return [f"{prefix}{i:04d}" for i in range(count)]


def legs(count: int, prefix: str = "leg") -> list[str]:
    return [f"v3:{prefix}-{i}" for i in range(count)]


async def answered(cp: CatapultClient, call_id: str) -> None:
    """Wait until the emulator has answered `call_id`: only an active call can be a member."""
    async with asyncio.timeout(10):
        while (await cp.get_call(call_id)).state != "active":  # noqa: ASYNC110 - polls the emulator
            await asyncio.sleep(0.02)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(host="127.0.0.1", port=0) as emulator:
        yield emulator


@pytest.fixture
def cp(emu: Emulator, pool: SessionPool) -> CatapultClient:
    return CatapultClient(
        emu.catapult_user_id,
        emu.catapult_api_token,
        emu.catapult_api_secret,
        base_url=emu.catapult_url,
        pool=pool,
    )


@pytest.fixture
def tx(emu: Emulator, pool: SessionPool) -> TelnyxClient:
    return TelnyxClient(emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool)


# --- Catapult -----------------------------------------------------------------


async def test_catapult_every_method_over_a_conference_life(cp: CatapultClient) -> None:
    """Create, call in, look up, mute, hold, play audio, remove and end, step by step."""
    ref = await cp.create_conference(from_=HOST, callback_timeout=10_000, tag="t-1")
    fresh = await cp.get_conference(ref.id)
    calls = [
        await cp.create_call(from_=HOST, to=to, conference_id=ref.id, call_timeout=300)
        for to in numbers(3)
    ]
    for call in calls:
        await answered(cp, call.id)
    members = [await cp.add_member(ref.id, call.id, join_tone=True) for call in calls]

    active = await cp.get_conference(ref.id)
    listed = await cp.list_members(ref.id)
    one = await cp.get_member(ref.id, members[0].id)

    await cp.update_member(ref.id, members[0].id, mute=True, hold=True)
    await cp.play_audio(ref.id, sentence="Welcome", voice="Kate", locale="en_US")
    await cp.play_audio(ref.id, catapult.PlayAudioRequest.stop_sentence())
    await cp.play_audio(ref.id, member_id=members[1].id, file_url="https://x.example/a.mp3")
    await cp.update_conference(ref.id, mute=True, callback_timeout=2000)
    await cp.update_member(ref.id, members[2].id, state="completed")
    muted = await cp.get_member(ref.id, members[0].id)
    removed = await cp.get_member(ref.id, members[2].id)
    await cp.update_conference(ref.id, state="completed")
    ended = await cp.get_conference(ref.id)

    assert ("created", 0, HOST, "t-1") == (
        fresh.state,
        fresh.active_members,
        fresh.from_,
        fresh.tag,
    )
    assert isinstance(fresh.created_time, datetime)
    assert fresh.created_time.tzinfo is not None
    assert ("active", 3) == (active.state, active.active_members)
    assert [m.id for m in members] == [m.id for m in listed]
    assert [c.id for c in calls] == [m.call_id for m in listed]
    assert (calls[0].id, True, "active") == (one.call_id, one.join_tone, one.state)
    assert (True, True) == (muted.mute, muted.hold)
    assert ("completed", True) == (removed.state, removed.removed_time is not None)
    assert (True, 2000) == (ended.mute, ended.callback_timeout)
    assert ("completed", 0) == (ended.state, ended.active_members)
    assert ended.completed_time is not None


async def test_catapult_member_added_to_an_ended_conference_is_refused(
    cp: CatapultClient,
) -> None:
    """Once completed, a conference takes no members and no calls."""
    ref = await cp.create_conference(from_=HOST)
    call = await cp.create_call(from_=HOST, to="+15551112222", conference_id=ref.id)
    await cp.update_conference(ref.id, state="completed")

    with pytest.raises(PermissionDeniedError) as adding:
        await cp.add_member(ref.id, call.id)
    with pytest.raises(PermissionDeniedError) as calling:
        await cp.create_call(from_=HOST, to="+15551112223", conference_id=ref.id)

    assert "conference-error" == adding.value.code
    assert "conference-error" == calling.value.code


async def test_catapult_the_twenty_first_member_is_refused(
    cp: CatapultClient, emu: Emulator
) -> None:
    """The recipe seats 20; a 21st member is ConferenceFullError from Catapult itself."""
    result = await cp.start_conference_call(from_=HOST, to=numbers(20))
    extra = await cp.create_call(from_=HOST, to="+15559990000", conference_id=result.conference.id)
    await answered(cp, extra.id)

    with pytest.raises(ConferenceFullError) as info:
        await cp.add_member(result.conference.id, extra.id)

    assert result.ok
    assert 20 == len(result.joined)
    assert 20 == (await cp.get_conference(result.conference.id)).active_members
    assert "conference-max-members" == info.value.code
    assert 20 == emu.stats.catapult_members_added


async def test_catapult_recipe_brings_everyone_in(cp: CatapultClient, emu: Emulator) -> None:
    """Three callees: one conference, three calls with its id, three members."""
    to = numbers(3)

    result = await cp.start_conference_call(
        from_=HOST,
        to=to,
        conference_options={"tag": "standup"},
        call_options={"call_timeout": 30},
        member_options={"join_tone": True},
    )

    members = await cp.list_members(result.conference.id)
    assert result.ok
    assert to == [o.to for o in result.callees]
    assert {o.member.id for o in result.callees if o.member} == {m.id for m in members}
    assert {o.call.id for o in result.callees if o.call} == {m.call_id for m in members}
    assert all(m.join_tone for m in members)
    assert (1, 3, 3) == (
        emu.stats.catapult_conferences_created,
        emu.stats.catapult_calls_created,
        emu.stats.catapult_members_added,
    )


async def test_catapult_recipe_refuses_two_and_twenty_one_callees_without_sending(
    cp: CatapultClient, emu: Emulator
) -> None:
    """Too few (use a bridge) or too many callees: nothing reaches Catapult."""
    with pytest.raises(ValidationError, match="bridge"):
        await cp.start_conference_call(from_=HOST, to=numbers(2))
    with pytest.raises(ValidationError, match="at most 20"):
        await cp.start_conference_call(from_=HOST, to=numbers(21))

    assert 0 == emu.stats.requests


async def test_catapult_recipe_reports_the_legs_the_rate_limit_refused(
    emu: Emulator, pool: SessionPool
) -> None:
    """With one call allowed, the other legs report RateLimitError at create_call."""
    emu.rate_limits = RateLimits(catapult_conferences=None, catapult_calls=RateLimit(1, 2_000))
    once = CatapultClient(
        emu.catapult_user_id,
        emu.catapult_api_token,
        emu.catapult_api_secret,
        base_url=emu.catapult_url,
        pool=pool,
        retry=None,
    )

    result = await once.start_conference_call(from_=HOST, to=numbers(3))

    assert 1 == len(result.joined)
    assert 2 == len(result.failed)
    assert all(isinstance(o.error, RateLimitError) for o in result.failed)
    assert all(o.failed_step == catapult.STEP_CREATE_CALL for o in result.failed)
    assert all(o.call is None for o in result.failed)
    assert 1 == len(await once.list_members(result.conference.id))


async def test_catapult_unknown_conference(cp: CatapultClient) -> None:
    """A conference that does not exist is a NotFoundError."""
    with pytest.raises(NotFoundError):
        await cp.get_conference("c-nope")


# --- Telnyx ---------------------------------------------------------------------


async def test_telnyx_every_method_over_a_conference_life(tx: TelnyxClient, emu: Emulator) -> None:
    """Create, join, look up, mute, hold, update, leave and end, step by step."""
    a, b, c = legs(3)
    conf = await tx.create_conference(call_control_id=a, name="Life")
    joined = [await tx.join(conf.id, leg, beep_enabled="never") for leg in (b, c)]
    got = await tx.get_conference(conf.id)

    await tx.mute(conf.id)
    all_muted = [p.call_control_id async for p in tx.list_participants(conf.id, muted=True)]
    await tx.unmute(conf.id, call_control_ids=[a])
    await tx.hold(conf.id, call_control_ids=[b], audio_url="https://x.example/hold.mp3")
    held = [p.call_control_id async for p in tx.list_participants(conf.id, on_hold=True)]
    await tx.unhold(conf.id, call_control_ids=[b])
    pa = await tx.get_participant(conf.id, a)
    by_id = await tx.get_participant(conf.id, pa.id)
    updated = await tx.update_participant(conf.id, pa.id, end_conference_on_exit=True)
    await tx.leave(conf.id, c)
    statuses = {p.call_control_id: p.status async for p in tx.list_participants(conf.id)}
    ended = await tx.end_conference(conf.id)
    after = await tx.get_conference(conf.id)

    assert ["ok", "ok"] == [r.result for r in joined]
    assert ("Life", "in_progress") == (got.name, got.status)
    assert {a, b, c} == set(all_muted)
    assert [b] == held
    assert (a, False, False) == (pa.call_control_id, pa.muted, pa.on_hold)
    assert pa == by_id
    assert updated.end_conference_on_exit is True
    assert {a: "joined", b: "joined", c: "left"} == statuses
    assert ended.command_id is not None
    assert ("completed", "ended_via_api") == (after.status, after.end_reason)
    assert 3 == emu.stats.telnyx_participants_joined


async def test_telnyx_commands_on_an_ended_conference_are_refused(tx: TelnyxClient) -> None:
    """After end, join answers ConferenceEndedError (90019)."""
    a, b = legs(2, "ended")
    conf = await tx.create_conference(call_control_id=a, name="Ended")
    await tx.end_conference(conf.id)

    with pytest.raises(ConferenceEndedError):
        await tx.join(conf.id, b)


async def test_telnyx_join_past_max_participants(tx: TelnyxClient) -> None:
    """A join past max_participants is MaxParticipantsReachedError (90032)."""
    a, b, c = legs(3, "full")
    conf = await tx.create_conference(call_control_id=a, name="Full", max_participants=2)
    await tx.join(conf.id, b)

    with pytest.raises(MaxParticipantsReachedError):
        await tx.join(conf.id, c)


async def test_telnyx_a_repeated_command_id_acts_once(tx: TelnyxClient, emu: Emulator) -> None:
    """Joining twice with one command_id is answered from Telnyx's memory, not done twice."""
    a, b = legs(2, "dup")
    conf = await tx.create_conference(call_control_id=a, name="Dup")
    request = telnyx.JoinRequest(call_control_id=b, command_id="join-b-once")

    first = await tx.join(conf.id, request)
    second = await tx.join(conf.id, request)

    assert first == second
    assert 1 == emu.stats.duplicates_avoided
    assert 2 == emu.stats.telnyx_participants_joined


async def test_telnyx_list_conferences_across_several_pages(tx: TelnyxClient) -> None:
    """Seven conferences in pages of two: four pages, each fetched once, filters applied."""
    for i, leg in enumerate(legs(7, "page")):
        conf = await tx.create_conference(call_control_id=leg, name=f"Room {i}")
        if i % 2:
            await tx.end_conference(conf.id)

    pages = tx.list_conferences(page_size=2)
    everything = [conf.name async for conf in pages]
    done = [conf.name async for conf in tx.list_conferences(status="completed", page_size=2)]
    named = [conf.id async for conf in tx.list_conferences(name="Room 4")]

    assert [f"Room {i}" for i in range(7)] == everything
    assert telnyx.PageMeta(page_number=4, page_size=2, total_pages=4, total_results=7) == (
        pages.meta
    )
    assert ["Room 1", "Room 3", "Room 5"] == done
    assert 1 == len(named)


async def test_telnyx_list_participants_across_several_pages(tx: TelnyxClient) -> None:
    """Five participants in pages of two are all listed, in order."""
    first, *rest = legs(5, "people")
    conf = await tx.create_conference(call_control_id=first, name="People")
    for leg in rest:
        await tx.join(conf.id, leg)

    found = [p.call_control_id async for p in tx.list_participants(conf.id, page_size=2)]

    assert [first, *rest] == found


async def test_telnyx_recipe_brings_every_leg_in(tx: TelnyxClient, emu: Emulator) -> None:
    """One leg creates, the others join concurrently, each with its own command_id."""
    call_control_ids = legs(6, "recipe")

    result = await tx.start_conference_call(
        name="Recipe",
        call_control_ids=call_control_ids,
        max_participants=6,
        conference_options={"client_state": base64.b64encode(b"hello").decode()},
        join_options={"mute": True},
    )

    participants = [p async for p in tx.list_participants(result.conference.id)]
    assert result.ok
    assert call_control_ids == [leg.call_control_id for leg in result.legs]
    assert set(call_control_ids) == {p.call_control_id for p in participants}
    assert {p.call_control_id for p in participants if p.muted} == set(call_control_ids[1:])
    assert 6 == len({leg.command_id for leg in result.legs})
    assert 6 == emu.stats.telnyx_participants_joined


async def test_telnyx_recipe_reports_a_hung_up_leg(tx: TelnyxClient, emu: Emulator) -> None:
    """A leg that hung up before joining is reported with CallEndedError; the rest join."""
    a, b, c = legs(3, "hangup")
    emu.hang_up_telnyx_call(b)

    result = await tx.start_conference_call(name="Hangup", call_control_ids=[a, b, c])

    assert [b] == [leg.call_control_id for leg in result.failed]
    assert isinstance(result.failed[0].error, CallEndedError)
    assert [a, c] == [leg.call_control_id for leg in result.joined]


async def test_telnyx_recipe_refuses_more_legs_than_max_participants(
    tx: TelnyxClient, emu: Emulator
) -> None:
    """More legs than max_participants (250 when unset) are refused before sending."""
    with pytest.raises(ValidationError):
        await tx.start_conference_call(name="Big", call_control_ids=legs(4), max_participants=3)
    with pytest.raises(ValidationError):
        await tx.start_conference_call(name="Bigger", call_control_ids=legs(251))

    assert 0 == emu.stats.requests
