"""One way to make a model for tests, and to record its retry waits."""

from __future__ import annotations

import json
from typing import Any

import httpx

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._retry import RetryPolicy
from tests.support import bodies


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


def model(
    base_url: str, sleeps: list[float] | None = None, **kw: Any
) -> ChatOneRouterResponses:
    """A model against `base_url` whose retry waits go to `sleeps`, unslept."""
    llm = ChatOneRouterResponses(model="o4-mini", base_url=base_url, **kw)
    record_sleeps(llm, sleeps)
    return llm


def mock_llm(**kw: Any) -> tuple[ChatOneRouterResponses, list[httpx.Request]]:
    """A model on an `httpx.MockTransport` answering `echo <n>` (n-th request,
    echoing the requested model), and the list of requests it received."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        payload = json.loads(request.content)
        return httpx.Response(
            200, json=bodies.text_response(f"echo {len(seen)}", model=payload["model"])
        )

    transport = httpx.MockTransport(handler)
    llm = ChatOneRouterResponses(
        model="o4-mini",
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
        **kw,
    )
    return llm, seen
