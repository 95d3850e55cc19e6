"""Telnyx webhooks: Ed25519 signatures checked over the raw bytes, then events parsed by type.

Deliveries are signed here with `cryptography` directly, over the UTF-8
bytes of f"{timestamp}|{body}", as Telnyx documents it, and never through
the code under test. Sample payloads (tests/data/telnyx-events/) are the
`example` values of Telnyx's OpenAPI webhook schemas in the delivery envelope.
"""

from __future__ import annotations

import base64
import json
import pickle
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict

from conferencing import (
    ConfigurationError,
    Delivery,
    EventPayloadError,
    WebhookReceiver,
    WebhookVerificationError,
    telnyx,
)

DATA = Path(__file__).parent / "data" / "telnyx-events"
PROPERTY = settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)

PRIVATE = Ed25519PrivateKey.generate()
PUBLIC_RAW = PRIVATE.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
PUBLIC_KEY = base64.b64encode(PUBLIC_RAW).decode()
OTHER_KEY = base64.b64encode(
    Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
).decode()
NOW = 1_700_000_000
BODY = (DATA / "conference.participant.joined.json").read_text()

EVENT_CLASSES: dict[str, type[telnyx.Event]] = {
    "conference.created": telnyx.ConferenceCreated,
    "conference.ended": telnyx.ConferenceEnded,
    "conference.floor.changed": telnyx.ConferenceFloorChanged,
    "conference.participant.joined": telnyx.ConferenceParticipantJoined,
    "conference.participant.left": telnyx.ConferenceParticipantLeft,
    "conference.participant.playback.started": telnyx.ConferenceParticipantPlaybackStarted,
    "conference.participant.playback.ended": telnyx.ConferenceParticipantPlaybackEnded,
    "conference.participant.speak.started": telnyx.ConferenceParticipantSpeakStarted,
    "conference.participant.speak.ended": telnyx.ConferenceParticipantSpeakEnded,
    "conference.playback.started": telnyx.ConferencePlaybackStarted,
    "conference.playback.ended": telnyx.ConferencePlaybackEnded,
    "conference.speak.started": telnyx.ConferenceSpeakStarted,
    "conference.speak.ended": telnyx.ConferenceSpeakEnded,
    "conference.recording.saved": telnyx.ConferenceRecordingSaved,
    "call.initiated": telnyx.CallInitiated,
    "call.answered": telnyx.CallAnswered,
    "call.hangup": telnyx.CallHangup,
}
PAYLOAD_CLASSES: dict[str, type[Any]] = {
    "conference.created": telnyx.ConferenceCreatedPayload,
    "conference.ended": telnyx.ConferenceEndedPayload,
    "conference.floor.changed": telnyx.ConferenceFloorChangedPayload,
    "conference.participant.joined": telnyx.ConferenceParticipantJoinedPayload,
    "conference.participant.left": telnyx.ConferenceParticipantLeftPayload,
    "conference.participant.playback.started": telnyx.ConferenceParticipantPlaybackStartedPayload,
    "conference.participant.playback.ended": telnyx.ConferenceParticipantPlaybackEndedPayload,
    "conference.participant.speak.started": telnyx.ConferenceParticipantSpeakStartedPayload,
    "conference.participant.speak.ended": telnyx.ConferenceParticipantSpeakEndedPayload,
    "conference.playback.started": telnyx.ConferencePlaybackStartedPayload,
    "conference.playback.ended": telnyx.ConferencePlaybackEndedPayload,
    "conference.speak.started": telnyx.ConferenceSpeakStartedPayload,
    "conference.speak.ended": telnyx.ConferenceSpeakEndedPayload,
    "conference.recording.saved": telnyx.ConferenceRecordingSavedPayload,
    "call.initiated": telnyx.CallInitiatedPayload,
    "call.answered": telnyx.CallAnsweredPayload,
    "call.hangup": telnyx.CallHangupPayload,
}


def sign(body: str, timestamp: str, key: Ed25519PrivateKey = PRIVATE) -> str:
    """Telnyx's signature: Ed25519 over the UTF-8 bytes of f"{timestamp}|{body}", in Base64."""
    return base64.b64encode(key.sign(f"{timestamp}|{body}".encode())).decode()


def signed(body: str, timestamp: int = NOW) -> dict[str, str]:
    """The headers of a delivery of `body` signed at `timestamp`."""
    return {
        "telnyx-signature-ed25519": sign(body, str(timestamp)),
        "telnyx-timestamp": str(timestamp),
    }


