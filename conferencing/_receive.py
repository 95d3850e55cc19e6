"""Receiving webhooks and callbacks: verified, parsed, de-duplicated, handed on. No provider here.

A provider's decoder (`telnyx.webhook_decoder`, `catapult.callback_decoder`)
verifies and parses one delivery; `WebhookReceiver` does the rest, for any
web framework (`receive`) or as a ready aiohttp.web handler:

* a delivery that fails verification is answered 401/403 and dropped; one
  that is not an event, 400;
* providers redeliver (and reorder): an event whose id was already accepted
  is answered 200 and not handed on again (`Deduplicator`, in memory; any
  `EventIdStore` shares it between processes);
* an accepted event is answered 200 at once and handed, in the background,
  to the `handler`, to every `async for` over the receiver, and to
  `wait_for` callers. The answer never waits for your code: a provider that
  times out would deliver again;
* while a shared event-id store is unavailable and fails closed
  (`StoreUnavailableError`), deliveries are answered 503 and not handed on:
  the provider delivers them again later. One WARNING says so per outage.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import Final, Generic, Protocol, Self, TypeVar

from aiohttp import web

from ._delivery import Delivery, EventDecoder, HasEventId
from ._errors import (
    ConfigurationError,
    EventPayloadError,
    StoreUnavailableError,
    WebhookVerificationError,
)

__all__ = ["Deduplicator", "EventIdStore", "WebhookReceiver"]

_log: Final = logging.getLogger("conferencing")
_E = TypeVar("_E", bound=HasEventId)

#: Bodies larger than this are refused (413) before any parsing: no
#: provider's event comes close.
MAX_DELIVERY_BYTES: Final = 1024 * 1024

OK: Final = 200
BAD_REQUEST: Final = 400
UNAUTHORIZED: Final = 401
FORBIDDEN: Final = 403
TOO_LARGE: Final = 413
SERVICE_UNAVAILABLE: Final = 503


class EventIdStore(Protocol):
    """Remembers event ids: the first `claim` of an id wins, later ones (within `ttl`) lose."""

    async def claim(self, event_id: str) -> bool:
        """Record `event_id`; True if it was not already recorded (handle the event)."""
        ...


class Deduplicator:
    """An in-memory `EventIdStore`: ids are remembered for `ttl` seconds, at most `max_ids` of them.

    Telnyx and Catapult retry a delivery for minutes to hours; the default
    day covers their documented schedules. Past `max_ids`, the oldest ids are
    forgotten first, so memory stays bounded under any load. One process
    only: replicas behind a load balancer need a shared store.
    """

    def __init__(self, *, ttl: float = 86_400.0, max_ids: int = 1_000_000) -> None:
        given_ttl: object = ttl
        if (
            isinstance(given_ttl, bool)
            or not isinstance(given_ttl, int | float)
            or not math.isfinite(given_ttl)
            or given_ttl <= 0
        ):
            raise ConfigurationError(f"ttl must be a finite number of seconds > 0, got {ttl!r}")
        given_max: object = max_ids
        if isinstance(given_max, bool) or not isinstance(given_max, int) or given_max < 1:
            raise ConfigurationError(f"max_ids must be an int >= 1, got {max_ids!r}")
        self._ttl = float(ttl)
        self._max_ids = max_ids
        # Insertion order is expiry order: every id lives exactly `ttl`.
        self._seen: collections.OrderedDict[str, float] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._seen)

    async def claim(self, event_id: str) -> bool:
        """Record `event_id`; True if it is new (or its earlier record has expired)."""
        now = time.monotonic()
        seen = self._seen
        while seen:
            oldest, expires = next(iter(seen.items()))
            if expires > now and len(seen) < self._max_ids:
                break
            del seen[oldest]
        if event_id in seen:
            return False
        seen[event_id] = now + self._ttl
        return True


class _Closed:
    """Put on a subscriber's queue when the receiver closes."""


