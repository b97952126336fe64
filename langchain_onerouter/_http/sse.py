"""SSE framing: bytes to `(event, data)` pairs, as the WHATWG event-stream
rules say, with the size caps and the UTF-8 rule of `budget.py`.

>>> sse = SSEDecoder(max_line=100, max_event=1000)
>>> sse.feed(b"event: e\\r\\n: ping\\ndata")
[]
>>> sse.feed(b": b\\n\\n")
[('e', 'b')]
"""

from __future__ import annotations

from typing import AnyStr

from langchain_onerouter import errors


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
