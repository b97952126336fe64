"""Emulated prompt caching, as OneRouter documents it.

- Anthropic-family models (`anthropic/...`, or an id naming `claude`) cache
  only at explicit breakpoints: `cache_control: {"type": "ephemeral"}` on an
  `input_text` part. At most 4 per request, text parts only (else 400); a
  breakpoint whose prefix is under 1,024 tokens caches nothing. The first
  request reports the prefix up to its last breakpoint as
  `cache_write_tokens`; a request repeating a cached prefix reports it as
  `cached_tokens` (reads), and writes only what follows it.
- Every other model caches automatically: a prompt of 1,024 tokens or more
  is cached in steps of 128 tokens, and a later prompt sharing that prefix
  reports the longest cached step as `cached_tokens` (no writes reported).
- The prefix covers the model, the tool definitions, the instructions and
  the input in order; entries expire 5 minutes after their last use (1 hour
  with `ttl: "1h"`) and are never shared between API keys.

Tokens are the emulator's whitespace-split tokens (`model.count_tokens`).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_onerouter.testing.model import content_text, item_text, normalize_input
from langchain_onerouter.testing.protocol import RequestError

MAX_BREAKPOINTS = 4
MIN_PREFIX_TOKENS = 1024
AUTO_STEP = 128
"""Automatic caching stores and reads prefixes in steps of this many tokens."""
TTLS = {"5m": 300.0, "1h": 3600.0}
"""Lifetime of a cache entry after its last use, by `cache_control.ttl`."""
MAX_ENTRIES = 100_000
"""Prefixes the cache keeps (the least recently used go first)."""
TEXT_PARTS = ("input_text", "output_text", "text")
TOOL_OUTPUTS = ("function_call_output", "custom_tool_call_output")


def needs_breakpoints(model: str) -> bool:
    """Whether `model` caches only at explicit `cache_control` breakpoints."""
    lowered = model.lower()
    return lowered.startswith("anthropic/") or "claude" in lowered


@dataclass(frozen=True)
class Breakpoint:
    """A `cache_control` mark: where it is, and its prefix's length in tokens."""

    tokens: int
    ttl: str
    digest: str = ""


@dataclass(frozen=True)
class Outcome:
    """What caching did for one request, in tokens."""

    read: int = 0
    write_5m: int = 0
    write_1h: int = 0

    @property
    def write(self) -> int:
        return self.write_5m + self.write_1h


# -- validation (400 before anything is served) ------------------------------------
def check_cache_control(body: Mapping[str, Any]) -> None:
    """400 for a breakpoint OneRouter refuses: a fifth one, one on anything but
    a text part, or a malformed `cache_control`."""
    for index, tool in enumerate(body.get("tools") or []):
        if isinstance(tool, dict) and "cache_control" in tool:
            _misplaced(f"tools[{index}]", "a tool definition")
    marks = 0
    for where, part, is_part in _parts(body):
        if "cache_control" not in part:
            continue
        if not is_part:
            _misplaced(where, f"an item of type {part.get('type', 'message')!r}")
        if part.get("type") not in TEXT_PARTS:
            _misplaced(where, f"a part of type {part.get('type')!r}")
        _check_value(part["cache_control"], f"{where}.cache_control")
        marks += 1
        if marks > MAX_BREAKPOINTS:
            raise RequestError(
                f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be "
                f"provided; '{where}' is breakpoint number {marks}.",
                f"{where}.cache_control",
            )


def _misplaced(where: str, what: str) -> None:
    raise RequestError(
        f"'{where}.cache_control' is on {what}: cache_control breakpoints are "
        "allowed only on the text parts (input_text) of a message's content.",
        f"{where}.cache_control",
    )


def _check_value(value: Any, where: str) -> None:
    if not isinstance(value, dict) or value.get("type") != "ephemeral":
        raise RequestError(
            f"'{where}' must be an object with type 'ephemeral'.", f"{where}.type"
        )
    if "ttl" in value and value["ttl"] not in TTLS:
        raise RequestError(
            f"'{where}.ttl' must be one of: {', '.join(TTLS)}.", f"{where}.ttl"
        )


def _parts(body: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any], bool]]:
    """(where, the item or part, whether a part) of every input item and part."""
    for index, item in enumerate(normalize_input(body.get("input"))):
        where = f"input[{index}]"
        yield where, item, False
        key, parts = _part_list(item)
        for p_index, part in enumerate(parts or []):
            if isinstance(part, dict):
                yield f"{where}.{key}[{p_index}]", part, True


