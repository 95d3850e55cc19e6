"""Shared pieces of the hardening suite: hostile servers, distinctive secrets, clients.

Test modules import these helpers by name and load the fixtures with
``pytest_plugins = ["hardening_fixtures"]``: a ``conftest.py`` here would
clash with ``tests/conftest.py`` under mypy ("Duplicate module named
'conftest'"), as ``tests/emulator/emulator_fixtures.py`` explains.

A `RawServer` listens on 127.0.0.1 (port 0) and answers each request with
exactly the bytes its responder writes, so a test controls every byte of a
misbehaving provider: cut bodies, lies in headers, garbage, silence.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import ssl
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

import attrs
from hypothesis import HealthCheck, settings

from conferencing import (
    NO_RETRY,
    CatapultClient,
    ConferencingError,
    OutcomeUnknownError,
    RetryPolicy,
    SessionPool,
    TelnyxClient,
)

__all__ = [
    "BASIC_BLOB",
    "BOUND",
    "CATAPULT_CONFERENCE",
    "CATAPULT_SECRET",
    "CATAPULT_TOKEN",
    "CCID",
    "FROM",
    "HARDENING",
    "SECRETS",
    "TELNYX_CONFERENCE",
    "TELNYX_KEY",
    "TELNYX_PARTICIPANT",
    "URL_PASSWORD",
    "USER_ID",
    "RawServer",
    "Received",
    "Responder",
    "ServeFn",
    "answer",
    "catapult_client",
    "error_chain_texts",
    "hang",
    "json_answer",
    "other_tasks",
    "raw",
    "secrets_in",
    "sent_command_id",
    "telnyx_client",
    "unwrap",
    "with_last_errors",
]

# --- Distinctive credentials, easy to search for ------------------------------

TELNYX_KEY: Final = "sk-SECRET-telnyx-123"
CATAPULT_TOKEN: Final = "tok-SECRET"  # noqa: S105 - a fake credential
CATAPULT_SECRET: Final = "sec-SECRET"  # noqa: S105 - a fake credential
#: What actually travels in Catapult's `Authorization: Basic ...` header.
BASIC_BLOB: Final = base64.b64encode(f"{CATAPULT_TOKEN}:{CATAPULT_SECRET}".encode()).decode()
#: A password someone put in a base URL.
URL_PASSWORD: Final = "pw-SECRET-url"  # noqa: S105 - a fake credential
#: Everything that must never show.
SECRETS: Final = (TELNYX_KEY, CATAPULT_TOKEN, CATAPULT_SECRET, BASIC_BLOB, URL_PASSWORD)
USER_ID: Final = "u-hardening"

FROM: Final = "+15551234567"
CCID: Final = "v3:hardening-leg-0"

#: Seconds any one scenario of this suite may take before it counts as a hang.
BOUND: Final = 10.0

#: Hypothesis settings for this suite: few examples, no deadline (sockets are
#: involved), reproducible in CI.
HARDENING: Final = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

TELNYX_CONFERENCE: Final[Mapping[str, Any]] = {
    "record_type": "conference",
    "id": "c-hardening",
    "name": "Hardening",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T22:10:02.574Z",
}
TELNYX_PARTICIPANT: Final[Mapping[str, Any]] = {
    "record_type": "participant",
    "id": "p-hardening",
    "call_control_id": CCID,
}
CATAPULT_CONFERENCE: Final[Mapping[str, Any]] = {"id": "conf-1", "state": "active"}


def secrets_in(text: str) -> list[str]:
    """The credentials (or their Basic blob) that appear in `text`."""
    return [secret for secret in SECRETS if secret in text]


def error_chain_texts(error: BaseException) -> str:
    """Everything an error and every error chained to it show about themselves."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [repr(current), str(current), repr(current.args)]
        if hasattr(current, "__dict__"):
            parts.append(repr(vars(current)))
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


#: The name of a raw server's connection handlers, which are the test's, not the client's.
SERVER_TASK: Final = "hardening-raw-server"


def other_tasks() -> set[asyncio.Task[Any]]:
    """Tasks of this loop still pending, the current one and raw servers' handlers aside."""
    current = asyncio.current_task()
    return {
        task
        for task in asyncio.all_tasks()
        if task is not current and not task.done() and task.get_name() != SERVER_TASK
    }


# --- Unknown outcomes ------------------------------------------------------------


def unwrap(
    error: ConferencingError, *, unknown: bool, command_id: str | None = None
) -> ConferencingError:
    """The error behind `error`: its `last_error` if it must be an unknown outcome, else itself.

    With `unknown`, `error` must be exactly an `OutcomeUnknownError` whose
    cause is its last attempt's error and whose `command_id` is `command_id`;
    without, it must not be one.
    """
    if not unknown:
        assert not isinstance(error, OutcomeUnknownError), repr(error)
        return error
    assert OutcomeUnknownError is type(error), repr(error)
    assert isinstance(error, OutcomeUnknownError)
    assert error.last_error is not None
    assert error.__cause__ is error.last_error
    assert command_id == error.command_id
    return error.last_error


