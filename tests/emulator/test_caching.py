"""Prompt caching and usage accounting on the emulator, as OneRouter does them:
explicit breakpoints for Anthropic-family models, automatic caching for the
others, the breakpoint rules' 400s, and `cost`/`cost_details` at catalog
prices."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.testing import OneRouterEmulator, Reply
from langchain_onerouter.testing.caching import AUTO_STEP, MIN_PREFIX_TOKENS, TTLS
from tests.support.emulator import module_emulator

pytest.importorskip("starlette")
pytestmark = pytest.mark.timeout(60)

emu_fixture, fresh_emulator = module_emulator(accept_any_key=True)
CLAUDE = "anthropic/claude-sonnet-4.5"
GPT = "openai/gpt-5.4"
MARK = {"type": "ephemeral"}


def words(count: int, tag: str = "w") -> str:
    return " ".join(f"{tag}{i}" for i in range(count))


def text(value: str, mark: dict[str, Any] | None = None) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "input_text", "text": value}
    if mark is not None:
        part["cache_control"] = mark
    return part


def ask(model: str, *parts: dict[str, Any], **extra: Any) -> dict[str, Any]:
    content = [*parts, text("and the question")]
    message = {"type": "message", "role": "user", "content": content}
    return {"model": model, "input": [message], **extra}


def post(emu: OneRouterEmulator, body: Any, key: str | None = None) -> httpx.Response:
    auth = {"Authorization": f"Bearer {key or emu.api_key}"}
    return httpx.post(f"{emu.base_url}/responses", json=body, headers=auth, timeout=10)


def usage_of(emu: OneRouterEmulator, body: Any, key: str | None = None) -> Any:
    response = post(emu, body, key)
    assert response.status_code == 200, response.text
    return response.json()["usage"]


def cache(usage: dict[str, Any]) -> tuple[int, int]:
    """(cache reads, cache writes) of a usage."""
    details = usage["input_tokens_details"]
    return details["cached_tokens"], details["cache_write_tokens"]


# -- explicit breakpoints (Anthropic family) ------------------------------------------
def test_a_breakpoint_writes_the_prefix_then_a_repeat_reads_it(emu: Any) -> None:
    prefix = 1500
    first = usage_of(emu, ask(CLAUDE, text(words(prefix), MARK), text("one")))
    assert cache(first) == (0, prefix)
    again = usage_of(emu, ask(CLAUDE, text(words(prefix), MARK), text("two")))
    assert cache(again) == (prefix, 0)
    assert again["input_tokens"] == first["input_tokens"] == prefix + 4


def test_the_streamed_usage_reports_the_same(emu: Any) -> None:
    body = ask(CLAUDE, text(words(1200), MARK), stream=True)
    finals = []
    for _ in range(2):
        response = post(emu, body)
        events = [
            json.loads(line[6:])
            for line in response.text.splitlines()
            if line.startswith("data: {")
        ]
        finals.append(events[-1]["response"]["usage"])
    assert [cache(u) for u in finals] == [(0, 1200), (1200, 0)]


def test_a_second_breakpoint_reads_the_first_and_writes_the_rest(emu: Any) -> None:
    usage_of(emu, ask(CLAUDE, text(words(1100), MARK), text("tail")))
    both = ask(CLAUDE, text(words(1100), MARK), text(words(900, "x"), MARK))
    assert cache(usage_of(emu, both)) == (1100, 900)
    assert cache(usage_of(emu, both)) == (2000, 0)


@pytest.mark.parametrize(
    "body",
    [
        ask(CLAUDE, text(words(MIN_PREFIX_TOKENS - 1), MARK)),  # under the minimum
        ask(CLAUDE, text(words(2000))),  # no breakpoint
    ],
    ids=["short-prefix", "no-breakpoint"],
)
def test_no_cache_without_a_long_enough_breakpoint(emu: Any, body: Any) -> None:
    assert cache(usage_of(emu, body)) == (0, 0)
    assert cache(usage_of(emu, body)) == (0, 0)


def test_the_prefix_covers_instructions_tools_and_the_model(emu: Any) -> None:
    body = ask(CLAUDE, text(words(1100), MARK), instructions="be brief")
    usage_of(emu, body)
    tool = {"type": "function", "name": "f", "parameters": {"type": "object"}}
    changed = [
        {**body, "instructions": "be long"},
        {**body, "tools": [tool]},
        {**body, "model": "anthropic/claude-opus-4.6"},
    ]
    emu.add_models("anthropic/claude-opus-4.6")
    for other in changed:
        assert cache(usage_of(emu, other))[0] == 0, other
    assert cache(usage_of(emu, body))[0] == 1102  # the instructions count too


def test_caches_are_not_shared_between_keys(emu: Any) -> None:
    body = ask(CLAUDE, text(words(1100), MARK))
    usage_of(emu, body, key="sk-alice")
    assert cache(usage_of(emu, body, key="sk-bob")) == (0, 1100)
    assert cache(usage_of(emu, body, key="sk-alice")) == (1100, 0)


@pytest.mark.parametrize("ttl", ["5m", "1h"])
def test_entries_expire_after_their_ttl(emu: Any, ttl: str) -> None:
    now = [1000.0]
    emu.state.cache.clock = lambda: now[0]
    try:
        body = ask(CLAUDE, text(words(1100), {"type": "ephemeral", "ttl": ttl}))
        usage_of(emu, body)
        now[0] += TTLS[ttl] - 1  # a read refreshes the entry
        assert cache(usage_of(emu, body))[0] == 1100
        now[0] += TTLS[ttl] + 1
        assert cache(usage_of(emu, body)) == (0, 1100)
    finally:
        emu.state.cache.clock = time.monotonic


def test_reset_and_clear_forget_the_cache(emu: Any) -> None:
    body = ask(CLAUDE, text(words(1100), MARK))
    for forget in (emu.clear_prompt_cache, emu.reset):
        usage_of(emu, body)
        forget()
        assert cache(usage_of(emu, body)) == (0, 1100)


# -- automatic caching (every other model) --------------------------------------------
def test_automatic_models_read_a_repeated_long_prefix_without_breakpoints(
    emu: Any,
) -> None:
    shared = 1500
    first = usage_of(emu, ask(GPT, text(words(shared)), text("first")))
    assert cache(first) == (0, 0)
    again = usage_of(emu, ask(GPT, text(words(shared)), text("second")))
    steps = (shared - MIN_PREFIX_TOKENS) // AUTO_STEP
    assert cache(again) == (MIN_PREFIX_TOKENS + steps * AUTO_STEP, 0)
    short = ask(GPT, text(words(MIN_PREFIX_TOKENS - 10)))
    usage_of(emu, short)
    assert cache(usage_of(emu, short)) == (0, 0)


def test_the_chat_model_sees_cache_reads_of_an_automatic_model(emu: Any) -> None:
    llm = ChatOneRouterResponses(model=GPT, base_url=emu.base_url, api_key=emu.api_key)
    reads = []
    for _ in range(2):
        usage = llm.invoke(words(1300)).usage_metadata
        assert usage is not None
        reads.append(usage.get("input_token_details", {}).get("cache_read"))
    assert reads == [0, 1280]


def test_scripted_usage_is_reported_as_given(emu: Any) -> None:
    usage = {"input_tokens": 9, "output_tokens": 1, "total_tokens": 10}
    emu.push(Reply(text="ok", usage=usage), Reply(text="ok", usage=usage))
    body = ask(CLAUDE, text(words(1100), MARK))
    assert usage_of(emu, body) == usage
    assert usage_of(emu, body) == usage


# -- the breakpoint rules --------------------------------------------------------------
@pytest.mark.parametrize(
    "body, param, says",
    [
        (
            ask(CLAUDE, *[text(f"p{i}", MARK) for i in range(5)]),
            "input[0].content[4].cache_control",
            "maximum of 4",
        ),
        (
            ask(CLAUDE, {"type": "input_image", "image_url": "https://e.x/a.png",
                         "cache_control": MARK}),
            "input[0].content[0].cache_control",
            "only on the text parts",
        ),
        (
            {"model": CLAUDE, "input": "hi", "tools": [
                {"type": "function", "name": "f", "cache_control": MARK}]},
            "tools[0].cache_control",
            "tool definition",
        ),
        (
            ask(CLAUDE, text("x", {"type": "persistent"})),
            "input[0].content[0].cache_control.type",
            "ephemeral",
        ),
        (
            ask(CLAUDE, text("x", {"type": "ephemeral", "ttl": "2h"})),
            "input[0].content[0].cache_control.ttl",
            "5m, 1h",
        ),
    ],
    ids=["fifth-breakpoint", "image-part", "tool", "type", "ttl"],
)  # fmt: skip
def test_breakpoints_breaking_the_rules_are_a_400_before_anything(
    emu: Any, body: Any, param: str, says: str
) -> None:
    emu.reply("never served")
    response = post(emu, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and says in error["message"]
    assert emu.state.script.pending() == 1  # no reply was consumed


def test_four_breakpoints_and_unknown_keys_pass(emu: Any) -> None:
    mark = {"type": "ephemeral", "ttl": "1h", "scope": "anything"}
    body = ask(GPT, *[text(f"p{i}", mark) for i in range(4)])
    assert post(emu, body).status_code == 200


# -- usage accounting ------------------------------------------------------------------
def prices(emu: Any, model: str) -> tuple[float, float]:
    entry = httpx.get(f"{emu.base_url}/models/{model}").json()
    return entry["min_prompt_price"] / 1e6, entry["min_completion_price"] / 1e6


def test_no_cost_unless_usage_accounting_is_asked_for(emu: Any) -> None:
    usage = usage_of(emu, {"model": GPT, "input": "hi"})
    assert "cost" not in usage and "cost_details" not in usage


def test_cost_details_price_reads_and_writes_at_catalog_rates(emu: Any) -> None:
    prompt, completion = prices(emu, CLAUDE)
    short = {"type": "ephemeral", "ttl": "5m"}
    long = {"type": "ephemeral", "ttl": "1h"}
    body = ask(
        CLAUDE,
        text(words(1100), long),
        text(words(300, "y"), short),
        usage={"include": True},
        reasoning={"effort": "low"},
    )
    first = usage_of(emu, body)
    details = first["cost_details"]
    assert details["prompt_cache_write_1_h"] == pytest.approx(1100 * prompt * 2.0)
    assert details["prompt_cache_write_5_min"] == pytest.approx(300 * prompt * 1.25)
    assert details["prompt_cache_write_cost"] == pytest.approx(
        details["prompt_cache_write_1_h"] + details["prompt_cache_write_5_min"]
    )
    assert details["prompt_cost"] == pytest.approx(
        3 * prompt + details["prompt_cache_write_cost"]  # 3 words uncached
    )
    second = usage_of(emu, body)
    assert second["cost_details"]["prompt_cache_read_cost"] == pytest.approx(
        1400 * prompt * 0.1
    )
    for usage in (first, second):
        cost = usage["cost_details"]
        assert usage["cost"] == pytest.approx(
            cost["prompt_cost"] + cost["completion_cost"]
        )
        assert cost["completion_cost"] == pytest.approx(
            usage["output_tokens"] * completion
        )
        reasoning = usage["output_tokens_details"]["reasoning_tokens"]
        assert reasoning > 0
        assert cost["reasoning_cost"] == pytest.approx(reasoning * completion)
        assert cost["upstream_inference_cost"] == usage["cost"]
    assert second["cost"] < first["cost"]


def test_web_searches_and_the_other_documented_fields(emu: Any) -> None:
    search = {"type": "web_search_call", "status": "completed",
              "action": {"type": "search", "query": "q"}}  # fmt: skip
    emu.reply("found", items=[search, search])
    usage = usage_of(emu, {"model": GPT, "input": "hi", "usage": {"include": True}})
    details = usage["cost_details"]
    assert details["native_web_search_cost"] == pytest.approx(0.02)
    assert usage["cost"] == pytest.approx(
        details["prompt_cost"] + details["completion_cost"] + 0.02
    )
    documented = {
        "prompt_cost", "completion_cost", "image_cost", "video_cost", "audio_cost",
        "native_web_search_cost", "plugin_web_search_cost", "tools_cost",
        "prompt_cache_read_cost", "prompt_cache_write_cost",
        "prompt_cache_write_5_min", "prompt_cache_write_1_h", "reasoning_cost",
        "discount_rate", "is_byok", "byok_cost",
    }  # fmt: skip
    assert documented <= set(details)
    assert usage["is_byok"] is False and details["discount_rate"] == 0.0


def test_the_cache_keeps_at_most_max_entries_least_recently_used_first() -> None:
    from langchain_onerouter.testing.caching import PromptCache

    store = PromptCache(max_entries=2)
    bodies = [ask(CLAUDE, text(words(1100, tag), MARK)) for tag in "abc"]
    for body in bodies:
        store.apply("k", body, CLAUDE)
    assert len(store) == 2
    assert store.apply("k", bodies[0], CLAUDE).read == 0  # evicted
    assert store.apply("k", bodies[2], CLAUDE).read == 1100
