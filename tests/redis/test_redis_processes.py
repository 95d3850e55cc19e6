"""Four processes, one Redis: one account's pace kept together, one handling per event."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import aiohttp
from redis_support import KEY_A, KEY_B, KEY_C, most_in_any_second, paced_emulator

pytest_plugins = ["redis_fixtures"]

WORKER = Path(__file__).with_name("redis_worker.py")
PROCESSES = 4
RATE = 20
#: Seconds any one step of a worker may take before the test gives up on it.
STEP = 30.0


class Worker:
    """One `redis_worker.py` process: JSON lines out, a line in to go on."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def said(self) -> dict[str, Any]:
        """Its next JSON line."""
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), STEP)
        assert line, "the worker exited without a word"
        message: dict[str, Any] = json.loads(line)
        return message

    def go(self) -> None:
        """Tell it to go on (or to stop, in receive mode)."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"go\n")


@contextlib.asynccontextmanager
async def workers(configs: Sequence[dict[str, Any]]) -> AsyncIterator[list[Worker]]:
    """Start one worker per config, wait until each is ready; kill any left at the end."""
    started = [
        Worker(
            await asyncio.create_subprocess_exec(
                sys.executable,
                str(WORKER),
                json.dumps(config),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
        )
        for config in configs
    ]
    try:
        yield started
        for worker in started:
            assert 0 == await asyncio.wait_for(worker.process.wait(), STEP)
    finally:
        for worker in started:
            if worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()


async def test_four_processes_keep_one_accounts_pace_together(
    redis_url: str, namespace: str
) -> None:
    """At 20/s shared: at most 20 +- 1 in any second at the emulator, no 429, B not slowed by A."""
    per_process = {KEY_A: 15, KEY_B: 5}  # account A: 60 requests, 3 s; B: 20 requests, 1 s
    config = {
        "mode": "pace",
        "redis_url": redis_url,
        "namespace": namespace,
        "rate": RATE,
        "jobs": [{"key": key, "count": count} for key, count in per_process.items()],
        # A process's first request opens its connection and runs cold code:
        # it arrives some 10 ms late, which is the harness's start, not pacing.
        "warm_key": KEY_C,
    }
    async with paced_emulator(RATE) as emu:
        config["base_url"] = emu.telnyx_url
        async with workers([config] * PROCESSES) as started:
            for worker in started:
                assert {"ready": True} == await worker.said()
            for worker in started:
                worker.go()
            reports = [await worker.said() for worker in started]
        arrivals = emu.arrivals()
        stats = emu.stats

    errors = [error for report in reports for job in report["jobs"] for error in job["errors"]]
    assert [] == errors
    assert 0 == stats.rate_limited
    by_account: dict[str | None, list[float]] = {}
    for arrival in arrivals:
        by_account.setdefault(arrival.account, []).append(arrival.at)
    times_a = by_account[hashlib.sha256(KEY_A.encode()).hexdigest()[:16]]
    times_b = by_account[hashlib.sha256(KEY_B.encode()).hexdigest()[:16]]
    assert (60, 20) == (len(times_a), len(times_b))
    assert most_in_any_second(times_a) <= RATE + 1
    assert most_in_any_second(times_b) <= RATE + 1
    # 60 requests at 20/s span about 3 s; had B shared A's pace, its 20 would
    # have been spread over the same 4 s as A's. Alone, they take about 1 s.
    assert max(times_a) - min(times_a) >= 2.9
    assert max(times_b) - min(times_b) < 2.0
    ordered = sorted(times_a)
    tightest = min(later - ordered[i] for i, later in enumerate(ordered[RATE:]))
    sys.stderr.write(
        f"4 processes at {RATE}/s: A {len(times_a)} requests over "
        f"{max(times_a) - min(times_a):.3f} s, at most {most_in_any_second(times_a)} in any "
        f"second, {RATE + 1} in a row over {tightest * 1000:.1f} ms at least; B over "
        f"{max(times_b) - min(times_b):.3f} s, at most {most_in_any_second(times_b)} in any "
        "second\n"
    )


async def test_a_process_pacing_an_account_at_another_rate_sends_nothing(
    redis_url: str, namespace: str
) -> None:
    """A process at 200/s beside one at 20/s (a stale deploy): its requests are all refused."""
    config: dict[str, Any] = {
        "mode": "pace",
        "redis_url": redis_url,
        "namespace": namespace,
        "jobs": [{"key": KEY_A, "count": 5}],
        "warm_key": KEY_C,
    }
    async with paced_emulator(RATE) as emu:
        config["base_url"] = emu.telnyx_url
        async with workers([{**config, "rate": RATE}, {**config, "rate": 10 * RATE}]) as started:
            right, stale = started
            for worker in started:
                assert {"ready": True} == await worker.said()
            right.go()
            first = await right.said()
            stale.go()  # while the bucket right paces is live in Redis
            second = await stale.said()
        arrivals = emu.arrivals()
        stats = emu.stats

    assert [] == first["jobs"][0]["errors"]
    assert ["ConfigurationError"] * 5 == second["jobs"][0]["errors"]
    account_a = hashlib.sha256(KEY_A.encode()).hexdigest()[:16]
    assert 5 == len([arrival for arrival in arrivals if arrival.account == account_a])
    assert 0 == stats.rate_limited


CALLBACK = {
    "conferenceId": "c-redelivered",
    "conferenceUri": "https://api.catapult.inetwork.com/v1/users/u-1/conferences/c-redelivered",
    "eventType": "conference",
    "status": "created",
    "createdTime": "2013-07-12T16:26:55.685-02:00",
}


async def test_a_redelivered_event_is_handled_once_across_four_receivers(
    redis_url: str, namespace: str
) -> None:
    """The same callback, delivered three times to each of four receivers, is handled once."""
    config = {
        "mode": "receive",
        "redis_url": redis_url,
        "namespace": namespace,
        "username": "hooks",
        "password": "hook-secret",
    }
    credentials = base64.b64encode(b"hooks:hook-secret").decode()
    headers = {"Authorization": f"Basic {credentials}", "Content-Type": "application/json"}
    body = json.dumps(CALLBACK).encode()
    async with workers([config] * PROCESSES) as started:
        urls = [(await worker.said())["ready"] for worker in started]
        async with aiohttp.ClientSession() as session:

            async def deliver(url: str) -> int:
                async with session.post(url, data=body, headers=headers) as response:
                    return response.status

            statuses = await asyncio.gather(*(deliver(url) for url in urls * 3))
        for worker in started:
            worker.go()
        reports = [await worker.said() for worker in started]

    assert [200] * 12 == statuses
    handled = [event_id for report in reports for event_id in report["handled"]]
    assert 1 == len(handled)
    assert 11 == sum(report["counts"].get("duplicate", 0) for report in reports)
