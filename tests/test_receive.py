"""Receiving deliveries, whatever the provider: verify, parse, de-duplicate, hand on once."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from typing import Any

import aiohttp
import attrs
import pytest

from conferencing import (
    ConfigurationError,
    Deduplicator,
    Delivery,
    EventPayloadError,
    StoreUnavailableError,
    WebhookReceiver,
    WebhookVerificationError,
)


@attrs.frozen
class Ping:
    """A stand-in event: what any provider's decoder returns has an id."""

    id: str
    n: int = 0


def decode(delivery: Delivery) -> Ping:
    """A stand-in decoder: the token header must be right, the body must be an object with an id."""
    if delivery.headers.get("X-Token") == "forged":
        raise WebhookVerificationError("the signature does not match", check="signature")
    if delivery.headers.get("X-Token") == "nobody":
        raise WebhookVerificationError("no credentials", check="credentials")
    source: Any = dict(delivery.query) if delivery.method == "GET" else json.loads(delivery.body)
    if not isinstance(source, dict) or "id" not in source:
        raise EventPayloadError("no id")
    return Ping(str(source["id"]), int(source.get("n", 0)))


def post(body: object, **headers: str) -> Delivery:
    return Delivery(method="POST", body=json.dumps(body).encode(), headers=headers)


async def test_a_new_event_is_accepted_and_handed_to_the_handler() -> None:
    """A good delivery gets 200 and reaches the handler once."""
    handled: list[Ping] = []

    async def handler(event: Ping) -> None:
        handled.append(event)

    async with WebhookReceiver(decode, handler=handler) as receiver:
        assert 200 == await receiver.receive(post({"id": "e-1"}))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
    assert [Ping("e-1")] == handled


async def test_a_redelivered_event_is_acknowledged_but_handed_on_once() -> None:
    """Providers redeliver: the repeat gets 200 (so it stops) and is not handled again."""
    handled: list[Ping] = []

    async def handler(event: Ping) -> None:
        handled.append(event)

    async with WebhookReceiver(decode, handler=handler) as receiver:
        statuses = [await receiver.receive(post({"id": "e-1", "n": n})) for n in range(3)]
    assert [200, 200, 200] == statuses
    assert [Ping("e-1", 0)] == handled
    assert 1 == receiver.counts["accepted"]
    assert 2 == receiver.counts["duplicate"]


async def test_without_dedupe_every_delivery_is_handed_on() -> None:
    """dedupe=None turns de-duplication off."""
    async with WebhookReceiver(decode, dedupe=None) as receiver:
        for _ in range(2):
            await receiver.receive(post({"id": "e-1"}))
    assert 2 == len(receiver.received)


@pytest.mark.parametrize(
    ("delivery", "status"),
    [
        (post({"id": "e-1"}, **{"X-Token": "forged"}), 403),
        (post({"id": "e-1"}, **{"X-Token": "nobody"}), 401),
        (post(["not", "an", "object"]), 400),
        (post({"no": "id"}), 400),
        (Delivery(method="POST", body=b"x" * (1024 * 1024 + 1)), 413),
    ],
    ids=["bad-signature", "bad-credentials", "not-an-object", "no-id", "too-large"],
)
async def test_refused_deliveries_get_a_4xx_and_reach_nobody(
    delivery: Delivery, status: int
) -> None:
    """Forged, unauthorised, malformed and oversized deliveries are answered 4xx and dropped."""
    handled: list[Ping] = []

    async def handler(event: Ping) -> None:
        handled.append(event)

    async with WebhookReceiver(decode, handler=handler) as receiver:
        assert status == await receiver.receive(delivery)
    assert [] == handled
    assert () == receiver.received


async def test_a_failing_handler_is_logged_and_the_receiver_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One event's handler raising does not stop later events."""
    handled: list[str] = []

    async def handler(event: Ping) -> None:
        if event.id == "bad":
            message = "boom"
            raise RuntimeError(message)
        handled.append(event.id)

    with caplog.at_level(logging.ERROR, logger="conferencing"):
        async with WebhookReceiver(decode, handler=handler) as receiver:
            await receiver.receive(post({"id": "bad"}))
            await receiver.receive(post({"id": "good"}))
    assert ["good"] == handled
    assert "webhook handler failed for event bad" in caplog.text


async def test_the_answer_does_not_wait_for_the_handler() -> None:
    """A slow handler runs in the background; the provider gets its 200 at once."""
    release = asyncio.Event()
    finished: list[str] = []

    async def handler(event: Ping) -> None:
        await release.wait()
        finished.append(event.id)

    async with WebhookReceiver(decode, handler=handler) as receiver:
        async with asyncio.timeout(1):
            assert 200 == await receiver.receive(post({"id": "e-1"}))
        assert [] == finished
        release.set()
    assert ["e-1"] == finished


