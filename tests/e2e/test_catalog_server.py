"""The catalog over real HTTP: the scripted server on 127.0.0.1 serves the sample."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.catalog import CATALOG, alist_models, list_models
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "models_sample.json"


def serve_sample(request: Recorded) -> RawReply:
    """`GET /v1/models` gets the sample file; any other path a 404."""
    if request.path != "/v1/models":
        return RawReply(404)
    json_type = {"Content-Type": "application/json"}
    return RawReply(body=SAMPLE.read_bytes(), headers=json_type)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    CATALOG.clear()
    with ScriptedServer(serve_sample) as srv:
        yield srv
    CATALOG.clear()


def test_list_models_over_http(server: ScriptedServer) -> None:
    models = list_models(server.base_url)
    ids = [m.id for m in models]
    assert ids[:2] == ["openai/gpt-5.4", "o4-mini"] and len(ids) == 8
    assert list_models(server.base_url) == models  # served from the cache
    assert len(server.requests) == 1
    assert server.requests[0].path == "/v1/models"
    assert "Authorization" not in server.requests[0].headers
    # A model built afterwards gets its profile from the cache, offline.
    llm = ChatOneRouterResponses(model="openai/gpt-5.4", base_url=server.base_url)
    assert llm.profile is not None and llm.profile["pdf_inputs"] is True
    assert len(server.requests) == 1


async def test_alist_models_over_http(server: ScriptedServer) -> None:
    models = await alist_models(server.base_url, refresh=True)
    assert {m.category for m in models} >= {"LLM", "embedding", "image"}
    assert len(server.requests) == 1


async def test_chat_model_lists_models_over_http(server: ScriptedServer) -> None:
    llm = ChatOneRouterResponses(model="o4-mini", base_url=server.base_url)
    assert llm.profile is None
    models = await llm.alist_models()
    assert "o4-mini" in {m.id for m in models}
    assert llm.profile is not None and llm.profile["max_input_tokens"] == 200000
    assert llm.list_models() == models
    assert len(server.requests) == 1
    assert server.requests[0].headers["Authorization"].startswith("Bearer ")
