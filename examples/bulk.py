r"""Create a Telnyx conference for every row of a CSV file, then print a summary.

The CSV's header names the fields of each conference: ``call_control_id``
and ``name`` (required), and ``max_participants`` (optional)::

    call_control_id,name,max_participants
    v3:leg-1,standup,10
    v3:leg-2,retro,

A row breaking a documented rule (an empty name, ``max_participants`` out
of 2..800) fails alone, without stopping the others. The script prints one
line per row not created, then the summary, and exits 0 when every row was
created, 1 otherwise, 2 when the file cannot be read. Credentials come from
``TELNYX_API_KEY``, the API root from ``TELNYX_BASE_URL``. On the emulator::

    python -m conferencing.emulator --port 8000 --telnyx-api-key demo-key &
    TELNYX_BASE_URL=http://127.0.0.1:8000/v2 TELNYX_API_KEY=demo-key \
        python examples/bulk.py rooms.csv --concurrency 16

For resumable runs with an outcome per row in a file, use the
``conferencing create-many`` command instead; this script shows the
library calls such a tool is made of.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from conferencing import ConfigurationError, TelnyxClient, create_many, telnyx

FIELDS = ("call_control_id", "name", "max_participants")


def rows(reader: csv.DictReader[str]) -> Iterator[dict[str, object]]:
    """One mapping of request fields per CSV row, read lazily; empty cells are left unset."""
    for row in reader:
        fields: dict[str, object] = {
            key: value for key, value in row.items() if key in FIELDS and value
        }
        # A number stays text when it is not one: the request's rule then names the problem.
        cell = fields.get("max_participants")
        if isinstance(cell, str) and cell.strip().isdigit():
            fields["max_participants"] = int(cell)
        yield fields


async def create_all(path: Path, concurrency: int) -> int:
    """Create every row's conference; print failures and the summary; return the exit status."""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        reader = csv.DictReader(lines)
        if unknown := set(reader.fieldnames or ()) - set(FIELDS):
            print(f"{path}: unknown columns {sorted(unknown)}", file=sys.stderr)
            return 2
        base_url = os.environ.get("TELNYX_BASE_URL", telnyx.DEFAULT_BASE_URL)
        async with (
            TelnyxClient(base_url=base_url) as tx,
            create_many(tx, rows(reader), concurrency=concurrency) as run,
        ):
            async for result in run:
                if not result.ok:
                    outcome = "unknown" if result.unknown else "failed"
                    error = result.error
                    print(f"row {result.index + 1}: {outcome}: {type(error).__name__}: {error}")
    summary = run.summary
    print(
        f"{summary.created} created, {summary.failed} failed, {summary.unknown} unknown"
        f" of {summary.total} rows in {summary.elapsed:.2f} s"
    )
    return 0 if summary.created == summary.total else 1


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("csv", type=Path, help="the CSV file, UTF-8, with a header")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (32)")
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(create_all(args.csv, args.concurrency)))
    except (OSError, UnicodeDecodeError, csv.Error, ConfigurationError) as exc:
        parser.exit(2, f"{parser.prog}: {exc}\n")


if __name__ == "__main__":
    main()
