"""Per-call options on every client method: timeout, extra headers, body fields and query."""

from __future__ import annotations

import asyncio
import inspect
import json
import math
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

import attrs
import pytest
from aioresponses import aioresponses
from yarl import URL

from conferencing import (
    NO_RETRY,
    CatapultClient,
    ConferencingError,
    OutcomeUnknownError,
    Pages,
    RequestTimeout,
    RetryPolicy,
    SessionPool,
    TelnyxClient,
    ValidationError,
    catapult,
    telnyx,
)
from conferencing.emulator import Emulator

KEY = "KEY-options-0123456789"
USER = "u-1"
TOKEN = "t-options-token"  # noqa: S105 - a fake credential
SECRET = "s-options-secret"  # noqa: S105 - a fake credential
FROM = "+15551234567"
TO = "+15557654321"
CCID = "v3:leg-options-0"
TELNYX = "https://api.telnyx.com/v2"
CATAPULT = "https://api.catapult.inetwork.com/v1/users/u-1"

TELNYX_CONFERENCE = {
    "record_type": "conference",
    "id": "c-1",
    "name": "B",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T22:10:02.574Z",
}
TELNYX_PARTICIPANT = {"record_type": "participant", "id": "p-1", "call_control_id": CCID}
TELNYX_CALL = {
    "call_control_id": CCID,
    "call_leg_id": "leg-1",
    "call_session_id": "session-1",
    "is_alive": False,
}
OK = {"data": {"result": "ok"}}
CATAPULT_CONFERENCE = {"id": "conf-1", "state": "active"}
CATAPULT_CALL = {"id": "c-1", "state": "active"}
CATAPULT_MEMBER = {"id": "m-1", "state": "active"}

#: The options every table test sends, and what must arrive.
HEADER = ("X-Conferencing-Test", "options-1")
QUERY = {"trace_me": "yes"}
BODY = {"future_field": 1}


async def first(pages: Pages[Any]) -> object:
    """The first item of a listing: fetching it sends the first page's request."""
    return await pages.__anext__()


@attrs.frozen
class Case:
    """One public client method, called with minimal valid arguments, and what it sends."""

    provider: str
    name: str
    #: The HTTP method and the URL (without query) the method sends to.
    method: str
    url: str
    #: Calls the method on a client with these options, awaiting its first result.
    invoke: Callable[[Any, dict[str, Any]], Awaitable[object]]
    #: The mocked answer.
    payload: Any = None
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)
    #: The query parameters the method sets itself.
    query: Mapping[str, str] = attrs.field(factory=dict)
    #: The request class whose fields make its JSON body (None for a GET).
    request: type[Any] | None = None

    @property
    def id(self) -> str:
        """The test id: provider.method."""
        return f"{self.provider}.{self.name}"


def _location(path: str) -> dict[str, str]:
    return {"Location": f"/v1/users/u-1/{path}"}


