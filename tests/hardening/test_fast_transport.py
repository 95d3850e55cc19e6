"""The lean transport: chosen where it does what aiohttp would, and answering as aiohttp does."""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from typing import Any, Literal

import aiohttp
import pytest
from aioresponses import aioresponses
from aioresponses import core as aioresponses_core
from hardening_support import (
    TELNYX_CONFERENCE,
    RawServer,
    Received,
    ServeFn,
    answer,
    raw,
    secrets_in,
    telnyx_client,
)

from conferencing import ClientClosedError, ResponseDecodeError, SessionPool, TransportError
from conferencing._fast import MAX_HEAD_BYTES

pytest_plugins = ["hardening_fixtures"]

CONFERENCE_JSON = json.dumps({"data": TELNYX_CONFERENCE}).encode()
TRANSPORTS = ["auto", "aiohttp"]


def keep_alive(data: bytes) -> Any:
    """Answer every request on a connection with `data`, keeping the connection open."""
    return raw(data, close=False)


def fast_of(pool: SessionPool) -> Any:
    """The lean transport of the pool's one origin (None when it takes aiohttp's path)."""
    [origin] = pool._origins.values()
    return origin.fast


@pytest.mark.lean_transport
async def test_the_default_pool_sends_on_the_lean_transport_and_reuses_one_connection(
    serve: ServeFn,
) -> None:
    """Ten creates in a row go out on one kept-alive connection of ours, none through aiohttp."""
    server = await serve(keep_alive(answer(200, CONFERENCE_JSON)))
    async with SessionPool() as pool:
        tx = telnyx_client(server, pool)
        for n in range(10):
            conference = await tx.create_conference(call_control_id="v3:a", name=f"n{n}")
            assert TELNYX_CONFERENCE["id"] == conference.id
        fast = fast_of(pool)
        assert fast is not None
        assert 1 == fast.open
        [origin] = pool._origins.values()
        connector = origin.session.connector
        assert isinstance(connector, aiohttp.TCPConnector)
        assert 0 == len(connector._conns)
    assert 1 == server.connections
    assert 10 == len(server.requests)


async def test_the_request_on_the_wire_is_what_aiohttp_would_send(serve: ServeFn) -> None:
    """Request line, Host, credentials, JSON headers and Content-Length match aiohttp's request."""
    server = await serve(keep_alive(answer(200, CONFERENCE_JSON)))
    for transport in TRANSPORTS:
        async with SessionPool(transport=transport) as pool:  # type: ignore[arg-type]
            await telnyx_client(server, pool).create_conference(
                call_control_id="v3:a", name="B", command_id="c-1"
            )
    ours, theirs = server.requests
    assert theirs.request_line == ours.request_line
    assert theirs.body == ours.body
    for name in (
        "host",
        "authorization",
        "content-type",
        "accept",
        "user-agent",
        "content-length",
        "accept-encoding",
    ):
        assert theirs.header(name) == ours.header(name), name


