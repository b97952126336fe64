"""Routing configuration: typed fields, validation before any request, the
body fields sent, and the routing/cost metadata of responses and streams."""

from __future__ import annotations

import json
import warnings
from typing import Any

import httpx2
import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.runnables import ConfigurableField

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.reasoning_fallback import (
    is_foreign_reasoning_error,
    without_reasoning,
)
from langchain_onerouter._mapping.response import (
    RequestedRoute,
    response_to_message,
    routing_metadata,
)
from langchain_onerouter._mapping.routing import (
    apply_routing,
    is_fallback,
    validate_fallback_rules,
    validate_provider,
)
from langchain_onerouter._mapping.stream import ResponseStreamParser
from langchain_onerouter.testing import protocol
from tests.support import bodies
from tests.support.models import Recorder, echo, make_llm
from tests.support.scripted_server import Recorded

RULES = {
    "error_code": {"action": "fallback", "hint_array": [429, 500, 503]},
    "Latency": {"action": "fallback", "hint_threshold": 3000},
}
PROVIDER = {
    "order": ["openai", "azure"],
    "only": ["openai", "azure", "anthropic"],
    "ignore": ["deepinfra"],
    "allow_fallbacks": False,
    "sort": "throughput",
    "data_collection": "deny",
    "zdr": True,
    "quantizations": ["fp8", "bf16"],
    "require_parameters": True,
    "max_price": {"prompt": 1, "completion": 2.5},
    "preferred_min_throughput": {"p50": 40, "p90": 10},
    "preferred_max_latency": 2.5,
}


# -- the request body ---------------------------------------------------------------
def test_model_fields_are_sent_exactly_as_documented() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(
        rec,
        fallback_models=["claude-3-5-sonnet@20240620", "gpt-5-chat"],
        fallback_rules=RULES,
        provider=PROVIDER,
        usage_accounting=True,
    )
    llm.invoke("hi")
    body = rec.requests[-1].json()
    assert body["fallback_models"] == ["claude-3-5-sonnet@20240620", "gpt-5-chat"]
    assert body["fallback_rules"] == RULES
    assert body["provider"] == PROVIDER
    assert body["usage"] == {"include": True}
    assert "usage_accounting" not in body and "strict_capabilities" not in body


def test_nothing_routing_is_sent_by_default() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec)
    llm.invoke("hi")
    assert not {"fallback_models", "fallback_rules", "provider", "usage"} & set(
        rec.requests[-1].json()
    )


def test_auto_rules_and_tuples() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec, fallback_models=("a/b",), fallback_rules="auto")
    llm.invoke("hi")
    assert rec.requests[-1].json()["fallback_models"] == ["a/b"]
    assert rec.requests[-1].json()["fallback_rules"] == "auto"


def test_per_call_and_bind_override_the_model() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec, provider={"order": ["openai"]}, usage_accounting=True)
    llm.invoke("hi", provider={"only": ["azure"]}, usage_accounting=False)
    assert rec.requests[-1].json()["provider"] == {"only": ["azure"]}
    assert "usage" not in rec.requests[-1].json()
    llm.bind(fallback_models=["x/y"], usage_accounting=True).invoke("hi")
    assert rec.requests[-1].json()["fallback_models"] == ["x/y"]
    assert rec.requests[-1].json()["usage"] == {"include": True}


def test_configurable_fields_swap_routing_per_run() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec)
    configurable = llm.configurable_fields(
        model=ConfigurableField(id="model"),
        fallback_models=ConfigurableField(id="fallbacks"),
        provider=ConfigurableField(id="provider"),
    )
    configurable.invoke(
        "hi",
        config={
            "configurable": {
                "model": "anthropic/claude-sonnet-4.5",
                "fallbacks": ["google/gemini-3-flash"],
                "provider": {"sort": "price"},
            }
        },
    )
    assert rec.requests[-1].json()["model"] == "anthropic/claude-sonnet-4.5"
    assert rec.requests[-1].json()["fallback_models"] == ["google/gemini-3-flash"]
    assert rec.requests[-1].json()["provider"] == {"sort": "price"}
    with pytest.raises(ValueError, match="provider.sort"):
        configurable.invoke(
            "hi", config={"configurable": {"provider": {"sort": "cheapest"}}}
        )


def test_usage_include_merges_with_other_usage_keys() -> None:
    out = apply_routing({"model": "m", "usage": {"other": 1}, "usage_accounting": True})
    assert out["usage"] == {"other": 1, "include": True}
    off = apply_routing(
        {"model": "m", "usage": {"include": True}, "usage_accounting": False}
    )
    assert "usage" not in off


