"""Calling back: the emulator's outbox of Telnyx webhooks and Catapult callbacks.

Providers hand each event to `Outbox.send` while they change their state; it
is queued and the request is answered at once. One background task delivers
the queue in order, over the outbox's own `aiohttp.ClientSession`, to the
configured URLs only (no redirects followed: a 3xx is a failed attempt).

What the documents say, and what the emulator does:

- Success is a 2xx answer. Telnyx asks for a 2xx within a few seconds
  (2 s on its messaging pages; Call Control connections have a
  ``webhook_timeout_seconds``) and otherwise retries, "up to 3 attempts per
  URL", then tries the failover URL; it warns that webhooks may come more than
  once and out of order. Catapult's pages give ``callbackTimeout`` (ms,
  default and maximum 10000) as the wait for the callbackUrl's answer and
  ``fallbackUrl`` as "used to send the callback event if the request to
  callbackUrl fails"; they give no retry schedule.
- So an attempt is one request to the main URL and, if that fails (no 2xx,
  a timeout, a refused connection) and a fallback URL is set, one to the
  fallback URL at once. A failed attempt is retried after each delay of
  `DEFAULT_RETRY_DELAYS` in turn: three attempts in all by default, Telnyx's
  documented count, over a fraction of a second, so tests stay fast; the
  delays are `Emulator(webhook_retry_delays=...)`. After the last failed
  attempt the delivery is given up and counted as failed.
- Telnyx webhooks are POSTed as JSON, ``meta.attempt`` numbering the attempt
  and ``meta.delivered_to`` naming the URL, and signed per request:
  ``telnyx-timestamp`` (Unix seconds, real time) and
  ``telnyx-signature-ed25519``, the Base64 Ed25519 signature of the UTF-8
  bytes of ``f"{timestamp}|{body}"``.
- Catapult callbacks are a JSON POST, or with ``callbackHttpMethod`` GET
  (any case) a GET with the fields as query parameters (booleans as
  ``true`` / ``false``), after any query the URL already has. They are not
  signed: credentials in a URL (``https://user:pass@host/...``) are sent as
  Basic auth, and left out of the URL requested.
- Deliveries go one after another, in the order the events happened, so a
  slow or failing receiver holds up the ones behind it (each wait bounded by
  its timeout and the retry delays). The webhook faults of `Faults` disturb
  that order on purpose (a delayed delivery leaves the line and is sent on
  its own).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import json
import logging
import math
import time
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol

import aiohttp
import attrs
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from yarl import URL

from conferencing.emulator._faults import Faults, WebhookFaultKind, WebhookFaultPlan
from conferencing.emulator._state import Counters

_log: Final = logging.getLogger("conferencing.emulator")

DEFAULT_RETRY_DELAYS: Final = (0.1, 0.2)
"""Seconds before the second and the third attempt: three attempts in all, as Telnyx documents."""

DEFAULT_TELNYX_TIMEOUT: Final = 2.0
"""Seconds a Telnyx webhook waits for its answer: the 2 s Telnyx asks of receivers."""

DEFAULT_CATAPULT_TIMEOUT_MS: Final = 10000
"""Catapult's documented default (and maximum) ``callbackTimeout``, in milliseconds."""

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class TelnyxSigner:
    """Signs Telnyx webhooks with an Ed25519 key pair, as Telnyx signs them."""

    __slots__ = ("_key", "public_key")

    def __init__(self, private_key: str | bytes | None = None) -> None:
        """Use `private_key` (the 32-byte seed, raw or Base64), or a new random key pair.

        Raises:
            ValueError: `private_key` is not 32 bytes (or their Base64).
        """
        if private_key is None:
            self._key = Ed25519PrivateKey.generate()
        else:
            seed = private_key
            if isinstance(seed, str):
                try:
                    seed = base64.b64decode(seed, validate=True)
                except binascii.Error as exc:
                    raise ValueError("telnyx_signing_key must be Base64 of 32 bytes") from exc
            if len(seed) != 32:  # noqa: PLR2004 - an Ed25519 seed's size
                raise ValueError(f"telnyx_signing_key must be 32 bytes, got {len(seed)}")
            self._key = Ed25519PrivateKey.from_private_bytes(seed)
        raw = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.public_key = base64.b64encode(raw).decode("ascii")
        """Base64 of the 32-byte public key: what Telnyx's portal shows an account."""

    def headers(self, body: bytes) -> dict[str, str]:
        """Return the ``telnyx-timestamp`` and ``telnyx-signature-ed25519`` headers for `body`."""
        timestamp = str(int(time.time()))
        signature = self._key.sign(timestamp.encode() + b"|" + body)
        return {
            "telnyx-timestamp": timestamp,
            "telnyx-signature-ed25519": base64.b64encode(signature).decode("ascii"),
        }


