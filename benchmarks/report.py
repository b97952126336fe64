"""Targets, the printed table, docs/performance.md and the chart."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

# key: (what, higher-is-worse limit); `{...}` filled from the run's config.
TARGETS: dict[str, tuple[str, float]] = {
    # The "(ours − floor) ≤ 1.5 × no-op", i.e. our own mapping and
    # transport ≤ half of langchain-core's cost, against a no-op model making
    # the floor's request (floor+core: apart they cost less than together),
    # measured in-process on httpx.MockTransport (benchmarks/inprocess.py: on
    # loopback the difference is below the drift between rounds).
    "invoke_vs_core": (
        "invoke, in-process: (ours − floor+core) / core no-op, per call, "
        "median of {inprocess_rounds} rounds",
        0.5,
    ),
    "ainvoke_vs_core": (
        "ainvoke, in-process: (ours − floor+core) / core no-op, per call, "
        "median of {inprocess_rounds} rounds",
        0.5,
    ),
    **{
        f"{method}_{kind}_vs_core": (
            f"{method}() {what}: (ours − floor) / core no-op, per chunk",
            1.5,
        )
        for method in ("stream", "astream")
        for kind, what in (
            ("text", "text deltas"),
            ("tool", "tool-argument deltas"),
            ("reasoning", "summary deltas"),
        )
    },
    "linear_20k_2k": ("20,000 / 2,000 deltas aggregated with +, ours", 11.0),
    "linear_50k_20k": ("50,000 / 20,000 deltas aggregated with +, ours", 2.6),
    "import_above_core": (
        "import: (ours − core) / (ChatOpenAI − core), CPU, median of {import_reps}",
        0.25,
    ),
    "concurrent_astream_vs_floor": (
        "{concurrent_streams:,} concurrent astream ({concurrent_deltas} deltas): "
        "wall, ours / raw httpx-sse",
        2.0,
    ),
    "concurrent_astream_connections": (
        "{concurrent_streams:,} concurrent astream: connections opened / pool (100)",
        1.0,
    ),
    "concurrent_rss": (
        "{concurrent_streams:,} concurrent astream: peak RSS, ours / ChatOpenAI",
        0.5,
    ),
    "stream_memory": (
        "{memory_deltas:,}-delta stream: peak traced allocation / final message",
        3.0,
    ),
    **{
        f"batch_{ms}ms": (
            "batch of {batch_calls} ({batch_concurrency} threads) / "
            "(sequential / 16), server answers in " + f"{ms} ms",
            1.0,
        )
        for ms in (0, 20)
    },
    "batch_connections": (
        "2 batches (new threads each): connections / max_concurrency",
        1.0,
    ),
}
# Ratios printed beside the targets: against ChatOpenAI, and the floors' own.
INFORMATIVE: dict[str, str] = {
    "invoke_loopback_vs_core": (
        "invoke, loopback: (ours − floor+core) / core no-op, per call"
    ),
    "ainvoke_loopback_vs_core": (
        "ainvoke, loopback: (ours − floor+core) / core no-op, per call"
    ),
    "invoke_floor_vs_core": "invoke: (ours − floor) / core no-op, per call",
    "ainvoke_floor_vs_core": "ainvoke: (ours − floor) / core no-op, per call",
    "invoke_cpu_vs_core": "invoke: (ours − floor) / core no-op, CPU per call",
    "invoke_overhead": "invoke overhead above floor, ours / ChatOpenAI",
    "ainvoke_overhead": "ainvoke overhead above floor, ours / ChatOpenAI",
    "stream_time": "2,000-delta stream() time, ours / ChatOpenAI",
    "astream_time": "2,000-delta astream() time, ours / ChatOpenAI",
    "core_linear_20k_2k": "20,000 / 2,000 deltas aggregated with +, core no-op",
    "core_linear_50k_20k": "50,000 / 20,000 deltas aggregated with +, core no-op",
    "core_stream_memory": "peak traced allocation / final message, core no-op",
    "core_batch_0ms": "batch / (sequential / 16), loopback, core no-op",
    **{
        f"{prefix}batch_{ms}ms": (
            f"batch / (sequential / 16), server answers in {ms} ms, {who}"
        )
        for prefix, who in (("floor_", "raw httpx"), ("floor_core_", "floor+core"))
        for ms in (0, 20)
    },
    "import_time": "import wall time, ours / langchain_openai",
    "concurrent_wall": "{concurrent_invokes} concurrent ainvoke wall, ours / ChatOpenAI",
    "concurrent_connections": "{concurrent_invokes} concurrent ainvoke: connections / pool",
    "concurrent_astream_wall": "concurrent astream wall, ours / ChatOpenAI",
    # A LangChain model that only builds one chunk per delta over the floor's
    # bytes: what langchain-core alone adds to raw httpx-sse.
    "concurrent_astream_floor_core_vs_floor": (
        "{concurrent_streams:,} concurrent astream: wall, floor+core / raw httpx-sse"
    ),
    "concurrent_astream_vs_floor_core": (
        "{concurrent_streams:,} concurrent astream: wall, ours / floor+core"
    ),
    **{
        f"{method}_{kind}_vs_floor_core": (
            f"{method}() {kind} deltas: (ours − floor+core) / core no-op, per chunk"
        )
        for method in ("stream", "astream")
        for kind in ("text", "tool", "reasoning")
    },
}


def _div(a: float, b: float) -> float:
    return a / b if b else float("inf")


def ratios(results: dict[str, Any], pool_size: int) -> dict[str, float]:
    """Every target ratio of one run (plus the informative ones), for the
    sections that ran."""
    out: dict[str, float] = {}
    for key in ("invoke", "ainvoke"):
        if key in results:
            fig = results[key]
            core = fig["core"]
            out[f"{key}_loopback_vs_core"] = _div(
                fig["ours"]["median_ms"] - fig["floor+core"]["median_ms"],
                core["median_ms"],
            )
            out[f"{key}_floor_vs_core"] = _div(
                fig["ours"]["overhead_ms"], core["median_ms"]
            )
            out[f"{key}_cpu_vs_core"] = _div(
                fig["ours"]["cpu_overhead_ms"], core["cpu_median_ms"]
            )
            out[f"{key}_overhead"] = _div(
                fig["ours"]["overhead_ms"], fig["openai"]["overhead_ms"]
            )
    for key, fig in results.get("inprocess", {}).items():
        out[f"{key}_vs_core"] = fig["vs_core"]
    for method in ("stream", "astream"):
        for kind, fig in results.get(method, {}).items():
            out[f"{method}_{kind}_vs_core"] = _div(
                fig["ours"]["per_chunk_overhead_us"], fig["core"]["per_chunk_us"]
            )
            if "floor+core" in fig:
                out[f"{method}_{kind}_vs_floor_core"] = _div(
                    fig["ours"]["per_chunk_us"] - fig["floor+core"]["per_chunk_us"],
                    fig["core"]["per_chunk_us"],
                )
            if "openai" in fig:
                out[f"{method}_time"] = _div(
                    fig["ours"]["median_ms"], fig["openai"]["median_ms"]
                )
    if "linear" in results:
        for name, prefix in (("ours", ""), ("core", "core_")):
            if name not in results["linear"]:
                continue
            row = results["linear"][name]
            out[f"{prefix}linear_20k_2k"] = row["r20000_2000"]
            if "r50000_20000" in row:
                out[f"{prefix}linear_50k_20k"] = row["r50000_20000"]
    if "memory" in results:
        for name, prefix in (("ours", ""), ("core", "core_")):
            if name not in results["memory"]:
                continue
            fig = results["memory"][name]
            out[f"{prefix}stream_memory"] = _div(fig["peak_mb"], fig["final_mb"])
    if "batch" in results:
        threads = results["config"]["batch_concurrency"]
        for latency, row in results["batch"].items():
            for name, prefix in (
                ("ours", ""),
                ("core", "core_"),
                ("floor", "floor_"),
                ("floor+core", "floor_core_"),
            ):
                if name in row:
                    fig = row[name]
                    out[f"{prefix}batch_{latency}"] = _div(
                        fig["batch_ms"], fig["sequential_ms"] / 16
                    )
        out["batch_connections"] = max(
            row["ours"]["connections"] / threads for row in results["batch"].values()
        )
    if "concurrency" in results:
        conc = results["concurrency"]
        ours = conc["ours"]
        out["concurrent_astream_vs_floor"] = _div(
            ours["astream"]["wall_ms"], conc["floor"]["astream"]["wall_ms"]
        )
        out["concurrent_astream_connections"] = (
            ours["astream"]["connections"] / pool_size
        )
        out["concurrent_connections"] = ours["ainvoke"]["connections"] / pool_size
        if "floor+core" in conc:
            both = conc["floor+core"]["astream"]["wall_ms"]
            out["concurrent_astream_floor_core_vs_floor"] = _div(
                both, conc["floor"]["astream"]["wall_ms"]
            )
            out["concurrent_astream_vs_floor_core"] = _div(
                ours["astream"]["wall_ms"], both
            )
        if "openai" in conc:
            theirs = conc["openai"]
            out["concurrent_rss"] = _div(
                ours["astream"]["peak_rss_mb"], theirs["astream"]["peak_rss_mb"]
            )
            out["concurrent_wall"] = _div(
                ours["ainvoke"]["wall_ms"], theirs["ainvoke"]["wall_ms"]
            )
            out["concurrent_astream_wall"] = _div(
                ours["astream"]["wall_ms"], theirs["astream"]["wall_ms"]
            )
    if "imports" in results:
        imports = results["imports"]
        out["import_time"] = _div(
            imports["ours"]["median_ms"], imports["openai"]["median_ms"]
        )
        core = imports["core"]["cpu_ms"]
        out["import_above_core"] = _div(
            imports["ours"]["cpu_ms"] - core, imports["openai"]["cpu_ms"] - core
        )
    return out


def _f(value: Any, digits: int = 2) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


Row = tuple[str, str, str, str, str, str]
CLIENTS = ("floor", "floor+core", "ours", "openai", "core")


def _row(label: str, figs: dict[str, Any], field: str, digits: int = 1) -> Row:
    cells = [_f(figs[c].get(field), digits) if c in figs else "" for c in CLIENTS]
    return (label, *cells)  # type: ignore[return-value]


def figure_rows(r: dict[str, Any]) -> list[Row]:
    """(figure, floor, floor+core, ours, ChatOpenAI, core) rows of the
    sections that ran."""
    rows: list[Row] = []
    cfg = r["config"]
    for key in ("invoke", "ainvoke"):
        if key not in r:
            continue
        fig = r[key]
        n = int(fig["ours"]["n"])
        rows.append(_row(f"{key} ×{n} sequential, median (ms)", fig, "median_ms", 3))
        rows.append(_row(f"{key} ×{n} sequential, p95 (ms)", fig, "p95_ms", 3))
        rows.append(_row(f"{key} above floor (ms)", fig, "overhead_ms", 3))
        rows.append(_row(f"{key}, CPU per call, median (ms)", fig, "cpu_median_ms", 3))
        rows.append(_row(f"{key}, CPU above floor (ms)", fig, "cpu_overhead_ms", 3))
    for key, fig in r.get("inprocess", {}).items():
        per_call = {name: {"us": us} for name, us in fig["median_us"].items()}
        rows.append(_row(f"{key} in-process, median of rounds (µs)", per_call, "us", 1))
    for method in ("stream", "astream"):
        for kind, fig in r.get(method, {}).items():
            what = f"{cfg['deltas']:,}-delta {kind} {method}()"
            rows.append(_row(f"{what}: total (ms)", fig, "median_ms", 1))
            rows.append(_row(f"{what}: per chunk (µs)", fig, "per_chunk_us", 2))
            rows.append(
                _row(
                    f"{what}: per chunk above floor (µs)",
                    fig,
                    "per_chunk_overhead_us",
                    2,
                )
            )
            rows.append(_row(f"{what}: GC passes", fig, "gc_passes", 0))
    if "linear" in r:
        lin = r["linear"]
        sizes = cfg["scale_deltas"]
        for deltas in sizes:
            rows.append(
                _row(
                    f"{deltas:,} text deltas aggregated with + (ms)",
                    lin,
                    f"d{deltas}_ms",
                )
            )
        for small, big in zip(sizes, sizes[1:], strict=False):
            rows.append(_row(f"{big:,} / {small:,} cost", lin, f"r{big}_{small}", 2))
        for deltas in sizes:
            what = f"{deltas:,} deltas folded"
            rows.append(_row(f"{what}: µs per delta", lin, f"d{deltas}_us", 1))
            rows.append(_row(f"{what}: GC passes", lin, f"d{deltas}_gc_passes", 0))
            rows.append(
                _row(f"{what}: GC share of the time", lin, f"d{deltas}_gc_share", 2)
            )
    if "memory" in r:
        mem = r["memory"]
        what = f"{cfg['memory_deltas']:,}-delta stream + fold"
        rows.append(_row(f"{what}: peak traced (MB)", mem, "peak_mb", 2))
        rows.append(_row(f"{what}: final message, traced (MB)", mem, "final_mb", 3))
        rows.append(_row(f"{what}: final message, JSON (MB)", mem, "final_json_mb", 3))
    for latency, row in r.get("batch", {}).items():
        what = f"batch {cfg['batch_calls']}, server {latency}"
        rows.append(
            _row(
                f"{what}: sequential invoke ×{cfg['batch_calls']} (ms)",
                row,
                "sequential_ms",
                0,
            )
        )
        rows.append(_row(f"{what}: sequential / 16 (ms)", row, "per16_ms", 0))
        rows.append(
            _row(
                f"{what}: batch, {cfg['batch_concurrency']} threads (ms)",
                row,
                "batch_ms",
                0,
            )
        )
        rows.append(_row(f"{what}: batch CPU / wall", row, "batch_cpu_share", 2))
        rows.append(_row(f"{what}: connections, 2 batches", row, "connections", 0))
    if "concurrency" in r:
        conc = r["concurrency"]
        for phase, n, what in (
            (
                "ainvoke_cold",
                cfg["concurrent_invokes"],
                "ainvoke, 1st burst (cold pool)",
            ),
            ("ainvoke", cfg["concurrent_invokes"], "ainvoke, 2nd burst"),
            (
                "astream",
                cfg["concurrent_streams"],
                f"astream of {cfg['concurrent_deltas']:,} deltas",
            ),
        ):
            phase_figs = {c: conc[c][phase] for c in conc}
            for label, field, digits in (
                ("wall (ms)", "wall_ms", 1),
                ("connections accepted", "connections", 0),
                ("most connections open at once", "peak_open", 0),
                ("peak RSS (MB)", "peak_rss_mb", 1),
            ):
                rows.append(
                    _row(f"{n:,} concurrent {what}: {label}", phase_figs, field, digits)
                )
        rows.append(
            _row("RSS before the concurrent calls (MB)", conc, "rss_before_mb", 1)
        )
    if "imports" in r:
        imports = r["imports"]
        n = int(imports["ours"]["n"])
        for label, field in (("wall", "median_ms"), ("CPU", "cpu_ms")):
            rows.append(
                (
                    f"cold `import` in a fresh python ×{n}, {label} (ms; floor = `pass`)",
                    _f(imports["python"][field], 0),
                    "",
                    _f(imports["ours"][field], 0),
                    _f(imports["openai"][field], 0),
                    _f(imports["core"][field], 0),
                )
            )
    if "construction" in r:
        rows.append(_row("model construction (µs)", r["construction"], "median_us", 0))
    return rows


def _label(what: str, r: dict[str, Any]) -> str:
    try:
        return what.format(**r["config"])
    except (KeyError, ValueError):
        return what


def target_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(target, measured, limit, met/MISSED) for every target of the issue;
    `–` / `not run` for those whose section did not run."""
    rows = []
    for key, (what, limit) in TARGETS.items():
        got = r["ratios"].get(key)
        verdict = "not run" if got is None else "met" if got <= limit else "MISSED"
        rows.append((_label(what, r), _f(got, 3), f"≤ {limit:g}", verdict))
    return rows


