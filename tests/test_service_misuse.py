"""How service teams misuse per-call options, hooks, tracing and proxies, and what they get."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
from aioresponses import aioresponses

from conferencing import (
    NO_RETRY,
    CatapultClient,
    ConfigurationError,
    Hooks,
    NotFoundError,
    OutcomeUnknownError,
    RequestInfo,
    RequestTimeout,
    SessionPool,
    TelnyxClient,
    ValidationError,
)
from conferencing.emulator import Emulator

KEY = "sk-MISUSE-secret"
TELNYX = "https://api.telnyx.com/v2"
CATAPULT_USERS = "https://api.catapult.inetwork.com/v1/users/u-1"
CONFERENCE = {
    "record_type": "conference",
    "id": "c-1",
    "name": "B",
    "created_at": "2019-01-23T18:10:02.574Z",
    "expires_at": "2019-01-23T18:11:02.574Z",
    "region": "us",
    "status": "in_progress",
}


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("get_conference", ("c-1",)),
        ("get_participant", ("c-1", "p-1")),
    ],
)
async def test_a_misspelled_option_on_a_telnyx_get_is_a_type_error(
    method: str, args: tuple[str, ...], pool: SessionPool, http: aioresponses
) -> None:
    """`timout=` is not silently ignored: it is a TypeError naming it, and nothing is sent."""
    tx = TelnyxClient(KEY, pool=pool)
    with pytest.raises(TypeError, match="timout"):
        await getattr(tx, method)(*args, timout=5)
    assert {} == http.requests


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("get_call", ("call-1",)),
        ("hang_up", ("call-1",)),
        ("get_conference", ("c-1",)),
        ("list_members", ("c-1",)),
        ("get_member", ("c-1", "m-1")),
    ],
)
async def test_a_misspelled_option_on_a_catapult_call_is_a_type_error(
    method: str, args: tuple[str, ...], pool: SessionPool, http: aioresponses
) -> None:
    """`extra_header=` (singular) on a keyword-less Catapult method is a TypeError."""
    cp = CatapultClient("u-1", "t", "s", pool=pool)
    with pytest.raises(TypeError, match="extra_header"):
        await getattr(cp, method)(*args, extra_header={"X": "1"})
    assert {} == http.requests


@pytest.mark.parametrize("name", ["callback_url", "callbackURL", "CallbackUrl", "from_", "From"])
async def test_another_spelling_of_a_catapult_field_is_refused_in_extra_body(
    name: str, pool: SessionPool, http: aioresponses
) -> None:
    """Catapult's `callbackUrl` cannot be slipped in as `callback_url` past its rule."""
    cp = CatapultClient("u-1", "t", "s", pool=pool, retry=NO_RETRY)
    with pytest.raises(ValidationError, match="known field") as caught:
        await cp.create_conference(from_="+15551234567", extra_body={name: "x"})
    assert "extra_body" == caught.value.field
    assert {} == http.requests


@pytest.mark.parametrize("name", ["from_", "From", "maxParticipants", "Name", "CALL-CONTROL-ID"])
async def test_another_spelling_of_a_telnyx_field_is_refused_in_extra_body(
    name: str, pool: SessionPool, http: aioresponses
) -> None:
    """Telnyx's snake_case fields cannot come back in camelCase or another case."""
    tx = TelnyxClient(KEY, pool=pool, retry=NO_RETRY)
    call: Awaitable[object]
    if name in {"from_", "From"}:
        call = tx.dial(
            connection_id="c", from_="+15551234567", to="+15557654321", extra_body={name: "x"}
        )
    else:
        call = tx.create_conference(call_control_id="v3:a", name="B", extra_body={name: 1})
    with pytest.raises(ValidationError, match="known field"):
        await call
    assert {} == http.requests


async def test_content_encoding_cannot_come_from_extra_headers(
    pool: SessionPool, http: aioresponses
) -> None:
    """The body is plain JSON: a Content-Encoding extra would make the provider misread it."""
    tx = TelnyxClient(KEY, pool=pool)
    with pytest.raises(ValidationError, match="Content-Encoding"):
        await tx.get_conference("c-1", extra_headers={"Content-Encoding": "gzip"})
    assert {} == http.requests


