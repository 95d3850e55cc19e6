"""The `conferencing` command: `demo` on the embedded emulator, and resumable `create-many`."""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import sys
import types
import typing
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Final, TextIO

import attrs
from tqdm import tqdm

from . import _rules, catapult, telnyx
from ._bulk import BulkResult, BulkSummary, create_many
from ._errors import APIError, ConferencingError, OutcomeUnknownError, ValidationError
from ._pool import SessionPool
from ._ratelimit import RateLimit

__all__ = ["main"]

EXIT_OK: Final = 0
EXIT_FAILURES: Final = 1
EXIT_USAGE: Final = 2
# Command ids of rows are derived from this namespace, the output file and the
# row, so that a re-run after a crash repeats the same ids and Telnyx
# recognises commands it has already carried out.
_NAMESPACE: Final = uuid.UUID("6f0c2f4e-8f0e-4d0b-9a55-2b1c7a3e5d10")
_REQUESTS: Final[dict[str, type[Any]]] = {
    "telnyx": telnyx.CreateConferenceRequest,
    "catapult": catapult.CreateConferenceRequest,
}


@attrs.frozen
class _Row:
    """One input row: its number in the file and its fields, or why it is unusable."""

    number: int
    fields: dict[str, Any] | None = None
    problem: ValidationError | None = None


class _RowCreator:
    """Feeds rows to a client, recording each Catapult create before it is sent."""

    def __init__(self, client: telnyx.TelnyxClient | catapult.CatapultClient, out: _Output) -> None:
        self._client = client
        self._out = out

    async def create_conference(self, row: Any = None, /, **_fields: Any) -> object:
        assert isinstance(row, _Row)  # noqa: S101 - the CLI only feeds rows
        if row.problem is not None:
            raise row.problem
        if row.fields is None:
            raise ValidationError("empty row")
        if isinstance(self._client, catapult.CatapultClient):
            # Catapult has no idempotency key: if this run dies before the
            # outcome is written, `--resume` must know the row may exist.
            request = _rules.build(catapult.CreateConferenceRequest, row.fields)
            self._out.write({"row": row.number, "outcome": "sending"})
            return await self._client.create_conference(request)
        return await self._client.create_conference(**row.fields)


class _Output:
    """The outcome file: one JSON line per event, flushed as it happens."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._file: TextIO | None = None

    def open(self) -> None:
        needs_newline = False
        if self._path.exists() and self._path.stat().st_size:
            with self._path.open("rb") as existing:
                existing.seek(-1, os.SEEK_END)
                # A run killed mid-line leaves a fragment; start on a new line.
                needs_newline = existing.read(1) != b"\n"
        self._file = self._path.open("a", encoding="utf-8")
        if needs_newline:
            self._file.write("\n")

    def write(self, record: dict[str, Any]) -> None:
        assert self._file is not None  # noqa: S101 - opened before use
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _previous_outcomes(path: Path) -> tuple[set[int], set[int]]:
    """Rows with an outcome in an earlier output, and rows only marked as being sent."""
    done: set[int] = set()
    sending: set[int] = set()
    if not path.exists():
        return done, sending
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
                number = int(record["row"])
                outcome = record["outcome"]
            except (ValueError, KeyError, TypeError):
                continue  # a fragment from a run that was killed mid-write
            if outcome == "sending":
                sending.add(number)
            else:
                done.add(number)
    return done, sending - done


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


def _is_csv(path: Path, fmt: str) -> bool:
    return fmt == "csv" or (fmt == "auto" and path.suffix.lower() == ".csv")


def _read_rows(path: Path, fmt: str, provider: str) -> Iterator[_Row]:
    """Yield every data row of a JSON Lines or CSV file, numbered from 0."""
    with path.open(encoding="utf-8", newline="") as handle:
        if _is_csv(path, fmt):
            kinds = _field_kinds(_REQUESTS[provider])
            for number, raw in enumerate(csv.DictReader(handle)):
                extra = raw.pop(None, None)
                if extra:
                    problem = ValidationError(f"row has {len(extra)} cells more than the header")
                    yield _Row(number, problem=problem)
                    continue
                try:
                    yield _Row(number, fields=_coerce(kinds, raw))
                except ValidationError as exc:
                    yield _Row(number, problem=exc)
            return
        number = 0
        for line in handle:
            if not line.strip():
                continue
            try:
                fields = json.loads(line)
            except ValueError as exc:
                yield _Row(number, problem=ValidationError(f"not a JSON object: {exc}"))
            else:
                if isinstance(fields, dict):
                    yield _Row(number, fields=fields)
                else:
                    yield _Row(number, problem=ValidationError("not a JSON object"))
            number += 1


def _count_rows(path: Path, fmt: str) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        if _is_csv(path, fmt):
            return sum(1 for _ in csv.DictReader(handle))
        return sum(1 for line in handle if line.strip())


def _error_record(error: ConferencingError) -> dict[str, Any]:
    record: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, APIError):
        record["status"] = error.status
        record["code"] = error.code
    if isinstance(error, ValidationError) and error.field:
        record["field"] = error.field
    return record


def _outcome(result: BulkResult[Any]) -> dict[str, Any]:
    row = result.request
    assert isinstance(row, _Row)  # noqa: S101 - the CLI only feeds rows
    record: dict[str, Any] = {"row": row.number}
    if result.error is None:
        record["outcome"] = "created"
        record["id"] = getattr(result.conference, "id", None)
    elif isinstance(result.error, OutcomeUnknownError):
        record["outcome"] = "unknown"
        record["error"] = _error_record(result.error)
    else:
        record["outcome"] = "failed"
        record["error"] = _error_record(result.error)
    if row.fields is not None and "command_id" in row.fields:
        record["command_id"] = row.fields["command_id"]
    return record


def print_summary(
    title: str, summary: BulkSummary, *, skipped: int = 0, stream: IO[str] | None = None
) -> None:
    """Print a bulk run's summary as a small table."""
    stream = stream or sys.stdout
    rows = [
        ("created", str(summary.created)),
        ("failed", str(summary.failed - summary.unknown)),
        ("outcome unknown", str(summary.unknown)),
    ]
    if skipped:
        rows.append(("skipped (already done)", str(skipped)))
    rows += [
        ("elapsed", f"{summary.elapsed:.2f} s"),
        ("requests per second", f"{summary.rate:.0f}"),
    ]
    rows += [(f"  {name}", str(count)) for name, count in summary.errors.most_common()]
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


