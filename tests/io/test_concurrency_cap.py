"""The opt-in process-wide cap on requests in flight (`max_concurrent_requests`),
measured server-side, and LangChain's `rate_limiter` at OneRouter's limits."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from langchain_onerouter import OneRouterEmbeddings, OneRouterRerank
from langchain_onerouter._http import concurrency
from langchain_onerouter._http.concurrency import ConcurrencyCap
from tests.support.modes import KEY, final_body, served_model
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer


class SlowServer(ScriptedServer):
    """Answers every request after `delay` seconds, counting how many it
    holds at once (`peak`): the in-flight maximum, as the server sees it."""

    def __init__(self, delay: float) -> None:
        super().__init__(self._answer)
        self.delay = delay
        self.now = self.peak = 0
        self._count = threading.Lock()

    def _answer(self, request: Recorded) -> RawReply:
        with self._count:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            time.sleep(self.delay)
        finally:
            with self._count:
                self.now -= 1
        if request.path.endswith("/embeddings"):
            data = [{"index": 0, "embedding": [0.5, 0.5]}]
            return RawReply(body={"object": "list", "data": data, "model": "e"})
        if request.path.endswith("/rerank"):
            return RawReply(body={"results": [{"index": 0, "relevance_score": 0.9}]})
        return RawReply(body=final_body("ok"))


@pytest.fixture(autouse=True)
def _fresh_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(concurrency, "_CAPS", {})


def test_a_100_task_abatch_never_has_more_than_30_in_flight() -> None:
    server = SlowServer(delay=0.2)
    with server:
        llm = served_model(server, max_concurrent_requests=30)
        answers = asyncio.run(llm.abatch([f"q{i}" for i in range(100)]))
        assert [a.text for a in answers] == ["ok"] * 100
        assert 20 <= server.peak <= 30  # the cap is the bound, and it is used

        uncapped = served_model(server)
        server.peak = 0
        asyncio.run(uncapped.abatch([f"q{i}" for i in range(100)]))
        assert server.peak > 30  # the server can see more: the cap did the work


def test_chat_embeddings_and_rerank_share_one_cap_across_threads_and_loops() -> None:
    server = SlowServer(delay=0.1)
    with server:
        common: dict[str, Any] = {
            "base_url": server.base_url,
            "api_key": KEY,
            "max_concurrent_requests": 4,
        }
        llm = served_model(server, max_concurrent_requests=4)
        emb = OneRouterEmbeddings(model="e", **common)
        rr = OneRouterRerank(model="r", **common)

        async def loop_calls() -> None:
            await asyncio.gather(
                *(emb.aembed_query(f"t{i}") for i in range(6)),
                *(rr.arerank(["d"], "q") for _ in range(6)),
            )

        with ThreadPoolExecutor(8) as pool:
            futures: list[Any] = [pool.submit(llm.invoke, f"s{i}") for i in range(6)]
            futures += [pool.submit(asyncio.run, loop_calls()) for _ in range(2)]
            for future in futures:
                future.result(timeout=60)
        assert 2 <= server.peak <= 4


def test_another_key_or_base_url_has_its_own_cap() -> None:
    shared = concurrency.cap_for("k1", "http://a/v1", 30)
    assert concurrency.cap_for("k1", "http://a/v1/", 30) is shared
    assert concurrency.cap_for("k2", "http://a/v1", 30) is not shared
    assert concurrency.cap_for("k1", "http://b/v1", 30) is not shared
    assert concurrency.cap_for("k1", "http://a/v1", 10) is shared
    assert shared.limit == 10  # the smallest asked for


def test_a_cancelled_waiter_passes_its_slot_on() -> None:
    cap = ConcurrencyCap(1)

    async def main() -> list[str]:
        done: list[str] = []
        release = asyncio.Event()

        async def hold(name: str, wait: bool) -> None:
            async with cap.aslot():
                if wait:
                    await release.wait()
                done.append(name)

        first = asyncio.create_task(hold("first", True))
        await asyncio.sleep(0)
        queued = asyncio.create_task(hold("cancelled", False))
        last = asyncio.create_task(hold("last", False))
        await asyncio.sleep(0)
        queued.cancel()
        release.set()
        await asyncio.wait_for(asyncio.gather(first, last), 5)
        return done

    assert asyncio.run(main()) == ["first", "last"]
    assert cap.in_flight == 0


def test_rate_limiter_at_onerouters_600_per_minute_spaces_the_calls() -> None:
    from langchain_core.rate_limiters import InMemoryRateLimiter

    # 600 requests/minute is 10 a second; a bucket of 1 allows no burst.
    limiter = InMemoryRateLimiter(
        requests_per_second=10, check_every_n_seconds=0.01, max_bucket_size=1
    )
    with ScriptedServer(lambda r: RawReply(body=final_body("ok"))) as server:
        llm = served_model(server, rate_limiter=limiter, max_concurrent_requests=30)
        started = time.monotonic()
        for i in range(6):
            llm.invoke(f"q{i}")
        elapsed = time.monotonic() - started
    assert elapsed >= 0.45  # 6 calls at 10/s: at least 5 gaps of 0.1 s
