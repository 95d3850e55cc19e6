"""Turning worker runs into medians, ratios, target checks, a Markdown table and plots."""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from ._capacity import HEADROOM

__all__ = [
    "CLIENT_BOUND",
    "LABELS",
    "LIMIT",
    "TARGET_CPU_VS_LIMIT",
    "TARGET_P99_OVER_P50",
    "TARGET_VS_RAW",
    "TARGET_VS_SDK",
    "TIMES",
    "Summary",
    "baseline_of",
    "headroom",
    "label",
    "markdown",
    "plot",
    "summarize",
    "targets",
    "unexplained",
]

#: The targets: ratios from one run on one machine.
TARGET_VS_RAW: Final = 2.0
TARGET_VS_SDK: Final = 5.0
TARGET_P99_OVER_P50: Final = 3.0
#: Client CPU per request at most this many times the limit's, on the default loop.
TARGET_CPU_VS_LIMIT: Final = 2.5
#: A run whose client process kept at least this share of its core busy measured the
#: client: a server slow to answer would have left the client waiting, idle.
CLIENT_BOUND: Final = 0.9

#: Rows where other processes took more of the client CPU than this say so.
_NOTED_CONTENTION: Final = 0.05

OURS: Final = ("conferencing-telnyx", "conferencing-catapult")
SDKS: Final = ("telnyx-sdk-aiohttp", "telnyx-sdk-httpx")
#: The minimal asyncio client: what any Python client must spend per request, at least.
LIMIT: Final = "limit"
#: How tables and plots name a client, where its runner name is not enough.
LABELS: Final = {LIMIT: "limit (minimal asyncio client)"}
#: The multiplication sign that heads the ratio columns (times raw aiohttp, times limit).
TIMES: Final = "\N{MULTIPLICATION SIGN}"
#: The raw aiohttp client doing the same provider's POST; `raw-aiohttp` is Telnyx's.
_RAW_OF: Final = {
    "conferencing-catapult": "raw-aiohttp-catapult",
    "raw-aiohttp-catapult": "raw-aiohttp-catapult",
}


def label(client: str) -> str:
    """The client's name in tables and plots."""
    return LABELS.get(client, client)


def baseline_of(client: str, present: Iterable[str]) -> str:
    """The raw aiohttp client `client` is compared with: same provider when measured."""
    wanted = _RAW_OF.get(client, "raw-aiohttp")
    return wanted if wanted in set(present) else "raw-aiohttp"