def sample(event_type: str) -> dict[str, Any]:
    """The documented example of `event_type`, in its delivery envelope."""
    loaded: dict[str, Any] = json.loads((DATA / f"{event_type}.json").read_text())
    return loaded


def envelope(event_type: str = "conference.created", **payload: Any) -> dict[str, Any]:
    """A minimal envelope of `event_type` with `payload`."""
    return {"data": {"id": "e-1", "event_type": event_type, "payload": payload}}


def refused(call: Any, *args: Any, **kwargs: Any) -> WebhookVerificationError:
    """The verification error `call` raises."""
    with pytest.raises(WebhookVerificationError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- Signatures ------------------------------------------------------------------------------


def test_a_correctly_signed_delivery_verifies() -> None:
    """A body signed with the account's key, at the current time, passes every check."""
    telnyx.verify_webhook(BODY.encode(), signed(BODY), PUBLIC_KEY, now=NOW)


@pytest.mark.parametrize(
    ("signature_name", "timestamp_name"),
    [
        ("telnyx-signature-ed25519", "telnyx-timestamp"),
        ("Telnyx-Signature-Ed25519", "Telnyx-Timestamp"),
        ("TELNYX-SIGNATURE-ED25519", "TELNYX-TIMESTAMP"),
        ("Telnyx-signature-ED25519", "telnyx-TIMESTAMP"),
    ],
)
def test_header_names_match_in_any_case_in_a_plain_dict(
    signature_name: str, timestamp_name: str
) -> None:
    """A plain dict's header names are matched whatever their letter case."""
    headers = {signature_name: sign(BODY, str(NOW)), timestamp_name: str(NOW), "X-Other": "1"}
    telnyx.verify_webhook(BODY.encode(), headers, PUBLIC_KEY, now=NOW)


def test_headers_as_aiohttp_gives_them_verify() -> None:
    """A `CIMultiDict` (aiohttp's request headers) works as well as a dict."""
    headers = CIMultiDict({"Telnyx-Signature-Ed25519": sign(BODY, str(NOW))})
    headers["Telnyx-Timestamp"] = str(NOW)
    telnyx.verify_webhook(BODY.encode(), headers, PUBLIC_KEY, now=NOW)


@pytest.mark.parametrize(
    "public_key",
    [PUBLIC_KEY, PUBLIC_KEY.encode(), PUBLIC_RAW, f"{PUBLIC_KEY}\n"],
    ids=["base64 text", "base64 bytes", "raw bytes", "text with a newline"],
)
def test_the_public_key_may_be_base64_text_or_bytes_or_raw(public_key: str | bytes) -> None:
    """The key is taken as Base64 (str or bytes, surrounding whitespace ignored) or raw bytes."""
    telnyx.verify_webhook(BODY.encode(), signed(BODY), public_key, now=NOW)


def test_a_changed_body_byte_fails_the_signature_check() -> None:
    """One byte of the body changed after signing fails with check "signature"."""
    body = bytearray(BODY.encode())
    body[10] ^= 0x01
    error = refused(telnyx.verify_webhook, bytes(body), signed(BODY), PUBLIC_KEY, now=NOW)
    assert "signature" == error.check
    assert "does not match" in str(error)


def test_a_changed_timestamp_fails_the_signature_check() -> None:
    """A timestamp header other than the one signed fails with check "signature"."""
    headers = signed(BODY) | {"telnyx-timestamp": str(NOW + 1)}
    error = refused(telnyx.verify_webhook, BODY.encode(), headers, PUBLIC_KEY, now=NOW)
    assert "signature" == error.check


def test_a_signature_by_another_key_fails_the_signature_check() -> None:
    """A delivery checked against another account's key fails with check "signature"."""
    error = refused(telnyx.verify_webhook, BODY.encode(), signed(BODY), OTHER_KEY, now=NOW)
    assert "signature" == error.check


@pytest.mark.parametrize(
    ("offset", "tolerance"),
    [(-300, 300.0), (300, 300.0), (0, 0.0), (-10, 10.0), (10, 10.0), (-86_400, 86_400.0)],
)
def test_timestamps_up_to_the_tolerance_either_way_verify(offset: int, tolerance: float) -> None:
    """A timestamp exactly `tolerance` seconds old or ahead is still accepted."""
    timestamp = NOW + offset
    telnyx.verify_webhook(
        BODY.encode(), signed(BODY, timestamp), PUBLIC_KEY, tolerance=tolerance, now=NOW
    )


@pytest.mark.parametrize(
    ("offset", "tolerance", "when"),
    [
        (-301, 300.0, "in the past"),
        (301, 300.0, "in the future"),
        (-1, 0.0, "in the past"),
        (-11, 10.0, "in the past"),
        (11, 10.0, "in the future"),
        (-NOW, 300.0, "in the past"),
    ],
)
def test_timestamps_beyond_the_tolerance_fail_the_timestamp_check(
    offset: int, tolerance: float, when: str
) -> None:
    """A correctly signed delivery stale or ahead beyond the tolerance fails with "timestamp"."""
    timestamp = NOW + offset
    error = refused(
        telnyx.verify_webhook,
        BODY.encode(),
        signed(BODY, timestamp),
        PUBLIC_KEY,
        tolerance=tolerance,
        now=NOW,
    )
    assert "timestamp" == error.check
    assert when in str(error)


def test_the_clock_defaults_to_now() -> None:
    """Without `now`, the current time is the reference for the tolerance."""
    timestamp = int(time.time())
    telnyx.verify_webhook(BODY.encode(), signed(BODY, timestamp), PUBLIC_KEY)
    stale = refused(
        telnyx.verify_webhook, BODY.encode(), signed(BODY, timestamp - 3600), PUBLIC_KEY
    )
    assert "timestamp" == stale.check


@pytest.mark.parametrize("missing", ["telnyx-signature-ed25519", "telnyx-timestamp"])
def test_a_missing_header_fails_the_header_check(missing: str) -> None:
    """Either header missing fails with check "header", naming it."""
    headers = {name: value for name, value in signed(BODY).items() if name != missing}
    error = refused(telnyx.verify_webhook, BODY.encode(), headers, PUBLIC_KEY, now=NOW)
    assert "header" == error.check
    assert f"the {missing} header is missing" == str(error)


@pytest.mark.parametrize(
    "signature",
    [
        "not base64!",
        "====",
        base64.b64encode(b"\x00" * 63).decode(),
        base64.b64encode(b"\x00" * 65).decode(),
        base64.b64encode(b"\x00" * 64).decode()[:-2],
        "",
    ],
    ids=["not base64", "padding only", "63 bytes", "65 bytes", "truncated", "empty"],
)
def test_a_malformed_signature_fails_the_header_check(signature: str) -> None:
    """A signature that is not Base64 of exactly 64 bytes fails with check "header"."""
    headers = signed(BODY) | {"telnyx-signature-ed25519": signature}
    error = refused(telnyx.verify_webhook, BODY.encode(), headers, PUBLIC_KEY, now=NOW)
    assert "header" == error.check
    assert "telnyx-signature-ed25519" in str(error)


@pytest.mark.parametrize(
    "timestamp",
    [
        "1700000000.5",
        "abc",
        "",
        "+1700000000",
        "-1700000000",
        "1_700_000_000",
        "\u0661\u0667\u0660\u0660",
        "1e9",
    ],
)
def test_a_timestamp_that_is_not_an_integer_fails_the_header_check(timestamp: str) -> None:
    """A timestamp that is not ASCII digits fails with check "header", before any clock check."""
    headers = signed(BODY) | {"telnyx-timestamp": timestamp}
    error = refused(telnyx.verify_webhook, BODY.encode(), headers, PUBLIC_KEY, now=NOW)
    assert "header" == error.check
    assert "telnyx-timestamp" in str(error)


@pytest.mark.parametrize(
    "public_key",
    [
        "not a key!",
        "",
        base64.b64encode(PUBLIC_RAW[:31]).decode(),
        base64.b64encode(PUBLIC_RAW + b"\x00").decode(),
        PUBLIC_RAW[:31],
        PUBLIC_KEY[:-4],
        "é" * 44,
    ],
    ids=["not base64", "empty", "31 bytes", "33 bytes", "31 raw bytes", "truncated", "non-ascii"],
)
def test_a_malformed_key_fails_the_key_check_without_echoing_it(public_key: str | bytes) -> None:
    """A key that is not Base64 of 32 bytes fails with check "key"; the message never holds it."""
    error = refused(telnyx.verify_webhook, BODY.encode(), signed(BODY), public_key, now=NOW)
    assert "key" == error.check
    shown = public_key.decode("latin-1") if isinstance(public_key, bytes) else public_key
    assert not shown or shown not in str(error)


def test_a_key_of_no_usable_type_fails_the_key_check() -> None:
    """A key that is neither text nor bytes fails with check "key"."""
    given: Any = 12345
    error = refused(telnyx.verify_webhook, BODY.encode(), signed(BODY), given, now=NOW)
    assert "key" == error.check


@pytest.mark.parametrize("tolerance", [-1, -0.5, float("nan"), float("inf"), True, "300", None])
def test_an_unusable_tolerance_is_a_configuration_error(tolerance: Any) -> None:
    """`tolerance` must be a finite number >= 0, for verifying as for building a decoder."""
    with pytest.raises(ConfigurationError, match="tolerance"):
        telnyx.verify_webhook(BODY.encode(), signed(BODY), PUBLIC_KEY, tolerance=tolerance)
    with pytest.raises(ConfigurationError, match="tolerance"):
        telnyx.webhook_decoder(PUBLIC_KEY, tolerance=tolerance)


@pytest.mark.parametrize("now", [float("nan"), float("inf"), "1700000000", True])
def test_an_unusable_clock_is_a_configuration_error(now: Any) -> None:
    """`now` must be a finite number: a NaN clock must not pass every timestamp."""
    with pytest.raises(ConfigurationError, match="now"):
        telnyx.verify_webhook(BODY.encode(), signed(BODY), PUBLIC_KEY, now=now)


@PROPERTY
@given(body=st.text(), timestamp=st.integers(min_value=0, max_value=10**12))
def test_any_correctly_signed_body_verifies(body: str, timestamp: int) -> None:
    """Whatever the text and the time, what Telnyx would sign verifies."""
    headers = {
        "telnyx-signature-ed25519": sign(body, str(timestamp)),
        "telnyx-timestamp": str(timestamp),
    }
    telnyx.verify_webhook(body.encode(), headers, PUBLIC_KEY, now=timestamp)


@PROPERTY
@given(body=st.text(min_size=1), data=st.data())
def test_any_single_byte_change_fails_the_signature_check(body: str, data: st.DataObject) -> None:
    """Changing any one byte of a signed body, to any other value, fails with check "signature"."""
    raw = bytearray(body.encode())
    index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1), label="index")
    value = data.draw(st.integers(min_value=0, max_value=255).filter(lambda b: b != raw[index]))
    raw[index] = value
    error = refused(telnyx.verify_webhook, bytes(raw), signed(body), PUBLIC_KEY, now=NOW)
    assert "signature" == error.check


