"""The bulk promise as people really use the library: one true outcome per item, nothing twice.

Each test here reproduces a way the promise once broke (a lost answer
followed by rate limits, an input that fails part-way, a slot wait past
the timeout, a second event loop, errors crossing a process, pacing per
client instead of per account).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import inspect
import json
import pickle
import time
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aioresponses import CallbackResult, aioresponses

import conferencing
from conferencing import (
    BulkCreated,
    BulkFailed,
    CatapultClient,
    ConferencingError,
    ConfigurationError,
    EventLoopError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimit,
    RateLimitError,
    RequestTimeout,
    RetryPolicy,
    SessionPool,
    TelnyxClient,
    TransportError,
    create_many,
    telnyx,
)
from conferencing.emulator import EmulatorThread

TX_URL = "https://api.telnyx.com/v2/conferences"
FAST = RetryPolicy(attempts=4, backoff_initial=0.001, backoff_max=0.002, jitter=0)


def conference(name: str) -> dict[str, Any]:
    return {
        "data": {
            "record_type": "conference",
            "id": f"id-{name}",
            "name": name,
            "created_at": "2019-01-23T18:10:02.574Z",
            "expires_at": "2019-01-23T22:10:02.574Z",
        }
    }


RATE_LIMITED = {"errors": [{"code": "10011", "title": "Too many requests"}]}


# --- item 5: an answer lost, then rate limited --------------------------------


async def test_a_lost_answer_then_rate_limits_is_an_unknown_outcome_with_its_command_id(
    http: aioresponses, pool: SessionPool
) -> None:
    """Once an attempt may have been carried out, later 429s do not make the call "not executed"."""
    http.post(TX_URL, exception=aiohttp.ServerDisconnectedError())
    http.post(TX_URL, status=429, payload=RATE_LIMITED, repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=FAST)

    with pytest.raises(OutcomeUnknownError) as caught:
        await tx.create_conference(call_control_id="v3:a", name="Business")

    sent = [json.loads(call.kwargs["data"]) for call in http.requests[("POST", _url(TX_URL))]]
    assert 4 == len(sent)
    assert {sent[0]["command_id"]} == {body["command_id"] for body in sent}
    error = caught.value
    assert sent[0]["command_id"] == error.command_id
    assert isinstance(error.last_error, RateLimitError)
    assert error.__cause__ is error.last_error
    assert isinstance(error.request, telnyx.CreateConferenceRequest)
    assert sent[0]["command_id"] in str(error)


async def test_rate_limits_alone_stay_a_rate_limit_error(
    http: aioresponses, pool: SessionPool
) -> None:
    """When no attempt can have been carried out, the caller hears "not executed"."""
    http.post(TX_URL, status=429, payload=RATE_LIMITED, repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=FAST)

    with pytest.raises(RateLimitError):
        await tx.create_conference(call_control_id="v3:a", name="Business")


async def test_a_get_that_failed_after_sending_is_not_an_unknown_outcome(
    http: aioresponses, pool: SessionPool
) -> None:
    """Reading changes nothing, so a GET's failure is its own error."""
    http.get(f"{TX_URL}/c-1", exception=aiohttp.ServerDisconnectedError(), repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=FAST)

    with pytest.raises(TransportError) as caught:
        await tx.get_conference("c-1")
    assert not isinstance(caught.value, OutcomeUnknownError)


async def test_bulk_results_carry_the_command_id_of_an_unknown_outcome(
    http: aioresponses, pool: SessionPool
) -> None:
    """A bulk result whose outcome is unknown tells which command_id to resend with."""
    http.post(TX_URL, exception=aiohttp.ServerDisconnectedError())
    http.post(TX_URL, status=429, payload=RATE_LIMITED, repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=FAST)

    async with create_many(tx, [{"call_control_id": "v3:a", "name": "a"}]) as run:
        [result] = [r async for r in run]

    assert isinstance(result, BulkFailed)
    assert result.unknown
    assert isinstance(result.error, OutcomeUnknownError)
    assert result.error.command_id == result.command_id
    assert result.command_id
    assert 1 == run.summary.unknown


# --- item 6: an input that fails part-way ---------------------------------------


async def test_items_taken_before_the_input_failed_all_get_their_outcome(
    http: aioresponses, pool: SessionPool
) -> None:
    """Every create already under way finishes and is reported before the input's error."""
    sent: list[str] = []

    async def answer(url: Any, **kwargs: Any) -> CallbackResult:
        name = json.loads(kwargs["data"])["name"]
        sent.append(name)
        await asyncio.sleep(0.01)
        return CallbackResult(payload=conference(name))

    http.post(TX_URL, callback=answer, repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=FAST)

    def items() -> Iterator[dict[str, str]]:
        for n in range(25):
            yield {"call_control_id": f"v3:{n}", "name": f"n{n}"}
        message = "the input file went away"
        raise OSError(message)

    results: list[Any] = []

    async def drain() -> None:
        async with create_many(tx, items(), concurrency=15) as run:
            async for result in run:
                results.append(result)  # noqa: PERF401 - the loop is what is under test

    with pytest.raises(OSError, match="went away"):
        await drain()

    assert 25 == len(sent)
    assert sorted(sent) == sorted(r.conference.name for r in results if r.ok)
    assert 25 == len(results)


