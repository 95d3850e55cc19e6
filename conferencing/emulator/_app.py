"""The `Emulator`: one aiohttp server speaking both providers' APIs, and its controls."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import http
import math
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from aiohttp import web

from conferencing.emulator._catapult import CatapultApi
from conferencing.emulator._faults import BEFORE_WORK, HTML_ERROR_PAGE, FaultKind, FaultPlan, Faults
from conferencing.emulator._http import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    Handler,
    is_http_url,
    json_answer,
    read_body,
)
from conferencing.emulator._limits import RateLimits
from conferencing.emulator._media import CONTENT_TYPES, RECORDINGS_PATH, Recordings
from conferencing.emulator._state import (
    CALL_OUTCOMES,
    DEFAULT_ANSWER_DELAY,
    DEFAULT_COMMAND_ID_TTL,
    DEFAULT_MEDIA_DURATION,
    DEFAULT_RING_TIMEOUT_SCALE,
    Arrival,
    CallOutcome,
    Clock,
    Counters,
    EmulatorStats,
    Settings,
)
from conferencing.emulator._telnyx import TelnyxApi
from conferencing.emulator._telnyx_wire import bearer
from conferencing.emulator._timers import Timers
from conferencing.emulator._webhooks import (
    DEFAULT_RETRY_DELAYS,
    DEFAULT_TELNYX_TIMEOUT,
    Outbox,
    TelnyxSigner,
)

_T = TypeVar("_T")

STATS_PATH = "/_emulator/stats"


class _Provider(Protocol):
    name: str

    def add_routes(self, router: web.UrlDispatcher) -> None: ...

    def reset(self) -> None: ...

    async def serve(self, request: web.Request, handler: Handler) -> web.StreamResponse: ...

    def fault_answer(
        self, kind: FaultKind, faults: Faults, request: web.Request
    ) -> web.Response: ...


def _token(prefix: str, size: int = 16) -> str:
    return prefix + secrets.token_hex(size)


def _seconds(name: str, value: float) -> float:
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be >= 0 seconds, got {value!r}")
    return float(value)


def _outcome(number: str, outcome: str) -> CallOutcome:
    for known in CALL_OUTCOMES:
        if outcome == known:
            return known
    raise ValueError(
        f"the outcome of {number!r} must be one of {', '.join(CALL_OUTCOMES)}, got {outcome!r}"
    )


def _check_webhook_url(url: str | None) -> str | None:
    if url is not None and not is_http_url(url):
        raise ValueError(f"webhook_url must be an absolute http(s) URL, got {url!r}")
    return url


def _drop(request: web.Request, data: bytes = b"") -> web.Response:
    """Close the connection after writing `data` (maybe nothing): the client gets no answer.

    aiohttp then fails to write the returned placeholder to the closing
    transport, takes that for a client that went away, and moves on without
    logging an error.
    """
    transport = request.transport
    if transport is not None and not transport.is_closing():
        if data:
            transport.write(data)
        transport.close()
    return web.Response(status=499)


def _truncated(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Send `response` cut short, then close: see `Faults` for where the cut falls."""
    if not isinstance(response, web.Response) or not isinstance(response.body, bytes | None):
        return response
    body = response.body or b""
    reason = http.HTTPStatus(response.status).phrase
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [
        f"{name}: {value}"
        for name, value in response.headers.items()
        if name.lower() not in {"content-length", "connection", "transfer-encoding"}
    ]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    if body:
        return _drop(request, head + body[: len(body) // 2])
    return _drop(request, head[: len(head) // 2])


async def _read_ahead(request: web.Request) -> bool:
    """Read the whole request body now; False if the client went away meanwhile.

    A body over the size cap is left for the provider to refuse, in its own words.
    """
    try:
        with contextlib.suppress(BodyTooLarge):
            await read_body(request)
    except ConnectionError:
        return False
    return True


async def _serve(provider: _Provider, request: web.Request, handler: Handler) -> web.StreamResponse:
    """Let `provider` answer; a client gone before its body was read gets no answer."""
    try:
        return await provider.serve(request, handler)
    except ConnectionError:
        return _drop(request)


def _arrival(provider: str, request: web.Request) -> Arrival:
    """Note one request's arrival, naming its account without keeping any credential."""
    account: str | None
    if provider == "telnyx":
        key = bearer(request)
        account = None if key is None else hashlib.sha256(key.encode()).hexdigest()[:16]
    else:
        parts = request.path.split("/")
        account = parts[3] if len(parts) > 3 and parts[2] == "users" else None  # noqa: PLR2004
    return Arrival(time.monotonic(), provider, request.method, request.path, account)


class Emulator:
    """A local Telnyx v2 and Catapult v1 conference API on one aiohttp server.

    Use it as ``async with Emulator() as emu:``; point a Telnyx client at
    `telnyx_url` with `telnyx_api_key`, a Catapult client at `catapult_url`
    with `catapult_user_id`, `catapult_api_token` and `catapult_api_secret`.
    Credentials not given are random per instance. Control methods and
    `stats` are safe to call from any thread.

    It calls back as the providers do: Telnyx events to `webhook_url`, signed
    with the key whose public half is `telnyx_public_key`; Catapult callbacks
    to the ``callbackUrl`` of each conference and call. Deliveries are queued
    and sent in the background; `deliveries_settled` waits for them.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        telnyx_api_key: str | None = None,
        telnyx_extra_api_keys: Iterable[str] = (),
        catapult_user_id: str | None = None,
        catapult_api_token: str | None = None,
        catapult_api_secret: str | None = None,
        faults: Faults | None = None,
        rate_limits: RateLimits | None = None,
        catapult_absolute_locations: bool = False,
        command_id_ttl: float = DEFAULT_COMMAND_ID_TTL,
        webhook_url: str | None = None,
        telnyx_signing_key: str | bytes | None = None,
        webhook_timeout: float = DEFAULT_TELNYX_TIMEOUT,
        webhook_retry_delays: Iterable[float] = DEFAULT_RETRY_DELAYS,
        answer_delay: float = DEFAULT_ANSWER_DELAY,
        call_outcomes: Mapping[str, CallOutcome] | None = None,
        ring_timeout_scale: float = DEFAULT_RING_TIMEOUT_SCALE,
        media_duration: float = DEFAULT_MEDIA_DURATION,
        telnyx_unknown_connection_ids: Iterable[str] = (),
        arrival_log: int = 0,
    ) -> None:
        """Configure the emulator; `start` (or ``async with``) binds and serves it.

        Args:
            host: Address to bind; 127.0.0.1 keeps it on this machine.
            port: Port to bind; 0 picks any free one.
            telnyx_api_key: The Bearer key Telnyx requests must carry.
            telnyx_extra_api_keys: More keys accepted; ``command_id`` is remembered per key.
            catapult_user_id: The only ``{userId}`` Catapult paths may name.
            catapult_api_token: Catapult's basic-auth user name.
            catapult_api_secret: Catapult's basic-auth password.
            faults: Faults to inject into provider requests; none by default.
            rate_limits: Rate limits to enforce; none by default.
            catapult_absolute_locations: Answer ``Location`` with absolute URLs
                instead of the documented ``/v1/users/...`` paths.
            command_id_ttl: Seconds a Telnyx ``command_id`` is remembered, after
                which the same id is a new command. Telnyx documents no window;
                the default, 600 s, outlasts any client's retries (seconds to a
                minute) many times over, while an emulator left running for
                days still forgets, so its memory stays bounded.
            webhook_url: Where Telnyx events are POSTed; None (the default)
                sends none. Catapult callbacks go to the URLs its requests give.
            telnyx_signing_key: The Ed25519 private key (its 32-byte seed, raw
                or Base64) Telnyx webhooks are signed with; random if not given.
            webhook_timeout: Seconds a Telnyx webhook waits for its answer (2 s,
                what Telnyx asks of receivers). Catapult callbacks wait their
                ``callbackTimeout``.
            webhook_retry_delays: Seconds before each retry of a failed
                delivery, one retry per delay; the default (0.1, 0.2) makes the
                three attempts Telnyx documents, quickly.
            answer_delay: Seconds a dialed call (Telnyx ``POST /v2/calls``,
                Catapult ``POST /calls``) rings before it is answered, busy or
                rejected; 0.05 by default. 0 settles it within the request:
                the call is answered before the dial's answer is sent.
            call_outcomes: The number (or SIP URI) dialed -> ``"answer"``,
                ``"no_answer"``, ``"busy"`` or ``"reject"``; any other number
                answers. `set_call_outcome` changes one while it runs.
            ring_timeout_scale: A call nobody answers rings its documented
                timeout (Telnyx ``timeout_secs``, 30 s unless given; Catapult
                ``callTimeout``, 60 s unless given) times this: 0.01 by
                default, so 30 s ring 0.3 s.
            media_duration: Seconds one playback loop or one spoken text lasts
                before its ended (done) event; 0.05 by default.
            telnyx_unknown_connection_ids: ``connection_id`` values that name no
                Call Control App, so dialing with them is refused (10015); any
                other well-formed one is taken as configured.
            arrival_log: How many of the latest provider requests `arrivals`
                keeps (when each arrived, and for which account); 0, the
                default, keeps none.

        Raises:
            ValueError: `command_id_ttl` or `webhook_timeout` is not a positive
                number of seconds, a retry delay, `answer_delay`,
                `ring_timeout_scale` or `media_duration` is negative, an outcome
                is not one of the four, `webhook_url` is not an absolute http(s)
                URL, `telnyx_signing_key` is not 32 bytes, or `arrival_log` is
                not an int >= 0.
        """
        if not command_id_ttl > 0:
            raise ValueError(f"command_id_ttl must be > 0 seconds, got {command_id_ttl!r}")
        if not (webhook_timeout > 0 and math.isfinite(webhook_timeout)):
            raise ValueError(f"webhook_timeout must be > 0 seconds, got {webhook_timeout!r}")
        log_size: object = arrival_log
        if isinstance(log_size, bool) or not isinstance(log_size, int) or log_size < 0:
            raise ValueError(f"arrival_log must be an int >= 0, got {arrival_log!r}")
        self._arrivals: collections.deque[Arrival] | None = (
            collections.deque(maxlen=arrival_log) if arrival_log else None
        )
        self._host = host
        self._port = port
        self._telnyx_api_key = telnyx_api_key or _token("KEY")
        self._settings = Settings(
            telnyx_api_keys=frozenset({self._telnyx_api_key, *telnyx_extra_api_keys}),
            catapult_user_id=catapult_user_id or _token("u-", 10),
            catapult_api_token=catapult_api_token or _token("t-", 12),
            catapult_api_secret=catapult_api_secret or secrets.token_urlsafe(24),
            rate_limits=rate_limits,
            catapult_absolute_locations=catapult_absolute_locations,
            telnyx_command_id_ttl=command_id_ttl,
            telnyx_connection_id=str(secrets.randbelow(10**18) + 10**18),
            webhook_url=_check_webhook_url(webhook_url),
            webhook_timeout=webhook_timeout,
            answer_delay=_seconds("answer_delay", answer_delay),
            ring_timeout_scale=_seconds("ring_timeout_scale", ring_timeout_scale),
            media_duration=_seconds("media_duration", media_duration),
            call_outcomes={
                number: _outcome(number, outcome)
                for number, outcome in (call_outcomes or {}).items()
            },
            unknown_connections=set(telnyx_unknown_connection_ids),
        )
        self._signer = TelnyxSigner(telnyx_signing_key)
        self._clock = Clock()
        self._counters = Counters()
        self._faults = faults or Faults()
        self._plan = FaultPlan(self._faults)
        self._outbox = Outbox(self._counters, self._faults, webhook_retry_delays)
        self._timers = Timers()
        self._recordings = Recordings()
        self._telnyx = TelnyxApi(
            self._settings,
            self._counters,
            self._clock,
            self._outbox,
            signer=self._signer,
            timers=self._timers,
            recordings=self._recordings,
        )
        self._catapult = CatapultApi(
            self._settings, self._counters, self._clock, self._outbox, timers=self._timers
        )
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bound_port: int | None = None

    def __repr__(self) -> str:
        """Show where it listens, never the key, token or secret."""
        where = self.base_url if self._bound_port is not None else "not started"
        return f"<Emulator {where} catapult_user_id={self.catapult_user_id!r}>"

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Bind the socket and start serving."""
        if self._runner is not None:
            raise RuntimeError("the emulator is already running")

        @web.middleware
        async def gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
            return await self._gateway(request, handler)

        app = web.Application(middlewares=[gateway], client_max_size=MAX_BODY_BYTES)
        app.on_response_prepare.append(_add_request_id)
        self._telnyx.add_routes(app.router)
        self._catapult.add_routes(app.router)
        app.router.add_get(STATS_PATH, self._stats_answer)
        app.router.add_get(RECORDINGS_PATH + "/{file_name}", self._recording_answer)
        # A short grace period: a "slow" fault must not hold up closing for a minute.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self._loop = asyncio.get_running_loop()
        self._bound_port = int(runner.addresses[0][1])
        self._settings.origin = self.base_url
        await self._outbox.start()

    async def close(self) -> None:
        """Stop serving and delivering (undelivered events are dropped); closing twice is fine."""
        runner, self._runner = self._runner, None
        self._timers.cancel_all()
        if runner is not None:
            await runner.cleanup()
        await self._outbox.close()
        self._loop = None

    async def __aenter__(self) -> Self:
        """Start, and hand back the running emulator."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop serving."""
        await self.close()

    # --- where and who -------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The server's origin, like ``http://127.0.0.1:8080``."""
        if self._bound_port is None:
            raise RuntimeError("the emulator has not been started")
        host = self._host
        if host in {"", "0.0.0.0"}:  # noqa: S104 - naming the wildcard, not binding it
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._bound_port}"

    @property
    def telnyx_url(self) -> str:
        """Telnyx's base URL, ending in ``/v2``."""
        return self.base_url + "/v2"

    @property
    def catapult_url(self) -> str:
        """Catapult's base URL: the origin; clients add ``/v1/users/{userId}/...``."""
        return self.base_url

    @property
    def stats_url(self) -> str:
        """The URL of the stats endpoint (JSON, no auth)."""
        return self.base_url + STATS_PATH

    @property
    def command_id_ttl(self) -> float:
        """Seconds a Telnyx ``command_id`` is remembered."""
        return self._settings.telnyx_command_id_ttl

    @property
    def telnyx_api_key(self) -> str:
        """The Bearer key the Telnyx side accepts."""
        return self._telnyx_api_key

    @property
    def catapult_user_id(self) -> str:
        """The user id the Catapult side accepts in paths."""
        return self._settings.catapult_user_id

    @property
    def catapult_api_token(self) -> str:
        """The Catapult API token (basic-auth user name)."""
        return self._settings.catapult_api_token

    @property
    def catapult_api_secret(self) -> str:
        """The Catapult API secret (basic-auth password)."""
        return self._settings.catapult_api_secret

    @property
    def telnyx_public_key(self) -> str:
        """Base64 of the 32-byte Ed25519 public key that verifies the Telnyx webhooks."""
        return self._signer.public_key

    @property
    def telnyx_connection_id(self) -> str:
        """The ``connection_id`` Telnyx events carry."""
        return self._settings.telnyx_connection_id

    @property
    def answer_delay(self) -> float:
        """Seconds a dialed call rings before it is answered, busy or rejected."""
        return self._settings.answer_delay

    @property
    def ring_timeout_scale(self) -> float:
        """Emulated seconds per documented second a call nobody answers rings."""
        return self._settings.ring_timeout_scale

    @property
    def media_duration(self) -> float:
        """Seconds one playback loop or one spoken text lasts."""
        return self._settings.media_duration

    @property
    def call_outcomes(self) -> dict[str, CallOutcome]:
        """The outcomes set per number (a copy); any other number answers."""
        return self._call(lambda: dict(self._settings.call_outcomes))

    @property
    def webhook_retry_delays(self) -> tuple[float, ...]:
        """Seconds before each retry of a failed webhook or callback delivery."""
        return self._outbox.retry_delays

    # --- behaviour you can change while it runs ------------------------------

    @property
    def faults(self) -> Faults:
        """The faults being injected; setting new ones restarts the seed's sequence."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        def change() -> None:
            self._faults = faults
            self._plan = FaultPlan(faults)
            self._outbox.set_faults(faults)

        self._call(change)

    @property
    def webhook_url(self) -> str | None:
        """Where Telnyx events are POSTed, or None; setting it applies to events from then on."""
        return self._settings.webhook_url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        checked = _check_webhook_url(url)

        def change() -> None:
            self._settings.webhook_url = checked

        self._call(change)

    @property
    def rate_limits(self) -> RateLimits | None:
        """The rate limits enforced, or None."""
        return self._settings.rate_limits

    @rate_limits.setter
    def rate_limits(self, rate_limits: RateLimits | None) -> None:
        def change() -> None:
            self._settings.rate_limits = rate_limits

        self._call(change)

    # --- looking and steering, for tests and people ----------------------------

    @property
    def stats(self) -> EmulatorStats:
        """What the emulator has done so far (also at ``GET /_emulator/stats``)."""
        return self._call(self._counters.snapshot)

    def hang_up_telnyx_call(self, call_control_id: str) -> None:
        """Hang up a Telnyx call leg: it leaves its conferences, commands on it get 90018."""
        self._call(lambda: self._telnyx.hang_up(call_control_id))

    def mark_telnyx_call_unknown(self, call_control_id: str) -> None:
        """Make a well-formed call control id unknown to Telnyx: commands on it get 90015."""
        self._call(lambda: self._telnyx.mark_unknown(call_control_id))

    def set_call_outcome(self, number: str, outcome: CallOutcome) -> None:
        """Decide what happens to calls dialed to `number` from now on.

        ``"answer"`` (the default of every number), ``"no_answer"`` (it rings
        until the dial's timeout), ``"busy"`` or ``"reject"``; for both
        providers, Telnyx's ``to`` and Catapult's alike.

        Raises:
            ValueError: `outcome` is not one of the four.
        """
        checked = _outcome(number, outcome)

        def change() -> None:
            self._settings.call_outcomes[number] = checked

        self._call(change)

    def forget_connection(self, connection_id: str) -> None:
        """Make a Telnyx ``connection_id`` name no Call Control App: dialing with it is 10015."""
        self._call(lambda: self._settings.unknown_connections.add(connection_id))

    def telnyx_calls(self) -> list[dict[str, Any]]:
        """Return every Telnyx leg dialed: ids, ``from``, ``to``, ``state``, ``hangup_cause``."""
        return self._call(self._telnyx.calls)

    def hang_up_catapult_call(self, call_id: str) -> None:
        """Hang up a Catapult call: its membership ends; a conference left empty completes."""
        self._call(lambda: self._catapult.hang_up(call_id))

    def telnyx_conferences(self) -> list[dict[str, Any]]:
        """Return every Telnyx conference, as ``GET /v2/conferences/{id}`` shows it."""
        return self._call(self._telnyx.conferences)

    def telnyx_participants(self, conference_id: str) -> list[dict[str, Any]]:
        """Return every participant a Telnyx conference has had, those who left included."""
        return self._call(lambda: self._telnyx.participants(conference_id))

    def catapult_conferences(self) -> list[dict[str, Any]]:
        """Return every Catapult conference, as ``GET .../conferences/{id}`` shows it."""
        return self._call(self._catapult.conferences)

    def catapult_calls(self) -> list[dict[str, Any]]:
        """Return every Catapult call, as ``GET .../calls/{id}`` shows it (``state`` and all)."""
        return self._call(lambda: self._catapult.calls(self.base_url))

    def catapult_members(self, conference_id: str) -> list[dict[str, Any]]:
        """Return every member a Catapult conference has had, as the API lists them."""
        return self._call(lambda: self._catapult.members(conference_id, self.base_url))

    def arrivals(self) -> list[Arrival]:
        """The latest provider requests received (up to `arrival_log`), oldest first.

        Every request counts, refused or not, as soon as it is received.
        """
        return self._call(lambda: list(self._arrivals or ()))

    def advance_time(self, seconds: float) -> None:
        """Move the emulated clock forward, to let Telnyx conferences expire."""
        self._call(lambda: self._clock.advance(seconds))

    def reset(self) -> None:
        """Forget all conferences, calls, marks, counts, recordings and queued deliveries.

        Rings and playbacks still due are cancelled; faults restart their
        sequence. Call outcomes and forgotten connections are configuration
        and stay. A delivery already being sent finishes.
        """

        def clear() -> None:
            self._timers.cancel_all()
            self._recordings.clear()
            self._telnyx.reset()
            self._catapult.reset()
            self._outbox.clear()
            self._outbox.set_faults(self._faults)
            self._counters.clear()
            if self._arrivals is not None:
                self._arrivals.clear()
            self._clock.reset()
            self._plan = FaultPlan(self._faults)

        self._call(clear)

    async def deliveries_settled(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - a bounded wait is the point; one argument
    ) -> None:
        """Wait until no webhook or callback is queued or under way.

        Works from any event loop (the emulator's own, or another thread's).

        Raises:
            TimeoutError: Deliveries are still pending after `timeout` seconds.
        """
        loop = self._loop
        if loop is None or loop is asyncio.get_running_loop():
            await self._outbox.settled(timeout)
            return
        future = asyncio.run_coroutine_threadsafe(self._outbox.settled(timeout), loop)
        await asyncio.wrap_future(future)

    def wait_for_deliveries(self, timeout: float = 10.0) -> None:
        """Block until no webhook or callback is pending: `deliveries_settled` for other threads.

        For an emulator run by `EmulatorThread`, from synchronous code.

        Raises:
            TimeoutError: Deliveries are still pending after `timeout` seconds.
            RuntimeError: Called on the emulator's own event loop, where it
                would block the deliveries it waits for.
        """
        loop = self._loop
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is not None and current is loop:
            raise RuntimeError("on the emulator's event loop, await deliveries_settled() instead")
        if loop is None or not loop.is_running():
            if self._outbox.pending:
                raise TimeoutError(f"{self._outbox.pending} webhook deliveries wait for a start")
            return
        future = asyncio.run_coroutine_threadsafe(self._outbox.settled(timeout), loop)
        future.result(timeout + 5)

    def _call(self, function: Callable[[], _T]) -> _T:
        """Run `function` on the emulator's event loop, from whatever thread calls."""
        loop = self._loop
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is None or current is loop or not loop.is_running():
            return function()

        async def run() -> _T:
            return function()

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=30)

    # --- serving ---------------------------------------------------------------

    def _provider(self, path: str) -> _Provider | None:
        if path.startswith("/v2/") or path == "/v2":
            return self._telnyx
        if path.startswith("/v1/") or path == "/v1":
            return self._catapult
        return None

    def _note_arrival(self, provider: str, request: web.Request) -> None:
        if self._arrivals is not None:
            self._arrivals.append(_arrival(provider, request))

    async def _gateway(  # noqa: PLR0911 - one return per kind of fault reads best
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Count, inject the fault drawn for this request, and let the provider answer."""
        provider = self._provider(request.path)
        if provider is None:
            return await handler(request)
        self._note_arrival(provider.name, request)
        counters = self._counters
        counters.bump("requests")
        counters.bump(provider.name + "_requests")
        fault = self._plan.draw()
        if fault is None:
            return await _serve(provider, request, handler)
        counters.bump("fault:" + fault)
        if fault in BEFORE_WORK:
            if fault == "html_error":
                return web.Response(status=502, body=HTML_ERROR_PAGE, content_type="text/html")
            return provider.fault_answer(fault, self._faults, request)
        if fault == "drop_connection":
            return _drop(request)
        if fault == "slow":
            # Read the request first, as a busy backend would: a client that gives
            # up while it waits then still gets its work done, unanswered.
            if not await _read_ahead(request):
                return _drop(request)
            await asyncio.sleep(self._faults.slow_seconds)
        response = await _serve(provider, request, handler)
        if fault == "truncated_body":
            return _truncated(request, response)
        if fault == "lost_after_success":
            return _drop(request)
        return response

    async def _stats_answer(self, request: web.Request) -> web.Response:
        del request
        return json_answer(200, self._counters.snapshot().as_dict())

    async def _recording_answer(self, request: web.Request) -> web.Response:
        """Serve a saved recording, with no auth: the URL is what a webhook handed out."""
        recording = self._recordings.find(request.match_info["file_name"])
        if recording is None:
            raise web.HTTPNotFound
        content_type = CONTENT_TYPES[recording.format]
        return web.Response(body=recording.body(), content_type=content_type)


async def _add_request_id(_request: web.Request, response: web.StreamResponse) -> None:
    """Give every answer its own `X-Request-Id`, as API gateways do, for clients to report."""
    response.headers.setdefault("X-Request-Id", os.urandom(12).hex())
