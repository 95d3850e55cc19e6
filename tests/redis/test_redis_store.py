"""`RedisStore` against a real redis-server: the shared pace, event ids, keys, and Redis away."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import re
import subprocess
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
import redis.asyncio as aioredis
from redis_support import KEY_A, RedisServer, free_port, own_server

from conferencing import (
    ClientClosedError,
    ConfigurationError,
    Delivery,
    EventLoopError,
    RateLimit,
    SessionPool,
    StoreUnavailableError,
    TelnyxClient,
    WebhookReceiver,
    catapult,
)
from conferencing.emulator import Emulator
from conferencing.redis import RedisStore

pytest_plugins = ["redis_fixtures"]


@contextlib.asynccontextmanager
async def raw(url: str) -> AsyncIterator[aioredis.Redis]:
    """A plain redis-py client, to look at what the store wrote."""
    client = aioredis.Redis.from_url(url, socket_timeout=2)
    try:
        yield client
    finally:
        await client.aclose()


def telnyx(emu: Emulator, pool: SessionPool, rate: RateLimit) -> TelnyxClient:
    """A client of account A at the emulator, paced at `rate`, never retrying."""
    return TelnyxClient(KEY_A, base_url=emu.telnyx_url, pool=pool, retry=None, rate_limit=rate)


async def create(client: TelnyxClient) -> None:
    """One conference created: one request."""
    await client.create_conference(call_control_id="v3:" + uuid.uuid4().hex, name=uuid.uuid4().hex)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with no rate limits, logging arrivals, with account A's key."""
    async with Emulator(telnyx_api_key=KEY_A, arrival_log=1000) as running:
        yield running


