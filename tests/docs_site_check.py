"""Check the built documentation site as a browser shows it: headless Chromium on loopback.

Run after ``mkdocs build --strict`` (``.ci/run`` does)::

    python tests/docs_site_check.py site --screenshots build/docs-screenshots

It serves ``site/`` on 127.0.0.1, has Chromium render a few pages (the DOM
after the theme's JavaScript ran, and a PNG screenshot of each), and fails
with a list of what is wrong: a page whose title, navigation, content or
highlighted code is missing, the API reference without
``TelnyxClient.create_conference`` and its docstring, a request of the
pages that got a 404 (a stylesheet or script not found), a reference to
another host, or a screenshot that is blank or lacks the theme's header.
Chromium may resolve no host name: every request goes to 127.0.0.1.

Not a pytest test (its name does not start with ``test_``): it needs the
built site and Chromium, which the ``docs`` step of ``.ci/run`` provides.
"""

from __future__ import annotations

import argparse
import functools
import html
import importlib
import inspect
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import attrs

from conferencing import TelnyxClient

#: The labels of the site's navigation, every one expected on every page.
NAV_LABELS = (
    "Quick start",
    "Telnyx",
    "Catapult",
    "Errors",
    "Retries and bulk",
    "Events",
    "In a service",
    "Many processes",
    "Testing with the emulator",
    "Performance",
    "Security",
    "API reference",
    "Changelog",
)
#: The API reference: module, and the page documenting its `__all__`.
REFERENCE = {
    "conferencing": "reference/conferencing",
    "conferencing.telnyx": "reference/telnyx",
    "conferencing.catapult": "reference/catapult",
    "conferencing.emulator": "reference/emulator",
    "conferencing.redis": "reference/redis",
}
#: Names of `conferencing` that its page links to instead (they have pages of their own).
DOCUMENTED_ELSEWHERE = frozenset(
    {
        "conferencing.TelnyxClient",
        "conferencing.CatapultClient",
        "conferencing.telnyx",
        "conferencing.catapult",
    }
)
#: Material's header colour (its default "indigo" primary), RGB.
HEADER_RGB = (0x40, 0x51, 0xB5)
COLOUR_TOLERANCE = 24
MIN_COLOURS = 16
PAETH = 4
NOT_FOUND = 400
WINDOW = (1280, 1600)


@attrs.frozen
class Page:
    """A page to render, and what its content must show."""

    path: str
    title: str
    #: Texts that must be in the page's visible content (tags stripped).
    texts: tuple[str, ...] = ()
    #: Element ids that must be in the DOM.
    ids: tuple[str, ...] = ()
    #: Whether the page has a Python code block that must be highlighted.
    code: bool = True


def _first_sentence(obj: object) -> str:
    """The first line of `obj`'s docstring, as the page shows it (backticks become code)."""
    doc = inspect.getdoc(obj) or ""
    return doc.splitlines()[0].replace("`", "") if doc else ""


PAGES = (
    Page("", "conferencing", texts=("Create a conference", "Rules checked before sending")),
    Page("telnyx/", "Telnyx - conferencing", texts=("dial_conference_call",)),
    Page("events/", "Events - conferencing", texts=("WebhookReceiver",)),
    Page(
        "reference/telnyx/",
        "conferencing.telnyx - conferencing",
        texts=(
            "TelnyxClient",
            "create_conference",
            _first_sentence(TelnyxClient.create_conference),
        ),
        ids=(
            "conferencing.telnyx.TelnyxClient",
            "conferencing.telnyx.TelnyxClient.create_conference",
        ),
    ),
    Page("performance/", "Performance - conferencing", texts=("req/s",), code=False),
    Page(
        "in-a-service/",
        "In a service - conferencing",
        texts=("extra_body", "raw_response", "Hooks", "traceparent", 'transport="aiohttp"'),
    ),
    Page("reference/redis/", "conferencing.redis - conferencing", texts=("RedisStore",)),
)