# -- validation before any request -----------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, error, field",
    [
        ({"fallback_models": "gpt-5-chat"}, TypeError, "fallback_models"),
        ({"fallback_models": ["ok", 3]}, TypeError, "fallback_models"),
        ({"fallback_models": [""]}, ValueError, "fallback_models"),
        ({"fallback_rules": "sometimes"}, ValueError, "fallback_rules"),
        ({"fallback_rules": 3}, TypeError, "fallback_rules"),
        (
            {"fallback_rules": {"error_code": {"action": "retry", "hint_array": [1]}}},
            ValueError,
            r"fallback_rules\['error_code'\].action",
        ),
        (
            {
                "fallback_rules": {
                    "error_code": {"action": "fallback", "hint_array": ["500"]}
                }
            },
            TypeError,
            "hint_array",
        ),
        (
            {
                "fallback_rules": {
                    "error_code": {"action": "fallback", "hint_array": [99]}
                }
            },
            ValueError,
            "hint_array",
        ),
        (
            {
                "fallback_rules": {
                    "TTFT": {"action": "fallback", "hint_threshold": "1s"}
                }
            },
            TypeError,
            r"fallback_rules\['TTFT'\].hint_threshold",
        ),
        (
            {"fallback_rules": {"Latency": {"action": "fallback"}}},
            ValueError,
            "hint_threshold",
        ),
        ({"provider": ["openai"]}, TypeError, "provider"),
        ({"provider": {"order": "openai"}}, TypeError, "provider.order"),
        ({"provider": {"only": ["a", None]}}, TypeError, "provider.only"),
        (
            {"provider": {"allow_fallbacks": "no"}},
            TypeError,
            "provider.allow_fallbacks",
        ),
        ({"provider": {"sort": "cheapest"}}, ValueError, "provider.sort"),
        (
            {"provider": {"data_collection": "maybe"}},
            ValueError,
            "provider.data_collection",
        ),
        ({"provider": {"max_price": 3}}, TypeError, "provider.max_price"),
        (
            {"provider": {"max_price": {"prompt": -1}}},
            ValueError,
            "provider.max_price.prompt",
        ),
        (
            {"provider": {"preferred_max_latency": float("nan")}},
            ValueError,
            "provider.preferred_max_latency",
        ),
        (
            {"provider": {"preferred_min_throughput": {"p50": "fast"}}},
            TypeError,
            "provider.preferred_min_throughput.p50",
        ),
    ],
)
def test_bad_values_fail_before_any_request(
    kwargs: dict[str, Any], error: type[Exception], field: str
) -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec)
    with pytest.raises(error, match=field):
        ChatOneRouterResponses(model="m", **kwargs)
    with pytest.raises(error, match=field):  # per call
        llm.invoke("hi", **kwargs)
    with pytest.raises(error, match=field):  # bound
        llm.bind(**kwargs).invoke("hi")
    assert rec.requests == []


def test_usage_accounting_per_call_must_be_a_bool() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec)
    with pytest.raises(TypeError, match="usage_accounting"):
        llm.invoke("hi", usage_accounting="yes")
    assert rec.requests == []


def test_provider_in_model_kwargs_is_validated_too() -> None:
    with pytest.raises(ValueError, match="provider.sort"):
        ChatOneRouterResponses(model="m", model_kwargs={"provider": {"sort": "x"}})


def test_unknown_provider_keys_warn_and_are_sent() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec)
    with pytest.warns(UserWarning, match="'sorting'.*did you mean 'sort'"):
        llm.invoke("hi", provider={"sorting": "price", "new_knob": {"a": 1}})
    assert rec.requests[-1].json()["provider"] == {
        "sorting": "price",
        "new_knob": {"a": 1},
    }


def test_unknown_trigger_warns_with_the_nearest_name() -> None:
    with pytest.warns(UserWarning, match="did you mean 'Latency'"):
        rules = validate_fallback_rules(
            {"latency": {"action": "fallback", "hint_threshold": 5}}
        )
    assert rules == {"latency": {"action": "fallback", "hint_threshold": 5}}


def test_known_keys_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert validate_provider(PROVIDER) == PROVIDER
        assert validate_fallback_rules(RULES) == RULES


# -- which model answered ------------------------------------------------------------
@pytest.mark.parametrize(
    "requested, served, fallbacks, expected",
    [
        ("o4-mini", "o4-mini", (), False),
        ("o4-mini", "o4-mini-2025-04-16", (), False),
        ("openai/gpt-5.4", "gpt-5.4", (), False),
        ("openai/gpt-5.4", "anthropic/claude-sonnet-4.5", (), True),
        ("gpt-5", "gpt-5-chat", ("gpt-5-chat",), True),
    ],
)
def test_is_fallback(
    requested: str, served: str, fallbacks: tuple[str, ...], expected: bool
) -> None:
    assert is_fallback(requested, served, fallbacks) is expected


