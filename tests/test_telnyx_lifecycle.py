"""Telnyx conference lifecycle: lookups, listings, commands, participants and the recipe."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from conferencing import (
    ConferenceEndedError,
    ConferenceNameConflictError,
    MaxParticipantsReachedError,
    NotFoundError,
    ValidationError,
    telnyx,
)
from conferencing.telnyx import TelnyxClient

ROOT = "https://api.telnyx.com/v2"
CONFERENCES = f"{ROOT}/conferences"
CONF = f"{CONFERENCES}/conf-1"
OK = {"data": {"result": "ok"}}


def conference(conf_id: str = "conf-1", name: str = "Standup", **more: Any) -> dict[str, Any]:
    return {
        "record_type": "conference",
        "id": conf_id,
        "name": name,
        "created_at": "2019-01-23T18:10:02.574Z",
        "expires_at": "2019-01-23T22:10:02.574Z",
        **more,
    }


def participant(pid: str, ccid: str, **more: Any) -> dict[str, Any]:
    return {
        "record_type": "participant",
        "id": pid,
        "call_control_id": ccid,
        "call_leg_id": f"leg-{pid}",
        "conference": {"id": "conf-1", "name": "Standup"},
        "whisper_call_control_ids": [],
        "created_at": "2019-01-23T18:10:02.574Z",
        "updated_at": "2019-01-23T18:10:02.574Z",
        "end_conference_on_exit": False,
        "soft_end_conference_on_exit": False,
        "status": "joined",
        "muted": False,
        "on_hold": False,
        **more,
    }


@pytest.fixture
async def tx() -> AsyncIterator[TelnyxClient]:
    async with TelnyxClient(api_key="KEY") as client:
        yield client


def sent(http: aioresponses, method: str, url: str) -> list[Any]:
    """The JSON bodies sent to `url` with `method`, in order."""
    return [json.loads(c.kwargs["data"]) for c in http.requests.get((method, URL(url)), [])]


def queries(http: aioresponses) -> list[dict[str, str]]:
    """The query of every GET sent, in the order the keys were first used."""
    return [dict(url.query) for (method, url) in http.requests if method == "GET"]


# --- conferences ------------------------------------------------------------


async def test_get_conference_with_region(tx: TelnyxClient, http: aioresponses) -> None:
    """GET /conferences/{id}?region=... decodes the envelope into a Conference."""
    http.get(f"{CONF}?region=Europe", payload={"data": conference(status="in_progress")})

    conf = await tx.get_conference("conf-1", region="Europe")

    assert ("conf-1", "in_progress") == (conf.id, conf.status)
    assert datetime(2019, 1, 23, 18, 10, 2, 574000, tzinfo=UTC) == conf.created_at


async def test_get_conference_refuses_an_unknown_region(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """`region` is one of the documented regions."""
    with pytest.raises(ValidationError, match="region"):
        await tx.get_conference("conf-1", region="Mars")

    assert not http.requests


async def test_get_conference_not_found(tx: TelnyxClient, http: aioresponses) -> None:
    """404 is a NotFoundError."""
    http.get(f"{CONFERENCES}/nope", status=404, payload={"errors": [{"code": "10005"}]})

    with pytest.raises(NotFoundError):
        await tx.get_conference("nope")


def _paged(http: aioresponses, pattern: str, pages: list[list[dict[str, Any]]]) -> None:
    """Serve `pages` by `page[number]`, with meta saying how many there are."""

    def serve(url: URL, **_kwargs: Any) -> CallbackResult:
        number = int(url.query.get("page[number]", "1"))
        items = pages[number - 1] if number <= len(pages) else []
        meta = {
            "page_number": number,
            "page_size": 2,
            "total_pages": len(pages),
            "total_results": sum(len(p) for p in pages),
        }
        return CallbackResult(status=200, payload={"data": items, "meta": meta})

    http.get(re.compile(pattern), callback=serve, repeat=True)


async def test_list_conferences_fetches_pages_lazily_with_filters(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """Filters go as filter[...] and page[...]; page N+1 is asked for only when needed."""
    _paged(
        http,
        rf"^{re.escape(CONFERENCES)}\?",
        [
            [conference("a"), conference("b")],
            [conference("c"), conference("d")],
            [conference("e")],
        ],
    )

    pages = tx.list_conferences(name="Standup", status="in_progress", page_size=2)
    assert not http.requests
    first = await anext(pages)
    after_first = len(queries(http))
    rest = [conf.id async for conf in pages]

    assert "a" == first.id
    assert 1 == after_first
    assert ["b", "c", "d", "e"] == rest
    assert [
        {
            "filter[name]": "Standup",
            "filter[status]": "in_progress",
            "page[size]": "2",
            "page[number]": str(n),
        }
        for n in (1, 2, 3)
    ] == queries(http)
    assert telnyx.PageMeta(page_number=3, page_size=2, total_pages=3, total_results=5) == pages.meta


async def test_list_conferences_stops_at_an_empty_page(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """An empty page ends the listing even if meta claims more pages."""

    def serve(_url: URL, **_kwargs: Any) -> CallbackResult:
        meta = {"page_number": 1, "page_size": 20, "total_pages": 99, "total_results": 0}
        return CallbackResult(status=200, payload={"data": [], "meta": meta})

    http.get(re.compile(rf"^{re.escape(CONFERENCES)}\?"), callback=serve, repeat=True)

    found = [conf async for conf in tx.list_conferences()]

    assert [] == found
    assert 1 == len(queries(http))


async def test_list_conferences_stops_without_total_pages(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """An answer with no meta is a single page."""
    http.get(
        re.compile(rf"^{re.escape(CONFERENCES)}\?"),
        payload={"data": [conference("a")]},
        repeat=True,
    )

    found = [conf.id async for conf in tx.list_conferences()]

    assert ["a"] == found
    assert 1 == len(queries(http))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "active"},
        {"page_size": 0},
        {"page_size": 251},
        {"page_size": True},
        {"region": "Mars"},
        {"name": 3},
        {"page": 2},
    ],
)
def test_list_conferences_checks_filters_at_the_call(
    tx: TelnyxClient, http: aioresponses, fields: dict[str, Any]
) -> None:
    """Bad filters fail when the listing is made, before any iteration."""
    with pytest.raises(ValidationError):
        tx.list_conferences(**fields)


# --- commands ---------------------------------------------------------------


async def test_join_generates_and_returns_a_command_id(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """join sends the set fields and a fresh UUID command_id, and says which it used."""
    http.post(f"{CONF}/actions/join", payload=OK)

    result = await tx.join("conf-1", "v3:leg-2", mute=True, supervisor_role="whisper")

    [body] = sent(http, "POST", f"{CONF}/actions/join")
    assert "ok" == result.result
    assert body["command_id"] == result.command_id
    assert 4 == uuid.UUID(body["command_id"]).version
    assert {
        "call_control_id": "v3:leg-2",
        "mute": True,
        "supervisor_role": "whisper",
        "command_id": result.command_id,
    } == body


async def test_join_keeps_the_callers_command_id(tx: TelnyxClient, http: aioresponses) -> None:
    """A command_id given is sent as is, so the caller can repeat a join safely."""
    http.post(f"{CONF}/actions/join", payload=OK)
    request = telnyx.JoinRequest(call_control_id="v3:leg-2", command_id="mine-1")

    result = await tx.join("conf-1", request)

    assert "mine-1" == result.command_id
    assert "mine-1" == sent(http, "POST", f"{CONF}/actions/join")[0]["command_id"]


@pytest.mark.parametrize(
    "fields",
    [
        {"supervisor_role": "boss"},
        {"hold_audio_url": "https://x.example/a.wav", "hold_media_name": "music"},
        {"client_state": "not base64!"},
        {"beep_enabled": "sometimes"},
        {"whisper_call_control_ids": "v3:a"},
        {"mute": "yes"},
        {"region": "Mars"},
    ],
)
def test_join_rules(fields: dict[str, Any]) -> None:
    """JoinRequest enforces the documented enums, Base64 and the hold audio exclusion."""
    with pytest.raises(ValidationError):
        telnyx.JoinRequest(call_control_id="v3:leg", **fields)


@pytest.mark.parametrize(
    ("code", "error"),
    [("90032", MaxParticipantsReachedError), ("90019", ConferenceEndedError)],
)
async def test_join_refusals_map_to_typed_errors(
    tx: TelnyxClient, http: aioresponses, code: str, error: type[Exception]
) -> None:
    """Telnyx's 422 codes for a full or ended conference raise their own classes."""
    http.post(f"{CONF}/actions/join", status=422, payload={"errors": [{"code": code}]})

    with pytest.raises(error):
        await tx.join("conf-1", "v3:leg-2")


