"""Timeouts reach every request: the pool's default, and a client's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from conferencing import NO_RETRY, RequestTimeout, SessionPool, TelnyxClient


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
    """A client without its own timeout is bounded by its pool's."""
    async with SessionPool(timeout=0.3) as pool:
        client = TelnyxClient(api_key="KEY", base_url=silent_server, pool=pool, retry=NO_RETRY)
        async with asyncio.timeout(10):
            with pytest.raises(RequestTimeout):
                await client.create_conference(call_control_id="v3:a", name="B")


async def test_a_clients_timeout_overrides_the_pools(silent_server: str) -> None:
    """A client's timeout wins over a longer pool default."""
    async with SessionPool(timeout=60) as pool:
        client = TelnyxClient(
            api_key="KEY", base_url=silent_server, pool=pool, retry=NO_RETRY, timeout=0.3
        )
        async with asyncio.timeout(10):
            with pytest.raises(RequestTimeout):
                await client.create_conference(call_control_id="v3:a", name="B")
