"""LangChain messages and settings → a Responses request body. Pure, no I/O.

`build_request_body(messages, params)` is the whole public surface; the rest are
the mapping rules, one function per message kind, readable top to bottom.
"""

from __future__ import annotations

import hashlib
import json
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
# Blocks other providers put in history that have no Responses equivalent
# (Anthropic thinking and server tools, v1 media and server tool calls).
FOREIGN_DROPPED_BLOCK_TYPES = frozenset(
    {
        "thinking",
        "redacted_thinking",
        "server_tool_use",
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "server_tool_call",
        "image",
        "image_url",
        "audio",
        "video",
        "file",
        "executable_code",
        "code_execution_result",
    }
)


def build_request_body(
    messages: Sequence[BaseMessage], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the `POST /responses` body.

    Args:
        messages: The conversation, oldest first.
        params: Settings already merged and validated (`settings.call_params`):
            `model`, `temperature`, `max_output_tokens`, `reasoning`, `tools`,
            ... Keys whose value is None are left out; the rest pass through.

    >>> from langchain_core.messages import HumanMessage
    >>> build_request_body([HumanMessage("hi")], {"model": "o4-mini"})["input"]
    [{'type': 'message', 'role': 'user', 'content': [{'type': 'input_text', 'text': 'hi'}]}]
    """
    body: dict[str, Any] = {"model": params["model"]}
    body["input"] = messages_to_input(
        messages, replay_reasoning_by_id=bool(params.get("store"))
    )
    for key, value in params.items():
        if key != "model" and value is not None:
            body[key] = value
    return body


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
            items.extend(user_items(message, "user", index, where))
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
            items.append(tool_output_item(message, where=where, index=index))
        elif isinstance(message, ChatMessage) and message.role in (
            "user",
            "system",
            "developer",
        ):
            items.append(_message_item(message.role, message, where))
        elif isinstance(message, ChatMessage) and message.role == "assistant":
            ai = AIMessage(content=message.content, id=message.id)
            items.extend(
                assistant_items(ai, index, replay_reasoning_by_id, where=where)
            )
        else:
            other_role = getattr(message, "role", None)
            raise ValueError(
                f"{where}: message type {message.type!r}"
                + (f" with role {other_role!r}" if other_role else "")
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

    Reads native Responses blocks, LangChain v1 standard blocks (`text`,
    `reasoning`, `tool_call`, ...), Anthropic blocks (`tool_use`; `thinking`
    is dropped with a warning) and chat-completions messages (`tool_calls`).
    Every `message` item gets an `id` and a `status` (OneRouter rejects
    assistant items without them). When a reasoning item cannot be replayed,
    the server ids of the items after it are not sent either: an upstream that
    stored the turn rejects an item that arrives without its reasoning.
    """
    blocks = _assistant_blocks(message)
    status = (
        "incomplete"
        if message.response_metadata.get("status") == "incomplete"
        else "completed"
    )
    calls = _known_calls(message)
    from_blocks = not calls  # no tool_calls: the content blocks are the calls
    fc_ids = message.additional_kwargs.get("__openai_function_call_ids__") or {}
    emitted: set[str] = set()
    items: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None  # the message item text joins
    state = {"orphaned": False}  # a reasoning item of this turn was left out

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
            if not _has_prefix(block_id, "msg") or state["orphaned"]:
                block_id = None
            if current is None or (block_id and current["id"] != block_id):
                current = {
                    "type": "message",
                    "role": "assistant",
                    "id": block_id,
                    "status": status,
                    "content": [],
                }
                if block.get("phase"):
                    current["phase"] = block["phase"]
                items.append(current)
            current["content"].append(part)
        elif kind == "reasoning":
            current = None
            if not _add_reasoning(items, block, replay_reasoning_by_id, where):
                state["orphaned"] = True
        elif kind in _CALL_BLOCK_TYPES:
            current = None
            call_id, item_id = _call_ids(block, fc_ids)
            if not call_id or call_id in emitted:
                continue
            call = calls.get(call_id)
            if call is None and from_blocks:
                call = _call_from_block(block, call_id)
            if call is None:
                continue  # removed from tool_calls by the caller: not replayed
            items.append(_call_item(call, None if state["orphaned"] else item_id))
            emitted.add(call_id)
        elif kind == "server_tool_call" and block.get("name") == "web_search":
            current = None
            items.append(_web_search_item(block))
        elif kind == "non_standard" and isinstance(block.get("value"), dict):
            value = block["value"]
            if value.get("type") in PASSTHROUGH_ITEM_TYPES:
                current = None
                items.append({k: v for k, v in value.items() if k != "index"})
            else:
                _warn_dropped(where, f"non_standard {value.get('type')!r}")
        elif kind in PASSTHROUGH_ITEM_TYPES:
            current = None
            items.append({k: v for k, v in block.items() if k != "index"})
        elif kind in FOREIGN_DROPPED_BLOCK_TYPES:
            _warn_dropped(where, repr(kind))
        elif kind in _SILENTLY_SKIPPED:
            continue
        else:
            raise ValueError(f"{where}: unsupported content block type {kind!r}")

    for call_id, call in calls.items():
        if call_id not in emitted:
            items.append(_call_item(call, fc_ids.get(call_id)))
    for item_index, item in enumerate(items):
        if item["type"] == "message" and item["id"] is None:
            text = "".join(p.get("text", p.get("refusal", "")) for p in item["content"])
            item["id"] = synthetic_message_id(index * 1000 + item_index, text)
    return items


# Call-like blocks: native Responses, LangChain v1 and Anthropic.
_CALL_BLOCK_TYPES = frozenset(
    {"function_call", "tool_call", "invalid_tool_call", "tool_use"}
)
# Stream leftovers and result halves of pairs handled elsewhere.
_SILENTLY_SKIPPED = frozenset({"tool_call_chunk", "server_tool_result"})


def _assistant_blocks(message: AIMessage) -> list[Any]:
    if isinstance(message.content, str):
        blocks: list[Any] = (
            [{"type": "text", "text": message.content}] if message.content else []
        )
    else:
        blocks = list(message.content)
    refusal = message.additional_kwargs.get("refusal")
    if refusal and not any(
        isinstance(b, dict) and b.get("type") == "refusal" for b in blocks
    ):  # chat-completions style: the refusal only in additional_kwargs
        blocks.append({"type": "refusal", "refusal": str(refusal)})
    return blocks


def _known_calls(message: AIMessage) -> dict[str, dict[str, Any]]:
    """call_id → call, from `tool_calls` and (raw arguments) `invalid_tool_calls`."""
    calls: dict[str, dict[str, Any]] = {}
    for call in message.tool_calls:
        if call.get("id"):
            calls[str(call["id"])] = dict(call)
    for bad in message.invalid_tool_calls:
        if bad.get("id") and bad["id"] not in calls:
            # Replayed with its raw arguments, so a tool message answering it
            # (e.g. an error fed back to the model) still has its call.
            calls[str(bad["id"])] = {
                "id": bad["id"],
                "name": bad.get("name") or "",
                "raw": bad.get("args") or "",
            }
    return calls


def _call_ids(block: dict[str, Any], fc_ids: Mapping[str, Any]) -> tuple[Any, Any]:
    """(call_id, server item id) of a call-like block."""
    extras = block.get("extras") or {}
    if block.get("type") == "function_call":
        call_id, item_id = block.get("call_id"), block.get("id")
    else:
        call_id, item_id = block.get("id"), extras.get("item_id")
    return call_id, item_id or (fc_ids.get(call_id) if call_id else None)


def _call_from_block(block: dict[str, Any], call_id: str) -> dict[str, Any]:
    kind = block.get("type")
    name = block.get("name") or ""
    if kind == "function_call" or kind == "invalid_tool_call":
        raw = block.get("arguments", block.get("args"))
        if isinstance(raw, dict):
            return {"id": call_id, "name": name, "args": raw}
        return {"id": call_id, "name": name, "raw": raw or ""}
    args = block.get("input") if kind == "tool_use" else block.get("args")
    return {"id": call_id, "name": name, "args": args or {}}


def _call_item(call: Mapping[str, Any], item_id: str | None) -> dict[str, Any]:
    if "raw" in call:
        item = function_call_item({**call, "args": {}}, item_id)
        item["arguments"] = str(call["raw"])
        return item
    return function_call_item(call, item_id)


def _web_search_item(block: dict[str, Any]) -> dict[str, Any]:
    """A v1 `server_tool_call` (web_search) back to its `web_search_call` item."""
    return {
        "type": "web_search_call",
        "id": block.get("id"),
        "status": "completed",
        "action": dict(block.get("args") or {}),
    }


def _warn_dropped(where: str, what: str) -> None:
    logger.warning(
        "%s: dropped a %s block (it has no Responses API equivalent, e.g. "
        "another provider's reasoning or server-side tool)",
        where,
        what,
    )


def _has_prefix(value: Any, prefix: str) -> bool:
    return is_provider_id(value) and str(value).startswith(prefix)


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
        "logprobs": [],  # required by the spec's OutputTextContent
    }


