"""What one call may spend: a total deadline, an idle bound on streams, and
caps on the bytes it holds in memory. Used by `transport` for every call.

- `total_timeout` (seconds, default 1800): the whole call, every attempt
  and retry wait and the stream to its last event. httpx2's timeouts bound
  each read; this bounds a server that drips a byte every half second.
- Idle: a stream with no event carrying data for the read timeout raises
  `APITimeoutError`; SSE comments (`: keep-alive`) and data-less field lines
  (`id:`, `retry:`, a lone `event:`) count as silence, as only data is
  progress (else an `id:` every 0.2 s would hold a call to `total_timeout`).
- Encoding: an event stream must be UTF-8, as a JSON body must; an invalid
  byte raises `StreamError` instead of being replaced, so a corrupted stream
  never reaches the caller as text it did not send.
- `max_response_bytes` (default 64 MiB): a JSON body, after decompression
  (a gzip bomb stops there), and the data of one SSE event (its `data:`
  lines together, counted in characters: an event is one JSON document).
  `max_sse_line_bytes` (default 16 MiB): one SSE line. Over a cap:
  `ResponseTooLargeError`, never a `MemoryError`.

SSE framing itself (lines, events, UTF-8) is `sse.py`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from langchain_onerouter import errors
from langchain_onerouter._http.sse import SSEDecoder

if TYPE_CHECKING:
    import httpx2

DEFAULT_TOTAL_TIMEOUT = 1800.0
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_SSE_LINE_BYTES = 16 * 1024 * 1024
TOTAL_TIMEOUT_CODE = "total_timeout"


@dataclass(frozen=True)
class Limits:
    """The per-call limits of a transport (see the module docstring)."""

    total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT
    idle_timeout: float | None = 600.0
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    max_sse_line_bytes: int = DEFAULT_MAX_SSE_LINE_BYTES

    def start(self) -> Budget:
        """The budget of one call, its clock started now."""
        return Budget(self)


@dataclass
class Budget:
    """One call's clock against its `Limits`."""

    limits: Limits
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float | None:
        total = self.limits.total_timeout
        return None if total is None else total - (time.monotonic() - self.started)

    def check(self) -> None:
        """Raise `APITimeoutError` (never retried) once the deadline passed."""
        left = self.remaining()
        if left is not None and left <= 0:
            raise errors.APITimeoutError(
                f"total_timeout of {self.limits.total_timeout:g} s exceeded: the "
                "call (all attempts and the stream) took too long",
                code=TOTAL_TIMEOUT_CODE,
            )

    def timeouts(self, timeout: httpx2.Timeout) -> dict[str, float | None]:
        """httpx2's per-phase timeouts, none longer than the time left."""
        self.check()
        left = self.remaining()
        phases = timeout.as_dict()
        if left is None:
            return phases
        return {k: left if v is None else min(v, left) for k, v in phases.items()}

    # -- bodies ------------------------------------------------------------
    def read(self, response: httpx2.Response) -> bytes:
        """The decoded body of a streamed `response`, within the caps."""
        body = bytearray()
        for chunk in response.iter_bytes():
            self._take(body, chunk, response)
        return bytes(body)

    async def aread(self, response: httpx2.Response) -> bytes:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            self._take(body, chunk, response)
        return bytes(body)

    def _take(self, body: bytearray, chunk: bytes, response: httpx2.Response) -> None:
        body += chunk
        if len(body) > self.limits.max_response_bytes:
            raise errors.ResponseTooLargeError(
                f"response body exceeds max_response_bytes="
                f"{self.limits.max_response_bytes} (after decompression)",
                status_code=response.status_code,
            )
        self.check()

    # -- streams -----------------------------------------------------------
    def iter_sse(self, response: httpx2.Response) -> Iterator[tuple[str, str]]:
        """(event name, data) of each SSE event of `response`."""
        sse = self._decoder()
        idle = _Idle(self.limits.idle_timeout)
        for chunk in response.iter_bytes():
            yield from self._checked(sse.feed(chunk), sse, idle)
        yield from self._checked(sse.end(), sse, idle)

    async def aiter_sse(
        self, response: httpx2.Response
    ) -> AsyncIterator[tuple[str, str]]:
        sse = self._decoder()
        idle = _Idle(self.limits.idle_timeout)
        async for chunk in response.aiter_bytes():
            for event in self._checked(sse.feed(chunk), sse, idle):
                yield event
        for event in self._checked(sse.end(), sse, idle):
            yield event

    def _decoder(self) -> SSEDecoder:
        return SSEDecoder(
            self.limits.max_sse_line_bytes, self.limits.max_response_bytes
        )

    def _checked(
        self, events: list[tuple[str, str]], sse: SSEDecoder, idle: _Idle
    ) -> list[tuple[str, str]]:
        """`events` of one chunk, once the idle bound and deadline allow."""
        if sse.heard:  # an event with data; comments and bare fields are silence
            idle.reset()
        idle.check()
        self.check()
        return events


class _Idle:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.reset()

    def reset(self) -> None:
        self.since = time.monotonic()

    def check(self) -> None:
        if self.seconds is not None and time.monotonic() - self.since > self.seconds:
            raise errors.APITimeoutError(
                f"stream stalled: no event with data for {self.seconds:g} s "
                "(the read timeout; keep-alive comments do not count, nor "
                "data-less fields such as id:)"
            )
