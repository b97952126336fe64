"""Measurements that need a fresh process per model (its RSS, its first call).

    python -m benchmarks.workers bursts --model ours --port PORT   # ainvoke, then batch
    python -m benchmarks.workers streams --model ours --port PORT --streams 1000
    python -m benchmarks.workers first-call --model ours --port PORT

Each prints one JSON object on its last line. `--model`: ours, openai, floor
(see `benchmarks.clients`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.clients import PROMPT, make_model
from benchmarks.server import ServerProcess

ROOT = Path(__file__).resolve().parents[1]

# Server latency: every call of a burst, and every stream, is in flight at once.
BURST_MS = 50
STREAM_MS = 20


def python(*args: str) -> str:
    """Run this Python on `args` from the repository root; its stdout."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    done = subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"python {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def settle() -> None:
    """Collect, then freeze what survives (imports, models, pools): a full
    collection of that heap lands on whichever client triggers it and would
    decide a ratio; each client's own garbage is still collected in its time."""
    gc.collect()
    gc.freeze()


def rss_mb(peak: bool = False) -> float:
    """This process's RSS (or its high-water mark) from /proc (Linux), else psutil."""
    key = "VmHWM:" if peak else "VmRSS:"
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil

    info = psutil.Process().memory_info()
    return float(getattr(info, "peak_wset", info.rss)) / 2**20


def _record(
    server: ServerProcess, started: float, into: dict[str, list[float]]
) -> None:
    """A burst's wall time, the connections it opened and the most open at
    once (those kept from earlier bursts included)."""
    into["wall_ms"].append((time.perf_counter() - started) * 1000)
    stats = server.stats()
    into["opened"].append(stats["accepted"])
    into["peak_open"].append(stats["peak"])


def bursts(model: Any, server: ServerProcess, count: int, size: int) -> Any:
    """`count` bursts of `size` concurrent `ainvoke` (one event loop), then
    `count` bursts of `size` sync calls in `batch` on 32 threads."""
    keys = ("opened", "peak_open", "wall_ms")
    out: dict[str, dict[str, list[float]]] = {
        kind: {key: [] for key in keys} for kind in ("ainvoke", "batch")
    }

    async def ainvoke() -> None:
        for _ in range(count):
            server.reset()
            started = time.perf_counter()
            await asyncio.gather(*(model.ainvoke(PROMPT) for _ in range(size)))
            _record(server, started, out["ainvoke"])

    asyncio.run(ainvoke())
    for _ in range(count):
        server.reset()
        started = time.perf_counter()
        model.batch([PROMPT] * size, config={"max_concurrency": 32})
        _record(server, started, out["batch"])
    return out


async def streams(model: Any, server: ServerProcess, count: int) -> Any:
    """`count` concurrent `astream`, consumed chunk by chunk, after one warm-up
    stream: wall and CPU time, connections, RSS growth."""

    async def consume() -> int:
        chunks = 0
        async for _ in model.astream(PROMPT):
            chunks += 1
        return chunks

    await consume()
    settle()
    before = rss_mb()
    server.reset()
    start, cpu = time.perf_counter(), time.process_time()
    chunks = await asyncio.gather(*(consume() for _ in range(count)))
    wall = (time.perf_counter() - start) * 1000
    cpu = (time.process_time() - cpu) * 1000
    stats = server.stats()
    return {
        "wall_ms": wall,
        "cpu_ms": cpu,
        "chunks": sum(chunks),
        "accepted": stats["accepted"],
        "peak_open": stats["peak"],
        "rss_before_mb": before,
        "rss_peak_mb": rss_mb(peak=True),
        "rss_growth_mb": rss_mb(peak=True) - before,
    }


def first_call(name: str, server: ServerProcess) -> dict[str, float]:
    """Import, construction, first and second `invoke` of a fresh process."""
    start = time.perf_counter()
    if name == "ours":
        import langchain_onerouter  # noqa: F401
    else:
        import langchain_openai  # noqa: F401
    imported = time.perf_counter()
    model = make_model(name, server.base_url(ms=0))
    built = time.perf_counter()
    model.invoke(PROMPT)
    first = time.perf_counter()
    model.invoke(PROMPT)
    return {
        "import_ms": (imported - start) * 1000,
        "construct_ms": (built - imported) * 1000,
        "first_call_ms": (first - built) * 1000,
        "second_call_ms": (time.perf_counter() - first) * 1000,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("bursts", "streams", "first-call"))
    parser.add_argument("--model", required=True, choices=("ours", "openai", "floor"))
    # first-call: ours or openai (floor's imports are langchain-core's)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bursts", type=int, default=3)
    parser.add_argument("--burst-size", type=int, default=200)
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--deltas", type=int, default=100)
    args = parser.parse_args(argv)
    server = ServerProcess(args.port)
    if args.what == "first-call":
        if args.model == "floor":
            parser.error("first-call measures ours or openai")
        result = first_call(args.model, server)
    elif args.what == "bursts":
        model = make_model(args.model, server.base_url(ms=BURST_MS))
        result = bursts(model, server, args.bursts, args.burst_size)
    else:
        model = make_model(args.model, server.base_url(args.deltas, STREAM_MS))
        result = asyncio.run(streams(model, server, args.streams))
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
