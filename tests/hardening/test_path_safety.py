"""Path and header safety: an id that would change the URL is refused before anything is sent."""

from __future__ import annotations

import asyncio
import base64
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Final

import pytest
from hardening_support import (
    BOUND,
    CCID,
    FROM,
    HARDENING,
    USER_ID,
    RawServer,
    Received,
    ServeFn,
    answer,
    catapult_client,
    json_answer,
    telnyx_client,
)
from hypothesis import example, given
from hypothesis import strategies as st

from conferencing import (
    CatapultClient,
    ConfigurationError,
    SessionPool,
    TelnyxClient,
    ValidationError,
)

pytest_plugins = ["hardening_fixtures"]


async def drain(pages: Any) -> list[Any]:
    """Every item of a listing."""
    return [item async for item in pages]


Call = Callable[[Any, Any], Awaitable[object]]

# kind, method, the id parameter, how to call with that id, the path the server must see.
PATHS: Final[list[tuple[str, str, str, Call, str]]] = [
    (
        "telnyx",
        "get_conference",
        "conference_id",
        lambda c, i: c.get_conference(i),
        "/v2/conferences/{}",
    ),
    (
        "telnyx",
        "join",
        "conference_id",
        lambda c, i: c.join(i, CCID),
        "/v2/conferences/{}/actions/join",
    ),
    (
        "telnyx",
        "leave",
        "conference_id",
        lambda c, i: c.leave(i, CCID),
        "/v2/conferences/{}/actions/leave",
    ),
    ("telnyx", "mute", "conference_id", lambda c, i: c.mute(i), "/v2/conferences/{}/actions/mute"),
    (
        "telnyx",
        "unmute",
        "conference_id",
        lambda c, i: c.unmute(i),
        "/v2/conferences/{}/actions/unmute",
    ),
    ("telnyx", "hold", "conference_id", lambda c, i: c.hold(i), "/v2/conferences/{}/actions/hold"),
    (
        "telnyx",
        "unhold",
        "conference_id",
        lambda c, i: c.unhold(i, call_control_ids=[CCID]),
        "/v2/conferences/{}/actions/unhold",
    ),
    (
        "telnyx",
        "end_conference",
        "conference_id",
        lambda c, i: c.end_conference(i),
        "/v2/conferences/{}/actions/end",
    ),
    (
        "telnyx",
        "list_participants",
        "conference_id",
        lambda c, i: drain(c.list_participants(i)),
        "/v2/conferences/{}/participants",
    ),
    (
        "telnyx",
        "get_participant",
        "conference_id",
        lambda c, i: c.get_participant(i, "p-1"),
        "/v2/conferences/{}/participants/p-1",
    ),
    (
        "telnyx",
        "get_participant",
        "participant_id",
        lambda c, i: c.get_participant("c-1", i),
        "/v2/conferences/c-1/participants/{}",
    ),
    (
        "telnyx",
        "update_participant",
        "conference_id",
        lambda c, i: c.update_participant(i, "p-1", beep_enabled="always"),
        "/v2/conferences/{}/participants/p-1",
    ),
    (
        "telnyx",
        "update_participant",
        "participant_id",
        lambda c, i: c.update_participant("c-1", i, beep_enabled="always"),
        "/v2/conferences/c-1/participants/{}",
    ),
    (
        "telnyx",
        "play",
        "conference_id",
        lambda c, i: c.play(i, media_name="m"),
        "/v2/conferences/{}/actions/play",
    ),
    (
        "telnyx",
        "stop",
        "conference_id",
        lambda c, i: c.stop(i),
        "/v2/conferences/{}/actions/stop",
    ),
    (
        "telnyx",
        "speak",
        "conference_id",
        lambda c, i: c.speak(i, payload="Hi", voice="v"),
        "/v2/conferences/{}/actions/speak",
    ),
    (
        "telnyx",
        "record_start",
        "conference_id",
        lambda c, i: c.record_start(i, format="mp3"),
        "/v2/conferences/{}/actions/record_start",
    ),
    (
        "telnyx",
        "record_stop",
        "conference_id",
        lambda c, i: c.record_stop(i),
        "/v2/conferences/{}/actions/record_stop",
    ),
    (
        "telnyx",
        "record_pause",
        "conference_id",
        lambda c, i: c.record_pause(i),
        "/v2/conferences/{}/actions/record_pause",
    ),
    (
        "telnyx",
        "record_resume",
        "conference_id",
        lambda c, i: c.record_resume(i),
        "/v2/conferences/{}/actions/record_resume",
    ),
    (
        "telnyx",
        "update_conference",
        "conference_id",
        lambda c, i: c.update_conference(i, CCID, supervisor_role="none"),
        "/v2/conferences/{}/actions/update",
    ),
    (
        "telnyx",
        "send_dtmf",
        "conference_id",
        lambda c, i: c.send_dtmf(i, digits="1"),
        "/v2/conferences/{}/actions/send_dtmf",
    ),
    (
        "telnyx",
        "gather_using_audio",
        "conference_id",
        lambda c, i: c.gather_using_audio(i, CCID, media_name="m"),
        "/v2/conferences/{}/actions/gather_using_audio",
    ),
    (
        "telnyx",
        "hang_up",
        "call_control_id",
        lambda c, i: c.hang_up(i),
        "/v2/calls/{}/actions/hangup",
    ),
    (
        "catapult",
        "get_conference",
        "conference_id",
        lambda c, i: c.get_conference(i),
        "/conferences/{}",
    ),
    (
        "catapult",
        "update_conference",
        "conference_id",
        lambda c, i: c.update_conference(i, mute=True),
        "/conferences/{}",
    ),
    (
        "catapult",
        "add_member",
        "conference_id",
        lambda c, i: c.add_member(i, "call-1"),
        "/conferences/{}/members",
    ),
    (
        "catapult",
        "list_members",
        "conference_id",
        lambda c, i: c.list_members(i),
        "/conferences/{}/members",
    ),
    (
        "catapult",
        "get_member",
        "conference_id",
        lambda c, i: c.get_member(i, "m-1"),
        "/conferences/{}/members/m-1",
    ),
    (
        "catapult",
        "get_member",
        "member_id",
        lambda c, i: c.get_member("c-1", i),
        "/conferences/c-1/members/{}",
    ),
    (
        "catapult",
        "update_member",
        "conference_id",
        lambda c, i: c.update_member(i, "m-1", mute=True),
        "/conferences/{}/members/m-1",
    ),
    (
        "catapult",
        "update_member",
        "member_id",
        lambda c, i: c.update_member("c-1", i, mute=True),
        "/conferences/c-1/members/{}",
    ),
    (
        "catapult",
        "play_audio",
        "conference_id",
        lambda c, i: c.play_audio(i, sentence="Hello"),
        "/conferences/{}/audio",
    ),
    (
        "catapult",
        "play_audio",
        "member_id",
        lambda c, i: c.play_audio("c-1", sentence="Hello", member_id=i),
        "/conferences/c-1/members/{}/audio",
    ),
    ("catapult", "get_call", "call_id", lambda c, i: c.get_call(i), "/calls/{}"),
    (
        "catapult",
        "update_call",
        "call_id",
        lambda c, i: c.update_call(i, state="completed"),
        "/calls/{}",
    ),
    ("catapult", "hang_up", "call_id", lambda c, i: c.hang_up(i), "/calls/{}"),
]
PATH_IDS: Final = [f"{kind}.{method}.{param}" for kind, method, param, _, _ in PATHS]

