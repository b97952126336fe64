"""The key never leaks through what the server puts in headers or in a
malformed HTTP frame: a request id echoing it, a redirect whose `Location`
carries it, and h11 protocol errors quoting a status, header or chunk line
that holds it. Checked in the message, the formatted exception with its
causes, `logger.exception`, and `onerouter chat`'s stderr (ONEROUTER_DEBUG=1
too), for invoke, ainvoke, stream, astream and embed."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import traceback

import pytest

from langchain_onerouter import OneRouterEmbeddings, errors
from tests.support.modes import KEY, MODES, call, served_model
from tests.support.scripted_server import RawReply, ScriptedServer

pytestmark = pytest.mark.timeout(60)
ALL_MODES = (*MODES, "embed", "aembed")
SSE_CHUNKED = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)
FAULTS: dict[str, RawReply] = {
    "request id": RawReply(
        400, body={"error": {"message": "bad"}}, headers={"x-request-id": KEY}
    ),
    "request id, Bearer": RawReply(
        503, body=b"down", headers={"request-id": f"Bearer {KEY}"}
    ),
    "redirect": RawReply(
        302, headers={"Location": f"https://elsewhere.test/v1?token={KEY}"}
    ),
    "status line": RawReply(raw=b"HTTP/1.1 2x0 " + KEY.encode() + b"\r\n\r\n"),
    "header line": RawReply(
        raw=b"HTTP/1.1 200 OK\r\nX-Echo " + KEY.encode() + b"\r\n\r\n"
    ),
    "chunk header": RawReply(raw=SSE_CHUNKED + KEY.encode() + b"\r\n"),
}


async def _fail(server: ScriptedServer, mode: str) -> BaseException:
    if mode in MODES:
        out = await call(served_model(server), mode)
        assert out.error is not None, out.message
        return out.error
    embedder = OneRouterEmbeddings(
        model="text-embedding-3-small",
        base_url=server.base_url,
        api_key=KEY,
        max_retries=0,
    )
    with pytest.raises(errors.OneRouterError) as info:
        if mode == "embed":
            embedder.embed_documents(["hi"])
        else:
            await embedder.aembed_documents(["hi"])
    return info.value


def _every_rendering(err: BaseException) -> str:
    """The error as tracebacks, loggers and tracers show it, causes and all."""
    sink = io.StringIO()
    logger = logging.getLogger("test_header_secrets")
    handler = logging.StreamHandler(sink)
    logger.addHandler(handler)
    try:
        logger.error("the call failed", exc_info=err)  # as logger.exception does
    finally:
        logger.removeHandler(handler)
    return "\n".join(
        [
            "".join(traceback.format_exception(err)),
            sink.getvalue(),
            repr(err),
            repr(vars(err)),
        ]
    )


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("mode", ALL_MODES)
async def test_the_key_is_in_no_rendering_of_the_error(mode: str, fault: str) -> None:
    if fault == "chunk header" and mode not in ("stream", "astream"):
        pytest.skip("a chunked SSE body: the stream paths")
    with ScriptedServer(lambda _: FAULTS[fault]) as server:
        err = await _fail(server, mode)
    assert isinstance(err, errors.OneRouterError), repr(err)
    rendered = _every_rendering(err)
    assert KEY not in rendered
    assert "***" in rendered  # masked where it was echoed, not dropped silently


async def test_a_cause_without_the_key_is_still_chained() -> None:
    reply = RawReply(raw=b"HTTP/1.1 2x0 nothing secret\r\n\r\n")
    with ScriptedServer(lambda _: reply) as server:
        err = await _fail(server, "invoke")
    assert isinstance(err, errors.APIConnectionError)
    assert err.__cause__ is not None  # the diagnostic chain is kept when safe
    assert "nothing secret" in "".join(traceback.format_exception(err))


@pytest.mark.parametrize("debug", (False, True), ids=("plain", "ONEROUTER_DEBUG"))
@pytest.mark.parametrize("fault", ("request id", "status line", "redirect"))
def test_onerouter_chat_stderr_never_shows_the_key(debug: bool, fault: str) -> None:
    with ScriptedServer(lambda _: FAULTS[fault]) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONEROUTER_")}
        env["ONEROUTER_API_KEY"] = KEY
        if debug:
            env["ONEROUTER_DEBUG"] = "1"
        done = subprocess.run(
            [sys.executable, "-m", "langchain_onerouter.cli", "chat", "hi"]
            + ["--base-url", server.base_url],
            capture_output=True,
            text=True,
            env=env,
            timeout=50,
            check=False,
        )
    assert done.returncode != 0
    assert "OneRouter" in done.stderr or "Error" in done.stderr, done.stderr
    assert KEY not in done.stderr and KEY not in done.stdout
    if debug:
        assert "Traceback" in done.stderr
