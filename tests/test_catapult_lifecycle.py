"""Catapult conference lifecycle: calls, members, updates, audio and the recipe, on the wire."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from conferencing import (
    DEFAULT_RETRY,
    AuthenticationError,
    CallNotAnsweredError,
    ConferenceFullError,
    NotFoundError,
    PermissionDeniedError,
    RetryPolicy,
    ValidationError,
    catapult,
)
from conferencing.catapult import CatapultClient

ROOT = "https://api.catapult.inetwork.com/v1/users/u-1"
CONFERENCES = f"{ROOT}/conferences"
CALLS = f"{ROOT}/calls"
HOST = "+15550000000"


@pytest.fixture
async def cp() -> AsyncIterator[CatapultClient]:
    async with CatapultClient(user_id="u-1", api_token="tok", api_secret="sec") as client:  # noqa: S106
        yield client


def sent(http: aioresponses, method: str, url: str) -> list[Any]:
    """The JSON bodies sent to `url` with `method`, in order."""
    return [json.loads(c.kwargs["data"]) for c in http.requests.get((method, URL(url)), [])]


def created(location: str) -> dict[str, Any]:
    return {"status": 201, "headers": {"Location": location}}


# --- calls ------------------------------------------------------------------


async def test_create_call_sends_camel_case_fields_and_reads_the_location(
    cp: CatapultClient, http: aioresponses
) -> None:
    """A call is a POST to /calls with only the fields set, camelCased; its id is Location's."""
    http.post(CALLS, **created("/v1/users/u-1/calls/c-42"))

    ref = await cp.create_call(
        from_=HOST,
        to="+15551112222",
        conference_id="conf-1",
        call_timeout=300,
        callback_timeout=10_000,
        sip_headers={"X-Tenant": "acme"},
        recording_enabled=False,
    )

    assert catapult.CallRef(id="c-42", location="/v1/users/u-1/calls/c-42") == ref
    assert [
        {
            "from": HOST,
            "to": "+15551112222",
            "conferenceId": "conf-1",
            "callTimeout": 300,
            "callbackTimeout": 10_000,
            "sipHeaders": {"X-Tenant": "acme"},
            "recordingEnabled": False,
        }
    ] == sent(http, "POST", CALLS)


async def test_create_call_accepts_a_sip_uri_as_to(cp: CatapultClient, http: aioresponses) -> None:
    """`to` may be a SIP URI, as postCalls.md documents."""
    http.post(CALLS, **created("/v1/users/u-1/calls/c-1"))

    await cp.create_call(catapult.CreateCallRequest(from_=HOST, to="sip:someone@example.com"))

    assert "sip:someone@example.com" == sent(http, "POST", CALLS)[0]["to"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"call_timeout": 301}, "call_timeout"),
        ({"call_timeout": 0}, "call_timeout"),
        ({"callback_timeout": 10_001}, "callback_timeout"),
        ({"to": "5551112222"}, "to"),
        ({"to": "sips:a@b.com"}, "to"),
        ({"to": "sip:a b@b.com"}, "to"),
        ({"sip_headers": {"X-A": "caf\udce9"}}, "sip_headers"),
        ({"tag": "caf\udce9"}, "tag"),
        ({"from_": "sip:a@b.com"}, "from_"),
        ({"callback_http_method": "PUT"}, "callback_http_method"),
        ({"recording_file_format": "ogg"}, "recording_file_format"),
        ({"recording_enabled": "true"}, "recording_enabled"),
        ({"sip_headers": {f"X-{i}": "v" for i in range(6)}}, "sip_headers"),
        ({"sip_headers": {"Tenant": "acme"}}, "sip_headers"),
        ({"sip_headers": {"X-A": "v" * 257}}, "sip_headers"),
        ({"conference_id": "a/b"}, "conference_id"),
    ],
)
async def test_create_call_refuses_undocumented_values(
    cp: CatapultClient, http: aioresponses, fields: dict[str, Any], field: str
) -> None:
    """Every documented limit of postCalls.md is checked before anything is sent."""
    base: dict[str, Any] = {"from_": HOST, "to": "+15551112222"}

    with pytest.raises(ValidationError) as info:
        await cp.create_call(**{**base, **fields})

    assert field == info.value.field
    assert not http.requests