CASES: list[Case] = [
    # --- Telnyx -----------------------------------------------------------------
    Case(
        "telnyx",
        "create_conference",
        "POST",
        f"{TELNYX}/conferences",
        lambda c, o: c.create_conference(call_control_id=CCID, name="B", **o),
        {"data": TELNYX_CONFERENCE},
        request=telnyx.CreateConferenceRequest,
    ),
    Case(
        "telnyx",
        "get_conference",
        "GET",
        f"{TELNYX}/conferences/c-1",
        lambda c, o: c.get_conference("c-1", **o),
        {"data": TELNYX_CONFERENCE},
    ),
    Case(
        "telnyx",
        "list_conferences",
        "GET",
        f"{TELNYX}/conferences",
        lambda c, o: first(c.list_conferences(**o)),
        {"data": [TELNYX_CONFERENCE], "meta": {"total_pages": 1}},
        query={"page[number]": "1"},
    ),
    Case(
        "telnyx",
        "join",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/join",
        lambda c, o: c.join("c-1", CCID, **o),
        OK,
        request=telnyx.JoinRequest,
    ),
    Case(
        "telnyx",
        "leave",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/leave",
        lambda c, o: c.leave("c-1", CCID, **o),
        OK,
        request=telnyx.LeaveRequest,
    ),
    Case(
        "telnyx",
        "mute",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/mute",
        lambda c, o: c.mute("c-1", **o),
        OK,
        request=telnyx.MuteRequest,
    ),
    Case(
        "telnyx",
        "unmute",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/unmute",
        lambda c, o: c.unmute("c-1", **o),
        OK,
        request=telnyx.UnmuteRequest,
    ),
    Case(
        "telnyx",
        "hold",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/hold",
        lambda c, o: c.hold("c-1", **o),
        OK,
        request=telnyx.HoldRequest,
    ),
    Case(
        "telnyx",
        "unhold",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/unhold",
        lambda c, o: c.unhold("c-1", call_control_ids=[CCID], **o),
        OK,
        request=telnyx.UnholdRequest,
    ),
    Case(
        "telnyx",
        "end_conference",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/end",
        lambda c, o: c.end_conference("c-1", **o),
        OK,
        request=telnyx.EndConferenceRequest,
    ),
    Case(
        "telnyx",
        "play",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/play",
        lambda c, o: c.play("c-1", audio_url="https://x.example/a.wav", **o),
        OK,
        request=telnyx.PlayRequest,
    ),
    Case(
        "telnyx",
        "stop",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/stop",
        lambda c, o: c.stop("c-1", **o),
        OK,
        request=telnyx.StopRequest,
    ),
    Case(
        "telnyx",
        "speak",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/speak",
        lambda c, o: c.speak("c-1", payload="Hi", voice="female", **o),
        OK,
        request=telnyx.SpeakRequest,
    ),
    Case(
        "telnyx",
        "record_start",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/record_start",
        lambda c, o: c.record_start("c-1", format="mp3", **o),
        OK,
        request=telnyx.RecordStartRequest,
    ),
    Case(
        "telnyx",
        "record_stop",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/record_stop",
        lambda c, o: c.record_stop("c-1", **o),
        OK,
        request=telnyx.RecordStopRequest,
    ),
    Case(
        "telnyx",
        "record_pause",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/record_pause",
        lambda c, o: c.record_pause("c-1", **o),
        OK,
        request=telnyx.RecordPauseRequest,
    ),
    Case(
        "telnyx",
        "record_resume",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/record_resume",
        lambda c, o: c.record_resume("c-1", **o),
        OK,
        request=telnyx.RecordResumeRequest,
    ),
    Case(
        "telnyx",
        "update_conference",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/update",
        lambda c, o: c.update_conference("c-1", CCID, supervisor_role="barge", **o),
        OK,
        request=telnyx.UpdateConferenceRequest,
    ),
    Case(
        "telnyx",
        "send_dtmf",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/send_dtmf",
        lambda c, o: c.send_dtmf("c-1", digits="1", **o),
        OK,
        request=telnyx.SendDtmfRequest,
    ),
    Case(
        "telnyx",
        "gather_using_audio",
        "POST",
        f"{TELNYX}/conferences/c-1/actions/gather_using_audio",
        lambda c, o: c.gather_using_audio("c-1", CCID, media_name="menu", **o),
        OK,
        request=telnyx.GatherUsingAudioRequest,
    ),
    Case(
        "telnyx",
        "list_participants",
        "GET",
        f"{TELNYX}/conferences/c-1/participants",
        lambda c, o: first(c.list_participants("c-1", **o)),
        {"data": [TELNYX_PARTICIPANT], "meta": {"total_pages": 1}},
        query={"page[number]": "1"},
    ),
    Case(
        "telnyx",
        "get_participant",
        "GET",
        f"{TELNYX}/conferences/c-1/participants/p-1",
        lambda c, o: c.get_participant("c-1", "p-1", **o),
        {"data": TELNYX_PARTICIPANT},
    ),
    Case(
        "telnyx",
        "update_participant",
        "PATCH",
        f"{TELNYX}/conferences/c-1/participants/p-1",
        lambda c, o: c.update_participant("c-1", "p-1", beep_enabled="always", **o),
        {"data": TELNYX_PARTICIPANT},
        request=telnyx.UpdateParticipantRequest,
    ),
    Case(
        "telnyx",
        "dial",
        "POST",
        f"{TELNYX}/calls",
        lambda c, o: c.dial(connection_id="conn-1", from_=FROM, to=TO, **o),
        {"data": TELNYX_CALL},
        request=telnyx.DialRequest,
    ),
    Case(
        "telnyx",
        "hang_up",
        "POST",
        f"{TELNYX}/calls/{CCID}/actions/hangup",
        lambda c, o: c.hang_up(CCID, **o),
        OK,
        request=telnyx.HangUpRequest,
    ),
    # --- Catapult ---------------------------------------------------------------
    Case(
        "catapult",
        "create_conference",
        "POST",
        f"{CATAPULT}/conferences",
        lambda c, o: c.create_conference(from_=FROM, **o),
        None,
        201,
        _location("conferences/conf-1"),
        request=catapult.CreateConferenceRequest,
    ),
    Case(
        "catapult",
        "create_call",
        "POST",
        f"{CATAPULT}/calls",
        lambda c, o: c.create_call(from_=FROM, to=TO, **o),
        None,
        201,
        _location("calls/c-1"),
        request=catapult.CreateCallRequest,
    ),
    Case(
        "catapult",
        "get_call",
        "GET",
        f"{CATAPULT}/calls/c-1",
        lambda c, o: c.get_call("c-1", **o),
        CATAPULT_CALL,
    ),
    Case(
        "catapult",
        "update_call",
        "POST",
        f"{CATAPULT}/calls/c-1",
        lambda c, o: c.update_call("c-1", state="completed", **o),
        request=catapult.UpdateCallRequest,
    ),
    Case(
        "catapult",
        "hang_up",
        "POST",
        f"{CATAPULT}/calls/c-1",
        lambda c, o: c.hang_up("c-1", **o),
        request=catapult.UpdateCallRequest,
    ),
    Case(
        "catapult",
        "list_calls",
        "GET",
        f"{CATAPULT}/calls",
        lambda c, o: first(c.list_calls(**o)),
        [CATAPULT_CALL],
        query={"size": "25", "page": "0"},
    ),
    Case(
        "catapult",
        "add_member",
        "POST",
        f"{CATAPULT}/conferences/conf-1/members",
        lambda c, o: c.add_member("conf-1", "c-1", **o),
        None,
        201,
        _location("conferences/conf-1/members/m-1"),
        request=catapult.AddMemberRequest,
    ),
    Case(
        "catapult",
        "get_conference",
        "GET",
        f"{CATAPULT}/conferences/conf-1",
        lambda c, o: c.get_conference("conf-1", **o),
        CATAPULT_CONFERENCE,
    ),
    Case(
        "catapult",
        "update_conference",
        "POST",
        f"{CATAPULT}/conferences/conf-1",
        lambda c, o: c.update_conference("conf-1", mute=True, **o),
        request=catapult.UpdateConferenceRequest,
    ),
    Case(
        "catapult",
        "list_members",
        "GET",
        f"{CATAPULT}/conferences/conf-1/members",
        lambda c, o: c.list_members("conf-1", **o),
        [CATAPULT_MEMBER],
    ),
    Case(
        "catapult",
        "get_member",
        "GET",
        f"{CATAPULT}/conferences/conf-1/members/m-1",
        lambda c, o: c.get_member("conf-1", "m-1", **o),
        CATAPULT_MEMBER,
    ),
    Case(
        "catapult",
        "update_member",
        "POST",
        f"{CATAPULT}/conferences/conf-1/members/m-1",
        lambda c, o: c.update_member("conf-1", "m-1", mute=True, **o),
        request=catapult.UpdateMemberRequest,
    ),
    Case(
        "catapult",
        "play_audio",
        "POST",
        f"{CATAPULT}/conferences/conf-1/audio",
        lambda c, o: c.play_audio("conf-1", file_url="https://x.example/a.wav", **o),
        request=catapult.PlayAudioRequest,
    ),
]
BODY_CASES = [case for case in CASES if case.request is not None]
GET_CASES = [case for case in CASES if case.request is None]

