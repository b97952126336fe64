"""Stream events: the SSE events of a finished response, item by item.

Pure functions (no I/O); `app.py` numbers and frames them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from langchain_onerouter._mapping.jsonutil import dumps

# -- streaming ------------------------------------------------------------------
Deltas = Iterable[Sequence[str]] | Callable[[str], Sequence[str]]
"""How streamed texts are cut: one list of deltas per text, in order, or a
function from a text to its deltas (see `item_events`)."""

DONE = b"data: [DONE]\n\n"
"""The frame that follows the last event."""


def _chunks(text: str, size: int = 1) -> list[str]:
    """Split into word-sized deltas that concatenate back to `text`."""
    pieces = re.findall(r"\s*\S+", text) or [text]
    if pieces and text[len("".join(pieces)) :]:
        pieces[-1] += text[len("".join(pieces)) :]
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


def _cutter(deltas: Deltas | None) -> Callable[[str, int], Sequence[str]]:
    """`(text, words per delta) -> its deltas`, for `item_events`' `deltas`."""
    if deltas is None:
        return _chunks
    if callable(deltas):
        split = deltas
        return lambda text, _size: split(text)
    given = iter(deltas)

    def take(text: str, _size: int) -> Sequence[str]:
        pieces = next(given, ())
        if "".join(pieces) != text:
            raise ValueError(f"deltas {pieces!r} do not make up {text!r}")
        return pieces

    return take


def item_events(
    index: int,
    item: Mapping[str, Any],
    *,
    deltas: Deltas | None = None,
    annotations: bool = False,
    raw_reasoning: str = "reasoning_text",
) -> Iterator[dict[str, Any]]:
    """The standard events for one output item, in order (no sequence numbers).

    Each streamed text (a content part's text or refusal, a summary part, raw
    reasoning, the arguments or input) arrives as the deltas `deltas` gives
    for it; by default a word per delta for text and four words for arguments
    and input. With `annotations`, each annotation of an `output_text` part
    also arrives as `response.output_text.annotation.added`. Raw reasoning
    (`reasoning_text` content parts) streams as `response.<raw_reasoning>.delta`
    and `.done`: `reasoning_text` is OpenAI's name, `reasoning` Open Responses'.
    A `web_search_call` sends its `in_progress`, `searching` and `completed`
    progress events.
    """
    cut = _cutter(deltas)
    kind = item["type"]
    base = {"output_index": index}
    ids = {"item_id": item.get("id"), **base}
    if kind == "reasoning":
        yield from _reasoning_events(base, item, cut, raw_reasoning)
    elif kind == "message":
        yield from _message_events(base, ids, item, cut, annotations)
    elif kind in _STREAMED_FIELD:
        field, event = _STREAMED_FIELD[kind]
        text = str(item.get(field, ""))
        yield {
            "type": "response.output_item.added",
            **base,
            "item": {**item, field: "", "status": "in_progress"},
        }
        for delta in cut(text, 4):
            yield {"type": f"response.{event}.delta", **ids, "delta": delta}
        yield {"type": f"response.{event}.done", **ids, field: text}
    elif kind == "web_search_call":
        yield {
            "type": "response.output_item.added",
            **base,
            "item": {**item, "status": "in_progress"},
        }
        for step in ("in_progress", "searching", "completed"):
            yield {"type": f"response.web_search_call.{step}", **ids}
    else:  # any other scripted item: added, then done
        yield {"type": "response.output_item.added", **base, "item": dict(item)}
    yield {"type": "response.output_item.done", **base, "item": dict(item)}


_STREAMED_FIELD = {
    "function_call": ("arguments", "function_call_arguments"),
    "custom_tool_call": ("input", "custom_tool_call_input"),
}
"""Call items whose one text field streams: (field, event name)."""


def _message_events(
    base: dict[str, Any],
    ids: dict[str, Any],
    item: Mapping[str, Any],
    cut: Callable[[str, int], Sequence[str]],
    annotations: bool,
) -> Iterator[dict[str, Any]]:
    yield {
        "type": "response.output_item.added",
        **base,
        "item": {**item, "status": "in_progress", "content": []},
    }
    for c_index, part in enumerate(item["content"]):
        part_ids = {**ids, "content_index": c_index}
        if part.get("type") == "refusal":
            yield from _refusal_events(part_ids, part["refusal"], cut)
        else:
            yield from _text_events(part_ids, part, cut, annotations)
        yield {"type": "response.content_part.done", **part_ids, "part": dict(part)}


