"""Typed errors raised by `ChatOneRouterResponses`, embeddings and rerank.

Wire failures become these in one place, `_http/boundary.py`; a parsed SSE
`error` / `response.failed` event becomes one through `raise_for_event`.

Every error subclasses both `OneRouterError` and the matching
`langchain_core.exceptions` class, so provider-agnostic code that catches
`ModelRateLimitError` (or any `ModelError`) keeps working:

```python
from langchain_core.exceptions import ModelRateLimitError

try:
    llm.invoke("hi")
except ModelRateLimitError as err:
    print(err.status_code, err.message, err.request_id)
```
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

__all__ = [
    "OneRouterError",
    "BadRequestError",
    "ContextLengthExceededError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "APIStatusError",
    "APIConnectionError",
    "APITimeoutError",
    "ResponseFailedError",
    "StreamError",
    "ResponseTooLargeError",
    "CostLimitError",
    "MaxCostExceededError",
    "BudgetExceededError",
]

MAX_ERROR_BODY_CHARS = 2000
"""Server text kept in an exception, so a huge HTML page never floods logs."""
MAX_ERROR_JSON_CHARS = 20_000
"""A parsed error body larger than this (as JSON) is kept as truncated text."""


class OneRouterError(ModelError):
    """Base class of every error this package raises for a failed model call.

    Attributes:
        message: The server's own message (or a description of the failure).
        status_code: The HTTP status, when there was a response.
        code: The error `code` from the body (`"rate_limit_exceeded"`, `429`, ...).
        request_id: The `x-request-id` (or similar) response header, if any.
        body: The error body: parsed JSON (up to 20,000 chars of it, else its
            text truncated), or text truncated to 2,000 chars.
        retry_after: Seconds the server asked us to wait (`Retry-After`), if any.
        should_retry: The server's `x-should-retry` header (True/False), if
            it sent one; it overrides the status in deciding a retry.
    """

    should_retry: bool | None = None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: Any = None,
        request_id: str | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        # Bounded here, whichever module raised: server text can be megabytes.
        self.message = _bounded_text(str(message))
        self.retry_after = retry_after
        self.status_code = status_code
        self.code = code
        self.request_id = request_id
        self.body = _bounded_body(body)
        super().__init__(self._describe())

    def _describe(self) -> str:
        parts = []
        if self.status_code is not None:
            parts.append(f"HTTP {self.status_code}")
        if self.code not in (None, "", self.status_code):
            parts.append(f"code={self.code}")
        head = f"OneRouter error ({', '.join(parts)})" if parts else "OneRouter error"
        tail = f" [request id: {self.request_id}]" if self.request_id else ""
        return f"{head}: {self.message}{tail}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep errors picklable (multiprocessing, LangGraph checkpoints).
        return (_rebuild, (type(self), str(self), self.__dict__))


def truncate(text: str, limit: int = MAX_ERROR_BODY_CHARS) -> str:
    """`text` cut to `limit` characters, saying how long it was."""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text)} chars]"


def _bounded_text(text: str) -> str:
    """Server text as kept in an error (at most ~2,000 characters)."""
    # Slack for the "... [N chars]" tail a caller may already have added.
    if len(text) <= MAX_ERROR_BODY_CHARS + 64:
        return text
    return truncate(text)


def _bounded_body(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return _bounded_text(body)
    if isinstance(body, (dict, list)):
        try:
            text = json.dumps(body, default=str)
        except RecursionError:  # a 1000-deep array: nothing worth keeping
            return TOO_DEEP
        except (TypeError, ValueError):  # circular or odd keys: keep as is
            return body
        if len(text) > MAX_ERROR_JSON_CHARS:
            return _bounded_text(text)
    return body


TOO_DEEP = "[error body nested too deeply to keep]"


def _rebuild(cls: type[OneRouterError], text: str, state: dict) -> OneRouterError:
    err = cls.__new__(cls)
    Exception.__init__(err, text)
    err.__dict__.update(state)
    return err


class BadRequestError(OneRouterError, ModelInvalidRequestError):
    """The request was rejected as invalid (HTTP 400 or 422)."""


class ContextLengthExceededError(BadRequestError, ContextOverflowError):
    """The input is longer than the model's context window."""


