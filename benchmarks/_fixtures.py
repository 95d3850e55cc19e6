"""What every client sends and what the fixed-answer server answers."""

from __future__ import annotations

import json
from typing import Final

#: Credentials the fixed-answer server never checks; only the header shapes matter.
TELNYX_API_KEY: Final = "KEYbenchmark0000000000000000000000"
CATAPULT_USER_ID: Final = "u-benchmark0000000"
CATAPULT_API_TOKEN: Final = "t-benchmark0000000"  # noqa: S105 - a dummy for a local server
CATAPULT_API_SECRET: Final = "benchmarksecret000000000000000000"  # noqa: S105 - same

#: Telnyx's create-conference fields: the two required ones, as most callers send.
TELNYX_FIELDS: Final = {
    "call_control_id": "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
    "name": "Business",
}
#: Catapult's create-conference fields, in Python names.
CATAPULT_FIELDS: Final = {"from_": "+15551234567", "callback_timeout": 2000}
#: The same, as Catapult's camelCase JSON (what raw aiohttp posts).
CATAPULT_BODY: Final = {"from": "+15551234567", "callbackTimeout": 2000}

#: Paths, relative to the server's origin.
TELNYX_PATH: Final = "/v2/conferences"
CATAPULT_PATH: Final = f"/v1/users/{CATAPULT_USER_ID}/conferences"
CATAPULT_CONFERENCE_ID: Final = "conf-b3a8c3e2d1f04a5e"

#: Telnyx's documented create-conference answer, one conference in a `data` envelope.
TELNYX_ANSWER: Final = json.dumps(
    {
        "data": {
            "record_type": "conference",
            "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "name": "Business",
            "created_at": "2019-01-23T18:10:02.574Z",
            "expires_at": "2019-01-23T18:10:02.574Z",
            "updated_at": "2019-01-23T18:10:02.574Z",
            "region": "sv1",
            "status": "init",
            "end_reason": "all_left",
            "ended_by": {
                "call_control_id": "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg",
                "call_session_id": "428c31b6-7af4-4bcb-b7f5-5013ef9657c1",
            },
            "connection_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        }
    },
    separators=(",", ":"),
)
