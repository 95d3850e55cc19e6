"""`conferencing create-many` keeps its promise, run as a subprocess against the emulator.

Each test runs the real command (`python -m conferencing create-many`) over
loopback, then checks its exit status, what it printed, the output file and
what the emulator itself holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

from conferencing.emulator import Emulator, Faults

PHONE = "+15551234567"
#: No wait in this file is longer than this many seconds.
TIMEOUT = 60.0


@attrs.frozen
class Ran:
    """A finished run of the command: its exit status and what it printed."""

    status: int
    stdout: str
    stderr: str

    @property
    def error_lines(self) -> list[str]:
        return self.stderr.splitlines()


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator() as emulator:
        yield emulator


def _env(emu: Emulator) -> dict[str, str]:
    return {
        **os.environ,
        "TELNYX_API_KEY": emu.telnyx_api_key,
        "CATAPULT_USER_ID": emu.catapult_user_id,
        "CATAPULT_API_TOKEN": emu.catapult_api_token,
        "CATAPULT_API_SECRET": emu.catapult_api_secret,
    }


def _args(emu: Emulator, provider: str, source: Path, out: Path, *extra: str) -> list[str]:
    url = emu.telnyx_url if provider == "telnyx" else emu.catapult_url
    return [
        "--provider", provider, "--input", str(source), "--output", str(out),
        "--base-url", url, "--no-progress", *extra,
    ]  # fmt: skip


async def _start(emu: Emulator, args: Iterable[str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "conferencing",
        "create-many",
        *args,
        env=_env(emu),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finish(proc: asyncio.subprocess.Process) -> Ran:
    """Wait for the process to end; if the wait fails or is cancelled, kill it first."""
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    except BaseException:
        await _kill(proc)
        raise
    assert proc.returncode is not None
    return Ran(proc.returncode, stdout.decode(), stderr.decode())


async def _run(emu: Emulator, args: Iterable[str]) -> Ran:
    return await _finish(await _start(emu, args))


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
    await asyncio.wait_for(proc.communicate(), TIMEOUT)


@contextlib.asynccontextmanager
async def _started(emu: Emulator, args: Iterable[str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """A running command, killed on the way out if the block has not seen it end."""
    proc = await _start(emu, args)
    try:
        yield proc
    finally:
        await _kill(proc)


async def _until(check: Callable[[], bool]) -> None:
    async with asyncio.timeout(TIMEOUT):
        while not check():  # noqa: ASYNC110 - polls a file another process writes
            await asyncio.sleep(0.02)


@contextlib.contextmanager
def _children_hear_sigint() -> Iterator[None]:
    """Let commands started meanwhile hear SIGINT even if this process ignores it.

    A process ignoring SIGINT (as any started with `&` from a script does)
    passes that on to its children, and a child that ignores SIGINT cannot
    be interrupted.
    """
    ignored = signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    if ignored:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if ignored:
            signal.signal(signal.SIGINT, signal.SIG_IGN)


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def _telnyx_rows(prefix: str, count: int) -> list[dict[str, Any]]:
    return [
        {"call_control_id": f"v3:{prefix}-leg-{n}", "name": f"{prefix}-{n}"} for n in range(count)
    ]


def _catapult_rows(prefix: str, count: int) -> list[dict[str, Any]]:
    return [{"from_": PHONE, "tag": f"{prefix}-{n}"} for n in range(count)]


def _records(out: Path) -> list[dict[str, Any]]:
    """Every whole JSON line of the output, header and marks included."""
    if not out.exists():
        return []
    records = []
    for line in out.read_text().splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line a kill cut short
    return records


def _outcomes(out: Path) -> dict[int, dict[str, Any]]:
    """Each row's latest outcome ("sending" marks are not outcomes)."""
    return {r["row"]: r for r in _records(out) if "row" in r and r.get("outcome") != "sending"}


def _marked_without_outcome(out: Path) -> set[int]:
    """Rows whose latest line is a "sending" mark."""
    latest: dict[int, str] = {}
    for record in _records(out):
        if "row" in record:
            latest[record["row"]] = record["outcome"]
    return {row for row, outcome in latest.items() if outcome == "sending"}


