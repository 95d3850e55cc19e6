"""What goes over the wire: keys, bodies, headers, URLs, and how answers are read."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from conferencing import (
    NO_RETRY,
    CatapultClient,
    OutcomeUnknownError,
    ResponseDecodeError,
    SessionPool,
    TelnyxClient,
    ValidationError,
    _wire,
    catapult,
    telnyx,
)

KEY = "KEY0123456789abcdef"
USER = "u-1"
TOKEN = "t-token-0123"  # noqa: S105 - a fake credential
SECRET = "s-secret-4567"  # noqa: S105 - a fake credential
FROM = "+15551234567"
CCID = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
TELNYX_URL = "https://api.telnyx.com/v2/conferences"
CATAPULT_URL = "https://api.catapult.inetwork.com/v1/users/u-1/conferences"

CONFERENCE = {
    "record_type": "conference",
    "id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "name": "All hands meeting",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T22:10:02.574Z",
    "updated_at": "2019-01-23T18:11:02.574Z",
    "region": "sv1",
    "status": "completed",
    "end_reason": "all_left",
    "ended_by": {
        "call_control_id": (
            "v2:T02llQxIyaRkhfRKxgAP8nY511EhFLizdvdUKJiSw8d6A9BborherQczRrZvZakpWxBlpw48KyZQ=="
        ),
        "call_session_id": "428c31b6-abf3-3bc1-b7f4-5013ef9657c1",
    },
    "connection_id": "3fa85f64-9191-4567-b3fc-2c963f66afa6",
}


@pytest.fixture
def tx(pool: SessionPool) -> TelnyxClient:
    """A Telnyx client on the default base URL, sending each request once."""
    return TelnyxClient(api_key=KEY, pool=pool, retry=NO_RETRY)


@pytest.fixture
def cp(pool: SessionPool) -> CatapultClient:
    """A Catapult client on the default base URL, sending each request once."""
    return CatapultClient(
        user_id=USER, api_token=TOKEN, api_secret=SECRET, pool=pool, retry=NO_RETRY
    )


def calls(http: aioresponses, url: str, method: str = "POST") -> list[Any]:
    """The requests recorded for `method url`."""
    found: list[Any] = http.requests[(method, URL(url))]
    return found


def only_body(http: aioresponses, url: str) -> Any:
    """The decoded JSON body of the one request sent to `url`."""
    [call] = calls(http, url)
    data = call.kwargs["data"]
    assert isinstance(data, bytes)
    return json.loads(data)


def decode_error_behind(error: OutcomeUnknownError, command_id: str | None) -> ResponseDecodeError:
    """The ResponseDecodeError behind a POST's unknown outcome, checked to be its cause."""
    assert OutcomeUnknownError is type(error), repr(error)
    last = error.last_error
    assert isinstance(last, ResponseDecodeError), repr(last)
    assert error.__cause__ is last
    assert command_id == error.command_id
    return last


def only_headers(http: aioresponses, url: str) -> dict[str, str]:
    """The headers of the one request sent to `url`."""
    [call] = calls(http, url)
    return dict(call.kwargs["headers"])


def created(http: aioresponses, url: str = CATAPULT_URL, location: str = "/c") -> None:
    """Answer the next POST to `url` with Catapult's 201 and a Location."""
    http.post(url, status=201, body="", headers={"Location": location})


def conference_answer(http: aioresponses, url: str = TELNYX_URL, **data: Any) -> None:
    """Answer the next POST to `url` with Telnyx's conference envelope."""
    http.post(url, status=200, payload={"data": {**CONFERENCE, **data}})


# --- Catapult bodies --------------------------------------------------------


