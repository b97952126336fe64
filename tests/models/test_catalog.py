"""Model catalog: tolerant parsing, the time-bounded cache, profiles, the model glue."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from langchain_core.language_models.model_profile import ModelProfile

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._settings.env import DEFAULT_BASE_URL
from langchain_onerouter.catalog import (
    CATALOG,
    ModelCatalog,
    ModelInfo,
    alist_models,
    find_model,
    list_models,
    parse_models,
)
from langchain_onerouter.errors import APIStatusError, NotFoundError
from tests.support.models import Recorder, make_llm
from tests.support.scripted_server import Recorded

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "models_sample.json"
BASE = "http://catalog.test/v1"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    CATALOG.clear()
    yield
    CATALOG.clear()


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text())


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def models_server(
    body: Any = None, status: int = 200
) -> tuple[httpx2.MockTransport, list[Recorded]]:
    """A catalog client's transport answering `body` (the sample), and its requests."""
    answer = sample() if body is None else body
    rec = Recorder(responder=lambda _: httpx2.Response(status, json=answer))
    return httpx2.MockTransport(rec), rec.requests


# -- parsing --------------------------------------------------------------------
def test_sample_parses_into_typed_entries() -> None:
    models = {m.id: m for m in parse_models(sample())}
    assert len(models) == len(sample()["data"])
    gpt = models["openai/gpt-5.4"]
    assert gpt == ModelInfo(
        id="openai/gpt-5.4",
        display_name="GPT-5.4",
        category="LLM",
        context_length=400000,
        max_output_tokens=128000,
        input_modalities=("text", "image", "file"),
        output_modalities=("text",),
        prompt_price_per_million=1.25,
        completion_price_per_million=10.0,
    )
    assert gpt.supports_images and gpt.supports_pdfs
    # Numbers sent as strings are coerced.
    gemini = models["google/gemini-3-flash"]
    assert gemini.context_length == 1048576 and gemini.max_output_tokens == 65536
    assert gemini.prompt_price_per_million == 0.5
    # Missing fields are None / empty; extra fields stay in raw.
    bare = models["mystery-model"]
    assert (bare.display_name, bare.context_length, bare.input_modalities) == (
        None,
        None,
        (),
    )
    assert models["anthropic/claude-sonnet-4.5"].raw["provider_count"] == 3
    assert models["deepseek/deepseek-v3.2:free"].prompt_price_per_million == 0.0
    assert models["text-embedding-3-small"].category == "embedding"
    assert not models["o4-mini"].supports_pdfs


def test_parsing_tolerates_odd_entries(caplog: pytest.LogCaptureFixture) -> None:
    body = {
        "data": [
            {"id": "ok", "context_length": -5, "max_output_tokens": True},
            {"display_name": "no id"},
            "not an object",
            {"id": "", "context_length": 1},
            {
                "id": "weird",
                "context_length": "lots",
                "min_prompt_price": float("nan"),
                "min_completion_price": math.inf,
                "input_modalities": "text+image",
                "output_modalities": 7,
            },
        ],
        "object": "list",
    }
    models = parse_models(body)
    assert [m.id for m in models] == ["ok", "weird"]
    assert models[0].context_length is None and models[0].max_output_tokens is None
    weird = models[1]
    assert weird.context_length is None
    assert weird.prompt_price_per_million is None
    assert weird.completion_price_per_million is None
    assert weird.input_modalities == ("text", "image")
    assert weird.output_modalities == ()
    assert caplog.text.count("Skipping /models entry") == 3


def test_bare_list_is_accepted() -> None:
    assert [m.id for m in parse_models([{"id": "a"}, {"id": "b"}])] == ["a", "b"]


@pytest.mark.parametrize(
    "body", [{"error": {"message": "nope"}}, "text", None, {"data": {}}]
)
def test_unexpected_body_raises(body: Any) -> None:
    with pytest.raises(APIStatusError, match="unexpected /models body"):
        parse_models(body)


# -- profiles -------------------------------------------------------------------
def test_profile_from_entry() -> None:
    info = ModelInfo.from_api(sample()["data"][0])
    profile = info.profile()
    assert profile == ModelProfile(
        name="GPT-5.4",
        max_input_tokens=400000,
        max_output_tokens=128000,
        text_inputs=True,
        image_inputs=True,
        image_url_inputs=True,
        pdf_inputs=True,
        audio_inputs=False,
        video_inputs=False,
        text_outputs=True,
        image_outputs=False,
        audio_outputs=False,
        video_outputs=False,
    )
    assert "tool_calling" not in profile  # the documented shape does not say


def test_profile_refuses_audio_video_even_when_model_has_them() -> None:
    gemini = next(m for m in parse_models(sample()) if m.id == "google/gemini-3-flash")
    assert "audio" in gemini.input_modalities
    profile = gemini.profile()
    assert profile["audio_inputs"] is False and profile["video_inputs"] is False


def test_profile_of_sparse_entry_claims_nothing_else() -> None:
    assert ModelInfo(id="m").profile() == {"audio_inputs": False, "video_inputs": False}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"supported_parameters": ["temperature", "tools", "tool_choice"]}, True),
        ({"supported_parameters": ["temperature"]}, False),
        ({"supports_tools": False}, False),
        ({}, None),
    ],
)
def test_tool_calling_when_the_entry_says(extra: dict, expected: bool | None) -> None:
    profile = ModelInfo.from_api({"id": "m", **extra}).profile()
    assert profile.get("tool_calling") is expected


