"""Hostile servers: each misbehaviour gives a typed error or a correct result; nothing hangs."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import time
from typing import Any

import pytest
from hardening_support import (
    BOUND,
    CATAPULT_CONFERENCE,
    CCID,
    FROM,
    HARDENING,
    TELNYX_CONFERENCE,
    USER_ID,
    RawServer,
    Received,
    ServeFn,
    answer,
    catapult_client,
    hang,
    json_answer,
    raw,
    sent_command_id,
    telnyx_client,
    unwrap,
)
from hypothesis import example, given
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy

from conferencing import (
    APIError,
    ConferencingError,
    OutcomeUnknownError,
    RateLimitError,
    RequestTimeout,
    ResponseDecodeError,
    RetryPolicy,
    ServerError,
    SessionPool,
    TransportError,
    catapult,
    telnyx,
)
from conferencing._rules import path_segment
from conferencing._send import MAX_BODY_BYTES, Answer
from conferencing.catapult._wire import decode_ref

pytest_plugins = ["hardening_fixtures"]

HTML = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
CONFERENCE_JSON = json.dumps({"data": TELNYX_CONFERENCE}).encode()
COLLECTION = f"/v1/users/{USER_ID}/conferences"


async def telnyx_create(server: RawServer, **options: Any) -> telnyx.Conference:
    """One Telnyx create against `server`, on a fresh pool, bounded in time."""
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        client = telnyx_client(server, pool, **options)
        return await client.create_conference(call_control_id=CCID, name="Hardening")


async def catapult_create(server: RawServer, **options: Any) -> catapult.ConferenceRef:
    """One Catapult create against `server`, on a fresh pool, bounded in time."""
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        return await catapult_client(server, pool, **options).create_conference(from_=FROM)


async def catapult_get(server: RawServer, **options: Any) -> catapult.Conference:
    """One Catapult GET of a conference against `server`, bounded in time."""
    async with asyncio.timeout(BOUND), SessionPool(timeout=BOUND) as pool:
        return await catapult_client(server, pool, **options).get_conference("conf-1")


def chunked(*parts: bytes) -> bytes:
    """A chunked body made of `parts`, with its final zero chunk."""
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


CHUNKED_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
)

# What a Telnyx create meets, and the class of the error it ends in (None: a correct
# Conference); see `maybe_acted_on` for when that error comes as an OutcomeUnknownError.
TELNYX_ANSWERS: dict[str, tuple[bytes, type[ConferencingError] | None]] = {
    "not-json": (answer(200, b"hello", {"Content-Type": "text/plain"}), ResponseDecodeError),
    "html-200": (answer(200, HTML, {"Content-Type": "text/html"}), ResponseDecodeError),
    "html-500": (answer(500, HTML, {"Content-Type": "text/html"}), ServerError),
    "html-502": (answer(502, HTML, {"Content-Type": "text/html"}), ServerError),
    "html-404": (answer(404, HTML, {"Content-Type": "text/html"}), APIError),
    "cut-json-full-length": (answer(200, CONFERENCE_JSON[:20]), ResponseDecodeError),
    "cut-body-short-of-content-length": (
        answer(200, CONFERENCE_JSON)[: -len(CONFERENCE_JSON) // 2],
        TransportError,
    ),
    "cut-chunked-body": (CHUNKED_HEAD + b"%x\r\n" % 100 + CONFERENCE_JSON[:30], TransportError),
    "invalid-chunk-size": (CHUNKED_HEAD + b"ZZZ\r\nabc\r\n0\r\n\r\n", TransportError),
    "chunked-ok": (CHUNKED_HEAD + chunked(CONFERENCE_JSON[:10], CONFERENCE_JSON[10:]), None),
    "2xx-with-error-payload": (
        json_answer(200, {"errors": [{"code": "90033", "title": "Name conflict"}]}),
        ResponseDecodeError,
    ),
    "data-null": (json_answer(200, {"data": None}), ResponseDecodeError),
    "data-list": (json_answer(200, {"data": [TELNYX_CONFERENCE]}), ResponseDecodeError),
    "id-a-number": (
        json_answer(200, {"data": {**TELNYX_CONFERENCE, "id": 5}}),
        ResponseDecodeError,
    ),
    "id-null": (json_answer(200, {"data": {**TELNYX_CONFERENCE, "id": None}}), ResponseDecodeError),
    "no-name": (
        json_answer(200, {"data": {k: v for k, v in TELNYX_CONFERENCE.items() if k != "name"}}),
        ResponseDecodeError,
    ),
    "bad-timestamp": (
        json_answer(200, {"data": {**TELNYX_CONFERENCE, "created_at": "yesterday"}}),
        ResponseDecodeError,
    ),
    "timestamp-a-number": (
        json_answer(200, {"data": {**TELNYX_CONFERENCE, "created_at": 1548267002}}),
        ResponseDecodeError,
    ),
    "json-array": (json_answer(200, []), ResponseDecodeError),
    "json-null": (json_answer(200, None), ResponseDecodeError),
    "json-string": (json_answer(200, "data"), ResponseDecodeError),
    "nan": (answer(200, b'{"data": NaN}'), ResponseDecodeError),
    "invalid-utf8": (answer(200, b'{"data": "\xff\xfe"}'), ResponseDecodeError),
    "deep-nesting": (answer(200, b"[" * 100_000 + b"]" * 100_000), ResponseDecodeError),
    "empty-200": (answer(200), ResponseDecodeError),
    "204": (answer(204), ResponseDecodeError),
    "json-as-text-plain": (answer(200, CONFERENCE_JSON, {"Content-Type": "text/plain"}), None),
    "json-as-xml": (answer(200, CONFERENCE_JSON, {"Content-Type": "application/xml"}), None),
    "no-content-type": (answer(200, CONFERENCE_JSON), None),
    "real-gzip": (answer(200, gzip.compress(CONFERENCE_JSON), {"Content-Encoding": "gzip"}), None),
    "gzip-claimed-not-gzip": (
        answer(200, CONFERENCE_JSON, {"Content-Encoding": "gzip"}),
        TransportError,
    ),
    "deflate-claimed-not-deflate": (
        answer(200, CONFERENCE_JSON, {"Content-Encoding": "deflate"}),
        TransportError,
    ),
    "not-http-at-all": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", TransportError),
    "binary-garbage": (bytes(range(256)) * 4, TransportError),
    "http-0.9-body-only": (CONFERENCE_JSON, TransportError),
    "closed-without-a-byte": (b"", TransportError),
    "half-a-status-line": (b"HTTP/1.1 20", TransportError),
    "half-the-headers": (b"HTTP/1.1 200 OK\r\nContent-Ty", TransportError),
    "bad-content-length": (b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n{}", TransportError),
    "negative-content-length": (b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n{}", TransportError),
    "two-content-lengths": (
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        TransportError,
    ),
    "nul-in-a-header": (
        b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\n{}",
        TransportError,
    ),
    "huge-header": (
        b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\nContent-Length: 2\r\n\r\n{}",
        TransportError,
    ),
    "twenty-thousand-headers": (
        b"HTTP/1.1 200 OK\r\n"
        + b"".join(b"X-%d: a\r\n" % i for i in range(20_000))
        + b"Content-Length: 2\r\n\r\n{}",
        TransportError,
    ),
    "status-600": (answer(600), ServerError),
}


def maybe_acted_on(expected: type[ConferencingError]) -> bool:
    """Whether a create failing with `expected` may have been carried out by the provider.

    A 5xx (none of these is a 503), an exchange broken after the request was
    sent, or a success answer that could not be read: the provider may have
    acted, so the call must end in an `OutcomeUnknownError` around that error.
    """
    return issubclass(expected, ServerError | TransportError | ResponseDecodeError)


@pytest.mark.parametrize(
    ("data", "expected"), list(TELNYX_ANSWERS.values()), ids=list(TELNYX_ANSWERS)
)
async def test_telnyx_create_against_a_hostile_server(
    serve: ServeFn, data: bytes, expected: type[ConferencingError] | None
) -> None:
    """Whatever comes back, a Telnyx create gives a Conference or a typed, maybe unknown, error."""
    server = await serve(raw(data))
    if expected is None:
        conference = await telnyx_create(server)
        assert TELNYX_CONFERENCE["id"] == conference.id
        return
    with pytest.raises(ConferencingError) as caught:
        await telnyx_create(server)
    assert 1 == len(server.requests)
    last = unwrap(
        caught.value, unknown=maybe_acted_on(expected), command_id=sent_command_id(server)
    )
    assert isinstance(last, expected), repr(last)


async def test_a_2xx_error_payload_keeps_what_the_provider_said(serve: ServeFn) -> None:
    """A 200 with `{"errors": [...]}` is an unknown outcome whose ResponseDecodeError keeps them."""
    payload = {"errors": [{"code": "90033", "title": "Name conflict"}]}
    server = await serve(raw(json_answer(200, payload)))
    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_create(server)
    last = unwrap(caught.value, unknown=True, command_id=sent_command_id(server))
    assert isinstance(last, ResponseDecodeError)
    assert 200 == last.status
    assert "90033" in last.body


# A Catapult create is not idempotent: an unknown outcome must say so. Each of these
# may have been carried out, so each ends in an OutcomeUnknownError around this class.
CATAPULT_CREATE_ANSWERS: dict[str, tuple[bytes, type[ConferencingError]]] = {
    "no-location": (answer(201), ResponseDecodeError),
    "empty-location": (answer(201, headers={"Location": ""}), ResponseDecodeError),
    "blank-location": (answer(201, headers={"Location": "   "}), ResponseDecodeError),
    "query-only-location": (answer(201, headers={"Location": "?x"}), ResponseDecodeError),
    "root-location": (answer(201, headers={"Location": "/"}), ResponseDecodeError),
    "dot-dot-location": (answer(201, headers={"Location": "/conferences/.."}), ResponseDecodeError),
    "dot-location": (answer(201, headers={"Location": "/conferences/."}), ResponseDecodeError),
    "encoded-slash-location": (
        answer(201, headers={"Location": "/conferences/a%2F.."}),
        ResponseDecodeError,
    ),
    "space-in-location": (
        answer(201, headers={"Location": "/conferences/a b"}),
        ResponseDecodeError,
    ),
    "scheme-only-location": (answer(201, headers={"Location": "http://"}), ResponseDecodeError),
    "collection-location": (
        answer(201, headers={"Location": COLLECTION + "/"}),
        ResponseDecodeError,
    ),
    "collection-location-no-slash": (
        answer(201, headers={"Location": COLLECTION}),
        ResponseDecodeError,
    ),
    "html-500": (answer(500, HTML, {"Content-Type": "text/html"}), ServerError),
    "cut-headers": (b"HTTP/1.1 201 Created\r\nLocat", TransportError),
    "closed-without-a-byte": (b"", TransportError),
    "not-http-at-all": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", TransportError),
    "error-payload-no-location": (
        json_answer(201, {"category": "limit", "code": "call-rate-limit"}),
        ResponseDecodeError,
    ),
}


@pytest.mark.parametrize(
    ("data", "expected"), list(CATAPULT_CREATE_ANSWERS.values()), ids=list(CATAPULT_CREATE_ANSWERS)
)
async def test_catapult_create_against_a_hostile_server(
    serve: ServeFn, data: bytes, expected: type[ConferencingError]
) -> None:
    """A Catapult create meeting an odd Location or a broken answer is an unknown outcome."""
    server = await serve(raw(data))
    with pytest.raises(OutcomeUnknownError) as caught:
        await catapult_create(server)
    assert 1 == len(server.requests)
    last = unwrap(caught.value, unknown=True, command_id=None)
    assert isinstance(last, expected), repr(last)


@pytest.mark.parametrize(
    ("location", "expected_id"),
    [
        (f"{COLLECTION}/conf-1", "conf-1"),
        ("http://localhost/conf-2", "conf-2"),
        (f"{COLLECTION}/conf-3?x=1", "conf-3"),
        (f"{COLLECTION}/conf-4/", "conf-4"),
        (f"  {COLLECTION}/conf-5  ", "conf-5"),
        ("/v1/users/u/conferences/members/m-6", "m-6"),
    ],
)
async def test_catapult_usable_locations_give_the_id(
    serve: ServeFn, location: str, expected_id: str
) -> None:
    """Every documented shape of Location (relative, absolute, dropped segment) yields the id."""
    server = await serve(raw(answer(201, headers={"Location": location})))
    ref = await catapult_create(server)
    assert expected_id == ref.id


@HARDENING
@given(
    tail=st.text(
        st.characters(codec="latin-1", exclude_characters="\r\n\x00"), min_size=0, max_size=40
    )
)
@example(tail="a" * 600)
@example(tail="..")
@example(tail="conf-1#frag")
@example(tail="a;b")
def test_every_id_from_a_location_can_be_used_again(tail: str) -> None:
    """An id the client takes from a Location is one its own URL methods accept, or it refuses."""
    location = "/v1/users/u/conferences/" + tail
    created = Answer(status=201, headers=CIMultiDictProxy(CIMultiDict(Location=location)), body=b"")
    try:
        ref = decode_ref(created)
    except ValueError:
        return
    assert ref.id == path_segment("conference_id", ref.id)


CATAPULT_GET_ANSWERS: dict[str, tuple[bytes, type[ConferencingError]]] = {
    "2xx-with-error-payload": (
        json_answer(200, {"category": "not-found", "code": "conference-not-found"}),
        ResponseDecodeError,
    ),
    "html-200": (answer(200, HTML, {"Content-Type": "text/html"}), ResponseDecodeError),
    "html-500": (answer(500, HTML, {"Content-Type": "text/html"}), ServerError),
    "list-not-object": (json_answer(200, [CATAPULT_CONFERENCE]), ResponseDecodeError),
    "state-a-number": (json_answer(200, {"id": "conf-1", "state": 3}), ResponseDecodeError),
    "bad-offset": (
        json_answer(200, {**CATAPULT_CONFERENCE, "createdTime": "2013-07-12T15:22:47-99"}),
        ResponseDecodeError,
    ),
    "cut-json": (answer(200, b'{"id": "conf-1", "sta'), ResponseDecodeError),
    "gzip-claimed-not-gzip": (answer(200, b"{}", {"Content-Encoding": "gzip"}), TransportError),
}


@pytest.mark.parametrize(
    ("data", "expected"), list(CATAPULT_GET_ANSWERS.values()), ids=list(CATAPULT_GET_ANSWERS)
)
async def test_catapult_get_against_a_hostile_server(
    serve: ServeFn, data: bytes, expected: type[ConferencingError]
) -> None:
    """A Catapult GET meeting a broken answer raises our typed error."""
    server = await serve(raw(data))
    with pytest.raises(ConferencingError) as caught:
        await catapult_get(server)
    assert isinstance(caught.value, expected), repr(caught.value)


# --- Bodies larger than the cap -----------------------------------------------------


def endless(head: bytes, *, chunks: bool) -> Any:
    """Write `head`, then body bytes for ever, until the client hangs up or the server stops."""

    async def respond(
        server: RawServer,
        _reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        _received: Received,
    ) -> None:
        writer.write(head)
        piece = b" " * 65536
        while not server.stopped.is_set():
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunks else piece)
            await writer.drain()

    return respond


@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("chunks", [False, True], ids=["content-length", "chunked"])
async def test_an_endless_body_stops_at_the_cap(serve: ServeFn, status: int, chunks: bool) -> None:
    """A body that never ends is read only up to MAX_BODY_BYTES; the create's outcome is unknown."""
    framing = b"Transfer-Encoding: chunked" if chunks else b"Content-Length: 100000000000"
    head = b"HTTP/1.1 %d Whatever\r\n%s\r\n\r\n" % (status, framing)
    server = await serve(endless(head, chunks=chunks))
    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_create(server)
    last = unwrap(caught.value, unknown=True, command_id=sent_command_id(server))
    assert isinstance(last, ResponseDecodeError if status == 200 else ServerError), repr(last)


