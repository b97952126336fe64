"""Token counting: offline estimates of what a request sends (tokens.py)."""

from __future__ import annotations

import base64
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.tools import tool

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.tokens import (
    FILE_TOKENS,
    IMAGE_TOKENS,
    IMAGE_TOKENS_LOW,
    ITEM_OVERHEAD,
    estimate_body_tokens,
    estimate_text_tokens,
    min_text_tokens,
)

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 64).decode()


@tool
def get_weather(city: str) -> str:
    """Current weather in a city, with temperature and wind."""
    return "sunny"


def llm(**kwargs: object) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(model="openai/gpt-5.4", api_key="sk-test", **kwargs)  # type: ignore[arg-type]


def test_works_without_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    # langchain-core's default counter imports `transformers`; ours must not.
    monkeypatch.setitem(sys.modules, "transformers", None)
    assert llm().get_num_tokens("Hello world, how are you?") > 0
    assert llm().get_num_tokens_from_messages([HumanMessage("hi")]) > 0
    assert llm().get_num_tokens("") == 0


@pytest.mark.parametrize(
    "text",
    ["word", "a" * 40, "12345678", "你好世界", "{'a': [1, 2]}", "  \n\n  x"],
)
def test_text_estimate_grows_with_text(text: str) -> None:
    assert 0 < estimate_text_tokens(text) < estimate_text_tokens(text * 3)


def test_digits_count_in_runs_of_three() -> None:
    assert estimate_text_tokens("123") == 1
    assert estimate_text_tokens("123456789") == 3


def test_trim_messages_with_the_model_as_counter() -> None:
    model = llm()
    history = [
        SystemMessage("You are terse."),
        HumanMessage("tell me about " + "cats " * 200),
        AIMessage("Cats are small carnivores. " * 20),
        HumanMessage("and dogs?"),
    ]
    budget = 60
    trimmed = trim_messages(
        history,
        max_tokens=budget,
        token_counter=model,
        strategy="last",
        include_system=True,
    )
    assert trimmed[0] == history[0] and trimmed[-1] == history[-1]
    assert len(trimmed) < len(history)
    assert model.get_num_tokens_from_messages(trimmed) <= budget
    assert model.get_num_tokens_from_messages(history) > budget


def test_counts_what_is_sent_items_tools_and_outputs() -> None:
    model = llm()
    call = {"id": "call_1", "name": "get_weather", "args": {"city": "Paris"}}
    turn = [
        HumanMessage("Weather in Paris?"),
        AIMessage("", tool_calls=[call]),
        ToolMessage(
            "Sunny, 21 degrees, light wind from the west", tool_call_id="call_1"
        ),
    ]
    bare = model.get_num_tokens_from_messages(turn[:1])
    assert model.get_num_tokens_from_messages(turn) > bare + 2 * ITEM_OVERHEAD
    with_tools = model.get_num_tokens_from_messages(turn[:1], tools=[get_weather])
    assert with_tools > bare + estimate_text_tokens("Current weather in a city")


def test_images_and_files_use_the_documented_estimates() -> None:
    model = llm()
    text = HumanMessage("Describe")
    base = model.get_num_tokens_from_messages([text])

    def with_block(block: dict[str, object]) -> int:
        message = HumanMessage(content=[{"type": "text", "text": "Describe"}, block])
        return model.get_num_tokens_from_messages([message]) - base

    image = {"type": "image", "base64": PNG, "mime_type": "image/png"}
    assert with_block(image) == IMAGE_TOKENS
    low = {
        "type": "image_url",
        "image_url": {"url": "https://x.test/a.png", "detail": "low"},
    }
    assert with_block(low) == IMAGE_TOKENS_LOW
    pdf = base64.b64encode(b"%PDF-1.4 " + b"x" * 4000).decode()
    file_block = {"type": "file", "base64": pdf, "mime_type": "application/pdf"}
    assert with_block(file_block) == (4009 // 4)
    by_url = {
        "type": "file",
        "url": "https://x.test/a.pdf",
        "mime_type": "application/pdf",
    }
    assert with_block(by_url) == FILE_TOKENS


def test_custom_token_ids_hook_gives_exact_text_counts() -> None:
    model = llm(custom_get_token_ids=lambda text: list(text.encode()))
    assert model.get_num_tokens("héllo") == 6
    body_tokens = model.get_num_tokens_from_messages([HumanMessage("abcd")])
    assert body_tokens == ITEM_OVERHEAD + 4


def test_unknown_and_encrypted_items_are_counted_safely() -> None:
    body = {
        "model": "m",
        "input": [
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [],
                "encrypted_content": "Z" * 9000,
            },
            {"type": "future_thing_call", "id": "ft_1", "payload": {"q": "find cats"}},
            "bare string",
            42,
        ],
    }
    total = estimate_body_tokens(body)
    assert total == (
        4 * ITEM_OVERHEAD
        + estimate_text_tokens('{"payload":{"q":"find cats"}}')
        + estimate_text_tokens("bare string")
    )


@given(st.text(max_size=200))
def test_min_text_tokens_is_at_most_one_per_character_and_adds_over_spaces(
    text: str,
) -> None:
    assert min_text_tokens(text) <= len(text)
    assert min_text_tokens(text + " " + text) == 2 * min_text_tokens(text) or text == ""


def test_min_text_tokens_counts_words_and_digit_groups() -> None:
    assert min_text_tokens("") == 0
    assert min_text_tokens("Hello, world") == 2
    assert min_text_tokens("1234567") == 3  # 123 456 7
