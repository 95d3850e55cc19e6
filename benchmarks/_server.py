"""The fixed-answer server: nginx when installed, else aiohttp.web, in its own process.

Both answer exactly like the providers' documented create-conference calls:
`POST /v2/conferences` gets 200 with Telnyx's `{"data": {...}}`, and
`POST /v1/users/{user_id}/conferences` gets 201 with no body and a
`Location: /v1/users/{user_id}/conferences/{id}` header. Anything else is a 404.

Run as `python -m benchmarks._server --port N` for the aiohttp.web variant;
it prints `READY <event loop>` once it listens.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Literal, Self

from . import _fixtures

__all__ = ["FixedAnswerServer", "find_nginx", "main", "pinned_to"]

ServerKind = Literal["auto", "nginx", "aiohttp"]

_NGINX_CANDIDATES: Final = (
    "/usr/sbin/nginx",
    "/usr/local/sbin/nginx",
    "/usr/local/nginx/sbin/nginx",
)
_READY_SECONDS: Final = 15.0

_NGINX_CONF: Final = """\
worker_processes 1;
error_log {tmp}/error.log warn;
pid {tmp}/nginx.pid;
events {{
    worker_connections 8192;
    multi_accept on;
}}
http {{
    access_log off;
    server_tokens off;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location = {telnyx_path} {{
            default_type application/json;
            return 200 '{telnyx_answer}';
        }}
        location ~ ^/v1/users/([^/]+)/conferences$ {{
            add_header Location /v1/users/$1/conferences/{conference_id} always;
            return 201;
        }}
        location / {{
            return 404;
        }}
    }}
}}
"""


def find_nginx() -> str | None:
    """The nginx binary: on PATH, or in the usual sbin directories; None when absent."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in _NGINX_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _READY_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the fixed-answer server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the fixed-answer server did not listen on {port} in {_READY_SECONDS} s")


class FixedAnswerServer:
    """A fixed-answer HTTP server in a subprocess on 127.0.0.1; a context manager.

    Args:
        kind: "nginx", "aiohttp", or "auto" (nginx when installed).
        cpu: The CPU to pin the server to, or None to leave it unpinned.
    """

    def __init__(self, kind: ServerKind = "auto", cpu: int | None = None) -> None:
        nginx = find_nginx()
        if kind == "nginx" and nginx is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self._nginx = nginx if kind in {"auto", "nginx"} else None
        self._cpu = cpu
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.label = ""

    @property
    def url(self) -> str:
        """The server's origin, `http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The server's (master) process id."""
        if self._process is None:
            raise RuntimeError("the server is not running")
        return self._process.pid

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self._tmp = tempfile.TemporaryDirectory(prefix="conferencing-bench-")
        pinned = pinned_to(self._cpu)
        with pinned:
            if self._nginx is not None:
                self._start_nginx(self._nginx, Path(self._tmp.name))
            else:
                self._start_aiohttp()

    def _start_nginx(self, nginx: str, tmp: Path) -> None:
        self.port = _free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(
            _NGINX_CONF.format(
                tmp=tmp,
                port=self.port,
                telnyx_path=_fixtures.TELNYX_PATH,
                telnyx_answer=_fixtures.TELNYX_ANSWER,
                conference_id=_fixtures.CATAPULT_CONFERENCE_ID,
            )
        )
        version = subprocess.run(
            [nginx, "-v"], capture_output=True, text=True, check=False
        ).stderr.strip()
        self.label = f"nginx {version.rpartition('/')[2] or '?'} (1 worker)"
        self._process = subprocess.Popen(
            [
                nginx,
                "-g",
                "daemon off;",
                "-p",
                str(tmp),
                "-c",
                str(conf),
                "-e",
                str(tmp / "error.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        _wait_listening(self.port, self._process)

    def _start_aiohttp(self) -> None:
        self.port = _free_port()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._server", "--port", str(self.port)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert self._process.stdout is not None  # noqa: S101 - stdout=PIPE above
        line = self._process.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "READY":
            self.stop()
            raise RuntimeError(f"the aiohttp.web server did not start: {line!r}")
        self.label = f"aiohttp.web on {line[1]} (1 process)"
        _wait_listening(self.port, self._process)

    def cpu_seconds(self) -> float | None:
        """CPU seconds the server's processes have used so far; None without psutil."""
        split = self.cpu_split()
        return None if split is None else split[0] + split[1]

    def cpu_split(self) -> tuple[float, float] | None:
        """(user, kernel) CPU seconds of the server's processes so far; None without psutil."""
        try:
            # Optional (the bench extra), and untyped: looked up, not imported.
            psutil: Any = importlib.import_module("psutil")
        except ImportError:
            return None
        try:
            root = psutil.Process(self.pid)
            user = kernel = 0.0
            for process in [root, *root.children(recursive=True)]:
                times = process.cpu_times()
                user += times.user
                kernel += times.system
        except psutil.Error:
            return None
        return user, kernel

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and remove its files; idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        if process is not None and process.stdout is not None:
            process.stdout.close()
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            tmp.cleanup()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@contextlib.contextmanager
def pinned_to(cpu: int | None) -> Iterator[None]:
    """Run the body with this process pinned to `cpu`, so that children inherit it."""
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _serve(port: int) -> None:
    """Serve the fixed answers with aiohttp.web until killed."""
    import asyncio  # noqa: PLC0415 - only the server process needs these

    from aiohttp import web  # noqa: PLC0415

    telnyx_answer = _fixtures.TELNYX_ANSWER.encode()

    async def telnyx(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=telnyx_answer, content_type="application/json")

    async def catapult(request: web.Request) -> web.Response:
        await request.read()
        user = request.match_info["user"]
        location = f"/v1/users/{user}/conferences/{_fixtures.CATAPULT_CONFERENCE_ID}"
        return web.Response(status=201, headers={"Location": location})

    async def run() -> None:
        app = web.Application()
        app.router.add_post(_fixtures.TELNYX_PATH, telnyx)
        app.router.add_post("/v1/users/{user}/conferences", catapult)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", port, backlog=4096)
        await site.start()
        loop_name = type(asyncio.get_running_loop()).__module__.split(".")[0]
        print(f"READY {loop_name}", flush=True)
        await asyncio.Event().wait()

    try:
        import uvloop  # noqa: PLC0415 - the server's own loop, in its own process
    except ImportError:
        asyncio.run(run())
    else:
        uvloop.run(run())


def main(argv: list[str] | None = None) -> None:
    """Run the aiohttp.web fixed-answer server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        _serve(args.port)


if __name__ == "__main__":
    main()
