"""Catapult v1 callbacks: parsing POST bodies and GET queries, event ids, and Basic credentials."""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from conferencing import ConfigurationError, EventPayloadError, WebhookVerificationError, catapult
from conferencing._delivery import Delivery, HasEventId

DATA = Path(__file__).parent / "data" / "catapult-callbacks"

PROPERTY = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Every documented example and the class it parses into.
EXAMPLES: dict[str, type[catapult.Callback]] = {
    "conference-created.json": catapult.ConferenceEvent,
    "conference-completed.json": catapult.ConferenceEvent,
    "conference-member-joined.json": catapult.ConferenceMemberEvent,
    "conference-member-left.json": catapult.ConferenceMemberEvent,
    "conference-member-muted.json": catapult.ConferenceMemberEvent,
    "conference-playback-started.json": catapult.ConferencePlaybackEvent,
    "conference-playback-done.json": catapult.ConferencePlaybackEvent,
    "conference-speak-started.json": catapult.ConferenceSpeakEvent,
    "conference-speak-done.json": catapult.ConferenceSpeakEvent,
    "answer.json": catapult.AnswerEvent,
    "answer-tag.json": catapult.AnswerEvent,
    "hangup.json": catapult.HangupEvent,
    "hangup-rejected.json": catapult.HangupEvent,
}

USER = "hook-user"
PASSWORD = "s3cret-Pa55"  # noqa: S105 - a fake credential
MINUS_TWO = timezone(timedelta(hours=-2))


def body(name: str) -> bytes:
    """The documented example's bytes, as Catapult would POST them."""
    return (DATA / name).read_bytes()


def fields(name: str) -> dict[str, Any]:
    """The documented example's fields."""
    payload: dict[str, Any] = json.loads(body(name))
    return payload


def as_query(payload: Mapping[str, Any]) -> dict[str, str]:
    """The same fields as a GET query carries them: every value as text."""
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in payload.items()
    }


def basic(user: str, password: str, scheme: str = "Basic") -> str:
    """An Authorization header value carrying these Basic credentials."""
    return f"{scheme} " + base64.b64encode(f"{user}:{password}".encode()).decode()


def member(**changes: Any) -> dict[str, Any]:
    """The documented member-joined event with some fields changed."""
    return fields("conference-member-joined.json") | changes


# --- parsing the documented examples -----------------------------------------


def test_every_example_file_is_covered() -> None:
    """Each data file copied from the pages is parsed by the tests below."""
    assert set(EXAMPLES) == {path.name for path in DATA.glob("*.json")}


@pytest.mark.parametrize(("name", "cls"), EXAMPLES.items())
def test_documented_example_parses_from_a_post_body(
    name: str, cls: type[catapult.Callback]
) -> None:
    """Each documented example, as POSTed JSON bytes or text, parses into its class."""
    event = catapult.parse_callback(body(name))

    assert cls is type(event)
    assert fields(name)["eventType"] == event.event_type
    assert event == catapult.parse_callback(body(name).decode())


@pytest.mark.parametrize(("name", "cls"), EXAMPLES.items())
def test_documented_example_parses_from_a_get_query(
    name: str, cls: type[catapult.Callback]
) -> None:
    """The same fields as GET query strings parse into the same event with the same id."""
    posted = catapult.parse_callback(body(name))
    queried = catapult.parse_callback(as_query(fields(name)))

    assert cls is type(queried)
    assert posted == queried
    assert posted.id == queried.id


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("via", ["post", "get"])
def test_every_timestamp_is_aware(name: str, via: str) -> None:
    """Every timestamp of every example comes out as an aware datetime."""
    data: bytes | dict[str, str] = body(name) if via == "post" else as_query(fields(name))
    event = catapult.parse_callback(data)

    stamps = [
        getattr(event, attr)
        for attr in ("time", "created_time", "completed_time")
        if getattr(event, attr, None) is not None
    ]
    assert stamps
    assert all(stamp.tzinfo is not None for stamp in stamps)


