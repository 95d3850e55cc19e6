"""The emulator calls back: Telnyx webhooks and Catapult callbacks, to a real loopback receiver."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import attrs
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from emulator_receiver import Receiver, verified_body
from emulator_wire import FROM, TO, CatapultWire, TelnyxWire, basic, new_ccid

from conferencing.emulator import WEBHOOK_FAULT_KINDS, Emulator, EmulatorThread, Faults
from conferencing.emulator.__main__ import _emulator, _parser
from conferencing.emulator._faults import WebhookFaultKind, WebhookFaultPlan

pytest_plugins = ["emulator_fixtures"]

FAST = (0.02, 0.04)
"""Retry delays that keep these tests quick."""

TELNYX_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
CATAPULT_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z")


@pytest.fixture
def receiver(hook_receiver: Receiver) -> Receiver:
    """The loopback receiver, answering 200 unless told otherwise."""
    return hook_receiver


@pytest.fixture
async def emu(receiver: Receiver) -> AsyncIterator[Emulator]:
    """An emulator sending its Telnyx events to the receiver's /telnyx, retrying quickly."""
    async with Emulator(webhook_url=receiver.url("/telnyx"), webhook_retry_delays=FAST) as emulator:
        yield emulator


@pytest.fixture
def telnyx(http_session: aiohttp.ClientSession, emu: Emulator) -> TelnyxWire:
    return TelnyxWire(http_session, emu)


@pytest.fixture
def catapult(http_session: aiohttp.ClientSession, emu: Emulator) -> CatapultWire:
    return CatapultWire(http_session, emu)