_CLOSED: Final = _Closed()


class _Default:
    """The `dedupe` argument's default: a fresh in-memory `Deduplicator`."""


_IN_MEMORY: Final = _Default()


class WebhookReceiver(Generic[_E]):
    """Verifies, parses and de-duplicates deliveries, and hands each event on once.

    Args:
        decoder: The provider's decoder: `telnyx.webhook_decoder(public_key)`
            or `catapult.callback_decoder(username=..., password=...)`.
        handler: An async function called once per new event, in the
            background (its exceptions are logged on the `conferencing`
            logger, with the event's id, and do not stop the receiver).
        dedupe: Where event ids are remembered; an in-memory `Deduplicator`
            by default. `None` hands on every delivery, repeats included. A
            shared store (`conferencing.redis.RedisStore`) that is unavailable
            and fails closed gets deliveries answered 503, not handed on.
        history: How many recent events `wait_for` looks back over.

    Use it in any web framework through `receive`, or mount `aiohttp_handler`
    in an aiohttp.web application; `serve` runs one of its own (handy with
    the emulator). Close it with `async with` or `aclose()`.
    """

    def __init__(
        self,
        decoder: EventDecoder[_E],
        *,
        handler: Callable[[_E], Awaitable[object]] | None = None,
        dedupe: EventIdStore | _Default | None = _IN_MEMORY,
        history: int = 1000,
    ) -> None:
        if not callable(decoder):
            raise ConfigurationError("decoder must be a provider's decoder function")
        given: object = history
        if isinstance(given, bool) or not isinstance(given, int) or given < 0:
            raise ConfigurationError(f"history must be an int >= 0, got {history!r}")
        self._decoder = decoder
        self._handler = handler
        self._dedupe: EventIdStore | None = (
            Deduplicator() if isinstance(dedupe, _Default) else dedupe
        )
        self._history: collections.deque[_E] = collections.deque(maxlen=history)
        self._subscribers: set[asyncio.Queue[_E | _Closed]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False
        #: Whether the dedupe store failed closed on the last delivery (warned once).
        self._store_away = False
        #: Counts of what was received, by outcome.
        self.counts: collections.Counter[str] = collections.Counter()

    @property
    def received(self) -> tuple[_E, ...]:
        """The most recent events accepted (up to `history`), oldest first."""
        return tuple(self._history)

    async def receive(self, delivery: Delivery) -> int:
        """Take one delivery; return the HTTP status to answer it with.

        200: accepted (or a repeat of an accepted event); 400: not an event;
        401: Basic credentials missing or wrong; 403: a signature, timestamp
        or key that does not verify; 413: a body over 1 MiB; 503: the `dedupe`
        store is unavailable and fails closed (`StoreUnavailableError`): the
        event is not handed on, and the provider, answered 503, delivers it
        again later. One WARNING on the ``conferencing`` logger says so when
        the store is first found unavailable, and one INFO line when it answers
        again; no traceback per delivery.
        """
        if len(delivery.body) > MAX_DELIVERY_BYTES:
            self.counts["too large"] += 1
            return TOO_LARGE
        try:
            event = self._decoder(delivery)
        except WebhookVerificationError as exc:
            self.counts["refused"] += 1
            _log.warning("webhook refused: %s", exc)
            return UNAUTHORIZED if exc.check == "credentials" else FORBIDDEN
        except EventPayloadError as exc:
            self.counts["malformed"] += 1
            _log.warning("webhook body is not an event: %s", exc)
            return BAD_REQUEST
        if self._dedupe is not None:
            try:
                new = await self._dedupe.claim(event.id)
            except StoreUnavailableError as exc:
                return self._store_unavailable(exc)
            if self._store_away:
                self._store_away = False
                _log.info("the event-id store answers again: webhook events are handed on again")
            if not new:
                self.counts["duplicate"] += 1
                return OK
        self.counts["accepted"] += 1
        self._accept(event)
        return OK

    def _store_unavailable(self, exc: StoreUnavailableError) -> int:
        """Failing closed: the provider delivers again; warn once per outage."""
        self.counts["unavailable"] += 1
        if not self._store_away:
            self._store_away = True
            _log.warning(
                "webhook deliveries are answered 503 and not handed on until the event-id "
                "store answers again (the provider delivers them again later): %s",
                exc,
            )
        return SERVICE_UNAVAILABLE

    def _accept(self, event: _E) -> None:
        self._history.append(event)
        for queue in self._subscribers:
            queue.put_nowait(event)
        if self._handler is not None and not self._closed:
            task = asyncio.get_running_loop().create_task(self._handle(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _handle(self, event: _E) -> None:
        assert self._handler is not None  # noqa: S101 - checked by the caller
        try:
            await self._handler(event)
        except Exception:  # noqa: BLE001 - one event's failure must not stop the receiver
            _log.exception("webhook handler failed for event %s", event.id)

    async def wait_for(
        self,
        predicate: Callable[[_E], bool] | None = None,
        *,
        # A bound by default, so that a forgotten event cannot hang a test.
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> _E:
        """The first event, recent (`received`) or still to come, for which `predicate` is true.

        Raises:
            TimeoutError: no such event within `timeout` seconds.
        """
        match = predicate or (lambda _event: True)
        for event in self._history:
            if match(event):
                return event
        async with asyncio.timeout(timeout), self._subscription() as queue:
            while not isinstance(item := await queue.get(), _Closed):
                if match(item):
                    return item
        raise TimeoutError("the receiver closed before a matching event arrived")

    async def __aiter__(self) -> AsyncIterator[_E]:
        """Every event accepted from now on, until the receiver closes."""
        async with self._subscription() as queue:
            while not isinstance(item := await queue.get(), _Closed):
                yield item

    @contextlib.asynccontextmanager
    async def _subscription(self) -> AsyncIterator[asyncio.Queue[_E | _Closed]]:
        queue: asyncio.Queue[_E | _Closed] = asyncio.Queue()
        if self._closed:
            queue.put_nowait(_CLOSED)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def aiohttp_handler(self, request: web.Request) -> web.Response:
        """An aiohttp.web handler: `app.router.add_post("/webhooks", receiver.aiohttp_handler)`.

        Add it for GET too when Catapult calls back with `callbackHttpMethod=GET`.
        """
        if request.content_length is not None and request.content_length > MAX_DELIVERY_BYTES:
            return web.Response(status=TOO_LARGE)
        body = b""
        if request.can_read_body:
            body = await request.content.read(MAX_DELIVERY_BYTES + 1)
        status = await self.receive(
            Delivery(method=request.method, body=body, headers=request.headers, query=request.query)
        )
        headers = {"WWW-Authenticate": 'Basic realm="callbacks"'} if status == UNAUTHORIZED else {}
        return web.Response(status=status, headers=headers)

    @contextlib.asynccontextmanager
    async def serve(
        self, *, host: str = "127.0.0.1", port: int = 0, path: str = "/webhooks"
    ) -> AsyncIterator[str]:
        """Run a small aiohttp.web server for this receiver; yields the URL to give the provider."""
        app = web.Application(client_max_size=MAX_DELIVERY_BYTES + 1)
        app.router.add_route("POST", path, self.aiohttp_handler)
        app.router.add_route("GET", path, self.aiohttp_handler)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound_host, bound_port = runner.addresses[0][:2]
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
            yield f"http://{shown}:{bound_port}{path}"
        finally:
            await runner.cleanup()

    async def aclose(self) -> None:
        """Stop handing events on: end iterators, wait for handlers (cancelled after 5 s)."""
        if self._closed:
            return
        self._closed = True
        for queue in self._subscribers:
            queue.put_nowait(_CLOSED)
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=5.0)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
