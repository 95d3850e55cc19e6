"""One account's pace, and one record of event ids, shared by every process through Redis.

```python
from conferencing import SessionPool, WebhookReceiver
from conferencing.redis import RedisStore

async with RedisStore("redis://127.0.0.1:6379/0") as store:
    async with SessionPool(rate_store=store) as pool:
        ...  # every client given a rate_limit, in every process, keeps one pace per account
    receiver = WebhookReceiver(decoder, handler=handle, dedupe=store)  # one handling per event
```

Needs the `redis` extra: ``pip install 'conferencing[redis]'``, and Redis 5
or later (its scripts read the server's clock).

How the pace is shared
----------------------
Each bucket (origin, account, endpoint family) is one Redis hash holding a
GCRA "theoretical arrival time" (TAT): the moment the bucket's next request
may leave, and the rate it is paced at. A request runs one server-side
script, atomically: it reads the server's clock (`TIME`), checks the rate,
takes the later of TAT and now as its own slot, moves TAT one interval past
that slot, and answers how long to wait for the slot. The client sleeps
that long and sends. So every request costs one
round trip, waiters are served in the order they reserved, and no two
processes ever compare their own clocks: the slot is measured on Redis's.

The interval is `(period + margin) / requests`, with no burst: any
`requests + 1` requests leave at least `period + margin` apart. Without
`margin`, requests exactly `period / requests` apart reach the provider
with network and scheduling jitter, and a late first request followed by a
prompt 21st puts 21 requests in one of its 20-per-second windows: a 429
(measured: four processes at 20/s with no margin met one in every run
against an emulator counting any second's requests). The margin (50 ms by
default) is how much more one request may be delayed than another on its
way without that happening; it costs 5 % of a 1 s limit's throughput.

The rate is the client's `RateLimit` and the store's `margin`, recorded by
the first request of a bucket that is not live (its key expired or never
set). A client asking the live bucket for another rate is refused with
`conferencing.ConfigurationError` naming both, and books nothing: two
processes pacing one account at 20/s and 200/s (a stale deploy) would
together send up to 220 requests a second, and the 20/s one would meet the
429s. Within one pool, `SessionPool.pace` refuses the same mistake.

A reservation is refused when it would fall more than one `period + margin`
ahead (the answer then says when to ask again): a run that is cancelled
with thousands of requests queued has booked no more than one period of
the account's pace. Within one process, one task per bucket asks Redis at
a time and the rest queue locally, so a queue of any length costs Redis
one question at a time.

A library was weighed first. `limits` and `throttled-py` (both maintained,
both with asyncio Redis backends) answer "allowed or not, retry after N":
waiters must poll, and wake together to find one slot between them;
`redis-rate-limiters` reserves slots as here, but for whole-number rates
only, with a fixed 30 s expiry (a bucket slower than one request every
30 s forgets its pace), no bound on how far ahead it books, and a
comparison of Redis's clock with the local one. The script here is
twenty lines.

When Redis does not answer
--------------------------
Every command has a bounded connect and answer timeout, and redis-py's own
retries are off: a Redis that is down or unreachable is known within
`connect_timeout + timeout` seconds, never a hang. Then, as `when_unavailable`
says:

* ``"fail"`` (the default): a request is refused with
  `conferencing.StoreUnavailableError` (`request_sent=False`: nothing was
  sent), and so is an event claim (a `WebhookReceiver` answers the delivery
  503 and does not hand the event on; the provider delivers it again later);
* ``"local"``: each process paces each bucket alone, with the same rate,
  in memory (so N processes may together send N times the rate), and
  remembers event ids in its own memory.

Either way one WARNING goes to the ``conferencing`` logger when Redis is
first found away, and one INFO line when it answers again. While it is
away, one question every `retry_interval` seconds checks whether it is back;
the others do not wait for Redis meanwhile.

Only a connection that fails or an answer that does not come is Redis
away. A Redis that answers with an error (a key of another type in the
namespace, an ACL that forbids a command, a read-only replica, a full
`maxmemory`) is up: that one call raises `conferencing.ConfigurationError`
(nothing sent, nothing handed on), in either mode, and every other bucket
and claim goes on through Redis.

Keys are ``<namespace>:rate:<hash>`` and ``<namespace>:event:<hash>``:
SHA-256 of the bucket name or event id, so no credential, account id or
provider data is stored in Redis in the clear. Every key expires: a bucket
once its pace is idle, an event id after `event_ttl`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import time
import urllib.parse
from collections.abc import AsyncGenerator, Awaitable, Callable
from types import TracebackType
from typing import Final, Literal, Self, TypeVar

from ._errors import (
    ClientClosedError,
    ConfigurationError,
    EventLoopError,
    StoreUnavailableError,
)
from ._ratelimit import Limiter, RateLimit
from ._receive import Deduplicator

try:
    import redis.asyncio as aioredis
    import redis.asyncio.connection as redis_connection
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import NoScriptError, RedisError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "conferencing.redis needs the redis package: pip install 'conferencing[redis]'"
    ) from exc

__all__ = ["RedisStore"]

_log: Final = logging.getLogger("conferencing")
_T = TypeVar("_T")

#: What Redis being away looks like: redis-py's connection errors (refused,
#: reset, authentication, a server still loading) and timeouts, the socket's
#: errors, and the outer bound's `TimeoutError`. Any other `RedisError` (an
#: error answer: WRONGTYPE, NOPERM, READONLY, OOM...) is one command's, not
#: an outage: Redis answered (see `RedisStore._refused`).
_AWAY_ERRORS: Final = (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)

#: The GCRA reservation. KEYS[1]: the bucket, a hash of its next free slot
#: (`slot`) and its rate (`rate`). ARGV[1]: microseconds between two
#: requests; ARGV[2]: how far ahead a slot may be booked, in µs; ARGV[3]: the
#: rate, as this client paces it. Answers the µs to wait for the slot booked
#: (>= 0); when the next free slot lies beyond the horizon, minus the µs until
#: asking again (< 0); when the live bucket was booked at another rate, that
#: rate ({rate}), and books nothing. Microseconds since the epoch fit a Lua
#: number (a double) exactly.
_RESERVE: Final = """\
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local horizon = tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'slot', 'rate')
if held[2] and held[2] ~= ARGV[3] then
  return {held[2]}