@pytest.mark.parametrize("via", ["post", "get"])
def test_conference_events_have_their_documented_fields(via: str) -> None:
    """A conference completed event gives its id, URI, status and both times with their offset."""
    payload = fields("conference-completed.json")
    event = catapult.parse_callback(
        body("conference-completed.json") if via == "post" else as_query(payload)
    )

    assert isinstance(event, catapult.ConferenceEvent)
    assert "{conferenceId}" == event.conference_id
    assert payload["conferenceUri"] == event.conference_uri
    assert "completed" == event.status
    assert datetime(2013, 7, 12, 16, 29, 32, 521000, tzinfo=MINUS_TWO) == event.created_time
    assert datetime(2013, 7, 12, 16, 45, 10, 103000, tzinfo=MINUS_TWO) == event.completed_time
    assert event.tag is None


def test_conference_created_has_no_completed_time() -> None:
    """A created event leaves its completed time out, which reads as None."""
    event = catapult.parse_callback(body("conference-created.json"))

    assert isinstance(event, catapult.ConferenceEvent)
    assert "created" == event.status
    assert datetime(2013, 7, 12, 16, 26, 55, 685000, tzinfo=MINUS_TWO) == event.created_time
    assert event.completed_time is None


@pytest.mark.parametrize("via", ["post", "get"])
def test_member_event_fields_are_typed(via: str) -> None:
    """A member event's count is an int and its hold and mute flags are booleans, by POST or GET."""
    payload = fields("conference-member-muted.json")
    event = catapult.parse_callback(
        body("conference-member-muted.json") if via == "post" else as_query(payload)
    )

    assert isinstance(event, catapult.ConferenceMemberEvent)
    assert 1 == event.active_members
    assert type(event.active_members) is int
    assert True is event.mute
    assert False is event.hold
    assert "active" == event.state
    assert ("{conferenceId}", "{memberId}", "{callId}") == (
        event.conference_id,
        event.member_id,
        event.call_id,
    )
    assert payload["memberUri"] == event.member_uri
    assert datetime(2013, 7, 12, 20, 53, 11, 646000, tzinfo=UTC) == event.time


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("conference-playback-started.json", "started"),
        ("conference-playback-done.json", "done"),
        ("conference-speak-started.json", "started"),
        ("conference-speak-done.json", "done"),
    ],
)
def test_playback_and_speak_events_carry_status_and_time(name: str, status: str) -> None:
    """Playback and speak events give the conference, their status and an aware time."""
    event = catapult.parse_callback(body(name))

    assert isinstance(event, catapult.ConferencePlaybackEvent | catapult.ConferenceSpeakEvent)
    assert "{conferenceId}" == event.conference_id
    assert status == event.status
    assert datetime(2013, 7, 12, 21, 18, 19, 966000, tzinfo=UTC) == event.time


def test_answer_event_fields() -> None:
    """An answer event gives the call, its state, both numbers, the time and the tag."""
    event = catapult.parse_callback(body("answer-tag.json"))

    assert isinstance(event, catapult.AnswerEvent)
    assert "{call-id}" == event.call_id
    assert "https://api.catapult.inetwork.com/v1/users/{user-id}/calls/{call-id}" == event.call_uri
    assert "active" == event.call_state
    assert ("+15753222083", "+13865245000") == (event.from_, event.to)
    assert datetime(2012, 11, 14, 16, 29, 35, 427000, tzinfo=UTC) == event.time
    assert "example-tag" == event.tag


def test_hangup_event_fields() -> None:
    """A hangup event gives the call, its cause, both numbers and the time."""
    event = catapult.parse_callback(body("hangup.json"))

    assert isinstance(event, catapult.HangupEvent)
    assert ("{callId}", "NORMAL_CLEARING") == (event.call_id, event.cause)
    assert ("+13233326955", "+13233326955") == (event.from_, event.to)
    assert datetime(2012, 11, 14, 15, 56, 12, 636000, tzinfo=UTC) == event.time
    assert event.call_state is None


def test_rejected_call_hangup_with_an_hour_only_offset() -> None:
    """The reject page's hangup, timed `2014-04-23T11:53:43-03`, parses with that offset."""
    event = catapult.parse_callback(body("hangup-rejected.json"))

    assert isinstance(event, catapult.HangupEvent)
    assert "CALL_REJECTED" == event.cause
    assert "completed" == event.call_state
    assert datetime(2014, 4, 23, 11, 53, 43, tzinfo=timezone(timedelta(hours=-3))) == event.time


