"""Cache writes and OneRouter's cost: `cache_write_tokens` → `cache_creation`
in invoke and stream, `cost_details` kept whole, and the cost placed where
LangSmith reads it only for traced, non-streamed results."""

from __future__ import annotations

import asyncio
import functools
import operator
from typing import Any

import pytest
from langchain_core.callbacks import get_usage_metadata_callback
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_onerouter._mapping.response import (
    add_langsmith_costs,
    langsmith_costs,
    response_to_message,
    usage_to_metadata,
)
from langchain_onerouter._mapping.stream import ResponseStreamParser
from langchain_onerouter.testing import protocol
from tests.support import bodies
from tests.support.models import Recorder, make_llm
from tests.support.modes import MODES, call

COST_DETAILS = {
    "upstream_inference_cost": 0.0042,
    "upstream_inference_prompt_cost": 0.0012,
    "upstream_inference_completions_cost": 0.003,
    "cache_read_cost": 0.0001,
    "cache_write_5m_cost": 0.0004,
    "web_search_cost": 0.0,
    "byok": False,
    "some_new_field": {"nested": [1, 2]},
}


def usage_with_cache(cost: Any = 0.0042) -> dict[str, Any]:
    usage = bodies.usage(inp=2000, out=30, cached=800)
    usage["input_tokens_details"]["cache_write_tokens"] = 1100
    usage["cost"] = cost
    usage["cost_details"] = COST_DETAILS
    return usage


def final_body(**usage_kw: Any) -> dict[str, Any]:
    return bodies.response(bodies.message_item("Hi"), use=usage_with_cache(**usage_kw))


def test_cache_write_tokens_become_cache_creation() -> None:
    metadata = usage_to_metadata(usage_with_cache())
    assert metadata is not None
    assert metadata["input_token_details"] == {
        "cache_read": 800,
        "cache_creation": 1100,
    }
    assert "total_cost" not in metadata  # int-only usage by default
    only_writes = {"input_tokens": 5, "input_tokens_details": {"cache_write_tokens": 3}}
    assert usage_to_metadata(only_writes)["input_token_details"] == {  # type: ignore[index]
        "cache_creation": 3
    }
    junk = {"input_tokens": 5, "input_tokens_details": {"cache_write_tokens": "x"}}
    assert usage_to_metadata(junk)["input_token_details"] == {"cache_creation": 0}  # type: ignore[index]


@pytest.mark.parametrize("mode", MODES)
def test_cache_creation_and_cost_details_in_every_mode(mode: str) -> None:
    rec = Recorder(final_body())
    out = asyncio.run(call(make_llm(rec, usage_accounting=True), mode))
    assert out.error is None, out.error
    message = out.message
    assert message is not None and isinstance(message, AIMessage)
    assert message.usage_metadata is not None
    details = message.usage_metadata["input_token_details"]
    assert details == {"cache_read": 800, "cache_creation": 1100}
    assert message.response_metadata["cost"] == 0.0042
    assert message.response_metadata["cost_details"] == COST_DETAILS  # whole
    assert "total_cost" not in message.usage_metadata  # untraced: summable usage


def test_stream_chunks_sum_to_what_invoke_returns() -> None:
    body = final_body()
    parser = ResponseStreamParser()
    chunks: list[AIMessageChunk] = []
    for event in protocol.response_events(body, deltas=[["H", "i"]]):
        chunks.extend(parser.feed(event))
    with_usage = [c for c in chunks if c.usage_metadata]
    assert with_usage == [chunks[-1]]  # usage rides once, on the last chunk
    total = functools.reduce(operator.add, chunks)
    assert total.usage_metadata == response_to_message(body).usage_metadata


def test_langsmith_costs_total_and_exact_split() -> None:
    routing = {"cost": 0.0042, "cost_details": COST_DETAILS}
    assert langsmith_costs(routing) == {
        "total_cost": 0.0042,
        "input_cost": 0.0012,
        "output_cost": 0.003,
    }
    # a split that does not add up to the bill is left out, the bill kept
    uneven = {"cost": 0.01, "cost_details": COST_DETAILS}
    assert langsmith_costs(uneven) == {"total_cost": 0.01}
    assert langsmith_costs({"cost": 0.5}) == {"total_cost": 0.5}
    for junk in ({}, {"cost": "n/a"}, {"cost": None}, {"cost": float("nan")}):
        assert langsmith_costs(junk) == {}


def test_add_langsmith_costs_on_a_message() -> None:
    message = response_to_message(final_body())
    add_langsmith_costs(message)
    usage = message.usage_metadata
    assert usage is not None
    assert usage["total_cost"] == 0.0042  # type: ignore[typeddict-item]
    assert usage["input_token_details"]["cache_creation"] == 1100  # type: ignore[typeddict-item]
    no_cost = response_to_message(bodies.text_response("x"))
    before = dict(no_cost.usage_metadata or {})
    add_langsmith_costs(no_cost)
    assert no_cost.usage_metadata == before


def test_untraced_usage_still_sums_across_calls() -> None:
    # Why costs stay out of untraced usage: LangChain's usage callback sums
    # usage_metadata with add_usage, which refuses floats.
    rec = Recorder(final_body(), final_body())
    llm = make_llm(rec, usage_accounting=True)
    with get_usage_metadata_callback() as cb:
        llm.invoke("a")
        llm.invoke("b")
    (usage,) = cb.usage_metadata.values()
    assert usage["input_tokens"] == 4000
    assert usage["input_token_details"] == {"cache_read": 1600, "cache_creation": 2200}
