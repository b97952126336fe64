"""`langchain.agents.create_agent` on the emulator: structured output with both
of the agent's strategies, and a loop through a custom (freeform) tool."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel
from typing_extensions import TypedDict

from langchain_onerouter import ChatOneRouterResponses, custom_tool

agents = pytest.importorskip("langchain.agents")
structured = pytest.importorskip("langchain.agents.structured_output")


class Weather(BaseModel):
    city: str
    celsius: int


class WeatherDict(TypedDict):
    city: str
    celsius: int


def _run(agent: Any, mode: str, question: str) -> dict[str, Any]:
    state = {"messages": [{"role": "user", "content": question}]}
    if mode == "invoke":
        return agent.invoke(state)
    final: dict[str, Any] = {}
    for values in agent.stream(state, stream_mode="values"):
        final = values
    return final


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize("strategy", ["auto", "provider", "tool"])
@pytest.mark.parametrize("schema", [Weather, WeatherDict])
def test_create_agent_returns_the_structured_object(
    onerouter_emulator: Any, mode: str, strategy: str, schema: Any
) -> None:
    llm = ChatOneRouterResponses(model="openai/gpt-5.4")
    response_format: Any = {
        "auto": schema,
        "provider": structured.ProviderStrategy(schema),
        "tool": structured.ToolStrategy(schema),
    }[strategy]
    agent = agents.create_agent(llm, tools=[], response_format=response_format)
    result = _run(agent, mode, "Weather in 'Oslo'?")

    answer = result["structured_response"]
    as_dict = answer.model_dump() if isinstance(answer, BaseModel) else answer
    assert isinstance(answer, schema if schema is Weather else dict)
    assert as_dict == {"city": "Oslo", "celsius": 1}  # the emulator's schema values
    sent = onerouter_emulator.requests[0].body
    if strategy == "tool":
        assert "text" not in sent
        assert sent["tools"][0]["name"] == schema.__name__
    else:  # auto picks the provider strategy for a gpt-5 model
        fmt = sent["text"]["format"]
        assert fmt["type"] == "json_schema" and fmt["name"] == schema.__name__
        assert set(fmt["schema"]["properties"]) == {"city", "celsius"}
        assert "response_format" not in sent


@pytest.mark.parametrize("stream", [False, True])
def test_response_format_keyword_parses_like_chatopenai(
    onerouter_emulator: Any, stream: bool
) -> None:
    llm = ChatOneRouterResponses(model="openai/gpt-5.4", streaming=stream)
    message = llm.invoke("Weather in 'Oslo'?", response_format=Weather)
    assert message.additional_kwargs["parsed"] == Weather(city="Oslo", celsius=1)
    raw = {
        "type": "json_schema",
        "json_schema": {"name": "w", "schema": Weather.model_json_schema()},
    }
    message = llm.invoke("Weather in 'Oslo'?", response_format=raw)
    assert message.additional_kwargs["parsed"] == {"city": "Oslo", "celsius": 1}
    assert onerouter_emulator.requests[-1].body["text"]["format"]["name"] == "w"


@custom_tool
def run_sql(query: str) -> str:
    """Run one SQL SELECT statement against the users table."""
    return f"2 rows for {query!r}"


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_create_agent_loop_through_a_custom_tool(
    onerouter_emulator: Any, mode: str
) -> None:
    sql = "SELECT name FROM users WHERE age > 25"
    onerouter_emulator.reply(
        items=[{"type": "custom_tool_call", "name": "run_sql", "input": sql}]
    )
    agent = agents.create_agent(
        ChatOneRouterResponses(model="openai/gpt-5.4"), tools=[run_sql]
    )
    result = _run(agent, mode, "How many users are over 25?")

    assert result["messages"][-1].text == (
        f"Tool results: run_sql returned 2 rows for {sql!r}"
    )
    first, second = (r.body for r in onerouter_emulator.requests)
    assert first["tools"] == [
        {
            "type": "custom",
            "name": "run_sql",
            "description": "Run one SQL SELECT statement against the users table.",
        }
    ]
    call, output = second["input"][1:]
    assert call["type"] == "custom_tool_call" and call["input"] == sql
    assert output == {
        "type": "custom_tool_call_output",
        "call_id": call["call_id"],
        "output": f"2 rows for {sql!r}",
    }


async def test_response_format_async_stream_parses_on_the_last_chunk(
    onerouter_emulator: Any,
) -> None:
    llm = ChatOneRouterResponses(model="openai/gpt-5.4")
    chunks = [
        c async for c in llm.astream("Weather in 'Oslo'?", response_format=Weather)
    ]
    assert chunks[-1].additional_kwargs["parsed"] == Weather(city="Oslo", celsius=1)
    assert all("parsed" not in c.additional_kwargs for c in chunks[:-1])
