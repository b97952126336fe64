"""Pure mapping for `POST /v1/embeddings` and `POST /v1/rerank`: input checks,
request bodies, response parsing, base64 decoding, usage. No I/O.

Wire shapes. Embeddings: OpenAI's (`model`, `input`, `dimensions`,
`encoding_format` → `data[{index, embedding}]`, `usage`), which OneRouter
documents as compatible. Rerank: OneRouter documents the route but not its
shape, so we assume the de-facto Cohere/Jina one (`model`, `query`,
`documents`, `top_n` → `results[{index, relevance_score}]`) and also read
`data` for `results` and `score` for `relevance_score`.

>>> embeddings_body(["a", "b"], {"model": "text-embedding-3-small"})
{'model': 'text-embedding-3-small', 'input': ['a', 'b']}
>>> parse_embeddings({"data": [{"index": 1, "embedding": [0, 1]},
...                            {"index": 0, "embedding": [1, 0]}]}, 2)
[[1.0, 0.0], [0.0, 1.0]]
"""

from __future__ import annotations

import array
import base64
import binascii
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_onerouter import errors
from langchain_onerouter._mapping.jsonutil import check_json
from langchain_onerouter._mapping.names import nearest
from langchain_onerouter._mapping.serverjson import first_count, malformed, number
from langchain_onerouter._mapping.tokens import min_text_tokens

MAX_INPUTS_PER_REQUEST = 2048
"""OpenAI's documented cap on the inputs of one embeddings request."""
DEFAULT_EMBEDDING_CTX_LENGTH = 8191
"""Token limit per input of OpenAI's embedding models (OpenAIEmbeddings' default)."""
ENCODING_FORMATS = ("float", "base64")
EMBEDDING_CALL_KEYWORDS = frozenset(
    {"model", "dimensions", "encoding_format", "user", "usage", "extra_body"}
)
"""Per-call keywords of `embed_*`: the embeddings request's fields (OpenAI's
`CreateEmbeddingRequest` but `input`), OneRouter's `usage`, and `extra_body`."""


# -- usage -------------------------------------------------------------------
@dataclass(frozen=True)
class RetrievalUsage:
    """Tokens and cost of one embeddings or rerank call, summed over its requests.

    `cost` is what OneRouter reported (credits), or None when no response
    carried one. `raw` keeps every response's own `usage` (and `meta`, `cost`,
    `cost_details`) as sent, so nothing the server reports is lost.

    Example:
        ```python
        emb.embed_documents(["a", "b"])
        usage = emb.last_usage
        print(usage.prompt_tokens, usage.total_tokens, usage.cost, usage.requests)
        ```
    """

    prompt_tokens: int = 0
    total_tokens: int = 0
    cost: float | None = None
    requests: int = 0
    raw: tuple[dict[str, Any], ...] = ()

    def __add__(self, other: RetrievalUsage) -> RetrievalUsage:
        cost = (
            None
            if self.cost is None and other.cost is None
            else (self.cost or 0.0) + (other.cost or 0.0)
        )
        return RetrievalUsage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            cost=cost,
            requests=self.requests + other.requests,
            raw=self.raw + other.raw,
        )


def usage_from_body(body: Mapping[str, Any]) -> RetrievalUsage:
    """The usage one response reports (tolerant of missing or odd fields).

    >>> usage_from_body({"usage": {"prompt_tokens": 3, "total_tokens": 3, "cost": 1e-6}})
    RetrievalUsage(prompt_tokens=3, total_tokens=3, cost=1e-06, requests=1, raw=({'usage': {'prompt_tokens': 3, 'total_tokens': 3, 'cost': 1e-06}},))
    """
    usage = body.get("usage")
    usage = usage if isinstance(usage, Mapping) else {}
    prompt = first_count(usage.get("prompt_tokens"), usage.get("input_tokens"))
    total = first_count(usage.get("total_tokens"), prompt)
    cost = number(usage.get("cost"))
    if cost is None:
        cost = number(body.get("cost"))
    raw = {
        key: body[key]
        for key in ("usage", "cost", "cost_details", "meta")
        if body.get(key) is not None
    }
    return RetrievalUsage(prompt or 0, total or 0, cost, 1, (raw,))