def test_an_async_hook_is_refused_when_the_hooks_are_built() -> None:
    """Hooks are never awaited, so a coroutine function is refused instead of silently not run."""

    async def on_request(_info: RequestInfo) -> None:
        return None

    with pytest.raises(ConfigurationError, match="plain function"):
        Hooks(on_request=on_request)


async def test_a_hook_returning_a_coroutine_is_logged_and_never_warns(
    pool: SessionPool, http: aioresponses, caplog: pytest.LogCaptureFixture
) -> None:
    """A lambda returning a coroutine is closed and logged, with no 'never awaited' warning."""

    async def later(_info: RequestInfo) -> None:
        return None

    http.get(f"{TELNYX}/conferences/c-1", payload={"data": CONFERENCE})

    def on_request(info: RequestInfo) -> Any:
        return later(info)  # a plain function handing back a coroutine nobody awaits

    tx = TelnyxClient(KEY, pool=pool, hooks=Hooks(on_request=on_request))
    with caplog.at_level(logging.ERROR, logger="conferencing"):
        conference = await tx.get_conference("c-1")
    assert "c-1" == conference.id
    assert any("returned a coroutine" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.telnyx.com/v2",
        "https://api.telnyx.com:443/v2",
        "https://api.telnyx.com./v2",
        "https://API.Telnyx.com/v2",
    ],
)
def test_every_spelling_of_one_server_is_one_origin(base_url: str) -> None:
    """A default port, a trailing dot or capitals do not make a second origin (or pace)."""
    tx = TelnyxClient(KEY, base_url=base_url)
    assert "https://api.telnyx.com" == tx._origin
    assert "https://api.telnyx.com/v2" == tx.base_url


async def test_trust_env_never_reads_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a ~/.netrc entry for the host, trust_env=True still sends the client's credentials."""
    netrc = tmp_path / ".netrc"
    netrc.write_text("default login someone password other-secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HOME", str(tmp_path))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    async with Emulator(host="127.0.0.1", port=0) as emu, SessionPool(trust_env=True) as pool:
        tx = TelnyxClient(emu.telnyx_api_key, base_url=emu.telnyx_url, pool=pool)
        with pytest.raises(NotFoundError):
            await tx.get_conference("c-missing")


@pytest.mark.parametrize(
    "options",
    [{"local_addr": "127.0.0.1"}, {"force_close": True, "keepalive_timeout": 30}],
    ids=["local_addr-not-a-pair", "force_close-with-keepalive"],
)
async def test_connector_options_aiohttp_refuses_are_a_configuration_error(
    options: dict[str, Any],
) -> None:
    """Values aiohttp's connector would refuse late are a ConfigurationError, built or used."""

    async def use() -> None:
        async with SessionPool(connector_options=options) as pool:
            await TelnyxClient(KEY, base_url="http://127.0.0.1:9/v2", pool=pool).get_conference(
                "c-1"
            )

    with pytest.raises(ConfigurationError, match="connector_options"):
        await use()


@pytest.mark.lean_transport  # aiohttp's path cannot tell: there it is unknown
async def test_a_create_timing_out_before_it_was_written_is_known_never_sent() -> None:
    """A timeout while the connection is still being set up leaves a Catapult create retryable.

    The server accepts TCP but never answers the TLS handshake, so the
    request times out before a byte of it was written.
    """
    held: list[asyncio.StreamWriter] = []

    async def never_shake_hands(
        _reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        held.append(writer)

    server = await asyncio.start_server(never_shake_hands, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with SessionPool() as pool:
            cp = CatapultClient(
                "u-1", "t", "s", base_url=f"https://127.0.0.1:{port}", pool=pool, retry=NO_RETRY
            )
            with pytest.raises(RequestTimeout) as caught:
                await cp.create_conference(from_="+15551234567", timeout=0.2)
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert False is caught.value.request_sent
