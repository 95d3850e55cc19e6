"""A pytest fixture running the conference emulator for a test.

Opt in from a test module or your top-level ``conftest.py``::

    pytest_plugins = ["conferencing.emulator.pytest_plugin"]

    def test_create(conferencing_emulator):
        client = TelnyxClient(
            base_url=conferencing_emulator.telnyx_url,
            api_key=conferencing_emulator.telnyx_api_key,
        )
        ...

The emulator runs on its own event loop in a background thread, so the
fixture works in synchronous tests and under any async test runner, with no
pytest-asyncio needed. Override ``conferencing_emulator_options`` to pass
`Emulator` keywords (faults, rate limits, credentials).

``conferencing_webhooks`` adds the library's own receivers, listening to
that emulator: its Telnyx webhooks arrive, verified and de-duplicated, in
``conferencing_webhooks.telnyx``; give ``conferencing_webhooks.catapult.url``
as a Catapult ``callback_url`` and its callbacks arrive in
``conferencing_webhooks.catapult``::

    def test_events(conferencing_emulator, conferencing_webhooks):
        ...  # create a Telnyx conference on the emulator
        event = conferencing_webhooks.telnyx.wait_for(
            lambda e: e.event_type == "conference.created", timeout=5
        )
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conferencing.emulator._app import Emulator
from conferencing.emulator._receivers import EmulatorWebhooks
from conferencing.emulator._thread import EmulatorThread


@pytest.fixture
def conferencing_emulator_options() -> dict[str, Any]:
    """Keywords for the `Emulator` behind `conferencing_emulator`; override to configure it."""
    return {}


@pytest.fixture
def conferencing_emulator(conferencing_emulator_options: dict[str, Any]) -> Iterator[Emulator]:
    """A running emulator of both providers, fresh for each test."""
    with EmulatorThread(Emulator(**conferencing_emulator_options)) as emulator:
        yield emulator


@pytest.fixture
def conferencing_webhooks(conferencing_emulator: Emulator) -> Iterator[EmulatorWebhooks]:
    """Receivers of `conferencing_emulator`'s Telnyx webhooks and Catapult callbacks."""
    with EmulatorWebhooks(conferencing_emulator) as webhooks:
        yield webhooks
