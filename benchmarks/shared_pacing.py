"""What shared pacing costs per request: a `RedisStore` bucket against a local one.

`python -m benchmarks.shared_pacing` sends `TelnyxClient.create_conference`
requests to the fixed-answer server (nginx when installed), three ways, the
rate limit so high that pacing never waits:

* ``unpaced``: no `rate_limit`, the floor;
* ``local``: `rate_limit=RateLimit(1_000_000)`, aiolimiter's bucket in this process;
* ``shared``: the same limit, the pool's `rate_store` a `RedisStore` on a
  redis-server on loopback (its own, or `--redis-url`): one server-side
  script (one round trip) per request.

Each runs `--requests` requests after a warm-up, at each `--concurrency`,
`--repeat` times, the three interleaved; the table gives the medians of
wall time per request, client CPU per request (`time.process_time`) and,
for ``shared``, Redis's CPU per request (from `INFO cpu`), and how much
each adds to ``unpaced``. `--out FILE` writes the table as Markdown.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from conferencing import RateLimit, SessionPool, TelnyxClient
from conferencing.redis import RedisStore

from . import _fixtures
from ._runner import _commit, _cpu_model
from ._server import FixedAnswerServer

__all__ = ["main", "measure"]

MODES: Final = ("unpaced", "local", "shared")
#: So high that no bucket ever makes a request wait: what is measured is the bucket's own cost.
NEVER_WAITS: Final = RateLimit(1_000_000)
WARM_UP: Final = 200


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _redis_server() -> Iterator[str]:
    """A redis-server of our own on loopback, no persistence; its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="conferencing-bench-redis-") as directory:
        command = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", ""]
        command += ["--appendonly", "no", "--dir", directory, "--loglevel", "warning"]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                        sock.sendall(b"PING\r\n")
                        if sock.recv(16).startswith(b"+PONG"):
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise SystemExit("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(10)


async def _redis_cpu(store: RedisStore) -> float:
    """Redis's CPU seconds so far (user + system, main thread and all)."""
    info = await store._client.info("cpu")  # noqa: SLF001 - a benchmark looks inside
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


async def _run(
    mode: str, origin: str, redis_url: str, requests: int, concurrency: int
) -> dict[str, float]:
    """One measured run: `requests` creations, `concurrency` at a time."""
    namespace = f"bench-{os.getpid()}-{time.time_ns()}"
    async with (
        RedisStore(redis_url, namespace=namespace) as store,
        SessionPool(rate_store=store if mode == "shared" else None) as pool,
    ):
        client = TelnyxClient(
            _fixtures.TELNYX_API_KEY,
            base_url=origin + "/v2",
            pool=pool,
            retry=None,
            rate_limit=None if mode == "unpaced" else NEVER_WAITS,
        )
        fields: dict[str, Any] = _fixtures.TELNYX_FIELDS
        left = WARM_UP

        async def worker() -> None:
            nonlocal left
            while left > 0:
                left -= 1
                await client.create_conference(**fields)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        left = requests
        redis_before = await _redis_cpu(store) if mode == "shared" else 0.0
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        redis_after = await _redis_cpu(store) if mode == "shared" else 0.0
    return {
        "wall_us": wall / requests * 1e6,
        "cpu_us": cpu / requests * 1e6,
        "redis_cpu_us": (redis_after - redis_before) / requests * 1e6,
    }


def measure(
    origin: str, redis_url: str, *, requests: int, concurrencies: list[int], repeat: int
) -> list[dict[str, Any]]:
    """Rows of medians, one per (concurrency, mode)."""
    samples: dict[tuple[int, str], list[dict[str, float]]] = {}
    for concurrency in concurrencies:
        for round_ in range(repeat):
            # Interleaved, who goes first rotating: no mode profits from a quiet minute.
            order = MODES[round_ % 3 :] + MODES[: round_ % 3]
            for mode in order:
                run = asyncio.run(_run(mode, origin, redis_url, requests, concurrency))
                samples.setdefault((concurrency, mode), []).append(run)
    rows = []
    for (concurrency, mode), runs in samples.items():
        row: dict[str, Any] = {"concurrency": concurrency, "mode": mode}
        for field in ("wall_us", "cpu_us", "redis_cpu_us"):
            row[field] = statistics.median(run[field] for run in runs)
        rows.append(row)
    return sorted(rows, key=lambda row: (row["concurrency"], MODES.index(row["mode"])))


def _table(rows: list[dict[str, Any]]) -> list[str]:
    floor = {row["concurrency"]: row for row in rows if row["mode"] == "unpaced"}
    lines = [
        (
            "| Concurrency | Pacing | wall µs/req | req/s | client CPU µs/req "
            "| Redis CPU µs/req | + wall µs | + client CPU µs |"
        ),
        "|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        base = floor[row["concurrency"]]
        redis = f"{row['redis_cpu_us']:.1f}" if row["mode"] == "shared" else ""
        lines.append(
            f"| {row['concurrency']} | {row['mode']} | {row['wall_us']:.1f} "
            f"| {1e6 / row['wall_us']:,.0f} | {row['cpu_us']:.1f} | {redis} "
            f"| {row['wall_us'] - base['wall_us']:+.1f} | {row['cpu_us'] - base['cpu_us']:+.1f} |"
        )
    return lines


def _report(rows: list[dict[str, Any]], meta: dict[str, str]) -> str:
    lines = [
        "# Shared pacing: what a Redis bucket costs per request",
        "",
        (
            f"`python -m benchmarks.shared_pacing {meta['args']}` on {meta['date']} "
            f"(commit `{meta['commit']}`)."
        ),
        "",
        f"- **Server**: {meta['server']} on 127.0.0.1; **Redis**: {meta['redis']} on 127.0.0.1.",
        (
            f"- **Machine**: {meta['machine']}; load average {meta['load']} when the run "
            "began (other jobs shared the machine: compare the three ways at one "
            "concurrency, not against other results)."
        ),
        (
            "- **Clients**: `TelnyxClient.create_conference`, one process, asyncio, one "
            f"account; `RateLimit(1_000_000)` so that no bucket ever waits; {WARM_UP} warm-up "
            "requests per run; medians over repetitions, the three ways interleaved."
        ),
        "",
        *_table(rows),
        "",
        (
            "*+ wall* and *+ client CPU* are the differences from *unpaced* at the same "
            "concurrency. Within a process, one task per bucket asks Redis at a time (the "
            "others queue in order), so at high concurrency a shared bucket serves at most "
            "one request per Redis round trip."
        ),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Measure and print (and with `--out`, write) the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", default="1,32", help="comma-separated, e.g. 1,32")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--redis-url", help="use this Redis instead of starting one")
    parser.add_argument("--server", choices=["auto", "nginx", "aiohttp"], default="auto")
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    args = parser.parse_args(argv)
    concurrencies = [int(part) for part in args.concurrency.split(",")]
    load = f"{os.getloadavg()[0]:.1f}"
    with FixedAnswerServer(args.server) as server, _redis_or(args.redis_url) as redis_url:
        rows = measure(
            server.url,
            redis_url,
            requests=args.requests,
            concurrencies=concurrencies,
            repeat=args.repeat,
        )
        label = server.label
    redis_version = subprocess.run(
        ["redis-server", "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    meta = {
        "args": " ".join(argv if argv is not None else sys.argv[1:]),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit() or "?",
        "server": label,
        "redis": " ".join(redis_version[:3]) if redis_version else "redis-server",
        "load": load,
        "machine": f"{_cpu_model()}, {os.cpu_count()} CPUs; Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}",
    }
    report = _report(rows, meta)
    print(report)
    if args.out is not None:
        args.out.write_text(report)


@contextmanager
def _redis_or(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with _redis_server() as started:
        yield started


if __name__ == "__main__":
    main()
