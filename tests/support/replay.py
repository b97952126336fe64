"""The standard Responses event stream that ends in a body (`sse_stream`),
which `tests.support.models.Recorder` serves to streaming requests."""

from __future__ import annotations

import json
from typing import Any


def sse_stream(body: dict[str, Any]) -> bytes:
    """A standard Responses event stream that ends in `body` (our own builder)."""
    events: list[dict[str, Any]] = []
    start = {**body, "status": "in_progress", "output": [], "usage": None}
    events.append({"type": "response.created", "response": start})
    for index, item in enumerate(body["output"]):
        kind = item["type"]
        if kind == "message":
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "content": []},
                }
            )
            for c_index, part in enumerate(item["content"]):
                text = part.get("text", "")
                events.append(
                    {
                        "type": "response.content_part.added",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": c_index,
                        "part": {**part, "text": ""},
                    }
                )
                if part["type"] == "refusal":
                    events.append(
                        {
                            "type": "response.refusal.delta",
                            "item_id": item["id"],
                            "output_index": index,
                            "content_index": c_index,
                            "delta": part["refusal"],
                        }
                    )
                else:
                    for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
                        events.append(
                            {
                                "type": "response.output_text.delta",
                                "item_id": item["id"],
                                "output_index": index,
                                "content_index": c_index,
                                "delta": piece,
                            }
                        )
                events.append(
                    {
                        "type": "response.content_part.done",
                        "item_id": item["id"],
                        "output_index": index,
                        "content_index": c_index,
                        "part": part,
                    }
                )
        elif kind == "function_call":
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "arguments": ""},
                }
            )
            args = item["arguments"]
            for piece in (args[: len(args) // 2], args[len(args) // 2 :]):
                events.append(
                    {
                        "type": "response.function_call_arguments.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "delta": piece,
                    }
                )
            events.append(
                {
                    "type": "response.function_call_arguments.done",
                    "item_id": item["id"],
                    "output_index": index,
                    "arguments": args,
                }
            )
        elif kind == "custom_tool_call":
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**item, "status": "in_progress", "input": ""},
                }
            )
            text = item["input"]
            for piece in (text[: len(text) // 2], text[len(text) // 2 :]):
                events.append(
                    {
                        "type": "response.custom_tool_call_input.delta",
                        "item_id": item["id"],
                        "output_index": index,
                        "delta": piece,
                    }
                )
        elif kind == "reasoning":
            added = {k: v for k, v in item.items() if k != "encrypted_content"}
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": {**added, "summary": []},
                }
            )
            for s_index, part in enumerate(item.get("summary") or []):
                where = {
                    "item_id": item["id"],
                    "output_index": index,
                    "summary_index": s_index,
                }
                events += [
                    {
                        "type": "response.reasoning_summary_part.added",
                        **where,
                        "part": {"type": "summary_text", "text": ""},
                    },
                    {
                        "type": "response.reasoning_summary_text.delta",
                        **where,
                        "delta": part["text"],
                    },
                    {
                        "type": "response.reasoning_summary_text.done",
                        **where,
                        "text": part["text"],
                    },
                    {
                        "type": "response.reasoning_summary_part.done",
                        **where,
                        "part": part,
                    },
                ]
        else:
            events.append(
                {
                    "type": "response.output_item.added",
                    "output_index": index,
                    "item": item,
                }
            )
        events.append(
            {"type": "response.output_item.done", "output_index": index, "item": item}
        )
    events.append({"type": "response.completed", "response": body})
    lines = [
        f"event: {e['type']}\ndata: {json.dumps({**e, 'sequence_number': n})}\n\n"
        for n, e in enumerate(events)
    ]
    return ("".join(lines) + "data: [DONE]\n\n").encode()