def test_documented_get_query_string_parses() -> None:
    """The query string Bandwidth shows for a GET hangup parses, percent-decoded as servers do."""
    query = dict(parse_qsl((DATA / "hangup-get.query").read_text().strip()))
    event = catapult.parse_callback(query)

    assert isinstance(event, catapult.HangupEvent)
    assert ("{call-id}", "NORMAL_CLEARING", "completed") == (
        event.call_id,
        event.cause,
        event.call_state,
    )
    assert ("{from-number}", "{to-number}") == (event.from_, event.to)
    assert "https://api.catapult.inetwork.com/v1/users/{user-id}/calls/{call-id}" == event.call_uri
    assert datetime(2016, 2, 17, 16, 54, 10, tzinfo=UTC) == event.time


@pytest.mark.parametrize("via", ["post", "get"])
def test_tag_is_read_on_conference_events(via: str) -> None:
    """A conference's tag, which Catapult includes in its callbacks, is read."""
    payload = fields("conference-created.json") | {"tag": "ctx-42"}
    event = catapult.parse_callback(json.dumps(payload) if via == "post" else as_query(payload))

    assert isinstance(event, catapult.ConferenceEvent)
    assert "ctx-42" == event.tag


def test_null_optional_fields_read_as_none() -> None:
    """Optional fields sent as JSON null read as None."""
    event = catapult.parse_callback(
        json.dumps(member(tag=None, hold=None, activeMembers=None, time=None))
    )

    assert isinstance(event, catapult.ConferenceMemberEvent)
    assert (None, None, None, None) == (event.tag, event.hold, event.active_members, event.time)


def test_events_are_frozen_and_satisfy_has_event_id() -> None:
    """Events cannot be changed after parsing and are what the shared receiver expects."""
    event: HasEventId = catapult.parse_callback(body("hangup.json"))

    with pytest.raises(AttributeError):
        event.cause = "x"  # type: ignore[attr-defined]
    assert isinstance(event, catapult.Callback)
    assert re.fullmatch(r"[0-9a-f]{64}", event.id)


# --- unknown event types and extra fields ---------------------------------------


@pytest.mark.parametrize("via", ["post", "get"])
def test_unknown_event_type_is_a_value(via: str) -> None:
    """An eventType this library does not model becomes an UnknownCallback with every field kept."""
    payload = {
        "eventType": "dtmf",
        "callId": "c-1",
        "dtmfDigit": "5",
        "time": "2013-07-12T21:18:19Z",
    }
    event = catapult.parse_callback(json.dumps(payload) if via == "post" else as_query(payload))

    assert isinstance(event, catapult.UnknownCallback)
    assert "dtmf" == event.event_type
    assert payload == dict(event.fields)


def test_unknown_callback_keeps_json_values_and_is_hashable() -> None:
    """An unknown callback keeps nested JSON as sent, cannot be changed, and can be hashed."""
    payload = {"eventType": "gather", "digits": [1, 2], "meta": {"a": None}}
    event = catapult.parse_callback(json.dumps(payload))

    assert isinstance(event, catapult.UnknownCallback)
    assert payload == dict(event.fields)
    with pytest.raises(TypeError):
        event.fields["x"] = 1  # type: ignore[index]
    assert hash(event) == hash(catapult.parse_callback(json.dumps(payload)))


def test_unknown_callback_too_deep_to_name_is_refused() -> None:
    """An unknown callback nested too deep for its id to be computed is refused as a payload."""
    deep = "[" * 300 + "]" * 300
    with pytest.raises(EventPayloadError, match="nested too deeply"):
        catapult.parse_callback('{"eventType": "x", "a": ' + deep + "}")


