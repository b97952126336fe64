"""LangChain messages and settings → a Responses request body. Pure, no I/O.

`build_request_body(messages, params)` is the whole public surface; the rest are
the mapping rules, one function per message kind, readable top to bottom.

Which assistant blocks are items we received (the open-world rule):

- A message whose `response_metadata["model_provider"]` is one of
  `RESPONSES_PROVIDERS` (ours, or ChatOpenAI's Responses output) came from a
  Responses API: each of its blocks that is not text, reasoning or a LangChain
  standard block is an output item, replayed verbatim (minus LangChain's
  stream-merge `index`) in its place, whatever its type, including types this
  code has never seen. With `output_version="v1"` LangChain wraps such items
  as `non_standard` blocks, and turns hosted-tool items into
  `server_tool_call`/`server_tool_result` blocks; both are turned back.
- A message of another provider (Anthropic, Gemini, ...): its blocks are that
  provider's, not Responses items. Those with an equivalent are converted
  (`tool_use`, text); the rest are dropped with a warning.
- A message without a provider was built by hand: an unknown block type
  raises `ValueError` (a typo must not vanish), while any input item type of
  the spec (`items.SPEC_ITEM_TYPES`) is accepted.

Only what the server cannot resolve is left out, each with a DEBUG log saying
why: reasoning known only by id in stateless mode, and outputs whose call does
not precede them (a trimmed history).
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
from langchain_core.messages.content import KNOWN_BLOCK_TYPES

from langchain_onerouter._mapping import items as known
from langchain_onerouter._mapping.content import to_input_parts
from langchain_onerouter._mapping.jsonutil import dumps

logger = logging.getLogger(__name__)

RESPONSES_PROVIDERS = ("onerouter", "openai")
"""`model_provider`s whose messages hold Responses items (ours and ChatOpenAI's)."""
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
        "executable_code",
        "code_execution_result",
    }
    | KNOWN_BLOCK_TYPES  # LangChain's standard blocks that are not handled below
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
        messages,
        replay_reasoning_by_id=bool(params.get("store")),
        drop_orphaned_outputs=not (
            params.get("previous_response_id") or params.get("conversation")
        ),
    )
    for key, value in params.items():
        if key != "model" and value is not None:
            body[key] = value
    return body


def messages_to_input(
    messages: Sequence[BaseMessage],
    *,
    replay_reasoning_by_id: bool = False,
    drop_orphaned_outputs: bool = True,
) -> list[dict[str, Any]]:
    """Convert a conversation to Responses input items.

    Args:
        messages: LangChain messages.
        replay_reasoning_by_id: Replay reasoning items that have no
            `encrypted_content` (only resolvable when the server stored them,
            i.e. `store=True`). Otherwise such items are left out.
        drop_orphaned_outputs: Leave out output items (`function_call_output`,
            `*_call_output`, ...) whose call precedes them nowhere in the
            input: the API rejects them. Off when the server holds the earlier
            turns (`previous_response_id`).
    """
    items: list[dict[str, Any]] = []
    client_calls: dict[str, dict[str, Any]] = {}  # call_id → client call item
    for index, message in enumerate(messages):
        where = f"{type(message).__name__} at index {index}"
        if isinstance(message, HumanMessage):
            items.extend(_user_items(message, "user", index, where))
        elif isinstance(message, SystemMessage):
            role = (
                "developer"
                if message.additional_kwargs.get("__openai_role__") == "developer"
                else "system"
            )
            items.append(_message_item(role, message, where))
        elif isinstance(message, AIMessage):
            turn = assistant_items(message, index, replay_reasoning_by_id, where=where)
            client_calls.update(
                (str(i["call_id"]), i) for i in turn if i["type"] in known.CLIENT_CALLS
            )
            items.extend(turn)
        elif isinstance(message, ToolMessage):
            call = client_calls.get(message.tool_call_id)
            items.append(
                _tool_output_item(message, where=where, index=index, call=call)
            )
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
    return _drop_orphans(items) if drop_orphaned_outputs else items


