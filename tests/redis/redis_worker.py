"""One replica, in its own process, for the multi-process tests of `conferencing.redis`.

``python redis_worker.py '<json>'`` builds what the JSON asks for, prints one
JSON line (``{"ready": ...}``), waits for a line on its standard input, does
its work, prints one JSON line with what it saw, and exits. Every wait is
bounded: a worker the test forgets exits by itself.

Modes:

* ``pace``: a `SessionPool` with a `RedisStore`, a `TelnyxClient` paced at
  ``rate`` per second for each job's key; sends one unpaced request with
  ``warm_key`` (if given) before saying it is ready, then each job's
  ``count`` conference creations at once when told to go, and reports, per
  job, the errors met and when its first and last requests ended.
* ``receive``: a `WebhookReceiver` for Catapult callbacks, de-duplicated in
  the `RedisStore`; reports its URL, then, when told to stop, the ids of the
  events its handler was given.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from typing import Any

from conferencing import RateLimit, SessionPool, TelnyxClient, WebhookReceiver, catapult
from conferencing.redis import RedisStore

#: Seconds a worker waits for the test at most, at any step.
PATIENCE = 30.0


def say(message: dict[str, Any]) -> None:
    """One JSON line to the test."""
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def heard() -> str:
    """The next line from the test (empty when it went away)."""
    loop = asyncio.get_running_loop()
    return await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.readline), PATIENCE)


async def pace(config: dict[str, Any]) -> None:
    """Send each job's requests through one paced pool, once told to go."""
    margin = {"margin": config["margin"]} if "margin" in config else {}
    async with (
        RedisStore(config["redis_url"], namespace=config["namespace"], **margin) as store,
        SessionPool(rate_store=store) as pool,
    ):
        clients = [
            TelnyxClient(
                job["key"],
                base_url=config["base_url"],
                pool=pool,
                retry=None,
                rate_limit=RateLimit(config["rate"]),
            )
            for job in config["jobs"]
        ]
        if "warm_key" in config:
            # One request, unpaced, of another account: the pool's connection is
            # open and every code path warm before the measured requests start.
            warm = TelnyxClient(config["warm_key"], base_url=config["base_url"], pool=pool)
            await warm.create_conference(
                call_control_id="v3:" + uuid.uuid4().hex, name=uuid.uuid4().hex
            )
        say({"ready": True})
        await heard()

        async def one(client: TelnyxClient) -> tuple[float, str | None]:
            try:
                await client.create_conference(
                    call_control_id="v3:" + uuid.uuid4().hex, name=uuid.uuid4().hex
                )
            except Exception as exc:  # noqa: BLE001 - reported to the test, by type
                return time.monotonic(), type(exc).__name__
            return time.monotonic(), None

        async def job(client: TelnyxClient, count: int) -> dict[str, Any]:
            outcomes = await asyncio.gather(*(one(client) for _ in range(count)))
            ends = [end for end, _ in outcomes]
            return {
                "errors": [error for _, error in outcomes if error is not None],
                "first": min(ends),
                "last": max(ends),
            }

        async with asyncio.timeout(PATIENCE):
            results = await asyncio.gather(
                *(
                    job(client, spec["count"])
                    for client, spec in zip(clients, config["jobs"], strict=True)
                )
            )
        say({"jobs": results})


async def receive(config: dict[str, Any]) -> None:
    """Receive Catapult callbacks, de-duplicated in Redis, until told to stop."""
    handled: list[str] = []

    async def handle(event: catapult.Callback) -> None:
        handled.append(event.id)

    decoder = catapult.callback_decoder(username=config["username"], password=config["password"])
    async with (
        RedisStore(config["redis_url"], namespace=config["namespace"]) as store,
        WebhookReceiver(decoder, handler=handle, dedupe=store) as receiver,
    ):
        async with receiver.serve() as url:
            say({"ready": url})
            await heard()
        await receiver.aclose()  # waits for the handlers
        say({"handled": handled, "counts": dict(receiver.counts)})


def main() -> None:
    """Run the mode the JSON argument names."""
    config: dict[str, Any] = json.loads(sys.argv[1])
    mode = pace if config["mode"] == "pace" else receive
    asyncio.run(mode(config))


if __name__ == "__main__":
    main()
