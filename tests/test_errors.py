"""Failure answers become typed errors that keep what the provider said."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from aioresponses import aioresponses
from yarl import URL

from conferencing import (
    NO_RETRY,
    APIError,
    AuthenticationError,
    BadRequestError,
    CallEndedError,
    CatapultClient,
    ClientClosedError,
    ConferenceEndedError,
    ConferenceFullError,
    ConferenceNameConflictError,
    ConferencingError,
    ConfigurationError,
    ConflictError,
    InvalidCallControlIdError,
    MaxParticipantsReachedError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitError,
    RequestTimeout,
    ResponseDecodeError,
    ServerError,
    SessionPool,
    TelnyxClient,
    TransportError,
    UnprocessableEntityError,
    ValidationError,
)
from conferencing._errors import error_class_for
from conferencing._send import retry_after

KEY = "KEY0123456789abcdef"
USER = "u-1"
TOKEN = "t-token-0123"  # noqa: S105 - a fake credential
SECRET = "s-secret-4567"  # noqa: S105 - a fake credential
FROM = "+15551234567"
CCID = "v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg"
TELNYX_URL = "https://api.telnyx.com/v2/conferences"
CATAPULT_URL = "https://api.catapult.inetwork.com/v1/users/u-1/conferences"

TELNYX_401 = {
    "errors": [
        {
            "code": "10009",
            "title": "Authentication failed",
            "detail": "The required authentication headers were either invalid or not "
            "included in the request.",
            "meta": {"url": "https://developers.telnyx.com/docs/overview/errors/10009"},
        }
    ]
}


def telnyx_error(code: str, title: str, detail: str, pointer: str | None = None) -> str:
    """A Telnyx error body with one error."""
    item: dict[str, Any] = {"code": code, "title": title, "detail": detail}
    if pointer is not None:
        item["source"] = {"pointer": pointer}
    return json.dumps({"errors": [item]})


CATAPULT_429 = {
    "category": "too-many-requests",
    "code": "rate-limit-reached",
    "details": [
        {"name": "rateLimitResetTime", "value": "1479308598680"},
        {"name": "requestMethod", "value": "GET"},
        {"name": "remoteAddress", "value": "0:0:0:0:0:0:0:1"},
        {"name": "requestPath", "value": "users/{{userId}}/account"},
    ],
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


def sent_command_id(http: aioresponses) -> str:
    """The one `command_id` every Telnyx create sent carried."""
    sent = http.requests[("POST", URL(TELNYX_URL))]
    carried = {json.loads(c.kwargs["data"])["command_id"] for c in sent}
    assert 1 == len(carried), carried
    [command_id] = carried
    assert isinstance(command_id, str)
    assert command_id
    return command_id


async def telnyx_failure(http: aioresponses, tx: TelnyxClient, **answer: Any) -> APIError:
    """Answer a Telnyx create with `answer`, return the APIError it raises or that ends it.

    A 5xx other than 503 may have been carried out: the create must then end
    in an `OutcomeUnknownError` around the APIError, with the sent `command_id`.
    """
    http.post(TELNYX_URL, **answer)
    with pytest.raises(ConferencingError) as caught:
        await tx.create_conference(call_control_id=CCID, name="Business")
    error = caught.value
    status = answer["status"]
    if status >= 500 and status != 503:
        assert OutcomeUnknownError is type(error), repr(error)
        assert isinstance(error, OutcomeUnknownError)
        assert error.last_error is not None
        assert error.__cause__ is error.last_error
        assert sent_command_id(http) == error.command_id
        assert "telnyx" == error.provider
        assert "POST" == error.method
        assert TELNYX_URL == error.url
        error = error.last_error
    assert isinstance(error, APIError), repr(error)
    return error


async def catapult_failure(http: aioresponses, cp: CatapultClient, **answer: Any) -> APIError:
    """Answer a Catapult create with `answer`, return the APIError it raises."""
    http.post(CATAPULT_URL, **answer)
    with pytest.raises(APIError) as caught:
        await cp.create_conference(from_=FROM)
    return caught.value


# --- Telnyx -----------------------------------------------------------------


async def test_telnyx_401_is_an_authentication_error(http: aioresponses, tx: TelnyxClient) -> None:
    """Telnyx's documented 401 gives AuthenticationError with its code and the context."""
    body = json.dumps(TELNYX_401)
    error = await telnyx_failure(http, tx, status=401, body=body)
    assert AuthenticationError is type(error)
    assert "10009" == error.errors[0].code
    assert "10009" == error.code
    assert "Authentication failed" == error.errors[0].title
    assert 401 == error.status
    assert "telnyx" == error.provider
    assert "POST" == error.method
    assert TELNYX_URL == error.url
    assert body == error.body
    assert "401" in str(error)
    assert "Authentication failed" in str(error)


