"""A client you pass in (`http_client` / `http_async_client`) works whether it
is an `httpx2` client or a legacy `httpx` one: requests carry our headers and
timeouts, answers map as with our own clients, and both libraries' exceptions
become our typed errors (as openai 3.x does in `openai/_httpx2.py`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx2
import pytest

from langchain_onerouter import ChatOneRouterResponses, errors
from langchain_onerouter.catalog import ModelCatalog, alist_models, list_models
from tests.support.events import sse_stream
from tests.support.modes import KEY, MODES, STREAM_MODES, call, final_body

legacy = pytest.importorskip("httpx")
LIBRARIES = pytest.mark.parametrize("lib", [httpx2, legacy], ids=["httpx2", "httpx"])


def _answer(lib: ModuleType, request: Any) -> Any:
    body = final_body("ok")
    if json.loads(request.content).get("stream"):
        return lib.Response(
            200,
            content=sse_stream(body),
            headers={"content-type": "text/event-stream"},
        )
    return lib.Response(200, json=body)


def _model(
    lib: ModuleType, handler: Callable[[Any], Any], **kw: Any
) -> ChatOneRouterResponses:
    transport = lib.MockTransport(handler)
    settings: dict[str, Any] = {"api_key": KEY, "max_retries": 0, **kw}
    return ChatOneRouterResponses(
        model="o4-mini",
        http_client=lib.Client(transport=transport),
        http_async_client=lib.AsyncClient(transport=transport),
        **settings,
    )


@LIBRARIES
@pytest.mark.parametrize("mode", MODES)
async def test_an_injected_client_carries_our_request(
    lib: ModuleType, mode: str
) -> None:
    seen: list[Any] = []

    def handler(request: Any) -> Any:
        seen.append(request)
        return _answer(lib, request)

    llm = _model(lib, handler, timeout=lib.Timeout(7.0, connect=2.0))
    out = await call(llm, mode)
    assert out.error is None, out.error
    assert out.message is not None and out.message.text == "ok"
    (request,) = seen
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"
    accept = "text/event-stream" if mode in STREAM_MODES else "application/json"
    assert request.headers["Accept"] == accept
    assert request.headers["User-Agent"].startswith("langchain-onerouter/")
    # The Timeout given (either library's) bounds each phase of the request.
    timeout = request.extensions["timeout"]
    assert timeout["connect"] <= 2.0 and 6.0 < timeout["read"] <= 7.0


@LIBRARIES
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "raised, expected",
    [
        ("ConnectError", errors.APIConnectionError),
        ("ReadTimeout", errors.APITimeoutError),
        ("RemoteProtocolError", errors.APIConnectionError),
    ],
)
async def test_either_librarys_exceptions_become_typed_errors(
    lib: ModuleType, mode: str, raised: str, expected: type[Exception]
) -> None:
    def handler(request: Any) -> Any:
        raise getattr(lib, raised)(f"{raised} from the test", request=request)

    out = await call(_model(lib, handler), mode)
    assert type(out.error) is expected, out.error
    assert raised in str(out.error)
    assert isinstance(out.error.__cause__, getattr(lib, raised))


@LIBRARIES
@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_a_connection_lost_mid_stream_is_a_stream_error(
    lib: ModuleType, mode: str
) -> None:
    class Broken(lib.SyncByteStream, lib.AsyncByteStream):  # type: ignore[name-defined,misc]
        def __iter__(self) -> Any:
            body = sse_stream(final_body("ok"))
            yield body[: body.index(b"\n\n") + 200]  # one whole event, then part
            raise lib.ReadError("connection reset by peer")

        async def __aiter__(self) -> Any:
            for chunk in self:
                yield chunk

    def handler(request: Any) -> Any:
        headers = {"content-type": "text/event-stream"}
        return lib.Response(200, stream=Broken(), headers=headers)

    out = await call(_model(lib, handler), mode)
    assert isinstance(out.error, errors.StreamError), out.error
    assert "connection lost mid-stream" in str(out.error)


@LIBRARIES
@pytest.mark.parametrize("mode", MODES)
async def test_an_error_status_through_an_injected_client_is_typed(
    lib: ModuleType, mode: str
) -> None:
    def handler(request: Any) -> Any:
        return lib.Response(
            429,
            json={"error": {"message": "slow down", "code": "rate_limited"}},
            headers={"retry-after": "3", "x-request-id": "req_9"},
        )

    out = await call(_model(lib, handler), mode)
    assert isinstance(out.error, errors.RateLimitError), out.error
    assert out.error.retry_after == 3.0 and out.error.request_id == "req_9"
    assert out.error.message == "slow down"


@LIBRARIES
async def test_the_catalog_takes_either_librarys_client(lib: ModuleType) -> None:
    def handler(request: Any) -> Any:
        assert request.url.path == "/v1/models"
        return lib.Response(200, json={"data": [{"id": "openai/o4-mini"}]})

    transport = lib.MockTransport(handler)
    base = "https://catalog.test/v1"
    with lib.Client(transport=transport) as client:
        models = list_models(base, http_client=client, cache=ModelCatalog())
    async with lib.AsyncClient(transport=transport) as aclient:
        amodels = await alist_models(
            base, http_async_client=aclient, cache=ModelCatalog()
        )
    assert [m.id for m in models] == [m.id for m in amodels] == ["openai/o4-mini"]


def test_legacy_httpx_is_never_required() -> None:
    # `import httpx` fails in the child: every call path must do without it.
    code = """
import sys
sys.modules["httpx"] = None
import httpx2
from langchain_onerouter import ChatOneRouterResponses
from tests.support.modes import final_body
transport = httpx2.MockTransport(lambda r: httpx2.Response(200, json=final_body("ok")))
llm = ChatOneRouterResponses(
    model="o4-mini", api_key="sk-test", max_retries=0,
    http_client=httpx2.Client(transport=transport),
)
assert llm.invoke("hi").text == "ok"
def refused(request):
    raise httpx2.ConnectError("refused", request=request)
llm = ChatOneRouterResponses(
    model="o4-mini", api_key="sk-test", max_retries=0,
    http_client=httpx2.Client(transport=httpx2.MockTransport(refused)),
)
try:
    llm.invoke("hi")
except Exception as exc:
    print(type(exc).__name__)
"""
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["APIConnectionError"]
