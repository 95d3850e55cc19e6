"""The emulator's Catapult v1 side: auth, validation, conferences, calls, members, audio."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import aiohttp
import pytest
from emulator_wire import FROM, TO, Answer, CatapultWire, basic

from conferencing.emulator import Emulator, RateLimit, RateLimits

pytest_plugins = ["emulator_fixtures"]

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def _problem(answer: Answer) -> tuple[int, str, str]:
    return answer.status, answer.body["category"], answer.body["code"]


def _detail(answer: Answer, name: str) -> str:
    values = [str(item["value"]) for item in answer.body["details"] if item["name"] == name]
    return values[0]


# --- auth ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer x", "Basic !!!", basic("wrong", "wrong"), "Basic " + "dXNlcg=="],
)
async def test_bad_credentials_are_401(catapult_wire: CatapultWire, authorization: str) -> None:
    """Missing or wrong credentials are 401 in the documented body shape."""
    answer = await catapult_wire.call(
        "POST", "/conferences", {"from": FROM}, authorization=authorization or "None"
    )
    assert (401, "authorization", "unauthorized") == _problem(answer)
    assert answer.body["message"]
    assert "POST" == _detail(answer, "requestMethod")
    assert [] == catapult_wire.emu.catapult_conferences()


async def test_the_token_and_secret_must_both_match(catapult_wire: CatapultWire) -> None:
    """The right token with a wrong secret is refused."""
    wrong = basic(catapult_wire.emu.catapult_api_token, "not-the-secret")
    answer = await catapult_wire.call("GET", "/conferences/c-1", authorization=wrong)
    assert 401 == answer.status


async def test_another_user_id_is_401_user_access_denied(catapult_wire: CatapultWire) -> None:
    """Good credentials on another user's path are 401 user-access-denied."""
    answer = await catapult_wire.call("POST", "/conferences", {"from": FROM}, user="u-someone-else")
    assert (401, "authorization", "user-access-denied") == _problem(answer)
    assert "u-someone-else" in answer.body["message"]


# --- create and get -----------------------------------------------------------------


async def test_create_answers_201_with_a_relative_location_and_no_body(
    catapult_wire: CatapultWire,
) -> None:
    """Create is 201, no body, and a Location of the documented relative form."""
    answer = await catapult_wire.call("POST", "/conferences", {"from": FROM})
    assert (201, b"") == (answer.status, answer.raw)
    location = answer.headers["Location"]
    assert re.fullmatch(rf"{catapult_wire.root}/conferences/conf-[a-z2-7]{{23}}", location)
    assert 1 == catapult_wire.emu.stats.catapult_conferences_created


async def test_get_shows_the_documented_fields(catapult_wire: CatapultWire) -> None:
    """GET shows id, state created, from, createdTime, activeMembers, profile and settings."""
    conference_id = await catapult_wire.conference(callbackUrl="http://my.callback.url", tag="t")
    body = await catapult_wire.get(f"/conferences/{conference_id}")
    assert TIMESTAMP.fullmatch(body.pop("createdTime"))
    assert {
        "id": conference_id,
        "state": "created",
        "from": FROM,
        "activeMembers": 0,
        "hold": False,
        "mute": False,
        "profile": "interpret_digits",
        "callbackUrl": "http://my.callback.url",
        "tag": "t",
    } == body


async def test_absolute_locations_on_request(http_session: aiohttp.ClientSession) -> None:
    """With catapult_absolute_locations, Location is a full URL."""
    async with Emulator(catapult_absolute_locations=True) as local_emulator:
        answer = await CatapultWire(http_session, local_emulator).call(
            "POST", "/conferences", {"from": FROM}
        )
        assert answer.headers["Location"].startswith(local_emulator.base_url + "/v1/users/")


