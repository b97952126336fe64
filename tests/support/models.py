"""One way to make a model for tests, and to record its retry waits."""

from __future__ import annotations

from typing import Any

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._retry import RetryPolicy


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
