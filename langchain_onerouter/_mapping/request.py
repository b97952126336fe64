"""LangChain messages and settings → a Responses request body. Pure, no I/O.

`build_request_body(messages, params)` is the whole public surface. Each
message becomes input items by the handler of its kind (`_MESSAGE_HANDLERS`):

- user, system and developer turns → a `message` item of input parts
  (`content.to_input_parts`);
- assistant turns → every item they hold, in place (`history.assistant_items`);
- tool results → the output item answering their call (`outputs`).

Only what the server cannot resolve is left out, each with a DEBUG log saying
why: reasoning known only by id in stateless mode (`history`), and outputs
whose call does not precede them (a trimmed history, `_drop_orphans`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_onerouter._mapping import items as known
from langchain_onerouter._mapping.content import to_input_parts
from langchain_onerouter._mapping.history import assistant_items
from langchain_onerouter._mapping.outputs import function_call_output, tool_output_item

logger = logging.getLogger(__name__)


def build_request_body(
    messages: Sequence[BaseMessage], params: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the `POST /responses` body.

    Args:
        messages: The conversation, oldest first.
        params: Settings already merged and validated (`call_params` of
            `_settings.fields`): `model`, `temperature`, `max_output_tokens`,
            `reasoning`, `tools`, ... Keys whose value is None are left out;
            the rest pass through.

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
    history = _History(replay_reasoning_by_id)
    for index, message in enumerate(messages):
        where = f"{type(message).__name__} at index {index}"
        handler = _handler(message)
        if handler is None:
            other_role = getattr(message, "role", None)
            raise ValueError(
                f"{where}: message type {message.type!r}"
                + (f" with role {other_role!r}" if other_role else "")
                + " cannot be sent to the Responses API"
            )
        history.items.extend(handler(history, message, index, where))
    items = history.items
    return _drop_orphans(items) if drop_orphaned_outputs else items


@dataclass
class _History:
    """The items so far, and the client calls a later tool message may answer."""

    replay_reasoning_by_id: bool
    items: list[dict[str, Any]] = field(default_factory=list)
    client_calls: dict[str, dict[str, Any]] = field(default_factory=dict)


_Items = list[dict[str, Any]]
_MessageHandler = Callable[[_History, Any, int, str], _Items]


def _handler(message: BaseMessage) -> _MessageHandler | None:
    if isinstance(message, ChatMessage):
        return _CHAT_ROLES.get(message.role)
    return next((h for kind, h in _MESSAGE_HANDLERS if isinstance(message, kind)), None)


# -- one handler per message kind --------------------------------------------------
def _on_human(_: _History, message: HumanMessage, index: int, where: str) -> _Items:
    return _user_items(message, index, where)


def _on_system(_: _History, message: SystemMessage, index: int, where: str) -> _Items:
    developer = message.additional_kwargs.get("__openai_role__") == "developer"
    return [_message_item("developer" if developer else "system", message, where)]


def _on_assistant(
    history: _History, message: AIMessage, index: int, where: str
) -> _Items:
    turn = assistant_items(message, index, history.replay_reasoning_by_id, where=where)
    history.client_calls.update(
        (str(i["call_id"]), i) for i in turn if i["type"] in known.CLIENT_CALLS
    )
    return turn


def _on_tool(history: _History, message: ToolMessage, index: int, where: str) -> _Items:
    call = history.client_calls.get(message.tool_call_id)
    return [tool_output_item(message, where=where, index=index, call=call)]


def _on_chat_assistant(
    history: _History, message: ChatMessage, index: int, where: str
) -> _Items:
    ai = AIMessage(content=message.content, id=message.id)
    return assistant_items(ai, index, history.replay_reasoning_by_id, where=where)


def _on_chat_other(_: _History, message: ChatMessage, index: int, where: str) -> _Items:
    return [_message_item(message.role, message, where)]


_MESSAGE_HANDLERS: tuple[tuple[type[BaseMessage], _MessageHandler], ...] = (
    (HumanMessage, _on_human),
    (SystemMessage, _on_system),
    (AIMessage, _on_assistant),
    (ToolMessage, _on_tool),
)
_CHAT_ROLES: dict[str, _MessageHandler] = {
    "user": _on_chat_other,
    "system": _on_chat_other,
    "developer": _on_chat_other,
    "assistant": _on_chat_assistant,
}


# -- user turns ----------------------------------------------------------------------
def _message_item(role: str, message: BaseMessage, where: str) -> dict[str, Any]:
    return {
        "type": "message",
        "role": role,
        "content": to_input_parts(message.content, where=where),
    }


def _user_items(message: BaseMessage, index: int, where: str) -> _Items:
    """A user turn; Anthropic-style `tool_result` blocks become tool outputs.

    The tool outputs come first (as in Anthropic's format); the rest of the
    content, if any, follows as a user message.
    """
    content = message.content
    if not isinstance(content, list) or not any(
        isinstance(b, dict) and b.get("type") == "tool_result" for b in content
    ):
        return [_message_item("user", message, where)]
    items: _Items = []
    rest: list[Any] = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            call_id = block.get("tool_use_id")
            if not call_id:
                raise ValueError(f"{where}: tool_result block needs a tool_use_id")
            result = block.get("content", "")
            items.append(function_call_output(str(call_id), result, where, index))
        else:
            rest.append(block)
    if rest:
        items.append(
            {
                "type": "message",
                "role": "user",
                "content": to_input_parts(rest, where=where),
            }
        )
    return items


# -- the whole input ---------------------------------------------------------------
def _drop_orphans(items: _Items) -> _Items:
    """Leave out outputs whose call does not precede them (the API rejects them)."""
    kept: _Items = []
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
