"""Griffe extensions for the API reference: attrs signatures, and reST literal blocks.

`AttrsInit`: static analysis sees no `__init__` on an `@attrs.frozen` or `@attrs.define`
class, so the API reference would show `RetryPolicy()` and griffe would warn
that the documented `Args` are not in its signature. The generated signature
is read from the class itself (private fields, aliases, `kw_only` and
`init=False` are attrs' business, not ours to re-derive), and each
parameter's annotation is taken from the class body where it is written,
so annotations stay cross-referenced.

`LiteralBlocks`: a few docstrings end a paragraph with reStructuredText's
``::`` before an indented example; Markdown would show the colons and an
unhighlighted block, so the block becomes a fenced one (Python when it
parses as Python).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
from typing import Any

import attrs
import griffe


def _runtime(cls: griffe.Class) -> object:
    """The class object griffe's `cls` describes, or None when it cannot be imported."""
    module = importlib.import_module(cls.module.path)
    found: object = module
    for part in cls.path.removeprefix(cls.module.path + ".").split("."):
        found = getattr(found, part, None)
    return found


def _annotation(cls: griffe.Class, name: str, runtime: inspect.Parameter) -> str | griffe.Expr:
    """The field's annotation as written in the class body (or a base), else the runtime one."""
    for klass in [cls, *cls.mro()]:
        for candidate in (name, f"_{name}"):
            member = klass.members.get(candidate)
            if isinstance(member, griffe.Attribute) and member.annotation is not None:
                return member.annotation
    shown = runtime.annotation
    return shown if isinstance(shown, str) else inspect.formatannotation(shown)


def _default(value: Any) -> str | None:
    if value is inspect.Parameter.empty:
        return None
    if isinstance(value, attrs.Factory):  # type: ignore[arg-type]
        return f"{getattr(value.factory, '__name__', 'factory')}()"
    return repr(value)


def _add_init(cls: griffe.Class) -> None:
    if "__init__" in cls.members:
        return
    runtime = _runtime(cls)
    if not (isinstance(runtime, type) and attrs.has(runtime)):
        return
    parameters = [
        griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword),
        *(
            griffe.Parameter(
                name,
                annotation=_annotation(cls, name, parameter),
                kind=griffe.ParameterKind[parameter.kind.name.lower()],
                default=_default(parameter.default),
            )
            for name, parameter in inspect.signature(runtime).parameters.items()
        ),
    ]
    init = griffe.Function(
        "__init__",
        lineno=cls.lineno,
        endlineno=cls.lineno,
        parent=cls,
        parameters=griffe.Parameters(*parameters),
        returns="None",
    )
    cls.set_member("__init__", init)


def _walk(obj: griffe.Module | griffe.Class, seen: set[str]) -> None:
    if obj.path in seen:
        return
    seen.add(obj.path)
    if isinstance(obj, griffe.Class):
        _add_init(obj)
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Module | griffe.Class):
            _walk(member, seen)


class AttrsInit(griffe.Extension):
    """Adds the attrs-generated `__init__` to every attrs class of a loaded package."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # noqa: ARG002
        """Walk the package once it is loaded, when every class and base is known."""
        _walk(pkg, set())


_LITERAL = re.compile(r"(?P<lead>\s?)::\n\n(?P<block>(?:(?:[ ]{4}.*)?\n)*(?:[ ]{4}.*\n?))")


def _fence(match: re.Match[str]) -> str:
    block = textwrap.dedent(match["block"]).strip("\n")
    try:
        ast.parse(block)
    except SyntaxError:
        language = "text"
    else:
        language = "python"
    colon = "" if match["lead"] else ":"
    return f"{match['lead'].strip()}{colon}\n\n```{language}\n{block}\n```\n"


def markdown_literal_blocks(text: str) -> str:
    """`text` with each reST ``::`` literal block turned into a fenced code block."""
    return _LITERAL.sub(_fence, text)


class LiteralBlocks(griffe.Extension):
    """Turns reST ``::`` literal blocks in a loaded package's docstrings into fenced blocks."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # noqa: ARG002
        """Rewrite every docstring of the package once it is loaded."""
        stack: list[griffe.Object] = [pkg]
        seen: set[str] = set()
        while stack:
            obj = stack.pop()
            if obj.path in seen:
                continue
            seen.add(obj.path)
            if obj.docstring is not None and "::\n" in obj.docstring.value:
                obj.docstring.value = markdown_literal_blocks(obj.docstring.value)
            stack.extend(
                member
                for member in obj.members.values()
                if not member.is_alias and isinstance(member, griffe.Object)
            )
