"""`httpx2.MockTransport` server for streaming tests: scripted replies, and
response bodies that record being closed or fail midway."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2

from langchain_onerouter import ChatOneRouterResponses
from tests.support.models import make_llm


class TrackedStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body that records being closed; may fail midway."""

    def __init__(self, chunks: list[bytes], fail_after: int | None = None) -> None:
        self.chunks = chunks
        self.fail_after = fail_after
        self.sent = 0
        self.closed = False

    def _next(self) -> Iterator[bytes]:
        for n, chunk in enumerate(self.chunks):
            if self.fail_after is not None and n >= self.fail_after:
                raise httpx2.ReadError("connection reset by peer")
            self.sent += 1
            yield chunk

    def __iter__(self) -> Iterator[bytes]:
        yield from self._next()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._next():
            yield chunk

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


class Server:
    """Scripted MockTransport: replies in order; records requests and streams."""

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.requests: list[dict] = []
        self.streams: list[TrackedStream] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if callable(reply):
            reply = reply(self.requests[-1])
        if isinstance(reply, httpx2.Response):
            return reply
        stream = (
            reply
            if isinstance(reply, TrackedStream)
            else TrackedStream([reply[i : i + 7] for i in range(0, len(reply), 7)])
        )
        self.streams.append(stream)
        return httpx2.Response(
            200, stream=stream, headers={"content-type": "text/event-stream"}
        )

    def model(self, **kw: Any) -> ChatOneRouterResponses:
        """A model on this server (`make_llm`, with the default two retries)."""
        settings: dict[str, Any] = {
            "model": "openai/gpt-4o-mini",
            "base_url": "https://onerouter.test/v1",
            "max_retries": 2,
            **kw,
        }
        return make_llm(self, **settings)
