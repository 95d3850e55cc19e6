"""`conferencing demo` does what the README says it does."""

from __future__ import annotations

import re

import pytest

from conferencing._demo import run_demo


def _section(text: str, title: str) -> dict[str, int]:
    """The integer rows of one summary table, by label."""
    table = text.split(title, 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines():
        found = re.fullmatch(r"\s*(.+?)\s{2,}(\d+)", line)
        if found:
            rows[found.group(1)] = int(found.group(2))
    return rows


async def test_the_demo_injects_the_same_faults_into_both_providers_and_agrees(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Lost answers, 500s and dropped connections hit Catapult too; unknowns are reconciled."""
    status = await run_demo(count=400, concurrency=16, seed=7, progress=False)

    out = capsys.readouterr().out
    assert 0 == status, out
    catapult = _section(out, "Catapult v1")
    telnyx = _section(out, "Telnyx v2")
    # Only faults after the work (500, drop, lost answer) make a Catapult outcome unknown.
    assert catapult["outcome unknown"] > 0, out
    assert 400 == catapult["created"] + catapult["failed"] + catapult["outcome unknown"]
    assert 400 == telnyx["created"] + telnyx["failed"] + telnyx["outcome unknown"]
    assert re.search(r"reconciled by tag: \d+ of the \d+ unknown outcomes", out)
    for kind in ("server_error", "drop_connection", "lost_after_success", "unavailable"):
        assert re.search(rf"{kind} [1-9]", out), kind
    assert "every conference reported as created exists, none exists twice" in out
