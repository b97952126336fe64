"""Bad user input fails with a clear ValueError before any request is sent
(sync and async), and bad settings fail at construction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx2
import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    ToolMessage,
)

from langchain_onerouter import ChatOneRouterResponses
from tests.support.models import Recorder, make_llm
from tests.support.scripted_server import Recorded

KEY = "sk-or-test-key-0123456789"
FN = {
    "type": "function",
    "name": "f",
    "parameters": {"type": "object", "properties": {}},
}


class Unserialisable:
    pass


def with_call(args: dict[str, Any]) -> list[Any]:
    call = {"name": "f", "args": args, "id": "call_1"}
    return [
        HumanMessage("q"),
        AIMessage("", tool_calls=[call]),
        ToolMessage("r", tool_call_id="call_1"),
    ]


@pytest.fixture
def mocked() -> tuple[ChatOneRouterResponses, list[Recorded]]:
    rec = Recorder(responder=lambda _: httpx2.Response(500))
    return make_llm(rec, model="o4-mini"), rec.requests


# (runnable factory, input, per-call kwargs, expected message)
CASES: dict[str, tuple[Callable[[Any], Any], Any, dict[str, Any], str]] = {
    "not a message": (lambda m: m, 12345, {}, "Invalid input type"),
    "unknown role": (
        lambda m: m,
        [{"role": "wizard", "content": "x"}],
        {},
        "wizard",
    ),
    "function message": (
        lambda m: m,
        [FunctionMessage(name="f", content="x")],
        {},
        "message type 'function' cannot be sent",
    ),
    "chat message role": (
        lambda m: m,
        [ChatMessage(role="wizard", content="x")],
        {},
        "role 'wizard' cannot be sent",
    ),
    "tool message without id": (
        lambda m: m,
        [ToolMessage("x", tool_call_id="")],
        {},
        "needs a tool_call_id",
    ),
    "tool that is an int": (
        lambda m: m.bind_tools([42]),
        "x",
        {},
        "tools[0]: cannot convert int",
    ),
    "tool dict of nothing": (
        lambda m: m.bind_tools([{"foo": 1}]),
        "x",
        {},
        "tools[0]: cannot convert dict",
    ),
    "tool parameters not a schema": (
        lambda m: m.bind_tools([{**FN, "parameters": "nope"}]),
        "x",
        {},
        "parameters must be a JSON-schema object",
    ),
    "tool without a name": (
        lambda m: m.bind_tools([{"type": "function", "parameters": {}}]),
        "x",
        {},
        "tool name must be",
    ),
    "tool_choice not bound": (
        lambda m: m.bind_tools([FN], tool_choice="g"),
        "x",
        {},
        "tool_choice names 'g'",
    ),
    "tool args an object": (
        lambda m: m,
        with_call({"x": Unserialisable()}),
        {},
        "not JSON-serializable",
    ),
    "tool args a set": (
        lambda m: m,
        with_call({"x": {1, 2}}),
        {},
        "not JSON-serializable",
    ),
    "reasoning effort": (
        lambda m: m,
        "x",
        {"reasoning_effort": "extreme"},
        "reasoning effort must be one of",
    ),
    "reasoning not a dict": (
        lambda m: m,
        "x",
        {"reasoning": "high"},
        "reasoning must be a dict",
    ),
    "reasoning summary": (
        lambda m: m,
        "x",
        {"reasoning": {"summary": "long"}},
        "reasoning summary must be one of",
    ),
    "negative max_tokens": (
        lambda m: m,
        "x",
        {"max_tokens": -1},
        "must be a positive integer",
    ),
    "zero max_tokens": (lambda m: m, "x", {"max_tokens": 0}, "positive integer"),
    "fractional max_tokens": (
        lambda m: m,
        "x",
        {"max_tokens": 1.5},
        "positive integer",
    ),
    "empty model": (lambda m: m, "x", {"model": ""}, "model must be a non-empty"),
    "blank model": (lambda m: m, "x", {"model": "  "}, "model must be a non-empty"),
    "temperature": (lambda m: m, "x", {"temperature": 9}, "between 0 and 2"),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_bad_input_raises_before_any_request(
    mocked: tuple[ChatOneRouterResponses, list[Recorded]], case: str
) -> None:
    llm, seen = mocked
    build, value, kwargs, message = CASES[case]
    for run in ("invoke", "stream"):
        with pytest.raises(ValueError, match=message.replace("[", r"\[")):
            runnable = build(llm)
            if run == "invoke":
                runnable.invoke(value, **kwargs)
            else:
                list(runnable.stream(value, **kwargs))
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        await build(llm).ainvoke(value, **kwargs)
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        async for _ in build(llm).astream(value, **kwargs):
            pass
    assert seen == []


def test_nan_tool_args_are_rejected(
    mocked: tuple[ChatOneRouterResponses, list[Recorded]],
) -> None:
    llm, seen = mocked
    with pytest.raises(ValueError, match="JSON"):
        llm.invoke(with_call({"x": float("nan")}))
    assert seen == []


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"model": ""}, "model must be a non-empty string"),
        ({"model": " "}, "model must be a non-empty string"),
        ({"reasoning_effort": "extreme"}, "reasoning effort must be one of"),
        ({"reasoning": {"effort": 3}}, "reasoning effort must be one of"),
        ({"reasoning": "high"}, "reasoning"),
        ({"max_tokens": -3}, "must be a positive integer"),
        ({"max_retries": -1}, "greater than or equal to 0"),
        ({"temperature": -0.1}, "between 0 and 2"),
        ({"top_p": 2}, "between 0 and 1"),
        ({"base_url": "ftp://llm.onerouter.pro/v1"}, "base_url must be an http"),
        ({"base_url": "llm.onerouter.pro/v1"}, "base_url must be an http"),
    ],
)
def test_bad_settings_fail_at_construction(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ChatOneRouterResponses(**{"model": "o4-mini", **settings})