@pytest.mark.parametrize(
    "make_pool",
    [
        lambda: SessionPool(transport="aiohttp"),
        lambda: SessionPool(proxy="http://127.0.0.1:9"),
        lambda: SessionPool(trust_env=True),
        lambda: SessionPool(connector_options={"force_close": True}),
    ],
    ids=["asked", "proxy", "env-proxy", "connector_options"],
)
async def test_aiohttps_path_is_kept_wherever_the_lean_transport_would_differ(
    make_pool: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A proxy (given or from the environment), connector options or the switch: aiohttp's path."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with make_pool() as pool:
        pool._origin("http://127.0.0.1:9")
        assert None is fast_of(pool)


class _CompatResponse(aiohttp.ClientResponse):
    """aioresponses 0.7.x builds responses without the `stream_writer` aiohttp 3.14 requires."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _SentWriter())
        super().__init__(*args, **kwargs)


class _SentWriter:
    output_size = 0


@pytest.mark.lean_transport
async def test_trust_env_without_a_proxy_for_the_host_keeps_the_lean_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With trust_env, a host NO_PROXY exempts (or no proxy variable at all) is sent on ours."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with SessionPool(trust_env=True) as pool:
        pool._origin("http://127.0.0.1:9")
        assert None is not fast_of(pool)


@pytest.mark.lean_transport
async def test_aioresponses_started_after_the_pool_still_mocks_every_request(
    serve: ServeFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With aiohttp's request path mocked, requests go to the mock; afterwards, to the server."""
    monkeypatch.setattr(aioresponses_core, "ClientResponse", _CompatResponse)
    server = await serve(keep_alive(answer(200, CONFERENCE_JSON)))
    async with SessionPool() as pool:
        tx = telnyx_client(server, pool)
        await tx.create_conference(call_control_id="v3:a", name="first")
        mocked_conference = {**TELNYX_CONFERENCE, "id": "mocked"}
        with aioresponses() as mocked:
            mocked.post(f"{server.origin}/v2/conferences", payload={"data": mocked_conference})
            conference = await tx.create_conference(call_control_id="v3:a", name="mocked")
        assert "mocked" == conference.id
        again = await tx.create_conference(call_control_id="v3:a", name="after")
        assert TELNYX_CONFERENCE["id"] == again.id
    assert ["first", "after"] == [r.json()["name"] for r in server.requests]


def _compressed(encoding: str, data: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(data)
    return zlib.compress(data)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_compressed_answer_is_decoded(
    serve: ServeFn, transport: Literal["auto", "aiohttp"], encoding: str
) -> None:
    """A gzip or deflate body is decompressed before it is decoded, on either transport."""
    body = _compressed(encoding, CONFERENCE_JSON)
    server = await serve(keep_alive(answer(200, body, {"Content-Encoding": encoding})))
    async with SessionPool(transport=transport) as pool:
        conference = await telnyx_client(server, pool).create_conference(
            call_control_id="v3:a", name="B"
        )
    assert TELNYX_CONFERENCE["id"] == conference.id


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_compressed_answer_over_the_cap_is_refused_without_inflating_it_all(
    serve: ServeFn, transport: Literal["auto", "aiohttp"]
) -> None:
    """64 MiB of zeros in a small gzip body are refused as too large, on either transport."""
    bomb = gzip.compress(b"0" * (64 * 1024 * 1024))
    server = await serve(keep_alive(answer(200, bomb, {"Content-Encoding": "gzip"})))
    async with SessionPool(transport=transport) as pool:
        with pytest.raises(ResponseDecodeError, match="larger than 1048576 bytes"):
            await telnyx_client(server, pool).get_conference("c-1")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_chunked_and_until_close_answers_are_read_whole(
    serve: ServeFn, transport: Literal["auto", "aiohttp"]
) -> None:
    """A chunked answer, and one ended by closing the connection, both decode."""
    half = len(CONFERENCE_JSON) // 2
    chunked = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"%x\r\n%s\r\n" % (half, CONFERENCE_JSON[:half])
        + b"%x\r\n%s\r\n" % (len(CONFERENCE_JSON) - half, CONFERENCE_JSON[half:])
        + b"0\r\n\r\n"
    )
    until_close = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        + CONFERENCE_JSON
    )
    for data, close in ((chunked, False), (until_close, True)):
        server = await serve(raw(data, close=close))
        async with SessionPool(transport=transport) as pool:
            conference = await telnyx_client(server, pool).get_conference("c-1")
        assert TELNYX_CONFERENCE["id"] == conference.id


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_an_interim_100_continue_is_skipped(
    serve: ServeFn, transport: Literal["auto", "aiohttp"]
) -> None:
    """A 100 Continue before the answer is not the answer."""
    server = await serve(
        keep_alive(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(200, CONFERENCE_JSON))
    )
    async with SessionPool(transport=transport) as pool:
        conference = await telnyx_client(server, pool).get_conference("c-1")
    assert TELNYX_CONFERENCE["id"] == conference.id


@pytest.mark.lean_transport
async def test_connection_close_opens_a_new_connection_for_the_next_request(
    serve: ServeFn,
) -> None:
    """An answer saying `Connection: close` is not followed by reuse of that connection."""
    server = await serve(raw(answer(200, CONFERENCE_JSON, close=True), close=True))
    async with SessionPool() as pool:
        tx = telnyx_client(server, pool)
        for _ in range(3):
            await tx.get_conference("c-1")
    assert 3 == server.connections


@pytest.mark.lean_transport
async def test_a_kept_connection_the_server_closed_meanwhile_is_not_reused(
    serve: ServeFn,
) -> None:
    """A server closing an idle kept-alive connection costs a new connection, not a failure."""
    server = await serve(raw(answer(200, CONFERENCE_JSON), close=True))
    async with SessionPool() as pool:
        tx = telnyx_client(server, pool)
        await tx.get_conference("c-1")
        await asyncio.sleep(0.1)  # the server's close reaches the client
        await tx.get_conference("c-1")
    assert 2 == server.connections


@pytest.mark.lean_transport
async def test_an_endless_head_is_a_transport_error_without_secrets(serve: ServeFn) -> None:
    """On the lean transport, a head over 64 KiB is a TransportError naming no secret."""
    filler = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"y" * 1000) for n in range(100))
    assert len(filler) > MAX_HEAD_BYTES
    server = await serve(raw(b"HTTP/1.1 200 OK\r\n" + filler + b"Content-Length: 2\r\n\r\n{}"))
    async with SessionPool() as pool:
        with pytest.raises(TransportError) as caught:
            await telnyx_client(server, pool).get_conference("c-1")
    assert [] == secrets_in(repr(caught.value) + str(caught.value))


async def test_closing_the_pool_under_requests_fails_them_as_closed(serve: ServeFn) -> None:
    """Requests waiting for answers when the pool closes end in ClientClosedError."""
    arrived = asyncio.Event()

    async def hold(
        server: RawServer,
        _reader: asyncio.StreamReader,
        _writer: asyncio.StreamWriter,
        _received: Received,
    ) -> None:
        arrived.set()
        await server.stopped.wait()

    server = await serve(hold)
    pool = SessionPool()
    tx = telnyx_client(server, pool)
    waiting = [asyncio.create_task(tx.get_conference("c-1")) for _ in range(5)]
    async with asyncio.timeout(10):
        await arrived.wait()
    await pool.aclose()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(result, ClientClosedError) for result in results), results
