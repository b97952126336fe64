"""stop.py: stop sequences cut invoke and stream output alike (client-side)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter._mapping.stop import StopFilter, first_stop
from langchain_onerouter._mapping.stream import ResponseStreamParser
from tests.support import bodies
from tests.support.bodies import function_call_item, message_item, response
from tests.support.events import (
    created,
    finished,
    message_events,
    reasoning_events,
)
from tests.support.streams import aggregate, assert_matches, feed_all, strip_index

# -- invoke ---------------------------------------------------------------------


def test_stop_sequence_cuts_text_and_drops_later_blocks() -> None:
    msg = response_to_message(
        bodies.response(
            bodies.message_item("one two STOP three", "msg_1"),
            bodies.function_call_item("f", "{}"),
        )
    )
    cut = StopFilter(["STOP", "two"]).message(msg)
    assert cut.text == "one "
    assert cut.tool_calls == []
    assert cut.response_metadata["stop_sequence"] == "two"
    assert StopFilter(["absent"]).message(msg) is msg
    assert StopFilter(None).message(msg) is msg


def test_first_stop_prefers_earliest_and_ignores_empty() -> None:
    assert first_stop("abcabc", ["c", "b", ""]) == (1, "b")
    assert first_stop("abc", ["z"]) is None


# -- stream ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deltas", "stop", "expected"),
    [
        (["Hello ", "wor", "ld. Bye"], ["world"], "Hello "),
        (["abc", "EN", "D tail"], ["END"], "abc"),
        (["one. two"], ["."], "one"),
        (["x", "y", "STOP"], ["STOP", "yS"], "x"),
    ],
)
def test_stop_sequence_cuts_stream(
    deltas: list[str], stop: list[str], expected: str
) -> None:
    text = "".join(deltas)
    chunks, parser = feed_all(
        [created(), *message_events(deltas, with_done=False)], stop=stop
    )
    full = aggregate(chunks)
    assert full.text == expected
    assert parser.done  # end_early ended the message
    invoked = StopFilter(stop).message(
        response_to_message(response(message_item(text, item_id="msg_s1")))
    )
    assert full.text == invoked.text
    assert strip_index(full.content) == invoked.content
    assert chunks[-1].chunk_position == "last"
    assert (
        chunks[-1].response_metadata["stop_sequence"]
        == invoked.response_metadata["stop_sequence"]
    )


def test_stop_sequence_withholds_only_a_possible_prefix() -> None:
    parser, stops = ResponseStreamParser(), StopFilter(["STOP"])

    def text(event: dict[str, Any]) -> str:
        return "".join(c.text for c in stops.feed(parser.feed(event), parser.end_early))

    text(created())
    for event in message_events([], with_done=False):
        text(event)
    delta = {
        "type": "response.output_text.delta",
        "item_id": "msg_s1",
        "output_index": 0,
        "content_index": 0,
    }
    assert text({**delta, "delta": "abcST"}) == "abc"
    assert text({**delta, "delta": "x"}) == "STx"
    assert text({**delta, "delta": "S"}) == ""
    # The block ended without a stop: what was withheld comes before the end.
    final = response(message_item("abcSTxS", item_id="msg_s1"))
    assert text({"type": "response.completed", "response": final}) == "S"
    assert stops.hit is None and parser.done


def test_withheld_text_is_released_when_the_next_block_starts() -> None:
    events = [
        created(),
        *message_events(["aS"], with_done=False),
        *reasoning_events([["r"]], output_index=1),
        finished(),
    ]
    chunks, _ = feed_all(events, stop=["ST"])
    assert [c.text for c in chunks if c.text][:2] == ["a", "S"]
    kinds = [c.content[0]["type"] if c.content else None for c in chunks]
    released = next(n for n, c in enumerate(chunks) if c.text == "S")
    assert released < kinds.index("reasoning")
    assert [b["type"] for b in aggregate(chunks).content] == ["text", "reasoning"]


def test_stop_in_text_that_only_arrives_with_completed() -> None:
    """No deltas: the hit is in the final output; usage and status are kept."""
    final = response(
        message_item("keep STOP drop", item_id="msg_s1"),
        function_call_item("f", "{}"),
    )
    chunks, _ = feed_all(
        [created(), {"type": "response.completed", "response": final}], stop=["STOP"]
    )
    invoked = StopFilter(["STOP"]).message(response_to_message(final))
    assert_matches(chunks, invoked)
    assert chunks[-1].response_metadata["stop_sequence"] == "STOP"


def test_no_stop_sequences_pass_chunks_through_untouched() -> None:
    chunks = [AIMessageChunk(content="x")]
    assert StopFilter(None).feed(chunks, lambda index: []) is chunks
    assert StopFilter([""]).feed(chunks, lambda index: []) is chunks


def test_stop_sequence_not_hit_changes_nothing() -> None:
    done = finished(message_item("no stop here", item_id="msg_s1"))
    chunks, _ = feed_all(
        [created(), *message_events(["no st", "op here"]), done], stop=["STOP"]
    )
    assert_matches(chunks, response_to_message(done["response"]))


def test_stop_at_start_of_block_drops_the_block() -> None:
    events = [
        created(),
        *reasoning_events([["r"]]),
        *message_events(["STOP and more"], output_index=1, with_done=False),
    ]
    chunks, _ = feed_all(events, stop=["STOP"])
    full = aggregate(chunks)
    assert [b["type"] for b in full.content] == ["reasoning"]
    assert full.response_metadata["stop_sequence"] == "STOP"
