"""Bad input: any value for any field of any request class is a valid request or a ValidationError.

`tests/test_properties.py` covers both `CreateConferenceRequest`s; this module
covers every other request class the provider packages export (found through
their `__all__`, so a class added later is fuzzed too). A request that is
accepted is encoded as the client would send it and checked against the
providers' documented rules by an independent reading of the documents (the
tables below), not by the library's own validators.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import attrs
import pytest
from hardening_support import (
    BOUND,
    CCID,
    FROM,
    HARDENING,
    TELNYX_CONFERENCE,
    TELNYX_PARTICIPANT,
    RawServer,
    Received,
    ServeFn,
    answer,
    catapult_client,
    json_answer,
    telnyx_client,
)
from hypothesis import given
from hypothesis import strategies as st

from conferencing import SessionPool, ValidationError, catapult, create_many, telnyx
from conferencing._rules import build
from conferencing._wire import dumps
from conferencing.catapult._wire import CONVERTER as CATAPULT_CONVERTER
from conferencing.catapult._wire import calls_query
from conferencing.telnyx._wire import CONVERTER as TELNYX_CONVERTER

pytest_plugins = ["hardening_fixtures"]


def request_classes(module: Any) -> list[type[Any]]:
    """The request classes `module` exports, its `CreateConferenceRequest` aside."""
    return [
        getattr(module, name)
        for name in module.__all__
        if name.endswith("Request")
        and name != "CreateConferenceRequest"
        and attrs.has(getattr(module, name))
    ]


TELNYX_CLASSES: Final = request_classes(telnyx)
CATAPULT_CLASSES: Final = request_classes(catapult)
CLASSES: Final = [("telnyx", cls) for cls in TELNYX_CLASSES] + [
    ("catapult", cls) for cls in CATAPULT_CLASSES
]
CONVERTERS: Final = {"telnyx": TELNYX_CONVERTER, "catapult": CATAPULT_CONVERTER}

# --- The documents, read independently ------------------------------------------------

BEEP: Final = {"always", "never", "on_enter", "on_exit"}
REGION: Final = {"Australia", "Europe", "Middle East", "US"}
SUPERVISOR: Final = {"barge", "monitor", "none", "whisper"}
CONF_STATUS: Final = {"init", "in_progress", "completed"}
CALL_STATE: Final = {"active", "rejected", "completed", "transferring"}
SORT_ORDER: Final = {"asc", "desc"}
HTTP_METHOD: Final = {"GET", "POST"}
FORMAT: Final = {"wav", "mp3"}
GENDER: Final = {"female", "male"}
LOCALE: Final = {"en_US", "en_UK", "es", "es_MX", "fr", "fr_FR", "de", "de_DE", "it", "it_IT"}
VOICE: Final = {
    v.casefold()
    for v in (
        "Kate",
        "Susan",
        "Julie",
        "Dave",
        "Paul",
        "Bridget",
        "Esperanza",
        "Violeta",
        "Jorge",
        "Jolie",
        "Bernard",
        "Katrin",
        "Stefan",
        "Paola",
        "Luca",
    )
}
E164: Final = re.compile(r"\+[1-9][0-9]{1,14}")
SIP: Final = re.compile(r"sip:[^@\s]+@[^@\s]+")
DTMF: Final = "0123456789ABCD*#"
PATH_ID: Final = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]{1,512}")


def is_url(value: object) -> bool:
    """An absolute http(s) URL with a host and nothing that breaks a URL."""
    if not isinstance(value, str) or any(c.isspace() or ord(c) < 0x20 for c in value):
        return False
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def is_base64(value: object) -> bool:
    """Valid, non-empty standard Base64."""
    if not isinstance(value, str) or not value:
        return False
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return False
    return True


def is_bool(value: object) -> bool:
    """A JSON boolean."""
    return isinstance(value, bool)


def in_range(low: int, high: int | None) -> Callable[[object], bool]:
    """A JSON integer in `low..high`."""
    return lambda v: (
        isinstance(v, int) and not isinstance(v, bool) and low <= v and (high is None or v <= high)
    )


def one_of(values: set[str]) -> Callable[[object], bool]:
    """One of the documented strings."""
    return lambda v: isinstance(v, str) and v in values


def is_phone_or_sip(value: object) -> bool:
    """An E.164 number or a `sip:` URI."""
    return isinstance(value, str) and (
        E164.fullmatch(value) is not None or SIP.fullmatch(value) is not None
    )


def is_str(value: object) -> bool:
    """A JSON string."""
    return isinstance(value, str)


def str_list(value: object) -> bool:
    """A JSON array of non-empty strings."""
    return isinstance(value, list) and all(isinstance(i, str) and i for i in value)


def sip_headers(value: object) -> bool:
    """At most 5 headers named X-..., names and values strings without control characters."""
    if not isinstance(value, dict) or len(value) > 5:
        return False
    for name, text in value.items():
        if not (isinstance(name, str) and name[:2].lower() == "x-" and len(name) > 2):
            return False
        if not isinstance(text, str) or len(name) > 256 or len(text) > 256:
            return False
        if any(ord(c) < 0x20 or c == "\x7f" for c in name + text):
            return False
    return True


def sip_header_list(value: object) -> bool:
    """A JSON array of {name, value} objects (Telnyx's custom_headers)."""
    return isinstance(value, list) and all(
        isinstance(h, dict) and set(h) == {"name", "value"} for h in value
    )


Rules = Mapping[str, Callable[[object], bool]]
TELNYX_RULES: Final[dict[str, Rules]] = {
    "JoinRequest": {
        "call_control_id": lambda v: isinstance(v, str) and bool(v.strip()),
        "beep_enabled": one_of(BEEP),
        "client_state": is_base64,
        "command_id": is_str,
        "end_conference_on_exit": is_bool,
        "soft_end_conference_on_exit": is_bool,
        "hold": is_bool,
        "hold_audio_url": is_url,
        "hold_media_name": is_str,
        "mute": is_bool,
        "start_conference_on_enter": is_bool,
        "supervisor_role": one_of(SUPERVISOR),
        "whisper_call_control_ids": str_list,
        "region": one_of(REGION),
    },
    "LeaveRequest": {
        "call_control_id": lambda v: isinstance(v, str) and bool(v.strip()),
        "beep_enabled": one_of(BEEP),
        "command_id": is_str,
        "region": one_of(REGION),
    },
    "MuteRequest": {"call_control_ids": str_list, "region": one_of(REGION)},
    "UnmuteRequest": {"call_control_ids": str_list, "region": one_of(REGION)},
    "HoldRequest": {
        "call_control_ids": str_list,
        "audio_url": is_url,
        "media_name": is_str,
        "region": one_of(REGION),
    },
    "UnholdRequest": {
        "call_control_ids": lambda v: str_list(v) and bool(v),
        "region": one_of(REGION),
    },
    "EndConferenceRequest": {"command_id": is_str},
    "PlayRequest": {
        "audio_url": is_url,
        "media_name": is_str,
        "loop": lambda v: v == "infinity" or in_range(1, 100)(v),
        "call_control_ids": str_list,
        "region": one_of(REGION),
    },
    "StopRequest": {"call_control_ids": str_list, "region": one_of(REGION)},
    "SpeakRequest": {
        "payload": lambda v: isinstance(v, str) and bool(v.strip()) and len(v) <= 3000,
        "voice": lambda v: isinstance(v, str) and bool(v.strip()),
        "call_control_ids": str_list,
        "command_id": is_str,
        "language": is_str,
        "payload_type": one_of({"text", "ssml"}),
        "region": one_of(REGION),
    },
    "RecordStartRequest": {
        "format": one_of(FORMAT),
        "channels": one_of({"single", "dual"}),
        "command_id": is_str,
        "custom_file_name": lambda v: isinstance(v, str) and 1 <= len(v) <= 40,
        "play_beep": is_bool,
        "region": one_of(REGION),
        "trim": one_of({"trim-silence"}),
    },
    "RecordStopRequest": {
        "client_state": is_base64,
        "command_id": is_str,
        "recording_id": is_str,
        "region": one_of(REGION),
    },
    "RecordPauseRequest": {"command_id": is_str, "recording_id": is_str, "region": one_of(REGION)},
    "RecordResumeRequest": {"command_id": is_str, "recording_id": is_str, "region": one_of(REGION)},
    "UpdateConferenceRequest": {
        "call_control_id": lambda v: isinstance(v, str) and bool(v.strip()),
        "supervisor_role": one_of(SUPERVISOR),
        "command_id": is_str,
        "region": one_of(REGION),
        "whisper_call_control_ids": lambda v: (
            isinstance(v, list) and str_list(v) and len(set(v)) == len(v)
        ),
    },
    "SendDtmfRequest": {
        "digits": lambda v: isinstance(v, str) and bool(v) and set(v) <= set(DTMF + "wW"),
        "call_control_ids": str_list,
        "client_state": is_base64,
        "duration_millis": in_range(100, 500),
    },
    "GatherUsingAudioRequest": {
        "call_control_id": lambda v: isinstance(v, str) and bool(v.strip()),
        "audio_url": is_url,
        "client_state": is_base64,
        "gather_id": lambda v: isinstance(v, str) and len(v) <= 100,
        "initial_timeout_millis": in_range(0, None),
        "inter_digit_timeout_millis": in_range(0, None),
        "invalid_audio_url": is_url,
        "invalid_media_name": is_str,
        "maximum_digits": in_range(1, None),
        "maximum_tries": in_range(1, None),
        "media_name": is_str,
        "minimum_digits": in_range(1, None),
        "stop_playback_on_dtmf": is_bool,
        "terminating_digit": lambda v: isinstance(v, str) and len(v) == 1 and v in DTMF,
        "timeout_millis": in_range(0, None),
        "valid_digits": lambda v: isinstance(v, str) and set(v) <= set(DTMF),
    },
    "DialRequest": {
        "connection_id": lambda v: isinstance(v, str) and bool(v.strip()),
        "from": lambda v: isinstance(v, str) and E164.fullmatch(v) is not None,
        "to": lambda v: (
            isinstance(v, str) and (E164.fullmatch(v) is not None or SIP.fullmatch(v) is not None)
        ),
        "answering_machine_detection": one_of(
            {"premium", "detect", "detect_beep", "detect_words", "greeting_end", "disabled"}
        ),
        "audio_url": is_url,
        "client_state": is_base64,
        "command_id": is_str,
        "conference_config": lambda v: isinstance(v, dict),
        "custom_headers": sip_header_list,
        "from_display_name": lambda v: isinstance(v, str) and len(v) <= 128,
        "link_to": is_str,
        "media_name": is_str,
        "time_limit_secs": in_range(30, 14400),
        "timeout_secs": in_range(5, 600),
        "webhook_url": is_url,
        "webhook_url_method": one_of(HTTP_METHOD),
    },
    "HangUpRequest": {
        "client_state": is_base64,
        "command_id": is_str,
        "custom_headers": sip_header_list,
    },
    "UpdateParticipantRequest": {
        "beep_enabled": one_of(BEEP),
        "end_conference_on_exit": is_bool,
        "soft_end_conference_on_exit": is_bool,
    },
}
TELNYX_REQUIRED: Final = {
    "JoinRequest": {"call_control_id"},
    "LeaveRequest": {"call_control_id"},
    "UnholdRequest": {"call_control_ids"},
    "SpeakRequest": {"payload", "voice"},
    "RecordStartRequest": {"format"},
    "UpdateConferenceRequest": {"call_control_id", "supervisor_role"},
    "SendDtmfRequest": {"digits"},
    "GatherUsingAudioRequest": {"call_control_id"},
    "DialRequest": {"connection_id", "from", "to"},
}
CALLBACKS: Final[Rules] = {
    "callbackUrl": is_url,
    "callbackHttpMethod": one_of(HTTP_METHOD),
    "callbackTimeout": in_range(1, 10_000),
    "fallbackUrl": is_url,
    "tag": is_str,
}
CATAPULT_RULES: Final[dict[str, Rules]] = {
    "CreateCallRequest": {
        "from": lambda v: isinstance(v, str) and E164.fullmatch(v) is not None,
        "to": lambda v: (
            isinstance(v, str) and (E164.fullmatch(v) is not None or SIP.fullmatch(v) is not None)
        ),
        "conferenceId": lambda v: isinstance(v, str) and PATH_ID.fullmatch(v) is not None,
        "bridgeId": lambda v: isinstance(v, str) and PATH_ID.fullmatch(v) is not None,
        "callTimeout": in_range(1, 300),
        "recordingEnabled": is_bool,
        "recordingMaxDuration": in_range(1, None),
        "recordingFileFormat": one_of(FORMAT),
        "transcriptionEnabled": is_bool,
        "sipHeaders": sip_headers,
        **CALLBACKS,
    },
    "AddMemberRequest": {
        "callId": lambda v: isinstance(v, str) and PATH_ID.fullmatch(v) is not None,
        "joinTone": is_bool,
        "leavingTone": is_bool,
        "mute": is_bool,
        "hold": is_bool,
    },
    "UpdateConferenceRequest": {
        "state": lambda v: v == "completed",
        "hold": is_bool,
        "mute": is_bool,
        **CALLBACKS,
    },
    "UpdateMemberRequest": {
        "state": lambda v: v == "completed",
        "joinTone": is_bool,
        "leavingTone": is_bool,
        "mute": is_bool,
        "hold": is_bool,
    },
    "PlayAudioRequest": {
        "fileUrl": lambda v: v == "" or is_url(v),
        "sentence": lambda v: isinstance(v, str) and len(v) <= 1000,
        "gender": one_of(GENDER),
        "locale": one_of(LOCALE),
        "voice": lambda v: isinstance(v, str) and v.casefold() in VOICE,
        "loopEnabled": is_bool,
        "tag": is_str,
    },
    # Update active Call, and Transfer active Call (a subset of it).
    "UpdateCallRequest": {
        "state": one_of(CALL_STATE),
        "recordingEnabled": is_bool,
        "recordingFileFormat": one_of(FORMAT),
        "transferTo": is_phone_or_sip,
        # `private`, the incoming call's `from` number or a Bandwidth number.
        "transferCallerId": lambda v: (
            v == "private" or (isinstance(v, str) and E164.fullmatch(v) is not None)
        ),
        # "See tab for audio": an object as `POST .../audio` takes it.
        "whisperAudio": lambda v: (
            isinstance(v, dict) and [] == broken_rules("catapult", "PlayAudioRequest", v)
        ),
        "callbackUrl": is_url,
    },
}
CATAPULT_REQUIRED: Final = {
    "CreateCallRequest": {"from", "to"},
    "AddMemberRequest": {"callId"},
}
# Requests that change something must change something.
AT_LEAST_ONE: Final = {
    "UpdateParticipantRequest",
    "UpdateConferenceRequest",
    "UpdateMemberRequest",
    "UpdateCallRequest",
}
# Fields of a call update that only mean something in a transfer ("only considered in
# transfer state"; the events "of the new call ... upon transferring"): the library
# refuses them without state=transferring, where Catapult would ignore them.
TRANSFER_ONLY: Final = ("transferTo", "transferCallerId", "whisperAudio", "callbackUrl")
NOT_BOTH: Final = [
    ("hold_audio_url", "hold_media_name"),
    ("audio_url", "media_name"),
]


def broken_rules(provider: str, name: str, payload: Any) -> list[str]:
    """The documented rules the JSON body `payload` of a `name` request breaks."""
    if not isinstance(payload, dict):
        return [f"the body is a {type(payload).__name__}, not an object"]
    broken = [
        f"{key} is null (unset fields are omitted)" for key, v in payload.items() if v is None
    ]
    rules = (TELNYX_RULES if provider == "telnyx" else CATAPULT_RULES).get(name)
    if rules is None:
        return broken  # a class added after this table: only the generic rules
    broken += [f"{key} is not documented" for key in payload if key not in rules]
    broken += [
        f"{key}={value!r}"
        for key, value in payload.items()
        if key in rules and value is not None and not rules[key](value)
    ]
    required = (TELNYX_REQUIRED if provider == "telnyx" else CATAPULT_REQUIRED).get(name, set())
    broken += [f"{key} is required" for key in required if key not in payload]
    if name in AT_LEAST_ONE and not payload:
        broken.append("an update must set at least one field")
    broken += [f"{a} with {b}" for a, b in NOT_BOTH if a in payload and b in payload]
    if name == "PlayAudioRequest" and ("fileUrl" in payload) == ("sentence" in payload):
        broken.append("exactly one of fileUrl and sentence")
    if name == "UpdateCallRequest" and provider == "catapult":
        if payload.get("state") == "transferring":
            if "transferTo" not in payload:
                broken.append("a transfer must name its line in transferTo")
        else:
            broken += [
                f"{key} without state=transferring" for key in TRANSFER_ONLY if key in payload
            ]
    return broken


def decimal_in(low: int, high: int | None) -> Callable[[str], bool]:
    """A query value that is a decimal integer in `low..high`."""
    return lambda v: v.isascii() and v.isdigit() and in_range(low, high)(int(v))


# The listings, and the query rules each one's document gives.
QUERY_RULES: Final[dict[str, dict[str, Callable[[str], bool]]]] = {
    "ListConferencesRequest": {
        "page[size]": decimal_in(1, 250),
        "filter[name]": lambda _v: True,
        "filter[status]": one_of(CONF_STATUS),
        "region": one_of(REGION),
    },
    "ListParticipantsRequest": {
        "page[size]": decimal_in(1, 250),
        **{
            f"filter[{flag}]": one_of({"true", "false"})
            for flag in ("muted", "on_hold", "whispering")
        },
        "region": one_of(REGION),
    },
    # Catapult's List Calls.
    "ListCallsRequest": {
        "bridgeId": lambda v: PATH_ID.fullmatch(v) is not None,
        "conferenceId": lambda v: PATH_ID.fullmatch(v) is not None,
        "from": is_phone_or_sip,
        "to": is_phone_or_sip,
        "page": decimal_in(0, None),
        "size": decimal_in(1, 1000),
        "sortOrder": one_of(SORT_ORDER),
    },
}


def broken_query_rules(name: str, query: Mapping[str, str]) -> list[str]:
    """The documented rules the query of a `name` listing breaks."""
    rules = QUERY_RULES.get(name)
    if rules is None:
        return [f"{name} is not a documented listing"]
    broken = [f"{key} is not documented" for key in query if key not in rules]
    broken += [f"{k} is not a string" for k, v in query.items() if type(v) is not str]
    broken += [
        f"{k}={v!r}" for k, v in query.items() if k in rules and type(v) is str and not rules[k](v)
    ]
    if name == "ListCallsRequest" and {"conferenceId", "bridgeId"} & set(query):
        # By conference or bridge, the document says "pagination do not apply".
        broken += [
            f"{key} with conferenceId or bridgeId" for key in ("page", "size") if key in query
        ]
    return broken


# --- Values a caller might pass ------------------------------------------------------

TEXT = st.text(max_size=20)
ANYTHING: Final = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    TEXT,
    st.binary(max_size=8),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
    st.tuples(st.text(max_size=3)),
    st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    st.frozensets(st.integers(), max_size=2),
    st.builds(object),
)
IDS = st.one_of(
    st.sampled_from(
        [
            CCID,
            "c-1",
            "",
            " ",
            "a/b",
            "..",
            ".",
            "a?b",
            "a#b",
            "a%2F",
            "a b",
            "a\r\nX: 1",
            "\x00",
            "é",
        ]
    ),
    st.from_regex(r"[A-Za-z0-9._~:@+=-]{1,12}", fullmatch=True),
    TEXT,
)
URLS = st.one_of(
    st.sampled_from(
        [
            "https://example.com/hold.mp3",
            "http://127.0.0.1/a.wav",
            "",
            "https://",
            "ftp://example.com/a",
            "https://exa mple.com/a",
            "https://example.com/a\r\n",
            "//example.com/a",
            "https://[::1/a",
            "javascript:alert(1)",
            "https://example.com:99999/a",
            "https://example.com/\x7f",
        ]
    ),
    st.from_regex(r"(https?|ftp)?(://)?[a-z.\[\]:0-9 ]{0,12}(/[a-z?=#]{0,5})?", fullmatch=True),
)
INTS = st.one_of(
    st.sampled_from([-1, 0, 1, 2, 249, 250, 251, 299, 300, 301, 9_999, 10_000, 10_001, 2**63]),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.sampled_from(["1", "250", ""]),
)
BOOLS = st.one_of(st.booleans(), st.sampled_from([0, 1, "true", "false", "", None]))


