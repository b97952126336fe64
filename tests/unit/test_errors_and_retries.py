"""Status → typed error mapping and the retry policy, over httpx.MockTransport."""

from __future__ import annotations

import gzip
import json
from typing import Any

import httpx
import pytest
from langchain_core import exceptions as lc
from langchain_core.callbacks import BaseCallbackHandler

from langchain_onerouter import errors
from langchain_onerouter._retry import is_retryable, retry_delay
from tests.support import bodies
from tests.support.models import Recorder, make_llm

KEY = "sk-or-test-key-0123456789"
DEFAULT_RETRIES = 2  # the model's default max_retries


def ok() -> httpx.Response:
    return httpx.Response(200, json=bodies.text_response("fine"))


GENERIC = {
    "error": {"code": 400, "message": "bad thing", "type": "invalid", "param": None}
}
RESPONSES = {
    "error": {"code": "invalid_prompt", "message": "prompt rejected"},
    "metadata": None,
}


@pytest.mark.parametrize(
    "status, body, cls, base, message",
    [
        (
            400,
            GENERIC,
            errors.BadRequestError,
            lc.ModelInvalidRequestError,
            "bad thing",
        ),
        (
            400,
            RESPONSES,
            errors.BadRequestError,
            lc.ModelInvalidRequestError,
            "prompt rejected",
        ),
        (
            422,
            {"detail": "unprocessable"},
            errors.BadRequestError,
            lc.ModelInvalidRequestError,
            "unprocessable",
        ),
        (
            400,
            {
                "error": {
                    "message": "This model's maximum context length is 8192 tokens"
                }
            },
            errors.ContextLengthExceededError,
            lc.ContextOverflowError,
            "maximum context length",
        ),
        (
            401,
            {"error": {"code": 401, "message": "No auth credentials"}},
            errors.AuthenticationError,
            lc.ModelAuthenticationError,
            "No auth",
        ),
        (
            402,
            {"error": {"code": 402, "message": "Insufficient credits"}},
            errors.PermissionDeniedError,
            lc.ModelPermissionDeniedError,
            "credits",
        ),
        (
            403,
            {"error": {"code": 403, "message": "flagged by moderation"}},
            errors.PermissionDeniedError,
            lc.ModelPermissionDeniedError,
            "moderation",
        ),
        (
            404,
            {"error": {"code": 404, "message": "model not found"}},
            errors.NotFoundError,
            lc.ModelNotFoundError,
            "not found",
        ),
        (
            429,
            {"error": {"code": "rate_limit_exceeded", "message": "slow down"}},
            errors.RateLimitError,
            lc.ModelRateLimitError,
            "slow down",
        ),
        (
            502,
            {"error": {"code": 502, "message": "upstream down"}},
            errors.APIStatusError,
            lc.ModelAPIError,
            "upstream down",
        ),
        (
            503,
            "no provider available",
            errors.APIStatusError,
            lc.ModelAPIError,
            "no provider available",
        ),
    ],
)
def test_status_maps_to_typed_error(
    status: int, body: Any, cls: type, base: type, message: str
) -> None:
    content = json.dumps(body) if not isinstance(body, str) else body
    rec = Recorder(
        *[httpx.Response(status, text=content, headers={"x-request-id": "req_42"})] * 3
    )
    llm = make_llm(rec)
    with pytest.raises(cls) as info:
        llm.invoke("hi")
    err = info.value
    assert isinstance(err, base) and isinstance(err, errors.OneRouterError)
    assert err.status_code == status
    assert message in err.message and message in str(err)
    assert err.request_id == "req_42"
    assert len(rec.requests) == 1


def test_html_error_page_from_a_proxy_keeps_the_title() -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>" + "x" * 50000
    rec = Recorder(
        httpx.Response(502, text=page, headers={"content-type": "text/html"})
    )
    llm = make_llm(rec)
    with pytest.raises(errors.APIStatusError) as info:
        llm.invoke("hi")
    assert "502 Bad Gateway" in info.value.message
    assert len(str(info.value)) < 2500  # huge bodies are truncated


@pytest.mark.parametrize(
    "body",
    [
        {
            "error": {"code": "server_error", "message": "model crashed"},
            "status": "failed",
        },
        {
            "id": "resp_1",
            "status": "failed",
            "error": {"code": "server_error", "message": "model crashed"},
            "output": [],
        },
    ],
)
async def test_error_inside_http_200_raises(body: dict) -> None:
    rec = Recorder(httpx.Response(200, json=body), httpx.Response(200, json=body))
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.ResponseFailedError, match="model crashed"):
        llm.invoke("hi")
    with pytest.raises(errors.ResponseFailedError, match="model crashed"):
        await llm.ainvoke("hi")


def test_non_json_200_body_raises_clear_error() -> None:
    rec = Recorder(httpx.Response(200, text='{"id": "resp_1", "outp'))
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APIStatusError, match="not valid JSON"):
        llm.invoke("hi")