async def test_catapult_body_uses_camel_case_keys(http: aioresponses, cp: CatapultClient) -> None:
    """Every Catapult field goes out under its documented camelCase key."""
    created(http)
    await cp.create_conference(
        from_=FROM,
        callback_url="http://my.callback.url",
        callback_http_method="GET",
        callback_timeout=2000,
        fallback_url="http://my.fallback.url",
        profile="passthru_digits",
        tag="standup",
    )
    assert {
        "from": FROM,
        "callbackUrl": "http://my.callback.url",
        "callbackHttpMethod": "GET",
        "callbackTimeout": 2000,
        "fallbackUrl": "http://my.fallback.url",
        "profile": "passthru_digits",
        "tag": "standup",
    } == only_body(http, CATAPULT_URL)


async def test_catapult_minimal_body_omits_unset_fields(
    http: aioresponses, cp: CatapultClient
) -> None:
    """Fields the caller did not set are left out, never sent as null."""
    created(http)
    await cp.create_conference(from_=FROM)
    assert {"from": FROM} == only_body(http, CATAPULT_URL)


async def test_catapult_request_object_and_keywords_send_the_same_body(
    http: aioresponses, cp: CatapultClient
) -> None:
    """A request object and the same fields as keywords send identical bytes."""
    created(http)
    created(http)
    fields: dict[str, Any] = {"from_": FROM, "callback_timeout": 10000, "tag": "t"}
    await cp.create_conference(catapult.CreateConferenceRequest(**fields))
    await cp.create_conference(**fields)
    first, second = calls(http, CATAPULT_URL)
    assert first.kwargs["data"] == second.kwargs["data"]
    assert {"from": FROM, "callbackTimeout": 10000, "tag": "t"} == json.loads(first.kwargs["data"])


async def test_catapult_callback_timeout_goes_out_as_a_number(
    http: aioresponses, cp: CatapultClient
) -> None:
    """`callbackTimeout` is a JSON number, not the docs' "2000" string."""
    created(http)
    await cp.create_conference(from_=FROM, callback_timeout=2000)
    body = only_body(http, CATAPULT_URL)
    assert 2000 == body["callbackTimeout"]
    assert isinstance(body["callbackTimeout"], int)


async def test_catapult_empty_tag_is_sent(http: aioresponses, cp: CatapultClient) -> None:
    """An empty tag is a value the caller set, so it is sent rather than dropped."""
    created(http)
    await cp.create_conference(from_=FROM, tag="")
    assert {"from": FROM, "tag": ""} == only_body(http, CATAPULT_URL)


# --- Telnyx bodies ----------------------------------------------------------


async def test_telnyx_body_uses_snake_case_keys(http: aioresponses, tx: TelnyxClient) -> None:
    """Every Telnyx field goes out under its documented snake_case key."""
    conference_answer(http)
    await tx.create_conference(
        call_control_id=CCID,
        name="Business",
        beep_enabled="always",
        client_state="aGF2ZSBhIG5pY2UgZGF5ID1d",
        comfort_noise=False,
        command_id="891510ac-f3e4-11e8-af5b-de00688a4901",
        duration_minutes=5,
        hold_media_name="my_media",
        max_participants=250,
        start_conference_on_create=False,
        region="Middle East",
    )
    assert {
        "call_control_id": CCID,
        "name": "Business",
        "beep_enabled": "always",
        "client_state": "aGF2ZSBhIG5pY2UgZGF5ID1d",
        "comfort_noise": False,
        "command_id": "891510ac-f3e4-11e8-af5b-de00688a4901",
        "duration_minutes": 5,
        "hold_media_name": "my_media",
        "max_participants": 250,
        "start_conference_on_create": False,
        "region": "Middle East",
    } == only_body(http, TELNYX_URL)


async def test_telnyx_minimal_body_omits_unset_fields(http: aioresponses, tx: TelnyxClient) -> None:
    """Only the set fields and a generated command_id are sent; nothing is null."""
    conference_answer(http)
    await tx.create_conference(call_control_id=CCID, name="Business")
    body = only_body(http, TELNYX_URL)
    assert {"call_control_id", "name", "command_id"} == set(body)
    assert CCID == body["call_control_id"]
    assert "Business" == body["name"]
    assert None not in body.values()