def choices(*values: str) -> st.SearchStrategy[Any]:
    """The documented values, near misses of them, and anything."""
    near = [v.upper() for v in values] + [v + " " for v in values] + ["", " "]
    return st.one_of(st.sampled_from(list(values) + near), TEXT)


PHONE_OR_SIP: Final = st.one_of(
    st.sampled_from([FROM, "sip:a@b.example", "sips:a@b.example", "sip:@b", "sip:a@b\n", "x"]),
    TEXT,
)
NEAR: Final[dict[str, st.SearchStrategy[Any]]] = {
    "beep_enabled": choices(*BEEP),
    "region": choices(*REGION),
    "supervisor_role": choices(*SUPERVISOR),
    "status": choices(*CONF_STATUS),
    "callback_http_method": choices(*HTTP_METHOD, "get", "PUT"),
    "recording_file_format": choices(*FORMAT),
    "gender": choices(*GENDER),
    "locale": choices(*LOCALE, "t"),
    "voice": choices("Kate", "kate", "KATE", "Luca", "Siri"),
    "state": choices("completed", "active", "created", "rejected", "transferring"),
    "sort_order": choices(*SORT_ORDER),
    "page": st.one_of(st.sampled_from([0, 1, 2**63 - 1]), INTS),
    "size": st.one_of(st.sampled_from([0, 1, 25, 999, 1000, 1001]), INTS),
    "transfer_caller_id": st.one_of(
        st.sampled_from(["private", "Private", "private ", "", FROM, "+1", "sip:a@b.example"]),
        TEXT,
    ),
    "whisper_audio": st.one_of(
        st.sampled_from(
            [
                catapult.PlayAudioRequest(sentence="You have a call"),
                catapult.PlayAudioRequest(sentence="Hi", voice="kate", gender="female"),
                catapult.PlayAudioRequest(file_url="https://example.com/whisper.mp3"),
                catapult.PlayAudioRequest.stop_file(),
                catapult.PlayAudioRequest.stop_sentence(),
                {"sentence": "Hi"},
                {"fileUrl": "https://example.com/whisper.mp3"},
            ]
        ),
        TEXT,
    ),
    "client_state": st.one_of(
        st.binary(max_size=12).map(lambda b: base64.b64encode(b).decode()),
        st.binary(min_size=1, max_size=12).map(lambda b: base64.b64encode(b).decode().rstrip("=")),
        st.from_regex(r"[A-Za-z0-9+/=_\- ]{0,12}", fullmatch=True),
    ),
    "sentence": st.one_of(st.sampled_from(["", "Hello", "a" * 1000, "a" * 1001]), TEXT),
    "sip_headers": st.dictionaries(
        st.one_of(
            st.from_regex(r"X-[A-Za-z-]{1,10}", fullmatch=True),
            st.sampled_from(["x-", "X", "Y-Foo", "X-" + "a" * 300, "X-A\r\nB", 5]),
            st.text(max_size=5),
        ),
        st.one_of(
            st.text(max_size=10), st.integers(), st.sampled_from(["a" * 300, "v\r\n", "\x7f"])
        ),
        max_size=7,
    ),
    "from_": st.one_of(
        st.sampled_from([FROM, "+1", "+0123", "15551234567", "+1555123456789012"]), TEXT
    ),
    "to": PHONE_OR_SIP,
    "transfer_to": PHONE_OR_SIP,
}


