"""Watching requests: request ids, raw responses, hooks, OpenTelemetry spans and the User-Agent."""

from __future__ import annotations

import asyncio
import base64
import logging
import pickle
import platform
import re
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import pytest
from aioresponses import CallbackResult, aioresponses
from mypy import api as mypy_api
from opentelemetry import trace as otel_trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from yarl import URL

import conferencing
from conferencing import (
    NO_RETRY,
    APIError,
    CatapultClient,
    ConferencingError,
    ConfigurationError,
    Hooks,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitError,
    RawResponse,
    RequestInfo,
    RequestTimeout,
    ResponseDecodeError,
    ResponseInfo,
    RetryInfo,
    RetryPolicy,
    ServerError,
    SessionPool,
    TelnyxClient,
    TransportError,
    ValidationError,
    raw_response,
    telnyx,
)
from conferencing import _observe as observe_module
from conferencing.emulator import Emulator, Faults
from conferencing.emulator._faults import FaultPlan

KEY = "sk-OBSERVE-secret-key-0123"
USER = "u-observe"
TOKEN = "tok-OBSERVE-secret"  # noqa: S105 - a fake credential
SECRET = "sec-OBSERVE-secret"  # noqa: S105 - a fake credential
BASIC = base64.b64encode(f"{TOKEN}:{SECRET}".encode()).decode()
SECRETS = (KEY, TOKEN, SECRET, BASIC)
FROM = "+15551234567"
CCID = "v3:leg-observe-0"
TELNYX = "https://api.telnyx.com/v2"
TELNYX_CONFERENCES = f"{TELNYX}/conferences"
CATAPULT = f"https://api.catapult.inetwork.com/v1/users/{USER}"
CATAPULT_CONFERENCES = f"{CATAPULT}/conferences"
CONFERENCE = {
    "record_type": "conference",
    "id": "c-1",
    "name": "B",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T22:10:02.574Z",
}
NOT_FOUND = {"errors": [{"code": "10005", "title": "Resource not found"}]}
UNAVAILABLE = {"errors": [{"code": "90000", "title": "Service unavailable"}]}
FAST = RetryPolicy(attempts=3, backoff_initial=0.01, backoff_max=0.05, jitter=0)
USER_AGENT = (
    f"conferencing/{conferencing.__version__} Python/{platform.python_version()} "
    f"aiohttp/{aiohttp.__version__}"
)


def secrets_in(text: str) -> list[str]:
    """The credentials (or the Basic blob) that appear in `text`."""
    return [secret for secret in SECRETS if secret in text]


@pytest.fixture
def tx(pool: SessionPool) -> TelnyxClient:
    """A Telnyx client on the default base URL, each request sent once."""
    return TelnyxClient(KEY, pool=pool, retry=NO_RETRY)


@pytest.fixture
def cp(pool: SessionPool) -> CatapultClient:
    """A Catapult client on the default base URL, each request sent once."""
    return CatapultClient(USER, TOKEN, SECRET, pool=pool, retry=NO_RETRY)


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator of both providers on 127.0.0.1."""
    async with Emulator(host="127.0.0.1", port=0) as emulator:
        yield emulator


def emulator_clients(
    emu: Emulator, pool: SessionPool, **options: Any
) -> tuple[TelnyxClient, CatapultClient]:
    """A client of each provider pointed at `emu`."""
    return (
        TelnyxClient(emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool, **options),
        CatapultClient(
            emu.catapult_user_id,
            emu.catapult_api_token,
            emu.catapult_api_secret,
            base_url=emu.catapult_url,
            pool=pool,
            **options,
        ),
    )


@attrs.define
class Seen:
    """Everything a set of hooks was called with, in order, with who was called."""

    calls: list[tuple[str, object]] = attrs.field(factory=list)

    def hooks(self, who: str) -> Hooks:
        """Hooks that note each info object under `who`."""
        return Hooks(
            on_request=lambda info: self.calls.append((who, info)),
            on_response=lambda info: self.calls.append((who, info)),
            on_retry=lambda info: self.calls.append((who, info)),
        )

    def of(self, kind: type[Any], who: str | None = None) -> list[Any]:
        """The info objects of one kind, noted by `who` (or anyone)."""
        return [
            info
            for name, info in self.calls
            if isinstance(info, kind) and (who is None or who == name)
        ]


def fault_seed(expected: list[str | None], **probabilities: float) -> int:
    """The first seed whose fault plan draws `expected` for the first requests."""
    for seed in range(1000):
        shares: dict[str, Any] = dict(probabilities)
        plan = FaultPlan(Faults(seed=seed, **shares))
        if [plan.draw() for _ in expected] == expected:
            return seed
    raise AssertionError(f"no seed draws {expected}")


# --- Request ids -----------------------------------------------------------------------


async def test_an_api_error_carries_the_x_request_id(tx: TelnyxClient, http: aioresponses) -> None:
    """A 404's X-Request-Id becomes NotFoundError.request_id and is named in its message."""
    http.get(
        f"{TELNYX_CONFERENCES}/c-9", status=404, payload=NOT_FOUND, headers={"X-Request-Id": "rq-1"}
    )
    with pytest.raises(NotFoundError) as caught:
        await tx.get_conference("c-9")
    assert "rq-1" == caught.value.request_id
    assert str(caught.value).endswith("(request id rq-1)")


async def test_request_id_is_read_from_request_id_when_there_is_no_x_request_id(
    cp: CatapultClient, http: aioresponses
) -> None:
    """Without X-Request-Id, the Request-Id header names the request."""
    http.get(
        f"{CATAPULT_CONFERENCES}/conf-9",
        status=404,
        payload={"category": "not-found", "code": "conference-not-found"},
        headers={"Request-Id": "rq-2"},
    )
    with pytest.raises(NotFoundError) as caught:
        await cp.get_conference("conf-9")
    assert "rq-2" == caught.value.request_id
    assert "(request id rq-2)" in str(caught.value)