def with_last_errors(errors: list[ConferencingError]) -> list[ConferencingError]:
    """`errors`, each `OutcomeUnknownError` followed by its `last_error`, to check both."""
    found: list[ConferencingError] = []
    for error in errors:
        found.append(error)
        if isinstance(error, OutcomeUnknownError):
            assert error.last_error is not None
            found.append(error.last_error)
    return found


# --- Raw servers ----------------------------------------------------------------


@attrs.frozen
class Received:
    """One request as the server read it off the socket."""

    head: bytes
    body: bytes

    @property
    def request_line(self) -> str:
        """`POST /v2/conferences HTTP/1.1`."""
        return self.head.split(b"\r\n", 1)[0].decode("latin-1")

    @property
    def method(self) -> str:
        """The request's method."""
        return self.request_line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        """The request target (path and query) exactly as sent."""
        return self.request_line.split(" ")[1]

    @property
    def headers(self) -> list[tuple[str, str]]:
        """Every header line, names lower-cased, in order."""
        lines = self.head.decode("latin-1").split("\r\n")[1:]
        found = []
        for line in lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            found.append((name.strip().lower(), value.strip()))
        return found

    def header(self, name: str) -> list[str]:
        """Every value of header `name`."""
        return [value for key, value in self.headers if key == name.lower()]

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


Responder = Callable[
    ["RawServer", asyncio.StreamReader, asyncio.StreamWriter, Received], Awaitable[None]
]


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    """Read one HTTP/1.1 request (head and Content-Length body), or None at EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    body = await reader.readexactly(length) if length else b""
    return Received(head=head[:-4], body=body)


class RawServer:
    """A TCP server on 127.0.0.1 answering each request with whatever its responder writes."""

    def __init__(self, respond: Responder, *, tls: ssl.SSLContext | None = None) -> None:
        self._respond = respond
        self._tls = tls
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[Any]] = set()
        #: Set when the server closes: responders that hang wait for it.
        self.stopped = asyncio.Event()
        #: Every request read, in arrival order.
        self.requests: list[Received] = []
        #: Connections accepted.
        self.connections = 0
        self._arrived = asyncio.Condition()

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and serve."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=self._tls)

    @property
    def port(self) -> int:
        """The port bound."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT` (https with TLS)."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            task.set_name(SERVER_TASK)
            self._handlers.add(task)
        self._writers.add(writer)
        self.connections += 1
        try:
            while not writer.is_closing():
                received = await _read_request(reader)
                if received is None:
                    break
                self.requests.append(received)
                async with self._arrived:
                    self._arrived.notify_all()
                await self._respond(self, reader, writer, received)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self._writers.discard(writer)

    async def wait_for_requests(self, count: int) -> None:
        """Return once `count` requests have arrived."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.requests) >= count)

    async def close(self) -> None:
        """Stop serving, drop every connection and wait for the handlers to end."""
        self.stopped.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        handlers = [task for task in self._handlers if not task.done()]
        if handlers:
            await asyncio.wait(handlers, timeout=BOUND)
        if self._server is not None:
            await self._server.wait_closed()


ServeFn = Callable[[Responder], Awaitable[RawServer]]


def sent_command_id(server: RawServer) -> str:
    """The one `command_id` every request `server` received carried."""
    carried = {received.json()["command_id"] for received in server.requests}
    assert 1 == len(carried), carried
    [command_id] = carried
    assert isinstance(command_id, str)
    assert command_id
    return command_id


def raw(data: bytes, *, close: bool = True) -> Responder:
    """Answer with exactly `data`, then close the connection (unless `close` is False)."""

    async def respond(
        _server: RawServer,
        _reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        _received: Received,
    ) -> None:
        writer.write(data)
        await writer.drain()
        if close:
            writer.close()

    return respond


def answer(
    status: int,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    *,
    reason: str = "Whatever",
    close: bool = False,
) -> bytes:
    """A well-formed HTTP/1.1 answer with a Content-Length."""
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def json_answer(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> bytes:
    """A JSON answer."""
    return answer(
        status,
        json.dumps(payload).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )


def hang(*, head: bytes = b"") -> Responder:
    """Write `head` (maybe nothing), then never say another byte until the server closes."""

    async def respond(
        server: RawServer,
        _reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        _received: Received,
    ) -> None:
        if head:
            writer.write(head)
            await writer.drain()
        await server.stopped.wait()

    return respond


# --- Clients --------------------------------------------------------------------


def telnyx_client(
    server: RawServer | str,
    pool: SessionPool,
    *,
    retry: RetryPolicy = NO_RETRY,
    timeout: float | None = None,
) -> TelnyxClient:
    """A Telnyx client with the distinctive key, pointed at a raw server (or a URL)."""
    base = server if isinstance(server, str) else server.origin + "/v2"
    return TelnyxClient(TELNYX_KEY, base_url=base, pool=pool, retry=retry, timeout=timeout)


def catapult_client(
    server: RawServer | str,
    pool: SessionPool,
    *,
    retry: RetryPolicy = NO_RETRY,
    timeout: float | None = None,
) -> CatapultClient:
    """A Catapult client with the distinctive token and secret, pointed at a raw server."""
    base = server if isinstance(server, str) else server.origin
    return CatapultClient(
        USER_ID,
        CATAPULT_TOKEN,
        CATAPULT_SECRET,
        base_url=base,
        pool=pool,
        retry=retry,
        timeout=timeout,
    )
