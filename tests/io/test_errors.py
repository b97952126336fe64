"""errors.py is the one error boundary: every path maps a wire failure alike."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from langchain_onerouter import ChatOneRouterResponses, errors
from langchain_onerouter._http.boundary import Boundary
from langchain_onerouter._http.retry import RetryPolicy
from langchain_onerouter.catalog import ModelCatalog, list_models
from tests.support.models import make_llm

KEY = "sk-or-test-key-0123456789"
BASE = "https://llm.onerouter.pro/v1"
FAILED = {"status": "failed", "error": "quota exhausted"}
HTML = b"<html><head><title>Bad Gateway</title></head><body>oops</body></html>"

# (status, headers, content) answered to every request, whatever the path.
FAILURES: dict[str, tuple[int, dict[str, str], bytes]] = {
    "failed 200 body": (
        200,
        {"content-type": "application/json"},
        json.dumps(FAILED).encode(),
    ),
    "error object in a 200 body": (
        200,
        {"content-type": "application/json"},
        b'{"error": {"message": "upstream exploded", "code": "server_error"}}',
    ),
    "HTML 200": (200, {"content-type": "text/html"}, HTML),
    "429 JSON": (
        429,
        {"content-type": "application/json", "retry-after": "3"},
        b'{"error": {"message": "slow down", "code": "rate_limit_exceeded"}}',
    ),
    "502 HTML": (502, {"content-type": "text/html"}, HTML),
}


def _handler(
    status: int, headers: dict[str, str], content: bytes
) -> Callable[..., Any]:
    def handle(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, headers=headers, content=content)

    return handle


def _seen(err: BaseException) -> tuple[type, str, Any, Any]:
    assert isinstance(err, errors.OneRouterError)
    return type(err), err.message, err.status_code, err.code


def _model(handler: Callable[..., Any]) -> ChatOneRouterResponses:
    return make_llm(handler, model="o4-mini", api_key=KEY)


def _through_invoke(handler: Callable[..., Any]) -> BaseException:
    with pytest.raises(errors.OneRouterError) as info:
        _model(handler).invoke("hi")
    return info.value


def _through_stream(handler: Callable[..., Any]) -> BaseException:
    with pytest.raises(errors.OneRouterError) as info:
        list(_model(handler).stream("hi"))
    return info.value


def _through_list_models(
    handler: Callable[..., Any], waits: list[float] | None = None
) -> BaseException:
    """`list_models` with its default two retries, their waits unslept."""
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    retry = RetryPolicy(2, sleep=(waits if waits is not None else []).append)
    with pytest.raises(errors.OneRouterError) as info:
        list_models(BASE, http_client=client, cache=ModelCatalog(), retry=retry)
    return info.value


@pytest.mark.parametrize("name", list(FAILURES))
def test_same_failure_same_error_through_invoke_stream_and_list_models(
    name: str,
) -> None:
    handler = _handler(*FAILURES[name])
    invoked = _seen(_through_invoke(handler))
    assert _seen(_through_stream(handler)) == invoked
    waits: list[float] = []
    assert _seen(_through_list_models(handler, waits)) == invoked
    if name == "429 JSON":
        assert waits == [3.0, 3.0]  # retried, as the server's Retry-After asks


def test_key_echoed_in_a_failed_200_body_is_masked_in_invoke_and_stream() -> None:
    body = json.dumps({"status": "failed", "error": f"bad key {KEY}"}).encode()
    handler = _handler(200, {"content-type": "application/json"}, body)
    for err in (_through_invoke(handler), _through_stream(handler)):
        assert isinstance(err, errors.ResponseFailedError)
        assert err.message == "bad key ***"
        assert KEY not in str(err) and KEY not in json.dumps(err.body)


def test_failed_body_as_a_response_failed_event_raises_what_invoke_raises() -> None:
    """The measured divergence: stream said "response.failed without a message"."""
    event = {"type": "response.failed", "response": {"id": "resp_1", **FAILED}}
    sse = f"event: response.failed\ndata: {json.dumps(event)}\n\n".encode()
    streamed = _through_stream(
        _handler(200, {"content-type": "text/event-stream"}, sse)
    )
    invoked = _through_invoke(_handler(*FAILURES["failed 200 body"]))
    assert _seen(streamed) == _seen(invoked)
    assert type(streamed) is errors.ResponseFailedError
    assert streamed.message == "quota exhausted"


def test_key_echoed_in_a_response_failed_event_is_masked() -> None:
    event = {"type": "response.failed", "response": {"error": {"message": KEY}}}
    sse = f"data: {json.dumps(event)}\n\n".encode()
    err = _through_stream(_handler(200, {"content-type": "text/event-stream"}, sse))
    assert KEY not in str(err) and KEY not in json.dumps(err.body)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "event, cls, message",
    [
        (
            {"type": "error", "code": "server_error", "message": "overloaded"},
            errors.StreamError,
            "overloaded",
        ),
        (
            {"type": "error", "error": {"message": "nested", "code": 500}},
            errors.StreamError,
            "nested",
        ),
        ({"type": "error"}, errors.StreamError, "error event without a message"),
        (
            {"type": "response.failed", "response": {"status": "failed"}},
            errors.ResponseFailedError,
            "the response failed",
        ),
        (
            {"type": "response.failed", "response": {"error": {"message": "m"}}},
            errors.ResponseFailedError,
            "m",
        ),
    ],
)
def test_raise_for_event(event: dict[str, Any], cls: type, message: str) -> None:
    with pytest.raises(cls) as info:
        errors.raise_for_event(event)
    assert info.value.message == message


@pytest.mark.parametrize(
    "exc, mid_stream, cls, text",
    [
        (
            httpx2.ConnectTimeout("slow"),
            False,
            errors.APITimeoutError,
            "connect timeout",
        ),
        (httpx2.ConnectError("refused"), False, errors.APIConnectionError, "refused"),
        (httpx2.ReadTimeout("quiet"), True, errors.APITimeoutError, "stream stalled"),
        (httpx2.RemoteProtocolError("cut"), True, errors.StreamError, "mid-stream"),
    ],
)
def test_http_library_errors_map_to_typed_errors(
    exc: httpx2.HTTPError, mid_stream: bool, cls: type, text: str
) -> None:
    boundary = Boundary(secret=None)
    with pytest.raises(cls, match=text) as info:
        with boundary.map_exceptions("calling x", mid_stream=mid_stream):
            raise exc
    assert info.value.__cause__ is exc


def test_errors_pickle_round_trip() -> None:
    import pickle

    err = errors.RateLimitError(
        "slow", status_code=429, request_id="r1", retry_after=2.0
    )
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.RateLimitError
    assert (back.status_code, back.request_id, back.retry_after) == (429, "r1", 2.0)
    assert str(back) == str(err)
