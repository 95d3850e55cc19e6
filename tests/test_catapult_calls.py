"""Catapult calls: fetch, update, hang up and list them, and the recipe hanging up its strays."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from conferencing import (
    CallNotAnsweredError,
    ConferenceFullError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ValidationError,
    catapult,
)
from conferencing.catapult import CatapultClient

ROOT = "https://api.catapult.inetwork.com/v1/users/u-1"
CONFERENCES = f"{ROOT}/conferences"
CALLS = f"{ROOT}/calls"
ONE_CALL = re.compile(rf"^{re.escape(CALLS)}/[^/?]+$")
LISTING = re.compile(rf"^{re.escape(CALLS)}(\?.*)?$")
CONFERENCE_CALLS = f"{CALLS}?conferenceId=conf-9"
HOST = "+15550000000"
CALLEES = ["+15551110001", "+15551110002", "+15551110003"]

# Bandwidth's own examples: "Get Call Information" and "List your calls".
CALL_EXAMPLE = {
    "activeTime": "2014-12-19T19:13:20Z",
    "callbackUrl": "https://example.com",
    "chargeableDuration": 60,
    "direction": "out",
    "endTime": "2014-12-19T19:13:22Z",
    "events": "https://.../calls/{callId}/events",
    "fallbackUrl": "https://example-fallback.com",
    "from": "{fromNumber}",
    "id": "{callId}",
    "recordingEnabled": False,
    "recordings": "https://.../calls/{callId}/recordings",
    "startTime": "2014-12-19T19:13:09Z",
    "state": "completed",
    "to": "{toNumber}",
    "transcriptionEnabled": True,
    "transcriptions": "https://.../calls/{callId}/transcriptions",
    "sipHeaders": {"X-header": "value"},
}
LIST_EXAMPLE = [
    {
        "id": "{callId1}",
        "direction": "out",
        "from": "{fromNumber}",
        "to": "{number}",
        "recordingEnabled": False,
        "callbackUrl": "",
        "state": "completed",
        "startTime": "2013-02-08T13:15:47.587Z",
        "activeTime": "2013-02-08T13:15:52.347Z",
        "endTime": "2013-02-08T13:15:55.887Z",
        "chargeableDuration": 60,
        "events": "https://.../calls/{callId1}/events",
        "sipHeaders": {"X-Header-1": "value-1", "X-Header-2": "value2"},
    },
    {
        "id": "{callId2}",
        "direction": "out",
        "from": "{number}",
        "to": "{toNumber}",
        "recordingEnabled": False,
        "callbackUrl": "",
        "state": "active",
        "startTime": "2013-02-08T13:15:47.587Z",
        "activeTime": "2013-02-08T13:15:52.347Z",
        "events": "https://.../calls/{callId2}/events",
    },
]


@pytest.fixture
async def cp() -> AsyncIterator[CatapultClient]:
    async with CatapultClient(user_id="u-1", api_token="tok", api_secret="sec") as client:  # noqa: S106
        yield client


def sent(http: aioresponses, method: str, url: str) -> list[Any]:
    """The JSON bodies sent to `url` with `method`, in order."""
    return [json.loads(c.kwargs["data"]) for c in http.requests.get((method, URL(url)), [])]


def hang_ups(http: aioresponses) -> dict[str, list[Any]]:
    """The bodies POSTed to each `/calls/{callId}`, by call id."""
    return {
        url.name: [json.loads(c.kwargs["data"]) for c in calls]
        for (method, url), calls in http.requests.items()
        if method == "POST" and ONE_CALL.match(str(url))
    }


def listings(http: aioresponses) -> list[dict[str, str]]:
    """The query of every `GET /calls`, decoded."""
    return [
        dict(url.query)
        for (method, url), calls in http.requests.items()
        for _ in calls
        if method == "GET" and url.path == URL(CALLS).path
    ]


# --- get_call -----------------------------------------------------------------------


async def test_get_call_decodes_the_documented_example(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Every documented field is read; timestamps are aware; unknown fields are ignored."""
    http.get(f"{CALLS}/c-1", payload={**CALL_EXAMPLE, "somethingNew": {"a": 1}})

    call = await cp.get_call("c-1")

    assert [("GET", URL(f"{CALLS}/c-1"))] == list(http.requests)
    assert ("{callId}", "completed", "out") == (call.id, call.state, call.direction)
    assert ("{fromNumber}", "{toNumber}") == (call.from_, call.to)
    assert datetime(2014, 12, 19, 19, 13, 9, tzinfo=UTC) == call.start_time
    assert datetime(2014, 12, 19, 19, 13, 20, tzinfo=UTC) == call.active_time
    assert datetime(2014, 12, 19, 19, 13, 22, tzinfo=UTC) == call.end_time
    assert 60 == call.chargeable_duration
    assert ("https://example.com", "https://example-fallback.com") == (
        call.callback_url,
        call.fallback_url,
    )
    assert (False, True) == (call.recording_enabled, call.transcription_enabled)
    assert {"X-header": "value"} == call.sip_headers
    assert "https://.../calls/{callId}/events" == call.events
    assert (None, None) == (call.conference_id, call.bridge_id)
    hash(call)  # a frozen value, its dict of SIP headers notwithstanding


