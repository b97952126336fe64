"""The benchmark suite: this package vs ChatOpenAI vs the raw-httpx floor.

    python -m benchmarks.run            # full run; writes docs/performance.{md,png}
    python -m benchmarks.run --quick    # CI form: fewer samples, no docs written

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
from benchmarks.clients import Client, make_client, make_openai, make_ours
from benchmarks.server import ServerProcess, json_bytes, sse_events, stream_text

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "benchmarks" / "baseline.json"
POOL_SIZE = 100  # transport.DEFAULT_LIMITS.max_connections
# Too small or too noisy to double-check against a baseline: connections are
# bounded by the pool outright, the import difference is two noisy numbers.
UNCHECKED = (
    "concurrent_connections",
    "concurrent_astream_connections",
    "import_above_core",
)

FULL = {
    "invokes": 300,
    "stream_reps": 7,
    "scale_reps": 3,
    "deltas": 2000,
    "big_deltas": 20000,
    "concurrent_invokes": 200,
    "concurrent_streams": 1000,
    "concurrent_deltas": 200,
    "import_reps": 7,
    "constructions": 200,
    "scale_clients": ("floor", "ours", "openai", "core"),
}
QUICK = {
    **FULL,
    "invokes": 80,
    "stream_reps": 3,
    "scale_reps": 1,
    "import_reps": 3,
    "constructions": 30,
    "concurrent_streams": 200,
    "scale_clients": ("floor", "ours", "core"),
}


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "median_ms": statistics.median(ordered) * 1000,
        "p95_ms": p95 * 1000,
        "n": float(len(ordered)),
    }


def _check(name: str, got: str, want: str) -> None:
    if got != want:
        raise AssertionError(f"{name} returned different text ({len(got)} chars)")


# -- 1. sequential invoke -----------------------------------------------------
def bench_invoke(clients: dict[str, Client], total: int) -> dict[str, Any]:
    """Interleaved rounds of sequential `invoke`, so noise hits every client."""
    from benchmarks.server import ANSWER

    rounds = 10
    samples: dict[str, list[float]] = {name: [] for name in clients}
    for name, client in clients.items():
        for _ in range(5):
            _check(name, client.invoke(), ANSWER)
    for _ in range(rounds):
        for name, client in clients.items():
            for _ in range(max(1, total // rounds)):
                start = time.perf_counter()
                client.invoke()
                samples[name].append(time.perf_counter() - start)
    return _with_overhead({name: _ms(s) for name, s in samples.items()})


def _with_overhead(figures: dict[str, dict[str, float]]) -> dict[str, Any]:
    floor = figures["floor"]["median_ms"]
    for name, fig in figures.items():
        if name not in ("floor", "core"):
            fig["overhead_ms"] = fig["median_ms"] - floor
    return figures


# -- 2. streams ------------------------------------------------------------------
def bench_stream(clients: dict[str, Client], reps: int, deltas: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in clients}
    chunks: dict[str, int] = {}
    for _ in range(reps + 1):  # the first round warms up
        for name, client in clients.items():
            gc.collect()
            start = time.perf_counter()
            count = sum(1 for _ in client.stream())
            samples[name].append(time.perf_counter() - start)
            chunks[name] = count
    return _stream_figures(samples, chunks, deltas)


def bench_async(
    clients: dict[str, Client], total: int, reps: int, deltas: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Sequential `ainvoke`, then `astream`, in ONE event loop (ChatOpenAI's
    async client is bound to the loop that first used it)."""
    rounds = 10

    async def run() -> tuple[dict[str, list[float]], ...]:
        calls: dict[str, list[float]] = {name: [] for name in clients}
        streams: dict[str, list[float]] = {name: [] for name in clients}
        chunks: dict[str, int] = {}
        for client in clients.values():
            for _ in range(5):
                await client.ainvoke()
        for _ in range(rounds):
            for name, client in clients.items():
                for _ in range(max(1, total // rounds)):
                    start = time.perf_counter()
                    await client.ainvoke()
                    calls[name].append(time.perf_counter() - start)
        for _ in range(reps + 1):  # the first round warms up
            for name, client in clients.items():
                gc.collect()
                start = time.perf_counter()
                count = 0
                async for _ in client.astream():
                    count += 1
                streams[name].append(time.perf_counter() - start)
                chunks[name] = count
        for client in clients.values():
            await client.aclose()
        return calls, streams, chunks  # type: ignore[return-value]

    calls, streams, chunks = asyncio.run(run())
    invoke = _with_overhead({n: _ms(s) for n, s in calls.items()})
    return invoke, _stream_figures(streams, chunks, deltas)


def _stream_figures(
    samples: dict[str, list[float]], chunks: dict[str, int], deltas: int
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    floor = statistics.median(samples["floor"][1:]) * 1000
    for name, values in samples.items():
        median = statistics.median(values[1:]) * 1000
        figures[name] = {"median_ms": median, "chunks": float(chunks[name])}
        if name not in ("floor", "core"):
            figures[name]["per_chunk_overhead_us"] = (median - floor) * 1000 / deltas
        if name == "core":
            figures[name]["per_chunk_us"] = median * 1000 / deltas
    return figures


# -- 3. scaling ------------------------------------------------------------------
def bench_scaling(port: int, cfg: dict[str, Any]) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    figures: dict[str, Any] = {}
    for name in cfg["scale_clients"]:
        row: dict[str, float] = {}
        for deltas in (cfg["deltas"], cfg["big_deltas"]):
            client = make_client(name, f"{base}/{deltas}", deltas)
            want = "tok" * deltas if name == "core" else stream_text(deltas)
            _check(name, client.aggregate(), want)  # also the warm-up
            times = []
            for _ in range(cfg["scale_reps"]):
                gc.collect()
                start = time.perf_counter()
                client.aggregate()
                times.append(time.perf_counter() - start)
            row[f"d{deltas}_ms"] = statistics.median(times) * 1000
        row["ratio"] = row[f"d{cfg['big_deltas']}_ms"] / row[f"d{cfg['deltas']}_ms"]
        figures[name] = row
    return figures


# -- 4. concurrency -------------------------------------------------------------
def bench_concurrency(port: int, cfg: dict[str, Any]) -> dict[str, Any]:
    figures = {}
    for name in ("floor", "ours", "openai"):
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
            timeout=300,
            check=False,
        )
        if out.returncode:
            raise RuntimeError(f"concurrency worker {name} failed:\n{out.stderr}")
        figures[name] = orjson.loads(out.stdout.strip().splitlines()[-1])
    return figures


# -- 5. cold start ----------------------------------------------------------------
IMPORTS = {
    "python": "pass",
    "core": "import langchain_core.language_models.chat_models",
    "ours": "import langchain_onerouter",
    "openai": "import langchain_openai",
}


def bench_imports(reps: int) -> dict[str, Any]:
    samples: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(reps):
        for name, statement in IMPORTS.items():
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", statement], check=True, env=_env(), cwd=ROOT
            )
            samples[name].append(time.perf_counter() - start)
    return {
        name: {"median_ms": statistics.median(s) * 1000} for name, s in samples.items()
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
    from langchain_onerouter.response import response_to_message
    from langchain_onerouter.streaming import ResponseStreamParser

    body = json_bytes()
    reps = 200
    start = time.perf_counter()
    for _ in range(reps):
        response_to_message(orjson.loads(body))
    to_message = (time.perf_counter() - start) / reps

    events = sse_events(deltas)
    runs = []
    for _ in range(3):
        copies = [orjson.loads(orjson.dumps(e)) for e in events]
        start = time.perf_counter()
        parser = ResponseStreamParser()
        for event in copies:
            parser.feed(event)
        runs.append(time.perf_counter() - start)
    return {
        "response_to_message_us": to_message * 1e6,
        "parser_per_event_us": min(runs) * 1e6 / len(events),
    }


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run_all(cfg: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    """Every measurement, against one server started here."""
    results: dict[str, Any] = {"config": {k: v for k, v in cfg.items()}}
    with ServerProcess() as server:
        url = server.base_url(cfg["deltas"])
        names = ("floor", "ours", "openai", "core")
        clients = {n: make_client(n, url, cfg["deltas"]) for n in names}
        log("1/5 sequential invoke")
        results["invoke"] = bench_invoke(clients, cfg["invokes"])
        log("2/5 2,000-delta streams")
        results["stream"] = bench_stream(clients, cfg["stream_reps"], cfg["deltas"])
        results["ainvoke"], results["astream"] = bench_async(
            clients, cfg["invokes"], cfg["stream_reps"], cfg["deltas"]
        )
        log("3/5 scaling 2,000 → 20,000 deltas")
        results["scaling"] = bench_scaling(server.port, cfg)
        log("4/5 concurrency")
        results["concurrency"] = bench_concurrency(server.port, cfg)
    log("5/5 cold start")
    results["imports"] = bench_imports(cfg["import_reps"])
    results["construction"] = bench_construction(url, cfg["constructions"])
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
    parser.add_argument("--from-json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        import langchain_openai  # noqa: F401
    except ImportError:
        print("langchain-openai is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    command = "python -m benchmarks.run" + (" --quick" if args.quick else "")
    if args.from_json:  # re-render the docs of a saved run
        results = orjson.loads(args.from_json.read_bytes())
        command = results.get("command", command)
    else:
        cfg = QUICK if args.quick else FULL
        started = time.perf_counter()
        results = run_all(cfg, lambda msg: print(f"[bench] {msg}", file=sys.stderr))
        results["elapsed_s"] = time.perf_counter() - started
        results["command"] = command
        results["finished_at"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(report.table(results))
    if args.json:
        args.json.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if args.docs or (args.docs is None and not args.quick):
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
