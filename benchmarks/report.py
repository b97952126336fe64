"""Targets, the printed table, docs/performance.md and the chart."""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

# key: (what, target, higher-is-worse limit)
TARGETS: dict[str, tuple[str, float]] = {
    "invoke_overhead": ("invoke overhead above floor, ours / ChatOpenAI", 0.25),
    "ainvoke_overhead": ("ainvoke overhead above floor, ours / ChatOpenAI", 0.25),
    "stream_time": ("2,000-delta stream() time, ours / ChatOpenAI", 0.50),
    "astream_time": ("2,000-delta astream() time, ours / ChatOpenAI", 0.50),
    "scaling": ("20,000 / 2,000 deltas aggregated with +, ours", 12.0),
    "concurrent_wall": ("200 concurrent ainvoke wall, ours / ChatOpenAI", 1.0),
    "concurrent_connections": ("200 concurrent ainvoke: connections / pool size", 1.0),
    "concurrent_rss": ("peak RSS (ainvoke+astream), ours / ChatOpenAI", 1.0),
    "concurrent_astream_vs_floor": (
        "concurrent astream wall, ours / raw httpx-sse",
        2.0,
    ),
    "concurrent_astream_connections": (
        "concurrent astream: connections / pool size",
        1.0,
    ),
    "import_time": ("import time, ours / langchain_openai", 0.50),
}


def ratios(results: dict[str, Any], pool_size: int) -> dict[str, float]:
    """Every target ratio of one run (plus a few informative ones)."""
    out: dict[str, float] = {}
    for key in ("invoke", "ainvoke"):
        ours, theirs = results[key]["ours"], results[key]["openai"]
        out[f"{key}_overhead"] = ours["overhead_ms"] / theirs["overhead_ms"]
    for key in ("stream", "astream"):
        out[f"{key}_time"] = (
            results[key]["ours"]["median_ms"] / results[key]["openai"]["median_ms"]
        )
    out["scaling"] = results["scaling"]["ours"]["ratio"]
    conc = results["concurrency"]
    out["concurrent_wall"] = (
        conc["ours"]["ainvoke"]["wall_ms"] / conc["openai"]["ainvoke"]["wall_ms"]
    )
    out["concurrent_connections"] = conc["ours"]["ainvoke"]["connections"] / pool_size
    out["concurrent_rss"] = (
        conc["ours"]["astream"]["peak_rss_mb"]
        / conc["openai"]["astream"]["peak_rss_mb"]
    )
    imports = results["imports"]
    out["import_time"] = imports["ours"]["median_ms"] / imports["openai"]["median_ms"]
    # Informative: the same, above the langchain-core import floor.
    core = imports["core"]["median_ms"]
    out["import_above_core"] = (imports["ours"]["median_ms"] - core) / max(
        imports["openai"]["median_ms"] - core, 1e-9
    )
    out["concurrent_astream_vs_floor"] = (
        conc["ours"]["astream"]["wall_ms"] / conc["floor"]["astream"]["wall_ms"]
    )
    out["concurrent_astream_connections"] = (
        conc["ours"]["astream"]["connections"] / pool_size
    )
    out["concurrent_astream_wall"] = (
        conc["ours"]["astream"]["wall_ms"] / conc["openai"]["astream"]["wall_ms"]
    )
    return out


