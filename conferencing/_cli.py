"""The `conferencing` command: `demo` on the embedded emulator, and resumable `create-many`.

`create-many` keeps one promise: every input row ends with exactly one true
outcome in the output file, and no conference is created twice, however
the command is run again, killed or run twice at once. How:

* The output file starts with a header naming the run (a random id), the
  provider and the input's SHA-256. `--resume` refuses an output written
  for another input or provider, so row numbers always mean the same rows.
* A Telnyx row's `command_id` is derived from the run id, the row's number
  and its content: it repeats only when that very row of that very run is
  sent again, which Telnyx then carries out at most once. A new run (a new
  output file) gets new ids, whatever path it reuses.
* A Catapult create has no idempotency key, so a row is marked "sending"
  the moment its request is about to leave (after pacing and the wait for a
  connection); a run killed before the answer leaves that mark, and
  `--resume` reports the row `unknown` instead of creating it again.
  Telnyx rows whose outcome is unknown are simply sent again, with their
  same `command_id`, so they end created or truly failed.
* The output file is locked for the whole run: a second run on it exits.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import hashlib
import json
import math
import os
import shlex
import sys
import types
import typing
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final, TextIO

import attrs
from tqdm import tqdm

from . import catapult, telnyx
from ._bulk import BulkOutcome, BulkSummary, create_many
from ._errors import APIError, ConferencingError, ValidationError
from ._pool import SessionPool
from ._ratelimit import RateLimit

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FAILURES: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130
#: Command ids of rows are derived from this namespace, the run and the row.
_NAMESPACE: Final = uuid.UUID("6f0c2f4e-8f0e-4d0b-9a55-2b1c7a3e5d10")
_REQUESTS: Final[dict[str, type[Any]]] = {
    "telnyx": telnyx.CreateConferenceRequest,
    "catapult": catapult.CreateConferenceRequest,
}
#: What the first line of an output file says it is.
_FORMAT: Final = "conferencing create-many"
#: Outcomes that end a row; "sending" and "unknown" may not be final.
_CREATED: Final = "created"
_FAILED: Final = "failed"
_UNKNOWN: Final = "unknown"
_SENDING: Final = "sending"
#: Rows with no outcome at all yet (never sent, or Telnyx rows cut off by a stop).
_NO_OUTCOME: Final = "no outcome yet"
#: Far more than any real use needs, and a bound on what a typo can cost.
_MAX_CONCURRENCY: Final = 10_000
#: --loop choices; "auto" is uvloop when installed (the `speed` extra), else asyncio's own.
_LOOPS: Final = ("auto", "asyncio", "uvloop")


class UsageError(Exception):
    """The command cannot run as asked; its message is one line for the user."""


def _reason(exc: OSError) -> str:
    """What the system said, in words (`strerror` is None for some errors)."""
    return exc.strerror or str(exc) or type(exc).__name__


@attrs.frozen
class _Row:
    """One input row: its number in the file and its fields, or why it is unusable."""

    number: int
    fields: dict[str, Any] | None = None
    problem: ValidationError | None = None

    @property
    def command_id(self) -> str | None:
        """The `command_id` the row will be sent with (Telnyx), for its outcome record."""
        found = self.fields.get("command_id") if self.fields is not None else None
        return found if isinstance(found, str) else None


# --- the input -------------------------------------------------------------


def _field_kinds(cls: type[Any]) -> dict[str, type]:
    """The scalar type of each field (int, bool or str), for coercing CSV text."""
    hints = typing.get_type_hints(cls)
    kinds: dict[str, type] = {}
    for name, hint in hints.items():
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        kinds[name] = next((a for a in args if a in {bool, int}), str)
    return kinds


def _coerce(kinds: dict[str, type], raw: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells are text: empty means unset; ints and bools are parsed by the field's type."""
    fields: dict[str, Any] = {}
    for name, text in raw.items():
        if text is None or text == "":
            continue
        kind = kinds.get(name, str)
        if kind is int:
            try:
                fields[name] = int(text)
            except ValueError:
                raise ValidationError(
                    f"{name} must be an integer, got {text!r}", field=name
                ) from None
        elif kind is bool:
            lowered = text.strip().lower()
            if lowered not in {"true", "false", "1", "0"}:
                raise ValidationError(f"{name} must be true or false, got {text!r}", field=name)
            fields[name] = lowered in {"true", "1"}
        else:
            fields[name] = text
    return fields


