"""retrieval.py: input checks, bodies and tolerant parsing for embeddings/rerank."""

from __future__ import annotations

import array
import base64
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_onerouter import APIStatusError, ContextLengthExceededError
from langchain_onerouter._mapping.retrieval import (
    RetrievalUsage,
    batches,
    check_texts,
    decode_base64,
    embeddings_body,
    parse_embeddings,
    parse_rerank,
    rerank_body,
    usage_from_body,
    validate_embedding_params,
    validate_rerank,
)


def _b64(values: list[float]) -> str:
    packed = array.array("f", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode()


# -- input checks ----------------------------------------------------------------
def test_empty_string_is_named_by_index() -> None:
    with pytest.raises(ValueError, match=r"texts\[2\] is an empty string"):
        check_texts(["a", "b", ""], max_tokens=None)


@pytest.mark.parametrize(
    "texts, match",
    [
        ("one text", "expected a list of strings, got str; use embed_query"),
        (None, "expected a list of strings, got NoneType"),
        (["a", 3], r"texts\[1\] is int, expected str"),
    ],
)
def test_wrong_types_are_named(texts: object, match: str) -> None:
    with pytest.raises(TypeError, match=match):
        check_texts(texts, max_tokens=None)


def test_over_long_text_is_a_context_length_error_naming_the_limit() -> None:
    with pytest.raises(
        ContextLengthExceededError, match=r"texts\[1\].*over the limit of 10"
    ):
        check_texts(["short", "word " * 11], max_tokens=10)
    assert check_texts(["word " * 10], max_tokens=10) == ["word " * 10]
    assert check_texts(["word " * 11], max_tokens=None) == ["word " * 11]


def test_batches_cover_every_index_once_in_order() -> None:
    ranges = batches(2500, 1000)
    assert [list(r) for r in ranges] == [
        list(range(0, 1000)),
        list(range(1000, 2000)),
        list(range(2000, 2500)),
    ]
    assert batches(0, 10) == []


@pytest.mark.parametrize(
    "params, match",
    [
        ({"model": ""}, "model must be a non-empty string"),
        ({"model": "m", "dimensions": 0}, "dimensions must be a positive integer"),
        ({"model": "m", "dimensions": True}, "dimensions must be a positive integer"),
        ({"model": "m", "encoding_format": "base46"}, "did you mean 'base64'"),
        ({"model": "m", "input": ["x"]}, "'input' is set from the texts"),
    ],
)
def test_bad_embedding_settings(params: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        validate_embedding_params(params)


def test_embeddings_body_leaves_out_unset_settings() -> None:
    body = embeddings_body(
        ["a"], {"model": "m", "dimensions": 8, "encoding_format": None, "user": "u"}
    )
    assert body == {"model": "m", "input": ["a"], "dimensions": 8, "user": "u"}


# -- embeddings output -------------------------------------------------------------
def test_vectors_are_put_back_in_input_order_by_index() -> None:
    body = {
        "data": [
            {"index": 2, "embedding": [2, 2]},
            {"index": 0, "embedding": [0.5, 0]},
            {"index": 1, "embedding": _b64([1.0, -1.5])},
        ]
    }
    assert parse_embeddings(body, 3) == [[0.5, 0.0], [1.0, -1.5], [2.0, 2.0]]


def test_items_without_index_and_bare_lists_keep_their_position() -> None:
    assert parse_embeddings({"data": [{"embedding": [1]}, {"embedding": [2]}]}, 2) == [
        [1.0],
        [2.0],
    ]
    assert parse_embeddings({"embeddings": [[1], [2]]}, 2) == [[1.0], [2.0]]


@pytest.mark.parametrize(
    "body, match",
    [
        ({"object": "list"}, "no `data` list"),
        ({"data": [{"index": 0, "embedding": [1]}]}, "1 embeddings for 2 inputs"),
        (
            {"data": [{"index": 0, "embedding": [1]}, {"index": 0, "embedding": [2]}]},
            "out of range or repeated",
        ),
        (
            {"data": [{"index": 0, "embedding": [1]}, {"index": 5, "embedding": [2]}]},
            "out of range or repeated",
        ),
        (
            {
                "data": [
                    {"index": "0", "embedding": [1]},
                    {"index": 1, "embedding": [1]},
                ]
            },
            "not an integer",
        ),
        (
            {"data": [{"index": 0, "embedding": None}, {"index": 1, "embedding": [1]}]},
            "not a list of numbers",
        ),
        (
            {
                "data": [
                    {"index": 0, "embedding": ["x"]},
                    {"index": 1, "embedding": [1]},
                ]
            },
            "not a list of numbers",
        ),
        (
            {"data": [{"index": 0, "embedding": "!!"}, {"index": 1, "embedding": [1]}]},
            "not valid base64",
        ),
        (
            {
                "data": [
                    {"index": 0, "embedding": "AAA="},
                    {"index": 1, "embedding": [1]},
                ]
            },
            "not float32s",
        ),
    ],
)
def test_unusable_bodies_raise_never_a_partial_result(body: dict, match: str) -> None:
    with pytest.raises(APIStatusError, match=match):
        parse_embeddings(body, 2)


@given(
    st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), max_size=64)
)
def test_base64_round_trips_float32(values: list[float]) -> None:
    assert decode_base64(_b64(values)) == values