@pytest.mark.parametrize("via", ["post", "get"])
def test_extra_fields_are_ignored(via: str) -> None:
    """Fields Catapult adds (or the answer page's diversion object) do not change the event."""
    base = fields("answer.json")
    extra = base | {"diversion": {"origTo": "+15551112222", "counter": 1}, "newField": "x"}
    if via == "get":
        extra = base | {"diversion.origTo": "+15551112222", "newField": "x"}
        event = catapult.parse_callback(as_query(extra))
    else:
        event = catapult.parse_callback(json.dumps(extra))

    assert catapult.parse_callback(body("answer.json")) == event


# --- malformed input ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "names"),
    [
        (b"", "not JSON"),
        (b"not json", "not JSON"),
        (b'{"eventType": "conference"', "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b'{"eventType": "hangup", "callId": 1' + b"0" * 30 + b"}", "callId"),
        (b"[]", "JSON object"),
        (b'"conference"', "JSON object"),
        (b"42", "JSON object"),
        (b"null", "JSON object"),
        (b"{}", "no eventType"),
        (b'{"eventType": null}', "no eventType"),
        (b'{"eventType": ""}', "no eventType"),
        (b'{"eventType": 7}', "eventType must be a string"),
        (b'{"eventType": ["answer"]}', "eventType must be a string"),
        (b'{"eventType": "conference", "status": "created"}', "conferenceId is missing"),
        (b'{"eventType": "conference", "conferenceId": "c"}', "status is missing"),
        (b'{"eventType": "answer"}', "callId is missing"),
        (b'{"eventType": "hangup", "callId": null}', "callId"),
        (b'{"eventType": "hangup", "callId": 12}', "callId"),
        (b'{"eventType": "hangup", "callId": "c", "from": 15551234567}', "from"),
        (b'{"eventType": "hangup", "callId": "c", "time": 1373660599}', "time"),
        (b'{"eventType": "hangup", "callId": "c", "time": "yesterday"}', "time is not an ISO 8601"),
        (
            b'{"eventType": "answer", "callId": "c", "time": "2013-13-45T25:00:00Z"}',
            "time is not an ISO 8601",
        ),
        (
            b'{"eventType": "conference", "conferenceId": "c", "status": "x", "createdTime": ""}',
            "createdTime",
        ),
        (b'{"eventType": "conference", "conferenceId": {}, "status": "created"}', "conferenceId"),
        (b'{"eventType": "conference-speak", "conferenceId": "c", "status": ["done"]}', "status"),
        (
            b'{"eventType": "conference-playback", "conferenceId": "c", "status": "x", "time": 0}',
            "time",
        ),
        (b'{"eventType": "hangup", "callId": "c", "tag": 5}', "tag"),
    ],
)
def test_malformed_body_raises_event_payload_error(data: bytes, names: str) -> None:
    """A body that is not a callback of the documented shape raises EventPayloadError saying why."""
    with pytest.raises(EventPayloadError, match=re.escape(names)):
        catapult.parse_callback(data)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"activeMembers": "1"}, "activeMembers"),
        ({"activeMembers": True}, "activeMembers"),
        ({"activeMembers": 1.5}, "activeMembers"),
        ({"hold": "false"}, "hold"),
        ({"mute": 0}, "mute"),
        ({"state": None}, "state"),
        ({"memberId": 3}, "memberId"),
        ({"time": "12/07/2013 20:53"}, "time"),
    ],
)
def test_member_field_of_the_wrong_json_type_is_named(changes: dict[str, Any], names: str) -> None:
    """In JSON, a member field must have its JSON type; the error names the field."""
    with pytest.raises(EventPayloadError, match=names):
        catapult.parse_callback(json.dumps(member(**changes)))


def test_every_problem_is_named_at_once() -> None:
    """Several wrong fields are all named in one error, by their wire names."""
    with pytest.raises(EventPayloadError) as caught:
        catapult.parse_callback(json.dumps(member(callId=None, activeMembers="2", mute="yes")))

    message = str(caught.value)
    assert all(name in message for name in ("callId", "activeMembers", "mute"))
    assert "call_id" not in message


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"hold": "yes"}, "hold must be 'true' or 'false'"),
        ({"hold": "True"}, "hold must be 'true' or 'false'"),
        ({"mute": ""}, "mute must be 'true' or 'false'"),
        ({"activeMembers": "-1"}, "activeMembers must be a whole number"),
        ({"activeMembers": "1.0"}, "activeMembers must be a whole number"),
        ({"activeMembers": ""}, "activeMembers must be a whole number"),
        ({"activeMembers": "\u0661"}, "activeMembers must be a whole number"),
        ({"time": "soon"}, "time is not an ISO 8601"),
    ],
)
def test_malformed_query_value_raises_event_payload_error(
    changes: dict[str, Any], names: str
) -> None:
    """In a GET query, a boolean or count that is not the documented text is refused by name."""
    with pytest.raises(EventPayloadError, match=re.escape(names)):
        catapult.parse_callback(as_query(member()) | changes)


