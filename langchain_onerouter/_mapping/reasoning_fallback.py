"""Reasoning across a fallback, in one place: when the serving provider
rejects replayed encrypted reasoning another provider issued, detect it, drop
the reasoning, warn, retry once, and flag the answer. Every call path (invoke,
ainvoke, stream, astream) makes one call into `ReasoningFallback`."""

from __future__ import annotations

import re
import warnings
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from langchain_onerouter.errors import OneRouterError

_T = TypeVar("_T")

RETRY_KEYWORD = "reasoning_fallback_retry"
"""The model field and per-call keyword that turn the retry on or off."""
REASONING_RETRY_KEY = "reasoning_retry"
"""`response_metadata` key set when reasoning was dropped and the call retried."""
_FOREIGN_REASONING = re.compile(
    r"invalid_encrypted_content|encrypted[ _]content|reasoning item|"
    r"item[^.]{0,40}\brs_\w+|\brs_\w+[^.]{0,40}(?:not found|invalid|provided)",
    re.IGNORECASE,
)


def is_foreign_reasoning_error(
    status_code: int | None, code: Any, message: str, param: Any = None
) -> bool:
    """True for a rejection of replayed reasoning the serving provider cannot read.

    OneRouter falls back to another provider, which cannot decrypt the
    reasoning the first one issued: `invalid_encrypted_content`, or a 400
    naming the reasoning item or its `encrypted_content`.

    >>> is_foreign_reasoning_error(400, "invalid_encrypted_content", "bad")
    True
    >>> is_foreign_reasoning_error(400, None, "Item with id 'rs_12' not found.")
    True
    >>> is_foreign_reasoning_error(429, None, "rate limited")
    False
    """
    if code == "invalid_encrypted_content":
        return True
    if status_code not in (None, 400, 422):
        return False
    text = f"{message} {param or ''}"
    return bool(_FOREIGN_REASONING.search(text))


def without_reasoning(body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """(`body` without its replayed reasoning items, how many were dropped).

    The server `id`s of the function calls that followed a dropped reasoning
    item in the same turn are dropped too: an upstream that stored the turn
    rejects a call that arrives without its reasoning.

    >>> body = {"model": "m", "input": [
    ...     {"type": "reasoning", "id": "rs_1", "encrypted_content": "x", "summary": []},
    ...     {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f",
    ...      "arguments": "{}"}]}
    >>> without_reasoning(body)
    ({'model': 'm', 'input': [{'type': 'function_call', 'call_id': 'c1', 'name': 'f', 'arguments': '{}'}]}, 1)
    """
    items = body.get("input")
    if not isinstance(items, list):
        return dict(body), 0
    kept: list[Any] = []
    dropped = 0
    orphaned = False
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "reasoning":
            dropped += 1
            orphaned = True
            continue
        if kind == "function_call" and orphaned and "id" in item:
            item = {k: v for k, v in item.items() if k != "id"}
        elif kind not in ("function_call", "message") or (
            kind == "message" and item.get("role") != "assistant"
        ):
            orphaned = False  # a new turn starts
        kept.append(item)
    return {**body, "input": kept}, dropped


class ReasoningFallback:
    """One call's retry: at most once, only before any output was emitted.

    >>> fallback = ReasoningFallback(True, {"reasoning_fallback_retry": False})
    >>> fallback.enabled, fallback.flag
    (False, None)
    """

    # The warning points at the caller of the call path (`_generate`,
    # `_stream`, ...): retry_body <- send/_StreamRun <- the path <- its caller.
    _STACKLEVEL = 4

    def __init__(self, default: bool, overrides: Mapping[str, Any]) -> None:
        enabled = overrides.get(RETRY_KEYWORD)
        self.enabled = default if enabled is None else bool(enabled)
        self.flag: dict[str, Any] | None = None
        """`response_metadata["reasoning_retry"]` once the retry was made."""

    def retry_body(
        self, err: OneRouterError, body: Mapping[str, Any], *, output_sent: bool
    ) -> dict[str, Any]:
        """`body` without its reasoning, to send once more (with a warning);
        raises `err` when it is not that rejection or a retry cannot help."""
        if output_sent or self.flag is not None or not self.enabled:
            raise err
        param = None
        if isinstance(err.body, dict) and isinstance(err.body.get("error"), dict):
            param = err.body["error"].get("param")
        if not is_foreign_reasoning_error(
            err.status_code, err.code, err.message, param
        ):
            raise err
        retry, dropped = without_reasoning(body)
        if not dropped:
            raise err
        warnings.warn(
            f"OneRouter rejected {dropped} replayed reasoning item(s) "
            f"({err.code or err.status_code}: {err.message}); the serving "
            "provider cannot read reasoning another provider issued (a "
            "fallback?). Retrying once without them; the new response has "
            f'response_metadata["{REASONING_RETRY_KEY}"].',
            UserWarning,
            stacklevel=self._STACKLEVEL,
        )
        self.flag = {
            "dropped_items": dropped,
            "error": str(err.code or err.status_code or "rejected"),
        }
        return retry

    def mark(self, metadata: dict[str, Any]) -> None:
        """Flag an answer that came from the retry."""
        if self.flag is not None:
            metadata[REASONING_RETRY_KEY] = self.flag

    def send(
        self, post: Callable[[dict[str, Any]], _T], body: dict[str, Any]
    ) -> tuple[_T, dict[str, Any]]:
        """(`post(body)`, the body sent), retried once without reasoning."""
        try:
            return post(body), body
        except OneRouterError as err:
            body = self.retry_body(err, body, output_sent=False)
            return post(body), body

    async def asend(
        self, post: Callable[[dict[str, Any]], Awaitable[_T]], body: dict[str, Any]
    ) -> tuple[_T, dict[str, Any]]:
        """Async `send`."""
        try:
            return await post(body), body
        except OneRouterError as err:
            body = self.retry_body(err, body, output_sent=False)
            return await post(body), body