#: Methods that are not one request each: they compose the others.
RECIPES = frozenset({"start_conference_call", "dial_conference_call"})
#: Lifecycle methods every client inherits; they send nothing.
LIFECYCLE = frozenset({"aclose"})


def case_id(case: Case) -> str:
    return case.id


@pytest.fixture
def clients(pool: SessionPool) -> dict[str, TelnyxClient | CatapultClient]:
    """One client of each provider on the default base URLs, each request sent once."""
    return {
        "telnyx": TelnyxClient(KEY, pool=pool, retry=NO_RETRY),
        "catapult": CatapultClient(USER, TOKEN, SECRET, pool=pool, retry=NO_RETRY),
    }


def mock(http: aioresponses, case: Case) -> None:
    """Answer every request to `case.url` (any query) as `case` says."""
    http.add(
        re.compile(rf"^{re.escape(case.url)}(\?.*)?$"),
        method=case.method,
        status=case.status,
        payload=case.payload,
        body="",  # used only when there is no payload
        headers=dict(case.headers),
        repeat=True,
    )


def sent(http: aioresponses) -> list[tuple[str, URL, dict[str, Any]]]:
    """Every request that went over the (mocked) wire: method, URL and aiohttp's keywords."""
    return [
        (method, url, call.kwargs)
        for (method, url), calls in http.requests.items()
        for call in calls
    ]


def only_request(http: aioresponses) -> tuple[str, URL, dict[str, Any]]:
    """The one request sent."""
    requests = sent(http)
    assert 1 == len(requests), requests
    return requests[0]


def wire_names(case: Case) -> list[str]:
    """The JSON keys of every field of the case's request class, as its provider spells them."""
    assert case.request is not None
    names = [field.name for field in attrs.fields(case.request)]
    if case.provider == "telnyx":
        return ["from" if name == "from_" else name for name in names]
    camel = []
    for name in names:
        head, *rest = name.rstrip("_").split("_")
        camel.append(head + "".join(part[:1].upper() + part[1:] for part in rest))
    return camel


def public_request_methods(cls: type[Any]) -> set[str]:
    """Every public method of a client class that sends requests (no recipe, property or close)."""
    found = set()
    for name in dir(cls):
        if name.startswith("_") or name in RECIPES or name in LIFECYCLE:
            continue
        attribute = inspect.getattr_static(cls, name)
        if isinstance(attribute, property) or not inspect.isfunction(attribute):
            continue
        found.add(name)
    return found


# --- The table covers every method ----------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "cls"), [("telnyx", TelnyxClient), ("catapult", CatapultClient)]
)
def test_the_table_covers_every_public_method(provider: str, cls: type[Any]) -> None:
    """Every public coroutine or Pages method of each client has a row in the table above."""
    methods = public_request_methods(cls)
    for name in methods:
        function = getattr(cls, name)
        returns = str(inspect.signature(function).return_annotation)
        assert inspect.iscoroutinefunction(function) or returns.startswith("Pages["), name
    assert methods == {case.name for case in CASES if case.provider == provider}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_method_takes_options_as_keywords(case: Case) -> None:
    """Each method's signature ends in `**` keywords, where the options go."""
    cls = TelnyxClient if case.provider == "telnyx" else CatapultClient
    parameters = inspect.signature(getattr(cls, case.name)).parameters.values()
    assert [inspect.Parameter.VAR_KEYWORD] == [
        p.kind for p in parameters if p.kind is inspect.Parameter.VAR_KEYWORD
    ]


# --- Every method: headers, query, refusals -------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_every_method_sends_the_extra_header(
    case: Case, clients: dict[str, Any], http: aioresponses
) -> None:
    """extra_headers reach the wire beside the client's own credentials and JSON headers."""
    mock(http, case)
    await case.invoke(clients[case.provider], {"extra_headers": dict([HEADER])})
    method, url, kwargs = only_request(http)
    assert case.method == method
    assert URL(case.url).path == url.path
    headers = kwargs["headers"]
    assert HEADER[1] == headers[HEADER[0]]
    assert headers["Authorization"].startswith("Bearer " if case.provider == "telnyx" else "Basic ")
    assert "application/json" == headers["Accept"]


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_every_method_honours_extra_query(
    case: Case, clients: dict[str, Any], http: aioresponses
) -> None:
    """extra_query is added to the URL, beside the parameters the method sets itself."""
    mock(http, case)
    await case.invoke(clients[case.provider], {"extra_query": QUERY})
    method, url, _ = only_request(http)
    assert case.method == method
    assert URL(case.url).path == url.path
    assert {**case.query, **QUERY} == dict(url.query)


