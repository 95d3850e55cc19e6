"""The ``conferencing_emulator`` fixture, used the way a library user would."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import aiohttp
import pytest

from conferencing.emulator import Emulator, RateLimits

pytest_plugins = ["conferencing.emulator.pytest_plugin"]


@pytest.fixture
def conferencing_emulator_options() -> dict[str, Any]:
    """Configure the fixture's emulator, as a user's conftest would."""
    return {"telnyx_api_key": "KEY-FROM-OPTIONS", "rate_limits": RateLimits()}


def test_the_fixture_serves_synchronous_tests(conferencing_emulator: Emulator) -> None:
    """A plain test gets a running emulator configured by the options fixture."""
    assert "KEY-FROM-OPTIONS" == conferencing_emulator.telnyx_api_key
    assert RateLimits() == conferencing_emulator.rate_limits
    with urllib.request.urlopen(conferencing_emulator.stats_url, timeout=5) as response:  # noqa: S310
        assert 0 == json.loads(response.read())["requests"]


async def test_the_fixture_serves_async_tests(conferencing_emulator: Emulator) -> None:
    """An async test can talk to the fixture's emulator over loopback."""
    headers = {"Authorization": f"Bearer {conferencing_emulator.telnyx_api_key}"}
    body = {"call_control_id": "v3:fixture", "name": "from-the-fixture"}
    async with (
        aiohttp.ClientSession() as http_session,
        http_session.post(
            conferencing_emulator.telnyx_url + "/conferences", json=body, headers=headers
        ) as response,
    ):
        assert 200 == response.status
    assert 1 == conferencing_emulator.stats.telnyx_conferences_created
