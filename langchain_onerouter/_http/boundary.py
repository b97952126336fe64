"""The one error boundary: every wire failure becomes a typed error here.

An HTTP library exception (httpx2's, or legacy httpx's from a client you
passed in) is mapped by `Boundary.map_exceptions`, the transport's one
exception-mapping context manager (as httpx2's `map_exceptions` is its own);
an HTTP error status, an error body, an error inside a 200 body, a malformed
200 body (`malformed`) and a malformed SSE event by the other `Boundary`
methods, which also mask the API key in whatever the server echoed back.
"""

from __future__ import annotations

import email.utils
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2

from langchain_onerouter import errors
from langchain_onerouter._http.retry import should_retry_header
from langchain_onerouter._mapping.jsonutil import JSONDecodeError, dumps, loads
from langchain_onerouter._mapping.serverjson import malformed
from langchain_onerouter.errors import (
    TOO_DEEP,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    OneRouterError,
    ResponseFailedError,
    StreamError,
    truncate,
)

__all__ = ["Boundary", "http_errors", "malformed", "timeout_errors"]

REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-onerouter-request-id")
_CONTEXT_OVERFLOW = re.compile(
    r"context[ _]length|context[ _]window|maximum context|too many tokens|"
    r"prompt is too long|input is too long|exceeds? the (?:model'?s? )?context",
    re.IGNORECASE,
)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_ERROR_TYPE = re.compile(r'"type"\s*:\s*"(?:error|response\.failed)"')


def http_errors() -> tuple[type[Exception], ...]:
    """The HTTP library exceptions a call may raise: httpx2's, and legacy
    httpx's when it is loaded (a client you passed in may be one)."""
    legacy = sys.modules.get("httpx")
    if legacy is None:
        return (httpx2.HTTPError,)
    return (httpx2.HTTPError, legacy.HTTPError)


def timeout_errors() -> tuple[type[Exception], ...]:
    """The timeout exceptions among `http_errors()`."""
    legacy = sys.modules.get("httpx")
    if legacy is None:
        return (httpx2.TimeoutException,)
    return (httpx2.TimeoutException, legacy.TimeoutException)