def test_query_missing_an_id_raises_event_payload_error() -> None:
    """A GET query without a required id is refused by name."""
    query = as_query(member())
    del query["callId"]
    with pytest.raises(EventPayloadError, match="callId is missing"):
        catapult.parse_callback(query)


def test_query_with_a_non_string_value_raises_event_payload_error() -> None:
    """A mapping is read as a query: a value that is not a string is refused."""
    with pytest.raises(EventPayloadError, match="strings"):
        catapult.parse_callback({"eventType": "hangup", "callId": 5})  # type: ignore[dict-item]


def test_empty_query_has_no_event_type() -> None:
    """A GET with no query parameters is not a callback."""
    with pytest.raises(EventPayloadError, match="no eventType"):
        catapult.parse_callback({})


def test_data_of_another_kind_is_a_type_error() -> None:
    """Passing something that is neither a body nor a query is a programming error."""
    with pytest.raises(TypeError, match="parse_callback takes"):
        catapult.parse_callback(42)  # type: ignore[arg-type]


# --- event ids ------------------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLES)
def test_redelivery_with_reordered_keys_has_the_same_id(name: str) -> None:
    """A redelivery of the same event, keys in another order, has the same id."""
    payload = fields(name)
    reordered = dict(reversed(payload.items()))

    assert list(payload) != list(reordered)
    assert (
        catapult.parse_callback(body(name)).id == catapult.parse_callback(json.dumps(reordered)).id
    )


def test_same_instant_at_another_offset_has_the_same_id() -> None:
    """A time written at another offset, the same instant, names the same event."""
    utc = member(time="2013-07-12T20:53:11.646Z")
    shifted = member(time="2013-07-12T18:53:11.646-02:00")

    assert (
        catapult.parse_callback(json.dumps(utc)).id
        == catapult.parse_callback(json.dumps(shifted)).id
    )


def test_fields_outside_the_identity_do_not_change_the_id() -> None:
    """Tag, URIs and the active member count are not part of a member event's identity."""
    original = catapult.parse_callback(json.dumps(member()))
    other = catapult.parse_callback(
        json.dumps(member(tag="t", memberUri="x", activeMembers=7, extra=1))
    )

    assert original.id == other.id


@pytest.mark.parametrize(
    ("name", "changes"),
    [
        ("conference-member-joined.json", {"state": "completed"}),
        ("conference-member-joined.json", {"mute": True}),
        ("conference-member-joined.json", {"hold": True}),
        ("conference-member-joined.json", {"time": "2013-07-12T20:53:11.647Z"}),
        ("conference-member-joined.json", {"memberId": "m-2"}),
        ("conference-member-joined.json", {"callId": "c-2"}),
        ("conference-member-joined.json", {"conferenceId": "conf-2"}),
        ("conference-created.json", {"status": "completed"}),
        ("conference-created.json", {"conferenceId": "conf-2"}),
        ("conference-created.json", {"createdTime": "2013-07-12T16:26:55.686-02:00"}),
        ("conference-completed.json", {"completedTime": "2013-07-12T16:45:11.103-02:00"}),
        ("conference-playback-started.json", {"status": "done"}),
        ("conference-playback-started.json", {"time": "2013-07-12T21:18:20Z"}),
        ("conference-speak-started.json", {"status": "done"}),
        ("answer.json", {"callId": "c-2"}),
        ("answer.json", {"time": "2012-11-14T16:28:32Z"}),
        ("hangup.json", {"cause": "USER_BUSY"}),
        ("hangup.json", {"callState": "completed"}),
        ("hangup.json", {"callId": "c-2"}),
    ],
)
def test_different_events_have_different_ids(name: str, changes: dict[str, Any]) -> None:
    """Events differing in an id, status, state, flag or time have different ids."""
    original = catapult.parse_callback(body(name))
    changed = catapult.parse_callback(json.dumps(fields(name) | changes))

    assert original.id != changed.id


