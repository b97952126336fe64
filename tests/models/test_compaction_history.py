"""A history holding a compaction item: the items it replaced (those before
the most recent compaction item) are not sent again, unless opted out."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.history import drop_compacted
from langchain_onerouter.testing import OneRouterEmulator, Reply, ToolCall
from tests.support.emulator import module_emulator

emu, _fresh = module_emulator()
COMPACTION = {"type": "compaction", "id": "cmp_1", "encrypted_content": "gAAAA-ctx"}
AFTER = {
    "type": "message",
    "id": "msg_after",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "Carrying on.", "annotations": []}],
}


def model(emu: OneRouterEmulator, **kw: Any) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model="openai/gpt-5.4", base_url=emu.base_url, api_key=emu.api_key, **kw
    )


def compacted_history(emu: OneRouterEmulator) -> list[BaseMessage]:
    """A real run: a tool turn, then a reply that carries a compaction item."""
    llm = model(emu).bind_tools([lookup])
    history: list[BaseMessage] = [
        SystemMessage("You are terse."),
        HumanMessage("old question " * 50),
    ]
    emu.push(Reply(tool_calls=[ToolCall("lookup", {"q": "x"}, call_id="call_old")]))
    history.append(llm.invoke(history))
    history.append(ToolMessage("old tool output", tool_call_id="call_old"))
    emu.push(Reply(items=[COMPACTION, AFTER]))
    history.append(llm.invoke(history))
    history.append(HumanMessage("new question"))
    return history


def lookup(q: str) -> str:
    """Look something up."""
    return q


def kinds(body: dict[str, Any]) -> list[str]:
    return [item.get("role") or item["type"] for item in body["input"]]


@pytest.mark.parametrize("streaming", [False, True])
def test_items_before_the_compaction_are_not_sent(
    emu: OneRouterEmulator, streaming: bool
) -> None:
    history = compacted_history(emu)
    emu.push(Reply(text="ok"))
    model(emu, streaming=streaming).invoke(history)
    sent = emu.requests[-1].body
    assert kinds(sent) == ["system", "compaction", "assistant", "user"]
    assert sent["input"][1] == COMPACTION
    assert "old question" not in str(sent["input"])
    assert sent["input"][-1]["content"][0]["text"] == "new question"


def test_the_opt_out_sends_everything(emu: OneRouterEmulator) -> None:
    history = compacted_history(emu)
    emu.push(Reply(text="ok"), Reply(text="ok"))
    model(emu, drop_compacted_history=False).invoke(history)
    whole = kinds(emu.requests[-1].body)
    assert whole[:4] == ["system", "user", "function_call", "function_call_output"]
    model(emu).invoke(history, drop_compacted_history=False)  # per call too
    assert kinds(emu.requests[-1].body) == whole


def test_token_counts_see_what_is_sent(emu: OneRouterEmulator) -> None:
    history = compacted_history(emu)
    pruned = model(emu).get_num_tokens_from_messages(history)
    whole = model(emu, drop_compacted_history=False).get_num_tokens_from_messages(
        history
    )
    assert whole - pruned >= 50  # the 50 words of the old question, at least


def test_without_a_compaction_item_nothing_changes() -> None:
    body = {"input": [{"type": "message", "role": "user", "content": "hi"}]}
    assert drop_compacted(body) == 0 and len(body["input"]) == 1


def test_only_the_latest_compaction_counts_and_orphans_go() -> None:
    body: dict[str, Any] = {
        "input": [
            {"type": "message", "role": "developer", "content": "rules"},
            {"type": "compaction", "encrypted_content": "first"},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "compaction", "encrypted_content": "second"},
            {"type": "function_call_output", "call_id": "c1", "output": "late"},
            {"type": "message", "role": "user", "content": "next"},
        ]
    }
    assert drop_compacted(body) == 3
    assert [i.get("encrypted_content", i.get("content")) for i in body["input"]] == [
        "rules",
        "second",
        "next",
    ]


@pytest.mark.parametrize("chain", ["previous_response_id", "conversation"])
def test_server_side_chaining_is_never_pruned(chain: str) -> None:
    items = [
        {"type": "message", "role": "user", "content": "old"},
        {"type": "compaction", "encrypted_content": "x"},
    ]
    body = {"input": list(items), chain: "resp_1"}
    assert drop_compacted(body) == 0 and body["input"] == items


def test_a_hand_built_history_with_a_compaction_item(emu: OneRouterEmulator) -> None:
    history = [
        HumanMessage("old"),
        AIMessage(
            content=[COMPACTION, {"type": "text", "text": "summary kept"}],
            response_metadata={"model_provider": "onerouter"},
        ),
        HumanMessage("new"),
    ]
    emu.push(Reply(text="ok"))
    model(emu).invoke(history)
    assert kinds(emu.requests[-1].body) == ["compaction", "assistant", "user"]