async def test_wait_for_finds_an_event_already_received_or_still_to_come() -> None:
    """wait_for looks back over recent events, then waits for the next match."""
    async with WebhookReceiver(decode) as receiver:
        await receiver.receive(post({"id": "early", "n": 1}))
        assert "early" == (await receiver.wait_for(lambda e: e.n == 1, timeout=1)).id

        later = asyncio.create_task(receiver.wait_for(lambda e: e.n == 2, timeout=5))
        await asyncio.sleep(0.01)
        await receiver.receive(post({"id": "other", "n": 3}))
        await receiver.receive(post({"id": "late", "n": 2}))
        assert "late" == (await later).id


async def test_wait_for_times_out() -> None:
    """No matching event within the timeout is a TimeoutError, not a hang."""
    async with WebhookReceiver(decode) as receiver:
        with pytest.raises(TimeoutError):
            await receiver.wait_for(lambda e: e.id == "never", timeout=0.05)


async def test_async_for_sees_every_new_event_until_the_receiver_closes() -> None:
    """Iterating yields each accepted event once, in arrival order, and ends on close."""
    receiver = WebhookReceiver(decode)
    seen: list[str] = []

    async def consume() -> None:
        async for event in receiver:
            seen.append(event.id)  # noqa: PERF401 - the iteration is what is under test

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    for n in (1, 2, 1, 3):
        await receiver.receive(post({"id": f"e-{n}"}))
    await receiver.aclose()
    async with asyncio.timeout(1):
        await task
    assert ["e-1", "e-2", "e-3"] == seen


async def test_the_aiohttp_receiver_answers_over_http() -> None:
    """serve() runs a real endpoint: 200 for events, 4xx for refused ones, GETs from the query."""
    async with WebhookReceiver(decode) as receiver, receiver.serve() as url:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json={"id": "e-1"}) as ok:
                assert 200 == ok.status
            async with session.post(url, json={"id": "e-2"}, headers={"X-Token": "forged"}) as bad:
                assert 403 == bad.status
            async with session.post(
                url, json={"id": "e-3"}, headers={"X-Token": "nobody"}
            ) as anonymous:
                assert 401 == anonymous.status
                assert anonymous.headers["WWW-Authenticate"].startswith("Basic")
            async with session.get(url, params={"id": "e-4"}) as get:
                assert 200 == get.status
            async with session.post(url, data=io.BytesIO(b"x" * (1024 * 1024 + 10))) as huge:
                assert 413 == huge.status
        assert ["e-1", "e-4"] == [event.id for event in receiver.received]


class FailingClosed:
    """An event-id store that fails closed (as RedisStore with Redis away) while `away`."""

    def __init__(self) -> None:
        self.away = False
        self._ids = Deduplicator()

    async def claim(self, event_id: str) -> bool:
        if self.away:
            raise StoreUnavailableError(
                "the store did not answer: the event was not handed on", store="a store"
            )
        return await self._ids.claim(event_id)


async def test_an_unavailable_event_id_store_gets_503_and_one_warning_per_outage(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """StoreUnavailableError: 503, nothing handed on, one WARNING per outage, then 200 again."""
    store = FailingClosed()
    with caplog.at_level(logging.INFO, logger="conferencing"):
        async with WebhookReceiver(decode, dedupe=store) as receiver:
            store.away = True
            away = [await receiver.receive(post({"id": f"e-{n}"})) for n in (1, 1, 2)]
            store.away = False
            back = [await receiver.receive(post({"id": "e-1"})) for _ in range(2)]
            store.away = True
            again = await receiver.receive(post({"id": "e-3"}))
    assert ([503, 503, 503], [200, 200], 503) == (away, back, again)
    assert ["e-1"] == [event.id for event in receiver.received]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert 2 == len(warnings)
    assert "answered 503 and not handed on" in warnings[0]
    assert "the event was not handed on" in warnings[0]
    assert {"unavailable": 4, "accepted": 1, "duplicate": 1} == dict(receiver.counts)


async def test_the_deduplicator_forgets_after_its_ttl() -> None:
    """An id is a repeat within the ttl and new again after it."""
    store = Deduplicator(ttl=0.05)
    assert await store.claim("a")
    assert not await store.claim("a")
    await asyncio.sleep(0.1)
    assert await store.claim("a")


async def test_the_deduplicator_stays_bounded() -> None:
    """Past max_ids, the oldest ids are forgotten first."""
    store = Deduplicator(max_ids=3)
    for n in range(10):
        assert await store.claim(f"id-{n}")
    assert 3 == len(store)
    assert not await store.claim("id-9")
    assert await store.claim("id-0")


@pytest.mark.parametrize(
    "options",
    [{"ttl": 0}, {"ttl": float("nan")}, {"ttl": True}, {"max_ids": 0}, {"max_ids": 1.5}],
)
def test_the_deduplicator_refuses_unusable_options(options: dict[str, Any]) -> None:
    """A ttl or size that cannot work is refused when the store is built."""
    with pytest.raises(ConfigurationError):
        Deduplicator(**options)
