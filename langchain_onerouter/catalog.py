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

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.language_models.model_profile import ModelProfile

from langchain_onerouter._http.boundary import malformed
from langchain_onerouter._http.retry import RetryPolicy
from langchain_onerouter._http.transport import Transport
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

logger = logging.getLogger(__name__)

DEFAULT_TTL = 3600.0
"""Seconds a fetched catalog stays fresh (prices and models change)."""
_PDF_MODALITIES = frozenset({"file", "pdf", "document"})
_TOOL_PARAMETERS = frozenset({"tools", "tool_choice", "function_calling"})


@dataclass(frozen=True)
class ModelInfo:
    """One catalog entry. Fields the server omits are `None` or empty.

    Example:
        ```python
        info = ModelInfo.from_api({"id": "openai/gpt-5.4", "context_length": 400000})
        info.profile()["max_input_tokens"]  # 400000
        ```
    """

    id: str
    display_name: str | None = None
    category: str | None = None
    """`category_type` on the wire: `LLM`, `embedding`, `image`, ..."""
    context_length: int | None = None
    max_output_tokens: int | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    prompt_price_per_million: float | None = None
    """USD per million input tokens (`min_prompt_price`)."""
    completion_price_per_million: float | None = None
    """USD per million output tokens (`min_completion_price`)."""
    supports_tools: bool | None = None
    """From `supported_parameters` when the server sends it; else unknown."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The entry as received, extra fields included."""

    @classmethod
    def from_api(cls, entry: dict[str, Any]) -> ModelInfo:
        """Parse one `/models` entry; unknown or malformed fields are tolerated."""
        model_id = entry.get("id")
        if not isinstance(model_id, str) or not model_id:
            raise ValueError("model entry has no id")
        arch = entry.get("architecture")
        arch = arch if isinstance(arch, dict) else {}
        return cls(
            id=model_id,
            display_name=_str(entry.get("display_name") or entry.get("name")),
            category=_str(entry.get("category_type") or entry.get("category")),
            context_length=_int(entry.get("context_length")),
            max_output_tokens=_int(
                entry.get("max_output_tokens", entry.get("max_completion_tokens"))
            ),
            input_modalities=_modalities(
                entry.get("input_modalities", arch.get("input_modalities"))
            ),
            output_modalities=_modalities(
                entry.get("output_modalities", arch.get("output_modalities"))
            ),
            prompt_price_per_million=_float(entry.get("min_prompt_price")),
            completion_price_per_million=_float(entry.get("min_completion_price")),
            supports_tools=_tool_support(entry),
            raw=dict(entry),
        )

    @property
    def supports_images(self) -> bool:
        """True when the catalog lists `image` among the input modalities."""
        return "image" in self.input_modalities

    @property
    def supports_pdfs(self) -> bool:
        """True when the catalog lists `file` (or `pdf`) among the input modalities."""
        return not _PDF_MODALITIES.isdisjoint(self.input_modalities)

    def profile(self) -> ModelProfile:
        """This entry as a langchain-core `ModelProfile` (only what is known).

        Audio and video inputs are always `False`: the Responses API has no
        input part for them, whatever the model supports.
        """
        profile = ModelProfile(audio_inputs=False, video_inputs=False)
        if self.display_name:
            profile["name"] = self.display_name
        if self.context_length is not None:
            profile["max_input_tokens"] = self.context_length
        if self.max_output_tokens is not None:
            profile["max_output_tokens"] = self.max_output_tokens
        if self.input_modalities:
            profile["text_inputs"] = "text" in self.input_modalities
            profile["image_inputs"] = self.supports_images
            profile["image_url_inputs"] = self.supports_images
            profile["pdf_inputs"] = self.supports_pdfs
        if self.output_modalities:
            profile["text_outputs"] = "text" in self.output_modalities
            profile["image_outputs"] = "image" in self.output_modalities
            profile["audio_outputs"] = "audio" in self.output_modalities
            profile["video_outputs"] = "video" in self.output_modalities
        if self.supports_tools is not None:
            profile["tool_calling"] = self.supports_tools
        return profile


