"""Transport: status → typed error, and the retry policy (_retry.py) — which
failures are retried, how often, how long it waits (429 Retry-After, backoff).

First over `httpx2.MockTransport` (`Recorder`), then over real loopback sockets
(`ScriptedServer`) in all four call modes. The fault table of tests/io
covers what sockets do beyond this (resets, stalls, broken streams, proxies).
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from langchain_core import exceptions as lc
from langchain_core.callbacks import BaseCallbackHandler

from langchain_onerouter import errors
from langchain_onerouter._http.retry import RetryPolicy, is_retryable, retry_delay
from langchain_onerouter._mapping.response import response_to_message
from tests.support import bodies
from tests.support.models import Recorder, make_llm, model
from tests.support.modes import STREAM_MODES, call, ok_reply
from tests.support.scripted_server import RawReply, ScriptedServer
from tests.support.streams import assert_matches

KEY = "sk-or-test-key-0123456789"
DEFAULT_RETRIES = 2  # the model's default max_retries


def ok() -> httpx2.Response:
    return httpx2.Response(200, json=bodies.text_response("fine"))


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
        *[httpx2.Response(status, text=content, headers={"x-request-id": "req_42"})] * 3
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
    rec = Recorder(httpx2.Response(200, json=body), httpx2.Response(200, json=body))
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.ResponseFailedError, match="model crashed"):
        llm.invoke("hi")
    with pytest.raises(errors.ResponseFailedError, match="model crashed"):
        await llm.ainvoke("hi")


def test_non_json_200_body_raises_clear_error() -> None:
    rec = Recorder(httpx2.Response(200, text='{"id": "resp_1", "outp'))
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APIStatusError, match="not valid JSON"):
        llm.invoke("hi")


async def test_async_retries_5xx_with_exponential_backoff() -> None:
    rec = Recorder(httpx2.Response(502), httpx2.Response(503), ok())
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=DEFAULT_RETRIES)
    assert (await llm.ainvoke("hi")).text == "fine"
    assert len(rec.requests) == 3
    assert 0.25 <= sleeps[0] <= 0.5 and 0.5 <= sleeps[1] <= 1.0


@pytest.mark.parametrize("max_retries", [0, 1, 3])
def test_storm_longer_than_max_retries_fails_after_max_retries_plus_one(
    max_retries: int,
) -> None:
    rec = Recorder(*[httpx2.Response(500, json=GENERIC)] * 10)
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=max_retries)
    with pytest.raises(errors.APIStatusError):
        llm.invoke("hi")
    assert len(rec.requests) == max_retries + 1
    assert len(sleeps) == max_retries


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
async def test_client_errors_are_never_retried(status: int) -> None:
    rec = Recorder(*[httpx2.Response(status, json=GENERIC)] * 4)
    sleeps: list[float] = []
    llm = make_llm(rec, sleeps, max_retries=3)
    with pytest.raises(errors.OneRouterError):
        llm.invoke("hi")
    with pytest.raises(errors.OneRouterError):
        await llm.ainvoke("hi")
    assert len(rec.requests) == 2 and sleeps == []


@pytest.mark.parametrize("status", [408, 409])
def test_408_and_409_are_retried(status: int) -> None:
    rec = Recorder(httpx2.Response(status), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"
    assert len(rec.requests) == 2


def test_connection_errors_and_timeouts_are_retried_then_typed() -> None:
    rec = Recorder(httpx2.ConnectError("refused"), httpx2.ReadTimeout("slow"), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"

    rec2 = Recorder(*[httpx2.ConnectError("refused")] * 3)
    llm2 = make_llm(rec2, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APIConnectionError) as info:
        llm2.invoke("hi")
    assert isinstance(info.value, lc.ModelConnectionError)

    rec3 = Recorder(*[httpx2.ReadTimeout("slow")] * 3)
    llm3 = make_llm(rec3, max_retries=DEFAULT_RETRIES)
    with pytest.raises(errors.APITimeoutError) as tinfo:
        llm3.invoke("hi")
    assert isinstance(tinfo.value, lc.ModelTimeoutError)
    assert len(rec3.requests) == 3


def test_empty_200_body_cold_start_is_retried() -> None:
    rec = Recorder(httpx2.Response(200, content=b""), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    assert llm.invoke("hi").text == "fine"


EMPTY_200 = {
    "no body": RawReply(200, body=b""),
    "empty event stream": RawReply(
        200, headers={"Content-Type": "text/event-stream"}, chunks=[]
    ),
    "only keep-alives": RawReply(
        200,
        headers={"Content-Type": "text/event-stream"},
        chunks=[b": ping\n\n", b"data: [DONE]\n\n"],
    ),
}


@pytest.mark.parametrize(
    "mode, empty",
    [(m, e) for m in ("invoke", "ainvoke") for e in list(EMPTY_200)[:2]]
    + [(m, e) for m in STREAM_MODES for e in EMPTY_200],
)
async def test_an_empty_200_is_retried_on_every_path(mode: str, empty: str) -> None:
    streaming = mode in STREAM_MODES
    sleeps: list[float] = []
    with ScriptedServer() as server:
        server.push(EMPTY_200[empty], ok_reply("warm now", streaming=streaming))
        out = await call(model(server.base_url, sleeps, api_key=KEY), mode)
    assert out.final().text == "warm now"
    assert len(server.requests) == 2 and len(sleeps) == 1


@pytest.mark.parametrize("mode", STREAM_MODES)
async def test_an_empty_200_on_every_attempt_is_a_typed_error(mode: str) -> None:
    empty = EMPTY_200["empty event stream"]
    with ScriptedServer(lambda _: empty) as server:
        out = await call(model(server.base_url, [], api_key=KEY), mode)
    assert isinstance(out.error, errors.APIStatusError), out.error
    assert out.error.code == "empty_response" and not out.chunks
    assert len(server.requests) == DEFAULT_RETRIES + 1


def test_retries_show_up_as_on_retry_callbacks() -> None:
    seen: list[int] = []

    class Spy(BaseCallbackHandler):
        def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
            seen.append(retry_state.attempt_number)

    rec = Recorder(httpx2.Response(429), httpx2.Response(503), ok())
    llm = make_llm(rec, max_retries=DEFAULT_RETRIES)
    llm.invoke("hi", config={"callbacks": [Spy()]})
    assert seen == [1, 2]


def test_key_echoed_by_server_is_redacted_from_errors() -> None:
    rec = Recorder(httpx2.Response(401, json={"error": {"message": f"bad key {KEY}"}}))
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


class _Flaky:
    """An attempt that raises `errors` in turn, then returns "ok"."""

    def __init__(self, *errors_: Exception) -> None:
        self.errors, self.calls = list(errors_), 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"

    async def acall(self) -> str:
        return self()


def _policy(retries: int, attempts: list[int]) -> RetryPolicy:
    async def asleep(seconds: float) -> None:
        attempts.append(-1)  # async waits are told apart in the record

    return RetryPolicy(retries, sleep=lambda seconds: attempts.append(0), asleep=asleep)


@pytest.mark.parametrize("is_async", [False, True])
async def test_retry_policy_numbers_attempts_from_the_first_failure(
    is_async: bool,
) -> None:
    """The first attempt runs before tenacity; a retryable failure of it is
    tenacity's attempt 1 all the same: two failures, two waits, attempts 1, 2
    reported, the third call answers."""
    waits: list[int] = []
    policy = _policy(2, waits)
    seen: list[int] = []

    class Manager:  # what `run_manager.on_retry` receives
        def on_retry(self, state: Any) -> None:
            seen.append(state.attempt_number)

    class AsyncManager:
        async def on_retry(self, state: Any) -> None:
            seen.append(state.attempt_number)

    flaky = _Flaky(
        errors.RateLimitError("slow", status_code=429),
        errors.APIStatusError("down", status_code=503),
    )
    if is_async:
        assert await policy.acall(flaky.acall, AsyncManager()) == "ok"
    else:
        assert policy.call(flaky, Manager()) == "ok"
    assert (flaky.calls, seen) == (3, [1, 2])
    assert waits == [-1, -1] if is_async else waits == [0, 0]


@pytest.mark.parametrize("is_async", [False, True])
@pytest.mark.parametrize(
    "retries, failures, calls",
    [
        (0, [errors.RateLimitError("slow", status_code=429)], 1),  # no retries
        (2, [errors.BadRequestError("bad", status_code=400)], 1),  # not retryable
        (2, [errors.APIStatusError(f"down {n}", status_code=503) for n in range(3)], 3),
    ],
)
async def test_retry_policy_raises_the_last_failure(
    is_async: bool, retries: int, failures: list[Exception], calls: int
) -> None:
    waits: list[int] = []
    flaky = _Flaky(*failures)
    with pytest.raises(type(failures[-1])) as info:
        if is_async:
            await _policy(retries, waits).acall(flaky.acall)
        else:
            _policy(retries, waits).call(flaky)
    assert info.value is failures[-1]
    assert (flaky.calls, len(waits)) == (calls, calls - 1)


# -- the stream's opening request ---------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True])
async def test_stream_opening_is_retried(is_async: bool) -> None:
    final = bodies.response(
        bodies.reasoning_item("rs_s1", ["plan"], encrypted="enc"),
        bodies.message_item("Once upon a time.", "msg_s1"),
        resp_id="resp_s1",
    )
    rec = Recorder(
        httpx2.Response(
            429, json={"error": {"message": "slow"}}, headers={"retry-after": "2"}
        ),
        httpx2.Response(503, json={"error": {"message": "down"}}),
        final,
    )
    slept: list[float] = []
    llm = make_llm(rec, slept, max_retries=2)
    if is_async:
        chunks = [c async for c in llm.astream("hi")]
    else:
        chunks = list(llm.stream("hi"))
    assert_matches(chunks, response_to_message(final))
    assert len(rec.requests) == 3
    assert len(slept) == 2 and slept[0] >= 2


def test_stream_opening_gives_up_after_max_retries() -> None:
    rec = Recorder(
        responder=lambda _: httpx2.Response(429, json={"error": {"message": "slow"}})
    )
    llm = make_llm(rec, max_retries=1)
    with pytest.raises(errors.RateLimitError):
        list(llm.stream("hi"))
    assert len(rec.requests) == 2


# -- over real loopback sockets -------------------------------------------------------


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
    llm = model(server.base_url, max_retries=0)
    with pytest.raises(cls, match=f"server says {status}") as info:
        llm.invoke("x")
    assert info.value.request_id == "req_9"
    with pytest.raises(cls):
        await llm.ainvoke("x")


@pytest.mark.parametrize("injected", [False, True])
async def test_every_request_carries_our_headers(
    server: ScriptedServer, mode: str, injected: bool
) -> None:
    """Our own clients hold the headers, a client you pass in gets them per
    request: the server sees the same either way, over the injected client's
    own (its other headers kept)."""
    streaming = mode in STREAM_MODES
    server.push(ok_reply("fine", streaming=streaming))
    theirs = {"User-Agent": "their-app/1", "Accept": "*/*", "X-Team": "blue"}
    clients = (
        {
            "http_client": httpx2.Client(headers=theirs),
            "http_async_client": httpx2.AsyncClient(headers=theirs),
        }
        if injected
        else {}
    )
    llm = model(
        server.base_url, api_key=KEY, default_headers={"X-Title": "my-app"}, **clients
    )
    out = await call(llm, mode)
    assert out.error is None
    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["user-agent"].startswith("langchain-onerouter/")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["accept"] == (
        "text/event-stream" if streaming else "application/json"
    )
    assert request.headers["x-title"] == "my-app"
    assert request.headers.get("x-team") == ("blue" if injected else None)


@pytest.mark.parametrize(
    "headers, waits",
    [({"Retry-After": "7"}, [7.0]), ({"Retry-After-Ms": "1500"}, [1.5]), ({}, None)],
    ids=["retry-after", "retry-after-ms", "none"],
)
async def test_429_then_success(
    server: ScriptedServer, mode: str, headers: dict[str, str], waits: Any
) -> None:
    """The one 429-then-success test: the server's wait, else our backoff."""
    streaming = mode in STREAM_MODES
    server.push(
        RawReply(
            429, bodies.error("slow down", "rate_limit_exceeded"), headers=headers
        ),
        ok_reply("fine now", streaming=streaming),
    )
    sleeps: list[float] = []
    out = await call(model(server.base_url, sleeps), mode)
    assert out.error is None and out.message is not None
    assert out.message.text == "fine now"
    assert len(server.requests) == 2
    if waits:
        assert sleeps == waits  # the server's wait, not our backoff
    else:
        assert len(sleeps) == 1 and 0.25 <= sleeps[0] <= 0.5
    assert out.seconds < 5


