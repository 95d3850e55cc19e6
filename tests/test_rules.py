"""The documented rules of both create-conference requests, checked where requests are built."""

from __future__ import annotations

from typing import Any

import pytest

from conferencing import ConferencingError, ValidationError, catapult, telnyx

FROM = "+15551234567"
CCID = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"


def catapult_request(**fields: Any) -> catapult.CreateConferenceRequest:
    """A Catapult request with a valid `from_` unless the test gives one."""
    fields.setdefault("from_", FROM)
    return catapult.CreateConferenceRequest(**fields)


def telnyx_request(**fields: Any) -> telnyx.CreateConferenceRequest:
    """A Telnyx request with valid required fields unless the test gives them."""
    fields.setdefault("call_control_id", CCID)
    fields.setdefault("name", "Business")
    return telnyx.CreateConferenceRequest(**fields)


def rejected(build: Any, field: str, value: object, rule: str) -> ValidationError:
    """Build with `field=value`, expect a ValidationError naming the field and the rule."""
    with pytest.raises(ValidationError) as caught:
        build(**{field: value})
    error = caught.value
    assert field == error.field
    assert field in str(error)
    assert rule in str(error)
    return error


# --- Catapult ---------------------------------------------------------------


def test_catapult_minimal_request_is_valid() -> None:
    """A request with only `from_` is valid and leaves every optional field unset."""
    request = catapult_request()
    assert FROM == request.from_
    assert request.callback_timeout is None
    assert request.callback_url is None
    assert request.tag is None


def test_catapult_request_with_every_field_is_valid() -> None:
    """The docs' third example, with every field set, is a valid request."""
    request = catapult_request(
        callback_url="http://my.callback.url",
        callback_http_method="GET",
        callback_timeout=2000,
        fallback_url="http://my.fallback.url",
        profile="passthru_digits",
        tag="team-standup",
    )
    assert 2000 == request.callback_timeout
    assert "passthru_digits" == request.profile


@pytest.mark.parametrize("number", ["+15551234567", "+12", "+123456789012345", "+442071838750"])
def test_catapult_from_accepts_e164(number: str) -> None:
    """`from_` accepts E.164 numbers of 2 to 15 digits."""
    assert number == catapult_request(from_=number).from_


@pytest.mark.parametrize(
    "number",
    [
        "15551234567",
        "+05551234567",
        "+1",
        "+1234567890123456",
        "+1 555 123 4567",
        "+1-555-123-4567",
        "",
        " +15551234567",
        "+15551234567\n",
        "+\uff11\uff15\uff15\uff15",  # full-width digits
        "{number}",
        15551234567,
        None,
    ],
)
def test_catapult_from_rejects_non_e164(number: object) -> None:
    """`from_` is required and must be an E.164 number."""
    rejected(catapult_request, "from_", number, "E.164")


@pytest.mark.parametrize("timeout", [1, 2000, 9999, 10000])
def test_catapult_callback_timeout_accepts_1_to_10000(timeout: int) -> None:
    """`callback_timeout` accepts ints from 1 to 10000 ms, both ends included."""
    assert timeout == catapult_request(callback_timeout=timeout).callback_timeout


@pytest.mark.parametrize("timeout", [0, -1, 10001, 60000])
def test_catapult_callback_timeout_rejects_out_of_range(timeout: int) -> None:
    """`callback_timeout` outside 1..10000 ms is refused, naming the range."""
    error = rejected(catapult_request, "callback_timeout", timeout, "10000")
    assert str(timeout) in str(error)


@pytest.mark.parametrize("timeout", [True, False, "2000", 2000.0, b"2000", [2000]])
def test_catapult_callback_timeout_rejects_non_int(timeout: object) -> None:
    """`callback_timeout` must be a real int: bools, floats and the docs' "2000" string are not."""
    rejected(catapult_request, "callback_timeout", timeout, "int")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_catapult_callback_http_method_accepts_get_and_post(method: str) -> None:
    """`callback_http_method` accepts GET and POST."""
    assert method == catapult_request(callback_http_method=method).callback_http_method


