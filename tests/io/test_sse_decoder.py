"""`_http.sse.SSEDecoder`: bytes to SSE events, whatever the chunking."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from langchain_onerouter import errors
from langchain_onerouter._http.sse import SSEDecoder


def reference(body: bytes) -> list[tuple[str, str]] | None:
    """The event-stream rules read off the whole body at once, line by line
    (None: the body is not UTF-8, which must raise `StreamError`)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1]
    events, name, data = [], "", []
    for line in lines:
        if not line:
            if data or name:
                events.append((name or "message", "\n".join(data)))
            name, data = "", []
        elif not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "data":
                data.append(value)
            elif field == "event":
                name = value
    return events


def decode(
    chunks: list[bytes], max_line: int = 1 << 20, max_event: int = 1 << 20
) -> list[tuple[str, str]]:
    sse = SSEDecoder(max_line, max_event)
    events = [event for chunk in chunks for event in sse.feed(chunk)]
    return events + sse.end()


def decode_or_none(chunks: list[bytes]) -> list[tuple[str, str]] | None:
    """`decode`, None when it raised for bytes that are not UTF-8."""
    try:
        return decode(chunks)
    except errors.StreamError as exc:
        assert "not valid UTF-8" in str(exc)
        return None


def cut(body: bytes, points: list[int]) -> list[bytes]:
    edges = [0, *sorted(p % (len(body) + 1) for p in points), len(body)]
    return [body[a:b] for a, b in zip(edges, edges[1:], strict=False)]


LINE = st.sampled_from(
    [
        b"",
        b":",
        b": keep-alive",
        b"event: response.output_text.delta",
        b"event:error",
        b"data: {}",
        b"data:x",
        b"data:  two spaces",
        b"data",
        b"id: 7",
        b"retry: 10",
        "data: caf\u00e9 \u2028 \U0001f600".encode(),
        b"data: \xff\xfe\x80",
    ]
)
BODY = st.tuples(
    st.lists(LINE, max_size=20), st.sampled_from([b"\n", b"\r\n", b"\r"])
).map(lambda pair: pair[1].join(pair[0]) + pair[1])


@given(BODY, st.lists(st.integers(0, 10_000), max_size=12))
def test_any_chunking_gives_the_events_of_the_whole_body(
    body: bytes, points: list[int]
) -> None:
    assert decode_or_none(cut(body, points)) == reference(body)


@given(st.binary(max_size=200), st.lists(st.integers(0, 400), max_size=8))
def test_any_bytes_any_chunking_match_the_reference(
    body: bytes, points: list[int]
) -> None:
    assert decode_or_none(cut(body, points)) == reference(body)


def test_crlf_split_between_chunks_is_one_line_end() -> None:
    assert decode([b"data: a\r", b"\n\r", b"\n"]) == [("message", "a")]


def test_an_unterminated_last_event_is_not_dispatched() -> None:
    assert decode([b"data: a\n\ndata: b\n"]) == [("message", "a")]


def test_heard_is_only_an_event_with_data() -> None:
    sse = SSEDecoder(100, 1000)
    for silence in (b": ping\n\n", b"id: 7\n\n", b"retry: 5\nevent: x\n\n"):
        sse.feed(silence)
        assert sse.heard is False, silence
    sse.feed(b"data: x\n")
    assert sse.heard is False  # the event is not complete yet
    sse.feed(b"\n")
    assert sse.heard is True


@pytest.mark.parametrize(
    "chunks",
    [
        [b"data: caf\xe9\n\n"],  # Latin-1, not UTF-8
        [b"data: ok\n\n", b"data: \xff\xfe\n\n"],
        [b": \x80 in a comment\n\n"],
        [b"data: \xc3"],  # a truncated character at the end of the body
    ],
)
def test_bytes_that_are_not_utf8_raise_stream_error(chunks: list[bytes]) -> None:
    with pytest.raises(errors.StreamError, match="not valid UTF-8"):
        decode(chunks)


def test_a_character_split_across_chunks_is_decoded() -> None:
    body = "data: caf\u00e9 \U0001f600\n\n".encode()
    assert decode([bytes([b]) for b in body]) == [("message", "caf\u00e9 \U0001f600")]


@pytest.mark.parametrize(
    "chunks",
    [
        [b"data: " + b"x" * 50 + b"\n"],  # one chunk, a long complete line
        [b"data: " + b"x" * 30, b"x" * 30],  # an unfinished line over the cap
        [b"data: a\n" + b"x" * 60 + b"\n"],  # a long line after a short one
    ],
)
def test_a_line_over_max_line_raises(chunks: list[bytes]) -> None:
    with pytest.raises(errors.ResponseTooLargeError, match="max_sse_line_bytes=40"):
        decode(chunks, max_line=40)


def test_many_short_lines_past_max_line_in_all_are_fine() -> None:
    body = b"data: ab\n\n" * 20  # 200 bytes in all, each line 8
    assert decode([body], max_line=40) == [("message", "ab")] * 20


def test_an_event_of_many_short_lines_over_max_event_raises() -> None:
    lines = [b"data: " + b"x" * 9 + b"\n"] * 10  # 10 lines of 10 characters each
    assert decode([*lines, b"\n"], max_event=100) == [
        ("message", "\n".join(["x" * 9] * 10))
    ]
    with pytest.raises(errors.ResponseTooLargeError, match="max_response_bytes=99"):
        decode([*lines, b"\n"], max_event=99)


def test_the_event_cap_counts_one_event_not_the_stream() -> None:
    body = b"data: " + b"x" * 40 + b"\n\n"
    assert decode([body * 50], max_event=100) == [("message", "x" * 40)] * 50