def _marked(out: Path) -> set[int]:
    return {r["row"] for r in _records(out) if r.get("outcome") == "sending"}


def _summary(stdout: str) -> dict[str, str]:
    """The summary table's rows, label to value."""
    table = {}
    for line in stdout.splitlines():
        parts = re.split(r"\s{2,}", line.strip())
        if len(parts) == 2:  # a label and a value
            table[parts[0]] = parts[1]
    return table


def _requests(emu: Emulator, provider: str) -> int:
    stats = emu.stats
    return stats.telnyx_requests if provider == "telnyx" else stats.catapult_requests


def _telnyx_names(emu: Emulator) -> Counter[str]:
    return Counter(c["name"] for c in emu.telnyx_conferences())


def _catapult_tags(emu: Emulator) -> Counter[str]:
    return Counter(c["tag"] for c in emu.catapult_conferences())


# --- 1. a reused output path -------------------------------------------------


async def test_a_new_input_on_a_reused_output_path_creates_new_conferences(
    emu: Emulator, tmp_path: Path
) -> None:
    """A new run on a reused --output path creates every new row, under new command_ids."""
    out = tmp_path / "out.jsonl"
    day1 = _write_jsonl(tmp_path / "day1.jsonl", _telnyx_rows("day1", 3))
    day2 = _write_jsonl(tmp_path / "day2.jsonl", _telnyx_rows("day2", 3))

    first = await _run(emu, _args(emu, "telnyx", day1, out, "--rate", "0"))
    assert 0 == first.status, first.stderr
    day1_records = _outcomes(out)
    out.unlink()
    second = await _run(emu, _args(emu, "telnyx", day2, out, "--rate", "0"))
    assert 0 == second.status, second.stderr
    day2_records = _outcomes(out)

    assert {"created"} == {r["outcome"] for r in day2_records.values()}
    assert 6 == emu.stats.telnyx_conferences_created
    assert 0 == emu.stats.duplicates_avoided
    names = _telnyx_names(emu)
    assert {f"day2-{n}" for n in range(3)} <= set(names)
    assert {1} == set(names.values())
    ids = {c["id"] for c in emu.telnyx_conferences() if c["name"].startswith("day2-")}
    assert ids == {r["id"] for r in day2_records.values()}
    # Each created row's record says which command_id it was created with.
    day1_ids = {r.get("command_id") for r in day1_records.values()} - {None}
    day2_ids = {r.get("command_id") for r in day2_records.values()} - {None}
    assert 3 == len(day1_ids), day1_records
    assert 3 == len(day2_ids), day2_records
    assert set() == day1_ids & day2_ids


# --- 2. --resume with a changed input ------------------------------------------


async def test_resume_refuses_an_input_that_changed_and_sends_nothing(
    emu: Emulator, tmp_path: Path
) -> None:
    """--resume after a row was inserted at the top exits 2 naming --input, sending nothing."""

    async def scenario(provider: str, rows: list[dict[str, Any]], *, partial: bool) -> None:
        inserted = _telnyx_rows("inserted", 1) if provider == "telnyx" else _catapult_rows("top", 1)
        source = _write_jsonl(tmp_path / f"{provider}.jsonl", rows)
        out = tmp_path / f"{provider}-out.jsonl"
        if partial:  # paced at 1/s: killed after its first outcome
            async with _started(emu, _args(emu, provider, source, out)):
                await _until(lambda: len(_outcomes(out)) >= 1)
            assert len(_outcomes(out)) < len(rows)
        else:
            assert 0 == (await _run(emu, _args(emu, provider, source, out, "--rate", "0"))).status
        _write_jsonl(source, [*inserted, *rows])
        before = out.read_bytes()
        sent = _requests(emu, provider)

        again = await _run(emu, _args(emu, provider, source, out, "--resume", "--rate", "0"))

        assert 2 == again.status
        assert 1 == len(again.error_lines), again.stderr
        assert again.stderr.startswith("error:")
        assert "--input" in again.stderr
        assert sent == _requests(emu, provider)
        assert before == out.read_bytes()

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(scenario("telnyx", _telnyx_rows("complete", 3), partial=False))
        tasks.create_task(scenario("catapult", _catapult_rows("partial", 4), partial=True))