def _add_reasoning(
    items: list[dict[str, Any]],
    block: dict[str, Any],
    replay_by_id: bool,
    where: str = "AIMessage",
) -> bool:
    """Append (or extend) a reasoning item; False when it cannot be replayed.

    Replayable: it carries `encrypted_content` (stateless replay), or the
    server stored it (`store=True`) and its `rs_` id resolves.
    """
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
    previous = items[-1] if items and items[-1]["type"] == "reasoning" else None
    if previous is not None and (
        previous.get("id") == item_id
        if item_id
        # a streamed v1 summary part: only the item's first part carries the id
        else "reasoning" in block and not encrypted
    ):
        previous["summary"].extend(summary)  # exploded v1 blocks of one item
        if encrypted and "encrypted_content" not in previous:
            previous["encrypted_content"] = encrypted
        return True
    if not encrypted and not (replay_by_id and _has_prefix(item_id, "rs")):
        if extras.get("signature") or block.get("signature"):
            _warn_dropped(where, "signed 'reasoning'")
        else:
            logger.debug(
                "reasoning item %s not replayed: no encrypted_content", item_id
            )
        return False
    item: dict[str, Any] = {"type": "reasoning", "summary": summary}
    if _has_prefix(item_id, "rs"):
        item["id"] = item_id
    else:  # the spec requires an id; a stable one keeps prompt caches warm
        digest = hashlib.sha256(str(encrypted).encode()).hexdigest()[:40]
        item["id"] = f"rs_{digest}"
    if encrypted:
        item["encrypted_content"] = encrypted
    if isinstance(block.get("content"), list) and block["content"]:
        # Streamed aggregates carry LangChain's merge `index`; the API does not.
        item["content"] = [
            {k: v for k, v in part.items() if k != "index"}
            for part in block["content"]
            if isinstance(part, dict)
        ]
    items.append(item)
    return True


