"""Tool results → the output items that answer the calls. Pure, no I/O.

A `ToolMessage` answers the call with its `tool_call_id`: a function call
gets a `function_call_output`, a client-executed call (`custom_tool_call`, `shell_call`, ...) the `*_output` item its type asks
for (`client_call_output`). Anthropic-style `tool_result` blocks in a user
turn become `function_call_output`s too (see `request._user_items`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import ToolMessage

from langchain_onerouter._mapping import items as known
from langchain_onerouter._mapping.content import to_input_parts
from langchain_onerouter._mapping.jsonutil import dumps


def tool_output_item(
    message: ToolMessage,
    *,
    where: str,
    index: int | None = None,
    call: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The output item answering `message.tool_call_id`.

    `call` is the client call item it answers, when that is not a function
    call (`custom_tool_call`, `shell_call`, ...: see `client_call_output`).
    Otherwise a `function_call_output`: list content (text, images, files) is
    sent as input parts. Tool messages with `status="error"` are sent the same
    way: their content tells the model what went wrong.
    """
    if not message.tool_call_id:
        raise ValueError(f"{where}: ToolMessage needs a tool_call_id")
    if call is not None:
        return client_call_output(
            call,
            message.content,
            status=message.status,
            additional_kwargs=message.additional_kwargs,
            where=where,
        )
    return function_call_output(message.tool_call_id, message.content, where, index)


def function_call_output(
    call_id: str, content: Any, where: str, index: int | None
) -> dict[str, Any]:
    """A `function_call_output` item: text as is, a list as input parts."""
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


# -- client-executed calls ------------------------------------------------------
def client_call_output(
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

    >>> client_call_output({"type": "apply_patch_call", "call_id": "c"}, "done")
    {'type': 'apply_patch_call_output', 'call_id': 'c', 'status': 'completed', 'output': 'done'}
    """
    kind = known.CLIENT_CALLS[str(call["type"])].output
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
        limit = _mapping_of(call.get("action")).get("max_output_length")
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
            return known.strip_index(block)
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


def _mapping_of(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}
