"""Bulk creation against the emulator with faults, over real loopback sockets."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from conferencing import (
    BulkCreated,
    CatapultClient,
    OutcomeUnknownError,
    RetryPolicy,
    SessionPool,
    TelnyxClient,
    create_many,
)
from conferencing.emulator import Emulator, Faults

RETRY = RetryPolicy(attempts=8, backoff_initial=0.005, backoff_max=0.02, jitter=0.005)
# The mix: about 10% 5xx, 5% 429, 2% dropped connections, 2% answers
# lost after the conference was created.
MIX = {
    "server_error": 0.07,
    "unavailable": 0.03,
    "rate_limited": 0.05,
    "drop_connection": 0.02,
    "lost_after_success": 0.02,
}


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator(faults=Faults(seed=2024, retry_after_seconds=0, **MIX)) as emu:
        yield emu


async def test_telnyx_2000_creates_with_faults_lose_and_duplicate_nothing(
    emulator: Emulator,
) -> None:
    """Every row ends with one outcome; the emulator holds exactly the successes."""
    requests = (
        {"call_control_id": f"v3:leg-{n}", "name": f"bulk-{n}", "max_participants": 5}
        for n in range(2000)
    )
    async with SessionPool(max_connections=32) as pool:
        client = TelnyxClient(
            api_key=emulator.telnyx_api_key, base_url=emulator.telnyx_url, pool=pool, retry=RETRY
        )
        async with create_many(client, requests, concurrency=32) as run:
            results = [result async for result in run]

    assert list(range(2000)) == sorted(r.index for r in results)
    created = [r for r in results if isinstance(r, BulkCreated)]
    stats = emulator.stats
    assert len(created) == stats.telnyx_conferences_created
    names = Counter(c["name"] for c in emulator.telnyx_conferences())
    assert [] == [name for name, count in names.items() if count > 1]
    assert {r.conference.id for r in created} == {c["id"] for c in emulator.telnyx_conferences()}
    # The faults really happened, and retries absorbed them.
    assert stats.faults_injected["lost_after_success"] > 10
    assert stats.duplicates_avoided > 10
    assert 2000 == len(created)


async def test_catapult_2000_creates_with_faults_report_every_unknown(
    emulator: Emulator,
) -> None:
    """No silent duplicates: whatever exists beyond the successes was reported unknown."""
    requests = ({"from_": "+15551234567", "tag": f"row-{n}"} for n in range(2000))
    async with SessionPool(max_connections=32) as pool:
        client = CatapultClient(
            emulator.catapult_user_id,
            emulator.catapult_api_token,
            emulator.catapult_api_secret,
            base_url=emulator.catapult_url,
            pool=pool,
            retry=RETRY,
        )
        async with create_many(client, requests, concurrency=32) as run:
            results = [result async for result in run]

    assert list(range(2000)) == sorted(r.index for r in results)
    tags = Counter(c["tag"] for c in emulator.catapult_conferences())
    assert [] == [tag for tag, count in tags.items() if count > 1]
    created_tags = {f"row-{r.index}" for r in results if r.ok}
    unknown_tags = {f"row-{r.index}" for r in results if isinstance(r.error, OutcomeUnknownError)}
    assert created_tags <= set(tags)
    # Anything that exists but was not reported created was reported unknown.
    assert set(tags) - created_tags <= unknown_tags
    assert len(unknown_tags) > 0
    assert all(r.ok or isinstance(r.error, OutcomeUnknownError) for r in results)
    assert run.summary.unknown == len(unknown_tags)


def _outcomes(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # the line the kill cut short
    # The header line has no row; "sending" marks are not outcomes.
    return [r for r in records if "row" in r and r.get("outcome") != "sending"]


async def _cli(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "conferencing",
        "create-many",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_cli_resume_after_a_kill_covers_every_row_once(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Kill the CLI part-way, rerun with --resume: every row once, no duplicate conference."""
    rows = 1500
    source = tmp_path / "in.jsonl"
    source.write_text(
        "".join(
            json.dumps({"call_control_id": f"v3:leg-{n}", "name": f"resume-{n}"}) + "\n"
            for n in range(rows)
        )
    )
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "TELNYX_API_KEY": emulator.telnyx_api_key}
    emulator.faults = Faults(seed=5, slow=0.05, slow_seconds=0.05, retry_after_seconds=0)
    args = (
        "--provider", "telnyx", "--input", str(source), "--output", str(out),
        "--base-url", emulator.telnyx_url, "--concurrency", "8", "--no-progress",
    )  # fmt: skip

    first = await _cli(*args, env=env)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline and (not out.exists() or len(_outcomes(out)) < 200):  # noqa: ASYNC110 - polls a file another process writes
        await asyncio.sleep(0.05)
    first.kill()
    await first.communicate()
    written = len(_outcomes(out))
    assert 200 <= written < rows

    second = await _cli(*args, "--resume", env=env)
    _, stderr = await asyncio.wait_for(second.communicate(), 120)
    assert 0 == second.returncode, stderr.decode()

    outcomes = _outcomes(out)
    assert list(range(rows)) == sorted(r["row"] for r in outcomes)
    assert {"created"} == {r["outcome"] for r in outcomes}
    assert rows == emulator.stats.telnyx_conferences_created
    names = Counter(c["name"] for c in emulator.telnyx_conferences())
    assert rows == len(names)
    assert {1} == set(names.values())


async def test_cli_reports_bad_rows_and_exits_non_zero(emulator: Emulator, tmp_path: Path) -> None:
    """Unknown fields, broken rules and broken lines are failed outcomes, not crashes."""
    emulator.faults = Faults()
    source = tmp_path / "in.csv"
    source.write_text(
        "from_,callback_timeout,tag\n"
        "+15551234567,2000,ok\n"
        "+15551234567,10001,too-long\n"
        "not-a-number,,bad-from\n"
        "+15551234567,soon,bad-int\n"
    )
    out = tmp_path / "out.jsonl"
    env = {
        **os.environ,
        "CATAPULT_USER_ID": emulator.catapult_user_id,
        "CATAPULT_API_TOKEN": emulator.catapult_api_token,
        "CATAPULT_API_SECRET": emulator.catapult_api_secret,
    }
    proc = await _cli(
        "--provider", "catapult", "--input", str(source), "--output", str(out),
        "--base-url", emulator.catapult_url, "--rate", "0", "--no-progress",
        env=env,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)

    assert 1 == proc.returncode, stderr.decode()
    by_row = {r["row"]: r for r in _outcomes(out)}
    assert "created" == by_row[0]["outcome"]
    assert by_row[0]["id"]
    assert "callback_timeout" == by_row[1]["error"]["field"]
    assert "from_" == by_row[2]["error"]["field"]
    assert "callback_timeout" == by_row[3]["error"]["field"]
    assert 1 == emulator.stats.catapult_conferences_created
    assert "created" in stdout.decode()
    assert emulator.catapult_api_secret not in stdout.decode() + stderr.decode()