def near(name: str) -> st.SearchStrategy[Any]:
    """Values close to the rules of field `name`, by its name."""
    if name in NEAR:
        return NEAR[name]
    if name.endswith("_ids"):
        return st.one_of(st.lists(IDS, max_size=4), st.lists(IDS, max_size=3).map(tuple), IDS)
    if name.endswith("_id"):
        return IDS
    if name.endswith("_url"):
        return URLS
    if any(part in name for part in ("timeout", "size", "duration", "max_")):
        return INTS
    return st.one_of(BOOLS, TEXT)


def value_for(name: str) -> st.SearchStrategy[Any]:
    """Any value for field `name`: near its rules, or anything at all."""
    return st.one_of(near(name), ANYTHING)


def field_sets(cls: type[Any], *, all_required: bool) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword fields for `cls`: required ones always (if asked), others maybe."""
    fields = attrs.fields(cls)
    required = {a.name: value_for(a.name) for a in fields if a.default is attrs.NOTHING}
    optional = {a.name: value_for(a.name) for a in fields if a.default is not attrs.NOTHING}
    if not all_required:
        optional |= required
        required = {}
    return st.fixed_dictionaries(required, optional=optional)


def assert_names_a_field(cls: type[Any], fields: Mapping[str, Any], error: ValidationError) -> None:
    """The error names one of the class's fields (and says its name), or the request set nothing."""
    names = {a.name for a in attrs.fields(cls)} | set(fields)
    if error.field is None:
        assert all(value is None for value in fields.values()), str(error)
        return
    assert error.field in names, str(error)
    assert error.field in str(error), str(error)