async def test_create_call_rejects_an_unknown_field(cp: CatapultClient, http: aioresponses) -> None:
    """A misspelt keyword is a ValidationError naming it, not a TypeError."""
    with pytest.raises(ValidationError, match="callTimeout is not a field"):
        await cp.create_call(from_=HOST, to="+15551112222", callTimeout=30)  # type: ignore[call-overload]


# --- members ----------------------------------------------------------------


async def test_add_member_takes_the_call_id_positionally(
    cp: CatapultClient, http: aioresponses
) -> None:
    """`add_member(conf, call, ...)` posts callId and tones; the id is Location's last segment."""
    url = f"{CONFERENCES}/conf-1/members"
    # The guide's own example drops the conference segment from Location.
    http.post(url, **created("/v1/users/u-1/conferences/members/m-7"))

    ref = await cp.add_member("conf-1", "c-42", join_tone=True, leaving_tone=False)

    assert "m-7" == ref.id
    assert [{"callId": "c-42", "joinTone": True, "leavingTone": False}] == sent(http, "POST", url)


async def test_add_member_past_twenty_is_conference_full(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Catapult's 403 conference-max-members is a ConferenceFullError."""
    http.post(
        f"{CONFERENCES}/conf-1/members",
        status=403,
        payload={
            "category": "limit",
            "code": "conference-max-members",
            "message": "The conference conf-1 reached the max number of members",
        },
    )

    with pytest.raises(ConferenceFullError) as info:
        await cp.add_member("conf-1", catapult.AddMemberRequest(call_id="c-21"))

    assert "conference-max-members" == info.value.code


async def test_list_members_parses_the_documented_array(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Members come back as models with aware timestamps, the call id, unknown fields ignored."""
    http.get(
        f"{CONFERENCES}/conf-1/members",
        payload=[
            {
                "addedTime": "2013-07-12T15:54:47-02",
                "hold": False,
                "id": "m-1",
                "mute": False,
                "state": "active",
                "joinTone": False,
                "leavingTone": False,
                "call": "https://localhost:8444/v1/users/u-1/calls/c-1",
                "somethingNew": 1,
            },
            {
                "addedTime": "2013-07-12T15:56:12-02",
                "removedTime": "2013-07-12T15:56:59-02",
                "id": "m-3",
                "state": "completed",
                "call": "https://localhost:8444/v1/users/u-1/calls/c-3",
            },
        ],
    )

    members = await cp.list_members("conf-1")

    assert ["m-1", "m-3"] == [m.id for m in members]
    assert ["c-1", "c-3"] == [m.call_id for m in members]
    minus_two = timezone(timedelta(hours=-2))
    assert datetime(2013, 7, 12, 15, 54, 47, tzinfo=minus_two) == members[0].added_time
    assert datetime(2013, 7, 12, 17, 56, 59, tzinfo=UTC) == members[1].removed_time


async def test_get_member_and_update_member(cp: CatapultClient, http: aioresponses) -> None:
    """One member is fetched by GET and changed by a POST of the set fields only."""
    url = f"{CONFERENCES}/conf-1/members/m-1"
    http.get(url, payload={"id": "m-1", "state": "active", "mute": True})
    http.post(url, status=200)
    http.post(url, status=200)

    member = await cp.get_member("conf-1", "m-1")
    await cp.update_member("conf-1", "m-1", mute=False, hold=True)
    await cp.update_member("conf-1", "m-1", catapult.UpdateMemberRequest(state="completed"))

    assert member.mute is True
    assert [{"mute": False, "hold": True}, {"state": "completed"}] == sent(http, "POST", url)


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (catapult.UpdateMemberRequest, {"state": "active"}),
        (catapult.UpdateMemberRequest, {}),
        (catapult.UpdateConferenceRequest, {"state": "created"}),
        (catapult.UpdateConferenceRequest, {}),
        (catapult.UpdateConferenceRequest, {"callback_timeout": 10_001}),
        (catapult.UpdateConferenceRequest, {"mute": "true"}),
    ],
)
def test_updates_refuse_undocumented_states_and_empty_bodies(
    cls: type[Any], fields: dict[str, Any]
) -> None:
    """Updates only set state to 'completed', and must set something."""
    with pytest.raises(ValidationError):
        cls(**fields)


# --- conferences ------------------------------------------------------------


async def test_get_conference_parses_hour_only_offsets(
    cp: CatapultClient, http: aioresponses
) -> None:
    """The documented example parses, `from` into `from_`, `-02` into an aware datetime."""
    http.get(
        f"{CONFERENCES}/conf-1",
        payload={
            "activeMembers": 0,
            "createdTime": "2013-07-12T15:22:47-02",
            "from": "+19703255647",
            "id": "conf-1",
            "profile": "interpret_digits",
            "state": "created",
            "callbackTimeout": 2000,
        },
    )

    conf = await cp.get_conference("conf-1")

    assert "+19703255647" == conf.from_
    assert "created" == conf.state
    assert 0 == conf.active_members
    assert 2000 == conf.callback_timeout
    assert datetime(2013, 7, 12, 17, 22, 47, tzinfo=UTC) == conf.created_time


async def test_get_conference_not_found(cp: CatapultClient, http: aioresponses) -> None:
    """404 conference-not-found is a NotFoundError."""
    http.get(
        f"{CONFERENCES}/nope",
        status=404,
        payload={"category": "not-found", "code": "conference-not-found"},
    )

    with pytest.raises(NotFoundError):
        await cp.get_conference("nope")


async def test_update_conference_ends_mutes_and_reroutes(
    cp: CatapultClient, http: aioresponses
) -> None:
    """End, mute and callback settings go as one POST of the set fields."""
    url = f"{CONFERENCES}/conf-1"
    http.post(url, status=200)
    http.post(url, status=200, body="")

    await cp.update_conference("conf-1", mute=True, callback_timeout=10_000, tag="t")
    await cp.update_conference("conf-1", catapult.UpdateConferenceRequest(state="completed"))

    assert [
        {"mute": True, "callbackTimeout": 10_000, "tag": "t"},
        {"state": "completed"},
    ] == sent(http, "POST", url)


async def test_update_conference_on_a_completed_conference_is_forbidden(
    cp: CatapultClient, http: aioresponses
) -> None:
    """403 conference-error (invalid state) is a PermissionDeniedError with the code."""
    http.post(
        f"{CONFERENCES}/conf-1",
        status=403,
        payload={"category": "forbidden", "code": "conference-error", "message": "completed"},
    )

    with pytest.raises(PermissionDeniedError) as info:
        await cp.update_conference("conf-1", mute=True)

    assert "conference-error" == info.value.code


# --- audio ------------------------------------------------------------------


async def test_play_audio_to_the_conference_and_to_one_member(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Audio goes to /conferences/{id}/audio, or to the member's /audio with member_id."""
    conf_audio = f"{CONFERENCES}/conf-1/audio"
    member_audio = f"{CONFERENCES}/conf-1/members/m-1/audio"
    http.post(conf_audio, status=200)
    http.post(conf_audio, status=200)
    http.post(member_audio, status=200)

    await cp.play_audio(
        "conf-1", sentence="Hello everyone", gender="female", locale="en_US", voice="kate"
    )
    await cp.play_audio("conf-1", catapult.PlayAudioRequest.stop_file())
    await cp.play_audio("conf-1", member_id="m-1", file_url="https://x.example/a.mp3")

    assert [
        {"sentence": "Hello everyone", "gender": "female", "locale": "en_US", "voice": "kate"},
        {"fileUrl": ""},
    ] == sent(http, "POST", conf_audio)
    assert [{"fileUrl": "https://x.example/a.mp3"}] == sent(http, "POST", member_audio)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"file_url": "https://x.example/a.mp3", "sentence": "hi"},
        {"sentence": "x" * 1001},
        {"sentence": "hi", "voice": "HAL"},
        {"sentence": "hi", "gender": "robot"},
        {"sentence": "hi", "locale": "pt_BR"},
        {"file_url": "https://x.example/a.mp3", "voice": "Kate"},
        {"file_url": "ftp://x.example/a.mp3"},
        {"sentence": "hi", "loop_enabled": 1},
    ],
)
def test_play_audio_rules(fields: dict[str, Any]) -> None:
    """fileUrl xor sentence, 1000 characters, documented voices, genders and locales."""
    with pytest.raises(ValidationError):
        catapult.PlayAudioRequest(**fields)


