"""The Telnyx v2 Call Control client."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any, Final, Protocol, TypeVar, Unpack, overload
from urllib.parse import quote

import attrs
from attrs import AttrsInstance

from .. import _rules
from .._client import BaseClient, credential, json_headers
from .._errors import ValidationError
from .._observe import Hooks
from .._options import Options, RequestOptions, call_options, only_options
from .._pages import PageMeta, Pages
from .._pool import SessionPool
from .._ratelimit import RateLimit
from .._receive import WebhookReceiver
from .._retry import DEFAULT_RETRY, RetryPolicy
from .._send import Answer
from ._dialing import DialedConference, dial_conference_call
from ._events import Event
from ._models import (
    REGIONS,
    Call,
    CommandResult,
    Conference,
    ConferenceName,
    CreateConferenceRequest,
    DialRequest,
    EndConferenceRequest,
    GatherUsingAudioRequest,
    HangUpRequest,
    HoldRequest,
    JoinRequest,
    LeaveRequest,
    ListConferencesRequest,
    ListParticipantsRequest,
    MuteRequest,
    Participant,
    PlayRequest,
    RecordPauseRequest,
    RecordResumeRequest,
    RecordStartRequest,
    RecordStopRequest,
    SendDtmfRequest,
    SpeakRequest,
    StopRequest,
    UnholdRequest,
    UnmuteRequest,
    UpdateConferenceRequest,
    UpdateParticipantRequest,
)
from ._params import (
    CreateConferenceFields,
    DialFields,
    EndConferenceFields,
    GatherUsingAudioFields,
    GatherUsingAudioOptionalFields,
    HangUpFields,
    HoldFields,
    JoinFields,
    JoinOptionalFields,
    LeaveFields,
    LeaveOptionalFields,
    ListConferencesFields,
    ListParticipantsFields,
    MuteFields,
    PlayFields,
    RecordPauseFields,
    RecordResumeFields,
    RecordStartFields,
    RecordStopFields,
    SendDtmfFields,
    SpeakFields,
    StopFields,
    UnholdFields,
    UnmuteFields,
    UpdateConferenceFields,
    UpdateConferenceOptionalFields,
    UpdateParticipantFields,
)
from ._recipe import ConferenceCall, start_conference_call
from ._wire import (
    CONVERTER,
    DIALECT,
    decode_call,
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
        hooks: `Hooks` called for every attempt of this client's requests
            (after the pool's own).

    Where Telnyx's reference says a command path takes the conference "by
    id or name" (join, leave, mute, unmute, hold, unhold, play, stop,
    speak, record_*, update_conference), pass `telnyx.ConferenceName("...")`
    instead of an id; elsewhere only ids are accepted.

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
        hooks: Hooks | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url,
            pool=pool,
            timeout=timeout,
            allow_insecure_http=allow_insecure_http,
            retry=retry,
            rate_limit=rate_limit,
            hooks=hooks,
        )
        key = credential(api_key, "TELNYX_API_KEY", "an api_key", "TelnyxClient")
        self._headers = json_headers(f"Bearer {key}")
        # The key is the account as far as this client can tell; kept only hashed.
        self._account_is(hashlib.sha256(key.encode()).hexdigest()[:32])
        self._family_prefix = f"{self._base_url}/"
        self._conferences_url: Final = f"{self._base_url}/conferences"
        self._calls_url: Final = f"{self._base_url}/calls"

    def __repr__(self) -> str:
        return f"<TelnyxClient base_url={self._base_url!r} api_key=***>"

    @overload
    async def create_conference(
        self, request: CreateConferenceRequest, /, **options: Unpack[RequestOptions]
    ) -> Conference: ...

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
        options = call_options("create_conference", fields)
        request = _rules.request_from(CreateConferenceRequest, request, fields)
        return await self._command(
            self._conferences_url, request, decode_conference, options=options
        )

    def _command(
        self,
        url: str,
        request: AttrsInstance,
        decode: Callable[[Answer], _T],
        *,
        options: Options,
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
            payload,
            decode,
            options=options,
            idempotent=True,
            request=request,
            command_id=command_id,
        )

    def _conference_url(self, conference_id: str | ConferenceName, *, by_name: bool = False) -> str:
        """The conference's URL: an id held to the strict path rules, or a name percent-encoded.

        Only paths Telnyx documents as taking "id or name" (`by_name`) take
        a `ConferenceName`. Its every character outside RFC 3986's
        unreserved set is percent-encoded (`quote(name, safe="")`), so
        '/', '?', '#', '%', spaces and non-ASCII text stay inside one
        segment and the server decodes exactly the name. A plain string is
        an id and is checked, never quoted: an id with such characters is a
        mistake or an attack, and is refused.
        """
        if isinstance(conference_id, ConferenceName):
            if not by_name:
                raise ValidationError(
                    "conference_id must be the conference's id here: Telnyx takes a "
                    f"ConferenceName only on paths that say 'id or name', got {conference_id!r}",
                    field="conference_id",
                )
            return f"{self._conferences_url}/{quote(conference_id.name, safe='')}"
        return f"{self._conferences_url}/{_rules.path_segment('conference_id', conference_id)}"

    def _action_url(self, conference_id: str | ConferenceName, action: str) -> str:
        """`/conferences/{id or name}/actions/{action}`, for the actions that take a name."""
        return f"{self._conference_url(conference_id, by_name=True)}/actions/{action}"

    def _participant_url(self, conference_id: str, participant_id: str) -> str:
        participant = _rules.path_segment("participant_id", participant_id)
        return f"{self._conference_url(conference_id)}/participants/{participant}"

    async def _commanded(self, url: str, request: _C, *, options: Options) -> CommandResult:
        """Send a command that takes a `command_id`, and say which one it carried."""
        request = _with_command_id(request)
        result = await self._command(url, request, decode_command_result, options=options)
        return attrs.evolve(result, command_id=request.command_id)

    async def _action(
        self, url: str, request: AttrsInstance, *, options: Options, idempotent: bool = True
    ) -> CommandResult:
        """Send a command that takes no `command_id` (mute, unmute, hold, unhold, stop, ...).

        Most set a state ("these legs are muted"); sending one twice leaves
        the same state as sending it once, so they are idempotent by nature
        and safe to retry after an unknown outcome. Those that act each time
        they arrive (play, send_dtmf, gather) say `idempotent=False`, and are
        then repeated only when Telnyx provably did not act.
        """
        return await self._send(
            "POST",
            url,
            CONVERTER.unstructure(request),
            decode_command_result,
            options=options,
            idempotent=idempotent,
            request=request,
        )

    async def get_conference(
        self, conference_id: str, *, region: str | None = None, **given: Unpack[RequestOptions]
    ) -> Conference:
        """Fetch one conference by id.

        Raises:
            ValidationError: `conference_id` cannot stand in a URL path, or `region` is unknown.
            NotFoundError: there is no such conference.
        """
        options = only_options("get_conference", given)
        url = self._conference_url(conference_id)
        return await self._get(url, _region_query(region), decode_conference, options=options)

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
        options = call_options("list_conferences", fields)
        request = _rules.request_from(ListConferencesRequest, request, fields)
        query = request.query()

        async def fetch(page: int) -> tuple[tuple[Conference, ...], PageMeta]:
            return await self._get(
                self._conferences_url,
                {**query, "page[number]": str(page)},
                decode_conference_page,
                options=options,
            )

        return Pages(fetch)

    @overload
    async def join(
        self,
        conference_id: str | ConferenceName,
        request: JoinRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def join(
        self,
        conference_id: str | ConferenceName,
        call_control_id: str,
        /,
        **fields: Unpack[JoinOptionalFields],
    ) -> CommandResult: ...

    @overload
    async def join(
        self, conference_id: str | ConferenceName, /, **fields: Unpack[JoinFields]
    ) -> CommandResult: ...

    async def join(
        self,
        conference_id: str | ConferenceName,
        request: JoinRequest | str | None = None,
        /,
        **fields: Any,
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
        options = call_options("join", fields)
        url = self._action_url(conference_id, "join")
        return await self._commanded(
            url, _leg_request(JoinRequest, request, fields), options=options
        )

    @overload
    async def leave(
        self,
        conference_id: str | ConferenceName,
        request: LeaveRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def leave(
        self,
        conference_id: str | ConferenceName,
        call_control_id: str,
        /,
        **fields: Unpack[LeaveOptionalFields],
    ) -> CommandResult: ...

    @overload
    async def leave(
        self, conference_id: str | ConferenceName, /, **fields: Unpack[LeaveFields]
    ) -> CommandResult: ...

    async def leave(
        self,
        conference_id: str | ConferenceName,
        request: LeaveRequest | str | None = None,
        /,
        **fields: Any,
    ) -> CommandResult:
        """Take a call leg out of a conference; the call itself goes on.

        Pass a `telnyx.LeaveRequest`, or the call control id and other fields.
        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("leave", fields)
        url = self._action_url(conference_id, "leave")
        return await self._commanded(
            url, _leg_request(LeaveRequest, request, fields), options=options
        )

    async def mute(
        self,
        conference_id: str | ConferenceName,
        request: MuteRequest | None = None,
        /,
        **fields: Unpack[MuteFields],
    ) -> CommandResult:
        """Mute the legs in `call_control_ids`, or every participant when it is empty or unset.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("mute", fields)
        url = self._action_url(conference_id, "mute")
        return await self._action(
            url, _rules.request_from(MuteRequest, request, fields), options=options
        )

    async def unmute(
        self,
        conference_id: str | ConferenceName,
        request: UnmuteRequest | None = None,
        /,
        **fields: Unpack[UnmuteFields],
    ) -> CommandResult:
        """Unmute the legs in `call_control_ids`, or every participant when it is empty or unset.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("unmute", fields)
        url = self._action_url(conference_id, "unmute")
        return await self._action(
            url, _rules.request_from(UnmuteRequest, request, fields), options=options
        )

    async def hold(
        self,
        conference_id: str | ConferenceName,
        request: HoldRequest | None = None,
        /,
        **fields: Unpack[HoldFields],
    ) -> CommandResult:
        """Hold the legs in `call_control_ids`, or every participant when it is empty or unset.

        `audio_url` or `media_name` (not both) is played to those on hold.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("hold", fields)
        url = self._action_url(conference_id, "hold")
        return await self._action(
            url, _rules.request_from(HoldRequest, request, fields), options=options
        )

    @overload
    async def unhold(
        self,
        conference_id: str | ConferenceName,
        request: UnholdRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def unhold(
        self, conference_id: str | ConferenceName, /, **fields: Unpack[UnholdFields]
    ) -> CommandResult: ...

    async def unhold(
        self,
        conference_id: str | ConferenceName,
        request: UnholdRequest | None = None,
        /,
        **fields: Any,
    ) -> CommandResult:
        """Take the legs in `call_control_ids` (required, at least one) off hold.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("unhold", fields)
        url = self._action_url(conference_id, "unhold")
        return await self._action(
            url, _rules.request_from(UnholdRequest, request, fields), options=options
        )

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
        options = call_options("end_conference", fields)
        url = f"{self._conference_url(conference_id)}/actions/end"
        return await self._commanded(
            url, _rules.request_from(EndConferenceRequest, request, fields), options=options
        )

    async def play(
        self,
        conference_id: str | ConferenceName,
        request: PlayRequest | None = None,
        /,
        **fields: Unpack[PlayFields],
    ) -> CommandResult:
        """Play `audio_url` or `media_name` to the legs in `call_control_ids`, or to everyone.

        Telnyx takes no `command_id` here, so a play whose outcome is unknown
        is not sent again (it would play twice).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`, `NotFoundError`).
            OutcomeUnknownError: the play may or may not have started.
        """
        options = call_options("play", fields)
        url = self._action_url(conference_id, "play")
        play = _rules.request_from(PlayRequest, request, fields)
        return await self._action(url, play, idempotent=False, options=options)

    async def stop(
        self,
        conference_id: str | ConferenceName,
        request: StopRequest | None = None,
        /,
        **fields: Unpack[StopFields],
    ) -> CommandResult:
        """Stop the audio played to the legs in `call_control_ids`, or to everyone when unset.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("stop", fields)
        url = self._action_url(conference_id, "stop")
        return await self._action(
            url, _rules.request_from(StopRequest, request, fields), options=options
        )

    @overload
    async def speak(
        self,
        conference_id: str | ConferenceName,
        request: SpeakRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def speak(
        self, conference_id: str | ConferenceName, /, **fields: Unpack[SpeakFields]
    ) -> CommandResult: ...

    async def speak(
        self,
        conference_id: str | ConferenceName,
        request: SpeakRequest | None = None,
        /,
        **fields: Any,
    ) -> CommandResult:
        """Speak `payload` (text or SSML) with `voice` to the legs listed, or to everyone.

        Without a `command_id`, one is generated (and returned), so a retry
        cannot speak twice.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("speak", fields)
        url = self._action_url(conference_id, "speak")
        return await self._commanded(
            url, _rules.request_from(SpeakRequest, request, fields), options=options
        )

    @overload
    async def record_start(
        self,
        conference_id: str | ConferenceName,
        request: RecordStartRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def record_start(
        self, conference_id: str | ConferenceName, /, **fields: Unpack[RecordStartFields]
    ) -> CommandResult: ...

    async def record_start(
        self,
        conference_id: str | ConferenceName,
        request: RecordStartRequest | None = None,
        /,
        **fields: Any,
    ) -> CommandResult:
        """Start recording the conference in `format` (mp3 or wav).

        The recording stops when the conference ends or on `record_stop`;
        Telnyx then sends `conference.recording.saved`. Without a
        `command_id`, one is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
        """
        options = call_options("record_start", fields)
        url = self._action_url(conference_id, "record_start")
        start = _rules.request_from(RecordStartRequest, request, fields)
        return await self._commanded(url, start, options=options)

    async def record_stop(
        self,
        conference_id: str | ConferenceName,
        request: RecordStopRequest | None = None,
        /,
        **fields: Unpack[RecordStopFields],
    ) -> CommandResult:
        """Stop recording the conference (or the recording `recording_id`).

        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `NotFoundError` for an unknown recording).
        """
        options = call_options("record_stop", fields)
        url = self._action_url(conference_id, "record_stop")
        stop = _rules.request_from(RecordStopRequest, request, fields)
        return await self._commanded(url, stop, options=options)

    async def record_pause(
        self,
        conference_id: str | ConferenceName,
        request: RecordPauseRequest | None = None,
        /,
        **fields: Unpack[RecordPauseFields],
    ) -> CommandResult:
        """Pause the conference's recording (or the recording `recording_id`).

        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `NotFoundError` for an unknown recording).
        """
        options = call_options("record_pause", fields)
        url = self._action_url(conference_id, "record_pause")
        pause = _rules.request_from(RecordPauseRequest, request, fields)
        return await self._commanded(url, pause, options=options)

    async def record_resume(
        self,
        conference_id: str | ConferenceName,
        request: RecordResumeRequest | None = None,
        /,
        **fields: Unpack[RecordResumeFields],
    ) -> CommandResult:
        """Resume a paused recording of the conference (or the recording `recording_id`).

        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `NotFoundError` for an unknown recording).
        """
        options = call_options("record_resume", fields)
        url = self._action_url(conference_id, "record_resume")
        resume = _rules.request_from(RecordResumeRequest, request, fields)
        return await self._commanded(url, resume, options=options)

    @overload
    async def update_conference(
        self,
        conference_id: str | ConferenceName,
        request: UpdateConferenceRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def update_conference(
        self,
        conference_id: str | ConferenceName,
        call_control_id: str,
        /,
        **fields: Unpack[UpdateConferenceOptionalFields],
    ) -> CommandResult: ...

    @overload
    async def update_conference(
        self, conference_id: str | ConferenceName, /, **fields: Unpack[UpdateConferenceFields]
    ) -> CommandResult: ...

    async def update_conference(
        self,
        conference_id: str | ConferenceName,
        request: UpdateConferenceRequest | str | None = None,
        /,
        **fields: Any,
    ) -> CommandResult:
        """Set a participant's `supervisor_role`, and whom a whispering supervisor is heard by.

        Pass a `telnyx.UpdateConferenceRequest`, or the call control id and
        other fields: `update_conference(conf_id, "v3:...", supervisor_role="whisper",
        whisper_call_control_ids=["v3:agent"])`. Without a `command_id`, one
        is generated (and returned).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`, `CallEndedError`).
        """
        options = call_options("update_conference", fields)
        url = self._action_url(conference_id, "update")
        update = _leg_request(UpdateConferenceRequest, request, fields)
        return await self._commanded(url, update, options=options)

    @overload
    async def send_dtmf(
        self, conference_id: str, request: SendDtmfRequest, /, **options: Unpack[RequestOptions]
    ) -> CommandResult: ...

    @overload
    async def send_dtmf(
        self, conference_id: str, /, **fields: Unpack[SendDtmfFields]
    ) -> CommandResult: ...

    async def send_dtmf(
        self, conference_id: str, request: SendDtmfRequest | None = None, /, **fields: Any
    ) -> CommandResult:
        """Send DTMF `digits` to the legs in `call_control_ids`, or to everyone when unset.

        The conference is named by id only (Telnyx's path takes no name).
        Telnyx takes no `command_id` here, so a send whose outcome is unknown
        is not repeated (the tones would be sent twice).

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`).
            OutcomeUnknownError: the tones may or may not have been sent.
        """
        options = call_options("send_dtmf", fields)
        url = f"{self._conference_url(conference_id)}/actions/send_dtmf"
        dtmf = _rules.request_from(SendDtmfRequest, request, fields)
        return await self._action(url, dtmf, idempotent=False, options=options)

    @overload
    async def gather_using_audio(
        self,
        conference_id: str,
        request: GatherUsingAudioRequest,
        /,
        **options: Unpack[RequestOptions],
    ) -> CommandResult: ...

    @overload
    async def gather_using_audio(
        self,
        conference_id: str,
        call_control_id: str,
        /,
        **fields: Unpack[GatherUsingAudioOptionalFields],
    ) -> CommandResult: ...

    @overload
    async def gather_using_audio(
        self, conference_id: str, /, **fields: Unpack[GatherUsingAudioFields]
    ) -> CommandResult: ...

    async def gather_using_audio(
        self,
        conference_id: str,
        request: GatherUsingAudioRequest | str | None = None,
        /,
        **fields: Any,
    ) -> CommandResult:
        """Play a prompt to one participant and gather the DTMF digits it keys in.

        Telnyx's conference gather command (`.../actions/gather_using_audio`):
        pass the call control id of the leg to prompt, and `audio_url` or
        `media_name`. The digits arrive in a webhook naming `gather_id`. The
        conference is named by id only. Telnyx takes no `command_id` here, so
        a gather whose outcome is unknown is not repeated.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. `ConferenceEndedError`, `CallEndedError`).
            OutcomeUnknownError: the gather may or may not have started.
        """
        options = call_options("gather_using_audio", fields)
        url = f"{self._conference_url(conference_id)}/actions/gather_using_audio"
        gather = _leg_request(GatherUsingAudioRequest, request, fields)
        return await self._action(url, gather, idempotent=False, options=options)

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
        options = call_options("list_participants", fields)
        url = f"{self._conference_url(conference_id)}/participants"
        query = _rules.request_from(ListParticipantsRequest, request, fields).query()

        async def fetch(page: int) -> tuple[tuple[Participant, ...], PageMeta]:
            return await self._get(
                url, {**query, "page[number]": str(page)}, decode_participant_page, options=options
            )

        return Pages(fetch)

    async def get_participant(
        self, conference_id: str, participant_id: str, **given: Unpack[RequestOptions]
    ) -> Participant:
        """Fetch one participant of a conference.

        Raises:
            ValidationError: an id cannot stand in a URL path.
            NotFoundError: there is no such conference or participant.
        """
        options = only_options("get_participant", given)
        url = self._participant_url(conference_id, participant_id)
        return await self._get(url, {}, decode_participant, options=options)

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
        options = call_options("update_participant", fields)
        url = self._participant_url(conference_id, participant_id)
        update = _rules.request_from(UpdateParticipantRequest, request, fields)
        body = CONVERTER.unstructure(update)
        # Idempotent: the body holds absolute values, never increments, so
        # applying it twice leaves the participant as applying it once.
        return await self._send(
            "PATCH", url, body, decode_participant, idempotent=True, request=update, options=options
        )

    @overload
    async def dial(self, request: DialRequest, /, **options: Unpack[RequestOptions]) -> Call: ...

    @overload
    async def dial(self, /, **fields: Unpack[DialFields]) -> Call: ...

    async def dial(self, request: DialRequest | None = None, /, **fields: Any) -> Call:
        """Dial a number or SIP URI; with `conference_config`, straight into a conference.

        Pass a `telnyx.DialRequest`, or its fields as keywords:
        `dial(connection_id="...", from_="+15551230000", to="+15557650000",
        conference_config=telnyx.ConferenceConfig(id=conf.id, mute=True))`.
        Dialing is asynchronous: the `Call` comes back at once (`is_alive`
        false) and webhooks follow (`call.initiated`, then `call.answered`
        or `call.hangup`). Without a `command_id`, one is generated and
        returned on the `Call`, so a retry cannot place a second call.

        Raises:
            ValidationError: a field breaks a documented rule (nothing is sent).
            APIError: Telnyx refused (e.g. an invalid `connection_id`).
            OutcomeUnknownError: no answer came; dial again with `call.command_id`.
        """
        options = call_options("dial", fields)
        dial = _with_command_id(_rules.request_from(DialRequest, request, fields))
        call = await self._command(self._calls_url, dial, decode_call, options=options)
        return attrs.evolve(call, command_id=dial.command_id)

    async def hang_up(
        self,
        call_control_id: str,
        request: HangUpRequest | None = None,
        /,
        **fields: Unpack[HangUpFields],
    ) -> CommandResult:
        """Hang up a call leg (`client_state`, `command_id` and SIP `custom_headers` optional).

        Without a `command_id`, one is generated (and returned).

        Raises:
            ValidationError: the id cannot stand in a URL path, or a field breaks a rule.
            CallEndedError: the call has already ended.
        """
        options = call_options("hang_up", fields)
        leg = _rules.path_segment("call_control_id", call_control_id)
        url = f"{self._calls_url}/{leg}/actions/hangup"
        return await self._commanded(
            url, _rules.request_from(HangUpRequest, request, fields), options=options
        )

    async def dial_conference_call(
        self,
        *,
        events: WebhookReceiver[Event],
        connection_id: str,
        from_: str,
        to: Sequence[str],
        name: str,
        timeout_secs: int = 30,
        dial_options: Mapping[str, Any] | None = None,
        conference_options: Mapping[str, Any] | None = None,
    ) -> DialedConference:
        """Dial every number in `to` into a new conference named `name`; report each leg's fate.

        Each number is dialed (`dial`) from `from_` through the Call Control
        application `connection_id`, with a `conference_config` that puts the
        leg into the conference `name` once it answers (not while it rings).
        Then the recipe waits, on `events` (the `WebhookReceiver` where this
        account's webhooks arrive), for each leg's `conference.participant.joined`
        or `call.hangup`: joined, busy, no answer, rejected or failed, with
        Telnyx's `hangup_cause`. A leg nothing is heard of within
        `timeout_secs` plus 15 s is hung up and reported failed. If the recipe
        is cancelled, every leg it placed that was not heard to end is hung
        up. Every dial is built, and so checked, before the first is sent.

        Args:
            events: The receiver of this account's webhooks (already serving).
            connection_id: The Call Control application that places the calls.
            from_: The caller id, an E.164 number.
            to: The numbers (E.164 or `sip:` URIs) to dial, each once.
            name: The new conference's name.
            timeout_secs: How long each leg rings before Telnyx gives up, 5..600.
            dial_options: More `DialRequest` fields for every dial (`client_state`, ...).
            conference_options: More `ConferenceConfig` fields (`beep_enabled`, ...).

        Returns:
            The conference's id (from the first leg that joined) and one
            `DialOutcome` per number, in the order of `to`.

        Raises:
            ValidationError: a number or option breaks a rule (nothing is sent).
        """
        return await dial_conference_call(
            self,
            events=events,
            connection_id=connection_id,
            from_=from_,
            to=to,
            name=name,
            timeout_secs=timeout_secs,
            dial_options=dial_options,
            conference_options=conference_options,
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
