"""MkDocs hooks: the site shows the README's sections and the repository's files, never copies.

The README is the source for PyPI and the site alike, so a page names what
it shows instead of repeating it, on a line of its own (indented, inside an
admonition, if need be)::

    <!-- include "README.md" section "Errors" -->
    <!-- include "README.md" section "A whole conference call" until "**Telnyx** has" -->
    <!-- include "README.md" section "A whole conference call" from "**Telnyx** has" -->
    <!-- include "CHANGELOG.md" -->
    <!-- include "examples/bulk.py" -->

A section is the text under its ``#`` or ``##`` heading, up to the next
such heading outside a code block. ``until`` ends it before a phrase,
``from`` starts it at one. A whole ``.py`` file comes as a Python code
block. A file, section or phrase that is not there (once) stops the build,
so a renamed section cannot leave the site stale.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
# Repository files that included README text links to, served at the same relative paths.
SHARED_FILES = ("benchmarks/results/throughput.png",)

_MARK = "<!-- include "
_DIRECTIVE = re.compile(
    r'^(?P<indent>[ ]*)<!-- include "(?P<file>[^"]+)"'
    r'(?: section "(?P<section>[^"]+)"(?: (?P<how>from|until) "(?P<phrase>[^"]+)")?)? -->$',
    re.MULTILINE,
)
_HEADING = re.compile(r"^##? (?P<title>.+)$")
_RAW_FILE = re.compile(
    r"\]\(https://raw\.githubusercontent\.com/[^/]+/[^/]+/main/(?P<path>[^)\s]+)\)"
)
_FENCE = re.compile(r"^(```|~~~)")


def sections(text: str) -> dict[str, str]:
    """A Markdown text's ``#`` and ``##`` sections by title; code blocks hold no headings."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else _HEADING.match(line)
        if heading:
            current = found.setdefault(heading["title"].strip(), [])
        elif current is not None:
            current.append(line)
    return {title: "".join(lines).strip("\n") + "\n" for title, lines in found.items()}


def _section(text: str, match: re.Match[str], page: str) -> str:
    name, section, how, phrase = match["file"], match["section"], match["how"], match["phrase"]
    found = sections(text).get(section)
    if found is None:
        raise PluginError(f"{page}: {name} has no section {section!r}")
    if how is None:
        return found
    if found.count(phrase) != 1:
        raise PluginError(f"{page}: {phrase!r} is not in {name} section {section!r} exactly once")
    before, _, after = found.partition(phrase)
    return before.rstrip() + "\n" if how == "until" else phrase + after


def _include(match: re.Match[str], page: str) -> str:
    name = match["file"]
    path = (ROOT / name).resolve()
    if not path.is_relative_to(ROOT) or not path.is_file():
        raise PluginError(f"{page}: no file {name!r} in the repository")
    text = path.read_text(encoding="utf-8")
    if match["section"] is not None:
        # The README names its images by absolute URL (it is shown on PyPI);
        # the site serves them itself (SHARED_FILES) and loads nothing from elsewhere.
        text = _RAW_FILE.sub(r"](\g<path>)", _section(text, match, page))
    elif path.suffix == ".py":
        text = f"```python\n{text.rstrip()}\n```\n"
    return textwrap.indent(text, match["indent"], lambda line: bool(line.strip()))


def on_page_markdown(markdown: str, *, page: Page, **_: Any) -> str:
    """Replace each include line of a page with what it names."""
    if _MARK not in markdown:
        return markdown
    markdown = _DIRECTIVE.sub(lambda match: _include(match, page.file.src_uri), markdown)
    if _MARK in markdown:
        msg = f"{page.file.src_uri}: an include line is not in the form docs/_hooks.py shows"
        raise PluginError(msg)
    return markdown


def on_files(files: Files, *, config: MkDocsConfig) -> Files:
    """Serve the repository files that included README text links to."""
    for path in SHARED_FILES:
        files.append(File.generated(config, path, abs_src_path=str(ROOT / path)))
    return files