def padded(size: int) -> bytes:
    """The conference answer padded with spaces to exactly `size` bytes."""
    return CONFERENCE_JSON + b" " * (size - len(CONFERENCE_JSON))


@pytest.mark.parametrize("chunks", [False, True], ids=["content-length", "chunked"])
async def test_a_body_exactly_at_the_cap_is_read(serve: ServeFn, chunks: bool) -> None:
    """An answer of exactly MAX_BODY_BYTES is read whole and decoded."""
    body = padded(MAX_BODY_BYTES)
    data = CHUNKED_HEAD + chunked(body[:1000], body[1000:]) if chunks else answer(200, body)
    server = await serve(raw(data))
    assert TELNYX_CONFERENCE["id"] == (await telnyx_create(server)).id


@pytest.mark.parametrize("chunks", [False, True], ids=["content-length", "chunked"])
async def test_a_body_one_byte_over_the_cap_is_refused(serve: ServeFn, chunks: bool) -> None:
    """An answer of MAX_BODY_BYTES + 1 is an unknown outcome whose decode error names the cap."""
    body = padded(MAX_BODY_BYTES + 1)
    data = CHUNKED_HEAD + chunked(body[:1000], body[1000:]) if chunks else answer(200, body)
    server = await serve(raw(data))
    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_create(server)
    last = unwrap(caught.value, unknown=True, command_id=sent_command_id(server))
    assert isinstance(last, ResponseDecodeError)
    assert str(MAX_BODY_BYTES) in str(last)