class Boundary:
    """Maps every wire failure of one transport to a typed error, key masked.

    Args:
        secret: The API key, masked as `***` wherever the server echoes it.

    Example:
        ```python
        boundary = Boundary(secret=None)
        with boundary.map_exceptions("calling responses"):
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
            return TOO_DEEP
        return loads(self.redact(text)) if self._secret in text else value

    @contextmanager
    def map_exceptions(self, where: str, *, mid_stream: bool = False) -> Iterator[None]:
        """Raise HTTP library exceptions from the block as `APITimeoutError` or
        `APIConnectionError` (`StreamError` once a stream has begun)."""
        try:
            yield
        except http_errors() as exc:
            err = _from_http_error(exc, where, mid_stream=mid_stream)
            if not self._secret or not self._mask_chain(exc):
                raise err from exc
            # The library's text held the key (h11 quotes a bad status, header
            # or chunk line): masked in our message and never chained, so no
            # traceback, `logger.exception` or ONEROUTER_DEBUG shows it.
            raise type(err)(self.redact(err.message)) from None

    def _mask_chain(self, exc: BaseException) -> bool:
        """Mask the key in the args of `exc` and of every exception it chains;
        whether any held it."""
        secret, found = self._secret or "", False
        seen: set[int] = set()
        pending: list[BaseException | None] = [exc]
        while pending:
            current = pending.pop()
            if current is None or id(current) in seen:
                continue
            seen.add(id(current))
            pending += [current.__cause__, current.__context__]
            if secret in str(current) or secret in repr(current.args):
                found = True
                current.args = tuple(_masked(arg, secret) for arg in current.args)
        return found

    def raise_for_status(self, response: Any, content: bytes) -> None:
        """Raise the typed error of an HTTP status >= 300 (no-op below)."""
        if response.status_code >= 300:
            raise self._from_status(response.status_code, response.headers, content)

    def json_body(self, response: Any, content: bytes) -> dict[str, Any]:
        """`json_document` that must be a JSON object (a Responses object)."""
        body = self.json_document(response, content)
        if not isinstance(body, dict):
            raise malformed(
                f"expected a JSON object, got {type(body).__name__}",
                status_code=response.status_code,
            )
        return body

    def json_document(self, response: Any, content: bytes) -> Any:
        """The parsed JSON of a response, or the typed error it amounts to.

        Raises for an error status, an empty or non-JSON body, and an object
        that reports a failure (`error`, `status: "failed"`).
        """
        self.raise_for_status(response, content)
        status = response.status_code
        if not content.strip():
            raise malformed(
                "empty response body (OneRouter cold start?)",
                status_code=status,
                code="empty_response",
            )
        try:
            body = loads(content)
        except JSONDecodeError as exc:
            text = self.redact(content.decode("utf-8", "replace"))
            raise malformed(
                f"response body is not valid JSON ({exc}): " + truncate(text, 300),
                status_code=status,
            ) from None
        if isinstance(body, dict) and (
            body.get("error") or body.get("status") == "failed"
        ):
            message, code = errors.failure_message(body)
            raise ResponseFailedError(
                self.redact(message), code=code, body=self._redact_json(body)
            )
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
                + truncate(self.redact(data), 200)
            ) from None
        if not isinstance(event, dict):
            raise StreamError(
                f"SSE event {name or '(unnamed)'!r} is not a JSON object: "
                + truncate(self.redact(data), 200)
            )
        if self._secret and (
            name in ("error", "response.failed")
            or event.get("type") in ("error", "response.failed")
        ):
            event = self._redact_json(event)  # also a key echoed JSON-escaped
        if name and "type" not in event:
            event["type"] = name
        return event

    def _from_status(self, status: int, headers: Any, content: bytes) -> OneRouterError:
        """The typed error for an HTTP error response."""
        text = self.redact(content.decode("utf-8", "replace"))
        body: Any
        try:
            body = loads(text) if text.strip() else None
        except JSONDecodeError:
            body = None
        body = self._redact_json(body)  # also a key echoed JSON-escaped
        message, code = errors.message_from_body(body)
        message = truncate(self.redact(message or _text_message(text, headers, status)))
        if 300 <= status < 400:
            location = self.redact(headers.get("location", "?"))
            message = (
                f"unexpected redirect to {location!r}; not followed, so the "
                "API key is never sent to another host. Fix base_url."
            )
        request_id = next(
            (headers[h] for h in REQUEST_ID_HEADERS if h in headers), None
        )
        err = _status_class(status, code, message)(
            message,
            status_code=status,
            code=code,
            request_id=None if request_id is None else self.redact(request_id),
            body=body if body is not None else text,
        )
        err.retry_after = _parse_retry_after(headers)
        err.should_retry = should_retry_header(headers)
        return err


def _status_class(status: int, code: Any, message: str) -> type[OneRouterError]:
    if status in (400, 422):
        overflow = code == "context_length_exceeded" or _CONTEXT_OVERFLOW.search(
            message
        )
        return errors.ContextLengthExceededError if overflow else errors.BadRequestError
    return _STATUS_CLASSES.get(status, APIStatusError)


_STATUS_CLASSES: dict[int, type[OneRouterError]] = {
    401: errors.AuthenticationError,
    402: errors.PermissionDeniedError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    429: errors.RateLimitError,
}


def _text_message(text: str, headers: Any, status: int) -> str:
    """A message for a non-JSON error body: an HTML page's title, or the text."""
    if "html" in headers.get("content-type", "") or text.lstrip().startswith("<"):
        title = _HTML_TITLE.search(text)
        snippet = title.group(1) if title else _TAGS.sub(" ", text)
        return "non-JSON error page: " + " ".join(snippet.split())[:300]
    return " ".join(text.split())[:500] or httpx2.codes.get_reason_phrase(status)


def _parse_retry_after(headers: Any) -> float | None:
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


def _from_http_error(exc: Exception, where: str, *, mid_stream: bool) -> OneRouterError:
    timeout = isinstance(exc, timeout_errors())
    if mid_stream:
        if timeout:
            return APITimeoutError(
                f"stream stalled: no data within the read timeout ({exc})"
            )
        return StreamError(
            f"connection lost mid-stream ({type(exc).__name__}: {exc}); "
            "the response is incomplete"
        )
    where += _at_host(exc)
    if timeout:
        kind = type(exc).__name__.replace("Timeout", "").lower() or "request"
        return APITimeoutError(f"{kind} timeout {where}: {exc}".rstrip(": "))
    return APIConnectionError(f"{type(exc).__name__} {where}: {exc}")


def _masked(arg: Any, secret: str) -> Any:
    """An exception argument with the key masked (text, bytes or other)."""
    if isinstance(arg, str):
        return arg.replace(secret, "***")
    if isinstance(arg, (bytes, bytearray)):
        return bytes(arg).replace(secret.encode(), b"***")
    return "***" if secret in repr(arg) else arg


def _at_host(exc: Exception) -> str:
    """` at host:port` of the request that failed: only those (never a
    path, query or user info), so the reader knows what was unreachable."""
    try:
        url = exc.request.url  # type: ignore[attr-defined]
    except (AttributeError, RuntimeError):  # raised before a request existed
        return ""
    host = getattr(url, "host", None)
    if not host:
        return ""
    port = getattr(url, "port", None)
    return f" at {host}:{port}" if port else f" at {host}"


def _may_be_error(name: str, data: str) -> bool:
    return name in ("error", "response.failed") or bool(_ERROR_TYPE.search(data))
