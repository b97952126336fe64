"""examples/langgraph_server (examples/tool_agent.py's agent) served by LangGraph's own server (in-memory
runtime) against the emulator, driven by langgraph-sdk: threads, streamed
runs, 50 concurrent runs, a cancelled run, a failing run. Skipped without
the `server` extra."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.langgraph_server import EXAMPLE, langgraph_dev, require_server

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    require_server()
    from langchain_onerouter.testing import OneRouterEmulator

    # A copy: the in-memory runtime writes its state files beside the config.
    root = tmp_path_factory.mktemp("examples")
    shutil.copytree(EXAMPLE, root / EXAMPLE.name)
    shutil.copy(EXAMPLE.parent / "tool_agent.py", root / "tool_agent.py")
    with OneRouterEmulator() as emu:
        with langgraph_dev(root / EXAMPLE.name, emu.env()) as (url, _pid):
            yield url, emu


@pytest.fixture
def sdk(served: tuple[str, Any]) -> Any:
    from langgraph_sdk import get_client

    return get_client(url=served[0])


def _ask(city: str) -> dict[str, Any]:
    return {"messages": [{"role": "user", "content": f'Weather in "{city}"?'}]}


def _check_answer(messages: list[dict[str, Any]], city: str) -> None:
    """The agent called get_weather for `city` and reported its result."""
    calls = [c for m in messages if m["type"] == "ai" for c in m.get("tool_calls", [])]
    assert [c["name"] for c in calls] == ["get_weather"]
    assert city in json.dumps(calls[0]["args"])
    tool = next(m for m in messages if m["type"] == "tool")
    assert tool["content"] == f"It is 21°C and sunny in {calls[0]['args']['city']}."
    final = messages[-1]
    text = "".join(
        b.get("text", "") if isinstance(b, dict) else str(b)
        for b in (
            final["content"]
            if isinstance(final["content"], list)
            else [final["content"]]
        )
    )
    assert final["type"] == "ai"
    assert text == f"Tool results: get_weather returned {tool['content']}"


async def test_a_thread_and_a_streamed_run(sdk: Any) -> None:
    client = sdk
    thread = await client.threads.create()
    events = []
    async for part in client.runs.stream(
        thread["thread_id"], "agent", input=_ask("Oslo"), stream_mode="updates"
    ):
        events.append(part.event)
    assert "updates" in events and "error" not in events
    state = await client.threads.get_state(thread["thread_id"])
    _check_answer(state["values"]["messages"], "Oslo")


async def test_50_concurrent_runs_each_get_their_own_answer(sdk: Any) -> None:
    client = sdk

    async def one(i: int) -> None:
        thread = await client.threads.create()
        result = await client.runs.wait(
            thread["thread_id"], "agent", input=_ask(f"City{i}")
        )
        _check_answer(result["messages"], f"City{i}")

    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(50))), 240)


async def test_a_cancelled_run_stops_and_the_thread_still_works(
    sdk: Any, served: tuple[str, Any]
) -> None:
    client, emu = sdk, served[1]
    thread = await client.threads.create()
    emu.latency = 5.0
    try:
        run = await client.runs.create(thread["thread_id"], "agent", input=_ask("Rome"))
        await asyncio.sleep(1.0)
        await client.runs.cancel(thread["thread_id"], run["run_id"], wait=True)
    finally:
        emu.latency = 0.0
    status = (await client.runs.get(thread["thread_id"], run["run_id"]))["status"]
    assert status == "interrupted"
    result = await client.runs.wait(thread["thread_id"], "agent", input=_ask("Rome"))
    _check_answer(result["messages"][-4:], "Rome")


async def test_a_failing_call_ends_the_run_with_the_typed_error(
    sdk: Any, served: tuple[str, Any]
) -> None:
    client, emu = sdk, served[1]
    thread = await client.threads.create()
    emu.fail_next(status=400, message="bad request, scripted")
    # The server keeps the error's class; its message stays server-side.
    with pytest.raises(Exception, match="BadRequestError"):
        await client.runs.wait(thread["thread_id"], "agent", input=_ask("Lima"))
    runs = await client.runs.list(thread["thread_id"])
    assert [r["status"] for r in runs] == ["error"]
