"""The emulator's behaviour over real HTTP: protocol, validation, scripting,
faults, schema conformance and load."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_onerouter import (
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatOneRouterResponses,
    NotFoundError,
    OneRouterError,
    RateLimitError,
    ResponseFailedError,
)
from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter.testing import OneRouterEmulator, Reply, ToolCall
from tests.support.models import record_sleeps
from tests.support.open_responses import open_responses_validators

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 1, "maximum": 7},
        },
        "required": ["city", "unit"],
    },
}
CLOCK = {
    "type": "function",
    "name": "get_time",
    "description": "Current time in a timezone",
    "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
}


# -- helpers ---------------------------------------------------------------------
@pytest.fixture
def emu(onerouter_emulator: OneRouterEmulator) -> OneRouterEmulator:
    return onerouter_emulator


@pytest.fixture
def llm(emu: OneRouterEmulator) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model="o4-mini", base_url=emu.base_url, api_key=emu.api_key, max_retries=0
    )


def post(emu: OneRouterEmulator, body: Any, key: str | None = None) -> httpx.Response:
    return httpx.post(
        f"{emu.base_url}/responses",
        json=body,
        headers={"Authorization": f"Bearer {key or emu.api_key}"},
        timeout=10,
    )


def sse(
    emu: OneRouterEmulator, body: dict[str, Any]
) -> tuple[list[str], list[dict[str, Any]]]:
    """(raw lines, decoded events) of a streamed response."""
    response = post(emu, {**body, "stream": True})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    lines = response.text.split("\n")
    events = [
        json.loads(line[6:])
        for line in lines
        if line.startswith("data: ") and line != "data: [DONE]"
    ]
    return lines, events


def user(text: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": text}],
    }


# -- answering -------------------------------------------------------------------
def test_invoke_echoes_the_input_with_whitespace_token_counts(
    llm: ChatOneRouterResponses,
) -> None:
    message = llm.invoke("alpha beta gamma delta")
    assert message.text == "You said: alpha beta gamma delta"
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 4
    assert message.usage_metadata["output_tokens"] == 6
    assert message.usage_metadata["total_tokens"] == 10
    assert message.response_metadata["model_name"] == "o4-mini"


async def test_ainvoke_answers_from_the_last_user_message(
    llm: ChatOneRouterResponses,
) -> None:
    history = [HumanMessage("first"), AIMessage("ok"), HumanMessage("second words")]
    message = await llm.ainvoke(history, instructions="be brief")
    assert message.text == "You said: second words"
    # instructions + three messages, counted by whitespace split
    assert message.usage_metadata is not None
    assert message.usage_metadata["input_tokens"] == 2 + 1 + 1 + 2


def test_reasoning_is_summarised_signed_and_replayable(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    llm = llm.model_copy(update={"use_encrypted_reasoning": True})
    first = llm.invoke("think about this", reasoning_effort="low")
    reasoning = [
        b for b in first.content if isinstance(b, dict) and b["type"] == "reasoning"
    ]
    assert len(reasoning) == 1
    assert reasoning[0]["summary"][0]["text"]
    assert reasoning[0]["encrypted_content"]
    usage = first.usage_metadata
    assert usage is not None and usage["output_token_details"]["reasoning"] > 0
    # Replaying the issued encrypted_content is accepted...
    second = llm.invoke([HumanMessage("think about this"), first, HumanMessage("more")])
    assert second.text == "You said: more"
    sent = emu.requests[-1].body["input"]
    assert any(
        i.get("encrypted_content") == reasoning[0]["encrypted_content"] for i in sent
    )


def test_tool_call_arguments_are_generated_from_the_schema(
    emu: OneRouterEmulator,
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    body = post(
        emu,
        {
            "model": "o4-mini",
            "input": [user("weather in 'Oslo' please")],
            "tools": [CLOCK, WEATHER],
        },
    ).json()
    (call,) = [i for i in body["output"] if i["type"] == "function_call"]
    assert call["name"] == "get_weather"  # more words shared with the message
    args = json.loads(call["arguments"])
    jsonschema.validate(args, WEATHER["parameters"])
    assert args["city"] == "Oslo"  # strings come from the quoted part
    message = response_to_message(body)
    assert message.tool_calls[0]["args"] == args
    assert message.tool_calls[0]["id"] == call["call_id"]


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ({"type": "function", "name": "get_time"}, "get_time"),
        ("required", "get_weather"),
        ("none", None),
        (
            {
                "type": "allowed_tools",
                "mode": "required",
                "tools": [{"type": "function", "name": "get_time"}],
            },
            "get_time",
        ),
    ],
)
def test_tool_choice_is_respected(
    emu: OneRouterEmulator, tool_choice: Any, expected: str | None
) -> None:
    body = post(
        emu,
        {
            "model": "o4-mini",
            "input": "weather in Oslo",
            "tools": [CLOCK, WEATHER],
            "tool_choice": tool_choice,
        },
    ).json()
    calls = [i["name"] for i in body["output"] if i["type"] == "function_call"]
    assert calls == ([expected] if expected else [])
    if expected is None:
        assert body["output"][0]["type"] == "message"


def test_nested_chat_style_tool_definitions_are_accepted(
    emu: OneRouterEmulator,
) -> None:
    nested = {
        "type": "function",
        "function": {k: v for k, v in WEATHER.items() if k != "type"},
    }
    body = post(emu, {"model": "o4-mini", "input": "hi", "tools": [nested]}).json()
    assert body["output"][0]["name"] == "get_weather"
    assert body["tools"][0]["name"] == "get_weather"


def test_answers_after_tool_output(emu: OneRouterEmulator) -> None:
    body = post(
        emu,
        {
            "model": "o4-mini",
            "tools": [WEATHER],
            "input": [
                user("weather?"),
                {
                    "type": "function_call",
                    "call_id": "call_1",
                    "name": "get_weather",
                    "arguments": "{}",
                },
                {
                    "type": "function_call_output",
                    "call_id": "call_1",
                    "output": "sunny, 21C",
                },
            ],
        },
    ).json()
    assert (
        response_to_message(body).text
        == "Tool results: get_weather returned sunny, 21C"
    )


SCHEMAS = [
    {
        "type": "object",
        "properties": {
            "setup": {"type": "string"},
            "rating": {"type": "integer", "minimum": 3},
        },
        "required": ["setup", "rating"],
        "additionalProperties": False,
    },
    {
        "type": "object",
        "$defs": {
            "Pet": {
                "type": "object",
                "properties": {
                    "kind": {"enum": ["cat", "dog"]},
                    "age": {"type": ["number", "null"]},
                },
                "required": ["kind", "age"],
            }
        },
        "properties": {
            "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}, "minItems": 2},
            "owner": {
                "anyOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "properties": {
                            "email": {"type": "string", "format": "email"},
                            "ok": {"type": "boolean"},
                        },
                        "required": ["email", "ok"],
                    },
                ]
            },
        },
        "required": ["pets", "owner"],
    },
    {
        "type": "object",
        "properties": {
            "code": {"type": "string", "minLength": 50, "maxLength": 60},
            "when": {"type": "string", "format": "date-time"},
            "ratio": {"type": "number", "exclusiveMaximum": 0},
        },
        "required": ["code", "when", "ratio"],
    },
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_json_schema_output_is_valid_against_the_schema(
    emu: OneRouterEmulator, schema: dict[str, Any]
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    body = post(
        emu,
        {
            "model": "o4-mini",
            "input": "fill it",
            "text": {
                "format": {
                    "type": "json_schema",
                    "name": "thing",
                    "schema": schema,
                    "strict": True,
                }
            },
        },
    ).json()
    value = json.loads(response_to_message(body).text)
    jsonschema.validate(value, schema)


def test_json_object_format_returns_an_object(emu: OneRouterEmulator) -> None:
    body = post(
        emu,
        {"model": "o4-mini", "input": "x", "text": {"format": {"type": "json_object"}}},
    ).json()
    assert isinstance(json.loads(response_to_message(body).text), dict)


def test_max_output_tokens_truncates_and_marks_incomplete(
    emu: OneRouterEmulator,
) -> None:
    body = post(
        emu,
        {
            "model": "o4-mini",
            "input": "one two three four five",
            "max_output_tokens": 3,
        },
    ).json()
    assert body["status"] == "incomplete"
    assert body["incomplete_details"] == {"reason": "max_output_tokens"}
    assert body["usage"]["output_tokens"] == 3
    assert len(response_to_message(body).text.split()) == 3


# -- streaming ---------------------------------------------------------------------
def test_stream_has_every_standard_event_in_order(emu: OneRouterEmulator) -> None:
    lines, events = sse(
        emu,
        {"model": "o4-mini", "input": "hello stream", "reasoning": {"effort": "low"}},
    )
    assert lines[0] == ": ONEROUTER PROCESSING"
    assert [line for line in lines if line][-1] == "data: [DONE]"
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    kinds = [e["type"] for e in events]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    text = "".join(
        e["delta"] for e in events if e["type"] == "response.output_text.delta"
    )
    done = next(e for e in events if e["type"] == "response.output_text.done")
    assert text == done["text"] == "You said: hello stream"
    assert events[-1]["response"]["output"][1]["content"][0]["text"] == text
    names = [line[7:] for line in lines if line.startswith("event: ")]
    assert names == kinds


def test_stream_function_call_events(emu: OneRouterEmulator) -> None:
    _, events = sse(emu, {"model": "o4-mini", "input": "x", "tools": [WEATHER]})
    kinds = [e["type"] for e in events]
    assert "response.function_call_arguments.done" in kinds
    args = "".join(
        e["delta"]
        for e in events
        if e["type"] == "response.function_call_arguments.delta"
    )
    done = next(
        e for e in events if e["type"] == "response.function_call_arguments.done"
    )
    assert args == done["arguments"] == events[-1]["response"]["output"][0]["arguments"]


def test_stream_without_event_names_or_keepalive() -> None:
    with OneRouterEmulator(keepalive=False, event_names=False) as emu:
        lines, events = sse(emu, {"model": "o4-mini", "input": "hi"})
    assert not any(line.startswith((":", "event:")) for line in lines)
    assert events[-1]["type"] == "response.completed"


async def test_200_concurrent_streams(emu: OneRouterEmulator) -> None:
    limits = httpx.Limits(max_connections=250)
    headers = {"Authorization": f"Bearer {emu.api_key}"}

    async def one(client: httpx.AsyncClient, i: int) -> str:
        body = {"model": "o4-mini", "input": f"request {i}", "stream": True}
        async with client.stream(
            "POST", f"{emu.base_url}/responses", json=body, headers=headers
        ) as r:
            text = "".join([chunk async for chunk in r.aiter_text()])
        assert text.rstrip().endswith("data: [DONE]")
        return text

    start = time.monotonic()
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        results = await asyncio.wait_for(
            asyncio.gather(*(one(client, i) for i in range(200))), 30
        )
    assert all(f"You said: request {i}" in r for i, r in enumerate(results))
    assert time.monotonic() - start < 20


# -- auth, models, validation ---------------------------------------------------------
def test_wrong_or_missing_key_is_401(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    response = post(emu, {"model": "o4-mini", "input": "x"}, key="sk-wrong")
    assert response.status_code == 401
    error = response.json()["error"]
    assert (
        error["code"] == 401
        and error["type"] == "authentication_error"
        and error["message"]
    )
    assert httpx.post(f"{emu.base_url}/responses", json={}).status_code == 401
    bad = ChatOneRouterResponses(
        model="o4-mini", base_url=emu.base_url, api_key="sk-wrong"
    )
    with pytest.raises(AuthenticationError):
        bad.invoke("x")


def test_models_needs_no_key(emu: OneRouterEmulator) -> None:
    data = httpx.get(f"{emu.base_url}/models").json()["data"]
    assert data and all(
        {"id", "category_type", "context_length", "input_modalities"} <= m.keys()
        for m in data
    )


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"input": "x"}, "model"),
        ({"model": "o4-mini"}, "input"),
        ({"model": "o4-mini", "input": []}, "input"),
        (
            {
                "model": "o4-mini",
                "input": [
                    user("a"),
                    {
                        "type": "message",
                        "role": "assistant",
                        "status": "completed",
                        "content": [{"type": "output_text", "text": "b"}],
                    },
                ],
            },
            "input[1].id",
        ),
        (
            {
                "model": "o4-mini",
                "input": [
                    {
                        "type": "message",
                        "role": "assistant",
                        "id": "msg_1",
                        "content": [{"type": "output_text", "text": "b"}],
                    }
                ],
            },
            "input[0].status",
        ),
        (
            {
                "model": "o4-mini",
                "input": [
                    user("a"),
                    {
                        "type": "function_call_output",
                        "call_id": "call_x",
                        "output": "1",
                    },
                ],
            },
            "input[1].call_id",
        ),
        (
            {
                "model": "o4-mini",
                "input": [
                    {"type": "reasoning", "summary": [], "encrypted_content": "forged"},
                    user("a"),
                ],
            },
            "input[0].encrypted_content",
        ),
    ],
)
def test_invalid_requests_are_400_with_the_error_body(
    emu: OneRouterEmulator, body: dict[str, Any], param: str
) -> None:
    response = post(emu, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 400
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param
    assert error["message"]


def test_tampered_encrypted_content_is_rejected(emu: OneRouterEmulator) -> None:
    asked = {"reasoning": {"effort": "low"}, "include": ["reasoning.encrypted_content"]}
    body = post(emu, {"model": "o4-mini", "input": "x", **asked}).json()
    token = body["output"][0]["encrypted_content"]
    ok = post(emu, {"model": "o4-mini", "input": [body["output"][0], user("y")]})
    assert ok.status_code == 200
    tampered = {**body["output"][0], "encrypted_content": "A" + token[1:]}
    assert (
        post(emu, {"model": "o4-mini", "input": [tampered, user("y")]}).status_code
        == 400
    )
    with OneRouterEmulator() as other:  # another emulator has another secret
        assert (
            post(
                other, {"model": "o4-mini", "input": [body["output"][0], user("y")]}
            ).status_code
            == 400
        )


# -- scripting ---------------------------------------------------------------------------
def test_scripted_replies_are_served_in_order_then_the_model_answers(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    usage = {
        "input_tokens": 11,
        "input_tokens_details": {"cached_tokens": 5},
        "output_tokens": 7,
        "output_tokens_details": {"reasoning_tokens": 2},
        "total_tokens": 18,
    }
    emu.reply("first", usage=usage)
    emu.reply(
        tool_calls=[
            ToolCall("lookup", {"q": "x"}, call_id="call_42"),
            {"name": "b", "args": {}},
        ]
    )
    emu.reply("after thinking", reasoning="I thought.")
    one, two, three, four = (llm.invoke(f"q{i}") for i in range(4))
    assert one.text == "first"
    assert one.usage_metadata is not None and one.usage_metadata["input_tokens"] == 11
    assert one.usage_metadata["input_token_details"] == {"cache_read": 5}
    assert [(c["name"], c["args"], c["id"]) for c in two.tool_calls][0] == (
        "lookup",
        {"q": "x"},
        "call_42",
    )
    assert [c["name"] for c in two.tool_calls] == ["lookup", "b"]
    assert three.text == "after thinking"
    assert three.content[0]["summary"][0]["text"] == "I thought."  # type: ignore[index]
    assert four.text == "You said: q3"
    recorded = emu.requests
    assert [r.body["input"][0]["content"][0]["text"] for r in recorded] == [
        "q0",
        "q1",
        "q2",
        "q3",
    ]
    assert recorded[0].headers["authorization"] == f"Bearer {emu.api_key}"
    assert recorded[0].path == "/v1/responses" and recorded[0].method == "POST"


def test_scripted_malformed_arguments_reach_the_client_as_invalid_tool_calls(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    emu.reply(tool_calls=[ToolCall("f", '{"a": ')])
    message = llm.invoke("x")
    assert not message.tool_calls
    assert message.invalid_tool_calls[0]["name"] == "f"


# -- faults --------------------------------------------------------------------------------
def test_status_for_next_requests_with_retry_after(emu: OneRouterEmulator) -> None:
    emu.fail_next(2, status=429, retry_after=3, message="slow down")
    llm = ChatOneRouterResponses(
        model="o4-mini", base_url=emu.base_url, api_key=emu.api_key, max_retries=2
    )
    slept = record_sleeps(llm)
    assert llm.invoke("hi").text == "You said: hi"
    assert len(emu.requests) == 3
    assert slept == [3.0, 3.0]
    emu.fail_next(1, status=429, retry_after=1)
    with pytest.raises(RateLimitError) as info:
        ChatOneRouterResponses(
            model="o4-mini", base_url=emu.base_url, api_key=emu.api_key, max_retries=0
        ).invoke("hi")
    assert info.value.retry_after == 1.0
    assert "Emulated HTTP 429" in str(info.value)


def test_5xx_error_body(emu: OneRouterEmulator, llm: ChatOneRouterResponses) -> None:
    emu.fail_next(status=503, message="no provider available")
    response = post(emu, {"model": "o4-mini", "input": "x"})
    assert response.status_code == 503
    assert response.json()["error"] == {
        "code": 503,
        "message": "no provider available",
        "type": "service_unavailable",
        "param": None,
    }
    emu.fail_next(status=502)
    with pytest.raises(APIStatusError) as info:
        llm.invoke("x")
    assert info.value.status_code == 502


def test_latency(emu: OneRouterEmulator, llm: ChatOneRouterResponses) -> None:
    emu.latency = 0.3
    start = time.monotonic()
    llm.invoke("x")
    assert time.monotonic() - start >= 0.3
    impatient = ChatOneRouterResponses(
        model="o4-mini",
        base_url=emu.base_url,
        api_key=emu.api_key,
        max_retries=0,
        timeout=0.1,
    )
    with pytest.raises(APITimeoutError):
        impatient.invoke("x")
    emu.latency = 0
    emu.push(Reply(latency=0.2))
    start = time.monotonic()
    post(emu, {"model": "o4-mini", "input": "x"})
    assert time.monotonic() - start >= 0.2


def test_stream_drops_after_k_events(emu: OneRouterEmulator) -> None:
    emu.drop_stream_after(3)
    seen: list[str] = []
    with pytest.raises(httpx.RemoteProtocolError):  # noqa: PT012
        with httpx.stream(
            "POST",
            f"{emu.base_url}/responses",
            json={"model": "o4-mini", "input": "a b c", "stream": True},
            headers={"Authorization": f"Bearer {emu.api_key}"},
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:])["type"])
    assert seen == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
    ]


def test_error_event_then_response_failed(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    emu.fail_stream("model crashed", code="server_error")
    _, events = sse(emu, {"model": "o4-mini", "input": "a b c d"})
    kinds = [e["type"] for e in events]
    assert kinds[-2:] == ["error", "response.failed"]
    assert "response.output_text.delta" in kinds  # it failed partway
    assert events[-2]["error"]["message"] == "model crashed"
    assert events[-1]["response"]["status"] == "failed"
    assert events[-1]["response"]["error"] == {
        "code": "server_error",
        "message": "model crashed",
    }
    emu.fail_stream("model crashed")
    with pytest.raises(ResponseFailedError, match="model crashed"):
        llm.invoke("x")


def test_incomplete(emu: OneRouterEmulator) -> None:
    emu.incomplete_next("content_filter")
    _, events = sse(emu, {"model": "o4-mini", "input": "x"})
    assert events[-1]["type"] == "response.incomplete"
    assert events[-1]["response"]["incomplete_details"] == {"reason": "content_filter"}
    emu.incomplete_next()
    assert (
        post(emu, {"model": "o4-mini", "input": "x"}).json()["status"] == "incomplete"
    )


def test_body_that_is_not_json(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    emu.not_json_next()
    with pytest.raises(OneRouterError):
        llm.invoke("x")
    emu.not_json_next(status=502)
    with pytest.raises(APIStatusError, match="Bad gateway"):
        llm.invoke("x")
    emu.not_json_next("{broken")
    response = post(emu, {"model": "o4-mini", "input": "x", "stream": True})
    assert "data: {broken\n" in response.text


# -- schema conformance ------------------------------------------------------------------
@pytest.fixture(scope="module")
def open_responses(shared_dir: Path) -> Any:
    return open_responses_validators(shared_dir)


BODIES = [
    {"input": "plain"},
    {
        "input": "think",
        "reasoning": {"effort": "high", "summary": "auto"},
        "instructions": "terse",
    },
    {
        "input": "tools",
        "tools": [WEATHER, CLOCK],
        "tool_choice": {"type": "function", "name": "get_time"},
    },
    {
        "input": "json",
        "text": {"format": {"type": "json_schema", "name": "s", "schema": SCHEMAS[1]}},
    },
    {
        "input": "one two three",
        "max_output_tokens": 1,
        "metadata": {"k": "v"},
        "temperature": 0.5,
    },
]


@pytest.mark.parametrize("extra", BODIES)
def test_json_bodies_match_response_resource(
    emu: OneRouterEmulator, open_responses: Any, extra: dict[str, Any]
) -> None:
    resource, _ = open_responses
    body = post(emu, {"model": "o4-mini", **extra}).json()
    errors = [e.message for e in resource.iter_errors(body)]
    assert not errors, errors[:3]
    assert isinstance(response_to_message(body), AIMessage)


@pytest.mark.parametrize("extra", BODIES)
def test_stream_events_match_the_spec(
    emu: OneRouterEmulator, open_responses: Any, extra: dict[str, Any]
) -> None:
    _, event = open_responses
    _, events = sse(emu, {"model": "o4-mini", **extra})
    for e in events:
        errors = [err.message for err in event.iter_errors(e)]
        assert not errors, (e["type"], errors[:3])


def test_failed_stream_events_match_the_spec(
    emu: OneRouterEmulator, open_responses: Any
) -> None:
    resource, event = open_responses
    emu.fail_stream()
    _, events = sse(emu, {"model": "o4-mini", "input": "a b"})
    assert all(not list(event.iter_errors(e)) for e in events)
    emu.fail_stream()
    assert not list(
        resource.iter_errors(post(emu, {"model": "o4-mini", "input": "x"}).json())
    )


# -- packaging ---------------------------------------------------------------------------------
def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )


def test_importing_the_package_does_not_import_the_server_stack() -> None:
    result = _run(
        "import sys, langchain_onerouter; "
        "print(sorted(m for m in ('starlette', 'uvicorn') if m in sys.modules))"
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_without_the_extra_testing_explains_and_the_plugin_still_imports() -> None:
    result = _run(
        "import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None\n"
        "import langchain_onerouter.testing.pytest_plugin\n"
        "try:\n    from langchain_onerouter.testing import OneRouterEmulator\n"
        "except ImportError as e:\n    print(e)\n"
    )
    assert result.returncode == 0, result.stderr
    assert 'pip install "langchain-onerouter[emulator]"' in result.stdout


def test_the_emulator_stops_and_frees_its_port() -> None:
    emulator = OneRouterEmulator().start()
    port = emulator.port
    emulator.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=2)


async def test_200_concurrent_astream_calls_through_the_chat_model(
    llm: ChatOneRouterResponses,
) -> None:
    async def one(i: int) -> str:
        text = ""
        async for chunk in llm.astream(f"stream {i}"):
            text += chunk.text
        return text

    start = time.monotonic()
    texts = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(200))), 60)
    assert texts == [f"You said: stream {i}" for i in range(200)]
    assert time.monotonic() - start < 30


# -- strictness (like the real API) ---------------------------------------------------
def test_unknown_top_level_field_is_rejected_naming_it(emu: OneRouterEmulator) -> None:
    response = post(emu, {"model": "o4-mini", "input": "hi", "temprature": 0.2})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "temprature"
    assert "'temprature'" in response.json()["error"]["message"]
    # OneRouter's own extensions are request fields too
    ok = post(emu, {"model": "o4-mini", "input": "hi", "provider": {"sort": "price"}})
    assert ok.status_code == 200, ok.text


def test_previous_response_id_is_rejected(emu: OneRouterEmulator) -> None:
    body = {"model": "o4-mini", "input": "hi", "previous_response_id": "resp_1"}
    response = post(emu, body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "previous_response_id"
    assert "stateless" in response.json()["error"]["message"]


def test_unknown_model_is_404_unless_added_or_any_model(
    emu: OneRouterEmulator, llm: ChatOneRouterResponses
) -> None:
    stranger = llm.bind(model="acme/unknown-1")
    with pytest.raises(NotFoundError, match="acme/unknown-1"):
        stranger.invoke("hi")
    with pytest.raises(NotFoundError, match="acme/unknown-1"):
        list(stranger.stream("hi"))
    emu.add_models("acme/unknown-1")
    assert stranger.invoke("hi").text == "You said: hi"
    assert "acme/unknown-1" in [
        m["id"] for m in httpx.get(f"{emu.base_url}/models").json()["data"]
    ]
    emu.reset()  # back to the default catalog
    with pytest.raises(NotFoundError):
        stranger.invoke("hi")
    emu.any_model = True
    assert stranger.invoke("hi").text == "You said: hi"


def test_lenient_switch_accepts_what_it_used_to(emu: OneRouterEmulator) -> None:
    emu.strict = False
    body = {
        "model": "anything",
        "input": "hi",
        "temprature": 0.2,
        "previous_response_id": "resp_1",
    }
    assert post(emu, body).status_code == 200
    emu.reset()
    assert emu.strict and post(emu, body).status_code in (400, 404)


def test_model_kwargs_typo_reaches_the_strict_emulator_as_a_400(
    emu: OneRouterEmulator,
) -> None:
    with pytest.warns(UserWarning, match="temperature"):
        llm = ChatOneRouterResponses(
            model="o4-mini", base_url=emu.base_url, api_key=emu.api_key, temprature=0.2
        )
    with pytest.raises(BadRequestError, match="temprature"):
        llm.invoke("hi")
