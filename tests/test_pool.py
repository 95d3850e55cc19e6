"""The session pool: one session per origin, lazily made, shared, and closed once."""

from __future__ import annotations

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from conferencing import (
    NO_RETRY,
    CatapultClient,
    ClientClosedError,
    ConfigurationError,
    SessionPool,
    TelnyxClient,
)

KEY = "KEY0123456789abcdef"
FROM = "+15551234567"
CCID = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
TELNYX_URL = "https://api.telnyx.com/v2/conferences"
CATAPULT_URL = "https://api.catapult.inetwork.com/v1/users/u-1/conferences"
CONFERENCE = {
    "record_type": "conference",
    "id": "c-1",
    "name": "Business",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T22:10:02.574Z",
}


def sessions(pool: SessionPool) -> list[aiohttp.ClientSession]:
    """The sessions the pool holds now."""
    return [origin.session for origin in pool._origins.values()]


def telnyx(
    pool: SessionPool | None = None, base_url: str = "https://api.telnyx.com/v2"
) -> TelnyxClient:
    """A Telnyx client with a key."""
    return TelnyxClient(api_key=KEY, base_url=base_url, pool=pool, retry=NO_RETRY)


def catapult(pool: SessionPool | None = None) -> CatapultClient:
    """A Catapult client with credentials."""
    return CatapultClient("u-1", "t-token-0123", "s-secret-4567", pool=pool, retry=NO_RETRY)


async def create_telnyx(client: TelnyxClient, http: aioresponses, url: str = TELNYX_URL) -> None:
    """Answer and send one Telnyx create."""
    http.post(url, payload={"data": CONFERENCE})
    await client.create_conference(call_control_id=CCID, name="Business")


async def create_catapult(client: CatapultClient, http: aioresponses) -> None:
    """Answer and send one Catapult create."""
    http.post(CATAPULT_URL, status=201, headers={"Location": "/v1/users/u-1/conferences/c-1"})
    await client.create_conference(from_=FROM)


async def test_sessions_are_created_lazily(http: aioresponses) -> None:
    """A new pool, and a client given it, open no session until a request is sent."""
    async with SessionPool() as pool:
        client = telnyx(pool)
        assert [] == sessions(pool)
        await create_telnyx(client, http)
        assert 1 == len(sessions(pool))


async def test_two_clients_on_one_origin_share_one_session(http: aioresponses) -> None:
    """Two clients on the same origin, even with other paths, use one session."""
    async with SessionPool() as pool:
        first = telnyx(pool)
        second = telnyx(pool, base_url="https://api.telnyx.com/v2/")
        await create_telnyx(first, http)
        [session] = sessions(pool)
        await create_telnyx(second, http)
        assert [session] == sessions(pool)
        assert 2 == len(http.requests[("POST", URL(TELNYX_URL))])


async def test_two_origins_get_two_sessions(http: aioresponses) -> None:
    """Clients of two origins on one pool get one session each."""
    async with SessionPool() as pool:
        await create_telnyx(telnyx(pool), http)
        await create_catapult(catapult(pool), http)
        both = sessions(pool)
        assert 2 == len(both)
        assert both[0] is not both[1]


async def test_port_is_part_of_the_origin(http: aioresponses) -> None:
    """The same host on two ports is two origins."""
    async with SessionPool() as pool:
        await create_telnyx(
            telnyx(pool, "http://127.0.0.1:8001/v2"), http, "http://127.0.0.1:8001/v2/conferences"
        )
        await create_telnyx(
            telnyx(pool, "http://127.0.0.1:8002/v2"), http, "http://127.0.0.1:8002/v2/conferences"
        )
        assert 2 == len(sessions(pool))


async def test_aclose_closes_every_session(http: aioresponses) -> None:
    """After `aclose()` every session the pool made is closed."""
    pool = SessionPool()
    await create_telnyx(telnyx(pool), http)
    await create_catapult(catapult(pool), http)
    made = sessions(pool)
    await pool.aclose()
    assert [True, True] == [session.closed for session in made]
    assert pool.closed


async def test_async_with_closes_every_session(http: aioresponses) -> None:
    """Leaving `async with SessionPool()` closes its sessions."""
    async with SessionPool() as pool:
        await create_telnyx(telnyx(pool), http)
        made = sessions(pool)
        assert [False] == [session.closed for session in made]
    assert [True] == [session.closed for session in made]
    assert pool.closed


async def test_aclose_is_idempotent(http: aioresponses) -> None:
    """Calling `aclose()` twice, or after `async with`, is harmless."""
    async with SessionPool() as pool:
        await create_telnyx(telnyx(pool), http)
    await pool.aclose()
    await pool.aclose()
    assert pool.closed


async def test_unused_pool_closes(http: aioresponses) -> None:
    """A pool that never opened a session closes cleanly."""
    pool = SessionPool()
    await pool.aclose()
    assert pool.closed


