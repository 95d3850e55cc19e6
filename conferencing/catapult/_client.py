"""The Bandwidth Catapult v1 Voice API client."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any, Final, Unpack, overload

from attrs import AttrsInstance

from .. import _rules
from .._client import BaseClient, credential, json_headers
from .._observe import Hooks
from .._options import Options, RequestOptions, call_options, only_options
from .._pages import PageMeta, Pages
from .._pool import SessionPool
from .._ratelimit import RateLimit
from .._retry import DEFAULT_RETRY, RetryPolicy
from ._models import (
    DEFAULT_CALLS_PAGE_SIZE,
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
from ._recipe import ConferenceCall, start_conference_call
from ._wire import (
    CONVERTER,
    DIALECT,
    calls_query,
    decode_call,
    decode_call_ref,
    decode_calls,
    decode_conference,
    decode_member,
    decode_member_ref,
    decode_members,
    decode_nothing,
    decode_ref,
)

__all__ = ["DEFAULT_BASE_URL", "DOCUMENTED_RATE_LIMIT", "CatapultClient"]

#: Catapult's documented default limit: 1 request per 1000 ms for each of
#: `/conferences` and `/calls` (over it: 429 with `X-RateLimit-Reset`).
DOCUMENTED_RATE_LIMIT: Final = RateLimit(1, 1.0)

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
        retry: What to retry and how (`RetryPolicy`); only requests that are
            safe to repeat are ever retried. `None` sends each request once.
        rate_limit: Client-side pacing per endpoint family (`RateLimit`);
            off by default.
        hooks: `Hooks` called for every attempt of this client's requests
            (after the pool's own).

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
        user = credential(
            user_id,
            "CATAPULT_USER_ID",
            "a user_id",
            "CatapultClient",
            check=lambda value: _rules.path_segment("user_id", value),
        )
        self._user_id: Final = user
        self._account_is(user)
        token = credential(api_token, "CATAPULT_API_TOKEN", "an api_token", "CatapultClient")
        secret = credential(api_secret, "CATAPULT_API_SECRET", "an api_secret", "CatapultClient")
        basic = base64.b64encode(f"{token}:{secret}".encode()).decode("ascii")
        self._headers = json_headers(f"Basic {basic}")
        self._user_url: Final = f"{self._base_url}/v1/users/{self._user_id}"
        self._family_prefix = f"{self._user_url}/"
        self._conferences_url: Final = f"{self._user_url}/conferences"
        self._calls_url: Final = f"{self._user_url}/calls"

    def __repr__(self) -> str:
        return (
            f"<CatapultClient base_url={self._base_url!r} user_id={self._user_id!r} "
            "api_token=*** api_secret=***>"
        )

    @property
    def user_id(self) -> str:
        """The account's user id."""
        return self._user_id

    @overload
    async def create_conference(
        self, request: CreateConferenceRequest, /, **options: Unpack[RequestOptions]
    ) -> ConferenceRef: ...

    @overload
    async def create_conference(
        self, /, **fields: Unpack[CreateConferenceFields]
    ) -> ConferenceRef: ...

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
        options = call_options("create_conference", fields)
        request = _rules.request_from(CreateConferenceRequest, request, fields)
        body = CONVERTER.unstructure(request)
        return await self._send(
            "POST", self._conferences_url, body, decode_ref, request=request, options=options
        )

    def _conference_url(self, conference_id: str) -> str:
        return f"{self._conferences_url}/{_rules.path_segment('conference_id', conference_id)}"

    def _member_url(self, conference_id: str, member_id: str) -> str:
        member = _rules.path_segment("member_id", member_id)
        return f"{self._conference_url(conference_id)}/members/{member}"

    def _call_url(self, call_id: str) -> str:
        return f"{self._calls_url}/{_rules.path_segment('call_id', call_id)}"

    async def _post(self, url: str, request: AttrsInstance, *, options: Options) -> None:
        # Catapult's POSTs are never sent twice: an update that failed
        # half-way (a timeout) is for the caller to look at, not to repeat.
        body = CONVERTER.unstructure(request)
        await self._send("POST", url, body, decode_nothing, options=options, request=request)

    @overload
    async def create_call(
        self, request: CreateCallRequest, /, **options: Unpack[RequestOptions]
    ) -> CallRef: ...

    @overload
    async def create_call(self, /, **fields: Unpack[CreateCallFields]) -> CallRef: ...

    async def create_call(
        self, request: CreateCallRequest | None = None, /, **fields: Any
    ) -> CallRef:
        """Create an outbound call; with `conference_id`, one meant for that conference.

        Pass a `catapult.CreateCallRequest`, or its fields as keywords. A call
        made with a `conference_id` still has to be added as a member
        (`add_member`); `start_conference_call` does both for a list of numbers.

        Raises:
            ValidationError: a field breaks a documented rule (nothing is sent).
            APIError: Catapult refused (`RateLimitError` for its 403 `call-rate-limit`).
            ResponseDecodeError: the 201 carried no usable `Location`.
            TransportError: the network failed; the call may exist.
        """
        options = call_options("create_call", fields)
        request = _rules.request_from(CreateCallRequest, request, fields)
        body = CONVERTER.unstructure(request)
        return await self._send(
            "POST", self._calls_url, body, decode_call_ref, request=request, options=options
        )

    async def get_call(self, call_id: str, **given: Unpack[RequestOptions]) -> Call:
        """Fetch a call: its state, numbers, times, duration and conference.

        Raises:
            ValidationError: `call_id` cannot stand in a URL path.
            NotFoundError: there is no such call.
        """
        options = only_options("get_call", given)
        url = self._call_url(call_id)
        return await self._send("GET", url, None, decode_call, options=options, idempotent=True)

    async def update_call(
        self,
        call_id: str,
        request: UpdateCallRequest | None = None,
        /,
        **fields: Unpack[UpdateCallFields],
    ) -> None:
        """Change a call: answer, reject, hang up (`state="completed"`), transfer, record.

        Pass a `catapult.UpdateCallRequest`, or its fields as keywords:
        `update_call(call_id, state="transferring", transfer_to="+15551234567")`.
        Sent once, never repeated after an unknown outcome.

        Raises:
            ValidationError: the id or a field breaks a documented rule (nothing is sent).
            NotFoundError: there is no such call.
            PermissionDeniedError: the call's state cannot change any more
                (`call-invalid-state`, e.g. it has already ended).
            APIError: Catapult refused otherwise.
            OutcomeUnknownError, TransportError: the update may or may not have happened.
        """
        options = call_options("update_call", fields)
        url = self._call_url(call_id)
        await self._post(
            url, _rules.request_from(UpdateCallRequest, request, fields), options=options
        )

    async def hang_up(self, call_id: str, **given: Unpack[RequestOptions]) -> None:
        """End a call, ringing or answered: `update_call(call_id, state="completed")`.

        Raises:
            ValidationError: `call_id` cannot stand in a URL path (nothing is sent).
            NotFoundError: there is no such call.
            PermissionDeniedError: the call has already ended (`call-invalid-state`).
            APIError, OutcomeUnknownError, TransportError: as for `update_call`.
        """
        options = only_options("hang_up", given)
        url = self._call_url(call_id)
        await self._post(url, UpdateCallRequest(state="completed"), options=options)

    def list_calls(
        self,
        request: ListCallsRequest | None = None,
        /,
        **fields: Unpack[ListCallsFields],
    ) -> Pages[Call]:
        """Iterate over calls, made or received, fetched as you go.

        Pass a `catapult.ListCallsRequest`, or its fields as keywords:
        `async for call in cp.list_calls(conference_id=conf_id):`. The
        filters are checked now; nothing is sent until you iterate.

        By `conference_id` or `bridge_id`, Catapult answers every call at
        once, in one request. Otherwise it pages: pages are asked for from
        `page` (default 0) on, `size` calls each (default 25, sent
        explicitly), and a page shorter than `size` is the last one. The
        answers carry no totals: `meta.page_number` is the Catapult page last
        fetched and `meta.page_size` its size; `meta.total_pages` and
        `meta.total_results` mean nothing more than that iteration goes on.

        Raises:
            ValidationError: a filter breaks a documented rule (at the call).
            APIError, TransportError: while iterating, when a page cannot be fetched.
        """
        options = call_options("list_calls", fields)
        request = _rules.request_from(ListCallsRequest, request, fields)
        query = calls_query(request)
        url = self._calls_url

        if not request.paged:

            async def fetch_all(_number: int) -> tuple[tuple[Call, ...], PageMeta]:
                calls = await self._get(url, query, decode_calls, options=options)
                return calls, PageMeta(total_pages=1, total_results=len(calls))

            return Pages(fetch_all)

        size = request.size if request.size is not None else DEFAULT_CALLS_PAGE_SIZE
        first = request.page if request.page is not None else 0
        query["size"] = str(size)

        async def fetch(number: int) -> tuple[tuple[Call, ...], PageMeta]:
            # `Pages` counts from 1; Catapult's pages from 0 (or from `page`).
            page = first + number - 1
            calls = await self._get(
                url, {**query, "page": str(page)}, decode_calls, options=options
            )
            # No totals come back: one more page is asked for while pages are full.
            known = number + 1 if len(calls) >= size else number
            return calls, PageMeta(page_number=page, page_size=size, total_pages=known)

        return Pages(fetch)

    @overload
    async def add_member(
        self, conference_id: str, request: AddMemberRequest, /, **options: Unpack[RequestOptions]
    ) -> MemberRef: ...

    @overload
    async def add_member(
        self, conference_id: str, call_id: str, /, **fields: Unpack[AddMemberOptionalFields]
    ) -> MemberRef: ...

    @overload
    async def add_member(
        self, conference_id: str, /, **fields: Unpack[AddMemberFields]
    ) -> MemberRef: ...

    async def add_member(
        self,
        conference_id: str,
        request: AddMemberRequest | str | None = None,
        /,
        **fields: Any,
    ) -> MemberRef:
        """Add a call, created with this `conference_id`, to the conference as a member.

        Pass a `catapult.AddMemberRequest`, or the call id and the other
        fields as keywords: `add_member(conf_id, call_id, join_tone=True)`.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            ConferenceFullError: the conference already has 20 members.
            APIError: Catapult refused otherwise (e.g. the conference has ended).
            ResponseDecodeError: the 201 carried no usable `Location`.
            TransportError: the network failed; the member may exist.
        """
        options = call_options("add_member", fields)
        url = f"{self._conference_url(conference_id)}/members"
        if isinstance(request, str):
            request = _rules.build(AddMemberRequest, {"call_id": request, **fields})
        else:
            request = _rules.request_from(AddMemberRequest, request, fields)
        body = CONVERTER.unstructure(request)
        return await self._send(
            "POST", url, body, decode_member_ref, request=request, options=options
        )

    async def get_conference(
        self, conference_id: str, **given: Unpack[RequestOptions]
    ) -> Conference:
        """Fetch a conference: its state, members count, mute and hold, callback settings.

        Raises:
            ValidationError: `conference_id` cannot stand in a URL path.
            NotFoundError: there is no such conference.
        """
        options = only_options("get_conference", given)
        url = self._conference_url(conference_id)
        return await self._send(
            "GET", url, None, decode_conference, options=options, idempotent=True
        )

    async def update_conference(
        self,
        conference_id: str,
        request: UpdateConferenceRequest | None = None,
        /,
        **fields: Unpack[UpdateConferenceFields],
    ) -> None:
        """Change a conference: end it (`state="completed"`), mute or hold everyone, callbacks.

        Pass a `catapult.UpdateConferenceRequest`, or its fields as keywords.

        Raises:
            ValidationError: a field breaks a documented rule (nothing is sent).
            NotFoundError: there is no such conference.
            APIError: Catapult refused otherwise (e.g. the conference has completed).
        """
        options = call_options("update_conference", fields)
        url = self._conference_url(conference_id)
        await self._post(
            url, _rules.request_from(UpdateConferenceRequest, request, fields), options=options
        )

    async def list_members(
        self, conference_id: str, **given: Unpack[RequestOptions]
    ) -> tuple[Member, ...]:
        """List a conference's members, those who left (state completed) included.

        Raises:
            ValidationError: `conference_id` cannot stand in a URL path.
            NotFoundError: there is no such conference.
        """
        options = only_options("list_members", given)
        url = f"{self._conference_url(conference_id)}/members"
        return await self._send("GET", url, None, decode_members, options=options, idempotent=True)

    async def get_member(
        self, conference_id: str, member_id: str, **given: Unpack[RequestOptions]
    ) -> Member:
        """Fetch one member of a conference.

        Raises:
            ValidationError: an id cannot stand in a URL path.
            NotFoundError: there is no such conference or member.
        """
        options = only_options("get_member", given)
        url = self._member_url(conference_id, member_id)
        return await self._send("GET", url, None, decode_member, options=options, idempotent=True)

    async def update_member(
        self,
        conference_id: str,
        member_id: str,
        request: UpdateMemberRequest | None = None,
        /,
        **fields: Unpack[UpdateMemberFields],
    ) -> None:
        """Change one member: remove (`state="completed"`), mute, hold, tones.

        Pass a `catapult.UpdateMemberRequest`, or its fields as keywords.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            NotFoundError: there is no such conference or member.
        """
        options = call_options("update_member", fields)
        url = self._member_url(conference_id, member_id)
        await self._post(
            url, _rules.request_from(UpdateMemberRequest, request, fields), options=options
        )

    async def play_audio(
        self,
        conference_id: str,
        request: PlayAudioRequest | None = None,
        /,
        *,
        member_id: str | None = None,
        **fields: Unpack[PlayAudioFields],
    ) -> None:
        """Play a file or speak a sentence to the whole conference, or to one member.

        Pass a `catapult.PlayAudioRequest`, or its fields as keywords; with
        `member_id`, only that member hears it. `PlayAudioRequest.stop_file()`
        and `.stop_sentence()` stop what is playing.

        Raises:
            ValidationError: an id or field breaks a documented rule (nothing is sent).
            NotFoundError: there is no such conference or member.
        """
        options = call_options("play_audio", fields)
        base = (
            self._conference_url(conference_id)
            if member_id is None
            else self._member_url(conference_id, member_id)
        )
        await self._post(
            f"{base}/audio", _rules.request_from(PlayAudioRequest, request, fields), options=options
        )

    async def start_conference_call(
        self,
        *,
        from_: str,
        to: Sequence[str],
        conference_options: Mapping[str, Any] | None = None,
        call_options: Mapping[str, Any] | None = None,
        member_options: Mapping[str, Any] | None = None,
    ) -> ConferenceCall:
        """Create a conference and call everyone in `to` into it, concurrently.

        Bandwidth's recipe: create the conference hosted by `from_`; then, for
        each number in `to`, create a call from `from_` with the conference's
        id and add that call as a member. How the 3..20 is counted: the
        conference's `from` number is its host caller id, not a call, and
        never becomes a member; only calls can be members, and the 20 cap
        (403 `conference-max-members`) is on members. So `to` must list 3 to
        20 distinct callees; to be in the call yourself, list your number.
        Fewer than 3 is refused with a `ValidationError` saying to use a
        bridge; more than 20 is refused too; nothing is sent either way.

        Args:
            from_: The Bandwidth number hosting the conference and calling everyone.
            to: The callees, E.164 numbers or `sip:` URIs, 3 to 20 of them.
            conference_options: More `CreateConferenceRequest` fields (callbacks, profile, tag).
            call_options: More `CreateCallRequest` fields for every call
                (`call_timeout`, callbacks, `tag`, ...); not `from_`, `to`, `conference_id`.
            member_options: More `AddMemberRequest` fields for every member
                (`join_tone`, `mute`, ...); not `call_id`.

        Returns:
            The conference and one `CalleeOutcome` per callee, in the order of
            `to`: the call and member created, or the typed error of the step
            that failed. A leg's failure never raises, so nothing is left
            unreported, even when every callee failed (the conference then
            exists with no members: end it with `update_conference`). A call
            whose member step failed is hung up, so no phone is left ringing
            outside the conference; the outcome says so (`hung_up`), or why
            that failed too (`hang_up_error`; `result.orphaned` lists those).

        Cancelling the recipe (or a bug escaping a leg) undoes it, since the
        caller then gets no ids to undo it with: every call it had created is
        hung up, members included, the conference is ended, and a note on the
        exception says what could not be undone. A call whose creation was
        itself interrupted cannot be named; `list_calls(conference_id=...)`
        finds it. Cancelling while the conference is being created leaves
        nothing the recipe knows of.

        Raises:
            ValidationError: the callees or options break a rule (nothing is sent).
            ConferencingError: creating the conference failed (no call was made).
        """
        return await start_conference_call(
            self,
            from_=from_,
            to=to,
            conference_options=conference_options,
            call_options=call_options,
            member_options=member_options,
        )
