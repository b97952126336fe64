"""The benchmark suite: this package vs ChatOpenAI vs the raw-httpx floor.

    python -m benchmarks.run                  # full run; writes docs/performance.{md,png}
    python -m benchmarks.run --quick          # CI form: fewer samples, no docs written
    python -m benchmarks.run --quick --only stream,linear   # some sections only

Every figure comes from one process run against one loopback server, and
every target is a ratio between clients of that run (absolute times on a
shared machine are not comparable between runs).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python benchmarks/run.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson

from benchmarks import report
from benchmarks.clients import (
    Client,
    expected,
    make_client,
    make_openai,
    make_ours,
    shape_check,
    streamed,
)
from benchmarks.server import ServerProcess, json_bytes, sse_events, stream_url

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "benchmarks" / "baseline.json"
POOL_SIZE = 100  # transport.DEFAULT_LIMITS.max_connections
KINDS = ("text", "tool", "reasoning")  # benchmarks.server.STREAM_KINDS + text
# Too small or too noisy to double-check against a baseline: connections are
# bounded by the pool outright, the import difference is two noisy numbers,
# the no-op's ~0.3 ms per invoke is a small denominator (quick runs on a loaded
# 2-core machine: 2.1 to 9.4; invoke_overhead guards invoke), a batch on a
# server answering at once measures GIL contention (3.5 to 28; batch_20ms
# guards batch).
UNCHECKED = (
    "concurrent_connections",
    "concurrent_astream_connections",
    "batch_connections",
    "import_above_core",
    "invoke_loopback_vs_core",
    "ainvoke_loopback_vs_core",
    "invoke_floor_vs_core",
    "ainvoke_floor_vs_core",
    "invoke_cpu_vs_core",
    "batch_0ms",
    "core_batch_0ms",
    # Informative: the batch ratio of raw httpx and of a model doing only that.
    *(f"{who}batch_{ms}ms" for who in ("floor_", "floor_core_") for ms in (0, 20)),
    # Informative: ours against a model that only builds the chunks.
    "concurrent_astream_floor_core_vs_floor",
    "concurrent_astream_vs_floor_core",
    *(
        f"{method}_{kind}_vs_floor_core"
        for method in ("stream", "astream")
        for kind in ("text", "tool", "reasoning")
    ),
)
# `--only` sections, in run order.
SECTIONS = (
    "invoke",
    "stream",
    "linear",
    "memory",
    "batch",
    "concurrency",
    "imports",
    "parts",
    "profile",
)

FULL: dict[str, Any] = {
    "invokes": 300,
    "inprocess_rounds": 21,
    "inprocess_calls": 200,
    "stream_reps": 7,
    "scale_reps": 3,
    "deltas": 2000,
    "scale_deltas": (2000, 20000, 50000),
    "memory_deltas": 20000,
    "concurrent_invokes": 200,
    "concurrent_streams": 1000,
    "concurrent_deltas": 200,
    "concurrency_clients": ("floor", "floor+core", "ours", "openai"),
    "batch_calls": 200,
    "batch_concurrency": 32,
    "batch_latency_ms": (0, 20),
    "import_reps": 7,
    "constructions": 200,
    "stream_openai": True,
    "linear_clients": ("floor", "ours", "core"),
    "memory_clients": ("floor", "ours", "core"),
    "batch_clients": ("floor", "ours", "core", "floor+core"),
    "profile": True,
}
QUICK: dict[str, Any] = {
    **FULL,
    "invokes": 80,
    "inprocess_rounds": 9,
    "inprocess_calls": 100,
    "stream_reps": 2,
    "scale_reps": 1,
    "import_reps": 3,
    "constructions": 30,
    "concurrent_streams": 200,
    # ChatOpenAI needs ~100 s for 1,000 streams; the RSS target is full-run only.
    "concurrency_clients": ("floor", "floor+core", "ours"),
    "stream_openai": False,  # ~2 s a stream: the ChatOpenAI ratios are full-run only
    # The no-op model's long folds and the floor's batches inform, not guard.
    "linear_clients": ("floor", "ours"),
    "memory_clients": ("floor", "ours"),
    "batch_clients": ("ours", "core"),
    "profile": False,
}


def _ms(seconds: list[float], cpu: list[float] | None = None) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    figures = {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "n": float(len(ordered)),
    }
    if cpu:
        figures["cpu_median_ms"] = statistics.median(cpu) * 1000
    return figures


class Timed:
    """Wall and CPU time of each call, per client (CPU: `time.process_time`,
    this process only, so the loopback server's work is not counted)."""

    def __init__(self, names: Any) -> None:
        self.wall: dict[str, list[float]] = {name: [] for name in names}
        self.cpu: dict[str, list[float]] = {name: [] for name in names}

    def start(self) -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def stop(self, name: str, started: tuple[float, float]) -> None:
        self.wall[name].append(time.perf_counter() - started[0])
        self.cpu[name].append(time.process_time() - started[1])

    def figures(self) -> dict[str, Any]:
        return _with_overhead({n: _ms(s, self.cpu[n]) for n, s in self.wall.items()})


def _check(name: str, got: str, want: str) -> None:
    if got != want:
        raise AssertionError(f"{name} returned different text ({len(got)} chars)")


class GcMeter:
    """Counts the cyclic garbage collector's passes and time while active."""

    def __init__(self) -> None:
        self.passes = 0
        self.seconds = 0.0
        self._start = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.passes += 1
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> GcMeter:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: Any) -> None:
        gc.callbacks.remove(self._callback)


