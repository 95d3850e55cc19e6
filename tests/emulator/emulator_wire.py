"""Raw HTTP against the emulator for its tests: one helper per provider, no client code."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import uuid
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
from multidict import CIMultiDictProxy

from conferencing.emulator import Emulator

FROM = "+15551234567"
TO = "+15557654321"


def new_ccid() -> str:
    """Return a fresh, well-formed Telnyx call control id."""
    return "v3:" + uuid.uuid4().hex


@attrs.frozen
class Answer:
    """An HTTP answer: status, decoded body and headers."""

    status: int
    body: Any
    headers: CIMultiDictProxy[str]
    raw: bytes

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The Telnyx errors list of the body."""
        errors: list[dict[str, Any]] = self.body["errors"]
        return errors

    @property
    def codes(self) -> list[str]:
        """The Telnyx error codes of the body, in order."""
        return [error["code"] for error in self.errors]


def _payload(body: object, data: bytes | None) -> io.BytesIO | str | None:
    """Return what to send: raw `data` as a stream (aiohttp warns on large bytes), else JSON."""
    if data is not None:
        return io.BytesIO(data)
    return None if body is None else json.dumps(body)


async def _answer(response: aiohttp.ClientResponse) -> Answer:
    raw = await response.read()
    body: Any = None
    if raw and response.content_type == "application/json":
        body = json.loads(raw)
    elif raw:
        body = raw.decode()
    return Answer(response.status, body, response.headers, raw)


class TelnyxWire:
    """Raw Telnyx v2 requests against the emulator."""

    def __init__(self, session: aiohttp.ClientSession, emulator: Emulator) -> None:
        self.session = session
        self.emu = emulator

    async def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        params: Mapping[str, str] | None = None,
        key: str | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        """Send one request with the emulator's key (or `key`, or `headers` as given)."""
        sent = (
            dict(headers)
            if headers is not None
            else {"Authorization": f"Bearer {key or self.emu.telnyx_api_key}"}
        )
        payload = _payload(body, data)
        if payload is not None:
            sent["Content-Type"] = "application/json"
        async with self.session.request(
            method, self.emu.telnyx_url + path, data=payload, params=params, headers=sent
        ) as response:
            return await _answer(response)

    async def create(self, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """Create a conference (a fresh call leg and name unless given); return its data."""
        body = {"call_control_id": new_ccid(), "name": name or f"conf-{uuid.uuid4().hex}"}
        body.update(fields)
        answer = await self.call("POST", "/conferences", body)
        assert answer.status == 200, answer.body
        data: dict[str, Any] = answer.body["data"]
        return data

    async def action(self, conference_id: str, action: str, **fields: Any) -> Answer:
        """Send a conference action (join, leave, mute, ...)."""
        return await self.call("POST", f"/conferences/{conference_id}/actions/{action}", fields)

    async def get(self, conference_id: str) -> dict[str, Any]:
        """Retrieve a conference's data."""
        answer = await self.call("GET", f"/conferences/{conference_id}")
        assert answer.status == 200, answer.body
        data: dict[str, Any] = answer.body["data"]
        return data

    async def participants(self, conference_id: str, **params: str) -> list[dict[str, Any]]:
        """List a conference's participants (one page)."""
        answer = await self.call("GET", f"/conferences/{conference_id}/participants", params=params)
        assert answer.status == 200, answer.body
        data: list[dict[str, Any]] = answer.body["data"]
        return data


def basic(user: str, password: str) -> str:
    """Return a basic ``Authorization`` header value."""
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class CatapultWire:
    """Raw Catapult v1 requests against the emulator, under ``/v1/users/{userId}``."""

    def __init__(self, session: aiohttp.ClientSession, emulator: Emulator) -> None:
        self.session = session
        self.emu = emulator

    @property
    def root(self) -> str:
        """The path every Catapult route starts with."""
        return f"/v1/users/{self.emu.catapult_user_id}"

    async def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        user: str | None = None,
        authorization: str | None = None,
        data: bytes | None = None,
    ) -> Answer:
        """Send one request to `path` under the user root (or under user `user`)."""
        root = f"/v1/users/{user}" if user is not None else self.root
        headers = {
            "Authorization": authorization
            or basic(self.emu.catapult_api_token, self.emu.catapult_api_secret)
        }
        payload = _payload(body, data)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        async with self.session.request(
            method, self.emu.catapult_url + root + path, data=payload, headers=headers
        ) as response:
            return await _answer(response)

    async def created(self, path: str, body: object) -> str:
        """POST `body`, expect 201, return the new id (the Location's last segment)."""
        answer = await self.call("POST", path, body)
        assert answer.status == 201, answer.body
        return answer.headers["Location"].rsplit("/", 1)[-1]

    async def conference(self, **fields: Any) -> str:
        """Create a conference; return its id."""
        return await self.created("/conferences", {"from": FROM, **fields})

    async def new_call(self, conference_id: str | None, *, answered: bool = True) -> str:
        """Create a call for a conference; return its id once answered (unless told not to)."""
        body: dict[str, Any] = {"from": FROM, "to": TO}
        if conference_id is not None:
            body["conferenceId"] = conference_id
        call_id = await self.created("/calls", body)
        if answered:
            await self.wait_for_state(call_id, "active")
        return call_id

    async def wait_for_state(self, call_id: str, state: str, seconds: float = 5.0) -> Any:
        """Wait until the call is in `state` (calls ring first); return it as GET shows it.

        It looks through the emulator's control, not the API, so that no
        request is counted or rate-limited while it waits.
        """
        async with asyncio.timeout(seconds):
            while True:
                [call] = [c for c in self.emu.catapult_calls() if c["id"] == call_id]
                if call["state"] == state:
                    return call
                await asyncio.sleep(0.01)

    async def member(self, conference_id: str, **fields: Any) -> str:
        """Create a call for the conference and add it as a member; return the member id."""
        call_id = await self.new_call(conference_id)
        return await self.created(
            f"/conferences/{conference_id}/members", {"callId": call_id, **fields}
        )

    async def get(self, path: str) -> Any:
        """GET `path`, expect 200, return the body."""
        answer = await self.call("GET", path)
        assert answer.status == 200, answer.body
        return answer.body
