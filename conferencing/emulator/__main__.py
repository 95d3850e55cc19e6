"""``python -m conferencing.emulator``: serve both providers' APIs until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence

from conferencing.emulator._app import Emulator
from conferencing.emulator._faults import FAULT_KINDS, WEBHOOK_FAULT_KINDS, Faults
from conferencing.emulator._limits import RateLimit, RateLimits
from conferencing.emulator._state import (
    CALL_OUTCOMES,
    DEFAULT_ANSWER_DELAY,
    DEFAULT_COMMAND_ID_TTL,
    DEFAULT_MEDIA_DURATION,
    DEFAULT_RING_TIMEOUT_SCALE,
)
from conferencing.emulator._webhooks import DEFAULT_RETRY_DELAYS, DEFAULT_TELNYX_TIMEOUT


class _CannotListen(Exception):
    """The emulator could not bind its address; the message says where and why."""


def _rate(text: str) -> RateLimit:
    requests, _, period = text.partition("/")
    try:
        return RateLimit(int(requests), int(period or "1000"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected REQUESTS/MILLISECONDS, got {text!r}") from exc


def _delays(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected SECONDS,SECONDS,..., got {text!r}") from exc


def _outcome(text: str) -> tuple[str, str]:
    number, equals, outcome = text.rpartition("=")
    if not equals or not number or outcome not in CALL_OUTCOMES:
        choices = "|".join(CALL_OUTCOMES)
        raise argparse.ArgumentTypeError(f"expected NUMBER={choices}, got {text!r}")
    return number, outcome


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conferencing.emulator",
        description="Serve a local emulator of the Telnyx v2 and Catapult v1 conference APIs.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 = any free port")
    parser.add_argument("--telnyx-api-key", help="Telnyx Bearer key (random if not given)")
    parser.add_argument("--catapult-user-id", help="Catapult user id (random if not given)")
    parser.add_argument("--catapult-api-token", help="Catapult API token (random if not given)")
    parser.add_argument("--catapult-api-secret", help="Catapult API secret (random if not given)")
    parser.add_argument(
        "--absolute-locations",
        action="store_true",
        help="answer Catapult's Location with absolute URLs",
    )
    parser.add_argument(
        "--command-id-ttl",
        type=float,
        default=DEFAULT_COMMAND_ID_TTL,
        metavar="SECONDS",
        help=f"seconds a Telnyx command_id is remembered ({DEFAULT_COMMAND_ID_TTL:g})",
    )
    calls = parser.add_argument_group("dialed calls and media")
    calls.add_argument(
        "--answer-delay",
        type=float,
        default=DEFAULT_ANSWER_DELAY,
        metavar="SECONDS",
        help=f"seconds a dialed call rings before its outcome ({DEFAULT_ANSWER_DELAY:g})",
    )
    calls.add_argument(
        "--call-outcome",
        type=_outcome,
        action="append",
        default=[],
        metavar="NUMBER=OUTCOME",
        help="what calls to NUMBER do: " + ", ".join(CALL_OUTCOMES) + " (repeatable)",
    )
    calls.add_argument(
        "--ring-timeout-scale",
        type=float,
        default=DEFAULT_RING_TIMEOUT_SCALE,
        metavar="FACTOR",
        help="an unanswered call rings its documented timeout times this "
        f"({DEFAULT_RING_TIMEOUT_SCALE:g})",
    )
    calls.add_argument(
        "--media-duration",
        type=float,
        default=DEFAULT_MEDIA_DURATION,
        metavar="SECONDS",
        help=f"seconds a playback loop or a spoken text lasts ({DEFAULT_MEDIA_DURATION:g})",
    )
    calls.add_argument(
        "--unknown-connection-id",
        action="append",
        default=[],
        metavar="ID",
        help="a Telnyx connection_id that names no Call Control App (repeatable)",
    )
    limits = parser.add_argument_group("rate limits (off unless asked for)")
    limits.add_argument(
        "--rate-limits",
        action="store_true",
        help="enforce Catapult's documented limits: /conferences and /calls 1 per 1000 ms",
    )
    limits.add_argument(
        "--telnyx-rate-limit",
        type=_rate,
        metavar="REQUESTS/MS",
        help="enforce a Telnyx limit per API key, e.g. 10/1000",
    )
    faults = parser.add_argument_group("faults (shares of provider requests, 0..1)")
    faults.add_argument("--seed", type=int, default=0, help="seed of the fault sequence (0)")
    for kind in FAULT_KINDS:
        faults.add_argument("--" + kind.replace("_", "-"), type=float, default=0.0, metavar="SHARE")
    faults.add_argument("--slow-seconds", type=float, default=1.0, help="delay of a slow answer")
    webhooks = parser.add_argument_group("webhooks and callbacks")
    webhooks.add_argument("--webhook-url", help="where Telnyx events are POSTed (none by default)")
    webhooks.add_argument(
        "--telnyx-signing-key",
        metavar="BASE64",
        help="Ed25519 private key (Base64 of its 32-byte seed) signing Telnyx webhooks; random",
    )
    webhooks.add_argument(
        "--webhook-timeout",
        type=float,
        default=DEFAULT_TELNYX_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds a Telnyx webhook waits for its answer ({DEFAULT_TELNYX_TIMEOUT:g})",
    )
    shown = ",".join(f"{delay:g}" for delay in DEFAULT_RETRY_DELAYS)
    webhooks.add_argument(
        "--webhook-retry-delays",
        type=_delays,
        default=DEFAULT_RETRY_DELAYS,
        metavar="S,S,...",
        help=f"seconds before each retry of a failed delivery ({shown}); empty: no retries",
    )
    for webhook_kind in WEBHOOK_FAULT_KINDS:
        webhooks.add_argument(
            "--" + webhook_kind.replace("_", "-"),
            type=float,
            default=0.0,
            metavar="SHARE",
            help="share of deliveries (0..1), same --seed",
        )
    webhooks.add_argument(
        "--webhook-delay-seconds",
        type=float,
        default=0.5,
        help="delay of a delayed delivery; how long a reordered one waits for a partner (0.5)",
    )
    return parser


def _emulator(args: argparse.Namespace) -> Emulator:
    kinds: tuple[str, ...] = (*FAULT_KINDS, *WEBHOOK_FAULT_KINDS)
    shares = {kind: getattr(args, kind) for kind in kinds}
    faults = Faults(
        seed=args.seed,
        slow_seconds=args.slow_seconds,
        webhook_delay_seconds=args.webhook_delay_seconds,
        **shares,
    )
    rate_limits: RateLimits | None = None
    if args.rate_limits:
        rate_limits = RateLimits(telnyx=args.telnyx_rate_limit)
    elif args.telnyx_rate_limit is not None:
        rate_limits = RateLimits(
            catapult_conferences=None, catapult_calls=None, telnyx=args.telnyx_rate_limit
        )
    return Emulator(
        host=args.host,
        port=args.port,
        telnyx_api_key=args.telnyx_api_key,
        catapult_user_id=args.catapult_user_id,
        catapult_api_token=args.catapult_api_token,
        catapult_api_secret=args.catapult_api_secret,
        faults=faults,
        rate_limits=rate_limits,
        catapult_absolute_locations=args.absolute_locations,
        command_id_ttl=args.command_id_ttl,
        webhook_url=args.webhook_url,
        telnyx_signing_key=args.telnyx_signing_key,
        webhook_timeout=args.webhook_timeout,
        webhook_retry_delays=args.webhook_retry_delays,
        answer_delay=args.answer_delay,
        call_outcomes=dict(args.call_outcome),
        ring_timeout_scale=args.ring_timeout_scale,
        media_duration=args.media_duration,
        telnyx_unknown_connection_ids=args.unknown_connection_id,
    )


def _reason(exc: OSError) -> str:
    """Say why binding failed, without asyncio's wording that repeats the address."""
    if exc.errno is not None and exc.errno > 0:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)  # getaddrinfo's errors have negative numbers