def test_invoke_metadata_names_requested_and_served_model() -> None:
    reply = bodies.text_response("ok", model="anthropic/claude-sonnet-4.5")
    reply["provider"] = "Anthropic"
    reply["usage"]["cost"] = 0.00123
    reply["usage"]["cost_details"] = {"upstream_inference_cost": 0.00123}
    rec = Recorder(responder=lambda _: reply)
    llm = make_llm(rec, fallback_models=["anthropic/claude-sonnet-4.5"])
    msg = llm.invoke("hi")
    meta = msg.response_metadata
    assert meta["model_name"] == "anthropic/claude-sonnet-4.5"
    assert meta["requested_model"] == "openai/gpt-5.4"
    assert meta["fallback_used"] is True
    assert meta["upstream_provider"] == "Anthropic"
    assert meta["cost"] == 0.00123
    assert meta["cost_details"] == {"upstream_inference_cost": 0.00123}
    # LangSmith keeps the requested model; the served one is in the output.
    assert llm._get_ls_params()["ls_model_name"] == "openai/gpt-5.4"


def test_cost_at_the_top_level_and_odd_costs_are_kept() -> None:
    meta = routing_metadata({"model": "m", "cost": "0.5", "cost_details": {"x": 1}})
    assert meta["cost"] == 0.5 and meta["cost_details"] == {"x": 1}
    assert routing_metadata({"model": "m", "usage": {"cost": "n/a"}})["cost"] == "n/a"
    assert "cost" not in routing_metadata({"model": "m", "usage": {"input_tokens": 1}})


def _completed_events(model: str, cost: float) -> list[dict[str, Any]]:
    final = bodies.response(bodies.message_item("Hello there"), model=model)
    final["usage"]["cost"] = cost
    return protocol.response_events(final, deltas=[["Hel", "lo ", "there"]])


def test_stream_cost_rides_once_on_the_final_chunk_and_sums_with_plus() -> None:
    parser = ResponseStreamParser(requested=RequestedRoute("openai/gpt-5.4"))
    chunks: list[AIMessageChunk] = []
    for event in _completed_events("anthropic/claude-sonnet-4.5", 0.0042):
        chunks.extend(parser.feed(event))
    assert [c for c in chunks if "cost" in c.response_metadata] == [chunks[-1]]
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.text == "Hello there"
    assert total.response_metadata["cost"] == 0.0042
    assert total.response_metadata["model_name"] == "anthropic/claude-sonnet-4.5"
    assert total.response_metadata["requested_model"] == "openai/gpt-5.4"
    assert total.response_metadata["fallback_used"] is True
    # The streamed aggregate says what invoke says.
    invoked = response_to_message(
        _completed_events("anthropic/claude-sonnet-4.5", 0.0042)[-1]["response"],
        RequestedRoute("openai/gpt-5.4"),
    )
    for key in ("cost", "model_name", "requested_model", "fallback_used"):
        assert total.response_metadata[key] == invoked.response_metadata[key]


# -- reasoning across a fallback ---------------------------------------------------------
def test_without_reasoning_drops_items_and_orphaned_call_ids_only() -> None:
    body = {
        "model": "m",
        "input": [
            {"type": "message", "role": "user", "content": "q"},
            {
                "type": "reasoning",
                "id": "rs_1",
                "encrypted_content": "e",
                "summary": [],
            },
            {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "c1",
                "name": "f",
                "arguments": "{}",
            },
            {"type": "function_call_output", "call_id": "c1", "output": "r"},
            {
                "type": "function_call",
                "id": "fc_2",
                "call_id": "c2",
                "name": "f",
                "arguments": "{}",
            },
        ],
    }
    stripped, dropped = without_reasoning(body)
    assert dropped == 1
    kinds = [(i["type"], i.get("id")) for i in stripped["input"]]
    assert kinds == [
        ("message", None),
        ("function_call", None),
        ("function_call_output", None),
        ("function_call", "fc_2"),
    ]
    assert body["input"][1]["type"] == "reasoning"  # the original is untouched
    assert without_reasoning({"model": "m", "input": "hi"})[1] == 0


