"""Issue 29 item 2 over a loopback server, in the four ways a stream is
consumed (`stream`, `astream`, `invoke`/`ainvoke` with `streaming=True`):
duplicated events give the right text, reversed deltas and a contradicting
`response.completed` a `StreamError`, and a final text the deltas fell short
of is what the aggregated message says, with one warning."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.errors import StreamError
from langchain_onerouter.testing.protocol import numbered
from tests.support.events import frames
from tests.support.modes import KEY, MODES, SSE_HEADERS, Outcome, call
from tests.support.scripted_server import RawReply, ScriptedServer
from tests.support.streams import TEXT, deltas_only, text_stream


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


async def run(
    server: ScriptedServer, mode: str, events: list[dict[str, Any]]
) -> tuple[Outcome, list[warnings.WarningMessage]]:
    server.push(RawReply(headers=SSE_HEADERS, chunks=frames(events)))
    llm = ChatOneRouterResponses(
        model="m", api_key=KEY, base_url=server.base_url, streaming=True
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = await call(llm, mode)
    assert len(server.requests) == 1  # never retried, never a second request
    return out, [w for w in caught if issubclass(w.category, UserWarning)]


@pytest.mark.parametrize("mode", MODES)
async def test_every_event_twice_gives_the_right_text(
    server: ScriptedServer, mode: str
) -> None:
    doubled = [e for event in numbered(text_stream()) for e in (event, event)]
    out, caught = await run(server, mode, doubled)
    assert out.error is None
    assert out.message is not None and out.message.text == TEXT
    assert caught == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("numbers", [True, False])
async def test_reversed_deltas_raise(
    server: ScriptedServer, mode: str, numbers: bool
) -> None:
    events = numbered(text_stream()) if numbers else text_stream()
    at = [i for i, e in enumerate(events) if e["type"].endswith("text.delta")]
    events[at[0] : at[-1] + 1] = reversed(events[at[0] : at[-1] + 1])
    out, _ = await run(server, mode, events)
    assert isinstance(out.error, StreamError)
    assert out.error.code == ("out_of_order" if numbers else "stream_mismatch")
    assert out.message is None  # no scrambled answer reaches the caller


@pytest.mark.parametrize("mode", MODES)
async def test_contradicting_completed_raises(
    server: ScriptedServer, mode: str
) -> None:
    events = deltas_only(numbered(text_stream(final="echo:a different answer")))
    out, _ = await run(server, mode, events)
    assert isinstance(out.error, StreamError)
    assert out.error.code == "stream_mismatch"
    assert out.message is None


@pytest.mark.parametrize("mode", MODES)
async def test_completed_with_more_text_is_the_answer(
    server: ScriptedServer, mode: str
) -> None:
    final = TEXT + ", and the rest the deltas lost"
    out, caught = await run(server, mode, deltas_only(text_stream(final=final)))
    assert out.error is None
    assert out.message is not None and out.message.text == final
    assert len([w for w in caught if "lost part" in str(w.message)]) == 1
