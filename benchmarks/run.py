"""The benchmark suite: ChatOneRouterResponses vs ChatOpenAI vs raw HTTP, one run.

    python -m benchmarks.run                      # full run (1-3 minutes)
    python -m benchmarks.run --quick              # CI form, under a minute
    python -m benchmarks.run --json out.json --check   # exit 1 on a regression
    python -m benchmarks.run --quick --only invoke,bursts

Every target is a ratio between clients measured in this one run (absolute
times on a shared machine do not compare between runs); `--check` compares
the ratios with `benchmarks/baseline.json` (its `quick` or `full` entry) and
fails only on a gross regression (over twice the baseline plus a slack, and
over the target).
What each figure means: docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.clients import (
    MOCK_URL,
    POOL,
    PROMPT,
    Raw,
    async_client,
    make_floor,
    make_model,
    make_openai,
    make_ours,
    mock_transport,
    sync_client,
)
from benchmarks.server import ANSWER, ServerProcess, stream_text
from benchmarks.workers import python, settle

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "benchmarks" / "baseline.json"
SECTIONS = ("invoke", "stream", "fold", "imports", "bursts", "concurrency")
FULL: dict[str, Any] = {
    "invoke_rounds": 15,
    "invoke_calls": 200,
    "stream_deltas": 2000,
    "stream_reps": 5,
    "fold_deltas": (2000, 50000),
    "import_reps": 7,
    "first_call_reps": 3,
    "bursts": 3,
    "burst_size": 200,
    "streams": 1000,
    "concurrent_deltas": 100,
}
QUICK: dict[str, Any] = {
    **FULL,
    "invoke_rounds": 5,
    "invoke_calls": 50,
    "stream_deltas": 500,
    "stream_reps": 2,
    "fold_deltas": (1000, 10000),
    "import_reps": 3,
    "first_call_reps": 1,
    "streams": 500,
    "concurrent_deltas": 10,
}
# name: (target or None for informative, what it is, baseline slack).
METRICS: dict[str, tuple[float | None, str, float]] = {
    "invoke_overhead_vs_openai": (0.1, "invoke: ours - raw over openai - raw", 0.05),
    "ainvoke_overhead_vs_openai": (0.1, "ainvoke: the same", 0.05),
    "stream_per_chunk_vs_openai": (0.3, "stream: ours / openai per chunk", 0.05),
    "astream_per_chunk_vs_openai": (0.3, "astream: the same", 0.05),
    "import_added_vs_openai": (0.15, "CPU added above core: ours / openai", 0.05),
    "concurrent_astream_vs_floor": (1.1, "N astream CPU: ours / floor", 0.1),
    "concurrent_connections_vs_pool": (1.0, "N astream connections / pool", 0.05),
    "concurrent_rss_vs_openai": (0.2, "N astream RSS growth: ours / openai", 0.05),
    "burst_new_connections": (5, "ainvoke bursts after the first: most opened", 5),
    "batch_new_connections": (None, "the same for batch on 32 threads", 5),
    "fold_per_chunk_large_vs_small": (None, "fold with +: CPU per chunk", 0.2),
    "first_call_vs_openai": (None, "first invoke, fresh process", 0.1),
    "invoke_floor_vs_openai": (None, "invoke: floor - raw over openai - raw", 0.05),
    "ainvoke_floor_vs_openai": (None, "ainvoke: the same", 0.05),
}


def _median_ratio(rounds: dict[str, list[float]], name: str = "ours") -> float:
    """Median over rounds of (`name` - raw) / (openai - raw)."""
    pairs = zip(rounds[name], rounds["raw"], rounds["openai"], strict=True)
    return statistics.median((o - r) / (a - r) for o, r, a in pairs)


def bench_invoke(rounds: int, calls: int) -> dict[str, Any]:
    """Sequential invoke and ainvoke in-process: every client on its own
    httpx client over a MockTransport serving the canned body; interleaved
    rounds of `calls` calls, µs a call. The floor shows what LangChain's
    invoke machinery alone costs on the same scale."""
    clients = [sync_client(mock_transport()) for _ in range(4)]
    aclients = [async_client(mock_transport()) for _ in range(4)]
    raw = Raw(MOCK_URL, clients[0], aclients[0])
    ours = make_ours(MOCK_URL, clients[1], aclients[1])
    openai = make_openai(MOCK_URL, clients[2], aclients[2])
    floor = make_floor(Raw(MOCK_URL, clients[3], aclients[3]))
    sync: dict[str, Callable[[], Any]] = {
        "raw": raw.invoke,
        "ours": lambda: ours.invoke(PROMPT).text,
        "openai": lambda: openai.invoke(PROMPT).text,
        "floor": lambda: floor.invoke(PROMPT).text,
    }
    for name, call in sync.items():
        _expect(name, call(), ANSWER)
    timed: dict[str, list[float]] = {name: [] for name in sync}
    settle()
    for _ in range(rounds):
        for name, call in sync.items():
            start = time.perf_counter()
            for _ in range(calls):
                call()
            timed[name].append((time.perf_counter() - start) / calls * 1e6)

    async def run() -> dict[str, list[float]]:
        calls_of = {
            "raw": raw.ainvoke,
            "ours": lambda: _text(ours.ainvoke(PROMPT)),
            "openai": lambda: _text(openai.ainvoke(PROMPT)),
            "floor": lambda: _text(floor.ainvoke(PROMPT)),
        }
        for name, acall in calls_of.items():
            _expect(name, await acall(), ANSWER)
        out: dict[str, list[float]] = {name: [] for name in calls_of}
        settle()
        for _ in range(rounds):
            for name, acall in calls_of.items():
                start = time.perf_counter()
                for _ in range(calls):
                    await acall()
                out[name].append((time.perf_counter() - start) / calls * 1e6)
        return out

    atimed = asyncio.run(run())
    return {
        "invoke_us": {k: statistics.median(v) for k, v in timed.items()},
        "ainvoke_us": {k: statistics.median(v) for k, v in atimed.items()},
        "invoke_ratio": _median_ratio(timed),
        "ainvoke_ratio": _median_ratio(atimed),
        "invoke_floor_ratio": _median_ratio(timed, "floor"),
        "ainvoke_floor_ratio": _median_ratio(atimed, "floor"),
    }


async def _text(message: Any) -> str:
    return str((await message).text)


def _expect(name: str, got: str, want: str) -> None:
    if got != want:
        raise AssertionError(f"{name} returned other text ({len(got)} characters)")


def _fold(chunks: Any) -> str:
    total: Any = None
    for chunk in chunks:
        total = chunk if total is None else total + chunk
    return total if isinstance(total, str) else str(total.text)


def bench_stream(server: ServerProcess, deltas: int, reps: int) -> dict[str, Any]:
    """`stream` then `astream` of a `deltas`-delta answer on the loopback
    server, interleaved, after a warm-up round that checks the text: median
    µs per delta."""
    url = server.base_url(deltas)
    raw = Raw(url)
    models = {name: make_model(name, url) for name in ("floor", "ours", "openai")}
    want = stream_text(deltas)
    _expect("raw", "".join(raw.stream()), want)
    for name, model in models.items():
        _expect(name, _fold(model.stream(PROMPT)), want)
    sync: dict[str, list[float]] = {"raw": [], **{name: [] for name in models}}
    settle()
    for _ in range(reps):
        for name in sync:
            start = time.perf_counter()
            for _ in raw.stream() if name == "raw" else models[name].stream(PROMPT):
                pass
            sync[name].append((time.perf_counter() - start) / deltas * 1e6)

    async def run() -> dict[str, list[float]]:
        out: dict[str, list[float]] = {name: [] for name in sync}
        for rep in range(reps + 1):  # the first round warms the async pools up
            if rep == 1:
                settle()
            for name in out:
                start = time.perf_counter()
                stream = (
                    raw.astream() if name == "raw" else models[name].astream(PROMPT)
                )
                async for _ in stream:
                    pass
                if rep:
                    out[name].append((time.perf_counter() - start) / deltas * 1e6)
        return out

    asynchronous = asyncio.run(run())
    figures: dict[str, Any] = {
        "stream_us_per_chunk": {k: statistics.median(v) for k, v in sync.items()},
        "astream_us_per_chunk": {
            k: statistics.median(v) for k, v in asynchronous.items()
        },
    }
    for key in ("stream", "astream"):
        per = figures[f"{key}_us_per_chunk"]
        figures[f"{key}_ratio"] = per["ours"] / per["openai"]
    return figures


def bench_fold(server: ServerProcess, sizes: tuple[int, ...]) -> dict[str, Any]:
    """Our stream of each size folded with `+` (as agents and
    `invoke(streaming=True)` consume it): CPU µs per delta (this process only;
    the server runs in its own)."""
    model = make_ours(server.base_url(sizes[0]))
    _fold(model.stream(PROMPT))  # warm-up
    settle()
    per_chunk = {}
    for deltas in sizes:
        model = make_ours(server.base_url(deltas))
        start = time.process_time()
        text = _fold(model.stream(PROMPT))
        per_chunk[deltas] = (time.process_time() - start) / deltas * 1e6
        _expect("ours", text, stream_text(deltas))
    small, large = per_chunk[sizes[0]], per_chunk[sizes[-1]]
    return {"cpu_us_per_chunk": per_chunk, "ratio": large / small}


IMPORTS = {
    "ours": "from langchain_onerouter import ChatOneRouterResponses",
    "openai": "from langchain_openai import ChatOpenAI",
}
# Times one import in a child that has already imported langchain-core's base.
IMPORT_CHILD = """
import time
from langchain_core.language_models.chat_models import BaseChatModel
start = time.process_time()
{}
print((time.process_time() - start) * 1000)
"""


def bench_imports(reps: int) -> dict[str, Any]:
    """CPU ms each import adds above langchain-core's chat-model base, in a
    fresh interpreter, interleaved; medians (a first run compiling stale
    bytecode is an outlier the median drops)."""
    cpu: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(reps):
        for name, statement in IMPORTS.items():
            out = python("-c", IMPORT_CHILD.format(statement))
            cpu[name].append(float(out.strip().splitlines()[-1]))
    ms = {name: statistics.median(values) for name, values in cpu.items()}
    return {"added_cpu_ms": ms, "ratio": ms["ours"] / ms["openai"]}


def _worker(what: str, model: str, port: int, *extra: str) -> dict[str, Any]:
    out = python(
        "-m", "benchmarks.workers", what, "--model", model, "--port", str(port), *extra
    )
    return dict(orjson.loads(out.strip().splitlines()[-1]))


def bench_first_call(port: int, reps: int) -> dict[str, Any]:
    """The first `invoke` of a fresh process (after import and construction)."""
    runs: dict[str, list[dict[str, float]]] = {"ours": [], "openai": []}
    for _ in range(reps):
        for name in runs:
            runs[name].append(_worker("first-call", name, port))
    ms = {
        name: {key: statistics.median(r[key] for r in rows) for key in rows[0]}
        for name, rows in runs.items()
    }
    return {**ms, "ratio": ms["ours"]["first_call_ms"] / ms["openai"]["first_call_ms"]}


def bench_bursts(port: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Bursts of concurrent `ainvoke`, then of `batch` on threads, on one model:
    connections each opened."""
    extra = ("--bursts", str(cfg["bursts"]), "--burst-size", str(cfg["burst_size"]))
    figures = {
        name: _worker("bursts", name, port, *extra) for name in ("ours", "openai")
    }
    ours = figures["ours"]
    return {
        **figures,
        "after_first": max(ours["ainvoke"]["opened"][1:]),
        "batch_after_first": max(ours["batch"]["opened"][1:]),
    }