@pytest.mark.parametrize("method", ["get", "post", "PUT", "", " GET", 1, True])
def test_catapult_callback_http_method_rejects_others(method: object) -> None:
    """`callback_http_method` is exactly GET or POST."""
    rejected(catapult_request, "callback_http_method", method, "GET, POST")


@pytest.mark.parametrize("profile", ["interpret_digits", "passthru_digits"])
def test_catapult_profile_accepts_documented_values(profile: str) -> None:
    """`profile` accepts interpret_digits and passthru_digits."""
    assert profile == catapult_request(profile=profile).profile


@pytest.mark.parametrize("profile", ["INTERPRET_DIGITS", "passthrough_digits", "", 0])
def test_catapult_profile_rejects_others(profile: object) -> None:
    """`profile` is one of the two documented values, exactly."""
    rejected(catapult_request, "profile", profile, "interpret_digits")


GOOD_URLS = [
    "http://my.callback.url",
    "https://example.com/callbacks?conference=1",
    "http://127.0.0.1:8080/cb",
    "https://[::1]:8443/cb",
]
BAD_URLS: list[object] = [
    "my.callback.url",
    "/relative/path",
    "ftp://example.com/cb",
    "https://",
    "http:///path",
    "javascript:alert(1)",
    "http://exa mple.com/",
    "http://example.com/\r\nX-Injected: 1",
    "",
    42,
    b"http://example.com",
]


@pytest.mark.parametrize("field", ["callback_url", "fallback_url"])
@pytest.mark.parametrize("url", GOOD_URLS)
def test_catapult_urls_accept_absolute_http_urls(field: str, url: str) -> None:
    """`callback_url` and `fallback_url` accept absolute http(s) URLs."""
    assert url == getattr(catapult_request(**{field: url}), field)


@pytest.mark.parametrize("field", ["callback_url", "fallback_url"])
@pytest.mark.parametrize("url", BAD_URLS)
def test_catapult_urls_reject_anything_else(field: str, url: object) -> None:
    """`callback_url` and `fallback_url` refuse relative, non-http and malformed URLs."""
    rejected(catapult_request, field, url, "http(s) URL")


@pytest.mark.parametrize("tag", ["", "team-standup", "r\u00e9union \U0001f4de"])
def test_catapult_tag_accepts_strings(tag: str) -> None:
    """`tag` accepts any string."""
    assert tag == catapult_request(tag=tag).tag


@pytest.mark.parametrize("tag", [5, b"tag", ["tag"], True])
def test_catapult_tag_rejects_non_strings(tag: object) -> None:
    """`tag` must be a string."""
    rejected(catapult_request, "tag", tag, "string")


# --- Telnyx -----------------------------------------------------------------


def test_telnyx_minimal_request_is_valid() -> None:
    """A request with only `call_control_id` and `name` is valid, the rest unset."""
    request = telnyx_request()
    assert CCID == request.call_control_id
    assert "Business" == request.name
    assert request.max_participants is None
    assert request.command_id is None


def test_telnyx_documented_example_is_valid() -> None:
    """The OpenAPI document's example request is a valid request."""
    request = telnyx_request(
        beep_enabled="always",
        client_state="aGF2ZSBhIG5pY2UgZGF5ID1d",
        command_id="891510ac-f3e4-11e8-af5b-de00688a4901",
        duration_minutes=5,
        hold_audio_url="http://www.example.com/audio.wav",
        start_conference_on_create=False,
        max_participants=250,
    )
    assert 250 == request.max_participants
    assert request.start_conference_on_create is False


@pytest.mark.parametrize("field", ["call_control_id", "name"])
@pytest.mark.parametrize("value", ["", "   ", "\t\n", None, 5, b"Business"])
def test_telnyx_required_strings_must_be_non_empty(field: str, value: object) -> None:
    """`call_control_id` and `name` are required non-empty strings."""
    rejected(telnyx_request, field, value, "non-empty")