def test_play_audio_accepts_the_limits() -> None:
    """The longest sentence, the Italian locale and a voice in any case are accepted."""
    request = catapult.PlayAudioRequest(sentence="x" * 1000, locale="it", voice="LUCA")

    assert "LUCA" == request.voice


# --- ids in paths -------------------------------------------------------------

BAD_IDS = ["a/b", "..", "a?b", "a#b", "a%2Fb", "a b", "a\r\nb", ""]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(
    "call",
    [
        lambda cp, bad: cp.get_conference(bad),
        lambda cp, bad: cp.update_conference(bad, mute=True),
        lambda cp, bad: cp.list_members(bad),
        lambda cp, bad: cp.add_member(bad, "c-1"),
        lambda cp, bad: cp.get_member("conf-1", bad),
        lambda cp, bad: cp.get_member(bad, "m-1"),
        lambda cp, bad: cp.update_member("conf-1", bad, mute=True),
        lambda cp, bad: cp.play_audio(bad, sentence="hi"),
        lambda cp, bad: cp.play_audio("conf-1", member_id=bad, sentence="hi"),
        lambda cp, bad: cp.add_member("conf-1", bad),
    ],
)
async def test_ids_that_would_change_the_path_are_refused(
    cp: CatapultClient,
    http: aioresponses,
    call: Callable[[CatapultClient, str], Coroutine[Any, Any, object]],
    bad: str,
) -> None:
    """An id with '/', '..', '?', '#', '%', spaces or CR/LF never reaches a URL."""
    with pytest.raises(ValidationError):
        await call(cp, bad)

    assert not http.requests


