"""Where our time goes, by package: the profile behind each missed target.

    python -m benchmarks.profile                      # every scenario
    python -m benchmarks.profile stream_text linear   # some of them
    python -m benchmarks.run                          # runs them all too

Each scenario runs ours (`ChatOneRouterResponses`) against the loopback
server under `cProfile`. Each function's own time goes to its package's
group; builtins and the standard library (`str.join`, `json.loads`,
pydantic-core's validator) go to the groups of the code that called them:

- `langchain_core` (with pydantic and langsmith, which it drives),
- `httpx+httpcore` (with h11, anyio, httpx-sse),
- `ours` (`langchain_onerouter`),
- `other` (the standard library, asyncio, orjson, the benchmark harness),
- `waiting`: blocked in `recv`, the event loop's `epoll`, a lock: time the
  client waited for the server (or for a CPU), not time it spent.

The cyclic garbage collector runs inside whichever function allocated when
it triggered; its time is also measured on its own (`gc.callbacks`).
cProfile inflates code that makes many small calls, so read shares, not
absolute microseconds. `linear` profiles the same stream at two sizes and
gives each function's time per delta at both: what grows is super-linear.
`memory` is a tracemalloc snapshot at a long stream's last chunk (when the
most is held), by package; `import` is `python -X importtime`, the modules
`import langchain_onerouter` loads beyond langchain-core's own.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python benchmarks/profile.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.clients import Client, make_client
from benchmarks.server import ServerProcess, stream_url

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ("langchain_core", "httpx+httpcore", "ours", "other", "waiting")
# Builtins that block (on the server, the event loop's selector, a lock):
# time waited, not spent.
_WAITS = (
    "<method 'recv' of '_socket.socket' objects>",
    "<method 'recv_into' of '_socket.socket' objects>",
    "<method 'poll' of 'select.epoll' objects>",
    "<method 'select' of 'select.epoll' objects>",
    "<built-in method select.select>",
    "<built-in method time.sleep>",
    "<method 'acquire' of '_thread.lock' objects>",
)
_CORE = ("/langchain_core/", "/pydantic/", "/pydantic_core/", "/langsmith/")
_HTTP = ("/httpx/", "/httpcore/", "/h11/", "/anyio/", "/httpx_sse/", "/sniffio/")

# Which scenario explains which target (report.TARGETS keys).
EXPLAINS: dict[str, str] = {
    "invoke_vs_core": "invoke",
    "ainvoke_vs_core": "ainvoke",
    **{
        f"{m}_{k}_vs_core": f"{m}_{k}"
        for m in ("stream", "astream")
        for k in ("text", "tool", "reasoning")
    },
    "linear_20k_2k": "linear",
    "linear_50k_20k": "linear",
    "import_above_core": "import",
    "concurrent_astream_vs_floor": "concurrency",
    "concurrent_astream_connections": "concurrency",
    "concurrent_rss": "concurrency",
    "stream_memory": "memory",
    # A batch on a loopback server is CPU-bound: one call's profile is its.
    "batch_0ms": "invoke",
    "batch_20ms": "invoke",
    "batch_connections": "invoke",
}


def group_of(filename: str) -> str:
    """The group a function's source file belongs to."""
    path = filename.replace(os.sep, "/")
    if "/langchain_onerouter/" in path:
        return "ours"
    if any(part in path for part in _CORE):
        return "langchain_core"
    if any(part in path for part in _HTTP):
        return "httpx+httpcore"
    return "other"


