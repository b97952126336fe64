"""testing/protocol.py's event builder: the one every test stream is made with."""

from __future__ import annotations

import pytest

from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter.testing import protocol
from tests.support.bodies import function_call_item, message_item, response
from tests.support.streams import assert_matches, feed_all

REFUSAL = {
    **message_item("", item_id="msg_r"),
    "content": [{"type": "refusal", "refusal": "I can't help."}],
}


def kinds(events: list[dict]) -> list[str]:
    return [e["type"].removeprefix("response.") for e in events]


def test_default_deltas_are_words_and_arguments_four_words() -> None:
    text = list(protocol.item_events(0, message_item("one two  three ")))
    assert [e["delta"] for e in text if "delta" in e] == ["one", " two", "  three "]
    call = function_call_item("f", "a b c d e")
    args = list(protocol.item_events(1, call))
    assert [e["delta"] for e in args if "delta" in e] == ["a b c d", " e"]


def test_given_deltas_are_used_in_order_and_must_make_up_each_text() -> None:
    item = message_item("Hello", item_id="msg_1")
    events = list(protocol.item_events(0, item, deltas=[["He", "llo"]]))
    assert [e["delta"] for e in events if "delta" in e] == ["He", "llo"]
    with pytest.raises(ValueError, match="do not make up 'Hello'"):
        list(protocol.item_events(0, item, deltas=[["He"]]))
    halves = list(protocol.item_events(0, item, deltas=lambda t: [t[:2], t[2:]]))
    assert [e["delta"] for e in halves if "delta" in e] == ["He", "llo"]


def test_refusal_parts_stream_as_refusal_events() -> None:
    events = list(protocol.item_events(0, REFUSAL, deltas=[["I can't", " help."]]))
    assert kinds(events) == [
        "output_item.added",
        "content_part.added",
        "refusal.delta",
        "refusal.delta",
        "refusal.done",
        "content_part.done",
        "output_item.done",
    ]
    final = response(REFUSAL)
    chunks, _ = feed_all([*events, {"type": "response.completed", "response": final}])
    assert_matches(chunks, response_to_message(final))


def test_annotations_are_events_only_when_asked() -> None:
    item = message_item("Paris")
    note = {"type": "url_citation", "url": "https://a.example"}
    item["content"][0]["annotations"] = [note]
    assert "output_text.annotation.added" not in kinds(
        list(protocol.item_events(0, item))
    )
    events = list(protocol.item_events(0, item, annotations=True))
    added = [e for e in events if e["type"].endswith("annotation.added")]
    assert [(e["annotation_index"], e["annotation"]) for e in added] == [(0, note)]
    assert kinds(events).index("output_text.annotation.added") < kinds(events).index(
        "output_text.done"
    )


def test_response_events_share_given_deltas_across_items() -> None:
    final = response(message_item("ab", item_id="m1"), message_item("cd", "m2"))
    events = protocol.response_events(final, deltas=[["a", "b"], ["c", "d"]])
    assert [e["delta"] for e in events if "delta" in e] == ["a", "b", "c", "d"]
    assert kinds(events)[:2] == ["created", "in_progress"]
    assert events[0]["response"]["output"] == [] and events[-1]["response"] is final


def test_a_failed_response_ends_with_error_and_failed() -> None:
    error = {"code": "server_error", "message": "boom"}
    final = response(message_item("a b c d"), status="failed", error=error)
    events = protocol.response_events(final)
    assert kinds(events)[-2:] == ["error", "failed"]
    assert events[-2]["error"]["message"] == "boom"
    assert events[0]["response"]["error"] is None


def test_numbered_frames() -> None:
    events = protocol.numbered([{"type": "a", "x": 1}, {"type": "b"}])
    assert events == [
        {"type": "a", "sequence_number": 0, "x": 1},
        {"type": "b", "sequence_number": 1},
    ]
    assert protocol.sse_frame(events[1]) == (
        b'event: b\ndata: {"type":"b","sequence_number":1}\n\n'
    )
    assert protocol.sse_frame(events[1], named=False).startswith(b"data: {")