def parse_models(body: Any) -> list[ModelInfo]:
    """Parse a `/models` body (`{"data": [...]}` or a bare list).

    Entries without an id are skipped (and logged); other oddities are tolerated.

    >>> [m.id for m in parse_models({"data": [{"id": "o4-mini"}, {"name": "x"}]})]
    ['o4-mini']
    """
    entries = body.get("data") if isinstance(body, dict) else body
    if not isinstance(entries, list):
        raise malformed(
            "unexpected /models body: expected {'data': [...]}",
            status_code=None,  # a body given to us, maybe not off the wire
            body=body if isinstance(body, dict) else None,
        )
    models: list[ModelInfo] = []
    for index, entry in enumerate(entries):
        try:
            if not isinstance(entry, dict):
                raise ValueError(f"not an object: {type(entry).__name__}")
            models.append(ModelInfo.from_api(entry))
        except ValueError as exc:
            logger.warning("Skipping /models entry %d: %s", index, exc)
    return models


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


def find_model(models: Iterable[ModelInfo], model: str) -> ModelInfo | None:
    """Find `model` by exact id, else by a unique provider-less match.

    `o4-mini` finds `openai/o4-mini` when no other provider lists an `o4-mini`.

    >>> find_model([ModelInfo(id="openai/o4-mini")], "o4-mini").id
    'openai/o4-mini'
    """
    candidates = list(models)
    for info in candidates:
        if info.id == model:
            return info
    bare = model.rsplit("/", 1)[-1]
    matches = [m for m in candidates if m.id.rsplit("/", 1)[-1] == bare]
    return matches[0] if len(matches) == 1 else None


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
        return _fetch_models(transport, refresh=refresh, cache=cache)
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
        return await _afetch_models(transport, refresh=refresh, cache=cache)
    finally:
        await transport.aclose()


def _fetch_models(
    transport: Transport, *, refresh: bool = False, cache: ModelCatalog | None = None
) -> list[ModelInfo]:
    """The catalog through an existing transport (cached per its base URL);
    `list_models()` and `ChatOneRouterResponses.list_models()` use it."""
    cache = CATALOG if cache is None else cache
    if not refresh and (cached := cache.get(transport.base_url)) is not None:
        return cached
    models = parse_models(transport.get("models"))
    cache.put(transport.base_url, models)
    return models


async def _afetch_models(
    transport: Transport, *, refresh: bool = False, cache: ModelCatalog | None = None
) -> list[ModelInfo]:
    """Async counterpart of `_fetch_models`."""
    cache = CATALOG if cache is None else cache
    if not refresh and (cached := cache.get(transport.base_url)) is not None:
        return cached
    models = parse_models(await transport.aget("models"))
    cache.put(transport.base_url, models)
    return models


# -- tolerant field parsing ---------------------------------------------------
def _key(base_url: str) -> str:
    return base_url.rstrip("/")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _int(value: Any) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number > 0 else None


def _modalities(value: Any) -> tuple[str, ...]:
    """A list, or a string like `"text,image"` / `"text+image"`."""
    if isinstance(value, str):
        value = value.replace("+", ",").split(",")
    if not isinstance(value, (list, tuple)):
        return ()
    items = (str(v).strip().lower() for v in value if isinstance(v, str))
    return tuple(dict.fromkeys(v for v in items if v))


def _tool_support(entry: dict[str, Any]) -> bool | None:
    for key in ("supports_tools", "tool_calling", "supports_function_calling"):
        if isinstance(entry.get(key), bool):
            return bool(entry[key])
    params = entry.get("supported_parameters")
    if isinstance(params, list):
        return not _TOOL_PARAMETERS.isdisjoint(p for p in params if isinstance(p, str))
    return None