# -- usage -----------------------------------------------------------------------------
def test_usage_reads_both_shapes_and_sums_cost() -> None:
    first = usage_from_body({"usage": {"prompt_tokens": 4, "total_tokens": 4}})
    second = usage_from_body({"usage": {"input_tokens": 2}, "cost": 0.5})
    assert (first.cost, second.prompt_tokens, second.total_tokens) == (None, 2, 2)
    total = RetrievalUsage() + first + second
    assert (total.prompt_tokens, total.total_tokens, total.cost, total.requests) == (
        6,
        6,
        0.5,
        2,
    )
    assert total.raw == ({"usage": {"prompt_tokens": 4, "total_tokens": 4}},) + (
        {"usage": {"input_tokens": 2}, "cost": 0.5},
    )


def test_usage_tolerates_garbage() -> None:
    usage = usage_from_body({"usage": {"prompt_tokens": "many", "cost": True}})
    assert (usage.prompt_tokens, usage.cost) == (0, None)
    assert usage_from_body({"usage": None}).raw == ({},)


# -- rerank ------------------------------------------------------------------------------
def test_rerank_body_clamps_top_n_and_passes_extras() -> None:
    body = rerank_body("q", ["a"], {"model": "m", "top_n": 3, "return_documents": True})
    assert body == {
        "model": "m",
        "query": "q",
        "documents": ["a"],
        "top_n": 1,
        "return_documents": True,
    }
    assert "top_n" not in rerank_body("q", ["a"], {"model": "m", "top_n": None})


def test_rerank_results_best_first_in_either_shape_keeping_extras() -> None:
    cohere = {
        "results": [
            {"index": 0, "relevance_score": 0.2},
            {"index": 1, "relevance_score": 0.9, "document": {"text": "b"}},
        ]
    }
    jina_like = {"data": [{"index": 0, "score": 0.2}, {"index": 1, "score": 0.9}]}
    for body in (cohere, jina_like):
        results = parse_rerank(body, 2)
        assert [(r["index"], r["relevance_score"]) for r in results] == [
            (1, 0.9),
            (0, 0.2),
        ]
    assert parse_rerank(cohere, 2)[0]["document"] == {"text": "b"}


@pytest.mark.parametrize(
    "body, match",
    [
        ({}, "no `results` list"),
        ({"results": ["x"]}, "not an object"),
        ({"results": [{"index": 2, "relevance_score": 1}]}, "out of range"),
        ({"results": [{"index": 0}]}, "no numeric relevance_score"),
        (
            {"results": [{"index": 0, "score": 1}, {"index": 0, "score": 1}]},
            "repeated",
        ),
    ],
)
def test_unusable_rerank_bodies_raise(body: dict, match: str) -> None:
    with pytest.raises(APIStatusError, match=match):
        parse_rerank(body, 2)


@pytest.mark.parametrize(
    "query, params, exc, match",
    [
        ("  ", {"model": "m"}, ValueError, "query is empty"),
        (3, {"model": "m"}, TypeError, "query must be a string"),
        ("q", {"model": "m", "top_n": 0}, ValueError, "top_n must be a positive"),
        ("q", {"model": None}, ValueError, "model must be a non-empty string"),
        ("q", {"model": "m", "documents": []}, ValueError, "'documents' is set"),
    ],
)
def test_bad_rerank_arguments(
    query: object, params: dict, exc: type, match: str
) -> None:
    with pytest.raises(exc, match=match):
        validate_rerank(query, params)


def test_docstring_examples_run() -> None:
    import doctest

    from langchain_onerouter._mapping import retrieval

    assert doctest.testmod(retrieval).failed == 0
