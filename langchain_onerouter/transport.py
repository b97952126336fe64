"""All network I/O: httpx clients, auth, timeouts, retries, SSE framing, errors.

Nothing else in the package touches a socket. Sync and async paths differ only
here; both feed the same pure mapping code (`request`, `response`, `streaming`).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import re
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, TypeVar

import httpx
from httpx_sse import EventSource
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, Retrying
from tenacity import retry_if_exception as _retry_if
from tenacity import stop_after_attempt as _stop_after

from langchain_onerouter import errors
from langchain_onerouter._json import JSONDecodeError, dumps, loads
from langchain_onerouter._version import __version__
from langchain_onerouter.errors import truncate

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
"""Read timeout 600 s (it is also the per-event stall bound of a stream)."""
# At most 100 connections; keep 20 idle ones (httpx's default). httpcore scans
# every idle connection on each request it queues or releases, so a large idle
# pool makes a burst of concurrent calls CPU-bound (benchmarks/: 200 concurrent
# ainvoke on loopback took ~3x longer with 100 kept alive).
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0
RETRY_STATUSES = frozenset({408, 409, 429})
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-onerouter-request-id")
_CONTEXT_OVERFLOW = re.compile(
    r"context[ _]length|context[ _]window|maximum context|too many tokens|"
    r"prompt is too long|input is too long|exceeds? the (?:model'?s? )?context",
    re.IGNORECASE,
)
_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")
_ERROR_TYPE = re.compile(r'"type"\s*:\s*"(?:error|response\.failed)"')

Event = dict[str, Any]
_T = TypeVar("_T")


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1-based).

    `Retry-After` wins when the server sent one (capped at 60 s); otherwise
    exponential backoff from 0.5 s, capped at 8 s, with 50% jitter.

    >>> 0.25 <= retry_delay(1) <= 0.5
    True
    >>> retry_delay(3, retry_after=2.0)
    2.0
    """
    if retry_after is not None:
        return max(0.0, min(retry_after, MAX_RETRY_AFTER))
    base = min(INITIAL_BACKOFF * 2 ** (attempt - 1), MAX_BACKOFF)
    return base * (0.5 + random.random() / 2)


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed attempt may succeed when repeated.

    Retried: 408, 409, 429, 5xx, connection errors, timeouts and an empty 200
    body (OneRouter cold starts). Never: 400, 401, 402, 403, 404, 422.
    """
    if isinstance(
        exc, (errors.RateLimitError, errors.APIConnectionError, errors.APITimeoutError)
    ):
        return True
    if isinstance(exc, errors.APIStatusError) and exc.status_code is not None:
        return (
            exc.status_code in RETRY_STATUSES
            or exc.status_code >= 500
            or exc.code == "empty_response"
        )
    return False


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


def _redact(text: str, secret: str | None) -> str:
    if secret and len(secret) >= 4 and secret in text:
        return text.replace(secret, "***")
    return text


def _redact_json(value: Any, secret: str | None) -> Any:
    """`value` with the secret masked in every string (a server may echo it)."""
    if not secret or len(secret) < 4:
        return value
    try:
        text = dumps(value).decode()
    except TypeError:
        return value
    return loads(text.replace(secret, "***")) if secret in text else value


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


def error_from_status(
    status: int,
    headers: httpx.Headers,
    content: bytes,
    *,
    secret: str | None = None,
) -> errors.OneRouterError:
    """Map an HTTP error response to the typed error for its status."""
    text = _redact(content.decode("utf-8", "replace"), secret)
    body: Any
    try:
        body = loads(text) if text.strip() else None
    except JSONDecodeError:
        body = None
    message, code = _message_from_body(body)
    if message is None:
        if "html" in headers.get("content-type", "") or text.lstrip().startswith("<"):
            title = _HTML_TITLE.search(text)
            snippet = title.group(1) if title else _TAGS.sub(" ", text)
            message = "non-JSON error page: " + " ".join(snippet.split())[:300]
        else:
            message = " ".join(text.split())[:500] or httpx.codes.get_reason_phrase(
                status
            )
    message = truncate(message)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "request_id": next(
            (headers[h] for h in REQUEST_ID_HEADERS if h in headers), None
        ),
        "body": body if body is not None else text,
    }
    cls: type[errors.OneRouterError]
    if status in (400, 422):
        overflow = code == "context_length_exceeded" or _CONTEXT_OVERFLOW.search(
            message
        )
        cls = errors.ContextLengthExceededError if overflow else errors.BadRequestError
    elif status == 401:
        cls = errors.AuthenticationError
    elif status in (402, 403):
        cls = errors.PermissionDeniedError
    elif status == 404:
        cls = errors.NotFoundError
    elif status == 429:
        cls = errors.RateLimitError
    elif 300 <= status < 400:
        cls = errors.APIStatusError
        message = (
            f"unexpected redirect to {headers.get('location', '?')!r}; not followed, "
            "so the API key is never sent to another host. Fix base_url."
        )
    else:
        cls = errors.APIStatusError
    err = cls(message, **kwargs)
    err.retry_after = _parse_retry_after(headers)
    return err


def error_from_body(body: Any, *, secret: str | None = None) -> errors.OneRouterError:
    """The error reported inside an HTTP 200 body or a `response.failed` event."""
    message, code = _message_from_body(body)
    if message is None and isinstance(body, dict):
        resp = body.get("response")
        if isinstance(resp, dict):
            message, code = _message_from_body(resp)
    message = _redact(message or "the response failed", secret)
    return errors.ResponseFailedError(
        message, code=code, body=_redact_json(body, secret)
    )


def check_body(body: Any, *, secret: str | None = None) -> dict[str, Any]:
    """Return a response body, or raise if it reports a failure."""
    if not isinstance(body, dict):
        raise errors.APIStatusError(
            f"expected a JSON object, got {type(body).__name__}", status_code=200
        )
    if body.get("error") or body.get("status") == "failed":
        raise error_from_body(body, secret=secret)
    return body


def _map_httpx_error(exc: httpx.HTTPError, *, where: str) -> errors.OneRouterError:
    if isinstance(exc, httpx.TimeoutException):
        kind = type(exc).__name__.replace("Timeout", "").lower() or "request"
        return errors.APITimeoutError(f"{kind} timeout {where}: {exc}".rstrip(": "))
    return errors.APIConnectionError(f"{type(exc).__name__} {where}: {exc}")


class Transport:
    """Owns the pooled httpx clients and the retry policy of one model instance.

    Args:
        base_url: API root, e.g. `https://llm.onerouter.pro/v1`.
        api_key: Bearer token (never logged, never put in errors).
        timeout: `httpx.Timeout`, seconds, or None for the default.
        max_retries: Retries after the first attempt.
        default_headers: Extra headers for every request.
        http_client / http_async_client: Your own clients (then their pool,
            proxies and TLS settings are used, and they are never closed here).
    """

    sleep: Callable[[float], None] = staticmethod(time.sleep)  # type: ignore[assignment]
    asleep: Callable[[float], Any] = staticmethod(asyncio.sleep)  # type: ignore[assignment]

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = 2,
        default_headers: dict[str, str] | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._secret = api_key.get_secret_value() if api_key else None
        self.max_retries = max_retries
        if timeout is None:
            self.timeout: httpx.Timeout | None = None
        elif isinstance(timeout, httpx.Timeout):
            self.timeout = timeout
        else:
            self.timeout = httpx.Timeout(float(timeout))
        self._headers = {
            "Content-Type": "application/json",
            "User-Agent": f"langchain-onerouter/{__version__}",
            **(default_headers or {}),
        }
        if self._secret:
            self._headers["Authorization"] = f"Bearer {self._secret}"
        self._client = http_client
        self._owns_client = http_client is None
        self._aclient = http_async_client
        self._owns_aclient = http_async_client is None
        self._aclient_loop: asyncio.AbstractEventLoop | None = None
        self._parsed_urls: dict[str, httpx.URL] = {}

    # -- clients -----------------------------------------------------------
    def _new_client_kwargs(self) -> dict[str, Any]:
        return {
            "timeout": self.timeout or DEFAULT_TIMEOUT,
            "limits": DEFAULT_LIMITS,
            "follow_redirects": False,
        }

    @property
    def client(self) -> httpx.Client:
        """The pooled sync client (created on first use, then reused)."""
        if self._client is None:
            self._client = httpx.Client(**self._new_client_kwargs())
        return self._client

    @property
    def aclient(self) -> httpx.AsyncClient:
        """The pooled async client of the running event loop."""
        if not self._owns_aclient:
            assert self._aclient is not None
            return self._aclient
        loop = asyncio.get_running_loop()
        # A pool's connections belong to the loop that opened them: a new loop
        # (asyncio.run called twice, per-test loops) gets a fresh pool.
        if self._aclient is None or self._aclient_loop is not loop:
            self._aclient = httpx.AsyncClient(**self._new_client_kwargs())
            self._aclient_loop = loop
        return self._aclient

    def close(self) -> None:
        """Close the clients this transport created (injected ones are yours)."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None

    async def aclose(self) -> None:
        """Async counterpart of `close`."""
        self.close()
        if self._owns_aclient and self._aclient is not None:
            await self._aclient.aclose()
            self._aclient = None

    # -- requests ----------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        path: str,
        body: Any,
        *,
        stream: bool,
    ) -> httpx.Request:
        headers = dict(self._headers)
        headers["Accept"] = "text/event-stream" if stream else "application/json"
        extensions = {"timeout": self.timeout.as_dict()} if self.timeout else None
        url = self.url(path)
        # httpx parses a str URL on every request (~40 us); parse each once.
        parsed = self._parsed_urls.get(url)
        if parsed is None:
            parsed = self._parsed_urls[url] = httpx.URL(url)
        return client.build_request(
            "POST",
            parsed,
            content=dumps(body),
            headers=headers,
            extensions=extensions,
        )

    def _check_status(self, response: httpx.Response, content: bytes) -> None:
        if response.status_code >= 300:
            raise error_from_status(
                response.status_code, response.headers, content, secret=self._secret
            )

    def _parse(self, response: httpx.Response, content: bytes) -> dict[str, Any]:
        self._check_status(response, content)
        if not content.strip():
            raise errors.APIStatusError(
                "empty response body (OneRouter cold start?)",
                status_code=response.status_code,
                code="empty_response",
            )
        try:
            body = loads(content)
        except JSONDecodeError as exc:
            raise errors.APIStatusError(
                f"response body is not valid JSON ({exc}): "
                + truncate(
                    _redact(content.decode("utf-8", "replace"), self._secret), 300
                ),
                status_code=response.status_code,
            ) from None
        return check_body(body, secret=self._secret)

    def _retrying(self, run_manager: Any, cls: type[Any]) -> Any:
        def log(state: RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            logger.info(
                "OneRouter call failed (%s); retry %d of %d",
                exc,
                state.attempt_number,
                self.max_retries,
            )

        def before_sleep(state: RetryCallState) -> None:
            log(state)
            if run_manager is not None:
                run_manager.on_retry(state)

        async def abefore_sleep(state: RetryCallState) -> None:
            log(state)
            if run_manager is not None:
                await run_manager.on_retry(state)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            return retry_delay(state.attempt_number, getattr(exc, "retry_after", None))

        is_async = cls is AsyncRetrying
        return cls(
            stop=_stop_after(self.max_retries + 1),
            wait=wait,
            retry=_retry_if(is_retryable),
            before_sleep=abefore_sleep if is_async else before_sleep,
            sleep=self.asleep if is_async else self.sleep,
            reraise=True,
        )

    def _retry(self, attempt: Callable[[], _T], run_manager: Any) -> _T:
        """Run `attempt` under the retry policy.

        The first try runs outside tenacity, whose bookkeeping costs more than
        the rest of our per-call work; a retryable failure is then replayed as
        tenacity's first attempt, so waits, `on_retry` callbacks and the final
        error are exactly those of a plain tenacity loop.
        """
        try:
            return attempt()
        except Exception as exc:
            if self.max_retries <= 0 or not is_retryable(exc):
                raise
            pending = [exc]

        def replay() -> _T:
            if pending:
                raise pending.pop()
            return attempt()

        return self._retrying(run_manager, Retrying)(replay)  # type: ignore[no-any-return]

    async def _aretry(self, attempt: Callable[[], Any], run_manager: Any) -> Any:
        """Async counterpart of `_retry` (`attempt` is a coroutine function)."""
        try:
            return await attempt()
        except Exception as exc:
            if self.max_retries <= 0 or not is_retryable(exc):
                raise
            pending = [exc]

        async def replay() -> Any:
            if pending:
                raise pending.pop()
            return await attempt()

        return await self._retrying(run_manager, AsyncRetrying)(replay)

    def post(self, path: str, body: Any, *, run_manager: Any = None) -> dict[str, Any]:
        """POST a JSON body and return the parsed JSON response (retried)."""

        def attempt() -> dict[str, Any]:
            client = self.client
            try:
                response = client.send(self._request(client, path, body, stream=False))
            except httpx.HTTPError as exc:
                raise _map_httpx_error(exc, where=f"calling {path}") from exc
            return self._parse(response, response.content)

        return self._retry(attempt, run_manager)

    async def apost(
        self, path: str, body: Any, *, run_manager: Any = None
    ) -> dict[str, Any]:
        """Async counterpart of `post`."""

        async def attempt() -> dict[str, Any]:
            client = self.aclient
            try:
                response = await client.send(
                    self._request(client, path, body, stream=False)
                )
            except httpx.HTTPError as exc:
                raise _map_httpx_error(exc, where=f"calling {path}") from exc
            return self._parse(response, response.content)

        return await self._aretry(attempt, run_manager)

    def get(self, path: str) -> Any:
        """GET a JSON document (retried like POST)."""

        def attempt() -> Any:
            try:
                response = self.client.get(self.url(path), headers=self._headers)
            except httpx.HTTPError as exc:
                raise _map_httpx_error(exc, where=f"calling {path}") from exc
            self._check_status(response, response.content)
            return loads(response.content)

        return self._retry(attempt, None)

    async def aget(self, path: str) -> Any:
        """Async counterpart of `get`."""

        async def attempt() -> Any:
            try:
                response = await self.aclient.get(self.url(path), headers=self._headers)
            except httpx.HTTPError as exc:
                raise _map_httpx_error(exc, where=f"calling {path}") from exc
            self._check_status(response, response.content)
            return loads(response.content)

        return await self._aretry(attempt, None)

    # -- streaming ---------------------------------------------------------
    def _open_stream(self, path: str, body: Any, run_manager: Any) -> httpx.Response:
        def attempt() -> httpx.Response:
            client = self.client
            try:
                response = client.send(
                    self._request(client, path, body, stream=True), stream=True
                )
            except httpx.HTTPError as exc:
                raise _map_httpx_error(exc, where=f"opening stream {path}") from exc
            if response.status_code >= 300:
                try:
                    content = response.read()
                except httpx.HTTPError:
                    content = b""
                finally:
                    response.close()
                self._check_status(response, content)
            return response

        return self._retry(attempt, run_manager)

    async def _aopen_stream(
        self, path: str, body: Any, run_manager: Any
    ) -> httpx.Response:
        async def attempt() -> httpx.Response:
            client = self.aclient
            try:
                response = await client.send(
                    self._request(client, path, body, stream=True), stream=True
                )
            except httpx.HTTPError as exc:
                raise _map_httpx_error(exc, where=f"opening stream {path}") from exc
            if response.status_code >= 300:
                try:
                    content = await response.aread()
                except httpx.HTTPError:
                    content = b""
                finally:
                    await response.aclose()
                self._check_status(response, content)
            return response

        return await self._aretry(attempt, run_manager)

    def _decode_event(self, name: str, data: str) -> Event | None:
        if not data or data == "[DONE]":
            return None
        if self._secret and self._secret in data and _may_be_error(name, data):
            # The parser turns these events into exceptions; a server that
            # echoes the key there must not put it in our error messages.
            data = _redact(data, self._secret)
        try:
            event = loads(data)
        except JSONDecodeError as exc:
            raise errors.StreamError(
                f"malformed JSON in SSE event {name or '(unnamed)'!r}: {exc}; data: "
                + truncate(_redact(data, self._secret), 200)
            ) from None
        if not isinstance(event, dict):
            raise errors.StreamError(
                f"SSE event {name or '(unnamed)'!r} is not a JSON object: "
                + truncate(data, 200)
            )
        if name and "type" not in event:
            event["type"] = name
        return event

    def _non_sse_event(self, response: httpx.Response, content: bytes) -> Event:
        """A server that answered a stream request with one JSON body."""
        return {
            "type": "response.completed",
            "response": self._parse(response, content),
        }

    def stream(
        self, path: str, body: Any, *, run_manager: Any = None
    ) -> Generator[Event, None, None]:
        """POST with `stream: true` and yield each SSE event as a dict.

        The opening is retried; once a byte of the stream has arrived nothing is.
        Closing the generator closes the HTTP response at once.
        """
        response = self._open_stream(path, body, run_manager)
        try:
            if not _is_event_stream(response):
                yield self._non_sse_event(response, response.read())
                return
            try:
                for sse in EventSource(response).iter_sse():
                    event = self._decode_event(sse.event, sse.data)
                    if event is not None:
                        yield event
            except httpx.HTTPError as exc:
                raise _map_stream_error(exc) from exc
        finally:
            response.close()

    async def astream(
        self, path: str, body: Any, *, run_manager: Any = None
    ) -> AsyncGenerator[Event, None]:
        """Async counterpart of `stream`."""
        response = await self._aopen_stream(path, body, run_manager)
        try:
            if not _is_event_stream(response):
                yield self._non_sse_event(response, await response.aread())
                return
            try:
                async for sse in EventSource(response).aiter_sse():
                    event = self._decode_event(sse.event, sse.data)
                    if event is not None:
                        yield event
            except httpx.HTTPError as exc:
                raise _map_stream_error(exc) from exc
        finally:
            await response.aclose()


def _may_be_error(name: str, data: str) -> bool:
    return name in ("error", "response.failed") or bool(_ERROR_TYPE.search(data))


def _is_event_stream(response: httpx.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")


def _map_stream_error(exc: httpx.HTTPError) -> errors.OneRouterError:
    if isinstance(exc, httpx.TimeoutException):
        return errors.APITimeoutError(
            f"stream stalled: no data within the read timeout ({exc})"
        )
    return errors.StreamError(
        f"connection lost mid-stream ({type(exc).__name__}: {exc}); "
        "the response is incomplete"
    )