async def test_a_request_of_the_wrong_kind_is_a_validation_error(cp: CatapultClient) -> None:
    """Passing a request object of another kind is refused before anything is sent."""
    with pytest.raises(ValidationError, match="UpdateMemberRequest"):
        await cp.update_member("conf-1", "m-1", catapult.UpdateConferenceRequest(mute=True))  # type: ignore[arg-type]


# --- the recipe -------------------------------------------------------------

CALLEES = ["+15551110001", "+15551110002", "+15551110003"]


@pytest.mark.parametrize("count", [0, 1, 2])
async def test_recipe_with_fewer_than_three_callees_says_to_bridge(
    cp: CatapultClient, http: aioresponses, count: int
) -> None:
    """Fewer than three callees is a ValidationError pointing at bridges; nothing is sent."""
    with pytest.raises(ValidationError, match="bridge"):
        await cp.start_conference_call(from_=HOST, to=CALLEES[:count])

    assert not http.requests


async def test_recipe_with_more_than_twenty_callees_is_refused(
    cp: CatapultClient, http: aioresponses
) -> None:
    """21 callees exceed the 20-member cap; nothing is sent."""
    to = [f"+1555222{i:04d}" for i in range(21)]

    with pytest.raises(ValidationError, match="at most 20"):
        await cp.start_conference_call(from_=HOST, to=to)

    assert not http.requests


@pytest.mark.parametrize(
    "kwargs",
    [
        {"to": [*CALLEES, CALLEES[0]]},
        {"to": [*CALLEES[:2], "not-a-number"]},
        {"to": "+15551110001"},
        {"to": CALLEES, "call_options": {"call_timeout": 301}},
        {"to": CALLEES, "call_options": {"conference_id": "x"}},
        {"to": CALLEES, "member_options": {"call_id": "x"}},
        {"to": CALLEES, "member_options": {"mute": "yes"}},
        {"to": CALLEES, "conference_options": {"callback_timeout": 10_001}},
        {"to": CALLEES, "from_": "15550000000"},
    ],
)
async def test_recipe_checks_every_request_before_sending_any(
    cp: CatapultClient, http: aioresponses, kwargs: dict[str, Any]
) -> None:
    """Duplicates, bad numbers and bad options fail before the conference is created."""
    with pytest.raises(ValidationError):
        await cp.start_conference_call(**{"from_": HOST, **kwargs})

    assert not http.requests


