"""Asyncio-native clients for telephone conference APIs.

Telnyx v2 Call Control and Bandwidth Catapult v1, on one shared aiohttp
session pool, with every documented rule checked before a request is sent
and every failure raised as one of the typed errors below.

```python
from conferencing import CatapultClient, SessionPool, TelnyxClient, catapult, telnyx

async with SessionPool() as pool:
    tx = TelnyxClient(api_key="KEY", pool=pool)
    conf = await tx.create_conference(call_control_id="v3:...", name="Business")
    cp = CatapultClient(user_id="u-1", api_token="t-1", api_secret="s", pool=pool)
    ref = await cp.create_conference(from_="+15551234567", callback_timeout=2000)
```
"""

from . import catapult, telnyx
from ._bulk import (
    BulkCreated,
    BulkFailed,
    BulkOutcome,
    BulkResult,
    BulkRun,
    BulkSummary,
    create_many,
)
from ._delivery import Delivery
from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    CallEndedError,
    CallNotAnsweredError,
    ClientClosedError,
    ConferenceEndedError,
    ConferenceFullError,
    ConferenceNameConflictError,
    ConferencingError,
    ConfigurationError,
    ConflictError,
    ErrorDetail,
    EventLoopError,
    EventPayloadError,
    InvalidCallControlIdError,
    MaxParticipantsReachedError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    ResponseDecodeError,
    ServerError,
    StoreUnavailableError,
    TransportError,
    UnprocessableEntityError,
    ValidationError,
    WebhookVerificationError,
)
from ._observe import Hooks, RequestInfo, ResponseInfo, RetryInfo
from ._options import RequestOptions
from ._pages import PageMeta, Pages
from ._pool import SessionPool
from ._ratelimit import Limiter, RateLimit, RateStore
from ._raw import RawResponse, raw_response
from ._receive import Deduplicator, EventIdStore, WebhookReceiver
from ._retry import DEFAULT_RETRY, NO_RETRY, RetryPolicy
from ._version import __version__ as __version__
from .catapult import CatapultClient
from .telnyx import TelnyxClient

__all__ = [
    "DEFAULT_RETRY",
    "NO_RETRY",
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "BulkCreated",
    "BulkFailed",
    "BulkOutcome",
    "BulkResult",
    "BulkRun",
    "BulkSummary",
    "CallEndedError",
    "CallNotAnsweredError",
    "CatapultClient",
    "ClientClosedError",
    "ConferenceEndedError",
    "ConferenceFullError",
    "ConferenceNameConflictError",
    "ConferencingError",
    "ConfigurationError",
    "ConflictError",
    "Deduplicator",
    "Delivery",
    "ErrorDetail",
    "EventIdStore",
    "EventLoopError",
    "EventPayloadError",
    "Hooks",
    "InvalidCallControlIdError",
    "Limiter",
    "MaxParticipantsReachedError",
    "NotFoundError",
    "OutcomeUnknownError",
    "PageMeta",
    "Pages",
    "PermissionDeniedError",
    "RateLimit",
    "RateLimitError",
    "RateStore",
    "RawResponse",
    "RequestInfo",
    "RequestOptions",
    "RequestTimeout",
    "ResponseDecodeError",
    "ResponseInfo",
    "RetryInfo",
    "RetryPolicy",
    "ServerError",
    "SessionPool",
    "StoreUnavailableError",
    "TelnyxClient",
    "TransportError",
    "UnprocessableEntityError",
    "ValidationError",
    "WebhookReceiver",
    "WebhookVerificationError",
    "catapult",
    "create_many",
    "raw_response",
    "telnyx",
]