@attrs.frozen
class _Input:
    """The input file: JSON Lines or CSV, UTF-8 (a byte-order mark, as Excel writes, is fine)."""

    path: Path
    csv: bool
    provider: str

    @classmethod
    def of(cls, path: Path, fmt: str, provider: str) -> _Input:
        is_csv = fmt == "csv" or (fmt == "auto" and path.suffix.lower() == ".csv")
        return cls(path, is_csv, provider)

    def _open(self) -> TextIO:
        try:
            return self.path.open(encoding="utf-8-sig", newline="")
        except IsADirectoryError:
            raise UsageError(f"--input {self.path} is a directory, not a file") from None
        except OSError as exc:
            raise UsageError(f"--input {self.path} cannot be read: {_reason(exc)}") from None

    def scan(self) -> tuple[str, int]:
        """The file's SHA-256 and its number of rows; every problem that stops a run, now.

        Reads the whole file once before anything is sent, so that text that
        is not UTF-8, a CSV header naming unknown fields or a CSV cell past
        the parser's limit ends the command with one line, not half a run.
        """
        digest = hashlib.sha256()
        try:
            with self.path.open("rb") as raw:
                for chunk in iter(lambda: raw.read(1 << 20), b""):
                    digest.update(chunk)
        except IsADirectoryError:
            raise UsageError(f"--input {self.path} is a directory, not a file") from None
        except OSError as exc:
            raise UsageError(f"--input {self.path} cannot be read: {_reason(exc)}") from None
        count = 0
        try:
            for _ in self.rows():
                count += 1
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"--input {self.path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                "save it as UTF-8 (in Excel: CSV UTF-8)"
            ) from None
        return digest.hexdigest(), count

    def rows(self) -> Iterator[_Row]:
        """Every data row, numbered from 0."""
        with self._open() as handle:
            yield from (self._csv_rows(handle) if self.csv else self._jsonl_rows(handle))

    def _csv_rows(self, handle: TextIO) -> Iterator[_Row]:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                return
            names = [name.strip() for name in header]
            self._check_header(names)
            kinds = _field_kinds(_REQUESTS[self.provider])
            for number, cells in enumerate(reader):
                if len(cells) > len(names):
                    problem = ValidationError(
                        f"row has {len(cells) - len(names)} cells more than the header"
                    )
                    yield _Row(number, problem=problem)
                    continue
                raw: dict[str, str | None] = dict(zip(names, cells, strict=False))
                try:
                    yield _Row(number, fields=_coerce(kinds, raw))
                except ValidationError as exc:
                    yield _Row(number, problem=exc)
        except csv.Error as exc:
            raise UsageError(
                f"--input {self.path}, line {reader.line_num}: not readable as CSV: {exc}"
            ) from None

    def _check_header(self, names: list[str]) -> None:
        known = [a.name for a in attrs.fields(_REQUESTS[self.provider])]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UsageError(
                f"--input {self.path}: the first line must be a header of field names; "
                f"unknown: {', '.join(repr(n) for n in unknown)} (known: {', '.join(known)})"
            )
        repeated = sorted(name for name, n in Counter(names).items() if n > 1)
        if repeated:
            raise UsageError(f"--input {self.path}: the header repeats {', '.join(repeated)}")

    def _jsonl_rows(self, handle: TextIO) -> Iterator[_Row]:
        number = 0
        for line in handle:
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
            except ValueError as exc:
                yield _Row(number, problem=ValidationError(f"not a JSON object: {exc}"))
            except RecursionError:
                yield _Row(number, problem=ValidationError("not a JSON object: nested too deeply"))
            else:
                if isinstance(fields, dict):
                    yield _Row(number, fields=fields)
                else:
                    yield _Row(number, problem=ValidationError("not a JSON object"))
            number += 1


# --- the output ------------------------------------------------------------


@attrs.define
class _Previous:
    """What an existing output file holds: its header and each row's latest outcome."""

    header: dict[str, Any] | None = None
    outcomes: dict[int, dict[str, Any]] = attrs.field(factory=dict)
    #: Rows marked "sending" that have no outcome after the mark.
    sending: set[int] = attrs.field(factory=set)
    #: The file's size in bytes when it was opened.
    size: int = 0

    def add(self, record: dict[str, Any]) -> None:
        if "run" in record and self.header is None:
            self.header = record
            return
        try:
            number = int(record["row"])
            outcome = record["outcome"]
        except (ValueError, KeyError, TypeError):
            return  # a fragment from a run that was killed mid-write
        if outcome == _SENDING:
            self.sending.add(number)
        else:
            self.sending.discard(number)
            self.outcomes[number] = record


