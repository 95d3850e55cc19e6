"""One benchmark run in its own process: one client, one concurrency, N requests.

`python -m benchmarks._worker --client NAME --origin URL --requests N --concurrency C`
opens the client, warms it up (one request per lane, not counted), then runs
N requests from C tasks pulling from one shared counter, stopping early at the
time limit, and prints one line: `RESULT {json}` with the request rate,
the process's CPU time per request and the latency percentiles.

Each client is an async context manager yielding a coroutine function that
makes one create-conference request and returns its decoded answer.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import cProfile
import gc
import importlib.metadata
import json
import math
import os
import sys
import time
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any, Final, Self

from . import _fixtures

__all__ = ["CLIENTS", "SDK_CLIENTS", "Client", "Request", "command", "main", "percentile"]

#: Makes one create-conference request; returns what the client decoded.
Request = Callable[[], Awaitable[object]]
#: Opens a client against a server origin and yields its `Request`.
Client = Callable[[str], contextlib.AbstractAsyncContextManager[Request]]

#: The first error message kept per run.
_ERROR_CHARS: Final = 300


@contextlib.asynccontextmanager
async def raw_aiohttp(origin: str) -> AsyncIterator[Request]:
    """The ceiling: a default `aiohttp.ClientSession`, `post(json=...)`, `json()`."""
    import aiohttp  # noqa: PLC0415 - each worker imports only its own client

    url = origin + _fixtures.TELNYX_PATH
    headers = {"Authorization": f"Bearer {_fixtures.TELNYX_API_KEY}", "Accept": "application/json"}
    async with aiohttp.ClientSession() as session:

        async def request() -> object:
            async with session.post(url, json=_fixtures.TELNYX_FIELDS, headers=headers) as resp:
                resp.raise_for_status()
                return await resp.json()

        yield request


@contextlib.asynccontextmanager
async def raw_aiohttp_catapult(origin: str) -> AsyncIterator[Request]:
    """Raw aiohttp doing Catapult's POST: Basic auth, camelCase JSON, id from `Location`."""
    import aiohttp  # noqa: PLC0415

    url = origin + _fixtures.CATAPULT_PATH
    secret = f"{_fixtures.CATAPULT_API_TOKEN}:{_fixtures.CATAPULT_API_SECRET}"
    basic = base64.b64encode(secret.encode()).decode("ascii")
    headers = {"Authorization": f"Basic {basic}", "Accept": "application/json"}
    async with aiohttp.ClientSession() as session:

        async def request() -> object:
            async with session.post(url, json=_fixtures.CATAPULT_BODY, headers=headers) as resp:
                resp.raise_for_status()
                await resp.read()
                return resp.headers["Location"].rsplit("/", 1)[-1]

        yield request


@contextlib.asynccontextmanager
async def conferencing_telnyx(origin: str) -> AsyncIterator[Request]:
    """This library, default usage: `TelnyxClient.create_conference(**fields)`."""
    from conferencing import SessionPool, TelnyxClient  # noqa: PLC0415

    async with SessionPool() as pool:
        client = TelnyxClient(api_key=_fixtures.TELNYX_API_KEY, base_url=origin + "/v2", pool=pool)
        fields: dict[str, Any] = _fixtures.TELNYX_FIELDS

        async def request() -> object:
            return await client.create_conference(**fields)

        yield request


@contextlib.asynccontextmanager
async def conferencing_catapult(origin: str) -> AsyncIterator[Request]:
    """This library, default usage: `CatapultClient.create_conference(**fields)`."""
    from conferencing import CatapultClient, SessionPool  # noqa: PLC0415

    async with SessionPool() as pool:
        client = CatapultClient(
            user_id=_fixtures.CATAPULT_USER_ID,
            api_token=_fixtures.CATAPULT_API_TOKEN,
            api_secret=_fixtures.CATAPULT_API_SECRET,
            base_url=origin,
            pool=pool,
        )
        fields: dict[str, Any] = dict(_fixtures.CATAPULT_FIELDS)

        async def request() -> object:
            return await client.create_conference(**fields)

        yield request