# -- embeddings: input ---------------------------------------------------------
def check_texts(texts: Any, *, max_tokens: int | None) -> list[str]:
    """`texts` as a list, or a clear error naming the first bad one.

    Raises `TypeError` for a non-list or a non-string, `ValueError` for an
    empty string (the API rejects it), `ContextLengthExceededError` for a text
    longer than `max_tokens` (checked with `tokens.min_text_tokens`, a lower
    bound: the server's 400 maps to `ContextLengthExceededError` for the rest;
    None skips it).

    >>> check_texts(["ok", ""], max_tokens=None)
    Traceback (most recent call last):
    ...
    ValueError: texts[1] is an empty string; the embeddings API rejects empty input: drop or replace empty texts before embedding
    """
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Sequence):
        raise TypeError(
            f"expected a list of strings, got {type(texts).__name__}"
            + ("; use embed_query for one text" if isinstance(texts, str) else "")
        )
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"texts[{i}] is {type(text).__name__}, expected str")
        if not text:
            raise ValueError(
                f"texts[{i}] is an empty string; the embeddings API rejects empty "
                "input: drop or replace empty texts before embedding"
            )
        if max_tokens is not None and len(text) > max_tokens:
            tokens = min_text_tokens(text)
            if tokens > max_tokens:
                raise errors.ContextLengthExceededError(
                    f"texts[{i}] has at least {tokens} tokens, over the limit of "
                    f"{max_tokens} (embedding_ctx_length): split it (e.g. with a "
                    "text splitter), or raise embedding_ctx_length for a model "
                    "that takes more"
                )
    return list(texts)


