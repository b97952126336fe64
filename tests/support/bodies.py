"""Builders for Responses bodies used across tests (our own, hand-written)."""

from __future__ import annotations

from typing import Any


def usage(inp: int = 12, out: int = 30, cached: int = 0, reasoning: int = 8) -> dict:
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": inp + out,
    }


def message_item(text: str, item_id: str = "msg_a1", **extra: Any) -> dict:
    return {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
        **extra,
    }


def reasoning_item(
    item_id: str = "rs_r1",
    summary: list[str] | None = None,
    encrypted: str | None = None,
) -> dict:
    item: dict[str, Any] = {
        "id": item_id,
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": s} for s in summary or []],
    }
    if encrypted is not None:
        item["encrypted_content"] = encrypted
    return item


def function_call_item(
    name: str, arguments: str, call_id: str = "call_1", item_id: str = "fc_1"
) -> dict:
    return {
        "id": item_id,
        "type": "function_call",
        "status": "completed",
        "call_id": call_id,
        "name": name,
        "arguments": arguments,
    }


def response(
    *output: dict,
    resp_id: str = "resp_0123",
    model: str = "openai/o4-mini-2025-04-16",
    status: str = "completed",
    use: dict | None = None,
    **extra: Any,
) -> dict:
    return {
        "id": resp_id,
        "object": "response",
        "created_at": 1763365410,
        "status": status,
        "error": None,
        "incomplete_details": None,
        "model": model,
        "output": list(output),
        "service_tier": "auto",
        "usage": use if use is not None else usage(),
        **extra,
    }


def text_response(text: str = "Paris is the capital of France.", **kw: Any) -> dict:
    return response(reasoning_item(), message_item(text), **kw)


def error(message: str, code: object = None) -> dict:
    """An error body: `{"error": {"code": ..., "message": ...}}`."""
    return {"error": {"code": code, "message": message}}