async def test_leave_and_end_carry_command_ids(tx: TelnyxClient, http: aioresponses) -> None:
    """leave and end are commands with generated command_ids too."""
    http.post(f"{CONF}/actions/leave", payload=OK)
    http.post(f"{CONF}/actions/end", payload=OK)

    left = await tx.leave("conf-1", "v3:leg-2", beep_enabled="on_exit")
    ended = await tx.end_conference("conf-1")

    assert [
        {"call_control_id": "v3:leg-2", "beep_enabled": "on_exit", "command_id": left.command_id}
    ] == sent(http, "POST", f"{CONF}/actions/leave")
    assert [{"command_id": ended.command_id}] == sent(http, "POST", f"{CONF}/actions/end")
    assert left.command_id != ended.command_id


async def test_mute_unmute_everyone_or_some(tx: TelnyxClient, http: aioresponses) -> None:
    """mute with no ids sends {} (everyone); with ids, only those; unmute likewise."""
    http.post(f"{CONF}/actions/mute", payload=OK, repeat=True)
    http.post(f"{CONF}/actions/unmute", payload=OK)

    await tx.mute("conf-1")
    await tx.mute("conf-1", call_control_ids=["v3:a", "v3:b"])
    result = await tx.unmute("conf-1", telnyx.UnmuteRequest(call_control_ids=["v3:a"]))

    assert [{}, {"call_control_ids": ["v3:a", "v3:b"]}] == sent(
        http, "POST", f"{CONF}/actions/mute"
    )
    assert [{"call_control_ids": ["v3:a"]}] == sent(http, "POST", f"{CONF}/actions/unmute")
    assert telnyx.CommandResult(result="ok") == result