async def test_the_docs_string_example_is_accepted(catapult_wire: CatapultWire) -> None:
    """The documented example, callbackTimeout "2000" as a string, is accepted as 2000."""
    conference_id = await catapult_wire.conference(
        callbackUrl="http://my.callback.url",
        callbackTimeout="2000",
        fallbackUrl="http://my.fallback.url",
        profile="passthru_digits",
    )
    body = await catapult_wire.get(f"/conferences/{conference_id}")
    assert (2000, "passthru_digits") == (body["callbackTimeout"], body["profile"])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be greater than 0"),
        ("0", "must be greater than 0"),
        (10001, "exceeds the limit of 10000"),
        ("abc", "must be an integer"),
        (True, "must be an integer"),
        (1.5, "must be an integer"),
    ],
)
async def test_callback_timeout_out_of_range(
    catapult_wire: CatapultWire, value: object, message: str
) -> None:
    """callbackTimeout outside 1..10000 is a 400 validation-error naming the property."""
    answer = await catapult_wire.call(
        "POST", "/conferences", {"from": FROM, "callbackTimeout": value}
    )
    assert (400, "bad-request", "validation-error") == _problem(answer)
    assert f"The conference resource property callbackTimeout {message}" == answer.body["message"]
    assert "callbackTimeout" == answer.body["details"][0]["name"]


@pytest.mark.parametrize("value", [1, 10000, "1", "10000"])
async def test_callback_timeout_bounds_are_accepted(
    catapult_wire: CatapultWire, value: object
) -> None:
    """callbackTimeout 1 and 10000, as numbers or strings, are accepted."""
    assert (
        201
        == (
            await catapult_wire.call(
                "POST", "/conferences", {"from": FROM, "callbackTimeout": value}
            )
        ).status
    )


@pytest.mark.parametrize(
    ("body", "name", "message"),
    [
        ({}, "from", "The conference resource property from is required"),
        ({"from": None}, "from", "The conference resource property from is required"),
        ({"from": "5551234567"}, "from", "Invalid phone number"),
        ({"from": "+0123"}, "from", "Invalid phone number"),
        ({"from": "+1234567890123456"}, "from", "Invalid phone number"),
        ({"from": 15551234567}, "from", "The conference resource property from must be a string"),
        (
            {"from": FROM, "callbackHttpMethod": "PUT"},
            "callbackHttpMethod",
            (
                "The conference resource property callbackHttpMethod must be one of the "
                "following values: GET, POST"
            ),
        ),
        (
            {"from": FROM, "profile": "loud"},
            "profile",
            (
                "The conference resource property profile must be one of the following "
                "values: interpret_digits, passthru_digits"
            ),
        ),
        (
            {"from": FROM, "callbackUrl": "my.callback.url"},
            "callbackUrl",
            "Invalid callbackUrl URL. callbackUrl is not a valid URL",
        ),
        (
            {"from": FROM, "fallbackUrl": "ftp://x"},
            "fallbackUrl",
            "Invalid fallbackUrl URL. fallbackUrl is not a valid URL",
        ),
    ],
)
async def test_create_validation(
    catapult_wire: CatapultWire, body: dict[str, Any], name: str, message: str
) -> None:
    """Each documented rule on create refuses with a validation-error naming the property."""
    answer = await catapult_wire.call("POST", "/conferences", body)
    assert (400, "validation-error") == (answer.status, answer.body["code"])
    assert message == answer.body["message"]
    assert name == answer.body["details"][0]["name"]
    assert 0 == catapult_wire.emu.stats.catapult_conferences_created