LISTING = f"{CALLS}?conferenceId=conf-9"
ONE_CALL = re.compile(rf"^{re.escape(CALLS)}/[^/?]+$")


class _Switchboard:
    """Serves the recipe: one conference, a call per callee, its answer, a member per call.

    `states` gives a call, by id, the state each look at the conference's
    calls reports for it in turn (the last repeats); calls not named answer
    at once, and calls in `unlisted` are never reported. `listing` answers
    the looks instead of `self.listing`.
    """

    def __init__(
        self,
        http: aioresponses,
        *,
        refuse_call_to: str | None = None,
        refuse_member_for: str | None = None,
        states: Mapping[str, Sequence[str]] | None = None,
        unlisted: frozenset[str] = frozenset(),
        listing: Callable[..., Any] | None = None,
    ) -> None:
        self.refuse_call_to = refuse_call_to
        self.refuse_member_for = refuse_member_for
        self.states = dict(states or {})
        self.unlisted = unlisted
        #: The ids of the calls created, in order.
        self.created: list[str] = []
        #: How many looks have reported each call.
        self.looks: dict[str, int] = {}
        #: The state last reported for each call.
        self.reported: dict[str, str] = {}
        #: For each member request, by call id, the state last reported for the call.
        self.state_at_member: dict[str, str | None] = {}
        http.post(CONFERENCES, **created("/v1/users/u-1/conferences/conf-9"))
        http.post(CALLS, callback=self.call, repeat=True)
        http.get(LISTING, callback=listing or self.listing, repeat=True)
        http.post(f"{CONFERENCES}/conf-9/members", callback=self.member, repeat=True)
        # The recipe hangs up a call it could not seat, or that kept ringing.
        http.post(ONE_CALL, repeat=True)

    def call(self, _url: URL, **kwargs: Any) -> CallbackResult:
        to = json.loads(kwargs["data"])["to"]
        if to == self.refuse_call_to:
            return CallbackResult(
                status=403,
                payload={"category": "forbidden", "code": "invalid-call-to-number"},
            )
        self.created.append(f"c{to}")
        return CallbackResult(status=201, headers={"Location": f"/v1/users/u-1/calls/c{to}"})

    def listing(self, _url: URL, **_kwargs: Any) -> CallbackResult:
        calls = []
        for call_id in self.created:
            if call_id in self.unlisted:
                continue
            seen = self.looks[call_id] = self.looks.get(call_id, 0) + 1
            states = self.states.get(call_id, ["active"])
            state = self.reported[call_id] = states[min(seen, len(states)) - 1]
            calls.append({"id": call_id, "state": state, "conferenceId": "conf-9"})
        return CallbackResult(body=json.dumps(calls))

    def member(self, _url: URL, **kwargs: Any) -> CallbackResult:
        call_id = json.loads(kwargs["data"])["callId"]
        self.state_at_member[call_id] = self.reported.get(call_id)
        if call_id == self.refuse_member_for:
            return CallbackResult(
                status=403,
                payload={"category": "limit", "code": "conference-max-members"},
            )
        return CallbackResult(
            status=201, headers={"Location": f"/v1/users/u-1/conferences/conf-9/members/m{call_id}"}
        )


def listings(http: aioresponses) -> list[dict[str, str]]:
    """The query of every `GET /calls`, decoded, in order."""
    return [
        dict(url.query)
        for (method, url), calls in http.requests.items()
        for _ in calls
        if method == "GET" and url.path == URL(CALLS).path
    ]


def hang_ups(http: aioresponses) -> dict[str, list[Any]]:
    """The bodies POSTed to each `/calls/{callId}`, by call id."""
    return {
        url.name: [json.loads(c.kwargs["data"]) for c in calls]
        for (method, url), calls in http.requests.items()
        if method == "POST" and ONE_CALL.match(str(url))
    }