async def test_x_request_id_wins_over_request_id(tx: TelnyxClient, http: aioresponses) -> None:
    """With both headers, X-Request-Id is the one reported."""
    http.get(
        f"{TELNYX_CONFERENCES}/c-9",
        status=404,
        payload=NOT_FOUND,
        headers={"Request-Id": "other", "X-Request-Id": "rq-3"},
    )
    with pytest.raises(NotFoundError) as caught:
        await tx.get_conference("c-9")
    assert "rq-3" == caught.value.request_id


async def test_an_answer_without_a_request_id_leaves_it_none(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """No request-id header: request_id is None and the message says nothing of one."""
    http.get(f"{TELNYX_CONFERENCES}/c-9", status=404, payload=NOT_FOUND)
    with pytest.raises(NotFoundError) as caught:
        await tx.get_conference("c-9")
    assert caught.value.request_id is None
    assert "request id" not in str(caught.value)


async def test_a_response_decode_error_carries_the_request_id(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """A 200 of the wrong shape raises ResponseDecodeError with the answer's request id."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"nope": 1}, headers={"X-Request-Id": "rq-4"})
    with pytest.raises(ResponseDecodeError) as caught:
        await tx.get_conference("c-1")
    assert "rq-4" == caught.value.request_id
    assert "(request id rq-4)" in str(caught.value)


async def test_control_characters_in_a_request_id_are_not_shown(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """A request id with escape and control characters is kept and shown sanitized."""
    hostile = "rq\x1b[31m\x07-5\x00"
    http.get(
        f"{TELNYX_CONFERENCES}/c-9",
        status=404,
        payload=NOT_FOUND,
        headers={"X-Request-Id": hostile},
    )
    with pytest.raises(NotFoundError) as caught:
        await tx.get_conference("c-9")
    assert "rq?[31m?-5?" == caught.value.request_id
    assert str(caught.value).endswith("(request id rq?[31m?-5?)")
    assert not re.search(r"[\x00-\x1f\x7f]", str(caught.value))


@pytest.mark.parametrize("provider", ["telnyx", "catapult"])
async def test_the_emulator_sends_a_request_id_on_a_404(provider: str, emu: Emulator) -> None:
    """A 404 from the emulator's get_conference has its own X-Request-Id, reported on the error."""
    answers: list[ResponseInfo] = []
    pool_hooks = Hooks(on_response=answers.append)
    async with SessionPool(hooks=pool_hooks) as watched:
        tx, cp = emulator_clients(emu, watched, retry=NO_RETRY)
        client: TelnyxClient | CatapultClient = tx if provider == "telnyx" else cp
        errors = []
        for _ in range(2):
            with pytest.raises(NotFoundError) as caught:
                await client.get_conference("no-such-conference")
            errors.append(caught.value)
    sent_ids = [info.headers["X-Request-Id"] for info in answers]
    assert sent_ids == [error.request_id for error in errors]
    assert all(sent_ids)
    assert sent_ids[0] != sent_ids[1]
    assert f"(request id {sent_ids[0]})" in str(errors[0])


async def test_errors_with_request_ids_survive_pickle(
    tx: TelnyxClient, cp: CatapultClient, http: aioresponses
) -> None:
    """Errors from the wire keep type, message, request_id (and retry_after, last_error) pickled."""
    http.get(
        f"{TELNYX_CONFERENCES}/c-9", status=404, payload=NOT_FOUND, headers={"X-Request-Id": "rq-a"}
    )
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"x": 1}, headers={"X-Request-Id": "rq-b"})
    http.get(
        f"{CATAPULT_CONFERENCES}/conf-1",
        status=429,
        payload={"category": "too-many-requests", "code": "rate-limit"},
        headers={"X-Request-Id": "rq-c", "Retry-After": "7"},
    )
    http.post(TELNYX_CONFERENCES, status=500, headers={"X-Request-Id": "rq-d"})
    errors: list[ConferencingError] = []
    for call in (
        tx.get_conference("c-9"),
        tx.get_conference("c-1"),
        cp.get_conference("conf-1"),
        tx.create_conference(call_control_id=CCID, name="B"),
    ):
        with pytest.raises(ConferencingError) as caught:
            await call
        errors.append(caught.value)
    assert [NotFoundError, ResponseDecodeError, RateLimitError, OutcomeUnknownError] == [
        type(e) for e in errors
    ]
    for error in errors:
        back = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(error) is type(back)
        assert str(error) == str(back)
        if isinstance(error, OutcomeUnknownError):
            assert isinstance(back, OutcomeUnknownError)
            assert isinstance(back.last_error, APIError)
            assert "rq-d" == back.last_error.request_id
            assert back.__cause__ is back.last_error
        else:
            assert isinstance(back, APIError | ResponseDecodeError)
            assert error.request_id == back.request_id  # type: ignore[attr-defined]
    assert ["rq-a", "rq-b", "rq-c"] == [getattr(e, "request_id", None) for e in errors[:3]]
    rate_limited = pickle.loads(pickle.dumps(errors[2]))  # noqa: S301 - our own bytes
    assert 7.0 == rate_limited.retry_after


# --- Raw responses ---------------------------------------------------------------------


