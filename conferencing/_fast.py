"""A lean HTTP/1.1 transport under the one send path, for the common case.

aiohttp's `ClientSession.request` is general: redirects, cookies, proxies,
trace hooks, streaming bodies, a writer task per POST on Python 3.11. Our
requests need none of that: a small JSON body, a few fixed headers, an
answer read whole. This transport writes the request head and body to a
kept-alive connection in one `write` and parses the answer with httptools
(llhttp, the parser Node.js uses), costing far fewer instructions per request.

It is chosen once per origin when the pool creates it, and only where it
does exactly what aiohttp would: no proxy, no environment settings, no extra
connector options (`SessionPool._origin`). Each request also checks that
aiohttp's `ClientSession._request` is aiohttp's own: when a test library
(aioresponses) has replaced it, requests take the public aiohttp path, so
users' mocks keep working. `SessionPool(transport="aiohttp")` turns it off.

Failures are raised as the exceptions below and mapped by the send path to
our errors, like aiohttp's: `ConnectFailed` (nothing sent), `ConnectTimeout`
(nothing sent), `ConnectionBroken` (the request may have arrived),
`BadAnswer` (the answer could not be parsed), `TransportClosed` (the pool
closed under the request).
"""

from __future__ import annotations

import asyncio
import collections
import ssl as _ssl
import time
import zlib
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import httptools
import yarl
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = [
    "MAX_BODY_BYTES",
    "BadAnswer",
    "ConnectFailed",
    "ConnectTimeout",
    "ConnectionBroken",
    "FastOrigin",
    "TransportClosed",
    "available",
]

#: aiohttp's own `ClientSession._request`: when it is not the one in place
#: (aioresponses patches it), requests take the public path.
_AIOHTTP_REQUEST: Final = aiohttp.ClientSession._request  # noqa: SLF001 - identity only
#: Answers larger than this are not read to the end: a success fails with
#: `ResponseDecodeError`, a failure keeps its first bytes (on either transport).
MAX_BODY_BYTES: Final = 1024 * 1024
#: Answers' head at most (status line and headers), as aiohttp's defaults allow about.
MAX_HEAD_BYTES: Final = 64 * 1024
#: How long a connection may sit idle before it is not reused (aiohttp's default).
KEEPALIVE_SECONDS: Final = 15.0
_ENCODINGS: Final = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": 0}


def available() -> bool:
    """Whether requests may take this transport now (aiohttp's request path is not mocked)."""
    return aiohttp.ClientSession._request is _AIOHTTP_REQUEST  # noqa: SLF001


class FastTransportError(Exception):
    """Base of this transport's failures; the send path maps each to our errors."""


class ConnectFailed(FastTransportError):
    """No connection could be opened: the request never left."""


class ConnectTimeout(FastTransportError, TimeoutError):
    """No connection was opened in time: the request never left."""


class ConnectionBroken(FastTransportError):
    """The connection failed after the request was written: it may have arrived."""


class BadAnswer(FastTransportError):
    """The answer is not HTTP/1.1 this transport can read (the request did arrive)."""


class TransportClosed(FastTransportError):
    """The pool was closed while the request was under way."""


class _Answer:
    """The answer being read on one connection."""

    __slots__ = ("body", "capped", "complete", "head_bytes", "headers", "keep_alive", "status")

    def __init__(self) -> None:
        self.status = 0
        self.headers: CIMultiDict[str] = CIMultiDict()
        self.body: list[bytes] = []
        self.head_bytes = 0
        self.capped = False
        self.complete = False
        self.keep_alive = False


