"""Per-call limits over real sockets: the total deadline (`total_timeout`),
keep-alive comments counted as silence, caps on decoded bodies and SSE
lines, and settings that could never work rejected at construction."""

from __future__ import annotations

import asyncio
import gc
import gzip
import math
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses, errors
from tests.support.modes import (
    KEY,
    MODES,
    SSE_HEADERS,
    call,
    frames,
    ok_reply,
    rss_bytes,
    stream_events,
)
from tests.support.scripted_server import RawReply, ScriptedServer


def _model(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    kw = {"timeout": 5, "max_retries": 2, "api_key": KEY, **kw}
    return ChatOneRouterResponses(model="o4-mini", base_url=server.base_url, **kw)


def _drip(streaming: bool) -> RawReply:
    """Valid bytes, one every 0.2 s, never finishing within the test."""
    if streaming:
        return RawReply(
            headers=SSE_HEADERS, chunks=[b": keep-alive\n\n"] * 60, delay=0.2
        )
    return RawReply(
        headers={"Content-Type": "application/json"}, chunks=[b" "] * 60, delay=0.2
    )


@pytest.mark.parametrize("mode", MODES)
async def test_total_timeout_ends_a_dripping_call_and_is_not_retried(
    mode: str,
) -> None:
    streaming = mode in ("stream", "astream")
    with ScriptedServer(lambda _: _drip(streaming)) as server:
        llm = _model(server, timeout=30, total_timeout=1.0)
        out = await call(llm, mode)
        assert isinstance(out.error, errors.APITimeoutError), out.error
        assert out.error.code == "total_timeout"
        assert "total_timeout" in str(out.error)
        assert len(server.requests) == 1  # a passed deadline is never retried
        assert out.seconds < 10


@pytest.mark.parametrize("mode", MODES)
async def test_a_retry_wait_past_the_deadline_is_not_slept(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="langchain_onerouter.transport")
    limited = RawReply(
        429, body={"error": {"message": "slow down"}}, headers={"Retry-After": "30"}
    )
    with ScriptedServer(lambda _: limited) as server:
        llm = _model(server, timeout=30, total_timeout=3.0)
        out = await call(llm, mode)
    assert isinstance(out.error, errors.RateLimitError), out.error
    assert out.error.retry_after == 30
    assert out.seconds < 4
    assert len(server.requests) == 1  # the 30 s wait would cross the deadline
    assert "the 30.0 s wait would pass total_timeout" in caplog.text


async def test_a_retry_wait_within_the_deadline_is_still_slept() -> None:
    limited = RawReply(
        429, body={"error": {"message": "x"}}, headers={"Retry-After": "0.3"}
    )
    with ScriptedServer() as server:
        server.push(limited, ok_reply("fine", streaming=False))
        out = await call(_model(server, total_timeout=3.0), "ainvoke")
    assert out.final().text == "fine"
    assert len(server.requests) == 2 and out.seconds >= 0.3


@pytest.mark.parametrize(
    "silence", (b": ping\n\n", b"id: 7\n\n", b"retry: 100\nevent: ping\n\n")
)
@pytest.mark.parametrize("mode", ("stream", "astream"))
async def test_keep_alives_and_data_less_fields_count_as_silence(
    mode: str, silence: bytes
) -> None:
    head = frames(stream_events("hello there"))[:2]  # created + item added
    reply = RawReply(headers=SSE_HEADERS, chunks=[*head, *[silence] * 60], delay=0.2)
    with ScriptedServer() as server:
        server.push(reply)
        llm = _model(server, timeout=1.0, max_retries=0)
        out = await call(llm, mode)
    assert isinstance(out.error, errors.APITimeoutError), out.error
    assert "keep-alive comments do not count" in str(out.error)
    assert out.seconds < 10


@pytest.mark.parametrize("mode", MODES)
async def test_a_gzip_bomb_stops_at_max_response_bytes(mode: str) -> None:
    streaming = mode in ("stream", "astream")
    inflated = b"\n" * (64 * 1024 * 1024) if streaming else b" " * (64 * 1024 * 1024)
    if streaming:  # one endless SSE line, compressed
        inflated = b"data: " + b"x" * (64 * 1024 * 1024)
    bomb = gzip.compress(inflated, compresslevel=1)
    headers = {
        "Content-Type": "text/event-stream" if streaming else "application/json",
        "Content-Encoding": "gzip",
    }
    with ScriptedServer() as server:
        server.push(RawReply(body=bomb, headers=headers))
        llm = _model(
            server, max_response_bytes=1024 * 1024, max_sse_line_bytes=1024 * 1024
        )
        out = await call(llm, mode)
    assert isinstance(out.error, errors.ResponseTooLargeError), out.error
    assert len(server.requests) == 1  # never retried


@pytest.mark.parametrize("asynchronous", (False, True), ids=("get", "aget"))
async def test_a_gzip_bomb_from_the_catalog_stops_at_max_response_bytes(
    asynchronous: bool,
) -> None:
    bomb = gzip.compress(b" " * (64 * 1024 * 1024), compresslevel=1)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with ScriptedServer() as server:
        server.push(RawReply(body=bomb, headers=headers))
        llm = _model(server, max_response_bytes=1024 * 1024)
        with pytest.raises(errors.ResponseTooLargeError, match="max_response_bytes"):
            if asynchronous:
                await llm.alist_models(refresh=True)
            else:
                llm.list_models(refresh=True)
    assert [r.path for r in server.requests] == ["/v1/models"]  # never retried


@pytest.mark.parametrize("mode", ("stream", "astream"))
async def test_one_huge_sse_line_stops_at_max_sse_line_bytes(mode: str) -> None:
    line = b"data: " + b"x" * (4 * 1024 * 1024)
    chunks = [line[i : i + 65536] for i in range(0, len(line), 65536)]
    with ScriptedServer() as server:
        server.push(RawReply(headers=SSE_HEADERS, chunks=chunks))
        llm = _model(server, max_sse_line_bytes=1024 * 1024)
        out = await call(llm, mode)
    assert isinstance(out.error, errors.ResponseTooLargeError), out.error
    assert "max_sse_line_bytes" in str(out.error)


def _one_huge_event(size: int, *, gzipped: bool) -> RawReply:
    """One SSE event of `size` bytes in 1 KB `data:` lines, never ended,
    generated as it is sent (optionally gzip-compressed on the fly)."""
    block = (b"data: " + b"x" * 1017 + b"\n") * 64  # 64 KiB

    def plain() -> Iterator[bytes]:
        for _ in range(size // len(block)):
            yield block

    def compressed() -> Iterator[bytes]:
        packer = zlib.compressobj(1, wbits=31)  # gzip framing
        for piece in plain():
            if out := packer.compress(piece):
                yield out
        yield packer.flush()

    headers = {**SSE_HEADERS, **({"Content-Encoding": "gzip"} if gzipped else {})}
    return RawReply(headers=headers, chunks=compressed() if gzipped else plain())


@pytest.mark.parametrize("gzipped", (False, True), ids=("plain", "gzip"))
@pytest.mark.parametrize("mode", ("stream", "astream"))
async def test_one_event_of_many_short_lines_stops_at_max_response_bytes(
    mode: str, gzipped: bool
) -> None:
    with ScriptedServer() as server:
        server.push(_one_huge_event(8 * 1024 * 1024, gzipped=gzipped))
        llm = _model(server, max_response_bytes=1024 * 1024)
        out = await call(llm, mode)
    assert isinstance(out.error, errors.ResponseTooLargeError), out.error
    assert "one SSE event's data exceeds max_response_bytes" in str(out.error)
    assert len(server.requests) == 1 and not out.chunks


def _peak_rss_during(run: Callable[[], Any]) -> tuple[Any, int]:
    """`run()`'s result and the most this process's RSS grew meanwhile
    (sampled every 5 ms)."""
    base, peak, done = rss_bytes(), [0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = run()
    finally:
        done.set()
        sampler.join()
    return result, max(peak[0], rss_bytes()) - base


@pytest.mark.slow
@pytest.mark.timeout(240)
@pytest.mark.parametrize("gzipped", (False, True), ids=("plain", "gzip"))
@pytest.mark.parametrize("mode", ("stream", "astream"))
def test_a_300_mb_event_ends_bounded_in_memory_and_time(
    mode: str, gzipped: bool
) -> None:
    gc.collect()
    with ScriptedServer() as server:
        server.push(_one_huge_event(300 * 1024 * 1024, gzipped=gzipped))
        llm = _model(server)  # the default caps
        out, growth = _peak_rss_during(lambda: asyncio.run(call(llm, mode)))
    assert isinstance(out.error, errors.ResponseTooLargeError), out.error
    print(
        f"{mode} {'gzip' if gzipped else 'plain'}: RSS growth "
        f"{growth / 2**20:.0f} MiB in {out.seconds:.1f} s"
    )
    assert growth < 200 * 2**20
    assert out.seconds < 60


@pytest.mark.parametrize("at", (0, 3), ids=("first-event", "mid-stream"))
@pytest.mark.parametrize("mode", ("stream", "astream"))
async def test_invalid_utf8_in_a_stream_is_a_stream_error(mode: str, at: int) -> None:
    body = frames(stream_events("caf\u00e9 au lait"))
    body[at] = body[at].replace("\u00e9".encode(), b"\xe9")  # Latin-1 inside
    body[at] = body[at].replace(b'"type"', b'"t\xffype"')
    with ScriptedServer() as server:
        server.push(RawReply(headers=SSE_HEADERS, chunks=body))
        out = await call(_model(server), mode)
    assert isinstance(out.error, errors.StreamError), out.error
    assert "not valid UTF-8" in str(out.error)
    assert "\ufffd" not in "".join(c.text for c in out.chunks)
    assert len(server.requests) == 1


@pytest.mark.parametrize("mode", ("stream", "astream"))
async def test_events_split_anywhere_and_crlf_still_parse(mode: str) -> None:
    body = b"".join(frames(stream_events("split into bytes"))).replace(b"\n", b"\r\n")
    with ScriptedServer() as server:
        server.push(RawReply(headers=SSE_HEADERS, chunks=[bytes([b]) for b in body]))
        out = await call(_model(server), mode)
    assert out.error is None and out.message is not None
    assert out.message.text == "split into bytes"


@pytest.mark.parametrize("name", ["timeout", "total_timeout"])
@pytest.mark.parametrize("value", [0, -1, math.nan, math.inf, 1e300, "soon"])
def test_timeouts_that_cannot_work_are_rejected_naming_the_setting(
    name: str, value: Any
) -> None:
    with pytest.raises(ValueError, match=name):
        ChatOneRouterResponses(model="o4-mini", api_key=KEY, **{name: value})


def test_a_timeout_object_is_checked_phase_by_phase() -> None:
    import httpx2

    with pytest.raises(ValueError, match=r"timeout\.read"):
        ChatOneRouterResponses(
            model="o4-mini", api_key=KEY, timeout=httpx2.Timeout(5, read=-1)
        )


def test_key_with_trailing_newline_is_stripped_and_sent_exactly() -> None:
    with ScriptedServer() as server:
        server.push(RawReply(body=_ok()))
        llm = _model(server, api_key=KEY + "\n")
        llm.invoke("hi")
    assert server.requests[0].headers["Authorization"] == f"Bearer {KEY}"


@pytest.mark.parametrize("bad", ["sk-or-é-123456", "sk-or 123456", "sk-\x00-123456"])
def test_a_key_headers_cannot_carry_is_rejected_without_showing_it(bad: str) -> None:
    with pytest.raises(ValueError) as info:
        ChatOneRouterResponses(model="o4-mini", api_key=bad)
    assert "api_key" in str(info.value)
    assert bad not in str(info.value) and bad not in repr(info.value)


def test_a_socks_proxy_without_socksio_is_a_typed_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("httpx2")
    try:
        import socksio  # noqa: F401

        pytest.skip("socksio installed: socks5 proxies work")
    except ImportError:
        pass
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1")
    llm = ChatOneRouterResponses(model="o4-mini", api_key=KEY, max_retries=0)
    with pytest.raises(errors.OneRouterError, match=r"httpx2\[socks\]"):
        llm.invoke("hi")


def test_env_proxy_for_plain_http_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    llm = ChatOneRouterResponses(
        model="o4-mini", api_key=KEY, base_url="http://127.0.0.1:9/v1"
    )
    with pytest.warns(UserWarning, match="proxy sees the API key in clear"):
        llm._get_transport()  # noqa: B018
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm.model_copy()._get_transport()  # noqa: B018


def _ok() -> Any:
    from tests.support.modes import final_body

    return final_body("ok")


def test_a_validation_error_never_prints_the_key_passed_in() -> None:
    with pytest.raises(ValueError) as info:
        ChatOneRouterResponses(model="o4-mini", api_key=KEY, timeout=-1)
    assert KEY not in str(info.value) and KEY not in repr(info.value)
