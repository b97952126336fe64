"""Every per-call keyword docs/configuration.md documents works through invoke,
ainvoke, stream, batch and `.bind`, and reaches the (strict) emulator as the
documented body field."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.testing import OneRouterEmulator

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
TOOL = {
    "type": "function",
    "name": "get_time",
    "description": "Current time",
    "parameters": {"type": "object", "properties": {}},
}
# keyword -> (value, check of the body the emulator received)
CASES: dict[str, tuple[Any, Callable[[dict[str, Any]], bool]]] = {
    "model": ("openai/gpt-5.4", lambda b: b["model"] == "openai/gpt-5.4"),
    "temperature": (0.3, lambda b: b["temperature"] == 0.3),
    "top_p": (0.5, lambda b: b["top_p"] == 0.5),
    "max_tokens": (50, lambda b: b["max_output_tokens"] == 50),
    "reasoning": ({"summary": "auto"}, lambda b: b["reasoning"] == {"summary": "auto"}),
    "reasoning_effort": ("low", lambda b: b["reasoning"] == {"effort": "low"}),
    "instructions": ("Be brief.", lambda b: b["instructions"] == "Be brief."),
    "include": (
        ["reasoning.encrypted_content"],
        lambda b: b["include"] == ["reasoning.encrypted_content"],
    ),
    "store": (False, lambda b: b["store"] is False),
    "parallel_tool_calls": (False, lambda b: b["parallel_tool_calls"] is False),
    "tools": ([TOOL], lambda b: b["tools"] == [TOOL]),
    "tool_choice": ("none", lambda b: b["tool_choice"] == "none"),
    "text": ({"verbosity": "low"}, lambda b: b["text"] == {"verbosity": "low"}),
    "request_metadata": ({"user": "42"}, lambda b: b["metadata"] == {"user": "42"}),
    "fallback_models": (
        ["anthropic/claude-sonnet-4.5"],
        lambda b: b["fallback_models"] == ["anthropic/claude-sonnet-4.5"],
    ),
    "fallback_rules": ("auto", lambda b: b["fallback_rules"] == "auto"),
    "provider": ({"sort": "price"}, lambda b: b["provider"] == {"sort": "price"}),
    "usage_accounting": (True, lambda b: b["usage"] == {"include": True}),
    "extra_body": ({"service_tier": "flex"}, lambda b: b["service_tier"] == "flex"),
    "stop": (["zzz"], lambda b: "stop" not in b),
    # o4-mini caches on its own: auto places nothing (tests/mapping/test_caching.py)
    "prompt_caching": ("auto", lambda b: "prompt_caching" not in b and not _marked(b)),
    "cache_control": (
        {"type": "ephemeral"},
        lambda b: "cache_control" not in b and _marked(b) == [{"type": "ephemeral"}],
    ),
}


def _marked(body: dict[str, Any]) -> list[Any]:
    """The `cache_control` values on the body's input parts."""
    parts = [p for i in body["input"] for p in i.get("content") or []]
    return [p["cache_control"] for p in parts if "cache_control" in p]


def documented_keywords() -> list[str]:
    text = DOC.read_text()
    section = text.split("## Per-call keywords", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)


def test_every_documented_keyword_has_a_case() -> None:
    assert documented_keywords() == list(CASES)


@pytest.fixture
def llm(onerouter_emulator: OneRouterEmulator) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(model="o4-mini", max_retries=0)


@pytest.mark.filterwarnings("ignore:prompt caching:UserWarning")  # "hi" is short
@pytest.mark.parametrize("keyword", list(CASES))
async def test_documented_keyword_through_every_entry_point(
    keyword: str, llm: ChatOneRouterResponses, onerouter_emulator: OneRouterEmulator
) -> None:
    value, sent = CASES[keyword]
    kwargs = {keyword: value}
    runs: dict[str, Callable[[], Any]] = {
        "invoke": lambda: llm.invoke("hi", **kwargs),
        "stream": lambda: list(llm.stream("hi", **kwargs)),
        "batch": lambda: llm.batch(["hi"], **kwargs),
        "bind": lambda: llm.bind(**kwargs).invoke("hi"),
        "bind+stream": lambda: list(llm.bind(**kwargs).stream("hi")),
    }
    for name, run in runs.items():
        run()
        body = onerouter_emulator.requests[-1].body
        assert sent(body), (name, body)
    await llm.ainvoke("hi", **kwargs)
    assert sent(onerouter_emulator.requests[-1].body), "ainvoke"
    async for _ in llm.astream("hi", **kwargs):
        pass
    assert sent(onerouter_emulator.requests[-1].body), "astream"
