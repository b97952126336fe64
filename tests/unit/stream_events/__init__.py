"""Hand-written Responses stream events (ours) and SSE framing for tests."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tests.support.bodies import response

Event = dict[str, Any]


def created(resp_id: str = "resp_s1", model: str = "openai/gpt-4o-mini") -> Event:
    body = response(resp_id=resp_id, model=model, status="in_progress", use={})
    body["usage"] = None
    return {"type": "response.created", "response": body}


def finished(*output: dict, kind: str = "completed", **kw: Any) -> Event:
    """`response.completed` (or `.incomplete` / `.failed`) carrying `output`."""
    body = response(*output, status=kind, **kw)
    return {"type": f"response.{kind}", "response": body}


def message_events(
    deltas: list[str],
    *,
    item_id: str = "msg_s1",
    output_index: int = 0,
    content_index: int = 0,
    annotations: list[dict] | None = None,
    with_done: bool = True,
) -> list[Event]:
    """A message item streamed as text deltas (plus optional annotations)."""
    text = "".join(deltas)
    where = {"item_id": item_id, "output_index": output_index}
    part_where = {**where, "content_index": content_index}
    item = {
        "id": item_id,
        "type": "message",
        "role": "assistant",
        "status": "in_progress",
        "content": [],
    }
    part = {"type": "output_text", "text": "", "annotations": []}
    events: list[Event] = [
        {
            "type": "response.output_item.added",
            "output_index": output_index,
            "item": item,
        },
        {"type": "response.content_part.added", **part_where, "part": part},
    ]
    events += [
        {"type": "response.output_text.delta", **part_where, "delta": d} for d in deltas
    ]
    for n, annotation in enumerate(annotations or []):
        events.append(
            {
                "type": "response.output_text.annotation.added",
                **part_where,
                "annotation_index": n,
                "annotation": annotation,
            }
        )
    if with_done:
        done_part = {**part, "text": text, "annotations": list(annotations or [])}
        events += [
            {"type": "response.output_text.done", **part_where, "text": text},
            {"type": "response.content_part.done", **part_where, "part": done_part},
            {
                "type": "response.output_item.done",
                "output_index": output_index,
                "item": {**item, "status": "completed", "content": [done_part]},
            },
        ]
    return events


def reasoning_events(
    parts: list[list[str]],
    *,
    item_id: str = "rs_s1",
    output_index: int = 0,
    encrypted: str | None = None,
) -> list[Event]:
    """A reasoning item whose summary parts stream as deltas."""
    where = {"item_id": item_id, "output_index": output_index}
    item = {"id": item_id, "type": "reasoning", "summary": []}
    events: list[Event] = [
        {
            "type": "response.output_item.added",
            "output_index": output_index,
            "item": item,
        }
    ]
    for index, deltas in enumerate(parts):
        text = "".join(deltas)
        at = {**where, "summary_index": index}
        events.append(
            {
                "type": "response.reasoning_summary_part.added",
                **at,
                "part": {"type": "summary_text", "text": ""},
            }
        )
        events += [
            {"type": "response.reasoning_summary_text.delta", **at, "delta": d}
            for d in deltas
        ]
        events += [
            {"type": "response.reasoning_summary_text.done", **at, "text": text},
            {
                "type": "response.reasoning_summary_part.done",
                **at,
                "part": {"type": "summary_text", "text": text},
            },
        ]
    done = {
        **item,
        "summary": [{"type": "summary_text", "text": "".join(p)} for p in parts],
    }
    if encrypted is not None:
        done["encrypted_content"] = encrypted
    events.append(
        {
            "type": "response.output_item.done",
            "output_index": output_index,
            "item": done,
        }
    )
    return events


def call_added(name: str, call_id: str, item_id: str, output_index: int) -> list[Event]:
    item = {
        "id": item_id,
        "type": "function_call",
        "status": "in_progress",
        "call_id": call_id,
        "name": name,
        "arguments": "",
    }
    return [
        {
            "type": "response.output_item.added",
            "output_index": output_index,
            "item": item,
        }
    ]


def call_delta(item_id: str, output_index: int, delta: str) -> Event:
    return {
        "type": "response.function_call_arguments.delta",
        "item_id": item_id,
        "output_index": output_index,
        "delta": delta,
    }


def call_done(item: dict, output_index: int) -> list[Event]:
    return [
        {
            "type": "response.function_call_arguments.done",
            "item_id": item["id"],
            "output_index": output_index,
            "arguments": item["arguments"],
        },
        {
            "type": "response.output_item.done",
            "output_index": output_index,
            "item": item,
        },
    ]


def number(events: Iterable[Event]) -> list[Event]:
    """Add `sequence_number`s (newer servers send them, older ones do not)."""
    return [{**e, "sequence_number": n} for n, e in enumerate(events)]


def sse(
    events: Iterable[Event],
    *,
    named: bool = True,
    crlf: bool = False,
    done: bool = True,
    keepalive: bool = False,
) -> bytes:
    """Frame events as an SSE body: `event:`+`data:` or data-only, CRLF or LF,
    keep-alive comments, optional final `data: [DONE]`."""
    frames = []
    for event in events:
        lines = []
        if keepalive:
            lines.append(": ONEROUTER PROCESSING")
        if named:
            lines.append(f"event: {event['type']}")
        lines.append("data: " + json.dumps(event))
        frames.append(lines)
    if done:
        frames.append(["data: [DONE]"])
    newline = "\r\n" if crlf else "\n"
    return "".join(newline.join(lines) + newline * 2 for lines in frames).encode()
