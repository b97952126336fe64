"""OneRouterRerank against the emulator over real sockets."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.documents import Document

pytest.importorskip("starlette")

from langchain_onerouter import (  # noqa: E402
    APIStatusError,
    OneRouterEmbeddings,
    OneRouterRerank,
    RateLimitError,
)
from langchain_onerouter.testing import Reply  # noqa: E402
from langchain_onerouter.testing.retrieval import (  # noqa: E402
    PRICE_PER_TOKEN,
    lexical_score,
)

MODEL = "cohere/rerank-v3.5"
DOCS = [
    Document("Tokyo is the capital of Japan.", id="tokyo", metadata={"n": 0}),
    Document("Paris is the capital of France.", id="paris", metadata={"n": 1}),
    Document("Paris, Texas is a small city.", id="texas", metadata={"n": 2}),
    Document("Bananas are yellow.", id="banana", metadata={"n": 3}),
]
QUERY = "What is the capital of France, Paris?"


def _reranker(**kwargs: Any) -> OneRouterRerank:
    return OneRouterRerank(**{"model": MODEL, **kwargs})  # env: the emulator


def test_compress_documents_keeps_top_n_best_first(onerouter_emulator: Any) -> None:
    best = _reranker(top_n=2).compress_documents(DOCS, QUERY)
    ranked = sorted(DOCS, key=lambda d: -lexical_score(QUERY, d.page_content))
    assert [d.id for d in best] == [d.id for d in ranked[:2]]
    assert best[0].id == "paris"
    scores = [d.metadata["relevance_score"] for d in best]
    assert scores == [lexical_score(QUERY, d.page_content) for d in ranked[:2]]
    assert best[0].metadata["n"] == 1
    assert all("relevance_score" not in d.metadata for d in DOCS)  # inputs untouched
    sent = onerouter_emulator.requests[-1]
    assert sent.path == "/v1/rerank"
    assert sent.body == {
        "model": MODEL,
        "query": QUERY,
        "documents": [d.page_content for d in DOCS],
        "top_n": 2,
    }


async def test_async_compress_documents(onerouter_emulator: Any) -> None:
    best = await _reranker(top_n=1).acompress_documents(DOCS, QUERY)
    assert [d.id for d in best] == ["paris"]
    assert onerouter_emulator.requests[-1].path == "/v1/rerank"


def test_rerank_returns_indexes_and_scores(onerouter_emulator: Any) -> None:
    results = _reranker(top_n=None).rerank(["a dog", "a cat", "cats"], "cat")
    assert [r["index"] for r in results] == [1, 0, 2]
    assert "top_n" not in onerouter_emulator.requests[-1].body
    assert len(_reranker().rerank(["x", "y"], "x", top_n=1)) == 1


def test_usable_in_contextual_compression_retriever(onerouter_emulator: Any) -> None:
    retrievers = pytest.importorskip("langchain_classic.retrievers")
    from langchain_core.vectorstores import InMemoryVectorStore

    store = InMemoryVectorStore(OneRouterEmbeddings(model="text-embedding-3-small"))
    store.add_documents(DOCS)
    retriever = retrievers.ContextualCompressionRetriever(
        base_compressor=_reranker(top_n=1),
        base_retriever=store.as_retriever(search_kwargs={"k": 3}),
    )
    found = retriever.invoke(QUERY)
    assert [d.id for d in found] == ["paris"]
    assert "relevance_score" in found[0].metadata
    paths = [r.path for r in onerouter_emulator.requests]
    assert paths[-2:] == ["/v1/embeddings", "/v1/rerank"]
    assert len(onerouter_emulator.requests[-1].body["documents"]) == 3


def test_usage_and_cost(onerouter_emulator: Any) -> None:
    reranker = _reranker(usage_accounting=True)
    reranker.rerank(["one two", "three"], "one")
    assert onerouter_emulator.requests[-1].body["usage"] == {"include": True}
    usage = reranker.last_usage
    assert usage is not None and usage.requests == 1
    tokens = 1 * 2 + 3  # query once per document, plus the documents
    assert usage.total_tokens == tokens
    assert usage.cost == pytest.approx(tokens * PRICE_PER_TOKEN)


# -- tolerant of the other shape, strict about unusable answers --------------------
def test_data_and_score_shape_is_read(onerouter_emulator: Any) -> None:
    onerouter_emulator.push(
        Reply(
            raw_body='{"data": [{"index": 0, "score": 0.1}, {"index": 1, "score": 0.7}]}'
        )
    )
    best = _reranker(top_n=None).compress_documents(DOCS[:2], QUERY)
    assert [(d.id, d.metadata["relevance_score"]) for d in best] == [
        ("paris", 0.7),
        ("tokyo", 0.1),
    ]


def test_a_server_ignoring_top_n_is_cut_to_it(onerouter_emulator: Any) -> None:
    results = [{"index": i, "relevance_score": i / 10} for i in range(4)]
    body = json.dumps({"results": results})
    onerouter_emulator.push(Reply(raw_body=body))
    assert [d.id for d in _reranker(top_n=2).compress_documents(DOCS, QUERY)] == [
        "banana",
        "texas",
    ]


@pytest.mark.parametrize(
    "raw, match",
    [
        ('{"results": [{"index": 9, "relevance_score": 1}]}', "out of range"),
        ('{"results": [{"index": 0}]}', "no numeric relevance_score"),
        ('{"ranking": []}', "no `results` list"),
    ],
)
def test_unusable_answers_raise(onerouter_emulator: Any, raw: str, match: str) -> None:
    onerouter_emulator.push(Reply(raw_body=raw))
    with pytest.raises(APIStatusError, match=match):
        _reranker().compress_documents(DOCS, QUERY)


def test_faults_are_typed_and_retried(onerouter_emulator: Any) -> None:
    onerouter_emulator.fail_next(1, status=503, retry_after=0)
    assert len(_reranker().rerank(["a", "b"], "a")) == 2
    onerouter_emulator.fail_next(1, status=429, retry_after=0)
    with pytest.raises(RateLimitError):
        _reranker(max_retries=0).rerank(["a"], "a")


# -- bad input ------------------------------------------------------------------------------
def test_no_documents_means_no_request(onerouter_emulator: Any) -> None:
    assert _reranker().compress_documents([], QUERY) == []
    assert onerouter_emulator.requests == []


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda r: r.compress_documents(DOCS, " "), ValueError, "query is empty"),
        (lambda r: r.rerank(DOCS, "q", top_n=0), ValueError, "top_n must be"),
        (lambda r: r.rerank([DOCS[0], 3], "q"), TypeError, r"documents\[1\] is int"),
    ],
)
def test_bad_input_fails_before_any_request(
    onerouter_emulator: Any, call: Any, exc: type, match: str
) -> None:
    with pytest.raises(exc, match=match):
        call(_reranker())
    assert onerouter_emulator.requests == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"top_n": 0}, "greater than or equal to 1"),
        ({"model": " "}, "model must be a non-empty string"),
        ({"model_kwargs": {"query": "x"}}, "'query' is set from the arguments"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _reranker(**kwargs)