end
local slot = tonumber(held[1])
if slot == nil or slot < now then
  slot = now
end
if slot - now > horizon then
  return now + horizon - slot
end
local next_slot = slot + interval
redis.call('HSET', KEYS[1], 'slot', string.format('%d', next_slot), 'rate', ARGV[3])
-- The key outlives its pace by a second: an expired key and an idle one mean the same.
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.ceil((next_slot - now) / 1000) + 1000))
return slot - now
"""
_RESERVE_SHA: Final = hashlib.sha1(_RESERVE.encode(), usedforsecurity=False).hexdigest()

_WHEN_UNAVAILABLE: Final = ("fail", "local")
#: The longest time this store gives Redis: an event id's life, a bucket's
#: period and the interval between two of its requests. Far beyond any
#: provider's limit or redelivery, and well within what Redis and the script
#: represent: SET's PX takes milliseconds up to 2**63 - 1 less the clock, and
#: the script's microseconds, a double in Lua, are exact integers up to 2**53
#: (the clock, 1.8e15 µs today, plus a period and an interval of 3.2e14 µs each).
_LONGEST: Final = 10 * 365 * 86_400.0
_LONGEST_SAID: Final = f"ten years ({_LONGEST:.0f} s)"
_SCHEMES: Final = ("redis://", "rediss://", "unix://")
#: How redis-py reads the query parameters it knows (the others it passes on as strings).
_QUERY_PARSERS: Final[dict[str, Callable[[str], object]]] = getattr(
    redis_connection, "URL_QUERY_ARGUMENT_PARSERS", {}
)
_NOT_SENT: Final = "the request was not sent"


#: How a URL is named when nothing of it can be shown safely.
_UNPARSABLE: Final = "<an unparsable Redis URL>"
_ENCODE: Final = "a password must be %-encoded: urllib.parse.quote(password, safe='')"


class _Url:
    """The URL a store was given, behind a repr that shows none of it.

    Tracebacks rendered with their local variables (Sentry, pytest
    --showlocals) would show the password of a URL held in a plain local.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return "<a Redis URL>"


