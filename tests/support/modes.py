"""Shared helpers of the reliability tests: one call in any of the four modes,
no-sleep retries, SSE replies for the scripted server, socket/RSS probes."""

from __future__ import annotations

import functools
import gzip
import operator
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from langchain_core.messages import AIMessageChunk, BaseMessage

from langchain_onerouter import ChatOneRouterResponses
from tests.support.bodies import message_item, response
from tests.support.events import created, frames, message_events, sse
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer

KEY = "sk-or-test-key-0123456789"
MODES = ("invoke", "ainvoke", "stream", "astream")
STREAM_MODES = ("stream", "astream")
SSE_HEADERS = {"Content-Type": "text/event-stream"}


@dataclass
class Outcome:
    """What one call produced: the final message or the exception, the
    streamed chunks received before it ended, and how long it took."""

    message: BaseMessage | None = None
    error: BaseException | None = None
    chunks: list[AIMessageChunk] = field(default_factory=list)
    seconds: float = 0.0

    def final(self) -> BaseMessage:
        """The final message; the call's exception raised again if it failed."""
        if self.error is not None:
            raise self.error
        assert self.message is not None, "the call produced no message"
        return self.message


async def call(llm: Any, mode: str, text: Any = "hi", **kw: Any) -> Outcome:
    """Run one call in `mode` (invoke, ainvoke, stream or astream; streamed
    chunks summed); sync modes block (the servers run in threads)."""
    out = Outcome()
    start = time.monotonic()
    try:
        if mode == "invoke":
            out.message = llm.invoke(text, **kw)
        elif mode == "ainvoke":
            out.message = await llm.ainvoke(text, **kw)
        elif mode == "stream":
            for chunk in llm.stream(text, **kw):
                out.chunks.append(chunk)
        else:
            async for chunk in llm.astream(text, **kw):
                out.chunks.append(chunk)
        if out.chunks:
            out.message = functools.reduce(operator.add, out.chunks)
    except Exception as exc:  # the caller asserts on the exact type
        out.error = exc
    out.seconds = time.monotonic() - start
    return out


def final_body(text: str, resp_id: str = "resp_rel") -> dict[str, Any]:
    return response(message_item(text, item_id="msg_rel"), resp_id=resp_id)


def stream_events(text: str, resp_id: str = "resp_rel") -> list[dict[str, Any]]:
    words = [w + " " for w in text.split(" ")]
    words[-1] = words[-1][:-1]
    return [
        created(resp_id),
        *message_events(words, item_id="msg_rel"),
        {"type": "response.completed", "response": final_body(text, resp_id)},
    ]


def ok_reply(text: str, *, streaming: bool, resp_id: str = "resp_rel") -> RawReply:
    """A successful answer in the shape the request asked for."""
    if streaming:
        return RawReply(
            headers=SSE_HEADERS, chunks=frames(stream_events(text, resp_id))
        )
    return RawReply(body=final_body(text, resp_id))


def gzip_reply(text: str, *, streaming: bool) -> RawReply:
    """The same answer, `Content-Encoding: gzip` (SSE compressed as one body,
    sent in several chunks, as proxies do)."""
    if streaming:
        raw = gzip.compress(sse(stream_events(text)))
        parts = [raw[i : i + 64] for i in range(0, len(raw), 64)]
        headers = {**SSE_HEADERS, "Content-Encoding": "gzip"}
        return RawReply(headers=headers, chunks=parts)
    raw = gzip.compress(httpx2.Response(200, json=final_body(text)).content)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    return RawReply(body=raw, headers=headers)


# -- process probes (Linux /proc; psutil when /proc is absent) ----------------


def open_sockets() -> int:
    """Sockets this process holds open right now."""
    fd_dir = Path("/proc/self/fd")
    if fd_dir.is_dir():
        count = 0
        for entry in fd_dir.iterdir():
            try:
                count += os.readlink(entry).startswith("socket:")
            except OSError:  # closed while listing
                pass
        return count
    import psutil  # pragma: no cover - non-Linux

    return len(psutil.Process().net_connections(kind="all"))  # pragma: no cover


def rss_bytes() -> int:
    """Resident set size of this process now (not the peak)."""
    statm = Path("/proc/self/statm")
    if statm.is_file():
        return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    import psutil  # pragma: no cover - non-Linux

    return int(psutil.Process().memory_info().rss)  # pragma: no cover


def wait_until(predicate: Any, timeout: float = 5.0) -> bool:
    """Poll `predicate` every 20 ms until true or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return bool(predicate())


def echo_reply(request: Recorded) -> RawReply:
    """A `ScriptedServer` responder answering `echo <the request's text>`."""
    token = request.json()["input"][0]["content"][0]["text"]
    return RawReply(body=final_body(f"echo {token}"))


def served_model(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    """A model on `server`, no retries, 10 s timeout (a test may override)."""
    settings: dict[str, Any] = {"max_retries": 0, "timeout": 10, **kw}
    return ChatOneRouterResponses(
        model="o4-mini", base_url=server.base_url, api_key=KEY, **settings
    )
