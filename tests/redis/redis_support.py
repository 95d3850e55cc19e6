"""A real Redis for the tests of `conferencing.redis`, and what they measure with.

See `redis_fixtures` for where the server comes from.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from conferencing.emulator import Emulator, RateLimit, RateLimits

URL_VARIABLE = "CONFERENCING_TEST_REDIS_URL"
#: How long a redis-server may take to answer its first PING.
START_TIMEOUT = 10.0


def free_port() -> int:
    """A TCP port nothing listens on, on 127.0.0.1, now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def no_redis(why: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but no Redis to test against: {why}", pytrace=False)
    pytest.skip(f"no Redis to test against: {why}")


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A redis-server on 127.0.0.1 that a test may kill and start again on the same port."""

    def __init__(self, binary: str, directory: Path, *, password: str | None = None) -> None:
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.password = password
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where it listens, password included."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (on the same port as before, if it ran) and wait for its first PONG."""
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        command += ["--daemonize", "no", "--loglevel", "warning"]
        if self.password:
            command += ["--requirepass", self.password]
        self._process = subprocess.Popen(  # noqa: S603 - our own redis-server, fixed arguments
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answering():
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"redis-server did not answer within {START_TIMEOUT} s")
            time.sleep(0.02)

    def _answering(self) -> bool:
        if self.password is None:
            return _answers_ping(self.port)
        # With a password, PING needs AUTH first: a connection accepted is enough.
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
        ):
            return True
        return False

    def kill(self) -> None:
        """Kill it at once (SIGKILL): connections drop, nothing is saved."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def own_server(binary: str, *, password: str | None = None) -> Iterator[RedisServer]:
    """A redis-server of this test's own, killed at the end."""
    with tempfile.TemporaryDirectory(prefix="conferencing-redis-") as directory:
        server = RedisServer(binary, Path(directory), password=password)
        server.start()
        try:
            yield server
        finally:
            server.kill()


KEY_A = "KEY-ACCOUNT-A-" + uuid.uuid4().hex
KEY_B = "KEY-ACCOUNT-B-" + uuid.uuid4().hex
#: A third account, for requests outside what a test measures.
KEY_C = "KEY-ACCOUNT-C-" + uuid.uuid4().hex


def paced_emulator(requests: int) -> Emulator:
    """An emulator refusing (429) any Telnyx key's request over `requests` in any second."""
    limits = RateLimits(
        catapult_conferences=None,
        catapult_calls=None,
        telnyx=RateLimit(requests, 1000, sliding=True),
    )
    return Emulator(
        telnyx_api_key=KEY_A,
        telnyx_extra_api_keys=[KEY_B, KEY_C],
        rate_limits=limits,
        arrival_log=10_000,
    )


def most_in_any_second(times: list[float]) -> int:
    """The most of `times` (seconds) that fall within any one second, [t, t + 1)."""
    ordered = sorted(times)
    most = 0
    first = 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most