async def test_get_call_reads_the_conference_and_hour_only_offsets(
    cp: CatapultClient, http: aioresponses
) -> None:
    """A conference call names its conference; Catapult's `-02` offsets parse."""
    http.get(
        f"{CALLS}/c-2",
        payload={
            "id": "c-2",
            "state": "active",
            "conferenceId": "conf-9",
            "startTime": "2013-07-12T15:22:47-02",
            "callTimeout": 30,
            "callbackTimeout": 2000,
            "callbackHttpMethod": "GET",
            "tag": "standup",
        },
    )

    call = await cp.get_call("c-2")

    assert ("conf-9", 30, 2000, "GET", "standup") == (
        call.conference_id,
        call.call_timeout,
        call.callback_timeout,
        call.callback_http_method,
        call.tag,
    )
    assert datetime(2013, 7, 12, 17, 22, 47, tzinfo=UTC) == call.start_time


async def test_get_call_not_found(cp: CatapultClient, http: aioresponses) -> None:
    """Catapult's 404 `call-not-found` is a NotFoundError carrying the code."""
    http.get(
        f"{CALLS}/c-404",
        status=404,
        payload={"category": "not-found", "code": "call-not-found", "message": "gone"},
    )

    with pytest.raises(NotFoundError) as info:
        await cp.get_call("c-404")

    assert "call-not-found" == info.value.code


@pytest.mark.parametrize("call_id", ["", "a/b", "..", "c?x", "c 1"])
async def test_call_ids_that_would_change_the_path_are_refused(
    cp: CatapultClient, http: aioresponses, call_id: str
) -> None:
    """An id that is not one path segment is refused, naming call_id, before any request."""
    for attempt in (cp.get_call, cp.hang_up, lambda c: cp.update_call(c, recording_enabled=True)):
        with pytest.raises(ValidationError) as info:
            await attempt(call_id)
        assert "call_id" == info.value.field

    assert not http.requests


# --- update_call and hang_up ----------------------------------------------------------


async def test_hang_up_posts_state_completed_only(cp: CatapultClient, http: aioresponses) -> None:
    """hang_up is one POST to the call with exactly {"state": "completed"}."""
    http.post(f"{CALLS}/c-1")

    await cp.hang_up("c-1")

    assert [{"state": "completed"}] == sent(http, "POST", f"{CALLS}/c-1")


