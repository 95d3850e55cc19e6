"""The library's own receivers, listening to an emulator: events in, for users' tests.

This is the one module of the package that uses the client library: the
emulator's server never does (it stays an independent reading of the
providers' documents); this only wires the library's `WebhookReceiver`, with
`telnyx.webhook_decoder` and `catapult.callback_decoder`, to where the
emulator delivers. The receivers run on their own event loop in a
background thread, so they serve synchronous tests and async ones alike,
whatever loop those run on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Generic, Self, TypeVar

from conferencing import WebhookReceiver, catapult, telnyx
from conferencing._delivery import HasEventId
from conferencing.emulator._app import Emulator
from conferencing.emulator._thread import LoopThread

__all__ = ["EmulatorWebhooks", "ThreadedReceiver"]

_E = TypeVar("_E", bound=HasEventId)


class ThreadedReceiver(Generic[_E]):
    """A `WebhookReceiver` running on another thread's loop, usable from any thread or loop."""

    def __init__(self, receiver: WebhookReceiver[_E], loop: asyncio.AbstractEventLoop) -> None:
        self._receiver = receiver
        self._loop = loop
        #: Where the provider should deliver.
        self.url = ""

    @property
    def received(self) -> tuple[_E, ...]:
        """The events accepted so far (up to the receiver's history), oldest first."""

        async def snapshot() -> tuple[_E, ...]:
            # Read on the receiver's own loop: it appends there.
            return self._receiver.received

        return asyncio.run_coroutine_threadsafe(snapshot(), self._loop).result(10.0)

    def wait_for(
        self, predicate: Callable[[_E], bool] | None = None, *, timeout: float = 10.0
    ) -> _E:
        """Block until an event matching `predicate` arrives (TimeoutError after `timeout`)."""
        return self._future(predicate, timeout).result(timeout + 5.0)

    async def wait_for_async(
        self,
        predicate: Callable[[_E], bool] | None = None,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 - the wait runs on the receivers' loop
    ) -> _E:
        """Await an event matching `predicate`, from any loop (TimeoutError after `timeout`)."""
        return await asyncio.wrap_future(self._future(predicate, timeout))

    def _future(
        self, predicate: Callable[[_E], bool] | None, timeout: float
    ) -> concurrent.futures.Future[_E]:
        return asyncio.run_coroutine_threadsafe(
            self._receiver.wait_for(predicate, timeout=timeout), self._loop
        )


class EmulatorWebhooks:
    """Receivers for an emulator's Telnyx webhooks and Catapult callbacks, in a background thread.

    ``with EmulatorWebhooks(emu) as hooks:`` sets `emu.webhook_url` to the
    Telnyx receiver; give `hooks.catapult.url` as the `callback_url` of
    Catapult conferences and calls. Both verify what arrives as they would
    from the providers (the Telnyx signature under `emu.telnyx_public_key`)
    and de-duplicate redeliveries; `hooks.telnyx.received`,
    `hooks.telnyx.wait_for(...)` (blocking) and `await
    hooks.telnyx.wait_for_async(...)` show what arrived.
    """

    def __init__(self, emulator: Emulator, *, timeout: float = 10.0) -> None:
        self._emulator = emulator
        self._thread = LoopThread("conferencing-webhooks", timeout=timeout)
        self.telnyx: ThreadedReceiver[telnyx.Event]
        self.catapult: ThreadedReceiver[catapult.Callback]

    def start(self) -> Self:
        """Start the receivers and point the emulator's Telnyx webhooks at them."""
        self._thread.start(self._serve)
        self._emulator.webhook_url = self.telnyx.url
        return self

    @contextlib.asynccontextmanager
    async def _serve(self) -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        async with contextlib.AsyncExitStack() as stack:
            tx = await stack.enter_async_context(
                WebhookReceiver(telnyx.webhook_decoder(self._emulator.telnyx_public_key))
            )
            cp = await stack.enter_async_context(WebhookReceiver(catapult.callback_decoder()))
            self.telnyx = ThreadedReceiver(tx, loop)
            self.catapult = ThreadedReceiver(cp, loop)
            self.telnyx.url = await stack.enter_async_context(tx.serve(path="/telnyx"))
            self.catapult.url = await stack.enter_async_context(cp.serve(path="/catapult"))
            yield

    def stop(self) -> None:
        """Stop the receivers; stopping twice is fine."""
        self._thread.stop()

    def __enter__(self) -> Self:
        """Start, and hand back the running receivers."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop."""
        self.stop()
