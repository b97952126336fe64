"""The fault soak driven through LangGraph's server: 2,000 runs (half with a
streaming model), ~5% injected faults (tests/support/soak.py's
FaultyBackend), max_retries=3. Every run must end in the outcome its faults
dictate (the echoed token, or the typed error's class name as the server
reports it), within a bound; the server's RSS and its sockets to the
backend must stay flat. Each run's thread is deleted after it (the in-memory
runtime keeps every thread otherwise: +41% RSS over 2,000 runs measured).

    pytest -m slow tests/e2e/test_langgraph_soak.py -s   # prints the table
    SOAK_RUNS=500 pytest -m slow tests/e2e/test_langgraph_soak.py -s
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.support.langgraph_server import langgraph_dev, require_server
from tests.support.modes import KEY
from tests.support.scripted_server import ScriptedServer
from tests.support.soak import FaultyBackend, expected_outcome

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]

RUNS = int(os.environ.get("SOAK_RUNS", "2000"))
CONCURRENCY = 20
RUN_BOUND = 90.0  # seconds: 4 attempts x 3 s read timeout + waits, with slack
MAX_RETRIES = 3

GRAPH = """
import httpx2
from langchain.agents import create_agent
from langchain_onerouter import ChatOneRouterResponses


def _agent(streaming):
    model = ChatOneRouterResponses(
        model="o4-mini",
        max_retries={max_retries},
        timeout=httpx2.Timeout(30, read=3, connect=5),
        streaming=streaming,
    )
    return create_agent(model, tools=[])


invoke_agent = _agent(False)
stream_agent = _agent(True)
"""


def _server_process(pid: int) -> Any:
    import psutil

    return psutil.Process(pid)


def _probe(proc: Any, port: int) -> tuple[int, int]:
    """(RSS bytes, sockets to the backend) of the server and its children."""
    rss, sockets = 0, 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            rss += p.memory_info().rss
            sockets += sum(
                1
                for c in p.net_connections(kind="tcp")
                if c.raddr and c.raddr.port == port
            )
        except Exception:  # a child that just exited
            continue
    return rss, sockets


def test_soak_through_the_langgraph_server(tmp_path: Path) -> None:
    require_server()
    pytest.importorskip("psutil")
    (tmp_path / "soak_graph.py").write_text(GRAPH.format(max_retries=MAX_RETRIES))
    (tmp_path / "langgraph.json").write_text(
        '{"dependencies": ["."], "graphs": {'
        '"invoke": "./soak_graph.py:invoke_agent", '
        '"stream": "./soak_graph.py:stream_agent"}}'
    )
    backend = FaultyBackend(0.05, seed=16)
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    hung = 0
    slowest = 0.0
    figures: dict[str, Any] = {}

    with ScriptedServer(backend, keep_requests=False) as scripted:
        port = int(scripted.base_url.split(":")[-1].split("/")[0])
        env = {"ONEROUTER_BASE_URL": scripted.base_url, "ONEROUTER_API_KEY": KEY}
        with langgraph_dev(tmp_path, env) as (url, pid):
            proc = _server_process(pid)
            from langgraph_sdk import get_client

            client = get_client(url=url, timeout=RUN_BOUND)
            gate = asyncio.Semaphore(CONCURRENCY)

            async def one(index: int) -> None:
                nonlocal hung, slowest
                graph = "stream" if index % 2 else "invoke"
                token = f"g{index}x{secrets.token_hex(4)}"
                thread = None
                async with gate:
                    started = time.monotonic()
                    try:
                        thread = await client.threads.create()
                        result = await asyncio.wait_for(
                            client.runs.wait(
                                thread["thread_id"],
                                graph,
                                input={"messages": [("user", f"soak run {token}")]},
                            ),
                            RUN_BOUND,
                        )
                        last = result["messages"][-1]
                        text = last["content"]
                        if isinstance(text, list):
                            text = "".join(b.get("text", "") for b in text)
                        got = "ok" if text == f"echo {token}" else f"mixed:{text!r}"
                    except TimeoutError:
                        hung += 1
                        return
                    except Exception as exc:  # the SDK raises "Name: message"
                        got = str(exc).split(":", 1)[0]
                    # The in-memory runtime keeps every thread it has served;
                    # delete ours, so RSS measures the model, not that store.
                    if thread is not None:
                        await client.threads.delete(thread["thread_id"])
                slowest = max(slowest, time.monotonic() - started)
                decisions = backend.take(token)
                want = expected_outcome(decisions, graph == "stream", MAX_RETRIES)
                outcomes[got] += 1
                if got != want:
                    wrong.append(f"{token}: {decisions} -> {got}, expected {want}")

            async def main() -> None:
                warm = min(200, RUNS // 5)
                await asyncio.gather(*(one(i) for i in range(warm)))
                figures["rss_warm"], figures["sockets_warm"] = _probe(proc, port)
                peak = 0

                async def probe() -> None:
                    nonlocal peak
                    while True:
                        peak = max(peak, _probe(proc, port)[1])
                        await asyncio.sleep(0.5)

                prober = asyncio.create_task(probe())
                started = time.monotonic()
                await asyncio.gather(*(one(i) for i in range(warm, RUNS)))
                figures["seconds"] = time.monotonic() - started
                prober.cancel()
                figures["rss_end"], figures["sockets_end"] = _probe(proc, port)
                figures["sockets_peak"] = peak

            asyncio.run(main())

    growth = (figures["rss_end"] - figures["rss_warm"]) / figures["rss_warm"]
    faults = sum(backend.faults.values())
    print(
        f"\nLangGraph server soak: {RUNS} runs (half streaming), concurrency "
        f"{CONCURRENCY}, {backend.attempts} HTTP attempts, {faults} faults "
        f"({faults / max(backend.attempts, 1):.1%}: {dict(backend.faults)})\n"
        f"outcomes {dict(outcomes)}; wrong {len(wrong)}; hung {hung}; slowest "
        f"{slowest:.1f} s; {figures['seconds']:.0f} s after warm-up\n"
        f"server RSS {figures['rss_warm'] / 2**20:.0f} -> "
        f"{figures['rss_end'] / 2**20:.0f} MiB ({growth:+.1%}); sockets to the "
        f"backend {figures['sockets_warm']} after warm-up, peak "
        f"{figures['sockets_peak']}, {figures['sockets_end']} at the end"
    )
    assert hung == 0
    assert wrong == [], wrong[:5]
    assert growth < 0.10
    assert figures["sockets_end"] <= 100  # bounded by the pool, never growing
