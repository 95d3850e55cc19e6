"""Retries on the one send path: only what is safe, with backoff, logged, bounded."""

from __future__ import annotations

import json
import logging
import time

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from conferencing import (
    NO_RETRY,
    CatapultClient,
    OutcomeUnknownError,
    RateLimit,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
    SessionPool,
    TelnyxClient,
    TransportError,
    UnprocessableEntityError,
    catapult,
    telnyx,
)

TX_URL = "https://api.telnyx.com/v2/conferences"
CP_URL = "https://api.catapult.inetwork.com/v1/users/u-1/conferences"
FAST = RetryPolicy(attempts=4, backoff_initial=0.01, backoff_max=0.02, jitter=0.0, deadline=5.0)
CONFERENCE = {
    "data": {
        "record_type": "conference",
        "id": "conf-1",
        "name": "Business",
        "created_at": "2019-01-23T18:10:02.574Z",
        "expires_at": "2019-01-23T22:10:02.574Z",
    }
}
CREATED = {"Location": "/v1/users/u-1/conferences/c-1"}


def telnyx_client(pool: SessionPool, retry: RetryPolicy | None = FAST) -> TelnyxClient:
    return TelnyxClient(api_key="KEY", pool=pool, retry=retry)


def catapult_client(pool: SessionPool, retry: RetryPolicy | None = FAST) -> CatapultClient:
    return CatapultClient("u-1", "token", "secret", pool=pool, retry=retry)


def bodies(http: aioresponses, url: str) -> list[dict[str, object]]:
    return [json.loads(call.kwargs["data"]) for call in http.requests[("POST", URL(url))]]


def sent_command_id(http: aioresponses) -> str:
    """The one `command_id` every Telnyx create sent carried."""
    carried = {body["command_id"] for body in bodies(http, TX_URL)}
    assert 1 == len(carried), carried
    [command_id] = carried
    assert isinstance(command_id, str)
    assert command_id
    return command_id


def connector_error() -> aiohttp.ClientConnectorError:
    """What aiohttp raises when a connection cannot be made: the request never left."""
    return aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey(
            "h",
            443,
            is_ssl=True,
            ssl=True,
            proxy=None,
            proxy_auth=None,
            proxy_headers_hash=None,
        ),
        OSError(111, "refused"),
    )


async def test_telnyx_5xx_is_retried_with_the_same_command_id(
    http: aioresponses, pool: SessionPool
) -> None:
    """A Telnyx create that failed with a 500 is sent again with the same command_id."""
    http.post(TX_URL, status=500, payload={"errors": [{"code": "10007", "title": "Unexpected"}]})
    http.post(TX_URL, payload=CONFERENCE)

    conference = await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    assert "conf-1" == conference.id
    first, second = bodies(http, TX_URL)
    assert first["command_id"] == second["command_id"]
    assert isinstance(first["command_id"], str)


async def test_telnyx_dropped_connection_is_retried(http: aioresponses, pool: SessionPool) -> None:
    """A connection lost after sending is safe to retry when the command has an id."""
    http.post(TX_URL, exception=aiohttp.ServerDisconnectedError())
    http.post(TX_URL, exception=TimeoutError())
    http.post(TX_URL, payload=CONFERENCE)

    conference = await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    assert "conf-1" == conference.id
    assert 3 == len(bodies(http, TX_URL))
    assert 1 == len({body["command_id"] for body in bodies(http, TX_URL)})


async def test_each_retry_is_logged_with_reason_and_delay(
    http: aioresponses, pool: SessionPool, caplog: pytest.LogCaptureFixture
) -> None:
    """The `conferencing` logger says why and after how long a request is retried."""
    http.post(TX_URL, status=503, body="<html>down</html>", content_type="text/html")
    http.post(TX_URL, payload=CONFERENCE)

    with caplog.at_level(logging.INFO, logger="conferencing"):
        await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert 1 == len(retries)
    assert "503 service unavailable" in retries[0]
    assert " in 0.01 s" in retries[0]
    assert "KEY" not in retries[0]


