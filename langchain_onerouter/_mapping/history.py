"""One assistant turn of the history → the Responses items it replays. Pure.

`assistant_items(message, ...)` reads the message's blocks in order and hands
each to the handler of its kind (`_HANDLERS`); the handlers add items to one
`_Turn`. Which blocks are items we received (the open-world rule):

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

Reasoning known only by id in stateless mode is left out (DEBUG log).
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.messages.content import KNOWN_BLOCK_TYPES

from langchain_onerouter._mapping import items as known
from langchain_onerouter._mapping.jsonutil import check_json, dumps

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
    turn = _Turn.of(message, replay_reasoning_by_id, where)
    for block in _assistant_blocks(message):
        if isinstance(block, str):
            block = {"type": "text", "text": block}
        if not isinstance(block, dict):
            raise ValueError(f"{where}: unsupported content {type(block).__name__}")
        kind = block.get("type")
        if not isinstance(kind, str):
            raise ValueError(f"{where}: content block without a 'type': {block!r}")
        handler = _HANDLERS.get(kind, _on_item)
        before = len(turn.items)
        handler(turn, block)
        if handler is not _on_text and (
            kind == "reasoning" or len(turn.items) > before
        ):
            turn.current = None  # text after another item starts a new message item
    return turn.finish(index)


@dataclass
class _Turn:
    """The items one assistant message has produced so far, and what they owe."""

    where: str
    source: str  # "responses", "foreign" (another provider's) or "typed" (by hand)
    status: str  # of its message items
    replay_by_id: bool
    calls: dict[str, dict[str, Any]]  # call_id → its tool call
    from_blocks: bool  # no tool_calls: the content blocks are the calls
    fc_ids: Mapping[str, Any]  # call_id → the server's `fc_` id
    results: dict[str, dict[str, Any]]  # v1 server_tool_result blocks by call id
    items: list[dict[str, Any]] = field(default_factory=list)
    emitted: set[str] = field(default_factory=set)  # call ids already replayed
    current: dict[str, Any] | None = None  # the message item text joins
    orphaned: bool = False  # a reasoning item of this turn was left out

    @classmethod
    def of(cls, message: AIMessage, replay_by_id: bool, where: str) -> _Turn:
        metadata = message.response_metadata
        provider = metadata.get("model_provider")
        calls = _known_calls(message)
        return cls(
            where=where,
            source="responses"
            if provider in RESPONSES_PROVIDERS
            else ("foreign" if provider else "typed"),
            status="incomplete"
            if metadata.get("status") == "incomplete"
            else "completed",
            replay_by_id=replay_by_id,
            calls=calls,
            from_blocks=not calls,
            fc_ids=message.additional_kwargs.get("__openai_function_call_ids__") or {},
            results=_server_results(message.content),
        )

    def finish(self, index: int) -> list[dict[str, Any]]:
        """The items, with the tool calls no block held and stable message ids."""
        for call_id, call in self.calls.items():
            if call_id not in self.emitted:
                self.items.append(_call_item(call, self.fc_ids.get(call_id)))
        for item_index, item in enumerate(self.items):
            if item["type"] == "message" and item["id"] is None:
                text = "".join(
                    p.get("text", p.get("refusal", "")) for p in item["content"]
                )
                item["id"] = synthetic_message_id(index * 1000 + item_index, text)
        return self.items


# -- one handler per block kind ---------------------------------------------------
def _on_text(turn: _Turn, block: dict[str, Any]) -> None:
    """Text and refusals join the current message item (or start one)."""
    part = _output_part(block)
    if part is None:
        return
    block_id = block.get("id")
    if not _has_prefix(block_id, "msg") or turn.orphaned:
        block_id = None
    if turn.current is None or (block_id and turn.current["id"] != block_id):
        turn.current = {
            "type": "message",
            "role": "assistant",
            "id": block_id,
            "status": turn.status,
            "content": [],
        }
        if block.get("phase"):
            turn.current["phase"] = block["phase"]
        turn.items.append(turn.current)
    turn.current["content"].append(part)


def _on_reasoning(turn: _Turn, block: dict[str, Any]) -> None:
    if not _add_reasoning(turn.items, block, turn.replay_by_id, turn.where):
        turn.orphaned = True


def _on_call(turn: _Turn, block: dict[str, Any]) -> None:
    """A function call: native, LangChain v1 (`tool_call`) or Anthropic."""
    call_id, item_id = _call_ids(block, turn.fc_ids)
    if not call_id or call_id in turn.emitted:
        return
    call = turn.calls.get(call_id)
    if call is None and turn.from_blocks:
        call = _call_from_block(block, call_id)
    if call is None:
        return  # removed from tool_calls by the caller: not replayed
    turn.items.append(_call_item(call, None if turn.orphaned else item_id))
    turn.emitted.add(call_id)


def _on_non_standard(turn: _Turn, block: dict[str, Any]) -> None:
    """LangChain v1 wraps items it does not know in `non_standard` blocks."""
    value = block.get("value")
    if not isinstance(value, dict):
        _warn_dropped(turn.where, repr(block.get("type")))
    elif isinstance(value.get("type"), str) and turn.source != "typed":
        _on_item(turn, value)
    else:
        _warn_dropped(turn.where, f"non_standard {value.get('type')!r}")


# v1 standard blocks that langchain-core's translator made of hosted-tool items.
_V1_ITEM_BLOCKS: dict[str, Any] = {
    "server_tool_call": known.v1_server_item,
    "server_tool_result": lambda block, _: known.v1_server_result_item(block),
    "image": lambda block, _: known.v1_image_item(block),
}


def _on_v1_item(turn: _Turn, block: dict[str, Any]) -> None:
    """A v1 block langchain-core's translator made of a hosted-tool item."""
    kind = str(block["type"])
    if turn.source == "foreign":
        _warn_dropped(turn.where, repr(kind))
        return
    item = _V1_ITEM_BLOCKS[kind](block, turn.results)
    if item is not None:
        turn.items.append(item)
    elif kind != "server_tool_result":  # other results go with their call
        _warn_dropped(turn.where, f"{kind} {block.get('name', '')!r}".strip())