class _Connection(asyncio.Protocol):
    """One kept-alive connection: one request at a time, its answer parsed as it arrives."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_body: int) -> None:
        self._loop = loop
        self._max_body = max_body
        self.transport: asyncio.Transport | None = None
        self._parser: Any = None
        self._answer: _Answer | None = None
        self._done: asyncio.Future[_Answer] | None = None
        self._size = 0
        self._headers_done = False
        self._until_close = False
        self._inflate: Any = None
        self.closed = False
        self.idle_since = 0.0

    # --- asyncio.Protocol ------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._parser is None:
            # Bytes nobody asked for: the connection cannot be trusted any more.
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(BadAnswer("the server switched protocols"))
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            self._fail(cause if isinstance(cause, BadAnswer) else BadAnswer(str(exc)))
        except httptools.HttpParserError as exc:
            self._fail(BadAnswer(f"the answer is not valid HTTP/1.1: {exc}"))

    def connection_lost(self, _exc: Exception | None) -> None:
        self.closed = True
        answer = self._answer
        if answer is not None and self._headers_done and self._until_close:
            # An answer with neither Content-Length nor chunks ends with the connection.
            answer.complete = True
            answer.keep_alive = False
            self._finish()
            return
        self._fail(ConnectionBroken("the connection closed before the answer was complete"))

    # --- httptools callbacks -----------------------------------------------

    def on_status(self, _status: bytes) -> None:
        return

    def on_header(self, name: bytes, value: bytes) -> None:
        answer = self._answer
        assert answer is not None  # noqa: S101 - the parser runs only for a request
        answer.head_bytes += len(name) + len(value) + 4
        if answer.head_bytes > MAX_HEAD_BYTES:
            raise BadAnswer(f"the answer's headers exceed {MAX_HEAD_BYTES} bytes")
        answer.headers.add(
            name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape")
        )

    def on_headers_complete(self) -> None:
        answer = self._answer
        assert answer is not None  # noqa: S101
        status = self._parser.get_status_code()
        if 100 <= status < 200:  # noqa: PLR2004 - an interim answer: the real one follows
            answer.headers = CIMultiDict()
            answer.head_bytes = 0
            return
        answer.status = status
        self._headers_done = True
        headers = answer.headers
        self._until_close = (
            "Content-Length" not in headers
            and "chunked" not in headers.get("Transfer-Encoding", "").lower()
        )
        encoding = headers.get("Content-Encoding", "").strip().lower()
        self._inflate = zlib.decompressobj(_ENCODINGS[encoding]) if encoding in _ENCODINGS else None

    def on_body(self, body: bytes) -> None:
        answer = self._answer
        assert answer is not None  # noqa: S101
        if answer.capped:
            return
        if self._inflate is not None:
            try:
                body = self._inflate.decompress(body, self._max_body + 1 - self._size)
            except zlib.error as exc:
                raise BadAnswer(f"the answer's body cannot be decompressed: {exc}") from None
        self._size += len(body)
        answer.body.append(body)
        if self._size > self._max_body:
            # The rest is not read: the answer is reported too large, and the
            # connection, left part-way through it, is closed.
            answer.capped = True
            self._finish()

    def on_message_complete(self) -> None:
        answer = self._answer
        if answer is None or not self._headers_done or answer.capped:
            return
        answer.complete = True
        answer.keep_alive = bool(self._parser.should_keep_alive())
        self._finish()

    # --- requests ----------------------------------------------------------

    async def exchange(self, data: bytes) -> _Answer:
        """Write one whole request and wait for its whole answer."""
        transport = self.transport
        if transport is None or self.closed or transport.is_closing():
            raise ConnectionBroken("the connection closed before the request was written")
        self._answer = _Answer()
        done: asyncio.Future[_Answer] = self._loop.create_future()
        self._done = done
        self._size = 0
        self._headers_done = False
        self._until_close = False
        self._inflate = None
        self._parser = httptools.HttpResponseParser(self)
        transport.write(data)
        try:
            return await done
        except BaseException:
            # Cancelled (a timeout) or failed part-way: what is left on the
            # connection is unknown, so it is never used again.
            self.abort()
            raise

    def _finish(self) -> None:
        answer, done = self._answer, self._done
        self._answer = self._done = self._parser = None
        if done is not None and not done.done() and answer is not None:
            if self._inflate is not None and not answer.capped:
                rest = self._inflate.flush()
                self._size += len(rest)
                answer.body.append(rest)
                answer.capped = self._size > self._max_body
            done.set_result(answer)

    def _fail(self, error: Exception) -> None:
        done = self._done
        self._answer = self._done = self._parser = None
        if done is not None and not done.done():
            done.set_exception(error)
        self.abort()

    def abort(self) -> None:
        """Close the connection at once."""
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


class FastOrigin:
    """Kept-alive connections to one origin, and the exchange of one request on one of them."""

    def __init__(
        self,
        origin: str,
        *,
        ssl: bool | _ssl.SSLContext,
        connect_timeout: float | None,
        max_body: int,
    ) -> None:
        url = yarl.URL(origin)
        self._host = url.raw_host or ""
        self._port = url.port or (443 if url.scheme == "https" else 80)
        self._tls: _ssl.SSLContext | None = None
        if url.scheme == "https":
            if isinstance(ssl, _ssl.SSLContext):
                self._tls = ssl
            else:
                self._tls = _ssl.create_default_context()
                if ssl is False:
                    self._tls.check_hostname = False
                    self._tls.verify_mode = _ssl.CERT_NONE
        default_port = 443 if url.scheme == "https" else 80
        host = f"[{self._host}]" if ":" in self._host else self._host
        host_header = host if self._port == default_port else f"{host}:{self._port}"
        # The base URL's host was checked to be ASCII (IDNA-encoded) when the client was built.
        self._host_line = f"Host: {host_header}\r\n".encode("ascii")
        self._connect_timeout = connect_timeout
        self._max_body = max_body
        self._idle: collections.deque[_Connection] = collections.deque()
        self._busy: set[_Connection] = set()
        self._closed = False
        #: The encoded header block of each headers object seen last (they rarely change).
        self._blocks: dict[int, tuple[Mapping[str, str], bytes]] = {}

    async def request(
        self,
        method: str,
        url: yarl.URL,
        headers: Mapping[str, str],
        body: bytes | None,
        written: list[bool],
    ) -> tuple[int, CIMultiDictProxy[str], bytes, bool]:
        """Send one request; return its status, headers, body and whether the body was whole.

        `written[0]` is set the moment the request is handed to the
        connection: until then, a cancellation (a timeout) left nothing sent.
        """
        if self._closed:
            raise TransportClosed("the pool was closed")
        block = self._blocks.get(id(headers))
        if block is None or block[0] is not headers:
            block = (headers, _header_block(headers))
            if len(self._blocks) > 64:  # noqa: PLR2004 - a few clients' headers, and extras
                self._blocks.clear()
            self._blocks[id(headers)] = block
        head = b"%s %s HTTP/1.1\r\n%s%sAccept-Encoding: gzip, deflate\r\n" % (
            method.encode("ascii"),
            url.raw_path_qs.encode("ascii"),
            self._host_line,
            block[1],
        )
        if body is not None:
            data = b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body)
        else:
            data = head + b"\r\n"
        connection = await self._connection()
        self._busy.add(connection)
        written[0] = True
        try:
            answer = await connection.exchange(data)
        except ConnectionBroken:
            if self._closed:
                raise TransportClosed("the pool was closed") from None
            raise
        finally:
            self._busy.discard(connection)
        if self.closed:
            connection.abort()
        elif answer.keep_alive and answer.complete and not connection.closed:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.abort()
        return (
            answer.status,
            CIMultiDictProxy(answer.headers),
            b"".join(answer.body)[: self._max_body] if answer.capped else b"".join(answer.body),
            answer.complete and not answer.capped,
        )

    async def _connection(self) -> _Connection:
        """The most recently used idle connection still open, or a new one."""
        idle = self._idle
        while idle:
            connection = idle.pop()
            transport = connection.transport
            if (
                connection.closed
                or transport is None
                or transport.is_closing()
                or time.monotonic() - connection.idle_since > KEEPALIVE_SECONDS
            ):
                connection.abort()
                continue
            return connection
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop, self._max_body),
                    self._host,
                    self._port,
                    ssl=self._tls,
                    server_hostname=self._host if self._tls is not None else None,
                )
        except TimeoutError:
            raise ConnectTimeout(
                f"no connection to {self._host}:{self._port} within {self._connect_timeout:g} s"
            ) from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            raise ConnectFailed(f"cannot connect to {self._host}:{self._port}: {exc}") from None
        if self._closed:
            connection.abort()
            raise TransportClosed("the pool was closed")
        return connection

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._closed

    @property
    def in_use(self) -> int:
        """Connections carrying a request now."""
        return len(self._busy)

    @property
    def open(self) -> int:
        """Connections open: in use, or idle and kept for reuse."""
        return len(self._busy) + sum(not c.closed for c in self._idle)

    def close(self) -> None:
        """Close every connection; requests under way fail with `TransportClosed`."""
        self._closed = True
        for connection in (*self._idle, *self._busy):
            connection.abort()
        self._idle.clear()


def _header_block(headers: Mapping[str, str]) -> bytes:
    """`headers` as they go on the wire; refuses any that could split the request."""
    lines = []
    for name, value in headers.items():
        if any(c in name for c in "\r\n:") or "\r" in value or "\n" in value:
            raise ValueError("a header name or value holds a line break")  # as aiohttp refuses
        lines.append(f"{name}: {value}\r\n")
    return "".join(lines).encode("utf-8")