async def test_telnyx_numeric_code_is_read_as_a_string(
    http: aioresponses, tx: TelnyxClient
) -> None:
    """A code sent as a JSON number is still exposed as the documented string."""
    body = json.dumps({"errors": [{"code": 10009, "title": "Authentication failed"}]})
    error = await telnyx_failure(http, tx, status=401, body=body)
    assert "10009" == error.code


@pytest.mark.parametrize(
    ("body", "expected_class", "code", "pointer"),
    [
        (
            telnyx_error(
                "10004",
                "Missing required parameter",
                "The 'to' parameter is required and cannot be blank.",
                "/to",
            ),
            UnprocessableEntityError,
            "10004",
            "/to",
        ),
        (
            telnyx_error(
                "90015",
                "Invalid Call Control ID",
                "The call_control_id provided was not valid.",
                "/call_control_id",
            ),
            InvalidCallControlIdError,
            "90015",
            "/call_control_id",
        ),
        (
            telnyx_error(
                "90018",
                "Call has already ended",
                "This call is no longer active and can't receive commands.",
            ),
            CallEndedError,
            "90018",
            None,
        ),
        (
            telnyx_error(
                "90019",
                "Conference has already ended",
                "This conference is no longer active and can't receive commands.",
            ),
            ConferenceEndedError,
            "90019",
            None,
        ),
        (
            telnyx_error(
                "90032",
                "Maximum number of participants reached",
                "The maximum allowed value of `max_participants` has been reached at 100.",
            ),
            MaxParticipantsReachedError,
            "90032",
            None,
        ),
        (
            telnyx_error(
                "90033",
                "Unable to execute command",
                "Conference with given name already exists and it's active.",
            ),
            ConferenceNameConflictError,
            "90033",
            None,
        ),
        (
            telnyx_error(
                "10032",
                "Invalid enumerated value",
                "The value must be one of: dual, single.",
                "/record_channels",
            ),
            UnprocessableEntityError,
            "10032",
            "/record_channels",
        ),
        (
            telnyx_error(
                "10033",
                "Value outside of range",
                "The value is outside of allowed range 1 to 5000",
                "/max_participants",
            ),
            UnprocessableEntityError,
            "10033",
            "/max_participants",
        ),
    ],
    ids=["10004", "90015", "90018", "90019", "90032", "90033", "10032", "10033"],
)
async def test_telnyx_422_examples(
    http: aioresponses,
    tx: TelnyxClient,
    *,
    body: str,
    expected_class: type[APIError],
    code: str,
    pointer: str | None,
) -> None:
    """Each documented 422 example maps to its class, keeping code, pointer and body."""
    error = await telnyx_failure(http, tx, status=422, body=body)
    assert expected_class is type(error)
    assert isinstance(error, UnprocessableEntityError)
    assert 422 == error.status
    assert code == error.errors[0].code
    assert pointer == error.errors[0].pointer
    assert json.loads(body)["errors"][0]["detail"] == error.errors[0].detail
    assert body == error.body


