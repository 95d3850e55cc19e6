"""Fault injection: each kind, with a fixed seed, on both providers; determinism; counting."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp
import pytest
from emulator_wire import FROM, CatapultWire, TelnyxWire, new_ccid

from conferencing.emulator import FAULT_KINDS, Emulator, Faults
from conferencing.emulator._faults import FaultPlan

pytest_plugins = ["emulator_fixtures"]

BROKEN = (aiohttp.ClientError, asyncio.TimeoutError)


async def _create_both(telnyx_wire: TelnyxWire, catapult_wire: CatapultWire) -> list[object]:
    """Create one conference on each provider; return each answer's status or exception type."""
    outcomes: list[object] = []
    for attempt in (
        telnyx_wire.call(
            "POST", "/conferences", {"call_control_id": new_ccid(), "name": new_ccid()}
        ),
        catapult_wire.call("POST", "/conferences", {"from": FROM}),
    ):
        try:
            outcomes.append((await attempt).status)
        except BROKEN as exc:
            outcomes.append(type(exc))
    return outcomes


def _created(local_emulator: Emulator) -> tuple[int, int]:
    stats = local_emulator.stats
    return stats.telnyx_conferences_created, stats.catapult_conferences_created


# --- the Faults value ----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"server_error": 1.5},
        {"slow": -0.1},
        {"server_error": 0.6, "unavailable": 0.6},
        {"slow_seconds": -1},
        {"drop_connection": True},
    ],
)
def test_faults_refuse_impossible_shares(fields: dict[str, Any]) -> None:
    """Shares outside 0..1, adding up past 1, or negative delays are refused."""
    with pytest.raises(ValueError, match="must"):
        Faults(**fields)


def test_the_same_seed_draws_the_same_sequence() -> None:
    """Two plans from the same Faults draw the same faults; another seed draws others."""
    faults = Faults(seed=42, server_error=0.2, drop_connection=0.2, lost_after_success=0.2)
    first, second = FaultPlan(faults), FaultPlan(faults)
    sequence = [first.draw() for _ in range(200)]
    assert sequence == [second.draw() for _ in range(200)]
    other = FaultPlan(
        Faults(seed=43, server_error=0.2, drop_connection=0.2, lost_after_success=0.2)
    )
    assert sequence != [other.draw() for _ in range(200)]
    shares = {kind: sequence.count(kind) / 200 for kind in ("server_error", "drop_connection")}
    assert all(0.1 < share < 0.3 for share in shares.values())
    assert not Faults().enabled
    assert [None] * 5 == [FaultPlan(Faults()).draw() for _ in range(5)]


async def test_the_same_seed_gives_the_same_answers_over_http(
    http_session: aiohttp.ClientSession,
) -> None:
    """Two emulators with the same seed answer the same sequence of requests alike."""
    faults = Faults(seed=7, server_error=0.2, unavailable=0.1, drop_connection=0.1, html_error=0.1)
    runs: list[list[object]] = []
    for _ in range(2):
        async with Emulator(faults=faults) as local_emulator:
            outcomes: list[object] = []
            for _ in range(10):
                outcomes += await _create_both(
                    TelnyxWire(http_session, local_emulator),
                    CatapultWire(http_session, local_emulator),
                )
            runs.append(outcomes)
    assert runs[0] == runs[1]
    assert {200, 201, 500, 503, 502, aiohttp.ServerDisconnectedError} >= set(runs[0])
    assert len(set(runs[0])) >= 4


# --- each kind ----------------------------------------------------------------------


async def test_server_error(telnyx_wire: TelnyxWire, catapult_wire: CatapultWire) -> None:
    """server_error is a 500 in each provider's error shape, and nothing is created."""
    telnyx_wire.emu.faults = Faults(server_error=1.0)
    answer = await telnyx_wire.call(
        "POST", "/conferences", {"call_control_id": new_ccid(), "name": "a"}
    )
    assert (500, ["10007"]) == (answer.status, answer.codes)
    answer = await catapult_wire.call("POST", "/conferences", {"from": FROM})
    assert (500, "backend", "backend-protocol-support-failure") == (
        answer.status,
        answer.body["category"],
        answer.body["code"],
    )
    assert (0, 0) == _created(telnyx_wire.emu)
    assert 2 == telnyx_wire.emu.stats.faults_injected["server_error"]


async def test_unavailable(telnyx_wire: TelnyxWire, catapult_wire: CatapultWire) -> None:
    """unavailable is a 503 in each provider's error shape."""
    telnyx_wire.emu.faults = Faults(unavailable=1.0)
    assert [503, 503] == await _create_both(telnyx_wire, catapult_wire)
    answer = await catapult_wire.call("GET", "/conferences/c-1")
    assert "call-unavailable" == answer.body["code"]
    assert (0, 0) == _created(telnyx_wire.emu)


async def test_rate_limited(telnyx_wire: TelnyxWire, catapult_wire: CatapultWire) -> None:
    """rate_limited is a 429 with Retry-After (and Catapult's X-RateLimit-Reset)."""
    telnyx_wire.emu.faults = Faults(rate_limited=1.0, retry_after_seconds=2)
    answer = await telnyx_wire.call("GET", "/conferences")
    assert (429, ["10011"], "2") == (answer.status, answer.codes, answer.headers["Retry-After"])
    answer = await catapult_wire.call("POST", "/conferences", {"from": FROM})
    assert (429, "rate-limit-reached", "2") == (
        answer.status,
        answer.body["code"],
        answer.headers["Retry-After"],
    )
    reset = int(answer.headers["X-RateLimit-Reset"])
    assert 1000 <= reset - time.time() * 1000 <= 2100
    assert 0 == telnyx_wire.emu.stats.rate_limited
    assert 2 == telnyx_wire.emu.stats.faults_injected["rate_limited"]


