"""Reasoning across a fallback: when the serving provider rejects replayed
encrypted reasoning another provider issued, drop it and retry once. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

REASONING_RETRY_KEY = "reasoning_retry"
"""`response_metadata` key set when reasoning was dropped and the call retried."""
_FOREIGN_REASONING = re.compile(
    r"invalid_encrypted_content|encrypted[ _]content|reasoning item|"
    r"item[^.]{0,40}\brs_\w+|\brs_\w+[^.]{0,40}(?:not found|invalid|provided)",
    re.IGNORECASE,
)


def is_foreign_reasoning_error(
    status_code: int | None, code: Any, message: str, param: Any = None
) -> bool:
    """True for a rejection of replayed reasoning the serving provider cannot read.

    OneRouter falls back to another provider, which cannot decrypt the
    reasoning the first one issued: `invalid_encrypted_content`, or a 400
    naming the reasoning item or its `encrypted_content`.

    >>> is_foreign_reasoning_error(400, "invalid_encrypted_content", "bad")
    True
    >>> is_foreign_reasoning_error(400, None, "Item with id 'rs_12' not found.")
    True
    >>> is_foreign_reasoning_error(429, None, "rate limited")
    False
    """
    if code == "invalid_encrypted_content":
        return True
    if status_code not in (None, 400, 422):
        return False
    text = f"{message} {param or ''}"
    return bool(_FOREIGN_REASONING.search(text))


def without_reasoning(body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """(`body` without its replayed reasoning items, how many were dropped).

    The server `id`s of the function calls that followed a dropped reasoning
    item in the same turn are dropped too: an upstream that stored the turn
    rejects a call that arrives without its reasoning.

    >>> body = {"model": "m", "input": [
    ...     {"type": "reasoning", "id": "rs_1", "encrypted_content": "x", "summary": []},
    ...     {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f",
    ...      "arguments": "{}"}]}
    >>> without_reasoning(body)
    ({'model': 'm', 'input': [{'type': 'function_call', 'call_id': 'c1', 'name': 'f', 'arguments': '{}'}]}, 1)
    """
    items = body.get("input")
    if not isinstance(items, list):
        return dict(body), 0
    kept: list[Any] = []
    dropped = 0
    orphaned = False
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "reasoning":
            dropped += 1
            orphaned = True
            continue
        if kind == "function_call" and orphaned and "id" in item:
            item = {k: v for k, v in item.items() if k != "id"}
        elif kind not in ("function_call", "message") or (
            kind == "message" and item.get("role") != "assistant"
        ):
            orphaned = False  # a new turn starts
        kept.append(item)
    return {**body, "input": kept}, dropped