@contextlib.asynccontextmanager
async def _telnyx_sdk(origin: str, *, aiohttp_backend: bool) -> AsyncIterator[Request]:
    # The SDK is the bench extra's; import it here so that the other clients
    # run without it. Retries are off (max_retries=0): an error then counts as
    # an error instead of hiding as a slow success; with a fixed 200 answer no
    # retry would happen anyway. Timeouts and connection limits stay the SDK's.
    import telnyx  # noqa: PLC0415

    http_client = telnyx.DefaultAioHttpClient() if aiohttp_backend else None
    client = telnyx.AsyncTelnyx(
        api_key=_fixtures.TELNYX_API_KEY,
        base_url=origin + "/v2",
        max_retries=0,
        http_client=http_client,
    )
    fields = _fixtures.TELNYX_FIELDS
    try:

        async def request() -> object:
            return await client.conferences.create(
                call_control_id=fields["call_control_id"], name=fields["name"]
            )

        yield request
    finally:
        await client.close()


@contextlib.asynccontextmanager
async def telnyx_sdk_httpx(origin: str) -> AsyncIterator[Request]:
    """The official SDK's default async client (`AsyncTelnyx`, httpx backend)."""
    async with _telnyx_sdk(origin, aiohttp_backend=False) as request:
        yield request


@contextlib.asynccontextmanager
async def telnyx_sdk_aiohttp(origin: str) -> AsyncIterator[Request]:
    """The official SDK with `http_client=DefaultAioHttpClient()` (the aiohttp extra)."""
    async with _telnyx_sdk(origin, aiohttp_backend=True) as request:
        yield request


class _Exchange(asyncio.Protocol):
    """One keep-alive connection of the limit client: write the request, parse one answer.

    The parser knows only what the fixed-answer server sends: a status line,
    headers with a Content-Length, and that many bytes of body. No chunked
    encoding, no `Connection: close`, no pipelining, no 1xx answers: correct
    against the benchmark's server, and nowhere else.
    """

    def __init__(self, request: bytes) -> None:
        self._request = request
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._waiter: asyncio.Future[bytes] | None = None
        self._status = 0
        #: Body bytes still expected; -1 while the head is being read.
        self._length = -1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = typing.cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if self._length < 0:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            del buffer[: end + 4]
            # "HTTP/1.1 200 OK": the status is bytes 9 to 12.
            self._status = int(head[9:12])
            start = head.find(b"\r\ncontent-length:")
            if start < 0:
                self._fail(ConnectionError("answer without a Content-Length"))
                return
            stop = head.find(b"\r\n", start + 2)
            self._length = int(head[start + 17 : stop if stop >= 0 else None])
        if len(buffer) < self._length:
            return
        body = bytes(buffer[: self._length])
        del buffer[: self._length]
        self._length = -1
        waiter, self._waiter = self._waiter, None
        if waiter is None or waiter.done():
            return
        if self._status != 200:
            waiter.set_exception(ConnectionError(f"status {self._status}"))
        else:
            waiter.set_result(body)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._fail(exc or ConnectionError("the server closed the connection"))

    def _fail(self, exc: Exception) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if self._transport is not None:
            self._transport.close()

    def exchange(self) -> asyncio.Future[bytes]:
        """Send the request; the future gets the answer's body."""
        if self._transport is None:
            raise ConnectionError("the connection is closed")
        self._waiter = waiter = asyncio.get_running_loop().create_future()
        self._transport.write(self._request)
        return waiter

    def close(self) -> None:
        """Close the connection."""
        if self._transport is not None:
            self._transport.close()


def limit_request(host: str) -> bytes:
    """Raw aiohttp's Telnyx POST, byte for byte (aiohttp 3.14's headers, in its order)."""
    body = json.dumps(_fixtures.TELNYX_FIELDS).encode()  # json= uses json.dumps' defaults
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    agent = f"Python/{python} aiohttp/{importlib.metadata.version('aiohttp')}"
    head = (
        f"POST {_fixtures.TELNYX_PATH} HTTP/1.1\r\n"
        f"Host: {host}\r\n"
        f"Authorization: Bearer {_fixtures.TELNYX_API_KEY}\r\n"
        "Accept: application/json\r\n"
        "Accept-Encoding: gzip, deflate\r\n"
        f"User-Agent: {agent}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Content-Type: application/json\r\n"
        "\r\n"
    )
    return head.encode("ascii") + body


