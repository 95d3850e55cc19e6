"""What the package says about itself agrees with what is installed and tested."""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import conferencing


def test_the_version_is_written_once_and_installed_as_written() -> None:
    """`conferencing.__version__` is the version pip installed (the build reads it there)."""
    assert importlib.metadata.version("conferencing") == conferencing.__version__


def test_the_classifiers_claim_only_the_python_ci_runs() -> None:
    """Python classifiers name exactly the minor version these tests run on."""
    classifiers = importlib.metadata.metadata("conferencing").get_all("Classifier") or []
    versions = {
        c.rsplit(" :: ", 1)[1]
        for c in classifiers
        if c.startswith("Programming Language :: Python :: 3.")
    }
    assert {f"{sys.version_info.major}.{sys.version_info.minor}"} == versions


ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "conferencing-dev/conferencing"


@attrs.frozen
class _Optional:
    """A package only an optional extra installs."""

    extra: str
    distribution: str
    #: Modules that import it when loaded: modules only that extra's users load.
    #: Everywhere else the import waits in the function that needs it.
    loaders: frozenset[str] = frozenset()


#: By import name. Nothing else in `conferencing/` may import a package that
#: `[project] dependencies` does not declare.
OPTIONAL_IMPORTS: dict[str, _Optional] = {
    # Spans for every request, once the otel extra is installed.
    "opentelemetry": _Optional("otel", "opentelemetry-api"),
    # The shared RateStore: a module of its own, imported by those who use it.
    "redis": _Optional("redis", "redis", frozenset({"conferencing/redis.py"})),
    # The command line's faster event loop, tried only when the command starts.
    "uvloop": _Optional("speed", "uvloop"),
    # The emulator fixture: a module that only pytest loads, as a plugin.
    "pytest": _Optional("test", "pytest", frozenset({"conferencing/emulator/pytest_plugin.py"})),
}


