"""The emulator's stand-in model honours the request: `tool_choice`,
`text.format` (also after tool outputs), `include`, input modalities, and the
embedding and rerank model ids; a LangChain agent with tools and
`response_format` completes against it."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langchain.agents import create_agent
from langchain.agents.structured_output import ProviderStrategy, ToolStrategy
from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.testing import OneRouterEmulator
from tests.support.emulator import module_emulator

jsonschema = pytest.importorskip("jsonschema")

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
CLOCK_TOOL = {
    "type": "function",
    "name": "get_time",
    "description": "Current time in a timezone",
    "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
}
REPORT_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "minLength": 2},
        "celsius": {"type": "number", "minimum": -50, "maximum": 60},
        "tags": {"type": "array", "items": {"enum": ["sun", "rain"]}, "minItems": 2},
    },
    "required": ["city", "celsius", "tags"],
    "additionalProperties": False,
}


class Weather(BaseModel):
    """A weather report for one city."""

    city: str
    temperature: float = Field(ge=-50, le=60)
    sky: str


@tool
def get_weather(city: str) -> str:
    """Current weather for a city."""
    return f"{city}: 21 C, sunny"


emu_fixture, fresh_emulator = module_emulator()


def post(emu: OneRouterEmulator, path: str, body: Any) -> httpx.Response:
    return httpx.post(
        f"{emu.base_url}/{path}",
        json=body,
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=10,
    )


def after_tool_output(**extra: Any) -> dict[str, Any]:
    """A request whose input ends with the output of a get_weather call."""
    return {
        "model": "o4-mini",
        "tools": [WEATHER_TOOL, CLOCK_TOOL],
        "input": [
            {"role": "user", "content": "What's the weather in Paris?"},
            {
                "type": "function_call",
                "call_id": "call_1",
                "name": "get_weather",
                "arguments": '{"city": "Paris"}',
            },
            {"type": "function_call_output", "call_id": "call_1", "output": "21 C"},
        ],
        **extra,
    }


def output_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    return list(response.json()["output"])


def text_of(response: httpx.Response) -> str:
    return "".join(
        part["text"]
        for item in output_of(response)
        if item["type"] == "message"
        for part in item["content"]
    )


# -- tool_choice -------------------------------------------------------------------
def test_required_tool_choice_calls_a_tool_after_tool_outputs(
    emu: OneRouterEmulator,
) -> None:
    items = output_of(post(emu, "responses", after_tool_output(tool_choice="required")))
    calls = [i for i in items if i["type"] == "function_call"]
    # A tool not yet called this turn is preferred, so agent loops move on.
    assert [c["name"] for c in calls] == ["get_time"]
    assert not [i for i in items if i["type"] == "message"]


def test_named_tool_choice_calls_that_tool_after_tool_outputs(
    emu: OneRouterEmulator,
) -> None:
    body = after_tool_output(tool_choice={"type": "function", "name": "get_weather"})
    calls = [i for i in output_of(post(emu, "responses", body))]
    assert [(c["type"], c["name"]) for c in calls] == [("function_call", "get_weather")]


def test_auto_tool_choice_reports_tool_outputs_in_text(emu: OneRouterEmulator) -> None:
    assert text_of(post(emu, "responses", after_tool_output())) == (
        "Tool results: get_weather returned 21 C"
    )


# -- text.format -------------------------------------------------------------------
@pytest.mark.parametrize("with_tools", [False, True], ids=["plain", "after-tools"])
def test_json_schema_output_is_valid_against_the_schema(
    emu: OneRouterEmulator, with_tools: bool
) -> None:
    fmt = {"type": "json_schema", "name": "report", "schema": REPORT_SCHEMA}
    body = after_tool_output(text={"format": fmt})
    if not with_tools:
        body = {"model": "o4-mini", "input": "Weather?", "text": {"format": fmt}}
    value = json.loads(text_of(post(emu, "responses", body)))
    jsonschema.validate(value, REPORT_SCHEMA)


@pytest.mark.parametrize(
    ("instructions", "keys"),
    [
        ('Answer as JSON like {"city": "X", "celsius": 3, "tags": ["a"]}.', None),
        (
            'Answer in JSON matching {"type": "object", "properties": '
            '{"n": {"type": "integer", "minimum": 4}}}',
            {"n": 4},
        ),
        ("Return a JSON object with the keys `answer` and `confidence`.", None),
    ],
    ids=["example", "schema", "named-keys"],
)
def test_json_object_follows_the_shape_the_prompt_describes(
    emu: OneRouterEmulator, instructions: str, keys: dict[str, Any] | None
) -> None:
    body = {
        "model": "o4-mini",
        "instructions": instructions,
        "input": "Paris please",
        "text": {"format": {"type": "json_object"}},
    }
    value = json.loads(text_of(post(emu, "responses", body)))
    if keys is not None:
        assert value == keys
    elif "celsius" in instructions:
        assert set(value) == {"city", "celsius", "tags"}
        assert isinstance(value["celsius"], int) and isinstance(value["tags"], list)
    else:
        assert set(value) == {"answer", "confidence"}


def test_json_object_without_a_described_shape_is_still_an_object(
    emu: OneRouterEmulator,
) -> None:
    body = {
        "model": "o4-mini",
        "input": "hello",
        "text": {"format": {"type": "json_object"}},
    }
    assert json.loads(text_of(post(emu, "responses", body))) == {"you_said": "hello"}


# -- argument extraction -------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "city"),
    [
        ("What's the weather in Paris?", "What's the weather in Paris?"),
        ("What's the weather in 'Paris'? It's cold.", "Paris"),
        ('Weather for "New York"', "New York"),
        ("Weather for \u201cOslo\u201d please", "Oslo"),
    ],
)
def test_apostrophes_are_not_quotes(
    emu: OneRouterEmulator, message: str, city: str
) -> None:
    body = {"model": "o4-mini", "input": message, "tools": [WEATHER_TOOL]}
    (call,) = output_of(post(emu, "responses", body))
    assert json.loads(call["arguments"]) == {"city": city}


# -- reasoning -----------------------------------------------------------------------
@pytest.mark.parametrize("include", [None, ["reasoning.encrypted_content"]])
def test_encrypted_reasoning_only_when_include_asks(
    emu: OneRouterEmulator, include: list[str] | None
) -> None:
    body = {"model": "o4-mini", "input": "think", "reasoning": {"effort": "low"}}
    if include:
        body["include"] = include
    (reasoning, _message) = output_of(post(emu, "responses", body))
    assert reasoning["type"] == "reasoning" and reasoning["summary"]
    assert ("encrypted_content" in reasoning) is bool(include)


# -- input modalities ------------------------------------------------------------------
IMAGE = {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="}
FILE = {"type": "input_file", "filename": "a.pdf", "file_data": "data:,x"}


@pytest.mark.parametrize(
    ("model", "part", "status"),
    [
        ("o4-mini", IMAGE, 200),
        ("deepseek/deepseek-r1:free", IMAGE, 400),
        ("deepseek/deepseek-r1:free", FILE, 400),
        ("o4-mini", FILE, 200),
    ],
)
def test_media_needs_the_input_modality(
    emu: OneRouterEmulator, model: str, part: dict[str, Any], status: int
) -> None:
    content = [{"type": "input_text", "text": "look"}, part]
    body = {"model": model, "input": [{"role": "user", "content": content}]}
    response = post(emu, "responses", body)
    assert response.status_code == status, response.text
    if status == 400:
        error = response.json()["error"]
        assert error["param"] == "input[0].content[1]"
        assert model in error["message"] and "input_modalities" in error["message"]


# -- embeddings and rerank --------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("embeddings", {"model": "text-embed-3-small"}, 404, "text-embed-3-small"),
        ("embeddings", {"model": "o4-mini"}, 400, "not a embedding model"),
        ("rerank", {"model": "cohere/rerank-v9"}, 404, "cohere/rerank-v9"),
        ("rerank", {"model": "text-embedding-3-small"}, 400, "not a rerank model"),
    ],
)
def test_embedding_and_rerank_model_ids_are_checked(
    emu: OneRouterEmulator, path: str, body: dict[str, Any], status: int, words: str
) -> None:
    request = {**body, "input": ["a"], "query": "q", "documents": ["d"]}
    if path == "embeddings":
        request.pop("query"), request.pop("documents")
    else:
        request.pop("input")
    response = post(emu, path, request)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]["message"]
    emu.any_model = True
    if status == 404:
        assert post(emu, path, request).status_code == 200


@pytest.mark.parametrize(
    ("model", "size"),
    [("text-embedding-3-small", 1536), ("text-embedding-3-large", 3072)],
)
def test_embeddings_have_the_models_real_dimension(
    emu: OneRouterEmulator, model: str, size: int
) -> None:
    response = post(emu, "embeddings", {"model": model, "input": ["a", "b"]})
    assert response.status_code == 200, response.text
    assert [len(d["embedding"]) for d in response.json()["data"]] == [size, size]
    too_big = {"model": model, "input": "a", "dimensions": size + 1}
    refused = post(emu, "embeddings", too_big)
    assert (
        refused.status_code == 400 and str(size) in refused.json()["error"]["message"]
    )


# -- a LangChain agent with tools and response_format ----------------------------------------
@pytest.mark.parametrize(
    "response_format",
    [Weather, ToolStrategy(Weather), ProviderStrategy(Weather)],
    ids=["auto", "tool-strategy", "provider-strategy"],
)
@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_create_agent_with_tools_and_response_format_completes(
    emu: OneRouterEmulator, response_format: Any, mode: str
) -> None:
    llm = ChatOneRouterResponses(
        model="o4-mini", base_url=emu.base_url, api_key=emu.api_key, max_retries=0
    )
    agent = create_agent(llm, tools=[get_weather], response_format=response_format)
    state = {"messages": [("user", "What's the weather in Paris?")]}
    if mode == "invoke":
        result = agent.invoke(state)
    else:
        parts = list(agent.stream(state, stream_mode=["messages", "values"]))
        result = [value for kind, value in parts if kind == "values"][-1]
        assert any(kind == "messages" for kind, _ in parts)
        assert all(r.stream for r in emu.requests)
    weather = result["structured_response"]
    assert isinstance(weather, Weather)
    assert -50 <= weather.temperature <= 60
    tool_outputs = [
        m.content
        for m in result["messages"]
        if isinstance(m, ToolMessage) and m.name == "get_weather"
    ]
    assert tool_outputs == ["What's the weather in Paris?: 21 C, sunny"]