@contextlib.asynccontextmanager
async def limit(origin: str) -> AsyncIterator[Request]:
    """The limit: a minimal asyncio client doing raw aiohttp's Telnyx POST.

    Keep-alive connections opened with `loop.create_connection` and an
    `asyncio.Protocol`, one per request in flight (opened by the warm-up);
    the request's bytes serialized once; one await per request; a parser
    that reads the status line, the Content-Length and the body, and does not
    decode the JSON. It is correct only against the fixed-answer server (see
    `_Exchange`): what any client must at least spend per request in Python on
    this event loop, not a client to use.
    """
    host = origin.removeprefix("http://")
    address, _, port = host.rpartition(":")
    payload = limit_request(host)
    loop = asyncio.get_running_loop()
    idle: list[_Exchange] = []
    opened: list[_Exchange] = []

    async def connect() -> _Exchange:
        _, protocol = await loop.create_connection(lambda: _Exchange(payload), address, int(port))
        opened.append(protocol)
        return protocol

    async def request() -> object:
        connection = idle.pop() if idle else await connect()
        body = await connection.exchange()
        # Only a connection that answered goes back: a failed one is dropped.
        idle.append(connection)
        return body

    try:
        yield request
    finally:
        for connection in opened:
            connection.close()


#: Every client the runner knows, in the order tables list them.
CLIENTS: Final[dict[str, Client]] = {
    "conferencing-telnyx": conferencing_telnyx,
    "conferencing-catapult": conferencing_catapult,
    "raw-aiohttp": raw_aiohttp,
    "raw-aiohttp-catapult": raw_aiohttp_catapult,
    "limit": limit,
    "telnyx-sdk-aiohttp": telnyx_sdk_aiohttp,
    "telnyx-sdk-httpx": telnyx_sdk_httpx,
}
#: The clients that need the official `telnyx` SDK.
SDK_CLIENTS: Final = frozenset({"telnyx-sdk-aiohttp", "telnyx-sdk-httpx"})


class _GCWatch:
    """Counts the cyclic garbage collector's runs per generation, and their time."""

    def __init__(self) -> None:
        self.runs = [0, 0, 0]
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.runs[info["generation"]] += 1

    def __enter__(self) -> Self:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self)


def _busy_ticks(cpu: int | None) -> int | None:
    """Busy clock ticks of one CPU (all CPUs when None) from /proc/stat; None elsewhere."""
    label = "cpu" if cpu is None else f"cpu{cpu}"
    try:
        with open("/proc/stat", encoding="ascii") as stat:  # noqa: PTH123 - one read, hot-path free
            for line in stat:
                fields = line.split()
                if fields[0] == label:
                    # user nice system idle iowait irq softirq steal: all but idle and iowait.
                    values = [int(v) for v in fields[1:9]]
                    return sum(values) - values[3] - values[4]
    except (OSError, ValueError, IndexError):
        return None
    return None


