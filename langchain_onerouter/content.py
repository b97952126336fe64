"""User-side content parts: LangChain content blocks → Responses input parts.

Pure functions, no I/O. `to_input_parts` accepts a message's `content` (a
string or a list of blocks) and returns Responses parts such as
`{"type": "input_text", "text": ...}`.
"""

from __future__ import annotations

from typing import Any

TEXT_BLOCK_TYPES = frozenset({"text", "input_text", "output_text"})


def text_part(text: str) -> dict[str, Any]:
    """An `input_text` part.

    >>> text_part("hi")
    {'type': 'input_text', 'text': 'hi'}
    """
    return {"type": "input_text", "text": text}


def to_input_parts(content: str | list[Any], *, where: str) -> list[dict[str, Any]]:
    """Convert message content to Responses input parts.

    Args:
        content: A string or a list of strings and content blocks.
        where: Names the message in errors, e.g. `"HumanMessage at index 2"`.

    Raises:
        ValueError: For a block this API cannot express, naming its type.

    >>> to_input_parts([{"type": "text", "text": "hi"}], where="HumanMessage")
    [{'type': 'input_text', 'text': 'hi'}]
    """
    if isinstance(content, str):
        return [text_part(content)]
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append(text_part(block))
            continue
        if not isinstance(block, dict):
            raise ValueError(
                f"{where}: content blocks must be str or dict, got "
                f"{type(block).__name__}"
            )
        block_type = block.get("type")
        if block_type in TEXT_BLOCK_TYPES:
            parts.append(text_part(str(block.get("text", ""))))
        else:
            parts.append(convert_media_block(block, where=where))
    return parts


def convert_media_block(block: dict[str, Any], *, where: str) -> dict[str, Any]:
    """Convert one non-text block (image, file, ...) to an input part."""
    raise ValueError(
        f"{where}: unsupported content block type {block.get('type')!r}"
    )