async def test_null_is_an_unset_property(catapult_wire: CatapultWire) -> None:
    """JSON null properties are unset, as the old SDK sends them."""
    body = {
        "from": FROM,
        "callbackUrl": None,
        "callbackHttpMethod": None,
        "callbackTimeout": None,
        "fallbackUrl": None,
        "profile": None,
        "tag": None,
    }
    conference_id = await catapult_wire.created("/conferences", body)
    conference = await catapult_wire.get(f"/conferences/{conference_id}")
    assert "callbackUrl" not in conference
    assert "interpret_digits" == conference["profile"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_callback_http_method_values(catapult_wire: CatapultWire, method: str) -> None:
    """GET and POST are the callbackHttpMethod values."""
    conference_id = await catapult_wire.conference(callbackHttpMethod=method)
    assert (
        method == (await catapult_wire.get(f"/conferences/{conference_id}"))["callbackHttpMethod"]
    )


@pytest.mark.parametrize("data", [b"{oops", b"[]", b"42"])
async def test_malformed_json_is_bad_parameters(catapult_wire: CatapultWire, data: bytes) -> None:
    """A body that is not a JSON object is 400 "Bad parameters"."""
    answer = await catapult_wire.call("POST", "/conferences", data=data)
    assert (400, "validation-error", "Bad parameters") == (
        answer.status,
        answer.body["code"],
        answer.body["message"],
    )


async def test_unknown_things_are_404(catapult_wire: CatapultWire) -> None:
    """Unknown conferences, members, calls and routes are 404 with their codes."""
    conference_id = await catapult_wire.conference()
    for path, code in [
        ("/conferences/c-missing", "conference-not-found"),
        ("/conferences/c-missing/members", "conference-not-found"),
        (f"/conferences/{conference_id}/members/member-x", "conference-member-not-found"),
        ("/calls/c-missing", "call-not-found"),
        ("/conferences", "resource-not-found"),
        ("/bridges", "resource-not-found"),
    ]:
        answer = await catapult_wire.call("GET", path)
        assert (404, "not-found", code) == _problem(answer)


# --- calls ------------------------------------------------------------------------


async def test_create_call_answers_201_and_get_shows_it_active(catapult_wire: CatapultWire) -> None:
    """A call created with conferenceId rings (started), then is answered: state active."""
    conference_id = await catapult_wire.conference()
    answer = await catapult_wire.call(
        "POST", "/calls", {"from": FROM, "to": TO, "conferenceId": conference_id}
    )
    assert 201 == answer.status
    call_id = answer.headers["Location"].rsplit("/", 1)[-1]
    assert re.fullmatch(r"c-[a-z2-7]{23}", call_id)
    assert f"{catapult_wire.root}/calls/{call_id}" == answer.headers["Location"]
    ringing = await catapult_wire.get(f"/calls/{call_id}")
    assert ("started", None) == (ringing["state"], ringing.get("activeTime"))
    call = await catapult_wire.wait_for_state(call_id, "active")
    assert TIMESTAMP.fullmatch(call["activeTime"])
    assert (call_id, "active", conference_id, FROM, TO) == (
        call["id"],
        call["state"],
        call["conferenceId"],
        call["from"],
        call["to"],
    )
    assert 1 == catapult_wire.emu.stats.catapult_calls_created


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"to": "sip:someone@somewhere.com"}, 201, None),
        ({"to": None}, 400, "validation-error"),
        ({"to": "12345"}, 400, "validation-error"),
        ({"callTimeout": 300}, 201, None),
        ({"callTimeout": "301"}, 400, "validation-error"),
        ({"recordingEnabled": "true"}, 201, None),
        ({"recordingEnabled": "yes"}, 400, "validation-error"),
        ({"recordingFileFormat": "ogg"}, 400, "validation-error"),
        ({"sipHeaders": {"X-Header-1": "value1"}}, 201, None),
        ({"sipHeaders": {"Header": "value"}}, 400, "validation-error"),
        ({"conferenceId": "conf-missing"}, 403, "invalid-call-conference-id"),
    ],
)
async def test_create_call_validation(
    catapult_wire: CatapultWire, fields: dict[str, Any], status: int, code: str | None
) -> None:
    """Create call checks to, callTimeout, booleans, formats, SIP headers and the conference."""
    answer = await catapult_wire.call("POST", "/calls", {"from": FROM, "to": TO, **fields})
    assert status == answer.status
    if code is not None:
        assert code == answer.body["code"]


# --- members ------------------------------------------------------------------------


