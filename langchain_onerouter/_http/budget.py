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

>>> sse = SSEDecoder(max_line=100, max_event=1000)
>>> sse.feed(b"event: e\\r\\n: ping\\ndata")
[]
>>> sse.feed(b": b\\n\\n")
[('e', 'b')]
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, AnyStr

from langchain_onerouter import errors

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


class SSEDecoder:
    """Bytes to SSE events, as the WHATWG event-stream rules say: lines end
    in `\\n`, `\\r\\n` or `\\r`, a blank line ends an event, `:` starts a
    comment; no line over `max_line` bytes, no event whose data lines
    together hold over `max_event` characters.

    Each chunk's complete lines are decoded at once and scanned in one loop,
    as a line or an event costing a call of its own shows in long streams.
    `heard` says whether the last chunk completed an event with data (the
    idle bound's progress). Bytes that are not UTF-8 raise `StreamError`.
    """

    def __init__(self, max_line: int, max_event: int) -> None:
        self.max_line = max_line
        self.max_event = max_event
        self.heard = False
        self._held: list[bytes] = []  # the unfinished line, in pieces
        self._size = 0
        self._after_cr = False  # a chunk ended in \r: skip a leading \n
        self._name = ""
        self._data: list[str] = []
        self._event_size = 0  # characters in `_data`, newlines included

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """The events completed by `chunk` (name, data)."""
        if not chunk:  # keeps `_after_cr`: a \r\n may straddle it
            self.heard = False
            return []
        if self._after_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        self._after_cr = chunk.endswith(b"\r")
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r")) + 1
        if not end:  # no line ends here: hold it all
            self._hold(chunk)
            self.heard = False
            return []
        lines = chunk[:end]
        if self._held:
            lines = b"".join([*self._held, lines])
            self._held, self._size = [], 0
        self._hold(chunk[end:])
        if len(lines) > self.max_line and any(
            len(line) > self.max_line for line in _split(lines)
        ):
            raise _line_too_long(self.max_line)
        return self._lines(_split(_utf8(lines))[:-1])

    def end(self) -> list[tuple[str, str]]:
        """The events of the unterminated last line (none: an event needs a
        blank line to end it)."""
        rest, self._held, self._size = b"".join(self._held), [], 0
        return self._lines([_utf8(rest)] if rest else [])

    def _hold(self, piece: bytes) -> None:
        self._held.append(piece)
        self._size += len(piece)
        if self._size > self.max_line:
            raise _line_too_long(self.max_line)

    def _lines(self, lines: list[str]) -> list[tuple[str, str]]:
        events: list[tuple[str, str]] = []
        heard = False
        for line in lines:
            if not line:
                heard = heard or bool(self._data)
                if self._data or self._name:
                    events.append((self._name or "message", "\n".join(self._data)))
                    self._name, self._data, self._event_size = "", [], 0
            elif line[0] != ":":
                name, _, value = line.partition(":")
                if value[:1] == " ":
                    value = value[1:]
                if name == "data":
                    self._data.append(value)
                    self._event_size += len(value) + 1
                    if self._event_size > self.max_event:
                        self._data, self._event_size = [], 0  # free it now
                        raise errors.ResponseTooLargeError(
                            "one SSE event's data exceeds max_response_bytes="
                            f"{self.max_event} (its data: lines together)"
                        )
                elif name == "event":
                    self._name = value
        self.heard = heard
        return events


def _utf8(lines: bytes) -> str:
    # Complete lines only: a multi-byte character never spans the cut.
    try:
        return lines.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.StreamError(
            f"the event stream is not valid UTF-8 ({exc.reason} at byte "
            f"{exc.start} of a chunk); the response is unusable"
        ) from None


def _line_too_long(max_line: int) -> errors.ResponseTooLargeError:
    return errors.ResponseTooLargeError(
        f"an SSE line exceeds max_sse_line_bytes={max_line}"
    )


def _split(text: AnyStr) -> list[AnyStr]:
    """`text` cut at each `\\n`, `\\r\\n` or `\\r` (`splitlines` also cuts at
    form feeds and more, which SSE does not)."""
    if isinstance(text, bytes):
        return text.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
