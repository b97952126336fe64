"""`streaming._Block.record`: its shortcuts end where `merge_dicts` would."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.utils._merge import merge_dicts

from langchain_onerouter._mapping.stream import _Block

INDEX = st.integers(0, 2)
ENTRY_TYPE = st.sampled_from(["summary_text", "reasoning_text"])
TEXT = st.sampled_from(["", "a", "bc", " d"])


def entry(index: int, kind: str, text: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"index": index, "type": kind}
    if text is not None:
        out["text"] = text
    return out


# (fields, the hint a stream handler gives with them)
SUMMARY_DELTA = st.builds(
    lambda i, k, t: ({"summary": [entry(i, k, t)]}, ("summary", i)),
    INDEX,
    ENTRY_TYPE,
    TEXT,
)
CONTENT_DELTA = st.builds(
    lambda i, k, t: ({"summary": [], "content": [entry(i, k, t)]}, ("content", i)),
    INDEX,
    ENTRY_TYPE,
    TEXT,
)
OTHER = st.sampled_from(
    [
        ({"summary": []}, None),
        ({"summary": [entry(0, "summary_text", None)]}, None),
        ({"summary": [{"index": 1, "type": "summary_text", "text": None}]}, None),
        ({"content": [entry(0, "reasoning_text", "x")]}, None),
        ({"id": "rs_1"}, None),
        ({"encrypted_content": "enc"}, None),
        ({"text": "t"}, None),
    ]
)
RECORDS = st.lists(st.one_of(SUMMARY_DELTA, CONTENT_DELTA, OTHER), max_size=25)


@given(RECORDS, st.lists(st.integers(0, 25), max_size=3))
def test_record_then_sent_is_merge_dicts_of_the_fields(
    records: list[tuple[dict[str, Any], Any]], reads: list[int]
) -> None:
    block = _Block(0, "reasoning")
    for at, (fields, hint) in enumerate(records):
        if at in reads:  # `sent` read mid-stream, as catch-ups do
            assert block.sent == functools.reduce(
                merge_dicts, [f for f, _ in records[:at]], {}
            )
        block.record(fields, hint)
    assert block.sent == functools.reduce(merge_dicts, [f for f, _ in records], {})


def test_text_deltas_of_a_sent_entry_are_appended_not_merged() -> None:
    """The shortcut is taken (it is what keeps long summaries linear), also
    for an entry that a delta reached before it was sent."""
    block = _Block(0, "reasoning")
    block.record({"summary": [entry(1, "summary_text", "x")]}, ("summary", 1))
    block.record({"summary": [entry(1, "summary_text", "y")]}, ("summary", 1))
    for text in ("a", "b"):
        block.record({"summary": [entry(1, "summary_text", text)]}, ("summary", 1))
    assert block.entry_deltas == {("summary", 1): ["y", "a", "b"]}
    assert block.sent == {"summary": [entry(1, "summary_text", "xyab")]}