def function_call_item(call: Mapping[str, Any], item_id: str | None) -> dict[str, Any]:
    """A `function_call` input item from a LangChain `ToolCall`.

    `item_id` (the server's `fc_` id) is kept when known; other ids (e.g.
    another provider's) are left out, since OpenAI-backed routes reject
    function_call ids that do not start with `fc`.

    >>> function_call_item({"id": "call_1", "name": "f", "args": {"a": 1}}, "fc_9")
    {'type': 'function_call', 'call_id': 'call_1', 'name': 'f', 'arguments': '{"a":1}', 'id': 'fc_9'}
    """
    try:
        # stdlib json: orjson would silently turn NaN/inf into null.
        arguments = json.dumps(
            call.get("args") or {},
            allow_nan=False,
            ensure_ascii=False,
            separators=(",", ":"),
        )
    except (TypeError, ValueError) as exc:
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
    if _has_prefix(item_id, "fc"):
        item["id"] = item_id
    return item


def tool_output_id(call_id: str, index: int | None = None) -> str:
    """The `id` sent on a `function_call_output` item.

    OneRouter's tool-calling guide asks for an `id` on replayed
    `function_call_output` items. We derive a stable one in OpenAI's own
    prefix for these items (`fco_`) from the call id and the message's
    position: unique within the history (call ids may repeat across turns)
    and identical on every later turn, so provider prompt caches still hit.

    >>> tool_output_id("call_1", 3) == tool_output_id("call_1", 3)
    True
    """
    seed = f"{index if index is not None else ''}\x00{call_id}"
    return "fco_" + hashlib.sha256(seed.encode()).hexdigest()[:40]


def tool_output_item(
    message: ToolMessage, *, where: str, index: int | None = None
) -> dict[str, Any]:
    """A `function_call_output` item answering `message.tool_call_id`.

    List content (text, images, files) is sent as input parts. Tool messages
    with `status="error"` are sent the same way: their content tells the
    model what went wrong.
    """
    if not message.tool_call_id:
        raise ValueError(f"{where}: ToolMessage needs a tool_call_id")
    return _output_item(message.tool_call_id, message.content, where, index)


def _output_item(
    call_id: str, content: Any, where: str, index: int | None
) -> dict[str, Any]:
    output: str | list[dict[str, Any]]
    if isinstance(content, str):
        output = content
    elif isinstance(content, list):
        output = to_input_parts(content, where=where)
    else:
        output = dumps(content).decode()
    return {
        "type": "function_call_output",
        "id": tool_output_id(call_id, index),
        "call_id": call_id,
        "output": output,
    }


def user_items(
    message: BaseMessage, role: str, index: int, where: str
) -> list[dict[str, Any]]:
    """A user turn; Anthropic-style `tool_result` blocks become tool outputs.

    The tool outputs come first (as in Anthropic's format); the rest of the
    content, if any, follows as a user message.
    """
    content = message.content
    if (
        role != "user"
        or not isinstance(content, list)
        or not any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        )
    ):
        return [_message_item(role, message, where)]
    items: list[dict[str, Any]] = []
    rest: list[Any] = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            call_id = block.get("tool_use_id")
            if not call_id:
                raise ValueError(f"{where}: tool_result block needs a tool_use_id")
            result = block.get("content", "")
            items.append(_output_item(str(call_id), result, where, index))
        else:
            rest.append(block)
    if rest:
        items.append(
            {
                "type": "message",
                "role": role,
                "content": to_input_parts(rest, where=where),
            }
        )
    return items