async def test_hold_and_unhold(tx: TelnyxClient, http: aioresponses) -> None:
    """hold sends the ids (none: everyone) and audio_url or media_name; unhold the required ids."""
    http.post(f"{CONF}/actions/hold", payload=OK, repeat=True)
    http.post(f"{CONF}/actions/unhold", payload=OK)

    await tx.hold("conf-1", call_control_ids=["v3:a"], audio_url="https://x.example/a.mp3")
    await tx.hold("conf-1")
    await tx.hold("conf-1", call_control_ids=[], media_name="hold_music")
    await tx.unhold("conf-1", call_control_ids=["v3:a"])

    assert [
        {"call_control_ids": ["v3:a"], "audio_url": "https://x.example/a.mp3"},
        {},
        {"call_control_ids": [], "media_name": "hold_music"},
    ] == sent(http, "POST", f"{CONF}/actions/hold")
    assert [{"call_control_ids": ["v3:a"]}] == sent(http, "POST", f"{CONF}/actions/unhold")


@pytest.mark.parametrize(
    ("cls", "fields"),
    [
        (telnyx.HoldRequest, {"audio_url": "https://x.example/a.mp3", "media_name": "m"}),
        (telnyx.HoldRequest, {"audio_url": "file:///etc/passwd"}),
        (telnyx.UnholdRequest, {"call_control_ids": []}),
        (telnyx.MuteRequest, {"call_control_ids": "v3:a"}),
        (telnyx.MuteRequest, {"call_control_ids": ["v3:a", ""]}),
        (telnyx.UpdateParticipantRequest, {}),
        (telnyx.UpdateParticipantRequest, {"beep_enabled": "loud"}),
        (telnyx.LeaveRequest, {"call_control_id": ""}),
    ],
)
def test_command_rules(cls: type[Any], fields: dict[str, Any]) -> None:
    """audio_url xor media_name, unhold needs ids, updates must set something."""
    with pytest.raises(ValidationError):
        cls(**fields)


async def test_unhold_without_ids_is_refused(tx: TelnyxClient, http: aioresponses) -> None:
    """call_control_ids is required by unhold; nothing is sent without it."""
    with pytest.raises(ValidationError, match="call_control_ids is required"):
        await tx.unhold("conf-1")  # type: ignore[call-overload]

    assert not http.requests


# --- participants -----------------------------------------------------------


async def test_list_participants_pages_and_filters(tx: TelnyxClient, http: aioresponses) -> None:
    """Participant filters go as filter[muted]=true ...; every page is read in turn."""
    url = f"{CONF}/participants"
    _paged(
        http,
        rf"^{re.escape(url)}\?",
        [[participant("p1", "v3:a"), participant("p2", "v3:b")], [participant("p3", "v3:c")]],
    )

    found = [p async for p in tx.list_participants("conf-1", muted=False, on_hold=True)]

    assert ["v3:a", "v3:b", "v3:c"] == [p.call_control_id for p in found]
    assert telnyx.ConferenceSummary(id="conf-1", name="Standup") == found[0].conference
    assert [
        {"filter[muted]": "false", "filter[on_hold]": "true", "page[number]": "1"},
        {"filter[muted]": "false", "filter[on_hold]": "true", "page[number]": "2"},
    ] == queries(http)


