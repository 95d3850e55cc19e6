"""A user's own tests of ``examples/service.py``, on the conference emulator's pytest fixture.

The service runs in the test's event loop on a loopback port; the emulator
(the ``conferencing_emulator`` fixture) runs in a background thread and
sends the service real, signed Telnyx webhooks. Run them with::

    pip install conferencing pytest pytest-asyncio
    python -m pytest examples/test_my_service.py
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from service import Settings, make_app

from conferencing.emulator import Emulator, Faults

pytest_plugins = ["conferencing.emulator.pytest_plugin"]
pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def service(conferencing_emulator: Emulator) -> AsyncIterator[str]:
    """The service on a free loopback port, talking to the emulator; yields its URL."""
    settings = Settings(
        api_key=conferencing_emulator.telnyx_api_key,
        base_url=conferencing_emulator.telnyx_url,
        public_key=conferencing_emulator.telnyx_public_key,
    )
    runner = web.AppRunner(make_app(settings), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        conferencing_emulator.webhook_url = f"{url}/telnyx/webhooks"
        yield url
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for the service."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def settled(emulator: Emulator) -> None:
    """Wait until the emulator has delivered every webhook, without blocking the service."""
    await asyncio.to_thread(emulator.wait_for_deliveries, 10)


async def create(http: aiohttp.ClientSession, service: str, leg: str, name: str) -> str:
    """Create a conference through the service; return its id."""
    body = {"call_control_id": leg, "name": name}
    async with http.post(f"{service}/conferences", json=body) as response:
        assert 201 == response.status
        answer: dict[str, Any] = await response.json()
    conference_id: str = answer["id"]
    return conference_id


async def show(http: aiohttp.ClientSession, service: str, conference_id: str) -> dict[str, Any]:
    """What the service says about a conference."""
    async with http.get(f"{service}/conferences/{conference_id}") as response:
        assert 200 == response.status
        answer: dict[str, Any] = await response.json()
    return answer


async def test_the_host_of_a_new_conference_has_joined(
    service: str, http: aiohttp.ClientSession, conferencing_emulator: Emulator
) -> None:
    """The conference is made on Telnyx, and its webhook says the creating leg joined."""
    conference_id = await create(http, service, "v3:host", "standup")
    await settled(conferencing_emulator)

    assert 1 == conferencing_emulator.stats.telnyx_conferences_created
    record = await show(http, service, conference_id)
    assert ["v3:host"] == record["participants"]
    assert record["ended"] is None


async def test_the_conference_ends_when_its_last_participant_hangs_up(
    service: str, http: aiohttp.ClientSession, conferencing_emulator: Emulator
) -> None:
    """Hanging up the only leg brings "left", then "ended" with Telnyx's reason."""
    conference_id = await create(http, service, "v3:host", "standup")
    conferencing_emulator.hang_up_telnyx_call("v3:host")
    await settled(conferencing_emulator)

    record = await show(http, service, conference_id)
    assert [] == record["participants"]
    assert ["v3:host"] == record["left"]
    assert "all_left" == record["ended"]


@pytest.mark.parametrize(
    "conferencing_emulator_options", [{"faults": Faults(seed=7, webhook_duplicate=1.0)}]
)
async def test_a_redelivered_webhook_is_recorded_once(
    service: str, http: aiohttp.ClientSession, conferencing_emulator: Emulator
) -> None:
    """The emulator delivers every webhook twice; the service records each event once."""
    conference_id = await create(http, service, "v3:host", "standup")
    await settled(conferencing_emulator)

    assert conferencing_emulator.stats.webhook_faults_injected["webhook_duplicate"] > 0
    assert ["v3:host"] == (await show(http, service, conference_id))["joined"]


async def test_a_webhook_without_a_signature_is_refused(
    service: str, http: aiohttp.ClientSession
) -> None:
    """A forged "joined" event is answered 403 and changes nothing."""
    forged = {
        "data": {
            "id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
            "event_type": "conference.participant.joined",
            "record_type": "event",
            "payload": {"conference_id": "made-up", "call_control_id": "v3:intruder"},
        }
    }
    async with http.post(f"{service}/telnyx/webhooks", json=forged) as response:
        assert 403 == response.status
    async with http.get(f"{service}/conferences/made-up") as response:
        assert 404 == response.status


async def test_a_request_breaking_a_rule_is_refused_before_reaching_telnyx(
    service: str, http: aiohttp.ClientSession, conferencing_emulator: Emulator
) -> None:
    """An empty name is a 422 naming the rule, and no request reaches the emulator."""
    body = {"call_control_id": "v3:host", "name": ""}
    async with http.post(f"{service}/conferences", json=body) as response:
        assert 422 == response.status
        assert "name" in (await response.json())["error"]
    assert 0 == conferencing_emulator.stats.telnyx_requests