def check(provider: str, cls: type[Any], fields: dict[str, Any]) -> None:
    """`cls(**fields)` raises a ValidationError naming a field, or its wire form obeys the docs."""
    try:
        request = cls(**fields)
    except ValidationError as error:
        assert_names_a_field(cls, fields, error)
        return
    query = getattr(request, "query", None)
    params: dict[str, str] | None = query() if callable(query) else None
    if isinstance(request, catapult.ListCallsRequest):
        # What list_calls sends: its filters, and the page it starts at.
        params = calls_query(request)
        if request.page is not None:
            params["page"] = str(request.page)
    if params is not None:
        assert [] == broken_query_rules(cls.__name__, params)
        urlencode(params, quote_via=quote).encode("ascii")
        return
    body = dumps(CONVERTERS[provider].unstructure(request))
    payload = json.loads(body)
    assert [] == broken_rules(provider, cls.__name__, payload), payload


@pytest.mark.parametrize(("provider", "cls"), CLASSES, ids=[c.__name__ for _, c in CLASSES])
@HARDENING
@given(data=st.data())
def test_any_values_give_a_valid_request_or_a_validation_error(
    provider: str, cls: type[Any], data: st.DataObject
) -> None:
    """Arbitrary values for every field build a documented request, or a ValidationError."""
    fields = data.draw(field_sets(cls, all_required=True))
    check(provider, cls, fields)