# --- Verify, then parse ----------------------------------------------------------------------


def test_construct_event_verifies_then_parses() -> None:
    """A verified delivery becomes its typed event."""
    timestamp = int(time.time())
    event = telnyx.construct_event(BODY.encode(), signed(BODY, timestamp), PUBLIC_KEY)
    assert isinstance(event, telnyx.ConferenceParticipantJoined)


def test_construct_event_parses_nothing_that_does_not_verify() -> None:
    """A forged delivery is refused before its body is read, even when it is not JSON."""
    timestamp = int(time.time())
    error = refused(telnyx.construct_event, b"{not json", signed(BODY, timestamp), PUBLIC_KEY)
    assert "signature" == error.check


def test_construct_event_reports_a_verified_body_that_is_not_an_event() -> None:
    """A verified body that is not an event raises `EventPayloadError`."""
    timestamp = int(time.time())
    with pytest.raises(EventPayloadError, match="not JSON"):
        telnyx.construct_event(b"{not json", signed("{not json", timestamp), PUBLIC_KEY)


def post(body: str, headers: dict[str, str] | None = None) -> Delivery:
    """A POST delivery of `body`, signed now unless `headers` are given."""
    return Delivery(
        method="POST", body=body.encode(), headers=headers or signed(body, int(time.time()))
    )


