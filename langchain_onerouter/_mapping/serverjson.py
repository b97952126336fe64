"""Reading server JSON: tolerant numbers, and the one error for a 200 body we
cannot use. Pure, no I/O.

Server data is never trusted to have the documented type: a count may come as
`12`, `12.0` or `"12"`, a price as `"0.5"`, and any field as `true` or `null`.
The readers below return None for what is not a usable number (a bool is not
a number) and never raise; a body whose shape makes the whole answer unusable
raises `malformed(...)` instead, never a partial result.

>>> count("12"), count(-1), count(True), finite("0.5", strings=True)
(12, None, None, 0.5)
"""

from __future__ import annotations

import math
from typing import Any

from langchain_onerouter import errors

_MAX_COUNT = 2**63


def number(value: Any, *, strings: bool = False) -> float | None:
    """A JSON number as a float (NaN and infinities included), else None.

    With `strings`, numeric text such as `"1.5"` or `"1e3"` counts too.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) or (strings and isinstance(value, str)):
        try:
            return float(value)
        except (ValueError, OverflowError):
            return None
    return None


def finite(
    value: Any, *, strings: bool = False, minimum: float = -math.inf
) -> float | None:
    """`number(value)` when it is finite and at least `minimum`, else None."""
    result = number(value, strings=strings)
    if result is None or not math.isfinite(result) or result < minimum:
        return None
    return result


def count(value: Any) -> int | None:
    """A non-negative integer count (tokens, lengths): from an int, a float
    (truncated) or digit text; None for anything else or absurdly large."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < _MAX_COUNT else None
    result = finite(value, strings=True, minimum=0)
    return int(result) if result is not None and result < _MAX_COUNT else None


def first_count(*values: Any) -> int | None:
    """The first of `values` that is a `count`, else None."""
    for value in values:
        result = count(value)
        if result is not None:
            return result
    return None


def malformed(
    message: str, *, status_code: int | None = 200, **details: Any
) -> errors.APIStatusError:
    """The error for a successful response whose body we cannot use (empty,
    not JSON, or not the shape asked for): never a partial result.

    >>> malformed("no `data` list").message
    'malformed response: no `data` list'
    """
    return errors.APIStatusError(
        f"malformed response: {message}", status_code=status_code, **details
    )