async def test_update_call_sends_a_transfer_in_camel_case(
    cp: CatapultClient, http: aioresponses
) -> None:
    """A transfer goes out camelCase, the whisper audio nested, unset fields omitted."""
    http.post(f"{CALLS}/c-1", repeat=True)
    request = catapult.UpdateCallRequest(
        state="transferring",
        transfer_to="sip:desk@example.com",
        transfer_caller_id="private",
        whisper_audio=catapult.PlayAudioRequest(sentence="You have a call", gender="female"),
        callback_url="https://example.com/transferred",
    )

    await cp.update_call("c-1", request)
    await cp.update_call(
        "c-1",
        state="transferring",
        transfer_to="sip:desk@example.com",
        transfer_caller_id="private",
        whisper_audio=catapult.PlayAudioRequest(sentence="You have a call", gender="female"),
        callback_url="https://example.com/transferred",
    )

    expected = {
        "state": "transferring",
        "transferTo": "sip:desk@example.com",
        "transferCallerId": "private",
        "whisperAudio": {"sentence": "You have a call", "gender": "female"},
        "callbackUrl": "https://example.com/transferred",
    }
    assert [expected, expected] == sent(http, "POST", f"{CALLS}/c-1")


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        ({"state": "active"}, {"state": "active"}),
        ({"state": "rejected"}, {"state": "rejected"}),
        (
            {"recording_enabled": True, "recording_file_format": "mp3"},
            {"recordingEnabled": True, "recordingFileFormat": "mp3"},
        ),
        (
            {"state": "transferring", "transfer_to": "+15557654321", "transfer_caller_id": HOST},
            {"state": "transferring", "transferTo": "+15557654321", "transferCallerId": HOST},
        ),
    ],
)
async def test_update_call_sends_only_the_fields_set(
    cp: CatapultClient, http: aioresponses, fields: dict[str, Any], body: dict[str, Any]
) -> None:
    """Answer, reject, record and transfer bodies carry the fields set and nothing else."""
    http.post(f"{CALLS}/c-1")

    await cp.update_call("c-1", **fields)

    assert [body] == sent(http, "POST", f"{CALLS}/c-1")


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({}, None, "at least one field"),
        ({"state": "started"}, "state", "one of active, completed, rejected, transferring"),
        ({"state": "COMPLETED"}, "state", "one of"),
        ({"state": "transferring"}, "transfer_to", "required with state='transferring'"),
        ({"transfer_to": "+15557654321"}, "transfer_to", "only applies to a transfer"),
        (
            {"state": "completed", "transfer_caller_id": "private"},
            "transfer_caller_id",
            "only applies to a transfer",
        ),
        (
            {"whisper_audio": catapult.PlayAudioRequest(sentence="hi")},
            "whisper_audio",
            "only applies to a transfer",
        ),
        ({"callback_url": "https://example.com/"}, "callback_url", "only applies to a transfer"),
        (
            {"state": "transferring", "transfer_to": "5557654321"},
            "transfer_to",
            "E.164 number .* or a SIP URI",
        ),
        (
            {"state": "transferring", "transfer_to": "sips:a@b.com"},
            "transfer_to",
            "E.164 number .* or a SIP URI",
        ),
        (
            {"state": "transferring", "transfer_to": "+15557654321", "transfer_caller_id": "anon"},
            "transfer_caller_id",
            "'private' or an E.164 number",
        ),
        (
            {
                "state": "transferring",
                "transfer_to": "+15557654321",
                "whisper_audio": catapult.PlayAudioRequest.stop_sentence(),
            },
            "whisper_audio",
            "must play a file or speak a sentence",
        ),
        (
            {
                "state": "transferring",
                "transfer_to": "+15557654321",
                "whisper_audio": {"sentence": "hi"},
            },
            "whisper_audio",
            "must be a PlayAudioRequest",
        ),
        (
            {
                "state": "transferring",
                "transfer_to": "+15557654321",
                "callback_url": "ftp://example.com/",
            },
            "callback_url",
            "absolute http",
        ),
        ({"recording_enabled": "true"}, "recording_enabled", "must be a bool"),
        ({"recording_file_format": "ogg"}, "recording_file_format", "one of mp3, wav"),
        ({"tag": "x"}, "tag", "not a field of UpdateCallRequest"),
    ],
)
async def test_update_call_refuses_each_rule_before_sending(
    cp: CatapultClient, http: aioresponses, fields: dict[str, Any], field: str | None, rule: str
) -> None:
    """Every documented rule is a ValidationError naming the field and the rule; nothing is sent."""
    with pytest.raises(ValidationError, match=rule) as info:
        await cp.update_call("c-1", **fields)

    assert field == info.value.field
    assert not http.requests


