"""The invoke target without sockets: the same four clients on `httpx.MockTransport`.

On the loopback server the difference the invoke target is about, ours minus
floor+core (~0.08 ms a call), is smaller than the drift between rounds of
one client (the 2-core machine schedules the client, the server and the
kernel's loopback; per-round means of one client moved by 0.3 ms and more in
the runs of 2026-12-03). Here every client goes through httpx's `Client.send`
to a transport that returns the server's canned bytes at once, so what
differs between ours and floor+core is only our code above httpx's transport
interface: the request body, the client pool, the retry policy, the error
boundary, the response mapping and the chat model glue. The socket part below
that interface is httpcore's, and it is the same for every client.

Ours runs on the clients its pool builds (the model's headers, timeouts and
limits), with the mock as their transport: ours as a user gets it.

    python -m benchmarks.run --quick --only invoke
"""

from __future__ import annotations

import asyncio
import importlib
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.clients import (
    API_KEY,
    PROMPT,
    FloorClient,
    _text,
    make_floor_core,
    make_noop,
)
from benchmarks.server import ANSWER, MODEL, json_bytes

BASE_URL = "https://mock.invalid/v1"  # never resolved: MockTransport answers
NAMES = ("floor", "floor+core", "ours", "core")


def _transport(library: str = "httpx") -> Any:
    """The mock of `library` (the floor's is httpx; ours is on httpx2)."""
    http = importlib.import_module(library)
    body = json_bytes()
    headers = {"content-type": "application/json"}
    return http.MockTransport(
        lambda _: http.Response(200, content=body, headers=headers)
    )


def _models() -> tuple[
    dict[str, Callable[[], str]], dict[str, Callable[[], Awaitable[str]]]
]:
    """invoke and ainvoke of each client, each returning the answer's text."""
    from langchain_onerouter import ChatOneRouterResponses

    transport = _transport()
    floor = FloorClient(BASE_URL, transport=transport)
    ours = ChatOneRouterResponses(model=MODEL, base_url=BASE_URL, api_key=API_KEY)
    # The clients our pool builds (timeouts, limits), on the mock: ours as a
    # user gets it.
    pool = ours._get_transport()._clients
    pool._kwargs = {**pool._kwargs, "transport": _transport("httpx2")}
    floor_core, noop = make_floor_core(floor), make_noop(1)
    sync: dict[str, Callable[[], str]] = {
        "floor": floor.invoke,
        "floor+core": lambda: _text(floor_core.invoke(PROMPT)),
        "ours": lambda: _text(ours.invoke(PROMPT)),
        "core": lambda: _text(noop.invoke(PROMPT)),
    }

    async def ours_ainvoke() -> str:
        return _text(await ours.ainvoke(PROMPT))

    async def floor_core_ainvoke() -> str:
        return _text(await floor_core.ainvoke(PROMPT))

    async def noop_ainvoke() -> str:
        return _text(await noop.ainvoke(PROMPT))

    return sync, {
        "floor": floor.ainvoke,
        "floor+core": floor_core_ainvoke,
        "ours": ours_ainvoke,
        "core": noop_ainvoke,
    }


def _summary(rounds: dict[str, list[float]]) -> dict[str, Any]:
    """Per-client median µs a call, and the invoke ratio of each round."""
    per_round = [
        (ours - floor_core) / core
        for ours, floor_core, core in zip(
            rounds["ours"], rounds["floor+core"], rounds["core"], strict=True
        )
    ]
    return {
        "median_us": {name: statistics.median(v) for name, v in rounds.items()},
        "vs_core": statistics.median(per_round),
        "vs_core_range": (min(per_round), max(per_round)),
        "rounds": len(per_round),
    }


def bench_inprocess(rounds: int, calls: int) -> dict[str, Any]:
    """`rounds` interleaved rounds of `calls` sequential calls per client, sync
    then async: {"invoke": summary, "ainvoke": summary}."""
    sync, asynchronous = _models()
    for name, call in sync.items():
        for _ in range(50):
            if call() != ANSWER:
                raise AssertionError(f"{name} returned different text in-process")
    timed: dict[str, list[float]] = {name: [] for name in NAMES}
    for _ in range(rounds):
        for name, call in sync.items():
            start = time.perf_counter()
            for _ in range(calls):
                call()
            timed[name].append((time.perf_counter() - start) / calls * 1e6)

    async def run() -> dict[str, list[float]]:
        for name, acall in asynchronous.items():
            for _ in range(50):
                if await acall() != ANSWER:
                    raise AssertionError(f"{name} returned different text in-process")
        out: dict[str, list[float]] = {name: [] for name in NAMES}
        for _ in range(rounds):
            for name, acall in asynchronous.items():
                start = time.perf_counter()
                for _ in range(calls):
                    await acall()
                out[name].append((time.perf_counter() - start) / calls * 1e6)
        return out

    return {"invoke": _summary(timed), "ainvoke": _summary(asyncio.run(run()))}
