"""What one call may spend: a total deadline, an idle bound on streams, and
caps on the bytes it holds in memory. Used by `transport` for every call.

- `total_timeout` (seconds, default 1800): the whole call, every attempt
  and retry wait and the stream to its last event. httpx's timeouts bound
  each read; this bounds a server that drips a byte every half second.
- Idle: a stream with no event (or field line) for the read timeout raises
  `APITimeoutError`; SSE comments (`: keep-alive`) count as silence, as the
  spec makes them keep-alives, not data.
- `max_response_bytes` (default 64 MiB): a JSON body, after decompression
  (a gzip bomb stops there). `max_sse_line_bytes` (default 16 MiB): one SSE
  line. Over a cap: `ResponseTooLargeError`, never a `MemoryError`.

>>> lines = SSELines(max_line=100)
>>> lines.feed(b"data: a\\r\\n: ping\\ndata")
['data: a', ': ping']
>>> lines.feed(b": b\\n\\n")
['data: b', '']
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from langchain_onerouter import errors

if TYPE_CHECKING:
    import httpx

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

    def timeouts(self, timeout: httpx.Timeout) -> dict[str, float | None]:
        """httpx's per-phase timeouts, none longer than the time left."""
        self.check()
        left = self.remaining()
        phases = timeout.as_dict()
        if left is None:
            return phases
        return {k: left if v is None else min(v, left) for k, v in phases.items()}

    # -- bodies ------------------------------------------------------------
    def read(self, response: httpx.Response) -> bytes:
        """The decoded body of a streamed `response`, within the caps."""
        body = bytearray()
        for chunk in response.iter_bytes():
            self._take(body, chunk, response)
        return bytes(body)

    async def aread(self, response: httpx.Response) -> bytes:
        body = bytearray()
        async for chunk in response.aiter_bytes():
            self._take(body, chunk, response)
        return bytes(body)

    def _take(self, body: bytearray, chunk: bytes, response: httpx.Response) -> None:
        body += chunk
        if len(body) > self.limits.max_response_bytes:
            raise errors.ResponseTooLargeError(
                f"response body exceeds max_response_bytes="
                f"{self.limits.max_response_bytes} (after decompression)",
                status_code=response.status_code,
            )
        self.check()

    # -- streams -----------------------------------------------------------
    def iter_sse(self, response: httpx.Response) -> Iterator[tuple[str, str]]:
        """(event name, data) of each SSE event of `response`."""
        lines, events = SSELines(self.limits.max_sse_line_bytes), SSEEvents()
        idle = _Idle(self.limits.idle_timeout)
        for chunk in response.iter_bytes():
            yield from self._events(lines.feed(chunk), events, idle)
        yield from self._events(lines.end(), events, idle)

    async def aiter_sse(
        self, response: httpx.Response
    ) -> AsyncIterator[tuple[str, str]]:
        lines, events = SSELines(self.limits.max_sse_line_bytes), SSEEvents()
        idle = _Idle(self.limits.idle_timeout)
        async for chunk in response.aiter_bytes():
            for event in self._events(lines.feed(chunk), events, idle):
                yield event
        for event in self._events(lines.end(), events, idle):
            yield event

    def _events(
        self, lines: list[str], events: SSEEvents, idle: _Idle
    ) -> Iterator[tuple[str, str]]:
        for line in lines:
            if line and not line.startswith(":"):
                idle.reset()  # a field line; comments and blank lines are silence
            if (event := events.feed(line)) is not None:
                yield event
        idle.check()
        self.check()


class _Idle:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.reset()

    def reset(self) -> None:
        self.since = time.monotonic()

    def check(self) -> None:
        if self.seconds is not None and time.monotonic() - self.since > self.seconds:
            raise errors.APITimeoutError(
                f"stream stalled: no event for {self.seconds:g} s (the read "
                "timeout; keep-alive comments do not count)"
            )


class SSELines:
    """Bytes to lines (`\\n`, `\\r\\n` or `\\r`), no line over `max_line` bytes.

    Each chunk is scanned once, so a long line costs linear time.
    """

    def __init__(self, max_line: int) -> None:
        self.max_line = max_line
        self._held: list[bytes] = []  # the unfinished line, in pieces
        self._size = 0
        self._after_cr = False  # a chunk ended in \r: skip a leading \n

    def feed(self, chunk: bytes) -> list[str]:
        if self._after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._after_cr = chunk.endswith(b"\r")
        parts = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        tail = parts.pop()
        lines = []
        if parts:
            parts[0] = b"".join([*self._held, parts[0]])
            lines, self._held, self._size = parts, [], 0
        self._held.append(tail)
        self._size += len(tail)
        if self._size > self.max_line or any(len(p) > self.max_line for p in lines):
            raise errors.ResponseTooLargeError(
                f"an SSE line exceeds max_sse_line_bytes={self.max_line}"
            )
        return [line.decode("utf-8", "replace") for line in lines]

    def end(self) -> list[str]:
        """The last line, unterminated (its event is not dispatched)."""
        rest, self._held, self._size = b"".join(self._held), [], 0
        return [rest.decode("utf-8", "replace")] if rest else []


class SSEEvents:
    """Lines to events, as the WHATWG event-stream rules say."""

    def __init__(self) -> None:
        self._name = ""
        self._data: list[str] = []

    def feed(self, line: str) -> tuple[str, str] | None:
        if not line:
            if not self._data and not self._name:
                return None
            event = (self._name or "message", "\n".join(self._data))
            self._name, self._data = "", []
            return event
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            self._name = value
        elif name == "data":
            self._data.append(value)
        return None
