"""The session pool: one shared `aiohttp.ClientSession` per origin."""

from __future__ import annotations

import asyncio
import base64
import collections
import inspect
import math
import socket
import ssl as _ssl
import urllib.request
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, Literal, Self
from urllib.parse import unquote, urlsplit

import aiohttp
import attrs

from ._errors import ClientClosedError, ConfigurationError, EventLoopError
from ._fast import MAX_BODY_BYTES, FastOrigin
from ._headers import AuthHeaders
from ._observe import Hooks, Observers, observers, tracing_choice
from ._ratelimit import Limiter, RateLimit, RateStore

__all__ = ["Deadlines", "SessionPool", "check_seconds"]


def check_seconds(what: str, value: object) -> float:
    """A finite number of seconds > 0, or `ConfigurationError` naming `what`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{what} must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value <= 0:
        raise ConfigurationError(f"{what} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


class _Slots:
    """A first-in first-out limit on requests in flight to one origin.

    aiohttp's connector hands a freed connection to whichever request asks
    next, not to the one that has waited longest, so under load a few
    requests wait for seconds. Queueing in front of the connector, as wide
    as its limit, keeps the connector from ever making anyone wait, and a
    freed slot goes straight to the oldest waiter. (`asyncio.Semaphore` is
    fair too, but scans all its waiters on every acquire.)
    """

    __slots__ = ("_free", "_waiters")

    def __init__(self, size: int) -> None:
        self._free = size
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    @property
    def free(self) -> int:
        """Slots not taken."""
        return self._free

    @property
    def waiting(self) -> int:
        """Requests queued for a slot, cancelled ones not yet skipped included."""
        return len(self._waiters)

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody is queued; never waits."""
        if self._free and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        """Take a slot, queueing behind earlier requests until one is freed."""
        if self.try_acquire():
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as it was cancelled: pass it on
            raise

    def release(self) -> None:
        """Give a slot back: to the oldest live waiter, or to the free count."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # a cancelled waiter is skipped
                waiter.set_result(None)
                return
        self._free += 1


class Deadlines:
    """When each request under way must end, for one timeout length, and one timer to see to it.

    aiohttp's own total timeout schedules and cancels a timer, and enters a
    timer context on every read, for every request: about 6% of a client's
    CPU at thousands of requests a second. Here a request notes its task and
    deadline in a dict; one timer, set for the earliest deadline, cancels
    the tasks that are overdue and marks them so that the send path raises
    `RequestTimeout` instead of `CancelledError`. Every request here has the
    same timeout length, so they fall due in the order they started: the
    dict's first entry is always the earliest deadline.
    """

    __slots__ = ("_due", "_expired", "_loop", "_timer", "seconds")

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float) -> None:
        self.seconds = seconds
        self._loop = loop
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None

    def start(self, task: asyncio.Task[Any]) -> None:
        """Note that `task`'s request must end within `seconds` from now."""
        deadline = self._loop.time() + self.seconds
        self._due[task] = deadline
        if self._timer is None:  # nothing else is due: this is the earliest deadline
            self._timer = self._loop.call_at(deadline, self._expire)

    def end(self, task: asyncio.Task[Any]) -> bool:
        """Forget `task`'s deadline; say whether it passed, and `task` was cancelled for it."""
        self._due.pop(task, None)
        if self._expired and task in self._expired:
            self._expired.discard(task)
            return True
        return False

    def _expire(self) -> None:
        self._timer = None
        now = self._loop.time()
        overdue = []
        for task, deadline in self._due.items():
            if deadline > now:
                break
            overdue.append(task)
        for task in overdue:
            del self._due[task]
            self._expired.add(task)
            task.cancel()
        if self._due:
            self._timer = self._loop.call_at(next(iter(self._due.values())), self._expire)

    @property
    def idle(self) -> bool:
        """Whether no request is under way with this timeout length (its timer can go)."""
        return not self._due and not self._expired

    def close(self) -> None:
        """Stop the timer (the pool is closing)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


#: Timeout lengths kept per origin before the idle ones are forgotten.
_MAX_IDLE_DEADLINES: Final = 16


@attrs.define
class _Origin:
    """The session for one origin, the queue in front of its connections, its deadlines."""

    session: aiohttp.ClientSession
    slots: _Slots
    #: Sent to the proxy when opening a tunnel (its credentials), when there are any.
    proxy_headers: AuthHeaders | None = None
    #: The proxy (host:port) plain http requests are sent to in absolute form, so
    #: that its 407 is not taken for the provider's; None for https (a tunnel).
    proxy: str | None = None
    #: The lean transport, where it does what aiohttp would (see `conferencing._fast`).
    fast: FastOrigin | None = None
    #: One `Deadlines` per timeout length in use, created on first use.
    deadlines: dict[float, Deadlines] = attrs.field(factory=dict)

    def deadlines_for(self, seconds: float) -> Deadlines:
        """The deadlines of requests with a timeout of `seconds`."""
        found = self.deadlines.get(seconds)
        if found is None:
            if len(self.deadlines) >= _MAX_IDLE_DEADLINES:
                # Per-call timeouts may take any value (a budget left, say):
                # forget the lengths no request is waiting on, so this stays
                # small. (A request holds its own `Deadlines` to the end.)
                for length in [k for k, d in self.deadlines.items() if d.idle]:
                    self.deadlines.pop(length).close()
            found = self.deadlines[seconds] = Deadlines(asyncio.get_running_loop(), seconds)
        return found


class SessionPool:
    """HTTP sessions shared by every client given this pool, one per origin.

    Sessions are created on first use and carry no credentials (clients send
    theirs with each request), so one pool can serve many accounts and both
    providers. Close it with `async with` or `await pool.aclose()`.

    A pool belongs to the event loop it is first used on (aiohttp's sessions
    do); used from another loop it raises `EventLoopError` before sending.
    It also holds the pacing of every client given a `RateLimit`: one
    bucket per origin, account and endpoint family, shared by every client
    of that account on this pool, however many are built.

    Args:
        max_connections: Open connections per origin at most; requests over
            that wait their turn, first come first served.
        timeout: Seconds a whole request may take, connection included.
        connect_timeout: Seconds to wait for a connection (from the pool or new).
        ssl: TLS verification: `True` (the default) verifies certificates
            against the system store; an `ssl.SSLContext` uses yours; `False`
            turns verification off, for test servers only.
        rate_store: Where the pacing buckets live. By default in this pool,
            for this process; a shared store (`conferencing.redis.RedisStore`)
            makes every process using it keep one account's pace together.
        hooks: `Hooks` called for every attempt of every request on this pool.
        tracing: OpenTelemetry spans for every attempt: None (the default)
            turns them on when OpenTelemetry is installed
            (`pip install 'conferencing[otel]'`), False never, True requires it.
        proxy: An `http://` proxy every request goes through; user info in
            its URL (`http://user:pass@proxy:3128`) is sent as
            `Proxy-Authorization` and never shown. Off by default.
        trust_env: Take the proxy from `HTTP_PROXY` / `HTTPS_PROXY` (user
            info as `Proxy-Authorization`), except for hosts `NO_PROXY`
            names. Off by default, so that the environment cannot reroute
            credentials. `~/.netrc` is never read: every request carries
            its client's credentials.
        connector_options: More keywords for aiohttp's `TCPConnector`
            (`local_addr`, `family`, `keepalive_timeout`, `force_close`,
            `happy_eyeballs_delay`, `resolver`, ...). The connection limit
            and TLS are this pool's own arguments and cannot be given here.
        transport: "auto" (the default) sends through a lean HTTP/1.1
            transport of ours wherever it does exactly what aiohttp would
            (no proxy, `trust_env` or `connector_options`, and aiohttp's
            request path not mocked, as aioresponses does); "aiohttp" always
            takes aiohttp's public `ClientSession` path.
    """

    def __init__(
        self,
        *,
        max_connections: int = 100,
        timeout: float = 30.0,
        connect_timeout: float | None = 10.0,
        ssl: bool | _ssl.SSLContext = True,
        rate_store: RateStore | None = None,
        hooks: Hooks | None = None,
        tracing: bool | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        connector_options: Mapping[str, Any] | None = None,
        transport: Literal["auto", "aiohttp"] = "auto",
    ) -> None:
        given: object = max_connections
        if isinstance(given, bool) or not isinstance(given, int) or given < 1:
            raise ConfigurationError(f"max_connections must be an int >= 1, got {given!r}")
        if not isinstance(ssl, bool | _ssl.SSLContext):
            raise ConfigurationError(f"ssl must be True, False or an ssl.SSLContext, got {ssl!r}")
        self._max_connections = max_connections
        self._timeout = check_seconds("timeout", timeout)
        # The whole-request timeout is the send path's (see `Deadlines`);
        # aiohttp keeps only the time to open a connection.
        self._session_timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=(
                None
                if connect_timeout is None
                else check_seconds("connect_timeout", connect_timeout)
            ),
        )
        self._ssl = ssl
        self._origins: dict[str, _Origin] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        #: The pace of each (origin, account) and the bucket of each of its families.
        self._rates: dict[tuple[str, str], RateLimit] = {}
        self._limiters: dict[tuple[str, str, str], Limiter] = {}
        if rate_store is not None and not callable(getattr(rate_store, "limiter", None)):
            raise ConfigurationError(
                f"rate_store must have a limiter(key, rate) method, got {rate_store!r}"
            )
        self._rate_store = rate_store
        if hooks is not None and not isinstance(hooks, Hooks):
            raise ConfigurationError(f"hooks must be a conferencing.Hooks, got {hooks!r}")
        self._hooks = hooks
        self._tracing = tracing_choice(tracing)
        self._observers: Observers | None = observers(
            () if hooks is None else (hooks,), tracing=self._tracing
        )
        if not isinstance(trust_env, bool):
            raise ConfigurationError(f"trust_env must be True or False, got {trust_env!r}")
        self._trust_env = trust_env
        self._proxy, self._proxy_headers = _proxy(proxy)
        self._connector_options = _connector_options(connector_options)
        if transport not in {"auto", "aiohttp"}:
            raise ConfigurationError(f"transport must be 'auto' or 'aiohttp', got {transport!r}")
        self._transport = transport
        self._closed = False

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"{len(self._origins)} origins"
        proxy = f" proxy={self._proxy!r}" if self._proxy is not None else ""
        return f"<SessionPool max_connections={self._max_connections}{proxy} {state}>"

    @property
    def closed(self) -> bool:
        """Whether `aclose()` has been called."""
        return self._closed

    @property
    def max_connections(self) -> int:
        """Open connections per origin at most."""
        return self._max_connections

    @property
    def timeout(self) -> float:
        """Seconds a whole request may take when its client sets no timeout."""
        return self._timeout

    def _origin(self, origin: str) -> _Origin:
        """Return the session for `origin`, creating it on first use, on this pool's loop only."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._bind(loop)
        found = self._origins.get(origin)
        if found is not None:
            return found
        if self._closed:
            raise ClientClosedError("this SessionPool is closed; create a new one")
        proxy, proxy_headers = self._proxy, self._proxy_headers
        if proxy is None and self._trust_env:
            proxy, proxy_headers = _environment_proxy(origin)
        try:
            connector = aiohttp.TCPConnector(
                **{"ttl_dns_cache": 300, **self._connector_options},
                limit=self._max_connections,
                limit_per_host=0,
                ssl=self._ssl,
            )
        except (TypeError, ValueError, AssertionError) as exc:
            # Only connector_options can make it fail: their values are aiohttp's to judge.
            raise ConfigurationError(
                f"connector_options are not usable: {type(exc).__name__}: {exc}"
            ) from None
        # The proxy's credentials: an https origin is reached through a
        # CONNECT tunnel, which carries them; a plain http request goes to the
        # proxy itself and carries them in its own headers.
        tunnel_headers = session_headers = None
        if proxy_headers is not None:
            if origin.startswith("https:"):
                tunnel_headers = AuthHeaders(proxy_headers)
            else:
                session_headers = AuthHeaders(proxy_headers)
        absolute_form_proxy = None
        if proxy is not None and not origin.startswith("https:"):
            absolute_form_proxy = proxy.partition("://")[2]
        session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._session_timeout,
            raise_for_status=False,
            auto_decompress=True,
            # The environment is read here (proxies only), never by aiohttp:
            # its trust_env also reads ~/.netrc, whose credentials would clash
            # with the ones every request carries.
            trust_env=False,
            proxy=proxy,
            headers=session_headers,
            # API calls carry credentials in headers; cookies would only cost
            # time on every request and answer.
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        fast = None
        if self._transport == "auto" and proxy is None and not self._connector_options:
            fast = FastOrigin(
                origin,
                ssl=self._ssl,
                connect_timeout=self._session_timeout.sock_connect,
                max_body=MAX_BODY_BYTES,
            )
        created = _Origin(
            session=session,
            slots=_Slots(self._max_connections),
            proxy_headers=tunnel_headers,
            proxy=absolute_form_proxy,
            fast=fast,
        )
        self._origins[origin] = created
        return created

    def _bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Tie the pool to `loop` on first use; refuse any other loop after that."""
        if self._loop is None:
            self._loop = loop
            return
        raise EventLoopError(
            "this SessionPool was first used on another event loop, and its connections "
            "belong to that loop; nothing was sent. Create the pool (or a client that owns "
            "one) inside the loop that uses it, e.g. in the coroutine given to asyncio.run, "
            "once per loop"
        )

    @property
    def hooks(self) -> Hooks | None:
        """The hooks watching every request on this pool."""
        return self._hooks

    @property
    def tracing(self) -> bool:
        """Whether this pool's requests are traced with OpenTelemetry spans."""
        return self._tracing

    def pace(self, origin: str, account: str, rate: RateLimit) -> None:
        """Pace `account` at `origin` at `rate` on this pool; every client of it shares the pace.

        Raises:
            ConfigurationError: the account is already paced at another rate on this pool.
        """
        known = self._rates.setdefault((origin, account), rate)
        if known != rate:
            raise ConfigurationError(
                f"this SessionPool already paces that account at {origin} at {known}; "
                f"a client asking for {rate} would break it. Give every client of one "
                "account the same rate_limit"
            )

    def _limiter(self, origin: str, account: str, family: str) -> Limiter:
        """The bucket of one endpoint family of an account `pace` was called for."""
        key = (origin, account, family)
        found = self._limiters.get(key)
        if found is None:
            rate = self._rates[origin, account]
            if self._rate_store is None:
                found = rate.limiter()
            else:
                found = self._rate_store.limiter(f"{origin} {account} {family}", rate)
            self._limiters[key] = found
        return found

    async def aclose(self) -> None:
        """Close every session; calling it again does nothing."""
        self._closed = True
        origins, self._origins = self._origins, {}
        for origin in origins.values():
            if origin.fast is not None:
                origin.fast.close()
            for deadlines in origin.deadlines.values():
                deadlines.close()
            await origin.session.close()

    async def __aenter__(self) -> Self:
        if self._closed:
            raise ClientClosedError("this SessionPool is closed; create a new one")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


