"""Bandwidth Catapult v1: conference requests, answers and the client.

```python
from conferencing import CatapultClient, catapult

async with CatapultClient(user_id="u-123", api_token="t-...", api_secret="...") as cp:
    ref = await cp.create_conference(catapult.CreateConferenceRequest(from_="+15551234567"))
```
"""

from ._client import DEFAULT_BASE_URL, CatapultClient
from ._models import (
    CALLBACK_HTTP_METHODS,
    MAX_CALLBACK_TIMEOUT_MS,
    PROFILES,
    ConferenceRef,
    CreateConferenceRequest,
)

__all__ = [
    "CALLBACK_HTTP_METHODS",
    "DEFAULT_BASE_URL",
    "MAX_CALLBACK_TIMEOUT_MS",
    "PROFILES",
    "CatapultClient",
    "ConferenceRef",
    "CreateConferenceRequest",
]