@pytest.fixture
def warnings_(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """The `conferencing` logger's records, INFO and up."""
    with caplog.at_level(logging.INFO, logger="conferencing"):
        yield caplog


def lines(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    """The messages logged on `conferencing` at exactly `level`."""
    return [
        r.getMessage() for r in caplog.records if r.name == "conferencing" and r.levelno == level
    ]


# --- the package -------------------------------------------------------------------


def test_importing_conferencing_does_not_import_redis() -> None:
    """`import conferencing` works without the redis extra: only conferencing.redis needs it."""
    code = "import sys, conferencing; sys.exit('redis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], check=False, timeout=60)  # noqa: S603
    assert 0 == done.returncode


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"when_unavailable": "open"}, "when_unavailable"),
        ({"namespace": ""}, "namespace"),
        ({"namespace": "a b"}, "namespace"),
        ({"connect_timeout": 0}, "connect_timeout"),
        ({"timeout": float("inf")}, "timeout"),
        ({"retry_interval": -1}, "retry_interval"),
        ({"margin": -0.1}, "margin"),
        ({"margin": 1e12}, "margin"),
        ({"event_ttl": True}, "event_ttl"),
        ({"max_connections": 0}, "max_connections"),
    ],
)
def test_options_out_of_range_are_configuration_errors(
    options: dict[str, object], named: str
) -> None:
    """Each option's rule is checked when the store is built, and the message names it."""
    with pytest.raises(ConfigurationError, match=named):
        RedisStore("redis://127.0.0.1:1/0", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("event_ttl", [1e17, 2.0**63, 10 * 365 * 86_400 + 1])
def test_an_event_ttl_redis_cannot_keep_is_refused_when_the_store_is_built(
    event_ttl: float,
) -> None:
    """An event_ttl over ten years (1e17 s Redis refuses) is refused when the store is built."""
    with pytest.raises(ConfigurationError, match=r"event_ttl must be .* at most ten years"):
        RedisStore("redis://127.0.0.1:1/0", event_ttl=event_ttl)


@pytest.mark.parametrize(
    "rate", [RateLimit(1, 1e15), RateLimit(1e-9), RateLimit(1, float("inf")), RateLimit(1e-320)]
)
async def test_a_rate_the_script_cannot_pace_is_refused_when_its_bucket_is_made(
    rate: RateLimit,
) -> None:
    """A period, or an interval between two requests, beyond ten years: refused, named."""
    async with RedisStore("redis://127.0.0.1:1/0") as store:
        with pytest.raises(ConfigurationError, match=r"rate_limit RateLimit\(.*ten years"):
            store.limiter("origin account conferences", rate)


def test_an_unusable_url_is_refused_without_its_password() -> None:
    """A URL redis-py cannot use is a ConfigurationError that hides the password."""
    with pytest.raises(ConfigurationError) as caught:
        RedisStore("http://:hunter2-secret@127.0.0.1:6379/0")
    assert "hunter2-secret" not in str(caught.value)
    assert "***" in str(caught.value)


def with_locals(error: BaseException) -> str:
    """`error`'s traceback as a renderer of local variables shows it (Sentry, --showlocals)."""
    rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
    return "".join(rendered.format())


def test_a_store_whose_constructor_failed_still_has_a_repr() -> None:
    """A store half built by a refused option has a repr, so tracebacks with locals render."""
    with pytest.raises(ConfigurationError) as caught:
        RedisStore("redis://127.0.0.1:1/0", margin=-1)
    assert "margin must be" in with_locals(caught.value)
    assert repr(RedisStore.__new__(RedisStore)).startswith("<RedisStore ")


#: URLs whose password holds a '#', '/' or '?' left unencoded: part of it reads as a port, a
#: path, a query or a fragment (the last three redis-py would take, connecting elsewhere).
UNENCODED = (
    "redis://:hunter2#HASH-SECRET@127.0.0.1:6379/0",
    "redis://:hunter2/SLASH-SECRET@127.0.0.1:6379/0",
    "redis://:hunter2?QMARK-SECRET@127.0.0.1:6379/0",
    "redis://:6379/PATH-SECRET@127.0.0.1:6379/0",
    "redis://:6379?x=QUERY-SECRET@127.0.0.1:6379/0",
    "redis://:6379#FRAGMENT-SECRET@127.0.0.1:6379/0",
)


@pytest.mark.parametrize("case", range(len(UNENCODED)))
def test_a_password_left_unencoded_is_refused_showing_none_of_it(case: int) -> None:
    """A '#', '/' or '?' unencoded in a password: refused, saying to %-encode it, none shown."""
    # The URL is indexed, not held in a local: the rendering with locals covers ours alone.
    with pytest.raises(ConfigurationError, match="must be %-encoded") as caught:
        RedisStore(UNENCODED[case])
    shown = [str(caught.value), with_locals(caught.value)]
    assert not any(part in text for text in shown for part in ("hunter2", "SECRET")), shown
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


#: URLs unusable in one part each, with a password; the part the message names.
UNUSABLE = (
    ("http://:PART-SECRET@127.0.0.1:6379/0", "its scheme"),
    ("redis://:PART-SECRET@127.0.0.1:99999/0", "its port"),
    ("redis://:PART-SECRET@127.0.0.1:6379/0?socket_timeout=soon", "socket_timeout"),
)


@pytest.mark.parametrize("case", range(len(UNUSABLE)))
def test_an_unusable_url_names_the_part_and_none_of_its_user_part(case: int) -> None:
    """The message names the unusable part, never redis-py's words nor the user part."""
    with pytest.raises(ConfigurationError, match=UNUSABLE[case][1]) as caught:
        RedisStore(UNUSABLE[case][0])
    shown = [str(caught.value), with_locals(caught.value)]
    assert not any("PART-SECRET" in text for text in shown), shown
    assert "***@127.0.0.1" in str(caught.value)
    assert "cast" not in str(caught.value)
    assert "Invalid value" not in str(caught.value)


@pytest.mark.parametrize(
    "userinfo", ["USERINFO-SECRET", "alice:PASS-SECRET", "SAME-SECRET:SAME-SECRET", ":PASS-SECRET"]
)
async def test_any_user_part_is_masked_entirely(
    userinfo: str, warnings_: pytest.LogCaptureFixture
) -> None:
    """A user, a password or both (a lone user may be a password) show as ``***@``."""
    port = free_port()
    async with RedisStore(f"redis://{userinfo}@127.0.0.1:{port}/0") as store:
        with pytest.raises(StoreUnavailableError) as caught:
            await store.claim("evt-1")
        shown = [repr(store), store.url, str(caught.value), caught.value.store, warnings_.text]
    assert f"redis://***@127.0.0.1:{port}/0" == store.url
    assert not any(secret in text for text in shown for secret in ("SECRET", "alice")), shown


# --- the password -----------------------------------------------------------------


@pytest.fixture
def guarded_server(redis_binary: str) -> Iterator[RedisServer]:
    """A redis-server that wants a password."""
    with own_server(redis_binary, password="right-pass-42") as server:  # noqa: S106
        yield server


@pytest.mark.parametrize(
    "url",
    [
        "redis://:wrong-pass-17@127.0.0.1:{port}/0",
        "redis://127.0.0.1:{port}/0?password=wrong-pass-17",
    ],
)
async def test_a_password_never_shows_in_reprs_errors_or_logs(
    guarded_server: RedisServer, url: str, warnings_: pytest.LogCaptureFixture
) -> None:
    """A refused password leaves no trace in the repr, the error, its `store` or the log."""
    async with RedisStore(url.format(port=guarded_server.port)) as store:
        with pytest.raises(StoreUnavailableError) as caught:
            await store.claim("evt-1")
        shown = [repr(store), store.url, str(caught.value), caught.value.store, warnings_.text]
    assert all("wrong-pass-17" not in text for text in shown), shown
    assert "***" in repr(store)
    assert "***" in caught.value.store
    assert "AuthenticationError" in str(caught.value)


#: A password the guarded server refuses, and where a URL may hold it.
REFUSED_PASSWORD = "refused-pass-23"  # noqa: S105 - a test server's, refused
PASSWORD_PLACES = (
    "redis://:refused-pass-23@127.0.0.1:{port}/0",
    "redis://127.0.0.1:{port}/0?password=refused-pass-23",
)


async def failure(store: RedisStore, path: str) -> StoreUnavailableError:
    """What one of the store's ways to fail raises."""
    ways = {
        "ping": store.ping,
        "claim": lambda: store.claim("evt-1"),
        "acquire": store.limiter("origin account conferences", RateLimit(10)).acquire,
    }
    with pytest.raises(StoreUnavailableError) as caught:
        await ways[path]()
    return caught.value


@pytest.mark.parametrize("path", ["ping", "claim", "acquire"])
@pytest.mark.parametrize("place", range(len(PASSWORD_PLACES)))
@pytest.mark.parametrize("listening", [True, False], ids=["wrong password", "refused connection"])
async def test_errors_chain_nothing_and_show_no_password_with_their_locals(
    guarded_server: RedisServer, path: str, place: int, listening: bool
) -> None:
    """No redis-py error is chained (one of its frames holds the password): locals show none."""
    # No local here holds the password: the rendering covers this frame too.
    port = guarded_server.port if listening else free_port()
    async with RedisStore(PASSWORD_PLACES[place].format(port=port)) as store:
        error = await failure(store, path)
        again = await failure(store, path)  # Redis is now known to be away
    for raised in (error, again):
        assert REFUSED_PASSWORD not in with_locals(raised)
        assert raised.__cause__ is None
        assert raised.__context__ is None
        assert raised.__suppress_context__
    assert ("AuthenticationError" if listening else "ConnectionError") in str(error)


async def test_the_right_password_is_used(guarded_server: RedisServer, namespace: str) -> None:
    """With the server's password in the URL, claims go through."""
    async with RedisStore(guarded_server.url, namespace=namespace) as store:
        assert await store.claim("evt-1")
        assert not await store.claim("evt-1")


# --- event ids ---------------------------------------------------------------------


async def test_an_event_id_is_claimed_once_across_stores(redis_url: str, namespace: str) -> None:
    """Two stores (as two processes): the first claim wins, every later one loses."""
    async with (
        RedisStore(redis_url, namespace=namespace) as one,
        RedisStore(redis_url, namespace=namespace) as two,
    ):
        assert [True, False, False, True] == [
            await one.claim("evt-1"),
            await two.claim("evt-1"),
            await one.claim("evt-1"),
            await two.claim("evt-2"),
        ]


async def test_event_ids_expire_after_event_ttl(redis_url: str, namespace: str) -> None:
    """An id is remembered for `event_ttl`, then claimed anew."""
    async with RedisStore(redis_url, namespace=namespace, event_ttl=0.2) as store:
        assert await store.claim("evt-1")
        assert not await store.claim("evt-1")
        await asyncio.sleep(0.3)
        assert await store.claim("evt-1")


# --- keys ----------------------------------------------------------------------------


async def test_keys_are_namespaced_hashed_and_expiring(
    redis_url: str, namespace: str, emu: Emulator
) -> None:
    """Every key is <namespace>:rate|event:<32 hex>, holds no key, account or id, and expires."""
    async with (
        RedisStore(redis_url, namespace=namespace) as store,
        SessionPool(rate_store=store) as pool,
    ):
        await create(telnyx(emu, pool, RateLimit(50)))
        await store.claim("evt-with-a-name")
    async with raw(redis_url) as client:
        keys = [key.decode() async for key in client.scan_iter(match=f"{namespace}:*")]
        ttls = [await client.pttl(key) for key in keys]
    assert 2 == len(keys)
    pattern = re.compile(re.escape(namespace) + r":(rate|event):[0-9a-f]{32}")
    assert all(pattern.fullmatch(key) for key in keys), keys
    assert not any(secret in key for key in keys for secret in (KEY_A, "evt", "127.0.0.1"))
    assert all(ttl > 0 for ttl in ttls), ttls


# --- the shared pace ---------------------------------------------------------------


async def test_two_stores_keep_one_pace(redis_url: str, namespace: str, emu: Emulator) -> None:
    """Two pools (as two processes) at 50/s for one account: 20 requests take 19 intervals."""
    rate = RateLimit(50)
    async with (
        RedisStore(redis_url, namespace=namespace) as one,
        RedisStore(redis_url, namespace=namespace) as two,
        SessionPool(rate_store=one) as pool_one,
        SessionPool(rate_store=two) as pool_two,
    ):
        clients = [telnyx(emu, pool_one, rate), telnyx(emu, pool_two, rate)]
        await asyncio.gather(*(create(client) for client in clients for _ in range(10)))
    times = sorted(arrival.at for arrival in emu.arrivals())
    assert 20 == len(times)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert times[-1] - times[0] >= 19 * 1.05 / 50 - 0.01
    # Evenly spaced (no burst): no two requests closer than half an interval.
    assert min(gaps) > 1.05 / 50 / 2, gaps


async def test_two_stores_pacing_one_bucket_at_two_rates_is_refused(
    redis_url: str, namespace: str
) -> None:
    """Redis keeps a bucket's rate: another rate (or margin) for it is refused, naming both."""
    async with (
        RedisStore(redis_url, namespace=namespace) as one,
        RedisStore(redis_url, namespace=namespace) as two,
        RedisStore(redis_url, namespace=namespace, margin=0.01) as other_margin,
    ):
        key = "origin account conferences"
        await one.limiter(key, RateLimit(20)).acquire()
        await two.limiter(key, RateLimit(20.0)).acquire()  # the same rate, written otherwise
        with pytest.raises(ConfigurationError) as caught:
            await two.limiter(key, RateLimit(200)).acquire()
        message = str(caught.value)
        assert "RateLimit(requests=20.0, period=1.0), margin 0.05 s" in message
        assert "RateLimit(requests=200.0, period=1.0), margin 0.05 s" in message
        assert "the same rate_limit" in message
        with pytest.raises(ConfigurationError, match=r"margin 0\.01 s"):
            await other_margin.limiter(key, RateLimit(20)).acquire()
        await one.limiter(key, RateLimit(20)).acquire()  # the first rate goes on
        assert one.available
        assert two.available


async def test_a_bucket_forgets_its_rate_once_idle(redis_url: str, namespace: str) -> None:
    """Once a bucket's key expires (a second past its pace), another rate may take it."""
    async with (
        RedisStore(redis_url, namespace=namespace, margin=0) as old,
        RedisStore(redis_url, namespace=namespace, margin=0) as new,
    ):
        key = "origin account calls"
        await old.limiter(key, RateLimit(100)).acquire()
        deadline = time.monotonic() + 5
        while True:
            try:
                await new.limiter(key, RateLimit(50)).acquire()
            except ConfigurationError:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
            else:
                break
        with pytest.raises(ConfigurationError, match="RateLimit"):
            await old.limiter(key, RateLimit(100)).acquire()


async def test_two_pools_pacing_one_account_at_two_rates_send_one_rate(
    redis_url: str, namespace: str, emu: Emulator
) -> None:
    """Two pools on one store (as a stale deploy): the second rate's requests are refused."""
    async with (
        RedisStore(redis_url, namespace=namespace) as store,
        SessionPool(rate_store=store) as right,
        SessionPool(rate_store=store) as stale,
    ):
        await create(telnyx(emu, right, RateLimit(20)))
        with pytest.raises(ConfigurationError, match=r"requests=200\.0"):
            await create(telnyx(emu, stale, RateLimit(200)))
        await create(telnyx(emu, right, RateLimit(20)))
    assert 2 == emu.stats.requests


async def test_a_slot_is_booked_at_most_a_period_ahead(redis_url: str, namespace: str) -> None:
    """30 waiters at 10/s book about a second ahead at most; cancelling them frees the rest."""
    async with RedisStore(redis_url, namespace=namespace, margin=0) as store:
        bucket = store.limiter("origin account conferences", RateLimit(10))
        waiters = [asyncio.create_task(bucket.acquire()) for _ in range(30)]
        await asyncio.sleep(0.35)
        async with raw(redis_url) as client:
            (key,) = [key async for key in client.scan_iter(match=f"{namespace}:rate:*")]
            booked_ahead = await client.pttl(key) - 1000  # the key outlives its pace by 1 s
        for waiter in waiters:
            waiter.cancel()
        done = await asyncio.gather(*waiters, return_exceptions=True)
    assert 0 < booked_ahead <= 1100 + 50, booked_ahead
    assert 3 <= sum(outcome is None for outcome in done) <= 5  # slots at 0, 0.1, 0.2, 0.3 s


async def test_pacing_waits_the_interval_and_no_more(redis_url: str, namespace: str) -> None:
    """RateLimit(4, 0.2) without margin: five requests in a row take four 50 ms intervals."""
    async with RedisStore(redis_url, namespace=namespace, margin=0) as store:
        bucket = store.limiter("origin account calls", RateLimit(4, 0.2))
        started = time.monotonic()
        for _ in range(5):
            await bucket.acquire()
        elapsed = time.monotonic() - started
    assert 0.19 <= elapsed < 0.6, elapsed


async def test_a_restarted_redis_is_sent_the_script_again(
    redis_server: RedisServer, namespace: str
) -> None:
    """After SCRIPT FLUSH (as after a restart), EVALSHA's NOSCRIPT falls back to EVAL."""
    async with RedisStore(redis_server.url, namespace=namespace) as store:
        bucket = store.limiter("origin account conferences", RateLimit(1000))
        await bucket.acquire()
        async with raw(redis_server.url) as client:
            await client.script_flush()
        await bucket.acquire()
        assert store.available


# --- Redis answering with an error ------------------------------------------------------


async def spoil_the_bucket(redis_url: str, namespace: str) -> None:
    """Put a list where the store's one bucket is: Redis answers its script WRONGTYPE."""
    async with raw(redis_url) as client:
        (key,) = [key async for key in client.scan_iter(match=f"{namespace}:rate:*")]
        await client.delete(key)
        await client.rpush(key, b"another application's")


@pytest.mark.parametrize("when_unavailable", ["fail", "local"])
async def test_an_error_answer_fails_that_call_alone_and_redis_is_not_away(
    redis_url: str, namespace: str, when_unavailable: str, warnings_: pytest.LogCaptureFixture
) -> None:
    """A bucket Redis answers with an error is a ConfigurationError; the others, claims go on."""
    store = RedisStore(
        redis_url,
        namespace=namespace,
        when_unavailable=when_unavailable,  # type: ignore[arg-type]
    )
    async with store:
        spoiled = store.limiter("origin account-1 conferences", RateLimit(100))
        healthy = store.limiter("origin account-2 conferences", RateLimit(100))
        await spoiled.acquire()
        await spoil_the_bucket(redis_url, namespace)
        for _ in range(2):
            with pytest.raises(ConfigurationError, match="WRONGTYPE") as caught:
                await spoiled.acquire()
            assert caught.value.__cause__ is None
            assert caught.value.__context__ is None
        for _ in range(3):
            await healthy.acquire()
        assert await store.claim("evt-1")
        assert not await store.claim("evt-1")
        assert store.available
    assert [] == lines(warnings_, logging.WARNING)
    async with raw(redis_url) as client:
        # Paced in Redis (no local fallback): the healthy bucket's key is there.
        assert 2 == len([key async for key in client.scan_iter(match=f"{namespace}:rate:*")])


async def test_a_claim_redis_refuses_is_a_configuration_error(
    redis_server: RedisServer, namespace: str, warnings_: pytest.LogCaptureFixture
) -> None:
    """A user whose ACL forbids SET: each claim is a ConfigurationError (NOPERM), not an outage."""
    async with raw(redis_server.url) as client:
        await client.acl_setuser(
            "no-set",
            enabled=True,
            passwords=["+no-set-pass"],
            keys=["*"],
            commands=["+@all", "-set"],
        )
    url = f"redis://no-set:no-set-pass@127.0.0.1:{redis_server.port}/0"
    async with RedisStore(url, namespace=namespace) as store:
        for _ in range(2):
            with pytest.raises(ConfigurationError, match="NoPermissionError") as caught:
                await store.claim("evt-1")
            assert "the event was not handed on" in str(caught.value)
        await store.ping()
        assert store.available
    assert [] == lines(warnings_, logging.WARNING)


@pytest.mark.parametrize("when_unavailable", ["fail", "local"])
async def test_a_request_at_a_rate_redis_cannot_pace_is_refused_and_redis_is_not_away(
    redis_url: str,
    namespace: str,
    emu: Emulator,
    when_unavailable: str,
    warnings_: pytest.LogCaptureFixture,
) -> None:
    """RateLimit(1, 1e15): the request is a ConfigurationError, unsent; the store goes on."""
    store = RedisStore(
        redis_url,
        namespace=namespace,
        when_unavailable=when_unavailable,  # type: ignore[arg-type]
    )
    async with store, SessionPool(rate_store=store) as pool:
        with pytest.raises(ConfigurationError, match="rate_limit"):
            await create(telnyx(emu, pool, RateLimit(1, 1e15)))
        assert 0 == emu.stats.requests
        assert store.available
        assert await store.claim("evt-1")
    assert [] == lines(warnings_, logging.WARNING)


async def test_a_request_of_a_spoiled_bucket_is_a_configuration_error(
    redis_url: str, namespace: str, emu: Emulator
) -> None:
    """Through a pool: the request is refused with ConfigurationError, unsent, Redis not away."""
    async with (
        RedisStore(redis_url, namespace=namespace) as store,
        SessionPool(rate_store=store) as pool,
    ):
        client = telnyx(emu, pool, RateLimit(100))
        await create(client)
        await spoil_the_bucket(redis_url, namespace)
        with pytest.raises(ConfigurationError, match="WRONGTYPE"):
            await create(client)
        assert 1 == emu.stats.requests
        assert store.available
        assert await store.claim("evt-1")


# --- Redis away ------------------------------------------------------------------------


async def test_failing_closed_sends_nothing_and_resumes_when_redis_is_back(
    redis_server: RedisServer, namespace: str, emu: Emulator, warnings_: pytest.LogCaptureFixture
) -> None:
    """Redis killed: StoreUnavailableError, nothing sent, one WARNING; restarted: Redis again."""
    async with (
        RedisStore(redis_server.url, namespace=namespace, retry_interval=0.2) as store,
        SessionPool(rate_store=store) as pool,
    ):
        client = telnyx(emu, pool, RateLimit(100))
        await create(client)
        redis_server.kill()
        for _ in range(3):
            with pytest.raises(StoreUnavailableError) as caught:
                await create(client)
            assert not caught.value.request_sent
        with pytest.raises(StoreUnavailableError, match="the event was not handed on"):
            await store.claim("evt-1")
        assert 1 == emu.stats.requests
        assert not answers(store)
        [warning] = lines(warnings_, logging.WARNING)
        assert redis_server.url in warning
        assert "fail with StoreUnavailableError" in warning

        redis_server.start()
        await until_sent(client)
        assert answers(store)
        async with raw(redis_server.url) as raw_client:
            assert [] != [key async for key in raw_client.scan_iter(match=f"{namespace}:rate:*")]
        assert await store.claim("evt-1")
    assert 1 == len(lines(warnings_, logging.WARNING))
    assert 1 == len([line for line in lines(warnings_, logging.INFO) if "answers again" in line])


def answers(store: RedisStore) -> bool:
    """Whether the store takes Redis for available (a call, so that mypy does not narrow it)."""
    return store.available


async def until_sent(client: TelnyxClient) -> None:
    """Retry one request until Redis answers again (it is asked every 0.2 s), for 5 s at most."""
    deadline = time.monotonic() + 5
    while True:
        try:
            await create(client)
        except StoreUnavailableError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)
        else:
            return


