"""Timeouts reach every request: the pool's default, and a client's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from conferencing import (
    NO_RETRY,
    OutcomeUnknownError,
    RequestTimeout,
    SessionPool,
    TelnyxClient,
)


def timed_out(error: object) -> RequestTimeout:
    """The RequestTimeout behind a create's unknown outcome, checked to be its sent last error."""
    assert OutcomeUnknownError is type(error), repr(error)
    assert isinstance(error, OutcomeUnknownError)
    last = error.last_error
    assert isinstance(last, RequestTimeout), repr(last)
    assert error.__cause__ is last
    assert last.request_sent
    assert isinstance(error.command_id, str)
    assert error.command_id
    return last


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """A server that accepts connections, reads, and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}/v2"
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_the_pools_timeout_applies_when_the_client_sets_none(silent_server: str) -> None:
    """A client without a timeout is bounded by its pool's: a create ends on its RequestTimeout."""
    async with SessionPool(timeout=0.3) as pool:
        client = TelnyxClient(api_key="KEY", base_url=silent_server, pool=pool, retry=NO_RETRY)
        async with asyncio.timeout(10):
            with pytest.raises(OutcomeUnknownError) as caught:
                await client.create_conference(call_control_id="v3:a", name="B")
    assert "within 0.3 s" in str(timed_out(caught.value))


async def test_a_clients_timeout_overrides_the_pools(silent_server: str) -> None:
    """A client's timeout wins over a longer pool default: a create ends in its RequestTimeout."""
    async with SessionPool(timeout=60) as pool:
        client = TelnyxClient(
            api_key="KEY", base_url=silent_server, pool=pool, retry=NO_RETRY, timeout=0.3
        )
        async with asyncio.timeout(10):
            with pytest.raises(OutcomeUnknownError) as caught:
                await client.create_conference(call_control_id="v3:a", name="B")
    assert "within 0.3 s" in str(timed_out(caught.value))


@pytest.fixture
async def slow_server() -> AsyncIterator[str]:
    """A Telnyx-shaped server that answers each request after `?` seconds named in its path."""
    answer = (
        b'{"data":{"id":"c-1","name":"B","created_at":"2019-01-23T18:10:02.574Z",'
        b'"expires_at":"2019-01-23T18:10:02.574Z"}}'
    )

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while request := await reader.readuntil(b"\r\n\r\n"):
                head = request.decode("latin-1")
                path = head.split(" ", 2)[1]
                length = next(
                    int(line.split(":", 1)[1])
                    for line in head.split("\r\n")
                    if line.lower().startswith("content-length:")
                )
                await reader.readexactly(length)
                await asyncio.sleep(float(path.rsplit("/", 2)[-2]))
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


def _client(pool: SessionPool, origin: str, delay: float, timeout: float | None) -> TelnyxClient:
    # The server reads its delay from the path: {origin}/{delay}/conferences.
    return TelnyxClient(
        api_key="KEY", base_url=f"{origin}/{delay}", pool=pool, retry=NO_RETRY, timeout=timeout
    )


async def test_a_timed_out_request_leaves_its_task_uncancelled(slow_server: str) -> None:
    """After a create's RequestTimeout the caller's task is not left cancelling, and awaits on."""
    async with SessionPool(timeout=0.2) as pool:
        slow = _client(pool, slow_server, 5, None)
        async with asyncio.timeout(10):
            with pytest.raises(OutcomeUnknownError) as caught:
                await slow.create_conference(call_control_id="v3:a", name="B")
            task = asyncio.current_task()
            assert task is not None
            assert 0 == task.cancelling()
            await asyncio.sleep(0.05)  # no stray cancellation arrives later
            fast = _client(pool, slow_server, 0, None)
            assert "c-1" == (await fast.create_conference(call_control_id="v3:a", name="B")).id
    assert "within 0.2 s" in str(timed_out(caught.value))


async def test_requests_that_finish_in_time_are_never_cancelled_later(slow_server: str) -> None:
    """A deadline belongs to its request: once the answer is in, nothing fires for it."""
    async with SessionPool(timeout=0.3) as pool:
        client = _client(pool, slow_server, 0.05, None)
        async with asyncio.timeout(10):
            for _ in range(3):
                await client.create_conference(call_control_id="v3:a", name="B")
            await asyncio.sleep(0.5)  # past every deadline of the requests above


async def test_each_timeout_length_holds_for_its_own_requests(slow_server: str) -> None:
    """On one origin, a short timeout ends its creates unknown while a long one's completes."""
    async with SessionPool(timeout=5) as pool:
        impatient = _client(pool, slow_server, 0.5, 0.1)
        patient = _client(pool, slow_server, 0.5, 2)
        async with asyncio.timeout(10):
            outcomes = await asyncio.gather(
                impatient.create_conference(call_control_id="v3:a", name="B"),
                patient.create_conference(call_control_id="v3:a", name="B"),
                impatient.create_conference(call_control_id="v3:a", name="B"),
                return_exceptions=True,
            )
    assert "within 0.1 s" in str(timed_out(outcomes[0]))
    assert "c-1" == getattr(outcomes[1], "id", None)
    assert "within 0.1 s" in str(timed_out(outcomes[2]))


async def test_a_callers_cancellation_is_not_a_timeout(slow_server: str) -> None:
    """Cancelling a request under way raises CancelledError, not RequestTimeout."""
    async with SessionPool(timeout=0.1) as pool:
        client = _client(pool, slow_server, 5, None)
        request = asyncio.create_task(client.create_conference(call_control_id="v3:a", name="B"))
        await asyncio.sleep(0.05)
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        assert request.cancelled()


async def test_a_timeout_inside_the_callers_own_timeout_stays_ours(slow_server: str) -> None:
    """Our RequestTimeout (behind a create's unknown outcome) and the caller's each stay theirs."""
    async with SessionPool(timeout=0.1) as pool:
        client = _client(pool, slow_server, 5, None)
        with pytest.raises(OutcomeUnknownError) as ours:
            async with asyncio.timeout(5):
                await client.create_conference(call_control_id="v3:a", name="B")
        timed_out(ours.value)
        with pytest.raises(TimeoutError) as caught:
            async with asyncio.timeout(0.05):
                await client.create_conference(call_control_id="v3:a", name="B")
        assert not isinstance(caught.value, RequestTimeout)


async def test_many_per_call_timeout_lengths_keep_the_pools_deadlines_few(
    silent_server: str,
) -> None:
    """Per-call timeouts of 60 different lengths leave at most 16 deadline timers per origin."""
    async with SessionPool() as pool:
        client = TelnyxClient(api_key="KEY", base_url=silent_server, pool=pool, retry=NO_RETRY)
        for step in range(60):
            # Each ends on its own timeout: the timer of its length fires and goes idle.
            with pytest.raises(OutcomeUnknownError) as caught:
                async with asyncio.timeout(10):
                    await client.create_conference(
                        call_control_id="v3:a", name="B", timeout=0.01 + step / 10_000
                    )
            timed_out(caught.value)
        origin = next(iter(pool._origins.values()))
        assert len(origin.deadlines) <= 16