def batches(count: int, size: int) -> list[range]:
    """Index ranges of `count` inputs in batches of at most `size`.

    >>> batches(5, 2)
    [range(0, 2), range(2, 4), range(4, 5)]
    """
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def embedding_overrides(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Per-call keywords of `embed_*` checked (`TypeError` naming the nearest
    valid one, as the chat model does), `extra_body` merged in verbatim.

    >>> embedding_overrides({"dimension": 8})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: unknown keyword 'dimension' (did you mean 'dimensions'?)...
    """
    for key in kwargs:
        if key not in EMBEDDING_CALL_KEYWORDS and key != "input":
            raise TypeError(
                f"unknown keyword {key!r}{nearest(key, EMBEDDING_CALL_KEYWORDS)}. "
                f"embed_* take {sorted(EMBEDDING_CALL_KEYWORDS)}; send any other "
                "field with extra_body={...}."
            )
    overrides = dict(kwargs)
    extra = overrides.pop("extra_body", None) or {}
    if not isinstance(extra, Mapping) or not all(isinstance(k, str) for k in extra):
        raise TypeError(f"extra_body must be a dict with str keys, got {extra!r:.80}")
    return {**overrides, **extra}


def validate_embedding_params(params: Mapping[str, Any]) -> None:
    """Raise `ValueError` naming the first invalid setting (before any request)."""
    model = params.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty string, got {model!r}")
    dimensions = params.get("dimensions")
    if dimensions is not None and (
        isinstance(dimensions, bool)
        or not isinstance(dimensions, int)
        or dimensions < 1
    ):
        raise ValueError(f"dimensions must be a positive integer, got {dimensions!r}")
    fmt = params.get("encoding_format")
    if fmt is not None and fmt not in ENCODING_FORMATS:
        raise ValueError(
            f"encoding_format must be one of {list(ENCODING_FORMATS)}, got {fmt!r}"
            + nearest(str(fmt), ENCODING_FORMATS)
        )
    if "input" in params:
        raise ValueError("'input' is set from the texts; do not pass it as a setting")
    for key, value in params.items():
        check_json(value, key)


def embeddings_body(texts: Sequence[str], params: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON body of one embeddings request (unset settings left out)."""
    body = {"model": params["model"], "input": list(texts)}
    body.update((k, v) for k, v in params.items() if k != "model" and v is not None)
    return body


# -- embeddings: output --------------------------------------------------------
def decode_base64(data: str) -> list[float]:
    """Little-endian float32s in base64 (`encoding_format="base64"`) as floats.

    >>> decode_base64("AACAPwAAAMA=")
    [1.0, -2.0]
    """
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise malformed(f"embedding is not valid base64 ({exc})") from None
    if len(raw) % 4:
        raise malformed(f"base64 embedding of {len(raw)} bytes is not float32s")
    values = array.array("f")
    values.frombytes(raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def _vector(value: Any, where: str) -> list[float]:
    if isinstance(value, str):
        return decode_base64(value)
    if isinstance(value, list):
        # array('d') checks and converts in C, well ahead of a Python loop
        # (it also takes bools as 1.0/0.0).
        try:
            return array.array("d", value).tolist()
        except (TypeError, OverflowError):
            pass
    raise malformed(f"{where} is not a list of numbers or base64 text")


def parse_embeddings(body: Mapping[str, Any], expected: int) -> list[list[float]]:
    """The vectors of one response, in input order (by each item's `index`).

    Accepts `data` (OpenAI) or `embeddings` (a bare list of vectors), float
    lists or base64 text. Anything that does not give exactly one vector per
    input raises `APIStatusError`: never a shorter or shuffled result.
    """
    items = body.get("data")
    if items is None:
        items = body.get("embeddings")
    if not isinstance(items, list):
        raise malformed("no `data` list of embeddings")
    if len(items) != expected:
        raise malformed(f"{len(items)} embeddings for {expected} inputs")
    vectors: list[list[float] | None] = [None] * expected
    for position, item in enumerate(items):
        index, value = position, item
        if isinstance(item, Mapping):
            index, value = item.get("index", position), item.get("embedding")
        if isinstance(index, bool) or not isinstance(index, int):
            raise malformed(f"data[{position}].index is {index!r}, not an integer")
        if not 0 <= index < expected or vectors[index] is not None:
            raise malformed(
                f"data[{position}].index {index} is out of range or repeated"
            )
        vectors[index] = _vector(value, f"data[{position}].embedding")
    return vectors  # type: ignore[return-value]  # every slot was filled above


def check_same_length(vectors: Sequence[Sequence[float]]) -> None:
    """Raise when the server returned vectors of different lengths in one call."""
    lengths = {len(v) for v in vectors}
    if len(lengths) > 1 or 0 in lengths:
        raise malformed(f"embeddings of lengths {sorted(lengths)} in one call")


# -- rerank --------------------------------------------------------------------
def rerank_body(
    query: str, documents: Sequence[str], params: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON body of one rerank request.

    >>> rerank_body("q", ["a", "b"], {"model": "m", "top_n": 5})
    {'model': 'm', 'query': 'q', 'documents': ['a', 'b'], 'top_n': 2}
    """
    body: dict[str, Any] = {"model": params["model"], "query": query}
    body["documents"] = list(documents)
    top_n = params.get("top_n")
    if top_n is not None:
        body["top_n"] = min(top_n, len(documents))
    body.update(
        (k, v)
        for k, v in params.items()
        if k not in ("model", "top_n") and v is not None
    )
    return body


def reject_rerank_keywords(kwargs: Mapping[str, Any]) -> None:
    """`TypeError` for a keyword `rerank` does not take, naming the nearest."""
    for key in kwargs:
        raise TypeError(
            f"unknown keyword {key!r}{nearest(key, ('top_n',))}: rerank takes "
            "documents, query and top_n; set other request fields with "
            "model_kwargs={...} on OneRouterRerank"
        )


def validate_rerank(query: Any, params: Mapping[str, Any]) -> None:
    """Raise `ValueError`/`TypeError` naming the first bad argument."""
    model = params.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty string, got {model!r}")
    if not isinstance(query, str):
        raise TypeError(f"query must be a string, got {type(query).__name__}")
    if not query.strip():
        raise ValueError("query is empty: there is nothing to rank documents against")
    top_n = params.get("top_n")
    if top_n is not None and (
        isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1
    ):
        raise ValueError(f"top_n must be a positive integer or None, got {top_n!r}")
    for key in ("query", "documents"):
        if key in params:
            raise ValueError(f"{key!r} is set from the arguments; not a setting")
    for key, value in params.items():
        check_json(value, key)


def parse_rerank(body: Mapping[str, Any], count: int) -> list[dict[str, Any]]:
    """Results best first: each the server's item with `index` and a float
    `relevance_score` (read from `relevance_score` or `score`).

    >>> parse_rerank({"data": [{"index": 0, "score": 0.1}, {"index": 1, "score": 0.9}]}, 2)
    [{'index': 1, 'score': 0.9, 'relevance_score': 0.9}, {'index': 0, 'score': 0.1, 'relevance_score': 0.1}]
    """
    items = body.get("results")
    if items is None:
        items = body.get("data")
    if not isinstance(items, list):
        raise malformed("no `results` list")
    seen: set[int] = set()
    results = []
    for position, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise malformed(f"results[{position}] is not an object")
        index = item.get("index")
        if isinstance(index, bool) or not isinstance(index, int):
            raise malformed(f"results[{position}].index is {index!r}, not an integer")
        if not 0 <= index < count or index in seen:
            raise malformed(
                f"results[{position}].index {index} is out of range or repeated "
                f"({count} documents)"
            )
        seen.add(index)
        score = number(item.get("relevance_score", item.get("score")))
        if score is None:
            raise malformed(f"results[{position}] has no numeric relevance_score")
        results.append({**item, "index": index, "relevance_score": score})
    results.sort(key=lambda r: (-r["relevance_score"], r["index"]))
    return results
