"""Cancellation and load: nothing leaks when work is cancelled, nothing deadlocks under load.

The emulator runs on its own loop in a thread (`EmulatorThread`), so every
task left on the test's loop belongs to the client side.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Final

import aiohttp
import pytest
from hardening_support import BOUND, FROM, RawServer, Received, ServeFn, other_tasks

from conferencing import (
    NO_RETRY,
    CatapultClient,
    ClientClosedError,
    ConferencingError,
    SessionPool,
    TelnyxClient,
    create_many,
)
from conferencing.emulator import Emulator, EmulatorThread, Faults

pytest_plugins = ["hardening_fixtures"]

#: Cancellation rounds per scenario: enough to hit every stage of an exchange.
ROUNDS: Final = 30
CALLEES: Final = ["+15550000001", "+15550000002", "+15550000003", "+15550000004"]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The emulator on its own loop; one request in three answers 30 ms late."""
    faults = Faults(seed=7, slow=0.35, slow_seconds=0.03)
    with EmulatorThread(Emulator(faults=faults)) as running:
        yield running


def clients(emu: Emulator, pool: SessionPool) -> tuple[TelnyxClient, CatapultClient]:
    """A client of each provider on the emulator, through `pool`, without retries."""
    tx = TelnyxClient(emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool, retry=NO_RETRY)
    cp = CatapultClient(
        emu.catapult_user_id,
        emu.catapult_api_token,
        emu.catapult_api_secret,
        base_url=emu.catapult_url,
        pool=pool,
        retry=NO_RETRY,
    )
    return tx, cp


async def settle() -> set[asyncio.Task[Any]]:
    """Give callbacks a few turns of the loop, then return the tasks still pending."""
    for _ in range(5):
        await asyncio.sleep(0)
    return other_tasks()


async def cancel_after(work: Awaitable[object], delay: float) -> None:
    """Start `work`, cancel it after `delay` seconds, and wait for it to end."""
    task = asyncio.ensure_future(work)
    await asyncio.sleep(delay)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConferencingError):
        await task


@contextlib.asynccontextmanager
async def watched_pool(max_connections: int) -> AsyncIterator[SessionPool]:
    """A pool whose sessions must all be closed, with connectors, once it is."""
    pool = SessionPool(max_connections=max_connections, timeout=BOUND)
    try:
        yield pool
    finally:
        sessions = [origin.session for origin in pool._origins.values()]
        await pool.aclose()
        assert all(session.closed for session in sessions)
        assert all(s.connector is None or s.connector.closed for s in sessions)
        gc.collect()


async def assert_still_serves(pool: SessionPool, tx: TelnyxClient, cp: CatapultClient) -> None:
    """Every connection slot is free again, and both clients still work."""
    for origin in pool._origins.values():
        assert pool.max_connections == origin.slots.free
    async with asyncio.timeout(BOUND):
        await tx.create_conference(call_control_id="v3:after-the-storm", name="After")
        await cp.create_conference(from_=FROM)


async def test_cancelling_creates_at_random_points_leaks_nothing(emulator: Emulator) -> None:
    """Creates cancelled at random moments leave no task, no held slot, no open session."""
    rng = random.Random(20240601)  # noqa: S311 - reproducible delays, not secrets
    async with watched_pool(max_connections=2) as pool:
        tx, cp = clients(emulator, pool)
        async with asyncio.timeout(60):
            for n in range(ROUNDS):
                await cancel_after(
                    tx.create_conference(call_control_id=f"v3:cancel-{n}", name=f"c{n}"),
                    rng.uniform(0, 0.04),
                )
                await cancel_after(cp.create_conference(from_=FROM), rng.uniform(0, 0.04))
            assert set() == await settle()
            await assert_still_serves(pool, tx, cp)
    assert set() == await settle()