async def test_an_error_body_over_the_cap_keeps_its_first_bytes(serve: ServeFn) -> None:
    """A 500 over the cap is an unknown outcome from a ServerError keeping its first bytes."""
    body = b"<html>" + b"E" * MAX_BODY_BYTES
    server = await serve(raw(answer(500, body, {"Content-Type": "text/html"})))
    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_create(server)
    last = unwrap(caught.value, unknown=True, command_id=sent_command_id(server))
    assert isinstance(last, ServerError)
    assert 500 == last.status
    assert last.body.startswith("<html>EEEE")


# --- Silence and slowness: the timeout fires --------------------------------------------


async def never_reads(
    server: RawServer,
    _reader: asyncio.StreamReader,
    _writer: asyncio.StreamWriter,
    _received: Received,
) -> None:
    """Accept, then say nothing until the server stops."""
    await server.stopped.wait()


async def drip(
    server: RawServer,
    _reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    _received: Received,
) -> None:
    """Announce a body, then send one byte every 50 ms."""
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    while not server.stopped.is_set():
        writer.write(b" ")
        await writer.drain()
        await asyncio.sleep(0.05)


SLOW = {
    "silent": never_reads,
    "status-line-then-silence": hang(head=b"HTTP/1.1 200 OK\r\n"),
    "headers-then-silence": hang(head=b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{"),
    "drip-feed": drip,
}


@pytest.mark.parametrize("respond", list(SLOW.values()), ids=list(SLOW))
async def test_a_server_that_never_finishes_answering_times_out(
    serve: ServeFn, respond: Any
) -> None:
    """A silent or dripping server makes a create an unknown outcome from RequestTimeout in time."""
    server = await serve(respond)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_create(server, timeout=0.5)
    assert time.monotonic() - started < 3.0
    last = unwrap(caught.value, unknown=True, command_id=sent_command_id(server))
    assert isinstance(last, RequestTimeout)
    assert last.request_sent


async def test_a_catapult_create_that_times_out_is_an_unknown_outcome(serve: ServeFn) -> None:
    """A Catapult create with no answer in time is an OutcomeUnknownError from RequestTimeout."""
    server = await serve(never_reads)
    with pytest.raises(OutcomeUnknownError) as caught:
        await catapult_create(server, timeout=0.5)
    assert isinstance(unwrap(caught.value, unknown=True, command_id=None), RequestTimeout)
    assert 1 == len(server.requests)


async def test_retries_on_a_silent_server_stop_in_time(serve: ServeFn) -> None:
    """A create retried against a silent server stops after its attempts, an unknown outcome."""
    server = await serve(never_reads)
    policy = RetryPolicy(attempts=3, backoff_initial=0.01, backoff_max=0.01, jitter=0, deadline=5)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknownError) as caught:
        await telnyx_create(server, timeout=0.3, retry=policy)
    assert 3 == len(server.requests)
    last = unwrap(caught.value, unknown=True, command_id=sent_command_id(server))
    assert isinstance(last, RequestTimeout)
    assert last.request_sent
    assert time.monotonic() - started < 3.0


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "1e308"},
        {"Retry-After": "inf"},
        {"Retry-After": "nan"},
        {"Retry-After": "-5"},
        {"Retry-After": "99999999999999999999999"},
        {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"},
        {"Retry-After": "Thu, 99 Foo 1970"},
        {"X-RateLimit-Reset": "1e300"},
        {"X-RateLimit-Reset": "-1"},
        {"X-RateLimit-Reset": "soon"},
    ],
)
async def test_an_absurd_rate_limit_hint_never_stalls_the_client(
    serve: ServeFn, headers: dict[str, str]
) -> None:
    """A 429 asking for an absurd wait raises RateLimitError within the policy's deadline."""
    server = await serve(
        raw(json_answer(429, {"errors": [{"code": "10011"}]}, headers), close=False)
    )
    policy = RetryPolicy(attempts=3, backoff_initial=0.01, backoff_max=0.01, jitter=0, deadline=1)
    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        await telnyx_create(server, retry=policy)
    assert time.monotonic() - started < 3.0
    wait = caught.value.retry_after
    assert wait is None or wait >= 0.0
    assert 1 <= len(server.requests) <= 3


