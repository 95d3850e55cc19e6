"""How many requests per second the fixed-answer server can answer: its headroom.

A client's rate means something only while the server is far from its own
limit. The runner loads the server for a few seconds on the clients' CPUs
and measures the server's CPU time meanwhile (psutil): one server process
answering at `µs` of CPU per request can answer at most `1e6 / µs` requests
per second on its one core. While the load keeps it below a full core (two
cores shared by load and server cannot do better), that is an
extrapolation, and a cautious one: an event-loop server spends less per
request, not more, the busier it gets.

The load comes from `wrk` when installed (C, the cheapest load generator),
else from the limit client (`benchmarks._worker`, the minimal asyncio
client) at high concurrency in several processes.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from . import _fixtures
from ._server import FixedAnswerServer, pinned_to
from ._worker import command as worker_command

__all__ = ["HEADROOM", "Capacity", "describe", "measure"]

#: The issue's rule: the server answers at least 5x the fastest client measured.
HEADROOM: Final = 5.0
#: Above this share of its core, the server was saturated: the rate was measured, not projected.
_SATURATED: Final = 0.9
_WRK_CONNECTIONS: Final = 128
_LIMIT_CONCURRENCY: Final = 256
_LIMIT_PROCESSES: Final = 3

Capacity = dict[str, Any]

_WRK_SCRIPT: Final = """\
wrk.method = "POST"
wrk.body = {body}
wrk.headers["Authorization"] = {authorization}
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"
"""


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string of ASCII text is a valid Lua string


def _wrk(wrk: str, url: str, seconds: float, tmp: Path) -> tuple[int, int, str]:
    """Run wrk with the Telnyx POST; (responses, non-2xx or socket errors, the load's name)."""
    script = tmp / "post.lua"
    script.write_text(
        _WRK_SCRIPT.format(
            body=_lua_string(json.dumps(_fixtures.TELNYX_FIELDS)),
            authorization=_lua_string(f"Bearer {_fixtures.TELNYX_API_KEY}"),
        )
    )
    duration = max(1, round(seconds))
    done = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{_WRK_CONNECTIONS}",
            f"-d{duration}s",
            "-s",
            str(script),
            url + _fixtures.TELNYX_PATH,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=duration + 60,
    )
    found = re.search(r"(\d+) requests in ", done.stdout)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed (exit {done.returncode}): {done.stderr[-500:]}")
    # "Non-2xx or 3xx responses: N" and "Socket errors: connect N, read N, write N, timeout N".
    failures = re.findall(r"(?:responses|connect|read|write|timeout):? (\d+)", done.stdout)
    errors = sum(int(n) for n in failures)
    return int(found.group(1)), errors, f"wrk, 1 thread, {_WRK_CONNECTIONS} connections"


def _limit_processes(
    url: str, seconds: float, loop: str, cpu: int | None, root: Path
) -> tuple[int, int, str]:
    """The limit client at high concurrency in several processes at once."""
    command = worker_command(
        "limit", url, requests=10**9, concurrency=_LIMIT_CONCURRENCY, time_limit=seconds
    )
    command += ["--loop", loop]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    processes = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=root
        )
        for _ in range(_LIMIT_PROCESSES)
    ]
    served = errors = 0
    for process in processes:
        try:
            out, err = process.communicate(timeout=3 * seconds + 60)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
        lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
        if process.returncode != 0 or not lines:
            raise RuntimeError(f"the limit client failed (exit {process.returncode}): {err[-500:]}")
        result = json.loads(lines[-1].removeprefix("RESULT "))
        served += result["warmup"] + result["completed"] + result["errors"]
        errors += result["errors"]
    name = (
        f"the limit client on {loop}, {_LIMIT_PROCESSES} processes x "
        f"{_LIMIT_CONCURRENCY} connections"
    )
    return served, errors, name


def measure(
    server: FixedAnswerServer,
    *,
    seconds: float,
    cpu: int | None,
    loop: str,
    root: Path,
) -> Capacity:
    """Load the server for about `seconds`; its CPU per request and what one core can answer."""
    wrk = shutil.which("wrk")
    split_before = server.cpu_split()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="conferencing-bench-load-") as tmp, pinned_to(cpu):
        if wrk is not None:
            served, errors, load = _wrk(wrk, server.url, seconds, Path(tmp))
        else:
            served, errors, load = _limit_processes(server.url, seconds, loop, cpu, root)
    wall = time.perf_counter() - started
    split_after = server.cpu_split()
    rate = served / wall if wall > 0 else 0.0
    share = us = capacity = kernel_share = None
    if split_before is not None and split_after is not None and served:
        kernel = split_after[1] - split_before[1]
        used = split_after[0] - split_before[0] + kernel
        kernel_share = kernel / used if used > 0 else None
        share = used / wall if wall > 0 else None
        us = used / served * 1e6
        capacity = 1e6 / us if us > 0 else math.inf
        if share is not None and share >= _SATURATED:
            capacity = max(capacity, rate)
    return {
        "load": load,
        "seconds": round(wall, 2),
        "requests": served,
        "errors": errors,
        "rps_driven": rate,
        "server_cpu_share": share,
        "server_cpu_us": us,
        "server_kernel_share": kernel_share,
        "rps": capacity,
        "saturated": share is not None and share >= _SATURATED,
        "method": "measured" if share is not None and share >= _SATURATED else "projected",
    }


def describe(capacity: Mapping[str, Any]) -> str:
    """One sentence: how the capacity was found, and the figure."""
    if capacity.get("rps") is None:
        return (
            f"server capacity unknown (psutil missing): {capacity['load']} drove "
            f"{capacity['rps_driven']:,.0f} req/s"
        )
    how = (
        "measured at saturation"
        if capacity["saturated"]
        else f"projected: it used {capacity['server_cpu_share']:.0%} of its core meanwhile"
    )
    return (
        f"server capacity {capacity['rps']:,.0f} req/s on its one core "
        f"({capacity['server_cpu_us']:.1f} µs of server CPU per request"
        + (
            f", {capacity['server_kernel_share']:.0%} of it in the kernel"
            if capacity.get("server_kernel_share") is not None
            else ""
        )
        + f"; {how}); load: "
        f"{capacity['load']} drove {capacity['rps_driven']:,.0f} req/s for "
        f"{capacity['seconds']:g} s"
        + (f", {capacity['errors']:,} errors" if capacity["errors"] else "")
    )