async def test_telnyx_every_error_is_kept(http: aioresponses, tx: TelnyxClient) -> None:
    """An answer listing several errors keeps them all, in order; the first decides the class."""
    body = json.dumps(
        {
            "errors": [
                {"code": "90033", "title": "Unable to execute command"},
                {"code": "10033", "title": "Value outside of range", "source": {"pointer": "/x"}},
            ]
        }
    )
    error = await telnyx_failure(http, tx, status=422, body=body)
    assert ConferenceNameConflictError is type(error)
    assert ["90033", "10033"] == [e.code for e in error.errors]
    assert "/x" == error.errors[1].pointer


async def test_telnyx_429_retry_after_seconds(http: aioresponses, tx: TelnyxClient) -> None:
    """A Telnyx 429 gives RateLimitError with `retry_after` from `Retry-After` seconds."""
    error = await telnyx_failure(
        http,
        tx,
        status=429,
        headers={"Retry-After": "7"},
        body=json.dumps({"errors": [{"code": "10011", "title": "Too many requests"}]}),
    )
    assert isinstance(error, RateLimitError)
    assert 7.0 == error.retry_after


async def test_telnyx_429_retry_after_http_date(http: aioresponses, tx: TelnyxClient) -> None:
    """A `Retry-After` HTTP date gives the seconds until that date."""
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=60)
    error = await telnyx_failure(
        http, tx, status=429, headers={"Retry-After": format_datetime(when, usegmt=True)}
    )
    assert isinstance(error, RateLimitError)
    assert error.retry_after is not None
    assert 55.0 <= error.retry_after <= 60.0


async def test_429_without_any_hint(http: aioresponses, tx: TelnyxClient) -> None:
    """A 429 with no header to go by has `retry_after` None."""
    error = await telnyx_failure(http, tx, status=429, body="")
    assert isinstance(error, RateLimitError)
    assert error.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_telnyx_5xx_is_a_server_error(
    http: aioresponses, tx: TelnyxClient, status: int
) -> None:
    """5xx answers give ServerError with the status, behind an unknown outcome unless 503."""
    error = await telnyx_failure(http, tx, status=status, body='{"errors": []}')
    assert ServerError is type(error)
    assert status == error.status


@pytest.mark.parametrize(
    ("status", "expected_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (418, APIError),
        (402, APIError),
    ],
)
async def test_telnyx_status_classes(
    http: aioresponses, tx: TelnyxClient, status: int, expected_class: type[APIError]
) -> None:
    """Each status maps to its class; an unlisted 4xx is a plain APIError."""
    error = await telnyx_failure(http, tx, status=status, body=json.dumps(TELNYX_401))
    assert expected_class is type(error)
    assert status == error.status


# --- Catapult ---------------------------------------------------------------


async def test_catapult_400_is_a_bad_request(http: aioresponses, cp: CatapultClient) -> None:
    """Catapult's `{category, code, message, details}` 400 is a BadRequestError with a pointer."""
    body = json.dumps(
        {
            "category": "bad-request",
            "code": "validation-error",
            "message": "Incoming Call callback timeout must not surpass 10000",
            "details": [{"name": "callbackTimeout", "value": "20000"}],
        }
    )
    error = await catapult_failure(http, cp, status=400, body=body)
    assert BadRequestError is type(error)
    assert 1 == len(error.errors)
    detail = error.errors[0]
    assert "validation-error" == detail.code
    assert "bad-request" == detail.title
    assert "Incoming Call callback timeout must not surpass 10000" == detail.detail
    assert "callbackTimeout" == detail.pointer
    assert "catapult" == error.provider
    assert CATAPULT_URL == error.url
    assert "POST" == error.method
    assert body == error.body