def test_the_decoder_verifies_and_parses_a_delivery() -> None:
    """`webhook_decoder`'s function turns a signed POST into its event."""
    decode = telnyx.webhook_decoder(PUBLIC_KEY)
    event = decode(post(BODY))
    assert telnyx.ConferenceParticipantJoined is type(event)
    assert "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0" == event.id


def test_the_decoder_refuses_a_forged_delivery() -> None:
    """A delivery signed by another key is refused with check "signature"."""
    decode = telnyx.webhook_decoder(OTHER_KEY)
    assert "signature" == refused(decode, post(BODY)).check


def test_the_decoder_refuses_a_get() -> None:
    """Telnyx only POSTs; a GET is not one of its events."""
    decode = telnyx.webhook_decoder(PUBLIC_KEY)
    delivery = Delivery(method="GET", body=b"", query={"event_type": "call.hangup"})
    with pytest.raises(EventPayloadError, match="POST"):
        decode(delivery)


@pytest.mark.parametrize("public_key", ["not a key!", base64.b64encode(b"short").decode(), b""])
def test_the_decoder_checks_the_key_when_it_is_built(public_key: str | bytes) -> None:
    """A bad key is reported when the decoder is built, not at the first delivery."""
    assert "key" == refused(telnyx.webhook_decoder, public_key).check


