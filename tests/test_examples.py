"""The programs in examples/, run as a user would run them, against the emulator."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conferencing.emulator import Emulator

pytest_plugins = ["conferencing.emulator.pytest_plugin"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# Never through a proxy from the environment: every request here is to 127.0.0.1.
_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _request(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """GET `url`, or POST `body` to it as JSON; the status and the decoded answer."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)  # noqa: S310 - http only
    try:
        with _HTTP.open(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"null")


def _environ(emulator: Emulator, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TELNYX_", "CATAPULT_"))}
    environ.update(
        TELNYX_API_KEY=emulator.telnyx_api_key,
        TELNYX_BASE_URL=emulator.telnyx_url,
        TELNYX_PUBLIC_KEY=emulator.telnyx_public_key,
        **extra,
    )
    return environ


@pytest.fixture
def service(conferencing_emulator: Emulator, tmp_path: Path) -> Iterator[str]:
    """``python examples/service.py`` on a free loopback port, wired to the emulator."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with (tmp_path / "service.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own example, by absolute path
            [sys.executable, str(EXAMPLES / "service.py")],
            env=_environ(conferencing_emulator, HOST="127.0.0.1", PORT=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if (200, {"ok": True}) == _request(f"{url}/healthz"):
                        break
                except (urllib.error.URLError, ConnectionError):
                    pass
                assert process.poll() is None, (tmp_path / "service.log").read_text()
                assert time.monotonic() < deadline, "the service did not start within 20 s"
                time.sleep(0.1)
            conferencing_emulator.webhook_url = f"{url}/telnyx/webhooks"
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)
    # SIGTERM is aiohttp's graceful exit: the app's cleanup ran, closing its pool and receiver.
    log_text = (tmp_path / "service.log").read_text()
    assert 0 == process.returncode, log_text
    assert "Unclosed" not in log_text


def test_the_service_creates_a_conference_and_follows_it_through_its_webhooks(
    service: str, conferencing_emulator: Emulator, tmp_path: Path
) -> None:
    """POST /conferences creates one on the emulator; its signed webhooks reach the service."""
    status, created = _request(
        f"{service}/conferences", {"call_control_id": "v3:host", "name": "standup"}
    )
    assert (201, "standup") == (status, created["name"])
    conference_id = created["id"]
    conferencing_emulator.wait_for_deliveries(10)
    assert (200, ["v3:host"], None) == (
        (answer := _request(f"{service}/conferences/{conference_id}"))[0],
        answer[1]["participants"],
        answer[1]["ended"],
    )

    conferencing_emulator.hang_up_telnyx_call("v3:host")
    conferencing_emulator.wait_for_deliveries(10)
    status, record = _request(f"{service}/conferences/{conference_id}")
    assert {
        "id": conference_id,
        "participants": [],
        "joined": ["v3:host"],
        "left": ["v3:host"],
        "ended": "all_left",
    } == record
    assert 1 == conferencing_emulator.stats.telnyx_conferences_created
    assert f"v3:host joined {conference_id}" in (tmp_path / "service.log").read_text()


def test_the_service_answers_a_broken_rule_and_a_forged_webhook_without_calling_telnyx(
    service: str, conferencing_emulator: Emulator
) -> None:
    """An empty name is a 422 naming the rule, an unsigned webhook a 403; Telnyx hears nothing."""
    status, answer = _request(f"{service}/conferences", {"call_control_id": "v3:a", "name": ""})
    assert 422 == status
    assert "name" in answer["error"]
    forged = {"data": {"id": "e-1", "event_type": "conference.ended", "payload": {}}}
    assert 403 == _request(f"{service}/telnyx/webhooks", forged)[0]
    assert 0 == conferencing_emulator.stats.telnyx_requests


def test_the_service_will_not_start_without_the_webhook_public_key(
    conferencing_emulator: Emulator,
) -> None:
    """Without TELNYX_PUBLIC_KEY it could verify nothing, so it stops at once, naming it."""
    environ = _environ(conferencing_emulator, PORT=str(_free_port()))
    del environ["TELNYX_PUBLIC_KEY"]
    done = subprocess.run(  # noqa: S603 - our own example, by absolute path
        [sys.executable, str(EXAMPLES / "service.py")],
        env=environ,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert 0 != done.returncode
    assert "TELNYX_PUBLIC_KEY" in done.stderr


def _bulk(emulator: Emulator, csv: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own example, by absolute path
        [sys.executable, str(EXAMPLES / "bulk.py"), str(csv), "--concurrency", "4"],
        env=_environ(emulator),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_bulk_script_creates_every_valid_row_and_reports_the_others(
    conferencing_emulator: Emulator, tmp_path: Path
) -> None:
    """Valid rows become conferences; each broken row is reported alone; the exit status is 1."""
    rooms = tmp_path / "rooms.csv"
    rooms.write_text(
        "call_control_id,name,max_participants\n"
        "v3:leg-1,standup,10\n"
        "v3:leg-2,retro,\n"
        "v3:leg-3,,5\n"
        "v3:leg-4,planning,1\n"
        "v3:leg-5,review,3\n",
        encoding="utf-8",
    )
    done = _bulk(conferencing_emulator, rooms)

    assert (1, "") == (done.returncode, done.stderr)
    lines = done.stdout.splitlines()
    assert [
        "row 3: failed: ValidationError: name is required",
        "row 4: failed: ValidationError: max_participants must be 2..800, got 1",
    ] == sorted(lines[:-1])
    assert lines[-1].startswith("3 created, 2 failed, 0 unknown of 5 rows in ")
    assert 3 == conferencing_emulator.stats.telnyx_conferences_created


def test_the_bulk_script_exits_0_when_every_row_is_created(
    conferencing_emulator: Emulator, tmp_path: Path
) -> None:
    """A CSV of valid rows, Excel's byte-order mark included, is created whole."""
    rooms = tmp_path / "rooms.csv"
    rows = "".join(f"v3:leg-{n},room-{n}\n" for n in range(20))
    rooms.write_text("\ufeffcall_control_id,name\n" + rows, encoding="utf-8")
    done = _bulk(conferencing_emulator, rooms)

    assert 0 == done.returncode, done.stdout + done.stderr
    assert done.stdout.startswith("20 created, 0 failed, 0 unknown of 20 rows in ")
    assert 20 == conferencing_emulator.stats.telnyx_conferences_created


def test_the_bulk_script_refuses_unknown_columns_before_sending_anything(
    conferencing_emulator: Emulator, tmp_path: Path
) -> None:
    """A header naming a field it does not know is exit status 2, and nothing is sent."""
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("call_control_id,nmae\nv3:leg-1,standup\n", encoding="utf-8")
    done = _bulk(conferencing_emulator, rooms)

    assert 2 == done.returncode
    assert "unknown columns ['nmae']" in done.stderr
    assert 0 == conferencing_emulator.stats.requests


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the running interpreter's own pytest
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_users_test_suite_passes_on_the_emulator_fixture() -> None:
    """examples/test_my_service.py, run with pytest, passes (warnings are errors here too)."""
    done = _pytest("examples/test_my_service.py", cwd=ROOT)

    assert 0 == done.returncode, done.stdout + done.stderr
    assert "5 passed" in done.stdout


def test_the_users_test_suite_catches_a_service_that_forgets_who_joined(tmp_path: Path) -> None:
    """The same suite, on a copy of the service that drops "joined" events, fails."""
    shutil.copy(EXAMPLES / "test_my_service.py", tmp_path)
    source = (EXAMPLES / "service.py").read_text(encoding="utf-8")
    recording = "self.record(conference).joined.append(leg)"
    assert 1 == source.count(recording)
    broken = source.replace(recording, "self.record(conference)")
    (tmp_path / "service.py").write_text(broken, encoding="utf-8")

    done = _pytest("test_my_service.py", cwd=tmp_path)

    assert 1 == done.returncode, done.stdout + done.stderr
    assert "FAILED test_my_service.py::test_the_host_of_a_new_conference_has_joined" in done.stdout