async def test_catapult_401(http: aioresponses, cp: CatapultClient) -> None:
    """A Catapult 401 gives AuthenticationError."""
    body = json.dumps(
        {
            "category": "authorization",
            "code": "user-access-denied",
            "message": "User u-2 does not have permission to access user u-1",
        }
    )
    error = await catapult_failure(http, cp, status=401, body=body)
    assert AuthenticationError is type(error)
    assert "user-access-denied" == error.code


async def test_catapult_conference_full(http: aioresponses, cp: CatapultClient) -> None:
    """403 `conference-max-members` gives ConferenceFullError, a PermissionDeniedError."""
    body = json.dumps(
        {
            "category": "limit",
            "code": "conference-max-members",
            "message": "The conference c-1 reached the max number of members",
        }
    )
    error = await catapult_failure(http, cp, status=403, body=body)
    assert ConferenceFullError is type(error)
    assert isinstance(error, PermissionDeniedError)
    assert 403 == error.status


async def test_catapult_call_rate_limit(http: aioresponses, cp: CatapultClient) -> None:
    """403 `call-rate-limit` gives RateLimitError, keeping status 403."""
    body = json.dumps(
        {
            "category": "limit",
            "code": "call-rate-limit",
            "message": "You can create 1 calls per 1 seconds, calculated as the average over "
            "10 seconds. Your rate is: 1.1",
            "details": [
                {"name": "requestMethod", "value": "POST"},
                {"name": "remoteAddress", "value": "216.82.234.65"},
                {"name": "requestPath", "value": "users/u-asdf/calls"},
            ],
        }
    )
    error = await catapult_failure(http, cp, status=403, body=body)
    assert RateLimitError is type(error)
    assert 403 == error.status
    assert "call-rate-limit" == error.code
    assert "requestMethod" == error.errors[0].pointer


async def test_catapult_other_403_is_permission_denied(
    http: aioresponses, cp: CatapultClient
) -> None:
    """A 403 with another code (`conference-error`) is a plain PermissionDeniedError."""
    body = json.dumps(
        {
            "category": "forbidden",
            "code": "conference-error",
            "message": "Unable to update conference c-1. Invalid conference state completed",
        }
    )
    error = await catapult_failure(http, cp, status=403, body=body)
    assert PermissionDeniedError is type(error)


async def test_catapult_404(http: aioresponses, cp: CatapultClient) -> None:
    """404 `conference-not-found` gives NotFoundError."""
    body = json.dumps(
        {
            "category": "not-found",
            "code": "conference-not-found",
            "message": "The conference c-1 could not be found",
        }
    )
    error = await catapult_failure(http, cp, status=404, body=body)
    assert NotFoundError is type(error)
    assert "conference-not-found" == error.code


async def test_catapult_409(http: aioresponses, cp: CatapultClient) -> None:
    """409 `duplicate-conference` gives ConflictError."""
    body = json.dumps(
        {
            "category": "conflict",
            "code": "duplicate-conference",
            "message": "Cannot create another instance of conference c-1",
        }
    )
    error = await catapult_failure(http, cp, status=409, body=body)
    assert ConflictError is type(error)
    assert "duplicate-conference" == error.code


async def test_catapult_429_without_message(http: aioresponses, cp: CatapultClient) -> None:
    """The docs' 429 sample (no `message`) is a RateLimitError timed by X-RateLimit-Reset."""
    reset_ms = int((time.time() + 30) * 1000)
    body = json.dumps(CATAPULT_429)
    error = await catapult_failure(
        http, cp, status=429, body=body, headers={"X-RateLimit-Reset": str(reset_ms)}
    )
    assert RateLimitError is type(error)
    assert isinstance(error, RateLimitError)
    assert "rate-limit-reached" == error.code
    assert "too-many-requests" == error.errors[0].title
    assert error.errors[0].detail is None
    assert "rateLimitResetTime" == error.errors[0].pointer
    assert body == error.body
    assert error.retry_after is not None
    assert 25.0 <= error.retry_after <= 30.0