@pytest.mark.parametrize("case", CASES, ids=case_id)
@pytest.mark.parametrize("name", ["Authorization", "authorization", "AUTHORIZATION"])
async def test_every_method_refuses_an_authorization_header_without_sending(
    case: Case, name: str, clients: dict[str, Any], http: aioresponses
) -> None:
    """An Authorization extra header is a ValidationError naming extra_headers; nothing is sent."""
    mock(http, case)
    with pytest.raises(ValidationError) as caught:
        await case.invoke(clients[case.provider], {"extra_headers": {name: "Bearer stolen"}})
    assert "extra_headers" == caught.value.field
    assert [] == sent(http)


@pytest.mark.parametrize("case", BODY_CASES, ids=case_id)
async def test_every_method_with_a_body_sends_extra_body_fields(
    case: Case, clients: dict[str, Any], http: aioresponses
) -> None:
    """extra_body fields are added to the JSON body; the request's own fields are still there."""
    mock(http, case)
    await case.invoke(clients[case.provider], {})
    [(_, _, plain)] = sent(http)
    http.requests.clear()
    await case.invoke(clients[case.provider], {"extra_body": BODY})
    _, _, kwargs = only_request(http)
    body = json.loads(kwargs["data"])
    own = json.loads(plain["data"])
    own.pop("command_id", None)  # a fresh one for each Telnyx command
    body.pop("command_id", None)
    assert {**own, **BODY} == body


@pytest.mark.parametrize("case", GET_CASES, ids=case_id)
async def test_every_method_without_a_body_refuses_extra_body(
    case: Case, clients: dict[str, Any], http: aioresponses
) -> None:
    """A GET has no body to add fields to: extra_body is a ValidationError and nothing is sent."""
    mock(http, case)
    with pytest.raises(ValidationError) as caught:
        await case.invoke(clients[case.provider], {"extra_body": BODY})
    assert "extra_body" == caught.value.field
    assert [] == sent(http)


@pytest.mark.parametrize("case", BODY_CASES, ids=case_id)
async def test_every_known_field_is_refused_as_extra_body(
    case: Case, clients: dict[str, Any], http: aioresponses
) -> None:
    """Each field of the request class, by its wire name, set or not, is refused in extra_body."""
    mock(http, case)
    names = wire_names(case)
    assert names
    for name in names:
        with pytest.raises(ValidationError) as caught:
            await case.invoke(clients[case.provider], {"extra_body": {name: "x"}})
        assert "extra_body" == caught.value.field, name
        assert name in str(caught.value)
    assert [] == sent(http)


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_every_method_takes_a_timeout(
    case: Case, clients: dict[str, Any], http: aioresponses
) -> None:
    """A valid per-call timeout is accepted by every method and the request goes out once."""
    mock(http, case)
    await case.invoke(clients[case.provider], {"timeout": 2.5})
    method, url, _ = only_request(http)
    assert (case.method, URL(case.url).path) == (method, url.path)


# --- extra_body ----------------------------------------------------------------------