def _name(key: tuple[str, int, str]) -> str:
    filename, line, function = key
    if filename == "~":
        return function  # a builtin: "<method 'join' of 'str' objects>"
    path = filename.replace(os.sep, "/")
    for marker in ("site-packages/", f"{ROOT.as_posix()}/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({function})"


def _glue(key: tuple[str, int, str]) -> bool:
    """A builtin or standard-library function: its time is its callers'."""
    filename = key[0].replace(os.sep, "/")
    return (
        filename == "~"
        or filename.startswith("<")
        or ("/lib/python3" in filename and "site-packages" not in filename)
    )


def summarize(stats: pstats.Stats, top: int = 12) -> dict[str, Any]:
    """Groups, and the top functions by self and by cumulative time.

    A builtin or standard-library function (`str.join`, `json.loads`,
    pydantic-core's validator, `uuid.uuid4`) is charged to the groups of
    the non-standard-library code that called it, through any chain of
    standard-library callers, in proportion to the time each call path
    spent in it."""
    entries: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    cache: dict[Any, dict[str, float]] = {}

    def owners(key: Any, seen: frozenset[Any] = frozenset()) -> dict[str, float]:
        if key[0] == "~" and key[2] in _WAITS:
            return {"waiting": 1.0}
        if not _glue(key):
            return {group_of(key[0]): 1.0}
        if key in cache:
            return cache[key]
        callers = entries.get(key, (0, 0, 0, 0, {}))[4]
        weights = {c: e[3] or e[1] for c, e in callers.items() if c not in seen}
        spread = sum(weights.values())
        if not spread:
            return {"other": 1.0}
        dist: dict[str, float] = defaultdict(float)
        for caller, weight in weights.items():
            for group, share in owners(caller, seen | {key}).items():
                dist[group] += share * weight / spread
        cache[key] = dist
        return dist

    total = sum(v[2] for v in entries.values()) or 1e-12
    groups = dict.fromkeys(GROUPS, 0.0)
    charged: dict[Any, str] = {}
    for key, value in entries.items():
        dist = owners(key)
        for group, share in dist.items():
            groups[group] += value[2] * share
        charged[key] = max(dist, key=lambda g: dist[g])

    def row(key: Any, seconds: float) -> dict[str, Any]:
        return {
            "function": _name(key),
            "group": charged[key],
            "ms": seconds * 1000,
            "share": seconds / total,
        }

    by_self = sorted(((k, v[2]) for k, v in entries.items()), key=lambda kv: -kv[1])
    # Cumulative: skip the wrappers that contain nearly everything.
    by_cum = sorted(
        (
            (k, v[3])
            for k, v in entries.items()
            if not _glue(k) and v[3] < 0.9 * total and group_of(k[0]) != "other"
        ),
        key=lambda kv: -kv[1],
    )
    return {
        "total_ms": total * 1000,
        "groups": {g: {"ms": s * 1000, "share": s / total} for g, s in groups.items()},
        "self": [row(k, s) for k, s in by_self[:top]],
        "cumulative": [row(k, s) for k, s in by_cum[: top - 4]],
        "per_key": {_name(k): v[2] for k, v in entries.items()},
        "key_group": {_name(k): charged[k] for k in entries},
    }


def profiled(work: Callable[[], Any], what: str) -> dict[str, Any]:
    """`work()` under cProfile, with the collector's passes and time."""
    from benchmarks.run import GcMeter

    gc.collect()
    profiler = cProfile.Profile()
    with GcMeter() as meter:
        start = time.perf_counter()
        profiler.enable()
        work()
        profiler.disable()
        wall = time.perf_counter() - start
    out = summarize(pstats.Stats(profiler))
    out.update(
        what=what,
        wall_ms=wall * 1000,
        gc_passes=meter.passes,
        gc_ms=meter.seconds * 1000,
    )
    return out


def against_floors(
    stream: tuple[str, str, int],
    runner: Callable[[Client, int], Callable[[], None]],
    reps: int,
    what: str,
    units: int,
) -> dict[str, Any]:
    """Ours profiled, and the floor and the no-op model doing the same work
    (`runner(client, reps)` on the (url, kind, deltas) `stream`): per unit
    (call or delta), what ours spends above the floor in each group, beside
    the no-op model's whole cost (the targets' two sides)."""
    url, kind, deltas = stream
    runs = {}
    for name in ("floor", "ours", "core"):
        client = make_client(name, url, deltas, kind)
        client.invoke()  # pools, lazy imports
        runs[name] = profiled(runner(client, reps), what)
    out = runs["ours"]
    out["units"] = units
    out["per_unit_us"] = {n: r["total_ms"] * 1000 / units for n, r in runs.items()}
    out["above_floor_us"] = {
        g: (out["groups"][g]["ms"] - runs["floor"]["groups"][g]["ms"]) * 1000 / units
        for g in GROUPS
    }
    # The functions of a group where ours spends more than the other client.
    for other, group in (("core", "langchain_core"), ("floor", "httpx+httpcore")):
        mine, theirs = out["per_key"], runs[other]["per_key"]
        extra = {
            name: (seconds - theirs.get(name, 0.0)) * 1e6 / units
            for name, seconds in mine.items()
            if out["key_group"][name] == group
        }
        out[f"more_than_{other}"] = [
            {"function": name, "us": us}
            for name, us in sorted(extra.items(), key=lambda kv: -kv[1])[:6]
            if us > 0
        ]
    return out


# -- scenarios -------------------------------------------------------------------
def _invoke(client: Client, calls: int) -> Callable[[], None]:
    def work() -> None:
        for _ in range(calls):
            client.invoke()

    return work


def _ainvoke(client: Client, calls: int) -> Callable[[], None]:
    async def many() -> None:
        for _ in range(calls):
            await client.ainvoke()
        await client.aclose()

    return lambda: asyncio.run(many())


def _stream(client: Client, reps: int) -> Callable[[], None]:
    def work() -> None:
        for _ in range(reps):
            for _ in client.stream():
                pass

    return work


def _astream(client: Client, reps: int) -> Callable[[], None]:
    async def many() -> None:
        for _ in range(reps):
            async for _ in client.astream():
                pass
        await client.aclose()

    return lambda: asyncio.run(many())


def _concurrent(client: Client, streams: int) -> Callable[[], None]:
    async def many() -> None:
        async def one() -> None:
            async for _ in client.astream():
                pass

        await asyncio.gather(*(one() for _ in range(streams)))
        await client.aclose()

    return lambda: asyncio.run(many())


def profile_linear(root: str, small: int, big: int) -> dict[str, Any]:
    """The same text stream folded with `+` at two sizes: each function's
    time per delta at both (the super-linear ones grow)."""
    runs = {}
    for deltas, reps in ((small, max(1, big // small // 2)), (big, 1)):
        # (the smaller stream repeated: the same order of deltas at both sizes)
        client = make_client("ours", stream_url(root, deltas), deltas)
        client.invoke()

        def work(client: Client = client, reps: int = reps) -> None:
            for _ in range(reps):
                client.fold()

        runs[deltas] = (profiled(work, f"fold {deltas:,} deltas ×{reps}"), reps)
    big_run, _ = runs[big]
    small_run, small_reps = runs[small]
    growth = []
    for row in big_run["self"]:
        name = row["function"]
        at_big = big_run["per_key"].get(name, 0.0) / big
        at_small = small_run["per_key"].get(name, 0.0) / (small * small_reps)
        growth.append(
            {
                **row,
                "us_per_delta_small": at_small * 1e6,
                "us_per_delta_big": at_big * 1e6,
            }
        )
    out = dict(big_run)
    out.update(
        what=f"fold (+) of a {big:,}-delta text stream",
        growth=growth,
        small=small,
        big=big,
        small_total_us_per_delta=small_run["total_ms"] * 1000 / (small * small_reps),
        big_total_us_per_delta=big_run["total_ms"] * 1000 / big,
        small_gc_passes_per_1k=small_run["gc_passes"] * 1000 / (small * small_reps),
        big_gc_passes_per_1k=big_run["gc_passes"] * 1000 / big,
        small_gc_share=small_run["gc_ms"] / small_run["wall_ms"],
        big_gc_share=big_run["gc_ms"] / big_run["wall_ms"],
    )
    return out


def profile_memory(root: str, deltas: int, top: int = 8) -> dict[str, Any]:
    """tracemalloc at a stream's last chunk (everything still held), by package."""
    import tracemalloc

    client = make_client("ours", stream_url(root, deltas), deltas)
    client.invoke()
    gc.collect()
    tracemalloc.start()
    snapshot = None
    try:
        total = None
        for chunk in client.stream():
            total = chunk if total is None else total + chunk
            if getattr(chunk, "chunk_position", None) == "last":
                snapshot = tracemalloc.take_snapshot()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert snapshot is not None, "the stream had no last chunk"
    groups: dict[str, float] = dict.fromkeys(GROUPS, 0.0)
    lines = snapshot.statistics("lineno")
    held = sum(s.size for s in lines) or 1
    for stat in lines:
        groups[group_of(stat.traceback[0].filename)] += stat.size
    return {
        "what": f"tracemalloc at the last chunk of a {deltas:,}-delta stream",
        "held_mb": held / 2**20,
        "peak_mb": peak / 2**20,
        "groups": {g: {"mb": b / 2**20, "share": b / held} for g, b in groups.items()},
        "top": [
            {
                "where": _name(
                    (stat.traceback[0].filename, stat.traceback[0].lineno, "")
                ).removesuffix("()"),
                "group": group_of(stat.traceback[0].filename),
                "mb": stat.size / 2**20,
                "blocks": stat.count,
                "share": stat.size / held,
            }
            for stat in lines[:top]
        ],
    }


def _importtime(statement: str) -> dict[str, float]:
    """Self import time in µs by module, from `python -X importtime`."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    out: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        fields = line.split(":", 1)[1].split("|")
        out[fields[2].strip()] = float(fields[0])
    return out


def _import_group(module: str) -> str:
    top = module.split(".")[0]
    if top == "langchain_onerouter":
        return "ours"
    if top in ("langchain_core", "pydantic", "pydantic_core", "langsmith"):
        return "langchain_core"
    if top in ("httpx", "httpcore", "h11", "anyio", "httpx_sse", "sniffio"):
        return "httpx+httpcore"
    return "other"


def profile_import(reps: int = 3, top: int = 10) -> dict[str, Any]:
    """What `import langchain_onerouter` loads beyond langchain-core's import
    (and `import langchain_openai` for scale): the median of `reps` runs."""
    base = "import langchain_core.language_models.chat_models"
    runs: dict[str, list[dict[str, float]]] = {"core": [], "ours": [], "openai": []}
    for _ in range(reps):
        runs["core"].append(_importtime(base))
        runs["ours"].append(_importtime("import langchain_onerouter"))
        runs["openai"].append(_importtime("import langchain_openai"))

    def median(samples: list[dict[str, float]]) -> dict[str, float]:
        import statistics

        names = set().union(*samples)
        return {n: statistics.median(s.get(n, 0.0) for s in samples) for n in names}

    core, ours, openai = (median(runs[k]) for k in ("core", "ours", "openai"))
    extra = {m: us for m, us in ours.items() if m not in core}
    groups = dict.fromkeys(GROUPS, 0.0)
    for module, us in extra.items():
        groups[_import_group(module)] += us
    total = sum(extra.values()) or 1e-9
    return {
        "what": "modules `import langchain_onerouter` loads beyond langchain-core",
        "total_ms": total / 1000,
        "openai_extra_ms": sum(us for m, us in openai.items() if m not in core) / 1000,
        "groups": {
            g: {"ms": us / 1000, "share": us / total} for g, us in groups.items()
        },
        "modules": [
            {
                "module": module,
                "group": _import_group(module),
                "ms": us / 1000,
                "share": us / total,
            }
            for module, us in sorted(extra.items(), key=lambda kv: -kv[1])[:top]
        ],
    }


SCENARIOS = (
    "invoke",
    "ainvoke",
    *(f"{m}_{k}" for m in ("stream", "astream") for k in ("text", "tool", "reasoning")),
    "linear",
    "concurrency",
    "memory",
    "import",
)


def profile_all(
    server: ServerProcess, cfg: dict[str, Any], which: tuple[str, ...] = SCENARIOS
) -> dict[str, Any]:
    """Every scenario in `which`, against `server`, sized by the run's `cfg`."""
    root = f"http://127.0.0.1:{server.port}"
    deltas = cfg["deltas"]
    out: dict[str, Any] = {}
    for name in which:
        if name in ("invoke", "ainvoke"):
            calls = 200
            out[name] = against_floors(
                (server.base_url(deltas), "text", deltas),
                _invoke if name == "invoke" else _ainvoke,
                calls,
                f"{name} ×{calls}",
                calls,
            )
        elif name.startswith(("stream_", "astream_")):
            method, kind = name.split("_")
            out[name] = against_floors(
                (stream_url(root, deltas, kind), kind, deltas),
                _stream if method == "stream" else _astream,
                3,
                f"{method}() of {deltas:,} {kind} deltas ×3",
                3 * deltas,
            )
        elif name == "linear":
            sizes = cfg["scale_deltas"]
            out[name] = profile_linear(root, sizes[0], sizes[1])
        elif name == "concurrency":
            streams, per = 200, cfg["concurrent_deltas"]
            client = make_client("ours", stream_url(root, per), per)
            out[name] = profiled(
                _concurrent(client, streams),
                f"{streams} concurrent astream of {per} deltas (one loop)",
            )
        elif name == "memory":
            out[name] = profile_memory(root, cfg["memory_deltas"])
        elif name == "import":
            out[name] = profile_import()
        else:
            raise ValueError(f"unknown scenario {name!r}; known: {SCENARIOS}")
    return out


# -- rendering ---------------------------------------------------------------------
def _pct(share: float) -> str:
    return f"{share:.0%}"


def _groups_line(groups: dict[str, Any], unit: str) -> str:
    return ", ".join(
        f"{g} {_pct(v['share'])} ({v[unit]:,.1f} {unit})"
        for g, v in groups.items()
        if v[unit] or g != "waiting"
    )


def render_scenario(
    name: str, p: dict[str, Any], md: bool = False, explains: str = ""
) -> list[str]:
    """One scenario as lines of text (or markdown when `md`)."""
    code = (lambda s: f"`{s}`") if md else (lambda s: s)
    head = f"**{name}**: {p['what']}" if md else f"[{name}] {p['what']}"
    if explains:
        head += f" (explains {explains})"
    lines = [head]
    if name == "import":
        lines.append(
            f"above langchain-core: {p['total_ms']:.1f} ms self time "
            f"(langchain_openai: {p['openai_extra_ms']:.1f} ms); "
            + _groups_line(p["groups"], "ms")
        )
        lines += [
            f"  {_pct(m['share']):>4}  {m['ms']:7.2f} ms  {m['group']:<15} "
            f"{code(m['module'])}"
            for m in p["modules"]
        ]
        return _as_md(lines, md)
    if name == "memory":
        lines.append(
            f"held {p['held_mb']:.2f} MB at the last chunk (peak {p['peak_mb']:.2f}"
            " MB); " + _groups_line(p["groups"], "mb").replace(" mb", " MB")
        )
        lines += [
            f"  {_pct(t['share']):>4}  {t['mb']:7.2f} MB  {t['blocks']:>8,} blocks  "
            f"{t['group']:<15} {code(t['where'])}"
            for t in p["top"]
        ]
        return _as_md(lines, md)
    lines.append(
        f"profiled {p['total_ms']:,.0f} ms (wall {p['wall_ms']:,.0f} ms; GC "
        f"{p['gc_passes']} passes, {p['gc_ms']:,.0f} ms); "
        + _groups_line(p["groups"], "ms")
    )
    if name == "linear":
        lines.append(
            f"all functions: {p['small_total_us_per_delta']:.1f} µs/delta at "
            f"{p['small']:,} deltas, {p['big_total_us_per_delta']:.1f} at "
            f"{p['big']:,}; GC passes per 1,000 deltas "
            f"{p['small_gc_passes_per_1k']:.1f} → {p['big_gc_passes_per_1k']:.1f}, "
            f"GC share of the time {_pct(p['small_gc_share'])} → "
            f"{_pct(p['big_gc_share'])}"
        )
        lines.append(
            f"self time, µs per delta at {p['small']:,} → {p['big']:,} deltas:"
        )
        lines += [
            f"  {_pct(g['share']):>4}  {g['us_per_delta_small']:7.2f} → "
            f"{g['us_per_delta_big']:7.2f}  {g['group']:<15} {code(g['function'])}"
            for g in p["growth"]
        ]
        return _as_md(lines, md)
    if "above_floor_us" in p:
        unit = "call" if name.endswith("invoke") else "delta"
        per = p["per_unit_us"]
        above = ", ".join(f"{g} {us:+,.1f}" for g, us in p["above_floor_us"].items())
        lines.append(
            f"per {unit}, profiled: ours {per['ours']:,.1f} µs, floor "
            f"{per['floor']:,.1f}, core no-op {per['core']:,.1f}; ours above the "
            f"floor by group (µs): {above}"
        )
        for other, what in (
            ("core", "langchain_core functions costing ours more than the no-op"),
            ("floor", "httpx/httpcore functions costing ours more than the floor"),
        ):
            lines.append(f"{what} (µs per {unit}):")
            lines += [
                f"  {row['us']:+9.2f}  {code(row['function'])}"
                for row in p[f"more_than_{other}"]
            ]
    lines.append("self time, top functions (group charged):")
    lines += [
        f"  {_pct(r['share']):>4}  {r['ms']:8.1f} ms  {r['group']:<15} "
        f"{code(r['function'])}"
        for r in p["self"]
    ]
    lines.append("cumulative, top functions of langchain_core / httpx / ours:")
    lines += [
        f"  {_pct(r['share']):>4}  {r['ms']:8.1f} ms  {r['group']:<15} "
        f"{code(r['function'])}"
        for r in p["cumulative"]
    ]
    return _as_md(lines, md)


def _as_md(lines: list[str], md: bool) -> list[str]:
    if not md:
        return lines
    head, summary, *rest = lines
    body = [
        f"  - {line.strip()}" if line.startswith("  ") else f"- {line}" for line in rest
    ]
    return [head, "", summary, "", *body, ""]


def scenarios_for(keys: list[str], profile: dict[str, Any]) -> list[str]:
    """The scenarios explaining `keys`, once each, in `SCENARIOS` order."""
    wanted = {EXPLAINS[k] for k in keys if k in EXPLAINS}
    return [s for s in SCENARIOS if s in wanted and s in profile]


def render_text(profile: dict[str, Any], missed: list[str] | None = None) -> str:
    """The scenarios behind the `missed` targets (all of them if None)."""
    names = list(profile) if missed is None else scenarios_for(missed, profile)
    out = ["", "profiles (where the time of the missed targets goes):"]
    for name in names:
        out += render_scenario(name, profile[name]) + [""]
    return "\n".join(out)


def render_markdown(profile: dict[str, Any], missed: list[str]) -> str:
    out = []
    for name in scenarios_for(missed, profile):
        explains = ", ".join(f"`{k}`" for k in missed if EXPLAINS.get(k) == name)
        out += render_scenario(name, profile[name], md=True, explains=explains)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help=f"any of {', '.join(SCENARIOS)}")
    parser.add_argument("--quick", action="store_true", help="the quick run's sizes")
    args = parser.parse_args(argv)
    from benchmarks.run import FULL, QUICK

    which = tuple(args.scenarios) or SCENARIOS
    with ServerProcess() as server:
        result = profile_all(server, QUICK if args.quick else FULL, which)
    print(render_text(result))


if __name__ == "__main__":
    main()
