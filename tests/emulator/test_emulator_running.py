"""Starting the emulator: in-process, in a thread, from the shell; its URLs, credentials, stats."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import os
import signal
import socket
import sys
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from emulator_wire import FROM, CatapultWire, TelnyxWire, basic, new_ccid

from conferencing.emulator import Emulator, EmulatorStats, EmulatorThread, Faults
from conferencing.emulator.__main__ import _emulator, _parser, main

pytest_plugins = ["emulator_fixtures"]

REPOSITORY = Path(__file__).resolve().parents[2]


def _get_json(url: str, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - our loopback URL
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


async def test_urls_point_at_loopback(local_emulator: Emulator) -> None:
    """telnyx_url ends in /v2; catapult_url is the bare origin on 127.0.0.1."""
    assert local_emulator.base_url.startswith("http://127.0.0.1:")
    assert local_emulator.base_url + "/v2" == local_emulator.telnyx_url
    assert local_emulator.base_url == local_emulator.catapult_url
    assert local_emulator.base_url + "/_emulator/stats" == local_emulator.stats_url


async def test_credentials_are_random_unless_given() -> None:
    """Two emulators get different credentials; given ones are used as they are."""
    first, second = Emulator(), Emulator()
    for name in ("telnyx_api_key", "catapult_user_id", "catapult_api_token", "catapult_api_secret"):
        assert getattr(first, name) != getattr(second, name)
    given = Emulator(
        telnyx_api_key="KEY1",
        catapult_user_id="u-1",
        catapult_api_token="t-1",  # noqa: S106 - a test credential
        catapult_api_secret="s-1",  # noqa: S106
    )
    assert ("KEY1", "u-1", "t-1", "s-1") == (
        given.telnyx_api_key,
        given.catapult_user_id,
        given.catapult_api_token,
        given.catapult_api_secret,
    )


async def test_repr_hides_the_secrets(local_emulator: Emulator) -> None:
    """repr shows where it listens and the user id, never the key, token or secret."""
    text = repr(local_emulator)
    assert local_emulator.base_url in text
    for secret in (
        local_emulator.telnyx_api_key,
        local_emulator.catapult_api_token,
        local_emulator.catapult_api_secret,
    ):
        assert secret not in text
    assert "not started" in repr(Emulator())


async def test_urls_need_a_started_emulator() -> None:
    """Asking an emulator that never started for its URL is an error."""
    with pytest.raises(RuntimeError, match="not been started"):
        _ = Emulator().telnyx_url


async def test_starting_twice_is_refused_and_closing_twice_is_fine(
    local_emulator: Emulator,
) -> None:
    """start on a running emulator raises; close twice does no harm."""
    with pytest.raises(RuntimeError, match="already running"):
        await local_emulator.start()
    await local_emulator.close()
    await local_emulator.close()


async def test_stats_count_what_happened(
    telnyx_wire: TelnyxWire, catapult_wire: CatapultWire, http_session: aiohttp.ClientSession
) -> None:
    """The stats object and endpoint count requests, conferences, calls and members."""
    data = await telnyx_wire.create()
    await telnyx_wire.action(data["id"], "join", call_control_id=new_ccid())
    conference_id = await catapult_wire.conference()
    await catapult_wire.member(conference_id)
    await catapult_wire.call("GET", f"/conferences/{conference_id}")
    stats = telnyx_wire.emu.stats
    assert isinstance(stats, EmulatorStats)
    expected = {
        "requests": 6,
        "telnyx_requests": 2,
        "catapult_requests": 4,
        "telnyx_conferences_created": 1,
        "catapult_conferences_created": 1,
        "telnyx_participants_joined": 2,
        "catapult_calls_created": 1,
        "catapult_members_added": 1,
        "duplicates_avoided": 0,
        "rate_limited": 0,
    }
    assert expected == {key: value for key, value in stats.as_dict().items() if key in expected}
    async with http_session.get(telnyx_wire.emu.stats_url) as response:
        assert (200, "application/json") == (response.status, response.content_type)
        assert stats.as_dict() == await response.json()
    assert stats == telnyx_wire.emu.stats


async def test_reset_forgets_everything(
    telnyx_wire: TelnyxWire, catapult_wire: CatapultWire
) -> None:
    """reset clears conferences, calls and counts."""
    await telnyx_wire.create()
    await catapult_wire.conference()
    telnyx_wire.emu.reset()
    assert ([], []) == (
        telnyx_wire.emu.telnyx_conferences(),
        telnyx_wire.emu.catapult_conferences(),
    )
    assert (
        EmulatorStats(faults_injected=telnyx_wire.emu.stats.faults_injected)
        == telnyx_wire.emu.stats
    )


async def test_unknown_paths_outside_the_apis_are_plain_404(
    local_emulator: Emulator, http_session: aiohttp.ClientSession
) -> None:
    """Paths outside /v1, /v2 and /_emulator are 404 and not counted."""
    async with http_session.get(local_emulator.base_url + "/elsewhere") as response:
        assert 404 == response.status
    assert 0 == local_emulator.stats.requests


def test_the_thread_runner_serves_synchronous_code() -> None:
    """EmulatorThread runs the emulator in the background; controls work from this thread."""
    with EmulatorThread(Emulator(faults=Faults())) as local_emulator:
        body = json.dumps({"call_control_id": new_ccid(), "name": "sync"}).encode()
        request = urllib.request.Request(  # noqa: S310 - our loopback URL
            local_emulator.telnyx_url + "/conferences",
            data=body,
            headers={
                "Authorization": f"Bearer {local_emulator.telnyx_api_key}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert 200 == response.status
        assert ["sync"] == [c["name"] for c in local_emulator.telnyx_conferences()]
        local_emulator.faults = Faults(server_error=1.0)
        assert 1 == local_emulator.stats.telnyx_conferences_created
        assert 1 == _get_json(local_emulator.stats_url)["telnyx_conferences_created"]
    with pytest.raises(OSError, match="refused"):
        _get_json(local_emulator.stats_url)


def test_the_thread_runner_reports_a_failed_start() -> None:
    """A port already taken is raised in the starting thread."""
    with EmulatorThread() as running:
        port = int(running.base_url.rsplit(":", 1)[1])
        with pytest.raises(OSError, match="address"):
            EmulatorThread(Emulator(port=port)).start()


async def test_the_thread_runner_works_inside_an_event_loop(
    http_session: aiohttp.ClientSession,
) -> None:
    """From async code, the threaded emulator answers and its controls still work."""
    thread = EmulatorThread()
    local_emulator = thread.start()
    try:
        wire = CatapultWire(http_session, local_emulator)
        conference_id = await wire.conference()
        assert [conference_id] == [c["id"] for c in local_emulator.catapult_conferences()]
        local_emulator.hang_up_telnyx_call(new_ccid())
    finally:
        thread.stop()
        thread.stop()


async def test_python_dash_m_prints_urls_and_serves() -> None:
    """``python -m conferencing.emulator`` prints URLs and credentials, serves, stops on SIGINT."""
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "conferencing.emulator",
        "--port",
        "0",
        "--catapult-user-id",
        "u-cli",
        "--catapult-api-token",
        "tok",
        "--catapult-api-secret",
        "sec",
        "--rate-limits",
        "--seed",
        "3",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=REPOSITORY,
    )
    try:
        assert process.stdout is not None
        printed: dict[str, str] = {}
        async with asyncio.timeout(20):
            while "Press Ctrl-C" not in (line := (await process.stdout.readline()).decode()):
                assert line, "the emulator exited before it was ready"
                name, _, value = line.strip().partition(" ")
                printed[name] = value.strip()
        assert printed["telnyx_url"].startswith("http://127.0.0.1:")
        assert printed["telnyx_url"].endswith("/v2")
        assert "u-cli" == printed["catapult_user_id"]
        async with aiohttp.ClientSession() as http_session:
            url = printed["catapult_url"] + "/v1/users/u-cli/conferences"
            headers = {"Authorization": basic("tok", "sec")}
            async with http_session.post(url, json={"from": FROM}, headers=headers) as response:
                assert 201 == response.status
            async with http_session.post(url, json={"from": FROM}, headers=headers) as response:
                assert 429 == response.status
            headers = {"Authorization": f"Bearer {printed['telnyx_api_key']}"}
            async with http_session.get(
                printed["telnyx_url"] + "/conferences", headers=headers
            ) as r:
                assert 200 == r.status
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(10):
            assert 0 == await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        with contextlib.suppress(Exception):
            await process.communicate()


async def test_python_dash_m_refuses_impossible_faults() -> None:
    """A fault share above 1 is a usage error (exit status 2)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "conferencing.emulator",
        "--server-error",
        "2",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        cwd=REPOSITORY,
    )
    async with asyncio.timeout(20):
        _, stderr = await process.communicate()
    assert 2 == process.returncode
    assert b"server_error must be a probability" in stderr


