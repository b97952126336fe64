"""Issue 29 item 2 in the parser: streamed text is never silently wrong.
Duplicates (by `sequence_number`) are dropped, late events raise, and the
final text the server repeats (`*.done`, `response.completed`) is the truth:
a missing tail is added with one warning, a contradiction is a `StreamError`.
The same over a loopback server: tests/models/test_stream_truth.py."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter._mapping.stream_order import EventOrder
from langchain_onerouter.errors import StreamError
from langchain_onerouter.testing.protocol import item_events, numbered
from tests.support.bodies import function_call_item, message_item
from tests.support.events import created, finished, message_events
from tests.support.streams import (
    DELTAS,
    TEXT,
    aggregate,
    assert_matches,
    deltas_only,
    feed_all,
    text_stream,
)


def expect_clean(events: list[dict[str, Any]], text: str = TEXT) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunks, _ = feed_all(events)
    assert aggregate(chunks).text == text


# -- duplicates --------------------------------------------------------------------
def test_every_event_sent_twice_gives_the_right_text() -> None:
    events = numbered(text_stream())
    doubled = [e for event in events for e in (event, dict(event))]
    expect_clean(doubled)
    chunks, _ = feed_all(doubled)
    assert_matches(chunks, response_to_message(events[-1]["response"]))


def test_a_duplicated_delta_much_later_is_dropped() -> None:
    events = numbered(text_stream())
    first_delta = next(e for e in events if e["type"].endswith("text.delta"))
    expect_clean([*events[:5], first_delta, *events[5:]])


def test_duplicated_deltas_without_sequence_numbers_raise() -> None:
    events = text_stream()
    doubled = [
        e
        for event in events
        for e in ((event, event) if event["type"].endswith("delta") else (event,))
    ]
    with pytest.raises(StreamError) as info:
        feed_all(doubled)
    assert info.value.code == "stream_mismatch"
    assert "disagrees" in info.value.message


# -- order ---------------------------------------------------------------------------
def test_reversed_deltas_raise_out_of_order() -> None:
    events = numbered(text_stream())
    deltas = [i for i, e in enumerate(events) if e["type"].endswith("text.delta")]
    reordered = list(events)
    reordered[deltas[0] : deltas[-1] + 1] = reversed(events[deltas[0] : deltas[-1] + 1])
    with pytest.raises(StreamError) as info:
        feed_all(reordered)
    assert info.value.code == "out_of_order"
    assert "sequence_number" in info.value.message


def test_reversed_deltas_without_sequence_numbers_raise() -> None:
    events = text_stream(list(reversed(DELTAS)), final=TEXT)
    with pytest.raises(StreamError, match="disagrees"):
        feed_all(events)


def test_gaps_in_sequence_numbers_are_allowed() -> None:
    events = [{**e, "sequence_number": n * 3 + 7} for n, e in enumerate(text_stream())]
    expect_clean(events)


# -- the final response is the truth -------------------------------------------------
def test_final_text_longer_than_the_deltas_wins_with_one_warning() -> None:
    final = TEXT + " and more"
    events = deltas_only(text_stream(final=final))
    with pytest.warns(UserWarning, match="lost part of the text") as caught:
        chunks, _ = feed_all(events)
    assert len(caught) == 1
    assert_matches(chunks, response_to_message(events[-1]["response"]))
    assert aggregate(chunks).text == final


def test_one_warning_for_several_short_blocks() -> None:
    first, second = message_item("aaXX", "msg_1"), message_item("bbYY", "msg_2")
    events = [
        created(),
        *deltas_only(message_events(["aa"], item_id="msg_1")),
        *deltas_only(message_events(["bb"], item_id="msg_2", output_index=1)),
        finished(first, second),
    ]
    with pytest.warns(UserWarning) as caught:
        chunks, _ = feed_all(events)
    assert len(caught) == 1
    assert aggregate(chunks).text == "aaXXbbYY"


@pytest.mark.parametrize("with_done", [True, False])
def test_contradicting_final_text_raises(with_done: bool) -> None:
    events = text_stream(final="echo:something else")
    with pytest.raises(StreamError) as info:
        feed_all(events if with_done else deltas_only(events))
    assert info.value.code == "stream_mismatch"


def test_contradicting_function_arguments_raise() -> None:
    item = function_call_item("get_weather", '{"city": "Paris"}')
    rome = {**item, "arguments": '{"city": "Rome"}'}
    streamed = list(item_events(0, rome, deltas=[['{"city": ', '"Rome"}']]))
    events = [created(), *deltas_only(streamed), finished(item)]
    with pytest.raises(StreamError, match="arguments"):
        feed_all(events)


def test_final_without_text_keeps_the_deltas() -> None:
    """An empty final text says nothing: the deltas stand, no warning."""
    expect_clean(deltas_only(text_stream(final="")))


def test_agreeing_streams_stay_silent() -> None:
    expect_clean(text_stream())
    expect_clean(numbered(text_stream()))
    expect_clean(deltas_only(text_stream()))
    # a provider that streams no deltas at all: the done events carry the text
    no_deltas = [e for e in text_stream() if not e["type"].endswith("delta")]
    expect_clean(no_deltas)


def test_an_event_arriving_after_its_gap_was_passed_raises() -> None:
    events = numbered(text_stream())
    late = next(i for i, e in enumerate(events) if e["type"].endswith("text.delta"))
    held = events.pop(late)  # the server skips it, then sends it later
    events.insert(late + 2, held)
    with pytest.raises(StreamError, match=f"sequence_number {late} arrived after"):
        feed_all(events)


def test_event_order_tells_duplicates_from_late_events() -> None:
    order = EventOrder()
    event = {"type": "response.output_text.delta"}
    assert [order.fresh({**event, "sequence_number": n}) for n in (3, 4, 7)] == [
        True,
        True,
        True,
    ]
    assert order.fresh({**event, "sequence_number": 4}) is False  # seen: dropped
    assert order.fresh({**event, "sequence_number": 7}) is False
    for late in (0, 2, 5, 6):  # skipped on the way (from 0), never seen
        with pytest.raises(StreamError, match=f"sequence_number {late} arrived"):
            order.fresh({**event, "sequence_number": late})
    # no number, a bool or a negative number: not checked, always processed
    for number in (None, True, -1, "5"):
        assert order.fresh({**event, "sequence_number": number}) is True