async def test_get_and_update_participant(tx: TelnyxClient, http: aioresponses) -> None:
    """GET reads one participant; PATCH sends the set fields as JSON."""
    url = f"{CONF}/participants/p1"
    http.get(url, payload={"data": participant("p1", "v3:a", muted=True)})
    http.patch(url, payload={"data": participant("p1", "v3:a", end_conference_on_exit=True)})

    got = await tx.get_participant("conf-1", "p1")
    updated = await tx.update_participant("conf-1", "p1", end_conference_on_exit=True)

    assert got.muted is True
    assert updated.end_conference_on_exit is True
    assert [{"end_conference_on_exit": True}] == sent(http, "PATCH", url)


# --- ids in paths and idempotency ---------------------------------------------

BAD_IDS = ["a/b", "..", "a?b", "a#b", "a%2Fb", "a b", "a\r\nb", ""]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(
    "call",
    [
        lambda tx, bad: tx.get_conference(bad),
        lambda tx, bad: tx.join(bad, "v3:a"),
        lambda tx, bad: tx.leave(bad, "v3:a"),
        lambda tx, bad: tx.mute(bad),
        lambda tx, bad: tx.unmute(bad),
        lambda tx, bad: tx.hold(bad, call_control_ids=["v3:a"]),
        lambda tx, bad: tx.unhold(bad, call_control_ids=["v3:a"]),
        lambda tx, bad: tx.end_conference(bad),
        lambda tx, bad: tx.get_participant(bad, "p1"),
        lambda tx, bad: tx.get_participant("conf-1", bad),
        lambda tx, bad: tx.update_participant("conf-1", bad, beep_enabled="never"),
    ],
)
async def test_ids_that_would_change_the_path_are_refused(
    tx: TelnyxClient,
    http: aioresponses,
    call: Callable[[TelnyxClient, str], Coroutine[Any, Any, object]],
    bad: str,
) -> None:
    """An id with '/', '..', '?', '#', '%', spaces or CR/LF never reaches a URL."""
    with pytest.raises(ValidationError):
        await call(tx, bad)

    assert not http.requests


@pytest.mark.parametrize("bad", BAD_IDS)
def test_listing_participants_of_a_bad_id_is_refused_at_the_call(
    tx: TelnyxClient, bad: str
) -> None:
    """list_participants checks the conference id before returning the iterator."""
    with pytest.raises(ValidationError):
        tx.list_participants(bad)


@pytest.mark.parametrize(
    ("call", "method", "idempotent"),
    [
        (lambda tx: tx.get_conference("c"), "GET", True),
        (lambda tx: tx.join("c", "v3:a"), "POST", True),
        (lambda tx: tx.leave("c", "v3:a"), "POST", True),
        (lambda tx: tx.end_conference("c"), "POST", True),
        (lambda tx: tx.mute("c"), "POST", True),
        (lambda tx: tx.unhold("c", call_control_ids=["v3:a"]), "POST", True),
        (lambda tx: tx.get_participant("c", "p"), "GET", True),
        (lambda tx: tx.update_participant("c", "p", beep_enabled="never"), "PATCH", True),
    ],
)
async def test_every_call_goes_through_the_one_send_path(
    tx: TelnyxClient,
    monkeypatch: pytest.MonkeyPatch,
    call: Callable[[TelnyxClient], Coroutine[Any, Any, object]],
    method: str,
    idempotent: bool,
) -> None:
    """Each method calls BaseClient._send, saying whether it is safe to repeat."""
    seen: list[tuple[str, bool]] = []

    async def fake_send(_self: TelnyxClient, m: str, _url: str, *_args: Any, **kwargs: Any) -> Any:
        seen.append((m, kwargs.get("idempotent", False)))
        return telnyx.CommandResult(result="ok")

    monkeypatch.setattr(TelnyxClient, "_send", fake_send)

    await call(tx)

    assert [(method, idempotent)] == seen


# --- the recipe -------------------------------------------------------------


