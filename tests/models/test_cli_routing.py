"""`onerouter chat` routing options and `onerouter models` selection, in-process
against the emulator (the `onerouter_emulator` fixture sets the env)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.cli import assert_one_line_error, run

PRIMARY = "openai/gpt-5.4"
FALLBACK = "anthropic/claude-sonnet-4.5"


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_chat_sends_routing_and_shows_served_model_and_cost(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any, stream: str
) -> None:
    onerouter_emulator.fail_model(PRIMARY)
    code, out, err = run(
        capsys,
        "chat",
        "two words",
        stream,
        "--model",
        PRIMARY,
        "--fallback",
        FALLBACK,
        "--fallback",
        "google/gemini-3-flash",
        "--provider-order",
        "amazon-bedrock, anthropic",
        "--sort",
        "price",
        "--no-provider-fallbacks",
        "--cost",
    )
    assert code == 0, err
    assert out == "You said: two words\n"
    body = onerouter_emulator.requests[-1].body
    assert body["fallback_models"] == [FALLBACK, "google/gemini-3-flash"]
    assert body["provider"] == {
        "order": ["amazon-bedrock", "anthropic"],
        "sort": "price",
        "allow_fallbacks": False,
    }
    assert body["usage"] == {"include": True}
    assert f"model {FALLBACK} (fallback from {PRIMARY}) via amazon-bedrock" in err
    assert ", cost " in err and "credits" in err


def test_chat_takes_routing_from_the_environment(
    capsys: pytest.CaptureFixture[str],
    onerouter_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEROUTER_MODEL", PRIMARY)
    monkeypatch.setenv(
        "ONEROUTER_FALLBACK_MODELS", f"{FALLBACK}, google/gemini-3-flash"
    )
    monkeypatch.setenv("ONEROUTER_PROVIDER", '{"ignore": ["openai"]}')
    monkeypatch.setenv("ONEROUTER_USAGE_ACCOUNTING", "yes")
    code, _, err = run(capsys, "chat", "hi", "--no-stream")
    assert code == 0, err
    body = onerouter_emulator.requests[-1].body
    assert body["model"] == PRIMARY
    assert body["fallback_models"] == [FALLBACK, "google/gemini-3-flash"]
    assert body["provider"] == {"ignore": ["openai"]}
    assert "via azure" in err and "cost" in err
    # an option overrides the environment
    code, _, err = run(capsys, "chat", "hi", "--no-stream", "--no-cost")
    assert "usage" not in onerouter_emulator.requests[-1].body
    assert "cost" not in err


def test_bad_routing_from_env_is_one_line(
    capsys: pytest.CaptureFixture[str],
    onerouter_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEROUTER_PROVIDER", "{order: openai}")
    code, _, err = run(capsys, "chat", "hi")
    assert_one_line_error(code, err)
    assert "ONEROUTER_PROVIDER" in err
    assert onerouter_emulator.requests == []


def test_models_sort_and_input_filter(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any
) -> None:
    from langchain_onerouter.catalog import CATALOG

    CATALOG.clear()
    code, out, _ = run(capsys, "models", "--input", "file")
    assert code == 0
    with_files = sorted(
        m["id"]
        for m in onerouter_emulator.state.models
        if "file" in m["input_modalities"]
    )
    assert PRIMARY in with_files and len(with_files) < len(
        onerouter_emulator.state.models
    )
    assert [line.split()[0] for line in out.splitlines()] == with_files
    code, out, _ = run(capsys, "models", "--sort", "price", "--filter", "/")
    prices = [float(line.split("$")[1].rstrip("/")) for line in out.splitlines()]
    assert prices == sorted(prices) and prices[0] == 0 and prices[-1] == 3.0
    assert "google/gemini-3-flash" in out and FALLBACK in out
    code, out, _ = run(capsys, "models", "--sort", "context", "--filter", "/")
    assert out.splitlines()[0].split()[0] == "google/gemini-3-flash"
