"""A real Redis for the tests of `conferencing.redis`: CI's, or a redis-server of the test's own.

Test modules load these with ``pytest_plugins = ["redis_fixtures"]`` (a
``conftest.py`` here would clash with ``tests/conftest.py`` under mypy).

The server: ``CONFERENCING_TEST_REDIS_URL`` when set (``.ci/run`` starts one
and sets it); otherwise a ``redis-server`` started here on a free loopback
port, when the binary exists. With neither, the tests fail when ``CI=true``
and are skipped, saying why, on a developer's machine. Tests that stop and
restart Redis always start their own.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from redis_support import URL_VARIABLE, RedisServer, no_redis, own_server

from conferencing.redis import RedisStore


@pytest.fixture(scope="session")
def redis_binary() -> str:
    """The redis-server binary, or a loud failure in CI."""
    found = shutil.which("redis-server")
    if found is None:
        no_redis("redis-server is not installed (apt-get install redis-server)")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """CI's Redis (``CONFERENCING_TEST_REDIS_URL``), or one started for this session."""
    given = os.environ.get(URL_VARIABLE)
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        no_redis(f"{URL_VARIABLE} is not set and redis-server is not installed")
    assert binary is not None
    with own_server(binary) as server:
        yield server.url


@pytest.fixture
def redis_server(redis_binary: str) -> Iterator[RedisServer]:
    """A redis-server this test may kill and restart."""
    with own_server(redis_binary) as server:
        yield server


@pytest.fixture
def namespace() -> str:
    """A namespace of this test's own, so tests sharing a server never share a key."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def store(redis_url: str, namespace: str) -> AsyncIterator[RedisStore]:
    """A store on the shared test server, failing closed, closed after the test."""
    async with RedisStore(redis_url, namespace=namespace) as opened:
        yield opened
