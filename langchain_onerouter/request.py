"""LangChain messages and settings → a Responses request body. Pure, no I/O.

`build_request_body(messages, params)` is the whole public surface; the rest are
the mapping rules, one function per message kind, readable top to bottom.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_onerouter._json import dumps
from langchain_onerouter.content import to_input_parts

logger = logging.getLogger(__name__)

REASONING_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh"})
REASONING_SUMMARIES = frozenset({"auto", "concise", "detailed"})
# Output items that are also valid input items and are replayed untouched.
PASSTHROUGH_ITEM_TYPES = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "computer_call",
        "computer_call_output",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "local_shell_call_output",
        "mcp_call",
        "mcp_list_tools",
        "mcp_approval_request",
        "mcp_approval_response",
        "custom_tool_call",
        "custom_tool_call_output",
        "item_reference",
    }
)
# Blocks other providers put in history that have no Responses equivalent.
FOREIGN_DROPPED_BLOCK_TYPES = frozenset({"thinking", "redacted_thinking"})


def build_request_body(
    messages: Sequence[BaseMessage], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the `POST /responses` body.

    Args:
        messages: The conversation, oldest first.
        params: Settings already merged from the model and the call: `model`,
            `temperature`, `max_output_tokens`, `reasoning`, `tools`, ... Keys
            whose value is None are left out; unknown keys pass through.

    >>> from langchain_core.messages import HumanMessage
    >>> build_request_body([HumanMessage("hi")], {"model": "o4-mini"})["input"]
    [{'type': 'message', 'role': 'user', 'content': [{'type': 'input_text', 'text': 'hi'}]}]
    """
    validate_params(params)
    body: dict[str, Any] = {"model": params["model"]}
    body["input"] = messages_to_input(
        messages, replay_reasoning_by_id=bool(params.get("store"))
    )
    for key, value in params.items():
        if key != "model" and value is not None:
            body[key] = value
    return body


def validate_params(params: Mapping[str, Any]) -> None:
    """Raise `ValueError` naming the first invalid setting (before any request)."""
    model = params.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty string, got {model!r}")
    tokens = params.get("max_output_tokens")
    if tokens is not None and (
        isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1
    ):
        raise ValueError(
            f"max_tokens (max_output_tokens) must be a positive integer, got {tokens!r}"
        )
    _check_range(params, "temperature", 0.0, 2.0)
    _check_range(params, "top_p", 0.0, 1.0)
    reasoning = params.get("reasoning")
    if reasoning is not None:
        if not isinstance(reasoning, Mapping):
            raise ValueError(f"reasoning must be a dict, got {reasoning!r}")
        effort = reasoning.get("effort")
        if effort is not None and effort not in REASONING_EFFORTS:
            raise ValueError(
                f"reasoning effort must be one of {sorted(REASONING_EFFORTS)}, "
                f"got {effort!r}"
            )
        summary = reasoning.get("summary")
        if summary is not None and summary not in REASONING_SUMMARIES:
            raise ValueError(
                f"reasoning summary must be one of {sorted(REASONING_SUMMARIES)}, "
                f"got {summary!r}"
            )
    include = params.get("include")
    if include is not None and (
        not isinstance(include, (list, tuple))
        or not all(isinstance(i, str) for i in include)
    ):
        raise ValueError(f"include must be a list of strings, got {include!r}")


def _check_range(params: Mapping[str, Any], key: str, lo: float, hi: float) -> None:
    value = params.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{key} must be between {lo:g} and {hi:g}, got {value!r}")


