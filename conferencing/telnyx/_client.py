"""The Telnyx v2 Call Control client."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Final, Protocol, TypeVar, Unpack, overload
from urllib.parse import quote, urlencode

import attrs
from attrs import AttrsInstance

from .. import _rules, _wire
from .._client import BaseClient, credential, json_headers
from .._errors import ValidationError
from .._pool import SessionPool
from .._ratelimit import RateLimit
from .._retry import DEFAULT_RETRY, RetryPolicy
from .._send import Answer
from ._models import (
    REGIONS,
    CommandResult,
    Conference,
    CreateConferenceRequest,
    EndConferenceRequest,
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
from ._recipe import ConferenceCall, start_conference_call
from ._wire import (
    CONVERTER,
    DIALECT,
    decode_command_result,
    decode_conference,
    decode_conference_page,
    decode_participant,
    decode_participant_page,
    new_command_id,
)

__all__ = ["DEFAULT_BASE_URL", "TelnyxClient"]

_T = TypeVar("_T")
_R = TypeVar("_R")


class _Commanded(AttrsInstance, Protocol):
    """A request that carries a `command_id`."""

    @property
    def command_id(self) -> str | None: ...


_C = TypeVar("_C", bound=_Commanded)


def _leg_request(cls: type[_R], request: object, fields: Mapping[str, Any]) -> _R:
    """As `_request`, and a bare string is the `call_control_id`."""
    if isinstance(request, str):
        return _rules.build(cls, {"call_control_id": request, **fields})
    return _rules.request_from(cls, request, fields)


def _with_command_id(request: _C) -> _C:
    """The request with a fresh `command_id` if it has none, so the caller can learn it."""
    if request.command_id is None:
        return attrs.evolve(request, command_id=new_command_id())  # type: ignore[misc]
    return request


def _region_query(region: object) -> dict[str, str]:
    """The `region` query parameter, checked against `REGIONS`; none when unset."""
    if region is None:
        return {}
    if not isinstance(region, str) or region not in REGIONS:
        raise ValidationError(
            f"region must be one of {', '.join(sorted(REGIONS))}, got {region!r}", field="region"
        )
    return {"region": region}


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
        retry: What to retry and how (`RetryPolicy`); only requests that are
            safe to repeat are ever retried. `None` sends each request once.
        rate_limit: Client-side pacing per endpoint family (`RateLimit`);
            off by default.

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
        retry: RetryPolicy | None = DEFAULT_RETRY,
        rate_limit: RateLimit | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            pool=pool,
            timeout=timeout,
            allow_insecure_http=allow_insecure_http,
            retry=retry,
            rate_limit=rate_limit,
        )
        key = credential(api_key, "TELNYX_API_KEY", "an api_key", "TelnyxClient")
        self._headers: Final = json_headers(f"Bearer {key}")
        # The key is the account as far as this client can tell; kept only hashed.
        self._account_is(hashlib.sha256(key.encode()).hexdigest()[:32])
        self._family_prefix = f"{self._base_url}/"
        self._conferences_url: Final = f"{self._base_url}/conferences"

    def __repr__(self) -> str:
        return f"<TelnyxClient base_url={self._base_url!r} api_key=***>"

    @overload
    async def create_conference(self, request: CreateConferenceRequest, /) -> Conference: ...

    @overload
    async def create_conference(
        self, /, **fields: Unpack[CreateConferenceFields]
    ) -> Conference: ...

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
        request = _rules.request_from(CreateConferenceRequest, request, fields)
        return await self._command(self._conferences_url, request, decode_conference)

    def _command(
        self, url: str, request: AttrsInstance, decode: Callable[[Answer], _T]
    ) -> Coroutine[Any, Any, _T]:
        """POST a command that takes a `command_id`, making one up when the caller gave none.

        Telnyx ignores a repeated command with the same `command_id`, so with
        one in the body a retry after a lost answer cannot act twice.
        """
        payload = CONVERTER.unstructure(request)
        command_id = payload.get("command_id")
        if command_id is None:
            command_id = payload["command_id"] = new_command_id()
        return self._send(
            "POST",
            url,
            self._headers,
            _wire.dumps(payload),
            decode,
            idempotent=True,
            request=request,
            command_id=command_id,
        )

    def _conference_url(self, conference_id: str) -> str:
        return f"{self._conferences_url}/{_rules.path_segment('conference_id', conference_id)}"

    def _participant_url(self, conference_id: str, participant_id: str) -> str:
        participant = _rules.path_segment("participant_id", participant_id)
        return f"{self._conference_url(conference_id)}/participants/{participant}"

    async def _get(self, url: str, query: Mapping[str, str], decode: Callable[[Answer], _T]) -> _T:
        if query:
            url = f"{url}?{urlencode(query, quote_via=quote)}"
        return await self._send("GET", url, self._headers, None, decode, idempotent=True)

    async def _commanded(self, url: str, request: _C) -> CommandResult:
        """Send a command that takes a `command_id`, and say which one it carried."""
        request = _with_command_id(request)
        result = await self._command(url, request, decode_command_result)
        return attrs.evolve(result, command_id=request.command_id)

    async def _action(self, url: str, request: AttrsInstance) -> CommandResult:
        """Send a command that takes no `command_id` (mute, unmute, hold, unhold).

        These set a state ("these legs are muted"); sending one twice leaves
        the same state as sending it once, so they are idempotent by nature
        and safe to retry after an unknown outcome.
        """
        body = _wire.dumps(CONVERTER.unstructure(request))
        return await self._send(
            "POST",
            url,
            self._headers,
            body,
            decode_command_result,
            idempotent=True,
            request=request,
        )

    async def get_conference(self, conference_id: str, *, region: str | None = None) -> Conference:
        """Fetch one conference by id.

        Raises:
            ValidationError: `conference_id` cannot stand in a URL path, or `region` is unknown.
            NotFoundError: there is no such conference.
        """
        url = self._conference_url(conference_id)
        return await self._get(url, _region_query(region), decode_conference)

    def list_conferences(
        self,
        request: ListConferencesRequest | None = None,
        /,
        **fields: Unpack[ListConferencesFields],
    ) -> Pages[Conference]:
        """Iterate over conferences, page after page, fetched as you go.

        Pass a `telnyx.ListConferencesRequest`, or its fields as keywords:
        `async for conf in tx.list_conferences(status="in_progress", page_size=50):`.
        The filters are checked now; nothing is sent until you iterate.

        Raises:
            ValidationError: a filter breaks a documented rule (at the call).
            APIError, TransportError: while iterating, when a page cannot be fetched.
        """
        request = _rules.request_from(ListConferencesRequest, request, fields)
        query = request.query()

        async def fetch(page: int) -> tuple[tuple[Conference, ...], PageMeta]:
            return await self._get(
                self._conferences_url, {**query, "page[number]": str(page)}, decode_conference_page
            )

        return Pages(fetch)

    @overload
    async def join(self, conference_id: str, request: JoinRequest, /) -> CommandResult: ...

    @overload
    async def join(
        self, conference_id: str, call_control_id: str, /, **fields: Unpack[JoinOptionalFields]
    ) -> CommandResult: ...

    @overload
    async def join(self, conference_id: str, /, **fields: Unpack[JoinFields]) -> CommandResult: ...

    async def join(
        self, conference_id: str, request: JoinRequest | str | None = None, /, **fields: Any
    ) -> CommandResult:
        """Bring an existing, answered call leg into a conference.

        Pass a `telnyx.JoinRequest`, or the call control id and other fields:
        `join(conf_id, "v3:...", mute=True)`. Without a `command_id`, one is
        generated (and returned), so a retry cannot join twice.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            MaxParticipantsReachedError: the conference is full.
            ConferenceEndedError, CallEndedError: the conference or the call has ended.
        """
        url = f"{self._conference_url(conference_id)}/actions/join"
        return await self._commanded(url, _leg_request(JoinRequest, request, fields))

    @overload
    async def leave(self, conference_id: str, request: LeaveRequest, /) -> CommandResult: ...

    @overload
    async def leave(
        self, conference_id: str, call_control_id: str, /, **fields: Unpack[LeaveOptionalFields]
    ) -> CommandResult: ...

    @overload
    async def leave(
        self, conference_id: str, /, **fields: Unpack[LeaveFields]
    ) -> CommandResult: ...

    async def leave(
        self, conference_id: str, request: LeaveRequest | str | None = None, /, **fields: Any
    ) -> CommandResult:
        """Take a call leg out of a conference; the call itself goes on.

        Pass a `telnyx.LeaveRequest`, or the call control id and other fields.
        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        url = f"{self._conference_url(conference_id)}/actions/leave"
        return await self._commanded(url, _leg_request(LeaveRequest, request, fields))

    async def mute(
        self,
        conference_id: str,
        request: MuteRequest | None = None,
        /,
        **fields: Unpack[MuteFields],
    ) -> CommandResult:
        """Mute the legs in `call_control_ids`, or every participant when it is unset.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        url = f"{self._conference_url(conference_id)}/actions/mute"
        return await self._action(url, _rules.request_from(MuteRequest, request, fields))

    async def unmute(
        self,
        conference_id: str,
        request: UnmuteRequest | None = None,
        /,
        **fields: Unpack[UnmuteFields],
    ) -> CommandResult:
        """Unmute the legs in `call_control_ids`, or every participant when it is unset.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        url = f"{self._conference_url(conference_id)}/actions/unmute"
        return await self._action(url, _rules.request_from(UnmuteRequest, request, fields))

    async def hold(
        self,
        conference_id: str,
        request: HoldRequest | None = None,
        /,
        **fields: Unpack[HoldFields],
    ) -> CommandResult:
        """Put legs on hold, with `audio_url` or `media_name` (not both) played to them.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        url = f"{self._conference_url(conference_id)}/actions/hold"
        return await self._action(url, _rules.request_from(HoldRequest, request, fields))

    @overload
    async def unhold(self, conference_id: str, request: UnholdRequest, /) -> CommandResult: ...

    @overload
    async def unhold(
        self, conference_id: str, /, **fields: Unpack[UnholdFields]
    ) -> CommandResult: ...

    async def unhold(
        self, conference_id: str, request: UnholdRequest | None = None, /, **fields: Any
    ) -> CommandResult:
        """Take the legs in `call_control_ids` (required, at least one) off hold.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        url = f"{self._conference_url(conference_id)}/actions/unhold"
        return await self._action(url, _rules.request_from(UnholdRequest, request, fields))

    async def end_conference(
        self,
        conference_id: str,
        request: EndConferenceRequest | None = None,
        /,
        **fields: Unpack[EndConferenceFields],
    ) -> CommandResult:
        """End a conference for everyone in it.

        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: `conference_id` cannot stand in a URL path.
            APIError: Telnyx refused (e.g. `ConferenceEndedError`, `NotFoundError`).
        """
        url = f"{self._conference_url(conference_id)}/actions/end"
        return await self._commanded(
            url, _rules.request_from(EndConferenceRequest, request, fields)
        )

    def list_participants(
        self,
        conference_id: str,
        request: ListParticipantsRequest | None = None,
        /,
        **fields: Unpack[ListParticipantsFields],
    ) -> Pages[Participant]:
        """Iterate over a conference's participants, page after page, fetched as you go.

        Pass a `telnyx.ListParticipantsRequest`, or its fields as keywords
        (`muted`, `on_hold`, `whispering`, `page_size`). The id and filters are
        checked now; nothing is sent until you iterate.

        Raises:
            ValidationError: the id or a filter breaks a documented rule (at the call).
            APIError, TransportError: while iterating, when a page cannot be fetched.
        """
        url = f"{self._conference_url(conference_id)}/participants"
        query = _rules.request_from(ListParticipantsRequest, request, fields).query()

        async def fetch(page: int) -> tuple[tuple[Participant, ...], PageMeta]:
            return await self._get(
                url, {**query, "page[number]": str(page)}, decode_participant_page
            )

        return Pages(fetch)

    async def get_participant(self, conference_id: str, participant_id: str) -> Participant:
        """Fetch one participant of a conference.

        Raises:
            ValidationError: an id cannot stand in a URL path.
            NotFoundError: there is no such conference or participant.
        """
        url = self._participant_url(conference_id, participant_id)
        return await self._get(url, {}, decode_participant)

    async def update_participant(
        self,
        conference_id: str,
        participant_id: str,
        request: UpdateParticipantRequest | None = None,
        /,
        **fields: Unpack[UpdateParticipantFields],
    ) -> Participant:
        """Change one participant's `beep_enabled`, `end_conference_on_exit`, `soft_...`.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            NotFoundError: there is no such conference or participant.
        """
        url = self._participant_url(conference_id, participant_id)
        update = _rules.request_from(UpdateParticipantRequest, request, fields)
        body = _wire.dumps(CONVERTER.unstructure(update))
        # Idempotent: the body holds absolute values, never increments, so
        # applying it twice leaves the participant as applying it once.
        return await self._send(
            "PATCH", url, self._headers, body, decode_participant, idempotent=True, request=update
        )

    async def start_conference_call(
        self,
        *,
        name: str,
        call_control_ids: Sequence[str],
        max_participants: int | None = None,
        conference_options: Mapping[str, Any] | None = None,
        join_options: Mapping[str, Any] | None = None,
    ) -> ConferenceCall:
        """Create a conference from the first call leg and join the others to it, concurrently.

        The legs are existing, answered calls. No more legs than the
        conference's `max_participants` (Telnyx's default 250 when unset) are
        accepted: more is a `ValidationError` before anything is sent.
        Each create and join carries its own generated `command_id`.

        Args:
            name: The conference's name.
            call_control_ids: The legs, distinct; the first creates the conference.
            max_participants: The conference's cap, 2..800.
            conference_options: More `CreateConferenceRequest` fields (beep, hold audio, ...).
            join_options: More `JoinRequest` fields for every joining leg (mute, ...);
                not `call_control_id` nor `command_id`.

        Returns:
            The conference and one `LegOutcome` per leg, in the order given:
            in the conference, or the typed error that kept it out. A join's
            failure never raises.

        Raises:
            ValidationError: the legs or options break a rule (nothing is sent).
            ConferencingError: creating the conference failed (no leg was joined).
        """
        return await start_conference_call(
            self,
            name=name,
            call_control_ids=call_control_ids,
            max_participants=max_participants,
            conference_options=conference_options,
            join_options=join_options,
        )