# --- Redirects: never followed, credentials never travel ---------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_to_another_host_is_not_followed(serve: ServeFn, status: int) -> None:
    """A 3xx to another server is an APIError; the other server receives nothing, no credential."""
    elsewhere = await serve(raw(json_answer(200, {"data": TELNYX_CONFERENCE})))
    target = f"http://localhost:{elsewhere.port}/v2/conferences"
    hostile = await serve(raw(answer(status, headers={"Location": target}), close=False))
    policy = RetryPolicy(attempts=3, backoff_initial=0.01, jitter=0, deadline=2)
    with pytest.raises(APIError) as caught:
        await telnyx_create(hostile, retry=policy)
    assert status == caught.value.status
    with pytest.raises(APIError):
        await catapult_get(hostile, retry=policy)
    assert [] == elsewhere.requests
    assert 0 == elsewhere.connections
    assert 2 == len(hostile.requests)


# --- Arbitrary answers ----------------------------------------------------------------------


@HARDENING
@given(
    status=st.integers(100, 999),
    headers=st.dictionaries(
        st.sampled_from(
            ["Content-Type", "Location", "Content-Encoding", "Retry-After", "X-RateLimit-Reset"]
        ),
        st.text(st.characters(codec="ascii", min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
        max_size=3,
    ),
    body=st.one_of(
        st.binary(max_size=200),
        st.sampled_from([CONFERENCE_JSON, json.dumps(CATAPULT_CONFERENCE).encode(), HTML]),
    ),
    cut=st.one_of(st.none(), st.integers(0, 300)),
)
@example(status=101, headers={"Upgrade": "websocket"}, body=b"", cut=None)
@example(status=100, headers={}, body=b"", cut=None)
async def test_any_answer_is_a_result_or_a_typed_error(
    status: int, headers: dict[str, str], body: bytes, cut: int | None
) -> None:
    """For any status, headers and body (maybe cut short), each call returns or raises our error."""
    data = answer(status, body, headers, close=True)
    server = RawServer(raw(data if cut is None else data[:cut]))
    await server.start()
    try:
        for call in (telnyx_create, catapult_create, catapult_get):
            with contextlib.suppress(ConferencingError):
                await call(server, timeout=1.0)
    finally:
        await server.close()
