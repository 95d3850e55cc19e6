"""`conferencing demo`: the library against the embedded emulator of both providers.

It creates a batch of conferences on each provider while the emulator
injects faults, then checks the emulator's own count against what the
library reported: every conference reported is there, and none is there
twice.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from tqdm import tqdm

from ._bulk import BulkRun, create_many
from ._cli import print_summary
from ._pool import SessionPool
from ._retry import RetryPolicy
from .catapult import CatapultClient
from .emulator import Emulator, Faults
from .telnyx import TelnyxClient

__all__ = ["run_demo"]

# Short waits, so the demo spends its time on requests rather than backoff.
_RETRY = RetryPolicy(attempts=6, backoff_initial=0.02, backoff_max=0.2, jitter=0.02)
# Telnyx commands carry a command_id, so every fault is safe to retry,
# including an answer lost after the conference was made.
_TELNYX_FAULTS = {
    "server_error": 0.03,
    "unavailable": 0.02,
    "rate_limited": 0.02,
    "drop_connection": 0.01,
    "html_error": 0.01,
    "lost_after_success": 0.02,
}
# Catapult creates have no idempotency key: only faults the provider
# documents as "not executed" are retried; the rest would be reported as
# unknown outcomes, which the demo keeps out of the default run.
_CATAPULT_FAULTS = {"unavailable": 0.03, "rate_limited": 0.03}


def _telnyx_requests(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        # Every 100th reuses a live conference's name: Telnyx refuses that (90033).
        name = "standup-0" if n % 100 == 99 else f"standup-{n}"  # noqa: PLR2004
        yield {"call_control_id": f"v3:demo-leg-{n}", "name": name, "max_participants": 10}


def _catapult_requests(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        # Every 100th asks for a 20 s callback timeout; the documented cap is
        # 10 s, so it is refused before anything is sent.
        timeout = 20_000 if n % 100 == 99 else 2_000  # noqa: PLR2004
        yield {"from_": "+15551234567", "callback_timeout": timeout, "tag": f"demo-{n}"}


async def _drain(run: BulkRun[Any], label: str, total: int, *, progress: bool) -> None:
    with tqdm(total=total, desc=label, unit="conf", disable=not progress, file=sys.stderr) as bar:
        async with run:
            async for _ in run:
                bar.update(1)


async def run_demo(*, count: int, concurrency: int, seed: int, progress: bool) -> int:
    """Run the demo; returns the exit status (0 when the emulator agrees with the library)."""
    async with Emulator() as emu, SessionPool(max_connections=concurrency) as pool:
        print(f"emulator listening: Telnyx {emu.telnyx_url}, Catapult {emu.catapult_url}")
        print(f"faults are injected, seeded with {seed}; retries absorb what is safe to retry\n")
        agreed = True

        emu.faults = Faults(seed=seed, retry_after_seconds=0, **_TELNYX_FAULTS)
        tx = TelnyxClient(
            api_key=emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool, retry=_RETRY
        )
        tx_run = create_many(tx, _telnyx_requests(count), concurrency=concurrency)
        await _drain(tx_run, "telnyx", count, progress=progress)
        stats = emu.stats
        print_summary("Telnyx v2", tx_run.summary)
        print(
            f"emulator: {stats.telnyx_conferences_created} conferences exist, "
            f"{stats.duplicates_avoided} repeated commands recognised by command_id\n"
        )
        agreed &= stats.telnyx_conferences_created == tx_run.summary.created

        emu.faults = Faults(seed=seed, retry_after_seconds=0, **_CATAPULT_FAULTS)
        cp = CatapultClient(
            emu.catapult_user_id,
            emu.catapult_api_token,
            emu.catapult_api_secret,
            base_url=emu.catapult_url,
            pool=pool,
            retry=_RETRY,
        )
        cp_run = create_many(cp, _catapult_requests(count), concurrency=concurrency)
        await _drain(cp_run, "catapult", count, progress=progress)
        stats = emu.stats
        print_summary("Catapult v1", cp_run.summary)
        print(f"emulator: {stats.catapult_conferences_created} conferences exist\n")
        agreed &= stats.catapult_conferences_created == cp_run.summary.created

        faults = ", ".join(f"{k} {v}" for k, v in sorted(stats.faults_injected.items()) if v)
        print(f"faults injected: {faults or 'none'}")
        if agreed:
            print("every conference reported as created exists, and none exists twice")
            return 0
        print("MISMATCH between the emulator and the library's report", file=sys.stderr)
        return 1
