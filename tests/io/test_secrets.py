"""Secrets and transport safety: the key never leaks (serialisation, tracing
params, exceptions, logs at DEBUG with httpx2/httpcore2 on), plain http warns,
TLS verification stays on, server text in exceptions is bounded."""

from __future__ import annotations

import json
import logging
import shutil
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps

from langchain_onerouter import ChatOneRouterResponses, errors
from tests.support.models import model
from tests.support.modes import (
    KEY,
    SSE_HEADERS,
    call,
    final_body,
    frames,
    ok_reply,
    stream_events,
)
from tests.support.scripted_server import RawReply, ScriptedServer

pytestmark = pytest.mark.timeout(30)
LIMIT = errors.MAX_ERROR_BODY_CHARS


def leaks(value: Any) -> bool:
    return KEY in repr(value) or KEY in str(value)


# -- serialisation and tracing ---------------------------------------------------


def test_key_absent_from_every_serialised_form() -> None:
    llm = ChatOneRouterResponses(model="o4-mini", api_key=KEY)
    bound = llm.bind_tools([{"type": "function", "name": "f", "parameters": {}}])
    forms = [
        llm.model_dump_json(),
        json.dumps(llm.model_dump(mode="json")),
        llm.to_json(),
        dumps(bound),
        json.dumps(dumpd(bound)),
        repr(bound),
        repr(llm.with_retry()),
        llm._get_invocation_params(),
        repr(llm._get_transport()),
        repr(llm._get_transport().client),
    ]
    assert [f for f in forms if leaks(f)] == []
    assert any("secret" in f for f in forms if isinstance(f, str))  # not vacuous


def test_key_absent_from_what_tracers_receive(server: ScriptedServer) -> None:
    seen: list[Any] = []

    class Tracer(BaseCallbackHandler):
        def on_chat_model_start(
            self, serialized: Any, messages: Any, **kw: Any
        ) -> None:
            seen.extend([serialized, kw.get("invocation_params"), kw.get("metadata")])

        def on_llm_end(self, response: Any, **kw: Any) -> None:
            seen.append(response)

    server.push(ok_reply("traced", streaming=False))
    llm = model(server.base_url, api_key=KEY)
    llm.invoke("hi", config={"callbacks": [Tracer()]})
    assert seen and seen[1]["model"] == "o4-mini"  # the params did arrive
    assert [s for s in seen if leaks(s)] == []
    assert not leaks(llm._get_ls_params())


# -- exceptions and logs ------------------------------------------------------------