async def test_a_receiver_with_the_decoder_accepts_signed_events_once() -> None:
    """With `WebhookReceiver`, a signed event is handed on once; forged and GET are refused."""
    async with WebhookReceiver(telnyx.webhook_decoder(PUBLIC_KEY)) as receiver:
        assert 200 == await receiver.receive(post(BODY))
        assert 200 == await receiver.receive(post(BODY))
        forged = signed(BODY, int(time.time())) | {"telnyx-signature-ed25519": sign("x", "1")}
        assert 403 == await receiver.receive(post(BODY, forged))
        assert 400 == await receiver.receive(Delivery(method="GET", body=b""))
        assert ["0ccc7b54-4df3-4bca-a65a-3da1ecc777f0"] == [e.id for e in receiver.received]


# --- Parsing ---------------------------------------------------------------------------------


def test_every_event_type_has_a_documented_sample() -> None:
    """The samples cover exactly the event types that have classes."""
    assert set(EVENT_CLASSES) == {path.name.removesuffix(".json") for path in DATA.glob("*.json")}


@pytest.mark.parametrize("event_type", sorted(EVENT_CLASSES))
def test_every_documented_sample_parses_into_its_class(event_type: str) -> None:
    """Each documented example becomes its own class, with its typed payload and an aware time."""
    event = telnyx.parse_event((DATA / f"{event_type}.json").read_bytes())
    assert EVENT_CLASSES[event_type] is type(event)
    assert PAYLOAD_CLASSES[event_type] is type(event.payload)  # type: ignore[attr-defined]
    assert "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0" == event.id
    assert event_type == event.event_type
    assert "event" == event.record_type
    assert isinstance(event, telnyx.Event)
    if event.occurred_at is not None:
        assert timedelta(0) == event.occurred_at.utcoffset()


def test_conference_created_carries_the_conference_and_the_leg() -> None:
    """`conference.created` has the conference, the leg, and its payload's time as the event's."""
    event = telnyx.parse_event(sample("conference.created"))
    assert isinstance(event, telnyx.ConferenceCreated)
    payload = event.payload
    assert "428c31b6-abf3-3bc1-b7f4-5013ef9657c1" == payload.conference_id
    assert "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg" == payload.call_control_id
    assert "428c31b6-7af4-4bcb-b7f5-5013ef9657c1" == payload.call_leg_id
    assert "7267xxxxxxxxxxxxxx" == payload.connection_id
    assert "aGF2ZSBhIG5pY2UgZGF5ID1d" == payload.client_state
    assert "have a nice day =]" == payload.client_state_text
    when = datetime(2018, 2, 2, 22, 25, 27, 521000, tzinfo=UTC)
    assert when == payload.occurred_at
    assert when == event.occurred_at


def test_conference_ended_says_why() -> None:
    """`conference.ended` carries its reason."""
    event = telnyx.parse_event(sample("conference.ended"))
    assert isinstance(event, telnyx.ConferenceEnded)
    assert "host_left" == event.payload.reason


def test_participant_joined_takes_its_time_from_the_envelope() -> None:
    """`conference.participant.joined` has its time on `data`, not in the payload."""
    event = telnyx.parse_event(sample("conference.participant.joined"))
    assert isinstance(event, telnyx.ConferenceParticipantJoined)
    assert datetime(2018, 2, 2, 22, 25, 27, 521992, tzinfo=UTC) == event.occurred_at
    assert None is event.payload.occurred_at
    assert "428c31b6-abf3-3bc1-b7f4-5013ef9657c1" == event.payload.conference_id


def test_the_envelope_time_wins_over_the_payload_time() -> None:
    """When both say, `data.occurred_at` is the event's time."""
    body = sample("conference.created")
    body["data"]["occurred_at"] = "2020-01-01T00:00:00Z"
    event = telnyx.parse_event(body)
    assert datetime(2020, 1, 1, tzinfo=UTC) == event.occurred_at


def test_playback_events_carry_the_media() -> None:
    """Participant and conference playback events name the media played."""
    participant = telnyx.parse_event(sample("conference.participant.playback.started"))
    assert isinstance(participant, telnyx.ConferenceParticipantPlaybackStarted)
    assert "https://www.example.com/audio.mp3" == participant.payload.media_url
    assert None is participant.payload.media_name
    assert "428c31b6-7af4-4bcb-b7f5-5013ef9657c1" == participant.payload.creator_call_session_id
    everyone = telnyx.parse_event(
        envelope("conference.playback.ended", media_name="hold_music", conference_id="c-1")
    )
    assert isinstance(everyone, telnyx.ConferencePlaybackEnded)
    assert "hold_music" == everyone.payload.media_name