@attrs.frozen
class Outgoing:
    """One HTTP request of an attempt: what to send besides method and URL."""

    headers: Mapping[str, str]
    body: bytes | None = None
    params: Mapping[str, str] | None = None


class Message(Protocol):
    """An event ready to go: it renders the request of each attempt."""

    def render(self, method: str, delivered_to: str, attempt: int) -> Outgoing:
        """Return the request for `attempt` (from 1) to `delivered_to` by `method`."""
        ...


@attrs.frozen
class TelnyxWebhook:
    """A Telnyx event (``data``); each attempt adds ``meta`` and is signed anew."""

    data: Mapping[str, Any]
    signer: TelnyxSigner

    def render(self, method: str, delivered_to: str, attempt: int) -> Outgoing:
        """Return the signed JSON POST of `attempt`."""
        del method  # Telnyx events are always POSTed here
        envelope = {"data": self.data, "meta": {"attempt": attempt, "delivered_to": delivered_to}}
        body = _encode(envelope).encode()
        headers = {"Content-Type": "application/json", **self.signer.headers(body)}
        return Outgoing(headers=headers, body=body)


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@attrs.frozen
class CatapultCallback:
    """A Catapult callback: the same fields on every attempt."""

    fields: Mapping[str, Any]

    def render(self, method: str, delivered_to: str, attempt: int) -> Outgoing:
        """Return a JSON POST, or for GET the fields as query parameters."""
        del delivered_to, attempt  # Catapult's callbacks do not mention them
        headers = {"User-Agent": "BandwidthAPI/v1"}
        present = {key: value for key, value in self.fields.items() if value is not None}
        if method == "GET":
            return Outgoing(headers, params={k: _query_value(v) for k, v in present.items()})
        headers["Content-Type"] = "application/json; charset=utf-8"
        return Outgoing(headers, body=_encode(present).encode())


@attrs.frozen
class Destination:
    """Where and how a delivery goes."""

    url: str
    method: str = "POST"
    """GET or POST, any case."""
    timeout: float = DEFAULT_TELNYX_TIMEOUT
    """Seconds each request waits for its answer."""
    fallback_url: str | None = None
    """Tried at once, in the same attempt, when the request to `url` fails."""


@attrs.define
class _Job:
    message: Message
    destination: Destination
    fault: WebhookFaultKind | None = None
    held_until: float | None = None
    """For a reorder fault: until when (monotonic) it waits for a delivery to go first."""


def _check_delays(delays: Iterable[float]) -> tuple[float, ...]:
    checked = tuple(float(delay) for delay in delays)
    if not all(math.isfinite(delay) and delay >= 0 for delay in checked):
        raise ValueError(f"webhook_retry_delays must be seconds >= 0, got {checked!r}")
    return checked


