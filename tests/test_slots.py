"""The pool's first-in first-out queue for connections."""

from __future__ import annotations

import asyncio

from conferencing._pool import _Slots


async def test_waiters_are_served_in_arrival_order() -> None:
    """A freed slot goes to the request that has waited longest, not to a newcomer."""
    slots = _Slots(1)
    order: list[int] = []
    release = asyncio.Event()

    async def hold(n: int) -> None:
        await slots.acquire()
        order.append(n)
        await release.wait()
        slots.release()

    first = asyncio.create_task(hold(0))
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(hold(n)) for n in range(1, 6)]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *waiters)

    assert [0, 1, 2, 3, 4, 5] == order
    assert 1 == slots.free


async def test_a_newcomer_queues_behind_waiters() -> None:
    """While anyone waits, a new request does not take a slot ahead of them."""
    slots = _Slots(1)
    await slots.acquire()
    waiter = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)

    slots.release()  # handed straight to the waiter
    newcomer = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)

    assert waiter.done()
    assert not newcomer.done()
    slots.release()
    await asyncio.wait_for(newcomer, 1)
    slots.release()
    assert 1 == slots.free


async def test_cancelled_waiters_give_back_every_slot() -> None:
    """Cancelling queued requests, before or after a slot reached them, loses no slot."""
    slots = _Slots(2)
    await slots.acquire()
    await slots.acquire()
    queued = [asyncio.create_task(slots.acquire()) for _ in range(4)]
    await asyncio.sleep(0)

    queued[0].cancel()  # cancelled while waiting
    slots.release()  # handed to queued[1]...
    queued[1].cancel()  # ...which is cancelled before it runs: it passes the slot on
    await asyncio.gather(*queued[:3], return_exceptions=True)

    assert not queued[2].cancelled()
    assert not queued[3].done()
    slots.release()  # the other first holder leaves
    await asyncio.wait_for(queued[3], 1)
    slots.release()  # queued[2] leaves
    slots.release()  # queued[3] leaves
    assert 2 == slots.free
    assert 0 == slots.waiting
