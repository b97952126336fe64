"""What we know about Responses output items, in one place. Pure, no I/O.

The item set is open: the Responses API adds item types every few months and
OneRouter forwards them from every upstream. So nothing here is an allow-list
for what the server sends; it lists only the items we *do something with*:

- client-executed calls (`CLIENT_CALLS`): exposed as LangChain tool calls, so
  an agent can run a tool for them, and answered by the matching `*_output`
  item built from the `ToolMessage` (`output_item`);
- hosted tools that LangChain's v1 translator turns into `server_tool_call` /
  `server_tool_result` blocks: turned back into their items (`v1_server_item`);
- `SPEC_ITEM_TYPES`: the input item types of OpenAI's spec, used only to
  accept items a user typed into a hand-built message.

Any other item we received is replayed verbatim (see `request.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import ToolCall

from langchain_onerouter._mapping.content import to_input_parts
from langchain_onerouter._mapping.jsonutil import dumps

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


def output_item(
    call: Mapping[str, Any],
    content: Any,
    *,
    status: str = "success",
    additional_kwargs: Mapping[str, Any] | None = None,
    where: str = "ToolMessage",
) -> dict[str, Any]:
    """The `*_output` item answering the client call item `call`.

    `content` is the `ToolMessage`'s content. An item of the right type in it
    (e.g. ChatOpenAI's `custom_tool` returns `[{"type":
    "custom_tool_call_output", "output": ...}]`) is used as given; otherwise
    the content is shaped as the spec asks for that output type.

    >>> output_item({"type": "apply_patch_call", "call_id": "c"}, "done")
    {'type': 'apply_patch_call_output', 'call_id': 'c', 'status': 'completed', 'output': 'done'}
    """
    kind = CLIENT_CALLS[str(call["type"])].output
    call_id = str(call["call_id"])
    given = _given_output(content, kind)
    if given is not None:
        return {**given, "type": kind, "call_id": call_id}
    item: dict[str, Any] = {"type": kind, "call_id": call_id}
    failed = status == "error"
    if kind == "custom_tool_call_output":
        item["output"] = (
            to_input_parts(content, where=where)
            if isinstance(content, list)
            else _as_text(content)
        )
    elif kind == "local_shell_call_output":
        # The spec's LocalShellToolCallOutput requires `id`, documented as the
        # call's id, besides `call_id`.
        item["id"] = call_id
        item["output"] = _as_text(content)
    elif kind == "shell_call_output":
        item["output"] = _shell_output(content, failed)
        limit = _dict(call.get("action")).get("max_output_length")
        if isinstance(limit, int):
            item["max_output_length"] = limit
    elif kind == "apply_patch_call_output":
        item["status"] = "failed" if failed else "completed"
        item["output"] = _as_text(content)
    else:  # computer_call_output
        item["output"] = _screenshot(content, where)
        checks = (additional_kwargs or {}).get("acknowledged_safety_checks")
        if checks:
            item["acknowledged_safety_checks"] = list(checks)
    return item


def _given_output(content: Any, kind: str) -> dict[str, Any] | None:
    blocks = content if isinstance(content, list) else [content]
    for block in blocks:
        if isinstance(block, Mapping) and block.get("type") == "non_standard":
            block = block.get("value")
        if isinstance(block, Mapping) and block.get("type") == kind:
            return strip_index(block)
    return None


def _as_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(
        isinstance(b, str) or (isinstance(b, Mapping) and b.get("type") == "text")
        for b in content
    ):
        return "".join(b if isinstance(b, str) else str(b.get("text")) for b in content)
    return dumps(content).decode()


def _shell_output(content: Any, failed: bool) -> list[dict[str, Any]]:
    """`shell_call_output.output`: chunks of `{stdout, stderr, outcome}`."""
    chunks = content if isinstance(content, list) else [content]
    if chunks and all(isinstance(c, Mapping) and "stdout" in c for c in chunks):
        return [dict(c) for c in chunks]
    return [
        {
            "stdout": "" if failed else _as_text(content),
            "stderr": _as_text(content) if failed else "",
            "outcome": {"type": "exit", "exit_code": 1 if failed else 0},
        }
    ]


def _screenshot(content: Any, where: str) -> dict[str, Any]:
    """`computer_call_output.output`: a `computer_screenshot` from the content."""
    if isinstance(content, Mapping) and content.get("type") == "computer_screenshot":
        return dict(content)
    if isinstance(content, str):
        return {"type": "computer_screenshot", "image_url": content}
    for part in to_input_parts(content, where=where):
        if part.get("type") == "input_image":
            shot = {"type": "computer_screenshot"}
            for key in ("image_url", "file_id"):
                if part.get(key):
                    shot[key] = part[key]
            return shot
    raise ValueError(
        f"{where}: a computer_call is answered with a screenshot (an image block "
        "or an image URL string)"
    )


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
    if not isinstance(item_id, str) or not item_id:
        return None
    args = _dict(block.get("args"))
    extras = _dict(block.get("extras"))
    result = results.get(item_id, {})
    output = result.get("output")
    status = _status(result)
    rest = {
        k: v
        for k, v in block.items()
        if k not in {"type", "name", "id", "args", "extras", "index"}
    }
    item: dict[str, Any]
    if name == "web_search":
        action = dict(args)
        if isinstance(output, Mapping) and "sources" in output:
            action["sources"] = output["sources"]
        item = {"type": "web_search_call", "id": item_id, "status": status}
        item["action"] = action
    elif name == "file_search":
        item = {"type": "file_search_call", "id": item_id, "status": status}
        item["queries"] = list(args.get("queries") or [])
        if output is not None:
            item["results"] = output
    elif name == "code_interpreter":
        item = {"type": "code_interpreter_call", "id": item_id, "status": status}
        item["code"] = args.get("code")
        item["outputs"] = output
    elif name == "remote_mcp":
        item = {"type": "mcp_call", "id": item_id}
        item["name"] = extras.pop("tool_name", "")
        raw = extras.pop("arguments", None)
        item["arguments"] = raw if isinstance(raw, str) else json.dumps(args)
        if output is not None:
            item["output"] = output
        if _dict(result.get("extras")).get("error"):
            item["error"] = result["extras"]["error"]
    elif name == "mcp_list_tools":
        item = {"type": "mcp_list_tools", "id": item_id}
        item["tools"] = output if isinstance(output, list) else []
        if _dict(result.get("extras")).get("error"):
            item["error"] = result["extras"]["error"]
    elif name == "tool_search":
        item = {"type": "tool_search_call", "id": item_id, "arguments": args}
    else:
        return None
    return {**item, **rest, **extras}


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


def call_ids(items: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str(i["call_id"]) for i in items if is_call(i)}