def test_gzip_encoded_body_is_decoded() -> None:
    raw = gzip.compress(json.dumps(bodies.text_response("zipped")).encode())
    headers = {"content-encoding": "gzip", "content-type": "application/json"}
    rec = Recorder(lambda _: httpx.Response(200, content=raw, headers=headers))
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "zipped"


def test_429_is_retried_honouring_retry_after() -> None:
    rec = Recorder(
        httpx.Response(429, json=GENERIC, headers={"retry-after": "3"}),
        httpx.Response(429, json=GENERIC, headers={"retry-after-ms": "1500"}),
        ok(),
    )
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"
    assert len(rec.requests) == 3
    assert sleeps == [3.0, 1.5]


async def test_async_retries_5xx_with_exponential_backoff() -> None:
    rec = Recorder(httpx.Response(502), httpx.Response(503), ok())
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=DEFAULT_RETRIES)
    assert (await llm.ainvoke("hi")).text == "fine"
    assert len(rec.requests) == 3
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_storm_longer_than_max_retries_fails_after_max_retries_plus_one(
    max_retries: int,
) -> None:
    rec = Recorder(*[httpx.Response(500, json=GENERIC)] * 10)
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=max_retries)
    with pytest.raises(errors.APIStatusError):
        llm.invoke("hi")
    assert len(rec.requests) == max_retries + 1
    assert len(sleeps) == max_retries


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
async def test_client_errors_are_never_retried(status: int) -> None:
    rec = Recorder(*[httpx.Response(status, json=GENERIC)] * 4)
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=3)
    with pytest.raises(errors.OneRouterError):
        llm.invoke("hi")
    with pytest.raises(errors.OneRouterError):
        await llm.ainvoke("hi")
    assert len(rec.requests) == 2 and sleeps == []


@pytest.mark.parametrize("status", [408, 409])
def test_408_and_409_are_retried(status: int) -> None:
    rec = Recorder(httpx.Response(status), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"
    assert len(rec.requests) == 2


def test_connection_errors_and_timeouts_are_retried_then_typed() -> None:
    rec = Recorder(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"

    rec2 = Recorder(*[httpx.ConnectError("refused")] * 3)
    llm2 = make_llm(rec2, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APIConnectionError) as info:
        llm2.invoke("hi")
    assert isinstance(info.value, lc.ModelConnectionError)

    rec3 = Recorder(*[httpx.ReadTimeout("slow")] * 3)
    llm3 = make_llm(rec3, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APITimeoutError) as tinfo:
        llm3.invoke("hi")
    assert isinstance(tinfo.value, lc.ModelTimeoutError)
    assert len(rec3.requests) == 3


def test_empty_200_body_cold_start_is_retried() -> None:
    rec = Recorder(httpx.Response(200, content=b""), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"


def test_retries_show_up_as_on_retry_callbacks() -> None:
    seen: list[int] = []

    class Spy(BaseCallbackHandler):
        def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
            seen.append(retry_state.attempt_number)

    rec = Recorder(httpx.Response(429), httpx.Response(503), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    llm.invoke("hi", config={"callbacks": [Spy()]})
    assert seen == [1, 2]


def test_redirect_is_not_followed_and_key_not_forwarded() -> None:
    rec = Recorder(
        httpx.Response(307, headers={"location": "https://evil.example/v1/responses"}),
        ok(),
    )
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APIStatusError, match="redirect"):
        llm.invoke("hi")
    assert [r.url for r in rec.requests] == ["https://llm.onerouter.pro/v1/responses"]


def test_key_echoed_by_server_is_redacted_from_errors() -> None:
    rec = Recorder(httpx.Response(401, json={"error": {"message": f"bad key {KEY}"}}))
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.AuthenticationError) as info:
        llm.invoke("hi")
    assert KEY not in str(info.value) and KEY not in repr(info.value.body)
    assert "***" in info.value.message


def test_retry_delay_schedule() -> None:
    for attempt, (lo, hi) in enumerate(
        [(0.25, 0.5), (0.5, 1), (1, 2), (2, 4), (4, 8), (4, 8)], 1
    ):
        assert lo <= retry_delay(attempt) <= hi
    assert retry_delay(1, retry_after=500) == 60.0
    assert retry_delay(1, retry_after=-1) == 0.0


def test_is_retryable_policy() -> None:
    assert is_retryable(errors.RateLimitError("x", status_code=429))
    assert is_retryable(errors.APIStatusError("x", status_code=503))
    assert not is_retryable(errors.APIStatusError("x", status_code=307))
    assert not is_retryable(errors.BadRequestError("x", status_code=400))
    assert not is_retryable(ValueError("x"))


def test_errors_pickle_round_trip() -> None:
    import pickle

    err = errors.RateLimitError(
        "slow", status_code=429, request_id="r1", retry_after=2.0
    )
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is errors.RateLimitError
    assert (back.status_code, back.request_id, back.retry_after) == (429, "r1", 2.0)
    assert str(back) == str(err)