@pytest.mark.parametrize(("provider", "cls"), CLASSES, ids=[c.__name__ for _, c in CLASSES])
@HARDENING
@given(data=st.data())
def test_any_keywords_give_a_valid_request_or_a_validation_error(
    provider: str, cls: type[Any], data: st.DataObject
) -> None:
    """Keyword fields as a file row gives them (missing, unknown, any value) raise nothing else."""
    fields = data.draw(field_sets(cls, all_required=False))
    extra = data.draw(
        st.dictionaries(st.sampled_from(["bogus", "from", "callId", ""]), ANYTHING, max_size=1)
    )
    fields |= extra
    try:
        request = build(cls, fields)
    except ValidationError as error:
        assert_names_a_field(cls, fields, error)
        return
    assert not extra
    check(provider, cls, {a.name: getattr(request, a.name) for a in attrs.fields(cls) if a.init})


STRING_FIELDS: Final = [
    (provider, cls, name)
    for provider, cls in CLASSES
    for name in (a.name for a in attrs.fields(cls))
    if name != "sip_headers"
]


def valid_fields(cls: type[Any]) -> dict[str, Any]:
    """The smallest valid keyword fields of `cls`."""
    telnyx_base: dict[str, Any] = {
        "SpeakRequest": {"payload": "Hi", "voice": "Telnyx.KokoroTTS.af"},
        "RecordStartRequest": {"format": "mp3"},
        "UpdateConferenceRequest": {"call_control_id": CCID, "supervisor_role": "none"},
        "SendDtmfRequest": {"digits": "1"},
        "GatherUsingAudioRequest": {"call_control_id": CCID},
        "DialRequest": {"connection_id": "c-1", "from_": FROM, "to": FROM},
        "PlayRequest": {"media_name": "m"},
    }
    if cls.__module__.startswith("conferencing.telnyx") and cls.__name__ in telnyx_base:
        return dict(telnyx_base[cls.__name__])
    base: dict[str, Any] = {
        "JoinRequest": {"call_control_id": CCID},
        "LeaveRequest": {"call_control_id": CCID},
        "UnholdRequest": {"call_control_ids": [CCID]},
        "UpdateParticipantRequest": {"beep_enabled": "always"},
        "CreateCallRequest": {"from_": FROM, "to": FROM},
        "AddMemberRequest": {"call_id": "call-1"},
        "UpdateConferenceRequest": {"mute": True},
        "UpdateMemberRequest": {"mute": True},
        "PlayAudioRequest": {"sentence": "Hello"},
        "UpdateCallRequest": {"state": "completed"},
    }
    return dict(base.get(cls.__name__, {}))


