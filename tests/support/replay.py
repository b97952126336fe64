"""A MockTransport model that replays scripted Responses bodies (JSON or SSE).

`make_llm(Recorder(body1, body2))` answers each request with the next body,
as a JSON response or, for a streaming request, as a standard event stream
built by `sse_stream`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from langchain_onerouter import ChatOneRouterResponses

MODEL = "openai/gpt-5.4"


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


class Recorder:
    """A MockTransport handler that replays scripted bodies and records requests."""

    def __init__(self, *replies: dict[str, Any]) -> None:
        self.replies = list(replies)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if not self.replies:
            return httpx.Response(500, json={"error": {"message": "script exhausted"}})
        reply = self.replies.pop(0)
        if body.get("stream"):
            return httpx.Response(
                200,
                content=sse_stream(reply),
                headers={"content-type": "text/event-stream"},
            )
        return httpx.Response(200, json=reply)


def make_llm(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> Any:
    transport = httpx.MockTransport(handler)
    return ChatOneRouterResponses(
        model=MODEL,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        max_retries=0,
        **kw,
    )