class Outbox:
    """Queues events and delivers them in the background, with retries and injected faults.

    `send` may be called before `start` (the events wait for it) and from the
    event loop only; `close` stops delivery at once, counting what was left.
    """

    def __init__(
        self, counters: Counters, faults: Faults, retry_delays: Iterable[float] = ()
    ) -> None:
        """Count into `counters`; draw webhook faults from `faults`; retry after `retry_delays`."""
        self._counters = counters
        self._faults = faults
        self._plan = WebhookFaultPlan(faults)
        self.retry_delays = _check_delays(retry_delays)
        self._jobs: collections.deque[_Job] = collections.deque()
        self._pending = 0
        """Deliveries queued, under way or waiting out a delay: not yet delivered or failed."""
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None
        self._idle: asyncio.Event | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def pending(self) -> int:
        """Deliveries not yet delivered or given up."""
        return self._pending

    def set_faults(self, faults: Faults) -> None:
        """Draw from `faults` from now on, its webhook sequence from the start."""
        self._faults = faults
        self._plan = WebhookFaultPlan(faults)

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Open the session and start delivering (events sent before now included)."""
        # A fresh connection per delivery, as providers' senders do: a kept
        # connection the receiver closed meanwhile would let aiohttp send a
        # delivery twice (it resends on a stale connection), one attempt counted.
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=10, force_close=True), trust_env=False
        )
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._changed()
        if self._jobs:
            self._wake.set()
        self._worker = asyncio.create_task(self._run(), name="conferencing-emulator-webhooks")

    async def close(self) -> None:
        """Stop delivering now: what is left is dropped (and counted); closing twice is fine."""
        if self._pending:
            self._counters.bump("webhooks_dropped", self._pending)
        self._pending = 0
        self._jobs.clear()
        tasks = [task for task in (self._worker, *self._side_tasks) if task is not None]
        self._worker = None
        self._side_tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        self._changed()

    def clear(self) -> None:
        """Forget the deliveries not yet under way (a delivery being sent finishes)."""
        self._pending -= len(self._jobs)
        self._jobs.clear()
        for task in list(self._side_tasks):
            if task.cancel():
                self._pending -= 1
        self._changed()

    async def settled(self, timeout: float) -> None:  # noqa: ASYNC109 - see Emulator
        """Return once nothing is queued or under way; raise TimeoutError after `timeout` s."""
        if self._pending == 0:
            return
        idle = self._idle
        if idle is None:
            raise TimeoutError(f"{self._pending} webhook deliveries wait for a start")
        try:
            await asyncio.wait_for(idle.wait(), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"{self._pending} webhook deliveries still pending after {timeout:g} s"
            ) from None

    # --- queueing ------------------------------------------------------------

    def send(self, message: Message, destination: Destination) -> None:
        """Queue `message` for `destination`, drawing its webhook fault."""
        fault = self._plan.draw()
        if fault is not None:
            self._counters.bump("fault:" + fault)
        self._add(_Job(message, destination, fault))
        if fault == "webhook_duplicate":
            self._add(_Job(message, destination))

    def _add(self, job: _Job) -> None:
        self._counters.bump("webhooks_queued")
        jobs = self._jobs
        if jobs and jobs[-1].held_until is not None:
            # The held delivery lets this one go first: the two are swapped.
            held = jobs.pop()
            held.held_until = None
            jobs.append(job)
            jobs.append(held)
        else:
            jobs.append(job)
        if job.fault == "webhook_reorder":
            job.held_until = time.monotonic() + self._faults.webhook_delay_seconds
        self._pending += 1
        self._changed()
        if self._wake is not None:
            self._wake.set()

    def _done(self) -> None:
        self._pending -= 1
        self._changed()

    def _changed(self) -> None:
        if self._idle is None:
            return
        if self._pending <= 0:
            self._idle.set()
        else:
            self._idle.clear()

    # --- delivering ----------------------------------------------------------

    async def _run(self) -> None:
        wake = self._wake
        assert wake is not None  # noqa: S101 - set by start
        jobs = self._jobs
        while True:
            if not jobs:
                wake.clear()
                await wake.wait()
                continue
            job = jobs[0]
            if job.held_until is not None:
                remaining = job.held_until - time.monotonic()
                if remaining > 0:
                    wake.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(wake.wait(), remaining)
                    continue
                job.held_until = None  # nothing came to swap with: it goes alone
            jobs.popleft()
            if job.fault == "webhook_delay":
                task = asyncio.create_task(self._later(job, self._faults.webhook_delay_seconds))
                self._side_tasks.add(task)
                task.add_done_callback(self._side_tasks.discard)
                continue
            await self._deliver(job)
            self._done()

    async def _later(self, job: _Job, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._deliver(job)
        self._done()

    async def _deliver(self, job: _Job) -> None:
        """Attempt `job` until one attempt succeeds or the retry delays run out."""
        counters = self._counters
        delays = self.retry_delays
        for attempt in range(1, len(delays) + 2):
            counters.bump("webhook_attempts")
            try:
                delivered = await self._attempt(job, attempt)
            except Exception:  # noqa: BLE001 - a bug here must not stop the line
                _log.exception("webhook delivery failed unexpectedly")
                delivered = False
            if delivered:
                counters.bump("webhooks_delivered")
                return
            if attempt <= len(delays):
                await asyncio.sleep(delays[attempt - 1])
        counters.bump("webhooks_failed")

    async def _attempt(self, job: _Job, attempt: int) -> bool:
        destination = job.destination
        pretend_failure = job.fault == "webhook_fail" and attempt == 1
        if not pretend_failure and await self._request(job.message, destination.url, job, attempt):
            return True
        if destination.fallback_url is not None:
            return await self._request(job.message, destination.fallback_url, job, attempt)
        return False

    async def _request(self, message: Message, raw_url: str, job: _Job, attempt: int) -> bool:
        """Send one request; True for a 2xx answer, False for anything else."""
        session = self._session
        if session is None:
            return False
        try:
            url = URL(raw_url)
            headers: dict[str, str] = {}
            if url.user is not None:
                credentials = f"{url.user}:{url.password or ''}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
                url = url.with_user(None)
            method = job.destination.method.upper()
            outgoing = message.render(method, str(url), attempt)
            headers.update(outgoing.headers)
            if outgoing.params:
                url = url.extend_query(outgoing.params)
            timeout = aiohttp.ClientTimeout(total=job.destination.timeout)
            async with session.request(
                method,
                url,
                data=outgoing.body,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                return 200 <= response.status < 300  # noqa: PLR2004 - success is 2xx
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError):
            return False
