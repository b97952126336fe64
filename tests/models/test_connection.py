"""The connection settings the chat model, embeddings and rerank share: one
declaration, the same checks, the same unknown-keyword policy, and the
per-call limits (`total_timeout`, `max_response_bytes`) honoured by all three
against a real 127.0.0.1 server."""

from __future__ import annotations

import asyncio
import time
import warnings
from typing import Any

import pytest

from langchain_onerouter import (
    ChatOneRouterResponses,
    OneRouterEmbeddings,
    OneRouterRerank,
    errors,
)
from langchain_onerouter._settings.connection import OneRouterConnection
from tests.support.modes import KEY
from tests.support.scripted_server import RawReply, ScriptedServer

CLASSES = (ChatOneRouterResponses, OneRouterEmbeddings, OneRouterRerank)
JSON = {"Content-Type": "application/json"}


def _drip(_: Any) -> RawReply:
    """Valid JSON whitespace, a byte every 0.1 s, never finishing in time."""
    return RawReply(headers=JSON, chunks=[b" "] * 100, delay=0.1)


def _make(cls: type, server: ScriptedServer | None = None, **kw: Any) -> Any:
    base_url = server.base_url if server else "http://127.0.0.1:9/v1"
    return cls(model="m", api_key=KEY, base_url=base_url, **kw)


def test_connection_fields_are_declared_once_for_all_three() -> None:
    shared = OneRouterConnection.model_fields
    for cls in CLASSES:
        assert issubclass(cls, OneRouterConnection)
        for name, info in shared.items():
            assert cls.model_fields[name].description == info.description, name
            assert name not in vars(cls).get("__annotations__", {}), (cls, name)
    assert {"total_timeout", "max_response_bytes", "max_sse_line_bytes"} <= set(shared)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_same_checks_for_every_class(cls: type) -> None:
    with pytest.raises(ValueError, match="total_timeout"):
        _make(cls, total_timeout=0)
    with pytest.raises(ValueError, match="max_response_bytes"):
        _make(cls, max_response_bytes=0)
    with pytest.raises(ValueError, match="No OneRouter API key"):
        cls(model="m", api_key=None)
    model = _make(cls, total_timeout=2.5, max_response_bytes=100)
    limits = model._get_transport().limits
    assert (limits.total_timeout, limits.max_response_bytes) == (2.5, 100)


@pytest.mark.parametrize(
    "cls, typo, nearest",
    [
        (ChatOneRouterResponses, "temprature", "temperature"),
        (OneRouterEmbeddings, "dimension", "dimensions"),
        (OneRouterRerank, "topn", "top_n"),
        (OneRouterRerank, "total_timout", "total_timeout"),
    ],
)
def test_one_unknown_keyword_policy_warns_naming_the_nearest_field(
    cls: type, typo: str, nearest: str
) -> None:
    with pytest.warns(UserWarning, match=f"did you mean '{nearest}'") as caught:
        model = _make(cls, **{typo: 2})
    assert caught[0].filename == __file__  # points at the caller's line
    assert f"{cls.__name__} has no field '{typo}'" in str(caught[0].message)
    assert model.model_kwargs == {typo: 2}


def test_embeddings_total_timeout_is_honoured() -> None:
    with ScriptedServer(_drip) as server:
        emb = _make(OneRouterEmbeddings, server, total_timeout=0.5, timeout=30)
        for run in (
            lambda: emb.embed_query("hi"),
            lambda: asyncio.run(emb.aembed_query("hi")),
        ):
            started = time.monotonic()
            with pytest.raises(errors.APITimeoutError) as info:
                run()
            assert info.value.code == "total_timeout"
            assert time.monotonic() - started < 5
        assert len(server.requests) == 2  # a passed deadline is never retried


def test_rerank_total_timeout_and_max_response_bytes_are_honoured() -> None:
    with ScriptedServer(_drip) as server:
        reranker = _make(OneRouterRerank, server, total_timeout=0.5, timeout=30)
        with pytest.raises(errors.APITimeoutError) as info:
            reranker.rerank(["a", "b"], "q")
        assert info.value.code == "total_timeout"
        assert len(server.requests) == 1
    big = {"results": [{"index": 0, "relevance_score": 0.5}], "pad": "x" * 4096}
    with ScriptedServer() as server:
        server.push(RawReply(body=big, headers=JSON), RawReply(body=big, headers=JSON))
        small = _make(OneRouterRerank, server, max_response_bytes=1024)
        with pytest.raises(errors.ResponseTooLargeError):
            small.rerank(["a", "b"], "q")
        with pytest.raises(errors.ResponseTooLargeError):
            asyncio.run(small.arerank(["a", "b"], "q"))
        roomy = _make(OneRouterRerank, server, max_response_bytes=8192)
        server.push(RawReply(body=big, headers=JSON))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert roomy.rerank(["a", "b"], "q")[0]["index"] == 0
        assert len(server.requests) == 3  # a cap reached is never retried
