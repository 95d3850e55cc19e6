"""A loopback webhook receiver for the emulator's tests, and Telnyx signature checks.

The running receiver is the ``hook_receiver`` fixture of ``emulator_fixtures``.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any

import attrs
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from conferencing.emulator import Emulator


@attrs.frozen
class Hit:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    query: dict[str, str]
    at: float

    def json(self) -> Any:
        """The body, decoded."""
        return json.loads(self.raw)


class Receiver:
    """Records every request, answers as scripted per path (200 by default); a test can wait."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        self.statuses: dict[str, list[int]] = {}
        """Path -> statuses to answer in turn; 200 once they run out."""
        self.delays: dict[str, float] = {}
        """Path -> seconds to wait before answering."""
        self.base = ""
        self._arrived = asyncio.Event()

    def url(self, path: str, user: str | None = None) -> str:
        """The receiver's URL for `path`, with `user` ("name:password") as user info if given."""
        if user is None:
            return self.base + path
        return self.base.replace("http://", f"http://{user}@") + path

    async def handle(self, request: web.Request) -> web.Response:
        """Record the request, then answer as scripted for its path."""
        raw = await request.read()
        self.hits.append(
            Hit(
                request.method,
                request.path,
                dict(request.headers),
                raw,
                dict(request.query),
                time.monotonic(),
            )
        )
        self._arrived.set()
        delay = self.delays.get(request.path)
        if delay:
            await asyncio.sleep(delay)
        scripted = self.statuses.get(request.path)
        return web.Response(status=scripted.pop(0) if scripted else 200)

    def at(self, path: str) -> list[Hit]:
        """The requests that came to `path`, in order of arrival."""
        return [hit for hit in self.hits if hit.path == path]

    async def wait_for(self, count: int, seconds: float = 5.0) -> None:
        """Wait until `count` requests have arrived, whatever their path."""
        await self.wait_until(lambda: len(self.hits) >= count, seconds)

    async def wait_until(self, ready: Callable[[], bool], seconds: float = 5.0) -> None:
        """Wait until `ready()` holds, checking each time a request arrives; at most `seconds`."""
        async with asyncio.timeout(seconds):
            while not ready():
                self._arrived.clear()
                await self._arrived.wait()


def verified_body(emu: Emulator, hit: Hit) -> dict[str, Any]:
    """Check a Telnyx hit's Ed25519 signature with the emulator's public key; return the body."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(emu.telnyx_public_key))
    stamp = hit.headers["telnyx-timestamp"]
    key.verify(
        base64.b64decode(hit.headers["telnyx-signature-ed25519"]), f"{stamp}|".encode() + hit.raw
    )
    assert abs(time.time() - int(stamp)) < 30
    body: dict[str, Any] = hit.json()
    return body


def verified(emu: Emulator, hit: Hit) -> dict[str, Any]:
    """As `verified_body`, and return the envelope's ``data``."""
    data: dict[str, Any] = verified_body(emu, hit)["data"]
    return data


def telnyx_events(emu: Emulator, receiver: Receiver, path: str = "/telnyx") -> list[dict[str, Any]]:
    """The Telnyx events delivered to `path` (each ``data``), signatures verified."""
    return [verified(emu, hit) for hit in receiver.at(path)]


def kinds(events: list[dict[str, Any]]) -> list[str]:
    """The event types, in order."""
    return [event["event_type"] for event in events]


async def wait_for_event(
    emu: Emulator,
    receiver: Receiver,
    event_type: str,
    count: int = 1,
    path: str = "/telnyx",
) -> list[dict[str, Any]]:
    """Wait until `count` events of `event_type` reached `path`; return every event there."""

    def ready() -> bool:
        return (
            sum(1 for hit in receiver.at(path) if hit.json()["data"]["event_type"] == event_type)
            >= count
        )

    await receiver.wait_until(ready)
    return telnyx_events(emu, receiver, path)


async def wait_for_callbacks(
    receiver: Receiver, path: str, ready: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    """Wait until the Catapult callbacks at `path` satisfy `ready`; return them, decoded."""

    def bodies() -> list[dict[str, Any]]:
        return [hit.json() if hit.method == "POST" else hit.query for hit in receiver.at(path)]

    await receiver.wait_until(lambda: ready(bodies()))
    return bodies()
