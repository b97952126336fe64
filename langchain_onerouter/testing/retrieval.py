"""The emulator's `/v1/embeddings` and `/v1/rerank`: validation and answers.

Pure functions (no I/O); `app.py` serves them with the same auth, recording
and scripted faults as `/v1/responses`.

Embeddings are deterministic feature-hashed vectors, so similarity is
meaningful: identical texts give identical vectors, different texts different
ones, and texts that share words and character trigrams are closer (higher
cosine) than texts that share none. Rerank scores are lexical: the share of
the query's words found in the document, each counted as `tf / (tf + 1)`.

>>> a, b, c = (embed_text(t, 64) for t in ("red apple", "red apples", "tax law"))
>>> cosine(a, b) > cosine(a, c)
True
>>> lexical_score("red apple", "an apple") > lexical_score("red apple", "tax law")
True
"""

from __future__ import annotations

import array
import base64
import hashlib
import math
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from langchain_onerouter.testing.model import count_tokens
from langchain_onerouter.testing.protocol import RequestError, new_id

NATIVE_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
"""Vector sizes of the emulated embedding models (with or without `openai/`)."""
DEFAULT_DIMENSIONS = 1536
"""The size for a model not in `NATIVE_DIMENSIONS` (e.g. with `any_model`)."""
MAX_INPUTS = 2048
CONTEXT_TOKENS = 8192
"""Per-input limit, counted like the rest of the emulator (whitespace split)."""
PRICE_PER_TOKEN = 0.02 / 1_000_000
"""Reported `cost` per token when the request asks for usage accounting."""
_WORDS = re.compile(r"\w+")


# -- the "model" ---------------------------------------------------------------
@lru_cache(maxsize=65536)
def _feature_hash(feature: str) -> int:
    return int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest())


def _features(text: str) -> list[str]:
    padded = f" {text} "
    grams = [padded[i : i + 3] for i in range(len(padded) - 2)]
    return grams + ["w:" + w for w in _WORDS.findall(text.lower())]


def native_dimensions(model: str) -> int:
    """The vector size `model` returns when `dimensions` is not sent."""
    return NATIVE_DIMENSIONS.get(model.removeprefix("openai/"), DEFAULT_DIMENSIONS)


def embed_text(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A unit vector for `text`: signed hashes of its character trigrams and
    lowercased words, summed into `dimensions` buckets.

    >>> embed_text("hello", 8) == embed_text("hello", 8)
    True
    """
    vector = [0.0] * dimensions
    for feature in _features(text):
        h = _feature_hash(feature)
        vector[h % dimensions] += 1.0 if (h >> 63) & 1 else -1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors."""
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def lexical_score(query: str, document: str) -> float:
    """Share of the query's distinct words found in the document, in [0, 1)."""
    terms = set(_WORDS.findall(query.lower()))
    if not terms:
        return 0.0
    counts = Counter(_WORDS.findall(document.lower()))
    return sum(counts[t] / (counts[t] + 1) for t in terms) / len(terms)


# -- embeddings ----------------------------------------------------------------
def validate_embeddings(body: Any) -> None:
    """Reject what OpenAI's embeddings endpoint rejects, with HTTP 400."""
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    _model(body)
    inputs = body.get("input")
    if isinstance(inputs, str):
        inputs = [inputs]
    if not isinstance(inputs, list) or not inputs:
        raise RequestError("'input' must be a string or a non-empty array.", "input")
    if len(inputs) > MAX_INPUTS:
        raise RequestError(
            f"'input' has {len(inputs)} items; at most {MAX_INPUTS}.", "input"
        )
    for i, text in enumerate(inputs):
        if not isinstance(text, str):
            raise RequestError(f"'input[{i}]' must be a string.", f"input[{i}]")
        if not text:
            raise RequestError(f"'input[{i}]' cannot be an empty string.", "input")
        if count_tokens(text) > CONTEXT_TOKENS:
            raise RequestError(
                f"This model's maximum context length is {CONTEXT_TOKENS} tokens, "
                f"however input[{i}] has {count_tokens(text)} tokens.",
                "input",
            )
    fmt = body.get("encoding_format", "float")
    if fmt not in ("float", "base64"):
        raise RequestError(
            "'encoding_format' must be 'float' or 'base64'.", "encoding_format"
        )
    dims, native = body.get("dimensions"), native_dimensions(body["model"])
    if dims is not None and (
        isinstance(dims, bool) or not isinstance(dims, int) or not 0 < dims <= native
    ):
        raise RequestError(
            f"'dimensions' must be an integer from 1 to {native} for "
            f"{body['model']!r}.",
            "dimensions",
        )


def embeddings_response(
    body: Mapping[str, Any], usage: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The OpenAI-shaped answer to a valid request (`usage` overrides the count)."""
    inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
    dims = body.get("dimensions") or native_dimensions(body["model"])
    packed = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        vector: Any = embed_text(text, dims)
        if packed:
            values = array.array("f", vector)
            if sys.byteorder == "big":
                values.byteswap()
            vector = base64.b64encode(values.tobytes()).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = sum(count_tokens(t) for t in inputs)
    return {
        "object": "list",
        "model": body["model"],
        "data": data,
        "usage": dict(usage) if usage else _usage(body, tokens),
    }


# -- rerank --------------------------------------------------------------------
def validate_rerank(body: Any) -> None:
    """Reject malformed rerank requests (Cohere/Jina shape) with HTTP 400."""
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    _model(body)
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        raise RequestError("'query' must be a non-empty string.", "query")
    documents = body.get("documents")
    if not isinstance(documents, list):
        raise RequestError("'documents' must be an array.", "documents")
    for i, doc in enumerate(documents):
        if not isinstance(_document_text(doc), str):
            raise RequestError(
                f"'documents[{i}]' must be a string or an object with 'text'.",
                f"documents[{i}]",
            )
    top_n = body.get("top_n")
    if top_n is not None and (
        isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1
    ):
        raise RequestError("'top_n' must be a positive integer.", "top_n")


def rerank_response(
    body: Mapping[str, Any], usage: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Documents scored against the query, best first, cut to `top_n`."""
    texts = [str(_document_text(d)) for d in body["documents"]]
    scored = sorted(
        ((lexical_score(body["query"], text), i) for i, text in enumerate(texts)),
        key=lambda pair: (-pair[0], pair[1]),
    )
    if body.get("top_n") is not None:
        scored = scored[: body["top_n"]]
    results = []
    for score, index in scored:
        result: dict[str, Any] = {"index": index, "relevance_score": score}
        if body.get("return_documents"):
            result["document"] = {"text": texts[index]}
        results.append(result)
    tokens = count_tokens(body["query"]) * max(len(texts), 1) + sum(
        count_tokens(t) for t in texts
    )
    return {
        "id": new_id("rerank"),
        "model": body["model"],
        "results": results,
        "usage": dict(usage) if usage else _usage(body, tokens),
    }


def _document_text(doc: Any) -> Any:
    return doc.get("text") if isinstance(doc, dict) else doc


def _model(body: Mapping[str, Any]) -> None:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError("'model' is required.", "model")


def _usage(body: Mapping[str, Any], tokens: int) -> dict[str, Any]:
    usage: dict[str, Any] = {"prompt_tokens": tokens, "total_tokens": tokens}
    accounting = body.get("usage")
    if isinstance(accounting, dict) and accounting.get("include"):
        usage["cost"] = tokens * PRICE_PER_TOKEN
    return usage