@pytest.mark.parametrize("count", [2, 3, 250, 799, 800])
def test_telnyx_max_participants_accepts_2_to_800(count: int) -> None:
    """`max_participants` accepts ints from 2 to 800, both ends included."""
    assert count == telnyx_request(max_participants=count).max_participants


@pytest.mark.parametrize("count", [1, 801, 0, -5, 5000])
def test_telnyx_max_participants_rejects_out_of_range(count: int) -> None:
    """`max_participants` outside 2..800 is refused, naming the range."""
    error = rejected(telnyx_request, "max_participants", count, "2..800")
    assert str(count) in str(error)


@pytest.mark.parametrize("count", [True, False, "250", 250.0, [250]])
def test_telnyx_max_participants_rejects_non_int(count: object) -> None:
    """`max_participants` must be a real int: not a bool, a float or a string."""
    rejected(telnyx_request, "max_participants", count, "int")


@pytest.mark.parametrize("beep", ["always", "never", "on_enter", "on_exit"])
def test_telnyx_beep_enabled_accepts_documented_values(beep: str) -> None:
    """`beep_enabled` accepts always, never, on_enter and on_exit."""
    assert beep == telnyx_request(beep_enabled=beep).beep_enabled


@pytest.mark.parametrize("beep", ["ALWAYS", "sometimes", "on-enter", "", True])
def test_telnyx_beep_enabled_rejects_others(beep: object) -> None:
    """`beep_enabled` is one of the four documented values, exactly."""
    rejected(telnyx_request, "beep_enabled", beep, "on_enter")


@pytest.mark.parametrize("region", ["Australia", "Europe", "Middle East", "US"])
def test_telnyx_region_accepts_documented_values(region: str) -> None:
    """`region` accepts Australia, Europe, Middle East and US."""
    assert region == telnyx_request(region=region).region


@pytest.mark.parametrize("region", ["us", "Asia", "MiddleEast", "sv1", "", 1])
def test_telnyx_region_rejects_others(region: object) -> None:
    """`region` is one of the four documented values, exactly."""
    rejected(telnyx_request, "region", region, "Middle East")


@pytest.mark.parametrize("state", ["aGF2ZSBhIG5pY2UgZGF5ID1d", "AA==", "eyJ0ZWFtIjoxfQ=="])
def test_telnyx_client_state_accepts_base64(state: str) -> None:
    """`client_state` accepts valid Base64."""
    assert state == telnyx_request(client_state=state).client_state


@pytest.mark.parametrize(
    "state", ["not base64!", "abc", "", "aGF2 ZQ==", "aGF2ZQ==\n", "r\u00e9union", "A===", 5]
)
def test_telnyx_client_state_rejects_non_base64(state: object) -> None:
    """`client_state` must be valid Base64."""
    rejected(telnyx_request, "client_state", state, "Base64")


@pytest.mark.parametrize("minutes", [1, 5, 240, 100_000])
def test_telnyx_duration_minutes_accepts_positive_ints(minutes: int) -> None:
    """`duration_minutes` accepts any positive int."""
    assert minutes == telnyx_request(duration_minutes=minutes).duration_minutes


@pytest.mark.parametrize("minutes", [0, -1])
def test_telnyx_duration_minutes_rejects_non_positive(minutes: int) -> None:
    """`duration_minutes` must be at least 1."""
    rejected(telnyx_request, "duration_minutes", minutes, ">= 1")


@pytest.mark.parametrize("minutes", [True, 5.0, "5"])
def test_telnyx_duration_minutes_rejects_non_int(minutes: object) -> None:
    """`duration_minutes` must be a real int."""
    rejected(telnyx_request, "duration_minutes", minutes, "int")