def _recipe_server(http: aioresponses, *, refuse: str | None = None) -> None:
    http.post(CONFERENCES, payload={"data": conference()})

    def join(_url: URL, **kwargs: Any) -> CallbackResult:
        if json.loads(kwargs["data"])["call_control_id"] == refuse:
            return CallbackResult(status=422, payload={"errors": [{"code": "90018"}]})
        return CallbackResult(status=200, payload=OK)

    http.post(f"{CONF}/actions/join", callback=join, repeat=True)


async def test_recipe_creates_with_the_first_leg_and_joins_the_rest(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """The first leg creates the conference; the others join, each with its own command_id."""
    _recipe_server(http)
    legs = ["v3:a", "v3:b", "v3:c"]

    result = await tx.start_conference_call(
        name="Standup",
        call_control_ids=legs,
        max_participants=3,
        conference_options={"beep_enabled": "always"},
        join_options={"mute": True},
    )

    assert result.ok
    assert "conf-1" == result.conference.id
    assert legs == [leg.call_control_id for leg in result.legs]
    assert [True, False, False] == [leg.created for leg in result.legs]
    [create] = sent(http, "POST", CONFERENCES)
    assert {
        "call_control_id": "v3:a",
        "name": "Standup",
        "max_participants": 3,
        "beep_enabled": "always",
        "command_id": result.legs[0].command_id,
    } == create
    joins = sent(http, "POST", f"{CONF}/actions/join")
    assert {("v3:b", True), ("v3:c", True)} == {(j["call_control_id"], j["mute"]) for j in joins}
    command_ids = {leg.command_id for leg in result.legs}
    assert 3 == len(command_ids)
    assert {j["command_id"] for j in joins} < command_ids


async def test_recipe_reports_a_leg_that_cannot_join(tx: TelnyxClient, http: aioresponses) -> None:
    """A refused join is reported on its leg; the others still join."""
    _recipe_server(http, refuse="v3:b")

    result = await tx.start_conference_call(
        name="Standup", call_control_ids=["v3:a", "v3:b", "v3:c"]
    )

    assert ["v3:b"] == [leg.call_control_id for leg in result.failed]
    assert ["v3:a", "v3:c"] == [leg.call_control_id for leg in result.joined]
    assert "90018" == getattr(result.failed[0].error, "code", None)


async def test_recipe_raises_when_the_conference_cannot_be_created(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """A name conflict on create is raised; no join is attempted."""
    http.post(CONFERENCES, status=422, payload={"errors": [{"code": "90033"}]})

    with pytest.raises(ConferenceNameConflictError):
        await tx.start_conference_call(name="Standup", call_control_ids=["v3:a", "v3:b"])

    assert [("POST", URL(CONFERENCES))] == list(http.requests)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"call_control_ids": ["v3:a", "v3:b", "v3:c"], "max_participants": 2}, "exceed"),
        ({"call_control_ids": [f"v3:{i}" for i in range(251)]}, "250"),
        ({"call_control_ids": []}, "at least one"),
        ({"call_control_ids": ["v3:a", "v3:a"]}, "more than once"),
        ({"call_control_ids": ["v3:a"], "max_participants": 801}, "max_participants"),
        ({"call_control_ids": ["v3:a"], "join_options": {"command_id": "x"}}, "command_id"),
        ({"call_control_ids": ["v3:a"], "join_options": {"supervisor_role": "x"}}, "supervisor"),
        ({"call_control_ids": ["v3:a"], "conference_options": {"name": "x"}}, "name"),
    ],
)
async def test_recipe_checks_everything_before_sending(
    tx: TelnyxClient, http: aioresponses, kwargs: dict[str, Any], match: str
) -> None:
    """Too many legs for max_participants (250 by default) and bad options send nothing."""
    with pytest.raises(ValidationError, match=match):
        await tx.start_conference_call(name="Standup", **kwargs)

    assert not http.requests


async def test_recipe_accepts_exactly_max_participants(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """As many legs as max_participants is allowed."""
    _recipe_server(http)

    result = await tx.start_conference_call(
        name="Standup", call_control_ids=["v3:a", "v3:b"], max_participants=2
    )

    assert 2 == len(result.joined)


@given(st.integers(min_value=-1000, max_value=1000))
def test_page_size_is_one_to_two_hundred_fifty(value: int) -> None:
    """page[size] accepts exactly 1..250, for both listings."""
    for cls in (telnyx.ListConferencesRequest, telnyx.ListParticipantsRequest):
        if 1 <= value <= 250:
            assert str(value) == cls(page_size=value).query()["page[size]"]
        else:
            with pytest.raises(ValidationError, match=r"1\.\.250"):
                cls(page_size=value)
