"""`get_token_ids` works offline with no extra package: our estimator's
stand-in ids, as many as `get_num_tokens` counts; `custom_get_token_ids` wins."""

from __future__ import annotations

import sys

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.tokens import estimate_token_ids

TEXTS = [
    "hello world",
    "",
    "Ünïcödé wörds and 1234567 digits",
    "日本語のテキストと中文",
    "def f(x):\n    return {'a': [1, 2]}  # code",
    "supercalifragilisticexpialidocious!!! ???",
    "🙂 emoji",
]


def _llm(**kw: object) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(model="m", api_key="sk-test", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", TEXTS)
def test_ids_count_as_get_num_tokens_and_are_stable(text: str) -> None:
    llm = _llm()
    ids = llm.get_token_ids(text)
    assert all(isinstance(i, int) for i in ids)
    assert len(ids) == llm.get_num_tokens(text)
    assert ids == estimate_token_ids(text)  # same text, same ids


def test_hello_world_needs_no_tokenizer_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # langchain-core's default falls back to GPT-2 through `transformers`
    for name in ("transformers", "tiktoken"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it now fails
    ids = _llm().get_token_ids("hello world")
    assert len(ids) == 2 and ids[0] != ids[1]


def test_custom_get_token_ids_is_used() -> None:
    llm = _llm(custom_get_token_ids=lambda text: [ord(c) for c in text])
    assert llm.get_token_ids("ab") == [97, 98]
    assert llm.get_num_tokens("abc") == 3
