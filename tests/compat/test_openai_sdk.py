"""The openai SDK (Responses and embeddings) against the emulator."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from langchain_onerouter.testing import OneRouterEmulator, Reply
from tests.compat.common import (
    EMBEDDING_MODEL,
    MODEL,
    QUESTION,
    WEATHER_SCHEMA,
    weather,
)

openai = pytest.importorskip("openai")

TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": WEATHER_SCHEMA,
    "strict": True,
}


class Weather(BaseModel):
    city: str
    celsius: float


@pytest.fixture
def client(emu: OneRouterEmulator) -> Any:
    return openai.OpenAI(base_url=emu.base_url, api_key=emu.api_key, max_retries=0)


def tool_round(client: Any) -> list[Any]:
    """A first turn that calls the tool, and the input for the second."""
    first = client.responses.create(model=MODEL, input=QUESTION, tools=[TOOL])
    (call,) = first.output
    assert call.type == "function_call" and call.name == "get_weather"
    city = json.loads(call.arguments)["city"]
    return [
        {"role": "user", "content": QUESTION},
        *[item.model_dump(exclude_none=True) for item in first.output],
        {
            "type": "function_call_output",
            "call_id": call.call_id,
            "output": weather(city),
        },
    ]


def test_text(client: Any) -> None:
    answer = client.responses.create(model=MODEL, input="hello there")
    assert answer.output_text == "You said: hello there"
    assert answer.usage.input_tokens == 2


def test_streaming(client: Any) -> None:
    with client.responses.stream(model=MODEL, input="stream me please") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "You said: stream me please"
    assert len(deltas) == 5  # a word per delta


async def test_async_streaming(emu: OneRouterEmulator) -> None:
    client = openai.AsyncOpenAI(base_url=emu.base_url, api_key=emu.api_key)
    stream = await client.responses.create(model=MODEL, input="hi", stream=True)
    kinds = [event.type async for event in stream]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    await client.close()


def test_tool_loop(client: Any) -> None:
    second = client.responses.create(
        model=MODEL, input=tool_round(client), tools=[TOOL]
    )
    assert second.output_text == "Tool results: get_weather returned Paris: 21 C, sunny"


@pytest.mark.parametrize("after_tools", [False, True])
def test_structured_output(client: Any, after_tools: bool) -> None:
    history: Any = tool_round(client) if after_tools else QUESTION
    parsed = client.responses.parse(
        model=MODEL, input=history, tools=[TOOL], text_format=Weather
    )
    if not after_tools:  # the first turn calls the tool, as a model would
        assert parsed.output[0].type == "function_call"
        return
    assert parsed.output_parsed == Weather(city="Paris", celsius=1.0)


def test_required_tool_choice_holds_after_tool_outputs(client: Any) -> None:
    again = client.responses.create(
        model=MODEL, input=tool_round(client), tools=[TOOL], tool_choice="required"
    )
    assert [item.type for item in again.output] == ["function_call"]


def test_multi_turn_history(client: Any, emu: OneRouterEmulator) -> None:
    first = client.responses.create(model=MODEL, input="hi")
    history = [
        {"role": "user", "content": "hi"},
        *[item.model_dump(exclude_none=True) for item in first.output],
        {"role": "user", "content": "and again"},
    ]
    assert client.responses.create(model=MODEL, input=history).output_text == (
        "You said: and again"
    )
    assert emu.requests[-1].body["input"][1]["id"] == first.output[0].id


def test_item_reference_is_refused(client: Any) -> None:
    with pytest.raises(openai.BadRequestError, match="stateless"):
        client.responses.create(
            model=MODEL, input=[{"type": "item_reference", "id": "msg_1"}]
        )


def test_errors_map_to_the_sdk_exceptions(client: Any, emu: OneRouterEmulator) -> None:
    emu.push(Reply(status=429, retry_after=1, error_message="slow down"))
    with pytest.raises(openai.RateLimitError, match="slow down"):
        client.responses.create(model=MODEL, input="hi")
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="openai/gpt-9", input="hi")


def test_models_list_and_retrieve(client: Any) -> None:
    assert MODEL in {model.id for model in client.models.list()}
    assert client.models.retrieve(MODEL).id == MODEL


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_embeddings(client: Any, encoding: str) -> None:
    # The SDK asks for base64 unless told otherwise and decodes it itself.
    kwargs = {"encoding_format": "float"} if encoding == "float" else {}
    result = client.embeddings.create(
        model=EMBEDDING_MODEL, input=["red apple", "red apples"], **kwargs
    )
    assert [len(d.embedding) for d in result.data] == [1536, 1536]
    a, b = (d.embedding for d in result.data)
    assert sum(x * y for x, y in zip(a, b, strict=True)) > 0.5
