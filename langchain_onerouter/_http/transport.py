"""All network I/O: httpx2 clients, auth, timeouts, retries, SSE, errors.

Nothing else in the package touches a socket. Sync and async paths differ only
here; both feed the same pure mapping code (`_mapping/`). The pieces beside it:
`pool` (clients), `budget` (deadlines, caps, SSE decoding), `retry`,
`boundary` (every failure to a typed error).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import socket
import threading
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterator
from contextlib import suppress
from typing import Any

import httpx2
from pydantic import SecretStr

from langchain_onerouter import errors
from langchain_onerouter._http.boundary import Boundary, http_errors, malformed
from langchain_onerouter._http.budget import Budget, Limits
from langchain_onerouter._http.pool import ClientPool
from langchain_onerouter._http.retry import RetryPolicy
from langchain_onerouter._mapping.jsonutil import dumps
from langchain_onerouter._version import __version__

logger = logging.getLogger("langchain_onerouter.transport")

DEFAULT_TIMEOUT = httpx2.Timeout(600.0, connect=10.0)
"""Read timeout 600 s (it is also the per-event stall bound of a stream)."""
# Every connection may stay alive: with fewer, each burst after the first
# reopens the difference (a TLS handshake each) when the pool drains.
DEFAULT_LIMITS = httpx2.Limits(max_connections=100, max_keepalive_connections=100)
# After the terminal event the rest of a stream (a `data: [DONE]`, the chunked
# body's last frame) is read only if it arrives within a short grace, so httpx2
# returns the connection to the pool; a server still talking past these
# bounds, or holding the socket open, has its connection dropped instead: the
# caller, whose answer is complete, never waits on it. A drain handed to a
# thread or task could not keep reuse: the next call would find it busy.
TERMINAL_EVENTS = frozenset(
    {"response.completed", "response.incomplete", "response.failed"}
)
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 0.2

Event = dict[str, Any]
# An opened stream: the response, its raw SSE events (None for a JSON body)
# and its first event.
_Opened = tuple[httpx2.Response, Iterator[tuple[str, str]] | None, Event]
_AOpened = tuple[httpx2.Response, AsyncIterator[tuple[str, str]] | None, Event]
_ACCEPT = {False: "application/json", True: "text/event-stream"}


class Transport:
    """Owns the pooled httpx2 clients of one model instance; retries per `retry`.

    Args:
        base_url: API root, e.g. `https://llm.onerouter.pro/v1`.
        api_key: Bearer token (never logged, never put in errors).
        timeout: `httpx2.Timeout`, seconds, or None for the default.
        max_retries: Retries after the first attempt (see `retry.RetryPolicy`).
        retry: The whole retry policy (overrides `max_retries`), e.g.
            `RetryPolicy(2, sleep=fake_sleep)` in tests.
        default_headers: Extra headers for every request.
        http_client / http_async_client: Your own clients (then their pool,
            proxies and TLS settings are used, and they are never closed here).
    """

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None,
        timeout: float | httpx2.Timeout | None = None,
        max_retries: int = 2,
        retry: RetryPolicy | None = None,
        default_headers: dict[str, str] | None = None,
        http_client: httpx2.Client | None = None,
        http_async_client: httpx2.AsyncClient | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        secret = api_key.get_secret_value() if api_key else None
        self._boundary = Boundary(secret)
        self.retry = retry or RetryPolicy(max_retries)
        self.timeout = as_timeout(timeout)
        self._headers = {
            "Content-Type": "application/json",
            "User-Agent": f"langchain-onerouter/{__version__}",
            **(default_headers or {}),
        }
        if secret:
            self._headers["Authorization"] = f"Bearer {secret}"
        self._clients = ClientPool(
            {
                "timeout": self.timeout or DEFAULT_TIMEOUT,
                "limits": DEFAULT_LIMITS,
                "follow_redirects": False,
            },
            http_client=http_client,
            http_async_client=http_async_client,
        )
        if http_client is None or http_async_client is None:
            _warn_if_env_proxy_sees_key(self.base_url)
        read = (self.timeout or DEFAULT_TIMEOUT).read
        self.limits = limits or Limits()
        if self.limits.idle_timeout is not None and read is not None:
            self.limits = dataclasses.replace(self.limits, idle_timeout=read)

    # -- clients (lifecycle under threads, loops and forks: see pool.py) ------
    @property
    def client(self) -> httpx2.Client:
        """This process's pooled sync client (created on first use, reused)."""
        return self._clients.sync()

    @property
    def aclient(self) -> httpx2.AsyncClient:
        """The pooled async client of the running event loop."""
        return self._clients.current_async()

    def close(self) -> None:
        """Close the sync client this transport created (injected ones are yours)."""
        self._clients.close()

    async def aclose(self) -> None:
        """Close the sync client and this loop's async client (not yours)."""
        await self._clients.aclose()

    # -- requests ----------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _request(
        self,
        client: httpx2.Client | httpx2.AsyncClient,
        path: str,
        budget: Budget,
        body: Any = None,
        *,
        stream: bool = False,
    ) -> httpx2.Request:
        """A POST of `body` (a GET when None), timed within the budget."""
        timeout = budget.timeouts(self.timeout or client.timeout)
        return client.build_request(
            "GET" if body is None else "POST",
            self.url(path),
            content=None if body is None else dumps(body),
            headers={**self._headers, "Accept": _ACCEPT[stream]},
            extensions={"timeout": timeout},
        )

    def _read(
        self, client: httpx2.Client, request: httpx2.Request, budget: Budget, path: str
    ) -> tuple[httpx2.Response, bytes]:
        """Send `request` and read its body within the budget's caps."""
        with self._boundary.map_exceptions(f"calling {path}"):
            response = client.send(request, stream=True)
            try:
                return response, budget.read(response)
            finally:
                response.close()

    async def _aread(
        self,
        client: httpx2.AsyncClient,
        request: httpx2.Request,
        budget: Budget,
        path: str,
    ) -> tuple[httpx2.Response, bytes]:
        with self._boundary.map_exceptions(f"calling {path}"):
            response = await client.send(request, stream=True)
            try:
                return response, await budget.aread(response)
            finally:
                await response.aclose()

    def post(self, path: str, body: Any, *, run_manager: Any = None) -> dict[str, Any]:
        """POST a JSON body and return the parsed JSON response (retried)."""

        budget = self.limits.start()

        def attempt() -> dict[str, Any]:
            client = self.client
            request = self._request(client, path, budget, body)
            response, content = self._read(client, request, budget, path)
            return self._boundary.json_body(response, content)

        return self.retry.call(attempt, run_manager, budget.remaining)

    async def apost(
        self, path: str, body: Any, *, run_manager: Any = None
    ) -> dict[str, Any]:
        """Async counterpart of `post`."""

        budget = self.limits.start()

        async def attempt() -> dict[str, Any]:
            client = self.aclient
            request = self._request(client, path, budget, body)
            response, content = await self._aread(client, request, budget, path)
            return self._boundary.json_body(response, content)

        return await self.retry.acall(attempt, run_manager, budget.remaining)

    def get(self, path: str) -> Any:
        """GET a JSON document (retried, and capped, like POST)."""

        budget = self.limits.start()

        def attempt() -> Any:
            client = self.client
            request = self._request(client, path, budget)
            response, content = self._read(client, request, budget, path)
            return self._boundary.json_document(response, content)

        return self.retry.call(attempt, None, budget.remaining)

    async def aget(self, path: str) -> Any:
        """Async counterpart of `get`."""

        budget = self.limits.start()

        async def attempt() -> Any:
            client = self.aclient
            request = self._request(client, path, budget)
            response, content = await self._aread(client, request, budget, path)
            return self._boundary.json_document(response, content)

        return await self.retry.acall(attempt, None, budget.remaining)

    # -- streaming ---------------------------------------------------------
    # An attempt lasts until the stream's first event: an empty 200 body (a
    # cold start) or a failure before it is retried as on `post`; once an
    # event was yielded nothing is.
    def _open_stream(
        self, path: str, body: Any, run_manager: Any, budget: Budget
    ) -> _Opened:
        def attempt() -> _Opened:
            client = self.client
            request = self._request(client, path, budget, body, stream=True)
            with self._boundary.map_exceptions(f"opening stream {path}"):
                response = client.send(request, stream=True)
            try:
                if response.status_code >= 300:
                    content = b""  # best effort: the status alone still maps
                    with suppress(*http_errors(), errors.ResponseTooLargeError):
                        content = budget.read(response)
                    self._boundary.raise_for_status(response, content)
                with self._boundary.map_exceptions(f"calling {path}"):
                    if not _is_event_stream(response):
                        return (
                            response,
                            None,
                            self._non_sse_event(response, budget.read(response)),
                        )
                    raw = budget.iter_sse(response)
                    return response, raw, self._first(response, raw)
            except BaseException:
                response.close()
                raise

        return self.retry.call(attempt, run_manager, budget.remaining)

    async def _aopen_stream(
        self, path: str, body: Any, run_manager: Any, budget: Budget
    ) -> _AOpened:
        async def attempt() -> _AOpened:
            client = self.aclient
            request = self._request(client, path, budget, body, stream=True)
            with self._boundary.map_exceptions(f"opening stream {path}"):
                response = await client.send(request, stream=True)
            try:
                if response.status_code >= 300:
                    content = b""  # best effort: the status alone still maps
                    with suppress(*http_errors(), errors.ResponseTooLargeError):
                        content = await budget.aread(response)
                    self._boundary.raise_for_status(response, content)
                with self._boundary.map_exceptions(f"calling {path}"):
                    if not _is_event_stream(response):
                        content = await budget.aread(response)
                        return response, None, self._non_sse_event(response, content)
                    raw = budget.aiter_sse(response)
                    async for name, data in raw:
                        if (
                            event := self._boundary.decode_event(name, data)
                        ) is not None:
                            return response, raw, event
                    raise _empty(response)
            except BaseException:
                await response.aclose()
                raise

        return await self.retry.acall(attempt, run_manager, budget.remaining)

    def _first(
        self, response: httpx2.Response, raw: Iterator[tuple[str, str]]
    ) -> Event:
        """The stream's first event (keep-alives and `[DONE]` skipped)."""
        for name, data in raw:
            if (event := self._boundary.decode_event(name, data)) is not None:
                return event
        raise _empty(response)

    def _non_sse_event(self, response: httpx2.Response, content: bytes) -> Event:
        """A server that answered a stream request with one JSON body."""
        return {
            "type": "response.completed",
            "response": self._boundary.json_body(response, content),
        }

    def stream(
        self, path: str, body: Any, *, run_manager: Any = None
    ) -> Generator[Event, None, None]:
        """POST with `stream: true` and yield each SSE event as a dict.

        The opening is retried up to the first event; after it nothing is.
        Closing the generator closes the HTTP response at once.
        """
        budget = self.limits.start()
        response, events, first = self._open_stream(path, body, run_manager, budget)
        try:
            complete = first.get("type") in TERMINAL_EVENTS
            yield first
            if events is None:
                return
            try:
                with self._boundary.map_exceptions(path, mid_stream=True):
                    for name, data in events:
                        event = self._boundary.decode_event(name, data)
                        if event is not None:
                            complete = complete or event.get("type") in TERMINAL_EVENTS
                            yield event
            finally:
                if complete:
                    _drain(events, response)
        finally:
            response.close()

    async def astream(
        self, path: str, body: Any, *, run_manager: Any = None
    ) -> AsyncGenerator[Event, None]:
        """Async counterpart of `stream`."""
        budget = self.limits.start()
        opened = await self._aopen_stream(path, body, run_manager, budget)
        response, events, first = opened
        try:
            complete = first.get("type") in TERMINAL_EVENTS
            yield first
            if events is None:
                return
            try:
                with self._boundary.map_exceptions(path, mid_stream=True):
                    async for name, data in events:
                        event = self._boundary.decode_event(name, data)
                        if event is not None:
                            complete = complete or event.get("type") in TERMINAL_EVENTS
                            yield event
            finally:
                if complete:
                    await _adrain(events)
        finally:
            await response.aclose()


