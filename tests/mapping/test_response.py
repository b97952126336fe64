"""Response body → AIMessage (pure mapping)."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage

from langchain_onerouter._mapping.response import (
    response_to_message,
    usage_to_metadata,
)
from tests.conftest import iter_fixture_files
from tests.support import bodies


def test_text_reasoning_usage_and_metadata() -> None:
    body = bodies.response(
        bodies.reasoning_item("rs_1", ["Considering", "Deciding"], encrypted="enc=="),
        bodies.message_item("Hello there", "msg_1"),
        use=bodies.usage(inp=20, out=50, cached=5, reasoning=30),
        model="openai/o4-mini-2025-04-16",
    )
    msg = response_to_message(body)
    assert msg.text == "Hello there"
    assert msg.id == "resp_0123"
    assert msg.content == [
        {
            "type": "reasoning",
            "id": "rs_1",
            "summary": [
                {"type": "summary_text", "text": "Considering"},
                {"type": "summary_text", "text": "Deciding"},
            ],
            "encrypted_content": "enc==",
        },
        {"type": "text", "text": "Hello there", "annotations": [], "id": "msg_1"},
    ]
    assert msg.usage_metadata == {
        "input_tokens": 20,
        "output_tokens": 50,
        "total_tokens": 70,
        "input_token_details": {"cache_read": 5},
        "output_token_details": {"reasoning": 30},
    }
    meta = msg.response_metadata
    assert meta["model_name"] == "openai/o4-mini-2025-04-16"
    assert meta["model_provider"] == "onerouter"
    assert meta["id"] == "resp_0123"
    assert meta["status"] == "completed"
    assert meta["service_tier"] == "auto"
    assert meta["created_at"] == 1763365410


def test_standard_content_blocks_via_registered_translator() -> None:
    msg = response_to_message(
        bodies.response(
            bodies.reasoning_item("rs_1", ["step one"]), bodies.message_item("Hi")
        )
    )
    kinds = [
        (b["type"], b.get("reasoning") or b.get("text")) for b in msg.content_blocks
    ]
    assert kinds == [("reasoning", "step one"), ("text", "Hi")]


def test_incomplete_returns_partial_output_with_status() -> None:
    body = bodies.response(
        bodies.message_item("The answer is"),
        status="incomplete",
        incomplete_details={"reason": "max_output_tokens"},
    )
    msg = response_to_message(body)
    assert msg.text == "The answer is"
    assert msg.response_metadata["status"] == "incomplete"
    assert msg.response_metadata["incomplete_details"] == {
        "reason": "max_output_tokens"
    }


def test_function_calls_become_tool_calls_with_unicode_preserved() -> None:
    msg = response_to_message(
        bodies.response(
            bodies.function_call_item(
                "weather", '{"city": "Zürich 東京"}', "call_a", "fc_a"
            ),
            bodies.function_call_item("bad", '{"city": ', "call_b", "fc_b"),
            bodies.function_call_item("list", "[1]", "call_c", "fc_c"),
            bodies.function_call_item("noargs", "", "call_d", "fc_d"),
        )
    )
    assert msg.tool_calls == [
        {
            "name": "weather",
            "args": {"city": "Zürich 東京"},
            "id": "call_a",
            "type": "tool_call",
        },
        {"name": "noargs", "args": {}, "id": "call_d", "type": "tool_call"},
    ]
    assert [(c["name"], c["args"]) for c in msg.invalid_tool_calls] == [
        ("bad", '{"city": '),
        ("list", "[1]"),
    ]
    assert all(c["error"] for c in msg.invalid_tool_calls)


def test_refusal_and_unknown_items_are_kept() -> None:
    refusal = {
        "id": "msg_r",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "refusal", "refusal": "I can't help with that."}],
    }
    search = {"id": "ws_1", "type": "web_search_call", "status": "completed"}
    msg = response_to_message(bodies.response(search, refusal))
    assert msg.content[0] == search
    assert msg.content[1] == {
        "type": "refusal",
        "refusal": "I can't help with that.",
        "id": "msg_r",
    }
    assert msg.additional_kwargs["refusal"] == "I can't help with that."


def test_usage_absent_or_partial() -> None:
    assert usage_to_metadata(None) is None
    assert usage_to_metadata({"input_tokens": 3, "output_tokens": 4}) == {
        "input_tokens": 3,
        "output_tokens": 4,
        "total_tokens": 7,
    }


def _fixture_bodies() -> list:
    found = []
    for path in iter_fixture_files("vercel-ai/*.json"):
        body = json.loads(path.read_text())
        if isinstance(body, dict) and body.get("object") == "response":
            found.append(pytest.param(body, id=path.name))
    for path in iter_fixture_files("openai-python/*.json"):
        found.append(pytest.param(json.loads(path.read_text()), id=path.name))
    return found or [pytest.param(None, marks=pytest.mark.skip("../shared absent"))]


@pytest.mark.parametrize("body", _fixture_bodies())
def test_recorded_responses_map_losslessly(body: dict) -> None:
    msg = response_to_message(body)
    assert isinstance(msg, AIMessage)
    texts = [
        part["text"]
        for item in body["output"]
        if item.get("type") == "message"
        for part in item["content"]
        if part.get("type") == "output_text"
    ]
    assert msg.text == "".join(texts)
    calls = [i for i in body["output"] if i.get("type") == "function_call"]
    assert [c["id"] for c in msg.tool_calls] == [c["call_id"] for c in calls]
    if body.get("usage"):
        assert msg.usage_metadata["input_tokens"] == body["usage"]["input_tokens"]
    reasoning_ids = [i["id"] for i in body["output"] if i.get("type") == "reasoning"]
    assert [
        b["id"] for b in msg.content if b.get("type") == "reasoning"
    ] == reasoning_ids
