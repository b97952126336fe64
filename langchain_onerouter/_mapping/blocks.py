"""Standard content blocks (`.content_blocks`, `output_version="v1"`).

Our content uses the Responses block shapes of LangChain's OpenAI integration,
so langchain-core's OpenAI translator already knows how to read it; we
register it under our provider name.

One guard: some langchain-core versions raise `KeyError: 'id'` on a hosted
tool item without an `id` (a provider that leaves it out). Whether the
installed core does is checked once, by trying it; when it does, such items
are handed to it as `non_standard` blocks (kept verbatim, replayed verbatim)
instead of crashing `.content_blocks` and every v1 answer.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.block_translators import register_translator
from langchain_core.messages.block_translators.openai import (
    translate_content,
    translate_content_chunk,
)

from langchain_onerouter._mapping.response import MODEL_PROVIDER

# Items core's translator reads `block["id"]` of.
_NEEDS_ID = frozenset(
    {
        "web_search_call",
        "file_search_call",
        "code_interpreter_call",
        "mcp_call",
        "mcp_list_tools",
        "tool_search_call",
        "tool_search_output",
    }
)
_M = TypeVar("_M", AIMessage, AIMessageChunk)


@functools.cache
def core_needs_ids() -> bool:
    """True when the installed core's translator fails on an id-less hosted item."""
    probe = AIMessage(
        [{"type": "web_search_call", "status": "completed", "action": {}}],
        response_metadata={"model_provider": "openai"},
    )
    try:
        translate_content(probe)
    except KeyError:
        return True
    return False


def _guarded(message: _M) -> _M:
    if isinstance(message.content, str) or not core_needs_ids():
        return message
    content: list[Any] = [
        _as_non_standard(block)
        if isinstance(block, dict)
        and block.get("type") in _NEEDS_ID
        and not block.get("id")
        else block
        for block in message.content
    ]
    return message.model_copy(update={"content": content})


def _as_non_standard(block: dict[str, Any]) -> dict[str, Any]:
    wrapped: dict[str, Any] = {"type": "non_standard"}
    wrapped["value"] = {k: v for k, v in block.items() if k != "index"}
    if "index" in block:  # the stream-merge key stays outside, as core does
        wrapped["index"] = f"lc_ns_{block['index']}"
    return wrapped


def _translate(message: AIMessage) -> list[Any]:
    return translate_content(_guarded(message))


def _translate_chunk(message: AIMessageChunk) -> list[Any]:
    return translate_content_chunk(_guarded(message))


def register() -> None:
    """Register the translator for `model_provider="onerouter"` (idempotent)."""
    register_translator(MODEL_PROVIDER, _translate, _translate_chunk)