def as_timeout(value: Any) -> httpx2.Timeout | None:
    """Seconds, an `httpx2.Timeout` or a legacy `httpx.Timeout` as httpx2's."""
    if value is None or isinstance(value, httpx2.Timeout):
        return value
    if hasattr(value, "as_dict"):  # legacy httpx.Timeout: the same four phases
        return httpx2.Timeout(**value.as_dict())
    return httpx2.Timeout(float(value))


def _drain(events: Iterator[tuple[str, str]], response: httpx2.Response) -> None:
    """Read the rest of a finished stream, bounded by `DRAIN_BYTES` and
    `DRAIN_SECONDS` (a watchdog shuts the socket of a server that stalls)."""
    watchdog = threading.Timer(DRAIN_SECONDS, _shut_down, (response,))
    watchdog.daemon = True
    watchdog.start()
    broken: tuple[type[Exception], ...] = (*http_errors(), errors.OneRouterError)
    try:
        _read_within(events, DRAIN_BYTES, time.monotonic() + DRAIN_SECONDS)
    except broken:
        pass  # the response is complete: a broken tail only costs the connection
    finally:
        watchdog.cancel()


def _read_within(
    events: Iterator[tuple[str, str]], budget: int, deadline: float
) -> None:
    for name, data in events:
        budget -= len(name) + len(data)
        if budget < 0 or time.monotonic() > deadline:
            return


