"""Streamed calls return their connection to the pool: after the terminal
event the rest of the body is read if it comes within a short grace, so a
keep-alive server sees one connection for many calls (counted server-side, in
connections accepted), while a server holding the socket open after the end
costs the caller nothing: its connection is dropped."""

from __future__ import annotations

import asyncio
import time
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
CALLS = 10


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
    stall = RawReply(headers=SSE_HEADERS, chunks=[body, b": still here\n\n"], delay=2)
    with ScriptedServer(answering(done=True)) as server:
        server.push(stall)
        llm = model(server.base_url)
        assert run(llm, mode) == "one two three"
        # Cut before the server's 2 s pause ended (else it would finish cleanly).
        assert server.disconnected.wait(2), "the stalled connection was kept"
        assert run(llm, mode) == "one two three"
        assert server.connections == 2


@pytest.mark.parametrize("mode", ["stream", "astream", "invoke", "ainvoke"])
def test_a_server_holding_the_socket_after_the_end_costs_the_caller_nothing(
    mode: str,
) -> None:
    body = b"".join(frames(stream_events("one two three"), done=False))
    hold = RawReply(headers=SSE_HEADERS, chunks=[body, b": still here\n\n"], delay=10)
    with ScriptedServer(lambda _: hold) as server:
        llm = model(server.base_url, streaming=True)
        start = time.monotonic()
        if mode in ("stream", "astream"):
            text = run(llm, mode)
        elif mode == "invoke":
            text = llm.invoke("hi").text
        else:
            text = asyncio.run(llm.ainvoke("hi")).text
        seconds = time.monotonic() - start
        assert text == "one two three"
        assert seconds < 1, f"{mode} returned after {seconds:.1f} s"