async def test_update_call_takes_a_request_or_fields_not_both(cp: CatapultClient) -> None:
    """Both forms at once is a programming error; another request class is a ValidationError."""
    request = catapult.UpdateCallRequest(state="completed")

    with pytest.raises(TypeError, match="not both"):
        await cp.update_call("c-1", request, state="completed")
    with pytest.raises(ValidationError, match="expected a UpdateCallRequest"):
        await cp.update_call("c-1", catapult.UpdateMemberRequest(state="completed"))  # type: ignore[arg-type]


async def test_hanging_up_an_ended_call_is_permission_denied(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Catapult's 403 `call-invalid-state` comes back typed, with its code."""
    http.post(
        f"{CALLS}/c-1",
        status=403,
        payload={"category": "forbidden", "code": "call-invalid-state", "message": "no"},
    )

    with pytest.raises(PermissionDeniedError) as info:
        await cp.hang_up("c-1")

    assert "call-invalid-state" == info.value.code


# --- list_calls -----------------------------------------------------------------------


async def test_list_calls_by_conference_is_one_unpaged_request(
    cp: CatapultClient, http: aioresponses
) -> None:
    """By conference: one GET with conferenceId, no page or size, the documented array decoded."""
    http.get(LISTING, payload=LIST_EXAMPLE * 20, repeat=True)

    calls = [call async for call in cp.list_calls(conference_id="conf-9")]

    assert [{"conferenceId": "conf-9"}] == listings(http)
    assert 40 == len(calls)
    first, second = calls[:2]
    assert ("{callId1}", "completed", 60) == (first.id, first.state, first.chargeable_duration)
    assert datetime(2013, 2, 8, 13, 15, 55, 887000, tzinfo=UTC) == first.end_time
    assert {"X-Header-1": "value-1", "X-Header-2": "value2"} == first.sip_headers
    assert ("{callId2}", "active", None, None) == (
        second.id,
        second.state,
        second.end_time,
        second.sip_headers,
    )


async def test_list_calls_pages_until_a_short_page(cp: CatapultClient, http: aioresponses) -> None:
    """Filters go out camelCase; pages 0, 1, 2 of `size` are fetched until one comes up short."""
    pages = {0: LIST_EXAMPLE, 1: LIST_EXAMPLE, 2: LIST_EXAMPLE[:1]}

    def answer(url: URL, **_kwargs: Any) -> CallbackResult:
        return CallbackResult(body=json.dumps(pages[int(url.query["page"])]))

    http.get(LISTING, callback=answer, repeat=True)

    listing = cp.list_calls(from_=HOST, to="sip:someone@example.com", sort_order="asc", size=2)
    assert not http.requests  # lazy: nothing is sent before iterating
    calls = [call.id async for call in listing]

    filters = {"from": HOST, "to": "sip:someone@example.com", "sortOrder": "asc", "size": "2"}
    assert [{**filters, "page": str(n)} for n in range(3)] == listings(http)
    assert ["{callId1}", "{callId2}"] * 2 + ["{callId1}"] == calls
    assert listing.meta is not None
    assert (2, 2) == (listing.meta.page_number, listing.meta.page_size)


async def test_list_calls_stops_at_an_empty_page(cp: CatapultClient, http: aioresponses) -> None:
    """A full last page costs one more request, whose empty answer ends the listing."""
    pages: dict[int, list[Any]] = {3: LIST_EXAMPLE, 4: []}

    def answer(url: URL, **_kwargs: Any) -> CallbackResult:
        return CallbackResult(body=json.dumps(pages[int(url.query["page"])]))

    http.get(LISTING, callback=answer, repeat=True)

    calls = [call async for call in cp.list_calls(page=3, size=2)]

    assert [{"size": "2", "page": "3"}, {"size": "2", "page": "4"}] == listings(http)
    assert 2 == len(calls)


async def test_list_calls_sends_the_documented_default_size(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Without `size`, Catapult's default 25 is sent, so that a short page surely ends it."""
    http.get(LISTING, payload=LIST_EXAMPLE)

    calls = [call async for call in cp.list_calls(bridge_id=None)]

    assert [{"size": "25", "page": "0"}] == listings(http)
    assert 2 == len(calls)


async def test_list_calls_by_bridge_is_unpaged_too(cp: CatapultClient, http: aioresponses) -> None:
    """By bridge, Catapult does not page either: one request, bridgeId only."""
    http.get(LISTING, payload=[])

    assert [] == [call async for call in cp.list_calls(catapult.ListCallsRequest(bridge_id="b-1"))]
    assert [{"bridgeId": "b-1"}] == listings(http)


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        ({"conference_id": "conf-9", "page": 1}, "page", "does not page"),
        ({"bridge_id": "b-1", "size": 10}, "size", "does not page"),
        ({"size": 0}, "size", r"1\.\.1000"),
        ({"size": 1001}, "size", r"1\.\.1000"),
        ({"size": True}, "size", "must be an int"),
        ({"page": -1}, "page", ">= 0"),
        ({"sort_order": "newest"}, "sort_order", "one of asc, desc"),
        ({"from_": "15551234567"}, "from_", "E.164"),
        ({"to": "sips:a@b.com"}, "to", "SIP URI"),
        ({"conference_id": "conf/9"}, "conference_id", "non-empty id"),
        ({"state": "active"}, "state", "not a field of ListCallsRequest"),
    ],
)
async def test_list_calls_refuses_each_rule_at_the_call(
    cp: CatapultClient, http: aioresponses, fields: dict[str, Any], field: str, rule: str
) -> None:
    """A bad filter is a ValidationError when list_calls is called, before any request."""
    with pytest.raises(ValidationError, match=rule) as info:
        cp.list_calls(**fields)

    assert field == info.value.field
    assert not http.requests


