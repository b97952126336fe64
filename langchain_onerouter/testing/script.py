"""Scripted replies, injected faults and the record of requests received.

Everything a test queues is served in order, one entry per POST request
(`/v1/responses`, `/v1/embeddings`, `/v1/rerank`); when the queue is empty the
deterministic stand-in model answers.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import threading
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_onerouter.testing.model import PHASES


@dataclass(frozen=True)
class ToolCall:
    """A function call the emulator should make.

    `arguments` is a dict (sent as JSON) or a raw string (sent verbatim, so you
    can script malformed arguments).

    >>> ToolCall("get_weather", {"city": "Paris"}).arguments_json()
    '{"city": "Paris"}'
    """

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), ensure_ascii=False)

    @classmethod
    def coerce(cls, value: ToolCall | Mapping[str, Any]) -> ToolCall:
        """Accept a `ToolCall` or a LangChain-style dict (`name`, `args`, `id`)."""
        if isinstance(value, ToolCall):
            return value
        arguments = value.get("arguments", value.get("args", {}))
        return cls(
            name=str(value["name"]),
            arguments=arguments,
            call_id=value.get("call_id") or value.get("id"),
        )


@dataclass
class Reply:
    """One scripted answer to one request.

    Content (any combination; when none is given the stand-in model writes it,
    so a `Reply` can carry only a fault):
        text: the assistant text.
        tool_calls: function calls to emit (`ToolCall` or dicts).
        reasoning: a reasoning summary; the item gets signed
            `encrypted_content` when the request's `include` asks for it.
        reasoning_text: raw reasoning (a `reasoning_text` content part,
            streamed as `response.reasoning_text.delta`).
        annotations: annotations of the text (e.g. `url_citation`s), also
            streamed as `response.output_text.annotation.added`.
        phase: the `phase` of the answer's message (`"commentary"` or
            `"final_answer"`), scripted `text` or the stand-in's.
        messages: assistant messages sent before the answer, in order: each
            a string or `{"text": ..., "phase": ...}`. They do not replace
            the answer: without `text` or `tool_calls` the stand-in still
            writes one after them.
        items: other output items, sent verbatim in the order given (e.g. a
            `custom_tool_call`, a `web_search_call`, or an item type your code
            must survive); next to `text` or `tool_calls`, reasoning items
            come before them and the others after.
        usage: a `usage` object overriding the counted one.

    Faults:
        status: an HTTP status other than 200 answers with the documented error
            body (`error_message`, `error_code`) and no response object.
        retry_after: a `Retry-After` header (seconds).
        should_retry: an `x-should-retry: true|false` header (the server's
            word on whether retrying can help).
        headers: extra response headers.
        latency: seconds to wait before answering.
        drop_after: when streaming, close the connection after this many events.
        fail: end with an `error` event and `response.failed` (streaming) or a
            200 body whose `status` is `failed` (JSON).
        incomplete: end as `response.incomplete` with this reason.
        raw_body: send this instead of JSON (as the body, or as a stream's
            first `data:` line).

    Example:
        ```python
        emu.push(Reply(text="slow answer", latency=1.5))
        emu.push(Reply(status=429, retry_after=2))
        emu.push(Reply(tool_calls=[ToolCall("search", {"q": "x"})], drop_after=4))
        sql = {"type": "custom_tool_call", "name": "run_sql", "input": "SELECT 1"}
        emu.push(Reply(items=[sql]))
        emu.push(Reply(status=500, should_retry=False))
        note = {"text": "Checking the schema.", "phase": "commentary"}
        emu.push(Reply(messages=[note], text='{"ok": true}', phase="final_answer"))
        ```
    """

    text: str | None = None
    tool_calls: Sequence[ToolCall | Mapping[str, Any]] = ()
    reasoning: str | None = None
    reasoning_text: str | None = None
    annotations: Sequence[Mapping[str, Any]] = ()
    phase: str | None = None
    messages: Sequence[str | Mapping[str, Any]] = ()
    items: Sequence[Mapping[str, Any]] = ()
    usage: Mapping[str, Any] | None = None
    status: int = 200
    error_message: str | None = None
    error_code: str | int | None = None
    retry_after: float | None = None
    should_retry: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    latency: float = 0.0
    drop_after: int | None = None
    fail: bool = False
    incomplete: str | None = None
    raw_body: bytes | str | None = None

    def __post_init__(self) -> None:
        self.message_plan()  # a bad phase fails when scripted, not when served

    def message_plan(self) -> list[tuple[str, str | None]]:
        """`messages` as (text, phase), checked; `phase` too."""
        found: list[tuple[str, str | None]] = []
        for index, message in enumerate(self.messages):
            if isinstance(message, str):
                found.append((message, None))
                continue
            text = message.get("text") if isinstance(message, Mapping) else None
            if not isinstance(text, str):
                raise ValueError(f"messages[{index}] needs a string 'text'")
            found.append((text, _phase(message.get("phase"), f"messages[{index}]")))
        _phase(self.phase, "phase")
        return found

    @property
    def has_content(self) -> bool:
        return (
            self.text is not None
            or bool(self.tool_calls)
            or self.reasoning is not None
            or self.reasoning_text is not None
            or bool(self.items)
        )


def _phase(value: Any, where: str) -> str | None:
    if value is None or value in PHASES:
        return value
    raise ValueError(
        f"{where}: phase must be one of {', '.join(PHASES)}, not {value!r}"
    )


@dataclass(frozen=True)
class RecordedRequest:
    """A request the emulator received (`body` is the parsed JSON or None).

    Example:
        ```python
        last = emu.requests[-1]
        assert last.headers["authorization"].startswith("Bearer ")
        assert last.body["model"] == "o4-mini" and not last.stream
        ```
    """

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any

    @property
    def stream(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("stream"))


MAX_RECORDED = 1000
"""Requests the log keeps by default (the oldest go first)."""
MAX_RECORDED_BYTES = 64 << 20
"""Body bytes the log keeps by default (the oldest requests go first)."""


class Script:
    """Thread-safe queue of replies and a bounded log of recorded requests:
    at most `max_requests` requests and `max_bytes` body bytes, the oldest
    dropped first."""

    def __init__(
        self, max_requests: int = MAX_RECORDED, max_bytes: int = MAX_RECORDED_BYTES
    ) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._requests: deque[RecordedRequest] = deque()
        self._bytes = 0
        self.max_requests = max_requests
        self.max_bytes = max_bytes

    def push(self, *replies: Reply) -> None:
        with self._lock:
            self._replies.extend(replies)

    def pop(self) -> Reply | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    def pending(self) -> int:
        with self._lock:
            return len(self._replies)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            self._bytes += len(request.raw)
            while self._requests and (
                len(self._requests) > self.max_requests or self._bytes > self.max_bytes
            ):
                self._bytes -= len(self._requests.popleft().raw)

    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._replies.clear()
            self._requests.clear()
            self._bytes = 0


REPLY_FIELDS = tuple(f.name for f in dataclasses.fields(Reply))
_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "reasoning": (str,),
    "reasoning_text": (str,),
    "tool_calls": (list,),
    "annotations": (list,),
    "phase": (str,),
    "messages": (list,),
    "items": (list,),
    "usage": (dict,),
    "status": (int,),
    "error_message": (str,),
    "error_code": (str, int),
    "retry_after": (int, float),
    "should_retry": (bool,),
    "headers": (dict,),
    "latency": (int, float),
    "drop_after": (int,),
    "fail": (bool,),
    "incomplete": (str,),
    "raw_body": (str,),
}


def reply_from_json(data: Any, where: str = "reply") -> Reply:
    """A `Reply` from its JSON form: an object with `Reply`'s field names
    (`tool_calls` as `{"name", "arguments", "call_id"}` objects). A wrong
    name or type is a ValueError naming `where`, the field and the nearest
    valid name.

    >>> reply_from_json({"status": 429, "retry_after": 2}).status
    429
    """
    if not isinstance(data, dict):
        raise ValueError(f"{where} must be a JSON object of Reply fields")
    for key, value in data.items():
        if key not in _TYPES:
            near = difflib.get_close_matches(str(key), REPLY_FIELDS, n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"{where}: unknown field {key!r}{hint}")
        kinds = _TYPES[key]
        wrong = isinstance(value, bool) and bool not in kinds
        if value is not None and (wrong or not isinstance(value, kinds)):
            names = " or ".join(k.__name__ for k in kinds)
            raise ValueError(f"{where}.{key} must be {names}, not {value!r}")
    calls = []
    for index, call in enumerate(data.get("tool_calls") or []):
        if not isinstance(call, dict) or not isinstance(call.get("name"), str):
            raise ValueError(f"{where}.tool_calls[{index}] needs a string 'name'")
        calls.append(ToolCall.coerce(call))
    fields = {k: v for k, v in data.items() if v is not None}
    try:
        return Reply(**{**fields, "tool_calls": calls})
    except ValueError as exc:
        raise ValueError(f"{where}.{exc}") from None


def replies_from_json(data: Any, where: str = "script") -> list[Reply]:
    """Replies from a JSON list of reply objects, one reply object, or
    `{"replies": [...]}` (the `--script` file and the control route)."""
    if isinstance(data, dict) and set(data) == {"replies"}:
        data, where = data["replies"], f"{where}.replies"
    if isinstance(data, dict):
        return [reply_from_json(data, where)]
    if not isinstance(data, list):
        raise ValueError(f"{where} must be a reply object or a list of them")
    return [reply_from_json(item, f"{where}[{i}]") for i, item in enumerate(data)]