async def test_429_beyond_max_retries_raises_rate_limit_error(
    server: ScriptedServer, mode: str
) -> None:
    reply = RawReply(
        429, bodies.error("slow down, tier 1"), headers={"Retry-After": "2"}
    )
    server.push(*[reply] * 5)
    out = await call(model(server.base_url, max_retries=2), mode)
    assert isinstance(out.error, errors.RateLimitError)
    assert out.error.message == "slow down, tier 1"
    assert (out.error.status_code, out.error.retry_after) == (429, 2.0)
    assert len(server.requests) == 3
    assert out.seconds < 5


@pytest.mark.parametrize("status", [500, 502, 503])
@pytest.mark.parametrize("storm", [3, 4], ids=["shorter", "longer"])
async def test_5xx_storm_against_max_retries(
    server: ScriptedServer, mode: str, status: int, storm: int
) -> None:
    """max_retries=3: a 3-reply storm is survived, a 4-reply storm is not."""
    streaming = mode in STREAM_MODES
    server.push(
        *[RawReply(status, bodies.error(f"upstream storm {n}")) for n in range(storm)]
    )
    server.push(ok_reply("after the storm", streaming=streaming))
    sleeps: list[float] = []
    out = await call(model(server.base_url, sleeps, max_retries=3), mode)
    if storm <= 3:
        assert out.error is None and out.message is not None
        assert out.message.text == "after the storm"
        assert len(server.requests) == storm + 1
    else:
        assert type(out.error) is errors.APIStatusError
        assert out.error.status_code == status
        assert out.error.message == "upstream storm 3"  # the last attempt's
        assert len(server.requests) == 4
    # exponential backoff with jitter: 0.25-0.5, 0.5-1, 1-2 s
    assert len(sleeps) == 3
    for n, wait in enumerate(sleeps):
        assert 0.25 * 2**n <= wait <= 0.5 * 2**n
    assert out.seconds < 5


def test_reset_mid_response_is_retried(server: ScriptedServer) -> None:
    server.push(RawReply(body=bodies.text_response("half"), drop=True))
    server.push(RawReply(body=bodies.text_response("whole")))
    assert model(server.base_url).invoke("x").text == "whole"
