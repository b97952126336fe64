"""A used model shipped through Ray: passed to 8 Ray tasks and held by a Ray
actor serving 200 calls, against the emulator on 127.0.0.1. Each call carries
its own token, which the emulator echoes (`You said: <message>`), so a crossed
answer fails. Slow, and skipped without the `ray` extra:

    pip install -e ".[ray]" -c constraints.txt
    pytest -m slow tests/e2e/test_ray.py -s
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.testing import OneRouterEmulator

ray = pytest.importorskip("ray")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TASKS = 8
CALLS_PER_TASK = 5
ACTOR_CALLS = 200
WAIT = 120  # seconds any ray.get may take before the test fails


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 1024 * 1024,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def used_model(cluster: None) -> Iterator[tuple[ChatOneRouterResponses, int]]:
    with OneRouterEmulator() as emu:
        llm = ChatOneRouterResponses(
            model="o4-mini", base_url=emu.base_url, api_key=emu.api_key, timeout=30
        )
        assert llm.invoke("warm up").text == "You said: warm up"  # now holds a pool
        yield llm, int(emu.base_url.split(":")[-1].split("/")[0])


def _token(who: str) -> str:
    return f"{who}-{uuid.uuid4().hex}"


def test_a_used_model_passed_to_ray_tasks_answers_each_caller(
    used_model: tuple[ChatOneRouterResponses, int],
) -> None:
    llm, _port = used_model

    @ray.remote(num_cpus=0.25, max_retries=0)
    def ask(model: ChatOneRouterResponses, tokens: list[str]) -> dict[str, Any]:
        arrived_without_pool = model._transport is None
        answers = [model.invoke(t).text for t in tokens]
        return {"pid": os.getpid(), "fresh": arrived_without_pool, "answers": answers}

    sent = [[_token(f"task{i}") for _ in range(CALLS_PER_TASK)] for i in range(TASKS)]
    started = time.monotonic()
    results = ray.get([ask.remote(llm, tokens) for tokens in sent], timeout=WAIT)
    seconds = time.monotonic() - started

    for tokens, result in zip(sent, results, strict=True):
        assert result["answers"] == [f"You said: {t}" for t in tokens]
        assert result["fresh"], "the model arrived holding the driver's pool"
        assert result["pid"] != os.getpid()
    # The driver's model is untouched and keeps working.
    assert llm.invoke("still here").text == "You said: still here"
    print(
        f"\nray tasks: {TASKS} tasks x {CALLS_PER_TASK} calls = "
        f"{TASKS * CALLS_PER_TASK} calls in {seconds:.1f} s, "
        f"{len({r['pid'] for r in results})} worker processes"
    )


def test_a_ray_actor_holding_a_used_model_serves_200_calls(
    used_model: tuple[ChatOneRouterResponses, int],
) -> None:
    llm, port = used_model

    @ray.remote(num_cpus=0.25, max_concurrency=8, max_restarts=0)
    class Assistant:
        def __init__(self, model: ChatOneRouterResponses) -> None:
            self.model = model
            self.fresh = model._transport is None

        def ask(self, token: str) -> tuple[str, str]:
            return token, self.model.invoke(token).text

        def state(self) -> dict[str, Any]:
            import psutil

            sockets = [
                c
                for c in psutil.Process().net_connections(kind="tcp")
                if c.raddr and c.raddr.port == port
            ]
            return {"pid": os.getpid(), "fresh": self.fresh, "sockets": len(sockets)}

    actor = Assistant.remote(llm)
    try:
        sent = [_token(f"actor{i}") for i in range(ACTOR_CALLS)]
        started = time.monotonic()
        replies = ray.get([actor.ask.remote(t) for t in sent], timeout=WAIT)
        seconds = time.monotonic() - started
        state = ray.get(actor.state.remote(), timeout=WAIT)
    finally:
        ray.kill(actor)

    assert replies == [(t, f"You said: {t}") for t in sent]
    assert state["fresh"], "the actor's model arrived holding the driver's pool"
    assert state["pid"] != os.getpid()
    # Pooled: at most one connection per concurrent call, not one per call.
    assert 1 <= state["sockets"] <= 8, state
    assert llm.invoke("still here").text == "You said: still here"
    print(
        f"\nray actor: {ACTOR_CALLS} calls (max_concurrency=8) in {seconds:.1f} s, "
        f"{state['sockets']} sockets open to the emulator at the end"
    )