class _Output:
    """The outcome file: a header line, then one JSON line per event, flushed as it happens.

    Held open and exclusively locked (`flock`) for the whole run, so that a
    second run on the same file stops at once instead of sending rows twice.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: TextIO | None = None
        self._prefix = ""

    def open_locked(self) -> _Previous:
        """Open (creating it if absent), lock, and read what earlier runs wrote."""
        if self._path.is_dir():
            raise UsageError(f"--output {self._path} is a directory; name a file")
        try:
            handle = self._path.open("a+", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise UsageError(f"--output {self._path} cannot be written: {_reason(exc)}") from None
        self._file = handle
        if not _try_lock(handle):
            self.close()
            raise UsageError(
                f"--output {self._path} is in use by another create-many run (it holds the "
                "file's lock); wait for that run to end, then --resume"
            )
        previous = _Previous()
        previous.size = handle.seek(0, os.SEEK_END)
        handle.seek(0)
        last = ""
        for line in handle:
            last = line
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                previous.add(record)
        # A run killed mid-line left a fragment: the first record goes on a new
        # line (written with it, so a refused resume leaves the file as it was).
        self._prefix = "\n" if last and not last.endswith("\n") else ""
        return previous

    def write(self, record: dict[str, Any]) -> None:
        assert self._file is not None  # noqa: S101 - opened before use
        line = json.dumps(record, ensure_ascii=False, default=str)
        self._file.write(f"{self._prefix}{line}\n")
        self._prefix = ""
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # closing releases the lock
            self._file = None


def _try_lock(handle: TextIO) -> bool:
    """Take an exclusive lock on the open file without waiting; say whether it was taken."""
    if sys.platform == "win32":  # pragma: no cover - CI runs on Linux
        import msvcrt  # noqa: PLC0415

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl  # noqa: PLC0415 - POSIX only

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


# --- one run ---------------------------------------------------------------


def _error_record(error: ConferencingError) -> dict[str, Any]:
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, APIError):
        record["status"] = error.status
        record["code"] = error.code
    if isinstance(error, ValidationError) and error.field:
        record["field"] = error.field
    return record


def _outcome(result: BulkOutcome[Any]) -> dict[str, Any]:
    row = result.request
    assert isinstance(row, _Row)  # noqa: S101 - the CLI only feeds rows
    record: dict[str, Any] = {"row": row.number}
    if result.ok:
        record["outcome"] = _CREATED
        record["id"] = getattr(result.conference, "id", None)
    else:
        record["outcome"] = _UNKNOWN if result.unknown else _FAILED
        record["error"] = _error_record(result.error)
    if result.command_id is not None:
        record["command_id"] = result.command_id
    return record


def _still_unknown(record: dict[str, Any]) -> None:
    """A Telnyx row sent again after an unknown outcome, and refused: it stays unknown.

    Telnyx remembers a `command_id` for a limited time; past it, the resend
    of a create that did happen is refused (a name already in use, say),
    which proves nothing about the first attempt.
    """
    record["outcome"] = _UNKNOWN
    record["note"] = (
        "sent again after an unknown outcome and refused: the earlier attempt may have "
        "created the conference (Telnyx no longer recognised its command_id); look it up by name"
    )


def _cut_off(number: int) -> dict[str, Any]:
    """The record of a Catapult row whose request was in flight when the run stopped."""
    return {
        "row": number,
        "outcome": _UNKNOWN,
        "error": {
            "type": "OutcomeUnknownError",
            "message": "the run stopped while this row's request was in flight; check the "
            "provider before creating it again",
        },
    }


def _command_id(run: str, row: _Row) -> str:
    """The row's `command_id`: the same for a resend of this row of this run, and only then."""
    content = json.dumps(row.fields, sort_keys=True, ensure_ascii=False, default=str)
    return str(uuid.uuid5(_NAMESPACE, f"{run}\n{row.number}\n{content}"))