def test_recording_saved_carries_typed_urls_and_times() -> None:
    """`conference.recording.saved` has its URLs as `RecordingUrls` and its times as datetimes."""
    event = telnyx.parse_event(sample("conference.recording.saved"))
    assert isinstance(event, telnyx.ConferenceRecordingSaved)
    payload = event.payload
    urls = telnyx.RecordingUrls(
        mp3="http://example.com/recording.mp3", wav="http://example.com/recording.wav"
    )
    assert urls == payload.recording_urls
    assert urls == payload.public_recording_urls
    assert "4577f9a2-cf0e-44f3-ac57-9f95fb03fa47" == payload.recording_id
    assert ("single", "mp3") == (payload.channels, payload.format)
    assert datetime(2021, 5, 11, 10, 17, 3, 692107, tzinfo=UTC) == payload.recording_started_at
    assert datetime(2018, 2, 2, 22, 20, 27, 521992, tzinfo=UTC) == payload.recording_ended_at
    assert None is event.occurred_at


def test_call_initiated_reads_from_as_from_() -> None:
    """`call.initiated` has `from` (as `from_`), `to`, direction and state."""
    event = telnyx.parse_event(sample("call.initiated"))
    assert isinstance(event, telnyx.CallInitiated)
    payload = event.payload
    assert ("+35319605860", "+35319605860") == (payload.from_, payload.to)
    assert ("incoming", "parked") == (payload.direction, payload.state)


def test_call_initiated_reads_its_documented_optional_fields() -> None:
    """Tags, SIP headers, codecs and SHAKEN/STIR fields are typed when Telnyx sends them."""
    body = envelope(
        "call.initiated",
        tags=["tag-01", "tag-02"],
        custom_headers=[{"name": "head_1", "value": "val_1"}],
        sip_headers=[{"name": "User-to-User", "value": "1234"}],
        caller_id_name="+35319605860",
        call_screening_result="spam_likely",
        connection_codecs="G722,PCMU,PCMA",
        offered_codecs="G722,PCMU,PCMA",
        shaken_stir_attestation="A",
        shaken_stir_validated=True,
        start_time="2018-02-02T22:25:27.521992Z",
    )
    payload = telnyx.parse_event(body).payload  # type: ignore[attr-defined]
    assert ("tag-01", "tag-02") == payload.tags
    assert (telnyx.SipHeader(name="head_1", value="val_1"),) == payload.custom_headers
    assert (telnyx.SipHeader(name="User-to-User", value="1234"),) == payload.sip_headers
    assert ("A", True) == (payload.shaken_stir_attestation, payload.shaken_stir_validated)
    assert "spam_likely" == payload.call_screening_result
    assert datetime(2018, 2, 2, 22, 25, 27, 521992, tzinfo=UTC) == payload.start_time


def test_call_answered_carries_its_start_time() -> None:
    """`call.answered` has its state and start time."""
    event = telnyx.parse_event(sample("call.answered"))
    assert isinstance(event, telnyx.CallAnswered)
    assert "answered" == event.payload.state
    assert datetime(2018, 2, 2, 22, 25, 27, 521992, tzinfo=UTC) == event.payload.start_time


def test_call_hangup_says_why_and_who() -> None:
    """`call.hangup` has the cause, the source, the SIP cause and the quality stats as sent."""
    event = telnyx.parse_event(sample("call.hangup"))
    assert isinstance(event, telnyx.CallHangup)
    payload = event.payload
    assert ("call_rejected", "caller", "603") == (
        payload.hangup_cause,
        payload.hangup_source,
        payload.sip_hangup_cause,
    )
    assert "hangup" == payload.state
    assert payload.call_quality_stats is not None
    assert "4.50" == payload.call_quality_stats["inbound"]["mos"]


@pytest.mark.parametrize(
    "text",
    [
        "2018-02-02T22:25:27Z",
        "2018-02-02T22:25:27.000Z",
        "2018-02-02T22:25:27.000000Z",
        "2018-02-02T22:25:27+00:00",
        "2018-02-02T23:25:27+01:00",
        "2018-02-02T17:25:27.0-05:00",
        "2018-02-02T22:25:27",
    ],
)
def test_timestamps_with_z_or_offsets_and_any_fraction_become_aware(text: str) -> None:
    """ISO 8601 with `Z`, an offset or none (UTC), any fraction or none, is one aware instant."""
    event = telnyx.parse_event(
        {"data": {"id": "e", "event_type": "call.answered", "occurred_at": text, "payload": {}}}
    )
    assert event.occurred_at is not None
    assert event.occurred_at.tzinfo is not None
    assert datetime(2018, 2, 2, 22, 25, 27, tzinfo=UTC) == event.occurred_at