async def test_members_join_and_the_conference_becomes_active(catapult_wire: CatapultWire) -> None:
    """Adding members answers 201 with their Location; the conference turns active."""
    conference_id = await catapult_wire.conference()
    call_id = await catapult_wire.new_call(conference_id)
    answer = await catapult_wire.call(
        "POST",
        f"/conferences/{conference_id}/members",
        {"callId": call_id, "joinTone": "false", "leavingTone": "true", "mute": True},
    )
    assert 201 == answer.status
    member_id = answer.headers["Location"].rsplit("/", 1)[-1]
    assert member_id.startswith("member-")
    assert (
        f"{catapult_wire.root}/conferences/{conference_id}/members/{member_id}"
        == answer.headers["Location"]
    )
    for _ in range(2):
        await catapult_wire.member(conference_id)
    conference = await catapult_wire.get(f"/conferences/{conference_id}")
    assert ("active", 3) == (conference["state"], conference["activeMembers"])
    member = await catapult_wire.get(f"/conferences/{conference_id}/members/{member_id}")
    assert TIMESTAMP.fullmatch(member.pop("addedTime"))
    assert {
        "id": member_id,
        "state": "active",
        "mute": True,
        "hold": False,
        "joinTone": False,
        "leavingTone": True,
        "call": f"{catapult_wire.emu.base_url}{catapult_wire.root}/calls/{call_id}",
    } == member
    members = await catapult_wire.get(f"/conferences/{conference_id}/members")
    assert 3 == len(members)
    assert 3 == catapult_wire.emu.stats.catapult_members_added


async def test_the_21st_member_is_conference_max_members(catapult_wire: CatapultWire) -> None:
    """A conference holds 20 members; the 21st is 403 conference-max-members."""
    conference_id = await catapult_wire.conference()
    for _ in range(20):
        await catapult_wire.member(conference_id)
    call_id = await catapult_wire.new_call(conference_id)
    answer = await catapult_wire.call(
        "POST", f"/conferences/{conference_id}/members", {"callId": call_id}
    )
    assert (403, "limit", "conference-max-members") == _problem(answer)
    assert conference_id in answer.body["message"]


async def test_a_call_of_another_conference_cannot_join(catapult_wire: CatapultWire) -> None:
    """A call created for conference A is 403 invalid-call-conference-id in conference B."""
    first, second = await catapult_wire.conference(), await catapult_wire.conference()
    call_id = await catapult_wire.new_call(first)
    answer = await catapult_wire.call("POST", f"/conferences/{second}/members", {"callId": call_id})
    assert (403, "forbidden", "invalid-call-conference-id") == _problem(answer)
    call_without = await catapult_wire.new_call(None)
    answer = await catapult_wire.call(
        "POST", f"/conferences/{second}/members", {"callId": call_without}
    )
    assert "invalid-call-conference-id" == answer.body["code"]


async def test_member_add_checks_the_call(catapult_wire: CatapultWire) -> None:
    """An unknown callId is 403 call-id-not-found, a missing one 400, a repeated one 409."""
    conference_id = await catapult_wire.conference()
    path = f"/conferences/{conference_id}/members"
    answer = await catapult_wire.call("POST", path, {"callId": "c-nope"})
    assert (403, "call-id-not-found") == (answer.status, answer.body["code"])
    answer = await catapult_wire.call("POST", path, {})
    assert (400, "validation-error") == (answer.status, answer.body["code"])
    call_id = await catapult_wire.new_call(conference_id)
    await catapult_wire.created(path, {"callId": call_id})
    answer = await catapult_wire.call("POST", path, {"callId": call_id})
    assert (409, "conflict", "duplicate-conference-member") == _problem(answer)
    answer = await catapult_wire.call(
        "POST", path, {"callId": await catapult_wire.new_call(conference_id), "hold": "no"}
    )
    assert (400, "validation-error") == (answer.status, answer.body["code"])


async def test_member_updates_and_the_last_one_leaving_completes(
    catapult_wire: CatapultWire,
) -> None:
    """Members can be muted and removed; when the last leaves the conference completes."""
    conference_id = await catapult_wire.conference()
    first, second = (
        await catapult_wire.member(conference_id),
        await catapult_wire.member(conference_id),
    )
    path = f"/conferences/{conference_id}/members/"
    assert (
        200
        == (await catapult_wire.call("POST", path + first, {"mute": "true", "hold": True})).status
    )
    member = await catapult_wire.get(path + first)
    assert (True, True) == (member["mute"], member["hold"])
    assert 200 == (await catapult_wire.call("POST", path + first, {"state": "completed"})).status
    member = await catapult_wire.get(path + first)
    assert "completed" == member["state"]
    assert TIMESTAMP.fullmatch(member["removedTime"])
    conference = await catapult_wire.get(f"/conferences/{conference_id}")
    assert ("active", 1) == (conference["state"], conference["activeMembers"])
    answer = await catapult_wire.call("POST", path + first, {"mute": False})
    assert (403, "conference-error") == (answer.status, answer.body["code"])
    answer = await catapult_wire.call("POST", path + second, {"state": "gone"})
    assert (400, "validation-error") == (answer.status, answer.body["code"])
    await catapult_wire.call("POST", path + second, {"state": "completed"})
    conference = await catapult_wire.get(f"/conferences/{conference_id}")
    assert ("completed", 0) == (conference["state"], conference["activeMembers"])
    assert TIMESTAMP.fullmatch(conference["completedTime"])


