"""The clients: credentials, base URLs, ids in paths, request intake, transport and logging."""

from __future__ import annotations

import base64
import json
import logging
import socket
from typing import Any

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey
from aioresponses import aioresponses
from yarl import URL

from conferencing import (
    NO_RETRY,
    APIError,
    AuthenticationError,
    CatapultClient,
    ConferencingError,
    ConfigurationError,
    OutcomeUnknownError,
    RequestTimeout,
    SessionPool,
    TelnyxClient,
    TransportError,
    ValidationError,
    catapult,
    telnyx,
)

KEY = "KEYsecret0123456789abcdef"
USER = "u-1"
TOKEN = "t-tokensecret-0123"  # noqa: S105 - a fake credential
SECRET = "s-secretsecret-4567"  # noqa: S105 - a fake credential
BASIC = base64.b64encode(f"{TOKEN}:{SECRET}".encode()).decode()
FROM = "+15551234567"
CCID = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
TELNYX_URL = "https://api.telnyx.com/v2/conferences"
CATAPULT_URL = "https://api.catapult.inetwork.com/v1/users/u-1/conferences"
CONFERENCE = {
    "record_type": "conference",
    "id": "c-1",
    "name": "Business",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T22:10:02.574Z",
}
ENV = ("TELNYX_API_KEY", "CATAPULT_USER_ID", "CATAPULT_API_TOKEN", "CATAPULT_API_SECRET")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No credential leaks in from the environment running the tests."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


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


def secrets_in(text: str) -> list[str]:
    """Which credentials (or the Basic blob) appear in `text`."""
    return [s for s in (KEY, TOKEN, SECRET, BASIC) if s in text]


def connector_error(host: str = "api.telnyx.com") -> aiohttp.ClientConnectorError:
    """The error aiohttp raises when a connection cannot be made."""
    key = ConnectionKey(
        host=host,
        port=443,
        is_ssl=True,
        ssl=True,
        proxy=None,
        proxy_auth=None,
        proxy_headers_hash=None,
        server_hostname=host,
    )
    return aiohttp.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))


def sent_command_id(http: aioresponses) -> str:
    """The one `command_id` every Telnyx create sent carried."""
    sent = http.requests[("POST", URL(TELNYX_URL))]
    carried = {json.loads(c.kwargs["data"])["command_id"] for c in sent}
    assert 1 == len(carried), carried
    [command_id] = carried
    assert isinstance(command_id, str)
    assert command_id
    return command_id


def last_error_of(error: ConferencingError, command_id: str | None) -> ConferencingError:
    """The last attempt's error behind `error`, checked to be exactly an unknown outcome's cause."""
    assert OutcomeUnknownError is type(error), repr(error)
    assert isinstance(error, OutcomeUnknownError)
    assert error.last_error is not None
    assert error.__cause__ is error.last_error
    assert command_id == error.command_id
    return error.last_error


# --- Credentials ------------------------------------------------------------