def test_find_model_exact_then_unique_bare_id() -> None:
    models = parse_models(sample())
    assert find_model(models, "o4-mini").id == "o4-mini"  # type: ignore[union-attr]
    assert find_model(models, "gpt-5.4").id == "openai/gpt-5.4"  # type: ignore[union-attr]
    assert find_model(models, "nope") is None
    twins = [ModelInfo(id="a/x"), ModelInfo(id="b/x")]
    assert find_model(twins, "x") is None  # ambiguous: no guess


# -- cache ----------------------------------------------------------------------
def test_cache_is_per_base_url_and_expires() -> None:
    clock = FakeClock()
    cache = ModelCatalog(ttl=60, clock=clock)
    cache.put(BASE + "/", [ModelInfo(id="a")])
    assert [m.id for m in cache.get(BASE) or []] == ["a"]  # trailing slash ignored
    assert cache.get("http://other.test/v1") is None
    clock.now += 59.9
    assert cache.find(BASE, "a") == ModelInfo(id="a")
    clock.now += 0.2
    assert cache.get(BASE) is None
    assert cache.find(BASE, "a") is None


def test_list_models_fetches_once_per_ttl_without_key() -> None:
    clock = FakeClock()
    cache = ModelCatalog(ttl=3600, clock=clock)
    transport, seen = models_server()
    client = httpx2.Client(transport=transport)
    first = list_models(BASE, http_client=client, cache=cache)
    again = list_models(BASE, http_client=client, cache=cache)
    assert first == again and len(first) == 8
    assert len(seen) == 1
    assert str(seen[0].url) == f"{BASE}/models" and seen[0].method == "GET"
    assert "authorization" not in seen[0].headers
    clock.now += 3600
    list_models(BASE, http_client=client, cache=cache)
    assert len(seen) == 2
    list_models(BASE, http_client=client, cache=cache, refresh=True)
    assert len(seen) == 3
    assert not client.is_closed  # the caller's client is never closed


async def test_alist_models_fetches_once_per_ttl_without_key() -> None:
    clock = FakeClock()
    cache = ModelCatalog(ttl=10, clock=clock)
    transport, seen = models_server()
    client = httpx2.AsyncClient(transport=transport)
    first = await alist_models(BASE, http_async_client=client, cache=cache)
    assert await alist_models(BASE, http_async_client=client, cache=cache) == first
    assert len(seen) == 1 and "authorization" not in seen[0].headers
    clock.now += 10
    await alist_models(BASE, http_async_client=client, cache=cache)
    assert len(seen) == 2
    await client.aclose()


def test_list_models_defaults_to_env_then_onerouter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    transport, seen = models_server()
    client = httpx2.Client(transport=transport)
    list_models(http_client=client)
    assert str(seen[-1].url) == f"{DEFAULT_BASE_URL}/models"
    monkeypatch.setenv("ONEROUTER_BASE_URL", "http://env.test/api/v1")
    list_models(http_client=client)
    assert str(seen[-1].url) == "http://env.test/api/v1/models"


def test_errors_are_typed_and_not_cached() -> None:
    transport, seen = models_server({"error": {"code": 404, "message": "no"}}, 404)
    with pytest.raises(NotFoundError):
        list_models(BASE, http_client=httpx2.Client(transport=transport))
    assert CATALOG.get(BASE) is None


# -- the chat model -------------------------------------------------------------
def catalog_llm(model: str, **kw: Any) -> tuple[ChatOneRouterResponses, list[Recorded]]:
    """A model whose every request (GET /models too) gets the sample."""
    rec = Recorder(responder=lambda _: httpx2.Response(200, json=sample()))
    return make_llm(rec, model=model, base_url=BASE, **kw), rec.requests


def test_construction_never_fetches_and_profile_is_unknown() -> None:
    llm, seen = catalog_llm("openai/gpt-5.4")
    assert llm.profile is None
    assert seen == []


def test_profile_comes_from_the_cached_catalog() -> None:
    CATALOG.put(BASE, parse_models(sample()))
    llm, seen = catalog_llm("o4-mini")
    assert llm.profile is not None
    assert llm.profile["image_inputs"] is True and llm.profile["pdf_inputs"] is False
    assert llm.profile["max_input_tokens"] == 200000
    assert seen == []
    # Another base URL has its own (empty) catalog.
    other = ChatOneRouterResponses(model="o4-mini", base_url="http://other.test/v1")
    assert other.profile is None


def test_user_supplied_profile_wins() -> None:
    CATALOG.put(BASE, parse_models(sample()))
    mine = ModelInfo(id="o4-mini", context_length=1234).profile()
    llm, _ = catalog_llm("o4-mini", profile=mine)
    assert llm.profile == mine
    llm.list_models()
    assert llm.profile == mine


def test_model_list_models_uses_its_transport_and_fills_profile() -> None:
    llm, seen = catalog_llm("anthropic/claude-sonnet-4.5")
    models = llm.list_models()
    assert "o4-mini" in {m.id for m in models}
    assert len(seen) == 1 and str(seen[0].url) == f"{BASE}/models"
    assert seen[0].headers["authorization"].startswith("Bearer ")
    assert llm.profile is not None and llm.profile["max_output_tokens"] == 64000
    # Now cached for the process: a new instance gets its profile for free.
    assert catalog_llm("openai/gpt-5.4")[0].profile["pdf_inputs"] is True  # type: ignore[index]
    llm.list_models()
    assert len(seen) == 1


async def test_model_alist_models_fills_profile() -> None:
    llm, seen = catalog_llm("google/gemini-3-flash")
    models = await llm.alist_models()
    assert len(models) == 8 and len(seen) == 1
    assert llm.profile is not None and llm.profile["image_inputs"] is True
    await llm.alist_models(refresh=True)
    assert len(seen) == 2


def test_unknown_model_keeps_profile_none() -> None:
    llm, _ = catalog_llm("no-such/model")
    llm.list_models()
    assert llm.profile is None