async def test_raw_response_gives_the_result_with_its_answer(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """raw_response returns what the call returns, plus the answer's status, headers and id."""
    http.post(
        TELNYX_CONFERENCES,
        payload={"data": CONFERENCE},
        headers={"X-Request-Id": "rq-raw", "X-Extra": "yes"},
    )
    http.post(TELNYX_CONFERENCES, payload={"data": CONFERENCE})
    raw = await raw_response(tx.create_conference(call_control_id=CCID, name="B"))
    plain = await tx.create_conference(call_control_id=CCID, name="B")
    assert isinstance(raw, RawResponse)
    assert plain == raw.parsed
    assert 200 == raw.status
    assert "rq-raw" == raw.request_id
    assert "yes" == raw.headers["x-extra"]
    assert isinstance(plain, telnyx.Conference)


async def test_raw_response_of_a_catapult_create_shows_its_201_and_location(
    emu: Emulator, pool: SessionPool
) -> None:
    """On the emulator, a Catapult create's raw response is the 201 with its Location and id."""
    _, cp = emulator_clients(emu, pool)
    raw = await raw_response(cp.create_conference(from_=FROM))
    again = await raw_response(cp.get_conference(raw.parsed.id))
    assert 201 == raw.status
    assert raw.parsed.location == raw.headers["Location"]
    assert raw.headers["X-Request-Id"] == raw.request_id
    assert raw.request_id
    assert 200 == again.status
    assert raw.parsed.id == again.parsed.id
    assert raw.request_id != again.request_id


async def test_raw_response_of_something_that_sends_nothing_keeps_its_result() -> None:
    """An awaitable that made no request still gives its result, with no status or request id."""

    async def not_a_call() -> int:
        await asyncio.sleep(0)
        return 1

    raw = await raw_response(not_a_call())
    assert (1, None, None) == (raw.parsed, raw.status, raw.request_id)
    assert {} == dict(raw.headers)


async def test_raw_response_of_a_task_gives_its_result_without_an_answer(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """A task started before runs out of sight: its result comes back, with no status."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    task = asyncio.create_task(tx.get_conference("c-1"))
    raw = await raw_response(task)
    assert ("c-1", None) == (raw.parsed.id, raw.status)


async def test_raw_response_of_something_not_awaitable_is_refused() -> None:
    """A list of pages or a plain value is a ConfigurationError; nothing runs."""
    with pytest.raises(ConfigurationError, match="takes a client call"):
        await raw_response(42)  # type: ignore[arg-type]


async def test_nested_and_gathered_raw_responses_lose_nothing(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """A raw_response around another, or around gathered calls, sees their answers."""
    for number in (1, 2, 3):
        http.get(
            f"{TELNYX_CONFERENCES}/c-{number}",
            payload={"data": {**CONFERENCE, "id": f"c-{number}"}},
            headers={"X-Request-Id": f"r{number}"},
        )
    outer = await raw_response(raw_response(tx.get_conference("c-1")))
    assert ("c-1", "r1") == (outer.parsed.parsed.id, outer.request_id)

    async def both() -> list[telnyx.Conference]:
        return list(await asyncio.gather(tx.get_conference("c-2"), tx.get_conference("c-3")))

    gathered = await raw_response(both())
    assert ["c-2", "c-3"] == [c.id for c in gathered.parsed]
    assert gathered.request_id in {"r2", "r3"}


async def test_raw_response_lets_the_calls_own_errors_through(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """A failing call raises its own error through raw_response, request id and all."""
    http.get(
        f"{TELNYX_CONFERENCES}/c-9", status=404, payload=NOT_FOUND, headers={"X-Request-Id": "rq-6"}
    )
    with pytest.raises(NotFoundError) as caught:
        await raw_response(tx.get_conference("c-9"))
    assert "rq-6" == caught.value.request_id
    with pytest.raises(ValidationError):
        await raw_response(tx.create_conference(call_control_id=CCID, name=""))


async def test_raw_response_reports_the_last_of_several_requests(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """An awaitable sending two requests gets the answer of the last one."""
    http.get(
        f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE}, headers={"X-Request-Id": "1"}
    )
    http.get(
        f"{TELNYX_CONFERENCES}/c-2",
        payload={"data": {**CONFERENCE, "id": "c-2"}},
        headers={"X-Request-Id": "2"},
    )

    async def both() -> telnyx.Conference:
        await tx.get_conference("c-1")
        return await tx.get_conference("c-2")

    raw = await raw_response(both())
    assert ("c-2", "2") == (raw.parsed.id, raw.request_id)


async def test_concurrent_raw_responses_keep_their_own_answers(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """Raw responses awaited in separate tasks, answered out of order, each get their own answer."""
    count = 8

    async def answer(url: URL, **_: Any) -> CallbackResult:
        number = int(url.name.removeprefix("c-"))
        await asyncio.sleep(0.01 * (count - number))  # the first asked is answered last
        return CallbackResult(
            payload={"data": {**CONFERENCE, "id": url.name}},
            headers={"X-Request-Id": f"rq-{url.name}"},
        )

    http.get(re.compile(rf"^{re.escape(TELNYX_CONFERENCES)}/c-\d+$"), callback=answer, repeat=True)
    async with asyncio.timeout(10):
        raws = await asyncio.gather(
            *(raw_response(tx.get_conference(f"c-{n}")) for n in range(count)),
            *(tx.get_conference(f"c-{n}") for n in range(count)),
        )
    wrapped = raws[:count]
    plain = raws[count:]
    assert [f"rq-c-{n}" for n in range(count)] == [
        r.request_id for r in wrapped if isinstance(r, RawResponse)
    ]
    assert [f"c-{n}" for n in range(count)] == [
        r.parsed.id for r in wrapped if isinstance(r, RawResponse)
    ]
    assert [f"c-{n}" for n in range(count)] == [
        c.id for c in plain if isinstance(c, telnyx.Conference)
    ]


async def test_a_plain_call_beside_a_raw_response_is_not_counted_in_it(
    tx: TelnyxClient, http: aioresponses
) -> None:
    """While a raw_response waits, another task's call neither joins it nor is wrapped itself."""
    release = asyncio.Event()

    async def slow(url: URL, **_: Any) -> CallbackResult:
        await release.wait()
        return CallbackResult(payload={"data": CONFERENCE}, headers={"X-Request-Id": "slow"})

    http.get(f"{TELNYX_CONFERENCES}/c-1", callback=slow)
    http.get(
        f"{TELNYX_CONFERENCES}/c-2",
        payload={"data": {**CONFERENCE, "id": "c-2"}},
        headers={"X-Request-Id": "fast"},
    )
    async with asyncio.timeout(10):
        waiting = asyncio.create_task(raw_response(tx.get_conference("c-1")))
        await asyncio.sleep(0.01)
        beside = await tx.get_conference("c-2")
        release.set()
        raw = await waiting
    assert isinstance(beside, telnyx.Conference)
    assert ("c-1", "slow") == (raw.parsed.id, raw.request_id)


MYPY_SNIPPET = """
    from conferencing import CatapultClient, RawResponse, TelnyxClient, raw_response


    async def check(tx: TelnyxClient, cp: CatapultClient) -> None:
        reveal_type(await raw_response(tx.create_conference(call_control_id="v3:x", name="B")))
        reveal_type(await raw_response(cp.create_conference(from_="+15551234567")))
        reveal_type((await raw_response(tx.get_conference("c-1"))).parsed)
        wrong: RawResponse[int] = await raw_response(tx.get_conference("c-1"))  # E
"""


def test_raw_response_is_typed_by_the_call_it_wraps(tmp_path: Path) -> None:
    """Under mypy --strict, raw_response(tx.create_conference(...)) is a RawResponse[Conference]."""
    snippet = tmp_path / "raw_types.py"
    snippet.write_text(textwrap.dedent(MYPY_SNIPPET))
    config = tmp_path / "mypy.ini"
    config.write_text("[mypy]\n")

    stdout, stderr, _ = mypy_api.run(
        [
            "--strict",
            f"--config-file={config}",
            f"--cache-dir={tmp_path / 'cache'}",
            "--no-error-summary",
            str(snippet),
        ]
    )

    revealed = re.findall(r'note: Revealed type is "([^"]+)"', stdout)
    errors = re.findall(r"^.*?:(\d+): error:", stdout, re.MULTILINE)
    assert "" == stderr
    assert [
        "conferencing._raw.RawResponse[conferencing.telnyx._models.Conference]",
        "conferencing._raw.RawResponse[conferencing.catapult._models.ConferenceRef]",
        "conferencing.telnyx._models.Conference",
    ] == revealed, stdout
    expected = [
        str(number)
        for number, line in enumerate(snippet.read_text().splitlines(), start=1)
        if line.endswith("# E")
    ]
    assert expected == errors, stdout


# --- Hooks -----------------------------------------------------------------------------


async def test_pool_hooks_run_before_client_hooks_for_each_event(http: aioresponses) -> None:
    """The pool's on_request, the client's, then the pool's on_response, then the client's."""
    seen = Seen()
    http.post(TELNYX_CONFERENCES, payload={"data": CONFERENCE})
    async with SessionPool(hooks=seen.hooks("pool")) as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY, hooks=seen.hooks("client"))
        await tx.create_conference(call_control_id=CCID, name="B")
    assert [
        ("pool", RequestInfo),
        ("client", RequestInfo),
        ("pool", ResponseInfo),
        ("client", ResponseInfo),
    ] == [(who, type(info)) for who, info in seen.calls]


async def test_request_and_response_info_describe_the_attempt(http: aioresponses) -> None:
    """RequestInfo and ResponseInfo give provider, operation, method, URL, attempt, status, id."""
    seen = Seen()
    url = f"{TELNYX_CONFERENCES}?trace_me=yes"
    http.post(url, payload={"data": CONFERENCE}, headers={"X-Request-Id": "rq-7"})
    async with SessionPool(hooks=seen.hooks("pool")) as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
        await tx.create_conference(call_control_id=CCID, name="B", extra_query={"trace_me": "yes"})
    [request] = seen.of(RequestInfo)
    [response] = seen.of(ResponseInfo)
    assert RequestInfo("telnyx", "create_conference", "POST", url, 1) == request
    assert ("telnyx", "create_conference", "POST", url, 1) == (
        response.provider,
        response.operation,
        response.method,
        response.url,
        response.attempt,
    )
    assert (200, "rq-7", None) == (response.status, response.request_id, response.error)
    assert "rq-7" == response.headers["X-Request-Id"]
    assert 0 <= response.elapsed < 5


async def test_catapult_operations_are_named_after_the_client_method(http: aioresponses) -> None:
    """Hooks name each Catapult operation after its method: create_conference, add_member..."""
    seen = Seen()
    http.post(CATAPULT_CONFERENCES, status=201, headers={"Location": "/c/conf-1"})
    http.post(f"{CATAPULT_CONFERENCES}/conf-1/members", status=201, headers={"Location": "/m/m-1"})
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", payload={"id": "conf-1", "state": "active"})
    http.get(f"{CATAPULT}/calls?size=25&page=0", payload=[])
    async with SessionPool() as pool:
        cp = CatapultClient(USER, TOKEN, SECRET, pool=pool, retry=NO_RETRY, hooks=seen.hooks("c"))
        await cp.create_conference(from_=FROM)
        await cp.add_member("conf-1", "call-1")
        await cp.get_conference("conf-1")
        assert [] == [call async for call in cp.list_calls()]
    assert [
        ("catapult", "create_conference", "POST", 201),
        ("catapult", "add_member", "POST", 201),
        ("catapult", "get_conference", "GET", 200),
        ("catapult", "list_calls", "GET", 200),
    ] == [(i.provider, i.operation, i.method, i.status) for i in seen.of(ResponseInfo)]


async def test_a_503_then_a_200_calls_on_retry_once(http: aioresponses) -> None:
    """A 503 then a 200: two attempts seen, one RetryInfo for attempt 2 with reason and delay."""
    seen = Seen()
    http.post(
        TELNYX_CONFERENCES, status=503, payload=UNAVAILABLE, headers={"X-Request-Id": "rq-503"}
    )
    http.post(TELNYX_CONFERENCES, payload={"data": CONFERENCE}, headers={"X-Request-Id": "rq-ok"})
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=FAST, hooks=seen.hooks("client"))
        conference = await tx.create_conference(call_control_id=CCID, name="B")
    assert "c-1" == conference.id
    assert [1, 2] == [info.attempt for info in seen.of(RequestInfo)]
    responses = seen.of(ResponseInfo)
    assert [(1, 503, "rq-503"), (2, 200, "rq-ok")] == [
        (i.attempt, i.status, i.request_id) for i in responses
    ]
    assert isinstance(responses[0].error, ServerError)
    assert responses[1].error is None
    [retry] = seen.of(RetryInfo)
    assert ("telnyx", "create_conference", "POST", TELNYX_CONFERENCES, 2) == (
        retry.provider,
        retry.operation,
        retry.method,
        retry.url,
        retry.attempt,
    )
    assert "503 service unavailable" == retry.reason
    assert 0 <= retry.delay <= 0.05
    assert retry.error is responses[0].error
    assert [RequestInfo, ResponseInfo, RetryInfo, RequestInfo, ResponseInfo] == [
        type(info) for _, info in seen.calls
    ]