def bench_concurrency(port: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """N concurrent `astream` on one model, each model in its own process."""
    extra = (
        "--streams",
        str(cfg["streams"]),
        "--deltas",
        str(cfg["concurrent_deltas"]),
    )
    figures = {
        name: _worker("streams", name, port, *extra)
        for name in ("floor", "ours", "openai")
    }
    ours = figures["ours"]
    return {
        **figures,
        # CPU, not wall: the client is CPU-bound here, and on a shared machine
        # the wall of one 10 s run mostly measures the neighbours.
        "cpu_ratio": ours["cpu_ms"] / figures["floor"]["cpu_ms"],
        "wall_ratio": ours["wall_ms"] / figures["floor"]["wall_ms"],
        "connections_ratio": max(ours["accepted"], ours["peak_open"]) / POOL,
        "rss_ratio": ours["rss_growth_mb"] / figures["openai"]["rss_growth_mb"],
    }


# metric name -> (section, how to read it from that section's figures)
READS: dict[str, tuple[str, Callable[[dict[str, Any]], float]]] = {
    "invoke_overhead_vs_openai": ("invoke", lambda f: f["invoke_ratio"]),
    "ainvoke_overhead_vs_openai": ("invoke", lambda f: f["ainvoke_ratio"]),
    "invoke_floor_vs_openai": ("invoke", lambda f: f["invoke_floor_ratio"]),
    "ainvoke_floor_vs_openai": ("invoke", lambda f: f["ainvoke_floor_ratio"]),
    "stream_per_chunk_vs_openai": ("stream", lambda f: f["stream_ratio"]),
    "astream_per_chunk_vs_openai": ("stream", lambda f: f["astream_ratio"]),
    "fold_per_chunk_large_vs_small": ("fold", lambda f: f["ratio"]),
    "import_added_vs_openai": ("imports", lambda f: f["ratio"]),
    "first_call_vs_openai": ("first_call", lambda f: f["ratio"]),
    "burst_new_connections": ("bursts", lambda f: f["after_first"]),
    "batch_new_connections": ("bursts", lambda f: f["batch_after_first"]),
    "concurrent_astream_vs_floor": ("concurrency", lambda f: f["cpu_ratio"]),
    "concurrent_connections_vs_pool": ("concurrency", lambda f: f["connections_ratio"]),
    "concurrent_rss_vs_openai": ("concurrency", lambda f: f["rss_ratio"]),
}


def run_all(
    cfg: dict[str, Any], only: tuple[str, ...], log: Callable[[str], None]
) -> dict[str, Any]:
    """The figures of the `only` sections, against one server started here."""
    figures: dict[str, Any] = {}
    with ServerProcess() as server:
        port = server.port
        steps: dict[str, Callable[[], Any]] = {
            "invoke": lambda: bench_invoke(cfg["invoke_rounds"], cfg["invoke_calls"]),
            "stream": lambda: bench_stream(
                server, cfg["stream_deltas"], cfg["stream_reps"]
            ),
            "fold": lambda: bench_fold(server, cfg["fold_deltas"]),
            "imports": lambda: bench_imports(cfg["import_reps"]),
            "first_call": lambda: bench_first_call(port, cfg["first_call_reps"]),
            "bursts": lambda: bench_bursts(port, cfg),
            "concurrency": lambda: bench_concurrency(port, cfg),
        }
        started = time.perf_counter()
        for name, step in steps.items():
            if name in only or (name == "first_call" and "imports" in only):
                log(f"{name} (at {time.perf_counter() - started:.0f} s)")
                figures[name] = step()
    return figures


def metrics(figures: dict[str, Any]) -> dict[str, float]:
    """The metrics of METRICS whose section ran."""
    return {
        name: float(read(figures[section]))
        for name, (section, read) in READS.items()
        if section in figures
    }


def regressions(got: dict[str, float], baseline: dict[str, float]) -> list[str]:
    """Metrics over twice their baseline plus their slack (METRICS) and over
    their target too (a value meeting its target is no regression); metrics
    missing on either side are not compared."""
    failures = []
    for name, base in baseline.items():
        value = got.get(name)
        target, _, slack = METRICS.get(name, (None, "", 0.05))
        limit = max(2 * base + slack, target or 0.0)
        if value is not None and value > limit:
            failures.append(f"{name}: {value:.3f} > {limit:.3f} (baseline {base:.3f})")
    return failures


def table(got: dict[str, float], baseline: dict[str, float]) -> str:
    """One line per metric: value, target and verdict, baseline."""
    lines = [f"{'metric':32} {'value':>8} {'target':>8}  {'':6} {'baseline':>8}"]
    for name, (target, what, _) in METRICS.items():
        if name not in got:
            continue
        value = got[name]
        verdict = "" if target is None else ("met" if value <= target else "MISSED")
        shown = "-" if target is None else f"<= {target:g}"
        base = f"{baseline[name]:8.3f}" if name in baseline else f"{'-':>8}"
        lines.append(f"{name:32} {value:8.3f} {shown:>8}  {verdict:6} {base}  {what}")
    return "\n".join(lines)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples (CI)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--check", action="store_true", help="exit 1 on a regression")
    parser.add_argument(
        "--update-baseline", action="store_true", help="save as baseline"
    )
    parser.add_argument(
        "--only", help=f"comma-separated sections: {', '.join(SECTIONS)}"
    )
    args = parser.parse_args(argv)
    args.sections = SECTIONS
    if args.only:
        args.sections = tuple(s.strip() for s in args.only.split(",") if s.strip())
        unknown = sorted(set(args.sections) - set(SECTIONS))
        if unknown:
            parser.error(f"unknown sections {unknown}; known: {', '.join(SECTIONS)}")
    if args.update_baseline and args.only:
        parser.error("--update-baseline needs every section: drop --only")
    return args


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("langchain-core", "langchain-openai", "openai", "httpx2"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    mode = "quick" if args.quick else "full"
    cfg = QUICK if args.quick else FULL
    started = time.perf_counter()
    log = lambda message: print(f"[bench] {message}", file=sys.stderr, flush=True)  # noqa: E731
    figures = run_all(cfg, args.sections, log)
    got = metrics(figures)
    stored = orjson.loads(BASELINE.read_bytes()) if BASELINE.is_file() else {}
    stored = {key: stored[key] for key in ("full", "quick") if key in stored}
    baseline = stored.get(mode, {})
    failures = regressions(got, baseline)
    print(table(got, baseline))
    for failure in failures:
        print("REGRESSION", failure)
    if args.json:
        results = {
            "mode": mode,
            "finished_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "elapsed_s": time.perf_counter() - started,
            "machine": f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
            "versions": _versions(),
            "config": cfg,
            "figures": figures,
            "metrics": got,
            "targets": {n: t for n, (t, _, _) in METRICS.items() if t is not None},
            "regressions": failures,
        }
        args.json.write_bytes(
            orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
        )
    if args.update_baseline:
        stored[mode] = {name: round(value, 4) for name, value in got.items()}
        BASELINE.write_bytes(orjson.dumps(stored, option=orjson.OPT_INDENT_2) + b"\n")
    return 1 if args.check and failures else 0


if __name__ == "__main__":
    sys.exit(main())