@pytest.mark.parametrize(
    "status, code, message, param, expected",
    [
        (400, "invalid_encrypted_content", "x", None, True),
        (None, "invalid_encrypted_content", "x", None, True),
        (
            400,
            None,
            "The encrypted content for item rs_1 could not be verified.",
            None,
            True,
        ),
        (400, None, "Item 'rs_abc' of type 'reasoning' was not found", None, True),
        (400, 400, "Invalid value", "input[2].encrypted_content", True),
        (400, None, "temperature must be <= 2", "temperature", False),
        (503, None, "encrypted content unavailable", None, False),
    ],
)
def test_foreign_reasoning_errors_are_recognised(
    status: int | None, code: Any, message: str, param: Any, expected: bool
) -> None:
    assert is_foreign_reasoning_error(status, code, message, param) is expected


def test_requested_route_of_a_body() -> None:
    route = RequestedRoute.of({"model": "a", "fallback_models": ["b", 3]})
    assert route == RequestedRoute("a", ("b",))
    assert RequestedRoute.of({"input": [HumanMessage("x")]}) is None


@pytest.mark.parametrize(
    "name",
    [
        "langchain_onerouter.routing",
        "langchain_onerouter._mapping.routing",
        "langchain_onerouter._mapping.reasoning_fallback",
        "langchain_onerouter._mapping.names",
        "langchain_onerouter._settings.fields",
        "langchain_onerouter._settings.checks",
        "langchain_onerouter._mapping.capabilities",
        "langchain_onerouter._mapping.response",
        "langchain_onerouter.testing.routing",
    ],
)
def test_docstring_examples_run(name: str) -> None:
    import doctest
    import importlib

    if name.endswith("testing.routing"):
        pytest.importorskip("starlette")
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_routing_from_env_builds_a_model_and_names_bad_variables() -> None:
    from langchain_onerouter import routing_from_env

    env = {
        "ONEROUTER_MODEL": "openai/gpt-5.4",
        "ONEROUTER_FALLBACK_MODELS": "a/b, ,c/d",
        "ONEROUTER_FALLBACK_RULES": json.dumps(RULES),
        "ONEROUTER_PROVIDER": json.dumps({"only": ["azure"]}),
        "ONEROUTER_USAGE_ACCOUNTING": "TRUE",
    }
    settings = routing_from_env(env)
    rec = Recorder(responder=echo)
    llm = make_llm(rec, **settings)
    llm.invoke("hi")
    assert rec.requests[-1].json()["model"] == "openai/gpt-5.4"
    assert rec.requests[-1].json()["fallback_models"] == ["a/b", "c/d"]
    assert rec.requests[-1].json()["fallback_rules"] == RULES
    assert rec.requests[-1].json()["provider"] == {"only": ["azure"]}
    assert rec.requests[-1].json()["usage"] == {"include": True}
    assert routing_from_env({"ONEROUTER_FALLBACK_RULES": "auto"}) == {
        "fallback_rules": "auto"
    }
    assert routing_from_env({}) == {}
    with pytest.raises(ValueError, match="ONEROUTER_PROVIDER must be JSON"):
        routing_from_env({"ONEROUTER_PROVIDER": "{sort: price}"})
    with pytest.raises(ValueError, match="ONEROUTER_USAGE_ACCOUNTING"):
        routing_from_env({"ONEROUTER_USAGE_ACCOUNTING": "maybe"})