async def test_a_transport_failure_is_seen_with_no_status(http: aioresponses) -> None:
    """A dropped connection is a ResponseInfo with status None and a TransportError; retried."""
    seen = Seen()
    http.get(f"{TELNYX_CONFERENCES}/c-1", exception=aiohttp.ServerDisconnectedError())
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=FAST, hooks=seen.hooks("client"))
        await tx.get_conference("c-1")
    failed, succeeded = seen.of(ResponseInfo)
    assert (1, None, None) == (failed.attempt, failed.status, failed.request_id)
    assert isinstance(failed.error, TransportError)
    assert {} == dict(failed.headers)
    assert failed.elapsed >= 0
    assert (2, 200) == (succeeded.attempt, succeeded.status)
    [retry] = seen.of(RetryInfo)
    assert (2, "connection failed") == (retry.attempt, retry.reason)


async def test_a_final_failure_is_seen_with_its_error(
    http: aioresponses,
) -> None:
    """A 404, not retried, is one ResponseInfo with status 404, its id and the NotFoundError."""
    seen = Seen()
    http.get(
        f"{TELNYX_CONFERENCES}/c-9", status=404, payload=NOT_FOUND, headers={"X-Request-Id": "rq-8"}
    )
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=FAST, hooks=seen.hooks("client"))
        with pytest.raises(NotFoundError) as caught:
            await tx.get_conference("c-9")
    [response] = seen.of(ResponseInfo)
    assert (404, "rq-8") == (response.status, response.request_id)
    assert caught.value is response.error
    assert [] == seen.of(RetryInfo)


