"""Telnyx v2 Call Control: conference requests, answers and the client.

```python
from conferencing import TelnyxClient, telnyx

async with TelnyxClient(api_key="KEY") as tx:
    conf = await tx.create_conference(
        telnyx.CreateConferenceRequest(call_control_id="v3:...", name="Business")
    )
    await tx.join(conf.id, "v3:second-leg...", mute=True)
    async for participant in tx.list_participants(conf.id):
        print(participant.call_control_id, participant.status)
    await tx.end_conference(conf.id)

    # or the whole recipe: create with the first leg, join the others
    call = await tx.start_conference_call(name="Standup", call_control_ids=["v3:a", "v3:b"])
```
"""

from ._client import DEFAULT_BASE_URL, TelnyxClient
from ._models import (
    BEEP_ENABLED,
    CONFERENCE_STATUSES,
    DEFAULT_MAX_PARTICIPANTS,
    MAX_PAGE_SIZE,
    PARTICIPANT_STATUSES,
    REGIONS,
    SUPERVISOR_ROLES,
    CommandResult,
    Conference,
    ConferenceSummary,
    CreateConferenceRequest,
    EndConferenceRequest,
    EndedBy,
    HoldRequest,
    JoinRequest,
    LeaveRequest,
    ListConferencesRequest,
    ListParticipantsRequest,
    MuteRequest,
    PageMeta,
    Participant,
    UnholdRequest,
    UnmuteRequest,
    UpdateParticipantRequest,
)
from ._pages import Pages
from ._params import (
    CreateConferenceFields,
    EndConferenceFields,
    HoldFields,
    JoinFields,
    JoinOptionalFields,
    LeaveFields,
    LeaveOptionalFields,
    ListConferencesFields,
    ListParticipantsFields,
    MuteFields,
    UnholdFields,
    UnmuteFields,
    UpdateParticipantFields,
)
from ._recipe import ConferenceCall, LegOutcome

__all__ = [
    "BEEP_ENABLED",
    "CONFERENCE_STATUSES",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_PARTICIPANTS",
    "MAX_PAGE_SIZE",
    "PARTICIPANT_STATUSES",
    "REGIONS",
    "SUPERVISOR_ROLES",
    "CommandResult",
    "Conference",
    "ConferenceCall",
    "ConferenceSummary",
    "CreateConferenceFields",
    "CreateConferenceRequest",
    "EndConferenceFields",
    "EndConferenceRequest",
    "EndedBy",
    "HoldFields",
    "HoldRequest",
    "JoinFields",
    "JoinOptionalFields",
    "JoinRequest",
    "LeaveFields",
    "LeaveOptionalFields",
    "LeaveRequest",
    "LegOutcome",
    "ListConferencesFields",
    "ListConferencesRequest",
    "ListParticipantsFields",
    "ListParticipantsRequest",
    "MuteFields",
    "MuteRequest",
    "PageMeta",
    "Pages",
    "Participant",
    "TelnyxClient",
    "UnholdFields",
    "UnholdRequest",
    "UnmuteFields",
    "UnmuteRequest",
    "UpdateParticipantFields",
    "UpdateParticipantRequest",
]