def _reasoning_events(
    base: dict[str, Any],
    item: Mapping[str, Any],
    cut: Callable[[str, int], Sequence[str]],
    raw_reasoning: str,
) -> Iterator[dict[str, Any]]:
    added: dict[str, Any] = {"type": "reasoning", "id": item["id"], "summary": []}
    if "content" in item:
        added["content"] = []
    yield {"type": "response.output_item.added", **base, "item": added}
    for s_index, part in enumerate(item.get("summary") or []):
        ids = {"item_id": item["id"], **base, "summary_index": s_index}
        yield {
            "type": "response.reasoning_summary_part.added",
            **ids,
            "part": {"type": "summary_text", "text": ""},
        }
        for delta in cut(part["text"], 1):
            yield {
                "type": "response.reasoning_summary_text.delta",
                **ids,
                "delta": delta,
            }
        yield {
            "type": "response.reasoning_summary_text.done",
            **ids,
            "text": part["text"],
        }
        yield {
            "type": "response.reasoning_summary_part.done",
            **ids,
            "part": dict(part),
        }
    for c_index, part in enumerate(item.get("content") or []):
        ids = {"item_id": item["id"], **base, "content_index": c_index}
        for delta in cut(part["text"], 1):
            yield {"type": f"response.{raw_reasoning}.delta", **ids, "delta": delta}
        yield {"type": f"response.{raw_reasoning}.done", **ids, "text": part["text"]}


def _text_events(
    ids: dict[str, Any],
    part: Mapping[str, Any],
    cut: Callable[[str, int], Sequence[str]],
    annotations: bool,
) -> Iterator[dict[str, Any]]:
    empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    yield {"type": "response.content_part.added", **ids, "part": empty}
    for delta in cut(part["text"], 1):
        yield {
            "type": "response.output_text.delta",
            **ids,
            "delta": delta,
            "logprobs": [],
        }
    for a_index, annotation in enumerate(
        part.get("annotations") or [] if annotations else []
    ):
        yield {
            "type": "response.output_text.annotation.added",
            **ids,
            "annotation_index": a_index,
            "annotation": annotation,
        }
    yield {
        "type": "response.output_text.done",
        **ids,
        "text": part["text"],
        "logprobs": [],
    }


def _refusal_events(
    ids: dict[str, Any], refusal: str, cut: Callable[[str, int], Sequence[str]]
) -> Iterator[dict[str, Any]]:
    yield {
        "type": "response.content_part.added",
        **ids,
        "part": {"type": "refusal", "refusal": ""},
    }
    for delta in cut(refusal, 1):
        yield {"type": "response.refusal.delta", **ids, "delta": delta}
    yield {"type": "response.refusal.done", **ids, "refusal": refusal}


def response_events(
    final: Mapping[str, Any],
    *,
    deltas: Deltas | None = None,
    raw_reasoning: str = "reasoning_text",
) -> list[dict[str, Any]]:
    """The whole stream of the finished response `final` (no sequence numbers).

    `response.created` and `response.in_progress` carry a snapshot without
    output, usage or error; then every item's events (`deltas` as in
    `item_events`, across all items in order; annotations included) and
    `response.completed` or
    `response.incomplete`. A failed response sends half its item events, an
    `error` event and `response.failed`.
    """
    snapshot = {**final, "status": "in_progress", "output": [], "usage": None}
    for key in ("error", "incomplete_details", "completed_at"):
        if key in final:
            snapshot[key] = None
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": snapshot},
        {"type": "response.in_progress", "response": snapshot},
    ]
    shared = deltas if deltas is None or callable(deltas) else iter(deltas)
    body = [
        event
        for index, item in enumerate(final["output"])
        for event in item_events(
            index, item, deltas=shared, annotations=True, raw_reasoning=raw_reasoning
        )
    ]
    status = final.get("status", "completed")
    if status != "failed":
        kind = "incomplete" if status == "incomplete" else "completed"
        return [*events, *body, {"type": f"response.{kind}", "response": final}]
    error = final["error"]
    failure = {
        "type": "server_error",
        "code": error["code"],
        "message": error["message"],
        "param": None,
    }
    return [
        *events,
        *body[: len(body) // 2],  # fail partway: some content arrives first
        {"type": "error", "error": failure},
        {"type": "response.failed", "response": final},
    ]


def numbered(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`events` with their `sequence_number`s, counted from 0."""
    return [
        {"type": event["type"], "sequence_number": n, **event}
        for n, event in enumerate(events)
    ]


def sse_frame(event: Mapping[str, Any], *, named: bool = True) -> bytes:
    """One event as an SSE frame: `event: <type>` (if `named`) and `data: <JSON>`."""
    name = b"event: " + str(event["type"]).encode() + b"\n" if named else b""
    return name + b"data: " + dumps(event) + b"\n\n"
