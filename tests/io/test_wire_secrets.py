"""The key never leaks through the wire-failure paths an adversarial review
found, and odd bodies end in typed errors: a JSON-escaped echo, a non-object
SSE event echoing it, a body too deep to serialise, a 1000-deep 500 body."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses, errors
from tests.support.modes import KEY, SSE_HEADERS, call
from tests.support.scripted_server import RawReply, ScriptedServer


def _model(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    kw = {"api_key": KEY, **kw}
    llm = ChatOneRouterResponses(model="o4-mini", base_url=server.base_url, **kw)
    llm._get_transport().sleep = lambda _: None  # type: ignore[method-assign]

    async def asleep(_: float) -> None:
        return None

    llm._get_transport().asleep = asleep  # type: ignore[method-assign]
    return llm


def _everywhere(err: BaseException) -> str:
    return " ".join([str(err), repr(err), repr(getattr(err, "body", None))])


SLASH_KEY = "sk-or/test/key/0123456789"
ESCAPED = {  # how: (key, the key as the server's JSON escapes it)
    "slash": (SLASH_KEY, SLASH_KEY.replace("/", "\\/")),
    "dash": (KEY, KEY.replace("-", "\\u002d")),
    "unicode": (KEY, "".join(f"\\u{ord(c):04x}" for c in KEY)),
}


@pytest.mark.parametrize("how", sorted(ESCAPED))
@pytest.mark.parametrize("mode", ("invoke", "ainvoke", "stream", "astream"))
async def test_a_key_echoed_json_escaped_in_a_4xx_body_is_masked(
    how: str, mode: str
) -> None:
    key, escaped = ESCAPED[how]
    raw = '{"error": {"message": "bad key ' + escaped + '"}}'
    assert key not in raw and key in json.loads(raw)["error"]["message"]
    with ScriptedServer() as server:
        server.push(
            RawReply(401, body=raw, headers={"Content-Type": "application/json"})
        )
        out = await call(_model(server, max_retries=0, api_key=key), mode)
    assert isinstance(out.error, errors.AuthenticationError), out.error
    assert key not in _everywhere(out.error)
    assert "***" in out.error.message


@pytest.mark.parametrize("mode", ("stream", "astream"))
@pytest.mark.parametrize(
    "data", [json.dumps(["echo", KEY]), json.dumps(KEY), json.dumps(f"x {KEY}")]
)
async def test_a_non_object_sse_event_echoing_the_key_is_masked(
    mode: str, data: str
) -> None:
    frame = f"event: response.output_text.delta\ndata: {data}\n\n".encode()
    with ScriptedServer() as server:
        server.push(RawReply(headers=SSE_HEADERS, chunks=[frame]))
        out = await call(_model(server, max_retries=0), mode)
    assert isinstance(out.error, errors.StreamError), out.error
    assert KEY not in _everywhere(out.error)


@pytest.mark.parametrize("mode", ("stream", "astream"))
async def test_an_error_event_echoing_the_key_escaped_is_masked(mode: str) -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    frame = (
        'event: error\ndata: {"type": "error", "message": "key ' + escaped + '"}\n\n'
    ).encode()
    with ScriptedServer() as server:
        server.push(RawReply(headers=SSE_HEADERS, chunks=[frame]))
        out = await call(_model(server, max_retries=0), mode)
    assert isinstance(out.error, errors.StreamError), out.error
    assert KEY not in _everywhere(out.error)


@pytest.mark.parametrize("mode", ("invoke", "ainvoke"))
async def test_a_1000_deep_500_body_is_a_typed_retried_error(mode: str) -> None:
    deep = "[" * 1000 + "]" * 1000
    with ScriptedServer() as server:
        for _ in range(3):
            server.push(
                RawReply(500, body=deep, headers={"Content-Type": "application/json"})
            )
        out = await call(_model(server, max_retries=2), mode)
        attempts = len(server.requests)
    assert isinstance(out.error, errors.APIStatusError), out.error
    assert out.error.status_code == 500
    assert attempts == 3  # retried like any 5xx


@pytest.mark.parametrize("mode", ("invoke", "ainvoke"))
async def test_a_failed_200_body_too_deep_to_check_is_not_kept(mode: str) -> None:
    body = (
        '{"status": "failed", "error": {"message": "no"}, "detail": '
        + "[" * 1020
        + json.dumps(KEY)
        + "]" * 1020
        + "}"
    )
    with ScriptedServer() as server:
        server.push(RawReply(body=body, headers={"Content-Type": "application/json"}))
        out = await call(_model(server, max_retries=0), mode)
    assert isinstance(out.error, errors.OneRouterError), out.error
    assert KEY not in _everywhere(out.error)
