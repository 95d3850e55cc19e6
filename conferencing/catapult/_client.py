"""The Bandwidth Catapult v1 Voice API client."""

from __future__ import annotations

import base64
from typing import Any, Final

from .. import _rules, _wire
from .._client import BaseClient, credential
from .._pool import SessionPool
from ._models import ConferenceRef, CreateConferenceRequest
from ._wire import CONVERTER, DIALECT, decode_ref

__all__ = ["DEFAULT_BASE_URL", "CatapultClient"]

#: Where Catapult's API lives; the client adds `/v1/users/{user_id}/...`.
DEFAULT_BASE_URL: Final = "https://api.catapult.inetwork.com"


class CatapultClient(BaseClient):
    """An async client for Bandwidth Catapult's v1 conference API.

    Args:
        user_id: The account's user id (`u-...`); defaults to `CATAPULT_USER_ID`.
        api_token: The API token, Basic auth user name; defaults to `CATAPULT_API_TOKEN`.
        api_secret: The API secret, Basic auth password; defaults to `CATAPULT_API_SECRET`.
        base_url: The API origin; `/v1/users/{user_id}` is appended.
        pool: A `SessionPool` to share; without one, use the client as
            `async with CatapultClient(...) as cp:` and it owns a private pool.
        timeout: Seconds a request may take, overriding the pool's default.
        allow_insecure_http: Allow a plain `http://` base URL to a host other
            than loopback (credentials then travel unencrypted).

    Raises:
        ConfigurationError: a credential is missing, or the base URL is unusable.
        ValidationError: `user_id` cannot stand in a URL path.
    """

    _dialect = DIALECT

    def __init__(
        self,
        user_id: str | None = None,
        api_token: str | None = None,
        api_secret: str | None = None,
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
        user = credential(user_id, "CATAPULT_USER_ID", "a user_id", "CatapultClient")
        self._user_id: Final = _rules.path_segment("user_id", user)
        token = credential(api_token, "CATAPULT_API_TOKEN", "an api_token", "CatapultClient")
        secret = credential(api_secret, "CATAPULT_API_SECRET", "an api_secret", "CatapultClient")
        basic = base64.b64encode(f"{token}:{secret}".encode()).decode("ascii")
        self._headers: Final = {
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._user_url: Final = f"{self._base_url}/v1/users/{self._user_id}"
        self._conferences_url: Final = f"{self._user_url}/conferences"

    def __repr__(self) -> str:
        return (
            f"<CatapultClient base_url={self._base_url!r} user_id={self._user_id!r} "
            "api_token=*** api_secret=***>"
        )

    @property
    def user_id(self) -> str:
        """The account's user id."""
        return self._user_id

    async def create_conference(
        self, request: CreateConferenceRequest | None = None, /, **fields: Any
    ) -> ConferenceRef:
        """Create a conference with no members; its id comes from `Location`.

        Pass a `catapult.CreateConferenceRequest`, or its fields as keywords.

        Raises:
            ValidationError: a field breaks a documented rule (nothing is sent).
            APIError: Catapult refused (e.g. `RateLimitError` on 429).
            ResponseDecodeError: the 201 carried no usable `Location`.
            TransportError: the network failed.
        """
        if request is None:
            request = _rules.build(CreateConferenceRequest, fields)
        elif fields:
            raise TypeError("pass a CreateConferenceRequest or keyword fields, not both")
        body = _wire.dumps(CONVERTER.unstructure(request))
        return await self._send("POST", self._conferences_url, self._headers, body, decode_ref)
