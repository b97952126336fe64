"""invoke/ainvoke/batch, retries and every error class over real loopback sockets."""

from __future__ import annotations

from typing import Any

from langchain_onerouter import ChatOneRouterResponses
from tests.support import bodies, models
from tests.support.scripted_server import RawReply, ScriptedServer

KEY = "sk-or-test-key-0123456789"


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
