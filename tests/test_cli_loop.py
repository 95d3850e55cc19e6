"""`conferencing --loop`: uvloop when installed (the `speed` extra), asyncio's own otherwise."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from conferencing import _cli

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None


def _demo(*options: str) -> subprocess.CompletedProcess[str]:
    """`python -m conferencing demo --count 20` with `options`, in a process of its own."""
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-m", "conferencing", "demo", "--count", "20", "--no-progress", *options],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _loops_named(out: str) -> set[str]:
    """The loop each summary table names (one table per provider)."""
    return {line.split()[-1] for line in out.splitlines() if line.startswith("event loop ")}


def test_the_demo_runs_on_asyncio_when_asked() -> None:
    """--loop asyncio runs on asyncio's own loop, and both summaries say so."""
    done = _demo("--loop", "asyncio")

    assert 0 == done.returncode, done.stdout + done.stderr
    assert {"asyncio"} == _loops_named(done.stdout)


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed (the speed extra)")
def test_the_demo_runs_on_uvloop_when_asked() -> None:
    """--loop uvloop runs on uvloop, and both summaries say so."""
    done = _demo("--loop", "uvloop")

    assert 0 == done.returncode, done.stdout + done.stderr
    assert {"uvloop"} == _loops_named(done.stdout)


def test_auto_is_uvloop_when_installed_and_asyncio_otherwise() -> None:
    """The default, --loop auto, picks uvloop exactly when it can be imported."""
    done = _demo()

    assert 0 == done.returncode, done.stdout + done.stderr
    assert {"uvloop" if HAS_UVLOOP else "asyncio"} == _loops_named(done.stdout)


def test_uvloop_asked_for_but_not_installed_exits_2_saying_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--loop uvloop without uvloop is a usage error naming the extra, before anything runs."""
    monkeypatch.setitem(sys.modules, "uvloop", None)  # `import uvloop` now raises ImportError

    status = _cli.main(["demo", "--count", "1", "--no-progress", "--loop", "uvloop"])

    captured = capsys.readouterr()
    assert _cli.EXIT_USAGE == status
    assert "" == captured.out
    assert (
        "error: --loop uvloop: uvloop is not installed; pip install 'conferencing[speed]', "
        "or use --loop asyncio\n"
    ) == captured.err


def test_auto_without_uvloop_falls_back_to_asyncio(monkeypatch: pytest.MonkeyPatch) -> None:
    """--loop auto without uvloop uses asyncio's own loop instead of failing."""
    monkeypatch.setitem(sys.modules, "uvloop", None)

    assert _cli._loop_factory("auto") is None


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed (the speed extra)")
def test_auto_with_uvloop_makes_uvloop_loops() -> None:
    """--loop auto with uvloop installed makes uvloop's event loops."""
    factory = _cli._loop_factory("auto")

    assert factory is not None
    loop = factory()
    try:
        assert "uvloop" == type(loop).__module__.partition(".")[0]
    finally:
        loop.close()