@dataclass
class Summary:
    """One client at one concurrency, over its repetitions."""

    client: str
    concurrency: int
    runs: int
    rps_median: float
    rps_min: float
    rps_max: float
    cpu_us_median: float
    gc_us_median: float | None
    p50_ms: float
    p99_ms: float
    p99_over_p50: float
    completed: int
    errors: int
    time_capped: bool
    server_cpu_us: float | None
    contention: float | None = None
    first_error: str | None = None
    vs_raw: float | None = None
    vs_raw_client: str | None = None
    vs_raw_telnyx: float | None = None
    vs_sdk: float | None = None
    vs_sdk_client: str | None = None
    vs_limit: float | None = None
    cpu_vs_limit: float | None = None
    rps_runs: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain data, for JSON."""
        return asdict(self)

    @property
    def client_busy(self) -> float:
        """The share of its one core the client process used: rate x CPU per request."""
        return self.rps_median * self.cpu_us_median / 1e6

    @property
    def server_busy(self) -> float | None:
        """The share of its one core the server used meanwhile; None without psutil."""
        if self.server_cpu_us is None:
            return None
        return self.rps_median * self.server_cpu_us / 1e6


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def summarize(runs: Sequence[Mapping[str, Any]]) -> list[Summary]:
    """Group runs by (client, concurrency), take medians, then the ratios at each concurrency."""
    groups: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["client"], run["concurrency"]), []).append(run)
    summaries = []
    for (client, concurrency), group in groups.items():
        rps = [float(r["rps"]) for r in group]
        p50 = _median([r["latency_ms"]["p50"] for r in group])
        p99 = _median([r["latency_ms"]["p99"] for r in group])
        server = [r["server_cpu_us"] for r in group if r.get("server_cpu_us") is not None]
        others = [
            max(r.get("contention") or 0.0, r.get("others_cpus") or 0.0)
            for r in group
            if r.get("contention") is not None or r.get("others_cpus") is not None
        ]
        summaries.append(
            Summary(
                client=client,
                concurrency=concurrency,
                runs=len(group),
                rps_median=_median(rps),
                rps_min=min(rps),
                rps_max=max(rps),
                cpu_us_median=_median([r["cpu_us_per_request"] for r in group]),
                gc_us_median=_median([r["gc_us_per_request"] for r in group])
                if all("gc_us_per_request" in r for r in group)
                else None,
                p50_ms=p50,
                p99_ms=p99,
                p99_over_p50=p99 / p50 if p50 > 0 else math.nan,
                completed=sum(r["completed"] for r in group),
                errors=sum(r["errors"] for r in group),
                time_capped=any(r["time_capped"] for r in group),
                server_cpu_us=_median(server) if server else None,
                contention=_median(others) if others else None,
                first_error=next((r["first_error"] for r in group if r["first_error"]), None),
                rps_runs=rps,
            )
        )
    by_key = {(s.client, s.concurrency): s for s in summaries}
    present = {s.client for s in summaries}
    for s in summaries:
        raw_name = baseline_of(s.client, present)
        raw = by_key.get((raw_name, s.concurrency))
        if raw is not None and raw.rps_median > 0:
            s.vs_raw, s.vs_raw_client = s.rps_median / raw.rps_median, raw_name
        telnyx_raw = by_key.get(("raw-aiohttp", s.concurrency))
        if telnyx_raw is not None and telnyx_raw.rps_median > 0:
            s.vs_raw_telnyx = s.rps_median / telnyx_raw.rps_median
        limit = by_key.get((LIMIT, s.concurrency))
        if limit is not None and limit.rps_median > 0:
            s.vs_limit = s.rps_median / limit.rps_median
        if limit is not None and limit.cpu_us_median > 0:
            s.cpu_vs_limit = s.cpu_us_median / limit.cpu_us_median
        sdks = [by_key[(n, s.concurrency)] for n in SDKS if (n, s.concurrency) in by_key]
        if sdks:
            fastest = max(sdks, key=lambda x: x.rps_median)
            if fastest.rps_median > 0:
                s.vs_sdk, s.vs_sdk_client = s.rps_median / fastest.rps_median, fastest.client
    order = {
        name: i
        for i, name in enumerate((*OURS, "raw-aiohttp", "raw-aiohttp-catapult", LIMIT, *SDKS))
    }
    summaries.sort(key=lambda s: (s.concurrency, order.get(s.client, 99), s.client))
    return summaries


def targets(summaries: Sequence[Summary]) -> list[dict[str, Any]]:
    """The issue's targets, checked for each of our clients at each concurrency."""
    checks = []
    for s in summaries:
        if s.client not in OURS:
            continue
        checks.append(
            {
                "client": s.client,
                "concurrency": s.concurrency,
                "vs_raw": s.vs_raw,
                "vs_raw_client": s.vs_raw_client,
                "vs_raw_met": s.vs_raw is not None and s.vs_raw >= TARGET_VS_RAW,
                "vs_raw_telnyx": s.vs_raw_telnyx,
                "vs_sdk": s.vs_sdk,
                "vs_sdk_met": s.vs_sdk is not None and s.vs_sdk >= TARGET_VS_SDK,
                "cpu_vs_limit": s.cpu_vs_limit,
                "cpu_vs_limit_met": s.cpu_vs_limit is not None
                and s.cpu_vs_limit <= TARGET_CPU_VS_LIMIT,
                "p99_over_p50": s.p99_over_p50,
                "p99_over_p50_met": s.p99_over_p50 <= TARGET_P99_OVER_P50,
            }
        )
    return checks


def headroom(summaries: Sequence[Summary], capacity: float | None) -> list[dict[str, Any]]:
    """Each client's fastest rate, the server's capacity over it, who was busy; fastest first.

    A row is *client-bound* when its client process kept at least `CLIENT_BOUND`
    of its core busy: then the client's own CPU set its rate, whatever the
    server's headroom.
    """
    fastest: dict[str, Summary] = {}
    for s in summaries:
        if s.client not in fastest or s.rps_median > fastest[s.client].rps_median:
            fastest[s.client] = s
    rows = []
    for s in fastest.values():
        room = capacity / s.rps_median if capacity and s.rps_median > 0 else None
        client_bound = s.client_busy >= CLIENT_BOUND
        rows.append(
            {
                "client": s.client,
                "concurrency": s.concurrency,
                "rps": s.rps_median,
                "headroom": room,
                "client_busy": s.client_busy,
                "server_busy": s.server_busy,
                "client_bound": client_bound,
                # False only where the rule failed and the client waited: partly the server's.
                "measures_client": room is None or room >= HEADROOM or client_bound,
            }
        )
    return sorted(rows, key=lambda row: -row["rps"])


