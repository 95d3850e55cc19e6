"""Running an `Emulator` (or anything async) on its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from types import TracebackType

from conferencing.emulator._app import Emulator

__all__ = ["EmulatorThread", "LoopThread"]


class LoopThread:
    """An event loop in a daemon thread, serving one async context until stopped.

    `start(service)` enters `service()` on the thread's loop and returns
    once it is up (or raises what entering it raised); `stop()` leaves it
    and ends the thread. `loop` is where to send work from other threads.
    """

    def __init__(self, name: str, *, timeout: float = 10.0) -> None:
        """Name the thread; `timeout` bounds starting and stopping."""
        self._name = name
        self._timeout = timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop (only between `start` and `stop`)."""
        if self._loop is None or self._thread is None:
            raise RuntimeError(f"{self._name} is not running")
        return self._loop

    def start(self, service: Callable[[], AbstractAsyncContextManager[object]]) -> None:
        """Start the thread, enter `service()` on its loop, and return once it is up."""
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already running")
        ready = threading.Event()
        failures: list[BaseException] = []
        thread = threading.Thread(
            target=lambda: asyncio.run(self._main(service, ready, failures)),
            name=self._name,
            daemon=True,
        )
        thread.start()
        if not ready.wait(self._timeout):
            raise RuntimeError(f"{self._name} did not start within {self._timeout} s")
        if failures:
            thread.join(self._timeout)
            raise failures[0]
        self._thread = thread

    async def _main(
        self,
        service: Callable[[], AbstractAsyncContextManager[object]],
        ready: threading.Event,
        failures: list[BaseException],
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            async with service():
                ready.set()
                await self._stopping.wait()
        except BaseException as exc:
            if not ready.is_set():
                failures.append(exc)
                ready.set()
                return
            raise

    def stop(self) -> None:
        """Leave the service and wait for the thread to end; stopping twice is fine."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        thread.join(self._timeout)


class EmulatorThread:
    """Runs an `Emulator` in a background thread, for synchronous code and any test.

    ``with EmulatorThread() as emu:`` hands back the running `Emulator`;
    its control methods and `Emulator.stats` are safe to call from the
    calling thread, and `Emulator.wait_for_deliveries` (or this object's
    `deliveries_settled`) waits for its webhooks from there.
    """

    def __init__(self, emulator: Emulator | None = None, *, timeout: float = 10.0) -> None:
        """Prepare to run `emulator` (a new `Emulator` if None); `timeout` bounds start, stop."""
        self.emulator = emulator if emulator is not None else Emulator()
        self._thread = LoopThread("conferencing-emulator", timeout=timeout)

    def start(self) -> Emulator:
        """Start the thread and the emulator in it; return the running emulator."""
        self._thread.start(lambda: self.emulator)
        return self.emulator

    def deliveries_settled(self, timeout: float = 10.0) -> None:
        """Block until the emulator has no webhook or callback pending.

        Raises:
            TimeoutError: Deliveries are still pending after `timeout` seconds.
        """
        self.emulator.wait_for_deliveries(timeout)

    def stop(self) -> None:
        """Stop the emulator and wait for the thread to end; stopping twice is fine."""
        self._thread.stop()

    def __enter__(self) -> Emulator:
        """Start, and hand back the running emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop."""
        self.stop()
