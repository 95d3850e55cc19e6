"""What every provider client shares: base URL rules, pool ownership, sending."""

from __future__ import annotations

import ipaddress
import os
import platform
import re
from collections.abc import Callable, Coroutine, Mapping
from types import TracebackType
from typing import Any, ClassVar, Final, Self, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import aiohttp
import yarl
from attrs import AttrsInstance

from . import _wire
from ._errors import ClientClosedError, ConfigurationError
from ._headers import AuthHeaders
from ._observe import Hooks, Observers, observers
from ._options import Options, with_extras
from ._pool import SessionPool, check_seconds
from ._ratelimit import Limiter, RateLimit
from ._raw import CAPTURE, capturing
from ._retry import NO_RETRY, RetryPolicy
from ._send import Answer, Call, Dialect, send
from ._version import __version__

__all__ = ["USER_AGENT", "AuthHeaders", "BaseClient", "credential", "json_headers"]

#: Who is calling, in every request: this library, its version, Python's and aiohttp's.
USER_AGENT: Final = (
    f"conferencing/{__version__} Python/{platform.python_version()} aiohttp/{aiohttp.__version__}"
)

_T = TypeVar("_T")
_USERINFO = re.compile(r"//[^/?#]*@")
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_MAX_HOST = 253
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def credential(
    value: str | None,
    env: str,
    what: str,
    client: str,
    check: Callable[[str], object] | None = None,
) -> str:
    """Return `value`, or the environment variable `env`, or raise `ConfigurationError`.

    `check`, when given, judges the value first (an id that goes into URLs
    raises `ValidationError` for what cannot stand in a path).
    """
    if value is None:
        value = os.environ.get(env)
    if value is not None and not isinstance(value, str):
        raise ConfigurationError(f"{what} for {client} must be a string")
    if not value:
        raise ConfigurationError(
            f"{client} needs {what}: pass it, or set the environment variable {env}"
        )
    if check is not None:
        check(value)
    if _has_control(value):
        # A line break would split the Authorization header; other control
        # characters make HTTP libraries refuse the header at send time.
        raise ConfigurationError(f"{what} for {client} contains a control character")
    return value


def _has_control(text: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)  # noqa: PLR2004


def _usable_host(raw_host: str) -> bool:
    """An IP address, or a DNS name of labels of 1..63 letters, digits, '-' or '_'."""
    try:
        ipaddress.ip_address(raw_host)
    except ValueError:
        pass
    else:
        return True
    name = raw_host.removesuffix(".")
    return 0 < len(name) <= _MAX_HOST and all(_LABEL.fullmatch(label) for label in name.split("."))


