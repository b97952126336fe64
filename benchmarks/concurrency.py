"""Concurrency worker: one client, in its own process, so its peak RSS is its own.

`python -m benchmarks.concurrency --client ours --port PORT` runs N concurrent
`ainvoke` then M concurrent `astream` on ONE model instance and prints JSON:
wall times, connections the server accepted, RSS before and at peak.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

import orjson


def _peak_rss_mb() -> float:
    """This process's peak RSS. Linux: VmHWM (ru_maxrss would report the
    parent's RSS, inherited through fork+exec)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource

        # Linux reports KiB, macOS bytes.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024
    except ImportError:  # Windows
        import psutil

        return float(psutil.Process().memory_info().peak_wset) / 2**20


def _rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / 2**20


async def _phase(server: Any, calls: list[Any]) -> dict[str, float]:
    server.reset()
    start = time.perf_counter()
    await asyncio.gather(*calls)
    wall = time.perf_counter() - start
    stats = server.stats()
    return {
        "wall_ms": wall * 1000,
        "connections": float(stats["connections"]),
        "peak_open": float(stats["peak_open"]),
        "peak_rss_mb": _peak_rss_mb(),
    }


async def _run(client: Any, server: Any, invokes: int, streams: int) -> dict[str, Any]:
    async def consume() -> int:
        count = 0
        async for _ in client.astream():
            count += 1
        return count

    # The first burst opens the pool; the second is the steady state of a
    # long-lived model instance (the targets use it).
    cold = await _phase(server, [client.ainvoke() for _ in range(invokes)])
    invoke = await _phase(server, [client.ainvoke() for _ in range(invokes)])
    stream = await _phase(server, [consume() for _ in range(streams)])
    await client.aclose()
    return {"ainvoke_cold": cold, "ainvoke": invoke, "astream": stream}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--invokes", type=int, default=200)
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--deltas", type=int, default=2000)
    args = parser.parse_args(argv)

    from benchmarks.clients import make_client
    from benchmarks.server import ServerProcess

    server = ServerProcess()
    server.port = args.port
    client = make_client(args.client, server.base_url(args.deltas), args.deltas)
    before = _rss_mb()
    result = asyncio.run(_run(client, server, args.invokes, args.streams))
    result["rss_before_mb"] = before
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    main()
