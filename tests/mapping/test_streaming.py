"""Streaming: the event state machine (pure) and `stream`/`astream` of the
chat model over `httpx2.MockTransport` (sync and async)."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage, AIMessageChunk

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter._mapping.stream import ResponseStreamParser
from langchain_onerouter.errors import (
    AuthenticationError,
    BadRequestError,
    OneRouterError,
    ResponseFailedError,
    StreamError,
)
from langchain_onerouter.testing.protocol import item_events, numbered
from tests.support.bodies import (
    function_call_item,
    message_item,
    reasoning_item,
    response,
    usage,
)
from tests.support.events import (
    created,
    finished,
    message_events,
    reasoning_events,
    sse,
)
from tests.support.models import Recorder, TrackedStream
from tests.support.scripted_server import Recorded
from tests.support.streams import aggregate, assert_matches, feed_all, strip_index

# -- helpers -------------------------------------------------------------------


# -- the state machine ---------------------------------------------------------


def test_text_deltas_become_chunks_as_they_arrive() -> None:
    final = response(message_item("Hello, world!", item_id="msg_s1"))
    events = [
        created(),
        *message_events(["Hel", "lo, ", "world!"]),
        finished(*final["output"]),
    ]
    parser = ResponseStreamParser()
    texts = []
    for event in events[:-1]:
        texts.append("".join(c.text for c in parser.feed(event)))
    assert [t for t in texts if t] == ["Hel", "lo, ", "world!"]
    last = parser.feed(events[-1])
    assert parser.done
    assert (
        last[-1].usage_metadata
        == response_to_message(events[-1]["response"]).usage_metadata
    )
    assert parser.finish() == []


@pytest.mark.parametrize("is_numbered", [True, False])
def test_text_aggregate_equals_invoke(is_numbered: bool) -> None:
    annotation = {
        "type": "url_citation",
        "url": "https://a.example",
        "start_index": 0,
        "end_index": 5,
        "title": "A",
    }
    item = message_item("Paris is nice", item_id="msg_s1")
    item["content"][0]["annotations"] = [annotation]
    done = finished(item, resp_id="resp_s1")
    events = [
        created(),
        *message_events(["Paris", " is", " nice"], annotations=[annotation]),
        done,
    ]
    chunks, _ = feed_all(numbered(events) if is_numbered else events)
    assert_matches(chunks, response_to_message(done["response"]))
    assert aggregate(chunks).id == "resp_s1"


def test_rotating_item_ids_correlate_by_output_index() -> None:
    events = [created(), *message_events(["a", "b", "c"])]
    for n, event in enumerate(events[1:]):  # a new item id on every event
        if "item_id" in event:
            event["item_id"] = f"rot_{n}"
        if "item" in event:
            event["item"] = {**event["item"], "id": f"rot_item_{n}"}
    done = finished(message_item("abc", item_id="rot_final"))
    chunks, _ = feed_all([*events, done])
    full = aggregate(chunks)
    assert full.text == "abc"
    assert len(full.content) == 1  # one block, not one per id
    assert_matches(chunks, response_to_message(done["response"]))


def test_refusal_streams_into_block_and_additional_kwargs() -> None:
    where = {"item_id": "msg_r", "output_index": 0, "content_index": 0}
    item = {"id": "msg_r", "type": "message", "role": "assistant", "content": []}
    final_item = {
        **item,
        "status": "completed",
        "content": [{"type": "refusal", "refusal": "I can't help."}],
    }
    events = [
        created(),
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": "response.refusal.delta", **where, "delta": "I can't"},
        {"type": "response.refusal.delta", **where, "delta": " help."},
        {"type": "response.refusal.done", **where, "refusal": "I can't help."},
        {"type": "response.output_item.done", "output_index": 0, "item": final_item},
        finished(final_item),
    ]
    chunks, _ = feed_all(events)
    assert_matches(chunks, response_to_message(events[-1]["response"]))
    assert aggregate(chunks).additional_kwargs["refusal"] == "I can't help."


def test_reasoning_summaries_several_parts_and_items() -> None:
    first = reasoning_events(
        [["Think", "ing"], ["More"]], item_id="rs_1", encrypted="enc1"
    )
    second = reasoning_events(
        [["Again"]], item_id="rs_2", output_index=1, encrypted="enc2"
    )
    text = message_events(["Done."], item_id="msg_1", output_index=2)
    output = [
        reasoning_item("rs_1", ["Thinking", "More"], encrypted="enc1"),
        reasoning_item("rs_2", ["Again"], encrypted="enc2"),
        message_item("Done.", item_id="msg_1"),
    ]
    done = finished(*output)
    chunks, _ = feed_all([created(), *first, *second, *text, done])
    assert_matches(chunks, response_to_message(done["response"]))
    full = aggregate(chunks)
    reasoning = [b for b in full.content_blocks if b["type"] == "reasoning"]
    assert [b["reasoning"] for b in reasoning] == ["Thinking", "More", "Again"]
    # summary deltas are visible live, on their own chunks
    live = [b for c in chunks for b in c.content_blocks if b["type"] == "reasoning"]
    assert any(b.get("reasoning") == "Think" for b in live)


def test_encrypted_content_from_item_done_when_completed_has_no_output() -> None:
    events = [
        created(),
        *reasoning_events([["Hm"]], encrypted="gAAA-secret"),
        *message_events(["Hi"], output_index=1),
    ]
    done = finished()  # some providers send an empty output on completion
    chunks, _ = feed_all([*events, done])
    full = aggregate(chunks)
    block = strip_index(full.content[0])
    assert block == {
        "type": "reasoning",
        "id": "rs_s1",
        "encrypted_content": "gAAA-secret",
        "summary": [{"type": "summary_text", "text": "Hm"}],
    }
    assert full.text == "Hi"
    # a streamed turn replays like an invoked one
    from langchain_onerouter._mapping.history import assistant_items

    items = assistant_items(
        AIMessage(content=full.content, tool_calls=full.tool_calls), 0
    )
    assert items[0]["encrypted_content"] == "gAAA-secret"
    assert items[0]["summary"] == [{"type": "summary_text", "text": "Hm"}]


def test_completed_output_wins_over_item_done_for_constant_fields() -> None:
    events = [created(), *reasoning_events([["Hm"]], encrypted="first-copy")]
    done = finished(reasoning_item("rs_s1", ["Hm"], encrypted="final-copy"))
    chunks, _ = feed_all([*events, done])
    assert_matches(chunks, response_to_message(done["response"]))
    assert (
        sum("encrypted_content" in (c.content[0] if c.content else {}) for c in chunks)
        == 1
    )


@pytest.mark.parametrize(
    "name", ["response.reasoning_text.delta", "response.reasoning.delta"]
)
def test_raw_reasoning_text(name: str) -> None:
    item = {"id": "rs_raw", "type": "reasoning", "summary": [], "content": []}
    where = {"item_id": "rs_raw", "output_index": 0, "content_index": 0}
    final = {**item, "content": [{"type": "reasoning_text", "text": "Let me see"}]}
    events = [
        created(),
        {"type": "response.output_item.added", "output_index": 0, "item": item},
        {"type": name, **where, "delta": "Let me"},
        {"type": name, **where, "delta": " see"},
        {"type": "response.output_item.done", "output_index": 0, "item": final},
        finished(final),
    ]
    chunks, _ = feed_all(events)
    assert_matches(chunks, response_to_message(events[-1]["response"]))
    raw = [
        c.content[0]["content"]
        for c in chunks
        if c.content and c.content[0].get("content")
    ]
    assert raw[0] == [{"index": 0, "type": "reasoning_text", "text": "Let me"}]


def test_parallel_function_calls_interleaved() -> None:
    a = function_call_item("get_weather", '{"city": "Paris"}', "call_a", "fc_a")
    b = function_call_item("get_time", '{"tz": "UTC"}', "call_b", "fc_b")
    # added, delta, delta, arguments done, item done; the two calls interleaved
    ea = list(item_events(0, a, deltas=[['{"city": ', '"Paris"}']]))
    eb = list(item_events(1, b, deltas=[['{"tz": ', '"UTC"}']]))
    events = [created(), ea[0], eb[0], ea[1], eb[1], ea[2], eb[2], *ea[3:], *eb[3:]]
    events.append(finished(a, b))
    chunks, _ = feed_all(events)
    assert_matches(chunks, response_to_message(events[-1]["response"]))
    indexes = [tc["index"] for c in chunks for tc in c.tool_call_chunks]
    assert set(indexes) == {0, 1}
    first = [tc for c in chunks for tc in c.tool_call_chunks][:2]
    assert [(t["name"], t["id"], t["index"]) for t in first] == [
        ("get_weather", "call_a", 0),
        ("get_time", "call_b", 1),
    ]
    full = aggregate(chunks)
    assert [(t["name"], t["args"], t["id"]) for t in full.tool_calls] == [
        ("get_weather", {"city": "Paris"}, "call_a"),
        ("get_time", {"tz": "UTC"}, "call_b"),
    ]


def test_tool_call_ordinal_counts_only_function_calls() -> None:
    call = function_call_item("f", "{}", "call_x", "fc_x")
    events = [
        created(),
        *reasoning_events([["r"]]),
        *message_events(["t"], output_index=1),
        # no deltas: the arguments arrive only with arguments.done
        *(e for e in item_events(2, call) if not e["type"].endswith(".delta")),
    ]
    chunks, _ = feed_all(
        [
            *events,
            finished(
                reasoning_item("rs_s1", ["r"]),
                message_item("t", item_id="msg_s1"),
                call,
            ),
        ]
    )
    assert {tc["index"] for c in chunks for tc in c.tool_call_chunks} == {0}
    assert aggregate(chunks).tool_calls[0]["args"] == {}


def test_items_only_sent_as_output_item_done() -> None:
    output = [
        reasoning_item("rs_o", ["why"], encrypted="e"),
        message_item("Only done", item_id="msg_o"),
        function_call_item("f", '{"x": 1}', "call_o", "fc_o"),
    ]
    events = [created()]
    events += [
        {"type": "response.output_item.done", "output_index": n, "item": item}
        for n, item in enumerate(output)
    ]
    parser = ResponseStreamParser()
    live = [c for e in events for c in parser.feed(e)]
    assert "".join(c.text for c in live) == "Only done"  # before completion
    chunks = live + parser.feed(finished(*output))
    assert_matches(chunks, response_to_message(response(*output)))


def test_completed_only_stream_yields_whole_response() -> None:
    body = response(
        reasoning_item("rs_c", ["s"]), message_item("all at once", item_id="msg_c")
    )
    chunks, _ = feed_all([{"type": "response.completed", "response": body}])
    assert_matches(chunks, response_to_message(body))


def test_other_item_types_kept_whole() -> None:
    search = {
        "id": "ws_1",
        "type": "web_search_call",
        "status": "completed",
        "action": {"type": "search", "query": "news"},
    }
    custom = {
        "id": "ctc_1",
        "type": "custom_tool_call",
        "call_id": "call_c",
        "name": "sql",
        "input": "SELECT 1",
    }
    events = [
        created(),
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": {**search, "status": "in_progress", "action": None},
        },
        {
            "type": "response.web_search_call.searching",
            "output_index": 0,
            "item_id": "ws_1",
        },
        {"type": "response.output_item.done", "output_index": 0, "item": search},
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {**custom, "input": ""},
        },
        {
            "type": "response.custom_tool_call_input.delta",
            "output_index": 1,
            "item_id": "ctc_1",
            "delta": "SELECT 1",
        },
        {"type": "response.output_item.done", "output_index": 1, "item": custom},
        *message_events(["ok"], output_index=2),
        finished(search, custom, message_item("ok", item_id="msg_s1")),
    ]
    chunks, _ = feed_all(events)
    assert_matches(chunks, response_to_message(events[-1]["response"]))
    whole = [
        c.content[0]
        for c in chunks
        if c.content and c.content[0]["type"] == "web_search_call"
    ]
    assert strip_index(whole[0]) == search
    for chunk in chunks:
        chunk.content_blocks  # noqa: B018 - translator must accept every chunk


def test_unknown_and_malformed_events_are_ignored() -> None:
    done = finished(message_item("x", item_id="msg_s1"))
    events = [
        created(),
        {"type": "response.brand_new_event", "foo": 1},
        {"no_type": True},
        {"type": None},
        {"type": "response.output_item.added"},  # no item
        {"type": "response.output_text.annotation.added", "annotation": "not-a-dict"},
        *message_events(["x"]),
        {"type": "response.output_item.done", "item": "garbage"},
        done,
    ]
    chunks, _ = feed_all(events)
    assert_matches(chunks, response_to_message(done["response"]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(
                    [
                        "response.output_text.delta",
                        "response.output_item.added",
                        "response.output_item.done",
                        "response.reasoning_summary_text.delta",
                        "response.function_call_arguments.delta",
                        "response.content_part.done",
                        "response.reasoning_summary_part.added",
                        "response.refusal.done",
                        "response.completed",
                        "response.output_text.done",
                        "x.unknown",
                    ]
                )
            },
            optional={
                "delta": st.one_of(st.text(max_size=5), st.integers(), st.none()),
                "output_index": st.one_of(st.integers(0, 3), st.text(max_size=2)),
                "item_id": st.one_of(st.text(max_size=3), st.none()),
                "content_index": st.integers(0, 2),
                "summary_index": st.integers(0, 2),
                "item": st.one_of(
                    st.none(),
                    st.fixed_dictionaries(
                        {
                            "type": st.sampled_from(
                                ["message", "reasoning", "function_call", "x"]
                            )
                        },
                        optional={
                            "id": st.text(max_size=3),
                            "arguments": st.text(max_size=3),
                            "content": st.just([{"type": "output_text", "text": "t"}]),
                        },
                    ),
                ),
                "text": st.one_of(st.text(max_size=5), st.none()),
                "part": st.one_of(
                    st.none(), st.just({"type": "output_text", "text": "p"})
                ),
                "response": st.just(response()),
            },
        ),
        max_size=12,
    ),
    st.one_of(st.none(), st.just(["ab"])),
)
def test_fuzzed_event_sequences_never_crash(
    events: list[dict], stop: list[str] | None
) -> None:
    try:
        chunks, _ = feed_all(events, stop=stop)
    except OneRouterError:
        return  # only typed errors, and only for an unfinished stream
    if chunks:
        aggregate(chunks).content_blocks  # noqa: B018


def test_incomplete_response_ends_the_stream() -> None:
    item = message_item("Trunc", item_id="msg_s1", status="incomplete")
    done = finished(
        item, kind="incomplete", incomplete_details={"reason": "max_output_tokens"}
    )
    chunks, _ = feed_all([created(), *message_events(["Trunc"], with_done=False), done])
    assert_matches(chunks, response_to_message(done["response"]))
    meta = chunks[-1].response_metadata
    assert meta["status"] == "incomplete"
    assert meta["incomplete_details"] == {"reason": "max_output_tokens"}


def test_final_chunk_metadata() -> None:
    done = finished(
        message_item("x", item_id="msg_s1"),
        resp_id="resp_meta",
        model="openai/gpt-5",
        use=usage(inp=100, out=7, cached=40, reasoning=3),
    )
    chunks, _ = feed_all([created(), *message_events(["x"]), done])
    last = chunks[-1]
    assert last.id == "resp_meta"
    assert last.response_metadata["model_name"] == "openai/gpt-5"
    assert last.response_metadata["status"] == "completed"
    assert last.usage_metadata == {
        "input_tokens": 100,
        "output_tokens": 7,
        "total_tokens": 107,
        "input_token_details": {"cache_read": 40},
        "output_token_details": {"reasoning": 3},
    }
    assert sum(1 for c in chunks if (c.usage_metadata or {}).get("input_tokens")) == 1


# -- failures ------------------------------------------------------------------


@pytest.mark.parametrize(
    "error_event",
    [
        {
            "type": "error",
            "code": "server_error",
            "message": "upstream exploded",
            "param": None,
        },
        {
            "type": "error",
            "error": {"code": "server_error", "message": "upstream exploded"},
        },
    ],
)
def test_error_event_raises_after_yielded_chunks(error_event: dict) -> None:
    parser = ResponseStreamParser()
    got = []
    with pytest.raises(StreamError) as info:
        for event in [
            created(),
            *message_events(["partial"], with_done=False),
            error_event,
        ]:
            got += parser.feed(event)
    assert "".join(c.text for c in got) == "partial"
    assert info.value.message == "upstream exploded"
    assert info.value.code == "server_error"


def test_response_failed_raises_response_failed_error() -> None:
    failed = finished(
        kind="failed", error={"code": "rate_limit_exceeded", "message": "slow down"}
    )
    with pytest.raises(ResponseFailedError) as info:
        feed_all([created(), failed])
    assert info.value.message == "slow down"
    assert info.value.code == "rate_limit_exceeded"


def test_stream_ending_before_completed_raises() -> None:
    parser = ResponseStreamParser()
    got = [c for e in [created(), *message_events(["cut"])] for c in parser.feed(e)]
    assert "".join(c.text for c in got) == "cut"
    assert not parser.done
    with pytest.raises(StreamError, match="before response.completed"):
        parser.finish()


# -- through the chat model (MockTransport) --------------------------------------


def story_events(resp_id: str = "resp_s1") -> tuple[list[dict], dict]:
    deltas = ["Once", " upon", " a", " time", "."]
    final = response(
        reasoning_item("rs_s1", ["plan"], encrypted="enc"),
        message_item("".join(deltas), item_id="msg_s1"),
        resp_id=resp_id,
    )
    events = [
        created(resp_id),
        *reasoning_events([["plan"]], encrypted="enc"),
        *message_events(deltas, output_index=1),
        {"type": "response.completed", "response": final},
    ]
    return numbered(events), final


FRAMINGS = [
    pytest.param({}, id="event+data,LF,[DONE]"),
    pytest.param({"named": False}, id="data-only"),
    pytest.param({"crlf": True}, id="CRLF"),
    pytest.param({"done": False}, id="no-[DONE]"),
    pytest.param({"keepalive": True, "named": False, "crlf": True}, id="keepalive"),
]


@pytest.mark.parametrize("framing", FRAMINGS)
def test_model_stream_sync(framing: dict) -> None:
    events, final = story_events()
    server = Recorder.always(sse(events, **framing))
    chunks = list(server.model().stream("Write a short story about AI"))
    assert [c.text for c in chunks if c.text] == ["Once", " upon", " a", " time", "."]
    assert_matches(chunks, response_to_message(final))
    assert server.requests[0].json()["stream"] is True
    assert server.streams[0].closed


@pytest.mark.parametrize("framing", FRAMINGS)
async def test_model_stream_async(framing: dict) -> None:
    events, final = story_events()
    server = Recorder.always(sse(events, **framing))
    chunks = [c async for c in server.model().astream("Write a short story about AI")]
    assert_matches(chunks, response_to_message(final))
    assert server.streams[0].closed


class TokenRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.tokens: list[str] = []

    def on_llm_new_token(self, token: Any, **kwargs: Any) -> None:
        # LangChain passes the chunk's content (blocks); the text is on `chunk`
        self.tokens.append(kwargs["chunk"].message.text)


def test_callbacks_receive_tokens_sync_and_invoke_streaming_equals_invoke() -> None:
    events, final = story_events()

    def reply(request: Recorded) -> Any:
        if request.json().get("stream"):
            return sse(events)
        return httpx2.Response(200, json=final)

    server = Recorder.always(reply)
    recorder = TokenRecorder()
    streamed = server.model(streaming=True).invoke(
        "hi", config={"callbacks": [recorder]}
    )
    assert [t for t in recorder.tokens if t] == ["Once", " upon", " a", " time", "."]
    plain = server.model().invoke("hi")
    assert [r.json().get("stream") for r in server.requests] == [True, None]
    assert streamed.text == plain.text
    assert strip_index(streamed.content) == plain.content
    assert streamed.tool_calls == plain.tool_calls
    assert streamed.usage_metadata == plain.usage_metadata
    assert streamed.id == plain.id


async def test_callbacks_receive_tokens_async_and_ainvoke_streaming() -> None:
    events, final = story_events()
    server = Recorder.always(sse(events))
    recorder = TokenRecorder()
    streamed = await server.model(streaming=True).ainvoke(
        "hi", config={"callbacks": [recorder]}
    )
    assert [t for t in recorder.tokens if t] == ["Once", " upon", " a", " time", "."]
    assert strip_index(streamed.content) == response_to_message(final).content


async def test_astream_events_v2_shows_stream_events() -> None:
    events, _ = story_events()
    server = Recorder.always(sse(events))
    seen = [
        e
        async for e in server.model().astream_events("hi", version="v2")
        if e["event"] == "on_chat_model_stream"
    ]
    assert "".join(e["data"]["chunk"].text for e in seen) == "Once upon a time."


def test_malformed_json_raises_stream_error_naming_event() -> None:
    body = sse([created()]).replace(
        b"data: [DONE]", b"event: response.output_text.delta\ndata: {nope"
    )
    server = Recorder.always(body)
    with pytest.raises(StreamError, match="response.output_text.delta"):
        list(server.model().stream("hi"))


async def test_malformed_json_raises_async() -> None:
    server = Recorder.always(b'event: response.created\ndata: {"type": \n\n')
    with pytest.raises(StreamError, match="response.created"):
        [c async for c in server.model().astream("hi")]


def test_early_break_closes_the_response_sync() -> None:
    events, _ = story_events()
    server = Recorder.always(sse(events))
    for chunk in server.model().stream("hi"):
        if chunk.text:
            break
    assert server.streams[0].closed
    assert server.streams[0].sent < len(server.streams[0].chunks)


async def test_early_break_closes_the_response_async() -> None:
    events, _ = story_events()
    server = Recorder.always(sse(events))
    stream = server.model().astream("hi")
    async for chunk in stream:
        if chunk.text:
            break
    await stream.aclose()  # what `async for` + `break` leaves to the caller/GC
    assert server.streams[0].closed


@pytest.mark.parametrize("is_async", [False, True])
async def test_stop_sequence_closes_connection(is_async: bool) -> None:
    events, _ = story_events()
    server = Recorder.always(sse(events))
    model = server.model()
    if is_async:
        chunks = [c async for c in model.astream("hi", stop=[" a"])]
    else:
        chunks = list(model.stream("hi", stop=[" a"]))
    assert aggregate(chunks).text == "Once upon"
    assert chunks[-1].response_metadata["stop_sequence"] == " a"
    assert server.streams[0].closed
    assert server.streams[0].sent < len(server.streams[0].chunks)


@pytest.mark.parametrize("is_async", [False, True])
async def test_connection_drop_mid_stream(is_async: bool) -> None:
    events, _ = story_events()
    body = sse(events)
    pieces = [body[i : i + 40] for i in range(0, len(body), 40)]
    server = Recorder.always(TrackedStream(pieces, fail_after=len(pieces) - 3))
    model = server.model(max_retries=3)
    got: list[AIMessageChunk] = []
    with pytest.raises(StreamError, match="mid-stream"):
        if is_async:
            async for chunk in model.astream("hi"):
                got.append(chunk)
        else:
            for chunk in model.stream("hi"):
                got.append(chunk)
    assert "".join(c.text for c in got) == "Once upon a time."  # yielded stays yielded
    assert len(server.requests) == 1  # nothing is retried once events arrived


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (401, {"error": {"message": "bad key", "code": 401}}, AuthenticationError),
        (
            400,
            {"error": {"message": "bad input", "code": "invalid_prompt"}},
            BadRequestError,
        ),
    ],
)
@pytest.mark.parametrize("is_async", [False, True])
async def test_http_error_on_stream_same_as_invoke(
    status: int, error: dict, expected: type, is_async: bool
) -> None:
    server = Recorder.always(lambda body: httpx2.Response(status, json=error))
    model = server.model()
    with pytest.raises(expected) as streamed:
        if is_async:
            [c async for c in model.astream("hi")]
        else:
            list(model.stream("hi"))
    with pytest.raises(expected) as invoked:
        model.invoke("hi")
    assert type(streamed.value) is type(invoked.value)
    assert streamed.value.message == invoked.value.message == error["error"]["message"]
    assert streamed.value.status_code == status


def test_stream_error_event_through_model() -> None:
    events = [
        created(),
        *message_events(["par", "tial"], with_done=False),
        {"type": "error", "code": "server_error", "message": "boom"},
        finished(kind="failed", error={"code": "server_error", "message": "boom"}),
    ]
    server = Recorder.always(sse(events))
    got = []
    with pytest.raises(StreamError, match="boom"):
        for chunk in server.model().stream("hi"):
            got.append(chunk.text)
    assert "".join(got) == "partial"
    assert server.streams[0].closed


@pytest.mark.parametrize("is_async", [False, True])
async def test_truncated_stream_through_model_raises(is_async: bool) -> None:
    events, _ = story_events()
    server = Recorder.always(
        sse(events[:-1], done=True)
    )  # [DONE] but no response.completed
    model = server.model()
    with pytest.raises(StreamError, match="before response.completed"):
        if is_async:
            [c async for c in model.astream("hi")]
        else:
            list(model.stream("hi"))


def test_non_sse_answer_to_stream_request() -> None:
    _, final = story_events()
    server = Recorder.always(httpx2.Response(200, json=final))
    chunks = list(server.model().stream("hi"))
    assert_matches(chunks, response_to_message(final))


# -- langchain_tests' streaming checks, run offline ------------------------------


def _standard_model(output_version: str | None = None) -> ChatOneRouterResponses:
    events, _ = story_events()
    server = Recorder.always(sse(events))
    kw = {"output_version": output_version} if output_version else {}
    return server.model(**kw)


@pytest.mark.parametrize("output_version", [None, "v1"])
def test_langchain_tests_stream(output_version: str | None) -> None:
    from langchain_tests.integration_tests import ChatModelIntegrationTests

    ChatModelIntegrationTests.test_stream(None, _standard_model(output_version))  # type: ignore[arg-type]


@pytest.mark.parametrize("output_version", [None, "v1"])
async def test_langchain_tests_astream(output_version: str | None) -> None:
    from langchain_tests.integration_tests import ChatModelIntegrationTests

    await ChatModelIntegrationTests.test_astream(None, _standard_model(output_version))  # type: ignore[arg-type]


def test_langchain_tests_stream_events_v3() -> None:
    from langchain_tests.integration_tests import ChatModelIntegrationTests

    ChatModelIntegrationTests.test_stream_events_v3(None, _standard_model())  # type: ignore[arg-type]


async def test_langchain_tests_astream_events_v3() -> None:
    from langchain_tests.integration_tests import ChatModelIntegrationTests

    await ChatModelIntegrationTests.test_astream_events_v3(None, _standard_model())  # type: ignore[arg-type]