def test_an_offset_is_kept() -> None:
    """A timestamp's own offset is kept, not converted."""
    event = telnyx.parse_event(
        {
            "data": {
                "id": "e",
                "event_type": "call.hangup",
                "occurred_at": "2018-02-02T23:25:27.5+01:00",
                "payload": {},
            }
        }
    )
    assert event.occurred_at is not None
    assert timezone(timedelta(hours=1)) == event.occurred_at.tzinfo


def test_an_unknown_event_type_is_a_value_not_an_error() -> None:
    """A type with no class becomes `UnknownEvent`, its payload as sent, whatever is in it."""
    payload = {
        "call_control_id": 5,
        "anything": [1, {"x": None}],
        "occurred_at": "2019-01-01T00:00Z",
    }
    body = {"data": {"id": "e-9", "event_type": "call.dtmf.received", "payload": payload}}
    event = telnyx.parse_event(json.dumps(body))
    assert (
        telnyx.UnknownEvent(
            id="e-9",
            event_type="call.dtmf.received",
            occurred_at=datetime(2019, 1, 1, tzinfo=UTC),
            payload=payload,
        )
        == event
    )


def test_an_unknown_events_unreadable_payload_time_is_left_out() -> None:
    """An unknown event's payload time that is not a timestamp leaves `occurred_at` None."""
    event = telnyx.parse_event(envelope("future.event", occurred_at="soon"))
    assert telnyx.UnknownEvent is type(event)
    assert None is event.occurred_at


def test_extra_fields_anywhere_are_ignored() -> None:
    """Fields Telnyx adds to the envelope, `data`, the payload or nested objects change nothing."""
    plain = sample("conference.recording.saved")
    extended = sample("conference.recording.saved")
    extended["new_top_level"] = {"x": 1}
    extended["meta"]["new"] = True
    extended["data"]["new_in_data"] = [1, 2]
    extended["data"]["payload"]["new_in_payload"] = {"nested": "yes"}
    extended["data"]["payload"]["recording_urls"]["m4a"] = "http://example.com/recording.m4a"
    assert telnyx.parse_event(plain) == telnyx.parse_event(extended)
    hangup = sample("call.hangup")
    hangup["data"]["payload"]["custom_headers"] = [{"name": "a", "value": "b", "new": 1}]
    payload = telnyx.parse_event(hangup).payload  # type: ignore[attr-defined]
    assert (telnyx.SipHeader(name="a", value="b"),) == payload.custom_headers


def test_null_optional_fields_are_none() -> None:
    """A documented field sent as null reads as None."""
    event = telnyx.parse_event(envelope(client_state=None, conference_id=None))
    assert telnyx.ConferenceCreatedPayload() == event.payload  # type: ignore[attr-defined]
    assert None is event.payload.client_state_text  # type: ignore[attr-defined]


def test_the_body_may_be_bytes_text_or_decoded() -> None:
    """Bytes, text and an already-decoded mapping parse the same."""
    text = (DATA / "call.hangup.json").read_text()
    parsed = telnyx.parse_event(text)
    assert parsed == telnyx.parse_event(text.encode())
    assert parsed == telnyx.parse_event(json.loads(text))


def test_an_undecodable_client_state_is_reported_when_asked_for() -> None:
    """`client_state_text` of state that is not Base64 of UTF-8 raises `EventPayloadError`."""
    for state in ("not base64!", base64.b64encode(b"\xff\xfe").decode()):
        payload = telnyx.parse_event(envelope(client_state=state)).payload  # type: ignore[attr-defined]
        assert state == payload.client_state
        with pytest.raises(EventPayloadError, match="client_state"):
            _ = payload.client_state_text


def test_events_are_frozen_and_survive_pickling() -> None:
    """Events are values: immutable, equal by content, and they cross process boundaries."""
    event = telnyx.parse_event(sample("call.hangup"))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.id = "other"  # type: ignore[misc]
    assert event == pickle.loads(pickle.dumps(event))  # noqa: S301 - our own bytes


def payload_of(event_type: str, **fields: Any) -> dict[str, Any]:
    """`event_type`'s documented example with `fields` changed in its payload."""
    body = sample(event_type)
    body["data"]["payload"].update(fields)
    return body


def data_with(**fields: Any) -> dict[str, Any]:
    """The joined sample with `fields` changed (a `...` value removes the key) in `data`."""
    body = sample("conference.participant.joined")
    for key, value in fields.items():
        if value is ...:
            del body["data"][key]
        else:
            body["data"][key] = value
    return body