async def test_python_dash_m_on_a_taken_port_says_so_in_one_line() -> None:
    """A port already in use is one stderr line naming host, port and reason, exit status 2."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "conferencing.emulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
            cwd=REPOSITORY,
        )
        try:
            async with asyncio.timeout(10):
                stdout, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert 2 == process.returncode
    assert b"" == stdout
    lines = stderr.decode().splitlines()
    assert 1 == len(lines), stderr.decode()
    assert f"127.0.0.1:{port}" in lines[0]
    assert os.strerror(errno.EADDRINUSE) in lines[0]


def test_python_dash_m_takes_a_command_id_ttl() -> None:
    """--command-id-ttl sets how long command_ids are remembered; 600 s unless given."""
    assert 600.0 == _emulator(_parser().parse_args([])).command_id_ttl
    assert 2.5 == _emulator(_parser().parse_args(["--command-id-ttl", "2.5"])).command_id_ttl


def test_python_dash_m_refuses_a_command_id_ttl_that_is_not_positive(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A time to live of 0 is a usage error (exit status 2) naming the rule."""
    with pytest.raises(SystemExit) as exited:
        main(["--command-id-ttl", "0"])
    assert 2 == exited.value.code
    assert "command_id_ttl must be > 0 seconds" in capsys.readouterr().err
