"""cProfile of one client's hot path against the fixed-answer server.

`python -m benchmarks.profiling [--client conferencing-telnyx] [--concurrency 128]`
runs one worker under cProfile (measured phase only, after warm-up), then
prints where the time goes: self time by package (ours, aiohttp, asyncio,
...), the top functions by cumulative time and by self time. The text also
goes to `benchmarks/results/profile-<client>-c<concurrency>.txt`.

cProfile slows Python code down more than C code, so read shares, not rates.
"""

from __future__ import annotations

import argparse
import io
import pstats
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from ._server import FixedAnswerServer
from ._worker import CLIENTS

__all__ = ["by_package", "main"]

_ROOT: Final = Path(__file__).resolve().parent.parent
#: Path fragments naming a package, most specific first.
_PACKAGES: Final = (
    ("/conferencing/", "conferencing (ours)"),
    ("/aiohttp/", "aiohttp"),
    ("/yarl/", "yarl"),
    ("/multidict/", "multidict"),
    ("/cattrs/", "cattrs"),
    ("/attr/", "attrs"),
    ("/telnyx/", "telnyx SDK"),
    ("/httpx/", "httpx"),
    ("/httpcore/", "httpcore"),
    ("/httpx_aiohttp/", "httpx_aiohttp"),
    ("/pydantic", "pydantic"),
    ("/anyio/", "anyio"),
    ("/asyncio/", "asyncio"),
    ("/json/", "json"),
    ("/benchmarks/", "benchmark driver"),
)


def _package(filename: str, name: str) -> str:
    if filename == "~":
        # C functions: socket calls, selectors, builtins; cProfile names them only.
        if "socket" in name or "select" in name or "epoll" in name:
            return "C: sockets and epoll"
        return "C: builtins and extension methods"
    for fragment, package in _PACKAGES:
        if fragment in filename:
            return package
    if "site-packages" in filename:
        return "other site-packages"
    if "<" in filename:
        return "generated (attrs/cattrs)"
    return "other stdlib"


def by_package(stats: pstats.Stats) -> list[tuple[str, float, float]]:
    """Self time per package: (package, seconds, share of the total)."""
    totals: dict[str, float] = {}
    table = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in table.items():
        package = _package(filename, name)
        totals[package] = totals.get(package, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    return sorted(
        ((package, seconds, seconds / whole) for package, seconds in totals.items()),
        key=lambda row: -row[1],
    )


def report(path: Path, top: int, requests: int) -> str:
    """The text report of one profile file."""
    stats = pstats.Stats(str(path))
    out = io.StringIO()
    total = sum(row[1] for row in by_package(stats))
    out.write(f"Self time by package ({total:.2f} s under cProfile, ")
    out.write(f"{total / max(requests, 1) * 1e6:.0f} µs per request):\n")
    for package, seconds, share in by_package(stats):
        out.write(f"  {package:36} {seconds:7.3f} s  {share:6.1%}\n")
    for key, title in (("cumulative", "cumulative"), ("tottime", "self (tottime)")):
        out.write(f"\nTop {top} by {title}:\n")
        listing = io.StringIO()
        pstats.Stats(str(path), stream=listing).strip_dirs().sort_stats(key).print_stats(top)
        text = listing.getvalue()
        start = text.find("   ncalls")
        out.write(text[start:] if start >= 0 else text)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    """Profile one client at one concurrency and print the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", default="conferencing-telnyx", choices=sorted(CLIENTS))
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--server", choices=["auto", "nginx", "aiohttp"], default="auto")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, FixedAnswerServer(args.server) as server:
        stats_path = Path(tmp) / "run.pstats"
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks._worker",
                "--client",
                args.client,
                "--origin",
                server.url,
                "--requests",
                str(args.requests),
                "--concurrency",
                str(args.concurrency),
                "--time-limit",
                "120",
                "--profile",
                str(stats_path),
            ],
            capture_output=True,
            text=True,
            check=False,
            cwd=_ROOT,
            timeout=600,
        )
        if done.returncode != 0:
            sys.exit(f"the worker failed:\n{done.stderr[-2000:]}")
        header = (
            f"cProfile: {args.client}, concurrency {args.concurrency}, "
            f"{args.requests:,} requests, server {server.label}\n\n"
        )
        text = header + report(stats_path, args.top, args.requests)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"profile-{args.client}-c{args.concurrency}.txt"
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