@given(st.integers(min_value=-5000, max_value=5000))
def test_page_size_is_one_to_a_thousand(value: int) -> None:
    """`size` accepts exactly 1..1000."""
    if 1 <= value <= 1000:
        assert value == catapult.ListCallsRequest(size=value).size
    else:
        with pytest.raises(ValidationError, match=r"1\.\.1000"):
            catapult.ListCallsRequest(size=value)


async def test_a_hang_up_that_timed_out_is_not_repeated(
    cp: CatapultClient, http: aioresponses
) -> None:
    """A 500 on a hang-up may have ended the call: it is OutcomeUnknownError, sent once."""
    http.post(f"{CALLS}/c-1", status=500, payload={"category": "backend"}, repeat=True)

    with pytest.raises(OutcomeUnknownError):
        await cp.hang_up("c-1")

    assert 1 == len(sent(http, "POST", f"{CALLS}/c-1"))


# --- the recipe hangs up what it could not seat ----------------------------------------


def _recipe_server(
    http: aioresponses,
    *,
    refuse_calls: frozenset[str] = frozenset(),
    refuse_members: frozenset[str] = frozenset(),
    refuse_hang_ups: dict[str, int] | None = None,
    members: Callable[..., Any] | None = None,
    states: Mapping[str, str] | None = None,
    looked: asyncio.Event | None = None,
) -> None:
    """Serve the recipe: a conference, call `c-<last digit>` per callee, answers, members, hang-ups.

    Every look at the conference's calls reports each call created in its
    state in `states`, by id, or else as answered ("active"). `members`
    answers the member step instead of the default (first match wins in aioresponses).
    `looked` is set at the first look.
    """
    http.post(CONFERENCES, status=201, headers={"Location": "/v1/users/u-1/conferences/conf-9"})
    http.post(f"{CONFERENCES}/conf-9", repeat=True)
    created: list[str] = []

    def call(_url: URL, **kwargs: Any) -> CallbackResult:
        to = json.loads(kwargs["data"])["to"]
        if to in refuse_calls:
            return CallbackResult(
                status=403, payload={"category": "forbidden", "code": "invalid-call-to-number"}
            )
        created.append(f"c-{to[-1]}")
        return CallbackResult(status=201, headers={"Location": f"/v1/users/u-1/calls/c-{to[-1]}"})

    def listing(_url: URL, **_kwargs: Any) -> CallbackResult:
        if looked is not None:
            looked.set()
        calls = [{"id": c, "state": (states or {}).get(c, "active")} for c in created]
        return CallbackResult(body=json.dumps(calls))

    def member(_url: URL, **kwargs: Any) -> CallbackResult:
        call_id = json.loads(kwargs["data"])["callId"]
        if call_id in refuse_members:
            return CallbackResult(
                status=403, payload={"category": "limit", "code": "conference-max-members"}
            )
        return CallbackResult(
            status=201, headers={"Location": f"/v1/users/u-1/conferences/conf-9/members/m{call_id}"}
        )

    def hang_up(url: URL, **_kwargs: Any) -> CallbackResult:
        status = (refuse_hang_ups or {}).get(url.name)
        if status is not None:
            return CallbackResult(status=status, payload={"category": "x", "code": "refused"})
        return CallbackResult(status=200)

    http.post(CALLS, callback=call, repeat=True)
    http.get(CONFERENCE_CALLS, callback=listing, repeat=True)
    http.post(f"{CONFERENCES}/conf-9/members", callback=members or member, repeat=True)
    http.post(ONE_CALL, callback=hang_up, repeat=True)


