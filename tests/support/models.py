"""One way to make a model for tests: against a scripted `Recorder` on an
`httpx2.MockTransport` (`make_llm`) or a real server's URL (`model`).

`Recorder(*replies, responder=...)` (the one MockTransport double) answers
each request with the next queued reply and records it as a `Recorded` (the
record type `ScriptedServer` keeps too: `.json()`, `.method`, `.path`,
`.headers`, `.url`). A reply is a Responses body (a dict: served as JSON, or
as the standard event stream built by `sse_stream` when the request asked to
stream), raw SSE bytes (streamed in 7-byte pieces) or a `TrackedStream`
(both recorded in `streams`), an `httpx2.Response` (served as a fresh copy,
so one can answer the sync and the async client), an exception (raised, as a
transport error would be) or a callable of the `Recorded` request returning
one of those. With the queue empty it asks `responder`, or answers 500
"script exhausted". `Recorder.always(reply)` answers every request so.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx2

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._http.retry import RetryPolicy
from tests.support import bodies
from tests.support.events import sse_stream
from tests.support.scripted_server import Recorded

MODEL = "openai/gpt-5.4"


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


Answer = (
    dict[str, Any]
    | bytes
    | TrackedStream
    | httpx2.Response
    | BaseException
    | Callable[[Recorded], Any]
)


class Recorder:
    """A MockTransport handler serving queued replies and recording requests."""

    def __init__(
        self, *replies: Answer, responder: Callable[[Recorded], Any] | None = None
    ) -> None:
        self.replies: deque[Answer] = deque(replies)
        self.responder = responder
        self.requests: list[Recorded] = []
        self.streams: list[TrackedStream] = []

    @classmethod
    def always(cls, reply: Answer) -> Recorder:
        """A recorder answering every request with `reply` (a callable: its answer)."""
        return cls(responder=reply if callable(reply) else lambda request: reply)

    def model(self, **kw: Any) -> ChatOneRouterResponses:
        """A model on this recorder, with the default two retries (unslept)."""
        settings: dict[str, Any] = {
            "model": "openai/gpt-4o-mini",
            "base_url": "https://onerouter.test/v1",
            "max_retries": 2,
            **kw,
        }
        return make_llm(self, **settings)

    def push(self, *replies: Answer) -> None:
        self.replies.extend(replies)

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        recorded = Recorded(
            request.method,
            request.url.raw_path.decode(),
            request.headers,
            request.read(),
            url=str(request.url),
        )
        self.requests.append(recorded)
        if self.replies:
            reply: Any = self.replies.popleft()
        elif self.responder is not None:
            reply = self.responder
        else:
            reply = httpx2.Response(
                500, json={"error": {"message": "script exhausted"}}
            )
        if isinstance(reply, httpx2.Response):  # a fresh copy of a queued one
            reply = httpx2.Response(
                reply.status_code, headers=reply.headers, content=reply.content
            )
        elif callable(reply):
            reply = reply(recorded)
        if isinstance(reply, BaseException):
            raise reply
        if isinstance(reply, httpx2.Response):
            return reply
        if isinstance(reply, (bytes, TrackedStream)):
            return self._stream(reply)
        if recorded.body and recorded.json().get("stream"):
            return httpx2.Response(
                200,
                content=sse_stream(reply),
                headers={"content-type": "text/event-stream"},
            )
        return httpx2.Response(200, json=reply)

    def _stream(self, reply: bytes | TrackedStream) -> httpx2.Response:
        if isinstance(reply, bytes):
            reply = TrackedStream([reply[i : i + 7] for i in range(0, len(reply), 7)])
        self.streams.append(reply)
        headers = {"content-type": "text/event-stream"}
        return httpx2.Response(200, stream=reply, headers=headers)


def echo(request: Recorded) -> dict[str, Any]:
    """A responder answering "ok" as the requested model."""
    return bodies.text_response("ok", model=request.json()["model"])


def numbered_echo() -> Callable[[Recorded], dict[str, Any]]:
    """A responder answering `echo <n>` to its n-th request, as the requested model."""
    count = itertools.count(1)
    return lambda request: bodies.text_response(
        f"echo {next(count)}", model=request.json()["model"]
    )


def record_sleeps(
    llm: ChatOneRouterResponses, sleeps: list[float] | None = None
) -> list[float]:
    """Make `llm` record its retry waits (in the returned list) instead of sleeping."""
    record = sleeps if sleeps is not None else []

    async def asleep(seconds: float) -> None:
        record.append(seconds)

    llm._get_transport().retry = RetryPolicy(
        llm.max_retries, sleep=record.append, asleep=asleep
    )
    return record


def make_llm(
    handler: Callable[[httpx2.Request], httpx2.Response],
    sleeps: list[float] | None = None,
    **kw: Any,
) -> ChatOneRouterResponses:
    """A model on `httpx2.MockTransport(handler)` (sync and async clients).

    `model` defaults to `MODEL` and `max_retries` to 0 (a test of retries asks
    for them); a model that may retry records its waits in `sleeps`, unslept.
    """
    transport = httpx2.MockTransport(handler)
    settings: dict[str, Any] = {"model": MODEL, "max_retries": 0, **kw}
    llm = ChatOneRouterResponses(
        http_client=httpx2.Client(transport=transport),
        http_async_client=httpx2.AsyncClient(transport=transport),
        **settings,
    )
    if llm.max_retries or sleeps is not None:
        record_sleeps(llm, sleeps)
    return llm


def model(
    base_url: str, sleeps: list[float] | None = None, **kw: Any
) -> ChatOneRouterResponses:
    """A model against `base_url` whose retry waits go to `sleeps`, unslept."""
    llm = ChatOneRouterResponses(model="o4-mini", base_url=base_url, **kw)
    record_sleeps(llm, sleeps)
    return llm
