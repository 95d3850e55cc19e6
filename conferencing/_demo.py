"""`conferencing demo`: the library against the embedded emulator of both providers.

It creates a batch of conferences on each provider while the emulator
injects the same faults into both (500s, 503s, 429s, dropped connections,
HTML error pages, answers lost after the conference was made), then checks
the emulator's own state against what the library reported: every
conference reported is there, none is there twice, and every conference
not reported as created belongs to a row reported "outcome unknown".
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from typing import Any

from tqdm import tqdm

from ._bulk import BulkOutcome, BulkRun, create_many
from ._cli import print_summary
from ._pool import SessionPool
from ._retry import RetryPolicy
from .catapult import CatapultClient
from .emulator import Emulator, Faults
from .telnyx import TelnyxClient

__all__ = ["run_demo"]

# Short waits, so the demo spends its time on requests rather than backoff.
_RETRY = RetryPolicy(attempts=6, backoff_initial=0.02, backoff_max=0.2, jitter=0.02)
# The same faults on both providers. Telnyx commands carry a command_id, so
# every one of them is safe to retry, an answer lost after the conference
# was made included. Catapult creates have no idempotency key: only what
# Catapult documents as "not executed" (503, 429) is retried, and the rest
# are reported as unknown outcomes, which the demo then reconciles by tag.
_FAULTS = {
    "server_error": 0.03,
    "unavailable": 0.02,
    "rate_limited": 0.02,
    "drop_connection": 0.01,
    "html_error": 0.01,
    "lost_after_success": 0.02,
}


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


async def _drain(
    run: BulkRun[Any], label: str, total: int, *, progress: bool
) -> list[BulkOutcome[Any]]:
    outcomes = []
    with tqdm(total=total, desc=label, unit="conf", disable=not progress, file=sys.stderr) as bar:
        async with run:
            async for outcome in run:
                outcomes.append(outcome)
                bar.update(1)
    return outcomes


def _catapult_agrees(emu: Emulator, outcomes: list[BulkOutcome[Any]]) -> bool:
    """Whether what exists is what was reported, unknown outcomes reconciled by their tag.

    A Catapult create that may or may not have happened is looked up by the
    unique tag it carried; with a real account that lookup is the
    `conference` callback (it names the tag), since v1 cannot list conferences.
    """
    tags = Counter(c.get("tag") for c in emu.catapult_conferences())
    created = {o.conference.id for o in outcomes if o.ok}
    unknown = [o for o in outcomes if not o.ok and o.unknown]
    made_anyway = sum(1 for o in unknown if tags[_tag(o)])
    print(
        f"reconciled by tag: {made_anyway} of the {len(unknown)} unknown outcomes "
        "were in fact created"
    )
    existing = {c["id"] for c in emu.catapult_conferences()}
    return (
        created <= existing
        and max(tags.values(), default=0) <= 1
        and len(existing) == len(created) + made_anyway
    )


def _tag(outcome: BulkOutcome[Any]) -> str:
    request = outcome.request
    assert isinstance(request, dict)  # noqa: S101 - the demo feeds dicts
    return str(request["tag"])


async def run_demo(*, count: int, concurrency: int, seed: int, progress: bool) -> int:
    """Run the demo; returns the exit status (0 when the emulator agrees with the library)."""
    async with Emulator() as emu, SessionPool(max_connections=concurrency) as pool:
        print(f"emulator listening: Telnyx {emu.telnyx_url}, Catapult {emu.catapult_url}")
        print(f"faults are injected, seeded with {seed}; retries absorb what is safe to retry\n")
        agreed = True

        emu.faults = Faults(seed=seed, retry_after_seconds=0, **_FAULTS)
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

        emu.faults = Faults(seed=seed, retry_after_seconds=0, **_FAULTS)
        cp = CatapultClient(
            emu.catapult_user_id,
            emu.catapult_api_token,
            emu.catapult_api_secret,
            base_url=emu.catapult_url,
            pool=pool,
            retry=_RETRY,
        )
        cp_run = create_many(cp, _catapult_requests(count), concurrency=concurrency)
        outcomes = await _drain(cp_run, "catapult", count, progress=progress)
        stats = emu.stats
        print_summary("Catapult v1", cp_run.summary)
        print(f"emulator: {stats.catapult_conferences_created} conferences exist")
        agreed &= _catapult_agrees(emu, outcomes)
        print()

        faults = ", ".join(f"{k} {v}" for k, v in sorted(stats.faults_injected.items()) if v)
        print(f"faults injected: {faults or 'none'}")
        if agreed:
            print(
                "every conference reported as created exists, none exists twice, and every "
                "other one belongs to an outcome reported unknown"
            )
            return 0
        print("MISMATCH between the emulator and the library's report", file=sys.stderr)
        return 1