# Ids sent in a body (or a listing's query), which a Catapult path will name later.
BODY_IDS: Final[list[tuple[str, str, Call]]] = [
    (
        "create_call",
        "conference_id",
        lambda c, i: c.create_call(from_=FROM, to=FROM, conference_id=i),
    ),
    ("create_call", "bridge_id", lambda c, i: c.create_call(from_=FROM, to=FROM, bridge_id=i)),
    ("add_member(positional)", "call_id", lambda c, i: c.add_member("c-1", i)),
    ("add_member", "call_id", lambda c, i: c.add_member("c-1", call_id=i)),
    ("list_calls", "conference_id", lambda c, i: drain(c.list_calls(conference_id=i))),
    ("list_calls", "bridge_id", lambda c, i: drain(c.list_calls(bridge_id=i))),
]

HOSTILE_IDS: Final[list[object]] = [
    "",
    "/",
    "a/b",
    "..",
    ".",
    "../x",
    "a?b",
    "?",
    "a#b",
    "#",
    "a%2Fb",
    "%",
    "%2e%2e",
    "a b",
    " a",
    "a\t",
    "a\x00",
    "a\x1f",
    "a\x7f",
    "a\r\nX-Injected: 1",
    "\r\n",
    "a\u2028b",
    "a\x85",
    "é",
    "a\\b",
    'a"b',
    "a<b>",
    "a" * 513,
    None,
    5,
    b"c-1",
    ["c-1"],
]


