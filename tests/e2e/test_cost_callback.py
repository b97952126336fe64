"""`get_onerouter_cost()` totals tokens and cost over chains and agent runs,
sync and async, across threads, on the emulator (real sockets)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from langchain_core.messages import AIMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_onerouter import (
    ChatOneRouterResponses,
    OneRouterCostCallbackHandler,
    get_onerouter_cost,
)
from tests.support.tools import get_weather, to_fahrenheit

testing = pytest.importorskip("langchain_onerouter.testing")
pytest.importorskip("langchain.agents")

MODEL = "openai/gpt-5.4"
FALLBACK = "anthropic/claude-sonnet-4.5"
PRICES = {MODEL: (1.25, 10.0), FALLBACK: (3.0, 15.0)}  # the emulator's catalog


@pytest.fixture
def emu(onerouter_emulator: Any) -> Any:
    """The session's emulator (the package's pytest plugin), reset per test."""
    return onerouter_emulator


def llm(emu: Any, **kw: Any) -> ChatOneRouterResponses:
    kw.setdefault("usage_accounting", True)
    return ChatOneRouterResponses(
        model=MODEL, base_url=emu.base_url, api_key=emu.api_key, max_retries=0, **kw
    )


def priced(message: AIMessage) -> float:
    """The cost of one call at catalog prices, from its own token counts."""
    usage = message.usage_metadata or {}
    prompt, completion = PRICES[message.response_metadata["model_name"]]
    return (usage["input_tokens"] * prompt + usage["output_tokens"] * completion) / 1e6


def script_two_tool_run(emu: Any) -> None:
    emu.push(
        testing.Reply(tool_calls=[testing.ToolCall("get_weather", {"city": "Oslo"})]),
        testing.Reply(tool_calls=[testing.ToolCall("to_fahrenheit", {"celsius": 21})]),
        testing.Reply(text="It is 21C (69.8F) and sunny in Oslo."),
    )


def agent(model: ChatOneRouterResponses) -> Any:
    from langchain.agents import create_agent

    return create_agent(model, tools=[get_weather, to_fahrenheit])


def check_totals(cost: OneRouterCostCallbackHandler, state: dict[str, Any]) -> None:
    replies = [m for m in state["messages"] if isinstance(m, AIMessage)]
    assert len(replies) == 3
    assert [len(m.tool_calls) for m in replies] == [1, 1, 0]
    assert cost.successful_requests == 3
    assert cost.calls_without_cost == 0
    assert cost.total_tokens == sum(m.usage_metadata["total_tokens"] for m in replies)  # type: ignore[index]
    assert cost.input_tokens == sum(m.usage_metadata["input_tokens"] for m in replies)  # type: ignore[index]
    assert cost.total_cost == pytest.approx(sum(priced(m) for m in replies))
    assert cost.total_cost > 0
    # the later turns read the earlier ones: the totals are not three equal calls
    assert len({m.usage_metadata["input_tokens"] for m in replies}) == 3  # type: ignore[index]


def test_two_tool_agent_run_is_totalled(emu: Any) -> None:
    script_two_tool_run(emu)
    with get_onerouter_cost() as cost:
        state = agent(llm(emu)).invoke(
            {"messages": [("user", "Weather in Oslo in F?")]}
        )
    check_totals(cost, state)
    assert cost.by_model[MODEL]["calls"] == 3
    assert "Total cost" in repr(cost)


def test_two_tool_agent_run_is_totalled_async_and_streamed(emu: Any) -> None:
    script_two_tool_run(emu)

    async def run() -> tuple[OneRouterCostCallbackHandler, dict[str, Any]]:
        with get_onerouter_cost() as cost:
            state: dict[str, Any] = {}
            async for step in agent(llm(emu, streaming=True)).astream(
                {"messages": [("user", "Weather in Oslo in F?")]},
                stream_mode="values",
            ):
                state = step
        return cost, state

    cost, state = asyncio.run(run())
    check_totals(cost, state)


def test_a_chain_and_batch_and_calls_outside_are_not_counted(emu: Any) -> None:
    model = llm(emu)
    chain = ChatPromptTemplate.from_messages([("human", "{q}")]) | model
    model.invoke("outside the block")
    with get_onerouter_cost() as cost:
        first = chain.invoke({"q": "one two"})
        many = chain.batch([{"q": "a"}, {"q": "b c"}, {"q": "d e f"}])
    model.invoke("after the block")
    assert cost.successful_requests == 4
    assert cost.total_cost == pytest.approx(
        sum(m.response_metadata["cost"] for m in [first, *many])
    )


def test_calls_without_usage_accounting_are_counted_as_such(emu: Any) -> None:
    with get_onerouter_cost() as cost:
        llm(emu, usage_accounting=False).invoke("no cost here")
        llm(emu).invoke("priced")
    assert cost.successful_requests == 2
    assert cost.calls_without_cost == 1
    assert cost.total_tokens > 0


def test_fallbacks_are_counted_per_served_model(emu: Any) -> None:
    emu.fail_model(MODEL)
    with get_onerouter_cost() as cost:
        msg = llm(emu, fallback_models=[FALLBACK]).invoke("hi")
    assert cost.fallbacks == 1
    assert list(cost.by_model) == [FALLBACK]
    assert cost.by_model[FALLBACK]["cost"] == pytest.approx(priced(msg))


def test_nested_blocks_and_threads(emu: Any) -> None:
    model = llm(emu)
    chain = model | StrOutputParser()
    with get_onerouter_cost() as outer:
        alone = model.invoke("outer call")
        with get_onerouter_cost() as inner:
            chain.batch([f"call {i}" for i in range(6)], config={"max_concurrency": 6})
    assert inner.successful_requests == 6
    assert outer.successful_requests == 7
    assert outer.total_cost == pytest.approx(inner.total_cost + priced(alone))
    assert inner.total_cost > 0


def test_one_handler_shared_by_many_threads_loses_nothing(emu: Any) -> None:
    handler = OneRouterCostCallbackHandler()
    model = llm(emu)
    results: list[AIMessage] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        msg = model.invoke(f"thread {i} says hi", config={"callbacks": [handler]})
        with lock:
            results.append(msg)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 8
    assert handler.successful_requests == 8
    assert handler.total_cost == pytest.approx(sum(priced(m) for m in results))