async def _start(emulator: Emulator, host: str, port: int) -> None:
    try:
        await emulator.start()
    except OSError as exc:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        raise _CannotListen(f"cannot listen on {where}: {_reason(exc)}") from exc


async def _serve(emulator: Emulator, host: str, port: int) -> None:
    await _start(emulator, host, port)
    try:
        lines = [
            f"conferencing emulator listening on {emulator.base_url}",
            f"telnyx_url           {emulator.telnyx_url}",
            f"telnyx_api_key       {emulator.telnyx_api_key}",
            f"telnyx_public_key    {emulator.telnyx_public_key}",
            f"webhook_url          {emulator.webhook_url or '-'}",
            f"catapult_url         {emulator.catapult_url}",
            f"catapult_user_id     {emulator.catapult_user_id}",
            f"catapult_api_token   {emulator.catapult_api_token}",
            f"catapult_api_secret  {emulator.catapult_api_secret}",
            f"stats                {emulator.stats_url}",
            "Press Ctrl-C to stop.",
        ]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # not on Windows' default loop
                loop.add_signal_handler(signum, stop.set)
        await stop.wait()
    finally:
        await emulator.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, serve until interrupted, return the exit status.

    Bad options and an address that cannot be bound (a port in use, say)
    end with status 2 and one line on stderr.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        emulator = _emulator(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        asyncio.run(_serve(emulator, args.host, args.port))
    except KeyboardInterrupt:
        pass
    except _CannotListen as exc:
        sys.stderr.write(f"{parser.prog}: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