class _RowCreator:
    """Feeds rows to a client; Catapult rows are marked the moment they are about to leave."""

    def __init__(self, client: telnyx.TelnyxClient | catapult.CatapultClient) -> None:
        self._client = client

    async def create_conference(self, row: Any = None, /, **_fields: Any) -> object:
        assert isinstance(row, _Row)  # noqa: S101 - the CLI only feeds rows
        if row.problem is not None:
            raise row.problem
        assert row.fields is not None  # noqa: S101 - a row has fields or a problem
        return await self._client.create_conference(**row.fields)


@attrs.define
class _Tally:
    """What this run wrote, and what the whole output holds, row by row."""

    total_rows: int
    #: Each row's latest final outcome ("created", "failed", "unknown").
    latest: dict[int, str]
    this_run: Counter[str] = attrs.field(factory=Counter)

    def record(self, row: int, outcome: str) -> None:
        self.latest[row] = outcome
        self.this_run[outcome] += 1

    def whole(self) -> Counter[str]:
        rows = range(self.total_rows)
        counts = Counter(self.latest.get(n, _NO_OUTCOME) for n in rows)
        counts[_NO_OUTCOME] += 0  # always shown
        return counts

    @property
    def all_created(self) -> bool:
        return all(self.latest.get(n) == _CREATED for n in range(self.total_rows))


def _check_resume(previous: _Previous, provider: str, source: Path, digest: str) -> str:
    """The run id to continue, after checking the output belongs to this input and provider."""
    header = previous.header
    if header is None or header.get("format") != _FORMAT or not isinstance(header.get("run"), str):
        raise UsageError(
            "--output holds lines but no create-many header: it was not written by this "
            "version of create-many; choose another --output"
        )
    if header.get("provider") != provider:
        raise UsageError(
            f"--output belongs to a --provider {header.get('provider')} run, not {provider}"
        )
    if header.get("input_sha256") != digest:
        raise UsageError(
            f"--input {source} is not the input the run in --output was started with (its "
            "content changed); resume with that same input, or start a new run with a new --output"
        )
    run: str = header["run"]
    return run


async def _create_many(args: argparse.Namespace) -> int:  # noqa: C901, PLR0915 - one run, start to end
    source = _Input.of(Path(args.input), args.format, args.provider)
    target = Path(args.output)
    digest, total = source.scan()
    if target.exists() and source.path.samefile(target):
        raise UsageError(f"--output {target} is the --input file; choose another --output")
    out = _Output(target)
    previous = out.open_locked()
    try:
        if not previous.size:
            run = uuid.uuid4().hex
            out.write(
                {
                    "format": _FORMAT,
                    "run": run,
                    "provider": args.provider,
                    "input": str(source.path),
                    "input_sha256": digest,
                    "rows": total,
                }
            )
        elif not args.resume:
            raise UsageError(
                f"--output {target} is not empty; pass --resume to continue the run it "
                "holds, or choose another --output"
            )
        else:
            run = _check_resume(previous, args.provider, source.path, digest)
        tally = _Tally(total, {n: r["outcome"] for n, r in previous.outcomes.items()})
        telnyx_rows = args.provider == "telnyx"
        # Telnyx rows of unknown outcome go out again with their same command_id.
        done = {n for n, outcome in tally.latest.items() if outcome != _UNKNOWN or not telnyx_rows}
        resent = {n for n, outcome in tally.latest.items() if outcome == _UNKNOWN} - done
        interrupted = previous.sending - done

        async def rows() -> AsyncIterator[_Row]:
            for row in source.rows():
                if row.number in done:
                    continue
                if row.number in interrupted:
                    # Sent by a run that died before hearing back: it may exist.
                    out.write(_cut_off(row.number))
                    tally.record(row.number, _UNKNOWN)
                    continue
                if telnyx_rows and row.fields is not None:
                    row.fields.setdefault("command_id", _command_id(run, row))
                yield row

        marked: set[int] = set()
        finished: set[int] = set()

        def mark_sending(_index: int, row: object) -> None:
            assert isinstance(row, _Row)  # noqa: S101 - the CLI only feeds rows
            if row.number not in marked:
                marked.add(row.number)
                out.write({"row": row.number, "outcome": _SENDING})

        to_send = total - len(done)
        concurrency = max(1, min(args.concurrency, to_send))
        skipped = len(done)
        interrupted_by_user = False
        async with SessionPool(max_connections=concurrency) as pool:
            bulk = create_many(
                _RowCreator(_make_client(args, pool)),
                rows(),
                concurrency=concurrency,
                on_send=None if telnyx_rows else mark_sending,
            )
            try:
                with tqdm(
                    total=total,
                    initial=skipped,
                    unit="conf",
                    desc=f"{args.provider} create",
                    disable=args.no_progress,
                    file=sys.stderr,
                    mininterval=0.25,
                ) as bar:
                    async with bulk:
                        async for result in bulk:
                            record = _outcome(result)
                            if record["outcome"] == _FAILED and record["row"] in resent:
                                _still_unknown(record)
                            out.write(record)
                            finished.add(record["row"])
                            tally.record(record["row"], record["outcome"])
                            bar.update(1)
            except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels the run
                interrupted_by_user = True
                raise
            finally:
                # Catapult requests cut off in flight may have created their conference.
                for number in sorted(marked - finished):
                    out.write(_cut_off(number))
                    tally.record(number, _UNKNOWN)
                print_run(
                    f"{args.provider}: {args.input} -> {args.output}",
                    bulk.summary,
                    tally,
                    skipped=skipped,
                    interrupted=interrupted_by_user,
                    resume_hint=_resume_hint(args),
                )
    finally:
        out.close()
    return EXIT_OK if tally.all_created else EXIT_FAILURES