@pytest.mark.parametrize(
    ("provider", "cls", "name"),
    STRING_FIELDS,
    ids=[f"{c.__name__}.{n}" for _, c, n in STRING_FIELDS],
)
@pytest.mark.parametrize("shape", ["string", "in-a-list"])
def test_a_lone_surrogate_is_a_validation_error_not_a_crash_on_send(
    provider: str, cls: type[Any], name: str, shape: str
) -> None:
    """A string that cannot travel as UTF-8 is refused naming its field, not accepted unsendable."""
    value: Any = "caf\udce9" if shape == "string" else ["caf\udce9"]
    fields = valid_fields(cls) | {name: value}
    check(provider, cls, fields)


REQUIRED_FIELDS: Final = [
    (provider, cls, a.name)
    for provider, cls in CLASSES
    for a in attrs.fields(cls)
    if a.default is attrs.NOTHING
]


@pytest.mark.parametrize(
    ("provider", "cls", "name"),
    REQUIRED_FIELDS,
    ids=[f"{c.__name__}.{n}" for _, c, n in REQUIRED_FIELDS],
)
def test_none_for_a_required_field_is_refused(provider: str, cls: type[Any], name: str) -> None:
    """A required field given None is a ValidationError naming it, never sent as null."""
    del provider
    with pytest.raises(ValidationError) as caught:
        cls(**(valid_fields(cls) | {name: None}))
    assert name == caught.value.field


@pytest.mark.parametrize(
    "make",
    [
        lambda url: catapult.UpdateConferenceRequest(callback_url=url),
        lambda url: telnyx.HoldRequest(audio_url=url),
    ],
    ids=["catapult.callback_url", "telnyx.audio_url"],
)
@pytest.mark.parametrize(
    "url", ["https://example.com:x/a", "https://example.com:99999/a", "https://example.com:-1/a"]
)
def test_a_url_with_an_impossible_port_is_refused(make: Callable[[str], object], url: str) -> None:
    """A callback or audio URL whose port is not a number in 0..65535 is a ValidationError."""
    with pytest.raises(ValidationError, match="URL"):
        make(url)


# --- Through the clients: what reaches the wire ------------------------------------------


async def provider_like(
    _server: RawServer,
    _reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    received: Received,
) -> None:
    """Answer as the providers do, whatever was asked: only the client's request matters."""
    line = received.request_line
    if line.startswith("POST /v1/") and line.split()[1].endswith(("/calls", "/members")):
        writer.write(answer(201, headers={"Location": "/v1/users/u/calls/made-1"}))
    elif line.startswith("POST /v1/"):
        writer.write(answer(200))
    elif line.startswith("GET /v1/"):
        writer.write(json_answer(200, []))
    elif line.startswith("PATCH "):
        writer.write(json_answer(200, {"data": TELNYX_PARTICIPANT}))
    elif line.startswith("GET /v2/"):
        writer.write(json_answer(200, {"data": [], "meta": {"total_pages": 1}}))
    else:
        writer.write(json_answer(200, {"data": {"result": "ok"}}))
    await writer.drain()


