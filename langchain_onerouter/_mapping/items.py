"""What we know about Responses output items, in one place. Pure, no I/O.

The item set is open: the Responses API adds item types every few months and
OneRouter forwards them from every upstream. So nothing here is an allow-list
for what the server sends; it lists only the items we *do something with*:

- client-executed calls (`CLIENT_CALLS`): exposed as LangChain tool calls, so
  an agent can run a tool for them, and answered by the matching `*_output`
  item built from the `ToolMessage` (`outputs.client_call_output`);
- hosted tools that LangChain's v1 translator turns into `server_tool_call` /
  `server_tool_result` blocks: turned back into their items (`v1_server_item`);
- `SPEC_ITEM_TYPES`: the input item types of OpenAI's spec, used only to
  accept items a user typed into a hand-built message.

Any other item we received is replayed verbatim (see `history.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolCall

# Keys of a call item that identify it rather than say what to do.
_ENVELOPE = frozenset({"type", "id", "call_id", "status", "caller", "created_by"})
CUSTOM_ARG = "__arg1"
"""The one argument of a custom (freeform) tool call, as in ChatOpenAI."""


@dataclass(frozen=True)
class ClientCall:
    """A call item the client executes, and the item that answers it."""

    tool: str | None  # the LangChain tool name; None: the item's own `name`
    output: str  # the answering item type


CLIENT_CALLS: dict[str, ClientCall] = {
    "custom_tool_call": ClientCall(None, "custom_tool_call_output"),
    "local_shell_call": ClientCall("local_shell", "local_shell_call_output"),
    "shell_call": ClientCall("shell", "shell_call_output"),
    "apply_patch_call": ClientCall("apply_patch", "apply_patch_call_output"),
    "computer_call": ClientCall("computer", "computer_call_output"),
}

# Input item types of OpenAI's spec (`InputItem`); a hand-built message may
# carry any of them. Server data is never checked against this list.
SPEC_ITEM_TYPES = frozenset(
    {
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
        "file_search_call",
        "web_search_call",
        "computer_call",
        "computer_call_output",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "local_shell_call_output",
        "shell_call",
        "shell_call_output",
        "apply_patch_call",
        "apply_patch_call_output",
        "custom_tool_call",
        "custom_tool_call_output",
        "tool_search_call",
        "tool_search_output",
        "additional_tools",
        "compaction",
        "compaction_trigger",
        "program",
        "program_output",
        "mcp_list_tools",
        "mcp_approval_request",
        "mcp_approval_response",
        "mcp_call",
        "item_reference",
    }
)


def strip_index(block: Mapping[str, Any]) -> dict[str, Any]:
    """The item a content block holds: without LangChain's stream-merge `index`."""
    return {k: v for k, v in block.items() if k != "index"}


def client_tool_call(item: Mapping[str, Any]) -> ToolCall | None:
    """The LangChain tool call for a client-executed call item, else None.

    A custom tool call's free-form `input` becomes `args={"__arg1": input}`
    under the tool's own name (ChatOpenAI's shape); the other calls are named
    after the tool type that makes them (`local_shell`, `shell`, `apply_patch`,
    `computer`) and carry the item's fields (`action`, `operation`, ...).

    >>> client_tool_call({"type": "custom_tool_call", "call_id": "call_1",
    ...                   "name": "sql", "input": "SELECT 1"})
    {'name': 'sql', 'args': {'__arg1': 'SELECT 1'}, 'id': 'call_1', 'type': 'tool_call'}
    """
    spec = CLIENT_CALLS.get(str(item.get("type")))
    call_id = item.get("call_id")
    if spec is None or not isinstance(call_id, str) or not call_id:
        return None
    if spec.tool is None:
        name = item.get("name")
        text = item.get("input")
        args: dict[str, Any] = {CUSTOM_ARG: text if isinstance(text, str) else ""}
    else:
        name = spec.tool
        args = {k: v for k, v in item.items() if k not in _ENVELOPE and k != "index"}
    return ToolCall(
        name=name if isinstance(name, str) else "",
        args=args,
        id=call_id,
        type="tool_call",
    )