async def test_telnyx_key_from_environment(
    http: aioresponses, pool: SessionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without `api_key`, TELNYX_API_KEY is used for the Bearer header."""
    monkeypatch.setenv("TELNYX_API_KEY", "env-key-1")
    client = TelnyxClient(pool=pool)
    http.post(TELNYX_URL, payload={"data": CONFERENCE})
    await client.create_conference(call_control_id=CCID, name="Business")
    [call] = http.requests[("POST", URL(TELNYX_URL))]
    assert "Bearer env-key-1" == call.kwargs["headers"]["Authorization"]


async def test_explicit_key_wins_over_environment(
    http: aioresponses, pool: SessionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key passed in is used even when TELNYX_API_KEY is set."""
    monkeypatch.setenv("TELNYX_API_KEY", "env-key-1")
    client = TelnyxClient(api_key="passed-key", pool=pool)
    http.post(TELNYX_URL, payload={"data": CONFERENCE})
    await client.create_conference(call_control_id=CCID, name="Business")
    [call] = http.requests[("POST", URL(TELNYX_URL))]
    assert "Bearer passed-key" == call.kwargs["headers"]["Authorization"]


async def test_catapult_credentials_from_environment(
    http: aioresponses, pool: SessionPool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without arguments, CATAPULT_USER_ID, CATAPULT_API_TOKEN and CATAPULT_API_SECRET are used."""
    monkeypatch.setenv("CATAPULT_USER_ID", "u-env")
    monkeypatch.setenv("CATAPULT_API_TOKEN", "t-env")
    monkeypatch.setenv("CATAPULT_API_SECRET", "s-env")
    client = CatapultClient(pool=pool)
    assert "u-env" == client.user_id
    url = "https://api.catapult.inetwork.com/v1/users/u-env/conferences"
    http.post(url, status=201, headers={"Location": "/v1/users/u-env/conferences/c-1"})
    await client.create_conference(from_=FROM)
    [call] = http.requests[("POST", URL(url))]
    expected = "Basic " + base64.b64encode(b"t-env:s-env").decode()
    assert expected == call.kwargs["headers"]["Authorization"]


@pytest.mark.parametrize("env_value", [None, ""])
def test_missing_telnyx_key(monkeypatch: pytest.MonkeyPatch, env_value: str | None) -> None:
    """No key, or an empty TELNYX_API_KEY, is a ConfigurationError naming the variable."""
    if env_value is not None:
        monkeypatch.setenv("TELNYX_API_KEY", env_value)
    with pytest.raises(ConfigurationError, match="TELNYX_API_KEY"):
        TelnyxClient()


def test_empty_telnyx_key_argument_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """`api_key=""` is missing too, even with the variable set."""
    with pytest.raises(ConfigurationError, match="TELNYX_API_KEY"):
        TelnyxClient(api_key="")


@pytest.mark.parametrize(
    "missing", ["CATAPULT_USER_ID", "CATAPULT_API_TOKEN", "CATAPULT_API_SECRET"]
)
@pytest.mark.parametrize("how", ["unset", "empty"])
def test_missing_catapult_credential(
    monkeypatch: pytest.MonkeyPatch, missing: str, how: str
) -> None:
    """Each missing or empty Catapult credential is a ConfigurationError naming its variable."""
    values = {"CATAPULT_USER_ID": "u-1", "CATAPULT_API_TOKEN": "t", "CATAPULT_API_SECRET": "s"}
    for name, value in values.items():
        if name != missing:
            monkeypatch.setenv(name, value)
        elif how == "empty":
            monkeypatch.setenv(name, "")
    with pytest.raises(ConfigurationError, match=missing):
        CatapultClient()


@pytest.mark.parametrize("missing", ["user_id", "api_token", "api_secret"])
def test_empty_catapult_argument_counts_as_missing(missing: str) -> None:
    """An empty string passed for a Catapult credential is missing, naming its variable."""
    fields: dict[str, Any] = {"user_id": "u-1", "api_token": "t", "api_secret": "s", missing: ""}
    with pytest.raises(ConfigurationError, match=f"CATAPULT_{missing.upper()}"):
        CatapultClient(**fields)


# --- Secrets stay secret ----------------------------------------------------


async def test_reprs_hold_no_secrets(
    pool: SessionPool, cp: CatapultClient, tx: TelnyxClient
) -> None:
    """repr() and str() of clients, pools and requests never show a credential."""
    objects: list[object] = [
        tx,
        cp,
        pool,
        telnyx.CreateConferenceRequest(call_control_id=CCID, name="Business"),
        catapult.CreateConferenceRequest(from_=FROM),
    ]
    for thing in objects:
        assert [] == secrets_in(repr(thing))
        assert [] == secrets_in(str(thing))


def error_texts(error: BaseException) -> str:
    """Everything an error shows about itself, its causes included."""
    parts = []
    seen: BaseException | None = error
    while seen is not None:
        parts += [repr(seen), str(seen), repr(vars(seen)), repr(seen.args)]
        seen = seen.__cause__ or seen.__context__
    return "\n".join(parts)


async def test_errors_hold_no_secrets(
    http: aioresponses, tx: TelnyxClient, cp: CatapultClient
) -> None:
    """No error raised by a client, a 401 included, shows a credential."""
    errors: list[BaseException] = []
    http.post(TELNYX_URL, status=401, body=json.dumps({"errors": [{"code": "10009"}]}))
    http.post(CATAPULT_URL, status=401, body='{"code": "user-access-denied"}')
    http.post(TELNYX_URL, exception=aiohttp.ClientConnectionError("reset"))
    http.post(CATAPULT_URL, exception=connector_error("api.catapult.inetwork.com"))
    http.post(TELNYX_URL, status=200, body="not json")
    for _ in range(2):
        with pytest.raises(ConferencingError) as telnyx_error:
            await tx.create_conference(call_control_id=CCID, name="Business")
        errors.append(telnyx_error.value)
        with pytest.raises(ConferencingError) as catapult_error:
            await cp.create_conference(from_=FROM)
        errors.append(catapult_error.value)
    with pytest.raises(ConferencingError) as decode_error:
        await tx.create_conference(call_control_id=CCID, name="Business")
    errors.append(decode_error.value)
    with pytest.raises(ConferencingError) as invalid:
        await tx.create_conference(call_control_id=CCID, name="")
    errors.append(invalid.value)
    assert isinstance(errors[0], AuthenticationError)
    assert isinstance(errors[1], AuthenticationError)
    for error in errors:
        assert [] == secrets_in(error_texts(error))


def test_configuration_errors_hold_no_secrets() -> None:
    """A client refused for its base URL or user id does not echo the credentials."""
    with pytest.raises(ConfigurationError) as bad_url:
        TelnyxClient(api_key=KEY, base_url="http://api.telnyx.com/v2")
    with pytest.raises(ValidationError) as bad_user:
        CatapultClient("u/1", TOKEN, SECRET)
    for error in (bad_url.value, bad_user.value):
        assert [] == secrets_in(error_texts(error))


async def test_logs_hold_no_secrets(
    http: aioresponses, tx: TelnyxClient, cp: CatapultClient, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, each exchange logs method, URL and status, and never a credential."""
    caplog.set_level(logging.DEBUG, logger="conferencing")
    http.post(TELNYX_URL, payload={"data": CONFERENCE})
    http.post(TELNYX_URL, status=401, body=json.dumps({"errors": [{"code": "10009"}]}))
    http.post(CATAPULT_URL, status=201, headers={"Location": "/v1/users/u-1/conferences/c-1"})
    http.post(CATAPULT_URL, status=401, body='{"code": "user-access-denied"}')
    await tx.create_conference(call_control_id=CCID, name="Business")
    with pytest.raises(AuthenticationError):
        await tx.create_conference(call_control_id=CCID, name="Business")
    await cp.create_conference(from_=FROM)
    with pytest.raises(AuthenticationError):
        await cp.create_conference(from_=FROM)

    ours = [r for r in caplog.records if r.name.startswith("conferencing")]
    lines = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]
    for url, status in [(TELNYX_URL, "200"), (TELNYX_URL, "401"), (CATAPULT_URL, "201")]:
        assert any("POST" in line and url in line and status in line for line in lines), (
            url,
            status,
            lines,
        )
    assert any("POST" in line and CATAPULT_URL in line and "401" in line for line in lines)
    everything = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.__dict__!r}" for r in caplog.records
    )
    assert [] == secrets_in(everything)