async def test_telnyx_generates_a_uuid_command_id(http: aioresponses, tx: TelnyxClient) -> None:
    """Without a caller's command_id, the body carries a generated UUID string."""
    conference_answer(http)
    await tx.create_conference(call_control_id=CCID, name="Business")
    command_id = only_body(http, TELNYX_URL)["command_id"]
    assert isinstance(command_id, str)
    parsed = uuid.UUID(command_id)
    assert command_id == str(parsed)
    assert 4 == parsed.version
    assert uuid.RFC_4122 == parsed.variant


async def test_telnyx_generated_command_ids_differ_per_call(
    http: aioresponses, tx: TelnyxClient
) -> None:
    """Two separate creates carry two different generated command_ids."""
    conference_answer(http)
    conference_answer(http)
    await tx.create_conference(call_control_id=CCID, name="A")
    await tx.create_conference(call_control_id=CCID, name="B")
    first, second = (json.loads(c.kwargs["data"])["command_id"] for c in calls(http, TELNYX_URL))
    assert first != second


async def test_telnyx_keeps_the_callers_command_id(http: aioresponses, tx: TelnyxClient) -> None:
    """A caller's command_id is sent unchanged, from keywords or a request object."""
    conference_answer(http)
    conference_answer(http)
    await tx.create_conference(call_control_id=CCID, name="A", command_id="mine-1")
    await tx.create_conference(
        telnyx.CreateConferenceRequest(call_control_id=CCID, name="A", command_id="mine-2")
    )
    sent = [json.loads(c.kwargs["data"])["command_id"] for c in calls(http, TELNYX_URL)]
    assert ["mine-1", "mine-2"] == sent


async def test_telnyx_false_booleans_are_sent(http: aioresponses, tx: TelnyxClient) -> None:
    """A False the caller set is sent as false, not dropped as if unset."""
    conference_answer(http)
    await tx.create_conference(
        call_control_id=CCID, name="B", comfort_noise=False, start_conference_on_create=False
    )
    body = only_body(http, TELNYX_URL)
    assert body["comfort_noise"] is False
    assert body["start_conference_on_create"] is False


async def test_telnyx_body_is_utf8_json(http: aioresponses, tx: TelnyxClient) -> None:
    """Non-ASCII names go out as UTF-8 JSON and decode back unchanged."""
    conference_answer(http)
    await tx.create_conference(call_control_id=CCID, name="R\u00e9union \u4f1a\u8bae")
    [call] = calls(http, TELNYX_URL)
    assert "R\u00e9union \u4f1a\u8bae" == json.loads(call.kwargs["data"].decode("utf-8"))["name"]


# --- Headers and URLs -------------------------------------------------------


async def test_telnyx_headers(http: aioresponses, tx: TelnyxClient) -> None:
    """Telnyx requests carry `Authorization: Bearer KEY` and a JSON content type."""
    conference_answer(http)
    await tx.create_conference(call_control_id=CCID, name="Business")
    headers = only_headers(http, TELNYX_URL)
    assert f"Bearer {KEY}" == headers["Authorization"]
    assert "application/json" == headers["Content-Type"]


async def test_catapult_headers(http: aioresponses, cp: CatapultClient) -> None:
    """Catapult requests carry `Authorization: Basic base64(token:secret)` and JSON."""
    created(http)
    await cp.create_conference(from_=FROM)
    headers = only_headers(http, CATAPULT_URL)
    blob = base64.b64encode(f"{TOKEN}:{SECRET}".encode()).decode()
    assert f"Basic {blob}" == headers["Authorization"]
    assert "application/json" == headers["Content-Type"]
    assert f"{TOKEN}:{SECRET}" == base64.b64decode(headers["Authorization"][6:]).decode()


