"""The Telnyx v2 Call Control client."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Final, TypeVar

from .. import _rules, _wire
from .._client import BaseClient, credential
from .._pool import SessionPool
from .._send import Answer
from ._models import Conference, CreateConferenceRequest
from ._wire import CONVERTER, DIALECT, decode_conference

__all__ = ["DEFAULT_BASE_URL", "TelnyxClient"]

_T = TypeVar("_T")

#: Where Telnyx's v2 API lives.
DEFAULT_BASE_URL: Final = "https://api.telnyx.com/v2"


class TelnyxClient(BaseClient):
    """An async client for Telnyx's v2 conference commands.

    Args:
        api_key: The API key sent as `Authorization: Bearer ...`; defaults to
            the environment variable `TELNYX_API_KEY`.
        base_url: The API root, ending in `/v2`.
        pool: A `SessionPool` to share; without one, use the client as
            `async with TelnyxClient(...) as tx:` and it owns a private pool.
        timeout: Seconds a request may take, overriding the pool's default.
        allow_insecure_http: Allow a plain `http://` base URL to a host other
            than loopback (credentials then travel unencrypted).

    Raises:
        ConfigurationError: no API key, or an unusable base URL.
    """

    _dialect = DIALECT

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = DEFAULT_BASE_URL,
        pool: SessionPool | None = None,
        timeout: float | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        super().__init__(
            base_url=base_url,
            pool=pool,
            timeout=timeout,
            allow_insecure_http=allow_insecure_http,
        )
        key = credential(api_key, "TELNYX_API_KEY", "an api_key", "TelnyxClient")
        self._headers: Final = {
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._conferences_url: Final = f"{self._base_url}/conferences"

    def __repr__(self) -> str:
        return f"<TelnyxClient base_url={self._base_url!r} api_key=***>"

    async def create_conference(
        self, request: CreateConferenceRequest | None = None, /, **fields: Any
    ) -> Conference:
        """Create a conference from an existing call leg.

        Pass a `telnyx.CreateConferenceRequest`, or its fields as keywords.
        Without a `command_id`, one is generated, so that retrying the same
        call can never create a second conference.

        Raises:
            ValidationError: a field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceNameConflictError`).
            TransportError: the network failed.
        """
        if request is None:
            request = _rules.build(CreateConferenceRequest, fields)
        elif fields:
            raise TypeError("pass a CreateConferenceRequest or keyword fields, not both")
        return await self._command(self._conferences_url, request, decode_conference)

    async def _command(self, url: str, request: object, decode: Callable[[Answer], _T]) -> _T:
        """POST a command that takes a `command_id`, making one up when the caller gave none.

        Telnyx ignores a repeated command with the same `command_id`, so with
        one in the body a retry after a lost answer cannot act twice.
        """
        payload = CONVERTER.unstructure(request)
        if payload.get("command_id") is None:
            payload["command_id"] = str(uuid.uuid4())
        return await self._send(
            "POST", url, self._headers, _wire.dumps(payload), decode, idempotent=True
        )