async def test_attempts_are_bounded_and_the_last_error_is_raised(
    http: aioresponses, pool: SessionPool
) -> None:
    """After `attempts` tries a create ends unknown, the last typed error as its last_error."""
    for _ in range(4):
        http.post(TX_URL, status=502, body="bad gateway", content_type="text/plain")

    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    last = caught.value.last_error
    assert isinstance(last, ServerError)
    assert 502 == last.status
    assert "bad gateway" == last.body
    assert caught.value.__cause__ is last
    assert isinstance(caught.value.request, telnyx.CreateConferenceRequest)
    assert 4 == len(bodies(http, TX_URL))
    assert sent_command_id(http) == caught.value.command_id


async def test_no_retry_sends_once(http: aioresponses, pool: SessionPool) -> None:
    """`retry=NO_RETRY` (or None) sends each request exactly once."""
    http.post(TX_URL, status=503, body="")
    http.post(TX_URL, payload=CONFERENCE)

    with pytest.raises(ServerError):
        await telnyx_client(pool, NO_RETRY).create_conference(call_control_id="v3:a", name="B")

    assert 1 == len(bodies(http, TX_URL))


async def test_catapult_500_is_an_unknown_outcome_and_not_repeated(
    http: aioresponses, pool: SessionPool
) -> None:
    """A Catapult create answered 500 may have happened: it is reported, never resent."""
    http.post(
        CP_URL, status=500, payload={"category": "x", "code": "backend-protocol-support-failure"}
    )
    request = catapult.CreateConferenceRequest(from_="+15551234567")

    with pytest.raises(OutcomeUnknownError) as caught:
        await catapult_client(pool).create_conference(request)

    assert request is caught.value.request
    assert isinstance(caught.value.__cause__, ServerError)
    assert "catapult" == caught.value.provider
    assert 1 == len(bodies(http, CP_URL))


@pytest.mark.parametrize(
    "exception",
    [TimeoutError(), aiohttp.ServerDisconnectedError(), aiohttp.ClientPayloadError("cut")],
)
async def test_catapult_failures_after_sending_are_unknown_outcomes(
    http: aioresponses, pool: SessionPool, exception: Exception
) -> None:
    """A timeout or lost connection after a Catapult create was sent is never retried."""
    http.post(CP_URL, exception=exception)

    with pytest.raises(OutcomeUnknownError) as caught:
        await catapult_client(pool).create_conference(from_="+15551234567")

    assert isinstance(caught.value.__cause__, TransportError)
    assert 1 == len(bodies(http, CP_URL))


async def test_catapult_unknown_outcome_even_without_retries(
    http: aioresponses, pool: SessionPool
) -> None:
    """With retries off a Catapult timeout is still reported as an unknown outcome."""
    http.post(CP_URL, exception=TimeoutError())

    with pytest.raises(OutcomeUnknownError) as caught:
        await catapult_client(pool, None).create_conference(from_="+15551234567")

    assert isinstance(caught.value.__cause__, RequestTimeout)


async def test_catapult_retries_what_the_provider_did_not_do(
    http: aioresponses, pool: SessionPool
) -> None:
    """429, 403 call-rate-limit, 503 and a refused connection are retried for Catapult."""
    reset = str(int((time.time() + 0.05) * 1000))
    http.post(
        CP_URL,
        status=429,
        headers={"X-RateLimit-Reset": reset},
        payload={"category": "too-many-requests", "code": "rate-limit-reached"},
    )
    http.post(CP_URL, status=403, payload={"category": "limit", "code": "call-rate-limit"})
    http.post(CP_URL, status=503, payload={"category": "x", "code": "call-unavailable"})
    http.post(CP_URL, exception=connector_error())
    http.post(CP_URL, status=201, headers=CREATED)
    policy = RetryPolicy(attempts=5, backoff_initial=0.01, backoff_max=0.02, jitter=0.0)

    ref = await catapult_client(pool, policy).create_conference(from_="+15551234567")

    assert "c-1" == ref.id
    assert 5 == len(bodies(http, CP_URL))


