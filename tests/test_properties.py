"""Property-based tests: any value for any field is either a valid request or a ValidationError."""

from __future__ import annotations

import base64
import binascii
import json
import re
import typing
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conferencing import ValidationError, catapult, telnyx
from conferencing._rules import build
from conferencing._wire import dumps
from conferencing.catapult._wire import CONVERTER as CATAPULT_CONVERTER
from conferencing.telnyx._wire import CONVERTER as TELNYX_CONVERTER

_T = TypeVar("_T")

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

E164 = re.compile(r"\+[1-9][0-9]{1,14}")
TELNYX_KEYS = {a.name for a in attrs.fields(telnyx.CreateConferenceRequest)}
CATAPULT_WIRE = {
    "from_": "from",
    "callback_url": "callbackUrl",
    "callback_http_method": "callbackHttpMethod",
    "callback_timeout": "callbackTimeout",
    "fallback_url": "fallbackUrl",
    "profile": "profile",
    "tag": "tag",
}
CATAPULT_BASE: dict[str, Any] = {"from_": "+15551234567"}
TELNYX_BASE: dict[str, Any] = {"call_control_id": "v3:abc", "name": "Business"}

# Anything at all a caller might pass.
ANYTHING: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(),
    st.binary(max_size=8),
    st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.tuples(st.text(max_size=3)),
)

# Values close to each rule's edges, so that valid requests are common too.
NEAR: dict[str, st.SearchStrategy[Any]] = {
    "from_": st.one_of(
        st.from_regex(r"\+?[0-9]{0,17}", fullmatch=True),
        st.from_regex(r"\+\d{1,15}", fullmatch=True),
        st.from_regex(r"\+[1-9][0-9]{1,14}\s?", fullmatch=True),
    ),
    "callback_timeout": st.one_of(
        st.sampled_from([0, 1, 2, 9_999, 10_000, 10_001]), st.integers(-5, 10_010)
    ),
    "callback_http_method": st.sampled_from(["GET", "POST", "get", "PUT", "", "POST "]),
    "profile": st.sampled_from(["interpret_digits", "passthru_digits", "Interpret_digits", ""]),
    "callback_url": st.from_regex(r"(https?|ftp)?(://)?[a-z.\[\]:0-9 ]{0,12}(/[a-z?=#]{0,5})?"),
    "fallback_url": st.from_regex(r"(https?|ftp)?(://)?[a-z.\[\]:0-9 ]{0,12}(/[a-z?=#]{0,5})?"),
    "tag": st.text(),
    "call_control_id": st.text(max_size=5),
    "name": st.text(max_size=5),
    "beep_enabled": st.sampled_from(["always", "never", "on_enter", "on_exit", "On_exit", ""]),
    "client_state": st.one_of(
        st.binary().map(lambda b: base64.b64encode(b).decode()),
        st.binary().map(lambda b: base64.b64encode(b).decode().rstrip("=")),
        st.from_regex(r"[A-Za-z0-9+/=_\- ]{0,12}", fullmatch=True),
    ),
    "comfort_noise": st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "false"])),
    "command_id": st.one_of(st.uuids().map(str), st.uuids()),
    "duration_minutes": st.one_of(st.sampled_from([-1, 0, 1, 2]), st.integers(-3, 10_000)),
    "hold_audio_url": st.from_regex(r"(https?|ftp)?(://)?[a-z.]{0,12}(/[a-z]{0,5})?"),
    "hold_media_name": st.text(max_size=10),
    "max_participants": st.one_of(
        st.sampled_from([0, 1, 2, 3, 799, 800, 801]), st.integers(-2, 1000)
    ),
    "start_conference_on_create": st.one_of(st.booleans(), st.sampled_from([0, 1, "false"])),
    "region": st.sampled_from(["Australia", "Europe", "Middle East", "US", "us", "Middle_East"]),
}


def values_for(cls: type[Any], field: str) -> st.SearchStrategy[Any]:
    """Values of the field's declared type, near its rule's edges, and anything at all."""
    declared = typing.get_type_hints(cls)[field]
    return st.one_of(st.from_type(declared), NEAR[field], ANYTHING)


def is_http_url(value: object) -> bool:
    """An absolute http(s) URL with a host and no whitespace."""
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def is_base64(value: str) -> bool:
    """Valid standard Base64, padded."""
    try:
        base64.b64decode(value, validate=True)
    except binascii.Error:
        return False
    return True


