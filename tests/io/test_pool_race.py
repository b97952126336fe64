"""The pool's invariants under concurrency, counted on a real loopback server:

- no connection is closed under a pending request (with no retries, that
  would fail the call: `ReadError`, `[Errno 9] Bad file descriptor`, or a
  hang until the read timeout), and each request is sent once;
- no answer crosses: every call gets the answer to its own request;
- connections are bounded by the pool (100), and bursts after the first
  reuse them (keep-alive is the whole pool).

The long reproduction (64 threads, 6,000 calls) is `slow`
(`pytest -m slow tests/io/test_pool_race.py`).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._http.transport import DEFAULT_LIMITS
from tests.support.modes import echo_reply, served_model
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer

POOL = DEFAULT_LIMITS.max_connections


def _slow_echo(request: Recorded) -> RawReply:
    time.sleep(0.005)  # keeps many requests in flight at once
    return echo_reply(request)


def _threads(llm: ChatOneRouterResponses, calls: int, threads: int) -> list[str]:
    """`calls` invokes from `threads` threads; each problem as text."""
    failures: list[str] = []
    lock = threading.Lock()

    def call(i: int) -> None:
        try:
            text = llm.invoke(f"race-{i}").text
            problem = "" if text == f"echo race-{i}" else f"wrong answer {text!r}"
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            with lock:
                failures.append(problem)

    with ThreadPoolExecutor(threads) as executor:
        list(executor.map(call, range(calls)))
    return failures


def test_threads_on_one_client_never_fail_cross_or_exceed_the_pool() -> None:
    with ScriptedServer(_slow_echo, keep_requests=False) as server:
        llm = served_model(server)
        counted = _counting(server)
        failures = _threads(llm, calls=512, threads=POOL + 28)  # some must queue
        llm._get_transport().close()
    assert failures == []
    assert counted() == 512  # each request sent once: none lost and resent
    assert 50 < server.max_open <= POOL


async def test_three_bursts_of_200_ainvoke_reuse_the_pool() -> None:
    """Keep-alive is the whole pool: once warm, a burst opens (about) none."""
    with ScriptedServer(echo_reply, keep_requests=False) as server:
        llm = served_model(server)
        opened = []
        for burst in range(3):
            before = server.connections
            answers = await asyncio.gather(
                *(llm.ainvoke(f"b{burst}-{i}") for i in range(200))
            )
            assert [m.text for m in answers] == [
                f"echo b{burst}-{i}" for i in range(200)
            ]
            opened.append(server.connections - before)
        await llm._get_transport().aclose()
    assert 0 < opened[0] <= POOL
    assert opened[1] + opened[2] <= 5, opened
    assert server.max_open <= POOL


def _counting(server: ScriptedServer) -> Callable[[], int]:
    """Count the requests `server` receives (its responder wrapped)."""
    count = [0]
    lock = threading.Lock()
    responder = server.responder
    assert responder is not None

    def counted(request: Recorded) -> RawReply:
        with lock:
            count[0] += 1
        return responder(request)

    server.responder = counted
    return lambda: count[0]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_64_threads_on_one_client_never_fail_or_hang() -> None:
    """Bounded: 64 threads, 6,000 calls, 10 s read timeout, 0 retries."""
    with ScriptedServer(_slow_echo, keep_requests=False) as server:
        llm = served_model(server)
        failures = _threads(llm, calls=6000, threads=64)
        llm._get_transport().close()
    assert failures == []
    assert server.max_open <= POOL