def _shut_down(response: httpx2.Response) -> None:
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is not None and not response.is_closed:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked read


async def _adrain(events: AsyncIterator[tuple[str, str]]) -> None:
    """Async counterpart of `_drain` (a timeout cancels the read)."""

    async def read() -> None:
        budget = DRAIN_BYTES
        async for name, data in events:
            budget -= len(name) + len(data)
            if budget < 0:
                return

    with suppress(TimeoutError, *http_errors(), errors.OneRouterError):
        async with asyncio.timeout(DRAIN_SECONDS):
            await read()


def _warn_if_env_proxy_sees_key(base_url: str) -> None:
    """httpx2 follows HTTP(S)_PROXY/ALL_PROXY (`trust_env`); for a plain-http
    base URL the proxy then reads the API key in clear: say so, once per
    transport, as for a plain-http host."""
    url = urllib.parse.urlsplit(base_url)
    if url.scheme != "http" or not url.hostname:
        return
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get("http") or proxies.get("all")
    bypass = urllib.request.proxy_bypass_environment  # type: ignore[attr-defined]
    if proxy and not bypass(url.netloc, proxies):
        warnings.warn(
            f"HTTP_PROXY/ALL_PROXY from the environment ({urllib.parse.urlsplit(proxy).hostname}) "
            f"applies to the plain-http base_url {base_url!r}: the proxy sees the "
            "API key in clear. Use https://, or set NO_PROXY for this host.",
            UserWarning,
            stacklevel=4,
        )


def _empty(response: httpx2.Response) -> errors.OneRouterError:
    return malformed(
        "empty event stream: no event before the body ended (OneRouter cold start?)",
        status_code=response.status_code,
        code="empty_response",
    )


def _is_event_stream(response: httpx2.Response) -> bool:
    return "text/event-stream" in response.headers.get("content-type", "")