async def test_default_urls(http: aioresponses, tx: TelnyxClient, cp: CatapultClient) -> None:
    """By default Telnyx is reached at api.telnyx.com/v2 and Catapult under /v1/users/{id}."""
    assert "https://api.telnyx.com/v2" == tx.base_url
    assert "https://api.catapult.inetwork.com" == cp.base_url
    conference_answer(http)
    created(http)
    await tx.create_conference(call_control_id=CCID, name="Business")
    await cp.create_conference(from_=FROM)
    assert 1 == len(calls(http, TELNYX_URL))
    assert 1 == len(calls(http, CATAPULT_URL))


async def test_custom_base_urls(http: aioresponses, pool: SessionPool) -> None:
    """Requests go to `{base_url}/conferences` and `{base_url}/v1/users/{id}/conferences`."""
    tx = TelnyxClient(api_key=KEY, base_url="https://telnyx.example.com/api/v2", pool=pool)
    cp = CatapultClient(
        USER, TOKEN, SECRET, base_url="https://catapult.example.com/prefix", pool=pool
    )
    conference_answer(http, "https://telnyx.example.com/api/v2/conferences")
    created(http, "https://catapult.example.com/prefix/v1/users/u-1/conferences")
    await tx.create_conference(call_control_id=CCID, name="Business")
    await cp.create_conference(from_=FROM)
    assert 1 == len(calls(http, "https://telnyx.example.com/api/v2/conferences"))
    assert 1 == len(calls(http, "https://catapult.example.com/prefix/v1/users/u-1/conferences"))


# --- Location ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "expected_id"),
    [
        ("/v1/users/u-1/conferences/c-123", "c-123"),
        ("http://localhost/conferenceId", "conferenceId"),
        ("https://api.catapult.inetwork.com/v1/users/u/conferences/c-9", "c-9"),
        ("/v1/users/u-1/conferences/c-123/", "c-123"),
        ("https://api.catapult.inetwork.com/v1/users/u/conferences/c-9/", "c-9"),
        ("/v1/users/u-1/conferences/members/m-77", "m-77"),
        ("/v1/users/u-1/conferences/conf-2bvlw3tk6ghwyx3i7mbkhvy", "conf-2bvlw3tk6ghwyx3i7mbkhvy"),
    ],
)
async def test_location_gives_the_id(
    http: aioresponses, cp: CatapultClient, location: str, expected_id: str
) -> None:
    """The new conference's id is the last path segment of `Location`, in every documented form."""
    created(http, location=location)
    ref = await cp.create_conference(from_=FROM)
    assert expected_id == ref.id
    assert location == ref.location


async def test_missing_location_is_a_decode_error(http: aioresponses, cp: CatapultClient) -> None:
    """A 201 without `Location` is an unknown outcome whose decode error keeps status and body."""
    http.post(CATAPULT_URL, status=201, body="")
    with pytest.raises(OutcomeUnknownError) as caught:
        await cp.create_conference(from_=FROM)
    error = decode_error_behind(caught.value, None)
    assert 201 == error.status
    assert "" == error.body
    assert "catapult" == error.provider
    assert CATAPULT_URL == error.url
    assert "POST" == error.method


@pytest.mark.parametrize(
    "location",
    [
        "",
        "   ",
        "/",
        "http://localhost",
        "http://localhost/",
        "/v1/users/u-1/conferences/..",
        "/v1/users/u-1/conferences/.",
        "/v1/users/u-1/conferences/c 1",
    ],
)
async def test_unusable_location_is_a_decode_error(
    http: aioresponses, cp: CatapultClient, location: str
) -> None:
    """A `Location` empty or ending in nothing usable is an unknown outcome from a decode error."""
    http.post(CATAPULT_URL, status=201, body="created", headers={"Location": location})
    with pytest.raises(OutcomeUnknownError) as caught:
        await cp.create_conference(from_=FROM)
    error = decode_error_behind(caught.value, None)
    assert 201 == error.status
    assert "created" == error.body


# --- Telnyx answers ---------------------------------------------------------


