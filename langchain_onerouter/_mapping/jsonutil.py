"""The one JSON encoder (orjson, already in langchain-core's tree), and the
check that a value can be sent as JSON at all."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def dumps(obj: Any) -> bytes:
    """Serialize to compact UTF-8 JSON bytes (check untrusted input first:
    orjson writes NaN and infinities as `null`)."""
    return orjson.dumps(obj)


def loads(data: bytes | str) -> Any:
    """Parse JSON text or bytes."""
    return orjson.loads(data)


def check_encodable(body: Any, where: str = "body") -> None:
    """`ValueError` naming the place (as `check_json` does) when the encoder
    refuses `body`: an integer beyond 64 bits or a non-str key anywhere. Tries
    the fast encoder first: the walk only runs when it fails."""
    try:
        orjson.dumps(body)
    except TypeError:
        check_json(body, where, what="request")
        raise ValueError(f"request {where} cannot be sent as JSON") from None


def check_json(value: Any, where: str, *, what: str = "request field") -> None:
    """Raise `ValueError` naming `where` (e.g. `provider.order[1]`) when `value`
    cannot be sent as JSON: NaN/Infinity (which would go out as `null`),
    non-str dict keys, integers beyond 64 bits, or a type the JSON encoder
    refuses.

    >>> check_json({"a": [1, float("nan")]}, "model_kwargs")
    Traceback (most recent call last):
    ...
    ValueError: request field model_kwargs.a[1] is nan: JSON has no NaN or Infinity
    """
    if value is None or isinstance(value, (str, bool)):
        return
    if isinstance(value, int):
        if not -(2**63) <= value < 2**64:  # the encoder's range
            raise ValueError(f"{what} {where} is an integer beyond 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"{what} {where} is {value!r}: JSON has no NaN or Infinity"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{what} {where} has a non-string key {key!r}")
            check_json(item, f"{where}.{key}", what=what)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]", what=what)
    else:
        try:
            orjson.dumps(value)  # other types: whatever the encoder accepts
        except TypeError:
            raise ValueError(
                f"{what} {where} is not JSON-serializable: "
                f"{type(value).__name__} {value!r:.80}"
            ) from None