# --- Base URLs --------------------------------------------------------------


def make(kind: str, base_url: str, **options: Any) -> TelnyxClient | CatapultClient:
    """A client of `kind` on `base_url`."""
    if kind == "telnyx":
        return TelnyxClient(api_key=KEY, base_url=base_url, **options)
    return CatapultClient(USER, TOKEN, SECRET, base_url=base_url, **options)


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize(
    "base_url", ["http://api.telnyx.com/v2", "http://10.0.0.5:8080", "http://localhost.example.com"]
)
def test_plain_http_is_refused(kind: str, base_url: str) -> None:
    """A plain http:// base URL to a non-loopback host is a ConfigurationError."""
    with pytest.raises(ConfigurationError, match="http"):
        make(kind, base_url)


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize(
    ("base_url", "expected"),
    [
        ("http://127.0.0.1:8080/v2", "http://127.0.0.1:8080/v2"),
        ("http://[::1]:8080/v2", "http://[::1]:8080/v2"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://localhost/", "http://localhost"),
    ],
)
def test_plain_http_to_loopback_is_allowed(kind: str, base_url: str, expected: str) -> None:
    """Plain http:// is fine to 127.0.0.1, ::1 and localhost."""
    assert expected == make(kind, base_url).base_url


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
def test_plain_http_allowed_when_asked(kind: str) -> None:
    """`allow_insecure_http=True` allows plain http:// to any host."""
    client = make(kind, "http://conferencing.internal:8080", allow_insecure_http=True)
    assert "http://conferencing.internal:8080" == client.base_url


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.telnyx.com/v2?debug=1",
        "https://api.telnyx.com/v2#top",
        "https://user:pw@api.telnyx.com/v2",
        "https://user@api.telnyx.com/v2",
        "api.telnyx.com/v2",
        "ftp://api.telnyx.com/v2",
        "https:///v2",
        "",
    ],
)
def test_unusable_base_urls_are_refused(kind: str, base_url: str) -> None:
    """A base URL with a query, fragment or user info, or not absolute http(s), is refused."""
    with pytest.raises(ConfigurationError):
        make(kind, base_url)


