"""Offline token estimates for what a request sends. Pure, no I/O.

A router serves models with many tokenizers, so an exact client-side count is
impossible for most of them. `estimate_body_tokens` counts the request body we
would actually send (input items, instructions, tool schemas) with a
tokenizer-free estimate of BPE tokens:

- text is split the way BPE pre-tokenizers split it (words with their leading
  space, runs of up to three digits, punctuation, whitespace); a word costs
  one token per 8 letters, a CJK/kana/hangul character 0.8 of a token, a
  non-ASCII word 0.5 per letter, a punctuation run one per 3 characters;
- every input item costs 3 tokens of framing (role and separators), every
  tool schema is counted as its JSON text;
- an image counts `IMAGE_TOKENS_LOW` (`detail: "low"`) or `IMAGE_TOKENS`
  (what OpenAI charges for a 1024×1024 image at high detail) since its size
  is unknown here; a file counts one token per 4 bytes of its data, or
  `FILE_TOKENS` when sent by URL or id;
- encrypted reasoning is not counted (providers do not bill it as input text).

Measured against OpenAI's `o200k_base` encoding on a mixed corpus (prose,
code, JSON, CJK, numbers): see `benchmarks/tokens.py` and docs/models.md.
Pass `count_text=` (e.g. `len(enc.encode(text))` of a real tokenizer) for
exact text counts; the framing rules stay the same.

>>> estimate_text_tokens("Hello world")
2
"""

from __future__ import annotations

import base64
import math
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from langchain_onerouter._mapping.jsonutil import dumps

IMAGE_TOKENS = 765
"""An image at `detail` high/auto: OpenAI's charge for 1024×1024 (85 + 4×170)."""
IMAGE_TOKENS_LOW = 85
"""An image at `detail: "low"`."""
FILE_TOKENS = 1000
"""A file sent by URL or file id (its size is unknown here)."""
ITEM_OVERHEAD = 3
"""Framing tokens per input item (role, separators)."""
LETTERS_PER_TOKEN = 8.0
"""Latin letters per token inside one word (BPE merges common words whole)."""

_CJK_RANGES = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_LETTERS = r"[^\W\d_]+"  # a run of letters
_DIGITS = r"\d{1,3}"  # digits, in runs of up to three
_PIECES = re.compile(
    rf"[{_CJK_RANGES}]"  # one CJK, kana or hangul character
    rf"| ?{_LETTERS}"  # a word with its leading space
    rf"|{_DIGITS}"
    r"| ?[^\s\w]+"  # a punctuation run with its leading space
    r"|\s+"  # other whitespace (indentation, line breaks)
)
# No GPT-style (cl100k, o200k) token spans two of these: each is a token at least.
_WORDS = re.compile(rf"{_LETTERS}|{_DIGITS}")
_CJK = re.compile(rf"[{_CJK_RANGES}]")

TextCounter = Callable[[str], int]


def estimate_text_tokens(text: str) -> int:
    """Estimated BPE tokens of `text` (no tokenizer needed)."""
    total = 0.0
    for _, weight in _weighed_pieces(text):
        total += weight  # in order, as `estimate_token_ids` adds (not `sum`)
    return int(math.ceil(total))


