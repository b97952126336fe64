"""`OneRouterEmbeddings`: LangChain `Embeddings` on OneRouter's `POST /v1/embeddings`.

Thin glue: checks and wire mapping live in `retrieval`, I/O in `transport`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import Any, Literal, Self

from langchain_core.embeddings import Embeddings
from pydantic import Field, PrivateAttr, model_validator

from langchain_onerouter._mapping.retrieval import (
    DEFAULT_EMBEDDING_CTX_LENGTH,
    MAX_INPUTS_PER_REQUEST,
    RetrievalUsage,
    batches,
    check_same_length,
    check_texts,
    embedding_overrides,
    embeddings_body,
    parse_embeddings,
    usage_from_body,
    validate_embedding_params,
)
from langchain_onerouter._settings.connection import OneRouterConnection

PATH = "embeddings"


class OneRouterEmbeddings(OneRouterConnection, Embeddings):
    """Embeddings from any OneRouter embedding model (`POST /v1/embeddings`).

    Same connection settings (key, base URL, timeouts, `total_timeout`,
    response caps, retries, clients) and typed errors as
    `ChatOneRouterResponses`.
    Large inputs go in batches of `chunk_size` texts, up to `max_concurrency`
    requests at a time, and come back in input order. Empty strings and texts
    certainly over `embedding_ctx_length` tokens raise before any request.

    Example:
        ```python
        from langchain_onerouter import OneRouterEmbeddings

        emb = OneRouterEmbeddings(model="text-embedding-3-small", dimensions=256)
        vectors = emb.embed_documents(["OneRouter routes", "LangChain chains"])
        query = emb.embed_query("What routes?")
        print(len(vectors), len(query), emb.last_usage)
        ```

    Usage and cost: after each call `last_usage` holds its `RetrievalUsage`
    (tokens and cost summed over the call's requests). LangChain's
    `Embeddings` interface has no callbacks and returns bare vectors, so the
    instance is where it can go; with one instance shared by concurrent
    callers it is the usage of whichever call finished last.
    """

    model: str
    """Embedding model id, e.g. `text-embedding-3-small` or `provider/model`."""
    dimensions: int | None = Field(default=None, ge=1)
    """Output dimensions, for models that can shorten their vectors."""
    encoding_format: Literal["float", "base64"] | None = None
    """`base64` asks for packed float32s (smaller, decoded here); default: the
    server's (floats)."""
    chunk_size: int = Field(default=1000, ge=1, le=MAX_INPUTS_PER_REQUEST)
    """Texts per request (OpenAI caps a request at 2048)."""
    max_concurrency: int = Field(default=4, ge=1)
    """Requests in flight at once when a call needs several."""
    embedding_ctx_length: int = Field(default=DEFAULT_EMBEDDING_CTX_LENGTH, ge=1)
    """Token limit per text; a text certainly longer raises before sending."""
    check_embedding_ctx_length: bool = True
    """Check texts against `embedding_ctx_length` (unlike OpenAIEmbeddings, an
    over-long text is an error here, never split and averaged silently)."""
    show_progress_bar: bool = Field(default=False, alias="show_progress")
    """Show a tqdm progress bar over the batches (needs `tqdm`)."""
    usage_accounting: bool = False
    """Send `usage: {"include": true}` so OneRouter reports the `cost`."""

    _last_usage: RetrievalUsage | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _validate(self) -> Self:
        validate_embedding_params(self._params({}))
        if self.show_progress_bar:
            _tqdm()  # fail now, not after the first batch
        return self

    @property
    def last_usage(self) -> RetrievalUsage | None:
        """Usage of the last completed `embed_*` call (None before the first)."""
        return self._last_usage

    def _params(self, overrides: dict[str, Any]) -> dict[str, Any]:
        params = {
            "model": self.model,
            "dimensions": self.dimensions,
            "encoding_format": self.encoding_format,
            "usage": {"include": True} if self.usage_accounting else None,
            **self.model_kwargs,
            **embedding_overrides(overrides),
        }
        return {k: v for k, v in params.items() if v is not None}

    def _prepare(
        self, texts: Any, chunk_size: int | None, kwargs: dict[str, Any]
    ) -> tuple[list[str], list[range], dict[str, Any]]:
        params = self._params(kwargs)
        validate_embedding_params(params)
        size = chunk_size or self.chunk_size
        if not 1 <= size <= MAX_INPUTS_PER_REQUEST:
            raise ValueError(
                f"chunk_size must be between 1 and {MAX_INPUTS_PER_REQUEST}, got {size}"
            )
        limit = self.embedding_ctx_length if self.check_embedding_ctx_length else None
        texts = check_texts(texts, max_tokens=limit)
        return texts, batches(len(texts), size), params

    def _finish(
        self, vectors: list[list[float]], usages: list[RetrievalUsage]
    ) -> list[list[float]]:
        if vectors:
            check_same_length(vectors)
        self._last_usage = sum(usages, RetrievalUsage())
        return vectors

    # -- sync ----------------------------------------------------------------
    def embed_documents(
        self, texts: list[str], chunk_size: int | None = None, **kwargs: Any
    ) -> list[list[float]]:
        """Embed `texts`, in order; `kwargs` override request fields per call
        (`model`, `dimensions`, `encoding_format`, `user`, `usage`; anything
        else in `extra_body={...}`; an unknown keyword raises `TypeError`).

        Example:
            ```python
            emb.embed_documents(["a", "b"], chunk_size=1, dimensions=64)
            ```
        """
        texts, ranges, params = self._prepare(texts, chunk_size, kwargs)
        transport = self._get_transport()
        vectors: list[list[float]] = [[] for _ in texts]
        usages: list[RetrievalUsage] = []

        def run(batch: range) -> None:
            body = embeddings_body(texts[batch.start : batch.stop], params)
            data = transport.post(PATH, body)
            vectors[batch.start : batch.stop] = parse_embeddings(data, len(batch))
            usages.append(usage_from_body(data))

        with _Progress(self.show_progress_bar, len(texts)) as progress:
            if len(ranges) <= 1 or self.max_concurrency == 1:
                for batch in ranges:
                    run(batch)
                    progress.update(len(batch))
            else:
                _run_in_threads(run, ranges, self.max_concurrency, progress.update)
        return self._finish(vectors, usages)

    def embed_query(self, text: str, **kwargs: Any) -> list[float]:
        """Embed one text."""
        return self.embed_documents([text], **kwargs)[0]

    # -- async ---------------------------------------------------------------
    async def aembed_documents(
        self, texts: list[str], chunk_size: int | None = None, **kwargs: Any
    ) -> list[list[float]]:
        """Async `embed_documents`: at most `max_concurrency` requests at once."""
        texts, ranges, params = self._prepare(texts, chunk_size, kwargs)
        transport = self._get_transport()
        vectors: list[list[float]] = [[] for _ in texts]
        usages: list[RetrievalUsage] = []
        gate = asyncio.Semaphore(self.max_concurrency)

        with _Progress(self.show_progress_bar, len(texts)) as progress:

            async def run(batch: range) -> None:
                async with gate:
                    body = embeddings_body(texts[batch.start : batch.stop], params)
                    data = await transport.apost(PATH, body)
                vectors[batch.start : batch.stop] = parse_embeddings(data, len(batch))
                usages.append(usage_from_body(data))
                progress.update(len(batch))

            await _gather_or_cancel([run(batch) for batch in ranges])
        return self._finish(vectors, usages)

    async def aembed_query(self, text: str, **kwargs: Any) -> list[float]:
        """Async `embed_query`."""
        return (await self.aembed_documents([text], **kwargs))[0]


def _run_in_threads(
    run: Callable[[range], None],
    ranges: list[range],
    workers: int,
    done: Callable[[int], None],
) -> None:
    """Run every batch on up to `workers` threads; the first failure cancels
    the batches not yet started and is raised (no partial result)."""
    with ThreadPoolExecutor(
        max_workers=min(workers, len(ranges)), thread_name_prefix="onerouter-embed"
    ) as pool:
        futures = {pool.submit(run, batch): batch for batch in ranges}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in finished:
                if future.exception() is not None:
                    for other in pending:
                        other.cancel()
                    raise future.exception()  # type: ignore[misc]
                done(len(futures[future]))


async def _gather_or_cancel(coros: list[Any]) -> None:
    """Await all; on the first failure cancel the rest, then raise it."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _tqdm() -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError(
            "show_progress_bar=True needs tqdm: pip install tqdm"
        ) from exc
    return tqdm


class _Progress:
    """A tqdm bar over texts embedded, or nothing when not asked for."""

    def __init__(self, enabled: bool, total: int) -> None:
        self._bar = _tqdm()(total=total, unit="text") if enabled else None

    def update(self, count: int) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