@pytest.mark.parametrize("provider", ["telnyx", "catapult"])
async def test_emulator_faults_drive_the_retry_hooks(provider: str, emu: Emulator) -> None:
    """An emulator 503 then a success: attempts 1 and 2, on_retry once, each with its own id."""
    emu.faults = Faults(seed=fault_seed(["unavailable", None], unavailable=0.5), unavailable=0.5)
    seen = Seen()
    async with SessionPool(hooks=seen.hooks("pool")) as pool:
        tx, cp = emulator_clients(emu, pool, retry=FAST)
        if provider == "telnyx":
            await tx.create_conference(call_control_id=CCID, name="Faulty")
        else:
            await cp.create_conference(from_=FROM)
    responses = seen.of(ResponseInfo)
    assert [(1, 503), (2, 200 if provider == "telnyx" else 201)] == [
        (i.attempt, i.status) for i in responses
    ]
    ids = [i.request_id for i in responses]
    assert all(ids)
    assert ids[0] != ids[1]
    [retry] = seen.of(RetryInfo)
    assert (provider, "create_conference", 2, "503 service unavailable") == (
        retry.provider,
        retry.operation,
        retry.attempt,
        retry.reason,
    )


async def test_an_emulator_dropped_connection_is_seen_with_no_status(emu: Emulator) -> None:
    """A create whose connection the emulator drops is an attempt with status None, then retried."""
    # A POST: aiohttp itself quietly resends a GET whose connection dropped.
    emu.faults = Faults(
        seed=fault_seed(["drop_connection", None], drop_connection=0.5), drop_connection=0.5
    )
    seen = Seen()
    async with SessionPool(hooks=seen.hooks("pool")) as pool:
        tx, _ = emulator_clients(emu, pool, retry=FAST)
        await tx.create_conference(call_control_id=CCID, name="Dropped")
    responses = seen.of(ResponseInfo)
    assert [(1, None), (2, 200)] == [(i.attempt, i.status) for i in responses]
    assert isinstance(responses[0].error, TransportError)
    assert responses[0].request_id is None
    [retry] = seen.of(RetryInfo)
    assert (2, "connection failed") == (retry.attempt, retry.reason)
    assert 1 == len(emu.telnyx_conferences())