def _on_item(turn: _Turn, block: dict[str, Any]) -> None:
    """An item block: a client call, or any other item, verbatim."""
    kind = block.get("type")
    if kind in known.CLIENT_CALLS:
        call_id = block.get("call_id")
        if not isinstance(call_id, str) or call_id in turn.emitted:
            return
        call = turn.calls.get(call_id)
        if call is None and not turn.from_blocks:
            return  # removed from tool_calls by the caller: not replayed
        turn.items.append(known.replay_client_call(block, call))
        turn.emitted.add(call_id)
    elif turn.source == "responses" or kind in known.SPEC_ITEM_TYPES:
        turn.items.append(known.strip_index(block))
    elif turn.source == "foreign":
        _warn_dropped(turn.where, repr(kind))
    else:
        raise ValueError(
            f"{turn.where}: unsupported content block type {kind!r} (a hand-built "
            "message may hold text, reasoning, tool calls and Responses "
            "input items; received items replay when the message's "
            "response_metadata['model_provider'] is one of "
            f"{list(RESPONSES_PROVIDERS)})"
        )


def _on_dropped(turn: _Turn, block: dict[str, Any]) -> None:
    _warn_dropped(turn.where, repr(block.get("type")))


def _on_skipped(turn: _Turn, block: dict[str, Any]) -> None:
    """Stream leftovers (`tool_call_chunk`, ...): the merged blocks hold them."""


_Handler = Callable[[_Turn, dict[str, Any]], None]
_HANDLERS: dict[str, _Handler] = {
    **dict.fromkeys(FOREIGN_DROPPED_BLOCK_TYPES, _on_dropped),
    **dict.fromkeys(("text", "output_text", "refusal"), _on_text),
    "reasoning": _on_reasoning,
    # Call-like blocks: native Responses, LangChain v1 and Anthropic.
    **dict.fromkeys(
        ("function_call", "tool_call", "invalid_tool_call", "tool_use"), _on_call
    ),
    "non_standard": _on_non_standard,
    **dict.fromkeys(("server_tool_call", "server_tool_result", "image"), _on_v1_item),
    **dict.fromkeys(("tool_call_chunk", "server_tool_call_chunk"), _on_skipped),
}
"""Block kind → handler; any other kind is an item (`_on_item`)."""


# -- the message's blocks and calls ---------------------------------------------
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


def _server_results(content: Any) -> dict[str, dict[str, Any]]:
    """v1 `server_tool_result` blocks by `tool_call_id`: their call's output."""
    return {
        b["tool_call_id"]: b
        for b in (content if isinstance(content, list) else [])
        if isinstance(b, dict)
        and b.get("type") == "server_tool_result"
        and isinstance(b.get("tool_call_id"), str)
    }


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


# -- text -------------------------------------------------------------------------
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


def synthetic_message_id(index: int, text: str) -> str:
    """A stable `msg_` id for a hand-built assistant turn.

    Stable across turns (the history is append-only), so provider prompt
    caches still see an identical prefix.
    """
    digest = hashlib.sha256(f"{index}\x00{text}".encode()).hexdigest()[:40]
    return f"msg_{digest}"