@pytest.mark.parametrize("minutes", [2**63, 10**30])
def test_telnyx_duration_minutes_rejects_more_than_64_bits(minutes: int) -> None:
    """An unbounded int field still stops where JSON numbers go out as 64-bit."""
    rejected(telnyx_request, "duration_minutes", minutes, "64 bits")


def test_telnyx_duration_minutes_accepts_the_64_bit_maximum() -> None:
    """The largest signed 64-bit value is still a valid `duration_minutes`."""
    assert 2**63 - 1 == telnyx_request(duration_minutes=2**63 - 1).duration_minutes


def test_telnyx_hold_audio_url_alone_is_valid() -> None:
    """`hold_audio_url` alone is a valid request."""
    url = "http://example.com/message.wav"
    assert url == telnyx_request(hold_audio_url=url).hold_audio_url


def test_telnyx_hold_media_name_alone_is_valid() -> None:
    """`hold_media_name` alone is a valid request."""
    name = "my_media_uploaded_to_media_storage_api"
    assert name == telnyx_request(hold_media_name=name).hold_media_name


def test_telnyx_hold_audio_url_and_hold_media_name_never_both() -> None:
    """`hold_audio_url` and `hold_media_name` together are refused, naming both."""
    with pytest.raises(ValidationError) as caught:
        telnyx_request(
            hold_audio_url="http://example.com/message.wav",
            hold_media_name="my_media_uploaded_to_media_storage_api",
        )
    assert caught.value.field in {"hold_audio_url", "hold_media_name"}
    assert "hold_audio_url" in str(caught.value)
    assert "hold_media_name" in str(caught.value)


@pytest.mark.parametrize("field", ["comfort_noise", "start_conference_on_create"])
@pytest.mark.parametrize("value", [True, False])
def test_telnyx_bool_fields_accept_bools(field: str, value: bool) -> None:
    """`comfort_noise` and `start_conference_on_create` accept True and False."""
    assert value is getattr(telnyx_request(**{field: value}), field)


@pytest.mark.parametrize("field", ["comfort_noise", "start_conference_on_create"])
@pytest.mark.parametrize("value", [1, 0, "true", "false", "", 1.0])
def test_telnyx_bool_fields_reject_non_bools(field: str, value: object) -> None:
    """`comfort_noise` and `start_conference_on_create` must be real bools, not 0/1 or "true"."""
    rejected(telnyx_request, field, value, "bool")


def test_telnyx_command_id_accepts_a_string() -> None:
    """`command_id` accepts a string."""
    command_id = "891510ac-f3e4-11e8-af5b-de00688a4901"
    assert command_id == telnyx_request(command_id=command_id).command_id


@pytest.mark.parametrize("command_id", [5, b"891510ac", ["x"]])
def test_telnyx_command_id_rejects_non_strings(command_id: object) -> None:
    """`command_id` must be a string."""
    rejected(telnyx_request, "command_id", command_id, "string")


# --- The error itself -------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field", "value"),
    [
        (catapult_request, "callback_timeout", 10001),
        (catapult_request, "from_", "5551234567"),
        (telnyx_request, "max_participants", 801),
        (telnyx_request, "region", "Mars"),
    ],
)
def test_rejection_is_a_value_error_and_a_conferencing_error(
    build: Any, field: str, value: object
) -> None:
    """Every rejection is a ValidationError, which is also a ValueError and a ConferencingError."""
    with pytest.raises(ValidationError) as caught:
        build(**{field: value})
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, ConferencingError)
    assert field == caught.value.field


def test_callback_timeout_message_states_the_rule() -> None:
    """The message names the field, the rule and the value given."""
    with pytest.raises(ValidationError) as caught:
        catapult_request(callback_timeout=10001)
    message = str(caught.value)
    assert "callback_timeout" in message
    assert "1..10000" in message
    assert "10001" in message


def test_requests_are_immutable() -> None:
    """A built request cannot be changed into an invalid one after validation."""
    request = telnyx_request(max_participants=10)
    with pytest.raises(AttributeError):
        request.max_participants = 5000  # type: ignore[misc]
