"""A `/models` body → typed `ModelInfo` entries, tolerant of what the server
sends. Pure, no I/O (fetching and caching: `langchain_onerouter.catalog`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models.model_profile import ModelProfile

from langchain_onerouter._mapping.serverjson import count, finite, malformed

# The public module's name: users configure logging by it.
logger = logging.getLogger("langchain_onerouter.catalog")

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
            context_length=count(entry.get("context_length")) or None,
            max_output_tokens=count(
                entry.get("max_output_tokens", entry.get("max_completion_tokens"))
            )
            or None,
            input_modalities=_modalities(
                entry.get("input_modalities", arch.get("input_modalities"))
            ),
            output_modalities=_modalities(
                entry.get("output_modalities", arch.get("output_modalities"))
            ),
            prompt_price_per_million=_price(entry.get("min_prompt_price")),
            completion_price_per_million=_price(entry.get("min_completion_price")),
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


# -- tolerant field parsing ---------------------------------------------------
def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _price(value: Any) -> float | None:
    return finite(value, strings=True, minimum=0)


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