async def test_completing_a_conference_ends_it_for_good(catapult_wire: CatapultWire) -> None:
    """state=completed ends it; then members, calls, audio and updates are conference-error."""
    conference_id = await catapult_wire.conference()
    member_id = await catapult_wire.member(conference_id)
    assert (
        200
        == (
            await catapult_wire.call(
                "POST", f"/conferences/{conference_id}", {"state": "completed"}
            )
        ).status
    )
    assert "completed" == (await catapult_wire.get(f"/conferences/{conference_id}"))["state"]
    member = await catapult_wire.get(f"/conferences/{conference_id}/members/{member_id}")
    assert "completed" == member["state"]
    for path, body in [
        (f"/conferences/{conference_id}/members", {"callId": "c-any"}),
        ("/calls", {"from": FROM, "to": TO, "conferenceId": conference_id}),
        (f"/conferences/{conference_id}/audio", {"sentence": "hi"}),
        (f"/conferences/{conference_id}", {"mute": True}),
        (f"/conferences/{conference_id}", {"state": "completed"}),
    ]:
        answer = await catapult_wire.call("POST", path, body)
        assert (403, "forbidden", "conference-error") == _problem(answer)
        assert "Invalid conference state completed" in answer.body["message"]


async def test_conference_update(catapult_wire: CatapultWire) -> None:
    """Update changes mute, hold and callbacks, and validates like create."""
    conference_id = await catapult_wire.conference()
    path = f"/conferences/{conference_id}"
    body = {"mute": "true", "hold": False, "callbackTimeout": "500", "tag": "x"}
    assert 200 == (await catapult_wire.call("POST", path, body)).status
    conference = await catapult_wire.get(path)
    assert (True, False, 500, "x") == (
        conference["mute"],
        conference["hold"],
        conference["callbackTimeout"],
        conference["tag"],
    )
    for bad in [{"state": "active"}, {"callbackTimeout": 10001}, {"mute": "maybe"}]:
        answer = await catapult_wire.call("POST", path, bad)
        assert (400, "validation-error") == (answer.status, answer.body["code"])


async def test_hanging_up_the_last_call_completes_the_conference(
    catapult_wire: CatapultWire,
) -> None:
    """hang_up_catapult_call ends the member; an empty conference completes."""
    conference_id = await catapult_wire.conference()
    call_id = await catapult_wire.new_call(conference_id)
    await catapult_wire.created(f"/conferences/{conference_id}/members", {"callId": call_id})
    catapult_wire.emu.hang_up_catapult_call(call_id)
    assert "completed" == (await catapult_wire.get(f"/calls/{call_id}"))["state"]
    assert "completed" == (await catapult_wire.get(f"/conferences/{conference_id}"))["state"]
    other = await catapult_wire.conference()
    ended = await catapult_wire.new_call(other)
    catapult_wire.emu.hang_up_catapult_call(ended)
    answer = await catapult_wire.call("POST", f"/conferences/{other}/members", {"callId": ended})
    assert (403, "call-invalid-state") == (answer.status, answer.body["code"])