def _examine(url: str) -> tuple[str, str | None]:
    """`url` as shown (any user part as ``***``), and what makes it unusable, if anything.

    Neither holds any of the user part (a lone user may be a password, as in
    ``redis://SECRET@host``), nor a parser's words: a password with a '#',
    '/' or '?' left unencoded reads as a port, a path, a query or a fragment
    (``redis://:pa#ss@host`` has the port "pa").
    """
    try:
        parts = urllib.parse.urlparse(url)
    except ValueError:
        return _UNPARSABLE, f"its host cannot be read ({_ENCODE})"
    _, at, host = parts.netloc.rpartition("@")
    query = parts.query.split("&") if parts.query else []
    after_host = [parts.path, parts.params, parts.fragment]
    after_host += [piece for piece in query if not piece.startswith("password=")]
    if any("@" in text for text in after_host):
        return f"{parts.scheme}://...", f"it has an '@' after its host: {_ENCODE}"
    shown = f"{parts.scheme}://{'***@' if at else ''}{host}{parts.path}"
    if parts.params:
        shown += f";{parts.params}"
    if query:
        hidden = ("password=***" if piece.startswith("password=") else piece for piece in query)
        shown += "?" + "&".join(hidden)
    if not url.startswith(_SCHEMES):
        return shown, "its scheme must be redis://, rediss:// or unix://"
    try:
        parts.port  # noqa: B018 - read for its ValueError
    except ValueError:
        return shown, "its port must be a number from 0 to 65535"
    for name, values in urllib.parse.parse_qs(parts.query).items():
        parse = _QUERY_PARSERS.get(name)
        try:
            if parse is not None:
                parse(values[0])
        except (TypeError, ValueError):
            return shown, f"its query parameter {name} has an unusable value"
    return shown, None


def _hashed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _seconds(what: str, value: object, *, zero: bool = False, most: float = math.inf) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
        or value > most
    ):
        bound = ">= 0" if zero else "> 0"
        if most < math.inf:
            bound += f" and at most {_LONGEST_SAID}"
        raise ConfigurationError(
            f"{what} must be a finite number of seconds {bound}, got {value!r}"
        )
    return float(value)


class _Away:
    """What a question to Redis answers while Redis is away and the store paces locally."""


_AWAY: Final = _Away()


class _Health:
    """Whether Redis answers; while it does not, when to ask it again, one question at a time."""

    __slots__ = ("_away_since", "_interval", "_name", "_probing", "_retry_at", "_when")

    def __init__(self, name: str, when_unavailable: str, retry_interval: float) -> None:
        self._name = name
        self._when = when_unavailable
        self._interval = retry_interval
        self._away_since: float | None = None
        self._retry_at = 0.0
        self._probing = False

    @property
    def away(self) -> bool:
        return self._away_since is not None

    def permit(self) -> bool:
        """Whether to ask Redis now: it answers, or it is time to see whether it is back."""
        if self._away_since is None:
            return True
        if self._probing or time.monotonic() < self._retry_at:
            return False
        self._probing = True
        return True

    def answered(self) -> None:
        self._probing = False
        if self._away_since is not None:
            away_for = time.monotonic() - self._away_since
            self._away_since = None
            _log.info(
                "Redis at %s answers again after %.1f s: pacing and event de-duplication "
                "are shared through it again",
                self._name,
                away_for,
            )

    def failed(self, failure: str) -> None:
        """Redis did not answer: `failure` says how (its password already replaced)."""
        self._probing = False
        now = time.monotonic()
        self._retry_at = now + self._interval
        if self._away_since is not None:
            return
        self._away_since = now
        then = (
            "requests and event claims fail with StoreUnavailableError"
            if self._when == "fail"
            else "pacing falls back to a local bucket per account and family, at the same "
            "rate, in this process alone, and event ids to this process's memory"
        )
        _log.warning(
            "Redis at %s is unavailable (%s): %s until it answers (asked again every %g s)",
            self._name,
            failure,
            then,
            self._interval,
        )

    def abandoned(self) -> None:
        """The question was cancelled before Redis answered: let another ask."""
        self._probing = False


