"""Open-world output items: any item the API returns survives the next turn.

Each case is an answer holding some output items (hand-written from the shapes
in OpenAI's spec, plus types the spec does not list); the test runs it through
invoke or stream, puts the message in the history and checks the exact items
of the next request. Items of spec types are validated against `InputItem`
when ../shared/spec is present.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_onerouter._mapping.request import messages_to_input
from langchain_onerouter._mapping.response import response_to_message
from tests.support import bodies
from tests.support.models import Recorder, make_llm
from tests.support.modes import call

TOOL_SEARCH = [
    {
        "type": "tool_search_call",
        "id": "tsc_01",
        "call_id": "call_ts01",
        "execution": "server",
        "arguments": {"query": "weather"},
        "status": "completed",
    },
    {
        "type": "tool_search_output",
        "id": "tso_01",
        "call_id": "call_ts01",
        "execution": "server",
        "status": "completed",
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather in a city.",
                "parameters": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}},
                    "required": ["city"],
                    "additionalProperties": False,
                },
                "strict": True,
            }
        ],
    },
]
COMPACTION = [
    {"type": "compaction", "id": "cmp_01", "encrypted_content": "gAAAA-compacted=="}
]
PROGRAM = [
    {
        "type": "program",
        "id": "cm_01",
        "call_id": "call_pg01",
        "code": "const w = await tools.get_weather({city: 'Oslo'});\nreturn w;",
        "fingerprint": "fp-opaque-7f3a",
    },
    {
        "type": "program_output",
        "id": "cmo_01",
        "call_id": "call_pg01",
        "result": "sunny",
        "status": "completed",
    },
]
X_SEARCH = [  # xAI's hosted X search: not in OpenAI's spec
    {
        "type": "x_search_call",
        "id": "xs_01",
        "status": "completed",
        "action": {"type": "search", "query": "from:nasa artemis"},
    }
]
FUTURE = [  # a type no code has seen, nested values and all
    {
        "type": "future_thing_call",
        "id": "fut_01",
        "status": "completed",
        "payload": {"steps": [1, 2, {"deep": [None, True, 0.5]}], "note": "é ✓"},
    }
]
CASES = {
    "tool_search": TOOL_SEARCH,
    "compaction": COMPACTION,
    "program": PROGRAM,
    "x_search": X_SEARCH,
    "future_thing": FUTURE,
}


def _answer(items: list[dict[str, Any]]) -> dict[str, Any]:
    return bodies.response(
        bodies.reasoning_item("rs_01", ["thinking"], encrypted="gAAAA-rs01"),
        *items,
        bodies.message_item("Done.", "msg_01"),
    )


def _replayed(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The exact next-request input after [question, answer, follow-up]."""
    return [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "go"}],
        },
        {
            "type": "reasoning",
            "id": "rs_01",
            "summary": [{"type": "summary_text", "text": "thinking"}],
            "encrypted_content": "gAAAA-rs01",
        },
        *items,
        {
            "type": "message",
            "role": "assistant",
            "id": "msg_01",
            "status": "completed",
            "content": [
                {
                    "type": "output_text",
                    "text": "Done.",
                    "annotations": [],
                    "logprobs": [],
                }
            ],
        },
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "and then?"}],
        },
    ]


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("mode", ["invoke", "stream", "astream"])
@pytest.mark.parametrize("output_version", ["responses/v1", "v1"])
async def test_output_items_replay_verbatim_in_place(
    case: str, mode: str, output_version: str, check_spec: Any
) -> None:
    items = CASES[case]
    rec = Recorder(_answer(items), bodies.text_response("ok"))
    llm = make_llm(rec, use_encrypted_reasoning=True, output_version=output_version)
    question = HumanMessage("go")
    ai = (await call(llm, mode, [question])).final()
    assert ai.text == "Done."
    # every item in place, a compaction item too (not pruning what precedes it)
    llm.invoke([question, ai, HumanMessage("and then?")], drop_compacted_history=False)

    sent = rec.requests[1].json()["input"]
    assert sent == _replayed(items)
    check_spec(sent)


def test_v1_blocks_are_really_standard_blocks() -> None:
    """The v1 path above is not the native one: the items became v1 blocks."""
    message = response_to_message(_answer(TOOL_SEARCH + FUTURE))
    kinds = [b["type"] for b in message.content_blocks]
    assert kinds == [
        "reasoning",
        "server_tool_call",
        "server_tool_result",
        "non_standard",
        "text",
    ]


def test_id_only_reasoning_is_dropped_with_a_debug_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ai = response_to_message(
        bodies.response(
            bodies.reasoning_item("rs_02", ["hidden"]),  # no encrypted_content
            *FUTURE,
            bodies.message_item("Done.", "msg_02"),
        )
    )
    with caplog.at_level(logging.DEBUG, logger="langchain_onerouter"):
        items = messages_to_input([ai])
    assert [i["type"] for i in items] == ["future_thing_call", "message"]
    assert items[0] == FUTURE[0]
    assert "rs_02" in caplog.text and "encrypted_content" in caplog.text
    # stored on the server (store=True), the id resolves and it is sent
    stored = messages_to_input([ai], replay_reasoning_by_id=True)
    assert [i["type"] for i in stored] == ["reasoning", "future_thing_call", "message"]