@pytest.mark.parametrize("failing", ["on_request", "on_response", "on_retry"])
async def test_a_hook_that_raises_is_logged_and_the_request_succeeds(
    failing: str, http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """A raising hook is logged at ERROR on 'conferencing' with its traceback; others still run."""

    def explode(_info: object) -> None:
        raise RuntimeError("hook exploded")

    seen = Seen()
    http.get(f"{TELNYX_CONFERENCES}/c-1", status=503, payload=UNAVAILABLE)
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    caplog.set_level(logging.ERROR, logger="conferencing")
    given: dict[str, Any] = {failing: explode}
    async with SessionPool(hooks=Hooks(**given)) as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=FAST, hooks=seen.hooks("client"))
        conference = await tx.get_conference("c-1")
    assert "c-1" == conference.id
    records = [r for r in caplog.records if r.name == "conferencing" and r.levelno >= logging.ERROR]
    expected = {"on_request": 2, "on_response": 2, "on_retry": 1}[failing]
    assert expected == len(records)
    assert all(r.levelno == logging.ERROR for r in records)
    assert all(r.exc_info is not None and r.exc_info[0] is RuntimeError for r in records)
    assert [2, 2, 1] == [
        len(seen.of(RequestInfo)),
        len(seen.of(ResponseInfo)),
        len(seen.of(RetryInfo)),
    ]


@pytest.mark.parametrize("hook", ["on_request", "on_response", "on_retry"])
@pytest.mark.parametrize("value", [1, "print", object()], ids=["int", "str", "object"])
def test_a_hook_that_is_not_callable_is_a_configuration_error(hook: str, value: Any) -> None:
    """Hooks refuses a hook that cannot be called."""
    given: dict[str, Any] = {hook: value}
    with pytest.raises(ConfigurationError) as caught:
        Hooks(**given)
    assert hook in str(caught.value)


def test_hooks_must_be_a_hooks_object() -> None:
    """A pool or client given something else than a Hooks raises ConfigurationError."""
    not_hooks: Any = {"on_request": print}
    with pytest.raises(ConfigurationError):
        SessionPool(hooks=not_hooks)
    with pytest.raises(ConfigurationError):
        TelnyxClient(KEY, hooks=not_hooks)
    with pytest.raises(ConfigurationError):
        CatapultClient(USER, TOKEN, SECRET, hooks=print)  # type: ignore[arg-type]


async def test_a_client_owning_its_pool_calls_its_hooks(http: aioresponses) -> None:
    """A client with no pool given still calls its hooks on its private pool's requests."""
    seen = Seen()
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    async with TelnyxClient(KEY, retry=NO_RETRY, hooks=seen.hooks("client")) as tx:
        await tx.get_conference("c-1")
    assert [RequestInfo, ResponseInfo] == [type(info) for _, info in seen.calls]


async def test_no_credential_in_any_info(http: aioresponses) -> None:
    """No repr or field of any info object shows a key, token, secret or Basic blob."""
    seen = Seen()
    echo = {"errors": [{"code": "10009", "title": "Authentication failed"}]}
    http.post(TELNYX_CONFERENCES, status=503, payload=UNAVAILABLE)
    http.post(TELNYX_CONFERENCES, status=401, payload=echo, headers={"X-Request-Id": "rq-401"})
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", exception=aiohttp.ClientConnectionError("reset"))
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", status=401)
    async with SessionPool(hooks=seen.hooks("pool")) as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=FAST, hooks=seen.hooks("client"))
        cp = CatapultClient(USER, TOKEN, SECRET, pool=pool, retry=FAST)
        with pytest.raises(ConferencingError):
            await tx.create_conference(call_control_id=CCID, name="B")
        with pytest.raises(ConferencingError):
            await cp.get_conference("conf-1")
    assert 15 == len(seen.calls)
    for _, info in seen.calls:
        assert isinstance(info, RequestInfo | ResponseInfo | RetryInfo)
        shown = [
            repr(info),
            str(info),
            *(repr(v) for v in attrs.asdict(info, recurse=False).values()),
        ]
        assert [] == secrets_in("\n".join(shown)), info


# --- OpenTelemetry -----------------------------------------------------------------------

#: The provider the library's spans go to in these tests (see `spans`).
_PROVIDER = TracerProvider()
_EXPORTER = InMemorySpanExporter()
_PROVIDER.add_span_processor(SimpleSpanProcessor(_EXPORTER))


