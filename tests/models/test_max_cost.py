"""`max_cost`: a call whose estimated worst case is over the cap is refused
before any request; one under it goes through; the catalog is fetched once,
only when a cap is set and none is cached."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from langchain_onerouter import ChatOneRouterResponses, MaxCostExceededError
from langchain_onerouter._mapping.catalog import ModelInfo, parse_models
from langchain_onerouter._mapping.cost import worst_case_cost
from langchain_onerouter.catalog import CATALOG
from langchain_onerouter.errors import CostLimitError, OneRouterError
from langchain_onerouter.testing import OneRouterEmulator
from tests.support.models import Recorder, echo, make_llm
from tests.support.modes import MODES, call
from tests.support.scripted_server import Recorded

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "models_sample.json"
MODEL = "openai/gpt-5.4"  # sample prices: $1.25/M input, $10/M output, 128k output


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    CATALOG.clear()
    yield
    CATALOG.clear()


def _router(request: Recorded) -> Any:
    if request.path.endswith("/models"):
        return httpx2.Response(200, json=json.loads(SAMPLE.read_text()))
    return echo(request)


def _paths(rec: Recorder) -> list[str]:
    return [r.path.rsplit("/", 1)[-1] for r in rec.requests]


@pytest.mark.parametrize("mode", MODES)
async def test_over_the_cap_nothing_is_sent(mode: str) -> None:
    rec = Recorder(responder=_router)
    llm = make_llm(rec, model=MODEL, max_cost=0.05)  # worst case ~ $1.28
    out = await call(llm, mode)
    assert isinstance(out.error, MaxCostExceededError)
    assert isinstance(out.error, CostLimitError | OneRouterError)
    assert out.error.limit == 0.05 and out.error.cost > 1.28
    text = str(out.error)
    assert "max_cost=$0.05 (USD)" in text and "estimated worst-case cost $1.28" in text
    assert "128000 output tokens" in text and MODEL in text
    assert _paths(rec) == ["models"]  # the catalog only, never /responses


@pytest.mark.parametrize("mode", MODES)
async def test_under_the_cap_the_call_goes_through(mode: str) -> None:
    rec = Recorder(responder=_router)
    llm = make_llm(rec, model=MODEL, max_cost=0.05, max_output_tokens=1000)
    out = await call(llm, mode)
    assert out.final().text == "ok"
    assert _paths(rec) == ["models", "responses"]
    assert "max_cost" not in rec.requests[-1].json()  # ours, never sent


def test_the_catalog_is_fetched_once_even_by_concurrent_calls() -> None:
    rec = Recorder(responder=_router)
    llm = make_llm(rec, model=MODEL, max_cost=1.0, max_output_tokens=100)
    llm.batch(["a", "b", "c", "d", "e", "f"], config={"max_concurrency": 6})
    llm.invoke("again")
    assert _paths(rec).count("models") == 1
    assert _paths(rec).count("responses") == 7


async def test_async_concurrent_calls_fetch_once() -> None:
    rec = Recorder(responder=_router)
    llm = make_llm(rec, model=MODEL, max_cost=1.0, max_output_tokens=100)
    await llm.abatch(["a", "b", "c", "d"])
    assert _paths(rec).count("models") == 1


def test_no_cap_no_catalog_and_a_cached_catalog_is_reused() -> None:
    rec = Recorder(responder=_router)
    make_llm(rec, model=MODEL).invoke("hi")
    assert _paths(rec) == ["responses"]
    llm = make_llm(rec, model=MODEL, max_cost=0.01)
    CATALOG.put(llm.base_url, parse_models(json.loads(SAMPLE.read_text())))
    with pytest.raises(MaxCostExceededError):
        llm.invoke("hi")
    assert _paths(rec) == ["responses"]  # the cached catalog decided


def test_per_call_cap_overrides_the_models_and_none_lifts_it() -> None:
    rec = Recorder(responder=_router)
    llm = make_llm(rec, model=MODEL, max_cost=0.01)
    assert llm.invoke("hi", max_cost=5.0).text == "ok"
    with pytest.raises(MaxCostExceededError):
        llm.invoke("hi")
    assert llm.invoke("hi", max_cost=None).text == "ok"
    bound = make_llm(rec, model=MODEL).bind(max_cost=0.001)
    with pytest.raises(MaxCostExceededError):
        bound.invoke("hi")
    assert _paths(rec).count("responses") == 2


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), "1", True])
def test_a_bad_cap_is_a_clear_error_before_any_request(bad: Any) -> None:
    rec = Recorder(responder=_router)
    with pytest.raises(ValueError, match="max_cost must be a number of USD above 0"):
        ChatOneRouterResponses(model=MODEL, max_cost=bad)
    with pytest.raises(ValueError, match="max_cost must be a number of USD"):
        make_llm(rec, model=MODEL).invoke("hi", max_cost=bad)
    assert rec.requests == []


def test_a_model_the_catalog_cannot_price_fails_closed() -> None:
    rec = Recorder(responder=_router)
    for model, reason in [
        ("nobody/unknown", "not in the model catalog"),
        ("mystery-model", "no prices"),
        ("deepseek/deepseek-v3.2:free", None),  # free: context bounds the output
    ]:
        llm = make_llm(rec, model=model, max_cost=0.01)
        if reason is None:
            assert llm.invoke("hi").text == "ok"
            continue
        with pytest.raises(ValueError, match=reason):
            llm.invoke("hi")
    assert _paths(rec).count("responses") == 1


def _info(model: str, prompt: float, completion: float, out: int) -> ModelInfo:
    return ModelInfo(
        model,
        max_output_tokens=out,
        prompt_price_per_million=prompt,
        completion_price_per_million=completion,
    )


def test_the_worst_case_is_the_priciest_model_that_may_serve() -> None:
    catalog = [_info("cheap", 1, 2, 1000), _info("dear", 10, 20, 1000)]
    alone = worst_case_cost({"model": "cheap"}, catalog, 1000)
    assert alone.cost == pytest.approx((1000 * 1 + 1000 * 2) / 1e6)
    both = worst_case_cost(
        {"model": "cheap", "fallback_models": ["dear"]}, catalog, 1000
    )
    assert both.model == "dear"
    assert both.cost == pytest.approx((1000 * 10 + 1000 * 20) / 1e6)
    with pytest.warns(UserWarning, match="'ghost' is not in the model catalog"):
        worst_case_cost({"model": "cheap", "fallback_models": ["ghost"]}, catalog, 10)


def test_max_output_tokens_and_provider_max_price_bound_the_estimate() -> None:
    catalog = [_info("m", 1, 2, 100_000)]
    body = {"model": "m", "max_output_tokens": 500}
    assert worst_case_cost(body, catalog, 0).output_tokens == 500
    capped = {**body, "provider": {"max_price": {"prompt": 3, "completion": 8}}}
    estimate = worst_case_cost(capped, catalog, 1000)
    assert (estimate.prompt_price, estimate.completion_price) == (3, 8)
    assert estimate.cost == pytest.approx((1000 * 3 + 500 * 8) / 1e6)


def test_the_input_estimate_counts_the_whole_history() -> None:
    rec = Recorder(responder=_router)
    llm = make_llm(rec, model=MODEL, max_output_tokens=10, max_cost=0.001)
    assert llm.invoke("short").text == "ok"
    # ~ 4 tokens per "word " at $1.25/M: 200k words is ~$0.25 of input
    with pytest.raises(MaxCostExceededError, match="input tokens"):
        llm.invoke("word " * 200_000)


def test_against_the_emulator_no_request_reaches_the_server() -> None:
    with OneRouterEmulator() as emu:
        llm = ChatOneRouterResponses(
            model="anthropic/claude-sonnet-4.5",
            base_url=emu.base_url,
            api_key=emu.api_key,
            max_cost=0.10,  # 64k output at $15/M is ~$0.96
        )
        with pytest.raises(MaxCostExceededError):
            llm.invoke("hi")
        assert emu.requests == []
        emu.reply(text="fine")
        assert llm.invoke("hi", max_output_tokens=200).text == "fine"
        assert len(emu.requests) == 1


def test_a_failed_catalog_fetch_fails_the_call_before_sending() -> None:
    def down(request: Recorded) -> Any:
        if request.path.endswith("/models"):
            return httpx2.Response(503, json={"error": {"message": "catalog down"}})
        return echo(request)

    rec = Recorder(responder=down)
    with pytest.raises(OneRouterError, match="catalog down"):
        make_llm(rec, model=MODEL, max_cost=1.0).invoke("hi")
    assert _paths(rec) == ["models"]
    assert CATALOG.get(make_llm(rec, model=MODEL).base_url) is None  # nothing cached