def informative_rows(r: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (_label(what, r), _f(r["ratios"][key], 3))
        for key, what in INFORMATIVE.items()
        if key in r["ratios"]
    ]


def _markdown(headers: tuple[str, ...], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


FIG_HEADERS = (
    "figure",
    "floor (httpx)",
    "floor+core",
    "ours",
    "ChatOpenAI",
    "core no-op",
)
TARGET_HEADERS = ("target (ratio, same run)", "measured", "target", "")
INFO_HEADERS = ("informative ratio (same run)", "measured")


def _text_table(headers: tuple[str, ...], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows, strict=True)]
    fmt = "  ".join(
        f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths)
    )
    out = [fmt.format(*headers), "  ".join("-" * w for w in widths)]
    return out + [fmt.format(*row) for row in rows] + [""]


def table(r: dict[str, Any]) -> str:
    """The plain-text tables printed by the suite."""
    out: list[str] = []
    rows = figure_rows(r)
    if rows:
        out += _text_table(FIG_HEADERS, rows)
    out += _text_table(INFO_HEADERS, informative_rows(r) or [("–", "–")])
    out += _text_table(TARGET_HEADERS, target_rows(r))
    if "parts" in r:
        parts = r["parts"]
        out.append(
            f"response_to_message: {parts['response_to_message_us']:.0f} µs/response; "
            "ResponseStreamParser.feed µs/event: "
            f"text {parts['parser_per_event_us']:.2f}, "
            f"tool {parts['parser_tool_per_event_us']:.2f}, "
            f"reasoning {parts['parser_reasoning_per_event_us']:.2f}"
        )
    if "shapes" in r:
        out.append(r["shapes"])
    if "profile" in r:
        from benchmarks import profile

        out.append(profile.render_text(r["profile"], missed(r)))
    return "\n".join(out)