# --- audio ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"fileUrl": "http://myurl.com/file.mp3", "loopEnabled": "true"}, 200),
        ({"fileUrl": ""}, 200),
        ({"sentence": ""}, 200),
        ({"sentence": "Hello", "gender": "female", "locale": "en_US", "voice": "kate"}, 200),
        ({"sentence": "Hola", "gender": "male", "locale": "es", "voice": "Jorge"}, 200),
        ({}, 400),
        ({"fileUrl": "not-a-url"}, 400),
        ({"fileUrl": "http://a/b.wav", "sentence": "both"}, 400),
        ({"sentence": "x" * 1000}, 200),
        ({"sentence": "x" * 1001}, 400),
        ({"sentence": "hi", "voice": "HAL"}, 400),
        ({"sentence": "hi", "locale": "xx"}, 400),
        ({"sentence": "hi", "gender": "robot"}, 400),
    ],
)
async def test_play_audio(catapult_wire: CatapultWire, body: dict[str, Any], status: int) -> None:
    """Conference audio takes fileUrl or sentence (empty stops) with valid voice options."""
    conference_id = await catapult_wire.conference()
    answer = await catapult_wire.call("POST", f"/conferences/{conference_id}/audio", body)
    assert status == answer.status, answer.body
    if status == 400:
        assert "validation-error" == answer.body["code"]


async def test_play_audio_to_a_member(catapult_wire: CatapultWire) -> None:
    """Audio to one member works while it is active, not after it left."""
    conference_id = await catapult_wire.conference()
    keep, leave = (
        await catapult_wire.member(conference_id),
        await catapult_wire.member(conference_id),
    )
    path = f"/conferences/{conference_id}/members/"
    assert (
        200 == (await catapult_wire.call("POST", path + keep + "/audio", {"sentence": "hi"})).status
    )
    await catapult_wire.call("POST", path + leave, {"state": "completed"})
    answer = await catapult_wire.call("POST", path + leave + "/audio", {"sentence": "hi"})
    assert (403, "conference-error") == (answer.status, answer.body["code"])


# --- rate limits --------------------------------------------------------------------


async def test_conference_rate_limit_is_429_with_reset_in_epoch_ms(
    http_session: aiohttp.ClientSession,
) -> None:
    """Over the /conferences limit: 429 rate-limit-reached, X-RateLimit-Reset, not executed."""
    limits = RateLimits(catapult_conferences=RateLimit(1, 300))
    async with Emulator(rate_limits=limits) as local_emulator:
        wire = CatapultWire(http_session, local_emulator)
        await wire.conference()
        before = time.time() * 1000
        answer = await wire.call("POST", "/conferences", {"from": FROM})
        assert (429, "too-many-requests", "rate-limit-reached") == _problem(answer)
        assert "message" not in answer.body
        reset = int(answer.headers["X-RateLimit-Reset"])
        assert before - 50 <= reset <= before + 350
        assert str(reset) == _detail(answer, "rateLimitResetTime")
        assert (1, 1) == (
            local_emulator.stats.catapult_conferences_created,
            local_emulator.stats.rate_limited,
        )
        await asyncio.sleep(max(0.0, reset / 1000 - time.time()) + 0.02)
        assert 201 == (await wire.call("POST", "/conferences", {"from": FROM})).status


async def test_call_rate_limit_is_403_call_rate_limit(http_session: aiohttp.ClientSession) -> None:
    """Over the /calls limit, creating a call is 403 call-rate-limit; reading one is 429."""
    async with Emulator(
        rate_limits=RateLimits(catapult_calls=RateLimit(2, 60_000))
    ) as local_emulator:
        wire = CatapultWire(http_session, local_emulator)
        call_id = await wire.new_call(None)
        await wire.get(f"/calls/{call_id}")
        answer = await wire.call("POST", "/calls", {"from": FROM, "to": TO})
        assert (403, "limit", "call-rate-limit") == _problem(answer)
        assert "You can create 2 calls per 60 seconds" in answer.body["message"]
        assert 429 == (await wire.call("GET", f"/calls/{call_id}")).status
        assert 1 == local_emulator.stats.catapult_calls_created


async def test_rate_limits_can_change_while_running(catapult_wire: CatapultWire) -> None:
    """Rate limits set at run time apply at once, and None switches them off."""
    catapult_wire.emu.rate_limits = RateLimits()
    await catapult_wire.conference()
    assert 429 == (await catapult_wire.call("POST", "/conferences", {"from": FROM})).status
    catapult_wire.emu.rate_limits = None
    assert 201 == (await catapult_wire.call("POST", "/conferences", {"from": FROM})).status
