"""One way to make a model for tests: against a scripted `Recorder` on an
`httpx2.MockTransport` (`make_llm`) or a real server's URL (`model`).

`Recorder(*replies, responder=...)` answers each request with the next queued
reply and records it as a `Recorded` (the record type `ScriptedServer` keeps
too: `.json()`, `.method`, `.path`, `.headers`, `.url`). A reply is a
Responses body (a dict: served as JSON, or as the standard event stream built
by `sse_stream` when the request asked to stream), an `httpx2.Response`
(served as a fresh copy, so one can answer the sync and the async client), an
exception (raised, as a transport error would be) or a callable of the
`Recorded` request returning one of those. With the queue empty it asks
`responder`, or answers 500 "script exhausted".
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

import httpx2

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._http.retry import RetryPolicy
from tests.support import bodies
from tests.support.events import sse_stream
from tests.support.scripted_server import Recorded

MODEL = "openai/gpt-5.4"
Answer = dict[str, Any] | httpx2.Response | BaseException | Callable[[Recorded], Any]


class Recorder:
    """A MockTransport handler serving queued replies and recording requests."""

    def __init__(
        self, *replies: Answer, responder: Callable[[Recorded], Any] | None = None
    ) -> None:
        self.replies: deque[Answer] = deque(replies)
        self.responder = responder
        self.requests: list[Recorded] = []

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
        if recorded.body and recorded.json().get("stream"):
            return httpx2.Response(
                200,
                content=sse_stream(reply),
                headers={"content-type": "text/event-stream"},
            )
        return httpx2.Response(200, json=reply)


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