def _normalized(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _names(requirements: list[str]) -> set[str]:
    """The distribution names in PEP 508 requirement strings."""
    found = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
        assert match, requirement
        found.add(_normalized(match.group()))
    return found


def _project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project: dict[str, Any] = tomllib.load(f)["project"]
    return project


@attrs.frozen
class _Import:
    module: str  # path relative to the repository
    line: int
    top: str  # the top-level name imported
    at_load: bool  # run when the module is loaded (not in a function, not for type checkers)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_in(node: ast.AST, module: str, *, at_load: bool) -> Iterator[_Import]:
    """Imports under `node`, each marked with whether loading the module runs it."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield _Import(module, child.lineno, alias.name.split(".")[0], at_load)
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            yield _Import(module, child.lineno, child.module.split(".")[0], at_load)
        elif isinstance(child, ast.expr):
            continue  # imports are statements: no expression holds one
        elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _imports_in(child, module, at_load=False)
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _imports_in(ast.Module([statement], []), module, at_load=False)
            for statement in child.orelse:
                yield from _imports_in(ast.Module([statement], []), module, at_load=at_load)
        else:
            yield from _imports_in(child, module, at_load=at_load)


@functools.cache
def _third_party_imports() -> list[_Import]:
    """Every import in `conferencing/` of a package that is neither ours nor the stdlib."""
    found = []
    for path in sorted((ROOT / "conferencing").rglob("*.py")):
        module = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=module)
        found += [
            i
            for i in _imports_in(tree, module, at_load=True)
            if i.top != "conferencing" and i.top not in sys.stdlib_module_names
        ]
    return found


def test_the_import_walk_tells_lazy_imports_from_eager_ones() -> None:
    """The AST walk marks imports in functions and for type checkers as lazy (checks the walk)."""
    found = _third_party_imports()
    # tenacity: imported for type checkers at the top, and in the functions that retry.
    assert {False} == {i.at_load for i in found if i.top == "tenacity"}
    assert {True} == {i.at_load for i in found if i.top == "yarl"}
    assert {"aiohttp", "attrs", "multidict", "redis"} <= {i.top for i in found}


def test_every_imported_package_is_declared() -> None:
    """Each third-party package `conferencing/` imports is a dependency, or an optional extra's."""
    project = _project()
    required = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    providers = importlib.metadata.packages_distributions()
    undeclared = []
    for i in _third_party_imports():
        if i.top in OPTIONAL_IMPORTS:
            optional = OPTIONAL_IMPORTS[i.top]
            distributions = {_normalized(optional.distribution)}
            declared = _names(extras.get(optional.extra, []))
        else:
            distributions = {_normalized(d) for d in providers.get(i.top, [i.top])}
            declared = required
        if not distributions & declared:
            undeclared.append(f"{i.module}:{i.line}: {i.top} ({', '.join(sorted(distributions))})")
    assert [] == undeclared


def test_optional_packages_are_imported_only_where_they_are_used() -> None:
    """An optional extra's package is imported when loaded only by modules its users opt into."""
    eager = [
        f"{i.module}:{i.line}: {i.top}"
        for i in _third_party_imports()
        if i.top in OPTIONAL_IMPORTS
        and i.at_load
        and i.module not in OPTIONAL_IMPORTS[i.top].loaders
    ]
    assert [] == eager


def test_loading_the_library_imports_no_optional_package() -> None:
    """Every module but the opt-in ones loads without importing an optional extra's package."""
    opt_in = set().union(*(o.loaders for o in OPTIONAL_IMPORTS.values()))
    modules = [
        path.relative_to(ROOT)
        .with_suffix("")
        .as_posix()
        .replace("/", ".")
        .removesuffix(".__init__")
        for path in sorted((ROOT / "conferencing").rglob("*.py"))
        if path.relative_to(ROOT).as_posix() not in opt_in and path.name != "__main__.py"
    ]
    script = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        f"print(sorted({{n.split('.')[0] for n in sys.modules}} & {set(OPTIONAL_IMPORTS)!r}))"
    )
    done = subprocess.run(  # noqa: S603 - the running interpreter, a script of our own
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "[]" == done.stdout.strip()


def test_the_optional_packages_are_only_their_extras_dependencies() -> None:
    """What `OPTIONAL_IMPORTS` calls optional its extra declares, and `dependencies` does not."""
    project = _project()
    required = _names(project["dependencies"])
    for top, optional in OPTIONAL_IMPORTS.items():
        name = _normalized(optional.distribution)
        assert name in _names(project["optional-dependencies"][optional.extra]), top
        assert name not in required, top


def _readme_links() -> list[str]:
    """Every link and image target in README.md, outside code."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.DOTALL | re.MULTILINE)
    text = re.sub(r"(`+).+?\1", "", text, flags=re.DOTALL)
    inline = re.findall(r"\]\(\s*<?([^)\s>]+)", text)
    references = re.findall(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", text, flags=re.MULTILINE)
    html = re.findall(r"""\b(?:href|src)\s*=\s*["']([^"']+)""", text)
    return inline + references + html


def test_the_readme_links_work_on_pypi() -> None:
    """README links and images are absolute: PyPI shows the README away from the repository."""
    links = _readme_links()
    assert any("throughput.png" in link for link in links)  # the walk sees images too
    relative = [link for link in links if not re.match(r"(https://|mailto:|#)", link)]
    assert [] == relative


def test_the_readme_links_into_the_repository_name_files_it_has() -> None:
    """Each absolute link to a file of this repository names a file that exists on main."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a checkout of the repository")
    prefixes = (
        f"https://github.com/{REPOSITORY}/blob/main/",
        f"https://github.com/{REPOSITORY}/tree/main/",
        f"https://raw.githubusercontent.com/{REPOSITORY}/main/",
    )
    missing = []
    for link in _readme_links():
        for prefix in prefixes:
            if link.startswith(prefix):
                path = link.removeprefix(prefix).split("#")[0].split("?")[0]
                if not (ROOT / path).exists():
                    missing.append(link)
    assert [] == missing


def test_the_project_urls_name_the_repository() -> None:
    """Homepage, Documentation, Repository, Issues and Changelog are in the repository."""
    urls = _project()["urls"]
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} == set(urls)
    assert all(url.startswith(f"https://github.com/{REPOSITORY}") for url in urls.values())
