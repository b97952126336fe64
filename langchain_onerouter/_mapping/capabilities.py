"""Capability checks against the cached model catalog. Pure, no I/O.

When the catalog for a base URL is cached (`llm.list_models()` or
`catalog.list_models()` was called), a request that needs something the
model lacks (tool calling, image or file input) warns before it is sent, or
raises `UnsupportedCapabilityError` with `strict_capabilities=True`, instead
of failing on the server with a 404 "no endpoints found". Without a cached
catalog nothing is checked: this module never fetches it.

>>> from langchain_onerouter._mapping.catalog import ModelInfo
>>> info = ModelInfo(id="deepseek/deepseek-r1:free", input_modalities=("text",))
>>> missing_capabilities(info, {"input": [{"type": "message", "role": "user",
...     "content": [{"type": "input_image", "image_url": "https://x/y.png"}]}]})
['image input']
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from langchain_onerouter._mapping.catalog import ModelInfo
from langchain_onerouter.errors import UnsupportedCapabilityError

__all__ = [
    "UnsupportedCapabilityError",
    "check_capabilities",
    "has_media",
    "missing_capabilities",
]

_PART_NEEDS = {"input_image": "image input", "input_file": "file input"}


def missing_capabilities(
    info: ModelInfo, body: Mapping[str, Any] | None = None, *, tools: bool = False
) -> list[str]:
    """What `body` (or binding tools) needs that the catalog says `info` lacks.

    Unknown is not missing: a catalog entry without modalities or tool
    support information never produces a finding.
    """
    missing: list[str] = []
    wants_tools = tools or bool(_function_tools(body))
    if wants_tools and info.supports_tools is False:
        missing.append("tool calling")
    if body is not None and info.input_modalities:
        kinds = set(_part_types(body.get("input")))
        if "input_image" in kinds and not info.supports_images:
            missing.append(_PART_NEEDS["input_image"])
        if "input_file" in kinds and not info.supports_pdfs:
            missing.append(_PART_NEEDS["input_file"])
    return missing


def check_capabilities(
    info: ModelInfo | None,
    body: Mapping[str, Any] | None = None,
    *,
    tools: bool = False,
    strict: bool = False,
    catalog: Iterable[ModelInfo] = (),
) -> None:
    """Warn (or raise `UnsupportedCapabilityError` when `strict`) on a mismatch.

    `catalog` (the cached entries) lets the message name models that can.
    """
    if info is None:
        return
    missing = missing_capabilities(info, body, tools=tools)
    if not missing:
        return
    able = [
        m.id
        for m in catalog
        if (m.category or "llm").lower() == "llm"
        and not missing_capabilities(m, body, tools=tools)
    ]
    able = [m for m in able if m != info.id][:5]
    message = (
        f"model {info.id!r} does not support {' or '.join(missing)} according to "
        "OneRouter's model catalog, so the request would fail with 'no endpoints "
        "found'"
        + (f"; models that do: {', '.join(able)}" if able else "")
        + ". Pass strict_capabilities=True to raise instead of warning."
    )
    if strict:
        raise UnsupportedCapabilityError(message.rsplit(" Pass ", 1)[0])
    warnings.warn(message, UserWarning, stacklevel=4)


def has_media(body: Mapping[str, Any]) -> bool:
    """True when the request's input carries an image or file part."""
    return any(kind in _PART_NEEDS for kind in _part_types(body.get("input")))


def _function_tools(body: Mapping[str, Any] | None) -> list[Any]:
    tools = body.get("tools") if body is not None else None
    if not isinstance(tools, list):
        return []
    return [t for t in tools if isinstance(t, dict) and t.get("type") == "function"]


def _part_types(items: Any) -> Iterable[str]:
    if not isinstance(items, list):
        return
    for item in items:
        if not isinstance(item, dict):
            continue
        for key in ("content", "output"):
            parts = item.get(key)
            if isinstance(parts, list):
                for part in parts:
                    if isinstance(part, dict) and isinstance(part.get("type"), str):
                        yield part["type"]
