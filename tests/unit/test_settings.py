"""settings.py: names, defaults, the model/per-call merge and its validation."""

from __future__ import annotations

import warnings

import pytest
from langchain_core.messages import HumanMessage

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.settings import (
    DEFAULT_BASE_URL,
    call_params,
    check_base_url,
    merge_params,
    model_params,
    resolve_base_url,
    validate_params,
)


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
