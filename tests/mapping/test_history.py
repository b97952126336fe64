"""Replaying histories: tool calls/outputs, reasoning, other providers, v1 blocks."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from langchain_onerouter._mapping.outputs import tool_output_id
from langchain_onerouter._mapping.request import build_request_body, messages_to_input
from langchain_onerouter._mapping.response import response_to_message
from tests.support import bodies
from tests.support.models import Recorder, make_llm
from tests.support.modes import call


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"sunny in {city}"


def _call_reply(encrypted: str | None = "gAAAA-secret") -> dict:
    return bodies.response(
        bodies.reasoning_item("rs_A", ["look it up"], encrypted=encrypted),
        bodies.function_call_item("get_weather", '{"city": "Oslo"}', "call_A", "fc_A"),
    )


def _final_reply() -> dict:
    return bodies.response(
        bodies.reasoning_item("rs_B", [], encrypted="gAAAA-second"),
        bodies.message_item("Sunny in Oslo.", "msg_B"),
    )


def _types(items: list[dict]) -> list[str]:
    return [i["type"] for i in items]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_encrypted_reasoning_survives_a_tool_round_trip(
    mode: str, create_response_validator: Any
) -> None:
    rec = Recorder(_call_reply(), _final_reply())
    llm = make_llm(rec, use_encrypted_reasoning=True).bind_tools([get_weather])
    question = HumanMessage("Weather in Oslo?")
    ai = (await call(llm, mode, [question])).final()
    assert ai.tool_calls[0]["id"] == "call_A"
    result = ToolMessage("sunny", tool_call_id="call_A")
    final = llm.invoke([question, ai, result])
    assert final.text == "Sunny in Oslo."

    first, second = (r.json() for r in rec.requests)
    assert first["include"] == ["reasoning.encrypted_content"]
    for body in (first, second):
        create_response_validator.validate(body)
    items = second["input"]
    assert _types(items) == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert items[1] == {
        "type": "reasoning",
        "id": "rs_A",
        "summary": [{"type": "summary_text", "text": "look it up"}],
        "encrypted_content": "gAAAA-secret",
    }
    assert items[2] == {
        "type": "function_call",
        "id": "fc_A",
        "call_id": "call_A",
        "name": "get_weather",
        "arguments": '{"city":"Oslo"}',
    }
    assert items[3]["call_id"] == "call_A" and items[3]["output"] == "sunny"
    assert items[3]["id"].startswith("fco_")


def test_include_flag_merges_with_explicit_include() -> None:
    rec = Recorder(_final_reply(), _final_reply())
    make_llm(
        rec, include=["reasoning.encrypted_content"], use_encrypted_reasoning=True
    ).invoke("x")
    make_llm(
        rec, include=["message.output_text.logprobs"], use_encrypted_reasoning=True
    ).invoke("x")
    assert rec.requests[0].json()["include"] == ["reasoning.encrypted_content"]
    assert rec.requests[1].json()["include"] == [
        "message.output_text.logprobs",
        "reasoning.encrypted_content",
    ]
    plain = Recorder(_final_reply())
    make_llm(plain, use_encrypted_reasoning=False).invoke("x")
    assert "include" not in plain.requests[0].json()
    assert "include" not in build_request_body([HumanMessage("x")], {"model": "m"})


def test_unencrypted_reasoning_is_omitted_and_its_items_lose_server_ids() -> None:
    ai = response_to_message(_call_reply(encrypted=None))
    items = messages_to_input(
        [HumanMessage("q"), ai, ToolMessage("r", tool_call_id="call_A")]
    )
    assert _types(items) == ["message", "function_call", "function_call_output"]
    assert "id" not in items[1]  # fc_A would arrive without its reasoning item
    assert items[1]["call_id"] == "call_A"
    # With server-side state (store=True) the ids resolve, so all is replayed.
    stored = messages_to_input([ai], replay_reasoning_by_id=True)
    assert _types(stored) == ["reasoning", "function_call"]
    assert stored[1]["id"] == "fc_A"


def test_function_call_output_ids_are_stable_unique_and_prefixed() -> None:
    history = [
        HumanMessage("q"),
        AIMessage("", tool_calls=[{"id": "call_0", "name": "f", "args": {}}]),
        ToolMessage("1", tool_call_id="call_0"),
        AIMessage("", tool_calls=[{"id": "call_0", "name": "f", "args": {}}]),
        ToolMessage("2", tool_call_id="call_0"),
    ]
    outputs = [
        i for i in messages_to_input(history) if i["type"] == "function_call_output"
    ]
    again = [
        i
        for i in messages_to_input(history + [AIMessage("done"), HumanMessage("more")])
        if i["type"] == "function_call_output"
    ]
    assert [o["id"] for o in outputs] == [o["id"] for o in again]
    assert outputs[0]["id"] != outputs[1]["id"]  # reused call ids stay distinct
    assert all(o["id"].startswith("fco_") for o in outputs)
    assert tool_output_id("call_0", 2) == outputs[0]["id"]


def test_tool_message_list_content_and_error_status(
    create_response_validator: Any,
) -> None:
    image = "data:image/png;base64,iVBORw0KGgo="
    history = [
        HumanMessage("q"),
        AIMessage(
            "",
            tool_calls=[
                {"id": "call_1", "name": "shot", "args": {}},
                {"id": "call_2", "name": "boom", "args": {}},
            ],
        ),
        ToolMessage(
            [
                {"type": "text", "text": "here"},
                {
                    "type": "image",
                    "base64": image.split(",")[1],
                    "mime_type": "image/png",
                },
            ],
            tool_call_id="call_1",
        ),
        ToolMessage("Error: boom failed", tool_call_id="call_2", status="error"),
    ]
    body = build_request_body(history, {"model": "m"})
    create_response_validator.validate(body)
    first, second = body["input"][-2:]
    assert first["output"][0] == {"type": "input_text", "text": "here"}
    assert first["output"][1]["type"] == "input_image"
    assert first["output"][1]["image_url"] == image
    assert second["output"] == "Error: boom failed"
    assert second["call_id"] == "call_2"


def test_anthropic_history_converts_and_drops_thinking(
    create_response_validator: Any,
) -> None:
    ai = AIMessage(
        [
            {"type": "thinking", "thinking": "hmm", "signature": "sig=="},
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "get_weather",
                "input": {"city": "Rome"},
            },
        ],
        tool_calls=[
            {"id": "toolu_01", "name": "get_weather", "args": {"city": "Rome"}}
        ],
        id="msg_01AnthropicId",
        response_metadata={"model_provider": "anthropic"},
    )
    raw_user = HumanMessage(
        [
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": "22C"},
            {"type": "text", "text": "and tomorrow?"},
        ]
    )
    with pytest.warns(UserWarning) as caught:
        body = build_request_body([HumanMessage("Rome?"), ai, raw_user], {"model": "m"})
    create_response_validator.validate(body)
    items = body["input"]
    assert _types(items) == [
        "message",
        "message",
        "function_call",
        "function_call_output",
        "message",
    ]
    assert items[1]["content"][0]["text"] == "Checking."
    assert items[2] == {
        "type": "function_call",
        "call_id": "toolu_01",
        "name": "get_weather",
        "arguments": '{"city":"Rome"}',
    }
    assert items[3]["call_id"] == "toolu_01" and items[3]["output"] == "22C"
    assert items[4]["role"] == "user"
    assert "'thinking'" in _said(caught)


def test_raw_anthropic_blocks_without_tool_calls_still_replay() -> None:
    ai = AIMessage(
        [{"type": "tool_use", "id": "toolu_9", "name": "f", "input": {"x": 1}}]
    )
    [item] = messages_to_input([ai])
    assert item["call_id"] == "toolu_9" and item["arguments"] == '{"x":1}'


def test_openai_chat_completions_history() -> None:
    ai = AIMessage(
        "",
        additional_kwargs={
            "tool_calls": [
                {
                    "id": "call_c1",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"city": "Lima"}',
                    },
                }
            ],
            "__openai_function_call_ids__": {"call_c1": "fc_from_openai"},
        },
    )
    refused = AIMessage("", additional_kwargs={"refusal": "No."})
    items = messages_to_input([ai, ToolMessage("ok", tool_call_id="call_c1"), refused])
    assert items[0] == {
        "type": "function_call",
        "id": "fc_from_openai",
        "call_id": "call_c1",
        "name": "get_weather",
        "arguments": '{"city":"Lima"}',
    }
    assert items[2]["content"] == [{"type": "refusal", "refusal": "No."}]
    assert items[2]["id"].startswith("msg_")


def test_invalid_tool_call_is_replayed_with_its_raw_arguments() -> None:
    ai = response_to_message(
        bodies.response(bodies.function_call_item("f", '{"a": ', "call_bad", "fc_bad"))
    )
    assert ai.invalid_tool_calls
    items = messages_to_input([ai, ToolMessage("bad args", tool_call_id="call_bad")])
    assert items[0]["arguments"] == '{"a": ' and items[0]["id"] == "fc_bad"
    assert items[1]["call_id"] == "call_bad"


def test_foreign_ids_are_not_sent_as_item_ids() -> None:
    ai = AIMessage(
        [
            {"type": "text", "text": "hi", "id": "lc_abc"},
            {
                "type": "function_call",
                "id": "call_x",
                "call_id": "call_x",
                "name": "f",
                "arguments": "{}",
            },
        ],
        tool_calls=[{"id": "call_x", "name": "f", "args": {}}],
    )
    message, call = messages_to_input([ai])
    assert message["id"].startswith("msg_")
    assert "id" not in call


def _rich_reply() -> dict:
    return bodies.response(
        bodies.reasoning_item("rs_1", ["first", "second"], encrypted="ENC-1"),
        bodies.function_call_item("get_weather", '{"city":"Oslo"}', "call_1", "fc_1"),
        bodies.reasoning_item("rs_2", [], encrypted="ENC-2"),
        bodies.message_item("Looking.", "msg_1"),
        {
            "type": "web_search_call",
            "id": "ws_1",
            "status": "completed",
            "action": {"type": "search", "query": "oslo"},
        },
    )


@pytest.mark.parametrize("stream", [False, True])
async def test_v1_output_replays_exactly_like_native(stream: bool) -> None:
    native_llm = make_llm(Recorder(_rich_reply(), _final_reply()), streaming=stream)
    v1_rec = Recorder(_rich_reply(), _final_reply())
    v1_llm = make_llm(v1_rec, output_version="v1", streaming=stream)
    native = native_llm.invoke("q")
    v1 = await v1_llm.ainvoke("q")
    assert any(b.get("type") == "tool_call" for b in v1.content)  # really v1
    follow = [ToolMessage("sunny", tool_call_id="call_1")]
    native_items = messages_to_input([HumanMessage("q"), native, *follow])
    v1_items = messages_to_input([HumanMessage("q"), v1, *follow])
    assert v1_items == native_items
    assert _types(native_items) == [
        "message",
        "reasoning",
        "function_call",
        "reasoning",
        "message",
        "web_search_call",
        "function_call_output",
    ]
    assert native_items[1]["summary"] == [
        {"type": "summary_text", "text": "first"},
        {"type": "summary_text", "text": "second"},
    ]
    assert native_items[3]["encrypted_content"] == "ENC-2"
    # and the whole next request goes out the same way
    v1_llm.invoke([HumanMessage("q"), v1, *follow])
    assert v1_rec.requests[-1].json()["input"] == native_items


def test_other_providers_v1_reasoning_is_dropped_with_warning() -> None:
    ai = AIMessage(
        [
            {
                "type": "reasoning",
                "reasoning": "private",
                "extras": {"signature": "s=="},
            },
            {"type": "text", "text": "Answer."},
            {"type": "tool_call", "id": "tc_1", "name": "f", "args": {"a": 1}},
            {"type": "image", "base64": "AAAA", "mime_type": "image/png"},
        ],
        response_metadata={"output_version": "v1", "model_provider": "anthropic"},
    )
    with pytest.warns(UserWarning) as caught:
        items = messages_to_input([ai])
    assert _types(items) == ["message", "function_call"]
    assert items[1]["call_id"] == "tc_1" and items[1]["arguments"] == '{"a":1}'
    assert "signed 'reasoning'" in _said(caught) and "'image'" in _said(caught)


def test_unknown_blocks_still_fail_loudly() -> None:
    with pytest.raises(ValueError, match="hologram"):
        messages_to_input([AIMessage([{"type": "hologram"}])])
    with pytest.raises(ValueError, match="tool_use_id"):
        messages_to_input([HumanMessage([{"type": "tool_result", "content": "x"}])])


def _said(caught: Any) -> str:
    """The text of the warnings `pytest.warns` caught."""
    return " ".join(str(w.message) for w in caught)
