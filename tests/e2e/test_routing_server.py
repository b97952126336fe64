"""Routing, fallbacks and cost over real sockets, against the emulator.

The emulator routes like OneRouter documents: a model scripted to fail is
replaced by the first working `fallback_models` entry (its id is the
response's `model`), providers are chosen by `provider` preferences, cost is
added when `usage.include` is set, and reasoning signed by one provider is
rejected by another with 400 `invalid_encrypted_content`.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.tracers.base import BaseTracer
from langchain_core.tracers.schemas import Run

from langchain_onerouter import ChatOneRouterResponses, NotFoundError
from langchain_onerouter.errors import APIStatusError, BadRequestError

testing = pytest.importorskip("langchain_onerouter.testing")

PRIMARY = "openai/gpt-5.4"
FALLBACK = "anthropic/claude-sonnet-4.5"
# The emulator's catalog prices (USD per million tokens), see testing/app.py.
PRICES = {PRIMARY: (1.25, 10.0), FALLBACK: (3.0, 15.0)}


@pytest.fixture
def emu(onerouter_emulator: Any) -> Any:
    """The session's emulator (the package's pytest plugin), reset per test."""
    return onerouter_emulator


def model(emu: Any, **kw: Any) -> ChatOneRouterResponses:
    kw.setdefault("model", PRIMARY)
    return ChatOneRouterResponses(
        base_url=emu.base_url, api_key=emu.api_key, max_retries=0, **kw
    )


def expected_cost(served: str, message: BaseMessage) -> float:
    usage = message.usage_metadata  # type: ignore[attr-defined]
    prompt, completion = PRICES[served]
    return (usage["input_tokens"] * prompt + usage["output_tokens"] * completion) / 1e6


def aggregate(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


# -- fallbacks ----------------------------------------------------------------------------
def test_invoke_without_fallback_says_so(emu: Any) -> None:
    msg = model(emu, fallback_models=[FALLBACK]).invoke("hello")
    meta = msg.response_metadata
    assert meta["model_name"] == PRIMARY and meta["requested_model"] == PRIMARY
    assert meta["fallback_used"] is False
    assert meta["upstream_provider"] == "openai"


def test_fallback_in_invoke_stream_astream_and_batch(emu: Any) -> None:
    emu.fail_model(PRIMARY)
    llm = model(emu, fallback_models=[FALLBACK], usage_accounting=True)
    invoked = llm.invoke("hello there")
    streamed = aggregate(list(llm.stream("hello there")))

    async def astream() -> Any:
        return aggregate([c async for c in llm.astream("hello there")])

    astreamed = asyncio.run(astream())
    batched = llm.batch(["one", "two words", "three more words"])
    for msg in [invoked, streamed, astreamed, *batched]:
        meta = msg.response_metadata
        assert meta["model_name"] == FALLBACK
        assert meta["requested_model"] == PRIMARY
        assert meta["fallback_used"] is True
        assert meta["upstream_provider"] == "anthropic"
        assert meta["cost"] == pytest.approx(expected_cost(FALLBACK, msg))
        assert meta["cost"] > 0
        assert meta["cost_details"]["upstream_inference_cost"] == meta["cost"]
    # each request asked for the primary model, with its fallbacks
    assert {r.body["model"] for r in emu.requests} == {PRIMARY}
    assert all(r.body["fallback_models"] == [FALLBACK] for r in emu.requests)
    # batch items cost what their own usage says, not one another's
    assert len({m.response_metadata["cost"] for m in batched}) == 3


def test_without_fallback_models_the_failure_surfaces(emu: Any) -> None:
    emu.fail_model(PRIMARY, status=503)
    with pytest.raises(APIStatusError) as info:
        model(emu).invoke("hello")
    assert info.value.status_code == 503


def test_fallback_rules_limit_which_errors_fall_back(emu: Any) -> None:
    emu.fail_model(PRIMARY, status=429)
    rules = {"error_code": {"action": "fallback", "hint_array": [500, 503]}}
    llm = model(emu, fallback_models=[FALLBACK], fallback_rules=rules)
    with pytest.raises(Exception) as info:
        llm.invoke("hello")
    assert getattr(info.value, "status_code", None) == 429
    rules["error_code"]["hint_array"].append(429)
    msg = model(emu, fallback_models=[FALLBACK], fallback_rules=rules).invoke("hi")
    assert msg.response_metadata["model_name"] == FALLBACK


def test_no_cost_without_usage_accounting(emu: Any) -> None:
    msg = model(emu).invoke("hello")
    assert "cost" not in msg.response_metadata
    assert "usage" not in emu.requests[-1].body
    priced = model(emu).invoke("hello", usage_accounting=True)
    assert priced.response_metadata["cost"] == pytest.approx(
        expected_cost(PRIMARY, priced)
    )


# -- provider routing ---------------------------------------------------------------------
def test_provider_order_and_failover(emu: Any) -> None:
    llm = model(emu, provider={"order": ["azure", "openai"]})
    assert llm.invoke("hi").response_metadata["upstream_provider"] == "azure"
    emu.fail_provider("azure")
    assert llm.invoke("hi").response_metadata["upstream_provider"] == "openai"
    strict = model(emu, provider={"order": ["azure"], "allow_fallbacks": False})
    with pytest.raises(APIStatusError) as info:
        strict.invoke("hi")
    assert info.value.status_code == 503


def test_provider_only_and_ignore(emu: Any) -> None:
    llm = model(emu, provider={"ignore": ["openai"]})
    assert llm.invoke("hi").response_metadata["upstream_provider"] == "azure"
    with pytest.raises(APIStatusError, match="routing requirements"):
        model(emu, provider={"only": ["anthropic"]}).invoke("hi")


def test_the_emulator_rejects_malformed_routing_like_the_server(emu: Any) -> None:
    # Our client validates first; model_kwargs-free raw bodies reach the server
    # only through a client that does not (here: the emulator's own check).
    from langchain_onerouter.testing import routing

    with pytest.raises(routing.RoutingError) as info:
        routing.check_provider({"sort": "cheapest"})
    assert info.value.status == 400 and info.value.param == "provider.sort"
    import httpx

    bad = httpx.post(
        f"{emu.base_url}/responses",
        json={"model": PRIMARY, "input": "hi", "provider": {"order": "openai"}},
        headers={"Authorization": f"Bearer {emu.api_key}"},
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "provider.order"


# -- reasoning across a fallback ------------------------------------------------------------
def reasoning_turn(emu: Any, **kw: Any) -> tuple[ChatOneRouterResponses, AIMessage]:
    llm = model(
        emu,
        fallback_models=[FALLBACK],
        reasoning_effort="low",
        use_encrypted_reasoning=True,
        **kw,
    )
    first = llm.invoke("think about it")
    assert any(
        isinstance(b, dict) and b.get("encrypted_content") for b in first.content
    )
    assert first.response_metadata["upstream_provider"] == "openai"
    emu.fail_model(PRIMARY)  # the next turn falls back to another provider
    return llm, first


def history(first: AIMessage) -> list[BaseMessage]:
    return [HumanMessage("think about it"), first, HumanMessage("and now?")]


def test_invoke_recovers_from_foreign_reasoning_once_and_visibly(emu: Any) -> None:
    llm, first = reasoning_turn(emu)
    before = len(emu.requests)
    with pytest.warns(UserWarning, match="Retrying once without them"):
        msg = llm.invoke(history(first))
    sent = emu.requests[before:]
    assert len(sent) == 2
    assert any(i.get("type") == "reasoning" for i in sent[0].body["input"])
    assert not any(i.get("type") == "reasoning" for i in sent[1].body["input"])
    assert msg.response_metadata["reasoning_retry"] == {
        "dropped_items": 1,
        "error": "invalid_encrypted_content",
    }
    assert msg.response_metadata["model_name"] == FALLBACK
    assert msg.text.startswith("You said: and now?")


def test_stream_and_astream_recover_too(emu: Any) -> None:
    llm, first = reasoning_turn(emu)
    with pytest.warns(UserWarning, match="Retrying once"):
        streamed = aggregate(list(llm.stream(history(first))))

    async def run() -> Any:
        return aggregate([c async for c in llm.astream(history(first))])

    with pytest.warns(UserWarning, match="Retrying once"):
        astreamed = asyncio.run(run())
    for msg in (streamed, astreamed):
        assert msg.response_metadata["reasoning_retry"]["dropped_items"] == 1
        assert msg.response_metadata["model_name"] == FALLBACK
        assert msg.text.startswith("You said: and now?")


def test_ainvoke_recovers(emu: Any) -> None:
    llm, first = reasoning_turn(emu)
    with pytest.warns(UserWarning, match="Retrying once"):
        msg = asyncio.run(llm.ainvoke(history(first)))
    assert msg.response_metadata["reasoning_retry"]["dropped_items"] == 1


def test_the_retry_never_loops(emu: Any) -> None:
    llm, first = reasoning_turn(emu)
    # The retry is rejected the same way: it raises, it is not retried again.
    emu.push(
        testing.Reply(
            status=400, error_code="invalid_encrypted_content", error_message="no"
        )
    )
    before = len(emu.requests)
    with pytest.warns(UserWarning, match="Retrying once"):
        with pytest.raises(BadRequestError, match="no"):
            llm.invoke(history(first))
    assert len(emu.requests) - before == 2
    emu.push(testing.Reply(status=404, error_message="gone"))
    with pytest.warns(UserWarning, match="Retrying once"):
        with pytest.raises(NotFoundError, match="gone"):
            list(llm.stream(history(first)))
    assert len(emu.requests) - before == 4


def test_recovery_can_be_turned_off(emu: Any) -> None:
    llm, first = reasoning_turn(emu, reasoning_fallback_retry=False)
    before = len(emu.requests)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BadRequestError) as info:
            llm.invoke(history(first))
    assert info.value.code == "invalid_encrypted_content"
    assert len(emu.requests) - before == 1


def test_other_bad_requests_are_not_retried(emu: Any) -> None:
    llm, first = reasoning_turn(emu)
    emu.restore()
    emu.push(testing.Reply(status=400, error_message="temperature is too hot"))
    before = len(emu.requests)
    with pytest.raises(BadRequestError, match="too hot"):
        llm.invoke(history(first))
    assert len(emu.requests) - before == 1


# -- tracing --------------------------------------------------------------------------------
class Collect(BaseTracer):
    def __init__(self) -> None:
        super().__init__()
        self.runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        pass

    def _on_llm_end(self, run: Run) -> None:
        self.runs.append(run)


def test_trace_keeps_requested_model_and_records_served_one(emu: Any) -> None:
    emu.fail_model(PRIMARY)
    tracer = Collect()
    model(emu, fallback_models=[FALLBACK]).invoke(
        "hello", config={"callbacks": [tracer]}
    )
    (run,) = tracer.runs
    assert run.extra["metadata"]["ls_model_name"] == PRIMARY
    output = run.outputs or {}
    assert output["llm_output"]["model_name"] == FALLBACK
    assert output["llm_output"]["fallback_used"] is True
    message = output["generations"][0][0]["message"]
    metadata = (
        message["kwargs"]["response_metadata"]
        if isinstance(message, dict)
        else message.response_metadata
    )
    assert metadata["model_name"] == FALLBACK


def test_a_rejection_in_a_200_body_is_recovered_too(emu: Any) -> None:
    # Some upstreams fail after accepting the request: HTTP 200, status failed.
    llm, first = reasoning_turn(emu)
    emu.restore()
    emu.push(
        testing.Reply(
            fail=True,
            error_code="invalid_encrypted_content",
            error_message="reasoning from another provider",
        )
    )
    before = len(emu.requests)
    with pytest.warns(UserWarning, match="Retrying once"):
        msg = llm.invoke(history(first))
    assert len(emu.requests) - before == 2
    assert msg.response_metadata["reasoning_retry"]["dropped_items"] == 1


def test_a_stream_that_already_yielded_is_never_retried(emu: Any) -> None:
    # The emulator's failing stream sends part of the answer, then the error.
    llm, first = reasoning_turn(emu)
    emu.restore()
    emu.push(
        testing.Reply(
            fail=True,
            text="a long enough answer to stream",
            error_code="invalid_encrypted_content",
        )
    )
    before = len(emu.requests)
    received: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Exception, match="invalid_encrypted_content|failed"):
            for chunk in llm.stream(history(first)):
                received.append(chunk)
    assert received and any(c.text for c in received)
    assert len(emu.requests) - before == 1


def test_a_model_can_fail_a_number_of_times(emu: Any) -> None:
    emu.fail_model(PRIMARY, times=2)
    llm = model(emu, fallback_models=[FALLBACK])
    served = [llm.invoke("hi").response_metadata["model_name"] for _ in range(3)]
    assert served == [FALLBACK, FALLBACK, PRIMARY]
    emu.fail_provider("openai", times=1)
    providers = [
        model(emu).invoke("hi").response_metadata["upstream_provider"] for _ in range(2)
    ]
    assert providers == ["azure", "openai"]
