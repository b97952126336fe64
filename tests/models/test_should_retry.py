"""`x-should-retry: true|false` from the server decides whether we retry."""

from __future__ import annotations

import pickle

import httpx2
import pytest

from langchain_onerouter import errors
from langchain_onerouter._http.retry import is_retryable, should_retry_header
from tests.support import bodies
from tests.support.models import Recorder
from tests.support.modes import MODES, call


def _fault(status: int, hint: str | None) -> httpx2.Response:
    headers = {"x-should-retry": hint} if hint is not None else {}
    return httpx2.Response(
        status, json={"error": {"message": f"scripted {status}"}}, headers=headers
    )


@pytest.mark.parametrize("mode", MODES)
async def test_false_on_a_500_sends_one_request(mode: str) -> None:
    rec = Recorder(_fault(500, "false"), bodies.text_response("never served"))
    llm = rec.model(max_retries=3)
    out = await call(llm, mode)
    assert isinstance(out.error, errors.APIStatusError)
    assert out.error.status_code == 500 and out.error.should_retry is False
    assert len(rec.requests) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_true_on_a_final_400_class_is_retried(mode: str) -> None:
    rec = Recorder(_fault(400, "true"), _fault(403, "TRUE"), bodies.text_response())
    llm = rec.model(max_retries=3)
    out = await call(llm, mode)
    assert out.final().text == "Paris is the capital of France."
    assert len(rec.requests) == 3


@pytest.mark.parametrize("mode", ["invoke", "astream"])
async def test_without_the_header_the_status_decides(mode: str) -> None:
    rec = Recorder(_fault(500, None), _fault(400, None), bodies.text_response())
    out = await call(rec.model(max_retries=3), mode)
    assert isinstance(out.error, errors.BadRequestError)  # 500 retried, 400 final
    assert out.error.should_retry is None
    assert len(rec.requests) == 2


async def test_true_still_stops_at_max_retries() -> None:
    rec = Recorder.always(_fault(400, "true"))
    out = await call(rec.model(max_retries=2), "invoke")
    assert isinstance(out.error, errors.BadRequestError)
    assert len(rec.requests) == 3


@pytest.mark.parametrize(
    ("value", "verdict"),
    [("true", True), (" False ", False), ("1", None), ("", None), ("maybe", None)],
)
def test_header_values(value: str, verdict: bool | None) -> None:
    assert should_retry_header(httpx2.Headers({"x-should-retry": value})) is verdict


def test_the_verdict_survives_pickling_and_never_beats_the_deadline() -> None:
    err = errors.APIStatusError("x", status_code=500)
    err.should_retry = False
    assert not is_retryable(err)
    assert pickle.loads(pickle.dumps(err)).should_retry is False
    late = errors.APITimeoutError("late", code="total_timeout")
    late.should_retry = True
    assert not is_retryable(late)