# --- 3. two runs on one output ---------------------------------------------------


async def test_a_run_on_an_output_another_run_holds_exits_at_once(
    emu: Emulator, tmp_path: Path
) -> None:
    """While another process holds the output's lock, the command exits 2 naming --output."""
    source = _write_jsonl(tmp_path / "in.jsonl", _telnyx_rows("locked", 3))
    out = tmp_path / "out.jsonl"
    with out.open("a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        for extra in ((), ("--resume",)):
            ran = await _run(emu, _args(emu, "telnyx", source, out, "--rate", "0", *extra))

            assert 2 == ran.status
            assert 1 == len(ran.error_lines), ran.stderr
            assert ran.stderr.startswith("error: --output")
            assert "in use" in ran.stderr
    assert 0 == emu.stats.requests
    assert b"" == out.read_bytes()


async def test_two_runs_started_at_once_on_one_output_create_each_row_once(
    emu: Emulator, tmp_path: Path
) -> None:
    """Of two runs racing for one fresh output, one exits 2 and the other creates each row once."""
    # Each create takes 1 s, so the winner holds the output while the loser starts.
    emu.faults = Faults(slow=1.0, slow_seconds=1.0)
    rows = _catapult_rows("race", 4)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    args = _args(emu, "catapult", source, out, "--rate", "0")

    ran = await asyncio.gather(*[_run(emu, args) for _ in range(2)])

    assert [0, 2] == sorted(r.status for r in ran), [r.stderr for r in ran]
    loser = next(r for r in ran if r.status == 2)
    assert 1 == len(loser.error_lines), loser.stderr
    assert loser.stderr.startswith("error: --output")
    assert "in use" in loser.stderr
    assert 1 == sum("run" in r for r in _records(out))
    assert {"created"} == {r["outcome"] for r in _outcomes(out).values()}
    assert list(range(4)) == sorted(_outcomes(out))
    assert 4 == emu.stats.catapult_conferences_created
    assert Counter(r["tag"] for r in rows) == _catapult_tags(emu)


# --- 4. Catapult "sending" marks -------------------------------------------------


async def test_catapult_marks_only_requests_in_flight_and_resume_reports_exactly_them(
    emu: Emulator, tmp_path: Path
) -> None:
    """Killed at the documented 1/s, a run marks only requests in flight; resume reports them."""
    # Each create takes 1.2 s, so at 1/s no more than two are ever under way.
    emu.faults = Faults(slow=1.0, slow_seconds=1.2)
    rows = _catapult_rows("mark", 12)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    loop = asyncio.get_running_loop()

    async with _started(emu, _args(emu, "catapult", source, out, "--concurrency", "16")):
        await _until(lambda: bool(_marked(out)))
        await asyncio.sleep(2.0)
    killed_at = loop.time()

    open_marks = _marked_without_outcome(out)
    assert 1 <= len(open_marks) <= 2, _records(out)
    # Pacing held: about 2.5 s at 1/s lets out three or four rows, not sixteen.
    assert len(_marked(out)) <= 4
    before = _outcomes(out)

    emu.faults = Faults()
    resumed = await _run(emu, _args(emu, "catapult", source, out, "--resume", "--rate", "0"))
    # The killed run's slow creates land meanwhile; let every one of them finish.
    await asyncio.sleep(max(0.0, killed_at + 1.5 - loop.time()))

    assert 1 == resumed.status, resumed.stderr
    outcomes = _outcomes(out)
    assert list(range(12)) == sorted(outcomes)
    unknown = {n for n, r in outcomes.items() if r["outcome"] == "unknown"}
    created = {n for n, r in outcomes.items() if r["outcome"] == "created"}
    assert open_marks == unknown
    assert set(range(12)) - unknown == created
    assert {n for n, r in before.items() if r["outcome"] == "created"} <= created
    tags = _catapult_tags(emu)
    assert {1} == set(tags.values())
    assert {f"mark-{n}" for n in created} <= set(tags)
    assert set(tags) <= {f"mark-{n}" for n in created | unknown}
    really_created = {n for n in unknown if f"mark-{n}" in tags}
    assert len(created) + len(really_created) == emu.stats.catapult_conferences_created


# --- 5. Telnyx unknown outcomes ----------------------------------------------------


async def test_telnyx_unknown_outcomes_are_resent_with_their_command_ids(
    emu: Emulator, tmp_path: Path
) -> None:
    """Rows left unknown by lost answers end created on --resume, once each, same command_ids."""
    emu.faults = Faults(lost_after_success=1.0, retry_after_seconds=0)
    rows = _telnyx_rows("lost", 3)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    args = _args(emu, "telnyx", source, out, "--rate", "0")

    first = await _run(emu, args)

    assert 1 == first.status, first.stderr
    lost = _outcomes(out)
    assert {"unknown"} == {r["outcome"] for r in lost.values()}
    assert list(range(3)) == sorted(lost)
    sent_ids = {n: r["command_id"] for n, r in lost.items()}
    assert 3 == len(set(sent_ids.values()))
    assert 3 == emu.stats.telnyx_conferences_created

    emu.faults = Faults()
    avoided = emu.stats.duplicates_avoided
    second = await _run(emu, [*args, "--resume"])

    assert 0 == second.status, second.stderr
    outcomes = _outcomes(out)
    assert {"created"} == {r["outcome"] for r in outcomes.values()}
    # Every resend carried a command_id Telnyx had already carried out.
    assert avoided + 3 == emu.stats.duplicates_avoided
    assert 3 == emu.stats.telnyx_conferences_created
    assert Counter(r["name"] for r in rows) == _telnyx_names(emu)
    assert {c["id"] for c in emu.telnyx_conferences()} == {r["id"] for r in outcomes.values()}
    assert sent_ids == {n: r.get("command_id") for n, r in outcomes.items()}


# --- 6. Excel CSV ------------------------------------------------------------------


async def test_an_excel_csv_with_a_bom_and_spaced_header_creates_every_row(
    emu: Emulator, tmp_path: Path
) -> None:
    """A UTF-8 CSV with a byte-order mark and spaces after the header's commas is read whole."""
    source = tmp_path / "excel.csv"
    source.write_text(
        "from_, callback_timeout, tag\n"
        + "".join(f"{PHONE},{1000 + n},excel-{n}\n" for n in range(3)),
        encoding="utf-8-sig",
        newline="\r\n",  # as Excel ends its lines
    )
    assert source.read_bytes().startswith(b"\xef\xbb\xbf")
    out = tmp_path / "out.jsonl"

    ran = await _run(emu, _args(emu, "catapult", source, out, "--rate", "0"))

    assert 0 == ran.status, ran.stderr
    assert {"created"} == {r["outcome"] for r in _outcomes(out).values()}
    assert Counter(f"excel-{n}" for n in range(3)) == _catapult_tags(emu)
    assert 3 == emu.stats.catapult_conferences_created


# --- 7. bad input ------------------------------------------------------------------


async def test_bad_input_is_one_error_line_naming_input_and_exit_2(
    emu: Emulator, tmp_path: Path
) -> None:
    """Latin-1 text, an oversized CSV field or a header-less CSV: exit 2, one line, nothing sent."""
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(f"from_,tag\n{PHONE},café\n".encode("latin-1"))
    huge = tmp_path / "huge.csv"
    huge.write_text(f"from_,tag\n{PHONE},ok\n{PHONE},{'x' * (129 * 1024)}\n")
    headless = tmp_path / "headless.csv"
    headless.write_text(f"{PHONE},2000,first\n{PHONE},2000,second\n")

    ran = await asyncio.gather(
        *[
            _run(
                emu, _args(emu, "catapult", source, tmp_path / f"{source.stem}.out", "--rate", "0")
            )
            for source in (latin1, huge, headless)
        ]
    )

    for source, result in zip((latin1, huge, headless), ran, strict=True):
        assert 2 == result.status, (source.name, result.stderr)
        assert 1 == len(result.error_lines), (source.name, result.stderr)
        assert result.stderr.startswith("error:"), source.name
        assert "--input" in result.stderr, source.name
    assert 0 == emu.stats.requests


# --- 8. options ----------------------------------------------------------------------


async def test_bad_options_exit_2_naming_the_option(emu: Emulator, tmp_path: Path) -> None:
    """Out-of-range --rate and --concurrency, and an unusable --output, exit 2 naming the option."""
    source = _write_jsonl(tmp_path / "in.jsonl", _catapult_rows("opt", 3))
    out = tmp_path / "out.jsonl"
    a_directory = tmp_path / "a-directory"
    a_directory.mkdir()
    cases = [
        ("--rate", _args(emu, "catapult", source, out, "--rate", "-5")),
        ("--rate", _args(emu, "catapult", source, out, "--rate", "nan")),
        ("--concurrency", _args(emu, "catapult", source, out, "--concurrency", "0")),
        ("--concurrency", _args(emu, "catapult", source, out, "--concurrency", "1000000")),
        ("--output", _args(emu, "catapult", source, a_directory, "--rate", "0")),
        ("--output", _args(emu, "catapult", source, tmp_path / "absent" / "out.jsonl")),
    ]

    ran = await asyncio.gather(*[_run(emu, args) for _, args in cases])

    for (option, args), result in zip(cases, ran, strict=True):
        assert 2 == result.status, (args, result.stderr)
        last = result.error_lines[-1]
        assert "error:" in last, (args, result.stderr)
        assert option in last, (args, result.stderr)
        if option == "--output":
            assert 1 == len(result.error_lines), (args, result.stderr)
            assert last.startswith("error: --output"), (args, result.stderr)
    assert 0 == emu.stats.requests
    assert not out.exists()
    assert not (tmp_path / "absent").exists()


async def test_a_concurrency_far_above_the_row_count_works(emu: Emulator, tmp_path: Path) -> None:
    """--concurrency 5000 on three rows creates the three and exits 0."""
    source = _write_jsonl(tmp_path / "in.jsonl", _catapult_rows("wide", 3))
    out = tmp_path / "out.jsonl"

    ran = await _run(
        emu, _args(emu, "catapult", source, out, "--rate", "0", "--concurrency", "5000")
    )

    assert 0 == ran.status, ran.stderr
    assert {"created"} == {r["outcome"] for r in _outcomes(out).values()}
    assert Counter(f"wide-{n}" for n in range(3)) == _catapult_tags(emu)


# --- 9. exit status and summary on resume --------------------------------------------


async def test_a_resume_that_writes_unknown_outcomes_says_so_and_exits_1(
    emu: Emulator, tmp_path: Path
) -> None:
    """A resume reporting a killed run's in-flight Catapult rows unknown counts them and exits 1."""
    emu.faults = Faults(slow=1.0, slow_seconds=1.0)
    source = _write_jsonl(tmp_path / "in.jsonl", _catapult_rows("cut", 4))
    out = tmp_path / "out.jsonl"
    args = _args(emu, "catapult", source, out, "--rate", "0", "--concurrency", "2")
    async with _started(emu, args):
        await _until(lambda: len(_marked(out)) >= 2)
    in_flight = _marked_without_outcome(out)
    assert 2 == len(in_flight)

    emu.faults = Faults()
    resumed = await _run(emu, [*args, "--resume"])

    assert 1 == resumed.status, resumed.stderr
    summary = _summary(resumed.stdout)
    assert "2" == summary["this run: outcome unknown"], resumed.stdout
    assert "2" == summary["this run: created"], resumed.stdout
    assert "2" == summary["whole output: outcome unknown"], resumed.stdout
    assert in_flight == {n for n, r in _outcomes(out).items() if r["outcome"] == "unknown"}


async def test_a_resume_with_only_earlier_failures_left_exits_1_with_whole_counts(
    emu: Emulator, tmp_path: Path
) -> None:
    """Resuming an output whose only uncreated row broke a rule sends nothing and exits 1."""
    source = tmp_path / "in.csv"
    source.write_text(
        f"from_,callback_timeout,tag\n{PHONE},2000,good-0\n{PHONE},10001,bad\n{PHONE},,good-1\n"
    )
    out = tmp_path / "out.jsonl"
    args = _args(emu, "catapult", source, out, "--rate", "0")
    assert 1 == (await _run(emu, args)).status
    sent = emu.stats.requests

    resumed = await _run(emu, [*args, "--resume"])

    assert 1 == resumed.status, resumed.stderr
    assert sent == emu.stats.requests
    summary = _summary(resumed.stdout)
    assert "0" == summary["this run: created"], resumed.stdout
    assert "3" == summary["skipped (outcome from an earlier run)"], resumed.stdout
    assert "2" == summary["whole output: created"], resumed.stdout
    assert "1" == summary["whole output: failed"], resumed.stdout
    assert "0" == summary["whole output: no outcome yet"], resumed.stdout


async def test_resuming_a_complete_output_sends_nothing_and_exits_0(
    emu: Emulator, tmp_path: Path
) -> None:
    """A resume of an output whose every row is created exits 0 and sends nothing."""
    source = _write_jsonl(tmp_path / "in.jsonl", _telnyx_rows("whole", 3))
    out = tmp_path / "out.jsonl"
    args = _args(emu, "telnyx", source, out, "--rate", "0")
    assert 0 == (await _run(emu, args)).status
    sent = emu.stats.requests
    before = _outcomes(out)

    resumed = await _run(emu, [*args, "--resume"])

    assert 0 == resumed.status, resumed.stderr
    assert "" == resumed.stderr
    assert sent == emu.stats.requests
    assert before == _outcomes(out)
    assert "3" == _summary(resumed.stdout)["whole output: created"], resumed.stdout


# --- 10. Ctrl-C ------------------------------------------------------------------------


async def test_ctrl_c_exits_130_with_summary_and_hint_then_resume_completes(
    emu: Emulator, tmp_path: Path
) -> None:
    """SIGINT exits 130 with the summary and a --resume hint; resuming creates the rest once."""
    rows = _catapult_rows("intr", 6)
    source = _write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    args = _args(emu, "catapult", source, out)  # the documented 1/s
    with _children_hear_sigint():
        async with _started(emu, args) as proc:
            await _until(lambda: len(_outcomes(out)) >= 2)
            proc.send_signal(signal.SIGINT)
            interrupted = await _finish(proc)

    assert 130 == interrupted.status, interrupted.stderr
    summary = _summary(interrupted.stdout)
    assert int(summary["this run: created"]) >= 2, interrupted.stdout
    assert int(summary["whole output: no outcome yet"]) >= 1, interrupted.stdout
    hints = [line for line in interrupted.error_lines if "--resume" in line]
    assert 1 == len(hints), interrupted.stderr
    assert str(out) in hints[0]

    assert "--base-url" in hints[0]
    assert emu.catapult_url in hints[0]

    resumed = await _run(emu, [*args, "--resume", "--rate", "0"])

    outcomes = _outcomes(out)
    assert list(range(6)) == sorted(outcomes)
    kinds = Counter(r["outcome"] for r in outcomes.values())
    # A request in flight at the very moment of Ctrl-C (rare at 1/s) is unknown.
    assert 6 == kinds["created"] + kinds["unknown"]
    assert kinds["unknown"] <= 1
    assert (0 if not kinds["unknown"] else 1) == resumed.status, resumed.stderr
    assert {1} == set(_catapult_tags(emu).values())
    assert kinds["created"] <= emu.stats.catapult_conferences_created <= 6


async def test_ctrl_c_with_catapult_requests_in_flight_reports_them_unknown(
    emu: Emulator, tmp_path: Path
) -> None:
    """Rows whose request was under way at Ctrl-C are unknown at once, not "no outcome yet"."""
    emu.faults = Faults(slow=1.0, slow_seconds=3.0)
    source = _write_jsonl(tmp_path / "in.jsonl", _catapult_rows("cut", 3))
    out = tmp_path / "out.jsonl"
    args = _args(emu, "catapult", source, out, "--rate", "0")
    with _children_hear_sigint():
        async with _started(emu, args) as proc:
            await _until(lambda: len(_marked(out)) == 3)
            proc.send_signal(signal.SIGINT)
            interrupted = await _finish(proc)

    assert 130 == interrupted.status, interrupted.stderr
    assert {0: "unknown", 1: "unknown", 2: "unknown"} == {
        row: record["outcome"] for row, record in _outcomes(out).items()
    }
    summary = _summary(interrupted.stdout)
    assert "3" == summary["this run: outcome unknown"], interrupted.stdout
    assert "0" == summary["whole output: no outcome yet"], interrupted.stdout


async def test_a_resent_unknown_row_refused_by_telnyx_stays_unknown(tmp_path: Path) -> None:
    """Past Telnyx's memory of a command_id, a refused resend proves nothing: still unknown."""
    async with Emulator(command_id_ttl=0.2) as emu:
        emu.faults = Faults(lost_after_success=1.0, retry_after_seconds=0)
        source = _write_jsonl(tmp_path / "in.jsonl", _telnyx_rows("ttl", 2))
        out = tmp_path / "out.jsonl"
        args = _args(emu, "telnyx", source, out)
        first = await _run(emu, args)
        assert 1 == first.status, first.stderr
        assert {"unknown"} == {r["outcome"] for r in _outcomes(out).values()}

        emu.faults = Faults()
        await asyncio.sleep(0.3)  # the emulator forgets the command_ids
        resumed = await _run(emu, [*args, "--resume"])

    assert 1 == resumed.status, resumed.stderr
    outcomes = _outcomes(out)
    assert {"unknown"} == {r["outcome"] for r in outcomes.values()}
    assert all("look it up by name" in r["note"] for r in outcomes.values())
    assert {"ConferenceNameConflictError"} == {r["error"]["type"] for r in outcomes.values()}
    assert 2 == emu.stats.telnyx_conferences_created


async def test_a_fractional_rate_paces_instead_of_crashing(emu: Emulator, tmp_path: Path) -> None:
    """--rate 0.5 is one request every two seconds, not a traceback."""
    source = _write_jsonl(tmp_path / "in.jsonl", _catapult_rows("slow", 2))
    out = tmp_path / "out.jsonl"
    loop = asyncio.get_running_loop()
    started = loop.time()
    ran = await _run(emu, _args(emu, "catapult", source, out, "--rate", "0.5"))

    assert 0 == ran.status, ran.stderr
    assert loop.time() - started >= 1.9
    assert "Traceback" not in ran.stderr
    assert 2 == emu.stats.catapult_conferences_created


async def test_the_input_file_as_output_is_refused(emu: Emulator, tmp_path: Path) -> None:
    """--output naming the --input file exits 2 and leaves the input as it was."""
    for content in ("", json.dumps(_telnyx_rows("same", 1)[0]) + "\n"):
        source = tmp_path / "in.jsonl"
        source.write_text(content)
        ran = await _run(emu, _args(emu, "telnyx", source, source))
        assert 2 == ran.status, ran.stderr
        assert 1 == len(ran.error_lines), ran.stderr
        assert "is the --input file" in ran.stderr
        assert content == source.read_text()
    assert 0 == emu.stats.telnyx_requests


async def test_an_output_that_cannot_be_opened_says_why(emu: Emulator, tmp_path: Path) -> None:
    """An unusable --output names itself and the reason, never "None"."""
    source = _write_jsonl(tmp_path / "in.jsonl", _telnyx_rows("dev", 1))
    ran = await _run(emu, _args(emu, "telnyx", source, Path("/proc/version")))
    assert 2 == ran.status, ran.stderr
    assert ran.stderr.startswith("error: --output /proc/version")
    assert not ran.stderr.rstrip().endswith("None")