def messages_to_input(
    messages: Sequence[BaseMessage], *, replay_reasoning_by_id: bool = False
) -> list[dict[str, Any]]:
    """Convert a conversation to Responses input items.

    Args:
        messages: LangChain messages.
        replay_reasoning_by_id: Replay reasoning items that have no
            `encrypted_content` (only resolvable when the server stored them,
            i.e. `store=True`). Otherwise such items are left out.
    """
    items: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        where = f"{type(message).__name__} at index {index}"
        if isinstance(message, HumanMessage):
            items.append(_message_item("user", message, where))
        elif isinstance(message, SystemMessage):
            role = (
                "developer"
                if message.additional_kwargs.get("__openai_role__") == "developer"
                else "system"
            )
            items.append(_message_item(role, message, where))
        elif isinstance(message, AIMessage):
            items.extend(
                assistant_items(message, index, replay_reasoning_by_id, where=where)
            )
        elif isinstance(message, ToolMessage):
            items.append(tool_output_item(message, where=where))
        elif isinstance(message, ChatMessage) and message.role in (
            "user",
            "system",
            "developer",
        ):
            items.append(_message_item(message.role, message, where))
        elif isinstance(message, ChatMessage) and message.role == "assistant":
            ai = AIMessage(content=message.content, id=message.id)
            items.extend(assistant_items(ai, index, replay_reasoning_by_id, where=where))
        else:
            role = getattr(message, "role", None)
            raise ValueError(
                f"{where}: message type {message.type!r}"
                + (f" with role {role!r}" if role else "")
                + " cannot be sent to the Responses API"
            )
    return items


def _message_item(role: str, message: BaseMessage, where: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": role,
        "content": to_input_parts(message.content, where=where),
    }


def is_provider_id(value: Any) -> bool:
    """True for an id the API issued (not LangChain's `lc_`/`run-` ids)."""
    return (
        isinstance(value, str)
        and bool(value)
        and not value.startswith(("lc_", "run-", "run--"))
    )


def synthetic_message_id(index: int, text: str) -> str:
    """A stable `msg_` id for a hand-built assistant turn.

    Stable across turns (the history is append-only), so provider prompt
    caches still see an identical prefix.
    """
    digest = hashlib.sha256(f"{index}\x00{text}".encode()).hexdigest()[:40]
    return f"msg_{digest}"


def assistant_items(
    message: AIMessage,
    index: int,
    replay_reasoning_by_id: bool = False,
    *,
    where: str = "AIMessage",
) -> list[dict[str, Any]]:
    """Replay one assistant turn: reasoning, messages and function calls in order.

    Every `message` item gets an `id` and a `status` (OneRouter rejects
    assistant items without them).
    """
    blocks: list[Any]
    if isinstance(message.content, str):
        blocks = [{"type": "text", "text": message.content}] if message.content else []
    else:
        blocks = list(message.content)
    status = (
        "incomplete"
        if message.response_metadata.get("status") == "incomplete"
        else "completed"
    )
    calls = {tc["id"]: tc for tc in message.tool_calls if tc.get("id")}
    emitted: set[str] = set()
    items: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None  # the message item text joins

    for block in blocks:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if not isinstance(block, dict):
            raise ValueError(f"{where}: unsupported content {type(block).__name__}")
        kind = block.get("type")
        if kind in ("text", "output_text", "refusal"):
            part = _output_part(block)
            if part is None:
                continue
            block_id = block.get("id")
            if current is None or (
                is_provider_id(block_id) and current["id"] != block_id
            ):
                current = {
                    "type": "message",
                    "role": "assistant",
                    "id": block_id if is_provider_id(block_id) else None,
                    "status": status,
                    "content": [],
                }
                if block.get("phase"):
                    current["phase"] = block["phase"]
                items.append(current)
            current["content"].append(part)
        elif kind == "reasoning":
            current = None
            _add_reasoning(items, block, replay_reasoning_by_id)
        elif kind in ("function_call", "tool_call", "tool_use"):
            current = None
            call_id = block.get("call_id") if kind == "function_call" else block.get("id")
            if call_id in calls and call_id not in emitted:
                item_id = block.get("id") if kind == "function_call" else None
                extras = block.get("extras") or {}
                item_id = item_id or extras.get("item_id")
                items.append(function_call_item(calls[call_id], item_id))
                emitted.add(call_id)
        elif kind in FOREIGN_DROPPED_BLOCK_TYPES:
            logger.warning(
                "%s: dropped a %r block (another provider's reasoning cannot be "
                "replayed to the Responses API)",
                where,
                kind,
            )
        elif kind in PASSTHROUGH_ITEM_TYPES:
            current = None
            items.append({k: v for k, v in block.items() if k != "index"})
        elif kind in ("tool_call_chunk", "invalid_tool_call", "non_standard"):
            continue
        else:
            raise ValueError(f"{where}: unsupported content block type {kind!r}")

    for call_id, call in calls.items():
        if call_id not in emitted:
            items.append(function_call_item(call, None))
    for item_index, item in enumerate(items):
        if item["type"] == "message" and item["id"] is None:
            text = "".join(p.get("text", p.get("refusal", "")) for p in item["content"])
            item["id"] = synthetic_message_id(index * 1000 + item_index, text)
    return items


