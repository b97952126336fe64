"""Capability checks from the cached catalog: warn (or raise when strict)
before the request; never fetch the catalog on the hot path."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from langchain_onerouter import ChatOneRouterResponses, UnsupportedCapabilityError
from langchain_onerouter.catalog import CATALOG, ModelInfo
from tests.support.models import Recorder, echo, make_llm
from tests.support.scripted_server import Recorded

BASE = "https://llm.onerouter.pro/v1"
TEXT_ONLY = "deepseek/deepseek-r1:free"
IMAGE = {"type": "image", "url": "https://example.com/cat.png"}


@tool
def lookup(q: str) -> str:
    """Look something up."""
    return q


@pytest.fixture(autouse=True)
def catalog() -> Iterator[None]:
    CATALOG.clear()
    CATALOG.put(
        BASE,
        [
            ModelInfo(id=TEXT_ONLY, input_modalities=("text",), supports_tools=False),
            ModelInfo(id="openai/gpt-5.4", input_modalities=("text", "image", "file")),
            ModelInfo(id="mystery/model"),  # the catalog says nothing about it
        ],
    )
    yield
    CATALOG.clear()


def llm(
    model: str = TEXT_ONLY, **kw: Any
) -> tuple[ChatOneRouterResponses, list[Recorded]]:
    """A model answering "ok", and the requests it sent."""
    rec = Recorder(responder=echo)
    return make_llm(rec, model=model, **kw), rec.requests


def image_message() -> HumanMessage:
    return HumanMessage([{"type": "text", "text": "what is this?"}, IMAGE])


def test_bind_tools_warns_when_the_model_has_no_tool_calling() -> None:
    model, _ = llm()
    with pytest.warns(UserWarning, match="does not support tool calling"):
        model.bind_tools([lookup])


def test_strict_capabilities_raises_before_any_request() -> None:
    model, seen = llm(strict_capabilities=True)
    with pytest.raises(UnsupportedCapabilityError, match="tool calling"):
        model.bind_tools([lookup])
    with pytest.raises(UnsupportedCapabilityError, match="image input.*openai/gpt-5.4"):
        model.invoke([image_message()])
    assert seen == []


def test_per_call_strictness() -> None:
    model, seen = llm()
    with pytest.raises(UnsupportedCapabilityError):
        model.invoke([image_message()], strict_capabilities=True)
    with pytest.raises(UnsupportedCapabilityError):
        model.bind_tools([lookup], strict_capabilities=True)
    assert seen == []


def test_image_block_warns_and_the_request_is_still_sent() -> None:
    model, seen = llm()
    with pytest.warns(UserWarning, match="image input"):
        model.invoke([image_message()])
    assert [f"{r.method} {r.path}" for r in seen] == [
        "POST /v1/responses"
    ]  # and no GET /models


@pytest.mark.parametrize("model_id", ["openai/gpt-5.4", "mystery/model", "not/listed"])
def test_capable_or_unknown_models_are_not_flagged(model_id: str) -> None:
    model, seen = llm(model_id, strict_capabilities=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.bind_tools([lookup]).invoke([image_message()])
    assert [f"{r.method} {r.path}" for r in seen] == ["POST /v1/responses"]


def test_without_a_cached_catalog_nothing_is_checked_or_fetched() -> None:
    CATALOG.clear()
    model, seen = llm(strict_capabilities=True)
    model.bind_tools([lookup]).invoke([image_message()])
    assert [f"{r.method} {r.path}" for r in seen] == ["POST /v1/responses"]
