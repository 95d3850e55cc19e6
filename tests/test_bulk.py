"""create_many: one outcome per item, lazily read, cancellable, summarised."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses

from conferencing import (
    NO_RETRY,
    ConferenceNameConflictError,
    SessionPool,
    TelnyxClient,
    ValidationError,
    create_many,
    telnyx,
)

TX_URL = "https://api.telnyx.com/v2/conferences"


def conference(name: str) -> dict[str, Any]:
    return {
        "data": {
            "record_type": "conference",
            "id": f"id-{name}",
            "name": name,
            "created_at": "2019-01-23T18:10:02.574Z",
            "expires_at": "2019-01-23T22:10:02.574Z",
        }
    }


@pytest.fixture
async def client() -> AsyncIterator[TelnyxClient]:
    async with SessionPool() as pool:
        yield TelnyxClient(api_key="KEY", pool=pool, retry=NO_RETRY)


async def test_every_item_gets_exactly_one_result(http: aioresponses, client: TelnyxClient) -> None:
    """Successes and failures alike come back once each, with their index and request."""
    http.post(TX_URL, payload=conference("a"))
    http.post(TX_URL, status=422, payload={"errors": [{"code": "90033", "title": "conflict"}]})
    http.post(TX_URL, payload=conference("c"))
    requests: list[object] = [
        telnyx.CreateConferenceRequest(call_control_id="v3:a", name="a"),
        {"call_control_id": "v3:b", "name": "b"},
        {"call_control_id": "v3:c", "max_participants": 1, "name": "c"},
        {"call_control_id": "v3:d", "nmae": "typo"},
        telnyx.CreateConferenceRequest(call_control_id="v3:c", name="c"),
    ]

    async with create_many(client, requests, concurrency=1) as run:
        results = [result async for result in run]

    assert [0, 1, 2, 3, 4] == sorted(r.index for r in results)
    by_index = {r.index: r for r in results}
    assert all(by_index[i].request is requests[i] for i in range(5))
    first = by_index[0]
    assert first.ok
    assert "id-a" == first.conference.id
    assert isinstance(by_index[1].error, ConferenceNameConflictError)
    assert isinstance(by_index[2].error, ValidationError)
    assert "max_participants" == by_index[2].error.field
    assert isinstance(by_index[3].error, ValidationError)
    assert "nmae" in str(by_index[3].error)
    assert by_index[4].ok
    assert (2, 3) == (run.summary.created, run.summary.failed)
    assert {"ValidationError": 2, "ConferenceNameConflictError": 1} == dict(run.summary.errors)
    assert run.summary.elapsed > 0


async def test_results_arrive_in_completion_order(http: aioresponses, client: TelnyxClient) -> None:
    """A slow first item does not hold back the ones after it."""

    async def answer(url: object, **kwargs: Any) -> CallbackResult:
        name = json.loads(kwargs["data"])["name"]
        if name == "slow":
            await asyncio.sleep(0.2)
        return CallbackResult(payload=conference(name))

    # One matcher for both: aioresponses cannot pair concurrent requests with
    # one-shot matchers.
    http.post(TX_URL, callback=answer, repeat=True)
    requests = [{"call_control_id": "v3:a", "name": n} for n in ("slow", "fast")]

    async with create_many(client, requests, concurrency=2) as run:
        order = [result.index async for result in run]

    assert [1, 0] == order


async def test_input_is_read_lazily(http: aioresponses, client: TelnyxClient) -> None:
    """Only about `concurrency` items are taken from the input ahead of the results."""
    http.post(TX_URL, payload=conference("x"), repeat=True)
    pulled = 0

    def endless() -> Iterator[dict[str, str]]:
        nonlocal pulled
        while True:
            pulled += 1
            yield {"call_control_id": "v3:a", "name": f"n{pulled}"}

    async with create_many(client, endless(), concurrency=4) as run:
        seen = 0
        async for _ in run:
            seen += 1
            if seen == 20:
                break

    # In flight (4) plus results buffered (4) plus one each worker holds.
    assert pulled <= seen + 3 * 4


async def test_async_iterable_input(http: aioresponses, client: TelnyxClient) -> None:
    """An async generator feeds the run like a list does."""
    http.post(TX_URL, payload=conference("x"), repeat=True)

    async def source() -> AsyncIterator[dict[str, str]]:
        for n in range(10):
            await asyncio.sleep(0)
            yield {"call_control_id": "v3:a", "name": f"n{n}"}

    async with create_many(client, source(), concurrency=3) as run:
        indexes = sorted([result.index async for result in run])

    assert list(range(10)) == indexes
    assert 10 == run.summary.created


async def test_cancelling_the_consumer_cancels_in_flight_work(
    http: aioresponses, client: TelnyxClient
) -> None:
    """Cancelling the task that iterates leaves no bulk worker behind."""
    started = asyncio.Event()

    async def hang(url: object, **kwargs: Any) -> CallbackResult:
        started.set()
        await asyncio.sleep(60)
        return CallbackResult(payload=conference("never"))

    http.post(TX_URL, callback=hang, repeat=True)
    requests = ({"call_control_id": "v3:a", "name": f"n{n}"} for n in range(100))

    async def consume() -> None:
        async for _ in create_many(client, requests, concurrency=8):
            pass

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    leftovers = [t for t in asyncio.all_tasks() if t.get_name().startswith("conferencing-bulk-")]
    assert [] == [t for t in leftovers if not t.done()]


async def test_an_input_that_fails_stops_the_run_with_its_error(
    http: aioresponses, client: TelnyxClient
) -> None:
    """An exception raised by the input itself reaches the consumer."""
    http.post(TX_URL, payload=conference("x"), repeat=True)

    def broken() -> Iterator[dict[str, str]]:
        yield {"call_control_id": "v3:a", "name": "fine"}
        message = "the input file went away"
        raise OSError(message)

    async def drain() -> None:
        async with create_many(client, broken(), concurrency=1) as run:
            async for _ in run:
                pass

    with pytest.raises(OSError, match="went away"):
        await drain()


async def test_concurrency_must_be_positive(client: TelnyxClient) -> None:
    """A concurrency below one is refused up front."""
    with pytest.raises(ValidationError, match="concurrency"):
        create_many(client, [], concurrency=0)


async def test_an_empty_input_ends_at_once(client: TelnyxClient) -> None:
    """No items, no results, a zero summary."""
    async with create_many(client, [], concurrency=4) as run:
        assert [] == [result async for result in run]
    assert 0 == run.summary.total