class AuthenticationError(OneRouterError, ModelAuthenticationError):
    """The API key is missing or wrong (HTTP 401)."""


class PermissionDeniedError(OneRouterError, ModelPermissionDeniedError):
    """Out of credits (HTTP 402) or refused by moderation/permissions (HTTP 403)."""


class NotFoundError(OneRouterError, ModelNotFoundError):
    """Unknown model or endpoint (HTTP 404)."""


class RateLimitError(OneRouterError, ModelRateLimitError):
    """Rate limited (HTTP 429). Retried automatically, honouring `Retry-After`."""


class APIStatusError(OneRouterError, ModelAPIError):
    """The server or an upstream provider failed (HTTP 5xx, 408, 409, other)."""


class APIConnectionError(OneRouterError, ModelConnectionError):
    """OneRouter could not be reached, or the connection dropped."""


class APITimeoutError(OneRouterError, ModelTimeoutError):
    """A connect, read, write or pool timeout fired."""


class ResponseFailedError(OneRouterError, ModelAPIError):
    """The response reported a failure in its body (`status: "failed"` or `error`)."""


class ResponseTooLargeError(OneRouterError, ModelAPIError):
    """A response body or SSE line exceeded `max_response_bytes` /
    `max_sse_line_bytes` (counted after decompression). Never retried."""


class StreamError(OneRouterError, ModelAPIError):
    """A stream broke its protocol: ended early, an `error` event, bad JSON."""


class CostLimitError(OneRouterError):
    """A cost limit stopped a call before any request was sent. Never retried.

    Attributes:
        cost: The amount that broke the limit, in USD (OneRouter credits).
        limit: The limit, in USD.
    """

    def __init__(self, message: str, *, cost: float, limit: float, code: str) -> None:
        super().__init__(message, code=code)
        self.cost = cost
        self.limit = limit


class MaxCostExceededError(CostLimitError):
    """The estimated worst-case cost of one call is above its `max_cost`.

    `cost` is the estimate (an upper bound from catalog prices, see
    docs/routing.md), `limit` the `max_cost`; both in USD.
    """


class BudgetExceededError(CostLimitError):
    """The calls finished inside `get_onerouter_cost(budget=...)` cost more
    than the budget, so the next call is refused.

    `cost` is what was spent (USD, as OneRouter reported it), `limit` the budget.
    """


class UnsupportedCapabilityError(ValueError):
    """The cached catalog says the model cannot do what the request needs.

    Raised before any request when `strict_capabilities=True`; otherwise the
    same message is a `UserWarning` and the request is sent.
    """


def raise_for_event(event: dict[str, Any]) -> None:
    """Raise the error an SSE `error` or `response.failed` event reports.

    A `response.failed` event raises what the same response as a 200 body
    would (`ResponseFailedError`, same message); an `error` event raises
    `StreamError`. Event data is already key-masked by the transport.

    >>> raise_for_event({"type": "response.failed",
    ...                  "response": {"status": "failed", "error": "quota exhausted"}})
    Traceback (most recent call last):
    ...
    langchain_onerouter.errors.ResponseFailedError: OneRouter error: quota exhausted
    """
    if event.get("type") == "response.failed":
        response = event.get("response")
        body = response if isinstance(response, dict) else event
        failed, code = failure_message(body)
        raise ResponseFailedError(failed, code=code, body=body)
    message, code = message_from_body(event)
    raise StreamError(message or "error event without a message", code=code, body=event)


def failure_message(body: dict[str, Any]) -> tuple[str, Any]:
    """(message, code) of a failed response object (`status: "failed"`)."""
    message, code = message_from_body(body)
    if message is None and isinstance(body.get("response"), dict):
        message, code = message_from_body(body["response"])
    return message or "the response failed", code


def message_from_body(body: Any) -> tuple[str | None, Any]:
    """(message, code) from either documented error shape, or (None, None)."""
    if not isinstance(body, dict):
        return None, None
    err = body.get("error")
    if isinstance(err, dict):
        message = err.get("message") or err.get("detail") or err.get("type")
        return (str(message) if message else None), err.get("code")
    if isinstance(err, str) and err:
        return err, body.get("code")
    for key in ("message", "detail"):
        if isinstance(body.get(key), str):
            return body[key], body.get("code")
    return None, None
