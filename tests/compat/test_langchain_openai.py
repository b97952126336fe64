"""langchain-openai (`ChatOpenAI` on the Responses API, `OpenAIEmbeddings`)
against the emulator. ChatOpenAI sends assistant history without `id` or
`status`, which OneRouter requires: those flows use `lenient={"assistant_ids"}`."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_onerouter.testing import OneRouterEmulator
from tests.compat.common import EMBEDDING_MODEL, MODEL, QUESTION, weather

langchain_openai = pytest.importorskip("langchain_openai")


class Weather(BaseModel):
    city: str
    celsius: float


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return weather(city)


@pytest.fixture
def llm(emu: OneRouterEmulator) -> Any:
    return langchain_openai.ChatOpenAI(
        model=MODEL,
        base_url=emu.base_url,
        api_key=emu.api_key,
        use_responses_api=True,
        max_retries=0,
    )


def test_text(llm: Any) -> None:
    assert llm.invoke("hello there").text == "You said: hello there"


async def test_streaming(llm: Any) -> None:
    chunks = [chunk async for chunk in llm.astream("stream me")]
    assert "".join(c.text for c in chunks) == "You said: stream me"
    assert len([c for c in chunks if c.text]) == 4  # a word per delta


def test_tool_loop(llm: Any) -> None:
    bound = llm.bind_tools([get_weather])
    messages: list[Any] = [HumanMessage(QUESTION)]
    call = bound.invoke(messages)
    assert call.tool_calls[0]["name"] == "get_weather"
    assert call.tool_calls[0]["args"] == {"city": "Paris"}
    result = get_weather.invoke(call.tool_calls[0])
    assert isinstance(result, ToolMessage)
    final = bound.invoke([*messages, call, result])
    assert final.text == "Tool results: get_weather returned Paris: 21 C, sunny"


def test_structured_output(llm: Any) -> None:
    assert llm.with_structured_output(Weather).invoke(QUESTION) == Weather(
        city="Paris", celsius=1.0
    )


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_structured_output_after_tools_in_an_agent(llm: Any, mode: str) -> None:
    from langchain.agents import create_agent

    agent = create_agent(llm, tools=[get_weather], response_format=Weather)
    state = {"messages": [("user", QUESTION)]}
    if mode == "invoke":
        result = agent.invoke(state)
    else:
        result = list(agent.stream(state, stream_mode="values"))[-1]
    assert result["structured_response"] == Weather(city="Paris", celsius=1.0)
    assert any(isinstance(m, ToolMessage) for m in result["messages"])


@pytest.mark.parametrize(
    "earlier", [AIMessage("hello"), None], ids=["plain-ai-message", "from-invoke"]
)
def test_multi_turn_history_needs_lenient_ids(
    llm: Any, emu: OneRouterEmulator, earlier: AIMessage | None
) -> None:
    answer = earlier
    if answer is None:
        answer = llm.invoke("hi")
    history = [HumanMessage("hi"), answer, HumanMessage("and again")]
    with pytest.raises(Exception, match="lenient"):
        llm.invoke(history)  # ChatOpenAI omits the assistant message's id/status
    emu.lenient = {"assistant_ids"}
    assert llm.invoke(history).text == "You said: and again"


def test_embeddings(emu: OneRouterEmulator) -> None:
    embeddings = langchain_openai.OpenAIEmbeddings(
        model=EMBEDDING_MODEL,
        base_url=emu.base_url,
        api_key=emu.api_key,
        check_embedding_ctx_length=False,  # else it needs tiktoken's download
    )
    vectors = embeddings.embed_documents(["red apple", "tax law"])
    assert [len(v) for v in vectors] == [1536, 1536]
    assert embeddings.embed_query("red apple") == pytest.approx(vectors[0])