async def test_never_more_workers_than_items(http: aioresponses, pool: SessionPool) -> None:
    """A huge concurrency over a short input starts only the tasks it needs."""
    http.post(TX_URL, payload=conference("x"), repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=FAST)
    seen = 0

    async with create_many(
        tx, [{"call_control_id": f"v3:{n}", "name": f"n{n}"} for n in range(3)], concurrency=100_000
    ) as run:
        async for _ in run:
            seen = max(seen, len(run._workers))

    assert seen <= 4  # one per item, and one that finds the input's end


# --- item 4: marks when a request is about to leave ---------------------------------


async def test_on_send_runs_only_when_a_request_leaves_after_pacing(pool: SessionPool) -> None:
    """Requests still waiting for the rate limiter have not been announced as sent."""
    arrived: list[str] = []
    announced: list[int] = []

    async def create(request: web.Request) -> web.Response:
        arrived.append((await request.json())["tag"])
        return web.Response(
            status=201, headers={"Location": f"/v1/users/u/conferences/c-{len(arrived)}"}
        )

    async with _server(web.post("/v1/users/u-1/conferences", create)) as base_url:
        cp = CatapultClient(
            "u-1", "token", "secret", base_url=base_url, pool=pool, rate_limit=RateLimit(1, 60.0)
        )
        items = [{"from_": "+15551234567", "tag": f"t{n}"} for n in range(16)]
        run = create_many(
            cp, items, concurrency=16, on_send=lambda index, _item: announced.append(index)
        )
        async with run:
            first = await anext(run)
            await asyncio.sleep(0.2)  # every other item is now waiting for the limiter

    assert first.ok
    assert 1 == len(arrived)
    assert [first.index] == announced


# --- item 7: the wait for a connection slot counts toward the timeout -------------------


async def test_waiting_for_a_connection_slot_counts_toward_the_timeout() -> None:
    """With one connection and a slow server, no request outlives its timeout."""

    async def slow(_request: web.Request) -> web.Response:
        await asyncio.sleep(0.4)
        return web.json_response(conference("slow"))

    async with (
        _server(web.get("/v2/conferences/{id}", slow)) as base_url,
        SessionPool(max_connections=1, timeout=1.0) as pool,
    ):
        tx = TelnyxClient(api_key="KEY", base_url=f"{base_url}/v2", pool=pool, retry=None)

        async def timed(n: int) -> tuple[float, BaseException | None]:
            started = time.monotonic()
            try:
                await tx.get_conference(f"c-{n}")
            except ConferencingError as exc:
                return time.monotonic() - started, exc
            return time.monotonic() - started, None

        outcomes = await asyncio.gather(*(timed(n) for n in range(6)))

    assert max(took for took, _ in outcomes) < 1.3
    errors = [error for _, error in outcomes if error is not None]
    assert errors
    assert all(isinstance(error, RequestTimeout) for error in errors)
    # Those that never got a slot are known not to have left.
    assert any(isinstance(e, RequestTimeout) and not e.request_sent for e in errors)


async def test_a_timeout_while_waiting_for_a_slot_is_known_never_sent() -> None:
    """A Catapult create that timed out waiting for a connection is "not sent", not "unknown"."""
    arrived: list[str] = []
    release = asyncio.Event()

    async def create(request: web.Request) -> web.Response:
        arrived.append((await request.json())["tag"])
        await release.wait()
        return web.Response(status=201, headers={"Location": f"/c-{len(arrived)}"})

    async with (
        _server(web.post("/v1/users/u-1/conferences", create)) as base_url,
        SessionPool(max_connections=1) as narrow,
    ):
        patient = CatapultClient("u-1", "t", "s", base_url=base_url, pool=narrow, timeout=10)
        hasty = CatapultClient(
            "u-1", "t", "s", base_url=base_url, pool=narrow, timeout=0.3, retry=None
        )
        first = asyncio.create_task(patient.create_conference(from_="+15551234567", tag="first"))
        await asyncio.sleep(0.05)
        with pytest.raises(RequestTimeout) as caught:
            await hasty.create_conference(from_="+15551234567", tag="second")
        assert not caught.value.request_sent
        release.set()
        assert (await first).id == "c-1"
    assert ["first"] == arrived


# --- item 8: a second event loop ------------------------------------------------