def _output_part(block: dict[str, Any]) -> dict[str, Any] | None:
    if block.get("type") == "refusal":
        return {"type": "refusal", "refusal": str(block.get("refusal", ""))}
    text = block.get("text")
    if not text:
        return None
    return {
        "type": "output_text",
        "text": str(text),
        "annotations": list(block.get("annotations") or []),
    }


def _add_reasoning(
    items: list[dict[str, Any]], block: dict[str, Any], replay_by_id: bool
) -> None:
    """Append (or extend) a reasoning item, if the server can resolve it."""
    extras = block.get("extras") or {}
    encrypted = block.get("encrypted_content") or extras.get("encrypted_content")
    item_id = block.get("id")
    if "summary" in block:  # native Responses shape
        summary = [
            {"type": "summary_text", "text": s.get("text", "")}
            for s in block.get("summary") or []
            if isinstance(s, dict)
        ]
    elif block.get("reasoning"):  # LangChain v1 standard block
        summary = [{"type": "summary_text", "text": str(block["reasoning"])}]
    else:
        summary = []
    previous = items[-1] if items else None
    if (
        previous is not None
        and previous["type"] == "reasoning"
        and item_id
        and previous.get("id") == item_id
    ):
        previous["summary"].extend(summary)  # exploded v1 blocks of one item
        if encrypted and "encrypted_content" not in previous:
            previous["encrypted_content"] = encrypted
        return
    if not encrypted and not (replay_by_id and is_provider_id(item_id)):
        logger.debug("reasoning item %s not replayed: no encrypted_content", item_id)
        return
    item: dict[str, Any] = {"type": "reasoning", "summary": summary}
    if is_provider_id(item_id):
        item["id"] = item_id
    if encrypted:
        item["encrypted_content"] = encrypted
    if isinstance(block.get("content"), list) and block["content"]:
        item["content"] = block["content"]
    items.append(item)


def function_call_item(call: Mapping[str, Any], item_id: str | None) -> dict[str, Any]:
    """A `function_call` input item from a LangChain `ToolCall`."""
    try:
        arguments = dumps(call.get("args") or {}).decode()
    except TypeError as exc:
        raise ValueError(
            f"tool call {call.get('name')!r} has arguments that are not "
            f"JSON-serializable: {exc}"
        ) from None
    item: dict[str, Any] = {
        "type": "function_call",
        "call_id": call["id"],
        "name": call["name"],
        "arguments": arguments,
    }
    if is_provider_id(item_id):
        item["id"] = item_id
    return item


def tool_output_item(message: ToolMessage, *, where: str) -> dict[str, Any]:
    """A `function_call_output` item answering `message.tool_call_id`."""
    if not message.tool_call_id:
        raise ValueError(f"{where}: ToolMessage needs a tool_call_id")
    output: str | list[dict[str, Any]]
    if isinstance(message.content, str):
        output = message.content
    else:
        output = to_input_parts(message.content, where=where)
    return {
        "type": "function_call_output",
        "call_id": message.tool_call_id,
        "output": output,
    }