@pytest.mark.parametrize(
    "base_url",
    ["https://user:pa55word@api.telnyx.com/v2", "https://user:pa55word@api.telnyx.com:x/v2"],
)
def test_refused_base_url_does_not_echo_a_password(base_url: str) -> None:
    """A base URL refused for its user info does not repeat the password in the error."""
    with pytest.raises(ConfigurationError) as caught:
        TelnyxClient(api_key=KEY, base_url=base_url)
    assert "pa55word" not in str(caught.value)


async def test_trailing_slash_is_tolerated(http: aioresponses, pool: SessionPool) -> None:
    """A base URL with a trailing slash gives the same request URLs as one without."""
    tx = TelnyxClient(api_key=KEY, base_url="https://api.telnyx.com/v2/", pool=pool)
    cp = CatapultClient(
        USER, TOKEN, SECRET, base_url="https://api.catapult.inetwork.com/", pool=pool
    )
    assert "https://api.telnyx.com/v2" == tx.base_url
    assert "https://api.catapult.inetwork.com" == cp.base_url
    http.post(TELNYX_URL, payload={"data": CONFERENCE})
    http.post(CATAPULT_URL, status=201, headers={"Location": "/v1/users/u-1/conferences/c-1"})
    await tx.create_conference(call_control_id=CCID, name="Business")
    await cp.create_conference(from_=FROM)
    assert {("POST", URL(TELNYX_URL)), ("POST", URL(CATAPULT_URL))} == set(http.requests)


async def test_loopback_requests_go_to_loopback(http: aioresponses, pool: SessionPool) -> None:
    """A loopback base URL is used as given, port included."""
    tx = TelnyxClient(api_key=KEY, base_url="http://127.0.0.1:9999/v2", pool=pool)
    http.post("http://127.0.0.1:9999/v2/conferences", payload={"data": CONFERENCE})
    await tx.create_conference(call_control_id=CCID, name="Business")
    assert [("POST", URL("http://127.0.0.1:9999/v2/conferences"))] == list(http.requests)


# --- Catapult user ids ------------------------------------------------------


@pytest.mark.parametrize(
    "user_id",
    [
        "u/1",
        "..",
        ".",
        "u-1/../u-2",
        "u?x=1",
        "u#frag",
        "u%2F1",
        "u 1",
        "u\t1",
        " u-1",
        "u-1\r\n",
        "u-1\nX-Injected: 1",
        "u-1\r",
        "u\x00",
    ],
)
def test_catapult_user_id_must_be_one_path_segment(user_id: str) -> None:
    """A user id that would change the request path is a ValidationError at construction."""
    with pytest.raises(ValidationError) as caught:
        CatapultClient(user_id, TOKEN, SECRET)
    assert "user_id" == caught.value.field
    assert "user_id" in str(caught.value)