def json_headers(authorization: str) -> AuthHeaders:
    """The headers every JSON request of a client carries."""
    return AuthHeaders(
        {
            "Authorization": authorization,
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _without_userinfo(url: str) -> str:
    """`url` fit for an error message: a password in it is not repeated."""
    return _USERINFO.sub("//***@", url)


def _split_base_url(value: str, *, allow_insecure_http: bool, client: str) -> tuple[str, str]:
    """Check a base URL and return it without a trailing '/', and its origin."""
    if not isinstance(value, str):
        raise ConfigurationError(f"{client} base_url must be a string")
    invalid = ConfigurationError(
        f"{client} base_url is not a usable URL: {_without_userinfo(value)!r}"
    )
    if any(c.isspace() for c in value) or _has_control(value):
        raise invalid
    try:
        parts = urlsplit(value)
        port = parts.port
        # What aiohttp will send: the host IDNA-encoded, which fails for
        # empty or over-long labels and odd characters.
        raw_host = yarl.URL(value).raw_host
    except ValueError:  # UnicodeError included
        raise invalid from None
    host = parts.hostname
    if raw_host is not None and not _usable_host(raw_host):
        raise invalid
    if parts.scheme not in {"http", "https"} or not host:
        raise ConfigurationError(
            f"{client} base_url must be an absolute http(s) URL, got {_without_userinfo(value)!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"{client} base_url must not carry a query, fragment or user info, got "
            f"{parts.scheme}://{host}{parts.path}"
        )
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(host):
        raise ConfigurationError(
            f"{client} refuses plain http:// to {host}: credentials would travel "
            "unencrypted; use https, a loopback address, or allow_insecure_http=True"
        )
    # One spelling per server, so that pacing keys and sessions are shared
    # by every way of writing it: `HOST.`, `host:443` and `host` are one origin.
    host = host.removesuffix(".")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        netloc = f"{netloc}:{port}"
    origin = f"{parts.scheme}://{netloc}"
    return origin + parts.path.rstrip("/"), origin


class BaseClient:
    """Pool ownership, lifecycle and the route to the one send path."""

    _dialect: ClassVar[Dialect]
    #: Where, in every URL, the endpoint family's name starts (set by subclasses).
    _family_prefix: str
    #: The account this client speaks for, as pacing keys it (see `_account_is`).
    _account: str
    #: The headers of every request: credentials, JSON, User-Agent (set by subclasses).
    _headers: AuthHeaders

    def __init__(
        self,
        *,
        base_url: str,
        pool: SessionPool | None,
        timeout: float | None,
        allow_insecure_http: bool,
        retry: RetryPolicy | None,
        rate_limit: RateLimit | None,
        hooks: Hooks | None = None,
    ) -> None:
        name = type(self).__name__
        if not isinstance(allow_insecure_http, bool):
            raise ConfigurationError(f"{name} allow_insecure_http must be True or False")
        self._base_url, self._origin = _split_base_url(
            base_url, allow_insecure_http=allow_insecure_http, client=name
        )
        if pool is not None and not isinstance(pool, SessionPool):
            raise ConfigurationError(f"{name} pool must be a SessionPool")
        if timeout is not None:
            check_seconds(f"{name} timeout", timeout)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"{name} retry must be a RetryPolicy or None")
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise ConfigurationError(f"{name} rate_limit must be a RateLimit or None")
        self._pool = pool
        self._owns_pool = pool is None
        self._timeout = float(timeout) if timeout is not None else None
        self._retry = retry if retry is not None else NO_RETRY
        self._rate_limit = rate_limit
        if hooks is not None and not isinstance(hooks, Hooks):
            raise ConfigurationError(f"{name} hooks must be a conferencing.Hooks, got {hooks!r}")
        self._hooks = hooks
        #: The pool the observers below were worked out for, and them.
        self._watched: tuple[SessionPool | None, Observers | None] = (None, None)
        self._closed = False

    def _account_is(self, account: str) -> None:
        """Name the account whose pace this client keeps (subclasses, once credentials are known).

        `account` must hold no credential: it is a user id or a hash of a key.
        """
        self._account = account
        if self._rate_limit is not None and self._pool is not None:
            self._pool.pace(self._origin, account, self._rate_limit)

    @property
    def base_url(self) -> str:
        """The URL every request path is appended to."""
        return self._base_url

    @property
    def closed(self) -> bool:
        """Whether this client was closed, or its pool was."""
        return self._closed or (self._pool is not None and self._pool.closed)

    def _active_pool(self) -> SessionPool:
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        if self._pool is None:
            raise ClientClosedError(
                f"{type(self).__name__} has no pool: use `async with {type(self).__name__}(...)` "
                "or pass pool=SessionPool()"
            )
        return self._pool

    def _send(
        self,
        method: str,
        url: str,
        payload: dict[str, Any] | None,
        decode: Callable[[Answer], _T],
        options: Options,
        *,
        idempotent: bool = False,
        request: AttrsInstance | None = None,
        command_id: str | None = None,
    ) -> Coroutine[Any, Any, _T]:
        """Send one request through the pool's one send path (await the result).

        `payload` is the JSON body (None for none); `options` the call's own
        (its operation name, and any timeout and extras). `idempotent` says
        the request may be repeated without effect (GETs, Telnyx commands
        with a `command_id`); `request` is the object being sent and
        `command_id` the one its body carries, both kept on an
        `OutcomeUnknownError`. Not a coroutine itself, so that each request
        runs one frame fewer.

        Raises:
            ValidationError: an extra of `options` would break the request.
        """
        pool = self._active_pool()
        headers: Mapping[str, str] = self._headers
        if options.body is not None or options.query is not None:
            url, payload = with_extras(
                options, method, url, payload, request, self._dialect.wire_name
            )
        if options.headers is not None:
            extended = AuthHeaders(headers)
            extended.update(options.headers)
            headers = extended
        captured = CAPTURE.get()
        if captured is not None:
            decode = capturing(captured, decode)
        watched_pool, watching = self._watched
        if watched_pool is not pool:
            watching = self._watch(pool)
        call = Call(  # positionally: one is built per request
            self._dialect,
            self._origin,
            method,
            url,
            headers,
            None if payload is None else _wire.dumps(payload),
            options.timeout if options.timeout is not None else self._timeout,
            idempotent,
            self._retry,
            self._limiter(pool, url) if self._rate_limit is not None else None,
            request,
            command_id,
            options.operation,
            watching,
        )
        return send(pool, call, decode)

    async def _get(
        self,
        url: str,
        query: Mapping[str, str],
        decode: Callable[[Answer], _T],
        *,
        options: Options,
    ) -> _T:
        """GET `url` with `query` (percent-encoded; none when empty), safe to retry."""
        if query:
            url = f"{url}?{urlencode(query, quote_via=quote)}"
        return await self._send("GET", url, None, decode, options=options, idempotent=True)

    def _watch(self, pool: SessionPool) -> Observers | None:
        """Work out, once per pool, who watches this client's requests: the pool's hooks, ours."""
        hooks = [h for h in (pool.hooks, self._hooks) if h is not None]
        watching = observers(hooks, tracing=pool.tracing)
        self._watched = (pool, watching)
        return watching

    def _limiter(self, pool: SessionPool, url: str) -> Limiter:
        """The pool's bucket for this account and the endpoint family `url` belongs to."""
        family = url[len(self._family_prefix) :].split("/", 1)[0].split("?", 1)[0]
        return pool._limiter(self._origin, self._account, family)  # noqa: SLF001 - the pool's own

    async def aclose(self) -> None:
        """Close the client, and its pool if it owns one; calling it again does nothing."""
        self._closed = True
        if self._owns_pool and self._pool is not None:
            await self._pool.aclose()

    async def __aenter__(self) -> Self:
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        if self._pool is None:
            self._pool = SessionPool()
            if self._rate_limit is not None:
                self._pool.pace(self._origin, self._account, self._rate_limit)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