async def test_recipe_creates_the_conference_then_a_call_and_member_per_callee(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Each callee gets a call with conferenceId and from the host, then a member once answered."""
    ringing_twice = ["started", "started", "active"]
    board = _Switchboard(http, states={f"c{n}": ringing_twice for n in CALLEES})

    result = await cp.start_conference_call(
        from_=HOST,
        to=CALLEES,
        conference_options={"tag": "standup"},
        call_options={"call_timeout": 30},
        member_options={"join_tone": True},
    )

    assert result.ok
    assert "conf-9" == result.conference.id
    assert CALLEES == [o.to for o in result.callees]
    assert [f"c{n}" for n in CALLEES] == [o.call.id for o in result.callees if o.call]
    assert [f"mc{n}" for n in CALLEES] == [o.member.id for o in result.callees if o.member]
    assert [{"from": HOST, "tag": "standup"}] == sent(http, "POST", CONFERENCES)
    calls = sent(http, "POST", CALLS)
    assert {(n, HOST, "conf-9", 30) for n in CALLEES} == {
        (c["to"], c["from"], c["conferenceId"], c["callTimeout"]) for c in calls
    }
    members = sent(http, "POST", f"{CONFERENCES}/conf-9/members")
    assert {(f"c{n}", True) for n in CALLEES} == {(m["callId"], m["joinTone"]) for m in members}
    # Each call was added only once a look had reported it answered, after two ringing.
    assert {f"c{n}": "active" for n in CALLEES} == board.state_at_member
    assert {f"c{n}": 3 for n in CALLEES} == board.looks
    assert [{"conferenceId": "conf-9"}] * 3 == listings(http)
    assert {} == hang_ups(http)
    assert () == result.orphaned


async def test_recipe_reports_each_failed_leg_and_where_it_failed(
    cp: CatapultClient, http: aioresponses
) -> None:
    """A refused call and a refused member are reported per callee; the rest go on.

    The call whose member was refused is hung up, and its outcome says so.
    """
    _Switchboard(http, refuse_call_to=CALLEES[0], refuse_member_for=f"c{CALLEES[1]}")

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    first, second, third = result.callees
    assert not result.ok
    assert [third] == list(result.joined)
    assert [first, second] == list(result.failed)
    assert (catapult.STEP_CREATE_CALL, None) == (first.failed_step, first.call)
    assert isinstance(first.error, PermissionDeniedError)
    assert catapult.STEP_ADD_MEMBER == second.failed_step
    assert catapult.CallRef(id=f"c{CALLEES[1]}", location=f"/v1/users/u-1/calls/c{CALLEES[1]}") == (
        second.call
    )
    assert isinstance(second.error, ConferenceFullError)
    assert second.member is None
    assert (True, None, False) == (second.hung_up, second.hang_up_error, second.orphaned)
    assert (False, None) == (first.hung_up, first.hang_up_error)
    assert {f"c{CALLEES[1]}": [{"state": "completed"}]} == hang_ups(http)


async def test_recipe_reports_a_rejected_call_and_does_not_hang_it_up(
    cp: CatapultClient, http: aioresponses
) -> None:
    """A call that ends unanswered fails at the answer step, is neither hung up nor added."""
    rejected = f"c{CALLEES[1]}"
    board = _Switchboard(http, states={rejected: ["started", "rejected"]})

    result = await cp.start_conference_call(from_=HOST, to=CALLEES)

    first, second, third = result.callees
    assert [first, third] == list(result.joined)
    assert [second] == list(result.failed)
    assert (catapult.STEP_ANSWER, None) == (second.failed_step, second.member)
    assert catapult.CallRef(id=rejected, location=f"/v1/users/u-1/calls/{rejected}") == second.call
    assert isinstance(second.error, CallNotAnsweredError)
    assert (rejected, "rejected") == (second.error.call_id, second.error.state)
    assert f"call {rejected} was not answered: it ended unanswered (state rejected)" == str(
        second.error
    )
    assert (False, None) == (second.hung_up, second.hang_up_error)
    assert (False, ()) == (second.orphaned, result.orphaned)  # it is over: nothing to end
    assert {} == hang_ups(http)
    assert {f"c{CALLEES[0]}": "active", f"c{CALLEES[2]}": "active"} == board.state_at_member
    members = sent(http, "POST", f"{CONFERENCES}/conf-9/members")
    assert {f"c{CALLEES[0]}", f"c{CALLEES[2]}"} == {m["callId"] for m in members}
    assert 2 == board.looks[rejected]


@pytest.mark.parametrize(
    ("state", "why"),
    [
        ("started", "it still rang after 1.1 s and was hung up"),
        (None, "its state could not be read within 1.1 s; it was hung up"),
    ],
    ids=["ringing", "never-listed"],
)
async def test_recipe_hangs_up_a_call_still_ringing_past_its_call_timeout(
    cp: CatapultClient,
    http: aioresponses,
    monkeypatch: pytest.MonkeyPatch,
    state: str | None,
    why: str,
) -> None:
    """A call ringing (or never listed) past call_timeout plus the grace is hung up, not added."""
    monkeypatch.setattr("conferencing.catapult._recipe._GRACE", 0.1)
    ringing = f"c{CALLEES[2]}"  # reported ringing at every look, or (state None) never listed
    board = _Switchboard(
        http,
        states={ringing: ["started"]},
        unlisted=frozenset() if state else frozenset({ringing}),
    )
    loop = asyncio.get_running_loop()
    began = loop.time()

    result = await cp.start_conference_call(
        from_=HOST, to=CALLEES, call_options={"call_timeout": 1}
    )

    elapsed = loop.time() - began
    first, second, third = result.callees
    assert [first, second] == list(result.joined)
    assert (catapult.STEP_ANSWER, None) == (third.failed_step, third.member)
    assert isinstance(third.error, CallNotAnsweredError)
    assert (ringing, state) == (third.error.call_id, third.error.state)
    assert f"call {ringing} was not answered: {why}" == str(third.error)
    assert (True, None, False) == (third.hung_up, third.hang_up_error, third.orphaned)
    assert () == result.orphaned
    assert {ringing: [{"state": "completed"}]} == hang_ups(http)
    assert {f"c{CALLEES[0]}", f"c{CALLEES[1]}"} == set(board.state_at_member)
    assert 1.1 <= elapsed < 2.0
    assert all({"conferenceId": "conf-9"} == query for query in listings(http))


@pytest.mark.parametrize("retry", [None, DEFAULT_RETRY], ids=["no-retry", "default-retry"])
async def test_recipe_waits_as_told_when_looking_is_rate_limited(
    http: aioresponses, retry: RetryPolicy | None
) -> None:
    """A 429 on the look at the calls is waited out (X-RateLimit-Reset), then looking succeeds."""
    board: _Switchboard
    looked_at: list[float] = []
    loop = asyncio.get_running_loop()

    def listing(url: URL, **kwargs: Any) -> CallbackResult:
        looked_at.append(loop.time())
        if len(looked_at) == 1:
            reset = int((time.time() + 0.4) * 1000)
            return CallbackResult(
                status=429,
                headers={"X-RateLimit-Reset": str(reset)},
                payload={"category": "too-many-requests", "code": "rate-limit-exceeded"},
            )
        return board.listing(url, **kwargs)

    board = _Switchboard(http, listing=listing)

    async with CatapultClient(
        user_id="u-1",
        api_token="tok",  # noqa: S106
        api_secret="sec",  # noqa: S106
        retry=retry,
    ) as client:
        result = await client.start_conference_call(from_=HOST, to=CALLEES)

    assert result.ok
    assert 2 == len(looked_at)
    assert looked_at[1] - looked_at[0] >= 0.35
    assert [{"conferenceId": "conf-9"}] * 2 == listings(http)
    assert {f"c{n}": "active" for n in CALLEES} == board.state_at_member


async def test_recipe_keeps_looking_when_a_look_fails(
    http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """A look that fails otherwise is logged and the next one, a moment later, is used."""
    board: _Switchboard
    looks = 0

    def listing(url: URL, **kwargs: Any) -> CallbackResult:
        nonlocal looks
        looks += 1
        if looks == 1:
            return CallbackResult(status=500, payload={"category": "backend"})
        return board.listing(url, **kwargs)

    board = _Switchboard(http, listing=listing)

    async with CatapultClient(
        user_id="u-1",
        api_token="tok",  # noqa: S106
        api_secret="sec",  # noqa: S106
        retry=None,
    ) as client:
        result = await client.start_conference_call(from_=HOST, to=CALLEES)

    assert result.ok
    assert 2 == looks
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert 1 == len(warnings)
    assert warnings[0].startswith("could not list conference conf-9's calls: ")


async def test_recipe_raises_when_the_conference_cannot_be_created(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Without a conference nothing else is attempted, and the error is raised."""
    http.post(CONFERENCES, status=401, payload={"category": "unauthorized", "code": "unauthorized"})

    with pytest.raises(AuthenticationError):
        await cp.start_conference_call(from_=HOST, to=CALLEES)

    assert [("POST", URL(CONFERENCES))] == list(http.requests)


async def test_recipe_accepts_twenty_callees(cp: CatapultClient, http: aioresponses) -> None:
    """Exactly 20 callees is allowed and all 20 become members, once answered."""
    board = _Switchboard(http)
    to = [f"+1555333{i:04d}" for i in range(20)]

    result = await cp.start_conference_call(from_=HOST, to=to)

    assert 20 == len(result.joined)
    assert 20 == len(sent(http, "POST", f"{CONFERENCES}/conf-9/members"))
    assert {f"c{n}": "active" for n in to} == board.state_at_member
    assert {} == hang_ups(http)


@pytest.mark.parametrize(
    ("call", "method", "idempotent"),
    [
        (lambda cp: cp.get_conference("c"), "GET", True),
        (lambda cp: cp.list_members("c"), "GET", True),
        (lambda cp: cp.get_member("c", "m"), "GET", True),
        (lambda cp: cp.create_call(from_=HOST, to="+15551112222"), "POST", False),
        (lambda cp: cp.add_member("c", "c-1"), "POST", False),
        (lambda cp: cp.update_conference("c", mute=True), "POST", False),
        (lambda cp: cp.update_member("c", "m", hold=True), "POST", False),
        (lambda cp: cp.play_audio("c", sentence="hi"), "POST", False),
        (lambda cp: cp.get_call("c"), "GET", True),
        # Updates, hang-ups included, are never sent twice.
        (lambda cp: cp.update_call("c", recording_enabled=False), "POST", False),
        (lambda cp: cp.hang_up("c"), "POST", False),
    ],
)
async def test_every_call_goes_through_the_one_send_path(
    cp: CatapultClient,
    monkeypatch: pytest.MonkeyPatch,
    call: Callable[[CatapultClient], Coroutine[Any, Any, object]],
    method: str,
    idempotent: bool,
) -> None:
    """Each method calls BaseClient._send; GETs say they are idempotent, POSTs do not."""
    seen: list[tuple[str, bool]] = []

    async def fake_send(_self: CatapultClient, m: str, *_args: Any, **kwargs: Any) -> Any:
        seen.append((m, kwargs.get("idempotent", False)))

    monkeypatch.setattr(CatapultClient, "_send", fake_send)

    await call(cp)

    assert [(method, idempotent)] == seen


@given(st.integers(min_value=-(10**6), max_value=10**6))
def test_callback_timeout_is_one_to_ten_thousand_ms_everywhere(value: int) -> None:
    """Every request that takes callback_timeout accepts exactly 1..10000 ms."""
    builders: list[Callable[[], Any]] = [
        lambda: catapult.CreateConferenceRequest(from_=HOST, callback_timeout=value),
        lambda: catapult.UpdateConferenceRequest(callback_timeout=value),
        lambda: catapult.CreateCallRequest(from_=HOST, to=HOST, callback_timeout=value),
    ]
    for build in builders:
        if 1 <= value <= 10_000:
            assert value == build().callback_timeout
        else:
            with pytest.raises(ValidationError, match=r"1\.\.10000 ms"):
                build()


@given(st.integers(min_value=-1000, max_value=1000))
def test_call_timeout_is_one_to_three_hundred_seconds(value: int) -> None:
    """callTimeout accepts exactly 1..300 s."""
    if 1 <= value <= 300:
        assert (
            value
            == catapult.CreateCallRequest(from_=HOST, to=HOST, call_timeout=value).call_timeout
        )
    else:
        with pytest.raises(ValidationError, match=r"1\.\.300 s"):
            catapult.CreateCallRequest(from_=HOST, to=HOST, call_timeout=value)