def _state(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _events(
    emu: Emulator, receiver: Receiver, path: str = "/telnyx", *, ahead: float = 0
) -> list[dict[str, Any]]:
    """The Telnyx deliveries at `path`, signatures verified, envelopes checked.

    `ahead` is how far the emulator's clock may have been moved forward.
    """
    events = []
    for hit in receiver.at(path):
        assert "POST" == hit.method
        assert hit.headers["Content-Type"].startswith("application/json")
        body = verified_body(emu, hit)
        assert {"data", "meta"} == set(body)
        data = body["data"]
        assert {"record_type", "id", "event_type", "occurred_at", "payload"} == set(data)
        assert "event" == data["record_type"]
        assert 4 == uuid.UUID(data["id"]).version
        assert TELNYX_TIME.fullmatch(data["occurred_at"])
        occurred = dt.datetime.fromisoformat(data["occurred_at"])
        late = (dt.datetime.now(dt.UTC) - occurred).total_seconds()
        assert -30 - ahead < late < 30
        assert receiver.url(path) == body["meta"]["delivered_to"]
        events.append(body)
    return events


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [event["data"]["event_type"] for event in events]


def _seed_for(*draws: WebhookFaultKind | None, **shares: Any) -> int:
    """Return a seed whose first webhook fault draws are `draws`."""
    for seed in range(1000):
        plan = WebhookFaultPlan(Faults(seed=seed, **shares))
        if [plan.draw() for _ in draws] == list(draws):
            return seed
    raise AssertionError("no such seed")


# --- Telnyx ---------------------------------------------------------------------------


async def test_telnyx_lifecycle_sends_signed_events_in_order(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """Create, join, leave and end send exactly their events, in order, signed."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host, client_state=_state("conf"))
    joined = await telnyx.action(
        conference["id"], "join", call_control_id=guest, client_state=_state("guest")
    )
    assert 200 == joined.status
    assert 200 == (await telnyx.action(conference["id"], "leave", call_control_id=guest)).status
    assert 200 == (await telnyx.action(conference["id"], "end")).status
    await emu.deliveries_settled(timeout=5)

    events = _events(emu, receiver)
    assert [
        "conference.created",
        "conference.participant.joined",
        "conference.participant.joined",
        "conference.participant.left",
        "conference.ended",
        "conference.participant.left",
    ] == _kinds(events)
    payloads = [event["data"]["payload"] for event in events]
    assert [host, host, guest, guest, host, host] == [p["call_control_id"] for p in payloads]
    assert {conference["id"]} == {p["conference_id"] for p in payloads}
    assert {emu.telnyx_connection_id} == {p["connection_id"] for p in payloads}
    conf, guest_state = _state("conf"), _state("guest")
    assert [conf, conf, guest_state, guest_state, conf, conf] == [
        p["client_state"] for p in payloads
    ]
    assert "ended_via_api" == payloads[4]["reason"]
    assert all(
        p["occurred_at"] == e["data"]["occurred_at"] for p, e in zip(payloads, events, strict=True)
    )
    assert all({"call_leg_id", "call_session_id"} <= set(p) for p in payloads)
    assert payloads[0]["call_leg_id"] == payloads[1]["call_leg_id"] != payloads[2]["call_leg_id"]
    assert 6 == len({event["data"]["id"] for event in events})
    assert [1] * 6 == [event["meta"]["attempt"] for event in events]


async def test_the_last_to_leave_ends_it_and_a_host_ends_it_for_all(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """The last leg out ends it (all_left); a host leaving ends it (host_left) for the rest."""
    alone, host, guest = new_ccid(), new_ccid(), new_ccid()
    first = await telnyx.create(call_control_id=alone)
    await telnyx.action(first["id"], "leave", call_control_id=alone)
    second = await telnyx.create(call_control_id=guest)
    await telnyx.action(second["id"], "join", call_control_id=host, end_conference_on_exit=True)
    await telnyx.action(second["id"], "leave", call_control_id=host)
    await emu.deliveries_settled(timeout=5)

    seen = [
        (e["data"]["event_type"], e["data"]["payload"]["call_control_id"])
        for e in _events(emu, receiver)
    ]
    assert [
        ("conference.created", alone),
        ("conference.participant.joined", alone),
        ("conference.participant.left", alone),
        ("conference.ended", alone),
        ("conference.created", guest),
        ("conference.participant.joined", guest),
        ("conference.participant.joined", host),
        ("conference.participant.left", host),
        ("conference.ended", guest),
        ("conference.participant.left", guest),
    ] == seen
    reasons = [e["data"]["payload"].get("reason") for e in _events(emu, receiver)]
    assert ["all_left", "host_left"] == [reason for reason in reasons if reason]


async def test_a_conference_out_of_time_ends_when_next_looked_at(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """Past duration_minutes, the next look ends it (time_exceeded), at its expiry time."""
    conference = await telnyx.create(duration_minutes=1)
    emu.advance_time(61)
    await telnyx.get(conference["id"])
    await emu.deliveries_settled(timeout=5)
    events = [event["data"] for event in _events(emu, receiver, ahead=61)[2:]]
    assert ["conference.ended", "conference.participant.left"] == [
        data["event_type"] for data in events
    ]
    assert "time_exceeded" == events[0]["payload"]["reason"]
    expires = dt.datetime.fromisoformat(conference["expires_at"])
    assert expires == dt.datetime.fromisoformat(events[0]["occurred_at"])


async def test_a_hung_up_leg_sends_call_hangup_and_participant_left(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """Hanging up a joined leg sends call.hangup, then participant.left; the last one ends it."""
    host, guest = new_ccid(), new_ccid()
    conference = await telnyx.create(call_control_id=host)
    await telnyx.action(conference["id"], "join", call_control_id=guest, client_state=_state("g"))
    await emu.deliveries_settled(timeout=5)
    before = len(receiver.hits)
    emu.hang_up_telnyx_call(guest)
    emu.hang_up_telnyx_call(guest)  # already ended: nothing more
    emu.hang_up_telnyx_call(host)
    await emu.deliveries_settled(timeout=5)

    events = _events(emu, receiver)[before:]
    seen = [(e["data"]["event_type"], e["data"]["payload"]["call_control_id"]) for e in events]
    assert [
        ("call.hangup", guest),
        ("conference.participant.left", guest),
        ("call.hangup", host),
        ("conference.participant.left", host),
        ("conference.ended", host),
    ] == seen
    hangup = events[0]["data"]["payload"]
    assert "normal_clearing" == hangup["hangup_cause"]
    assert _state("g") == hangup["client_state"]
    assert "conference_id" not in hangup
    assert "all_left" == events[-1]["data"]["payload"]["reason"]


async def test_signatures_cover_the_raw_body_and_the_key_can_be_fixed(receiver: Receiver) -> None:
    """A fixed signing key gives its public key; a changed byte fails verification."""
    seed = bytes(range(32))
    expected = (
        Ed25519PrivateKey.from_private_bytes(seed)
        .public_key()
        .public_bytes(Encoding.Raw, PublicFormat.Raw)
    )
    async with (
        Emulator(
            webhook_url=receiver.url("/telnyx"),
            telnyx_signing_key=base64.b64encode(seed).decode(),
        ) as emulator,
        aiohttp.ClientSession() as session,
    ):
        assert base64.b64encode(expected).decode() == emulator.telnyx_public_key
        assert emulator.telnyx_public_key == Emulator(telnyx_signing_key=seed).telnyx_public_key
        assert Emulator().telnyx_public_key != Emulator().telnyx_public_key
        await TelnyxWire(session, emulator).create()
        await emulator.deliveries_settled(timeout=5)
    hit = receiver.hits[0]
    verified_body(emulator, hit)
    with pytest.raises(InvalidSignature):
        verified_body(
            emulator, attrs.evolve(hit, raw=hit.raw.replace(b'"attempt":1', b'"attempt":2'))
        )
    with pytest.raises(ValueError, match="32 bytes"):
        Emulator(telnyx_signing_key=b"short")


async def test_the_webhook_url_can_be_set_while_it_runs(
    local_emulator: Emulator, http_session: aiohttp.ClientSession, receiver: Receiver
) -> None:
    """Without a webhook_url nothing is queued; one set later receives the events from then on."""
    wire = TelnyxWire(http_session, local_emulator)
    await wire.create()
    assert 0 == local_emulator.stats.webhooks_queued
    local_emulator.webhook_url = receiver.url("/later")
    assert receiver.url("/later") == local_emulator.webhook_url
    await wire.create()
    await local_emulator.deliveries_settled(timeout=5)
    assert ["conference.created", "conference.participant.joined"] == _kinds(
        _events(local_emulator, receiver, "/later")
    )
    with pytest.raises(ValueError, match="webhook_url"):
        local_emulator.webhook_url = "ftp://example.com/"
    local_emulator.webhook_url = None
    await wire.create()
    assert 2 == local_emulator.stats.webhooks_queued


# --- Catapult -------------------------------------------------------------------------


async def test_catapult_conference_and_members_call_back(
    emu: Emulator, catapult: CatapultWire, receiver: Receiver
) -> None:
    """Conference created/completed and member joined/muted/left go to the conference's URL."""
    conference_id = await catapult.conference(
        callbackUrl=receiver.url("/conf"), tag="my-tag", callbackTimeout=2000
    )
    first = await catapult.member(conference_id)
    members = f"/conferences/{conference_id}/members"
    assert 200 == (await catapult.call("POST", f"{members}/{first}", {"mute": True})).status
    assert 200 == (await catapult.call("POST", f"{members}/{first}", {"mute": True})).status
    update = {"callbackUrl": receiver.url("/moved")}
    assert 200 == (await catapult.call("POST", f"/conferences/{conference_id}", update)).status
    second = await catapult.member(conference_id)
    first_call = (await catapult.get(f"{members}/{first}"))["call"].rsplit("/", 1)[-1]
    emu.hang_up_catapult_call(first_call)
    done = {"state": "completed"}
    assert 200 == (await catapult.call("POST", f"{members}/{second}", done)).status
    await emu.deliveries_settled(timeout=5)

    at_conf = [hit.json() for hit in receiver.at("/conf")]
    at_moved = [hit.json() for hit in receiver.at("/moved")]
    assert all(hit.method == "POST" for hit in receiver.hits)
    assert all(hit.headers["User-Agent"] == "BandwidthAPI/v1" for hit in receiver.hits)
    assert [("conference", "created"), ("conference-member", "active")] == [
        (e["eventType"], e.get("status", e.get("state"))) for e in at_conf[:2]
    ]
    muted = at_conf[2]
    assert (True, "active", first) == (muted["mute"], muted["state"], muted["memberId"])
    assert 3 == len(at_conf), "an update that changes nothing sends nothing"
    assert [
        ("conference-member", "active", second, 2),
        ("conference-member", "completed", first, 1),
        ("conference-member", "completed", second, 0),
    ] == [(e["eventType"], e["state"], e["memberId"], e["activeMembers"]) for e in at_moved[:3]]
    completed = at_moved[3]
    assert ("conference", "completed") == (completed["eventType"], completed["status"])
    assert CATAPULT_TIME.fullmatch(completed["completedTime"])
    assert 4 == len(at_moved)
    everything = at_conf + at_moved
    assert {"my-tag"} == {e["tag"] for e in everything}
    assert {conference_id} == {e["conferenceId"] for e in everything}
    uri = f"{emu.base_url}/v1/users/{emu.catapult_user_id}/conferences/{conference_id}"
    assert uri == at_conf[0]["conferenceUri"]
    assert f"{uri}/members/{first}" == at_conf[1]["memberUri"]
    assert all(CATAPULT_TIME.fullmatch(e["time"]) for e in everything if "time" in e)


async def test_catapult_ending_a_conference_completes_its_members_first(
    emu: Emulator, catapult: CatapultWire, receiver: Receiver
) -> None:
    """state=completed sends one completed member event per member, then the conference's."""
    conference_id = await catapult.conference(callbackUrl=receiver.url("/conf"))
    await catapult.member(conference_id)
    await catapult.member(conference_id)
    ended = await catapult.call("POST", f"/conferences/{conference_id}", {"state": "completed"})
    assert 200 == ended.status
    await emu.deliveries_settled(timeout=5)
    events = [hit.json() for hit in receiver.at("/conf")]
    assert [
        ("conference", "created"),
        ("conference-member", "active"),
        ("conference-member", "active"),
        ("conference-member", "completed"),
        ("conference-member", "completed"),
        ("conference", "completed"),
    ] == [(e["eventType"], e.get("status", e.get("state"))) for e in events]
    assert [1, 2, 1, 0] == [e["activeMembers"] for e in events[1:5]]


async def test_catapult_calls_call_back_by_get_with_basic_auth(
    emu: Emulator, catapult: CatapultWire, receiver: Receiver
) -> None:
    """A call's answer and hangup go by GET (any case) as query parameters, with Basic auth."""
    body = {
        "from": FROM,
        "to": TO,
        "callbackUrl": receiver.url("/call?app=7", user="alice:s3cret"),
        "callbackHttpMethod": "get",
        "tag": "call-tag",
    }
    call_id = await catapult.created("/calls", body)
    assert "get" == (await catapult.wait_for_state(call_id, "active"))["callbackHttpMethod"]
    emu.hang_up_catapult_call(call_id)
    await emu.deliveries_settled(timeout=5)

    hits = receiver.at("/call")
    assert ["GET", "GET"] == [hit.method for hit in hits]
    assert {basic("alice", "s3cret")} == {hit.headers["Authorization"] for hit in hits}
    assert {b""} == {hit.raw for hit in hits}
    answer, hangup = (hit.query for hit in hits)
    assert {
        "app": "7",
        "eventType": "answer",
        "from": FROM,
        "to": TO,
        "callId": call_id,
        "callUri": f"{emu.base_url}/v1/users/{emu.catapult_user_id}/calls/{call_id}",
        "callState": "active",
        "tag": "call-tag",
    } == {key: value for key, value in answer.items() if key != "time"}
    assert ("hangup", "NORMAL_CLEARING", "call-tag") == (
        hangup["eventType"],
        hangup["cause"],
        hangup["tag"],
    )
    assert CATAPULT_TIME.fullmatch(hangup["time"])


async def test_catapult_member_events_by_get_carry_booleans_as_words(
    emu: Emulator, catapult: CatapultWire, receiver: Receiver
) -> None:
    """GET callbacks send true / false and numbers as text."""
    conference_id = await catapult.conference(
        callbackUrl=receiver.url("/conf"), callbackHttpMethod="GET"
    )
    await catapult.member(conference_id, hold=True)
    await emu.deliveries_settled(timeout=5)
    member = receiver.at("/conf")[1].query
    assert ("true", "false", "1") == (member["hold"], member["mute"], member["activeMembers"])


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.mark.parametrize("failure", ["500", "refused", "timeout"])
async def test_catapult_uses_the_fallback_url_when_the_callback_url_fails(
    emu: Emulator, catapult: CatapultWire, receiver: Receiver, failure: str
) -> None:
    """A 500, a refused connection or a callbackTimeout sends the event to fallbackUrl at once."""
    main = receiver.url("/main")
    if failure == "500":
        receiver.statuses["/main"] = [500] * 10
    elif failure == "refused":
        main = f"http://127.0.0.1:{_closed_port()}/main"
    else:
        receiver.delays["/main"] = 2.0
    started = time.monotonic()
    await catapult.conference(
        callbackUrl=main, fallbackUrl=receiver.url("/fallback"), callbackTimeout=150
    )
    await emu.deliveries_settled(timeout=5)
    assert ["conference"] == [hit.json()["eventType"] for hit in receiver.at("/fallback")]
    assert (1 if failure != "refused" else 0) == len(receiver.at("/main"))
    assert time.monotonic() - started < 1.5, "callbackTimeout bounds the wait"
    stats = emu.stats
    assert (1, 1, 1, 0) == (
        stats.webhooks_queued,
        stats.webhook_attempts,
        stats.webhooks_delivered,
        stats.webhooks_failed,
    )


# --- delivery: retries, timing, closing ------------------------------------------------


async def test_a_receiver_answering_500_then_200_gets_the_retry(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """A failed delivery is retried after the first delay, as attempt 2, same event."""
    receiver.statuses["/telnyx"] = [500]
    async with Emulator(webhook_url=receiver.url("/telnyx")) as emulator:
        assert (0.1, 0.2) == emulator.webhook_retry_delays
        await TelnyxWire(http_session, emulator).create()
        await emulator.deliveries_settled(timeout=5)
        stats = emulator.stats
    events = _events(emulator, receiver)
    assert [1, 2, 1] == [event["meta"]["attempt"] for event in events]
    assert events[0]["data"] == events[1]["data"]
    assert "conference.created" == events[0]["data"]["event_type"]
    first, second = receiver.hits[:2]
    assert 0.1 <= second.at - first.at < 1.0
    assert (2, 3, 2, 0) == (
        stats.webhooks_queued,
        stats.webhook_attempts,
        stats.webhooks_delivered,
        stats.webhooks_failed,
    )


async def test_a_delivery_that_keeps_failing_is_given_up(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """Three attempts (the retry delays plus one), then the delivery counts as failed."""
    receiver.statuses["/telnyx"] = [503] * 6
    await telnyx.create()
    await emu.deliveries_settled(timeout=5)
    assert [1, 2, 3, 1, 2, 3] == [hit.json()["meta"]["attempt"] for hit in receiver.hits]
    stats = emu.stats
    assert (2, 6, 0, 2) == (
        stats.webhooks_queued,
        stats.webhook_attempts,
        stats.webhooks_delivered,
        stats.webhooks_failed,
    )


async def test_the_api_answer_does_not_wait_for_a_slow_receiver(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """The request is answered while its webhooks are still on their way."""
    receiver.delays["/telnyx"] = 0.5
    started = time.monotonic()
    await telnyx.create()
    assert time.monotonic() - started < 0.4
    assert 0 == emu.stats.webhooks_delivered
    with pytest.raises(TimeoutError, match="pending"):
        await emu.deliveries_settled(timeout=0.05)
    await emu.deliveries_settled(timeout=5)
    assert 2 == emu.stats.webhooks_delivered


async def test_closing_with_undelivered_events_neither_hangs_nor_warns(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """Close drops what is queued or under way, promptly, and counts it."""
    receiver.delays["/telnyx"] = 5.0
    emulator = Emulator(webhook_url=receiver.url("/telnyx"), webhook_timeout=10)
    await emulator.start()
    await TelnyxWire(http_session, emulator).create()
    await receiver.wait_for(1)
    started = time.monotonic()
    await emulator.close()
    await emulator.close()
    assert time.monotonic() - started < 2.0
    stats = emulator.stats
    assert (2, 0, 2) == (stats.webhooks_queued, stats.webhooks_delivered, stats.webhooks_dropped)


async def test_stats_count_deliveries_on_the_stats_endpoint(
    emu: Emulator, telnyx: TelnyxWire, http_session: aiohttp.ClientSession
) -> None:
    """The delivery counts are in stats and in /_emulator/stats alike."""
    await telnyx.create()
    await emu.deliveries_settled(timeout=5)
    async with http_session.get(emu.stats_url) as response:
        shown = await response.json()
    assert emu.stats.as_dict() == shown
    assert (2, 2, 2) == (
        shown["webhooks_queued"],
        shown["webhooks_delivered"],
        shown["webhook_attempts"],
    )
    assert dict.fromkeys(WEBHOOK_FAULT_KINDS, 0) == shown["webhook_faults_injected"]


async def test_reset_drops_what_is_queued(
    emu: Emulator, telnyx: TelnyxWire, receiver: Receiver
) -> None:
    """Reset forgets queued deliveries; the one under way finishes."""
    receiver.delays["/telnyx"] = 0.2
    await telnyx.create()
    await receiver.wait_for(1)
    emu.reset()
    await emu.deliveries_settled(timeout=5)
    assert 1 == len(receiver.hits)


async def test_an_emulator_thread_waits_for_its_deliveries(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """From another loop or thread, deliveries_settled and its blocking twin wait alike."""
    runner = EmulatorThread(Emulator(webhook_url=receiver.url("/telnyx")))
    emulator = runner.start()
    try:
        receiver.delays["/telnyx"] = 0.1
        await TelnyxWire(http_session, emulator).create()
        await emulator.deliveries_settled(timeout=5)
        assert 2 == len(receiver.hits)
        emulator.hang_up_telnyx_call(new_ccid())
        await asyncio.to_thread(runner.deliveries_settled, 5)
        assert "call.hangup" == receiver.hits[-1].json()["data"]["event_type"]
    finally:
        await asyncio.to_thread(runner.stop)


# --- webhook faults ---------------------------------------------------------------------


async def test_duplicate_delivers_the_same_event_twice(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """A duplicated event arrives twice, with the same id."""
    faults = Faults(seed=1, webhook_duplicate=1.0)
    async with Emulator(webhook_url=receiver.url("/telnyx"), faults=faults) as emulator:
        await TelnyxWire(http_session, emulator).create()
        await emulator.deliveries_settled(timeout=5)
        stats = emulator.stats
    events = _events(emulator, receiver)
    ids = [event["data"]["id"] for event in events]
    assert 4 == len(ids)
    assert ids[0] == ids[1] != ids[2] == ids[3]
    assert ["conference.created"] * 2 + ["conference.participant.joined"] * 2 == _kinds(events)
    assert (4, 4, 2) == (
        stats.webhooks_queued,
        stats.webhooks_delivered,
        stats.webhook_faults_injected["webhook_duplicate"],
    )


async def test_reorder_swaps_two_deliveries(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """A reordered delivery lets the next one go first; with none behind it, it waits, then goes."""
    seed = _seed_for("webhook_reorder", None, None, "webhook_reorder", webhook_reorder=0.5)
    faults = Faults(seed=seed, webhook_reorder=0.5, webhook_delay_seconds=0.2)
    async with Emulator(webhook_url=receiver.url("/telnyx"), faults=faults) as emulator:
        wire = TelnyxWire(http_session, emulator)
        await wire.create()
        await emulator.deliveries_settled(timeout=5)
        assert ["conference.participant.joined", "conference.created"] == _kinds(
            _events(emulator, receiver)
        )
        receiver.hits.clear()
        started = time.monotonic()
        await wire.create()
        await emulator.deliveries_settled(timeout=5)
        assert ["conference.created", "conference.participant.joined"] == _kinds(
            _events(emulator, receiver)
        )
        assert receiver.hits[1].at - started >= 0.2
        assert 2 == emulator.stats.webhook_faults_injected["webhook_reorder"]


async def test_delay_lets_later_events_overtake(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """A delayed delivery is sent webhook_delay_seconds later, after the events behind it."""
    seed = _seed_for("webhook_delay", None, webhook_delay=0.5)
    faults = Faults(seed=seed, webhook_delay=0.5, webhook_delay_seconds=0.3)
    async with Emulator(webhook_url=receiver.url("/telnyx"), faults=faults) as emulator:
        started = time.monotonic()
        await TelnyxWire(http_session, emulator).create()
        await emulator.deliveries_settled(timeout=5)
        assert 1 == emulator.stats.webhook_faults_injected["webhook_delay"]
    assert ["conference.participant.joined", "conference.created"] == _kinds(
        _events(emulator, receiver)
    )
    assert receiver.hits[0].at - started < 0.3 <= receiver.hits[1].at - started


async def test_fail_makes_the_first_attempt_fail(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """A failed first attempt sends nothing; the retry arrives as attempt 2."""
    faults = Faults(seed=3, webhook_fail=1.0)
    async with Emulator(
        webhook_url=receiver.url("/telnyx"), faults=faults, webhook_retry_delays=FAST
    ) as emulator:
        await TelnyxWire(http_session, emulator).create()
        await emulator.deliveries_settled(timeout=5)
        stats = emulator.stats
    assert [2, 2] == [event["meta"]["attempt"] for event in _events(emulator, receiver)]
    assert (2, 4, 2, 2) == (
        stats.webhooks_queued,
        stats.webhook_attempts,
        stats.webhooks_delivered,
        stats.webhook_faults_injected["webhook_fail"],
    )


async def test_fail_sends_a_catapult_callback_to_its_fallback(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """A pretended failure of the callbackUrl is answered by the fallbackUrl, as a real one."""
    async with Emulator(faults=Faults(webhook_fail=1.0)) as emulator:
        await CatapultWire(http_session, emulator).conference(
            callbackUrl=receiver.url("/main"), fallbackUrl=receiver.url("/fallback")
        )
        await emulator.deliveries_settled(timeout=5)
    assert ([], 1) == (receiver.at("/main"), len(receiver.at("/fallback")))


def _draws(faults: Faults, count: int) -> Iterator[WebhookFaultKind | None]:
    plan = WebhookFaultPlan(faults)
    return (plan.draw() for _ in range(count))


async def test_webhook_faults_are_seeded_and_leave_request_faults_alone(
    receiver: Receiver, http_session: aiohttp.ClientSession
) -> None:
    """Webhook faults repeat per seed and do not shift the request faults of that seed."""
    shares: dict[str, Any] = {
        "webhook_duplicate": 0.2,
        "webhook_reorder": 0.2,
        "webhook_fail": 0.2,
    }
    assert list(_draws(Faults(seed=9, **shares), 20)) == list(_draws(Faults(seed=9, **shares), 20))
    assert list(_draws(Faults(seed=9, **shares), 20)) != list(_draws(Faults(seed=8, **shares), 20))

    async def statuses(faults: Faults, webhook_url: str | None) -> list[int]:
        async with Emulator(faults=faults, webhook_url=webhook_url) as emulator:
            wire = TelnyxWire(http_session, emulator)
            found = [
                (
                    await wire.call(
                        "POST", "/conferences", {"call_control_id": new_ccid(), "name": str(n)}
                    )
                ).status
                for n in range(8)
            ]
            await emulator.deliveries_settled(timeout=5)
            return found

    plain = await statuses(Faults(seed=4, server_error=0.5), None)
    busy = await statuses(Faults(seed=4, server_error=0.5, **shares), receiver.url("/telnyx"))
    assert plain == busy
    assert {200, 500} == set(plain)


@pytest.mark.parametrize(
    "fields",
    [
        {"webhook_duplicate": 1.5},
        {"webhook_fail": 0.6, "webhook_delay": 0.6},
        {"webhook_delay_seconds": -1},
    ],
)
def test_impossible_webhook_faults_are_refused(fields: dict[str, Any]) -> None:
    """Webhook shares outside 0..1 or adding up past 1, and negative delays, are refused."""
    with pytest.raises(ValueError, match="must"):
        Faults(**fields)


def test_bad_webhook_settings_are_refused() -> None:
    """A webhook_url that is not http(s), a timeout <= 0 or a negative retry delay is refused."""
    with pytest.raises(ValueError, match="webhook_url"):
        Emulator(webhook_url="not a url")
    with pytest.raises(ValueError, match="webhook_timeout"):
        Emulator(webhook_timeout=0)
    with pytest.raises(ValueError, match="webhook_retry_delays"):
        Emulator(webhook_retry_delays=(0.1, -1))


def test_python_dash_m_takes_webhook_options() -> None:
    """The command line sets the webhook URL, key, retries and webhook faults."""
    seed = base64.b64encode(bytes(32)).decode()
    args = _parser().parse_args(
        [
            "--webhook-url",
            "http://127.0.0.1:9/hooks",
            "--telnyx-signing-key",
            seed,
            "--webhook-retry-delays",
            "0.5,1",
            "--webhook-timeout",
            "3",
            "--seed",
            "5",
            "--webhook-duplicate",
            "0.25",
            "--webhook-delay",
            "0.25",
            "--webhook-delay-seconds",
            "2",
        ]
    )
    emulator = _emulator(args)
    assert "http://127.0.0.1:9/hooks" == emulator.webhook_url
    assert Emulator(telnyx_signing_key=seed).telnyx_public_key == emulator.telnyx_public_key
    assert (0.5, 1.0) == emulator.webhook_retry_delays
    faults = emulator.faults
    assert (5, 0.25, 0.25, 0.0, 2.0) == (
        faults.seed,
        faults.webhook_duplicate,
        faults.webhook_delay,
        faults.webhook_fail,
        faults.webhook_delay_seconds,
    )
    assert (
        () == _emulator(_parser().parse_args(["--webhook-retry-delays", ""])).webhook_retry_delays
    )