async def test_drop_connection(telnyx_wire: TelnyxWire, catapult_wire: CatapultWire) -> None:
    """drop_connection closes the connection with no answer, before any work."""
    telnyx_wire.emu.faults = Faults(drop_connection=1.0)
    assert [aiohttp.ServerDisconnectedError] * 2 == await _create_both(telnyx_wire, catapult_wire)
    assert (0, 0) == _created(telnyx_wire.emu)
    telnyx_wire.emu.faults = Faults()
    assert [200, 201] == await _create_both(telnyx_wire, catapult_wire)


async def test_slow_answers_late_but_does_the_work(telnyx_wire: TelnyxWire) -> None:
    """slow answers after the delay; a client that gives up first still gets it done."""
    telnyx_wire.emu.faults = Faults(slow=1.0, slow_seconds=0.2)
    started = time.monotonic()
    await telnyx_wire.create()
    assert time.monotonic() - started >= 0.2
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.05):
            await telnyx_wire.create(name="given-up")
    for _ in range(50):
        if telnyx_wire.emu.stats.telnyx_conferences_created == 2:
            break
        await asyncio.sleep(0.02)
    assert ["given-up"] == [c["name"] for c in telnyx_wire.emu.telnyx_conferences()][1:]


async def test_html_error(telnyx_wire: TelnyxWire, catapult_wire: CatapultWire) -> None:
    """html_error is a 502 HTML page, as a proxy in front would send."""
    telnyx_wire.emu.faults = Faults(html_error=1.0)
    for answer in (
        await telnyx_wire.call("GET", "/conferences"),
        await catapult_wire.call("GET", "/conferences/c-1"),
    ):
        assert (502, "text/html") == (answer.status, answer.headers["Content-Type"])
        assert answer.body.startswith("<html>")


async def test_truncated_body_cuts_the_json_after_the_work(telnyx_wire: TelnyxWire) -> None:
    """truncated_body sends half the JSON body and closes; the conference exists."""
    telnyx_wire.emu.faults = Faults(truncated_body=1.0)
    with pytest.raises(aiohttp.ClientPayloadError):
        await telnyx_wire.create(name="cut")
    assert ["cut"] == [c["name"] for c in telnyx_wire.emu.telnyx_conferences()]
    answer_error = None
    try:
        await telnyx_wire.call("POST", "/conferences", {"name": "x"})
    except aiohttp.ClientPayloadError as exc:
        answer_error = exc
    assert answer_error is not None


async def test_truncated_body_on_a_bodiless_201_cuts_the_headers(
    catapult_wire: CatapultWire,
) -> None:
    """A Catapult 201 has no body, so the cut falls in its headers; the conference exists."""
    catapult_wire.emu.faults = Faults(truncated_body=1.0)
    with pytest.raises(aiohttp.ClientError):
        await catapult_wire.call("POST", "/conferences", {"from": FROM})
    assert 1 == len(catapult_wire.emu.catapult_conferences())


async def test_lost_after_success_creates_then_drops(
    telnyx_wire: TelnyxWire, catapult_wire: CatapultWire
) -> None:
    """lost_after_success does the work, then closes with no answer: the duplicate trap."""
    telnyx_wire.emu.faults = Faults(lost_after_success=1.0)
    body = {"call_control_id": new_ccid(), "name": "lost", "command_id": "cmd-1"}
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await telnyx_wire.call("POST", "/conferences", body)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await catapult_wire.call("POST", "/conferences", {"from": FROM})
    assert (1, 1) == _created(telnyx_wire.emu)
    [created] = telnyx_wire.emu.telnyx_conferences()
    telnyx_wire.emu.faults = Faults()
    retry = await telnyx_wire.call("POST", "/conferences", body)
    assert (200, created["id"]) == (retry.status, retry.body["data"]["id"])
    assert (1, 1) == (
        telnyx_wire.emu.stats.telnyx_conferences_created,
        telnyx_wire.emu.stats.duplicates_avoided,
    )
    careless = await telnyx_wire.call("POST", "/conferences", {**body, "command_id": "cmd-2"})
    assert ["90033"] == careless.codes


async def test_faults_spare_the_stats_endpoint(
    telnyx_wire: TelnyxWire, http_session: aiohttp.ClientSession
) -> None:
    """Faults apply to provider routes only, never to /_emulator/stats."""
    telnyx_wire.emu.faults = Faults(drop_connection=0.5, server_error=0.5)
    for _ in range(5):
        async with http_session.get(telnyx_wire.emu.stats_url) as response:
            assert 200 == response.status
    assert 0 == sum(telnyx_wire.emu.stats.faults_injected.values())


async def test_every_kind_is_counted(telnyx_wire: TelnyxWire) -> None:
    """Each injected fault is counted under its kind (POST: aiohttp retries a dropped GET)."""
    for kind in FAULT_KINDS:
        share: dict[str, Any] = {kind: 1.0}
        telnyx_wire.emu.faults = Faults(slow_seconds=0.01, **share)
        with contextlib.suppress(*BROKEN):
            await telnyx_wire.call("POST", "/conferences", {"name": kind})
    assert dict.fromkeys(FAULT_KINDS, 1) == dict(telnyx_wire.emu.stats.faults_injected)