def test_orphaned_outputs_are_dropped_with_a_debug_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A trimmed history: the turn that made the calls is gone.
    ai = response_to_message(
        bodies.response(TOOL_SEARCH[1], PROGRAM[1], bodies.message_item("Hi", "msg_3"))
    )
    history = [ai, ToolMessage("stale", tool_call_id="call_gone"), HumanMessage("q")]
    with caplog.at_level(logging.DEBUG, logger="langchain_onerouter"):
        items = messages_to_input(history)
    assert [i["type"] for i in items] == ["message", "message"]
    for call_id in ("call_ts01", "call_pg01", "call_gone"):
        assert f"no call with call_id '{call_id}' precedes it" in caplog.text


def test_outputs_after_their_calls_are_kept_across_messages() -> None:
    call_turn = response_to_message(bodies.response(TOOL_SEARCH[0], PROGRAM[0]))
    output_turn = response_to_message(bodies.response(TOOL_SEARCH[1], PROGRAM[1]))
    items = messages_to_input([call_turn, output_turn])
    assert items == [TOOL_SEARCH[0], PROGRAM[0], TOOL_SEARCH[1], PROGRAM[1]]


def test_previous_response_id_keeps_outputs_whose_call_the_server_holds() -> None:
    from langchain_onerouter._mapping.request import build_request_body

    tool = ToolMessage("sunny", tool_call_id="call_on_server")
    body = build_request_body(
        [tool], {"model": "m", "previous_response_id": "resp_prev"}
    )
    assert [i["call_id"] for i in body["input"]] == ["call_on_server"]
    assert build_request_body([tool, HumanMessage("x")], {"model": "m"})["input"] == [
        {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "x"}],
        }
    ]


def test_other_providers_unknown_blocks_are_dropped_with_a_warning() -> None:
    ai = AIMessage(
        [
            {"type": "text", "text": "Hi"},
            {"type": "container_upload", "file_id": "f_1"},  # Anthropic's
            {"type": "non_standard", "value": {"type": "grounding", "x": 1}},
        ],
        response_metadata={"model_provider": "anthropic"},
    )
    with pytest.warns(UserWarning) as caught:
        items = messages_to_input([ai])
    assert [i["type"] for i in items] == ["message"]
    assert "'container_upload'" in _said(caught)
    assert "'grounding'" in _said(caught)


def test_hand_built_messages_accept_spec_items_and_reject_typos() -> None:
    ai = AIMessage([{"type": "text", "text": "x"}, COMPACTION[0]])
    assert messages_to_input([ai])[1] == COMPACTION[0]
    with pytest.raises(ValueError, match="'compactoin'.*model_provider"):
        messages_to_input([AIMessage([{**COMPACTION[0], "type": "compactoin"}])])


HOSTED = {  # server-executed tools: v1 turns them into server_tool_* blocks
    "web_search": {
        "type": "web_search_call",
        "id": "ws_01",
        "status": "completed",
        "action": {
            "type": "search",
            "query": "oslo weather",
            "sources": [{"type": "url", "url": "https://yr.no"}],
        },
    },
    "file_search": {
        "type": "file_search_call",
        "id": "fs_01",
        "status": "completed",
        "queries": ["refund policy"],
        "results": [{"file_id": "file_1", "filename": "policy.md", "score": 0.9}],
    },
    "code_interpreter": {
        "type": "code_interpreter_call",
        "id": "ci_01",
        "status": "completed",
        "code": "print(6 * 7)",
        "container_id": "cntr_1",
        "outputs": [{"type": "logs", "logs": "42"}],
    },
    "mcp_call": {
        "type": "mcp_call",
        "id": "mcp_01",
        "server_label": "deepwiki",
        "name": "ask_question",
        "arguments": '{"q": "what is langchain?"}',
        "output": "A framework.",
        "status": "completed",
    },
    "mcp_list_tools": {
        "type": "mcp_list_tools",
        "id": "mcpl_01",
        "server_label": "deepwiki",
        "tools": [{"name": "ask_question", "input_schema": {"type": "object"}}],
    },
    "image_generation": {
        "type": "image_generation_call",
        "id": "ig_01",
        "status": "completed",
        "result": "iVBORw0KGgo=",
    },
}


@pytest.mark.parametrize("case", sorted(HOSTED))
@pytest.mark.parametrize("stream", [False, True])
def test_hosted_tool_items_replay_the_same_from_v1_blocks(
    case: str, stream: bool, check_spec: Any
) -> None:
    item = HOSTED[case]
    native_rec = Recorder(_answer([item]))
    v1_rec = Recorder(_answer([item]))
    native = make_llm(native_rec, streaming=stream).invoke("go")
    v1 = make_llm(v1_rec, streaming=stream, output_version="v1").invoke("go")
    assert not any(b.get("type") == item["type"] for b in v1.content)  # really v1
    assert messages_to_input([v1]) == messages_to_input([native])
    assert messages_to_input([native])[1] == item
    check_spec(messages_to_input([v1]))


def test_annotations_become_citations_and_replay_unchanged() -> None:
    cite = {
        "type": "url_citation",
        "url": "https://yr.no",
        "title": "Yr",
        "start_index": 0,
        "end_index": 5,
    }
    body = bodies.response(HOSTED["web_search"], bodies.message_item("Sunny", "msg_c"))
    body["output"][1]["content"] = [
        {"type": "output_text", "text": "Sunny", "annotations": [cite]}
    ]
    message = response_to_message(body)
    text_block = message.content_blocks[-1]
    assert text_block["annotations"][0]["type"] == "citation"
    assert text_block["annotations"][0]["url"] == "https://yr.no"
    assert messages_to_input([message])[1]["content"][0]["annotations"] == [cite]


def _said(caught: Any) -> str:
    """The text of the warnings `pytest.warns` caught."""
    return " ".join(str(w.message) for w in caught)