def _part_list(item: Mapping[str, Any]) -> tuple[str, list[Any] | None]:
    """(field, list) of an item's parts: a message's `content`, a tool
    output's `output`; None when they are a plain string."""
    key = "output" if item.get("type") in TOOL_OUTPUTS else "content"
    parts = item.get(key)
    return key, parts if isinstance(parts, list) else None


# -- the prompt as the cache sees it ------------------------------------------------
def _segments(body: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(text, its `cache_control` or None) in prompt order; their token counts
    add up to the request's input tokens."""
    yield str(body.get("instructions") or ""), None
    for item in normalize_input(body.get("input")):
        key, parts = _part_list(item)
        if parts is not None and (item.get("type") == "message" or key == "output"):
            for part in parts:
                if isinstance(part, dict):
                    yield content_text([part]), part.get("cache_control")
            continue
        yield item_text(item), None


def _seed(body: Mapping[str, Any], model: str) -> Any:
    tools = json.dumps(body.get("tools") or [], sort_keys=True, default=str)
    return hashlib.sha256(f"{model}\n{tools}\n".encode())


def breakpoints(body: Mapping[str, Any], model: str) -> list[Breakpoint]:
    """The request's breakpoints, each with its prefix's length and digest."""
    digest, tokens, found = _seed(body, model), 0, []
    for text, mark in _segments(body):
        words = text.split()
        tokens += len(words)
        digest.update(" ".join(words).encode() + b"\n")
        if isinstance(mark, dict):
            ttl = str(mark.get("ttl") or "5m")
            found.append(Breakpoint(tokens, ttl, digest.copy().hexdigest()))
    return found


def auto_prefixes(body: Mapping[str, Any], model: str) -> list[tuple[int, str]]:
    """(tokens, digest) of each 128-token step of the prompt from 1,024 on."""
    words = [w for text, _ in _segments(body) for w in text.split()]
    if len(words) < MIN_PREFIX_TOKENS:
        return []
    digest, done, found = _seed(body, model), 0, []
    for end in range(MIN_PREFIX_TOKENS, len(words) + 1, AUTO_STEP):
        digest.update((" ".join(words[done:end]) + " ").encode())
        done = end
        found.append((end, digest.copy().hexdigest()))
    return found


# -- the cache ----------------------------------------------------------------------
@dataclass
class PromptCache:
    """Cached prefixes per API key, thread-safe; `clock` is replaceable so a
    test can let entries expire."""

    clock: Callable[[], float] = time.monotonic
    max_entries: int = MAX_ENTRIES
    _entries: OrderedDict[tuple[str, str], tuple[float, float]] = field(
        default_factory=OrderedDict
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def _hit(self, key: tuple[str, str], now: float) -> bool:
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return False
        self._entries[key] = (now + entry[1], entry[1])  # a read refreshes it
        self._entries.move_to_end(key)
        return True

    def _store(self, key: tuple[str, str], now: float, ttl: float) -> None:
        self._entries[key] = (now + ttl, ttl)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def apply(self, user: str, body: Mapping[str, Any], model: str) -> Outcome:
        """Read and write the cache for a request `user` sends to `model`."""
        if needs_breakpoints(model):
            marks = [
                b for b in breakpoints(body, model) if b.tokens >= MIN_PREFIX_TOKENS
            ]
            return self._explicit(user, marks)
        return self._automatic(user, auto_prefixes(body, model))

    def _explicit(self, user: str, marks: list[Breakpoint]) -> Outcome:
        if not marks:
            return Outcome()
        with self._lock:
            now = self.clock()
            read = max(
                (m.tokens for m in marks if self._hit((user, m.digest), now)),
                default=0,
            )
            written = {"5m": 0, "1h": 0}
            done = read
            for mark in marks:
                if mark.tokens > done:
                    written[mark.ttl] += mark.tokens - done
                    done = mark.tokens
                self._store((user, mark.digest), now, TTLS[mark.ttl])
        return Outcome(read, written["5m"], written["1h"])

    def _automatic(self, user: str, steps: list[tuple[int, str]]) -> Outcome:
        if not steps:
            return Outcome()
        with self._lock:
            now = self.clock()
            read = max(
                (n for n, digest in steps if self._hit((user, digest), now)),
                default=0,
            )
            for _n, digest in steps:
                self._store((user, digest), now, TTLS["5m"])
        return Outcome(read=read)


def report(usage: dict[str, Any], outcome: Outcome) -> None:
    """Put the reads and writes into `usage.input_tokens_details`."""
    details = usage.setdefault("input_tokens_details", {})
    details["cached_tokens"] = outcome.read
    details["cache_write_tokens"] = outcome.write