def test_a_pool_used_from_a_second_event_loop_sends_nothing() -> None:
    """A pool reused under a new `asyncio.run` raises EventLoopError before anything is sent."""
    with EmulatorThread() as emu:
        pool = SessionPool()
        cp = CatapultClient(
            emu.catapult_user_id,
            emu.catapult_api_token,
            emu.catapult_api_secret,
            base_url=emu.catapult_url,
            pool=pool,
        )
        first_loop = asyncio.new_event_loop()
        try:
            first_loop.run_until_complete(cp.create_conference(from_="+15551234567"))
            assert 1 == emu.stats.catapult_conferences_created

            with pytest.raises(EventLoopError, match="inside the loop that uses it"):
                asyncio.run(cp.create_conference(from_="+15551234567"))
            assert 1 == emu.stats.catapult_conferences_created
            assert 1 == emu.stats.catapult_requests
        finally:
            first_loop.run_until_complete(pool.aclose())
            first_loop.close()


# --- item 9: errors and results cross processes ---------------------------------------


_COMMON: dict[str, Any] = {
    "provider": "telnyx",
    "method": "POST",
    "url": "https://api.telnyx.com/v2/x",
}
_API: dict[str, Any] = {
    **_COMMON,
    "status": 404,
    "body": '{"errors": []}',
    "errors": (),
    "request_id": "rq-1",
}


def _unknown(cls: type[Any]) -> ConferencingError:
    last = RateLimitError("429", **_API)
    unknown: ConferencingError = cls(
        "unknown",
        **_COMMON,
        request=telnyx.CreateConferenceRequest(call_control_id="v3:a", name="b"),
        command_id="cmd-1",
        last_error=last,
    )
    unknown.__cause__ = last
    return unknown


#: How to build one of each error class with every attribute set, most specific first.
_BUILDERS: list[tuple[type[ConferencingError], Callable[[type[Any]], ConferencingError]]] = [
    (RateLimitError, lambda cls: cls("429", **_API, retry_after=1.5)),
    (conferencing.APIError, lambda cls: cls(f"{cls.__name__} happened", **_API)),
    (OutcomeUnknownError, _unknown),
    (
        conferencing.ResponseDecodeError,
        lambda cls: cls("bad", **_COMMON, status=200, body="<html>", request_id="rq-2"),
    ),
    (TransportError, lambda cls: cls("dropped", **_COMMON, request_sent=False)),
    (conferencing.ValidationError, lambda cls: cls("name must be a string", field="name")),
    (conferencing.CallNotAnsweredError, lambda cls: cls("busy", call_id="c-1", state="rejected")),
    (
        conferencing.WebhookVerificationError,
        lambda cls: cls("the signature does not match", check="signature"),
    ),
    (
        conferencing.StoreUnavailableError,
        lambda cls: cls("redis did not answer", store="redis://127.0.0.1:6379/0"),
    ),
    (ConferencingError, lambda cls: cls(f"{cls.__name__} happened")),
]


def _every_error() -> list[ConferencingError]:
    made: list[ConferencingError] = []
    for name in conferencing.__all__:
        cls = getattr(conferencing, name)
        if inspect.isclass(cls) and issubclass(cls, ConferencingError):
            build = next(build for base, build in _BUILDERS if issubclass(cls, base))
            made.append(build(cls))
    return made


