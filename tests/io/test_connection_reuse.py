"""Streamed calls return their connection to the pool: after the terminal
event the rest of the body is read (bounded), so a keep-alive server sees one
connection for many calls. Counted server-side, in connections accepted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from langchain_onerouter._http import transport
from tests.support.models import model
from tests.support.modes import (
    SSE_HEADERS,
    final_body,
    frames,
    stream_events,
)
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer

pytestmark = pytest.mark.timeout(30)
CALLS = 5


def answering(*, done: bool, tail: list[bytes] | None = None, **kw: Any) -> Any:
    """A responder: a stream of 'one two three', then `tail` after its end."""

    def respond(request: Recorded) -> RawReply:
        if not request.json().get("stream"):
            return RawReply(body=final_body("one two three"))
        body = frames(stream_events("one two three"), done=done)
        return RawReply(headers=SSE_HEADERS, chunks=body + (tail or []), **kw)

    return respond


def run(llm: Any, mode: str) -> str:
    if mode == "stream":
        return "".join(chunk.text for chunk in llm.stream("hi"))

    async def consume() -> str:
        return "".join([chunk.text async for chunk in llm.astream("hi")])

    return asyncio.run(consume())


@pytest.mark.parametrize("done", [True, False], ids=["with-DONE", "without-DONE"])
def test_stream_and_astream_reuse_one_connection(done: bool) -> None:
    with ScriptedServer(answering(done=done)) as server:
        llm = model(server.base_url)
        for _ in range(CALLS):
            assert run(llm, "stream") == "one two three"
        llm.invoke("hi")  # non-stream calls share the same pool
        assert server.connections == 1

        # astream: one event loop, one async pool
        async def many() -> list[str]:
            texts = []
            for _ in range(CALLS):
                texts.append("".join([c.text async for c in llm.astream("hi")]))
            return texts

        assert asyncio.run(many()) == ["one two three"] * CALLS
        assert server.connections == 2  # the sync pool's + the async pool's
        assert len(server.requests) == 2 * CALLS + 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_leaving_mid_stream_still_closes_the_connection(mode: str) -> None:
    with ScriptedServer(answering(done=True)) as server:
        llm = model(server.base_url)
        if mode == "stream":
            for chunk in llm.stream("hi"):
                if chunk.text:
                    break
        else:

            async def first() -> None:
                stream = llm.astream("hi")
                async for chunk in stream:
                    if chunk.text:
                        break
                await stream.aclose()

            asyncio.run(first())
        assert run(llm, mode) == "one two three"
        # The abandoned response is not pooled half-read: a second connection.
        assert server.connections == 2


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_server_talking_past_the_byte_bound_is_cut(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "DRAIN_BYTES", 1000)
    noise = [b'data: {"type": "keepalive", "pad": "%s"}\n\n' % (b"x" * 100)] * 50
    with ScriptedServer(answering(done=False, tail=noise)) as server:
        llm = model(server.base_url)
        assert run(llm, mode) == "one two three"
        assert run(llm, mode) == "one two three"
        # The first connection was closed after ~1,000 bytes, not reused.
        assert server.connections == 2


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_server_stalling_after_the_end_is_cut(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transport, "DRAIN_SECONDS", 0.2)
    body = b"".join(frames(stream_events("one two three"), done=False))
    stall = RawReply(headers=SSE_HEADERS, chunks=[body, b": still here\n\n"], delay=5)
    with ScriptedServer(answering(done=True)) as server:
        server.push(stall)
        llm = model(server.base_url)
        assert run(llm, mode) == "one two three"
        # Cut before the server's 5 s pause ended (else it would finish cleanly).
        assert server.disconnected.wait(5), "the stalled connection was kept"
        assert run(llm, mode) == "one two three"
        assert server.connections == 2