def assert_no_call_left_unattended(http: aioresponses, result: catapult.ConferenceCall) -> None:
    """Every call created is a member, had a hang-up sent for it, or ended unanswered: one only."""
    created = {o.call.id for o in result.callees if o.call is not None}
    seated = {o.call.id for o in result.callees if o.call is not None and o.member is not None}
    ended = {
        o.call.id
        for o in result.callees
        if o.call is not None
        and isinstance(o.error, CallNotAnsweredError)
        and o.error.state not in {None, "started"}
    }
    hung = set(hang_ups(http))
    assert created == seated | hung | ended
    assert set() == seated & hung
    assert set() == seated & ended
    assert set() == hung & ended


async def test_a_failed_member_step_hangs_up_its_call_and_says_so(
    cp: CatapultClient, http: aioresponses
) -> None:
    """The call whose member was refused is hung up; the others are left in the conference."""
    _recipe_server(http, refuse_members=frozenset({"c-2"}))

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    first, second, third = result.callees
    assert [first, third] == list(result.joined)
    assert (catapult.STEP_ADD_MEMBER, "c-2", None) == (
        second.failed_step,
        second.call.id if second.call else None,
        second.member,
    )
    assert isinstance(second.error, ConferenceFullError)
    assert (True, None, False) == (second.hung_up, second.hang_up_error, second.orphaned)
    assert (False, False) == (first.hung_up, first.orphaned)
    assert () == result.orphaned
    assert {"c-2": [{"state": "completed"}]} == hang_ups(http)
    assert_no_call_left_unattended(http, result)


@pytest.mark.parametrize(
    ("status", "kind"), [(403, PermissionDeniedError), (500, OutcomeUnknownError)]
)
async def test_a_failed_hang_up_is_reported_with_the_member_error(
    cp: CatapultClient, http: aioresponses, status: int, kind: type[Exception]
) -> None:
    """When hanging up fails too, both errors are on the outcome and it counts as orphaned."""
    _recipe_server(http, refuse_members=frozenset({"c-3"}), refuse_hang_ups={"c-3": status})

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    third = result.callees[2]
    assert isinstance(third.error, ConferenceFullError)
    assert isinstance(third.hang_up_error, kind)
    assert (False, True) == (third.hung_up, third.orphaned)
    assert [third] == list(result.orphaned)
    assert {"c-3": [{"state": "completed"}]} == hang_ups(http)  # tried once, not repeated
    assert_no_call_left_unattended(http, result)


