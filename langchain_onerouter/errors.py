"""Typed errors raised by `ChatOneRouterResponses`, and the one error boundary.

Every wire failure is mapped here, and nowhere else: an HTTP error status, an
error body, an error inside a 200 body, an SSE `error` / `response.failed`
event, a malformed event, an httpx exception. Transport, catalog and the stream
parser all go through `Boundary` (or, for parsed events, `raise_for_event`),
which also masks the API key in whatever the server echoed back.

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

import email.utils
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

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

from langchain_onerouter._mapping.jsonutil import JSONDecodeError, dumps, loads

if TYPE_CHECKING:
    import httpx

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
    "UnsupportedCapabilityError",
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
    """

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


def _truncate(text: str, limit: int = MAX_ERROR_BODY_CHARS) -> str:
    """`text` cut to `limit` characters, saying how long it was."""
    return text if len(text) <= limit else text[:limit] + f"... [{len(text)} chars]"


def _bounded_text(text: str) -> str:
    """Server text as kept in an error (at most ~2,000 characters)."""
    # Slack for the "... [N chars]" tail a caller may already have added.
    if len(text) <= MAX_ERROR_BODY_CHARS + 64:
        return text
    return _truncate(text)


def _bounded_body(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        return _bounded_text(body)
    if isinstance(body, (dict, list)):
        try:
            text = json.dumps(body, default=str)
        except RecursionError:  # a 1000-deep array: nothing worth keeping
            return _TOO_DEEP
        except (TypeError, ValueError):  # circular or odd keys: keep as is
            return body
        if len(text) > MAX_ERROR_JSON_CHARS:
            return _bounded_text(text)
    return body


_TOO_DEEP = "[error body nested too deeply to keep]"


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


class UnsupportedCapabilityError(ValueError):
    """The cached catalog says the model cannot do what the request needs.

    Raised before any request when `strict_capabilities=True`; otherwise the
    same message is a `UserWarning` and the request is sent.
    """


# -- the boundary: wire failures → the errors above ----------------------------
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-onerouter-request-id")
_CONTEXT_OVERFLOW = re.compile(
    r"context[ _]length|context[ _]window|maximum context|too many tokens|"
    r"prompt is too long|input is too long|exceeds? the (?:model'?s? )?context",
    re.IGNORECASE,
)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_ERROR_TYPE = re.compile(r'"type"\s*:\s*"(?:error|response\.failed)"')


class Boundary:
    """Maps every wire failure of one transport to a typed error, key masked.

    Args:
        secret: The API key, masked as `***` wherever the server echoes it.

    Example:
        ```python
        boundary = Boundary(secret=None)
        with boundary.httpx_errors("calling responses"):
            response = client.send(request)
        body = boundary.json_body(response, response.content)
        ```
    """

    def __init__(self, secret: str | None) -> None:
        self._secret = secret if secret and len(secret) >= 4 else None

    def redact(self, text: str) -> str:
        """`text` with the API key masked."""
        if self._secret and self._secret in text:
            return text.replace(self._secret, "***")
        return text

    def _redact_json(self, value: Any) -> Any:
        """`value` with the key masked in every string (a server may echo it)."""
        if not self._secret:
            return value
        try:
            text = dumps(value).decode()
        except TypeError:  # too deep for orjson: cannot be checked, so not kept
            return _TOO_DEEP
        return loads(self.redact(text)) if self._secret in text else value

    @contextmanager
    def httpx_errors(self, where: str, *, mid_stream: bool = False) -> Iterator[None]:
        """Raise httpx exceptions from the block as `APITimeoutError` or
        `APIConnectionError` (`StreamError` once a stream has begun)."""
        import httpx  # loaded by the transport already (not at our import)

        try:
            yield
        except httpx.HTTPError as exc:
            err = _from_httpx(exc, where, mid_stream=mid_stream)
            if self._secret and self._secret in str(err):
                err = type(err)(self.redact(err.message))
            raise err from exc

    def raise_for_status(self, response: httpx.Response, content: bytes) -> None:
        """Raise the typed error of an HTTP status >= 300 (no-op below)."""
        if response.status_code >= 300:
            raise self._from_status(response.status_code, response.headers, content)

    def json_body(self, response: httpx.Response, content: bytes) -> dict[str, Any]:
        """`json_document` that must be a JSON object (a Responses object)."""
        body = self.json_document(response, content)
        if not isinstance(body, dict):
            raise APIStatusError(
                f"expected a JSON object, got {type(body).__name__}",
                status_code=response.status_code,
            )
        return body

    def json_document(self, response: httpx.Response, content: bytes) -> Any:
        """The parsed JSON of a response, or the typed error it amounts to.

        Raises for an error status, an empty or non-JSON body, and an object
        that reports a failure (`error`, `status: "failed"`).
        """
        self.raise_for_status(response, content)
        status = response.status_code
        if not content.strip():
            raise APIStatusError(
                "empty response body (OneRouter cold start?)",
                status_code=status,
                code="empty_response",
            )
        try:
            body = loads(content)
        except JSONDecodeError as exc:
            text = self.redact(content.decode("utf-8", "replace"))
            raise APIStatusError(
                f"response body is not valid JSON ({exc}): " + _truncate(text, 300),
                status_code=status,
            ) from None
        if isinstance(body, dict) and (
            body.get("error") or body.get("status") == "failed"
        ):
            raise _failure(body, self)
        return body

    def decode_event(self, name: str, data: str) -> dict[str, Any] | None:
        """One SSE event's data as a dict (None for keep-alives and `[DONE]`)."""
        if not data or data == "[DONE]":
            return None
        if self._secret and self._secret in data and _may_be_error(name, data):
            # The parser turns these events into exceptions; a server that
            # echoes the key there must not put it in our error messages.
            data = self.redact(data)
        try:
            event = loads(data)
        except JSONDecodeError as exc:
            raise StreamError(
                f"malformed JSON in SSE event {name or '(unnamed)'!r}: {exc}; data: "
                + _truncate(self.redact(data), 200)
            ) from None
        if not isinstance(event, dict):
            raise StreamError(
                f"SSE event {name or '(unnamed)'!r} is not a JSON object: "
                + _truncate(self.redact(data), 200)
            )
        if self._secret and (
            name in ("error", "response.failed")
            or event.get("type") in ("error", "response.failed")
        ):
            event = self._redact_json(event)  # also a key echoed JSON-escaped
        if name and "type" not in event:
            event["type"] = name
        return event

    def _from_status(
        self, status: int, headers: httpx.Headers, content: bytes
    ) -> OneRouterError:
        """The typed error for an HTTP error response."""
        text = self.redact(content.decode("utf-8", "replace"))
        body: Any
        try:
            body = loads(text) if text.strip() else None
        except JSONDecodeError:
            body = None
        body = self._redact_json(
            body
        )  # also a key echoed JSON-escaped (\/ or \u escapes)
        message, code = _message_from_body(body)
        message = _truncate(
            self.redact(message or _text_message(text, headers, status))
        )
        kwargs: dict[str, Any] = {
            "status_code": status,
            "code": code,
            "request_id": next(
                (headers[h] for h in REQUEST_ID_HEADERS if h in headers), None
            ),
            "body": body if body is not None else text,
        }
        cls: type[OneRouterError]
        if status in (400, 422):
            overflow = code == "context_length_exceeded" or _CONTEXT_OVERFLOW.search(
                message
            )
            cls = ContextLengthExceededError if overflow else BadRequestError
        elif status == 401:
            cls = AuthenticationError
        elif status in (402, 403):
            cls = PermissionDeniedError
        elif status == 404:
            cls = NotFoundError
        elif status == 429:
            cls = RateLimitError
        elif 300 <= status < 400:
            cls = APIStatusError
            message = (
                f"unexpected redirect to {headers.get('location', '?')!r}; not "
                "followed, so the API key is never sent to another host. Fix base_url."
            )
        else:
            cls = APIStatusError
        err = cls(message, **kwargs)
        err.retry_after = _parse_retry_after(headers)
        return err


def raise_for_event(event: dict[str, Any]) -> None:
    """Raise the error an SSE `error` or `response.failed` event reports.

    A `response.failed` event raises what the same response as a 200 body
    would (`ResponseFailedError`, same message); an `error` event raises
    `StreamError`. Event data is already key-masked by `Boundary.decode_event`.

    >>> raise_for_event({"type": "response.failed",
    ...                  "response": {"status": "failed", "error": "quota exhausted"}})
    Traceback (most recent call last):
    ...
    langchain_onerouter.errors.ResponseFailedError: OneRouter error: quota exhausted
    """
    if event.get("type") == "response.failed":
        response = event.get("response")
        if isinstance(response, dict):
            raise _failure(response)
        raise _failure(event)
    message, code = _message_from_body(event)
    raise StreamError(message or "error event without a message", code=code, body=event)


def _failure(body: dict[str, Any], boundary: Boundary | None = None) -> OneRouterError:
    """The error a failed response object reports (`boundary` masks the key)."""
    message, code = _message_from_body(body)
    if message is None and isinstance(body.get("response"), dict):
        message, code = _message_from_body(body["response"])
    message = message or "the response failed"
    if boundary is not None:
        message, body = boundary.redact(message), boundary._redact_json(body)
    return ResponseFailedError(message, code=code, body=body)


def _message_from_body(body: Any) -> tuple[str | None, Any]:
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


def _text_message(text: str, headers: httpx.Headers, status: int) -> str:
    """A message for a non-JSON error body: an HTML page's title, or the text."""
    if "html" in headers.get("content-type", "") or text.lstrip().startswith("<"):
        title = _HTML_TITLE.search(text)
        snippet = title.group(1) if title else _TAGS.sub(" ", text)
        return "non-JSON error page: " + " ".join(snippet.split())[:300]
    import httpx  # an error response came in: httpx is loaded

    return " ".join(text.split())[:500] or httpx.codes.get_reason_phrase(status)


def _parse_retry_after(headers: httpx.Headers) -> float | None:
    if ms := headers.get("retry-after-ms"):
        try:
            return float(ms) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _from_httpx(
    exc: httpx.HTTPError, where: str, *, mid_stream: bool
) -> OneRouterError:
    import httpx  # `exc` is one of its exceptions: it is loaded

    if mid_stream:
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"stream stalled: no data within the read timeout ({exc})"
            )
        return StreamError(
            f"connection lost mid-stream ({type(exc).__name__}: {exc}); "
            "the response is incomplete"
        )
    if isinstance(exc, httpx.TimeoutException):
        kind = type(exc).__name__.replace("Timeout", "").lower() or "request"
        return APITimeoutError(f"{kind} timeout {where}: {exc}".rstrip(": "))
    return APIConnectionError(f"{type(exc).__name__} {where}: {exc}")


def _may_be_error(name: str, data: str) -> bool:
    return name in ("error", "response.failed") or bool(_ERROR_TYPE.search(data))
