"""The Open Responses compliance flows against the emulator: the requests of
its compliance suite (basic, streaming, system prompt, tool calling, streamed
tool calling, image input, multi-turn), each body and every stream event
validated against the Open Responses spec (`../shared/spec`; skipped without
it), plus the semantic checks the suite makes. Its multi-turn request sends an
assistant message without `id`/`status`, which OneRouter requires: it passes
in lenient mode and is a 400 (saying so) in strict mode. WebSocket and
compaction are not OneRouter features and not run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_onerouter.testing import OneRouterEmulator, Reply
from tests.support.open_responses import (
    open_responses_validators,
    openai_event_validator,
)

MODEL = "o4-mini"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a location",
    "parameters": {
        "type": "object",
        "properties": {
            "location": {
                "type": "string",
                "description": "The city and state, e.g. San Francisco, CA",
            }
        },
        "required": ["location"],
    },
}
RED_DOT = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4"
    "nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)


def user(content: Any) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": content}


CASES: dict[str, tuple[dict[str, Any], bool, str | None]] = {
    # id: (request, streamed, output type that must be present)
    "basic-response": ({"input": [user("Say hello in exactly 3 words.")]}, False, None),
    "streaming-response": ({"input": [user("Count from 1 to 5.")]}, True, None),
    "system-prompt": (
        {
            "input": [
                {
                    "type": "message",
                    "role": "system",
                    "content": "You are a pirate. Always respond in pirate speak.",
                },
                user("Say hello."),
            ]
        },
        False,
        None,
    ),
    "tool-calling": (
        {
            "input": [user("What's the weather like in San Francisco?")],
            "tools": [WEATHER],
        },
        False,
        "function_call",
    ),
    "tool-calling-streaming": (
        {
            "input": [user("What's the weather like in San Francisco?")],
            "tools": [WEATHER],
        },
        True,
        "function_call",
    ),
    "image-input": (
        {
            "input": [
                user(
                    [
                        {"type": "input_text", "text": "What do you see?"},
                        {"type": "input_image", "image_url": RED_DOT},
                    ]
                )
            ]
        },
        False,
        None,
    ),
    "multi-turn": (
        {
            "input": [
                user("My name is Alice."),
                {
                    "type": "message",
                    "role": "assistant",
                    "content": "Hello Alice! How can I help you today?",
                },
                user("What is my name?"),
            ]
        },
        False,
        None,
    ),
}


@pytest.fixture(scope="module")
def spec(shared_dir: Path) -> tuple[Any, Any]:
    return open_responses_validators(shared_dir)


def send(emu: OneRouterEmulator, body: dict[str, Any], stream: bool) -> httpx.Response:
    return httpx.post(
        f"{emu.base_url}/responses",
        json={"model": MODEL, **body, "stream": stream},
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=10,
    )


def stream_events(response: httpx.Response) -> list[dict[str, Any]]:
    return [
        json.loads(line[6:])
        for line in response.text.split("\n")
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


def schema_errors(validator: Any, value: Any) -> list[str]:
    return [error.message for error in validator.iter_errors(value)][:3]


@pytest.mark.parametrize("case", list(CASES))
def test_compliance_flow(
    emu: OneRouterEmulator, spec: tuple[Any, Any], case: str
) -> None:
    resource, event_schema = spec
    body, streamed, must_have = CASES[case]
    if case == "multi-turn":
        refused = send(emu, body, streamed)
        assert refused.status_code == 400 and "lenient" in refused.text
        emu.lenient = {"assistant_ids"}
    response = send(emu, body, streamed)
    assert response.status_code == 200, response.text
    if streamed:
        events = stream_events(response)
        for event in events:
            assert not schema_errors(event_schema, event), event["type"]
        final = events[-1]["response"]
        types = [event["type"] for event in events]
        if must_have == "function_call":
            for kind in ("delta", "done"):
                assert f"response.function_call_arguments.{kind}" in types
            added = [e for e in events if e["type"] == "response.output_item.added"]
            assert added[0]["item"]["type"] == "function_call"
    else:
        final = response.json()
    assert not schema_errors(resource, final)
    assert final["output"]
    if must_have is not None:
        assert any(item["type"] == must_have for item in final["output"])
    else:
        assert final["status"] == "completed"


@pytest.mark.parametrize("raw", ["reasoning_text", "reasoning"])
def test_every_event_kind_the_emulator_sends_matches_a_spec(
    spec: tuple[Any, Any], shared_dir: Path, raw: str
) -> None:
    """Events and items Open Responses names match its spec; the others
    (OpenAI's raw reasoning naming, web search, custom tools) match OpenAI's."""
    _, event_schema = spec
    openai_schema = openai_event_validator(shared_dir)
    search = {
        "type": "web_search_call",
        "status": "completed",
        "action": {"type": "search", "query": "paris"},
    }
    sql = {"type": "custom_tool_call", "name": "sql", "input": "SELECT 1"}
    note = {
        "type": "url_citation",
        "url": "https://example.com",
        "title": "Example",
        "start_index": 0,
        "end_index": 5,
    }
    with OneRouterEmulator(raw_reasoning_events=raw) as emu:
        emu.push(
            Reply(
                text="Paris is sunny.",
                reasoning="look it up",
                reasoning_text="first the city",
                annotations=[note],
                items=[search, sql],
            )
        )
        events = stream_events(send(emu, {"input": "weather?"}, True))
    types = {event["type"] for event in events}
    assert {
        f"response.{raw}.delta",
        "response.output_text.annotation.added",
        "response.web_search_call.searching",
        "response.custom_tool_call_input.done",
    } <= types
    bad = {
        e["type"]: schema_errors(openai_schema, e)
        for e in events
        if schema_errors(event_schema, e)
    }
    assert {kind: errors for kind, errors in bad.items() if errors} == {}
    if raw == "reasoning":  # the Open Responses naming is in its own spec
        for e in events:
            if e["type"].startswith("response.reasoning."):
                assert not schema_errors(event_schema, e)
