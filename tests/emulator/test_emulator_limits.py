"""The emulator's sliding-window rate limits and its log of request arrivals."""

from __future__ import annotations

import hashlib

import aiohttp
import pytest
from emulator_wire import CatapultWire, TelnyxWire

from conferencing.emulator import Emulator, RateLimit, RateLimits
from conferencing.emulator._limits import Window

pytest_plugins = ["emulator_fixtures"]


def test_a_sliding_window_admits_at_most_requests_in_any_period() -> None:
    """Two per second, sliding: a third within a second of the first waits for it to leave."""
    limit = RateLimit(2, 1000, sliding=True)
    window = Window()
    assert window.admit(limit, 10.0) is None
    assert window.admit(limit, 10.9) is None
    assert window.admit(limit, 10.95) == pytest.approx(0.05)
    assert window.admit(limit, 11.0) is None  # the request at 10.0 is a full second old
    assert window.admit(limit, 11.5) == pytest.approx(0.4)
    assert window.admit(limit, 11.9) is None


def test_a_sliding_window_refuses_what_a_fixed_one_lets_through() -> None:
    """Two at the end of one fixed window and two at the start of the next: four in 0.2 s."""
    times = [0.0, 0.9, 0.95, 1.0, 1.05]
    fixed, sliding = Window(), Window()
    assert [None, None, pytest.approx(0.05), None, None] == [
        fixed.admit(RateLimit(2, 1000), now) for now in times
    ]
    refused = [sliding.admit(RateLimit(2, 1000, sliding=True), now) for now in times]
    assert [None, None, pytest.approx(0.05), None, pytest.approx(0.85)] == refused


def test_an_even_pace_late_by_jitter_passes_a_sliding_window() -> None:
    """Twenty a second spaced 51.25 ms, each late by up to 20 ms: never refused."""
    limit = RateLimit(20, 1000, sliding=True)
    window = Window()
    lateness = [0.02, 0.0, 0.013, 0.001, 0.019, 0.007] * 20
    refused = [window.admit(limit, i * 1.025 / 20 + late) for i, late in enumerate(lateness)]
    assert [] == [wait for wait in refused if wait is not None]


def test_sliding_is_off_by_default_and_keyword_only() -> None:
    """`RateLimit(20, 1000)` is a fixed window, as before."""
    assert not RateLimit(20, 1000).sliding
    with pytest.raises(TypeError):
        RateLimit(20, 1000, True)  # type: ignore[call-arg]  # noqa: FBT003


async def test_telnyx_sliding_limit_is_per_key(http_session: aiohttp.ClientSession) -> None:
    """One key over its sliding limit is refused 429; another key is not slowed by it."""
    limits = RateLimits(telnyx=RateLimit(2, 60_000, sliding=True))
    async with Emulator(rate_limits=limits, telnyx_extra_api_keys=["OTHER"]) as emu:
        wire = TelnyxWire(http_session, emu)
        statuses = [(await wire.call("GET", "/conferences")).status for _ in range(3)]
        assert [200, 200, 429] == statuses
        assert 200 == (await wire.call("GET", "/conferences", key="OTHER")).status
        assert 1 == emu.stats.rate_limited


async def test_the_arrival_log_names_each_account_without_its_key(
    http_session: aiohttp.ClientSession,
) -> None:
    """Each request is logged when received, in order, with its account: never a key."""
    async with Emulator(arrival_log=3, telnyx_api_key="KEY-1") as emu:
        telnyx, catapult = TelnyxWire(http_session, emu), CatapultWire(http_session, emu)
        await telnyx.call("GET", "/conferences")
        await catapult.call("GET", "/conferences")
        await telnyx.call("GET", "/conferences")
        await telnyx.call("GET", "/conferences", headers={"Authorization": "Basic x"})
        arrivals = emu.arrivals()
        hashed = hashlib.sha256(b"KEY-1").hexdigest()[:16]
        assert [
            ("catapult", "GET", emu.catapult_user_id),
            ("telnyx", "GET", hashed),
            ("telnyx", "GET", None),
        ] == [(a.provider, a.method, a.account) for a in arrivals]
        assert arrivals[0].at <= arrivals[1].at <= arrivals[2].at
        assert "KEY-1" not in repr(arrivals)
        emu.reset()
        assert [] == emu.arrivals()


async def test_no_arrivals_are_kept_unless_asked(local_emulator: Emulator) -> None:
    """By default the log is off: `arrivals()` is empty whatever was received."""
    await local_emulator.deliveries_settled()
    assert [] == local_emulator.arrivals()


@pytest.mark.parametrize("size", [-1, 1.5, True, "3"])
def test_the_arrival_log_size_is_an_int(size: object) -> None:
    """A size that is not an int >= 0 is refused when the emulator is built."""
    with pytest.raises(ValueError, match="arrival_log"):
        Emulator(arrival_log=size)  # type: ignore[arg-type]
