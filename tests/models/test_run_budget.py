"""`get_onerouter_cost(budget=...)`: once the finished calls cost more than
the budget, the next call raises `BudgetExceededError` before sending; sync,
async, streamed, across threads, and in a `create_agent` tool loop."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import warnings
from typing import Any

import pytest
from langchain_core.tools import tool

from langchain_onerouter import (
    BudgetExceededError,
    ChatOneRouterResponses,
    OneRouterCostCallbackHandler,
    get_onerouter_cost,
)
from langchain_onerouter.testing import OneRouterEmulator, Reply, ToolCall
from tests.support.emulator import module_emulator
from tests.support.modes import MODES, call

emu, _fresh = module_emulator()
CALL_COST = 0.03


def costly(cost: float = CALL_COST, **reply: Any) -> Reply:
    """A scripted reply whose usage carries OneRouter's `cost`."""
    usage = {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15, "cost": cost}
    return Reply(usage=usage, **{"text": "ok", **reply})


def model(emu: OneRouterEmulator, **kw: Any) -> ChatOneRouterResponses:
    settings: dict[str, Any] = {"usage_accounting": True, "max_retries": 0, **kw}
    return ChatOneRouterResponses(
        model="openai/gpt-5.4", base_url=emu.base_url, api_key=emu.api_key, **settings
    )


def posts(emu: OneRouterEmulator) -> int:
    return sum(r.path.endswith("/responses") for r in emu.requests)


@pytest.mark.parametrize("mode", MODES)
async def test_the_call_after_the_budget_is_spent_is_refused(
    emu: OneRouterEmulator, mode: str
) -> None:
    emu.push(costly(), costly(), costly())
    llm = model(emu)
    with get_onerouter_cost(budget=0.05) as spent:
        first = await call(llm, mode)
        second = await call(llm, mode)  # $0.03 spent: under the budget
        third = await call(llm, mode)  # $0.06 spent: over it
    assert first.final().text == second.final().text == "ok"
    assert isinstance(third.error, BudgetExceededError)
    assert third.error.cost == pytest.approx(0.06) and third.error.limit == 0.05
    assert "$0.06" in str(third.error) and "budget of $0.05" in str(third.error)
    assert posts(emu) == 2
    assert spent.total_cost == pytest.approx(0.06)
    emu.push(costly())
    assert llm.invoke("outside the block").text == "ok"  # the budget was the block's


def test_without_a_budget_nothing_is_refused(emu: OneRouterEmulator) -> None:
    emu.push(*(costly(cost=1.0) for _ in range(3)))
    llm = model(emu)
    with get_onerouter_cost() as spent:
        for _ in range(3):
            llm.invoke("hi")
    assert spent.total_cost == pytest.approx(3.0)
    assert spent.raise_error is False  # a handler without budget never raises


def test_an_outer_budget_holds_inside_an_inner_block(emu: OneRouterEmulator) -> None:
    emu.push(costly(cost=0.2), costly(cost=0.2))
    llm = model(emu)
    with get_onerouter_cost(budget=0.1) as outer:
        llm.invoke("one")
        with get_onerouter_cost() as inner, pytest.raises(BudgetExceededError):
            llm.invoke("two")
    assert inner.successful_requests == 0 and outer.total_cost == pytest.approx(0.2)
    assert posts(emu) == 1


def test_an_explicit_handler_with_a_budget(emu: OneRouterEmulator) -> None:
    emu.push(costly(cost=0.5))
    handler = OneRouterCostCallbackHandler(budget=0.4)
    llm = model(emu)
    llm.invoke("hi", config={"callbacks": [handler]})
    with pytest.raises(BudgetExceededError):
        llm.invoke("hi", config={"callbacks": [handler]})
    assert posts(emu) == 1