async def test_an_earlier_unknown_outcome_outlives_later_refusals(
    http: aioresponses, pool: SessionPool
) -> None:
    """A create answered 500, then only "not executed" (503, 429, refused), still ends unknown."""
    http.post(TX_URL, status=500, body="oops")
    http.post(TX_URL, status=503, body="down")
    http.post(TX_URL, status=429, payload={"errors": [{"code": "10011"}]})
    http.post(TX_URL, exception=connector_error())

    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    last = caught.value.last_error
    assert isinstance(last, TransportError)
    assert last.request_sent is False
    assert caught.value.__cause__ is last
    assert 4 == len(bodies(http, TX_URL))
    assert sent_command_id(http) == caught.value.command_id


async def test_not_executed_failures_alone_raise_as_they_are(
    http: aioresponses, pool: SessionPool
) -> None:
    """A create refused with 503 every time was never carried out: the last 503 comes out as is."""
    for _ in range(4):
        http.post(TX_URL, status=503, body="down")

    with pytest.raises(ServerError) as caught:
        await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    assert ServerError is type(caught.value)
    assert 503 == caught.value.status
    assert 4 == len(bodies(http, TX_URL))


async def test_a_get_that_fails_after_retries_raises_its_own_error(
    http: aioresponses, pool: SessionPool
) -> None:
    """A GET is never an unknown outcome: after its 500s the last ServerError comes out as is."""
    for _ in range(4):
        http.get(f"{TX_URL}/conf-1", status=500, body="oops")

    with pytest.raises(ServerError) as caught:
        await telnyx_client(pool).get_conference("conf-1")

    assert ServerError is type(caught.value)
    assert 500 == caught.value.status
    assert 4 == len(http.requests[("GET", URL(f"{TX_URL}/conf-1"))])


async def test_retry_after_is_honoured(http: aioresponses, pool: SessionPool) -> None:
    """A 429's Retry-After is waited out before the next try."""
    http.post(TX_URL, status=429, headers={"Retry-After": "0.3"}, payload={"errors": []})
    http.post(TX_URL, payload=CONFERENCE)

    started = time.monotonic()
    await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    assert time.monotonic() - started >= 0.3


async def test_a_wait_past_the_deadline_is_not_waited(
    http: aioresponses, pool: SessionPool
) -> None:
    """When the provider asks for a wait longer than the deadline, the 429 comes out at once."""
    http.post(TX_URL, status=429, headers={"Retry-After": "120"}, payload={"errors": []})
    policy = RetryPolicy(attempts=3, deadline=1.0)

    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        await telnyx_client(pool, policy).create_conference(call_control_id="v3:a", name="B")

    assert 120.0 == pytest.approx(caught.value.retry_after, abs=1)
    assert time.monotonic() - started < 5
    assert 1 == len(bodies(http, TX_URL))


async def test_4xx_other_than_rate_limits_are_not_retried(
    http: aioresponses, pool: SessionPool
) -> None:
    """A 422 is the caller's to fix: it is raised after one try."""
    http.post(TX_URL, status=422, payload={"errors": [{"code": "90033", "title": "x"}]})

    with pytest.raises(UnprocessableEntityError):
        await telnyx_client(pool).create_conference(call_control_id="v3:a", name="B")

    assert 1 == len(bodies(http, TX_URL))


async def test_rate_limit_paces_each_endpoint_family(http: aioresponses, pool: SessionPool) -> None:
    """With RateLimit(1, 0.2) three creates take at least two periods."""
    for _ in range(3):
        http.post(CP_URL, status=201, headers=CREATED)
    client = CatapultClient("u-1", "token", "secret", pool=pool, rate_limit=RateLimit(1, 0.2))

    started = time.monotonic()
    for _ in range(3):
        await client.create_conference(from_="+15551234567")

    assert time.monotonic() - started >= 0.35


def test_policies_refuse_nonsense() -> None:
    """Retry and rate policies reject values that cannot work."""
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError, match="deadline"):
        RetryPolicy(deadline=0)
    with pytest.raises(ValueError, match="requests"):
        RateLimit(0)
    assert RateLimit(1, 1.0) == catapult.DOCUMENTED_RATE_LIMIT