MALFORMED: list[tuple[Any, str]] = [
    (b"{", "not JSON"),
    (b"", "not JSON"),
    (b"\xff\xfe{}", "not JSON"),
    ("[]", "an array, not a JSON object"),
    ("null", "null, not a JSON object"),
    ("42", "a number, not a JSON object"),
    ('"text"', "a string, not a JSON object"),
    ({}, "data: expected an object, got nothing"),
    ({"data": None}, "data: expected an object, got null"),
    ({"data": []}, "data: expected an object, got an array"),
    ({"data": "x"}, "data: expected an object, got a string"),
    (data_with(id=...), "data.id: expected a non-empty string, got nothing"),
    (data_with(id=5), "data.id: expected a non-empty string, got a number"),
    (data_with(id=""), "data.id: expected a non-empty string, got an empty string"),
    (data_with(id=None), "data.id: expected a non-empty string, got null"),
    (data_with(event_type=...), "data.event_type: expected a non-empty string, got nothing"),
    (data_with(event_type=["x"]), "data.event_type: expected a non-empty string, got an array"),
    (data_with(payload=...), "data.payload: expected an object, got nothing"),
    (data_with(payload=None), "data.payload: expected an object, got null"),
    (data_with(payload=[]), "data.payload: expected an object, got an array"),
    (data_with(payload="{}"), "data.payload: expected an object, got a string"),
    (
        data_with(event_type="brand.new", payload=3),
        "data.payload: expected an object, got a number",
    ),
    (data_with(occurred_at=5), "data.occurred_at: expected an ISO 8601 timestamp, got a number"),
    (data_with(occurred_at="yesterday"), "data.occurred_at: expected an ISO 8601 timestamp"),
    (data_with(occurred_at=""), "data.occurred_at: expected an ISO 8601 timestamp"),
    (data_with(record_type=1), "data.record_type: expected a string, got a number"),
    (
        payload_of("conference.participant.joined", conference_id=5),
        "data.payload.conference_id: expected a string",
    ),
    (
        payload_of("conference.participant.left", call_control_id=True),
        "data.payload.call_control_id: expected a string",
    ),
    (
        payload_of("conference.created", occurred_at="not a time"),
        "data.payload.occurred_at: expected an ISO 8601 timestamp",
    ),
    (
        payload_of("conference.ended", reason=["host_left"]),
        "data.payload.reason: expected a string",
    ),
    (
        payload_of("conference.recording.saved", recording_urls="http://x"),
        "data.payload.recording_urls: expected an object",
    ),
    (
        payload_of("conference.recording.saved", recording_urls={"mp3": 3}),
        "data.payload.recording_urls.mp3: expected a string",
    ),
    (
        payload_of("conference.recording.saved", recording_started_at=1_600_000_000),
        "data.payload.recording_started_at: expected an ISO 8601 timestamp",
    ),
    (payload_of("call.initiated", **{"from": 35319605860}), "data.payload.from: expected a string"),
    (
        payload_of("call.initiated", tags="tag-01"),
        "data.payload.tags: expected an array of strings",
    ),
    (payload_of("call.initiated", tags=["a", 2]), "data.payload.tags[1]: expected a string"),
    (
        payload_of("call.initiated", shaken_stir_validated="true"),
        "data.payload.shaken_stir_validated: expected true or false",
    ),
    (
        payload_of("call.answered", custom_headers=[{"name": "x"}]),
        "data.payload.custom_headers[0].value: missing",
    ),
    (
        payload_of("call.answered", sip_headers={"name": "x", "value": "y"}),
        "data.payload.sip_headers: expected an array of objects",
    ),
    (
        payload_of("call.hangup", call_quality_stats=["mos"]),
        "data.payload.call_quality_stats: expected an object",
    ),
    (
        payload_of("call.hangup", hangup_cause=16, sip_hangup_cause=603),
        (
            "data.payload.hangup_cause: expected a string; "
            "data.payload.sip_hangup_cause: expected a string"
        ),
    ),
]


@pytest.mark.parametrize(("body", "problem"), MALFORMED)
def test_a_malformed_body_raises_event_payload_error_naming_the_problem(
    body: Any, problem: str
) -> None:
    """Every malformed shape raises `EventPayloadError` (not KeyError, not cattrs') saying what."""
    with pytest.raises(EventPayloadError) as caught:
        telnyx.parse_event(body if isinstance(body, bytes | str) else json.dumps(body))
    assert problem in str(caught.value)