def echo(message: str) -> dict[str, Any]:
    """An error body in which the server repeats the key it was sent."""
    return {"error": {"message": f"{message}: Bearer {KEY}", "code": "x"}}


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("httpx2", "httpcore2", "langchain_onerouter", "hpack"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_key_absent_from_errors_and_debug_logs(
    server: ScriptedServer, debug_logs: pytest.LogCaptureFixture, mode: str
) -> None:
    streaming = mode in ("stream", "astream")
    error_event = frames([{"type": "error", **echo("stream refused")}])
    scenarios: list[tuple[list[RawReply], type[Exception] | None]] = [
        # retries (each body echoes the key), then success
        (
            [
                RawReply(503, echo("busy")),
                RawReply(429, echo("slow"), headers={"Retry-After": "0"}),
                ok_reply("ok", streaming=streaming),
            ],
            None,
        ),
        ([RawReply(401, echo("bad key"))], errors.AuthenticationError),
        (
            [RawReply(400, json.dumps(echo("bad"))[:-3])],
            errors.BadRequestError,
        ),  # not JSON
        (
            [RawReply(body={"status": "failed", **echo("failed")})],
            errors.ResponseFailedError,
        ),
        ([RawReply(200, f'{{"id": "{KEY}", "output": [')], errors.APIStatusError),
    ]
    if streaming:
        scenarios.append(
            ([RawReply(headers=SSE_HEADERS, chunks=error_event)], errors.StreamError)
        )
        bad = f'data: {{"type": "error", "key": "{KEY}"\n\n'.encode()
        scenarios.append(
            ([RawReply(headers=SSE_HEADERS, chunks=[bad])], errors.StreamError)
        )
    caught: list[BaseException] = []
    for replies, expected in scenarios:
        server.push(*replies)
        out = await call(model(server.base_url, api_key=KEY), mode)
        if expected is None:
            assert out.error is None, out.error
        else:
            assert isinstance(out.error, expected), out.error
            caught.append(out.error)
    assert len(debug_logs.records) > 20  # httpx2/httpcore2/retry logging did run
    assert any(r.name.startswith("httpcore2") for r in debug_logs.records)
    leaked_logs = [
        r.getMessage()
        for r in debug_logs.records
        if KEY in r.getMessage() or KEY in str(r.args) or KEY in (r.exc_text or "")
    ]
    assert leaked_logs == []
    leaked = [
        type(e).__name__
        for e in caught
        if leaks(e) or leaks(getattr(e, "message", "")) or leaks(getattr(e, "body", ""))
    ]
    assert leaked == []
    assert all(
        "***" in str(e) for e in caught if "refused" in str(e) or "bad key" in str(e)
    )


# -- transport safety -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://llm.onerouter.pro/v1",
        "http://10.0.0.5:8080/v1",
        "http://[2001:db8::1]/v1",
        "http://0.0.0.0:8000/v1",
        "http://localhost.evil.example/v1",
    ],
)
def test_plain_http_to_a_remote_host_warns(url: str) -> None:
    with pytest.warns(UserWarning, match="API key travels unencrypted"):
        ChatOneRouterResponses(model="o4-mini", base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/v1",
        "http://127.8.9.10/v1",
        "http://localhost:4000/v1",
        "http://api.localhost/v1",
        "http://[::1]:8000/v1",
        "https://llm.onerouter.pro/v1",
        "https://10.0.0.5/v1",
    ],
)
def test_loopback_or_https_does_not_warn(url: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatOneRouterResponses(model="o4-mini", base_url=url)


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A loopback HTTPS server with a self-signed certificate (no CA trusts it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a self-signed certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    body = json.dumps(final_body("ok")).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_our_own_clients_verify_tls(tls_server: str, mode: str) -> None:
    llm = ChatOneRouterResponses(
        model="o4-mini", api_key=KEY, base_url=tls_server, max_retries=0
    )
    out = await call(llm, mode)
    assert isinstance(out.error, errors.APIConnectionError), out.error
    assert "CERTIFICATE_VERIFY_FAILED" in str(out.error)
    assert llm._get_transport().client.follow_redirects is False
    await llm._get_transport().aclose()


def test_an_injected_client_is_used_as_given(tls_server: str) -> None:
    with httpx2.Client(verify=False) as mine:
        llm = ChatOneRouterResponses(
            model="o4-mini", api_key=KEY, base_url=tls_server, http_client=mine
        )
        assert llm._get_transport().client is mine  # the user's choice, kept
        assert llm.invoke("hi").text == "ok"


HUGE = "y" * 1_000_000


@pytest.mark.parametrize(
    "reply",
    [
        RawReply(500, {"error": {"message": HUGE}}),
        RawReply(400, {"error": {"message": "bad", "detail": HUGE}}),
        RawReply(502, HUGE, headers={"Content-Type": "text/plain"}),
        RawReply(
            502,
            f"<html><title>{HUGE}</title></html>",
            headers={"Content-Type": "text/html"},
        ),
        RawReply(200, {"status": "failed", "error": {"message": HUGE}}),
        RawReply(200, '{"id": "' + HUGE),
        RawReply(
            headers=SSE_HEADERS,
            chunks=frames([{"type": "error", "error": {"message": HUGE}}]),
        ),
        RawReply(headers=SSE_HEADERS, chunks=[b"data: {" + HUGE.encode() + b"\n\n"]),
        RawReply(
            headers=SSE_HEADERS,
            chunks=frames(
                [
                    *stream_events("x")[:1],
                    {
                        "type": "response.failed",
                        "response": {"error": {"message": HUGE}, "output": [HUGE]},
                    },
                ]
            ),
        ),
    ],
    ids=[
        "json-message",
        "json-detail",
        "text",
        "html-title",
        "200-error",
        "200-truncated",
        "error-event",
        "bad-event",
        "response.failed",
    ],
)
async def test_server_text_in_exceptions_is_truncated(
    server: ScriptedServer, reply: RawReply
) -> None:
    server.push(reply)
    mode = "stream" if reply.chunks else "invoke"
    out = await call(model(server.base_url, max_retries=0), mode)
    assert isinstance(out.error, errors.OneRouterError)
    assert len(out.error.message) <= LIMIT + 50
    assert len(str(out.error)) <= LIMIT + 200
    body = out.error.body
    size = len(body) if isinstance(body, str) else len(json.dumps(body))
    assert size <= 10 * LIMIT + 50
