"""Responses stream events for tests, made by the emulator's builder
(`langchain_onerouter.testing.protocol`), and the SSE framings clients meet;
`sse_stream(body)` is what `tests.support.models.Recorder` streams."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langchain_onerouter.testing.protocol import (
    DONE,
    item_events,
    numbered,
    response_events,
    sse_frame,
)
from tests.support.bodies import message_item, reasoning_item, response

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
    annotations: list[dict] | None = None,
    with_done: bool = True,
) -> list[Event]:
    """A message item streamed as `deltas` (plus annotation events); without
    `with_done`, the stream of it stops after the last delta or annotation."""
    item = message_item("".join(deltas), item_id)
    item["content"][0]["annotations"] = list(annotations or [])
    events = list(item_events(output_index, item, deltas=[deltas], annotations=True))
    return events if with_done else events[:-3]  # text, part and item done


def reasoning_events(
    parts: list[list[str]],
    *,
    item_id: str = "rs_s1",
    output_index: int = 0,
    encrypted: str | None = None,
) -> list[Event]:
    """A reasoning item whose summary parts stream as the given deltas."""
    item = reasoning_item(item_id, ["".join(p) for p in parts], encrypted)
    return list(item_events(output_index, item, deltas=parts))


def frames(
    events: Iterable[Event],
    *,
    named: bool = True,
    crlf: bool = False,
    done: bool = True,
    keepalive: bool = False,
) -> list[bytes]:
    """One SSE frame (one network write) per event: `event:`+`data:` or
    data-only, CRLF or LF, a keep-alive comment in each, then `data: [DONE]`."""
    comment = b": ONEROUTER PROCESSING\n" if keepalive else b""
    out = [comment + sse_frame(event, named=named) for event in events]
    out += [DONE] if done else []
    return [frame.replace(b"\n", b"\r\n") for frame in out] if crlf else out


def sse(events: Iterable[Event], **framing: Any) -> bytes:
    """The events as one SSE body, framed as `frames` frames them."""
    return b"".join(frames(events, **framing))


def sse_stream(body: dict[str, Any]) -> bytes:
    """The standard event stream that ends in `body`, each text in two deltas."""
    halves = lambda text: [text[: len(text) // 2], text[len(text) // 2 :]]  # noqa: E731
    return sse(numbered(response_events(body, deltas=halves)))