def _secrets(url: str) -> tuple[str, ...]:
    """What in `url` may be a credential, to keep it out of anything this module says.

    The password (as written and decoded), the whole user part, a lone user
    (which may be a password: ``redis://SECRET@host``), the query's passwords.
    """
    try:
        parts = urllib.parse.urlparse(url)
    except ValueError:
        return ()
    userinfo = parts.netloc.rpartition("@")[0]
    user, colon, password = userinfo.partition(":")
    found = [userinfo, password, urllib.parse.unquote(password)]
    if not colon:
        found += [user, urllib.parse.unquote(user)]
    found += urllib.parse.parse_qs(parts.query).get("password", [])
    # The longest first: a secret holding another is replaced whole.
    return tuple(sorted({secret for secret in found if secret}, key=len, reverse=True))


def _describe(exc: BaseException, secrets: tuple[str, ...]) -> str:
    """`exc` in a few words: its type and message, any password in it replaced."""
    text = f"{type(exc).__name__}: {str(exc) or 'no answer'}"
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


class _SharedBucket:
    """One bucket whose slots are booked in Redis (see the module's docstring)."""

    __slots__ = ("_args", "_key", "_local", "_lock", "_rate", "_said", "_store")

    def __init__(self, store: RedisStore, key: str, rate: RateLimit, margin: float) -> None:
        self._store = store
        self._key = key
        self._rate = rate
        period = rate.period + margin
        interval = period / rate.requests
        # Checked before any rounding: an infinite period cannot be rounded.
        if not (period <= _LONGEST and interval <= _LONGEST):
            raise ConfigurationError(
                f"rate_limit {rate} cannot be paced through Redis: its period plus the "
                f"store's margin ({period:g} s) and the interval between two requests "
                f"({interval:g} s) must each be at most {_LONGEST_SAID}"
            )
        interval_us = math.ceil(interval * 1_000_000)
        horizon_us = max(math.ceil(period * 1_000_000), interval_us)
        # Recorded with the bucket and compared as text: equal rates, written
        # alike (RateLimit(20) is RateLimit(20.0)), give equal texts.
        self._said = (
            f"RateLimit(requests={float(rate.requests)!r}, period={float(rate.period)!r}), "
            f"margin {margin!r} s"
        )
        self._args = (interval_us, horizon_us, self._said)
        # One question to Redis at a time from this process; the rest queue here, in order.
        self._lock = asyncio.Lock()
        self._local: Limiter | None = None

    def __repr__(self) -> str:
        return f"<shared bucket {self._key} {self._rate}>"

    async def acquire(self) -> None:
        """Book this bucket's next free slot in Redis and wait for it (see `RedisStore`).

        Raises:
            StoreUnavailableError: Redis is away and the store fails closed; nothing was sent.
            ConfigurationError: Redis answered with an error; nothing was sent.
        """
        wait = await self._book()
        if wait is None:
            if self._local is None:
                self._local = self._rate.limiter()
            await self._local.acquire()
        elif wait > 0:
            await asyncio.sleep(wait)

    async def _book(self) -> float | None:
        """Seconds to wait for a booked slot, or None when Redis is away (pace locally)."""
        store = self._store
        async with self._lock:
            while True:
                answer = await store._ask(self._reserve, _NOT_SENT)  # noqa: SLF001 - its store
                if isinstance(answer, _Away):
                    return None
                if isinstance(answer, str):
                    raise self._another_rate(answer)
                if answer >= 0:
                    return answer / 1_000_000
                # Every slot within the horizon is booked: ask again when one is not.
                await asyncio.sleep(-answer / 1_000_000)

    async def _reserve(self, client: aioredis.Redis) -> int | str:
        """The script's answer: µs to wait (or, < 0, to ask again), or the bucket's other rate."""
        try:
            answer = await client.evalsha(_RESERVE_SHA, 1, self._key, *self._args)
        except NoScriptError:
            # A restarted (or flushed) Redis forgot the script: EVAL sends it and caches it.
            answer = await client.eval(_RESERVE, 1, self._key, *self._args)
        if isinstance(answer, list):
            (recorded,) = answer
            text = recorded.decode(errors="replace") if isinstance(recorded, bytes) else recorded
            return str(text)[:200]
        return int(answer)

    def _another_rate(self, recorded: str) -> ConfigurationError:
        """The bucket is live in Redis at `recorded`, not at this client's rate."""
        return ConfigurationError(
            f"a client (in this process or another) paces this bucket at {recorded} through "
            f"Redis at {self._store.url}; a client asking for {self._said} would break it. "
            "Give every client of one account, in every process, the same rate_limit, and "
            "every RedisStore the same margin (a bucket idle for a second past its pace "
            "forgets its rate)"
        )