def _drop_orphans(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Leave out outputs whose call does not precede them (the API rejects them)."""
    kept: list[dict[str, Any]] = []
    calls: set[str] = set()
    for position, item in enumerate(items):
        if known.is_call(item):
            calls.add(str(item["call_id"]))
        elif known.is_output(item) and item["call_id"] not in calls:
            logger.debug(
                "input item %d (%s) not sent: no call with call_id %r precedes it "
                "(e.g. the history was trimmed between a call and its output)",
                position,
                item["type"],
                item["call_id"],
            )
            continue
        kept.append(item)
    return kept


def _message_item(role: str, message: BaseMessage, where: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": role,
        "content": to_input_parts(message.content, where=where),
    }


def _is_provider_id(value: Any) -> bool:
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
    """Replay one assistant turn: every item it holds, in its place.

    Reads native Responses blocks, LangChain v1 standard blocks (`text`,
    `reasoning`, `tool_call`, `server_tool_call`, `non_standard`, ...),
    Anthropic blocks (`tool_use`; `thinking` is dropped with a warning) and
    chat-completions messages (`tool_calls`). Any other block is an item we
    received, replayed verbatim, when the message comes from a Responses
    provider (see the module docstring). Every `message` item gets an `id`
    and a `status` (OneRouter rejects assistant items without them). When a
    reasoning item cannot be replayed, the server ids of the messages and
    function calls after it are not sent either: an upstream that stored the
    turn rejects an item that arrives without its reasoning.
    """
    blocks = _assistant_blocks(message)
    provider = message.response_metadata.get("model_provider")
    source = (
        "responses"
        if provider in RESPONSES_PROVIDERS
        else ("foreign" if provider else "typed")
    )
    status = (
        "incomplete"
        if message.response_metadata.get("status") == "incomplete"
        else "completed"
    )
    calls = _known_calls(message)
    from_blocks = not calls  # no tool_calls: the content blocks are the calls
    fc_ids = message.additional_kwargs.get("__openai_function_call_ids__") or {}
    results = {
        b["tool_call_id"]: b
        for b in blocks
        if isinstance(b, dict)
        and b.get("type") == "server_tool_result"
        and isinstance(b.get("tool_call_id"), str)
    }
    emitted: set[str] = set()
    items: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None  # the message item text joins
    state = {"orphaned": False}  # a reasoning item of this turn was left out

    def add_item(block: dict[str, Any]) -> None:
        """An item block: a client call, or any other item, verbatim."""
        kind = block.get("type")
        if kind in known.CLIENT_CALLS:
            call_id = block.get("call_id")
            if not isinstance(call_id, str) or call_id in emitted:
                return
            call = calls.get(call_id)
            if call is None and not from_blocks:
                return  # removed from tool_calls by the caller: not replayed
            items.append(known.replay_client_call(block, call))
            emitted.add(call_id)
        elif source == "responses" or kind in known.SPEC_ITEM_TYPES:
            items.append(known.strip_index(block))
        elif source == "foreign":
            _warn_dropped(where, repr(kind))
        else:
            raise ValueError(
                f"{where}: unsupported content block type {kind!r} (a hand-built "
                "message may hold text, reasoning, tool calls and Responses "
                "input items; received items replay when the message's "
                "response_metadata['model_provider'] is one of "
                f"{list(RESPONSES_PROVIDERS)})"
            )

    for block in blocks:
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if not isinstance(block, dict):
            raise ValueError(f"{where}: unsupported content {type(block).__name__}")
        kind = block.get("type")
        before = len(items)
        if kind in _TEXT_BLOCKS:
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
            if not _add_reasoning(items, block, replay_reasoning_by_id, where):
                state["orphaned"] = True
        elif kind in _CALL_BLOCK_TYPES:
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
        elif kind == "non_standard" and isinstance(block.get("value"), dict):
            value = block["value"]
            if isinstance(value.get("type"), str) and source != "typed":
                add_item(value)  # LangChain v1 wraps items it does not know
            else:
                _warn_dropped(where, f"non_standard {value.get('type')!r}")
        elif kind in _V1_ITEM_BLOCKS and source != "foreign":
            item = _V1_ITEM_BLOCKS[kind](block, results)
            if item is not None:
                items.append(item)
            elif kind != "server_tool_result":  # other results go with their call
                _warn_dropped(where, f"{kind} {block.get('name', '')!r}".strip())
        elif kind in _SILENTLY_SKIPPED:
            continue
        elif kind in FOREIGN_DROPPED_BLOCK_TYPES:
            _warn_dropped(where, repr(kind))
        elif isinstance(kind, str):
            add_item(block)
        else:
            raise ValueError(f"{where}: content block without a 'type': {block!r}")
        if kind not in _TEXT_BLOCKS and (kind == "reasoning" or len(items) > before):
            current = None  # text after another item starts a new message item

    for call_id, call in calls.items():
        if call_id not in emitted:
            items.append(_call_item(call, fc_ids.get(call_id)))
    for item_index, item in enumerate(items):
        if item["type"] == "message" and item["id"] is None:
            text = "".join(p.get("text", p.get("refusal", "")) for p in item["content"])
            item["id"] = synthetic_message_id(index * 1000 + item_index, text)
    return items


# v1 standard blocks that langchain-core's translator made of hosted-tool items.
_V1_ITEM_BLOCKS: dict[str, Any] = {
    "server_tool_call": known.v1_server_item,
    "server_tool_result": lambda block, _: known.v1_server_result_item(block),
    "image": lambda block, _: known.v1_image_item(block),
}
_TEXT_BLOCKS = ("text", "output_text", "refusal")
# Call-like blocks: native Responses, LangChain v1 and Anthropic.
_CALL_BLOCK_TYPES = frozenset(
    {"function_call", "tool_call", "invalid_tool_call", "tool_use"}
)
# Stream leftovers and result halves of pairs handled elsewhere.
_SILENTLY_SKIPPED = frozenset({"tool_call_chunk", "server_tool_call_chunk"})


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


def _warn_dropped(where: str, what: str) -> None:
    logger.warning(
        "%s: dropped a %s block (it has no Responses API equivalent, e.g. "
        "another provider's reasoning or server-side tool)",
        where,
        what,
    )


def _has_prefix(value: Any, prefix: str) -> bool:
    return _is_provider_id(value) and str(value).startswith(prefix)


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


def _tool_output_item(
    message: ToolMessage,
    *,
    where: str,
    index: int | None = None,
    call: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The output item answering `message.tool_call_id`.

    `call` is the client call item it answers, when that is not a function
    call (`custom_tool_call`, `shell_call`, ...: see `items.output_item`).
    Otherwise a `function_call_output`: list content (text, images, files) is
    sent as input parts. Tool messages with `status="error"` are sent the same
    way: their content tells the model what went wrong.
    """
    if not message.tool_call_id:
        raise ValueError(f"{where}: ToolMessage needs a tool_call_id")
    if call is not None:
        return known.output_item(
            call,
            message.content,
            status=message.status,
            additional_kwargs=message.additional_kwargs,
            where=where,
        )
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


def _user_items(
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
