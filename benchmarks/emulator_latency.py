"""Latency of the OneRouter emulator on loopback, as JSON.

Each client keeps one connection open and sends `--requests` requests on it
(the first request is timed apart: it pays for the connection). Reports the
median and 90th percentile in milliseconds for non-streamed and streamed
`POST /v1/responses`, through the standard library's `http.client` (a bare
client) and `httpx` (what the package uses).

    python -m benchmarks.emulator_latency --requests 200

The emulator's target: a non-streamed request on a reused connection takes at
most 2 ms (median). Without TCP_NODELAY on the server side, a reply's header
and body writes can meet the client's delayed ACK and take ~40 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from langchain_onerouter.testing import OneRouterEmulator

TARGET_MS = 2.0


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
        "max_ms": round(ordered[-1], 3),
    }


def _timed(send: Callable[[], None], count: int) -> dict[str, Any]:
    started = time.perf_counter()
    send()  # the first request opens the connection
    first = (time.perf_counter() - started) * 1000
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        send()
        samples.append((time.perf_counter() - started) * 1000)
    return {"first_ms": round(first, 3), **_summary(samples)}


def _stdlib(emu: OneRouterEmulator, body: bytes, count: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    headers = {
        "Authorization": f"Bearer {emu.api_key}",
        "Content-Type": "application/json",
    }

    def send() -> None:
        conn.request("POST", "/v1/responses", body=body, headers=headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 200:
            raise RuntimeError(f"HTTP {answer.status}")

    try:
        return _timed(send, count)
    finally:
        conn.close()


def _httpx(emu: OneRouterEmulator, body: bytes, count: int) -> dict[str, Any]:
    headers = {
        "Authorization": f"Bearer {emu.api_key}",
        "Content-Type": "application/json",
    }
    with httpx.Client(base_url=emu.base_url, headers=headers, timeout=10) as client:

        def send() -> None:
            client.post("/responses", content=body).raise_for_status()

        return _timed(send, count)


def run(count: int) -> dict[str, Any]:
    """Every measurement, on one emulator."""
    plain = json.dumps({"model": "o4-mini", "input": "hello there"}).encode()
    streamed = plain[:-1] + b', "stream": true}'
    with OneRouterEmulator(max_recorded=16) as emu:
        result: dict[str, Any] = {
            "requests": count,
            "json": {
                "http.client": _stdlib(emu, plain, count),
                "httpx": _httpx(emu, plain, count),
            },
            "stream": {
                "http.client": _stdlib(emu, streamed, count),
                "httpx": _httpx(emu, streamed, count),
            },
        }
    median = result["json"]["http.client"]["median_ms"]
    result["target"] = {"json_reused_median_ms": TARGET_MS, "met": median <= TARGET_MS}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per measurement")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be from 1 to 10000")
    print(json.dumps(run(args.requests), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
