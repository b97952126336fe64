"""invoke/ainvoke/batch, retries and every error class over real loopback sockets."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses, errors
from tests.support import bodies, models
from tests.support.models import record_sleeps
from tests.support.scripted_server import RawReply, ScriptedServer

KEY = "sk-or-test-key-0123456789"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


def model(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    return models.model(server.base_url, **kw)


def test_invoke_meaning_of_life(server: ScriptedServer) -> None:
    server.push(
        RawReply(body=bodies.text_response("42, probably.", model="o4-mini-2025"))
    )
    msg = model(server).invoke("What is the meaning of life?")
    assert msg.text == "42, probably."
    assert msg.usage_metadata and msg.usage_metadata["input_tokens"] == 12
    assert msg.response_metadata["model_name"] == "o4-mini-2025"
    (request,) = server.requests
    assert request.path == "/v1/responses"
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert (
        request.json()["input"][0]["content"][0]["text"]
        == "What is the meaning of life?"
    )


async def test_ainvoke_batch_and_abatch(server: ScriptedServer) -> None:
    server.push(*[RawReply(body=bodies.text_response(f"r{i}")) for i in range(5)])
    llm = model(server)
    assert (await llm.ainvoke("a")).text == "r0"
    assert sorted(m.text for m in llm.batch(["b", "c"])) == ["r1", "r2"]
    assert sorted(m.text for m in await llm.abatch(["d", "e"])) == ["r3", "r4"]
    assert len(server.requests) == 5


def test_retry_after_429_then_success(server: ScriptedServer) -> None:
    server.push(
        RawReply(
            429,
            {"error": {"code": "rate_limit_exceeded", "message": "slow"}},
            headers={"Retry-After": "0"},
        ),
        RawReply(503, "no provider available"),
        RawReply(body=bodies.text_response("ok")),
    )
    assert model(server).invoke("x").text == "ok"
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    "status, cls",
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (402, errors.PermissionDeniedError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (429, errors.RateLimitError),
        (502, errors.APIStatusError),
    ],
)
async def test_each_status_raises_its_class(
    server: ScriptedServer, status: int, cls: type
) -> None:
    body = {"error": {"code": status, "message": f"server says {status}"}}
    server.push(*[RawReply(status, body, headers={"x-request-id": "req_9"})] * 2)
    llm = model(server, max_retries=0)
    with pytest.raises(cls, match=f"server says {status}") as info:
        llm.invoke("x")
    assert info.value.request_id == "req_9"
    with pytest.raises(cls):
        await llm.ainvoke("x")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_connection_refused_is_a_connection_error() -> None:
    llm = ChatOneRouterResponses(
        model="m", base_url=f"http://127.0.0.1:{_closed_port()}/v1", max_retries=1
    )
    record_sleeps(llm)
    with pytest.raises(errors.APIConnectionError):
        llm.invoke("x")


def test_server_that_never_answers_times_out(server: ScriptedServer) -> None:
    server.push(RawReply(hang=3.0), RawReply(hang=3.0))
    llm = model(server, timeout=0.3, max_retries=1)
    started = time.monotonic()
    with pytest.raises(errors.APITimeoutError):
        llm.invoke("x")
    assert time.monotonic() - started < 2.5
    assert len(server.requests) == 2


def test_reset_mid_response_is_retried(server: ScriptedServer) -> None:
    server.push(RawReply(body=bodies.text_response("half"), drop=True))
    server.push(RawReply(body=bodies.text_response("whole")))
    assert model(server).invoke("x").text == "whole"