@pytest.mark.parametrize("error", _every_error(), ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
def test_every_error_survives_pickle_and_copy(error: ConferencingError, how: str) -> None:
    """Type, message and every attribute come back intact."""
    if how == "pickle":
        back = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    elif how == "copy":
        back = copy.copy(error)
    else:
        back = copy.deepcopy(error)

    assert type(error) is type(back)
    assert str(error) == str(back)
    assert repr(error) == repr(back)
    assert _attributes(error) == _attributes(back)
    if isinstance(error, OutcomeUnknownError):
        # The README promises `last_error` is also `__cause__`, pickled or not.
        assert isinstance(back, OutcomeUnknownError)
        assert back.__cause__ is back.last_error


def test_every_public_error_is_covered() -> None:
    """The table above builds one of every public error class."""
    public = {
        name
        for name in conferencing.__all__
        if inspect.isclass(getattr(conferencing, name))
        and issubclass(getattr(conferencing, name), ConferencingError)
    }
    assert public == {type(e).__name__ for e in _every_error()}


def test_a_bulk_result_holding_an_error_pickles() -> None:
    """A failed outcome crosses a process boundary with its error and command_id."""
    error = NotFoundError(
        "gone", provider="telnyx", method="GET", url="u", status=404, body="", errors=()
    )
    failed = BulkFailed(3, {"name": "x"}, command_id="cmd", error=error)
    created = BulkCreated(4, {"name": "y"}, conference={"id": "c-1"})

    for result in (failed, created):
        back = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own bytes
        assert type(result) is type(back)
        assert result.index == back.index
        assert result.command_id == back.command_id
    assert isinstance(pickle.loads(pickle.dumps(failed)).error, NotFoundError)  # noqa: S301


def _raise_not_found() -> None:
    raise NotFoundError(
        "no such conference", provider="telnyx", method="GET", url="u", status=404, body=""
    )


def test_an_error_raised_in_a_process_pool_reaches_the_caller_as_itself() -> None:
    """A NotFoundError in a worker process is a NotFoundError here, not BrokenProcessPool."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as executor:
        future = executor.submit(_raise_not_found)
        with pytest.raises(NotFoundError) as caught:
            future.result(timeout=60)
    assert 404 == caught.value.status


def _attributes(error: BaseException) -> dict[str, Any]:
    found = dict(vars(error))
    if isinstance(found.get("last_error"), BaseException):
        found["last_error"] = (type(found["last_error"]), str(found["last_error"]))
    return found


# --- item 10: pacing belongs to the account on the pool ------------------------------


async def test_a_rate_below_one_request_per_period_paces(
    http: aioresponses, pool: SessionPool
) -> None:
    """RateLimit(0.5) lets one request through now and holds the next, never raising."""
    http.post(TX_URL, payload=conference("x"), repeat=True)
    tx = TelnyxClient(api_key="KEY", pool=pool, rate_limit=RateLimit(0.5))

    await tx.create_conference(call_control_id="v3:a", name="a")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await tx.create_conference(call_control_id="v3:b", name="b")


async def test_the_summary_counts_unknown_apart_from_failed(
    http: aioresponses, pool: SessionPool
) -> None:
    """created + failed + unknown == total: an unknown outcome is not also a failure."""
    http.post(TX_URL, payload=conference("a"))
    http.post(TX_URL, exception=aiohttp.ServerDisconnectedError())
    http.post(TX_URL, status=422, payload={"errors": [{"code": "90033", "title": "taken"}]})
    tx = TelnyxClient(api_key="KEY", pool=pool, retry=None)
    items = [{"call_control_id": f"v3:{n}", "name": f"n{n}"} for n in range(3)]

    async with create_many(tx, items, concurrency=1) as run:
        async for _ in run:
            pass

    summary = run.summary
    assert (1, 1, 1, 3) == (summary.created, summary.failed, summary.unknown, summary.total)


async def test_clients_of_one_account_share_its_pace(http: aioresponses, pool: SessionPool) -> None:
    """A client built per request still waits for the account's pace."""
    http.post(TX_URL, payload=conference("x"), repeat=True)
    pace = RateLimit(1, 60.0)

    first = TelnyxClient(api_key="KEY", pool=pool, rate_limit=pace)
    await first.create_conference(call_control_id="v3:a", name="a")
    second = TelnyxClient(api_key="KEY", pool=pool, rate_limit=pace)
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await second.create_conference(call_control_id="v3:b", name="b")

    assert 1 == len(http.requests[("POST", _url(TX_URL))])


async def test_two_accounts_do_not_share_a_pace(http: aioresponses, pool: SessionPool) -> None:
    """Another account on the same pool has its own bucket."""
    http.post(TX_URL, payload=conference("x"), repeat=True)
    pace = RateLimit(1, 60.0)

    await TelnyxClient(api_key="KEY-1", pool=pool, rate_limit=pace).create_conference(
        call_control_id="v3:a", name="a"
    )
    async with asyncio.timeout(5):
        await TelnyxClient(api_key="KEY-2", pool=pool, rate_limit=pace).create_conference(
            call_control_id="v3:b", name="b"
        )


async def test_one_account_cannot_be_paced_at_two_rates(pool: SessionPool) -> None:
    """A second client asking another rate for the same account is refused when built."""
    TelnyxClient(api_key="KEY", pool=pool, rate_limit=RateLimit(5))
    with pytest.raises(ConfigurationError, match="same rate_limit"):
        TelnyxClient(api_key="KEY", pool=pool, rate_limit=RateLimit(50))


async def test_pacing_keys_hold_no_credential(pool: SessionPool) -> None:
    """The pool's pacing keys name the account by a hash, never by its key."""
    TelnyxClient(api_key="SECRET-KEY-123", pool=pool, rate_limit=RateLimit(5))
    assert "SECRET-KEY-123" not in repr(pool._rates)


# --- helpers ---------------------------------------------------------------------


def _url(text: str) -> Any:
    from yarl import URL  # noqa: PLC0415

    return URL(text)


class _server:  # noqa: N801 - used as a context manager, like a function
    """A local aiohttp.web server with the given routes; yields its base URL."""

    def __init__(self, *routes: web.RouteDef) -> None:
        self._routes = routes
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> str:
        app = web.Application()
        app.add_routes(self._routes)
        # Requests a test left hanging are not waited for on the way out.
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def __aexit__(self, *_exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
