"""Bandwidth Catapult v1: conference requests, answers and the client.

```python
from conferencing import CatapultClient, catapult

async with CatapultClient(user_id="u-123", api_token="t-...", api_secret="...") as cp:
    ref = await cp.create_conference(catapult.CreateConferenceRequest(from_="+15551234567"))
    call = await cp.create_call(from_="+15551234567", to="+15557654321", conference_id=ref.id)
    member = await cp.add_member(ref.id, call.id, join_tone=True)
    async for leg in cp.list_calls(conference_id=ref.id):
        print(leg.id, leg.state)
    await cp.hang_up(call.id)  # or update_call(call.id, state="transferring", transfer_to=...)
    await cp.update_conference(ref.id, state="completed")

    # or the whole recipe: a conference, a call and a member per callee
    result = await cp.start_conference_call(from_="+15551234567", to=["+1555...", ...])

# callbacks sent to your callbackUrl (https://user:pass@host/path), by POST or GET
decode = catapult.callback_decoder(username="user", password="pass")
event = decode(delivery)  # a ConferenceMemberEvent, HangupEvent, ... or UnknownCallback
```
"""

from ._callbacks import (
    AnswerEvent,
    Callback,
    ConferenceEvent,
    ConferenceMemberEvent,
    ConferencePlaybackEvent,
    ConferenceSpeakEvent,
    HangupEvent,
    UnknownCallback,
    callback_decoder,
    check_callback_auth,
    parse_callback,
)
from ._client import DEFAULT_BASE_URL, DOCUMENTED_RATE_LIMIT, CatapultClient
from ._models import (
    CALL_DIRECTIONS,
    CALL_STATES,
    CALL_UPDATE_STATES,
    CALLBACK_HTTP_METHODS,
    CONFERENCE_STATES,
    DEFAULT_CALLS_PAGE_SIZE,
    GENDERS,
    LOCALES,
    MAX_CALL_TIMEOUT_S,
    MAX_CALLBACK_TIMEOUT_MS,
    MAX_CALLS_PAGE_SIZE,
    MAX_MEMBERS,
    MAX_SENTENCE_CHARS,
    MAX_SIP_HEADERS,
    MEMBER_STATES,
    MIN_CONFERENCE_CALLERS,
    PROFILES,
    RECORDING_FILE_FORMATS,
    SORT_ORDERS,
    TRANSFER_CALLER_ID_PRIVATE,
    VOICES,
    AddMemberRequest,
    Call,
    CallRef,
    Conference,
    ConferenceRef,
    CreateCallRequest,
    CreateConferenceRequest,
    ListCallsRequest,
    Member,
    MemberRef,
    PlayAudioRequest,
    UpdateCallRequest,
    UpdateConferenceRequest,
    UpdateMemberRequest,
)
from ._params import (
    AddMemberFields,
    AddMemberOptionalFields,
    CreateCallFields,
    CreateConferenceFields,
    ListCallsFields,
    PlayAudioFields,
    UpdateCallFields,
    UpdateConferenceFields,
    UpdateMemberFields,
)
from ._recipe import STEP_ADD_MEMBER, STEP_ANSWER, STEP_CREATE_CALL, CalleeOutcome, ConferenceCall

__all__ = [
    "CALLBACK_HTTP_METHODS",
    "CALL_DIRECTIONS",
    "CALL_STATES",
    "CALL_UPDATE_STATES",
    "CONFERENCE_STATES",
    "DEFAULT_BASE_URL",
    "DEFAULT_CALLS_PAGE_SIZE",
    "DOCUMENTED_RATE_LIMIT",
    "GENDERS",
    "LOCALES",
    "MAX_CALLBACK_TIMEOUT_MS",
    "MAX_CALLS_PAGE_SIZE",
    "MAX_CALL_TIMEOUT_S",
    "MAX_MEMBERS",
    "MAX_SENTENCE_CHARS",
    "MAX_SIP_HEADERS",
    "MEMBER_STATES",
    "MIN_CONFERENCE_CALLERS",
    "PROFILES",
    "RECORDING_FILE_FORMATS",
    "SORT_ORDERS",
    "STEP_ADD_MEMBER",
    "STEP_ANSWER",
    "STEP_CREATE_CALL",
    "TRANSFER_CALLER_ID_PRIVATE",
    "VOICES",
    "AddMemberFields",
    "AddMemberOptionalFields",
    "AddMemberRequest",
    "AnswerEvent",
    "Call",
    "CallRef",
    "Callback",
    "CalleeOutcome",
    "CatapultClient",
    "Conference",
    "ConferenceCall",
    "ConferenceEvent",
    "ConferenceMemberEvent",
    "ConferencePlaybackEvent",
    "ConferenceRef",
    "ConferenceSpeakEvent",
    "CreateCallFields",
    "CreateCallRequest",
    "CreateConferenceFields",
    "CreateConferenceRequest",
    "HangupEvent",
    "ListCallsFields",
    "ListCallsRequest",
    "Member",
    "MemberRef",
    "PlayAudioFields",
    "PlayAudioRequest",
    "UnknownCallback",
    "UpdateCallFields",
    "UpdateCallRequest",
    "UpdateConferenceFields",
    "UpdateConferenceRequest",
    "UpdateMemberFields",
    "UpdateMemberRequest",
    "callback_decoder",
    "check_callback_auth",
    "parse_callback",
]
