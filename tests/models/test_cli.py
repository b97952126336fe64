"""The `onerouter` command, in-process (pytest-socket keeps it on loopback)
and once through the installed console script."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_onerouter.cli import main
from tests.support.cli import assert_one_line_error, emulate_process, run

pytest.importorskip("starlette")
SCRIPT = Path(sys.executable).parent / "onerouter"


@pytest.mark.parametrize("argv", [[], ["chat"], ["models"], ["demo"], ["emulate"]])
def test_help_everywhere(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*argv, "--help"])
    assert info.value.code == 0
    assert "usage: onerouter" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_demo_without_a_key_uses_the_emulator_and_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONEROUTER_API_KEY")
    code, out, err = run(capsys, "demo")
    assert code == 0, err
    assert "No ONEROUTER_API_KEY set" in out and "bundled OneRouter emulator" in out
    assert "not a real model" in out
    assert "You said: Explain server-sent events in one sentence." in out
    # the agent called the tool and the real tool's result came back
    assert "[calls word_count(" in out and "-> 9]" in out
    assert "word_count returned 9" in out
    assert "ONEROUTER_API_KEY" not in os.environ  # restored afterwards


def test_demo_with_a_key_uses_the_configured_endpoint(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any
) -> None:
    # The fixture points ONEROUTER_BASE_URL/API_KEY at an emulator, standing in
    # for OneRouter: the demo must not start its own.
    code, out, err = run(capsys, "demo", "--model", "openai/gpt-5.4")
    assert code == 0, err
    assert "Using OneRouter at " + onerouter_emulator.base_url in out
    assert "bundled" not in out
    bodies = [r.body for r in onerouter_emulator.requests]
    assert bodies and all(
        b["model"] == "openai/gpt-5.4" and b["stream"] for b in bodies
    )
    assert any(b.get("tools") for b in bodies)


@pytest.mark.parametrize("stream", [True, False])
def test_chat_prints_the_answer_and_usage(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any, stream: bool
) -> None:
    flag = "--stream" if stream else "--no-stream"
    code, out, err = run(
        capsys,
        "chat",
        "two words",
        flag,
        "--system",
        "be nice",
        "--reasoning-effort",
        "low",
    )
    assert code == 0, err
    assert out == "You said: two words\n"
    assert "usage: 4 input + " in err and "reasoning" in err
    body = onerouter_emulator.requests[-1].body
    assert body["reasoning"] == {"effort": "low"}
    assert body["input"][0]["role"] == "system"
    assert bool(body.get("stream")) is stream


def test_chat_reads_stdin(
    capsys: pytest.CaptureFixture[str],
    onerouter_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("from stdin"))
    code, out, _ = run(capsys, "chat", "-", "--no-stream")
    assert code == 0 and out == "You said: from stdin\n"


def test_chat_without_a_key_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ONEROUTER_API_KEY")
    code, _, err = run(capsys, "chat", "hi")
    assert_one_line_error(code, err)
    assert "ONEROUTER_API_KEY" in err


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_api_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any, stream: str
) -> None:
    onerouter_emulator.fail_next(status=400, message="that model\ndoes not exist")
    code, _, err = run(capsys, "chat", "hi", stream)
    assert_one_line_error(code, err)
    assert "that model" in err


def test_wrong_key_is_one_line(
    capsys: pytest.CaptureFixture[str],
    onerouter_emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEROUTER_API_KEY", "sk-wrong")
    code, _, err = run(capsys, "chat", "hi")
    assert_one_line_error(code, err)
    assert "AuthenticationError" in err


def test_invalid_setting_is_one_line(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any
) -> None:
    code, _, err = run(capsys, "chat", "   ")
    assert_one_line_error(code, err)


def test_models_lists_and_filters(
    capsys: pytest.CaptureFixture[str], onerouter_emulator: Any
) -> None:
    from langchain_onerouter.catalog import CATALOG

    CATALOG.clear()
    code, out, _ = run(capsys, "models")
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()]
    assert "o4-mini" in ids and len(ids) >= 3
    code, out, _ = run(capsys, "models", "--filter", "CLAUDE")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "anthropic/claude-sonnet-4.5"
    ]
    code, out, err = run(capsys, "models", "--filter", "no-such-model")
    assert code == 0 and out == "" and "no models match" in err


def test_models_unreachable_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI builds its own transport: make its retries wait no time.
    monkeypatch.setattr("langchain_onerouter._http.retry.retry_delay", lambda *a: 0.0)
    code, _, err = run(capsys, "models", "--base-url", "http://127.0.0.1:9/v1")
    assert_one_line_error(code, err)


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")
def test_console_script_emulate_serves_until_interrupted() -> None:
    options = ("--port", "0", "--api-key", "sk-cli")
    with emulate_process(*options, command=[str(SCRIPT)]) as (first,):
        assert first.startswith("OneRouter emulator listening on http://127.0.0.1:")
        base_url = first.rsplit(" ", 1)[-1].strip()
        assert httpx.get(f"{base_url}/models", timeout=5).status_code == 200
        reply = httpx.post(
            f"{base_url}/responses",
            json={"model": "o4-mini", "input": "hey"},
            headers={"Authorization": "Bearer sk-cli"},
            timeout=5,
        )
        assert reply.json()["output"][0]["content"][0]["text"] == "You said: hey"


@pytest.mark.skipif(not SCRIPT.exists(), reason="console script not installed")
def test_console_script_demo_runs_offline() -> None:
    """The README's command, on a machine with no key and no network.

    Every proxy points at a closed loopback port, so any attempt to leave
    127.0.0.1 fails (httpx honours the proxy variables).
    """
    dead = "http://127.0.0.1:9"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEROUTER_")}
    env.update(
        HTTP_PROXY=dead,
        HTTPS_PROXY=dead,
        ALL_PROXY=dead,
        NO_PROXY="127.0.0.1,localhost",
    )
    start = time.monotonic()
    result = subprocess.run(
        [str(SCRIPT), "demo"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "bundled OneRouter emulator" in result.stdout
    assert "word_count returned 9" in result.stdout
    assert time.monotonic() - start < 30


@pytest.mark.parametrize("stream", ["--stream", "--no-stream"])
def test_chat_piped_into_head_exits_0_and_quietly(
    onerouter_emulator: Any, stream: str, tmp_path: Path
) -> None:
    """`onerouter chat ... | head -c 1`: the reader leaves after one byte.

    The answer (an echo of the prompt) is far larger than a pipe's buffer,
    so the CLI certainly writes into the closed pipe.
    """
    prompt = tmp_path / "prompt.txt"
    prompt.write_text("word " * 60_000)
    status = tmp_path / "status"
    command = (
        f"{sys.executable} -m langchain_onerouter.cli chat - {stream} "
        f"< {prompt} 2> {tmp_path / 'err'}; echo $? > {status}"
    )
    done = subprocess.run(
        ["bash", "-c", f"({command}) | head -c 1"],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
        timeout=120,
    )
    assert done.stdout == b"Y"  # "You said: ..."
    assert (tmp_path / "err").read_text() == ""
    assert status.read_text().strip() == "0"
