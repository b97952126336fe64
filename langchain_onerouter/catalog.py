"""OneRouter's model catalog (`GET {base_url}/models`) and model profiles.

`list_models()` / `alist_models()` fetch the catalog without an API key and
return typed `ModelInfo` entries; results are cached per base URL for the
process, for `DEFAULT_TTL` seconds. `ModelInfo.profile()` converts an entry to
langchain-core's `ModelProfile`, which `ChatOneRouterResponses.profile` uses
when the catalog for its base URL is cached (never fetched on construction).

```python
from langchain_onerouter.catalog import list_models

vision = [m.id for m in list_models() if m.supports_images]
```
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from langchain_onerouter._http.retry import RetryPolicy
from langchain_onerouter._http.transport import Transport
from langchain_onerouter._mapping.catalog import ModelInfo, find_model, parse_models
from langchain_onerouter._settings.fields import resolve_base_url

if TYPE_CHECKING:
    import httpx2

__all__ = [
    "CATALOG",
    "ModelCatalog",
    "ModelInfo",
    "alist_models",
    "find_model",
    "list_models",
    "parse_models",
]


DEFAULT_TTL = 3600.0
"""Seconds a fetched catalog stays fresh (prices and models change)."""


class ModelCatalog:
    """A thread-safe, time-bounded cache of catalogs keyed by base URL.

    Args:
        ttl: Seconds an entry stays fresh.
        clock: Monotonic time source (inject a fake one in tests).

    Example:
        ```python
        cache = ModelCatalog(ttl=60)
        cache.put("https://llm.onerouter.pro/v1", parse_models(body))
        cache.find("https://llm.onerouter.pro/v1", "o4-mini")
        ```
    """

    def __init__(
        self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, tuple[ModelInfo, ...]]] = {}

    def get(self, base_url: str) -> list[ModelInfo] | None:
        """The fresh cached catalog of `base_url`, or None."""
        key = _key(base_url)
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            if self.clock() - hit[0] >= self.ttl:
                del self._entries[key]
                return None
            return list(hit[1])

    def put(self, base_url: str, models: Iterable[ModelInfo]) -> None:
        """Store (or replace) the catalog of `base_url`, fresh from now."""
        with self._lock:
            self._entries[_key(base_url)] = (self.clock(), tuple(models))

    def find(self, base_url: str, model: str) -> ModelInfo | None:
        """The cached entry for `model` (exact id, else a unique `*/model` match)."""
        models = self.get(base_url)
        return find_model(models, model) if models is not None else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


CATALOG = ModelCatalog()
"""The process-wide cache used by `list_models` and `ChatOneRouterResponses`."""


def list_models(
    base_url: str | None = None,
    *,
    http_client: httpx2.Client | None = None,
    refresh: bool = False,
    cache: ModelCatalog | None = None,
    retry: RetryPolicy | None = None,
) -> list[ModelInfo]:
    """Fetch (or reuse the cached) catalog of `base_url`; no API key needed.

    Args:
        base_url: API root; defaults to `ONEROUTER_BASE_URL`, else OneRouter's.
        http_client: Your own `httpx2.Client` (or legacy `httpx.Client`),
            never closed here.
        refresh: Ignore a fresh cached copy and fetch again.
        cache: Defaults to the process-wide `CATALOG`.
        retry: How failed fetches are retried; default two retries, honouring
            `Retry-After` (`RetryPolicy(max_retries, sleep=...)`).

    Example:
        ```python
        for m in list_models():
            print(m.id, m.context_length, m.prompt_price_per_million)
        ```
    """
    url = resolve_base_url(base_url)
    transport = Transport(
        base_url=url, api_key=None, http_client=http_client, retry=retry
    )
    try:
        return fetch_models(transport, refresh=refresh, cache=cache)
    finally:
        transport.close()


async def alist_models(
    base_url: str | None = None,
    *,
    http_async_client: httpx2.AsyncClient | None = None,
    refresh: bool = False,
    cache: ModelCatalog | None = None,
    retry: RetryPolicy | None = None,
) -> list[ModelInfo]:
    """Async counterpart of `list_models` (`retry` waits with its `asleep`).

    Example:
        ```python
        models = await alist_models()
        ```
    """
    url = resolve_base_url(base_url)
    transport = Transport(
        base_url=url, api_key=None, http_async_client=http_async_client, retry=retry
    )
    try:
        return await afetch_models(transport, refresh=refresh, cache=cache)
    finally:
        await transport.aclose()


def fetch_models(
    transport: Transport, *, refresh: bool = False, cache: ModelCatalog | None = None
) -> list[ModelInfo]:
    """The catalog through an existing transport (cached per its base URL);
    `list_models()` and `ChatOneRouterResponses.list_models()` use it.
    Concurrent callers wanting the same uncached catalog fetch it once."""
    cache = CATALOG if cache is None else cache
    if not refresh and (cached := cache.get(transport.base_url)) is not None:
        return cached
    with _fetch_lock(transport.base_url):
        if not refresh and (cached := cache.get(transport.base_url)) is not None:
            return cached  # another thread fetched it while we waited
        models = parse_models(transport.get("models"))
        cache.put(transport.base_url, models)
        return models


async def afetch_models(
    transport: Transport, *, refresh: bool = False, cache: ModelCatalog | None = None
) -> list[ModelInfo]:
    """Async counterpart of `fetch_models` (one fetch per event loop at a time)."""
    cache = CATALOG if cache is None else cache
    if not refresh and (cached := cache.get(transport.base_url)) is not None:
        return cached
    async with _afetch_lock(transport.base_url):
        if not refresh and (cached := cache.get(transport.base_url)) is not None:
            return cached
        models = parse_models(await transport.aget("models"))
        cache.put(transport.base_url, models)
        return models


_LOCKS_GUARD = threading.Lock()
_FETCH_LOCKS: dict[str, threading.Lock] = {}
# asyncio locks belong to one loop: one table per loop, gone with the loop.
_AFETCH_LOCKS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[str, asyncio.Lock]
] = weakref.WeakKeyDictionary()


def _fetch_lock(base_url: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _FETCH_LOCKS.setdefault(_key(base_url), threading.Lock())


def _afetch_lock(base_url: str) -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    with _LOCKS_GUARD:
        table = _AFETCH_LOCKS.setdefault(loop, {})
        return table.setdefault(_key(base_url), asyncio.Lock())


def _key(base_url: str) -> str:
    return base_url.rstrip("/")