# -- reasoning ----------------------------------------------------------------------
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
    summary = _summary(block)
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
    items.append(_reasoning_item(block, item_id, encrypted, summary))
    return True


def _summary(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The `summary` of a native reasoning block or a v1 one."""
    if "summary" in block:  # native Responses shape
        return [
            {"type": "summary_text", "text": s.get("text", "")}
            for s in block.get("summary") or []
            if isinstance(s, dict)
        ]
    if block.get("reasoning"):  # LangChain v1 standard block
        return [{"type": "summary_text", "text": str(block["reasoning"])}]
    return []


def _reasoning_item(
    block: dict[str, Any], item_id: Any, encrypted: Any, summary: list[Any]
) -> dict[str, Any]:
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
    return item


# -- function calls -------------------------------------------------------------------
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


def function_call_item(call: Mapping[str, Any], item_id: str | None) -> dict[str, Any]:
    """A `function_call` input item from a LangChain `ToolCall`.

    `item_id` (the server's `fc_` id) is kept when known; other ids (e.g.
    another provider's) are left out, since OpenAI-backed routes reject
    function_call ids that do not start with `fc`.

    >>> function_call_item({"id": "call_1", "name": "f", "args": {"a": 1}}, "fc_9")
    {'type': 'function_call', 'call_id': 'call_1', 'name': 'f', 'arguments': '{"a":1}', 'id': 'fc_9'}
    """
    args = call.get("args") or {}
    check_json(args, "arguments", what=f"tool call {call.get('name')!r}:")
    item: dict[str, Any] = {
        "type": "function_call",
        "call_id": call["id"],
        "name": call["name"],
        "arguments": dumps(args).decode(),
    }
    if _has_prefix(item_id, "fc"):
        item["id"] = item_id
    return item


# -- small helpers ---------------------------------------------------------------------
def _is_provider_id(value: Any) -> bool:
    """True for an id the API issued (not LangChain's `lc_`/`run-` ids)."""
    return (
        isinstance(value, str)
        and bool(value)
        and not value.startswith(("lc_", "run-", "run--"))
    )


def _has_prefix(value: Any, prefix: str) -> bool:
    return _is_provider_id(value) and str(value).startswith(prefix)


def _warn_dropped(where: str, what: str) -> None:
    # A warning, like every notice that what is sent differs from what was given.
    warnings.warn(
        f"{where}: dropped a {what} block (it has no Responses API equivalent, "
        "e.g. another provider's reasoning or server-side tool)",
        UserWarning,
        stacklevel=2,
    )


# -- compaction -------------------------------------------------------------------------
COMPACTION_TYPES = frozenset({"compaction"})
_KEPT_ROLES = frozenset({"system", "developer"})


def drop_compacted(body: dict[str, Any]) -> int:
    """Leave out of `body["input"]` what its latest compaction item replaced.

    A `compaction` item carries the context of everything before it, which
    the server would otherwise read (and bill) twice. As OpenAI's compaction
    guide says for stateless input chaining, the items before the most recent
    compaction item are dropped; system/developer messages stay (they are the
    standing instructions), and so does every item after it. Nothing is
    dropped when chaining with `previous_response_id` or `conversation`
    ("do not manually prune"). Returns how many items were left out.

    >>> body = {"input": [{"type": "message", "role": "system", "content": "s"},
    ...     {"type": "message", "role": "user", "content": "old"},
    ...     {"type": "compaction", "encrypted_content": "x"},
    ...     {"type": "message", "role": "user", "content": "new"}]}
    >>> drop_compacted(body), [i.get("role", i["type"]) for i in body["input"]]
    (1, ['system', 'compaction', 'user'])
    """
    items = body.get("input")
    if body.get("previous_response_id") or body.get("conversation"):
        return 0
    if not isinstance(items, list):
        return 0
    last = max(
        (n for n, item in enumerate(items) if item.get("type") in COMPACTION_TYPES),
        default=None,
    )
    if last is None:
        return 0
    kept = [i for i in items[:last] if i.get("role") in _KEPT_ROLES] + items[last:]
    calls = {str(i["call_id"]) for i in kept if known.is_call(i)}
    # an output whose call was compacted away would be rejected as an orphan
    kept = [i for i in kept if not known.is_output(i) or i["call_id"] in calls]
    body["input"] = kept
    if dropped := len(items) - len(kept):
        logger.debug("%d input items before the latest compaction not sent", dropped)
    return dropped
