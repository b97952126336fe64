"""The model class: configuration, secrets, tracing params, invoke and batch."""

from __future__ import annotations

import json
import logging

import pytest
from langchain_core.load import dumpd, dumps, load
from langchain_core.messages import AIMessage, HumanMessage

from langchain_onerouter import ChatOneRouterResponses
from tests.support.models import Recorder, make_llm, numbered_echo

KEY = "sk-or-test-key-0123456789"


def test_missing_key_names_the_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ONEROUTER_API_KEY")
    with pytest.raises(ValueError, match="ONEROUTER_API_KEY"):
        ChatOneRouterResponses(model="o4-mini")


def test_key_and_base_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEROUTER_BASE_URL", "http://127.0.0.1:9/v1")
    llm = ChatOneRouterResponses(model="o4-mini")
    assert llm.api_key is not None and llm.api_key.get_secret_value() == KEY
    assert llm.base_url == "http://127.0.0.1:9/v1"
    assert (
        ChatOneRouterResponses(model="m", base_url="http://x/v1").base_url
        == "http://x/v1"
    )


def test_default_base_url() -> None:
    assert ChatOneRouterResponses(model="m").base_url == "https://llm.onerouter.pro/v1"


def test_key_never_appears_in_repr_dump_or_serialization() -> None:
    llm = ChatOneRouterResponses(model="o4-mini", api_key=KEY)
    for text in (
        repr(llm),
        str(llm),
        str(llm.model_dump()),
        json.dumps(dumpd(llm)),
        dumps(llm),
        str(llm._get_ls_params()),
        str(llm._identifying_params),
    ):
        assert KEY not in text
    assert dumpd(llm)["kwargs"]["api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["ONEROUTER_API_KEY"],
    }


def test_serialization_round_trip_reads_key_from_env() -> None:
    llm = ChatOneRouterResponses(model="openai/gpt-5.4", temperature=0.2, max_tokens=50)
    restored = load(
        dumpd(llm),
        secrets_from_env=True,
        valid_namespaces=["langchain_onerouter"],
        allowed_objects=[ChatOneRouterResponses],
    )
    assert isinstance(restored, ChatOneRouterResponses)
    assert (restored.model, restored.temperature, restored.max_tokens) == (
        "openai/gpt-5.4",
        0.2,
        50,
    )


def test_ls_params_honour_per_call_model() -> None:
    llm = ChatOneRouterResponses(model="a/b", temperature=0.5, max_tokens=9)
    assert llm._get_ls_params() == {
        "ls_provider": "onerouter",
        "ls_model_name": "a/b",
        "ls_model_type": "chat",
        "ls_temperature": 0.5,
        "ls_max_tokens": 9,
    }
    assert llm._get_ls_params(model="c/d", stop=["x"])["ls_model_name"] == "c/d"
    assert llm._get_ls_params(stop=["x"])["ls_stop"] == ["x"]


def test_invoke_sends_auth_and_json_and_maps_result() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec, model="o4-mini", max_tokens=64)
    msg = llm.invoke("What is the meaning of life?")
    assert isinstance(msg, AIMessage)
    assert msg.text == "echo 1"
    assert msg.usage_metadata and msg.usage_metadata["total_tokens"] == 42
    assert msg.response_metadata["model_provider"] == "onerouter"
    request = rec.requests[0]
    assert request.url == "https://llm.onerouter.pro/v1/responses"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "model": "o4-mini",
        "input": [
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is the meaning of life?"}
                ],
            }
        ],
        "max_output_tokens": 64,
    }


async def test_bind_and_per_call_model_override() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    msg = await llm.bind(model="anthropic/claude-sonnet-4.5").ainvoke("hi")
    assert rec.requests[0].json()["model"] == "anthropic/claude-sonnet-4.5"
    assert msg.response_metadata["model_name"] == "anthropic/claude-sonnet-4.5"
    llm.invoke("hi", model="google/gemini-3-flash", temperature=0.0)
    body = rec.requests[1].json()
    assert (body["model"], body["temperature"]) == ("google/gemini-3-flash", 0.0)


def test_batch_and_abatch_reuse_one_pooled_client() -> None:
    llm = ChatOneRouterResponses(model="o4-mini")
    assert llm._get_transport().client is llm._get_transport().client
    rec = Recorder(responder=numbered_echo())
    mocked = make_llm(rec)
    results = mocked.batch(["a", "b", "c"])
    assert sorted(r.text for r in results) == ["echo 1", "echo 2", "echo 3"]
    assert len(rec.requests) == 3


async def test_abatch_and_async_client_reused_within_a_loop() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    results = await llm.abatch(["a", "b"])
    assert len(results) == 2 and len(rec.requests) == 2
    own = ChatOneRouterResponses(model="m")
    assert own._get_transport().aclient is own._get_transport().aclient


def test_stop_is_enforced_client_side() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    msg = llm.invoke("hi", stop=[" 1"])
    assert msg.text == "echo"
    assert msg.response_metadata["stop_sequence"] == " 1"
    assert "stop" not in rec.requests[0].json()


def test_output_version_v1_gives_standard_blocks() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec, output_version="v1")
    msg = llm.invoke("hi")
    reasoning, text = msg.content
    assert reasoning == {"type": "reasoning", "id": "rs_r1"}  # empty summary
    assert (text["type"], text["text"], text["id"]) == ("text", "echo 1", "msg_a1")
    assert msg.text == "echo 1"


def test_custom_headers_and_user_agent() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec, default_headers={"X-Title": "my-app"})
    llm.invoke("hi")
    assert rec.requests[0].headers["x-title"] == "my-app"
    assert rec.requests[0].headers["user-agent"].startswith("langchain-onerouter/")


def test_bad_history_raises_before_any_request() -> None:
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    with pytest.raises(
        ValueError,
        match="unsupported content block.*'sparkles'|'sparkles'.*unsupported content block",
    ):
        llm.invoke([HumanMessage([{"type": "sparkles"}])])
    assert rec.requests == []


def test_key_never_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    rec = Recorder(responder=numbered_echo())
    llm = make_llm(rec)
    llm.invoke("hi")
    assert caplog.records  # httpx / our own debug logging did run
    assert all(KEY not in r.getMessage() for r in caplog.records)
