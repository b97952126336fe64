"""Drive the stream parser (and stop filter) over events as the chat model does."""

from __future__ import annotations

import functools
import operator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_onerouter._mapping.stop import StopFilter
from langchain_onerouter._mapping.stream import ResponseStreamParser
from tests.support.bodies import message_item
from tests.support.events import created, finished, message_events

TEXT = "echo:6784538e3b"
DELTAS = ["echo:", "678", "4538e3b"]
"""The answer of issue 29's reproduction, as three deltas."""


def text_stream(deltas: list[str] = DELTAS, final: str = TEXT) -> list[dict[str, Any]]:
    """created, one message streamed as `deltas`, completed carrying `final`."""
    events = [created(), *message_events(deltas, item_id="msg_1")]
    return [*events, finished(message_item(final, "msg_1"))]


def deltas_only(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`events` without the `*.done` events that repeat the text (servers
    that send deltas and the final response only)."""
    dropped = ("output_text.done", "content_part.done", "output_item.done")
    return [e for e in events if not e["type"].endswith(dropped)]


def feed_all(
    events: list[Any], stop: list[str] | None = None
) -> tuple[list[AIMessageChunk], ResponseStreamParser]:
    """Every chunk `stream()` would yield for `events` (raises what it raises)."""
    parser, stops = ResponseStreamParser(), StopFilter(stop)
    chunks: list[AIMessageChunk] = []
    for event in events:
        chunks += stops.feed(parser.feed(event), parser.end_early)
        if parser.done or stops.hit:
            return chunks, parser
    return chunks + parser.finish(), parser


def aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    return functools.reduce(operator.add, chunks)


def strip_index(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: strip_index(v) for k, v in value.items() if k != "index"}
    if isinstance(value, list):
        return [strip_index(v) for v in value]
    return value


def assert_matches(chunks: list[AIMessageChunk], expected: AIMessage) -> None:
    full = aggregate(chunks)
    assert strip_index(full.content) == expected.content
    assert full.tool_calls == expected.tool_calls
    assert full.usage_metadata == expected.usage_metadata
    assert full.id == expected.id
    assert full.additional_kwargs == expected.additional_kwargs
    for key, value in expected.response_metadata.items():
        assert full.response_metadata[key] == value
    assert chunks[-1].chunk_position == "last"
    assert all(c.chunk_position is None for c in chunks[:-1])
    assert all(c.response_metadata["model_provider"] == "onerouter" for c in chunks)
    # usage (and the response id) only on the final chunk
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    provider_ids = [c for c in chunks if c.id and not c.id.startswith("lc_")]
    assert provider_ids == [chunks[-1]]
