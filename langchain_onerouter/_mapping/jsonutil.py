"""JSON helpers on the hot path (orjson is already in langchain-core's tree)."""

from __future__ import annotations

from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def dumps(obj: Any) -> bytes:
    """Serialize to compact UTF-8 JSON bytes."""
    return orjson.dumps(obj)


def loads(data: bytes | str) -> Any:
    """Parse JSON text or bytes."""
    return orjson.loads(data)