def test_catapult_user_id_from_environment_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A user id from CATAPULT_USER_ID is checked like one passed in."""
    monkeypatch.setenv("CATAPULT_USER_ID", "u-1/../admin")
    with pytest.raises(ValidationError, match="user_id"):
        CatapultClient(api_token=TOKEN, api_secret=SECRET)


@pytest.mark.parametrize("user_id", ["u-1", "u-abc123DEF", "u-1.2_3~4"])
def test_catapult_ordinary_user_ids(user_id: str) -> None:
    """Ordinary user ids are accepted and kept."""
    assert user_id == CatapultClient(user_id, TOKEN, SECRET).user_id


# --- Request intake ---------------------------------------------------------

TELNYX_REJECTED: list[tuple[dict[str, Any], str]] = [
    ({"max_participants": 801}, "max_participants"),
    ({"max_participants": 1}, "max_participants"),
    ({"max_participants": True}, "max_participants"),
    ({"beep_enabled": "sometimes"}, "beep_enabled"),
    ({"region": "Mars"}, "region"),
    ({"client_state": "not base64!"}, "client_state"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"comfort_noise": "true"}, "comfort_noise"),
    ({"start_conference_on_create": 1}, "start_conference_on_create"),
    ({"command_id": 7}, "command_id"),
    ({"name": ""}, "name"),
    ({"call_control_id": "  "}, "call_control_id"),
]
CATAPULT_REJECTED: list[tuple[dict[str, Any], str]] = [
    ({"callback_timeout": 10001}, "callback_timeout"),
    ({"callback_timeout": 0}, "callback_timeout"),
    ({"callback_timeout": "2000"}, "callback_timeout"),
    ({"callback_timeout": True}, "callback_timeout"),
    ({"callback_http_method": "PUT"}, "callback_http_method"),
    ({"profile": "passthrough"}, "profile"),
    ({"callback_url": "my.callback.url"}, "callback_url"),
    ({"fallback_url": "ftp://x.example/"}, "fallback_url"),
    ({"tag": 5}, "tag"),
    ({"from_": "5551234567"}, "from_"),
]


@pytest.mark.parametrize(("fields", "field"), TELNYX_REJECTED)
async def test_telnyx_rejected_fields_send_nothing(
    http: aioresponses, tx: TelnyxClient, fields: dict[str, Any], field: str
) -> None:
    """A keyword field breaking a rule raises ValidationError naming it, and nothing is sent."""
    http.post(TELNYX_URL, payload={"data": CONFERENCE})
    with pytest.raises(ValidationError) as caught:
        await tx.create_conference(**{"call_control_id": CCID, "name": "Business", **fields})
    assert field == caught.value.field
    assert field in str(caught.value)
    assert {} == http.requests


@pytest.mark.parametrize(("fields", "field"), CATAPULT_REJECTED)
async def test_catapult_rejected_fields_send_nothing(
    http: aioresponses, cp: CatapultClient, fields: dict[str, Any], field: str
) -> None:
    """A keyword field breaking a rule raises ValidationError naming it, and nothing is sent."""
    http.post(CATAPULT_URL, status=201, headers={"Location": "/c-1"})
    with pytest.raises(ValidationError) as caught:
        await cp.create_conference(**{"from_": FROM, **fields})
    assert field == caught.value.field
    assert field in str(caught.value)
    assert {} == http.requests


async def test_telnyx_hold_audio_and_media_send_nothing(
    http: aioresponses, tx: TelnyxClient
) -> None:
    """`hold_audio_url` with `hold_media_name` is refused before anything is sent."""
    with pytest.raises(ValidationError):
        await tx.create_conference(
            call_control_id=CCID,
            name="Business",
            hold_audio_url="http://example.com/a.wav",
            hold_media_name="a",
        )
    assert {} == http.requests


@pytest.mark.parametrize("unknown", ["colour", "maxParticipants", "callbackTimeout", "from"])
async def test_unknown_keywords_are_refused(
    http: aioresponses, tx: TelnyxClient, cp: CatapultClient, unknown: str
) -> None:
    """An unknown keyword is a ValidationError naming it, for both clients; nothing is sent."""
    with pytest.raises(ValidationError) as telnyx_caught:
        await tx.create_conference(call_control_id=CCID, name="Business", **{unknown: 1})  # type: ignore[call-overload]
    with pytest.raises(ValidationError) as catapult_caught:
        await cp.create_conference(from_=FROM, **{unknown: 1})  # type: ignore[call-overload]
    for caught in (telnyx_caught, catapult_caught):
        assert unknown == caught.value.field
        assert unknown in str(caught.value)
    assert {} == http.requests


@pytest.mark.parametrize(
    ("given", "missing"),
    [({"name": "Business"}, "call_control_id"), ({"call_control_id": CCID}, "name")],
)
async def test_telnyx_missing_required_keywords(
    http: aioresponses, tx: TelnyxClient, given: dict[str, Any], missing: str
) -> None:
    """A missing required Telnyx field is a ValidationError naming it; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await tx.create_conference(**given)
    assert missing == caught.value.field
    assert missing in str(caught.value)
    assert {} == http.requests