async def test_every_callee_failing_is_still_reported_one_by_one(
    cp: CatapultClient, http: aioresponses
) -> None:
    """With the conference made and every leg failed, each callee has its own outcome."""
    _recipe_server(http, refuse_calls=frozenset(CALLEES[:2]), refuse_members=frozenset({"c-3"}))

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    assert "conf-9" == result.conference.id
    assert CALLEES == [o.to for o in result.failed]
    assert [catapult.STEP_CREATE_CALL] * 2 + [catapult.STEP_ADD_MEMBER] == [
        o.failed_step for o in result.callees
    ]
    assert all(isinstance(o.error, PermissionDeniedError) for o in result.callees)
    assert [False, False, True] == [o.hung_up for o in result.callees]
    assert {"c-3": [{"state": "completed"}]} == hang_ups(http)
    assert_no_call_left_unattended(http, result)


async def test_every_member_step_failing_hangs_up_every_call(
    cp: CatapultClient, http: aioresponses
) -> None:
    """No member at all: every call is hung up, none is left ringing."""
    _recipe_server(http, refuse_members=frozenset({"c-1", "c-2", "c-3"}))

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    assert () == result.joined
    assert all(o.hung_up for o in result.callees)
    assert {"c-1", "c-2", "c-3"} == set(hang_ups(http))
    assert_no_call_left_unattended(http, result)


