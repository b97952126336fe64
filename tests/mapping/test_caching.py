"""Prompt caching: `cache_control` breakpoints reach the body on their text part,
OneRouter's rules are checked before any request, and the automatic mode marks
the stable prefix of Anthropic-family requests only."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_onerouter._mapping.caching import (
    MAX_BREAKPOINTS,
    MIN_CACHE_TOKENS,
    apply_prompt_caching,
    needs_breakpoints,
)
from langchain_onerouter._mapping.catalog import ModelInfo
from langchain_onerouter._mapping.tokens import estimate_text_tokens
from langchain_onerouter.catalog import CATALOG
from tests.support import bodies
from tests.support.models import Recorder, make_llm
from tests.support.modes import MODES, call

EPHEMERAL = {"type": "ephemeral"}
LONG = "The quick brown fox jumps over the lazy dog. " * 250  # ~2,500 tokens
CLAUDE = "anthropic/claude-sonnet-4.5"


def cached(text: str, cache_control: Any = EPHEMERAL) -> dict[str, Any]:
    return {"type": "text", "text": text, "cache_control": cache_control}


def sent(messages: list[BaseMessage], **kw: Any) -> dict[str, Any]:
    """The body one invoke sends (the model's settings in `kw`)."""
    rec = Recorder(bodies.text_response("ok"))
    call_kw = {k: kw.pop(k) for k in ("cache_control",) if k in kw}
    make_llm(rec, **kw).invoke(messages, **call_kw)
    (request,) = rec.requests
    return request.json()


def marks(body: dict[str, Any]) -> list[tuple[int, int]]:
    """(item, part) positions carrying `cache_control`."""
    found = []
    for i, item in enumerate(body["input"]):
        parts = item.get("content") if item.get("type") == "message" else None
        parts = parts if parts is not None else item.get("output")
        for p, part in enumerate(parts if isinstance(parts, list) else []):
            if "cache_control" in part:
                found.append((i, p))
    return found


def test_estimate_of_the_long_text_is_above_the_minimum() -> None:
    # The auto-mode tests rely on LONG being cacheable and "hi" not.
    assert estimate_text_tokens(LONG) > 2 * MIN_CACHE_TOKENS
    assert estimate_text_tokens("hi") < MIN_CACHE_TOKENS


# -- explicit breakpoints -----------------------------------------------------------
def test_cache_control_reaches_its_part_in_human_system_and_tool_messages() -> None:
    ttl = {"type": "ephemeral", "ttl": "1h"}
    messages = [
        SystemMessage([cached(LONG)]),
        HumanMessage(["look this up", cached("then answer", ttl)]),
        AIMessage("", tool_calls=[{"name": "f", "args": {}, "id": "c1"}]),
        ToolMessage([cached("tool said so")], tool_call_id="c1"),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tool part's prefix is fine; others too
        body = sent(messages)
    system, user, _, output = body["input"]
    assert system["content"] == [
        {"type": "input_text", "text": LONG, "cache_control": EPHEMERAL}
    ]
    assert user["content"] == [
        {"type": "input_text", "text": "look this up"},
        {"type": "input_text", "text": "then answer", "cache_control": ttl},
    ]  # unknown keys (ttl) pass through; the unmarked part stays bare
    assert output["output"][0]["cache_control"] == EPHEMERAL


def test_cache_control_in_v1_block_extras_is_sent() -> None:
    block = {"type": "text", "text": LONG, "extras": {"cache_control": EPHEMERAL}}
    body = sent([HumanMessage([block])])
    assert body["input"][0]["content"][0]["cache_control"] == EPHEMERAL


def test_a_fifth_breakpoint_fails_before_any_request() -> None:
    rec = Recorder(bodies.text_response("ok"))
    llm = make_llm(rec)
    content = [cached(f"{LONG} part {n}") for n in range(MAX_BREAKPOINTS + 1)]
    with pytest.raises(ValueError, match=r"at most 4 cache_control breakpoints") as e:
        llm.invoke([HumanMessage(content)])
    assert "found 5" in str(e.value) and "input[0].part[4]" in str(e.value)
    assert rec.requests == []
    # four are fine
    llm.invoke([HumanMessage(content[:MAX_BREAKPOINTS])])
    assert len(marks(rec.requests[0].json())) == MAX_BREAKPOINTS


@pytest.mark.parametrize(
    "block",
    [
        {"type": "image", "url": "https://example.com/a.png"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
        {"type": "input_image", "image_url": "https://example.com/a.png"},
    ],
)
def test_cache_control_on_a_non_text_part_names_the_rule(block: dict) -> None:
    rec = Recorder(bodies.text_response("ok"))
    with pytest.raises(ValueError, match="text parts only") as e:
        make_llm(rec).invoke([HumanMessage([{**block, "cache_control": EPHEMERAL}])])
    assert "HumanMessage at index 0, content block 0" in str(e.value)
    assert rec.requests == []


def test_a_block_that_becomes_text_keeps_its_breakpoint() -> None:
    block = {"type": "text-plain", "text": LONG, "cache_control": EPHEMERAL}
    body = sent([HumanMessage([block])])
    assert body["input"][0]["content"] == [
        {"type": "input_text", "text": LONG, "cache_control": EPHEMERAL}
    ]


def test_a_non_text_breakpoint_from_extra_body_is_caught_too() -> None:
    body = {
        "model": CLAUDE,
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_file", "cache_control": EPHEMERAL}],
            }
        ],
    }
    with pytest.raises(ValueError, match=r"input\[0\]\.part\[0\].*text parts only"):
        apply_prompt_caching(body)


@pytest.mark.parametrize("bad", ["ephemeral", {"ttl": "5m"}, {"type": 1}])
def test_malformed_cache_control_is_refused(bad: Any) -> None:
    rec = Recorder()
    with pytest.raises(ValueError, match="cache_control must be an object with a st"):
        make_llm(rec).invoke([HumanMessage([cached("x", bad)])])
    with pytest.raises(ValueError, match="cache_control must be an object"):
        make_llm(rec).invoke("x", cache_control=bad)
    assert rec.requests == []


def test_a_breakpoint_below_the_minimum_warns_naming_it() -> None:
    with pytest.warns(UserWarning, match="under the 1024-token minimum") as caught:
        body = sent([HumanMessage([cached("short")])])
    assert "input[0].part[0]" in str(caught[0].message)
    assert marks(body) == [(0, 0)]  # still sent: the provider just will not cache


def test_no_warning_above_the_minimum() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sent([HumanMessage([cached(LONG)])])


# -- the per-call top-level cache_control ----------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_per_call_cache_control_marks_the_newest_text_part(mode: str) -> None:
    rec = Recorder(bodies.text_response("ok"))
    llm = make_llm(rec, model=CLAUDE)
    messages = [SystemMessage(LONG), HumanMessage(["see", "the last part"])]
    ttl = {"type": "ephemeral", "ttl": "1h"}
    out = asyncio.run(call(llm, mode, messages, cache_control=ttl))  # type: ignore[arg-type]
    assert out.error is None, out.error
    body = rec.requests[0].json()
    assert marks(body) == [(1, 1)]
    assert body["input"][1]["content"][1]["cache_control"] == ttl
    assert "cache_control" not in body  # not a top-level field of /responses


def test_per_call_cache_control_via_bind_and_keeps_a_block_own() -> None:
    rec = Recorder(bodies.text_response("ok"))
    llm = make_llm(rec).bind(cache_control=EPHEMERAL)
    own = {"type": "ephemeral", "ttl": "1h"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        llm.invoke([HumanMessage([cached("q", own)])])
    assert rec.requests[0].json()["input"][0]["content"][0]["cache_control"] == own


# -- automatic mode ---------------------------------------------------------------------
def conversation() -> list[BaseMessage]:
    return [
        SystemMessage(LONG),
        HumanMessage("first question"),
        AIMessage("first answer"),
        HumanMessage("second question"),
        AIMessage("second answer"),
        HumanMessage("newest question"),
    ]


@pytest.mark.parametrize(
    "model",
    [CLAUDE, "claude-3-5-sonnet@20240620", "anthropic/claude-opus-4.1:free"],
)
def test_auto_marks_system_and_the_turn_before_the_newest(model: str) -> None:
    body = sent(conversation(), model=model, prompt_caching="auto")
    # system (covering the tools before it) and "second question"; never newest
    assert marks(body) == [(0, 0), (3, 0)]
    assert all(
        body["input"][i]["content"][p]["cache_control"] == EPHEMERAL
        for i, p in marks(body)
    )


@pytest.mark.parametrize(
    "model",
    ["openai/gpt-5.4", "o4-mini", "google/gemini-3-flash", "deepseek/deepseek-v3.2"],
)
def test_auto_places_nothing_for_models_that_cache_automatically(model: str) -> None:
    assert marks(sent(conversation(), model=model, prompt_caching="auto")) == []


def test_auto_reads_the_family_from_the_cached_catalog() -> None:
    # A bare id the catalog resolves to an Anthropic entry.
    llm_kw = {"model": "sonnet-x", "prompt_caching": "auto"}
    rec = Recorder(bodies.text_response("ok"))
    llm = make_llm(rec, **llm_kw)
    CATALOG.put(llm.base_url, [ModelInfo(id="anthropic/sonnet-x")])
    try:
        llm.invoke(conversation())
    finally:
        CATALOG.clear()
    assert marks(rec.requests[0].json()) == [(0, 0), (3, 0)]
    assert needs_breakpoints("sonnet-x") is False  # the id alone says nothing


def test_auto_skips_prefixes_under_the_minimum() -> None:
    short = [SystemMessage("be brief"), HumanMessage("a"), AIMessage("b")]
    body = sent([*short, HumanMessage("c")], model=CLAUDE, prompt_caching="auto")
    assert marks(body) == []
    # the system prompt is short but the turn before the newest is long enough
    long_turn = [SystemMessage("be brief"), HumanMessage(LONG), AIMessage("b")]
    body = sent([*long_turn, HumanMessage("c")], model=CLAUDE, prompt_caching="auto")
    assert marks(body) == [(1, 0)]


def test_auto_moves_long_instructions_into_a_marked_system_message() -> None:
    body = sent([HumanMessage("hi")], model=CLAUDE, prompt_caching="auto",
                instructions=LONG)  # fmt: skip
    assert "instructions" not in body
    assert body["input"][0] == {
        "type": "message",
        "role": "system",
        "content": [{"type": "input_text", "text": LONG, "cache_control": EPHEMERAL}],
    }
    # short instructions stay where they were
    body = sent([HumanMessage("hi")], model=CLAUDE, prompt_caching="auto",
                instructions="be brief")  # fmt: skip
    assert body["instructions"] == "be brief" and marks(body) == []


def test_auto_counts_tool_definitions_in_the_prefix() -> None:
    big = {"type": "object", "description": LONG, "properties": {}}
    tools = [{"type": "function", "name": "f", "parameters": big}]
    body = {"model": CLAUDE, "tools": tools, "input": [
        {"type": "message", "role": "system",
         "content": [{"type": "input_text", "text": "be brief"}]},
        {"type": "message", "role": "user",
         "content": [{"type": "input_text", "text": "hi"}]},
    ]}  # fmt: skip
    apply_prompt_caching(body, mode="auto")
    assert marks(body) == [(0, 0)]  # short system text, long tools before it


def test_auto_leaves_tool_outputs_alone() -> None:
    call = {"name": "lookup", "args": {}, "id": "c1"}
    messages = [
        SystemMessage("be brief"),
        HumanMessage(LONG),
        AIMessage("", tool_calls=[call]),
        ToolMessage(["found it"], tool_call_id="c1"),  # parts: could carry one
        HumanMessage("newest"),
    ]
    body = sent(messages, model=CLAUDE, prompt_caching="auto")
    assert marks(body) == [(1, 0)]  # the user turn, not the tool output after it


def test_auto_fills_only_the_breakpoints_left() -> None:
    user_marks = [cached(f"{LONG} {n}") for n in range(3)]
    messages = [SystemMessage(LONG), HumanMessage(user_marks), AIMessage("a"),
                HumanMessage("newest")]  # fmt: skip
    body = sent(messages, model=CLAUDE, prompt_caching="auto")
    assert len(marks(body)) == MAX_BREAKPOINTS  # 3 of the user's + the system one
    assert (0, 0) in marks(body)


def test_auto_per_call_and_off_per_call() -> None:
    rec = Recorder(bodies.text_response("ok"), bodies.text_response("ok"))
    llm = make_llm(rec, model=CLAUDE)
    llm.invoke(conversation(), prompt_caching="auto")
    make_llm(rec, model=CLAUDE, prompt_caching="auto").invoke(
        conversation(), prompt_caching=None
    )
    assert marks(rec.requests[0].json()) == [(0, 0), (3, 0)]
    assert marks(rec.requests[1].json()) == []


def test_unknown_mode_names_the_valid_one() -> None:
    rec = Recorder()
    with pytest.raises(ValueError, match=r"prompt_caching must be None or 'auto'") as e:
        make_llm(rec, model=CLAUDE).invoke("hi", prompt_caching="autoo")
    assert "did you mean 'auto'" in str(e.value)
    with pytest.raises(ValueError, match="prompt_caching"):
        make_llm(rec, model=CLAUDE, prompt_caching="on")
    assert rec.requests == []