def replay_client_call(
    block: Mapping[str, Any], call: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A client call item to send back, with edits made to its tool call.

    `call` is the message's tool call for it (an agent's human-in-the-loop step
    may have edited its arguments); without one the block is sent verbatim.
    """
    item = strip_index(block)
    args = (call or {}).get("args")
    if not isinstance(args, Mapping):
        return item
    if CLIENT_CALLS[str(item["type"])].tool is None:
        if isinstance(args.get(CUSTOM_ARG), str):
            item["input"] = args[CUSTOM_ARG]
    else:
        item.update({k: v for k, v in args.items() if k not in _ENVELOPE})
    return item


def _dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


# -- v1 standard blocks back to items -------------------------------------------
_V1_STATUS = {"success": "completed", "error": "failed"}


def v1_server_item(
    block: Mapping[str, Any], results: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any] | None:
    """The hosted-tool item behind a v1 `server_tool_call` block, else None.

    Inverts langchain-core's OpenAI translator (which our content goes
    through): `results` maps `tool_call_id` to the `server_tool_result`
    blocks of the same message, which hold the item's output and status.
    """
    name = block.get("name")
    item_id = block.get("id")
    builder = _V1_SERVER_TOOLS.get(name) if isinstance(name, str) else None
    if not isinstance(item_id, str) or not item_id or builder is None:
        return None
    extras = _dict(block.get("extras"))
    result = results.get(item_id, {})
    fields = builder(_dict(block.get("args")), extras, result)
    item = {"type": fields["type"], "id": item_id, **fields}
    rest = {
        k: v
        for k, v in block.items()
        if k not in {"type", "name", "id", "args", "extras", "index"}
    }
    return {**item, **rest, **extras}


# Each builds the item's own fields from (args, extras, result); it may pop
# from `extras` what it used, the rest of `extras` is kept on the item.
_V1Builder = Callable[
    [dict[str, Any], dict[str, Any], Mapping[str, Any]], dict[str, Any]
]


def _web_search(args: dict[str, Any], _: Any, result: Mapping[str, Any]) -> Any:
    action = dict(args)
    output = result.get("output")
    if isinstance(output, Mapping) and "sources" in output:
        action["sources"] = output["sources"]
    return {"type": "web_search_call", "status": _status(result), "action": action}


def _file_search(args: dict[str, Any], _: Any, result: Mapping[str, Any]) -> Any:
    item: dict[str, Any] = {"type": "file_search_call", "status": _status(result)}
    item["queries"] = list(args.get("queries") or [])
    if result.get("output") is not None:
        item["results"] = result["output"]
    return item


def _code_interpreter(args: dict[str, Any], _: Any, result: Mapping[str, Any]) -> Any:
    return {
        "type": "code_interpreter_call",
        "status": _status(result),
        "code": args.get("code"),
        "outputs": result.get("output"),
    }


def _remote_mcp(
    args: dict[str, Any], extras: dict[str, Any], result: Mapping[str, Any]
) -> Any:
    item: dict[str, Any] = {"type": "mcp_call", "name": extras.pop("tool_name", "")}
    raw = extras.pop("arguments", None)
    # Without the raw text: the spacing OpenAI's servers write (json.dumps's).
    item["arguments"] = raw if isinstance(raw, str) else json.dumps(args)
    if result.get("output") is not None:
        item["output"] = result["output"]
    return _with_error(item, result)


def _mcp_list_tools(_: Any, __: Any, result: Mapping[str, Any]) -> Any:
    output = result.get("output")
    item = {
        "type": "mcp_list_tools",
        "tools": output if isinstance(output, list) else [],
    }
    return _with_error(item, result)


def _tool_search(args: dict[str, Any], _: Any, __: Any) -> Any:
    return {"type": "tool_search_call", "arguments": args}


_V1_SERVER_TOOLS: dict[str, _V1Builder] = {
    "web_search": _web_search,
    "file_search": _file_search,
    "code_interpreter": _code_interpreter,
    "remote_mcp": _remote_mcp,
    "mcp_list_tools": _mcp_list_tools,
    "tool_search": _tool_search,
}


def _with_error(item: dict[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    if _dict(result.get("extras")).get("error"):
        item["error"] = result["extras"]["error"]
    return item


def v1_server_result_item(block: Mapping[str, Any]) -> dict[str, Any] | None:
    """A v1 `server_tool_result` that is an item of its own (tool search output).

    The translator gives a `tool_search_output` its own id as `tool_call_id`
    and keeps the rest in `extras`; other results belong to their call.
    """
    extras = _dict(block.get("extras"))
    if extras.pop("name", None) != "tool_search":
        return None
    output = _dict(block.get("output"))
    item: dict[str, Any] = {
        "type": "tool_search_output",
        "id": block.get("tool_call_id"),
        "tools": list(output.get("tools") or []),
    }
    if block.get("status") in _V1_STATUS:
        item["status"] = _V1_STATUS[block["status"]]
    return {**item, **extras}


def v1_image_item(block: Mapping[str, Any]) -> dict[str, Any] | None:
    """A v1 `image` block that the translator made of an `image_generation_call`."""
    item_id = block.get("id")
    if not (isinstance(item_id, str) and item_id.startswith("ig_")):
        return None
    extras = _dict(block.get("extras"))
    return {
        "type": "image_generation_call",
        "id": item_id,
        "status": extras.pop("status", "completed"),
        "result": block.get("base64"),
        **extras,
    }


def _status(result: Mapping[str, Any]) -> str:
    extras = _dict(result.get("extras"))
    if isinstance(extras.get("status"), str):
        return str(extras["status"])
    return _V1_STATUS.get(str(result.get("status")), "completed")


# -- pairing ----------------------------------------------------------------------
def is_output(item: Mapping[str, Any]) -> bool:
    """An item that answers a call (`*_output` with a `call_id`)."""
    return str(item.get("type", "")).endswith("_output") and isinstance(
        item.get("call_id"), str
    )


def is_call(item: Mapping[str, Any]) -> bool:
    """A call item another item can answer (has a `call_id`, not an output)."""
    return isinstance(item.get("call_id"), str) and not str(
        item.get("type", "")
    ).endswith("_output")
