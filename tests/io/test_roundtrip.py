"""Round trip: any response, mapped to an AIMessage (invoke, or the stream
aggregate) and replayed as history, gives back the same input items: ids,
reasoning with its encrypted content, tool calls and text."""

from __future__ import annotations

import functools
import json
import operator
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, HumanMessage

from langchain_onerouter._mapping.request import messages_to_input
from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter._mapping.stream import ResponseStreamParser
from tests.support.bodies import response
from tests.support.profiles import RELIABILITY

ids = st.text("0123456789abcdef", min_size=6, max_size=12)
text = st.text(min_size=1, max_size=30)
json_values = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(10**6), 10**6), st.text(max_size=8)
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=5), inner, max_size=3),
    ),
    max_leaves=6,
)


@st.composite
def output_items(draw: Any, store: bool) -> list[dict[str, Any]]:
    kinds = draw(
        st.lists(st.sampled_from(["message", "reasoning", "function_call"]), max_size=6)
    )
    unique = draw(st.lists(ids, min_size=len(kinds), max_size=len(kinds), unique=True))
    items: list[dict[str, Any]] = []
    for kind, uid in zip(kinds, unique, strict=True):
        if kind == "message":
            parts = draw(st.lists(text, min_size=1, max_size=3))
            items.append(
                {
                    "type": "message",
                    "id": f"msg_{uid}",
                    "role": "assistant",
                    "status": "completed",
                    "content": [
                        {"type": "output_text", "text": t, "annotations": []}
                        for t in parts
                    ],
                }
            )
        elif kind == "reasoning":
            item = {
                "type": "reasoning",
                "id": f"rs_{uid}",
                "summary": [
                    {"type": "summary_text", "text": t}
                    for t in draw(st.lists(text, max_size=2))
                ],
            }
            # Stateless replay needs the encrypted content; store=True replays by id.
            if not store or draw(st.booleans()):
                item["encrypted_content"] = draw(text)
            items.append(item)
        else:
            args = draw(st.dictionaries(st.text(max_size=6), json_values, max_size=3))
            items.append(
                {
                    "type": "function_call",
                    "id": f"fc_{uid}",
                    "call_id": f"call_{uid}",
                    "name": draw(
                        st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,12}", fullmatch=True)
                    ),
                    "arguments": json.dumps(args),
                    "status": "completed",
                }
            )
    return items


def as_input(item: dict[str, Any]) -> dict[str, Any]:
    """The input item an output item must be replayed as."""
    if item["type"] == "message":
        return {
            "type": "message",
            "role": "assistant",
            "id": item["id"],
            "status": "completed",
            "content": [{**p, "logprobs": []} for p in item["content"]],
        }
    if item["type"] == "reasoning":
        return {
            k: item[k]
            for k in ("type", "id", "summary", "encrypted_content")
            if k in item
        }
    return {
        "type": "function_call",
        "id": item["id"],
        "call_id": item["call_id"],
        "name": item["name"],
        "arguments": json.loads(item["arguments"]),
    }


def replayed(message: AIMessage, store: bool) -> list[dict[str, Any]]:
    items = messages_to_input(
        [HumanMessage("q"), message], replay_reasoning_by_id=store
    )[1:]
    for item in items:
        if item["type"] == "function_call":
            item["arguments"] = json.loads(item["arguments"])
    return items


@RELIABILITY
@given(
    st.booleans().flatmap(lambda store: st.tuples(st.just(store), output_items(store)))
)
def test_invoke_message_replays_as_the_same_items(case: tuple[bool, list]) -> None:
    store, output = case
    message = response_to_message(response(*output))
    assert replayed(message, store) == [as_input(i) for i in output]


@RELIABILITY
@given(output_items(store=False))
def test_stream_aggregate_replays_as_the_same_items(output: list) -> None:
    parser = ResponseStreamParser()
    chunks = parser.feed({"type": "response.completed", "response": response(*output)})
    full = functools.reduce(operator.add, chunks + parser.finish())
    assert replayed(full, store=False) == [as_input(i) for i in output]