# client kind, method name, how to call it with keyword fields, the request class
CALLS: Final[list[tuple[str, str, Callable[[Any, dict[str, Any]], Any], type[Any]]]] = [
    ("telnyx", "join", lambda c, f: c.join("c-1", **f), telnyx.JoinRequest),
    ("telnyx", "leave", lambda c, f: c.leave("c-1", **f), telnyx.LeaveRequest),
    ("telnyx", "mute", lambda c, f: c.mute("c-1", **f), telnyx.MuteRequest),
    ("telnyx", "unmute", lambda c, f: c.unmute("c-1", **f), telnyx.UnmuteRequest),
    ("telnyx", "hold", lambda c, f: c.hold("c-1", **f), telnyx.HoldRequest),
    ("telnyx", "unhold", lambda c, f: c.unhold("c-1", **f), telnyx.UnholdRequest),
    (
        "telnyx",
        "end_conference",
        lambda c, f: c.end_conference("c-1", **f),
        telnyx.EndConferenceRequest,
    ),
    (
        "telnyx",
        "update_participant",
        lambda c, f: c.update_participant("c-1", "p-1", **f),
        telnyx.UpdateParticipantRequest,
    ),
    (
        "telnyx",
        "list_conferences",
        lambda c, f: drain(c.list_conferences(**f)),
        telnyx.ListConferencesRequest,
    ),
    (
        "telnyx",
        "list_participants",
        lambda c, f: drain(c.list_participants("c-1", **f)),
        telnyx.ListParticipantsRequest,
    ),
    ("catapult", "create_call", lambda c, f: c.create_call(**f), catapult.CreateCallRequest),
    ("catapult", "add_member", lambda c, f: c.add_member("c-1", **f), catapult.AddMemberRequest),
    (
        "catapult",
        "update_conference",
        lambda c, f: c.update_conference("c-1", **f),
        catapult.UpdateConferenceRequest,
    ),
    (
        "catapult",
        "update_member",
        lambda c, f: c.update_member("c-1", "m-1", **f),
        catapult.UpdateMemberRequest,
    ),
    ("catapult", "play_audio", lambda c, f: c.play_audio("c-1", **f), catapult.PlayAudioRequest),
    (
        "catapult",
        "update_call",
        lambda c, f: c.update_call("call-1", **f),
        catapult.UpdateCallRequest,
    ),
    (
        "catapult",
        "list_calls",
        lambda c, f: drain(c.list_calls(**f)),
        catapult.ListCallsRequest,
    ),
]


async def drain(pages: Any) -> list[Any]:
    """Every item of a listing."""
    return [item async for item in pages]


def wire_name(provider: str, name: str) -> str:
    """How the provider spells field `name` on the wire."""
    if provider == "telnyx":
        return name
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


@pytest.mark.parametrize(("kind", "method", "call", "cls"), CALLS, ids=[c[1] for c in CALLS])
@HARDENING
@given(data=st.data())
async def test_what_reaches_the_wire_obeys_the_docs(
    serve: ServeFn,
    *,
    kind: str,
    method: str,
    call: Callable[[Any, dict[str, Any]], Any],
    cls: type[Any],
    data: st.DataObject,
) -> None:
    """Through each client method, arbitrary fields send nothing, or a documented request."""
    del method
    fields = data.draw(field_sets(cls, all_required=False))
    server = await serve(provider_like)
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        client = telnyx_client(server, pool) if kind == "telnyx" else catapult_client(server, pool)
        try:
            await call(client, fields)
        except ValidationError as error:
            assert_names_a_field(cls, fields, error)
            assert [] == server.requests
            return
    assert 1 <= len(server.requests)
    sent = server.requests[0]
    if sent.method == "GET":
        query = dict(parse_qsl(urlsplit(sent.target).query, keep_blank_values=True))
        query.pop("page[number]", None)
        assert [] == broken_query_rules(cls.__name__, query)
        return
    payload = sent.json()
    if kind == "telnyx" and "command_id" in {a.name for a in attrs.fields(cls)}:
        assert isinstance(payload.pop("command_id"), str)
    assert [] == broken_rules(kind, cls.__name__, payload), payload
    given_names = {wire_name(kind, name) for name, value in fields.items() if value is not None}
    assert given_names - {"commandId", "command_id"} >= set(payload) - {"command_id"}


# The examples of Bandwidth's Update active Call, Transfer active Call and List Calls
# pages: what the client is given, and the body (or query) the page shows.
CALL_EXAMPLES: Final[list[tuple[str, Callable[[Any], Any], dict[str, Any]]]] = [
    ("answer", lambda c: c.update_call("call-1", state="active"), {"state": "active"}),
    ("hang up", lambda c: c.hang_up("call-1"), {"state": "completed"}),
    (
        "recording on",
        lambda c: c.update_call("call-1", recording_enabled=True),
        {"recordingEnabled": True},
    ),
    (
        "recording off",
        lambda c: c.update_call("call-1", recording_enabled=False),
        {"recordingEnabled": False},
    ),
    ("reject", lambda c: c.update_call("call-1", state="rejected"), {"state": "rejected"}),
    (
        "transfer",
        lambda c: c.update_call("call-1", state="transferring", transfer_to="+19192223333"),
        {"state": "transferring", "transferTo": "+19192223333"},
    ),
    (
        "transfer with whisper",
        lambda c: c.update_call(
            "call-1",
            state="transferring",
            transfer_caller_id="private",
            transfer_to="+18382947878",
            whisper_audio=catapult.PlayAudioRequest(sentence="Hello! You have an incoming call"),
        ),
        {
            "state": "transferring",
            "transferCallerId": "private",
            "transferTo": "+18382947878",
            "whisperAudio": {"sentence": "Hello! You have an incoming call"},
        },
    ),
    ("list", lambda c: drain(c.list_calls()), {"page": "0", "size": "25"}),
    (
        "list by from",
        lambda c: drain(c.list_calls(from_="+19195551212")),
        {"from": "+19195551212", "page": "0", "size": "25"},
    ),
    (
        "list by conference",
        lambda c: drain(c.list_calls(conference_id="conf-1", sort_order="asc")),
        {"conferenceId": "conf-1", "sortOrder": "asc"},
    ),
]


