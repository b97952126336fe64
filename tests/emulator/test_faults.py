"""The fault table against the emulator's own fault injection (uvicorn +
starlette, so real HTTP framing), in all four call modes."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from langchain_onerouter import errors
from tests.support.models import model
from tests.support.modes import STREAM_MODES, call

pytest.importorskip("starlette")
pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def emu(onerouter_emulator: Any) -> Any:
    return onerouter_emulator


def llm_for(emu: Any, sleeps: list[float] | None = None, **kw: Any) -> Any:
    return model(emu.base_url, sleeps, api_key=emu.api_key, **kw)


@pytest.mark.parametrize("failures, survives", [(2, True), (3, False)])
async def test_503_storm(emu: Any, mode: str, failures: int, survives: bool) -> None:
    emu.fail_next(failures, status=503, message="no provider available")
    emu.reply("after the storm")
    out = await call(llm_for(emu, max_retries=2), mode, "hello")
    if survives:
        assert out.error is None and out.message is not None
        assert out.message.text == "after the storm"
    else:
        assert type(out.error) is errors.APIStatusError
        assert out.error.status_code == 503
        assert out.error.message == "no provider available"
        assert out.error.request_id and out.error.request_id.startswith("req")
    assert len(emu.requests) == 3


async def test_429_retry_after(emu: Any, mode: str) -> None:
    emu.fail_next(1, status=429, message="rate limited", retry_after=4)
    emu.reply("ok")
    sleeps: list[float] = []
    out = await call(llm_for(emu, sleeps), mode)
    assert out.message is not None and out.message.text == "ok"
    assert sleeps == [4.0] and len(emu.requests) == 2


async def test_failed_response(emu: Any, mode: str) -> None:
    """200 body with `status: failed` (JSON) / `error` event (stream)."""
    emu.fail_stream("the model fell over", code="server_error")
    out = await call(llm_for(emu), mode)
    expected = (
        errors.StreamError if mode in STREAM_MODES else errors.ResponseFailedError
    )
    assert isinstance(out.error, expected)
    assert out.error.message == "the model fell over"
    assert out.error.code == "server_error"
    assert len(emu.requests) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_dropped_stream(emu: Any, mode: str) -> None:
    emu.drop_stream_after(4)
    out = await call(llm_for(emu, max_retries=2), mode)
    assert isinstance(out.error, errors.StreamError)
    assert len(emu.requests) == 1


async def test_body_that_is_not_json(emu: Any, mode: str) -> None:
    emu.not_json_next('{"id": "resp_x", "outp')
    out = await call(llm_for(emu), mode)
    if mode in STREAM_MODES:
        assert isinstance(out.error, errors.StreamError)
        assert "malformed JSON" in out.error.message
    else:
        assert type(out.error) is errors.APIStatusError
        assert "not valid JSON" in out.error.message
    assert len(emu.requests) == 1


async def test_latency_beyond_read_timeout(emu: Any, mode: str) -> None:
    emu.latency = 2.0
    llm = llm_for(emu, timeout=httpx2.Timeout(10, read=0.3), max_retries=1)
    out = await call(llm, mode)
    assert isinstance(out.error, errors.APITimeoutError)
    assert len(emu.requests) == 2
    assert out.seconds < 1.5


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_event_delay_beyond_read_timeout(emu: Any, mode: str) -> None:
    emu.event_delay = 2.0
    llm = llm_for(emu, timeout=httpx2.Timeout(10, read=0.3))
    out = await call(llm, mode, "a b c")
    assert isinstance(out.error, errors.APITimeoutError)
    assert "stream stalled" in out.error.message
    assert len(emu.requests) == 1
    assert out.seconds < 1.5