def check_catapult_body(body: dict[str, Any]) -> None:
    """A Catapult body obeys the documented rules."""
    assert set(body) <= set(CATAPULT_WIRE.values())
    assert None not in body.values()
    assert isinstance(body["from"], str)
    assert E164.fullmatch(body["from"])
    if "callbackTimeout" in body:
        timeout = body["callbackTimeout"]
        assert type(timeout) is int
        assert 1 <= timeout <= 10_000
    if "callbackHttpMethod" in body:
        assert body["callbackHttpMethod"] in {"GET", "POST"}
    if "profile" in body:
        assert body["profile"] in {"interpret_digits", "passthru_digits"}
    for key in ("callbackUrl", "fallbackUrl"):
        if key in body:
            assert is_http_url(body[key])
    if "tag" in body:
        assert isinstance(body["tag"], str)


def check_telnyx_choices(body: dict[str, Any]) -> None:
    """Telnyx's enumerations, bools and Base64 hold."""
    if "beep_enabled" in body:
        assert body["beep_enabled"] in {"always", "never", "on_enter", "on_exit"}
    if "region" in body:
        assert body["region"] in {"Australia", "Europe", "Middle East", "US"}
    for key in ("comfort_noise", "start_conference_on_create"):
        if key in body:
            assert type(body[key]) is bool
    if "client_state" in body:
        assert body["client_state"]
        assert is_base64(body["client_state"])


def check_telnyx_body(body: dict[str, Any]) -> None:
    """A Telnyx body obeys the documented rules."""
    assert set(body) <= TELNYX_KEYS
    assert None not in body.values()
    for key in ("call_control_id", "name"):
        assert isinstance(body[key], str)
        assert body[key].strip()
    if "max_participants" in body:
        assert type(body["max_participants"]) is int
        assert 2 <= body["max_participants"] <= 800
    if "duration_minutes" in body:
        assert type(body["duration_minutes"]) is int
        assert body["duration_minutes"] >= 1
    check_telnyx_choices(body)
    for key in ("command_id", "hold_media_name"):
        if key in body:
            assert isinstance(body[key], str)
    if "hold_audio_url" in body:
        assert is_http_url(body["hold_audio_url"])
    assert not ("hold_audio_url" in body and "hold_media_name" in body)


def catapult_body(request: catapult.CreateConferenceRequest) -> dict[str, Any]:
    """The JSON object a Catapult request is sent as."""
    decoded = json.loads(dumps(CATAPULT_CONVERTER.unstructure(request)))
    assert isinstance(decoded, dict)
    return decoded


def telnyx_body(request: telnyx.CreateConferenceRequest) -> dict[str, Any]:
    """The JSON object a Telnyx request is sent as (before a command_id is added)."""
    decoded = json.loads(dumps(TELNYX_CONVERTER.unstructure(request)))
    assert isinstance(decoded, dict)
    return decoded


CATAPULT_FIELDS = [a.name for a in attrs.fields(catapult.CreateConferenceRequest)]
TELNYX_FIELDS = [a.name for a in attrs.fields(telnyx.CreateConferenceRequest)]


def outcome(make: Callable[[], _T]) -> _T | ValidationError:
    """The request `make()` builds, or the ValidationError it raises; anything else escapes."""
    try:
        return make()
    except ValidationError as error:
        return error


def catapult_outcome(**fields: Any) -> catapult.CreateConferenceRequest | ValidationError:
    """Build a Catapult request from keyword fields, as the client does."""
    return outcome(lambda: build(catapult.CreateConferenceRequest, fields))


def telnyx_outcome(**fields: Any) -> telnyx.CreateConferenceRequest | ValidationError:
    """Build a Telnyx request from keyword fields, as the client does."""
    return outcome(lambda: build(telnyx.CreateConferenceRequest, fields))


@pytest.mark.parametrize("field", CATAPULT_FIELDS)
@PROPERTY
@given(data=st.data())
def test_catapult_any_value_is_valid_or_a_validation_error(field: str, data: st.DataObject) -> None:
    """Any value for a Catapult field gives a valid request or a ValidationError naming it."""
    value = data.draw(values_for(catapult.CreateConferenceRequest, field), label=field)
    result = catapult_outcome(**{**CATAPULT_BASE, field: value})
    if isinstance(result, ValidationError):
        assert field == result.field
        assert field in str(result)
    else:
        check_catapult_body(catapult_body(result))


