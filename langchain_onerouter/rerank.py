"""`OneRouterRerank`: a LangChain document compressor on OneRouter's `POST /v1/rerank`.

Thin glue: checks and wire mapping live in `retrieval`, I/O in `transport`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from langchain_core.callbacks import Callbacks
from langchain_core.documents import BaseDocumentCompressor, Document
from pydantic import Field, PrivateAttr, model_validator

from langchain_onerouter._mapping.retrieval import (
    RetrievalUsage,
    parse_rerank,
    reject_rerank_keywords,
    rerank_body,
    usage_from_body,
    validate_rerank,
)
from langchain_onerouter._settings.connection import OneRouterConnection

PATH = "rerank"


class OneRouterRerank(OneRouterConnection, BaseDocumentCompressor):
    """Rerank documents against a query with a OneRouter rerank model.

    Use it in a `ContextualCompressionRetriever`, or call `rerank` directly.
    Each returned `Document` is a copy with `metadata["relevance_score"]`,
    best first, at most `top_n` of them. Same connection settings (key, base
    URL, timeouts, `total_timeout`, response caps, retries, clients) and
    typed errors as `ChatOneRouterResponses`.

    Wire shape (an assumption: OneRouter lists `/v1/rerank` but documents no
    schema): Cohere/Jina's `{model, query, documents, top_n}` →
    `{results: [{index, relevance_score}]}`; `data` and `score` are read too.

    Example:
        ```python
        from langchain_core.documents import Document

        from langchain_onerouter import OneRouterRerank

        reranker = OneRouterRerank(model="cohere/rerank-v3.5", top_n=2)
        docs = [Document("Paris is in France."), Document("Tokyo is in Japan.")]
        best = reranker.compress_documents(docs, "Where is Paris?")
        print(best[0].page_content, best[0].metadata["relevance_score"])
        ```
    """

    model: str
    """Rerank model id, e.g. `cohere/rerank-v3.5`."""
    top_n: int | None = Field(default=3, ge=1)
    """How many documents to keep (None: all, reordered)."""
    usage_accounting: bool = False
    """Send `usage: {"include": true}` so OneRouter reports the `cost`."""

    _last_usage: RetrievalUsage | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _validate(self) -> Self:
        validate_rerank("-", self._params(None))
        return self

    @property
    def last_usage(self) -> RetrievalUsage | None:
        """Usage of the last completed rerank call (None before the first)."""
        return self._last_usage

    def _params(self, top_n: int | None) -> dict[str, Any]:
        return {
            "model": self.model,
            "top_n": self.top_n if top_n is None else top_n,
            "usage": {"include": True} if self.usage_accounting else None,
            **self.model_kwargs,
        }

    def _prepare(
        self, documents: Sequence[str | Document], query: str, top_n: int | None
    ) -> tuple[dict[str, Any], int]:
        params = self._params(top_n)
        validate_rerank(query, params)
        texts = [_text(doc, i) for i, doc in enumerate(documents)]
        return rerank_body(query, texts, params), len(texts)

    def _finish(
        self, body: dict[str, Any], data: dict[str, Any], count: int
    ) -> list[dict[str, Any]]:
        results = parse_rerank(data, count)
        self._last_usage = usage_from_body(data)
        # A server that ignores `top_n` still gives the caller what was asked.
        top_n = body.get("top_n")
        return results[:top_n] if top_n is not None else results

    def rerank(
        self,
        documents: Sequence[str | Document],
        query: str,
        *,
        top_n: int | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """Score `documents` against `query`: the server's results, best first,
        each with `index` (into `documents`) and `relevance_score`.

        Example:
            ```python
            reranker.rerank(["a cat", "a dog"], "cat", top_n=1)
            ```
        """
        reject_rerank_keywords(kwargs)
        if not documents:
            return []
        body, count = self._prepare(documents, query, top_n)
        data = self._get_transport().post(PATH, body)
        return self._finish(body, data, count)

    async def arerank(
        self,
        documents: Sequence[str | Document],
        query: str,
        *,
        top_n: int | None = None,
        **kwargs: Any,
    ) -> list[dict[str, Any]]:
        """Async `rerank`."""
        reject_rerank_keywords(kwargs)
        if not documents:
            return []
        body, count = self._prepare(documents, query, top_n)
        data = await self._get_transport().apost(PATH, body)
        return self._finish(body, data, count)

    def compress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """The best `top_n` documents, best first, with `relevance_score` set."""
        return _scored(documents, self.rerank(documents, query))

    async def acompress_documents(
        self,
        documents: Sequence[Document],
        query: str,
        callbacks: Callbacks | None = None,
    ) -> Sequence[Document]:
        """Async `compress_documents` (a real async request, not a thread)."""
        return _scored(documents, await self.arerank(documents, query))


def _text(doc: str | Document, index: int) -> str:
    if isinstance(doc, Document):
        return doc.page_content
    if isinstance(doc, str):
        return doc
    raise TypeError(
        f"documents[{index}] is {type(doc).__name__}, expected Document or str"
    )


def _scored(
    documents: Sequence[Document], results: list[dict[str, Any]]
) -> list[Document]:
    """Copies of the chosen documents (inputs untouched) with their score."""
    out = []
    for result in results:
        doc = documents[result["index"]]
        metadata = {**doc.metadata, "relevance_score": result["relevance_score"]}
        out.append(doc.model_copy(update={"metadata": metadata}))
    return out