def _resume_hint(args: argparse.Namespace) -> str:
    """The command line this run was started with, with `--resume`: it continues the run."""
    given: list[str] = args.argv
    return shlex.join(["conferencing", *given, *([] if "--resume" in given else ["--resume"])])


def print_summary(
    title: str, summary: BulkSummary, *, skipped: int = 0, stream: IO[str] | None = None
) -> None:
    """Print a bulk run's summary as a small table."""
    rows = [
        ("created", str(summary.created)),
        ("failed", str(summary.failed)),
        ("outcome unknown", str(summary.unknown)),
    ]
    if skipped:
        rows.append(("skipped (already done)", str(skipped)))
    rows += [
        ("elapsed", f"{summary.elapsed:.2f} s"),
        ("requests per second", f"{summary.rate:.0f}"),
        ("event loop", _running_loop_name()),
    ]
    rows += [(f"  {name}", str(count)) for name, count in summary.errors.most_common()]
    _table(title, rows, stream or sys.stdout)


def print_run(
    title: str,
    summary: BulkSummary,
    tally: _Tally,
    *,
    skipped: int,
    interrupted: bool,
    resume_hint: str,
) -> None:
    """Print what this run wrote and what the whole output now holds."""
    whole = tally.whole()
    rows = [
        ("this run: created", str(tally.this_run[_CREATED])),
        ("this run: failed", str(tally.this_run[_FAILED])),
        ("this run: outcome unknown", str(tally.this_run[_UNKNOWN])),
        ("skipped (outcome from an earlier run)", str(skipped)),
        ("elapsed", f"{summary.elapsed:.2f} s"),
        ("requests per second", f"{summary.rate:.0f}"),
        ("event loop", _running_loop_name()),
    ]
    rows += [(f"  {name}", str(count)) for name, count in summary.errors.most_common()]
    rows += [
        (f"whole output: {label}", str(whole[key]))
        for label, key in (
            ("created", _CREATED),
            ("failed", _FAILED),
            ("outcome unknown", _UNKNOWN),
            ("no outcome yet", _NO_OUTCOME),
        )
    ]
    _table(title, rows, sys.stdout)
    if interrupted or whole[_NO_OUTCOME]:
        print(f"interrupted; to continue: {resume_hint}", file=sys.stderr)


