"""Instructions per request, counted by valgrind's callgrind: exact, whatever the machine does.

Requests per second on a shared two-core machine move by 5-10 % from run to
run; instruction counts do not. Each client runs twice under callgrind
against the fixed-answer server, with a small and a larger number of
requests; the difference of the two totals, divided by the difference of
the request counts, is what one more request costs, with start-up, imports
and warm-up cancelled out. The send path was tuned with this; confirm what
it finds with the main runner, since instructions are not time (system
calls and cache misses are not counted).

    python -m benchmarks.instructions [--clients ...] [--concurrency 32] [--requests 1000,3000]

Needs `valgrind` (Debian's package); each run takes 10-30 s.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from ._server import FixedAnswerServer
from ._worker import CLIENTS
from ._worker import command as worker_command

__all__ = ["count", "main"]

_ROOT: Final = Path(__file__).resolve().parent.parent
_DEFAULT_CLIENTS: Final = (
    "conferencing-telnyx",
    "raw-aiohttp",
    "conferencing-catapult",
    "raw-aiohttp-catapult",
)
_COLLECTED: Final = re.compile(r"Collected : (\d+)")
#: Seconds one run under callgrind may take (it runs about 50 times slower).
_RUN_SECONDS: Final = 600


def count(valgrind: str, origin: str, client: str, requests: int, concurrency: int) -> int:
    """Instructions callgrind counted in one worker process making `requests` requests."""
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/callgrind.out",
                *worker_command(
                    client,
                    origin,
                    requests=requests,
                    concurrency=concurrency,
                    time_limit=_RUN_SECONDS,
                ),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=_ROOT,
            timeout=_RUN_SECONDS * 2,
        )
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{client}: callgrind run failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    """Print instructions per request for each client."""
    parser = argparse.ArgumentParser(description="Instructions per request, counted by callgrind.")
    parser.add_argument("--clients", default=",".join(_DEFAULT_CLIENTS))
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--requests", default="1000,3000", help="the two run sizes")
    parser.add_argument("--server", choices=["auto", "nginx", "aiohttp"], default="auto")
    args = parser.parse_args(argv)
    clients = [name for name in args.clients.split(",") if name]
    unknown = [name for name in clients if name not in CLIENTS]
    if unknown:
        parser.error(f"unknown clients: {', '.join(unknown)}; known: {', '.join(CLIENTS)}")
    small, large = (int(n) for n in args.requests.split(","))
    if not 0 < small < large:
        parser.error("--requests takes two sizes, the smaller first")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    with FixedAnswerServer(args.server) as server:
        print(f"server: {server.label}; concurrency {args.concurrency}; {small} and {large}")
        for client in clients:
            first = count(valgrind, server.url, client, small, args.concurrency)
            second = count(valgrind, server.url, client, large, args.concurrency)
            per_request = (second - first) / (large - small)
            print(f"{client:24} {per_request:10,.0f} instructions per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