def _f(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def figure_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(figure, floor, ours, ChatOpenAI, core) rows."""
    rows = []
    for key, label in (("invoke", "invoke"), ("ainvoke", "ainvoke")):
        fig = r[key]
        n = int(fig["ours"]["n"])
        for stat in ("median_ms", "p95_ms"):
            rows.append(
                (
                    f"{label} ×{n} sequential, {stat.replace('_ms', '')} (ms)",
                    _f(fig["floor"][stat], 3),
                    _f(fig["ours"][stat], 3),
                    _f(fig["openai"][stat], 3),
                    _f(fig["core"][stat], 3),
                )
            )
        rows.append(
            (
                f"{label} overhead above floor (ms)",
                "0",
                _f(fig["ours"]["overhead_ms"], 3),
                _f(fig["openai"]["overhead_ms"], 3),
                "",
            )
        )
    for key in ("stream", "astream"):
        fig = r[key]
        rows.append(
            (
                f"2,000-delta {key}() total (ms)",
                _f(fig["floor"]["median_ms"], 1),
                _f(fig["ours"]["median_ms"], 1),
                _f(fig["openai"]["median_ms"], 1),
                _f(fig["core"]["median_ms"], 1),
            )
        )
        rows.append(
            (
                f"{key}() per-chunk overhead above floor (µs)",
                "0",
                _f(fig["ours"]["per_chunk_overhead_us"], 1),
                _f(fig["openai"]["per_chunk_overhead_us"], 1),
                _f(fig["core"]["per_chunk_us"], 1),
            )
        )
    scaling = r["scaling"]
    for label, field in (
        ("2,000 deltas aggregated with + (ms)", "d2000_ms"),
        ("20,000 deltas aggregated with + (ms)", "d20000_ms"),
        ("20,000 / 2,000 cost", "ratio"),
    ):
        rows.append(
            (
                label,
                *(
                    _f(scaling[n][field], 1) if n in scaling else "–"
                    for n in ("floor", "ours", "openai", "core")
                ),
            )
        )
    conc = r["concurrency"]
    cfg = r["config"]
    for phase, n, what in (
        ("ainvoke_cold", cfg["concurrent_invokes"], "ainvoke, 1st burst (cold pool)"),
        ("ainvoke", cfg["concurrent_invokes"], "ainvoke, 2nd burst"),
        (
            "astream",
            cfg["concurrent_streams"],
            f"astream of {cfg['concurrent_deltas']:,} deltas",
        ),
    ):
        for label, field, digits in (
            ("wall (ms)", "wall_ms", 1),
            ("connections accepted", "connections", 0),
            ("most connections open at once", "peak_open", 0),
            ("peak RSS (MB)", "peak_rss_mb", 1),
        ):
            rows.append(
                (
                    f"{n} concurrent {what}: {label}",
                    *(
                        _f(conc[c][phase][field], digits)
                        for c in ("floor", "ours", "openai")
                    ),
                    "",
                )
            )
    rows.append(
        (
            "RSS before the concurrent calls (MB)",
            *(_f(conc[c]["rss_before_mb"], 1) for c in ("floor", "ours", "openai")),
            "",
        )
    )
    imports = r["imports"]
    rows.append(
        (
            "cold `import` in a fresh python (ms)",
            _f(imports["python"]["median_ms"], 0),
            _f(imports["ours"]["median_ms"], 0),
            _f(imports["openai"]["median_ms"], 0),
            _f(imports["core"]["median_ms"], 0),
        )
    )
    cons = r["construction"]
    rows.append(
        (
            "model construction (µs)",
            "",
            _f(cons["ours"]["median_us"], 0),
            _f(cons["openai"]["median_us"], 0),
            "",
        )
    )
    return rows


def target_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    rows = []
    for key, (what, limit) in TARGETS.items():
        got = r["ratios"][key]
        rows.append(
            (what, _f(got, 3), f"≤ {limit:g}", "met" if got <= limit else "MISSED")
        )
    return rows


def _markdown(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


FIG_HEADERS = ("figure", "floor (httpx)", "ours", "ChatOpenAI", "core no-op")
TARGET_HEADERS = ("target (ratio, same run)", "measured", "target", "")


def table(r: dict[str, Any]) -> str:
    """The plain-text table printed by the suite."""
    out = []
    for headers, rows in (
        (FIG_HEADERS, figure_rows(r)),
        (TARGET_HEADERS, target_rows(r)),
    ):
        widths = [
            max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)
        ]
        fmt = "  ".join(
            f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths)
        )
        out.append(fmt.format(*headers))
        out.append("  ".join("-" * w for w in widths))
        out += [fmt.format(*row) for row in rows]
        out.append("")
    parts = r["parts"]
    out.append(
        f"response_to_message: {parts['response_to_message_us']:.0f} µs/response; "
        f"ResponseStreamParser.feed: {parts['parser_per_event_us']:.1f} µs/event"
    )
    out.append(
        f"informative: import above langchain-core, ours / langchain_openai = "
        f"{r['ratios']['import_above_core']:.3f}"
    )
    return "\n".join(out)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for dist in (
        "langchain-onerouter",
        "langchain-core",
        "langchain-openai",
        "openai",
        "httpx",
    ):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = f" · load average at the end {os.getloadavg()[0]:.2f}"
    return (
        f"{platform.system()} {platform.release()} · {cpu} · {os.cpu_count()} CPUs"
        f"{load} · Python {sys.version.split()[0]} · " + ", ".join(versions)
    )


def chart(r: dict[str, Any], path: Path) -> None:
    """A two-panel PNG: target ratios, and per-call/per-chunk overheads."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5.2))
    keys = list(TARGETS)
    values = [r["ratios"][k] / TARGETS[k][1] for k in keys]
    labels = [TARGETS[k][0] for k in keys]
    colors = ["#2b8a3e" if v <= 1 else "#c92a2a" for v in values]
    left.barh(range(len(keys)), values, color=colors)
    left.axvline(1.0, color="black", linestyle="--", linewidth=1)
    left.set_yticks(range(len(keys)), labels, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("measured ratio / target  (≤ 1 = target met)")
    left.set_title("Targets (ratios from one run)")

    groups = [
        (
            "invoke\nµs/call",
            1000 * r["invoke"]["ours"]["overhead_ms"],
            1000 * r["invoke"]["openai"]["overhead_ms"],
        ),
        (
            "ainvoke\nµs/call",
            1000 * r["ainvoke"]["ours"]["overhead_ms"],
            1000 * r["ainvoke"]["openai"]["overhead_ms"],
        ),
        (
            "stream 2k\nµs/chunk",
            r["stream"]["ours"]["per_chunk_overhead_us"],
            r["stream"]["openai"]["per_chunk_overhead_us"],
        ),
        (
            "astream 2k\nµs/chunk",
            r["astream"]["ours"]["per_chunk_overhead_us"],
            r["astream"]["openai"]["per_chunk_overhead_us"],
        ),
    ]
    xs = range(len(groups))
    right.bar(
        [x - 0.2 for x in xs], [g[1] for g in groups], 0.4, label="langchain-onerouter"
    )
    right.bar([x + 0.2 for x in xs], [g[2] for g in groups], 0.4, label="ChatOpenAI")
    right.set_xticks(list(xs), [g[0] for g in groups], fontsize=8)
    right.set_title("µs above the raw-httpx floor (lower is better)")
    right.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_docs(r: dict[str, Any], docs: Path, command: str) -> None:
    """docs/performance.md and docs/performance.png."""
    from benchmarks.notes import NOTES

    docs.mkdir(exist_ok=True)
    chart(r, docs / "performance.png")
    when = r.get("finished_at") or datetime.now(timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC"
    )
    text = f"""# Performance

_Generated by `{command}` on {when} ({r["elapsed_s"]:.0f} s). Do not edit by hand._

Reproduce (needs the `bench` extra: `pip install -e '.[bench]'`):

```bash
{command}
```

Machine: {machine()}

Every client gets byte-identical canned bodies from one loopback
Starlette/uvicorn server running in its own process
([`benchmarks/server.py`](../benchmarks/server.py)): a realistic Responses
object (reasoning item with encrypted content + message + usage) and SSE
streams of 2,000 and 20,000 text deltas. Clients: **floor** = raw `httpx` +
`orjson` (and `httpx-sse` for streams), **ours** = `ChatOneRouterResponses`,
**ChatOpenAI** = `langchain_openai.ChatOpenAI(use_responses_api=True)`,
**core no-op** = a `BaseChatModel` subclass that does no I/O (langchain-core's
own cost). Targets are ratios between clients of this one run: the machines
are shared and absolute times vary between runs.

![ours vs ChatOpenAI](performance.png)

## Targets

{_markdown(TARGET_HEADERS, target_rows(r))}

## All figures

{_markdown(FIG_HEADERS, figure_rows(r))}

Our own pure code, measured without I/O: `response_to_message` on the canned
body {r["parts"]["response_to_message_us"]:.0f} µs; `ResponseStreamParser.feed`
{r["parts"]["parser_per_event_us"]:.1f} µs per event. Import above the
langchain-core floor, ours / langchain_openai: {r["ratios"]["import_above_core"]:.2f}.

{NOTES.format(**_note_values(r))}
"""
    (docs / "performance.md").write_text(text)


def _note_values(r: dict[str, Any]) -> dict[str, str]:
    imports = r["imports"]
    return {
        "core_import_ms": f"{imports['core']['median_ms']:.0f}",
        "ours_import_ms": f"{imports['ours']['median_ms']:.0f}",
        "openai_import_ms": f"{imports['openai']['median_ms']:.0f}",
        "core_invoke_ms": f"{r['invoke']['core']['median_ms']:.3f}",
        "ours_overhead_ms": f"{r['invoke']['ours']['overhead_ms']:.3f}",
        "core_chunk_us": f"{r['stream']['core']['per_chunk_us']:.1f}",
        "ours_chunk_us": f"{r['stream']['ours']['per_chunk_overhead_us']:.1f}",
        "parser_us": f"{r['parts']['parser_per_event_us']:.1f}",
        "import_above_core": f"{r['ratios']['import_above_core']:.0%}",
        "core_scaling": (
            f"{r['scaling']['core']['ratio']:.1f}x" if "core" in r["scaling"] else "–"
        ),
    }