@pytest.mark.parametrize(
    ("call", "expected"), [c[1:] for c in CALL_EXAMPLES], ids=[c[0] for c in CALL_EXAMPLES]
)
async def test_the_call_documents_examples_are_sent_as_written(
    serve: ServeFn, call: Callable[[Any], Any], expected: dict[str, Any]
) -> None:
    """Each example of the call pages is accepted and reaches the wire exactly as the page shows."""
    server = await serve(provider_like)
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        await call(catapult_client(server, pool))
    assert 1 == len(server.requests)
    sent = server.requests[0]
    path, _, query = sent.target.partition("?")
    if sent.method == "GET":
        assert path.endswith("/calls")
        params = dict(parse_qsl(query, keep_blank_values=True))
        assert expected == params
        assert [] == broken_query_rules("ListCallsRequest", params)
    else:
        assert ("POST", "/calls/call-1") == (sent.method, path[path.rindex("/calls/") :])
        assert expected == sent.json()
        assert [] == broken_rules("catapult", "UpdateCallRequest", sent.json())


# The library's stricter rules: what Catapult would ignore, or page wrongly, is refused.
# Each with the field named and the wire form the oracle must find broken.
CALL_REFUSALS: Final[list[tuple[str, Callable[[Any], Any], str | None, dict[str, Any]]]] = [
    (
        "transfer without transferTo",
        lambda c: c.update_call("call-1", state="transferring"),
        "transfer_to",
        {"state": "transferring"},
    ),
    (
        "transferTo without transferring",
        lambda c: c.update_call("call-1", transfer_to=FROM),
        "transfer_to",
        {"transferTo": FROM},
    ),
    (
        "callbackUrl on a hang-up",
        lambda c: c.update_call("call-1", state="completed", callback_url="https://example.com/e"),
        "callback_url",
        {"state": "completed", "callbackUrl": "https://example.com/e"},
    ),
    ("an empty update", lambda c: c.update_call("call-1"), None, {}),
    ("size 0", lambda c: drain(c.list_calls(size=0)), "size", {"size": "0"}),
    ("size 1001", lambda c: drain(c.list_calls(size=1001)), "size", {"size": "1001"}),
    (
        "page by conference",
        lambda c: drain(c.list_calls(conference_id="conf-1", page=1)),
        "page",
        {"conferenceId": "conf-1", "page": "1"},
    ),
    (
        "size by bridge",
        lambda c: drain(c.list_calls(bridge_id="b-1", size=10)),
        "size",
        {"bridgeId": "b-1", "size": "10"},
    ),
]


@pytest.mark.parametrize(
    ("call", "field", "wire"), [c[1:] for c in CALL_REFUSALS], ids=[c[0] for c in CALL_REFUSALS]
)
async def test_the_stricter_call_rules_refuse_before_sending(
    serve: ServeFn, call: Callable[[Any], Any], field: str | None, wire: dict[str, Any]
) -> None:
    """What the oracle finds broken in a call update or listing is refused, naming the field."""
    if "size" in wire or "page" in wire:
        assert [] != broken_query_rules("ListCallsRequest", wire)
    else:
        assert [] != broken_rules("catapult", "UpdateCallRequest", wire)
    server = await serve(provider_like)
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        with pytest.raises(ValidationError) as caught:
            await call(catapult_client(server, pool))
    assert field == caught.value.field
    assert [] == server.requests


def test_every_request_class_is_fuzzed() -> None:
    """Every request class the packages export now is fuzzed here (new ones join by themselves)."""
    names = {cls.__name__ for _, cls in CLASSES}
    assert {
        "JoinRequest",
        "LeaveRequest",
        "MuteRequest",
        "UnmuteRequest",
        "HoldRequest",
        "UnholdRequest",
        "EndConferenceRequest",
        "UpdateParticipantRequest",
        "ListConferencesRequest",
        "ListParticipantsRequest",
        "CreateCallRequest",
        "AddMemberRequest",
        "UpdateConferenceRequest",
        "UpdateMemberRequest",
        "PlayAudioRequest",
        "UpdateCallRequest",
        "ListCallsRequest",
    } <= names
    assert names <= set(TELNYX_RULES) | set(CATAPULT_RULES) | set(QUERY_RULES)


async def creates_answered(
    _server: RawServer,
    _reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    received: Received,
) -> None:
    """Answer every create as its provider does."""
    if received.target.startswith("/v2/"):
        writer.write(json_answer(200, {"data": TELNYX_CONFERENCE}))
    else:
        writer.write(answer(201, headers={"Location": "/v1/users/u/conferences/conf-1"}))
    await writer.drain()


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
async def test_create_many_turns_unusable_items_into_validation_errors(
    serve: ServeFn, kind: str
) -> None:
    """Items of the wrong kind fail one by one as ValidationErrors; the batch goes on, none sent."""
    server = await serve(creates_answered)
    good: Any = {"call_control_id": CCID, "name": "Good"} if kind == "telnyx" else {"from_": FROM}
    other: Any = (
        catapult.CreateConferenceRequest(from_=FROM)
        if kind == "telnyx"
        else telnyx.CreateConferenceRequest(call_control_id=CCID, name="Other")
    )
    bad: list[object] = [object(), {1, 2}, frozenset({"name"}), other, b"row", 7, None, {1: "x"}]
    items = [good, *bad, good]
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        client = telnyx_client(server, pool) if kind == "telnyx" else catapult_client(server, pool)
        async with create_many(client, items, concurrency=2) as run:
            results = {result.index: result async for result in run}
    assert set(range(len(items))) == set(results)
    assert results[0].ok
    assert results[len(items) - 1].ok
    for index in range(1, len(items) - 1):
        assert isinstance(results[index].error, ValidationError), (items[index], results[index])
    assert 2 == len(server.requests)
