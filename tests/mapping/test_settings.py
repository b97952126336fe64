"""Settings: names, the settings table, the model/per-call merge, its checks."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.jsonutil import check_json
from langchain_onerouter._settings.checks import check_base_url
from langchain_onerouter._settings.env import DEFAULT_BASE_URL
from langchain_onerouter._settings.fields import (
    CALL_KEYWORDS,
    ONEROUTER_REQUEST_FIELDS,
    RESPONSES_REQUEST_FIELDS,
    call_params,
    check_call_keywords,
    merge_params,
    model_params,
    resolve_base_url,
    validate_params,
)
from tests.support.models import Recorder, make_llm, numbered_echo


def test_model_params_rename_fold_and_drop_unset() -> None:
    params = model_params(
        {
            "model": "m",
            "max_tokens": 5,
            "reasoning": {"summary": "auto"},
            "reasoning_effort": "high",
            "include": ["x"],
            "use_encrypted_reasoning": True,
            "request_metadata": {"k": "v"},
            "temperature": None,
            "model_kwargs": {"provider": {"sort": "price"}},
        }
    )
    assert params == {
        "model": "m",
        "max_output_tokens": 5,
        "reasoning": {"summary": "auto", "effort": "high"},
        "include": ["x", "reasoning.encrypted_content"],
        "metadata": {"k": "v"},
        "provider": {"sort": "price"},
    }


def test_merge_maps_per_call_names_and_skips_call_only() -> None:
    merged = merge_params(
        {"model": "a", "reasoning": {"summary": "auto"}},
        {"max_tokens": 3, "reasoning_effort": "low", "stop": ["x"], "stream": True},
    )
    assert merged == {
        "model": "a",
        "max_output_tokens": 3,
        "reasoning": {"summary": "auto", "effort": "low"},
    }


def test_per_call_overrides_win_and_stop_is_not_sent() -> None:
    llm = ChatOneRouterResponses(model="a", max_output_tokens=10, stop=["END"])
    body = llm._request_body(
        [HumanMessage("hi")],
        stream=True,
        model="b",
        max_tokens=5,
        reasoning_effort="low",
        request_metadata={"k": "v"},
        stop=["x"],
    )
    assert body["model"] == "b"
    assert body["max_output_tokens"] == 5
    assert body["reasoning"] == {"effort": "low"}
    assert body["metadata"] == {"k": "v"}
    assert body["stream"] is True
    assert "stop" not in body


@pytest.mark.parametrize(
    "params, needle",
    [
        ({"model": ""}, "model"),
        ({"max_output_tokens": -1}, "max_tokens"),
        ({"max_output_tokens": 0}, "max_tokens"),
        ({"max_output_tokens": True}, "max_tokens"),
        ({"temperature": 3}, "temperature"),
        ({"top_p": -0.1}, "top_p"),
        ({"temperature": "hot"}, "temperature"),
        ({"reasoning": {"effort": "extreme"}}, "effort"),
        ({"reasoning": {"effort": ["high"]}}, "effort"),
        ({"reasoning": {"summary": "long"}}, "summary"),
        ({"reasoning": "high"}, "reasoning"),
        ({"include": "reasoning.encrypted_content"}, "include"),
    ],
)
def test_bad_settings_raise(params: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        validate_params({"model": "m", **params})
    with pytest.raises(ValueError, match=needle):
        call_params({"model": "m"}, params)


def test_bad_settings_rejected_at_construction() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        ChatOneRouterResponses(model="m", max_tokens=-5)
    with pytest.raises(ValueError, match="effort"):
        ChatOneRouterResponses(model="m", reasoning_effort="ultra")
    with pytest.raises(ValueError, match="model"):
        ChatOneRouterResponses(model="  ")


def test_base_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_base_url() == DEFAULT_BASE_URL
    monkeypatch.setenv("ONEROUTER_BASE_URL", "http://127.0.0.1:1/v1")
    assert resolve_base_url() == "http://127.0.0.1:1/v1"
    assert resolve_base_url("https://x.test/v1") == "https://x.test/v1"


def test_base_url_checks() -> None:
    with pytest.raises(ValueError, match="http"):
        check_base_url("ftp://x.test")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_base_url("http://localhost:8000/v1")
        check_base_url("http://[::1]:8000/v1")
    with pytest.warns(UserWarning, match="unencrypted"):
        check_base_url("http://router.example/v1")


# -- the request field list and the spec ---------------------------------------------
def _spec_properties(schemas: dict, name: str) -> set[str]:
    schema = schemas[name]
    found = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            found |= _spec_properties(schemas, part["$ref"].rsplit("/", 1)[-1])
        found |= set(part.get("properties", {}))
    return found


def test_request_fields_match_create_response(shared_dir: Path) -> None:
    spec_path = shared_dir / "spec" / "openai-openapi.json"
    if not spec_path.is_file():
        pytest.skip("spec/openai-openapi.json is absent")
    schemas = json.loads(spec_path.read_text())["components"]["schemas"]
    assert _spec_properties(schemas, "CreateResponse") == RESPONSES_REQUEST_FIELDS
    assert not ONEROUTER_REQUEST_FIELDS & RESPONSES_REQUEST_FIELDS


# -- per-call keywords ----------------------------------------------------------------
@pytest.mark.parametrize(
    "keyword, needle",
    [
        ("temprature", "did you mean 'temperature'"),
        ("max_token", "did you mean 'max_tokens'"),
        ("reasoning_efort", "did you mean 'reasoning_effort'"),
        ("fallback_model", "did you mean 'fallback_models'"),
        ("metadata", "request_metadata="),
        ("timeout", "setting of the model"),
        ("zzz", "extra_body"),
    ],
)
def test_unknown_per_call_keyword_raises_before_any_request(
    keyword: str, needle: str
) -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    runs = {
        "invoke": lambda: llm.invoke("hi", **{keyword: 1}),
        "stream": lambda: list(llm.stream("hi", **{keyword: 1})),
        "batch": lambda: llm.batch(["hi"], **{keyword: 1}),
        "bind": lambda: llm.bind(**{keyword: 1}).invoke("hi"),
    }
    for name, run in runs.items():
        with pytest.raises(TypeError, match=re.escape(needle)) as info:
            run()
        assert repr(keyword) in str(info.value) or keyword == "metadata", name
    assert rec.requests == []


async def test_unknown_per_call_keyword_raises_async() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    with pytest.raises(TypeError, match="temperature"):
        await llm.ainvoke("hi", temprature=0.2)
    with pytest.raises(TypeError, match="temperature"):
        async for _ in llm.astream("hi", temprature=0.2):
            pass
    with pytest.raises(TypeError, match="request_metadata"):
        await llm.ainvoke("hi", metadata={"a": "b"})
    assert rec.requests == []


def test_input_and_stream_are_ours_to_build() -> None:
    with pytest.raises(TypeError, match="built from the messages"):
        check_call_keywords({"input": "x"})


def test_every_request_field_and_langchain_keyword_is_accepted_per_call() -> None:
    for keyword in sorted(CALL_KEYWORDS):
        check_call_keywords({keyword: None})
    for keyword in ("tools", "tool_choice", "parallel_tool_calls", "text", "stop"):
        assert keyword in CALL_KEYWORDS
    assert {"response_format", "ls_structured_output_format"} <= CALL_KEYWORDS


def test_tracing_keywords_are_not_sent() -> None:
    params = call_params(
        {"model": "m"}, {"ls_structured_output_format": {"schema": {}}, "stop": ["x"]}
    )
    assert params == {"model": "m"}


def test_extra_body_is_sent_verbatim_and_last() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec, extra_body={"a": 1, "temperature": 9})
    llm.invoke("hi", extra_body={"b": {"c": 2}, "a": 3}, temperature=0.5)
    body = rec.requests[0].json()
    # extra_body is unchecked (9 is out of range) and wins over the fields
    assert (body["a"], body["b"], body["temperature"]) == (3, {"c": 2}, 9)
    with pytest.raises(TypeError, match="extra_body must be a dict"):
        llm.invoke("hi", extra_body=["x"])


# -- values that are not JSON -------------------------------------------------------------
@pytest.mark.parametrize(
    "value, needle",
    [
        (float("nan"), "x.y[1] is nan"),
        (float("inf"), "x.y[1] is inf"),
        ({1, 2}, "x.y[1] is not JSON-serializable: set"),
        (b"raw", "x.y[1] is not JSON-serializable: bytes"),
    ],
)
def test_values_that_are_not_json_fail_naming_the_field(
    value: Any, needle: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(needle)):
        ChatOneRouterResponses(model="m", model_kwargs={"x": {"y": [0, value]}})
    with pytest.raises(ValueError, match=re.escape(needle)):
        ChatOneRouterResponses(model="m", extra_body={"x": {"y": [0, value]}})
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    with pytest.raises(ValueError, match=re.escape(needle)):
        llm.invoke("hi", extra_body={"x": {"y": [0, value]}})
    with pytest.raises(ValueError, match=re.escape(needle)):
        llm.bind(extra_body={"x": {"y": [0, value]}}).invoke("hi")
    assert rec.requests == []


def test_non_string_keys_fail_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"request field x has a non-string key 1"):
        ChatOneRouterResponses(model="m", model_kwargs={"x": {1: "a"}})


def test_json_types_the_encoder_accepts_still_pass() -> None:
    import datetime

    check_json({"when": datetime.date(2026, 1, 1), "n": [1, 2.5, None, True]}, "x")


# -- the constructor ---------------------------------------------------------------------
def test_unknown_constructor_keyword_warns_and_moves_into_model_kwargs() -> None:
    with pytest.warns(UserWarning, match="did you mean 'temperature'") as caught:
        llm = ChatOneRouterResponses(model="m", temprature=0.2)
    assert caught[0].filename == __file__  # points at the caller's line
    assert llm.model_kwargs == {"temprature": 0.2}


def test_request_field_keyword_moves_into_model_kwargs_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm = ChatOneRouterResponses(model="m", service_tier="flex")
    assert llm.model_kwargs == {"service_tier": "flex"}
    with pytest.raises(ValueError, match="both"):
        ChatOneRouterResponses(
            model="m", top_logprobs=1, model_kwargs={"top_logprobs": 2}
        )


def test_model_name_is_an_alias_of_model() -> None:
    assert ChatOneRouterResponses(model_name="openai/gpt-5.4").model == "openai/gpt-5.4"
    with pytest.raises(ValueError, match="not both"):
        ChatOneRouterResponses(model="a", model_name="b")


# -- the table ---------------------------------------------------------------------------
def test_every_model_setting_is_one_row_of_the_table() -> None:
    from langchain_core.language_models.chat_models import BaseChatModel

    from langchain_onerouter._settings.connection import OneRouterConnection
    from langchain_onerouter._settings.fields import BY_NAME, SETTINGS

    connection = set(OneRouterConnection.model_fields) - {"model_kwargs"}
    own = (
        set(ChatOneRouterResponses.model_fields)
        - set(BaseChatModel.model_fields)
        - connection
    )
    assert own == {s.name for s in SETTINGS if s.model}
    assert len(BY_NAME) == len(SETTINGS)  # each setting once


def test_renames_and_sets_derive_from_the_table() -> None:
    from langchain_onerouter._settings import fields

    renamed = {
        s.name: s.payload
        for s in fields.SETTINGS
        if s.payload not in (None, "*", s.name) and s.kind != "langchain"
    }
    assert renamed == {
        "max_tokens": "max_output_tokens",
        "reasoning_effort": "reasoning.effort",
        "use_encrypted_reasoning": "include",
        "request_metadata": "metadata",
        "usage_accounting": "usage",
    }
    assert fields.CALL_ONLY == (
        "stop",
        "stream",
        "strict_capabilities",
        "max_cost",
        "drop_compacted_history",
        "reasoning_fallback_retry",
        "prompt_caching",
        "cache_control",
    )
    assert "streaming" not in fields.CALL_KEYWORDS
    assert "use_encrypted_reasoning" not in fields.CALL_KEYWORDS
    assert {"max_tokens", "max_output_tokens", "request_metadata"} <= (
        fields.CALL_KEYWORDS
    )
    assert fields.ONEROUTER_REQUEST_FIELDS <= fields.REQUEST_FIELDS