@pytest.mark.parametrize("field", TELNYX_FIELDS)
@PROPERTY
@given(data=st.data())
def test_telnyx_any_value_is_valid_or_a_validation_error(field: str, data: st.DataObject) -> None:
    """Any value for a Telnyx field gives a valid request or a ValidationError naming it."""
    value = data.draw(values_for(telnyx.CreateConferenceRequest, field), label=field)
    result = telnyx_outcome(**{**TELNYX_BASE, field: value})
    if isinstance(result, ValidationError):
        assert field == result.field
        assert field in str(result)
    else:
        check_telnyx_body(telnyx_body(result))


def some_fields(fields: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of `fields`, each with a value near its rule or anything at all."""
    return st.fixed_dictionaries(
        {}, optional={name: st.one_of(NEAR[name], ANYTHING) for name in fields}
    )


@PROPERTY
@given(fields=some_fields(CATAPULT_FIELDS))
def test_catapult_any_fields_via_keywords(fields: dict[str, Any]) -> None:
    """Any mix of keyword fields is a valid request or a ValidationError naming one of them."""
    result = catapult_outcome(**fields)
    if isinstance(result, ValidationError):
        assert result.field in {*fields, "from_"}
        assert str(result.field) in str(result)
    else:
        body = catapult_body(result)
        check_catapult_body(body)
        assert {CATAPULT_WIRE[name] for name, v in fields.items() if v is not None} == set(body)


@PROPERTY
@given(fields=some_fields(TELNYX_FIELDS))
def test_telnyx_any_fields_via_keywords(fields: dict[str, Any]) -> None:
    """Any mix of keyword fields is a valid request or a ValidationError naming one of them."""
    result = telnyx_outcome(**fields)
    if isinstance(result, ValidationError):
        assert result.field in {*fields, "call_control_id", "name"}
        assert str(result.field) in str(result)
    else:
        body = telnyx_body(result)
        check_telnyx_body(body)
        assert {name for name, v in fields.items() if v is not None} == set(body)


@PROPERTY
@given(timeout=st.integers())
@example(timeout=0)
@example(timeout=1)
@example(timeout=10_000)
@example(timeout=10_001)
def test_catapult_callback_timeout_boundary(timeout: int) -> None:
    """`callback_timeout` is accepted exactly when it is in 1..10000."""
    result = catapult_outcome(from_="+15551234567", callback_timeout=timeout)
    if isinstance(result, ValidationError):
        assert not 1 <= timeout <= 10_000
        assert "callback_timeout" == result.field
    else:
        assert 1 <= timeout <= 10_000
        assert timeout == catapult_body(result)["callbackTimeout"]


@PROPERTY
@given(count=st.integers())
@example(count=1)
@example(count=2)
@example(count=800)
@example(count=801)
def test_telnyx_max_participants_boundary(count: int) -> None:
    """`max_participants` is accepted exactly when it is in 2..800."""
    result = telnyx_outcome(**TELNYX_BASE, max_participants=count)
    if isinstance(result, ValidationError):
        assert not 2 <= count <= 800
        assert "max_participants" == result.field
    else:
        assert 2 <= count <= 800
        assert count == telnyx_body(result)["max_participants"]


@PROPERTY
@given(number=st.text(alphabet="+0123456789", max_size=18))
@example(number="+1")
@example(number="+12")
@example(number="+123456789012345")
@example(number="+1234567890123456")
@example(number="+0123")
def test_catapult_from_is_exactly_e164(number: str) -> None:
    """`from_` is accepted exactly when it is '+', a non-zero digit, and 1 to 14 more digits."""
    result = catapult_outcome(from_=number)
    if isinstance(result, ValidationError):
        assert E164.fullmatch(number) is None
        assert "from_" == result.field
    else:
        assert E164.fullmatch(number) is not None


@PROPERTY
@given(raw=st.binary(min_size=1))
def test_telnyx_client_state_accepts_any_encoded_bytes(raw: bytes) -> None:
    """Whatever non-empty bytes a caller encodes as Base64 are accepted as `client_state`."""
    state = base64.b64encode(raw).decode()
    request = telnyx.CreateConferenceRequest(**TELNYX_BASE, client_state=state)
    assert raw == base64.b64decode(telnyx_body(request)["client_state"])