def missed(r: dict[str, Any]) -> list[str]:
    """The keys of the targets this run measured and missed."""
    return [
        key
        for key, (_, limit) in TARGETS.items()
        if key in r["ratios"] and r["ratios"][key] > limit
    ]


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
    """Two panels: every target as measured / limit, and the per-call and
    per-chunk costs with langchain-core's no-op model as its own bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(16, 6.4), gridspec_kw={"width_ratios": [1.1, 1]}
    )
    keys = [k for k in TARGETS if k in r["ratios"]]
    values = [min(r["ratios"][k] / TARGETS[k][1], 50.0) for k in keys]
    labels = [_label(TARGETS[k][0], r) for k in keys]
    colors = ["#2b8a3e" if v <= 1 else "#c92a2a" for v in values]
    left.barh(range(len(keys)), values, color=colors)
    left.axvline(1.0, color="black", linestyle="--", linewidth=1)
    left.set_yticks(range(len(keys)), labels, fontsize=7)
    left.invert_yaxis()
    left.set_xscale("log")
    left.set_xlabel("measured / target  (≤ 1 = met; log scale, capped at 50)")
    left.set_title("Targets (ratios from one run)")

    groups = []  # (label, core no-op, ours above floor, ChatOpenAI above floor)
    for key in ("invoke", "ainvoke"):
        if key in r:
            fig_ = r[key]
            groups.append(
                (
                    f"{key}\nµs/call",
                    1000 * fig_["core"]["median_ms"],
                    1000 * fig_["ours"]["overhead_ms"],
                    1000 * fig_["openai"]["overhead_ms"],
                )
            )
    for kind, fig_ in r.get("stream", {}).items():
        theirs = fig_.get("openai", {}).get("per_chunk_overhead_us")
        groups.append(
            (
                f"stream {kind}\nµs/chunk",
                fig_["core"]["per_chunk_us"],
                fig_["ours"]["per_chunk_overhead_us"],
                theirs,
            )
        )
    xs = list(range(len(groups)))
    width = 0.27
    right.bar(
        [x - width for x in xs],
        [g[1] for g in groups],
        width,
        color="#868e96",
        label="core no-op (langchain-core's own cost)",
    )
    right.bar(xs, [g[2] for g in groups], width, label="ours, above raw httpx")
    right.bar(
        [x + width for x in xs],
        [g[3] or 0 for g in groups],
        width,
        label="ChatOpenAI, above raw httpx",
    )
    for x, g in zip(xs, groups, strict=True):
        right.hlines(1.5 * g[1], x - 1.5 * width, x + 0.5 * width, colors="black")
    right.set_yscale("log")
    right.set_xticks(xs, [g[0] for g in groups], fontsize=8)
    right.set_title("µs per call / chunk (log); black line = target, 1.5 × no-op")
    right.legend(fontsize=8)
    fig.subplots_adjust(left=0.25, right=0.99, wspace=0.12, top=0.93, bottom=0.1)
    fig.savefig(path, dpi=110)
    plt.close(fig)


METHOD = """Every client gets byte-identical canned bodies from one loopback
Starlette/uvicorn server running in its own process
([`benchmarks/server.py`](../benchmarks/server.py)): a realistic Responses
object (reasoning item with encrypted content + message + usage) and SSE
streams of three kinds with the same number of deltas: **text** (after a
12-delta reasoning summary), **tool** (one function call's argument deltas)
and **reasoning** (summary deltas, before a 12-delta answer).

Clients ([`benchmarks/clients.py`](../benchmarks/clients.py)):
**floor** = raw `httpx` + `orjson` (and `httpx-sse` for streams): the bytes
fetched and decoded, nothing more; **ours** = `ChatOneRouterResponses`;
**ChatOpenAI** = `langchain_openai.ChatOpenAI(use_responses_api=True)`;
**core no-op** = a `BaseChatModel` subclass that does no I/O: `invoke`
returns a fixed message, `stream` builds and yields one chunk per delta of
the same deltas, shaped as ours are (one indexed content block and
`model_provider`; for arguments also a tool call chunk, name and id on the
first) — what langchain-core itself costs any chat model ({shapes});
**floor+core** = a `BaseChatModel` subclass whose `invoke` makes the floor's
request and returns its text as a plain message, and whose `stream` reads
the floor's SSE (same pool, body and decoding) and yields one chunk per delta
event, built as the no-op builds it: the least any LangChain chat model
doing this I/O and yielding one chunk per delta can cost, measured as one
call (the floor and the no-op measured apart undercount it: see the notes).

What each target measures (all are ratios between clients of this one run:
the machine is shared and absolute times vary between runs):

- **invoke / ainvoke**: the per-call time of sequential calls, ours minus
  floor+core, divided by the no-op model's, measured **in-process**: the
  same four clients on `httpx.MockTransport` serving the server's bytes
  ([`benchmarks/inprocess.py`](../benchmarks/inprocess.py)), {inprocess_rounds}
  interleaved rounds of {inprocess_calls} calls each, the median of the
  rounds' ratios. On loopback the same difference (~0.1 ms) is smaller than
  the drift between rounds of one client on this 2-core machine, so the
  loopback ratio (shown beside the targets) swings by more than the target
  between runs; below httpx's transport interface every client runs the same
  httpcore code.
- **stream / astream, per chunk**: a {deltas:,}-delta stream's median time
  divided by its deltas; ours minus the floor, divided by the no-op's.
- **linear**: text streams of {sizes} deltas, each chunk folded with `+`
  into the total (as `invoke(streaming=True)`, agents and `astream_events`
  consume a stream); the time ratio of the larger to the smaller size.
- **import**: CPU time (user + system) of a fresh interpreter running
  `import langchain_onerouter`, minus that of
  `import langchain_core.language_models.chat_models`, divided by the same
  for `import langchain_openai`; median of {import_reps} interleaved runs.
- **concurrency**: {concurrent_streams:,} concurrent `astream` of
  {concurrent_deltas} deltas on one model instance and one event loop, each
  client in its own process ([`benchmarks/concurrency.py`](../benchmarks/concurrency.py),
  after two bursts of {concurrent_invokes} `ainvoke`): wall time against raw
  httpx-sse, connections the server accepted against the pool size (100),
  and the process's peak RSS (VmHWM) against ChatOpenAI's.
- **memory**: a {memory_deltas:,}-delta text stream folded with `+` under
  `tracemalloc`: the peak traced allocation above the start, divided by the
  **final message's size**, defined as the traced bytes still held once the
  stream is done and collected, i.e. by the folded message alone (its JSON
  length is shown beside it).
- **batch**: `batch` of {batch_calls} prompts with `max_concurrency=
  {batch_concurrency}` (threads), timed on its second run, divided by
  {batch_calls} sequential `invoke`s / 16, with the server answering at once
  and after 20 ms; connections the server accepted during two batches (the
  second on new threads): one pool shared by the threads opens at most
  {batch_concurrency}.
"""


def write_docs(r: dict[str, Any], docs: Path, command: str) -> None:
    """docs/performance.md and docs/performance.png."""
    from benchmarks import profile
    from benchmarks.notes import NOTES

    docs.mkdir(exist_ok=True)
    chart(r, docs / "performance.png")
    when = r.get("finished_at") or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    cfg = r["config"]
    method = METHOD.format(
        **cfg,
        sizes=", ".join(f"{d:,}" for d in cfg["scale_deltas"]),
        shapes=r.get("shapes", "no-op chunk shapes not checked"),
    )
    missed_keys = missed(r)
    profiles = (
        profile.render_markdown(r["profile"], missed_keys)
        if "profile" in r and missed_keys
        else "No target was missed, or this run did not profile."
    )
    parts = r["parts"]
    text = f"""# Performance

_Generated by `{command}` on {when} ({r["elapsed_s"]:.0f} s). Do not edit by hand._

Reproduce (needs the `bench` extra: `pip install -e '.[bench]'`):

```bash
{command}
python -m benchmarks.run --quick --only stream,linear   # some sections, no docs
python -m benchmarks.profile stream_text linear         # where the time goes
```

Machine: {machine()}

{method}
![targets, and costs against the no-op model](performance.png)

## Targets (issue 18)

{_markdown(TARGET_HEADERS, target_rows(r))}

Informative ratios of the same run:

{_markdown(INFO_HEADERS, informative_rows(r))}

## All figures

{_markdown(FIG_HEADERS, figure_rows(r))}

Our own pure code, measured without I/O: `response_to_message` on the canned
body {parts["response_to_message_us"]:.0f} µs; `ResponseStreamParser.feed`
{parts["parser_per_event_us"]:.1f} µs per event of the text stream,
{parts["parser_tool_per_event_us"]:.1f} of the tool stream,
{parts["parser_reasoning_per_event_us"]:.1f} of the reasoning stream.

## Where the time of the missed targets goes

Made by [`benchmarks/profile.py`](../benchmarks/profile.py) in this run
(cProfile of ours; each function's own time by package, builtins and the
standard library charged to the code that called them; `linear` compares
µs per delta at two sizes; `memory` is what is held at a long stream's last
chunk; `import` is `python -X importtime`). cProfile slows code that makes
many small calls, so read the shares, not the absolute times.

{profiles}

{NOTES.format(**_note_values(r))}
"""
    (docs / "performance.md").write_text(text)


def _percent(value: str) -> str:
    return value if value == "–" else value + "%"


def _sum_us(r: dict[str, Any], key: str, names: Sequence[str]) -> str:
    figs = r.get(key, {})
    if not all(n in figs for n in names):
        return "–"
    return f"{sum(figs[n]['median_ms'] for n in names) * 1000:,.0f}"


def _diff_us(r: dict[str, Any], key: str, a: str, b: str) -> str:
    figs = r.get(key, {})
    if a not in figs or b not in figs:
        return "–"
    return f"{(figs[a]['median_ms'] - figs[b]['median_ms']) * 1000:,.0f}"


def _inproc_above(r: dict[str, Any]) -> str:
    figs = r.get("inprocess", {}).get("invoke", {}).get("median_us", {})
    if "ours" not in figs:
        return "–"
    return f"{figs['ours'] - figs['floor+core']:,.0f}"


def _note_values(r: dict[str, Any]) -> dict[str, str]:
    """The figures the hand-written analysis quotes, from this run ("–"
    where its section did not run)."""

    def get(*path: Any, digits: int = 1, scale: float = 1.0) -> str:
        value: Any = r
        for key in path:
            if isinstance(value, (list, tuple)) and isinstance(key, int):
                if key >= len(value):
                    return "–"
            elif not isinstance(value, dict) or key not in value:
                return "–"
            value = value[key]
        return f"{value * scale:,.{digits}f}"

    ratios = r["ratios"]

    def ratio(key: str, digits: int = 2) -> str:
        return f"{ratios[key]:,.{digits}f}" if key in ratios else "–"

    imports = r.get("imports", {})
    core_cpu = imports.get("core", {}).get("cpu_ms")
    memory = r.get("memory", {})
    return {
        "core_invoke_us": get("invoke", "core", "median_ms", digits=0, scale=1000),
        "ours_invoke_above_us": get(
            "invoke", "ours", "overhead_ms", digits=0, scale=1000
        ),
        "floor_core_invoke_us": get(
            "invoke", "floor+core", "median_ms", digits=0, scale=1000
        ),
        "floor_plus_core_us": _sum_us(r, "invoke", ("floor", "core")),
        "ours_invoke_above_combo_us": _diff_us(r, "invoke", "ours", "floor+core"),
        "invoke_floor_ratio": ratio("invoke_floor_vs_core", 1),
        "invoke_ratio": ratio("invoke_vs_core", 2),
        "ainvoke_ratio": ratio("ainvoke_vs_core", 2),
        "invoke_loopback_ratio": ratio("invoke_loopback_vs_core", 2),
        "ainvoke_loopback_ratio": ratio("ainvoke_loopback_vs_core", 2),
        **{
            f"inproc_{name}_us": get(
                "inprocess", "invoke", "median_us", client, digits=0
            )
            for name, client in (
                ("floor", "floor"),
                ("floor_core", "floor+core"),
                ("ours", "ours"),
                ("core", "core"),
            )
        },
        "inproc_above_us": _inproc_above(r),
        **{
            f"{prefix}inproc_{end}": get("inprocess", key, "vs_core_range", i, digits=2)
            for prefix, key in (("", "invoke"), ("a", "ainvoke"))
            for i, end in ((0, "min"), (1, "max"))
        },
        **{
            f"core_chunk_{kind}": get("stream", kind, "core", "per_chunk_us")
            for kind in ("text", "tool", "reasoning")
        },
        **{
            f"ours_chunk_{kind}": get("stream", kind, "ours", "per_chunk_overhead_us")
            for kind in ("text", "tool", "reasoning")
        },
        "parser_text": get("parts", "parser_per_event_us"),
        "core_linear_20_2": ratio("core_linear_20k_2k", 1),
        "core_linear_50_20": ratio("core_linear_50k_20k", 2),
        "ours_linear_20_2": ratio("linear_20k_2k", 1),
        "ours_linear_50_20": ratio("linear_50k_20k", 2),
        "ours_gc_50k": get("linear", "ours", "d50000_gc_passes", digits=0),
        **{
            f"{name}_us_{size // 1000}k": get("linear", name, f"d{size}_us")
            for name in ("ours", "core", "floor")
            for size in (2000, 20000, 50000)
        },
        **{
            f"{name}_gc_share_{size // 1000}k": _percent(
                get("linear", name, f"d{size}_gc_share", digits=0, scale=100)
            )
            for name in ("ours", "core")
            for size in (2000, 50000)
        },
        "core_memory_ratio": ratio("core_stream_memory", 0),
        "ours_memory_ratio": ratio("stream_memory", 0),
        "floor_memory_ratio": (
            f"{memory['floor']['peak_mb'] / memory['floor']['final_mb']:,.0f}"
            if "floor" in memory and memory["floor"]["final_mb"]
            else "–"
        ),
        "batch_cpu_share": get("batch", "0ms", "ours", "batch_cpu_share", digits=2),
        "core_batch_ratio": ratio("core_batch_0ms", 1),
        "batch_20_ratio": ratio("batch_20ms", 1),
        "floor_batch_20_ratio": ratio("floor_batch_20ms", 1),
        "floor_core_batch_20_ratio": ratio("floor_core_batch_20ms", 1),
        "import_above_ms": (
            f"{imports['ours']['cpu_ms'] - core_cpu:,.0f}" if core_cpu else "–"
        ),
        "openai_above_ms": (
            f"{imports['openai']['cpu_ms'] - core_cpu:,.0f}" if core_cpu else "–"
        ),
        "concurrent_streams": f"{r['config']['concurrent_streams']:,}",
        "ours_stream_connections": get(
            "concurrency", "ours", "astream", "connections", digits=0
        ),
        "concurrent_ratio": ratio("concurrent_astream_vs_floor", 1),
        "floor_core_concurrent_ratio": ratio(
            "concurrent_astream_floor_core_vs_floor", 1
        ),
        "ours_vs_floor_core_concurrent": ratio("concurrent_astream_vs_floor_core", 1),
        "floor_core_verdict": _floor_core_verdict(ratios),
    }


def _floor_core_verdict(ratios: dict[str, float]) -> str:
    """What the floor+core concurrency ratio says of the ≤ 2× target."""
    got = ratios.get("concurrent_astream_floor_core_vs_floor")
    limit = TARGETS["concurrent_astream_vs_floor"][1]
    if got is None:
        return "not measured in this run"
    if got > limit:
        return (
            f"already above the ≤ {limit:g}× target with no work beyond the "
            "floor's I/O and langchain-core's chunks"
        )
    return (
        f"within the ≤ {limit:g}× target: langchain-core's per-chunk work "
        "alone does not rule it out"
    )