async def test_falling_back_paces_locally_and_resumes_when_redis_is_back(
    redis_server: RedisServer, namespace: str, emu: Emulator, warnings_: pytest.LogCaptureFixture
) -> None:
    """Redis killed: requests go on, paced in this process, one WARNING; restarted: Redis again."""
    store = RedisStore(
        redis_server.url, namespace=namespace, when_unavailable="local", retry_interval=0.2
    )
    async with store, SessionPool(rate_store=store) as pool:
        client = telnyx(emu, pool, RateLimit(10))
        await create(client)
        redis_server.kill()
        started = time.monotonic()
        # aiolimiter's local bucket lets 10 through at once, then one every 100 ms.
        await asyncio.gather(*(create(client) for _ in range(12)))
        assert time.monotonic() - started >= 0.15
        assert 13 == emu.stats.requests
        assert await store.claim("evt-1")
        assert not await store.claim("evt-1")
        [warning] = lines(warnings_, logging.WARNING)
        assert redis_server.url in warning
        assert "local bucket" in warning
        assert "ConnectionError" in warning

        redis_server.start()
        await asyncio.sleep(0.25)  # past the retry interval: the next request asks Redis
        await create(client)
        assert store.available
        async with raw(redis_server.url) as raw_client:
            assert [] != [key async for key in raw_client.scan_iter(match=f"{namespace}:rate:*")]
    assert 1 == len(lines(warnings_, logging.WARNING))
    assert 1 == len([line for line in lines(warnings_, logging.INFO) if "answers again" in line])


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers: a hung Redis."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("when_unavailable", ["fail", "local"])
async def test_a_redis_that_never_answers_is_given_up_on_in_time(
    when_unavailable: str, warnings_: pytest.LogCaptureFixture
) -> None:
    """Connected but never answered: a TimeoutError within the timeouts, never a hang."""
    async with silent_server() as port:
        store = RedisStore(
            f"redis://127.0.0.1:{port}/0",
            when_unavailable=when_unavailable,  # type: ignore[arg-type]
            connect_timeout=0.2,
            timeout=0.2,
        )
        async with store:
            bucket = store.limiter("origin account conferences", RateLimit(10))
            started = time.monotonic()
            if when_unavailable == "fail":
                with pytest.raises(StoreUnavailableError, match="Timeout"):
                    await bucket.acquire()
            else:
                await bucket.acquire()
            assert time.monotonic() - started < 2.0  # 0.4 s of timeouts, and a busy machine
    [warning] = lines(warnings_, logging.WARNING)
    assert "Timeout" in warning


