"""Secrets: the API key, token and secret never show in reprs, errors, tracebacks or logs."""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hardening_support import (
    BASIC_BLOB,
    BOUND,
    CATAPULT_CONFERENCE,
    CATAPULT_SECRET,
    CATAPULT_TOKEN,
    CCID,
    FROM,
    TELNYX_CONFERENCE,
    TELNYX_KEY,
    URL_PASSWORD,
    USER_ID,
    RawServer,
    Received,
    ServeFn,
    answer,
    catapult_client,
    error_chain_texts,
    json_answer,
    secrets_in,
    telnyx_client,
    with_last_errors,
)

from conferencing import (
    AuthenticationError,
    CatapultClient,
    ConferencingError,
    ConfigurationError,
    OutcomeUnknownError,
    RequestTimeout,
    RetryPolicy,
    ServerError,
    SessionPool,
    TelnyxClient,
    TransportError,
    ValidationError,
    catapult,
    telnyx,
)
from conferencing._send import Call

pytest_plugins = ["hardening_fixtures"]

HTML_500 = answer(500, b"<html><body>Internal error</body></html>", {"Content-Type": "text/html"})


def routed(routes: dict[str, bytes]) -> Any:
    """Answer each request with the bytes of the first route whose key is in its request line."""

    async def respond(
        _server: RawServer,
        _reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        received: Received,
    ) -> None:
        for key, data in routes.items():
            if key in received.request_line:
                writer.write(data)
                await writer.drain()
                return
        writer.write(json_answer(404, {"errors": [{"code": "10005"}]}))
        await writer.drain()

    return respond


async def never_answers(
    server: RawServer,
    _reader: asyncio.StreamReader,
    _writer: asyncio.StreamWriter,
    _received: Received,
) -> None:
    """Read the request and say nothing until the server stops."""
    await server.stopped.wait()


async def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens any more."""
    server = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    server.close()
    await server.wait_closed()
    return port


async def caught(attempt: Callable[[], Awaitable[object]]) -> ConferencingError:
    """The error `attempt` raises; this frame's locals hold nothing secret, for tracebacks."""
    with pytest.raises(ConferencingError) as raised:
        async with asyncio.timeout(BOUND):
            await attempt()
    return raised.value


async def failing_exchanges(serve: ServeFn) -> list[ConferencingError]:
    """Every failure both clients can meet: each error raised, then any last error behind it."""
    server = await serve(
        routed(
            {
                "/v2/conferences/c-401": json_answer(401, {"errors": [{"code": "10009"}]}),
                "/v2/conferences/c-422": json_answer(
                    422, {"errors": [{"code": "90033", "title": "Name conflict"}]}
                ),
                "/v2/conferences/c-500": HTML_500,
                "/v2/conferences/c-bad": answer(200, b"not json"),
                "/v2/conferences/c-garbage": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
                "/v2/conferences/c-gzip": answer(200, b"{}", {"Content-Encoding": "gzip"}),
                "/conferences/conf-401": json_answer(401, {"code": "unauthorized"}),
                "/conferences/conf-429": json_answer(
                    429, {"code": "rate-limit-reached"}, {"X-RateLimit-Reset": "0"}
                ),
                "POST /v1/": HTML_500,
            }
        )
    )
    silent = await serve(never_answers)
    refused = f"http://127.0.0.1:{await closed_port()}"
    retry = RetryPolicy(attempts=2, backoff_initial=0.01, jitter=0, deadline=2)
    async with SessionPool(timeout=BOUND) as pool:
        tx = telnyx_client(server, pool, retry=retry)
        cp = catapult_client(server, pool, retry=retry)
        quiet_tx = telnyx_client(silent, pool, timeout=0.3)
        quiet_cp = catapult_client(silent, pool, timeout=0.3)
        gone_tx = telnyx_client(refused + "/v2", pool, retry=retry)
        gone_cp = catapult_client(refused, pool)
        attempts: list[Callable[[], Awaitable[object]]] = [
            lambda: tx.get_conference("c-401"),
            lambda: tx.get_conference("c-422"),
            lambda: tx.get_conference("c-500"),
            lambda: tx.get_conference("c-bad"),
            lambda: tx.get_conference("c-garbage"),
            lambda: tx.get_conference("c-gzip"),
            lambda: cp.get_conference("conf-401"),
            lambda: cp.get_conference("conf-429"),
            lambda: cp.create_conference(from_=FROM),
            lambda: quiet_tx.create_conference(call_control_id=CCID, name="Hardening"),
            lambda: quiet_cp.create_conference(from_=FROM),
            lambda: gone_tx.create_conference(call_control_id=CCID, name="Hardening"),
            lambda: gone_cp.create_conference(from_=FROM),
            lambda: tx.get_conference("a/b"),
        ]
        errors = [await caught(attempt) for attempt in attempts]
    kinds = {type(error) for error in errors}
    assert {AuthenticationError, OutcomeUnknownError, TransportError} <= kinds
    assert ValidationError in kinds
    # The creates that may have been carried out: the Catapult 500 and both silent servers.
    behind = [type(e.last_error) for e in errors if isinstance(e, OutcomeUnknownError)]
    assert [ServerError, RequestTimeout, RequestTimeout] == behind
    # The secrets really were in play: the server saw them.
    sent = b"\n".join(r.head for r in server.requests).decode()
    assert f"Bearer {TELNYX_KEY}" in sent
    assert f"Basic {BASIC_BLOB}" in sent
    return with_last_errors(errors)


async def test_errors_show_no_secret(serve: ServeFn) -> None:
    """No error, nor the last error of an unknown outcome, nor any cause shows a credential."""
    for error in await failing_exchanges(serve):
        assert [] == secrets_in(error_chain_texts(error)), repr(error)