def _running_loop_name() -> str:
    """Whose event loop runs the command, "uvloop" or "asyncio" (the rates depend on it)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return "none"
    return type(loop).__module__.partition(".")[0]


def _loop_factory(choice: str) -> Callable[[], asyncio.AbstractEventLoop] | None:
    """The event loop --loop asks for: None is asyncio's own.

    uvloop spends less CPU per request than asyncio's own loop; it comes with the
    `speed` extra, and "auto" uses it whenever it is installed.
    """
    if choice == "asyncio":
        return None
    try:
        import uvloop  # noqa: PLC0415 - optional, the `speed` extra
    except ImportError:
        if choice == "uvloop":
            raise UsageError(
                "--loop uvloop: uvloop is not installed; "
                "pip install 'conferencing[speed]', or use --loop asyncio"
            ) from None
        return None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def _run(
    main: Callable[[], Coroutine[Any, Any, int]],
    factory: Callable[[], asyncio.AbstractEventLoop] | None,
) -> int:
    """`asyncio.run(main())` on the chosen loop (the coroutine is made only once it can run)."""
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main())


def _table(title: str, rows: list[tuple[str, str]], stream: IO[str]) -> None:
    width = max(len(label) for label, _ in rows)
    print(title, file=stream)
    print("-" * (width + 12), file=stream)
    for label, value in rows:
        print(f"{label:<{width}}  {value:>10}", file=stream)


def _make_client(
    args: argparse.Namespace, pool: SessionPool
) -> telnyx.TelnyxClient | catapult.CatapultClient:
    rate: RateLimit | None
    if args.rate is None:
        rate = catapult.DOCUMENTED_RATE_LIMIT if args.provider == "catapult" else None
    else:
        rate = RateLimit(args.rate) if args.rate > 0 else None
    options: dict[str, Any] = {"pool": pool, "rate_limit": rate}
    if args.base_url:
        options["base_url"] = args.base_url
    if args.provider == "telnyx":
        return telnyx.TelnyxClient(**options)
    return catapult.CatapultClient(**options)


# --- the command line ------------------------------------------------------


def _count(name: str, low: int, high: int) -> typing.Callable[[str], int]:
    """An argparse type: an integer from `low` to `high`, or a message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be an integer, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be {low}..{high}, got {value}")
        return value

    return parse


def _rate(text: str) -> float:
    """An argparse type for --rate: a finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rate must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(
            f"--rate must be a finite number >= 0 (0 turns pacing off), got {text!r}"
        )
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conferencing",
        description="Telephone conferences on Telnyx and Bandwidth Catapult.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the library against the embedded emulator of both providers"
    )
    demo.add_argument(
        "--count", type=_count("--count", 1, 1_000_000), default=2000, help="per provider"
    )
    demo.add_argument(
        "--concurrency", type=_count("--concurrency", 1, _MAX_CONCURRENCY), default=32
    )
    demo.add_argument("--seed", type=int, default=7, help="seed of the emulator's faults")
    demo.add_argument("--no-progress", action="store_true")
    _loop_option(demo)

    bulk = commands.add_parser(
        "create-many",
        help="create one conference per input row, resumably",
        description="Create one conference per row of a JSON Lines or CSV file. "
        "Credentials come from the environment (TELNYX_API_KEY; CATAPULT_USER_ID, "
        "CATAPULT_API_TOKEN, CATAPULT_API_SECRET). Every outcome is appended to --output "
        "as a JSON line as it happens; --resume continues the run that output belongs to. "
        "Exit status: 0 when every row is created, 1 when any is not, 2 for a usage error.",
    )
    bulk.add_argument("--provider", choices=sorted(_REQUESTS), required=True)
    bulk.add_argument("--input", required=True, help="JSON Lines (.jsonl) or CSV (.csv) file")
    bulk.add_argument("--output", required=True, help="where outcomes are appended")
    bulk.add_argument("--format", choices=("auto", "jsonl", "csv"), default="auto")
    bulk.add_argument(
        "--concurrency",
        type=_count("--concurrency", 1, _MAX_CONCURRENCY),
        default=16,
        help="requests in flight at most (never more than the rows to send)",
    )
    bulk.add_argument(
        "--rate",
        type=_rate,
        default=None,
        help="requests per second per endpoint family; default: the provider's documented "
        "limit (Catapult 1/s, Telnyx none); 0 turns pacing off",
    )
    bulk.add_argument("--resume", action="store_true")
    bulk.add_argument("--base-url", help="API root, e.g. an emulator's URL")
    bulk.add_argument("--no-progress", action="store_true")
    _loop_option(bulk)
    return parser


def _loop_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--loop",
        choices=_LOOPS,
        default="auto",
        help="event loop: uvloop (pip install 'conferencing[speed]') or asyncio's own; "
        "auto is uvloop when installed; the summary names the loop used",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    given = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(given)
    args.argv = given
    try:
        factory = _loop_factory(args.loop)
        if args.command == "demo":
            from ._demo import run_demo  # noqa: PLC0415 - the emulator loads only for the demo

            return _run(
                lambda: run_demo(
                    count=args.count,
                    concurrency=args.concurrency,
                    seed=args.seed,
                    progress=not args.no_progress,
                ),
                factory,
            )
        return _run(lambda: _create_many(args), factory)
    except (UsageError, ConferencingError) as exc:  # ours: configuration, credentials, files
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