async def test_catapult_missing_from(http: aioresponses, cp: CatapultClient) -> None:
    """A Catapult create without `from_` is a ValidationError naming it; nothing is sent."""
    with pytest.raises(ValidationError) as caught:
        await cp.create_conference(callback_timeout=2000)  # type: ignore[call-overload]
    assert "from_" == caught.value.field
    assert "from_" in str(caught.value)
    assert {} == http.requests


async def test_catapult_string_timeout_from_the_docs_is_refused(
    http: aioresponses, cp: CatapultClient
) -> None:
    """The docs' `"callbackTimeout": "2000"` is refused by our client, not sent."""
    with pytest.raises(ValidationError, match="callback_timeout"):
        await cp.create_conference(  # type: ignore[call-overload]
            from_=FROM, callback_url="http://my.callback.url", callback_timeout="2000"
        )
    assert {} == http.requests


@pytest.mark.parametrize(
    "request_object",
    [
        {"call_control_id": CCID, "name": "Business", "max_participants": 5000},
        catapult.CreateConferenceRequest(from_=FROM),
    ],
    ids=["dict", "catapult-request"],
)
async def test_telnyx_refuses_other_request_types(
    http: aioresponses, tx: TelnyxClient, request_object: object
) -> None:
    """Anything but a telnyx.CreateConferenceRequest is refused, not sent unchecked."""
    http.post(TELNYX_URL, payload={"data": CONFERENCE})
    with pytest.raises((TypeError, ValidationError)):
        await tx.create_conference(request_object)  # type: ignore[call-overload]
    assert {} == http.requests


@pytest.mark.parametrize(
    "request_object",
    [
        {"from": FROM, "callbackTimeout": 20000, "tag": None},
        telnyx.CreateConferenceRequest(call_control_id=CCID, name="Business"),
    ],
    ids=["dict", "telnyx-request"],
)
async def test_catapult_refuses_other_request_types(
    http: aioresponses, cp: CatapultClient, request_object: object
) -> None:
    """Anything but a catapult.CreateConferenceRequest is refused, not sent unchecked."""
    http.post(CATAPULT_URL, status=201, headers={"Location": "/c-1"})
    with pytest.raises((TypeError, ValidationError)):
        await cp.create_conference(request_object)  # type: ignore[call-overload]
    assert {} == http.requests


@pytest.mark.parametrize(
    ("kind", "fields", "field"),
    [
        ("catapult", {"from_": FROM, "tag": "caf\udce9"}, "tag"),
        ("telnyx", {"call_control_id": CCID, "name": "caf\udce9"}, "name"),
    ],
)
async def test_unencodable_strings_are_validation_errors(
    http: aioresponses,
    tx: TelnyxClient,
    cp: CatapultClient,
    *,
    kind: str,
    fields: dict[str, Any],
    field: str,
) -> None:
    """A string that cannot be sent as UTF-8 (a lone surrogate) is a ValidationError naming it."""
    client: Any = tx if kind == "telnyx" else cp
    with pytest.raises(ValidationError) as caught:
        await client.create_conference(**fields)
    assert field == caught.value.field
    assert {} == http.requests


# --- Transport --------------------------------------------------------------