async def test_a_rejected_call_is_left_alone_while_a_refused_member_is_hung_up(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Only the answered call whose member was refused is hung up; the rejected one is over."""
    _recipe_server(http, states={"c-1": "rejected"}, refuse_members=frozenset({"c-2"}))

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    first, second, third = result.callees
    assert [third] == list(result.joined)
    assert [catapult.STEP_ANSWER, catapult.STEP_ADD_MEMBER] == [
        first.failed_step,
        second.failed_step,
    ]
    assert isinstance(first.error, CallNotAnsweredError)
    assert ("c-1", "rejected") == (first.error.call_id, first.error.state)
    assert (False, None, False) == (first.hung_up, first.hang_up_error, first.orphaned)
    assert (True, False) == (second.hung_up, second.orphaned)
    assert () == result.orphaned
    assert {"c-2": [{"state": "completed"}]} == hang_ups(http)
    members = sent(http, "POST", f"{CONFERENCES}/conf-9/members")
    assert ["c-2", "c-3"] == sorted(m["callId"] for m in members)
    assert_no_call_left_unattended(http, result)


async def test_a_ringing_call_that_cannot_be_hung_up_is_orphaned(
    cp: CatapultClient, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call still ringing past its patience whose hang-up is refused is reported orphaned."""
    monkeypatch.setattr("conferencing.catapult._recipe._GRACE", 0.1)
    _recipe_server(http, states={"c-3": "started"}, refuse_hang_ups={"c-3": 403})

    result = await cp.start_conference_call(
        from_=HOST, to=CALLEES, call_options={"call_timeout": 1}
    )

    first, second, third = result.callees
    assert [first, second] == list(result.joined)
    assert (catapult.STEP_ANSWER, "c-3", None) == (
        third.failed_step,
        third.call.id if third.call else None,
        third.member,
    )
    assert isinstance(third.error, CallNotAnsweredError)
    assert "started" == third.error.state
    assert isinstance(third.hang_up_error, PermissionDeniedError)
    assert (False, True) == (third.hung_up, third.orphaned)
    assert [third] == list(result.orphaned)
    assert {"c-3": [{"state": "completed"}]} == hang_ups(http)  # tried once, not repeated
    assert {"c-1", "c-2"} == {
        m["callId"] for m in sent(http, "POST", f"{CONFERENCES}/conf-9/members")
    }
    assert_no_call_left_unattended(http, result)


async def test_cancelling_the_recipe_while_calls_ring_hangs_them_up(
    cp: CatapultClient, http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled while waiting for answers, the recipe hangs up the ringing calls and ends it."""
    looked = asyncio.Event()
    _recipe_server(http, states=dict.fromkeys(("c-1", "c-2", "c-3"), "started"), looked=looked)
    task = asyncio.create_task(cp.start_conference_call(from_=HOST, to=CALLEES))

    async with asyncio.timeout(5):
        await looked.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task

    assert {c: [{"state": "completed"}] for c in ("c-1", "c-2", "c-3")} == hang_ups(http)
    assert [] == sent(http, "POST", f"{CONFERENCES}/conf-9/members")
    assert [{"state": "completed"}] == sent(http, "POST", f"{CONFERENCES}/conf-9")
    assert all({"conferenceId": "conf-9"} == query for query in listings(http))
    assert any("hung up the 3 calls" in note for note in info.value.__notes__)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


class MemberStepStuck:
    """Answers the member step: seats the calls in `seat`, keeps the others waiting forever.

    `all_asked` is set once `expected` member requests have arrived.
    """

    def __init__(self, expected: int, seat: frozenset[str] = frozenset()) -> None:
        self.expected = expected
        self.seat = seat
        self.asked = 0
        self.all_asked = asyncio.Event()
        self._never = asyncio.Event()

    async def answer(self, _url: URL, **kwargs: Any) -> CallbackResult:
        """The aioresponses callback (a coroutine function, which it awaits)."""
        self.asked += 1
        if self.asked == self.expected:
            self.all_asked.set()
        call_id = json.loads(kwargs["data"])["callId"]
        if call_id not in self.seat:
            await self._never.wait()
        return CallbackResult(
            status=201, headers={"Location": f"/v1/users/u-1/conferences/conf-9/members/m{call_id}"}
        )

    async def cancel_when_all_asked(self, task: asyncio.Task[Any]) -> None:
        """Cancel `task` once every member request is in flight."""
        async with asyncio.timeout(5):
            await self.all_asked.wait()
        task.cancel()


async def test_cancelling_the_recipe_hangs_up_its_calls_and_ends_the_conference(
    cp: CatapultClient, http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """Cancelled mid-way, the recipe hangs up every call it made, members too, and ends it."""
    members = MemberStepStuck(3, seat=frozenset({"c-1"}))
    _recipe_server(http, members=members.answer)
    task = asyncio.create_task(cp.start_conference_call(from_=HOST, to=CALLEES))

    await members.cancel_when_all_asked(task)
    with pytest.raises(asyncio.CancelledError) as info:
        await task

    assert {"c-1", "c-2", "c-3"} == set(hang_ups(http))
    assert [{"state": "completed"}] == sent(http, "POST", f"{CONFERENCES}/conf-9")
    assert any("hung up the 3 calls" in note for note in info.value.__notes__)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_cancelled_recipe_says_what_it_could_not_undo(
    cp: CatapultClient, http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """A hang-up refused while undoing is named in a note on the CancelledError and logged."""
    members = MemberStepStuck(3)
    _recipe_server(http, refuse_hang_ups={"c-2": 404}, members=members.answer)
    task = asyncio.create_task(cp.start_conference_call(from_=HOST, to=CALLEES))

    await members.cancel_when_all_asked(task)
    with pytest.raises(asyncio.CancelledError) as info:
        await task

    notes = "\n".join(info.value.__notes__)
    assert "hung up 2 of the 3 calls" in notes
    assert "call c-2: NotFoundError" in notes
    assert any("call c-2" in r.getMessage() for r in caplog.records)
    assert {"c-1", "c-2", "c-3"} == set(hang_ups(http))


async def test_a_bug_in_one_leg_undoes_the_recipe_too(
    cp: CatapultClient, http: aioresponses, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception that is not ours escapes as raised, after the calls made are hung up."""
    _recipe_server(http)
    add_member = cp.add_member

    async def broken(conference_id: str, request: Any, /, **fields: Any) -> Any:
        if request.call_id == "c-2":
            raise RuntimeError("a bug")
        return await add_member(conference_id, request, **fields)

    monkeypatch.setattr(cp, "add_member", broken)

    with pytest.raises(ExceptionGroup) as info:
        await cp.start_conference_call(from_=HOST, to=CALLEES)

    assert info.group_contains(RuntimeError, match="a bug")
    created = {f"c-{c['to'][-1]}" for c in sent(http, "POST", CALLS)}
    assert created == set(hang_ups(http))
    assert [{"state": "completed"}] == sent(http, "POST", f"{CONFERENCES}/conf-9")
