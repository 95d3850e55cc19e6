"""The Telnyx v2 Call Control client."""

from __future__ import annotations

from typing import Any, Final

from .. import _rules, _wire
from .._client import BaseClient, credential
from .._pool import SessionPool
from ._models import Conference, CreateConferenceRequest
from ._wire import CONVERTER, DIALECT, decode_conference

__all__ = ["DEFAULT_BASE_URL", "TelnyxClient"]

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

        Raises:
            ValidationError: a field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceNameConflictError`).
            TransportError: the network failed.
        """
        if request is None:
            request = _rules.build(CreateConferenceRequest, fields)
        elif fields:
            raise TypeError("pass a CreateConferenceRequest or keyword fields, not both")
        body = _wire.dumps(CONVERTER.unstructure(request))
        return await self._send(
            "POST", self._conferences_url, self._headers, body, decode_conference
        )