async def test_tracebacks_show_no_secret(serve: ServeFn) -> None:
    """The traceback of every error, and of every last error behind one, holds no credential."""
    for error in await failing_exchanges(serve):
        text = "".join(traceback.format_exception(error))
        assert [] == secrets_in(text), text


async def test_tracebacks_with_locals_show_no_secret(serve: ServeFn) -> None:
    """A traceback rendered with its locals, as error reporters capture it, holds no credential."""
    for error in await failing_exchanges(serve):
        rendered = traceback.TracebackException.from_exception(error, capture_locals=True)
        text = "".join(rendered.format())
        assert [] == secrets_in(text), [line for line in text.splitlines() if secrets_in(line)]


async def test_logs_at_debug_show_no_secret(
    serve: ServeFn, caplog: pytest.LogCaptureFixture
) -> None:
    """With every logger at DEBUG, successes, failures and retries log no credential."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    caplog.set_level(logging.DEBUG, logger="conferencing")
    good = await serve(
        routed(
            {
                "POST /v2/conferences": json_answer(200, {"data": TELNYX_CONFERENCE}),
                "POST /v1/": answer(
                    201, headers={"Location": f"/v1/users/{USER_ID}/conferences/conf-1"}
                ),
                "GET /v1/": json_answer(200, CATAPULT_CONFERENCE),
            }
        )
    )
    async with SessionPool(timeout=BOUND) as pool:
        await telnyx_client(good, pool).create_conference(call_control_id=CCID, name="Hardening")
        await catapult_client(good, pool).create_conference(from_=FROM)
        await catapult_client(good, pool).get_conference("conf-1")
    errors = await failing_exchanges(serve)
    assert any(r.levelno == logging.DEBUG and r.name == "conferencing" for r in caplog.records)
    assert any("retrying" in r.getMessage() for r in caplog.records)
    everything = caplog.text + "\n".join(
        f"{r.getMessage()} {r.args!r} {r.exc_text} {r.__dict__!r}" for r in caplog.records
    )
    assert [] == secrets_in(everything)
    logging.getLogger("conferencing").error("reporting", exc_info=errors[0])
    assert [] == secrets_in(caplog.text)


async def test_reprs_show_no_secret(serve: ServeFn) -> None:
    """repr() and str() of clients, pools, requests, answers and results hold no credential."""
    server = await serve(
        routed(
            {
                "POST /v2/conferences": json_answer(200, {"data": TELNYX_CONFERENCE}),
                "POST /v1/": answer(201, headers={"Location": "/conferences/conf-1"}),
            }
        )
    )
    async with SessionPool(timeout=BOUND) as pool:
        tx = telnyx_client(server, pool)
        cp = catapult_client(server, pool)
        conference = await tx.create_conference(call_control_id=CCID, name="Hardening")
        ref = await cp.create_conference(from_=FROM)
        things: list[object] = [
            tx,
            cp,
            pool,
            conference,
            ref,
            telnyx.CreateConferenceRequest(call_control_id=CCID, name="Hardening"),
            telnyx.JoinRequest(call_control_id=CCID),
            catapult.CreateConferenceRequest(from_=FROM),
            catapult.CreateCallRequest(from_=FROM, to=FROM),
            vars(tx).keys(),
        ]
        for thing in things:
            assert [] == secrets_in(repr(thing)), repr(thing)
            assert [] == secrets_in(str(thing)), str(thing)


def test_the_internal_call_description_shows_no_secret() -> None:
    """The send path's `Call`, which carries the credentials, does not show them in its repr."""
    client = TelnyxClient(TELNYX_KEY)
    call = Call(
        dialect=client._dialect,
        origin="https://api.telnyx.com",
        method="GET",
        url="https://api.telnyx.com/v2/conferences",
        headers=client._headers,
    )
    assert [] == secrets_in(repr(call))
    assert [] == secrets_in(repr(client._headers))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: TelnyxClient(TELNYX_KEY, base_url="http://api.telnyx.com/v2"), ConfigurationError),
        (
            lambda: TelnyxClient(
                TELNYX_KEY, base_url=f"https://u:{URL_PASSWORD}@api.telnyx.com/v2"
            ),
            ConfigurationError,
        ),
        (
            lambda: TelnyxClient(
                TELNYX_KEY, base_url=f"https://u:{URL_PASSWORD}@api.telnyx.com:x/v2"
            ),
            ConfigurationError,
        ),
        (
            lambda: TelnyxClient(TELNYX_KEY, base_url=f"https://u:{URL_PASSWORD}@[::1/v2"),
            ConfigurationError,
        ),
        (lambda: TelnyxClient(TELNYX_KEY + "\r\nX-Evil: 1"), ConfigurationError),
        (
            lambda: CatapultClient(USER_ID, CATAPULT_TOKEN, CATAPULT_SECRET + "\n"),
            ConfigurationError,
        ),
        (
            lambda: CatapultClient(USER_ID, CATAPULT_TOKEN + "\x00", CATAPULT_SECRET),
            ConfigurationError,
        ),
        (lambda: CatapultClient("u/../x", CATAPULT_TOKEN, CATAPULT_SECRET), ValidationError),
        (
            lambda: CatapultClient(USER_ID, CATAPULT_TOKEN, CATAPULT_SECRET, timeout=-1),
            ConfigurationError,
        ),
    ],
)
def test_refused_clients_do_not_echo_secrets(
    make: Callable[[], object], expected: type[Exception]
) -> None:
    """A client refused at construction names the problem without echoing a credential."""
    with pytest.raises(expected) as caught:
        make()
    text = error_chain_texts(caught.value) + "".join(traceback.format_exception(caught.value))
    assert [] == secrets_in(text), text