async def test_telnyx_answer_is_decoded(http: aioresponses, tx: TelnyxClient) -> None:
    """The documented Conference answer decodes field by field."""
    conference_answer(http)
    conference = await tx.create_conference(call_control_id=CCID, name="Business")
    assert "3fa85f64-5717-4562-b3fc-2c963f66afa6" == conference.id
    assert "All hands meeting" == conference.name
    assert "conference" == conference.record_type
    assert "completed" == conference.status
    assert "all_left" == conference.end_reason
    assert conference.ended_by is not None
    assert "428c31b6-abf3-3bc1-b7f4-5013ef9657c1" == conference.ended_by.call_session_id
    assert "3fa85f64-9191-4567-b3fc-2c963f66afa6" == conference.connection_id


async def test_telnyx_timestamps_are_aware_datetimes(http: aioresponses, tx: TelnyxClient) -> None:
    """`created_at`, `expires_at` and `updated_at` become aware UTC datetimes, milliseconds kept."""
    conference_answer(http)
    conference = await tx.create_conference(call_control_id=CCID, name="Business")
    assert datetime(2019, 1, 23, 18, 10, 2, 574000, tzinfo=UTC) == conference.created_at
    assert datetime(2019, 1, 23, 22, 10, 2, 574000, tzinfo=UTC) == conference.expires_at
    assert datetime(2019, 1, 23, 18, 11, 2, 574000, tzinfo=UTC) == conference.updated_at
    for stamp in (conference.created_at, conference.expires_at, conference.updated_at):
        assert stamp is not None
        assert timedelta(0) == stamp.utcoffset()


async def test_telnyx_answer_with_offset_timestamp(http: aioresponses, tx: TelnyxClient) -> None:
    """A timestamp with a numeric offset keeps it and compares equal to the same instant."""
    conference_answer(http, created_at="2019-01-23T20:10:02.574+02:00")
    conference = await tx.create_conference(call_control_id=CCID, name="Business")
    assert datetime(2019, 1, 23, 18, 10, 2, 574000, tzinfo=UTC) == conference.created_at
    assert conference.created_at.tzinfo is not None


async def test_telnyx_minimal_answer_is_decoded(http: aioresponses, tx: TelnyxClient) -> None:
    """An answer with only the required fields decodes; optional fields are None."""
    http.post(
        TELNYX_URL,
        payload={
            "data": {
                "record_type": "conference",
                "id": "c-1",
                "name": "Business",
                "created_at": "2019-01-23T18:10:02.574Z",
                "expires_at": "2019-01-23T22:10:02.574Z",
            }
        },
    )
    conference = await tx.create_conference(call_control_id=CCID, name="Business")
    assert "c-1" == conference.id
    assert conference.updated_at is None
    assert conference.ended_by is None


