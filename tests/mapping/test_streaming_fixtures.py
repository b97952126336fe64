"""Replay recorded Responses streams (../shared/fixtures) through the parser
and the chat model; the aggregate must equal `response_to_message` of the
final response. Skips cleanly when ../shared is absent."""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter._mapping.stream import ResponseStreamParser
from langchain_onerouter.errors import OneRouterError, StreamError
from tests.conftest import iter_fixture_files
from tests.support.models import make_llm

CHUNK_FILES = list(iter_fixture_files("vercel-ai/*.chunks.txt"))
YAML_FILES = list(iter_fixture_files("pydantic-ai/*.yaml"))
FINAL_TYPES = ("response.completed", "response.incomplete")


def _split_streams(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """One file may hold several consecutive streams (one per response.created)."""
    streams: list[list[dict[str, Any]]] = []
    for event in events:
        if event.get("type") == "response.created" or not streams:
            streams.append([])
        streams[-1].append(event)
    return streams


def _strip_index(value: Any) -> Any:
    """Drop the merge-only `index` keys streaming adds to blocks."""
    if isinstance(value, dict):
        return {k: _strip_index(v) for k, v in value.items() if k != "index"}
    if isinstance(value, list):
        return [_strip_index(v) for v in value]
    return value


def _streamed_texts(events: list[dict[str, Any]]) -> dict[tuple[int, int], str]:
    """What the recording's own output_text deltas add up to, per text part."""
    texts: dict[tuple[int, int], str] = {}
    for event in events:
        if event.get("type") == "response.output_text.delta":
            key = (event.get("output_index", 0), event.get("content_index", 0))
            texts[key] = texts.get(key, "") + event["delta"]
    return texts


def _expected(events: list[dict[str, Any]]) -> AIMessage:
    final = [e for e in events if e.get("type") in FINAL_TYPES][-1]["response"]
    return response_to_message(final)


def _contradicts(events: list[dict[str, Any]]) -> bool:
    """A recording whose anonymised deltas no longer add up to the final text
    (checked against the recording itself): no stream can equal the final
    response then, so it must raise `StreamError` (issue 29, item 2)."""
    done = {
        (e.get("output_index", 0), e.get("content_index", 0)): e["text"]
        for e in events
        if e.get("type") == "response.output_text.done"
    }
    return any(
        key in done and not done[key].startswith(text)
        for key, text in _streamed_texts(events).items()
    )


def _raises_mismatch(run: Callable[[], Any]) -> None:
    with pytest.raises(StreamError) as info:
        run()
    assert info.value.code == "stream_mismatch"


def _assert_same(aggregate: AIMessageChunk, expected: AIMessage) -> None:
    assert _strip_index(aggregate.content) == expected.content
    assert aggregate.text == expected.text
    assert aggregate.tool_calls == expected.tool_calls
    assert aggregate.invalid_tool_calls == [] or expected.invalid_tool_calls
    assert aggregate.usage_metadata == expected.usage_metadata
    assert aggregate.id == expected.id
    assert aggregate.additional_kwargs == expected.additional_kwargs
    for key, value in expected.response_metadata.items():
        assert aggregate.response_metadata[key] == value, key
    assert aggregate.chunk_position == "last"
    # standard blocks work on the aggregate (reasoning included)
    kinds = {b["type"] for b in aggregate.content_blocks}
    expected_kinds = {b["type"] for b in expected.content_blocks}
    assert kinds == expected_kinds


def _replay(events: list[dict[str, Any]]) -> list[AIMessageChunk]:
    parser = ResponseStreamParser()
    chunks: list[AIMessageChunk] = []
    for event in events:
        chunks.extend(parser.feed(event))
        if parser.done:
            break
    chunks.extend(parser.finish())
    return chunks


def _chunk_file_streams() -> list[Any]:
    params = []
    for path in CHUNK_FILES:
        events = [json.loads(line) for line in path.read_text().splitlines() if line]
        for n, stream in enumerate(_split_streams(events)):
            params.append(pytest.param(stream, id=f"{path.stem}#{n}"))
    return params


def _has_full_output(events: list[dict[str, Any]]) -> bool:
    finals = [e for e in events if e.get("type") in FINAL_TYPES]
    return bool(finals) and bool(finals[-1]["response"].get("output"))


@pytest.mark.parametrize("events", _chunk_file_streams())
def test_chunk_fixture_aggregate_equals_invoke(events: list[dict[str, Any]]) -> None:
    if not _has_full_output(events):
        # Streams that end in error must raise instead of ending short.
        with pytest.raises(OneRouterError) as info:
            _replay(events)
        assert info.value.message
        return
    if _contradicts(events):
        _raises_mismatch(lambda: _replay(events))
        return
    chunks = _replay(events)
    aggregate = functools.reduce(operator.add, chunks)
    _assert_same(aggregate, _expected(events))
    # usage arrives once: exactly one chunk has input tokens, and it is last
    with_input = [c for c in chunks if (c.usage_metadata or {}).get("input_tokens")]
    assert with_input == [chunks[-1]]
    for chunk in chunks:
        chunk.content_blocks  # noqa: B018 - must not raise on any chunk


def test_error_fixture_raises_with_server_message() -> None:
    path = next((p for p in CHUNK_FILES if p.name == "openai-error.1.chunks.txt"), None)
    if path is None:
        pytest.skip("openai-error fixture absent")
    events = [json.loads(line) for line in path.read_text().splitlines() if line]
    error = next(e for e in events if e["type"] == "error")
    with pytest.raises(OneRouterError) as info:
        _replay(events)
    assert info.value.message == error["error"]["message"]
    assert info.value.code == error["error"]["code"]


def _sse_bodies() -> list[Any]:
    params = []
    for path in YAML_FILES:
        cassette = yaml.safe_load(path.read_text())
        for n, interaction in enumerate(cassette.get("interactions") or []):
            body = (interaction.get("response") or {}).get("body")
            if isinstance(body, dict) and "data:" in str(body.get("string", "")):
                params.append(pytest.param(body["string"], id=f"{path.stem}#{n}"))
    return params


def _parse_sse(text: str) -> list[dict[str, Any]]:
    """Minimal SSE reading for the expectation (the code under test uses httpx-sse)."""
    events = []
    for frame in text.replace("\r\n", "\n").split("\n\n"):
        data = "\n".join(
            line[5:].lstrip() for line in frame.split("\n") if line.startswith("data:")
        )
        if data and data != "[DONE]":
            events.append(json.loads(data))
    return events


def _model(body: str) -> ChatOneRouterResponses:
    sse_headers = {"content-type": "text/event-stream"}
    return make_llm(
        lambda _: httpx2.Response(200, content=body.encode(), headers=sse_headers),
        model="openai/gpt-4o",
        base_url="https://onerouter.test/v1",
    )


@pytest.mark.parametrize("body", _sse_bodies())
def test_sse_cassette_through_model_sync(body: str) -> None:
    expected = _expected(_parse_sse(body))
    if _contradicts(_parse_sse(body)):
        _raises_mismatch(lambda: list(_model(body).stream("hi")))
        return
    chunks = [c for c in _model(body).stream("hi")]
    _assert_same(functools.reduce(operator.add, chunks), expected)


@pytest.mark.parametrize("body", _sse_bodies())
async def test_sse_cassette_through_model_async(body: str) -> None:
    expected = _expected(_parse_sse(body))
    if _contradicts(_parse_sse(body)):
        with pytest.raises(StreamError, match="disagrees"):
            [c async for c in _model(body).astream("hi")]
        return
    chunks = [c async for c in _model(body).astream("hi")]
    _assert_same(functools.reduce(operator.add, chunks), expected)


@pytest.mark.parametrize("events", _chunk_file_streams())
def test_chunk_fixture_through_model_with_event_framing(
    events: list[dict[str, Any]],
) -> None:
    """The chunks files re-framed as `event:` + `data:` SSE, CRLF line ends."""
    if not _has_full_output(events):
        pytest.skip("error stream: covered by the parser test")
    body = "".join(
        f"event: {e['type']}\r\ndata: {json.dumps(e)}\r\n\r\n" for e in events
    )
    if _contradicts(events):
        _raises_mismatch(lambda: list(_model(body).stream("hi")))
        return
    chunks = list(_model(body).stream("hi"))
    _assert_same(functools.reduce(operator.add, chunks), _expected(events))


def test_fixtures_present_or_skipped(shared_dir: Path) -> None:
    """With ../shared present the replay tests must have found streams."""
    assert CHUNK_FILES and _sse_bodies()
