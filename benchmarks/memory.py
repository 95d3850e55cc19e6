"""Peak memory of `create_many` at 10,000 and 100,000 requests.

`create_many` reads its input lazily and keeps only `concurrency` requests
in flight, so its peak memory should not grow with the input's length. Each
size runs in a fresh process against the fixed-answer server (nginx when
installed), and the process reports its peak resident set size.

    python -m benchmarks.memory [--sizes 10000,100000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks._fixtures import TELNYX_API_KEY, TELNYX_FIELDS
from benchmarks._server import FixedAnswerServer

__all__ = ["main"]


def _requests(count: int) -> Iterator[dict[str, str]]:
    for _ in range(count):
        yield dict(TELNYX_FIELDS)


async def _run(origin: str, count: int, concurrency: int) -> dict[str, Any]:
    from conferencing import NO_RETRY, SessionPool, TelnyxClient, create_many  # noqa: PLC0415

    started = time.perf_counter()
    async with SessionPool(max_connections=concurrency) as pool:
        client = TelnyxClient(
            api_key=TELNYX_API_KEY, base_url=origin + "/v2", pool=pool, retry=NO_RETRY
        )
        async with create_many(client, _requests(count), concurrency=concurrency) as run:
            async for _ in run:
                pass
    elapsed = time.perf_counter() - started
    # ru_maxrss is in KiB on Linux.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    summary = run.summary
    return {
        "requests": count,
        "created": summary.created,
        "failed": summary.failed,
        "seconds": round(elapsed, 2),
        "peak_rss_bytes": peak,
    }


def _worker(origin: str, count: int, concurrency: int) -> None:
    print(json.dumps(asyncio.run(_run(origin, count, concurrency))))


def main(argv: list[str] | None = None) -> int:
    """Run each size in its own process and print (and save) the comparison."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--server", choices=("auto", "nginx", "aiohttp"), default="auto")
    parser.add_argument("--out", default="benchmarks/results/memory.json")
    parser.add_argument("--worker", nargs=3, metavar=("ORIGIN", "COUNT", "CONCURRENCY"))
    args = parser.parse_args(argv)
    if args.worker:
        origin, count, concurrency = args.worker
        _worker(origin, int(count), int(concurrency))
        return 0

    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    with FixedAnswerServer(args.server) as server:
        for size in sizes:
            done = subprocess.run(
                [sys.executable, "-m", "benchmarks.memory", "--worker", server.url,
                 str(size), str(args.concurrency)],
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            )  # fmt: skip
            result = json.loads(done.stdout.strip().splitlines()[-1])
            result["server"] = server.label
            results.append(result)
            print(
                f"{size:>8,} requests: peak RSS {result['peak_rss_bytes'] / 2**20:6.1f} MiB, "
                f"{result['created']:,} created, {result['failed']:,} failed, "
                f"{result['seconds']} s ({server.label})"
            )
    if len(results) > 1:
        ratio = results[-1]["peak_rss_bytes"] / results[0]["peak_rss_bytes"]
        print(f"peak RSS at {sizes[-1]:,} / at {sizes[0]:,}: {ratio:.3f}x (target <= 1.2x)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
