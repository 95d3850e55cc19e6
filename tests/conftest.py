"""Shared fixtures: HTTP mocking for unit tests, and a session pool closed after each test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aioresponses import aioresponses
from aioresponses import core as aioresponses_core

from conferencing import SessionPool, _fast


class _SentWriter:
    """Stands for the request writer of an already-sent request."""

    output_size = 0


class _CompatResponse(ClientResponse):
    """aioresponses 0.7.x builds responses without the `stream_writer` aiohttp 3.14 requires."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _SentWriter())
        super().__init__(*args, **kwargs)


#: `CONFERENCING_TEST_TRANSPORT=aiohttp` runs every test on aiohttp's public path
#: (CI's second run does), so the same tests cover both transports.
_PUBLIC_PATH_ONLY = os.environ.get("CONFERENCING_TEST_TRANSPORT") == "aiohttp"


@pytest.fixture(autouse=True)
def _transport(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Keep requests off the lean transport when the run asks for aiohttp's path only.

    Tests marked `lean_transport` are about the lean transport itself and keep it.
    """
    if _PUBLIC_PATH_ONLY and request.node.get_closest_marker("lean_transport") is None:
        monkeypatch.setattr(_fast, "available", lambda: False)


@pytest.fixture
async def pool() -> AsyncIterator[SessionPool]:
    """A pool closed at the end of the test."""
    async with SessionPool() as shared:
        yield shared


@pytest.fixture
def http(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """Mock every aiohttp request; tests assert on what went over the wire."""
    monkeypatch.setattr(aioresponses_core, "ClientResponse", _CompatResponse)
    with aioresponses() as mocked:
        yield mocked