async def test_nothing_listening_is_refused_at_once() -> None:
    """A closed port fails at once; while away, Redis is asked again only every retry_interval."""
    async with RedisStore(f"redis://127.0.0.1:{free_port()}/0", retry_interval=60) as store:
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError, match="ConnectionError"):
            await store.claim("evt-1")
        with pytest.raises(StoreUnavailableError, match="asked again every 60 s"):
            await store.claim("evt-1")
        assert time.monotonic() - started < 2.0


def callback(conference_id: str) -> bytes:
    """A Catapult conference callback, its id made of `conference_id`."""
    return (
        b'{"eventType": "conference", "conferenceId": "%s", "status": "created"}'
        % conference_id.encode()
    )


async def test_a_receiver_failing_closed_answers_503_and_warns_once_per_outage(
    redis_server: RedisServer, namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis away: 503 (redelivered later), nothing handed on, one WARNING, no traceback."""
    handled: list[str] = []

    async def handle(event: catapult.Callback) -> None:
        handled.append(event.id)

    decoder = catapult.callback_decoder()
    headers = {"Content-Type": "application/json"}
    store = RedisStore(redis_server.url, namespace=namespace, retry_interval=0.1)
    with caplog.at_level(logging.INFO, logger="conferencing"):
        async with (
            store,
            WebhookReceiver(decoder, handler=handle, dedupe=store) as receiver,
            receiver.serve() as url,
            aiohttp.ClientSession() as session,
        ):

            async def deliver(conference_id: str) -> int:
                async with session.post(
                    url, data=callback(conference_id), headers=headers
                ) as answer:
                    return answer.status

            assert 200 == await deliver("c-0")
            redis_server.kill()
            assert [503, 503, 503] == [await deliver(f"c-{n}") for n in (1, 1, 2)]
            direct = Delivery(method="POST", body=callback("c-3"), headers={}, query={})
            assert 503 == await receiver.receive(direct)
            redis_server.start()
            await asyncio.sleep(0.15)  # past retry_interval: the next claim asks Redis
            assert 200 == await deliver("c-1")
            redis_server.kill()
            assert 503 == await deliver("c-4")
            await receiver.aclose()  # waits for the handlers
    outage_warnings = [line for line in lines(caplog, logging.WARNING) if "503" in line]
    assert 2 == len(outage_warnings), outage_warnings
    assert "not handed on" in outage_warnings[0]
    assert [] == [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert 1 == len([line for line in lines(caplog, logging.INFO) if "handed on again" in line])
    assert 5 == receiver.counts["unavailable"]
    assert 2 == len(handled)


async def test_ping_says_whether_redis_answers(redis_url: str) -> None:
    """`ping` passes against a live Redis and raises StoreUnavailableError against none."""
    async with RedisStore(redis_url) as store:
        await store.ping()
    async with RedisStore(f"redis://127.0.0.1:{free_port()}/0", when_unavailable="local") as away:
        with pytest.raises(StoreUnavailableError):
            await away.ping()


# --- life cycle ------------------------------------------------------------------------


async def test_a_closed_store_refuses_work(redis_url: str) -> None:
    """After `aclose` (twice is fine), a claim is a ClientClosedError."""
    store = RedisStore(redis_url)
    await store.aclose()
    await store.aclose()
    with pytest.raises(ClientClosedError):
        await store.claim("evt-1")


def test_a_store_belongs_to_its_first_event_loop() -> None:
    """Used on a second event loop, the store raises EventLoopError before any I/O."""
    store = RedisStore(f"redis://127.0.0.1:{free_port()}/0", when_unavailable="local")
    assert asyncio.run(store.claim("evt-1"))
    with pytest.raises(EventLoopError):
        asyncio.run(store.claim("evt-1"))
    asyncio.run(store.aclose())


def resource_warnings(seen: list[warnings.WarningMessage]) -> list[str]:
    """The ResourceWarnings among `seen` (an unclosed socket, transport or connection)."""
    return [str(each.message) for each in seen if issubclass(each.category, ResourceWarning)]


def test_a_store_closed_on_another_loop_after_its_own_ended_leaves_nothing_open(
    redis_url: str, namespace: str
) -> None:
    """Used in one asyncio.run, closed in the next: no error, no socket left, closed for good."""
    store = RedisStore(redis_url, namespace=namespace)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert asyncio.run(store.claim("evt-1"))
        asyncio.run(store.aclose())
        asyncio.run(store.aclose())
        with pytest.raises(ClientClosedError):
            asyncio.run(store.claim("evt-2"))
        del store
        gc.collect()
    assert [] == resource_warnings(seen)


def test_a_store_left_open_is_closed_with_its_event_loop(redis_url: str, namespace: str) -> None:
    """Never closed: its connections close when asyncio.run ends the loop they belong to."""
    store = RedisStore(redis_url, namespace=namespace)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert asyncio.run(store.claim("evt-1"))
        del store
        gc.collect()
    assert [] == resource_warnings(seen)


async def test_closing_on_another_loop_while_its_own_runs_is_refused(
    redis_url: str, namespace: str
) -> None:
    """aclose on a second loop (a thread's) while its own runs: EventLoopError, still open."""
    async with RedisStore(redis_url, namespace=namespace) as store:
        assert await store.claim("evt-1")

        def close_elsewhere() -> None:
            asyncio.run(store.aclose())

        with pytest.raises(EventLoopError, match="close it on"):
            await asyncio.to_thread(close_elsewhere)
        assert await store.claim("evt-2")