def percentile(ordered: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an ascending list (NaN when empty)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


async def _drive(
    request: Request, total: int, concurrency: int, time_limit: float
) -> tuple[list[float], int, str | None, int, float]:
    """Run up to `total` requests from `concurrency` lanes; stop starting new ones at the limit.

    Returns latencies, errors, the first error, requests cut off at the hard
    limit, and the wall time.
    """
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    started_count = 0
    clock = time.perf_counter
    started = clock()
    deadline = started + time_limit

    async def lane() -> None:
        nonlocal started_count, errors, first_error
        while started_count < total and clock() < deadline:
            started_count += 1
            begun = clock()
            try:
                await request()
            except Exception as exc:  # noqa: BLE001 - every failure counts, whatever it is
                errors += 1
                if first_error is None:
                    first_error = f"{type(exc).__name__}: {exc}"[:_ERROR_CHARS]
            else:
                latencies.append(clock() - begun)

    tasks = [asyncio.create_task(lane()) for _ in range(concurrency)]
    # Requests in flight at the deadline may finish, within a grace period.
    grace = max(5.0, time_limit / 2)
    _, pending = await asyncio.wait(tasks, timeout=time_limit + grace)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    wall = clock() - started
    cut = started_count - len(latencies) - errors
    return latencies, errors, first_error, cut, wall


async def run(
    client: str,
    origin: str,
    *,
    requests: int,
    concurrency: int,
    time_limit: float,
    profile: str | None = None,
    cpu: int | None = None,
) -> dict[str, Any]:
    """Open `client`, warm it up, run the measured requests, and describe the run.

    With `cpu` (the CPU this process is pinned to), the result also says how
    much of that CPU other processes used during the run (`contention`);
    `machine_busy_s` is the CPU time all processes used meanwhile, from which
    the runner tells how busy the rest of the machine was.
    """
    async with CLIENTS[client](origin) as request:
        # One request per lane opens the connections and fills every cache.
        warm, warm_errors, warm_error, _, _ = await _drive(
            request, concurrency, concurrency, max(1.0, time_limit / 3)
        )
        if warm_errors and not warm:
            raise RuntimeError(f"{client}: every warm-up request failed: {warm_error}")
        profiler = cProfile.Profile() if profile else None
        ticks_before = _busy_ticks(cpu) if cpu is not None else None
        machine_before = _busy_ticks(None)
        cpu_before = time.process_time()
        if profiler is not None:
            profiler.enable()
        with _GCWatch() as collector:
            latencies, errors, first_error, cut, wall = await _drive(
                request, requests, concurrency, time_limit
            )
        if profiler is not None:
            profiler.disable()
        cpu_used = time.process_time() - cpu_before
        ticks_after = _busy_ticks(cpu) if cpu is not None else None
        machine_after = _busy_ticks(None)
        if profiler is not None and profile:
            profiler.dump_stats(profile)
    done = len(latencies)
    attempted = done + errors + cut
    latencies.sort()
    contention = machine_busy = None
    tick = os.sysconf("SC_CLK_TCK")
    if ticks_before is not None and ticks_after is not None and wall > 0:
        contention = max(0.0, (ticks_after - ticks_before) / tick - cpu_used) / wall
    if machine_before is not None and machine_after is not None:
        machine_busy = (machine_after - machine_before) / tick
    return {
        "client": client,
        "concurrency": concurrency,
        "requests": requests,
        "warmup": len(warm) + warm_errors,
        "completed": done,
        "errors": errors + cut,
        "first_error": first_error or (f"{cut} requests cut at the time limit" if cut else None),
        "time_capped": attempted < requests or cut > 0,
        "wall_s": wall,
        "cpu_s": cpu_used,
        "contention": contention,
        "machine_busy_s": machine_busy,
        "rps": done / wall if wall > 0 else 0.0,
        "cpu_us_per_request": cpu_used / max(attempted, 1) * 1e6,
        "gc_us_per_request": collector.seconds / max(attempted, 1) * 1e6,
        "gc_runs": collector.runs,
        "heap_objects": len(gc.get_objects()),
        "latency_ms": {
            "mean": sum(latencies) / done * 1000 if done else math.nan,
            "p50": percentile(latencies, 0.50) * 1000,
            "p90": percentile(latencies, 0.90) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "max": (latencies[-1] if latencies else math.nan) * 1000,
        },
    }


def _run_loop(coroutine: Coroutine[Any, Any, dict[str, Any]], loop: str) -> dict[str, Any]:
    if loop == "uvloop":
        import uvloop  # noqa: PLC0415 - only when asked for, in this process only

        result: dict[str, Any] = uvloop.run(coroutine)
        return result
    return asyncio.run(coroutine)


def command(
    client: str, origin: str, *, requests: int, concurrency: int, time_limit: float
) -> list[str]:
    """The command line that runs one benchmark in a fresh process (from the repository root)."""
    return [
        sys.executable,
        "-m",
        "benchmarks._worker",
        "--client",
        client,
        "--origin",
        origin,
        "--requests",
        str(requests),
        "--concurrency",
        str(concurrency),
        "--time-limit",
        str(time_limit),
    ]


def main(argv: list[str] | None = None) -> None:
    """Run one benchmark and print `RESULT {json}`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", required=True, choices=sorted(CLIENTS))
    parser.add_argument("--origin", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds")
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    parser.add_argument("--profile", default=None, help="write cProfile stats of the run here")
    args = parser.parse_args(argv)
    if not args.origin.startswith("http://127.0.0.1:"):
        parser.error("the benchmark only talks to 127.0.0.1")
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    result = _run_loop(
        run(
            args.client,
            args.origin,
            requests=args.requests,
            concurrency=args.concurrency,
            time_limit=args.time_limit,
            profile=args.profile,
            cpu=args.cpu,
        ),
        args.loop,
    )
    result["loop"] = args.loop
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