async def _create_many(args: argparse.Namespace) -> int:
    source = Path(args.input)
    target = Path(args.output)
    done, interrupted = _previous_outcomes(target) if args.resume else (set(), set())
    if not args.resume and target.exists() and target.stat().st_size:
        print(
            f"error: {target} already holds outcomes; pass --resume to continue that run, "
            "or choose another --output",
            file=sys.stderr,
        )
        return EXIT_USAGE
    out = _Output(target)
    salt = str(target.resolve())
    total = _count_rows(source, args.format)

    async def rows() -> AsyncIterator[_Row]:
        for row in _read_rows(source, args.format, args.provider):
            if row.number in done:
                continue
            if row.number in interrupted:
                # Sent by a run that died before hearing back: it may exist.
                out.write(
                    {
                        "row": row.number,
                        "outcome": "unknown",
                        "error": {
                            "type": "OutcomeUnknownError",
                            "message": "an earlier run sent this row and stopped before the "
                            "answer; check the provider before creating it again",
                        },
                    }
                )
                continue
            if args.provider == "telnyx" and row.fields is not None:
                row.fields.setdefault(
                    "command_id", str(uuid.uuid5(_NAMESPACE, f"{salt}\n{row.number}"))
                )
            yield row

    skipped = len(done) + len(interrupted)
    async with SessionPool(max_connections=max(args.concurrency, 1)) as pool:
        client = _make_client(args, pool)
        out.open()
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
                async with create_many(
                    _RowCreator(client, out), rows(), concurrency=args.concurrency
                ) as run:
                    async for result in run:
                        out.write(_outcome(result))
                        bar.update(1)
        finally:
            out.close()
    print_summary(f"{args.provider}: {args.input} -> {args.output}", run.summary, skipped=skipped)
    return EXIT_FAILURES if run.summary.failed else EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="conferencing",
        description="Telephone conferences on Telnyx and Bandwidth Catapult.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the library against the embedded emulator of both providers"
    )
    demo.add_argument("--count", type=int, default=2000, help="conferences per provider")
    demo.add_argument("--concurrency", type=int, default=32)
    demo.add_argument("--seed", type=int, default=7, help="seed of the emulator's faults")
    demo.add_argument("--no-progress", action="store_true")

    bulk = commands.add_parser(
        "create-many",
        help="create one conference per input row, resumably",
        description="Create one conference per row of a JSON Lines or CSV file. "
        "Credentials come from the environment (TELNYX_API_KEY; CATAPULT_USER_ID, "
        "CATAPULT_API_TOKEN, CATAPULT_API_SECRET). Every outcome is appended to --output "
        "as a JSON line as it happens; --resume skips rows that already have one.",
    )
    bulk.add_argument("--provider", choices=sorted(_REQUESTS), required=True)
    bulk.add_argument("--input", required=True, help="JSON Lines (.jsonl) or CSV (.csv) file")
    bulk.add_argument("--output", required=True, help="where outcomes are appended")
    bulk.add_argument("--format", choices=("auto", "jsonl", "csv"), default="auto")
    bulk.add_argument("--concurrency", type=int, default=16)
    bulk.add_argument(
        "--rate",
        type=float,
        default=None,
        help="requests per second per endpoint family; default: the provider's documented "
        "limit (Catapult 1/s, Telnyx none); 0 turns pacing off",
    )
    bulk.add_argument("--resume", action="store_true")
    bulk.add_argument("--base-url", help="API root, e.g. an emulator's URL")
    bulk.add_argument("--no-progress", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            from ._demo import run_demo  # noqa: PLC0415 - the emulator loads only for the demo

            return asyncio.run(
                run_demo(
                    count=args.count,
                    concurrency=args.concurrency,
                    seed=args.seed,
                    progress=not args.no_progress,
                )
            )
        if args.concurrency < 1:
            print("error: --concurrency must be >= 1", file=sys.stderr)
            return EXIT_USAGE
        return asyncio.run(_create_many(args))
    except ConferencingError as exc:  # configuration: credentials, base URL
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