def test_same_fields_under_another_event_type_have_another_id() -> None:
    """A playback and a speak event with the same conference, status and time differ in id."""
    playback = fields("conference-playback-started.json")
    speak = playback | {"eventType": "conference-speak"}

    assert (
        catapult.parse_callback(json.dumps(playback)).id
        != catapult.parse_callback(json.dumps(speak)).id
    )


def test_unknown_callback_id_covers_every_field() -> None:
    """An unknown callback's id survives reordering and changes with any field."""
    payload = {"eventType": "dtmf", "callId": "c-1", "dtmfDigit": "5", "nested": {"b": 1, "a": 2}}
    reordered = {"nested": {"a": 2, "b": 1}, "dtmfDigit": "5", "callId": "c-1", "eventType": "dtmf"}
    first = catapult.parse_callback(json.dumps(payload))

    assert first.id == catapult.parse_callback(json.dumps(reordered)).id
    assert first.id != catapult.parse_callback(json.dumps(payload | {"dtmfDigit": "6"})).id
    assert first.id != catapult.parse_callback(json.dumps(payload | {"eventType": "gather"})).id


# --- credentials -------------------------------------------------------------------


@pytest.mark.parametrize(
    "header_name", ["Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"]
)
def test_right_credentials_are_accepted_under_any_header_case(header_name: str) -> None:
    """The right Basic credentials pass, whatever the case of the header name."""
    catapult.check_callback_auth(
        {header_name: basic(USER, PASSWORD)}, username=USER, password=PASSWORD
    )


def test_right_credentials_are_accepted_from_a_multidict_and_any_scheme_case() -> None:
    """A CIMultiDict of headers, and the scheme in lower case, are accepted."""
    headers = CIMultiDict({"authorization": basic(USER, PASSWORD, scheme="basic")})
    catapult.check_callback_auth(headers, username=USER, password=PASSWORD)


def test_credentials_with_unicode_and_colons_in_the_password() -> None:
    """A password may hold a colon and non-ASCII text; only the first colon separates."""
    password = "pa:ss:wörd"  # noqa: S105 - a fake credential
    catapult.check_callback_auth(
        {"Authorization": basic(USER, password)}, username=USER, password=password
    )


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "no single Authorization header"),
        ({"X-Other": basic(USER, PASSWORD)}, "no single Authorization header"),
        ({"Authorization": basic("someone", PASSWORD)}, "do not match"),
        ({"Authorization": basic(USER, "wrong-password")}, "do not match"),
        ({"Authorization": basic(USER, PASSWORD + "x")}, "do not match"),
        ({"Authorization": basic(USER, "")}, "do not match"),
        ({"Authorization": basic(USER.upper(), PASSWORD)}, "do not match"),
        ({"Authorization": "Basic !!!not-base64!!!"}, "not valid Base64"),
        ({"Authorization": "Basic " + base64.b64encode(b"x").decode()[:-1]}, "not valid Base64"),
        ({"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}, "not user:password"),
        ({"Authorization": "Basic"}, "not user:password"),
        ({"Authorization": ""}, "not Basic"),
        ({"Authorization": "Bearer " + PASSWORD}, "not Basic"),
        ({"Authorization": basic(USER, PASSWORD, scheme="Digest")}, "not Basic"),
        ({"Authorization": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}, "not Basic"),
    ],
)
def test_bad_credentials_are_refused(headers: dict[str, str], why: str) -> None:
    """Missing, wrong, malformed or non-Basic credentials raise a credentials check failure."""
    with pytest.raises(WebhookVerificationError, match=re.escape(why)) as caught:
        catapult.check_callback_auth(headers, username=USER, password=PASSWORD)

    assert "credentials" == caught.value.check
    shown = str(caught.value) + repr(caught.value)
    assert PASSWORD not in shown
    # Neither the header nor its token is repeated (short values like "Basic" aside).
    assert all(value not in shown for value in headers.values() if len(value) > 10)