@pytest.fixture
def spans(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """The spans finished during the test, from pools built inside it.

    OpenTelemetry's global provider can be set once per process, and once
    set, every later test's requests would carry trace headers. So the
    global is left alone: the lookup the library makes when a pool or
    client starts tracing (`opentelemetry.trace.get_tracer_provider`)
    answers this module's provider for the length of one test.
    """
    monkeypatch.setattr(otel_trace, "get_tracer_provider", lambda: _PROVIDER)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


def finished(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The spans finished so far, in the order they ended."""
    return list(exporter.get_finished_spans())


TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


async def test_one_client_span_per_request_with_http_attributes(
    spans: InMemorySpanExporter, http: aioresponses
) -> None:
    """A create makes one CLIENT span named POST, with the HTTP and conferencing attributes."""
    http.post(TELNYX_CONFERENCES, payload={"data": CONFERENCE})
    async with SessionPool() as pool:
        assert pool.tracing
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
        await tx.create_conference(call_control_id=CCID, name="B")
    [span] = finished(spans)
    assert "POST" == span.name
    assert SpanKind.CLIENT == span.kind
    assert StatusCode.UNSET == span.status.status_code
    assert {
        "http.request.method": "POST",
        "url.full": TELNYX_CONFERENCES,
        "server.address": "api.telnyx.com",
        "server.port": 443,
        "http.response.status_code": 200,
        "conferencing.provider": "telnyx",
        "conferencing.operation": "create_conference",
    } == dict(span.attributes or {})


async def test_a_retried_request_has_a_span_per_attempt(
    spans: InMemorySpanExporter, http: aioresponses
) -> None:
    """A 503 then a 200: an ERROR span with error.type 503, then one with resend_count 1."""
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", status=503)
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", payload={"id": "conf-1", "state": "active"})
    async with SessionPool() as pool:
        cp = CatapultClient(USER, TOKEN, SECRET, pool=pool, retry=FAST)
        await cp.get_conference("conf-1")
    first, second = finished(spans)
    assert ["GET", "GET"] == [first.name, second.name]
    assert StatusCode.ERROR == first.status.status_code
    assert (503, "503") == (
        (first.attributes or {})["http.response.status_code"],
        (first.attributes or {})["error.type"],
    )
    assert "http.request.resend_count" not in (first.attributes or {})
    assert StatusCode.UNSET == second.status.status_code
    assert {
        "http.request.method": "GET",
        "url.full": f"{CATAPULT_CONFERENCES}/conf-1",
        "server.address": "api.catapult.inetwork.com",
        "server.port": 443,
        "http.response.status_code": 200,
        "http.request.resend_count": 1,
        "conferencing.provider": "catapult",
        "conferencing.operation": "get_conference",
    } == dict(second.attributes or {})


@pytest.mark.parametrize(
    ("exception", "error_type"),
    [
        (aiohttp.ClientConnectionError("reset"), "TransportError"),
        (TimeoutError(), "RequestTimeout"),
    ],
    ids=["connection", "timeout"],
)
async def test_a_failure_without_an_answer_is_an_error_span(
    exception: Exception, error_type: str, spans: InMemorySpanExporter, http: aioresponses
) -> None:
    """No answer: the span has error.type naming our error, ERROR status and no status code."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", exception=exception)
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
        with pytest.raises(TransportError):
            await tx.get_conference("c-1")
    [span] = finished(spans)
    attributes = dict(span.attributes or {})
    assert StatusCode.ERROR == span.status.status_code
    assert error_type == attributes["error.type"]
    assert "http.response.status_code" not in attributes


async def test_a_real_timeout_ends_its_span_as_request_timeout(
    spans: InMemorySpanExporter,
) -> None:
    """A request to a server that never answers ends in a RequestTimeout span on a real socket."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        await reader.read(65536)

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with SessionPool() as pool:
            tx = TelnyxClient(
                KEY, base_url=f"http://127.0.0.1:{port}/v2", pool=pool, retry=NO_RETRY
            )
            async with asyncio.timeout(10):
                with pytest.raises(RequestTimeout):
                    await tx.get_conference("c-1", timeout=0.2)
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    [span] = finished(spans)
    attributes = dict(span.attributes or {})
    assert ("RequestTimeout", "127.0.0.1", port) == (
        attributes["error.type"],
        attributes["server.address"],
        attributes["server.port"],
    )


async def test_the_traceparent_header_names_the_attempts_span(
    spans: InMemorySpanExporter, http: aioresponses
) -> None:
    """Each attempt sends a traceparent with its own span's trace and span ids."""
    http.post(TELNYX_CONFERENCES, status=503, payload=UNAVAILABLE)
    http.post(TELNYX_CONFERENCES, payload={"data": CONFERENCE})
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=FAST)
        await tx.create_conference(call_control_id=CCID, name="B")
    sent = [
        call.kwargs["headers"]["traceparent"]
        for call in http.requests[("POST", URL(TELNYX_CONFERENCES))]
    ]
    ids = []
    for header in sent:
        match = TRACEPARENT.match(header)
        assert match is not None, header
        ids.append((int(match[1], 16), int(match[2], 16)))
    spans_ids = [(s.context.trace_id, s.context.span_id) for s in finished(spans) if s.context]
    assert spans_ids == ids


async def test_spans_are_children_of_the_callers_span(
    spans: InMemorySpanExporter, http: aioresponses
) -> None:
    """Inside a span of the caller's, each attempt's span is its child, in its trace."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
        tracer = _PROVIDER.get_tracer("tests")
        with tracer.start_as_current_span("work") as work:
            await tx.get_conference("c-1")
    request, outer = finished(spans)
    assert "work" == outer.name
    assert request.parent is not None
    assert work.get_span_context().span_id == request.parent.span_id
    assert request.context is not None
    assert work.get_span_context().trace_id == request.context.trace_id


async def test_the_traceparent_header_goes_over_a_real_socket(
    spans: InMemorySpanExporter, emu: Emulator
) -> None:
    """Against the emulator, the request carries a traceparent and the span records the 201."""
    heads: list[bytes] = []

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = URL(emu.base_url).port
        assert port is not None
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", port)
        head = await reader.readuntil(b"\r\n\r\n")
        heads.append(head)
        length = int(re.findall(rb"(?i)content-length: *(\d+)", head)[0])
        upstream_writer.write(head + await reader.readexactly(length))
        answer = await upstream_reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        upstream_writer.close()
        writer.close()

    server = await asyncio.start_server(relay, "127.0.0.1", 0)
    origin = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with SessionPool() as pool:
            cp = CatapultClient(
                emu.catapult_user_id,
                emu.catapult_api_token,
                emu.catapult_api_secret,
                base_url=origin,
                pool=pool,
                retry=NO_RETRY,
            )
            async with asyncio.timeout(10):
                await cp.create_conference(from_=FROM)
    finally:
        server.close()
        await server.wait_closed()
    [head] = heads
    [header] = re.findall(rb"(?im)^traceparent: *(\S+)\r$", head)
    match = TRACEPARENT.match(header.decode())
    assert match is not None
    [span] = finished(spans)
    assert span.context is not None
    assert (span.context.trace_id, span.context.span_id) == (int(match[1], 16), int(match[2], 16))
    assert 201 == (span.attributes or {})["http.response.status_code"]


async def test_no_credential_in_any_span(spans: InMemorySpanExporter, http: aioresponses) -> None:
    """No span name, attribute, event or status of either provider shows a credential."""
    http.post(TELNYX_CONFERENCES, status=401, payload={"errors": [{"code": "10009"}]})
    http.post(CATAPULT_CONFERENCES, status=201, headers={"Location": "/c/conf-1"})
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", exception=aiohttp.ClientConnectionError(KEY[:5]))
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
        cp = CatapultClient(USER, TOKEN, SECRET, pool=pool, retry=NO_RETRY)
        with pytest.raises(APIError):
            await tx.create_conference(call_control_id=CCID, name="B")
        await cp.create_conference(from_=FROM)
        with pytest.raises(TransportError):
            await cp.get_conference("conf-1")
    found = finished(spans)
    assert 3 == len(found)
    for span in found:
        shown = [span.name, repr(span.status.description)]
        shown += [f"{k}={v!r}" for k, v in (span.attributes or {}).items()]
        shown += [f"{e.name} {dict(e.attributes or {})!r}" for e in span.events]
        assert [] == secrets_in("\n".join(shown)), shown


async def test_tracing_false_makes_no_spans_and_no_traceparent(
    spans: InMemorySpanExporter, http: aioresponses
) -> None:
    """SessionPool(tracing=False) records no span and sends no trace context."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    async with SessionPool(tracing=False) as pool:
        assert not pool.tracing
        tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
        await tx.get_conference("c-1")
    [call] = http.requests[("GET", URL(f"{TELNYX_CONFERENCES}/c-1"))]
    assert "traceparent" not in call.kwargs["headers"]
    assert [] == finished(spans)


