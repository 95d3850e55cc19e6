"""A local emulator of the Telnyx v2 and Catapult v1 conference APIs, for tests and demos.

One aiohttp server speaks both APIs as their documents describe them, with
its own in-memory state, its own validation (an independent reading of the
documents: it shares no code with the client) and the providers' error
bodies. It can inject faults deterministically from a seed, enforce the
documented rate limits, and counts what it did.

In asyncio code::

    async with Emulator() as emu:
        telnyx = TelnyxClient(
            emu.telnyx_api_key, base_url=emu.telnyx_url, allow_insecure_http=True
        )
        catapult = CatapultClient(
            emu.catapult_user_id,
            emu.catapult_api_token,
            emu.catapult_api_secret,
            base_url=emu.catapult_url,
            allow_insecure_http=True,
        )
        ...
        assert emu.stats.telnyx_conferences_created == 1

From synchronous code, or any test: ``with EmulatorThread(Emulator()) as emu:``.
In pytest: ``pytest_plugins = ["conferencing.emulator.pytest_plugin"]`` and
the ``conferencing_emulator`` fixture. From a shell: ``python -m
conferencing.emulator`` prints the URLs and credentials and serves until
Ctrl-C (``--help`` lists faults and rate limits).

Telnyx creates conferences from existing call legs: any well-formed
``call_control_id`` (``v2:`` or ``v3:`` + token) is taken as a live, answered
call until `Emulator.hang_up_telnyx_call` or `Emulator.mark_telnyx_call_unknown`
says otherwise, and any well-formed ``connection_id`` as a configured Call
Control App until `Emulator.forget_connection` says otherwise.

Calls the emulator dials ring first, on both providers (Telnyx ``POST
/v2/calls``, Catapult ``POST /calls``): after ``Emulator(answer_delay=...)``
(0.05 s; 0 settles it within the request) each is answered, or is busy or
rejected, as `Emulator.set_call_outcome` (or ``call_outcomes=``) says for the
number dialed; a ``"no_answer"`` number rings the dial's documented timeout
times ``ring_timeout_scale`` (0.01: Telnyx's 30 s ring 0.3 s). While a Telnyx
leg rings, commands naming it are 422 90034; a ringing Catapult call cannot
become a member (403 ``call-invalid-state``). Playback and speech end
``media_duration`` seconds (0.05) after they start, and Telnyx conference
recordings are served back at ``/_emulator/recordings/{id}.{wav|mp3}``::

    async with Emulator(answer_delay=0.01, call_outcomes={"+15550001111": "busy"}) as emu:
        ...

Faults (`Faults`) and rate limits (`RateLimits`) apply to the provider
routes only; they can be given to the constructor or set while it runs
(``emu.faults = Faults(seed=1, server_error=0.1)``). Counts are in
`Emulator.stats` and, as JSON without auth, at ``GET /_emulator/stats``.

It calls back, too. ``Emulator(webhook_url=...)`` (or ``emu.webhook_url =``)
receives the Telnyx events its state changes imply, signed with Ed25519;
verify them with `Emulator.telnyx_public_key`. Catapult callbacks go to the
``callbackUrl`` given on a conference or call, by POST or GET, with the
``fallbackUrl`` and ``callbackTimeout`` given. Deliveries run in the
background, are retried on failure, and can be duplicated, reordered,
delayed or failed on purpose (the ``webhook_*`` knobs of `Faults`);
``await emu.deliveries_settled()`` waits until they are all done::

    async with Emulator(webhook_url=receiver_url) as emu:
        ...  # create, join, leave
        await emu.deliveries_settled(timeout=5)
"""

from conferencing.emulator._app import Emulator
from conferencing.emulator._faults import (
    FAULT_KINDS,
    WEBHOOK_FAULT_KINDS,
    FaultKind,
    Faults,
    WebhookFaultKind,
)
from conferencing.emulator._limits import RateLimit, RateLimits
from conferencing.emulator._receivers import EmulatorWebhooks, ThreadedReceiver
from conferencing.emulator._state import CALL_OUTCOMES, Arrival, CallOutcome, EmulatorStats
from conferencing.emulator._thread import EmulatorThread

__all__ = [
    "CALL_OUTCOMES",
    "FAULT_KINDS",
    "WEBHOOK_FAULT_KINDS",
    "Arrival",
    "CallOutcome",
    "Emulator",
    "EmulatorStats",
    "EmulatorThread",
    "EmulatorWebhooks",
    "FaultKind",
    "Faults",
    "RateLimit",
    "RateLimits",
    "ThreadedReceiver",
    "WebhookFaultKind",
]
