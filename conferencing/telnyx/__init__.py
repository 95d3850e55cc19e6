"""Telnyx v2 Call Control: conference requests, answers and the client.

```python
from conferencing import TelnyxClient, telnyx

async with TelnyxClient(api_key="KEY") as tx:
    conf = await tx.create_conference(
        telnyx.CreateConferenceRequest(call_control_id="v3:...", name="Business")
    )
```
"""

from ._client import DEFAULT_BASE_URL, TelnyxClient
from ._models import BEEP_ENABLED, REGIONS, Conference, CreateConferenceRequest, EndedBy

__all__ = [
    "BEEP_ENABLED",
    "DEFAULT_BASE_URL",
    "REGIONS",
    "Conference",
    "CreateConferenceRequest",
    "EndedBy",
    "TelnyxClient",
]