def test_tracing_true_without_opentelemetry_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Asking for tracing without OpenTelemetry fails at once; the default then means off."""
    monkeypatch.setattr(observe_module, "_tracing_available", lambda: False)
    with pytest.raises(ConfigurationError) as caught:
        SessionPool(tracing=True)
    assert "OpenTelemetry" in str(caught.value)
    assert not SessionPool().tracing


@pytest.mark.parametrize("tracing", ["yes", 1, 0])
def test_tracing_takes_only_true_false_or_none(tracing: Any) -> None:
    """A tracing value other than True, False or None is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        SessionPool(tracing=tracing)


async def test_a_cancelled_request_ends_its_span(spans: InMemorySpanExporter) -> None:
    """A request cancelled by its caller while waiting for the answer still ends its span."""
    arrived = asyncio.Event()
    stopped = asyncio.Event()

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        arrived.set()
        await stopped.wait()
        writer.close()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with SessionPool() as pool:
            tx = TelnyxClient(KEY, base_url=f"http://127.0.0.1:{port}/v2", pool=pool)
            request = asyncio.create_task(tx.get_conference("c-1"))
            async with asyncio.timeout(10):
                await arrived.wait()
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
    finally:
        stopped.set()
        server.close()
        await server.wait_closed()
    [span] = finished(spans)
    assert "GET" == span.name
    assert span.end_time is not None
    assert StatusCode.ERROR == span.status.status_code
    assert "CancelledError" == (span.attributes or {})["error.type"]


# --- User-Agent ------------------------------------------------------------------------


async def test_every_request_names_the_library_python_and_aiohttp(
    tx: TelnyxClient, cp: CatapultClient, http: aioresponses
) -> None:
    """Both providers' requests carry User-Agent conferencing/x Python/x.y.z aiohttp/x."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    http.get(f"{CATAPULT_CONFERENCES}/conf-1", payload={"id": "conf-1", "state": "active"})
    await tx.get_conference("c-1")
    await cp.get_conference("conf-1")
    agents = [
        call.kwargs["headers"]["User-Agent"] for calls in http.requests.values() for call in calls
    ]
    assert [USER_AGENT, USER_AGENT] == agents
    assert re.fullmatch(r"conferencing/\S+ Python/\d+\.\d+\.\d+\S* aiohttp/\S+", USER_AGENT)


@pytest.mark.parametrize("name", ["User-Agent", "user-agent"])
async def test_an_extra_user_agent_replaces_ours(
    name: str, tx: TelnyxClient, http: aioresponses
) -> None:
    """extra_headers={'User-Agent': 'mine'} sends 'mine' as the only User-Agent."""
    http.get(f"{TELNYX_CONFERENCES}/c-1", payload={"data": CONFERENCE})
    await tx.get_conference("c-1", extra_headers={name: "mine"})
    [call] = http.requests[("GET", URL(f"{TELNYX_CONFERENCES}/c-1"))]
    headers = call.kwargs["headers"]
    assert ["mine"] == headers.getall("User-Agent")


@pytest.fixture
async def recorder() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A loopback server keeping each request head and answering a Telnyx conference."""
    heads: list[bytes] = []
    body = (
        b'{"data":{"id":"c-1","name":"B","created_at":"2019-01-23T18:10:02Z",'
        b'"expires_at":"2019-01-23T18:10:02Z"}}'
    )

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(10):
                heads.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v2", heads
    finally:
        server.close()
        await server.wait_closed()


async def test_the_user_agent_goes_over_the_wire_once(
    recorder: tuple[str, list[bytes]],
) -> None:
    """On a real socket, one User-Agent line: ours, then the caller's when given."""
    base_url, heads = recorder
    async with SessionPool() as pool:
        tx = TelnyxClient(KEY, base_url=base_url, pool=pool, retry=NO_RETRY)
        await tx.get_conference("c-1")
        await tx.get_conference("c-1", extra_headers={"user-agent": "mine/1"})
    agents = [re.findall(rb"(?im)^user-agent: *(.*)\r$", head) for head in heads]
    assert [[USER_AGENT.encode()], [b"mine/1"]] == agents