def test_two_authorization_headers_are_refused() -> None:
    """A delivery with two Authorization headers is refused, even if one is right."""
    headers = CIMultiDict(
        [("Authorization", basic(USER, PASSWORD)), ("Authorization", basic("a", "b"))]
    )
    with pytest.raises(WebhookVerificationError, match="no single Authorization header"):
        catapult.check_callback_auth(headers, username=USER, password=PASSWORD)


def test_wrong_user_and_wrong_password_read_the_same() -> None:
    """A wrong user and a wrong password give the same message: neither is singled out."""
    messages = set()
    for user, password in ((USER, "nope"), ("nope", PASSWORD), ("nope", "nope")):
        with pytest.raises(WebhookVerificationError) as caught:
            catapult.check_callback_auth(
                {"Authorization": basic(user, password)}, username=USER, password=PASSWORD
            )
        messages.add(str(caught.value))

    assert 1 == len(messages)


def test_both_parts_are_compared_in_constant_time_every_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """User and password are each compared with hmac.compare_digest, also when the user is wrong."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    for user, password in ((USER, PASSWORD), ("nope", PASSWORD), (USER, "nope")):
        calls.clear()
        with contextlib.suppress(WebhookVerificationError):
            catapult.check_callback_auth(
                {"Authorization": basic(user, password)}, username=USER, password=PASSWORD
            )
        assert 2 == len(calls)
        # Digests of equal length: the comparison's time does not depend on the lengths.
        assert all(32 == len(a) == len(b) for a, b in calls)


@pytest.mark.parametrize(
    ("username", "password"),
    [("", PASSWORD), (USER, ""), ("us:er", PASSWORD), (None, PASSWORD), (USER, 5)],
)
def test_unusable_configured_credentials_are_a_configuration_error(
    username: Any, password: Any
) -> None:
    """An empty username or password, or a username with a colon, cannot be checked."""
    with pytest.raises(ConfigurationError):
        catapult.check_callback_auth(
            {"Authorization": basic(USER, PASSWORD)}, username=username, password=password
        )


# --- the decoder ----------------------------------------------------------------


def post(data: bytes, headers: Mapping[str, str] | None = None) -> Delivery:
    """A POST delivery of this body."""
    return Delivery(method="POST", body=data, headers=dict(headers or {}))


def get(query: Mapping[str, str], headers: Mapping[str, str] | None = None) -> Delivery:
    """A GET delivery of these query parameters."""
    return Delivery(method="GET", body=b"", headers=dict(headers or {}), query=dict(query))


AUTH = {"Authorization": basic(USER, PASSWORD)}


@pytest.mark.parametrize("name", EXAMPLES)
def test_decoder_reads_post_and_get_deliveries(name: str) -> None:
    """The decoder parses a POST body and a GET query of the same event alike."""
    decode = catapult.callback_decoder(username=USER, password=PASSWORD)

    by_post = decode(post(body(name), AUTH))
    by_get = decode(get(as_query(fields(name)), AUTH))

    assert by_post == by_get
    assert by_post.id == by_get.id
    assert EXAMPLES[name] is type(by_post)


def test_decoder_without_credentials_parses_without_checking() -> None:
    """A decoder built without credentials parses deliveries that carry none."""
    decode = catapult.callback_decoder()

    assert catapult.parse_callback(body("hangup.json")) == decode(post(body("hangup.json")))


def test_decoder_method_names_are_read_in_any_case() -> None:
    """A lower-case method name is read as the method it names."""
    decode = catapult.callback_decoder()

    assert isinstance(
        decode(Delivery(method="post", body=body("answer.json"))), catapult.AnswerEvent
    )


def test_decoder_checks_credentials_before_parsing() -> None:
    """Bad credentials are reported before, and instead of, a malformed body."""
    decode = catapult.callback_decoder(username=USER, password=PASSWORD)

    with pytest.raises(WebhookVerificationError):
        decode(post(b"not json", {"Authorization": basic(USER, "wrong")}))
    with pytest.raises(WebhookVerificationError):
        decode(get(as_query(fields("answer.json"))))


def test_decoder_refuses_bad_payloads_after_good_credentials() -> None:
    """With good credentials, a malformed body or query is an EventPayloadError."""
    decode = catapult.callback_decoder(username=USER, password=PASSWORD)

    with pytest.raises(EventPayloadError):
        decode(post(b"not json", AUTH))
    with pytest.raises(EventPayloadError):
        decode(get({}, AUTH))


@pytest.mark.parametrize("method", ["PUT", "DELETE", "HEAD", ""])
def test_decoder_refuses_other_methods(method: str) -> None:
    """Catapult sends callbacks by GET or POST only; any other method is refused."""
    decode = catapult.callback_decoder()

    with pytest.raises(EventPayloadError, match="GET or POST"):
        decode(Delivery(method=method, body=body("answer.json")))


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": USER},
        {"password": PASSWORD},
        {"username": "", "password": PASSWORD},
        {"username": "a:b", "password": "c"},
    ],
)
def test_decoder_needs_both_credentials_or_neither(credentials: dict[str, str]) -> None:
    """Only one of username and password, or unusable ones, fail when the decoder is built."""
    with pytest.raises(ConfigurationError):
        catapult.callback_decoder(**credentials)


# --- properties ---------------------------------------------------------------------

WIRE_KEYS = [
    "eventType", "conferenceId", "conferenceUri", "status", "createdTime", "completedTime", "tag",
    "activeMembers", "callId", "memberId", "memberUri", "state", "hold", "mute", "time",
    "callUri", "callState", "from", "to", "cause",
]  # fmt: skip
EVENT_TYPES = [*(cls.EVENT_TYPE for cls in set(EXAMPLES.values())), "dtmf", ""]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.datetimes(timezones=st.none() | st.timezones()).map(datetime.isoformat)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
objects = st.dictionaries(
    st.sampled_from(WIRE_KEYS) | st.text(max_size=8), json_values, max_size=12
).flatmap(
    lambda obj: st.one_of(
        st.just(obj),
        st.sampled_from(EVENT_TYPES).map(lambda event_type: obj | {"eventType": event_type}),
    )
)


def parses_or_refuses(parse: Callable[[], catapult.Callback]) -> None:
    """Either a callback with a usable id comes back, or an EventPayloadError is raised."""
    try:
        event = parse()
    except EventPayloadError:
        return
    assert isinstance(event, catapult.Callback)
    assert re.fullmatch(r"[0-9a-f]{64}", event.id)


@PROPERTY
@given(objects)
def test_any_json_object_parses_or_raises_event_payload_error(obj: dict[str, Any]) -> None:
    """Any JSON object is either a Callback or an EventPayloadError, never another exception."""
    parses_or_refuses(lambda: catapult.parse_callback(json.dumps(obj).encode()))


@PROPERTY
@given(
    st.dictionaries(
        st.sampled_from(WIRE_KEYS) | st.text(max_size=8), st.text(max_size=30), max_size=12
    )
)
def test_any_query_parses_or_raises_event_payload_error(query: dict[str, str]) -> None:
    """Any mapping of strings is a Callback or an EventPayloadError, never another exception."""
    parses_or_refuses(lambda: catapult.parse_callback(query))


@PROPERTY
@given(st.binary(max_size=200))
def test_any_bytes_parse_or_raise_event_payload_error(data: bytes) -> None:
    """Any body at all is either a Callback or an EventPayloadError, never another exception."""
    parses_or_refuses(lambda: catapult.parse_callback(data))


@PROPERTY
@given(st.dictionaries(st.text(max_size=20), st.text(max_size=60), max_size=4))
def test_any_headers_pass_only_with_the_right_credentials(headers: dict[str, str]) -> None:
    """Arbitrary headers never pass the check and never raise anything but the credentials error."""
    with pytest.raises(WebhookVerificationError) as caught:
        catapult.check_callback_auth(headers, username=USER, password=PASSWORD)
    assert "credentials" == caught.value.check
