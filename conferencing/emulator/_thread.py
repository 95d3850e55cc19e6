"""Running an `Emulator` on its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import threading
from types import TracebackType

from conferencing.emulator._app import Emulator


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
        self._timeout = timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    def start(self) -> Emulator:
        """Start the thread and the emulator in it; return the running emulator."""
        if self._thread is not None:
            raise RuntimeError("the emulator thread is already running")
        ready = threading.Event()
        failures: list[BaseException] = []
        thread = threading.Thread(
            target=lambda: asyncio.run(self._main(ready, failures)),
            name="conferencing-emulator",
            daemon=True,
        )
        thread.start()
        if not ready.wait(self._timeout):
            raise RuntimeError(f"the emulator did not start within {self._timeout} s")
        if failures:
            thread.join(self._timeout)
            raise failures[0]
        self._thread = thread
        return self.emulator

    async def _main(self, ready: threading.Event, failures: list[BaseException]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        try:
            await self.emulator.start()
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            failures.append(exc)
            ready.set()
            return
        ready.set()
        try:
            await self._stopping.wait()
        finally:
            await self.emulator.close()

    def deliveries_settled(self, timeout: float = 10.0) -> None:
        """Block until the emulator has no webhook or callback pending.

        Raises:
            TimeoutError: Deliveries are still pending after `timeout` seconds.
        """
        self.emulator.wait_for_deliveries(timeout)

    def stop(self) -> None:
        """Stop the emulator and wait for the thread to end; stopping twice is fine."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        thread.join(self._timeout)

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