@contextmanager
def _serve(site: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """Serve `site` on a free loopback port; yield its URL and the (path, status) log."""
    log: list[tuple[str, int]] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:  # noqa: ARG002
            log.append((self.path, int(code) if str(code).isdigit() else 0))

        def log_message(self, *args: Any) -> None:
            """Quiet: the checker reports what matters."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    sys.exit("docs check: no Chromium found (apt-get install chromium)")


def _render(chromium: str, url: str, *output: str) -> str:
    """Run headless Chromium on `url` with `output` flags; its standard output."""
    # A profile per run: a second browser on a profile in use hands its work to the
    # first and exits, writing nothing.
    with tempfile.TemporaryDirectory() as profile:
        return _run_chromium(chromium, Path(profile), url, *output)


def _run_chromium(chromium: str, profile: Path, url: str, *output: str) -> str:
    done = subprocess.run(  # noqa: S603 - the browser found on PATH, flags of our own
        [
            chromium,
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # No name resolves: nothing can reach a host other than 127.0.0.1.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--virtual-time-budget=5000",
            *output,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        msg = f"chromium failed on {url} ({done.returncode}): {done.stderr[-2000:]}"
        raise RuntimeError(msg)
    return done.stdout


def _visible_text(dom: str) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def check_dom(page: Page, dom: str) -> list[str]:
    """What is wrong with `page`'s DOM, as Chromium had it after the theme's scripts ran."""
    problems: list[str] = []
    title = re.search(r"<title>(.*?)</title>", dom, re.DOTALL)
    if title is None or html.unescape(title.group(1)).strip() != page.title:
        problems.append(f"title is {title and title.group(1)!r}, expected {page.title!r}")
    problems += [
        f"the theme's {marker} element is missing"
        for marker in ("md-header", "md-sidebar--primary", "md-content", "md-footer")
        if f'class="{marker}' not in dom and f" {marker}" not in dom
    ]
    nav = dom.split('class="md-sidebar md-sidebar--primary"', 1)[-1].split("md-content", 1)[0]
    nav_text = _visible_text(nav)
    problems += [f"navigation lacks {label!r}" for label in NAV_LABELS if label not in nav_text]
    text = _visible_text(dom.split('class="md-content"', 1)[-1])
    problems += [f"content lacks {want!r}" for want in page.texts if want not in text]
    problems += [f"no element with id {want!r}" for want in page.ids if f'id="{want}"' not in dom]
    if page.code:
        if not re.search(r'<div class="(language-python )?highlight">', dom):
            problems.append("no highlighted code block")
        if not re.search(r'<span class="(kn|k|nb|n)">', dom):
            problems.append("code blocks carry no highlighting tokens")
        # The copy buttons are added by the theme's JavaScript: proof that it loaded and ran.
        if 'title="Copy to clipboard"' not in dom:
            problems.append("no copy button on code: the theme's JavaScript did not run")
    return problems


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """A PNG's chunks, as (type, body)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        yield data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length


def _unfilter(kind: int, line: bytearray, previous: bytes, channels: int) -> bytes:
    """Undo one scanline's PNG filter (0 none, 1 sub, 2 up, 3 average, 4 Paeth)."""
    for x in range(len(line)):
        left = line[x - channels] if x >= channels else 0
        up, corner = previous[x], previous[x - channels] if x >= channels else 0
        if kind == PAETH:
            guess = left + up - corner
            near_left, near_up = abs(guess - left), abs(guess - up)
            near_corner = abs(guess - corner)
            if near_left <= near_up and near_left <= near_corner:
                predictor = left
            else:
                predictor = up if near_up <= near_corner else corner
        else:
            predictor = (0, left, up, (left + up) // 2)[kind]
        line[x] = (line[x] + predictor) & 0xFF
    return bytes(line)


def _rgb(rgba: bytes) -> bytes:
    rgb = bytearray(len(rgba) // 4 * 3)
    for channel in range(3):
        rgb[channel::3] = rgba[channel::4]
    return bytes(rgb)


def png_rows(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit, non-interlaced RGB or RGBA PNG."""
    chunks = list(_chunks(data))
    header = next(body for kind, body in chunks if kind == b"IHDR")
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour})")
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride, rows, previous = width * channels, [], bytes(width * channels)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(
            raw[start], bytearray(raw[start + 1 : start + 1 + stride]), previous, channels
        )
        rows.append(line if channels == 3 else _rgb(line))
        previous = line
    return width, height, rows


def check_screenshot(png: bytes) -> list[str]:
    """What is wrong with a screenshot: blank, or without the theme's coloured header."""
    width, height, rows = png_rows(png)
    if (width, height) != WINDOW:
        return [f"screenshot is {width}x{height}, expected {WINDOW[0]}x{WINDOW[1]}"]
    colours = {row[i : i + 3] for row in rows[::8] for i in range(0, len(row), 24)}
    problems = []
    # Text, links, code and the header, anti-aliased, make hundreds; a blank page one or two.
    if len(colours) < MIN_COLOURS:
        problems.append(f"screenshot looks blank ({len(colours)} colours)")
    header = rows[10][600 * 3 : 600 * 3 + 3]
    if any(abs(a - b) > COLOUR_TOLERANCE for a, b in zip(header, HEADER_RGB, strict=True)):
        problems.append(f"header pixel is {tuple(header)}, not the theme's {HEADER_RGB}")
    return problems


def check_reference(site: Path) -> list[str]:
    """Public names (each module's `__all__`) that have no entry in the API reference."""
    problems = []
    for module, page in REFERENCE.items():
        text = (site / page / "index.html").read_text(encoding="utf-8")
        names = importlib.import_module(module).__all__
        problems += [
            f"{page}: no entry for {module}.{name}"
            for name in names
            if f'id="{module}.{name}"' not in text
            and f"{module}.{name}" not in DOCUMENTED_ELSEWHERE
        ]
    return problems


def check_static(site: Path) -> list[str]:
    """Pages that load a stylesheet, script or font from another host."""
    external = re.compile(r'<(?:link|script|img)\b[^>]*(?:href|src)="(?:https?:)?//', re.IGNORECASE)
    return [
        f"{page.relative_to(site)} loads from another host"
        for page in sorted(site.rglob("*.html"))
        if external.search(page.read_text(encoding="utf-8"))
    ]


def main() -> int:
    """Check the site; print what was checked and any problem; 0 when none."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("site", type=Path, help="the built site (mkdocs build's site/)")
    parser.add_argument("--screenshots", type=Path, default=Path("build/docs-screenshots"))
    args = parser.parse_args()
    site: Path = args.site.resolve()
    if not (site / "index.html").is_file():
        parser.exit(2, f"{site} has no index.html: run mkdocs build first\n")
    args.screenshots = args.screenshots.resolve()
    args.screenshots.mkdir(parents=True, exist_ok=True)
    chromium = _chromium()
    problems = check_static(site) + check_reference(site)
    with _serve(site) as (root, log):
        for page in PAGES:
            shot = args.screenshots / f"{page.path.strip('/').replace('/', '-') or 'index'}.png"
            shot.unlink(missing_ok=True)
            dom = _render(chromium, root + page.path, "--dump-dom", f"--screenshot={shot}")
            found = check_dom(page, dom)
            found += check_screenshot(shot.read_bytes()) if shot.is_file() else ["no screenshot"]
            problems += [f"/{page.path}: {problem}" for problem in found]
            print(f"docs check: rendered /{page.path} to {shot}")  # noqa: T201
        problems += [f"{path} answered {status}" for path, status in log if status >= NOT_FOUND]
        requested = len(log)
    for problem in problems:
        print(f"docs check: {problem}", file=sys.stderr)  # noqa: T201
    print(f"docs check: {len(PAGES)} pages, {requested} requests, {len(problems)} problems")  # noqa: T201
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