@pytest.mark.parametrize(
    "exception",
    [
        aiohttp.ClientConnectionError("Connection reset by peer"),
        aiohttp.ServerDisconnectedError(),
        aiohttp.ClientOSError(104, "Connection reset by peer"),
        aiohttp.ClientPayloadError("Response payload is not completed"),
    ],
    ids=["connection", "disconnected", "os", "payload"],
)
async def test_connection_failures_are_transport_errors(
    http: aioresponses, tx: TelnyxClient, exception: Exception
) -> None:
    """A create's connection lost after sending is an unknown outcome from a TransportError."""
    http.post(TELNYX_URL, exception=exception)
    with pytest.raises(OutcomeUnknownError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    assert not isinstance(caught.value, aiohttp.ClientError)
    assert type(exception).__name__ in str(caught.value)
    error = last_error_of(caught.value, sent_command_id(http))
    assert TransportError is type(error)
    assert isinstance(error, TransportError)
    assert error.request_sent is True
    assert "telnyx" == error.provider
    assert "POST" == error.method
    assert TELNYX_URL == error.url
    # aiohttp's errors carry the request headers (credentials) in their repr,
    # so they are named in the message but never chained.
    assert error.__cause__ is None
    assert error.__context__ is None
    assert type(exception).__name__ in str(error)
    assert not isinstance(error, aiohttp.ClientError)


@pytest.mark.parametrize("kind", ["telnyx", "catapult"])
async def test_connector_errors_were_not_sent(
    http: aioresponses, tx: TelnyxClient, cp: CatapultClient, kind: str
) -> None:
    """A connection that could not be made is a TransportError with `request_sent` False."""
    if kind == "telnyx":
        http.post(TELNYX_URL, exception=connector_error())
        with pytest.raises(TransportError) as caught:
            await tx.create_conference(call_control_id=CCID, name="Business")
    else:
        http.post(CATAPULT_URL, exception=connector_error("api.catapult.inetwork.com"))
        with pytest.raises(TransportError) as caught:
            await cp.create_conference(from_=FROM)
    assert caught.value.request_sent is False
    assert kind == caught.value.provider
    assert not isinstance(caught.value, aiohttp.ClientError)


async def test_dns_failure_was_not_sent(http: aioresponses, tx: TelnyxClient) -> None:
    """A name that does not resolve is a TransportError with `request_sent` False."""
    key = connector_error()._conn_key
    dns_failure = socket.gaierror(-2, "Name or service not known")
    http.post(TELNYX_URL, exception=aiohttp.ClientConnectorDNSError(key, dns_failure))
    with pytest.raises(TransportError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    assert caught.value.request_sent is False


@pytest.mark.parametrize(
    ("exception", "sent"),
    [
        (TimeoutError(), True),
        (aiohttp.ServerTimeoutError("Timeout on reading data from socket"), True),
        (aiohttp.ConnectionTimeoutError("Connection timeout to host"), False),
    ],
    ids=["builtin", "read", "connect"],
)
async def test_timeouts_are_request_timeouts(
    http: aioresponses, tx: TelnyxClient, exception: Exception, sent: bool
) -> None:
    """A timeout is a RequestTimeout, an unknown outcome for a create unless it never connected."""
    http.post(TELNYX_URL, exception=exception)
    with pytest.raises(ConferencingError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    assert not isinstance(caught.value, aiohttp.ClientError)
    error = last_error_of(caught.value, sent_command_id(http)) if sent else caught.value
    assert isinstance(error, RequestTimeout)
    assert isinstance(error, TransportError)
    assert sent is error.request_sent
    assert not isinstance(error, aiohttp.ClientError)


async def test_unmatched_request_is_a_transport_error(http: aioresponses, tx: TelnyxClient) -> None:
    """aioresponses' refusal (a bare connection error) is an unknown outcome on a TransportError."""
    with pytest.raises(OutcomeUnknownError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    error = last_error_of(caught.value, sent_command_id(http))
    assert isinstance(error, TransportError)
    assert error.request_sent is True


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_not_followed(
    http: aioresponses, tx: TelnyxClient, status: int
) -> None:
    """A redirect answer is an APIError with its status; the credentials never follow it."""
    http.post(TELNYX_URL, status=status, headers={"Location": "https://elsewhere.example/steal"})
    http.post("https://elsewhere.example/steal", payload={"data": CONFERENCE})
    http.get("https://elsewhere.example/steal", payload={"data": CONFERENCE})
    with pytest.raises(APIError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    assert status == caught.value.status
    assert [("POST", URL(TELNYX_URL))] == list(http.requests)
    assert 1 == len(http.requests[("POST", URL(TELNYX_URL))])
    assert http.requests[("POST", URL(TELNYX_URL))][0].kwargs["allow_redirects"] is False


async def test_catapult_redirect_is_not_followed(http: aioresponses, cp: CatapultClient) -> None:
    """A 302 to a Catapult create is an APIError; only the one request went out."""
    http.post(CATAPULT_URL, status=302, headers={"Location": "https://elsewhere.example/"})
    with pytest.raises(APIError) as caught:
        await cp.create_conference(from_=FROM)
    assert 302 == caught.value.status
    assert 1 == len(http.requests[("POST", URL(CATAPULT_URL))])
    assert 1 == len(http.requests)


@pytest.mark.parametrize("timeout", [0, -1.0])
def test_client_timeout_must_be_positive(timeout: float) -> None:
    """A client timeout of zero or less is a ConfigurationError."""
    with pytest.raises(ConfigurationError, match="timeout"):
        TelnyxClient(api_key=KEY, timeout=timeout)