def estimate_token_ids(text: str) -> list[int]:
    """Stand-in token ids of `text`, as many as `estimate_text_tokens` counts.

    Each id is the CRC-32 of the text it stands for: stable, equal for equal
    text, but no model's vocabulary (pass `custom_get_token_ids` for that).

    >>> len(estimate_token_ids("hello world")) == estimate_text_tokens("hello world")
    True
    """
    ids: list[int] = []
    total = 0.0
    pending = ""  # text of a fraction of a token, joined to the next one
    for piece, weight in _weighed_pieces(text):
        total += weight
        pending += piece
        count = math.ceil(total) - len(ids)
        if count > 0:
            cuts = [i * len(pending) // count for i in range(count + 1)]
            chunks = (pending[a:b] for a, b in zip(cuts, cuts[1:], strict=False))
            ids.extend(zlib.crc32(chunk.encode()) for chunk in chunks)
            pending = ""
    return ids


def _weighed_pieces(text: str) -> Iterator[tuple[str, float]]:
    """(piece, its estimated tokens) of `text`, in order."""
    for match in _PIECES.finditer(text):
        piece = match.group()
        first = piece[0]
        if _CJK.match(first):
            yield piece, 0.8
        elif first.isalpha() or (first == " " and piece[1:2].isalpha()):
            word = piece.lstrip(" ")
            if word.isascii():
                yield piece, math.ceil(len(word) / LETTERS_PER_TOKEN)
            else:  # accented or non-Latin letters merge less
                yield piece, max(1.0, len(word) * 0.5)
        elif first.isdigit() or piece.isspace():
            yield piece, 1
        else:  # punctuation: common runs such as `):` or `",` merge
            yield piece, math.ceil(len(piece.strip()) / 3)


def min_text_tokens(text: str) -> int:
    """A lower bound on the tokens of `text` for GPT-style tokenizers.

    Used to reject inputs that are certainly too long; the server stays the
    judge of the rest.

    >>> min_text_tokens("Hello, world 12345")
    4
    """
    return sum(1 for _ in _WORDS.finditer(text))


def estimate_body_tokens(
    body: Mapping[str, Any], count_text: TextCounter | None = None
) -> int:
    """Estimated input tokens of a `POST /responses` body.

    Args:
        body: The request body (as `build_request_body` makes it).
        count_text: Tokens of a string; defaults to `estimate_text_tokens`.
    """
    count = count_text or estimate_text_tokens
    total = 0
    if isinstance(body.get("instructions"), str):
        total += ITEM_OVERHEAD + count(body["instructions"])
    for item in body.get("input") or []:
        total += ITEM_OVERHEAD + _item_tokens(item, count)
    for tool in body.get("tools") or []:
        total += count(dumps(tool).decode())
    return total


def _item_tokens(item: Any, count: TextCounter) -> int:
    if isinstance(item, str):
        return count(item)
    if not isinstance(item, dict):
        return 0
    kind = item.get("type")
    if kind == "message" or (kind is None and "role" in item):
        return _content_tokens(item.get("content"), count)
    if kind == "function_call":
        return count(str(item.get("name", ""))) + count(str(item.get("arguments", "")))
    if kind == "reasoning":
        summary = item.get("summary") or []
        return sum(
            count(str(s.get("text", ""))) for s in summary if isinstance(s, dict)
        )
    if isinstance(item.get("output"), (str, list)):  # any *_call_output
        return _content_tokens(item["output"], count)
    # Other items (hosted tool calls, unknown types): their JSON, minus ids.
    rest = {k: v for k, v in item.items() if k not in ("id", "status", "type")}
    return count(dumps(rest).decode())


def _content_tokens(content: Any, count: TextCounter) -> int:
    if isinstance(content, str):
        return count(content)
    if not isinstance(content, list):
        return 0
    total = 0
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "input_image":
            total += IMAGE_TOKENS_LOW if part.get("detail") == "low" else IMAGE_TOKENS
        elif kind == "input_file":
            total += _file_tokens(part)
        elif isinstance(part.get("text"), str):
            total += count(part["text"])
        elif isinstance(part.get("refusal"), str):
            total += count(part["refusal"])
    return total


def _file_tokens(part: Mapping[str, Any]) -> int:
    data = part.get("file_data")
    if not isinstance(data, str) or not data:
        return FILE_TOKENS
    encoded = data.split(",", 1)[1] if data.startswith("data:") else data
    try:
        size = len(base64.b64decode(encoded, validate=False))
    except ValueError:
        size = len(encoded)
    return max(1, size // 4)