#: TCPConnector keywords this pool sets itself, from its own arguments.
_OWN_CONNECTOR_OPTIONS: Final = frozenset({"limit", "limit_per_host", "ssl", "loop"})
#: TCPConnector keywords that would turn TLS verification off behind `ssl=`.
_TLS_CONNECTOR_OPTIONS: Final = frozenset({"verify_ssl", "ssl_context", "fingerprint"})


def _connector_options(given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The extra TCPConnector keywords, each one it takes and none the pool sets itself."""
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise ConfigurationError(f"connector_options must be a mapping, got {given!r}")
    known = set(inspect.signature(aiohttp.TCPConnector).parameters)
    for name in given:
        if name in _OWN_CONNECTOR_OPTIONS or name in _TLS_CONNECTOR_OPTIONS:
            raise ConfigurationError(
                f"connector_options may not set {name}: use SessionPool's own "
                "max_connections and ssl arguments"
            )
        if name not in known:
            raise ConfigurationError(
                f"connector_options: aiohttp's TCPConnector takes no {name!r} "
                f"(aiohttp {aiohttp.__version__})"
            )
    # aiohttp checks these only when it connects, with a bare TypeError or assert.
    local_addr = given.get("local_addr")
    if local_addr is not None and not (
        isinstance(local_addr, tuple)
        and len(local_addr) == 2  # noqa: PLR2004 - (host, port)
        and isinstance(local_addr[0], str)
        and isinstance(local_addr[1], int)
    ):
        raise ConfigurationError(
            f"connector_options local_addr must be a (host, port) tuple, got {local_addr!r}"
        )
    family = given.get("family")
    if family is not None and family not in {socket.AF_UNSPEC, socket.AF_INET, socket.AF_INET6}:
        raise ConfigurationError(
            "connector_options family must be socket.AF_INET, AF_INET6 or AF_UNSPEC, "
            f"got {family!r}"
        )
    return dict(given)


def _environment_proxy(origin: str) -> tuple[str | None, AuthHeaders | None]:
    """The proxy `HTTP_PROXY` / `HTTPS_PROXY` name for `origin`, unless `NO_PROXY` exempts it."""
    parts = urlsplit(origin)
    found = urllib.request.getproxies_environment().get(parts.scheme)
    if not found or urllib.request.proxy_bypass(parts.hostname or ""):
        return None, None
    try:
        return _proxy(found)
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"the {parts.scheme.upper()}_PROXY environment variable: {exc}"
        ) from None


def _proxy(url: object) -> tuple[str | None, AuthHeaders | None]:
    """The proxy URL without user info, and the user info as a Proxy-Authorization header."""
    if url is None:
        return None, None
    if not isinstance(url, str):
        raise ConfigurationError(f"proxy must be a URL string, got {type(url).__name__}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigurationError("proxy is not a usable URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(
            "proxy must be an http:// (or https://) URL with a host, e.g. http://proxy:3128"
        )
    if parts.path not in {"", "/"} or parts.query or parts.fragment:
        raise ConfigurationError("proxy must be only scheme, host and port")
    if any(c.isspace() or ord(c) < 0x20 for c in url):  # noqa: PLR2004
        raise ConfigurationError("proxy is not a usable URL")
    host = parts.hostname
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    headers = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        basic = base64.b64encode(pair.encode()).decode("ascii")
        headers = AuthHeaders({"Proxy-Authorization": f"Basic {basic}"})
    return f"{parts.scheme}://{netloc}", headers
