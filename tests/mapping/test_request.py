"""Messages and settings → request body (pure mapping)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
)

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.history import synthetic_message_id
from langchain_onerouter._mapping.request import build_request_body, messages_to_input
from langchain_onerouter._mapping.response import response_to_message
from tests.support import bodies


def _body(messages: list, **params: Any) -> dict:
    return build_request_body(messages, {"model": "o4-mini", **params})


def test_human_and_system_messages_become_message_items() -> None:
    items = messages_to_input(
        [
            SystemMessage("be brief"),
            SystemMessage("dev", additional_kwargs={"__openai_role__": "developer"}),
            HumanMessage("hi"),
            HumanMessage([{"type": "text", "text": "a"}, "b"]),
        ]
    )
    assert items == [
        {
            "type": "message",
            "role": "system",
            "content": [{"type": "input_text", "text": "be brief"}],
        },
        {
            "type": "message",
            "role": "developer",
            "content": [{"type": "input_text", "text": "dev"}],
        },
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "hi"}],
        },
        {
            "type": "message",
            "role": "user",
            "content": [
                {"type": "input_text", "text": "a"},
                {"type": "input_text", "text": "b"},
            ],
        },
    ]


def test_hand_built_assistant_turn_gets_stable_msg_id_and_status() -> None:
    history = [HumanMessage("q"), AIMessage("answer", id="run-123"), HumanMessage("q2")]
    first = messages_to_input(history)
    again = messages_to_input(history + [AIMessage("more"), HumanMessage("q3")])
    item = first[1]
    assert item["role"] == "assistant" and item["status"] == "completed"
    assert item["id"].startswith("msg_") and "run-" not in item["id"]
    assert item["content"] == [
        {"type": "output_text", "text": "answer", "annotations": [], "logprobs": []}
    ]
    # Append-only history keeps earlier ids (prompt caches see the same prefix).
    assert again[1]["id"] == item["id"]
    assert again[3]["id"] != item["id"]


def test_same_text_at_different_positions_gets_different_ids() -> None:
    assert synthetic_message_id(1, "ok") != synthetic_message_id(3, "ok")


def test_invoked_turn_replays_with_server_ids_and_encrypted_reasoning() -> None:
    body = bodies.response(
        bodies.reasoning_item("rs_9", ["thinking"], encrypted="gAAAA-enc"),
        bodies.message_item("Hello", "msg_server_7"),
    )
    ai = response_to_message(body)
    items = messages_to_input([HumanMessage("hi"), ai])
    assert items[1] == {
        "type": "reasoning",
        "id": "rs_9",
        "summary": [{"type": "summary_text", "text": "thinking"}],
        "encrypted_content": "gAAAA-enc",
    }
    assert items[2]["id"] == "msg_server_7"
    assert items[2]["status"] == "completed"


def test_reasoning_without_encrypted_content_is_not_replayed() -> None:
    ai = response_to_message(
        bodies.response(bodies.reasoning_item("rs_1", ["x"]), bodies.message_item("a"))
    )
    assert [i["type"] for i in messages_to_input([ai])] == ["message"]
    # ...unless the server keeps state (store=True) and can resolve the id.
    items = messages_to_input([ai], replay_reasoning_by_id=True)
    assert [i["type"] for i in items] == ["reasoning", "message"]
    assert _body([ai], store=True)["input"][0]["id"] == "rs_1"


def test_incomplete_turn_replays_with_incomplete_status() -> None:
    ai = response_to_message(
        bodies.response(bodies.message_item("partial"), status="incomplete")
    )
    assert messages_to_input([ai])[0]["status"] == "incomplete"


def test_chat_message_roles() -> None:
    items = messages_to_input(
        [
            ChatMessage(role="user", content="u"),
            ChatMessage(role="assistant", content="a"),
        ]
    )
    assert items[0]["role"] == "user"
    assert items[1]["role"] == "assistant" and items[1]["id"].startswith("msg_")


@pytest.mark.parametrize(
    "message, needle",
    [
        (FunctionMessage(name="f", content="x"), "'function'"),
        (ChatMessage(role="critic", content="x"), "'critic'"),
        (HumanMessage([{"type": "sparkles", "x": 1}]), "'sparkles'"),
        (AIMessage([{"type": "sparkles"}]), "'sparkles'"),
    ],
)
def test_unsupported_input_names_what_is_wrong(message: Any, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        _body([message])


def test_settings_map_to_payload_fields() -> None:
    llm = ChatOneRouterResponses(
        model="openai/gpt-5.4",
        temperature=0.3,
        top_p=0.9,
        max_tokens=256,
        reasoning={"summary": "auto"},
        reasoning_effort="high",
        instructions="be nice",
        include=["reasoning.encrypted_content"],
        store=False,
        parallel_tool_calls=True,
        request_metadata={"user": "u1"},
        model_kwargs={"provider": {"order": ["openai"]}},
    )
    body = llm._request_body([HumanMessage("hi")], stream=False)
    assert body == {
        "model": "openai/gpt-5.4",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "hi"}],
            }
        ],
        "temperature": 0.3,
        "top_p": 0.9,
        "max_output_tokens": 256,
        "reasoning": {"summary": "auto", "effort": "high"},
        "instructions": "be nice",
        "include": ["reasoning.encrypted_content"],
        "store": False,
        "parallel_tool_calls": True,
        "metadata": {"user": "u1"},
        "provider": {"order": ["openai"]},
    }


def _sample_bodies() -> list[dict]:
    reply = response_to_message(
        bodies.response(
            bodies.reasoning_item("rs_1", ["s"], encrypted="enc"),
            bodies.message_item("Paris", "msg_1"),
        )
    )
    history = [
        SystemMessage("sys"),
        HumanMessage("capital of France?"),
        reply,
        AIMessage("hand written"),
        HumanMessage([{"type": "text", "text": "and Spain?"}]),
    ]
    return [
        _body(history),
        _body(history, temperature=1.0, top_p=0.5, max_output_tokens=100),
        _body(
            history,
            reasoning={"effort": "high", "summary": "auto"},
            include=["reasoning.encrypted_content"],
            store=False,
        ),
        _body(
            history,
            instructions="x",
            metadata={"a": "b"},
            parallel_tool_calls=False,
            stream=True,
        ),
    ]


@pytest.mark.parametrize("index", range(4))
def test_request_bodies_validate_against_create_response(
    create_response_validator: Any, index: int
) -> None:
    body = _sample_bodies()[index]
    errors = sorted(create_response_validator.iter_errors(body), key=str)
    assert not errors, [e.message for e in errors[:3]]


def test_streamed_raw_reasoning_is_replayed_without_merge_indexes() -> None:
    ai = AIMessage(
        [
            {
                "type": "reasoning",
                "id": "rs_raw",
                "summary": [],
                "encrypted_content": "enc",
                "content": [{"type": "reasoning_text", "text": "hmm", "index": 0}],
                "index": 0,
            }
        ]
    )
    (item,) = messages_to_input([ai])
    assert item["content"] == [{"type": "reasoning_text", "text": "hmm"}]
