"""The benchmark's verdicts: the server's headroom, who set a rate, and the targets.

These judge the published figures, so a wrong verdict misleads a reader of
`benchmarks/results/latest.md`; they are checked on made-up runs here.
"""

from __future__ import annotations

from typing import Any

from benchmarks import _report


def _run(client: str, rps: float, cpu_us: float, *, concurrency: int = 32) -> dict[str, Any]:
    return {
        "client": client,
        "concurrency": concurrency,
        "rps": rps,
        "cpu_us_per_request": cpu_us,
        "gc_us_per_request": 0.0,
        "latency_ms": {"p50": 1.0, "p99": 1.5},
        "completed": 20_000,
        "errors": 0,
        "time_capped": False,
        "server_cpu_us": 10.0,
        "first_error": None,
    }


def _meta(capacity: float, check: dict[str, Any], loop: str = "asyncio") -> dict[str, Any]:
    return {
        "command": "python -m benchmarks",
        "date": "2026-11-26 00:00 UTC",
        "commit": "0000000",
        "requests": 20_000,
        "time_limit": 30.0,
        "repeat": 1,
        "loop": loop,
        "client_cpu": "CPU 0",
        "server": {
            "label": "nginx",
            "cpu_us_per_request": 10.0,
            "capacity": {
                "rps": capacity,
                "saturated": True,
                "load": "wrk",
                "rps_driven": capacity,
                "seconds": 5.0,
                "server_kernel_share": 0.8,
            },
            "headroom": check,
        },
        "machine": {
            "cpu_model": "test",
            "cpus": 2,
            "python": "3.11",
            "versions": {},
            "platform": "Linux",
        },
        "notes": [],
    }


def test_a_row_below_the_headroom_whose_client_core_was_saturated_is_the_clients_own() -> None:
    # 35,000 req/s at 28 µs each: the client's core was 98 % busy.
    summaries = _report.summarize([_run("limit", 35_000, 28.0)])
    rows = _report.headroom(summaries, capacity=140_000)
    assert rows[0]["headroom"] == 4.0
    assert rows[0]["client_busy"] == 0.98
    assert rows[0]["client_bound"]
    assert _report.unexplained(rows) == []


def test_a_row_below_the_headroom_whose_client_waited_is_named() -> None:
    # 35,000 req/s at 20 µs each: the client was idle 30 % of the time, waiting.
    summaries = _report.summarize([_run("limit", 35_000, 20.0), _run("raw-aiohttp", 9_000, 110.0)])
    rows = _report.headroom(summaries, capacity=140_000)
    assert _report.unexplained(rows) == ["limit"]
    check = {
        "client": "limit",
        "concurrency": 32,
        "rps": 35_000,
        "ratio": 4.0,
        "met": False,
        "unexplained": ["limit"],
    }
    page = _report.markdown(summaries, _meta(140_000, check), None)
    assert "the rows of limit (minimal asyncio client) measure the server" in page
    assert "| limit (minimal asyncio client) | 32 | 35,000 | 4.0x | **no** | 70 % |" in page
    assert "**client and server**" in page


def test_a_row_with_five_times_the_headroom_needs_no_other_evidence() -> None:
    summaries = _report.summarize([_run("raw-aiohttp", 9_000, 60.0)])
    rows = _report.headroom(summaries, capacity=140_000)
    assert not rows[0]["client_bound"]
    assert _report.unexplained(rows) == []


def test_targets_ask_twice_raw_aiohttp_and_cpu_within_two_and_a_half_times_the_limit() -> None:
    summaries = _report.summarize(
        [
            _run("conferencing-telnyx", 19_000, 52.0),
            _run("raw-aiohttp", 10_000, 100.0),
            _run("limit", 33_000, 30.0),
            _run("conferencing-catapult", 19_000, 80.0),
            _run("raw-aiohttp-catapult", 10_000, 100.0),
        ]
    )
    checks = {c["client"]: c for c in _report.targets(summaries)}
    assert checks["conferencing-telnyx"]["vs_raw"] == 1.9
    assert not checks["conferencing-telnyx"]["vs_raw_met"]
    assert round(checks["conferencing-telnyx"]["cpu_vs_limit"], 2) == 1.73
    assert checks["conferencing-telnyx"]["cpu_vs_limit_met"]
    assert round(checks["conferencing-catapult"]["cpu_vs_limit"], 2) == 2.67
    assert not checks["conferencing-catapult"]["cpu_vs_limit_met"]


def test_on_uvloop_the_cpu_target_is_shown_but_not_judged() -> None:
    summaries = _report.summarize(
        [_run("conferencing-telnyx", 19_000, 52.0), _run("limit", 90_000, 11.0)]
    )
    check = {"ratio": None, "met": False}
    page = _report.markdown(summaries, _meta(140_000, check, loop="uvloop"), None)
    targets = page[page.index("## Targets") :]
    row = next(line for line in targets.splitlines() if line.startswith("| conferencing-telnyx |"))
    assert row.endswith("| 4.73x | - |")