def unexplained(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The clients whose fastest rate is below the headroom rule and not client-bound."""
    return [row["client"] for row in rows if not row["measures_client"]]


def _capacity_lines(capacity: Mapping[str, Any], check: Mapping[str, Any]) -> list[str]:
    """The server's capacity and the headroom check, for the page's header."""
    if not capacity:
        return []
    how = (
        "measured at saturation"
        if capacity.get("saturated")
        else f"projected from {_num(capacity.get('server_cpu_us'), 1)} µs of server CPU per "
        f"request while it used {_num((capacity.get('server_cpu_share') or math.nan) * 100)} % "
        "of its core"
    )
    kernel = capacity.get("server_kernel_share")
    kernel_text = (
        ""
        if kernel is None
        else f"; {_num(kernel * 100)} % of the server's CPU was the kernel's (loopback TCP "
        "and system calls), not the server's own code"
    )
    lines = [
        (
            f"- **Server capacity**: {_num(capacity.get('rps'))} req/s on its one core ({how}; "
            f"load: {capacity['load']}, {_num(capacity['rps_driven'])} req/s for "
            f"{capacity['seconds']:g} s{kernel_text})."
        )
    ]
    if check.get("ratio") is not None:
        others = check.get("unexplained")
        if check["met"]:
            verdict = f"at least {HEADROOM:g}x: met"
        elif others == []:
            verdict = (
                f"**below the {HEADROOM:g}x the method asks for**; every row below it kept "
                f"its client's core at least {CLIENT_BOUND:.0%} busy, so those rates are "
                "the clients' own (see Server headroom)"
            )
        else:
            names = ", ".join(label(name) for name in others or ())
            verdict = (
                f"**below the {HEADROOM:g}x the method asks for: "
                + (f"the rows of {names} " if names else "the fastest rows ")
                + "measure the server as much as the client**"
            )
        lines.append(
            f"- **Headroom**: {_num(check['ratio'], 1)}x the fastest client measured "
            f"({label(check['client'])}, {_num(check['rps'])} req/s at concurrency "
            f"{check['concurrency']}), {verdict}."
        )
    return lines


def _num(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}{suffix}"


def _mark(met: bool) -> str:
    return "yes" if met else "**no**"


def markdown(
    summaries: Sequence[Summary],
    meta: Mapping[str, Any],
    validation: Sequence[Mapping[str, Any]] | None,
) -> str:
    """The results page: setup, the table, the targets, validation costs, notes."""
    server = meta["server"]
    machine = meta["machine"]
    capacity = server.get("capacity") or {}
    check = server.get("headroom") or {}
    lines = [
        "# conferencing benchmark results",
        "",
        f"`{meta['command']}` on {meta['date']} (commit `{meta.get('commit') or '?'}`).",
        "",
        (
            f"- **Server**: {server['label']}, {_num(server.get('cpu_us_per_request'), 1)} µs "
            f"of server CPU per request, pinned to {server.get('cpu', 'any CPU')}."
        ),
        *_capacity_lines(capacity, check),
        (
            f"- **Machine**: {machine['cpu_model']}, {machine['cpus']} CPUs; "
            f"Python {machine['python']}, aiohttp {machine['versions'].get('aiohttp', '?')}, "
            f"telnyx {machine['versions'].get('telnyx', 'not installed')}, "
            f"{machine['platform']}."
        ),
        (
            f"- **Clients**: each run in its own process on {meta['client_cpu']}, "
            f"event loop **{meta['loop']}**; {meta['requests']:,} requests per run after one "
            f"warm-up request per task, at most {meta['time_limit']:g} s per run; "
            f"{meta['repeat']} repetition(s), clients interleaved."
        ),
        "",
        (
            "req/s is the median over repetitions [min-max]; CPU is the client process's "
            "CPU time per request (*of which GC*: in the cyclic garbage collector); "
            "latencies are medians over repetitions of each run's "
            f"p50 and p99. *{TIMES} raw aiohttp* divides the rate by raw aiohttp's doing the "
            f"same provider's POST; *{TIMES} limit* by the limit's (the minimal asyncio client "
            f"doing Telnyx's POST) and *{TIMES} SDK* by the faster official Telnyx SDK "
            "backend's, at that concurrency."
        ),
        "",
        (
            "| Client | Concurrency | req/s | CPU µs/req | of which GC | p50 ms | p99 ms | p99/p50 "
            f"| {TIMES} raw aiohttp | {TIMES} limit | {TIMES} SDK | Notes |"
        ),
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    server_rps = capacity.get("rps")
    for s in summaries:
        notes = []
        if s.time_capped:
            notes.append(f"time cap: {s.completed:,} done in {s.runs} run(s)")
        if s.contention is not None and s.contention > _NOTED_CONTENTION:
            notes.append(f"other processes busy: {s.contention:.2f} CPU")
        if s.errors:
            notes.append(f"{s.errors:,} errors ({s.first_error})")
        if server_rps and s.rps_median > 0 and server_rps / s.rps_median < HEADROOM:
            notes.append(
                f"server headroom {server_rps / s.rps_median:.1f}x, "
                f"client core {_num(s.client_busy * 100)} % busy"
            )
        spread = f"{_num(s.rps_median)} [{_num(s.rps_min)}-{_num(s.rps_max)}]"
        name = f"**{s.client}**" if s.client in OURS else label(s.client)
        lines.append(
            f"| {name} | {s.concurrency} | {spread} | {_num(s.cpu_us_median)} "
            f"| {_num(s.gc_us_median)} "
            f"| {_num(s.p50_ms, 1)} | {_num(s.p99_ms, 1)} | {_num(s.p99_over_p50, 1)} "
            f"| {_num(s.vs_raw, 2, 'x')} | {_num(s.vs_limit, 2, 'x')} | {_num(s.vs_sdk, 1, 'x')} "
            f"| {'; '.join(notes)} |"
        )
    if server_rps:
        lines += [
            "",
            "## Server headroom",
            "",
            (
                f"The server's capacity over each client's fastest median rate; the rule is "
                f"at least {HEADROOM:g}x. Below it, a rate may be partly the server's, unless "
                f"the client's own core was the busy one: a run that kept its client process "
                f"at least {CLIENT_BOUND:.0%} busy was bound by that client's CPU, since a "
                "server slow to answer leaves the client waiting, idle. *Busy* is the rate "
                "times the CPU per request, as a share of one core."
            ),
            "",
            (
                f"| Client | at concurrency | req/s | server headroom | ≥ {HEADROOM:g}x "
                "| client core busy | server core busy | rate set by |"
            ),
            "|---|--:|--:|--:|:-:|--:|--:|---|",
        ]
        for row in headroom(summaries, server_rps):
            room = row["headroom"] is not None and row["headroom"] >= HEADROOM
            server_busy = row["server_busy"]
            lines.append(
                f"| {label(row['client'])} | {row['concurrency']} | {_num(row['rps'])} "
                f"| {_num(row['headroom'], 1, 'x')} | {_mark(room)} "
                f"| {_num(row['client_busy'] * 100)} % "
                f"| {_num(None if server_busy is None else server_busy * 100)} % "
                f"| {'the client' if row['measures_client'] else '**client and server**'} |"
            )
    checks = targets(summaries)
    if checks:
        lines += [
            "",
            "## Targets",
            "",
            (
                f"≥ {TARGET_VS_RAW:g}x raw aiohttp, ≥ {TARGET_VS_SDK:g}x the faster SDK backend, "
                f"p99 ≤ {TARGET_P99_OVER_P50:g}x p50, client CPU per request ≤ "
                f"{TARGET_CPU_VS_LIMIT:g}x the limit's (a target on the default loop; on "
                f"uvloop, shown for comparison)."
            ),
            "",
            (
                "| Client | Concurrency | xraw (same provider) | met | xraw-aiohttp (Telnyx) "
                "| xSDK | met | p99/p50 | met | CPU x limit | met |"
            ),
            "|---|--:|--:|:-:|--:|--:|:-:|--:|:-:|--:|:-:|",
        ]
        on_default_loop = meta.get("loop") == "asyncio"
        lines += [
            f"| {c['client']} | {c['concurrency']} | {_num(c['vs_raw'], 2, 'x')} "
            f"| {_mark(c['vs_raw_met'])} | {_num(c['vs_raw_telnyx'], 2, 'x')} "
            f"| {_num(c['vs_sdk'], 1, 'x')} | {_mark(c['vs_sdk_met'])} "
            f"| {_num(c['p99_over_p50'], 1)} | {_mark(c['p99_over_p50_met'])} "
            f"| {_num(c['cpu_vs_limit'], 2, 'x')} "
            f"| {_mark(c['cpu_vs_limit_met']) if on_default_loop else '-'} |"
            for c in checks
        ]
    if validation:
        lines += [
            "",
            "## Validation and serialization alone",
            "",
            "µs per call, best of 5 (in the runner's process, no I/O).",
            "",
            "| Provider | Step | µs |",
            "|---|---|--:|",
        ]
        lines += [f"| {v['provider']} | {v['step']} | {_num(v['us'], 2)} |" for v in validation]
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in meta.get("notes", [])]
    lines += ["", "![requests per second against concurrency](throughput.png)", ""]
    return "\n".join(lines)


def plot(summaries: Sequence[Summary], meta: Mapping[str, Any], out: Path) -> list[Path]:
    """Draw throughput.png (req/s and ratios) and latency.png (p50, p99); return the files."""
    import matplotlib as mpl  # noqa: PLC0415 - the runner works without it, minus plots

    mpl.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    subtitle = f"{meta['server']['label']} · {meta['machine']['cpu_model']} · loop {meta['loop']}"
    written = []
    for name, draw in (("throughput.png", _draw_throughput), ("latency.png", _draw_latency)):
        fig = draw(plt, summaries, subtitle)
        path = out / name
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def _rows_of(summaries: Sequence[Summary], client: str) -> list[Summary]:
    return sorted((s for s in summaries if s.client == client), key=lambda s: s.concurrency)


def _log2_concurrency(axes: Any, levels: list[int]) -> None:
    axes.set_xscale("log", base=2)
    axes.set_xticks(levels, [str(level) for level in levels])
    axes.set_xlabel("concurrency (requests in flight)")


def _draw_throughput(plt: Any, summaries: Sequence[Summary], subtitle: str) -> Any:
    """Requests per second on top; under it, each client over raw aiohttp and over the limit."""
    clients = list(dict.fromkeys(s.client for s in summaries))
    levels = sorted({s.concurrency for s in summaries})
    fig = plt.figure(figsize=(13, 9), layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[3, 2])
    ax = fig.add_subplot(grid[0, :])
    ratio_axes = [
        (fig.add_subplot(grid[1, 0]), "vs_raw", f"{TIMES} raw aiohttp (same provider's POST)"),
        (fig.add_subplot(grid[1, 1]), "vs_limit", f"{TIMES} limit (minimal asyncio client)"),
    ]
    for index, client in enumerate(clients):
        rows = _rows_of(summaries, client)
        x = [s.concurrency for s in rows]
        low = [s.rps_median - s.rps_min for s in rows]
        high = [s.rps_max - s.rps_median for s in rows]
        ours = client in OURS
        dashed = "-" if ours or client.startswith("raw") else "--"
        style = {
            "color": f"C{index}",
            "marker": "o",
            "linewidth": 2.5 if ours else 1.5,
            "linestyle": ":" if client == LIMIT else dashed,
        }
        y = [s.rps_median for s in rows]
        ax.errorbar(x, y, yerr=[low, high], capsize=4, label=label(client), **style)
        for ratio_ax, attribute, _ in ratio_axes:
            shown = [(s.concurrency, getattr(s, attribute)) for s in rows]
            shown = [(c, r) for c, r in shown if r is not None]
            if shown:
                ratio_ax.plot([c for c, _ in shown], [r for _, r in shown], **style)
    ax.set_ylabel("requests per second (median, min-max)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"create-conference throughput, one client core\n{subtitle}", fontsize=10)
    # Beside the axes, never over a line.
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    for ratio_ax, _, title in ratio_axes:
        ratio_ax.set_ylabel(title)
        ratio_ax.set_ylim(bottom=0)
        ratio_ax.axhline(1.0, color="grey", linewidth=0.8)
    for each in [ax, *(r for r, _, _ in ratio_axes)]:
        _log2_concurrency(each, levels)
        each.grid(visible=True, alpha=0.3)
    return fig


def _draw_latency(plt: Any, summaries: Sequence[Summary], subtitle: str) -> Any:
    """p99 (solid) and p50 (dotted) against concurrency, log-log."""
    clients = list(dict.fromkeys(s.client for s in summaries))
    levels = sorted({s.concurrency for s in summaries})
    fig, ax = plt.subplots(figsize=(9, 5.5), layout="constrained")
    for index, client in enumerate(clients):
        rows = _rows_of(summaries, client)
        color = f"C{index}"
        x = [s.concurrency for s in rows]
        ax.plot(x, [s.p99_ms for s in rows], marker="o", color=color, label=f"{label(client)} p99")
        ax.plot(x, [s.p50_ms for s in rows], marker=".", linestyle=":", color=color)
    _log2_concurrency(ax, levels)
    ax.set_yscale("log")
    ax.set_ylabel("latency, ms (solid p99, dotted p50)")
    ax.grid(visible=True, which="both", alpha=0.3)
    ax.set_title(f"create-conference latency\n{subtitle}", fontsize=10)
    ax.legend(fontsize=9)
    return fig