async def test_telnyx_null_optional_fields_are_none(http: aioresponses, tx: TelnyxClient) -> None:
    """Optional fields sent as null decode as None, nested objects included."""
    nulls = {"updated_at": None, "region": None, "ended_by": None, "connection_id": None}
    http.post(TELNYX_URL, payload={"data": {**CONFERENCE, **nulls}})
    conference = await tx.create_conference(call_control_id=CCID, name="Business")
    assert (None, None, None, None) == (
        conference.updated_at,
        conference.region,
        conference.ended_by,
        conference.connection_id,
    )


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"region": 5}, "expected str | None @ $.region"),
        ({"ended_by": {"call_control_id": 7}}, "@ $.ended_by.call_control_id"),
        ({"created_at": "yesterday"}, "expected datetime @ $.created_at"),
        ({"id": None}, "expected str @ $.id"),
    ],
)
async def test_telnyx_decode_error_names_the_field(
    http: aioresponses, tx: TelnyxClient, change: dict[str, Any], said: str
) -> None:
    """A success answer with a wrong field is an unknown outcome whose error names the field."""
    http.post(TELNYX_URL, payload={"data": {**CONFERENCE, **change}})
    with pytest.raises(OutcomeUnknownError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    error = decode_error_behind(caught.value, only_body(http, TELNYX_URL)["command_id"])
    assert said in str(error)


def test_a_body_json_cannot_carry_is_a_validation_error() -> None:
    """What reaches the encoder unchecked (extra fields) fails typed, before sending."""
    with pytest.raises(ValidationError, match="cannot be sent as JSON"):
        _wire.dumps({"duration_minutes": 2**64})
    with pytest.raises(ValidationError, match="cannot be sent as JSON"):
        _wire.dumps({"tags": {"a", "set"}})


async def test_telnyx_unknown_fields_are_ignored(http: aioresponses, tx: TelnyxClient) -> None:
    """Fields Telnyx adds to `data` or the envelope do not break decoding."""
    http.post(
        TELNYX_URL,
        payload={
            "data": {**CONFERENCE, "brand_new": {"nested": [1, 2]}, "another": None},
            "meta": {"page": 1},
        },
    )
    conference = await tx.create_conference(call_control_id=CCID, name="Business")
    assert "3fa85f64-5717-4562-b3fc-2c963f66afa6" == conference.id


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in CONFERENCE.items() if k != key}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"conference": CONFERENCE}),
        json.dumps({"data": _without("id")}),
        json.dumps({"data": {**CONFERENCE, "created_at": None}}),
        json.dumps({"data": _without("created_at")}),
        json.dumps({"data": {**CONFERENCE, "created_at": "yesterday"}}),
        json.dumps({"data": {**CONFERENCE, "id": None}}),
        json.dumps({"data": {**CONFERENCE, "id": 12345}}),
        json.dumps({"data": {**CONFERENCE, "region": 5}}),
        json.dumps({"data": {**CONFERENCE, "updated_at": 5}}),
        json.dumps({"data": {**CONFERENCE, "ended_by": "someone"}}),
        json.dumps({"data": {**CONFERENCE, "ended_by": {"call_control_id": 7}}}),
        json.dumps({"data": None}),
        json.dumps({"data": [CONFERENCE]}),
        json.dumps([{"data": CONFERENCE}]),
        "<html><body>OK</body></html>",
        '{"data": {"id": "c-1", ',
        "",
    ],
    ids=[
        "no-data",
        "no-id",
        "null-created_at",
        "no-created_at",
        "bad-created_at",
        "null-id",
        "numeric-id",
        "numeric-region",
        "numeric-updated_at",
        "string-ended_by",
        "numeric-ended_by-call_control_id",
        "null-data",
        "list-data",
        "array",
        "html",
        "truncated",
        "empty",
    ],
)
async def test_telnyx_malformed_success_is_a_decode_error(
    http: aioresponses, tx: TelnyxClient, body: str
) -> None:
    """A 2xx answer without the documented shape is an unknown outcome; its error keeps the body."""
    http.post(TELNYX_URL, status=200, body=body)
    with pytest.raises(OutcomeUnknownError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    error = decode_error_behind(caught.value, only_body(http, TELNYX_URL)["command_id"])
    assert 200 == error.status
    assert body == error.body
    assert "telnyx" == error.provider
    assert TELNYX_URL == error.url


async def test_a_string_where_an_array_belongs_is_a_decode_error(
    http: aioresponses, tx: TelnyxClient
) -> None:
    """A participant whose whisper list is a string is refused, not read as its characters."""
    url = "https://api.telnyx.com/v2/conferences/c-1/participants/p-1"
    participant = {
        "record_type": "participant",
        "id": "p-1",
        "call_control_id": "v3:a",
        "call_leg_id": "leg-a",
        "conference": {"id": "c-1", "name": "Business"},
        "whisper_call_control_ids": "v3:b",
        "created_at": "2019-01-23T18:10:02.574Z",
        "updated_at": "2019-01-23T18:10:02.574Z",
        "status": "joined",
        "muted": False,
        "on_hold": False,
        "end_conference_on_exit": False,
        "soft_end_conference_on_exit": False,
    }
    http.get(url, payload={"data": participant})

    with pytest.raises(ResponseDecodeError, match="whisper_call_control_ids"):
        await tx.get_participant("c-1", "p-1")
