"""The README's events service, run exactly as written there, against the emulator."""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from conferencing.emulator import Emulator

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    """The Python block right after the README's `<!-- events-example -->` marker."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- events-example -->\s*```python\n(.*?)```", text, re.DOTALL)
    assert found is not None, "the README lost its events example"
    return found.group(1)


def _load() -> Callable[[], web.Application]:
    module = types.ModuleType("readme_events_example")
    exec(compile(_example(), str(README), "exec"), module.__dict__)  # noqa: S102 - our own README
    make_app: Callable[[], web.Application] = module.make_app
    return make_app


async def test_the_readme_service_creates_a_conference_and_hears_its_events(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """POST /conferences creates one on the emulator; its signed events reach the handler."""
    async with Emulator() as emu:
        monkeypatch.setenv("TELNYX_API_KEY", emu.telnyx_api_key)
        monkeypatch.setenv("TELNYX_BASE_URL", emu.telnyx_url)
        monkeypatch.setenv("TELNYX_PUBLIC_KEY", emu.telnyx_public_key)
        runner = web.AppRunner(_load()(), access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            service = f"http://127.0.0.1:{runner.addresses[0][1]}"
            emu.webhook_url = f"{service}/telnyx/webhooks"

            async with aiohttp.ClientSession() as session:
                answer: Any
                async with session.post(
                    f"{service}/conferences", json={"call_control_id": "v3:host", "name": "demo"}
                ) as response:
                    assert 200 == response.status
                    answer = await response.json()
            emu.hang_up_telnyx_call("v3:host")
            await emu.deliveries_settled(timeout=10)
        finally:
            await runner.cleanup()

    conference = answer["id"]
    printed = capsys.readouterr().out.splitlines()
    assert f"created {conference}" in printed
    assert f"joined {conference} v3:host" in printed
    assert f"left {conference} v3:host" in printed
    assert f"ended {conference} all_left" in printed
    assert "not handled: call.hangup" in printed