async def test_telnyx_command_id_is_refused_in_extra_body(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """Telnyx's command_id, which the client puts in every command's payload, cannot be an extra."""
    tx = clients["telnyx"]
    with pytest.raises(ValidationError) as caught:
        await tx.create_conference(call_control_id=CCID, name="B", extra_body={"command_id": "c"})
    assert "extra_body" == caught.value.field
    with pytest.raises(ValidationError):
        await tx.dial(connection_id="c", from_=FROM, to=TO, extra_body={"command_id": "c"})
    assert [] == sent(http)


async def test_from_is_refused_by_its_wire_name(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """`from_` travels as `from`: an extra `from` is refused on a Telnyx dial and Catapult call."""
    with pytest.raises(ValidationError) as telnyx_refused:
        await clients["telnyx"].dial(
            connection_id="c", from_=FROM, to=TO, extra_body={"from": "+15550000000"}
        )
    with pytest.raises(ValidationError) as catapult_refused:
        await clients["catapult"].create_call(from_=FROM, to=TO, extra_body={"from": "+1555"})
    assert "extra_body" == telnyx_refused.value.field
    assert "extra_body" == catapult_refused.value.field
    assert [] == sent(http)


async def test_unset_known_fields_are_refused_by_wire_name(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """Unset fields are refused too: Telnyx max_participants, Catapult callbackTimeout."""
    with pytest.raises(ValidationError):
        await clients["telnyx"].create_conference(
            call_control_id=CCID, name="B", extra_body={"max_participants": 1000}
        )
    with pytest.raises(ValidationError):
        await clients["catapult"].create_conference(
            from_=FROM, extra_body={"callbackTimeout": 99999}
        )
    assert [] == sent(http)


async def test_known_fields_are_still_checked_by_their_rules(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """Options do not switch field validation off: a broken field is refused by its own rule."""
    with pytest.raises(ValidationError) as telnyx_refused:
        await clients["telnyx"].create_conference(
            call_control_id=CCID,
            name="B",
            max_participants=1,
            extra_body={"x": 1},
            extra_headers={"X-A": "1"},
            timeout=5,
        )
    with pytest.raises(ValidationError) as catapult_refused:
        await clients["catapult"].create_conference(
            from_=FROM, callback_timeout=10_001, extra_query={"x": "1"}
        )
    assert "max_participants" == telnyx_refused.value.field
    assert "callback_timeout" == catapult_refused.value.field
    assert [] == sent(http)


async def test_extra_body_also_applies_to_a_request_object(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """Options go beside a request object as keywords, and reach the wire the same way."""
    mock(http, CASES[0])
    request = telnyx.CreateConferenceRequest(call_control_id=CCID, name="B", command_id="cmd-1")
    await clients["telnyx"].create_conference(
        request, extra_body={"beta": True}, extra_headers={"X-A": "1"}
    )
    _, _, kwargs = only_request(http)
    assert {"call_control_id": CCID, "name": "B", "command_id": "cmd-1", "beta": True} == (
        json.loads(kwargs["data"])
    )
    assert "1" == kwargs["headers"]["X-A"]


# --- extra_query -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "invoke", "taken"),
    [
        (
            "telnyx",
            lambda c, q: c.get_conference("c-1", region="US", extra_query=q),
            "region",
        ),
        ("telnyx", lambda c, q: first(c.list_conferences(extra_query=q)), "page[number]"),
        (
            "telnyx",
            lambda c, q: first(c.list_conferences(status="init", extra_query=q)),
            "filter[status]",
        ),
        (
            "telnyx",
            lambda c, q: first(c.list_participants("c-1", extra_query=q)),
            "page[number]",
        ),
        ("catapult", lambda c, q: first(c.list_calls(extra_query=q)), "size"),
        ("catapult", lambda c, q: first(c.list_calls(extra_query=q)), "page"),
        (
            "catapult",
            lambda c, q: first(c.list_calls(conference_id="conf-1", extra_query=q)),
            "conferenceId",
        ),
    ],
    ids=["region", "page-number", "filter-status", "participants-page", "size", "page", "conf"],
)
async def test_extra_query_cannot_replace_a_parameter_the_call_sets(
    provider: str,
    invoke: Callable[[Any, dict[str, str]], Awaitable[object]],
    taken: str,
    clients: dict[str, Any],
    http: aioresponses,
) -> None:
    """A query parameter the method already sets is refused in extra_query; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await invoke(clients[provider], {taken: "2"})
    assert "extra_query" == caught.value.field
    assert taken in str(caught.value)
    assert [] == sent(http)


async def test_extra_query_values_are_encoded_as_one_parameter(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """'&', '=' and spaces in an extra query value stay in that one parameter; ints are sent."""
    case = CASES[1]
    mock(http, case)
    await clients["telnyx"].get_conference("c-1", extra_query={"q": "a&b=c d", "n": 5})
    _, url, _ = only_request(http)
    assert [("n", "5"), ("q", "a&b=c d")] == sorted(url.query.items())


@pytest.mark.parametrize(
    "query",
    [{"": "1"}, {"x": None}, {"x": True}, {"x": 1.5}, {1: "x"}],
    ids=["empty-name", "none", "bool", "float", "int-name"],
)
async def test_unusable_extra_query_is_refused(
    query: dict[Any, Any], clients: dict[str, Any], http: aioresponses
) -> None:
    """Empty or non-string names and values other than str or int are refused before sending."""
    with pytest.raises(ValidationError) as caught:
        await clients["telnyx"].get_conference("c-1", extra_query=query)
    assert "extra_query" == caught.value.field
    assert [] == sent(http)


# --- extra_headers ---------------------------------------------------------------------

REFUSED_HEADERS = [
    "Authorization",
    "Proxy-Authorization",
    "Host",
    "Content-Type",
    "Content-Length",
    "Transfer-Encoding",
    "Connection",
]


@pytest.mark.parametrize("name", REFUSED_HEADERS)
@pytest.mark.parametrize("spelling", [str, str.lower, str.upper], ids=["as-is", "lower", "upper"])
@pytest.mark.parametrize("provider", ["telnyx", "catapult"])
async def test_credential_and_framing_headers_are_refused(
    name: str,
    spelling: Callable[[str], str],
    provider: str,
    clients: dict[str, Any],
    http: aioresponses,
) -> None:
    """Credential and framing headers, in any case, are refused as extra headers; none sent."""
    client = clients[provider]
    with pytest.raises(ValidationError) as caught:
        await client.get_conference("c-1", extra_headers={spelling(name): "x"})
    assert "extra_headers" == caught.value.field
    assert [] == sent(http)


@pytest.mark.parametrize(
    "name",
    ["X A", "X:A", "", "X-\u00c4", "X\r\nInjected", "X(A)", "X/A", 7],
    ids=["space", "colon", "empty", "non-ascii", "crlf", "parens", "slash", "int"],
)
async def test_header_names_that_are_not_tokens_are_refused(
    name: Any, clients: dict[str, Any], http: aioresponses
) -> None:
    """A header name outside RFC 9110's token characters is refused before sending."""
    with pytest.raises(ValidationError) as caught:
        await clients["telnyx"].get_conference("c-1", extra_headers={name: "v"})
    assert "extra_headers" == caught.value.field
    assert [] == sent(http)


@pytest.mark.parametrize(
    "value",
    ["a\r\nX-Injected: 1", "a\nb", "a\rb", "a\x00b", "a\x1bb", "a\x7fb", 5, None],
    ids=["crlf", "lf", "cr", "nul", "esc", "del", "int", "none"],
)
async def test_header_values_with_control_characters_are_refused(
    value: Any, clients: dict[str, Any], http: aioresponses
) -> None:
    """A header value with CR, LF or another control character (or not a str) is refused."""
    with pytest.raises(ValidationError) as caught:
        await clients["catapult"].get_conference("conf-1", extra_headers={"X-A": value})
    assert "extra_headers" == caught.value.field
    assert [] == sent(http)


async def test_a_tab_in_a_header_value_is_sent(clients: dict[str, Any], http: aioresponses) -> None:
    """A horizontal tab is legal inside a field value and goes out as given."""
    mock(http, CASES[1])
    await clients["telnyx"].get_conference("c-1", extra_headers={"X-A": "a\tb"})
    _, _, kwargs = only_request(http)
    assert "a\tb" == kwargs["headers"]["X-A"]


async def test_extra_headers_do_not_change_the_clients_own_headers(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """A call with extra headers leaves the next call's headers as they were."""
    tx = clients["telnyx"]
    mock(http, CASES[1])
    await tx.get_conference("c-1", extra_headers={"X-A": "1"})
    await tx.get_conference("c-1")
    [(_, _, with_extra), (_, _, without)] = sent(http)
    assert "1" == with_extra["headers"]["X-A"]
    assert "X-A" not in without["headers"]


@pytest.mark.parametrize(
    "options",
    [
        {"extra_headers": [("X-A", "1")]},
        {"extra_headers": ""},
        {"extra_headers": []},
        {"extra_body": 0},
        {"extra_body": ""},
        {"extra_query": []},
        {"extra_query": "x=1"},
    ],
    ids=[
        "headers-pairs",
        "headers-empty-str",
        "headers-empty-list",
        "body-0",
        "body-str",
        "q-list",
        "q-str",
    ],
)
async def test_options_that_are_not_mappings_are_refused(
    options: dict[str, Any], clients: dict[str, Any], http: aioresponses
) -> None:
    """An extra_* option that is not a mapping is a ValidationError naming it, empty or not."""
    mock(http, CASES[0])
    with pytest.raises(ValidationError) as caught:
        await clients["telnyx"].create_conference(call_control_id=CCID, name="B", **options)
    [name] = options
    assert name == caught.value.field
    assert [] == sent(http)


@pytest.mark.parametrize(
    "body",
    [{"x": math.nan}, {"x": [1, {"y": math.inf}]}, {"x": -math.inf}, {"x": object()}],
    ids=["nan", "nested-inf", "minus-inf", "object"],
)
async def test_an_extra_body_json_cannot_carry_is_refused_naming_it(
    body: dict[str, Any], clients: dict[str, Any], http: aioresponses
) -> None:
    """NaN, infinities and non-JSON values in extra_body are a ValidationError, never null."""
    mock(http, CASES[0])
    with pytest.raises(ValidationError) as caught:
        await clients["telnyx"].create_conference(call_control_id=CCID, name="B", extra_body=body)
    assert "extra_body" == caught.value.field
    assert [] == sent(http)


@pytest.mark.parametrize(
    "name", ["Upgrade", "TE", "keep-alive", "Expect", "Trailer", "Proxy-Connection"]
)
async def test_hop_by_hop_headers_are_refused(
    name: str, clients: dict[str, Any], http: aioresponses
) -> None:
    """Headers that change the connection itself cannot come from extra_headers."""
    mock(http, CASES[0])
    with pytest.raises(ValidationError, match=name):
        await clients["telnyx"].create_conference(
            call_control_id=CCID, name="B", extra_headers={name: "x"}
        )
    assert [] == sent(http)


# --- Listings: the options go with every page --------------------------------------------


async def test_options_apply_to_every_page_of_a_telnyx_listing(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """Both page requests of a two-page listing carry the extra header and query parameter."""
    pattern = re.compile(rf"^{re.escape(TELNYX)}/conferences\?.*$")
    http.get(pattern, payload={"data": [TELNYX_CONFERENCE], "meta": {"total_pages": 2}})
    http.get(pattern, payload={"data": [TELNYX_CONFERENCE], "meta": {"total_pages": 2}})
    pages = clients["telnyx"].list_conferences(
        page_size=1, extra_headers=dict([HEADER]), extra_query=QUERY
    )
    found = [conference.id async for conference in pages]
    assert ["c-1", "c-1"] == found
    requests = sent(http)
    assert [
        {"page[size]": "1", "page[number]": "1", **QUERY},
        {"page[size]": "1", "page[number]": "2", **QUERY},
    ] == [dict(url.query) for _, url, _ in requests]
    assert [HEADER[1], HEADER[1]] == [kwargs["headers"][HEADER[0]] for _, _, kwargs in requests]


async def test_options_apply_to_every_page_of_a_catapult_listing(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """Each page of a Catapult calls listing carries the extra header and query parameter."""
    pattern = re.compile(rf"^{re.escape(CATAPULT)}/calls\?.*$")
    http.get(pattern, payload=[CATAPULT_CALL])
    http.get(pattern, payload=[])
    pages = clients["catapult"].list_calls(size=1, extra_headers=dict([HEADER]), extra_query=QUERY)
    found = [call.id async for call in pages]
    assert ["c-1"] == found
    requests = sent(http)
    assert [
        {"size": "1", "page": "0", **QUERY},
        {"size": "1", "page": "1", **QUERY},
    ] == [dict(url.query) for _, url, _ in requests]
    assert [HEADER[1], HEADER[1]] == [kwargs["headers"][HEADER[0]] for _, _, kwargs in requests]


# --- timeout ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timeout",
    [0, -1, "x", math.nan, math.inf, True, False, "5"],
    ids=["zero", "negative", "str", "nan", "inf", "true", "false", "numeric-str"],
)
@pytest.mark.parametrize("provider", ["telnyx", "catapult"])
async def test_a_bad_timeout_is_refused_before_sending(
    timeout: Any,  # noqa: ASYNC109 - the bad value under test, not this test's own
    provider: str,
    clients: dict[str, Any],
    http: aioresponses,
) -> None:
    """A timeout that is not a finite number of seconds > 0 is ValidationError(field='timeout')."""
    case = next(c for c in CASES if c.provider == provider and c.name == "get_conference")
    mock(http, case)
    with pytest.raises(ValidationError) as caught:
        await case.invoke(clients[provider], {"timeout": timeout})
    assert "timeout" == caught.value.field
    assert [] == sent(http)


async def test_a_bad_timeout_on_a_listing_is_refused_at_the_call(
    clients: dict[str, Any], http: aioresponses
) -> None:
    """A listing checks its timeout when called, before any page is asked for."""
    with pytest.raises(ValidationError) as caught:
        clients["telnyx"].list_conferences(timeout=-1)
    assert "timeout" == caught.value.field
    assert [] == sent(http)


@attrs.define
class SlowServer:
    """A loopback server answering each request after the seconds named in its path's first segment.

    Telnyx-shaped conferences for `/…/v2/...`, Catapult ones for `/…/v1/users/...`.
    """

    origin: str = ""
    requests: list[str] = attrs.field(factory=list)
    stopped: asyncio.Event = attrs.field(factory=asyncio.Event)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while not self.stopped.is_set():
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                target = head.split(" ", 2)[1]
                self.requests.append(target)
                length = sum(
                    int(line.split(":", 1)[1])
                    for line in head.split("\r\n")
                    if line.lower().startswith("content-length:")
                )
                await reader.readexactly(length)
                try:
                    async with asyncio.timeout(float(target.split("/")[1])):
                        await self.stopped.wait()
                except TimeoutError:
                    pass
                if self.stopped.is_set():
                    break
                if "/v1/users/" in target:
                    body = json.dumps(CATAPULT_CONFERENCE).encode()
                else:
                    body = json.dumps({"data": TELNYX_CONFERENCE}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def slow() -> AsyncIterator[SlowServer]:
    """A `SlowServer` on 127.0.0.1, its held answers dropped at the end of the test."""
    state = SlowServer()
    handlers: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        await state.serve(reader, writer)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.origin = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        state.stopped.set()
        server.close()
        pending = [task for task in handlers if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=5)
        await server.wait_closed()


async def test_a_short_per_call_timeout_beats_a_long_client_timeout(slow: SlowServer) -> None:
    """With a 30 s client timeout, timeout=0.2 ends a GET to a server that never answers quickly."""
    async with SessionPool(timeout=60) as pool:
        tx = TelnyxClient(
            KEY, base_url=f"{slow.origin}/60/v2", pool=pool, timeout=30, retry=NO_RETRY
        )
        cp = CatapultClient(
            USER, TOKEN, SECRET, base_url=f"{slow.origin}/60", pool=pool, timeout=30, retry=NO_RETRY
        )
        started = time.perf_counter()
        async with asyncio.timeout(10):
            with pytest.raises(RequestTimeout) as telnyx_timed_out:
                await tx.get_conference("c-1", timeout=0.2)
            with pytest.raises(RequestTimeout) as catapult_timed_out:
                await cp.get_conference("conf-1", timeout=0.2)
        took = time.perf_counter() - started
    assert "within 0.2 s" in str(telnyx_timed_out.value)
    assert "within 0.2 s" in str(catapult_timed_out.value)
    assert took < 3, took


async def test_a_per_call_timeout_ends_a_create_unknown(slow: SlowServer) -> None:
    """A create cut short by its own timeout ends in OutcomeUnknownError over its RequestTimeout."""
    async with SessionPool(timeout=60) as pool:
        tx = TelnyxClient(
            KEY, base_url=f"{slow.origin}/60/v2", pool=pool, timeout=30, retry=NO_RETRY
        )
        async with asyncio.timeout(10):
            with pytest.raises(OutcomeUnknownError) as caught:
                await tx.create_conference(call_control_id=CCID, name="B", timeout=0.2)
    last = caught.value.last_error
    assert isinstance(last, RequestTimeout)
    assert "within 0.2 s" in str(last)


async def test_a_long_per_call_timeout_outlasts_a_short_pool_timeout(slow: SlowServer) -> None:
    """A request that takes 0.5 s fails under the pool's 0.2 s but succeeds with timeout=5."""
    async with SessionPool(timeout=0.2) as pool:
        tx = TelnyxClient(KEY, base_url=f"{slow.origin}/0.5/v2", pool=pool, retry=NO_RETRY)
        async with asyncio.timeout(10):
            with pytest.raises(RequestTimeout):
                await tx.get_conference("c-1")
            conference = await tx.get_conference("c-1", timeout=5)
    assert "c-1" == conference.id


async def test_the_per_call_timeout_holds_for_each_attempt(slow: SlowServer) -> None:
    """With two attempts, each is cut at the per-call timeout: two requests, one RequestTimeout."""
    retry = RetryPolicy(attempts=2, backoff_initial=0.01, jitter=0)
    async with SessionPool(timeout=60) as pool:
        tx = TelnyxClient(KEY, base_url=f"{slow.origin}/60/v2", pool=pool, retry=retry)
        started = time.perf_counter()
        async with asyncio.timeout(10):
            with pytest.raises(RequestTimeout) as caught:
                await tx.get_conference("c-1", timeout=0.2)
        took = time.perf_counter() - started
    assert "within 0.2 s" in str(caught.value)
    assert ["/60/v2/conferences/c-1", "/60/v2/conferences/c-1"] == slow.requests
    assert 0.4 <= took < 3, took


async def test_the_per_call_timeout_holds_for_each_page(slow: SlowServer) -> None:
    """A listing's timeout applies to its page requests."""
    async with SessionPool(timeout=60) as pool:
        tx = TelnyxClient(KEY, base_url=f"{slow.origin}/60/v2", pool=pool, retry=NO_RETRY)
        async with asyncio.timeout(10):
            with pytest.raises(RequestTimeout) as caught:
                await first(tx.list_conferences(timeout=0.2))
    assert "within 0.2 s" in str(caught.value)


async def test_a_per_call_timeout_leaves_other_calls_on_the_clients(slow: SlowServer) -> None:
    """Concurrent calls keep their own timeouts: the short one fails, the default one succeeds."""
    async with SessionPool(timeout=5) as pool:
        tx = TelnyxClient(KEY, base_url=f"{slow.origin}/0.4/v2", pool=pool, retry=NO_RETRY)
        async with asyncio.timeout(10):
            short, default = await asyncio.gather(
                tx.get_conference("c-1", timeout=0.1),
                tx.get_conference("c-1"),
                return_exceptions=True,
            )
    assert isinstance(short, RequestTimeout)
    assert "c-1" == getattr(default, "id", None)


async def test_distinct_per_call_timeouts_leave_nothing_behind(
    clients: dict[str, Any], pool: SessionPool, http: aioresponses
) -> None:
    """A new timeout on every call (a shrinking time budget) leaves no state behind per value."""
    mock(http, CASES[1])
    for number in range(500):
        await clients["telnyx"].get_conference("c-1", timeout=1 + number / 1000)
    assert 500 == len(sent(http))
    [origin] = pool._origins.values()
    # One timer book per timeout length ever used would grow without bound.
    assert len(origin.deadlines) < 50, len(origin.deadlines)


# --- Against the emulator, through a relay that keeps what was sent ------------------


@attrs.define
class Relay:
    """A TCP relay on 127.0.0.1 in front of a server, keeping every byte the client sent."""

    target: tuple[str, int]
    received: bytearray = attrs.field(factory=bytearray)
    origin: str = ""
    _writers: list[asyncio.StreamWriter] = attrs.field(factory=list)
    _tasks: set[asyncio.Task[None]] = attrs.field(factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.append(writer)
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers.append(up_writer)
        await asyncio.gather(
            self._pipe(reader, up_writer, keep=True), self._pipe(up_reader, writer, keep=False)
        )

    async def _pipe(
        self, source: asyncio.StreamReader, sink: asyncio.StreamWriter, *, keep: bool
    ) -> None:
        try:
            while data := await source.read(65536):
                if keep:
                    self.received.extend(data)
                sink.write(data)
                await sink.drain()
        except ConnectionError:
            pass
        finally:
            sink.close()

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=5)


@pytest.fixture
async def emulated() -> AsyncIterator[tuple[Emulator, Relay]]:
    """An emulator, and a recording relay in front of it."""
    async with Emulator(host="127.0.0.1", port=0) as emu:
        port = URL(emu.base_url).port
        assert port is not None
        relay = Relay(("127.0.0.1", port))
        server = await asyncio.start_server(relay.handle, "127.0.0.1", 0)
        relay.origin = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        try:
            yield emu, relay
        finally:
            server.close()
            await relay.close()
            await server.wait_closed()


EMULATOR_OPTIONS: dict[str, Any] = {
    "timeout": 5,
    "extra_headers": {"X-Conferencing-Test": "emulator"},
    "extra_body": {"future_field": 1},
    "extra_query": {"trace_me": "yes"},
}


async def test_telnyx_create_with_every_option_on_the_emulator(
    emulated: tuple[Emulator, Relay],
) -> None:
    """The emulator takes a Telnyx create carrying every option; the wire shows each one."""
    emu, relay = emulated
    async with SessionPool() as pool:
        tx = TelnyxClient(emu.telnyx_api_key, base_url=f"{relay.origin}/v2", pool=pool)
        conference = await tx.create_conference(
            call_control_id="v3:leg-options", name="Options", **EMULATOR_OPTIONS
        )
        fetched = await tx.get_conference(conference.id, extra_query={"trace_me": "again"})
    assert "Options" == fetched.name
    wire = bytes(relay.received)
    assert wire.startswith(b"POST /v2/conferences?trace_me=yes HTTP/1.1\r\n")
    assert b"\r\nX-Conferencing-Test: emulator\r\n" in wire
    head, _, rest = wire.partition(b"\r\n\r\n")
    body = json.loads(rest.split(b"GET ", 1)[0])
    assert {"call_control_id": "v3:leg-options", "name": "Options", "future_field": 1} == {
        k: v for k, v in body.items() if k != "command_id"
    }
    assert f"GET /v2/conferences/{conference.id}?trace_me=again HTTP/1.1".encode() in wire
    assert b"Authorization: Bearer" in head


async def test_catapult_create_with_every_option_on_the_emulator(
    emulated: tuple[Emulator, Relay],
) -> None:
    """The emulator takes a Catapult create carrying every option; the wire shows each one."""
    emu, relay = emulated
    async with SessionPool() as pool:
        cp = CatapultClient(
            emu.catapult_user_id,
            emu.catapult_api_token,
            emu.catapult_api_secret,
            base_url=relay.origin,
            pool=pool,
        )
        ref = await cp.create_conference(from_=FROM, tag="opts", **EMULATOR_OPTIONS)
        fetched = await cp.get_conference(ref.id, timeout=5)
    assert "opts" == fetched.tag
    wire = bytes(relay.received)
    path = f"/v1/users/{emu.catapult_user_id}/conferences"
    assert wire.startswith(f"POST {path}?trace_me=yes HTTP/1.1\r\n".encode())
    assert b"\r\nX-Conferencing-Test: emulator\r\n" in wire
    _, _, rest = wire.partition(b"\r\n\r\n")
    body = json.loads(rest.split(b"GET ", 1)[0])
    assert {"from": FROM, "tag": "opts", "future_field": 1} == body


async def test_a_refused_option_sends_nothing_to_the_emulator(
    emulated: tuple[Emulator, Relay],
) -> None:
    """A refused extra reaches neither the wire nor the emulator's state."""
    emu, relay = emulated
    async with SessionPool() as pool:
        tx = TelnyxClient(emu.telnyx_api_key, base_url=f"{relay.origin}/v2", pool=pool)
        with pytest.raises(ConferencingError) as caught:
            await tx.create_conference(
                call_control_id="v3:leg-refused", name="Refused", extra_body={"name": "Other"}
            )
    assert isinstance(caught.value, ValidationError)
    assert b"" == bytes(relay.received)
    assert [] == emu.telnyx_conferences()