async def test_use_after_close_raises(http: aioresponses) -> None:
    """A client whose pool is closed raises ClientClosedError saying so, and sends nothing."""
    async with SessionPool() as pool:
        client = telnyx(pool)
    assert client.closed
    with pytest.raises(ClientClosedError) as caught:
        await client.create_conference(call_control_id=CCID, name="Business")
    assert "closed" in str(caught.value)
    assert "SessionPool" in str(caught.value)
    assert {} == http.requests


async def test_use_after_close_raises_for_a_known_origin(http: aioresponses) -> None:
    """An origin the pool had a session for is not reopened after close."""
    async with SessionPool() as pool:
        client = telnyx(pool)
        await create_telnyx(client, http)
    with pytest.raises(ClientClosedError):
        await client.create_conference(call_control_id=CCID, name="Business")
    assert 1 == len(http.requests[("POST", URL(TELNYX_URL))])


async def test_async_with_a_closed_pool_raises() -> None:
    """Entering a closed pool raises ClientClosedError."""
    pool = SessionPool()
    await pool.aclose()
    with pytest.raises(ClientClosedError, match="closed"):
        async with pool:
            pass


@pytest.mark.parametrize("value", [0, -1, True, False, 1.5, "10", None])
def test_max_connections_must_be_a_positive_int(value: object) -> None:
    """`max_connections` below 1, a bool, or not an int is a ConfigurationError."""
    with pytest.raises(ConfigurationError, match="max_connections"):
        SessionPool(max_connections=value)  # type: ignore[arg-type]


async def test_max_connections_is_kept() -> None:
    """A valid `max_connections` is kept, and reaches the connector."""
    async with SessionPool(max_connections=1) as pool:
        assert 1 == pool.max_connections
        origin = pool._origin("https://api.telnyx.com")
        assert 1 == origin.session.connector.limit  # type: ignore[union-attr]


def test_repr_shows_no_secrets() -> None:
    """A pool's repr is short and names its limit."""
    assert "max_connections=7" in repr(SessionPool(max_connections=7))


# --- Clients and pools ------------------------------------------------------


async def test_client_without_pool_outside_async_with(http: aioresponses) -> None:
    """A pool-less client used outside `async with` says how to use it, and sends nothing."""
    client = telnyx()
    with pytest.raises(ClientClosedError) as caught:
        await client.create_conference(call_control_id=CCID, name="Business")
    message = str(caught.value)
    assert "async with" in message
    assert "pool" in message
    assert {} == http.requests


async def test_catapult_client_without_pool_outside_async_with(http: aioresponses) -> None:
    """The same holds for Catapult."""
    with pytest.raises(ClientClosedError, match="async with"):
        await catapult().create_conference(from_=FROM)
    assert {} == http.requests


async def test_client_owns_a_private_pool(http: aioresponses) -> None:
    """`async with TelnyxClient(...)` opens a private pool, closed with its sessions on exit."""
    async with telnyx() as client:
        await create_telnyx(client, http)
        pool = client._pool
        assert pool is not None
        made = sessions(pool)
        assert 1 == len(made)
    assert pool.closed
    assert [True] == [session.closed for session in made]
    assert client.closed


async def test_catapult_client_owns_a_private_pool(http: aioresponses) -> None:
    """`async with CatapultClient(...)` closes its private pool's sessions on exit."""
    async with catapult() as client:
        await create_catapult(client, http)
        assert client._pool is not None
        made = sessions(client._pool)
    assert [True] == [session.closed for session in made]


async def test_client_after_its_async_with_raises(http: aioresponses) -> None:
    """A client used after its `async with` raises ClientClosedError, and cannot be re-entered."""
    async with telnyx() as client:
        pass
    with pytest.raises(ClientClosedError):
        await client.create_conference(call_control_id=CCID, name="Business")
    with pytest.raises(ClientClosedError):
        async with client:
            pass
    assert {} == http.requests


async def test_client_on_a_shared_pool_leaves_it_open(http: aioresponses) -> None:
    """Leaving `async with` on a client given a pool does not close the shared pool."""
    async with SessionPool() as pool:
        async with telnyx(pool) as client:
            await create_telnyx(client, http)
        assert not pool.closed
        assert [False] == [session.closed for session in sessions(pool)]
        await create_catapult(catapult(pool), http)
        assert client.closed


async def test_client_closed_follows_its_pool() -> None:
    """A client reports closed once its shared pool is closed."""
    pool = SessionPool()
    client = telnyx(pool)
    assert not client.closed
    await pool.aclose()
    assert client.closed


async def test_client_aclose_is_idempotent(http: aioresponses) -> None:
    """A client's `aclose()` may be called again, and after `async with`."""
    async with telnyx() as client:
        await create_telnyx(client, http)
    await client.aclose()
    await client.aclose()
    assert client.closed


def test_pool_must_be_a_session_pool() -> None:
    """Anything but a SessionPool as `pool` is a ConfigurationError."""
    with pytest.raises(ConfigurationError, match="SessionPool"):
        TelnyxClient(api_key=KEY, pool=object())  # type: ignore[arg-type]
