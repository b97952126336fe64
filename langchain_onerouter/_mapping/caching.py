"""Prompt caching: `cache_control` breakpoints on input text parts. Pure, no I/O.

OneRouter passes `cache_control` on a content part to providers that need
explicit breakpoints (Anthropic models); OpenAI-family models cache on their
own. Its rules, checked here before sending: at most `MAX_BREAKPOINTS` per
request, on text parts only, and a cached prefix of at least
`MIN_CACHE_TOKENS` (below it the provider does not cache; we warn, using the
offline estimate of `tokens.py`). Keys of `cache_control` other than `type`
(e.g. `ttl`) are passed through.

`apply_prompt_caching` adds what a call asks for to a built request body:

- a per-call `cache_control={...}` marks the last text part of the newest
  input item that has one (as langchain-anthropic did before Anthropic's
  top-level parameter);
- `prompt_caching="auto"`, for models that need breakpoints, marks the stable
  prefix: the system prompt (covering the tool definitions before it) and
  the last turn before the newest user message, each only when its estimated
  prefix reaches the minimum.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from langchain_onerouter._mapping.names import nearest

MAX_BREAKPOINTS = 4
"""Breakpoints OneRouter accepts in one request."""
MIN_CACHE_TOKENS = 1024
"""The shortest prefix the provider caches."""
EPHEMERAL: dict[str, Any] = {"type": "ephemeral"}
MODES = frozenset({"auto"})
"""Values of `prompt_caching` besides None (off)."""
TEXT_PARTS_ONLY = (
    "cache_control is accepted on text parts only (OneRouter's prompt-caching "
    "rule); put it on a text block"
)
_SYSTEM_ROLES = frozenset({"system", "developer"})

TextCounter = Callable[[str], int]


def check_cache_control(value: Any) -> dict[str, Any]:
    """A copy of `value` if it is a `cache_control` object, else `ValueError`.

    >>> check_cache_control({"type": "ephemeral", "ttl": "1h"})
    {'type': 'ephemeral', 'ttl': '1h'}
    """
    if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
        raise ValueError(
            'cache_control must be an object with a string "type", e.g. '
            f'{{"type": "ephemeral"}}, got {value!r:.60}'
        )
    return dict(value)


def needs_breakpoints(model: str, catalog_id: str | None = None) -> bool:
    """True for Anthropic-family models (by the catalog's id when known).

    >>> needs_breakpoints("anthropic/claude-sonnet-4.5"), needs_breakpoints("o4-mini")
    (True, False)
    """
    name = (catalog_id or model).lower()
    return name.startswith("anthropic/") or "claude" in name


def apply_prompt_caching(
    body: dict[str, Any],
    *,
    mode: str | None = None,
    cache_control: Any = None,
    catalog_id: str | None = None,
    count_text: TextCounter | None = None,
) -> None:
    """Add the call's breakpoints to `body` (in place), then check them all.

    Raises:
        ValueError: An unknown `mode`, a malformed `cache_control`, more than
            `MAX_BREAKPOINTS` breakpoints or one on a part that is not text.
    """
    if mode is not None and mode not in MODES:
        raise ValueError(
            f"prompt_caching must be None or 'auto', got {mode!r}"
            + nearest(str(mode), MODES)
        )
    if cache_control is not None:
        _mark_newest(body, check_cache_control(cache_control))
    prefix = Prefix(body, count_text)
    if mode == "auto" and needs_breakpoints(str(body.get("model")), catalog_id):
        place_breakpoints(body, prefix)
    check_breakpoints(body, prefix)


class Prefix:
    """Estimated tokens of a body's prefix (`tokens.py`'s estimate): the
    instructions and tools, then each input item, counted on demand and only
    until the total reaches `MIN_CACHE_TOKENS`, the one figure compared."""

    def __init__(self, body: dict[str, Any], count_text: TextCounter | None) -> None:
        self.body = body
        self.count_text = count_text
        self._through: list[int] = []

    def tokens(self, index: int) -> int:
        """Tokens up to and including input item `index` (-1: before the input):
        exact below the minimum, at least the minimum above it."""
        from langchain_onerouter._mapping.tokens import estimate_body_tokens

        through, items = self._through, self.body.get("input") or []
        if not through:
            fixed = {k: self.body.get(k) for k in ("instructions", "tools")}
            through.append(estimate_body_tokens(fixed, self.count_text))
        while len(through) <= index + 1 and through[-1] < MIN_CACHE_TOKENS:
            item = items[len(through) - 1]
            through.append(
                through[-1] + estimate_body_tokens({"input": [item]}, self.count_text)
            )
        return through[min(index + 1, len(through) - 1)]

    def recount(self) -> None:
        """Count again on next use (the body's items changed)."""
        self._through = []


def _parts(item: Any) -> list[Any]:
    """The content list of a message, or of a tool output given as parts."""
    if not isinstance(item, dict):
        return []
    parts = item.get("content") if item.get("type") == "message" else None
    if parts is None:
        parts = item.get("output")
    return parts if isinstance(parts, list) else []


def _text_parts(item: Any) -> list[dict[str, Any]]:
    return [
        p for p in _parts(item) if isinstance(p, dict) and p.get("type") == "input_text"
    ]


def _mark_newest(body: dict[str, Any], cache_control: dict[str, Any]) -> None:
    for item in reversed(body.get("input") or []):
        if parts := _text_parts(item):
            parts[-1].setdefault("cache_control", cache_control)  # the block's wins
            return
    raise ValueError("cache_control: the input has no text part to put it on")


def place_breakpoints(body: dict[str, Any], prefix: Prefix) -> int:
    """Mark the stable prefix of an Anthropic-family request; the number placed.

    At most the breakpoints left of `MAX_BREAKPOINTS` (the user's count), each
    only where the estimated prefix reaches `MIN_CACHE_TOKENS`. Instructions
    worth caching become a leading system message: only a part can carry one.
    """
    budget = MAX_BREAKPOINTS - sum(1 for _ in _breakpoints(body))
    if (
        budget > 0
        and _leading_system(body) is None
        and isinstance(body.get("instructions"), str)
        and prefix.tokens(-1) >= MIN_CACHE_TOKENS
    ):
        _instructions_to_message(body)
        prefix.recount()
    placed = 0
    for index in dict.fromkeys((_leading_system(body), _turn_before_newest(body))):
        if placed >= budget or index is None:
            continue
        part = _text_parts(body["input"][index])[-1]
        if "cache_control" not in part and prefix.tokens(index) >= MIN_CACHE_TOKENS:
            part["cache_control"] = dict(EPHEMERAL)
            placed += 1
    return placed


def _leading_system(body: dict[str, Any]) -> int | None:
    """The last system or developer message (with text) opening the input."""
    found = None
    for index, item in enumerate(body.get("input") or []):
        if not isinstance(item, dict) or item.get("role") not in _SYSTEM_ROLES:
            break
        if _text_parts(item):
            found = index
    return found


def _turn_before_newest(body: dict[str, Any]) -> int | None:
    """The last message with text before the newest user message (tool
    outputs are left alone: breakpoints are documented on message parts)."""
    items = [i if isinstance(i, dict) else {} for i in body.get("input") or []]
    users = [i for i, item in enumerate(items) if item.get("role") == "user"]
    if not users:
        return None
    return next(
        (
            i
            for i in range(users[-1] - 1, -1, -1)
            if items[i].get("type") == "message" and _text_parts(items[i])
        ),
        None,
    )


def _instructions_to_message(body: dict[str, Any]) -> None:
    text = body.pop("instructions")
    item = {
        "type": "message",
        "role": "system",
        "content": [{"type": "input_text", "text": text}],
    }
    body["input"] = [item, *(body.get("input") or [])]


def _breakpoints(body: dict[str, Any]) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """`(item index, part index, part)` of every part carrying `cache_control`."""
    for index, item in enumerate(body.get("input") or []):
        for position, part in enumerate(_parts(item)):
            if isinstance(part, dict) and "cache_control" in part:
                yield index, position, part


def check_breakpoints(body: dict[str, Any], prefix: Prefix) -> None:
    """OneRouter's rules on the body's breakpoints (see the module docstring).

    Raises:
        ValueError: More than `MAX_BREAKPOINTS`, or one on a non-text part.
    """
    found = list(_breakpoints(body))
    if not found:
        return
    where = [f"input[{i}].part[{p}]" for i, p, _ in found]
    if len(found) > MAX_BREAKPOINTS:
        raise ValueError(
            f"prompt caching: at most {MAX_BREAKPOINTS} cache_control breakpoints "
            f"per request (OneRouter's rule), found {len(found)} at "
            f"{', '.join(where)}; remove {len(found) - MAX_BREAKPOINTS}"
        )
    for (index, _, part), at in zip(found, where, strict=True):
        if part.get("type") != "input_text":
            raise ValueError(f"{at} ({part.get('type')!r}): {TEXT_PARTS_ONLY}")
        tokens = prefix.tokens(index)
        if tokens < MIN_CACHE_TOKENS:
            warnings.warn(
                f"prompt caching: the prefix up to the breakpoint at {at} is about "
                f"{tokens} tokens (offline estimate), under the {MIN_CACHE_TOKENS}-"
                "token minimum: the provider will not cache it",
                UserWarning,
                stacklevel=2,
            )