class RedisStore:
    """Buckets and event ids in Redis, shared by every process that uses the same server.

    Give it to a `SessionPool` as its `rate_store`, and to a
    `WebhookReceiver` as its `dedupe`; close it (``async with`` or
    `aclose`) after them. See the module's docstring for how it works.

    It belongs to the event loop it is first used on (another loop gets
    `EventLoopError`); when that loop ends (`asyncio.run` returns), the
    connections close with it, closed or not.

    Args:
        url: The server, as redis-py takes it: ``redis://[[user]:password@]host[:port][/db]``,
            ``rediss://`` for TLS, ``unix:///path/to/socket``, with a password
            %-encoded (`urllib.parse.quote(password, safe="")`). Its user part
            never appears in a repr, a log line or an error: it shows as ``***@``.
        when_unavailable: What a request (or event claim) does while Redis is
            away: ``"fail"`` raises `StoreUnavailableError` and sends nothing;
            ``"local"`` paces (and de-duplicates) in this process alone.
        namespace: The first part of every key, to share a server with
            other applications or other deployments.
        connect_timeout: Seconds to wait for a connection to Redis.
        timeout: Seconds to wait for an answer to one command.
        retry_interval: While Redis is away, seconds between two checks
            whether it is back.
        margin: Seconds added to each limit's period for the jitter between
            here and the provider: `RateLimit(20)` sends at most 20
            requests every 1.05 s by default.
        event_ttl: Seconds an event id is remembered (a day, like `Deduplicator`), up
            to ten years.
        max_connections: Connections to Redis at most, from this process.

    Raises:
        ConfigurationError: an option out of range, or a URL redis-py cannot use. (A
            `RateLimit` whose period, or interval between two requests, is over ten
            years is refused by `limiter`, when a pool first paces with it.)
    """

    def __init__(
        self,
        url: str,
        *,
        when_unavailable: Literal["fail", "local"] = "fail",
        namespace: str = "conferencing",
        connect_timeout: float = 1.0,
        timeout: float = 1.0,
        retry_interval: float = 2.0,
        margin: float = 0.05,
        event_ttl: float = 86_400.0,
        max_connections: int = 16,
    ) -> None:
        """Check the options and prepare the connections (made on first use)."""
        # No local variable holds the URL itself (see `_Url`), and nothing
        # raised here carries redis-py's error: its words may quote the password.
        target = _Url(url)
        del url
        if not isinstance(target.text, str):
            raise ConfigurationError(
                f"url must be a redis:// URL string, got {type(target.text).__name__}"
            )
        if when_unavailable not in _WHEN_UNAVAILABLE:
            raise ConfigurationError(
                f'when_unavailable must be "fail" or "local", got {when_unavailable!r}'
            )
        given_namespace: object = namespace
        if (
            not isinstance(given_namespace, str)
            or not given_namespace
            or not given_namespace.isprintable()
            or " " in given_namespace
        ):
            raise ConfigurationError(
                f"namespace must be a non-empty string without spaces, got {namespace!r}"
            )
        given: object = max_connections
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ConfigurationError(f"max_connections must be an int >= 1, got {given!r}")
        connect = _seconds("connect_timeout", connect_timeout)
        answer = _seconds("timeout", timeout)
        self._retry_interval = _seconds("retry_interval", retry_interval)
        self._margin = _seconds("margin", margin, zero=True, most=_LONGEST)
        self._event_ttl_ms = math.ceil(_seconds("event_ttl", event_ttl, most=_LONGEST) * 1000)
        name, problem = _examine(target.text)
        if problem is None:
            try:
                self._client: aioredis.Redis = aioredis.Redis.from_url(
                    target.text,
                    socket_connect_timeout=connect,
                    socket_timeout=answer,
                    # redis-py retries three times with backoff by default: a Redis
                    # that is away would hold every request for seconds. Away is
                    # this store's business, once (see `_Health`).
                    retry=Retry(NoBackoff(), 0),
                    max_connections=max_connections,
                )
            except (ValueError, TypeError):
                problem = "redis-py cannot use its options"
        if problem is not None:
            raise ConfigurationError(f"Redis URL {name} is not usable: {problem}")
        self._name = name
        self._when = when_unavailable
        self._namespace = namespace
        # A command that connects and then waits for its answer; beyond that, Redis is away.
        self._bound = connect + answer
        self._gate = asyncio.Semaphore(max_connections)
        self._secrets = _secrets(target.text)
        self._health = _Health(name, when_unavailable, self._retry_interval)
        self._local_ids: Deduplicator | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        #: Open while the loop that uses the store runs (see `_close_with_loop`).
        self._keeper: AsyncGenerator[None] | None = None
        #: Whether the connections were closed, on the loop they belong to.
        self._released = False
        self._closed = False

    def __repr__(self) -> str:
        """Where the store is (its password hidden) and what it does while Redis is away."""
        # Defaults for a store whose __init__ failed: tracebacks rendered with
        # their locals (Sentry, pytest --showlocals) show it too.
        name = getattr(self, "_name", "<no usable URL>")
        when = getattr(self, "_when", None)
        return f"<RedisStore {name} when_unavailable={when!r}>"

    @property
    def url(self) -> str:
        """The server's URL, its user part (user and password) replaced by ``***``."""
        return self._name

    @property
    def when_unavailable(self) -> Literal["fail", "local"]:
        """``"fail"`` or ``"local"``: what happens while Redis is away."""
        return self._when

    @property
    def available(self) -> bool:
        """False from a failed command until one succeeds again."""
        return not self._health.away

    def limiter(self, key: str, rate: RateLimit) -> Limiter:
        """The bucket `key` (hashed into a key of this store's namespace), paced at `rate`.

        Raises:
            ConfigurationError: `rate`'s period plus `margin`, or its interval between
                two requests, is over ten years.
        """
        if not isinstance(rate, RateLimit):
            raise ConfigurationError(f"rate must be a RateLimit, got {rate!r}")
        redis_key = f"{self._namespace}:rate:{_hashed(key)}"
        return _SharedBucket(self, redis_key, rate, self._margin)

    async def claim(self, event_id: str) -> bool:
        """Record `event_id` for `event_ttl` seconds; True if no process had recorded it.

        Raises:
            StoreUnavailableError: Redis is away and the store fails closed.
            ConfigurationError: Redis answered with an error (the event is not handed on).
        """
        key = f"{self._namespace}:event:{_hashed(event_id)}"
        ttl = self._event_ttl_ms

        async def set_if_absent(client: aioredis.Redis) -> bool:
            return bool(await client.set(key, b"1", nx=True, px=ttl))

        answer = await self._ask(set_if_absent, "the event was not handed on")
        if isinstance(answer, _Away):
            if self._local_ids is None:
                self._local_ids = Deduplicator(ttl=self._event_ttl_ms / 1000)
            return await self._local_ids.claim(event_id)
        return answer

    async def ping(self) -> None:
        """Check that Redis answers now.

        Raises:
            StoreUnavailableError: it does not (whatever `when_unavailable` says).
            ConfigurationError: it answers with an error (an ACL that forbids PING).
        """
        await self._enter()
        try:
            async with asyncio.timeout(self._bound):
                await self._client.ping()
        except (*_AWAY_ERRORS, RedisError) as exc:
            away = isinstance(exc, _AWAY_ERRORS)
            failure = _describe(exc, self._secrets)
        else:
            return
        # Raised outside the `except` clause, so that nothing is chained (see `_away`).
        if not away:
            raise self._refused(failure, "PING failed") from None
        raise self._unavailable(failure, "PING failed") from None

    async def _ask(
        self, command: Callable[[aioredis.Redis], Awaitable[_T]], outcome: str
    ) -> _T | _Away:
        """Run `command` on Redis, or say that Redis is away (raising when failing closed).

        `outcome` says what failing closed means for the caller ("the request was not sent").
        """
        await self._enter()
        health = self._health
        async with self._gate:
            if not health.permit():
                return self._away(None, outcome)
            try:
                async with asyncio.timeout(self._bound):
                    answer = await command(self._client)
            except (*_AWAY_ERRORS, RedisError) as exc:
                away = isinstance(exc, _AWAY_ERRORS)
                failure = _describe(exc, self._secrets)
            except BaseException:
                health.abandoned()
                raise
            else:
                health.answered()
                return answer
            if not away:
                # Redis answered, with an error: it is up, and the fault is this command's.
                health.answered()
                raise self._refused(failure, outcome) from None
            health.failed(failure)
            return self._away(failure, outcome)

    def _away(self, failure: str | None, outcome: str) -> _Away:
        """Redis is away (`failure` says why, when it was just asked): pace locally, or raise.

        Raised outside any `except` clause and `from None`, so that redis-py's
        error is neither `__cause__` nor `__context__`: one of its frames holds
        the password in a local variable (`auth_args`), and tracebacks rendered
        with their locals (Sentry, pytest --showlocals) would show it. Its type
        and message are in ours, as the aiohttp send path does.
        """
        if self._when == "local":
            return _AWAY
        raise self._unavailable(failure, outcome) from None

    def _refused(self, failure: str, outcome: str) -> ConfigurationError:
        """Redis answered a command with an error: a setting is wrong, not Redis away.

        An option Redis cannot take, a key of another type in this store's
        namespace, an ACL that forbids a command, a read-only replica, a
        full `maxmemory`. That one call fails; the store goes on using Redis.
        """
        return ConfigurationError(
            f"Redis at {self._name} answered with an error ({failure}): {outcome}. Redis is "
            "up: check this store's options, the keys of its namespace and the server's "
            "settings (ACL, replica, maxmemory)"
        )

    def _unavailable(self, failure: str | None, outcome: str) -> StoreUnavailableError:
        if failure is None:
            what = f"is away (asked again every {self._retry_interval:g} s)"
        else:
            what = f"did not answer ({failure})"
        return StoreUnavailableError(
            f"Redis at {self._name} {what}: {outcome}", store=self._name, request_sent=False
        )

    async def _enter(self) -> None:
        """Refuse a closed store or another loop; on first use, bind the store to this loop."""
        if self._closed:
            raise ClientClosedError("this RedisStore is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
            self._keeper = self._close_with_loop()
            await anext(self._keeper)
        elif loop is not self._loop:
            raise EventLoopError(
                "this RedisStore was first used on another event loop, and its connections "
                "belong to that loop; create it inside the loop that uses it"
            )

    async def _close_with_loop(self) -> AsyncGenerator[None]:
        """Waits, from the store's first use, for the end of its loop, and closes the connections.

        Connections belong to the loop they were opened on: once it is closed,
        no other loop can close them, and their sockets stay open (a
        ResourceWarning). A loop closes the async generators first run on it
        before it closes (`loop.shutdown_asyncgens()`, which `asyncio.run`
        calls once its tasks are done): this one is, so a store used in one
        `asyncio.run` and never closed there leaves nothing open.
        """
        try:
            yield
        finally:
            try:
                with contextlib.suppress(*_AWAY_ERRORS, RedisError):
                    await self._client.aclose()
            finally:
                self._released = True

    async def aclose(self) -> None:
        """Close the connections to Redis; calling it again does nothing.

        On a loop other than the one that used the store: once that loop has
        ended (`asyncio.run` returned), its connections were closed with it,
        and the store is closed now.

        Raises:
            EventLoopError: the loop that used the store has not ended; the store
                is not closed: close it on that loop. Or it ended without closing its
                async generators (`asyncio.run` does; a bare `loop.close()` does not):
                its connections could not be closed, and the store is closed.
        """
        if self._closed:
            return
        used_on = self._loop
        if used_on is not None and used_on is not asyncio.get_running_loop():
            if not used_on.is_closed():
                raise EventLoopError(
                    "this RedisStore was used on another event loop, which has not ended, "
                    "and its connections belong to that loop: close it on that loop"
                )
            self._closed = True
            if not self._released:
                raise EventLoopError(
                    "this RedisStore was used on an event loop that closed without closing "
                    "its async generators (loop.shutdown_asyncgens(), which asyncio.run "
                    "calls): its connections to Redis could not be closed"
                )
            return
        self._closed = True
        if self._keeper is None:
            await self._client.aclose()
        else:
            await self._keeper.aclose()

    async def __aenter__(self) -> Self:
        """The store itself; connections are made on first use."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the connections."""
        await self.aclose()