async def test_catapult_429_reset_in_the_past(http: aioresponses, cp: CatapultClient) -> None:
    """An `X-RateLimit-Reset` already past means no wait, never a negative one."""
    error = await catapult_failure(
        http,
        cp,
        status=429,
        body=json.dumps(CATAPULT_429),
        headers={"X-RateLimit-Reset": "1479308598680"},
    )
    assert isinstance(error, RateLimitError)
    assert 0.0 == error.retry_after


async def test_catapult_503_is_a_server_error(http: aioresponses, cp: CatapultClient) -> None:
    """503 `call-unavailable` gives ServerError."""
    body = json.dumps(
        {
            "category": "unavailable",
            "code": "call-unavailable",
            "message": "The call c-1 is being initialized and cannot be modified now retry "
            "your operation later",
        }
    )
    error = await catapult_failure(http, cp, status=503, body=body)
    assert ServerError is type(error)
    assert "call-unavailable" == error.code


async def test_catapult_unlisted_4xx(http: aioresponses, cp: CatapultClient) -> None:
    """An unlisted 4xx (418) is a plain APIError with its status and body."""
    error = await catapult_failure(http, cp, status=418, body="I'm a teapot")
    assert APIError is type(error)
    assert 418 == error.status
    assert "I'm a teapot" == error.body


# --- Bodies that are not what the docs say ---------------------------------

HTML_502 = (
    "<html><head><title>502 Bad Gateway</title></head>"
    "<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)


@pytest.mark.parametrize(
    ("status", "body", "expected_class"),
    [
        (502, HTML_502, ServerError),
        (422, '{"errors": [{"code": "90033", "title": "Unable', UnprocessableEntityError),
        (401, '[{"code": "10009"}]', AuthenticationError),
        (422, '{"errors": "x"}', UnprocessableEntityError),
        (422, '{"errors": ["x", 1, null]}', UnprocessableEntityError),
        (404, "", NotFoundError),
        (400, "null", BadRequestError),
        (500, "\x00\xff not text", ServerError),
    ],
    ids=["html", "truncated", "array", "errors-string", "errors-junk", "empty", "null", "binary"],
)
async def test_telnyx_malformed_error_body(
    http: aioresponses,
    tx: TelnyxClient,
    status: int,
    body: str,
    expected_class: type[APIError],
) -> None:
    """An odd error body still yields the status class and raw `.body` (a 5xx: as last error)."""
    error = await telnyx_failure(http, tx, status=status, body=body)
    assert expected_class is type(error)
    assert status == error.status
    assert body == error.body
    assert () == error.errors


@pytest.mark.parametrize(
    ("status", "body", "expected_class"),
    [
        (503, HTML_502, ServerError),
        (403, '{"category": "limit", "code": "conference-max', PermissionDeniedError),
        (429, '["too-many-requests"]', RateLimitError),
        (404, "Not Found", NotFoundError),
        (409, "{}", ConflictError),
    ],
    ids=["html", "truncated", "array", "text", "empty-object"],
)
async def test_catapult_malformed_error_body(
    http: aioresponses,
    cp: CatapultClient,
    status: int,
    body: str,
    expected_class: type[APIError],
) -> None:
    """A non-JSON or odd Catapult error body still yields the status class, the raw text kept."""
    error = await catapult_failure(http, cp, status=status, body=body)
    assert expected_class is type(error)
    assert status == error.status
    assert body == error.body
    assert () == error.errors


async def test_long_error_body_is_cut(http: aioresponses, tx: TelnyxClient) -> None:
    """A huge 500 body is kept only in part, so errors (and the unknown outcome) stay printable."""
    body = "x" * 100_000
    error = await telnyx_failure(http, tx, status=500, body=body)
    assert ServerError is type(error)
    assert 0 < len(error.body) < len(body)
    assert body.startswith(error.body)


async def test_error_requests_were_sent_once(http: aioresponses, tx: TelnyxClient) -> None:
    """A failure answer is reported, not retried behind the caller's back by default."""
    await telnyx_failure(http, tx, status=422, body=telnyx_error("90033", "x", "y"))
    assert 1 == len(http.requests[("POST", URL(TELNYX_URL))])


# --- retry_after and the table ---------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 2.5 "}, 2.5),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "Wed, 16 Nov 2016 15:03:38 GMT"}, 10.0),
        ({"Retry-After": "Wed, 16 Nov 2016 15:03:18 GMT"}, 0.0),
        ({"X-RateLimit-Reset": "1479308618680"}, 10.68),
        ({"X-RateLimit-Reset": "1479308598680"}, 0.0),
        ({"Retry-After": "soon", "X-RateLimit-Reset": "1479308618680"}, 10.68),
        ({"Retry-After": "nan"}, None),
        ({"X-RateLimit-Reset": "never"}, None),
        ({}, None),
    ],
)
def test_retry_after(headers: dict[str, str], expected: float | None) -> None:
    """`Retry-After` seconds or date, else `X-RateLimit-Reset` epoch ms, give the wait."""
    now = 1479308608.0  # 2016-11-16T15:03:28Z
    found = retry_after(headers, now=now)
    if expected is None:
        assert found is None
    else:
        assert pytest.approx(expected) == found


