"""`stream._Block`: text deltas joined late (linear) end where `merge_dicts`
of every chunk would."""

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


SUMMARY_DELTA = st.builds(
    lambda i, k, t: {"summary": [entry(i, k, t)]},
    INDEX,
    ENTRY_TYPE,
    TEXT,
)
CONTENT_DELTA = st.builds(
    lambda i, k, t: {"summary": [], "content": [entry(i, k, t)]},
    INDEX,
    ENTRY_TYPE,
    TEXT,
)
OTHER = st.sampled_from(
    [
        {"summary": []},
        {"summary": [entry(0, "summary_text", None)]},
        {"summary": [{"index": 1, "type": "summary_text", "text": None}]},
        {"content": [entry(0, "reasoning_text", "x")]},
        {"content": [{"index": 0, "text": "tail"}]},  # a catch-up's missing tail
        {"id": "rs_1"},
        {"encrypted_content": "enc"},
        {"text": "t"},
    ]
)
RECORDS = st.lists(st.one_of(SUMMARY_DELTA, CONTENT_DELTA, OTHER), max_size=25)


@given(RECORDS, st.lists(st.integers(0, 25), max_size=3))
def test_record_then_sent_is_merge_dicts_of_the_fields(
    records: list[dict[str, Any]], reads: list[int]
) -> None:
    block = _Block(0, "reasoning")
    for at, fields in enumerate(records):
        if at in reads:  # `sent` read mid-stream, as catch-ups do
            assert block.sent == functools.reduce(merge_dicts, records[:at], {})
        block.record(fields)
    assert block.sent == functools.reduce(merge_dicts, records, {})


def test_text_deltas_of_a_sent_entry_are_appended_not_merged() -> None:
    """Deltas to a sent entry wait to be joined (what keeps long summaries
    linear); the entry's first chunk is merged."""
    block = _Block(0, "reasoning")
    block.record({"summary": [entry(1, "summary_text", "x")]})
    block.record({"summary": [entry(1, "summary_text", "y")]})
    for text in ("a", "b"):
        block.record({"summary": [entry(1, "summary_text", text)]})
    assert block.entry_deltas == {("summary", 1): ["y", "a", "b"]}
    assert block.sent == {"summary": [entry(1, "summary_text", "xyab")]}
