"""pydantic-ai (`OpenAIResponsesModel`, `Embedder`) against the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from langchain_onerouter.testing import OneRouterEmulator
from tests.compat.common import EMBEDDING_MODEL, MODEL, QUESTION, weather

pydantic_ai = pytest.importorskip("pydantic_ai")
pytest.importorskip("openai")
from pydantic_ai.models.openai import OpenAIResponsesModel  # noqa: E402
from pydantic_ai.providers.openai import OpenAIProvider  # noqa: E402


class Weather(BaseModel):
    city: str
    celsius: float


@pytest.fixture
def provider(emu: OneRouterEmulator) -> Any:
    return OpenAIProvider(base_url=emu.base_url, api_key=emu.api_key)


@pytest.fixture
def model(provider: Any) -> Any:
    return OpenAIResponsesModel(MODEL, provider=provider)


def with_weather_tool(agent: Any) -> Any:
    agent.tool_plain(name="get_weather")(_get_weather)
    return agent


def _get_weather(city: str) -> str:
    """Current weather for a city."""
    return weather(city)


def test_text(model: Any) -> None:
    assert pydantic_ai.Agent(model).run_sync("hello there").output == (
        "You said: hello there"
    )


async def test_streaming(model: Any) -> None:
    agent = pydantic_ai.Agent(model)
    async with agent.run_stream("stream me") as run:
        deltas = [d async for d in run.stream_text(delta=True)]
    assert "".join(deltas) == "You said: stream me"


def test_tool_loop(model: Any, emu: OneRouterEmulator) -> None:
    agent = with_weather_tool(pydantic_ai.Agent(model))
    assert agent.run_sync(QUESTION).output == (
        "Tool results: get_weather returned Paris: 21 C, sunny"
    )
    assert len(emu.requests) == 2


@pytest.mark.parametrize("native", [False, True], ids=["tool-output", "native"])
@pytest.mark.parametrize("tools", [False, True], ids=["alone", "after-tools"])
def test_structured_output(
    model: Any, emu: OneRouterEmulator, native: bool, tools: bool
) -> None:
    output_type: Any = pydantic_ai.NativeOutput(Weather) if native else Weather
    agent = pydantic_ai.Agent(model, output_type=output_type)
    if tools:
        with_weather_tool(agent)
    assert agent.run_sync(QUESTION).output == Weather(city="Paris", celsius=1.0)
    if tools:  # the weather tool ran before the answer
        outputs = [
            item
            for item in emu.requests[-1].body["input"]
            if item.get("type") == "function_call_output"
        ]
        assert any("21 C" in str(item["output"]) for item in outputs)


def test_multi_turn_history(model: Any, emu: OneRouterEmulator) -> None:
    # For a model id it does not know as OpenAI's, pydantic-ai sends the
    # assistant history without the id OneRouter requires.
    emu.lenient = {"assistant_ids"}
    agent = pydantic_ai.Agent(model)
    first = agent.run_sync("hi")
    again = agent.run_sync("and again", message_history=first.all_messages())
    assert again.output == "You said: and again"
    roles = [i.get("role") for i in emu.requests[-1].body["input"]]
    assert roles == ["user", "assistant", "user"]


def test_embeddings(provider: Any) -> None:
    from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel

    embedder = pydantic_ai.Embedder(
        OpenAIEmbeddingModel(EMBEDDING_MODEL, provider=provider)
    )
    result = embedder.embed_documents_sync(["red apple", "tax law"])
    assert [len(v) for v in result.embeddings] == [1536, 1536]
