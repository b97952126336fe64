"""Streaming over real loopback sockets: a chunked SSE server with pacing,
keep-alives, `[DONE]`, dropped connections (sync and async)."""

from __future__ import annotations

import functools
import operator
import time
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_onerouter import ChatOneRouterResponses, errors
from langchain_onerouter._mapping.response import response_to_message
from tests.support.bodies import message_item, reasoning_item, response
from tests.support.events import created, frames, message_events, reasoning_events
from tests.support.scripted_server import RawReply, ScriptedServer

SSE = {"Content-Type": "text/event-stream"}
DELAY = 0.03


def model(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(model="o4-mini", base_url=server.base_url, **kw)


def story(words: int = 8) -> tuple[list[dict], dict]:
    deltas = [f"w{n} " for n in range(words)]
    final = response(
        reasoning_item("rs_1", ["plan"], encrypted="enc"),
        message_item("".join(deltas), item_id="msg_s1"),
        resp_id="resp_live",
    )
    events = [
        created("resp_live"),
        *reasoning_events([["plan"]], item_id="rs_1", encrypted="enc"),
        *message_events(deltas, output_index=1),
        {"type": "response.completed", "response": final},
    ]
    return events, final


def paced(events: list[dict], drop: bool = False, **framing: Any) -> RawReply:
    return RawReply(
        headers=SSE, chunks=frames(events, **framing), delay=DELAY, drop=drop
    )


def check_live(stamps: list[tuple[float, AIMessageChunk]], final: dict) -> None:
    chunks = [c for _, c in stamps]
    full = functools.reduce(operator.add, chunks)
    expected = response_to_message(final)
    assert full.text == expected.text
    assert full.id == expected.id
    assert full.usage_metadata == expected.usage_metadata
    # tokens arrive while the server is still writing, not all at the end
    text_times = [t for t, c in stamps if c.text]
    assert text_times[-1] - text_times[0] >= DELAY * (len(text_times) - 2)


@pytest.mark.parametrize(
    "framing", [{}, {"keepalive": True, "named": False}, {"crlf": True, "done": False}]
)
def test_stream_paced_sync(server: ScriptedServer, framing: dict) -> None:
    events, final = story()
    server.push(paced(events, **framing))
    stamps = [(time.monotonic(), c) for c in model(server).stream("Write a story")]
    check_live(stamps, final)
    assert server.requests[0].json()["stream"] is True


@pytest.mark.parametrize("framing", [{}, {"keepalive": True, "named": False}])
async def test_stream_paced_async(server: ScriptedServer, framing: dict) -> None:
    events, final = story()
    server.push(paced(events, **framing))
    stamps = [(time.monotonic(), c) async for c in model(server).astream("Write")]
    check_live(stamps, final)


def test_dropped_connection_sync(server: ScriptedServer) -> None:
    events, _ = story()
    server.push(paced(events[:-4], drop=True))  # cut before response.completed
    got: list[str] = []
    with pytest.raises(errors.StreamError):
        for chunk in model(server, max_retries=2).stream("hi"):
            got.append(chunk.text)
    assert "".join(got).startswith("w0 w1")  # what was yielded stays yielded
    assert len(server.requests) == 1  # never retried once events arrived


async def test_dropped_connection_async(server: ScriptedServer) -> None:
    events, _ = story()
    server.push(paced(events[:-4], drop=True))
    got: list[str] = []
    with pytest.raises(errors.StreamError):
        async for chunk in model(server, max_retries=2).astream("hi"):
            got.append(chunk.text)
    assert "".join(got).startswith("w0 w1")
    assert len(server.requests) == 1


def test_early_break_returns_promptly(server: ScriptedServer) -> None:
    events, _ = story(words=60)  # ~2 s of paced output
    server.push(paced(events))
    start = time.monotonic()
    for chunk in model(server).stream("hi"):
        if chunk.text:
            break
    assert time.monotonic() - start < 1.0


async def test_stop_sequence_ends_stream_early_async(server: ScriptedServer) -> None:
    events, _ = story(words=60)
    server.push(paced(events))
    start = time.monotonic()
    chunks = [c async for c in model(server).astream("hi", stop=["w3"])]
    assert functools.reduce(operator.add, chunks).text == "w0 w1 w2 "
    assert chunks[-1].response_metadata["stop_sequence"] == "w3"
    assert time.monotonic() - start < 1.5


async def test_astream_events_v2(server: ScriptedServer) -> None:
    events, final = story()
    server.push(paced(events))
    seen = [
        e
        async for e in model(server).astream_events("hi", version="v2")
        if e["event"] in ("on_chat_model_stream", "on_chat_model_end")
    ]
    streamed = [e for e in seen if e["event"] == "on_chat_model_stream"]
    assert "".join(e["data"]["chunk"].text for e in streamed) == "".join(
        f"w{n} " for n in range(8)
    )
    assert seen[-1]["event"] == "on_chat_model_end"
    assert seen[-1]["data"]["output"].id == final["id"]
