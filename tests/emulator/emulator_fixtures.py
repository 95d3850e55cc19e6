"""Fixtures for the emulator's tests: a running emulator and raw HTTP against it.

Test modules load them with ``pytest_plugins = ["emulator_fixtures"]``: a
``conftest.py`` here would clash with ``tests/conftest.py`` under mypy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from emulator_receiver import Receiver
from emulator_wire import CatapultWire, TelnyxWire

from conferencing.emulator import Emulator


@pytest.fixture
async def local_emulator() -> AsyncIterator[Emulator]:
    """A running emulator with random credentials, no faults, no rate limits."""
    async with Emulator() as emulator:
        yield emulator


@pytest.fixture
async def http_session() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp http_session."""
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def telnyx_wire(http_session: aiohttp.ClientSession, local_emulator: Emulator) -> TelnyxWire:
    """Raw Telnyx requests against `local_emulator`."""
    return TelnyxWire(http_session, local_emulator)


@pytest.fixture
def catapult_wire(http_session: aiohttp.ClientSession, local_emulator: Emulator) -> CatapultWire:
    """Raw Catapult requests against `local_emulator`."""
    return CatapultWire(http_session, local_emulator)


@pytest.fixture
async def hook_receiver() -> AsyncIterator[Receiver]:
    """A receiver on a loopback port."""
    recorder = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    recorder.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        yield recorder
    finally:
        await runner.cleanup()
