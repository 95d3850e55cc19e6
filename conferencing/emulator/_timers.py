"""Things that happen later: a ringing call's answer, the end of a playback.

Both providers schedule them here, on the emulator's event loop, so that a
reset or a close cancels every one of them at once and nothing fires into a
state that was thrown away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Final

_log: Final = logging.getLogger("conferencing.emulator")


class Timers:
    """Callbacks due later on the running event loop, cancelled together by `cancel_all`."""

    __slots__ = ("_handles",)

    def __init__(self) -> None:
        """Hold nothing yet."""
        self._handles: set[asyncio.TimerHandle] = set()

    @property
    def pending(self) -> int:
        """How many callbacks are still due."""
        return len(self._handles)

    def later(self, delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
        """Run `callback` after `delay` seconds on the running loop; return its handle.

        A callback that raises is logged, never propagated: the loop goes on.
        """
        loop = asyncio.get_running_loop()

        def run() -> None:
            self._handles.discard(handle)
            try:
                callback()
            except Exception:  # noqa: BLE001 - a bug in one event must not stop the others
                _log.exception("an emulated event failed")

        handle = loop.call_later(max(0.0, delay), run)
        self._handles.add(handle)
        return handle

    def cancel(self, handle: asyncio.TimerHandle | None) -> None:
        """Cancel `handle` if it is still due (None is fine)."""
        if handle is not None:
            handle.cancel()
            self._handles.discard(handle)

    def cancel_all(self) -> None:
        """Cancel every callback still due."""
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()
