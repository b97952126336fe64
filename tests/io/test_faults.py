"""The fault table over real loopback sockets, in all four call modes.

Every case asserts the exact outcome (the answer after the right number of
attempts, or the typed error carrying the server's message) within a time
bound. Raw faults come from the stdlib scripted server, so it can misbehave
in ways a framework would not (RSTs, stalls, half bodies, gzip, redirects).
Rate limits and retry counts (429, Retry-After, 5xx storms) are transport
behaviour: tests/io/test_transport.py.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import httpx2
import pytest

from langchain_onerouter import errors
from tests.support import bodies
from tests.support.models import model
from tests.support.modes import (
    SSE_HEADERS,
    STREAM_MODES,
    call,
    final_body,
    frames,
    gzip_reply,
    ok_reply,
    stream_events,
)
from tests.support.scripted_server import RawReply, ScriptedServer, closed_port

pytestmark = pytest.mark.timeout(30)
INVOKE_MODES = ("invoke", "ainvoke")


# -- connections -----------------------------------------------------------------


async def test_connection_refused(mode: str) -> None:
    sleeps: list[float] = []
    url = f"http://127.0.0.1:{closed_port()}/v1"
    out = await call(model(url, sleeps, max_retries=2), mode)
    assert isinstance(out.error, errors.APIConnectionError)
    assert "ConnectError" in out.error.message
    assert len(sleeps) == 2  # retried max_retries times
    assert out.seconds < 3


@pytest.mark.parametrize("resets", [1, 3])
async def test_reset_mid_request(
    server: ScriptedServer, mode: str, resets: int
) -> None:
    """The server reads the request and answers with a TCP RST."""
    server.push(*[RawReply(reset=True)] * resets)
    server.push(ok_reply("second try", streaming=mode in STREAM_MODES))
    out = await call(model(server.base_url, max_retries=2), mode)
    if resets == 1:
        assert out.error is None and out.message is not None
        assert out.message.text == "second try"
        assert len(server.requests) == 2
    else:
        assert isinstance(out.error, errors.APIConnectionError)
        assert len(server.requests) == 3
    assert out.seconds < 5


async def test_reset_mid_body(server: ScriptedServer, mode: str) -> None:
    """A JSON body cut halfway is retried; a stream cut after events is not
    (its tokens were already delivered) and raises StreamError."""
    if mode in STREAM_MODES:
        events = frames(stream_events("one two three four five six"))
        server.push(RawReply(headers=SSE_HEADERS, chunks=events[:5], drop=True))
    else:
        server.push(RawReply(body=final_body("cut short"), drop=True))
    server.push(ok_reply("whole", streaming=mode in STREAM_MODES))
    out = await call(model(server.base_url, max_retries=2), mode)
    if mode in STREAM_MODES:
        assert isinstance(out.error, errors.StreamError)
        assert "connection lost mid-stream" in out.error.message
        assert "".join(c.text for c in out.chunks).startswith("one two")
        assert len(server.requests) == 1
    else:
        assert out.error is None and out.message is not None
        assert out.message.text == "whole"
        assert len(server.requests) == 2
    assert out.seconds < 5


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_reset_before_the_first_event_is_retried(
    server: ScriptedServer, mode: str
) -> None:
    """Nothing was yielded yet: the same policy as a JSON body cut short."""
    first = frames(stream_events("one two"))[0]
    server.push(RawReply(headers=SSE_HEADERS, chunks=[first[:40]], drop=True))
    server.push(ok_reply("whole", streaming=True))
    out = await call(model(server.base_url, [], max_retries=2), mode)
    assert out.final().text == "whole"
    assert len(server.requests) == 2


# -- timeouts ----------------------------------------------------------------------


async def test_server_accepts_and_never_answers_read_timeout(
    server: ScriptedServer, mode: str
) -> None:
    server.push(RawReply(hang=3.0), RawReply(hang=3.0))
    llm = model(server.base_url, timeout=httpx2.Timeout(10, read=0.3), max_retries=1)
    out = await call(llm, mode)
    assert isinstance(out.error, errors.APITimeoutError)
    assert out.error.message.startswith("read timeout")
    assert len(server.requests) == 2
    assert 0.6 <= out.seconds < 2.0  # two attempts of ~0.3 s each


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A listener whose accept queue is full: new SYNs are dropped, so
    `connect()` never completes (as behind a black-holing firewall)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    yield f"http://127.0.0.1:{port}/v1"
    for sock in [*fillers, listener]:
        sock.close()


async def test_connect_timeout(full_backlog: str, mode: str) -> None:
    sleeps: list[float] = []
    llm = model(
        full_backlog, sleeps, timeout=httpx2.Timeout(10, connect=0.3), max_retries=1
    )
    out = await call(llm, mode)
    assert isinstance(out.error, errors.APITimeoutError)
    assert out.error.message.startswith("connect timeout")
    assert len(sleeps) == 1
    assert 0.6 <= out.seconds < 2.0  # two attempts of ~0.3 s each


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_stream_stall_between_events_hits_the_read_timeout(
    server: ScriptedServer, mode: str
) -> None:
    """The per-event stall bound of a stream is the httpx2 *read* timeout."""
    events = frames(stream_events("alpha beta gamma"))
    server.push(RawReply(headers=SSE_HEADERS, chunks=events, delay=3.0))
    llm = model(server.base_url, timeout=httpx2.Timeout(10, read=0.4), max_retries=2)
    out = await call(llm, mode)
    assert isinstance(out.error, errors.APITimeoutError)
    assert "stream stalled" in out.error.message
    assert len(server.requests) == 1  # bytes had arrived: never retried
    assert 0.4 <= out.seconds < 1.5


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_slow_stream_within_the_stall_bound_completes(
    server: ScriptedServer, mode: str
) -> None:
    """Gaps shorter than the read timeout never fire it, however long the
    whole stream takes (the bound is per event, not per response)."""
    events = frames(stream_events("a b c d e f"))
    server.push(RawReply(headers=SSE_HEADERS, chunks=events, delay=0.12))
    llm = model(server.base_url, timeout=httpx2.Timeout(10, read=0.4))
    out = await call(llm, mode)
    assert out.error is None and out.message is not None
    assert out.message.text == "a b c d e f"
    assert out.seconds > 0.4 * 2  # the whole stream outlasted the read timeout


# -- broken streams -------------------------------------------------------------------


@pytest.mark.parametrize("mode", STREAM_MODES)
@pytest.mark.parametrize("completed", [True, False])
async def test_done_marker_missing(
    server: ScriptedServer, mode: str, completed: bool
) -> None:
    """`[DONE]` is optional; `response.completed` is what ends a stream."""
    events = stream_events("no done marker")
    if not completed:
        events = events[:-1]
    server.push(RawReply(headers=SSE_HEADERS, chunks=frames(events, done=False)))
    out = await call(model(server.base_url), mode)
    if completed:
        assert out.error is None and out.message is not None
        assert out.message.text == "no done marker"
    else:
        assert isinstance(out.error, errors.StreamError)
        assert "ended before response.completed" in out.error.message
        assert "".join(c.text for c in out.chunks) == "no done marker"
    assert len(server.requests) == 1


async def test_truncated_json(server: ScriptedServer, mode: str) -> None:
    if mode in STREAM_MODES:
        good = frames(stream_events("x y"))
        bad = b'event: response.output_text.delta\ndata: {"type": "response.out\n\n'
        server.push(RawReply(headers=SSE_HEADERS, chunks=[good[0], bad, *good[1:]]))
    else:
        server.push(RawReply(body='{"id": "resp_1", "output": [{"ty'))
    out = await call(model(server.base_url), mode)
    if mode in STREAM_MODES:
        assert isinstance(out.error, errors.StreamError)
        assert "malformed JSON in SSE event 'response.output_text.delta'" in str(
            out.error
        )
    else:
        assert type(out.error) is errors.APIStatusError
        assert "not valid JSON" in out.error.message
        assert '{"id": "resp_1"' in out.error.message  # what arrived
    assert len(server.requests) == 1  # a 200 is not retried


async def test_http_200_body_with_error(server: ScriptedServer, mode: str) -> None:
    body = {
        "id": "resp_9",
        "status": "failed",
        **bodies.error("model crashed", "server_error"),
    }
    server.push(RawReply(body=body))  # even a stream request may get plain JSON
    out = await call(model(server.base_url), mode)
    assert isinstance(out.error, errors.ResponseFailedError)
    assert (out.error.message, out.error.code) == ("model crashed", "server_error")
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_error_event_mid_stream(server: ScriptedServer, mode: str) -> None:
    events = stream_events("partial answer")[:4]
    events.append(
        {"type": "error", **bodies.error("provider overloaded", "overloaded")}
    )
    server.push(RawReply(headers=SSE_HEADERS, chunks=frames(events)))
    out = await call(model(server.base_url), mode)
    assert isinstance(out.error, errors.StreamError)
    assert (out.error.message, out.error.code) == ("provider overloaded", "overloaded")
    assert len(server.requests) == 1


# -- proxies ----------------------------------------------------------------------------


PROXY_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>"
    + "<p>nginx</p>" * 20_000
    + "</body></html>"
)


async def test_html_error_page_from_a_proxy(server: ScriptedServer, mode: str) -> None:
    page = RawReply(502, PROXY_PAGE, headers={"Content-Type": "text/html"})
    server.push(page, page)
    out = await call(model(server.base_url, max_retries=1), mode)
    assert type(out.error) is errors.APIStatusError
    assert out.error.status_code == 502
    assert out.error.message == "non-JSON error page: 502 Bad Gateway"
    assert len(str(out.error)) < 200 and len(str(out.error.body)) < 2100
    assert len(server.requests) == 2  # 502 is retried


async def test_html_page_with_status_200(server: ScriptedServer, mode: str) -> None:
    """A captive portal / proxy login page answering 200 is not a response."""
    portal = "<html><head><title>Sign in to Wi-Fi</title></head></html>"
    server.push(RawReply(200, portal, headers={"Content-Type": "text/html"}))
    out = await call(model(server.base_url), mode)
    assert type(out.error) is errors.APIStatusError
    assert "not valid JSON" in out.error.message
    assert "Sign in to Wi-Fi" in out.error.message
    assert len(server.requests) == 1


async def test_gzip_encoded_bodies(server: ScriptedServer, mode: str) -> None:
    server.push(gzip_reply("zipped all the way", streaming=mode in STREAM_MODES))
    out = await call(model(server.base_url), mode)
    assert out.error is None and out.message is not None
    assert out.message.text == "zipped all the way"
    assert "gzip" in server.requests[0].headers.get("Accept-Encoding", "")


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirect_never_forwards_the_key(
    server: ScriptedServer, mode: str, status: int
) -> None:
    with ScriptedServer() as other:  # "another host"
        other.push(ok_reply("stolen", streaming=mode in STREAM_MODES))
        target = f"{other.base_url}/responses"
        server.push(RawReply(status, "", headers={"Location": target}))
        out = await call(model(server.base_url), mode)
        assert type(out.error) is errors.APIStatusError
        assert out.error.status_code == status
        assert "redirect" in out.error.message and target in out.error.message
        assert len(server.requests) == 1  # not retried either
        assert other.requests == []  # the other host received nothing