async def test_cancelling_while_queued_for_a_connection_frees_every_slot(
    emulator: Emulator,
) -> None:
    """Requests cancelled while waiting for the one connection give their place back."""
    async with watched_pool(max_connections=1) as pool:
        tx, cp = clients(emulator, pool)
        async with asyncio.timeout(60):
            for _ in range(5):
                tasks = [
                    asyncio.ensure_future(
                        tx.create_conference(call_control_id=f"v3:queued-{n}", name=f"q{n}")
                    )
                    for n in range(20)
                ]
                await asyncio.sleep(0.01)
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
            assert set() == await settle()
            await assert_still_serves(pool, tx, cp)


async def test_cancelling_recipes_at_random_points_leaks_nothing(emulator: Emulator) -> None:
    """Both start_conference_call recipes, cancelled at random moments, leave no task behind."""
    rng = random.Random(99)  # noqa: S311 - reproducible delays, not secrets
    async with watched_pool(max_connections=4) as pool:
        tx, cp = clients(emulator, pool)
        async with asyncio.timeout(60):
            for n in range(ROUNDS // 2):
                legs = [f"v3:recipe-{n}-{leg}" for leg in range(5)]
                await cancel_after(
                    tx.start_conference_call(name=f"r{n}", call_control_ids=legs),
                    rng.uniform(0, 0.06),
                )
                await cancel_after(
                    cp.start_conference_call(from_=FROM, to=CALLEES), rng.uniform(0, 0.08)
                )
            assert set() == await settle()
            await assert_still_serves(pool, tx, cp)


async def consume(run: Any, seen: list[object]) -> None:
    """Read a bulk run inside `async with`, as documented."""
    async with run:
        seen.extend([result async for result in run])


async def test_cancelling_a_bulk_consumer_at_random_points_leaks_nothing(
    emulator: Emulator,
) -> None:
    """A create_many consumer cancelled at random moments takes every worker with it."""
    rng = random.Random(4242)  # noqa: S311 - reproducible delays, not secrets
    async with watched_pool(max_connections=4) as pool:
        tx, cp = clients(emulator, pool)
        async with asyncio.timeout(60):
            for n in range(ROUNDS // 2):
                seen: list[object] = []
                rows = [
                    {"call_control_id": f"v3:bulk-{n}-{i}", "name": f"b{n}-{i}"} for i in range(40)
                ]
                await cancel_after(
                    consume(create_many(tx, rows, concurrency=8), seen), rng.uniform(0, 0.05)
                )
                await cancel_after(
                    consume(create_many(cp, [{"from_": FROM}] * 40, concurrency=8), seen),
                    rng.uniform(0, 0.05),
                )
                assert set() == await settle()
            await assert_still_serves(pool, tx, cp)


async def test_stopping_a_bulk_run_early_leaks_nothing(emulator: Emulator) -> None:
    """Leaving `async with create_many(...)` after a few results cancels the rest; no task stays."""
    async with watched_pool(max_connections=4) as pool:
        tx, _cp = clients(emulator, pool)
        rows = ({"call_control_id": f"v3:early-{i}", "name": f"e{i}"} for i in range(1000))
        async with asyncio.timeout(BOUND):
            async with create_many(tx, rows, concurrency=16) as run:
                async for result in run:
                    if result.index >= 5:
                        break
            assert set() == await settle()


# --- Load -------------------------------------------------------------------------


async def peak_connections(pool: SessionPool, stop: asyncio.Event, peak: list[int]) -> None:
    """Record the most connections any origin of `pool` had in use at once."""
    while not stop.is_set():
        for origin in pool._origins.values():
            connector = origin.session.connector
            if isinstance(connector, aiohttp.TCPConnector):
                peak[0] = max(peak[0], len(connector._acquired))
            if origin.fast is not None:  # the lean transport's own connections
                peak[0] = max(peak[0], origin.fast.in_use)
        await asyncio.sleep(0.001)


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
async def test_a_thousand_concurrent_creates_through_ten_connections(kind: str) -> None:
    """1,000 creates at once through a pool of 10 connections all complete; none is lost."""
    with EmulatorThread(Emulator()) as emu:
        async with watched_pool(max_connections=10) as pool:
            tx, cp = clients(emu, pool)

            def create(n: int) -> Awaitable[object]:
                if kind == "telnyx":
                    return tx.create_conference(call_control_id=f"v3:load-{n}", name=f"l{n}")
                return cp.create_conference(from_=FROM)

            stop, peak = asyncio.Event(), [0]
            watcher = asyncio.create_task(peak_connections(pool, stop, peak))
            try:
                async with asyncio.timeout(120):
                    results = await asyncio.gather(*(create(n) for n in range(1000)))
            finally:
                stop.set()
                await watcher
            assert 1000 == len({getattr(r, "id", None) for r in results})
            assert 1 <= peak[0] <= 10
        stats = emu.stats
    created = (
        stats.telnyx_conferences_created if kind == "telnyx" else stats.catapult_conferences_created
    )
    assert 1000 == created
    assert set() == await settle()


# --- Closed pools and clients ----------------------------------------------------------


async def test_a_closed_pool_refuses_every_kind_of_work(emulator: Emulator) -> None:
    """After the pool closes, creates, reads, recipes and bulk runs all meet ClientClosedError."""
    pool = SessionPool()
    tx, cp = clients(emulator, pool)
    await tx.create_conference(call_control_id="v3:before-close", name="Before")
    await pool.aclose()
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: tx.create_conference(call_control_id="v3:after", name="After"),
        lambda: tx.get_conference("c-1"),
        lambda: tx.start_conference_call(name="n", call_control_ids=["v3:a", "v3:b"]),
        lambda: cp.create_conference(from_=FROM),
        lambda: cp.get_conference("c-1"),
        lambda: cp.start_conference_call(from_=FROM, to=CALLEES[:3]),
    ]
    for attempt in attempts:
        with pytest.raises(ClientClosedError, match="closed"):
            async with asyncio.timeout(BOUND):
                await attempt()
    async with create_many(tx, [{"call_control_id": "v3:x", "name": "x"}] * 3) as run:
        errors = [result.error async for result in run]
    assert 3 == len(errors)
    assert all(isinstance(error, ClientClosedError) for error in errors)
    with pytest.raises(ClientClosedError):
        async with pool:
            pass
    assert tx.closed
    assert cp.closed
    assert set() == await settle()


async def test_a_closed_client_refuses_new_work(emulator: Emulator) -> None:
    """A client after its own `async with`, or without a pool, raises ClientClosedError."""
    async with TelnyxClient(emulator.telnyx_api_key, base_url=emulator.telnyx_url) as tx:
        await tx.create_conference(call_control_id="v3:inside", name="Inside")
    with pytest.raises(ClientClosedError):
        await tx.create_conference(call_control_id="v3:outside", name="Outside")
    with pytest.raises(ClientClosedError):
        async with tx:
            pass
    loose = CatapultClient(
        emulator.catapult_user_id,
        emulator.catapult_api_token,
        emulator.catapult_api_secret,
        base_url=emulator.catapult_url,
    )
    with pytest.raises(ClientClosedError, match="pool"):
        await loose.create_conference(from_=FROM)
    gc.collect()


async def hold_forever(
    server: RawServer,
    _reader: asyncio.StreamReader,
    _writer: asyncio.StreamWriter,
    _received: Received,
) -> None:
    """Read the request, never answer."""
    await server.stopped.wait()


async def test_closing_the_pool_under_in_flight_requests_fails_them_typed(serve: ServeFn) -> None:
    """Requests in flight or queued when the pool closes fail typed, promptly, leaving no task."""
    server = await serve(hold_forever)
    pool = SessionPool(max_connections=4, timeout=BOUND)
    tx = TelnyxClient("sk-inflight", base_url=server.origin + "/v2", pool=pool, retry=NO_RETRY)
    tasks = [
        asyncio.ensure_future(tx.create_conference(call_control_id=f"v3:f{n}", name=f"f{n}"))
        for n in range(12)
    ]
    async with asyncio.timeout(BOUND):
        await server.wait_for_requests(4)
        await pool.aclose()
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    for outcome in outcomes:
        assert isinstance(outcome, ConferencingError), repr(outcome)
    assert set() == await settle()
    gc.collect()