def test_threads_stop_once_the_budget_is_spent(emu: OneRouterEmulator) -> None:
    emu.push(*(costly(cost=0.01) for _ in range(60)))
    llm = model(emu)
    refused: list[BaseException] = []
    threads = 6

    def worker() -> None:
        for _ in range(20):  # bounded: far more than the budget allows
            try:
                llm.invoke("hi")
            except BudgetExceededError as err:
                refused.append(err)
                return

    with get_onerouter_cost(budget=0.1) as spent:
        # a plain thread sees the block through a copy of the context
        pool = [
            threading.Thread(target=contextvars.copy_context().run, args=(worker,))
            for _ in range(threads)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(timeout=60)
    assert len(refused) == threads  # every worker was stopped
    sent = posts(emu)
    # 11 calls reach $0.11; each other thread may have one call in flight then
    assert 11 <= sent <= 11 + threads - 1
    assert spent.successful_requests == sent
    assert spent.total_cost == pytest.approx(0.01 * sent)


def test_a_call_without_a_cost_warns_once(emu: OneRouterEmulator) -> None:
    emu.push(Reply(text="a"), Reply(text="b"))
    llm = model(emu, usage_accounting=False)
    with (
        get_onerouter_cost(budget=1.0) as spent,
        pytest.warns(UserWarning, match="usage_accounting") as caught,
    ):
        llm.invoke("hi")
        llm.invoke("hi")
    assert len([w for w in caught if "budget" in str(w.message)]) == 1
    assert spent.calls_without_cost == 2


@pytest.mark.parametrize("bad", [0, -0.5, float("nan"), "1"])
def test_a_bad_budget_is_a_clear_error(bad: Any) -> None:
    with (
        pytest.raises(ValueError, match="budget must be a number of USD"),
        get_onerouter_cost(budget=bad),
    ):
        pass


# -- a runaway agent loop ------------------------------------------------------------
def _agent_tools(ran: list[str]) -> list[Any]:
    @tool
    def lookup(topic: str) -> str:
        """Look a topic up."""
        ran.append(f"lookup:{topic}")
        return f"notes on {topic}"

    @tool
    def summarize(text: str) -> str:
        """Summarize a text."""
        ran.append("summarize")
        return text[:20]

    return [lookup, summarize]


def _script_runaway_loop(emu: OneRouterEmulator) -> None:
    """A model that would call its two tools forever, each call costing $0.03."""
    for n in range(10):
        emu.push(
            costly(text=None, tool_calls=[ToolCall("lookup", {"topic": f"t{n}"})]),
            costly(text=None, tool_calls=[ToolCall("summarize", {"text": f"x{n}"})]),
        )


def test_a_two_tool_agent_loop_stops_with_the_typed_error(
    emu: OneRouterEmulator,
) -> None:
    from langchain.agents import create_agent

    _script_runaway_loop(emu)
    ran: list[str] = []
    agent = create_agent(model(emu), tools=_agent_tools(ran))
    with (
        warnings.catch_warnings(),
        get_onerouter_cost(budget=0.1) as spent,
        pytest.raises(BudgetExceededError) as err,
    ):
        warnings.simplefilter("error", UserWarning)  # every call carried a cost
        agent.invoke({"messages": [("user", "research t forever")]})
    # $0.03 a call: the 4th finished call passes $0.10, the 5th is refused
    assert posts(emu) == 4
    assert ran == ["lookup:t0", "summarize", "lookup:t1", "summarize"]
    assert spent.total_cost == pytest.approx(0.12)
    assert err.value.limit == 0.1


def test_the_agent_loop_stops_async_and_streamed(emu: OneRouterEmulator) -> None:
    from langchain.agents import create_agent

    _script_runaway_loop(emu)
    ran: list[str] = []
    agent = create_agent(model(emu, streaming=True), tools=_agent_tools(ran))

    async def run() -> None:
        with get_onerouter_cost(budget=0.05):
            async for _ in agent.astream(
                {"messages": [("user", "research t forever")]}
            ):
                pass

    with pytest.raises(BudgetExceededError):
        asyncio.run(run())
    assert posts(emu) == 2 and ran == ["lookup:t0", "summarize"]