def test_routing_fields_survive_serialisation() -> None:
    from langchain_core.load import dumpd, load

    llm = ChatOneRouterResponses(
        model="m",
        fallback_models=["a/b"],
        fallback_rules=RULES,
        provider={"order": ["x"]},
        usage_accounting=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # load() is a beta API
        back = load(
            dumpd(llm),
            secrets_map={"ONEROUTER_API_KEY": "sk-or-test-key-0123456789"},
            valid_namespaces=["langchain_onerouter"],
            allowed_objects=[ChatOneRouterResponses],
        )
    assert (back.fallback_models, back.fallback_rules, back.provider) == (
        ["a/b"],
        RULES,
        {"order": ["x"]},
    )
    assert back.usage_accounting is True


def test_settings_lists_the_routing_keywords_and_extensions() -> None:
    from langchain_onerouter._settings import fields as settings

    assert set(settings.ROUTING_KEYWORDS) == {
        "fallback_models",
        "fallback_rules",
        "provider",
        "usage_accounting",
    }
    mapped = apply_routing(
        {"model": "m", **{k: None for k in settings.ROUTING_KEYWORDS}}
    )
    assert mapped == {"model": "m"}
    sent = apply_routing(
        {
            "model": "m",
            "fallback_models": ["x"],
            "fallback_rules": "auto",
            "provider": {"sort": "price"},
            "usage_accounting": True,
        }
    )
    assert set(sent) - {"model"} == set(settings.ONEROUTER_EXTENSIONS)


@pytest.mark.parametrize(
    "body, expected",
    [
        (
            {"model": "m", "provider": ["a", "b"], "usage": {"cost": float("inf")}},
            {"upstream_provider": ["a", "b"], "cost": float("inf")},
        ),
        (
            {"model": None, "provider": {"name": "x"}, "cost": [1], "usage": "odd"},
            {"upstream_provider": {"name": "x"}, "cost": [1]},
        ),
        (
            {"model": 3, "usage": {"cost": True, "cost_details": "n/a"}},
            {"cost": True, "cost_details": "n/a"},
        ),
    ],
)
def test_odd_routing_data_from_the_server_is_kept_not_fatal(
    body: dict[str, Any], expected: dict[str, Any]
) -> None:
    meta = routing_metadata(body, RequestedRoute("m"))
    assert meta["requested_model"] == "m"
    # without a string model, whether it was a fallback is unknown, not guessed
    assert ("fallback_used" in meta) is isinstance(body["model"], str)
    assert {k: meta[k] for k in expected} == expected


ROUTING_CALL = {
    "fallback_models": ["a/b"],
    "fallback_rules": "auto",
    "provider": {"sort": "price"},
    "usage_accounting": True,
    "strict_capabilities": False,
    "reasoning_fallback_retry": True,
}
SENT = {
    "fallback_models": ["a/b"],
    "fallback_rules": "auto",
    "provider": {"sort": "price"},
    "usage": {"include": True},
}


@pytest.mark.parametrize("way", ["invoke", "ainvoke", "stream", "batch", "bind"])
def test_every_routing_keyword_works_per_call(way: str) -> None:
    import asyncio

    stream_body = "".join(
        f"data: {json.dumps(e)}\n\n" for e in _completed_events("openai/gpt-5.4", 0.1)
    )

    def answer(request: Recorded) -> Any:
        if request.json().get("stream"):
            return httpx2.Response(
                200, text=stream_body, headers={"content-type": "text/event-stream"}
            )
        return echo(request)

    rec = Recorder(responder=answer)
    llm = make_llm(rec, max_retries=2)
    if way == "invoke":
        llm.invoke("hi", **ROUTING_CALL)
    elif way == "ainvoke":
        asyncio.run(llm.ainvoke("hi", **ROUTING_CALL))
    elif way == "stream":
        list(llm.stream("hi", **ROUTING_CALL))
    elif way == "batch":
        llm.batch(["hi", "ho"], **ROUTING_CALL)
    else:
        llm.bind(**ROUTING_CALL).invoke("hi")
    assert rec.requests
    for body in (r.json() for r in rec.requests):
        assert {k: body.get(k) for k in SENT} == SENT
        assert not {"usage_accounting", "strict_capabilities"} & set(body)


def test_reasoning_fallback_retries_once_only_before_output() -> None:
    from langchain_onerouter._mapping.reasoning_fallback import ReasoningFallback
    from langchain_onerouter.errors import BadRequestError

    body = {
        "model": "m",
        "input": [{"type": "reasoning", "id": "rs_1", "encrypted_content": "x"}],
    }
    foreign = BadRequestError("bad", status_code=400, code="invalid_encrypted_content")
    other = BadRequestError("temperature is too hot", status_code=400)
    sent: list[dict[str, Any]] = []

    def post(b: dict[str, Any]) -> str:
        sent.append(b)
        if len(sent) == 1:
            raise foreign
        return "ok"

    fallback = ReasoningFallback(True, {})
    with pytest.warns(UserWarning, match="Retrying once"):
        assert fallback.send(post, body) == ("ok", {"model": "m", "input": []})
    assert sent[0] is body and fallback.flag == {
        "dropped_items": 1,
        "error": "invalid_encrypted_content",
    }
    metadata: dict[str, Any] = {}
    fallback.mark(metadata)
    assert metadata == {"reasoning_retry": fallback.flag}
    with pytest.raises(BadRequestError):  # never a second retry
        fallback.retry_body(foreign, body, output_sent=False)
    for fresh, err, output_sent in (
        (ReasoningFallback(True, {}), foreign, True),
        (ReasoningFallback(True, {"reasoning_fallback_retry": False}), foreign, False),
        (ReasoningFallback(False, {}), foreign, False),
        (ReasoningFallback(True, {}), other, False),
    ):
        with pytest.raises(BadRequestError) as info:
            fresh.retry_body(err, body, output_sent=output_sent)
        assert info.value is err and fresh.flag is None
    assert ReasoningFallback(False, {"reasoning_fallback_retry": True}).enabled
