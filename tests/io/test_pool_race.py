"""64 threads on one sync client: no `[Errno 9] Bad file descriptor` and no
hang until the read timeout (httpcore 1.0.9 closed connections under pending
requests: encode/httpcore#1110, #1000; httpcore2 fixed it upstream).

The bounded reproduction over real sockets is `slow`
(`pytest -m slow tests/io/test_pool_race.py`).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from langchain_onerouter import ChatOneRouterResponses
from tests.support.modes import KEY, final_body
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer


def _slow_echo(request: Recorded) -> RawReply:
    # 5 ms per answer keeps ~60 requests in flight: more connections than
    # the 20 kept alive, so every release trims the pool.
    time.sleep(0.005)
    token = request.json()["input"][0]["content"][0]["text"]
    return RawReply(body=final_body(f"echo {token}"))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_64_threads_on_one_client_never_fail_or_hang() -> None:
    """Bounded: 64 threads, 6,000 calls, 10 s read timeout, 0 retries, the
    default limits (100 connections, 20 kept alive)."""
    calls = 6000
    with ScriptedServer(_slow_echo, keep_requests=False) as server:
        llm = ChatOneRouterResponses(
            model="o4-mini",
            base_url=server.base_url,
            api_key=KEY,
            max_retries=0,
            timeout=10,
        )
        failures: list[str] = []
        lock = threading.Lock()

        def call(i: int) -> None:
            try:
                text = llm.invoke(f"race-{i}").text
                ok = text == f"echo race-{i}"
                problem = "" if ok else f"wrong answer {text!r}"
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                with lock:
                    failures.append(problem)

        with ThreadPoolExecutor(64) as executor:
            list(executor.map(call, range(calls)))
        llm._get_transport().close()
    assert failures == []