# -- 1. sequential invoke -----------------------------------------------------
def bench_invoke(clients: dict[str, Client], total: int) -> dict[str, Any]:
    """Interleaved rounds of sequential `invoke`, so noise hits every client."""
    from benchmarks.server import ANSWER

    rounds = 10
    timed = Timed(clients)
    for name, client in clients.items():
        for _ in range(5):
            _check(name, client.invoke(), ANSWER)
    for _ in range(rounds):
        for name, client in clients.items():
            for _ in range(max(1, total // rounds)):
                started = timed.start()
                client.invoke()
                timed.stop(name, started)
    return timed.figures()


def _with_overhead(figures: dict[str, dict[str, float]]) -> dict[str, Any]:
    floor = figures["floor"]
    for name, fig in figures.items():
        if name not in ("floor", "core", "floor+core"):
            fig["overhead_ms"] = fig["median_ms"] - floor["median_ms"]
            if "cpu_median_ms" in fig:
                fig["cpu_overhead_ms"] = fig["cpu_median_ms"] - floor["cpu_median_ms"]
    return figures


# -- 2. streams ------------------------------------------------------------------
def stream_clients(
    port: int, deltas: int, openai: bool
) -> dict[str, dict[str, Client]]:
    """Per stream kind: floor, floor+core, ours, core (and ChatOpenAI for text
    if `openai`)."""
    root = f"http://127.0.0.1:{port}"
    out = {}
    for kind in KINDS:
        url = stream_url(root, deltas, kind)
        names = ["floor", "floor+core", "ours", "core"]
        if openai and kind == "text":
            names.insert(3, "openai")
        out[kind] = {n: make_client(n, url, deltas, kind) for n in names}
    return out


def bench_stream(
    by_kind: dict[str, dict[str, Client]], reps: int, deltas: int
) -> dict[str, Any]:
    """`stream()` of each kind, every client in turn, after a warm-up round.
    Ours and floor+core fold their warm-up stream to check it spells what the
    server sent; the others count their chunks (the linear section checks
    their text)."""
    figures = {}
    for kind, clients in by_kind.items():
        for name, client in clients.items():
            if name in ("ours", "floor+core"):
                got = streamed(client.fold(), kind)
                _check(f"{name} {kind}", got, expected(kind, deltas))
            elif sum(1 for _ in client.stream()) < deltas:
                raise AssertionError(f"{name} {kind}: fewer chunks than deltas")
        samples: dict[str, list[float]] = {name: [] for name in clients}
        chunks: dict[str, int] = {}
        passes: dict[str, int] = {name: 0 for name in clients}
        for _ in range(reps):
            for name, client in clients.items():
                gc.collect()
                with GcMeter() as meter:
                    start = time.perf_counter()
                    count = sum(1 for _ in client.stream())
                    samples[name].append(time.perf_counter() - start)
                chunks[name] = count
                passes[name] = meter.passes
        figures[kind] = _stream_figures(samples, chunks, passes, deltas)
    return figures


def bench_async(
    invoke_clients: dict[str, Client],
    by_kind: dict[str, dict[str, Client]],
    total: int,
    reps: int,
    deltas: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sequential `ainvoke`, then `astream` of each kind, in ONE event loop
    (ChatOpenAI's async client is bound to the loop that first used it)."""
    rounds = 10

    async def run() -> tuple[Timed, dict[str, Any]]:
        calls = Timed(invoke_clients)
        for client in invoke_clients.values():
            for _ in range(5):
                await client.ainvoke()
        for _ in range(rounds):
            for name, client in invoke_clients.items():
                for _ in range(max(1, total // rounds)):
                    started = calls.start()
                    await client.ainvoke()
                    calls.stop(name, started)
        streams: dict[str, Any] = {}
        for kind, clients in by_kind.items():
            samples: dict[str, list[float]] = {name: [] for name in clients}
            chunks: dict[str, int] = {}
            passes: dict[str, int] = {name: 0 for name in clients}
            for _ in range(reps + 1):  # the first round warms up
                for name, client in clients.items():
                    gc.collect()
                    with GcMeter() as meter:
                        start = time.perf_counter()
                        count = 0
                        async for _ in client.astream():
                            count += 1
                        samples[name].append(time.perf_counter() - start)
                    chunks[name] = count
                    passes[name] = meter.passes
            timed = {name: values[1:] for name, values in samples.items()}
            streams[kind] = _stream_figures(timed, chunks, passes, deltas)
        for client in invoke_clients.values():
            await client.aclose()
        for clients in by_kind.values():
            for client in clients.values():
                await client.aclose()
        return calls, streams

    calls, streams = asyncio.run(run())
    if not calls.wall:  # `--only stream`: no ainvoke clients, so no floor
        return {}, streams
    return calls.figures(), streams


def _stream_figures(
    samples: dict[str, list[float]],
    chunks: dict[str, int],
    passes: dict[str, int],
    deltas: int,
) -> dict[str, Any]:
    """Median time of the rounds; per-chunk = time / deltas."""
    figures: dict[str, Any] = {}
    for name, values in samples.items():
        median = statistics.median(values) * 1000
        figures[name] = {
            "median_ms": median,
            "chunks": float(chunks[name]),
            "per_chunk_us": median * 1000 / deltas,
            "gc_passes": float(passes[name]),
        }
    floor = figures["floor"]["per_chunk_us"]
    for name, fig in figures.items():
        if name not in ("floor", "core"):
            fig["per_chunk_overhead_us"] = fig["per_chunk_us"] - floor
    return figures


# -- 3. linear: aggregated with + ---------------------------------------------------
def bench_linear(port: int, cfg: dict[str, Any]) -> dict[str, Any]:
    """Text streams of each size folded with `+`; the first size warms up."""
    root = f"http://127.0.0.1:{port}"
    figures: dict[str, Any] = {}
    sizes = cfg["scale_deltas"]
    for name in cfg["linear_clients"]:
        row: dict[str, float] = {}
        for deltas in sizes:
            client = make_client(name, stream_url(root, deltas), deltas)
            if deltas == sizes[0]:
                client.aggregate()
            times = []
            for rep in range(cfg["scale_reps"]):
                gc.collect()
                with GcMeter() as meter:
                    start = time.perf_counter()
                    total = client.fold()
                    times.append(time.perf_counter() - start)
                if rep == 0:
                    _check(name, streamed(total), expected("text", deltas))
            del total
            row[f"d{deltas}_ms"] = statistics.median(times) * 1000
            row[f"d{deltas}_gc_passes"] = float(meter.passes)
            row[f"d{deltas}_gc_ms"] = meter.seconds * 1000
            row[f"d{deltas}_us"] = row[f"d{deltas}_ms"] * 1000 / deltas
            row[f"d{deltas}_gc_share"] = meter.seconds / times[-1]  # the last run
        for small, big in zip(sizes, sizes[1:], strict=False):
            row[f"r{big}_{small}"] = row[f"d{big}_ms"] / row[f"d{small}_ms"]
        figures[name] = row
    return figures


# -- 4. memory: one long stream -----------------------------------------------------
def bench_memory(port: int, deltas: int, names: tuple[str, ...]) -> dict[str, Any]:
    """Peak traced allocation while a `deltas`-delta text stream is folded
    with `+`, against the final message's size: the traced bytes it still
    holds once the stream is done (and, for reference, its JSON length)."""
    import tracemalloc

    url = stream_url(f"http://127.0.0.1:{port}", deltas)
    figures = {}
    for name in names:
        client = make_client(name, url, deltas)
        client.invoke()  # the pool, lazy imports and caches: not the stream's
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            total = client.fold()
            gc.collect()
            held, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        _check(name, streamed(total), expected("text", deltas))
        dump = total if isinstance(total, str) else total.model_dump()
        figures[name] = {
            "peak_mb": (peak - before) / 2**20,
            "final_mb": (held - before) / 2**20,
            "final_json_mb": len(orjson.dumps(dump)) / 2**20,
        }
        del total
    return figures


# -- 5. sync batch on threads --------------------------------------------------------
def bench_batch(server: ServerProcess, cfg: dict[str, Any]) -> dict[str, Any]:
    """`batch` of N on `max_concurrency` threads vs N sequential `invoke`s,
    for each server latency; connections the two batches (new threads each)
    opened: one pool shared by the threads opens at most `max_concurrency`."""
    calls, threads = cfg["batch_calls"], cfg["batch_concurrency"]
    figures: dict[str, Any] = {}
    for latency in cfg["batch_latency_ms"]:
        url = server.base_url(cfg["deltas"], ms=latency)
        row = {}
        # The no-op model does no I/O: the server's latency does not reach it.
        names = [n for n in cfg["batch_clients"] if latency == 0 or n != "core"]
        for name in names:
            client = make_client(name, url, cfg["deltas"])
            for _ in range(3):
                client.invoke()
            start = time.perf_counter()
            for _ in range(calls):
                client.invoke()
            sequential = time.perf_counter() - start
            server.reset()
            client.batch(calls, threads)  # cold: the pool fills
            cpu, start = time.process_time(), time.perf_counter()
            client.batch(calls, threads)
            wall = time.perf_counter() - start
            cpu = time.process_time() - cpu
            row[name] = {
                "sequential_ms": sequential * 1000,
                "per16_ms": sequential * 1000 / 16,
                "batch_ms": wall * 1000,
                "batch_cpu_share": cpu / wall,
                "connections": float(server.stats()["connections"]),
            }
        figures[f"{latency}ms"] = row
    return figures


# -- 6. concurrency -------------------------------------------------------------
def bench_concurrency(port: int, cfg: dict[str, Any]) -> dict[str, Any]:
    figures = {}
    for name in cfg["concurrency_clients"]:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.concurrency",
                "--client",
                name,
                "--port",
                str(port),
                "--invokes",
                str(cfg["concurrent_invokes"]),
                "--streams",
                str(cfg["concurrent_streams"]),
                "--deltas",
                str(cfg["concurrent_deltas"]),
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=_env(),
            timeout=900,  # ChatOpenAI: ~100 s for 1,000 streams unloaded
            check=False,
        )
        if out.returncode:
            raise RuntimeError(f"concurrency worker {name} failed:\n{out.stderr}")
        figures[name] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return figures


# -- 7. cold start ----------------------------------------------------------------
IMPORTS = {
    "python": "pass",
    "core": "import langchain_core.language_models.chat_models",
    "ours": "import langchain_onerouter",
    "openai": "import langchain_openai",
}


def bench_imports(reps: int) -> dict[str, Any]:
    """Each import in a fresh interpreter, interleaved: the median wall time
    and the median CPU time (user + system) of the child process."""
    import resource

    def python(statement: str) -> None:
        subprocess.run(
            [sys.executable, "-c", statement], check=True, env=_env(), cwd=ROOT
        )

    for statement in IMPORTS.values():  # compile what a rebase left stale
        python(statement)
    walls: dict[str, list[float]] = {name: [] for name in IMPORTS}
    cpus: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(reps):
        for name, statement in IMPORTS.items():
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            python(statement)
            walls[name].append(time.perf_counter() - start)
            now = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append(
                now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime
            )
    return {
        name: {
            "median_ms": statistics.median(walls[name]) * 1000,
            "cpu_ms": statistics.median(cpus[name]) * 1000,
            "n": float(reps),
        }
        for name in IMPORTS
    }


def bench_construction(base_url: str, count: int) -> dict[str, Any]:
    figures = {}
    factories: dict[str, Callable[[str], Any]] = {
        "ours": make_ours,
        "openai": make_openai,
    }
    for name, factory in factories.items():
        factory(base_url)
        times = []
        for _ in range(count):
            start = time.perf_counter()
            factory(base_url)
            times.append(time.perf_counter() - start)
        figures[name] = {"median_us": statistics.median(times) * 1e6}
    return figures


# -- parts of our own cost, for the hot-spot notes -------------------------------
def bench_parts(deltas: int) -> dict[str, Any]:
    from langchain_onerouter._mapping.response import response_to_message
    from langchain_onerouter._mapping.stream import ResponseStreamParser

    body = json_bytes()
    reps = 200
    start = time.perf_counter()
    for _ in range(reps):
        response_to_message(orjson.loads(body))
    to_message = (time.perf_counter() - start) / reps

    figures = {"response_to_message_us": to_message * 1e6}
    for kind in KINDS:
        events = sse_events(deltas, kind)
        runs = []
        for _ in range(3):
            copies = [orjson.loads(orjson.dumps(e)) for e in events]
            start = time.perf_counter()
            parser = ResponseStreamParser()
            for event in copies:
                parser.feed(event)
            runs.append(time.perf_counter() - start)
        key = "parser_per_event_us" if kind == "text" else f"parser_{kind}_per_event_us"
        figures[key] = min(runs) * 1e6 / len(events)
    return figures


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run_all(
    cfg: dict[str, Any], log: Callable[[str], None], only: tuple[str, ...] = SECTIONS
) -> dict[str, Any]:
    """Every measurement of the `only` sections, against one server started here."""
    results: dict[str, Any] = {"config": dict(cfg), "sections": list(only)}
    steps = [s for s in SECTIONS if s in only]
    step = iter(range(1, len(steps) + 1))
    started = time.perf_counter()

    def say(section: str, what: str) -> None:
        took = time.perf_counter() - started
        log(f"{next(step)}/{len(steps)} {section}: {what} (at {took:.0f} s)")

    with ServerProcess() as server:
        url = server.base_url(cfg["deltas"])
        names = ("floor", "ours", "openai", "core", "floor+core")
        invoke_clients = {n: make_client(n, url, cfg["deltas"]) for n in names}
        by_kind = stream_clients(server.port, cfg["deltas"], cfg["stream_openai"])
        if "invoke" in only:
            say("invoke", "sequential invoke and ainvoke, loopback then in-process")
            results["invoke"] = bench_invoke(invoke_clients, cfg["invokes"])
        if "stream" in only:
            say("stream", f"{cfg['deltas']:,}-delta streams of {', '.join(KINDS)}")
            results["stream"] = bench_stream(by_kind, cfg["stream_reps"], cfg["deltas"])
            results["shapes"] = shape_check()
        if "invoke" in only or "stream" in only:
            ainvoke, astream = bench_async(
                invoke_clients if "invoke" in only else {},
                by_kind if "stream" in only else {},
                cfg["invokes"],
                cfg["stream_reps"],
                cfg["deltas"],
            )
            if "invoke" in only:
                results["ainvoke"] = ainvoke
            if "stream" in only:
                results["astream"] = astream
        if "invoke" in only:
            from benchmarks.inprocess import bench_inprocess

            results["inprocess"] = bench_inprocess(
                cfg["inprocess_rounds"], cfg["inprocess_calls"]
            )
        if "linear" in only:
            sizes = ", ".join(f"{d:,}" for d in cfg["scale_deltas"])
            say("linear", f"{sizes} deltas aggregated with +")
            results["linear"] = bench_linear(server.port, cfg)
        if "memory" in only:
            say("memory", f"tracemalloc of a {cfg['memory_deltas']:,}-delta stream")
            results["memory"] = bench_memory(
                server.port, cfg["memory_deltas"], cfg["memory_clients"]
            )
        if "batch" in only:
            say("batch", f"batch of {cfg['batch_calls']} on threads")
            results["batch"] = bench_batch(server, cfg)
        if "concurrency" in only:
            say("concurrency", f"{cfg['concurrent_streams']:,} concurrent astream")
            results["concurrency"] = bench_concurrency(server.port, cfg)
        if "profile" in only:
            from benchmarks import profile

            say("profile", "cProfile and tracemalloc of ours, by package")
            results["profile"] = profile.profile_all(server, cfg)
    if "imports" in only:
        say("imports", f"fresh interpreters ×{cfg['import_reps']}")
        results["imports"] = bench_imports(cfg["import_reps"])
        results["construction"] = bench_construction(url, cfg["constructions"])
    if "parts" in only:
        say("parts", "parser and response mapping alone")
        results["parts"] = bench_parts(cfg["deltas"])
    results["ratios"] = report.ratios(results, POOL_SIZE)
    return results


def compare_baseline(ratios: dict[str, float], baseline: dict[str, float]) -> list[str]:
    """Gross regressions: a ratio over twice its committed baseline (+0.05 slack)."""
    failures = []
    for key, base in baseline.items():
        got = ratios.get(key)
        if got is not None and got > 2 * base + 0.05:
            failures.append(f"{key}: {got:.3f} > 2 x baseline {base:.3f}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="langchain-onerouter benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer samples (CI)")
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument(
        "--docs",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write docs/performance.md and .png (default: on unless --quick)",
    )
    parser.add_argument(
        "--update-baseline", action="store_true", help="commit these ratios"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit 1 on a gross regression"
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated sections to run (no docs): {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also profile ours by package (default: on unless --quick)",
    )
    parser.add_argument("--from-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    only = tuple(SECTIONS)
    if args.only:
        only = tuple(x.strip() for x in args.only.split(",") if x.strip())
        unknown = set(only) - set(SECTIONS)
        if unknown:
            parser.error(f"unknown sections {sorted(unknown)}; known: {SECTIONS}")
        if args.docs:
            parser.error("--docs needs every section: drop --only")
    try:
        import langchain_openai  # noqa: F401
    except ImportError:
        print("langchain-openai is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    if args.only:
        command += f" --only {','.join(only)}"
    cfg = QUICK if args.quick else FULL
    profiled = cfg["profile"] if args.profile is None else args.profile
    if not profiled and not args.only:
        only = tuple(x for x in only if x != "profile")
    elif profiled and args.profile and "profile" not in only:
        only += ("profile",)
    if args.from_json:  # re-render the docs of a saved run
        results = orjson.loads(args.from_json.read_bytes())
        command = results.get("command", command)
    else:
        started = time.perf_counter()
        results = run_all(
            cfg, lambda msg: print(f"[bench] {msg}", file=sys.stderr), only
        )
        results["elapsed_s"] = time.perf_counter() - started
        results["command"] = command
        results["finished_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(report.table(results))
    if args.json:
        args.json.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if args.docs or (args.docs is None and not args.quick and not args.only):
        report.write_docs(results, ROOT / "docs", command)
    if args.update_baseline:
        kept = {k: v for k, v in results["ratios"].items() if k not in UNCHECKED}
        BASELINE.write_bytes(orjson.dumps(kept, option=orjson.OPT_INDENT_2) + b"\n")
    if args.check and BASELINE.is_file():
        failures = compare_baseline(
            results["ratios"], orjson.loads(BASELINE.read_bytes())
        )
        for failure in failures:
            print("REGRESSION", failure, file=sys.stderr)
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