@pytest.mark.parametrize(
    ("provider", "status", "code", "expected_class"),
    [
        ("telnyx", 422, "90033", ConferenceNameConflictError),
        ("telnyx", 422, "90032", MaxParticipantsReachedError),
        ("telnyx", 422, "90015", InvalidCallControlIdError),
        ("telnyx", 422, "90018", CallEndedError),
        ("telnyx", 422, "90019", ConferenceEndedError),
        ("telnyx", 422, "10004", UnprocessableEntityError),
        ("telnyx", 422, None, UnprocessableEntityError),
        ("catapult", 403, "conference-max-members", ConferenceFullError),
        ("catapult", 403, "call-rate-limit", RateLimitError),
        ("catapult", 429, "rate-limit-reached", RateLimitError),
        ("catapult", 500, "backend-protocol-support-failure", ServerError),
        ("catapult", 422, "90033", UnprocessableEntityError),
        ("telnyx", 403, "conference-max-members", PermissionDeniedError),
        ("telnyx", 599, None, ServerError),
        ("telnyx", 418, None, APIError),
    ],
)
def test_error_class_table(
    provider: str, status: int, code: str | None, expected_class: type[APIError]
) -> None:
    """Provider codes refine the status class only for their own provider."""
    assert expected_class is error_class_for(provider, status, code)


@pytest.mark.parametrize(
    ("cls", "base"),
    [
        (ValidationError, ValueError),
        (ValidationError, ConferencingError),
        (ConfigurationError, ConferencingError),
        (ClientClosedError, ConferencingError),
        (TransportError, ConferencingError),
        (RequestTimeout, TransportError),
        (ResponseDecodeError, ConferencingError),
        (APIError, ConferencingError),
        (BadRequestError, APIError),
        (AuthenticationError, APIError),
        (PermissionDeniedError, APIError),
        (ConferenceFullError, PermissionDeniedError),
        (NotFoundError, APIError),
        (ConflictError, APIError),
        (UnprocessableEntityError, APIError),
        (ConferenceNameConflictError, UnprocessableEntityError),
        (MaxParticipantsReachedError, UnprocessableEntityError),
        (InvalidCallControlIdError, UnprocessableEntityError),
        (CallEndedError, UnprocessableEntityError),
        (ConferenceEndedError, UnprocessableEntityError),
        (RateLimitError, APIError),
        (ServerError, APIError),
    ],
)
def test_exception_tree(cls: type[Exception], base: type[Exception]) -> None:
    """The exception tree is the one the docs draw."""
    assert issubclass(cls, base)
