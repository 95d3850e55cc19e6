"""Fixtures of the hardening suite; test modules load them with ``pytest_plugins``.

``pytest_plugins = ["hardening_fixtures"]`` in a test module (a ``conftest.py``
here would clash with ``tests/conftest.py`` under mypy). A plugin is seen by
the whole session, so it defines only what no other module names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from hardening_support import RawServer, Responder, ServeFn


@pytest.fixture
async def serve() -> AsyncIterator[ServeFn]:
    """Start raw servers on 127.0.0.1 for a test; all are closed after it."""
    servers: list[RawServer] = []

    async def start(respond: Responder) -> RawServer:
        server = RawServer(respond)
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()