async def provider_like(
    _server: RawServer,
    _reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    received: Received,
) -> None:
    """Answer the way each endpoint does, so that an accepted id completes its call."""
    method, target = received.method, received.target
    path = target.split("?", 1)[0]
    if target.startswith("/v2/"):
        if method == "GET" and path.endswith("/participants"):
            data: Any = json_answer(200, {"data": [], "meta": {"total_pages": 1}})
        elif method in {"GET", "PATCH"} and "/participants/" in path:
            data = json_answer(200, {"data": {"id": "p-1"}})
        elif method == "GET":
            data = json_answer(
                200,
                {
                    "data": {
                        "id": "c-1",
                        "name": "n",
                        "created_at": "2019-01-23T18:10:02.574Z",
                        "expires_at": "2019-01-23T22:10:02.574Z",
                    }
                },
            )
        else:
            data = json_answer(200, {"data": {"result": "ok"}})
    elif method == "POST" and path.endswith(("/members", "/calls")):
        data = answer(201, headers={"Location": "/v1/users/u/calls/new-1"})
    elif method == "GET" and (path.endswith("/members") or path == f"/v1/users/{USER_ID}/calls"):
        data = json_answer(200, [])
    elif method == "GET" and "/members/" in path:
        data = json_answer(200, {"id": "m-1", "state": "active"})
    elif method == "GET":
        data = json_answer(200, {"id": "c-1", "state": "active"})
    else:
        data = answer(200)
    writer.write(data)
    await writer.drain()


def client_for(kind: str, server: RawServer, pool: SessionPool) -> Any:
    """A client of `kind` on `server`."""
    return telnyx_client(server, pool) if kind == "telnyx" else catapult_client(server, pool)


def full_path(kind: str, template: str, value: str) -> str:
    """The path the server must see when the id is `value`."""
    prefix = "" if kind == "telnyx" else f"/v1/users/{USER_ID}"
    return prefix + template.format(value)


# `play_audio(member_id=None)` means "to the whole conference": None is no id there.
REFUSALS: Final = [
    pytest.param(kind, param, call, bad, id=f"{kind}.{method}.{param}-{bad!r}")
    for kind, method, param, call, _ in PATHS
    for bad in HOSTILE_IDS
    if not (bad is None and param == "member_id" and method == "play_audio")
]


@pytest.mark.parametrize(("kind", "param", "call", "bad"), REFUSALS)
async def test_an_id_that_would_change_the_url_is_refused(
    serve: ServeFn, *, kind: str, param: str, call: Call, bad: object
) -> None:
    """An id with '/', '..', '?', '#', '%', spaces, controls or CR/LF is refused; none is sent."""
    server = await serve(provider_like)
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        with pytest.raises(ValidationError) as caught:
            await call(client_for(kind, server, pool), bad)
    assert param == caught.value.field
    assert [] == server.requests
    assert 0 == server.connections


# None is "not set" for the optional ids; the positional slot of add_member takes
# a request object or a call id string, so only strings are call ids there.
BODY_REFUSALS: Final = [
    pytest.param(param, call, bad, id=f"{label}-{bad!r}")
    for label, param, call in BODY_IDS
    for bad in HOSTILE_IDS
    if not (bad is None and param in {"conference_id", "bridge_id"})
    and not (label == "add_member(positional)" and not isinstance(bad, str))
]


@pytest.mark.parametrize(("param", "call", "bad"), BODY_REFUSALS)
async def test_an_id_sent_in_a_body_is_held_to_the_same_rule(
    serve: ServeFn, param: str, call: Call, bad: object
) -> None:
    """A Catapult id that goes in a body and later in paths is refused as strictly, naming it."""
    server = await serve(provider_like)
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        with pytest.raises(ValidationError) as caught:
            await call(client_for("catapult", server, pool), bad)
    assert param == caught.value.field
    assert [] == server.requests


SAFE: Final = "A-Za-z0-9._~!$&'()*+,;=:@-"


