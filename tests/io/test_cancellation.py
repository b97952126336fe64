"""Abandoning a stream closes the HTTP response at once, and the server sees
the client go (asserted server-side), for every way a consumer can leave."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.models import model
from tests.support.modes import (
    SSE_HEADERS,
    frames,
    open_sockets,
    stream_events,
    wait_until,
)
from tests.support.scripted_server import RawReply, ScriptedServer

pytestmark = pytest.mark.timeout(30)
DELAY = 0.05
WORDS = 200  # ~10 s of paced output: far longer than any bound below
BOUND = 1.0  # from leaving the stream to the server noticing


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        text = " ".join(f"w{n}" for n in range(WORDS))
        srv.push(
            RawReply(
                headers=SSE_HEADERS, chunks=frames(stream_events(text)), delay=DELAY
            )
        )
        yield srv


def assert_server_saw_disconnect(
    server: ScriptedServer, left_at: float, sockets: int
) -> None:
    assert server.disconnected.wait(BOUND), "server never saw the client leave"
    assert time.monotonic() - left_at < BOUND
    assert server.disconnects == ["/v1/responses"]
    assert len(server.requests) == 1
    # both ends of the connection are gone (the stream was not pooled)
    assert wait_until(lambda: open_sockets() <= sockets, BOUND), open_sockets()


async def first_text(stream: Any) -> None:
    async for chunk in stream:
        if chunk.text:
            return


async def test_astream_task_cancel(server: ScriptedServer) -> None:
    sockets = open_sockets()
    started = asyncio.Event()

    async def consume() -> None:
        async for chunk in model(server.base_url).astream("hi"):
            if chunk.text:
                started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    left_at = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(assert_server_saw_disconnect, server, left_at, sockets)


async def test_astream_break(server: ScriptedServer) -> None:
    sockets = open_sockets()
    async for chunk in model(server.base_url).astream("hi"):
        if chunk.text:
            break
    left_at = time.monotonic()
    # The abandoned async generator is closed by the loop's finaliser hook,
    # which needs the loop to run: waiting in a thread lets it.
    await asyncio.to_thread(assert_server_saw_disconnect, server, left_at, sockets)


async def test_astream_aclose(server: ScriptedServer) -> None:
    sockets = open_sockets()
    stream = model(server.base_url).astream("hi")
    await first_text(stream)
    await stream.aclose()
    left_at = time.monotonic()
    await asyncio.to_thread(assert_server_saw_disconnect, server, left_at, sockets)


async def test_astream_timeout_by_wait_for(server: ScriptedServer) -> None:
    sockets = open_sockets()
    llm = model(server.base_url)

    async def consume_all() -> None:
        async for _ in llm.astream("hi"):
            pass

    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(consume_all(), 0.3)
    left_at = time.monotonic()
    await asyncio.to_thread(assert_server_saw_disconnect, server, left_at, sockets)


@pytest.mark.parametrize("how", ["break", "close"])
def test_sync_stream_break_and_close(server: ScriptedServer, how: str) -> None:
    sockets = open_sockets()
    stream = model(server.base_url).stream("hi")
    for chunk in stream:
        if chunk.text:
            break
    if how == "close":
        stream.close()
    else:
        del stream  # refcount drop closes a sync generator at once
    assert_server_saw_disconnect(server, time.monotonic(), sockets)