@pytest.mark.parametrize(("kind", "method", "param", "call", "template"), PATHS, ids=PATH_IDS)
@HARDENING
@given(
    value=st.one_of(
        st.text(max_size=12),
        st.text(st.sampled_from(SAFE), min_size=1, max_size=12),
        st.text(st.sampled_from(SAFE + "/?#% \t\r\n\x00\\.é"), max_size=6),
    )
)
@example(value="v3:MdI91X4lWFEs7IgbBEOT9M4Aig==")
@example(value="a;b=c")
@example(value="'(x)'")
@example(value="...")
async def test_an_accepted_id_reaches_exactly_its_resource(
    serve: ServeFn, *, kind: str, method: str, param: str, call: Call, template: str, value: str
) -> None:
    """Any id is refused naming its parameter, or sent verbatim as exactly one path segment."""
    del method
    server = await serve(provider_like)
    refused: ValidationError | None = None
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        try:
            await call(client_for(kind, server, pool), value)
        except ValidationError as error:
            refused = error
    if refused is not None:
        assert param == refused.field
        assert [] == server.requests
        return
    assert 1 == len(server.requests)
    assert full_path(kind, template, value) == server.requests[0].target.split("?", 1)[0]


# Ids that only ever travel in a JSON body (`dial_conference_call`'s `connection_id`
# goes into each `DialRequest`), never in a URL.
BODY_ONLY_IDS: Final = {"call_control_id", "connection_id"}


def test_every_id_in_a_url_is_in_the_table() -> None:
    """Each public client method taking an id is covered here (add a new one to PATHS)."""
    covered = {(kind, method, param) for kind, method, param, _, _ in PATHS}
    covered |= {("catapult", label.split("(")[0], param) for label, param, _ in BODY_IDS}
    found = set()
    for kind, cls in (("telnyx", TelnyxClient), ("catapult", CatapultClient)):
        for name, function in inspect.getmembers(cls, inspect.isfunction):
            if name.startswith("_"):
                continue
            for param in inspect.signature(function).parameters:
                if param.endswith("_id") and param not in BODY_ONLY_IDS:
                    found.add((kind, name, param))
    assert set() == found - covered


# --- Headers -----------------------------------------------------------------------


KEYS = st.one_of(
    st.text(min_size=1, max_size=20),
    st.text(st.sampled_from("ab\r\n\x00\x0b\x0c\x7f\x85\u2028: "), min_size=1, max_size=8),
)


@HARDENING
@given(key=KEYS)
@example(key="k\r\nX-Injected: 1")
@example(key="k\nX-Injected: 1")
@example(key="k\rX-Injected: 1")
@example(key="k\x00")
@example(key="k\x0b")
@example(key="k\x1f")
@example(key="k\x7f")
@example(key="k\u2028X-Injected: 1")
@example(key="k\x85X-Injected: 1")
@example(key="ключ")
async def test_no_api_key_can_inject_a_header(serve: ServeFn, key: str) -> None:
    """Any API key is a ConfigurationError, or travels as one Authorization header, nothing more."""
    try:
        TelnyxClient(key)
    except ConfigurationError:
        return
    server = await serve(provider_like)
    escaped: Exception | None = None
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        client = TelnyxClient(key, base_url=server.origin + "/v2", pool=pool)
        try:
            await client.get_conference("c-1")
        except Exception as error:  # noqa: BLE001 - the assertion below says what escaped
            escaped = error
    assert escaped is None, f"a key accepted at construction failed when sent: {escaped!r}"
    assert 1 == len(server.requests)
    received = server.requests[0]
    assert 1 == len(received.header("authorization"))
    assert {"host", "authorization", "content-type", "accept"} <= {n for n, _ in received.headers}
    assert [] == [n for n, _ in received.headers if "inject" in n]
    line = [ln for ln in received.head.split(b"\r\n") if ln.lower().startswith(b"authorization:")]
    assert b"Authorization: Bearer " + key.encode("utf-8") == line[0]


@pytest.mark.parametrize(
    ("token", "secret"),
    [
        ("t\r\nX-Injected: 1", "s"),
        ("t", "s\r\nX-Injected: 1"),
        ("t\x00", "s"),
        ("t:colon", "s"),
        ("ключ", "секрет"),
    ],
)
async def test_no_catapult_credential_can_inject_a_header(
    serve: ServeFn, token: str, secret: str
) -> None:
    """A Catapult token or secret is refused, or travels only inside the Basic blob."""
    try:
        CatapultClient(USER_ID, token, secret)
    except ConfigurationError:
        return
    server = await serve(provider_like)
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        client = CatapultClient(USER_ID, token, secret, base_url=server.origin, pool=pool)
        await client.get_conference("c-1")
    received = server.requests[0]
    blob = base64.b64encode(f"{token}:{secret}".encode()).decode()
    assert [f"Basic {blob}"] == received.header("authorization")
    assert [] == [n for n, _ in received.headers if "inject" in n]
