"""`onerouter emulate` for suites in any language: `--model`, `--any-model`,
`--lenient`, `--script`, and the HTTP control route."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from langchain_onerouter.cli import main
from langchain_onerouter.testing import OneRouterEmulator, Reply
from langchain_onerouter.testing.app import EmulatorState, create_app
from langchain_onerouter.testing.script import (
    _TYPES,
    REPLY_FIELDS,
    replies_from_json,
    reply_from_json,
)
from tests.support.cli import emulate_process

ASSISTANT = {"role": "assistant", "content": "hello"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`onerouter emulate` with every new option, as a subprocess."""
    script = tmp_path_factory.mktemp("emulate") / "replies.json"
    script.write_text(
        json.dumps(
            [
                {"text": "Scripted hello."},
                {"status": 429, "retry_after": 2, "error_message": "slow down"},
                {"tool_calls": [{"name": "lookup", "arguments": {"q": "x"}}]},
            ]
        )
    )
    options = ["--port", "0", "--api-key", "sk-cli", "--model", "my-org/one"]
    options += [
        "-m",
        "my-org/two",
        "--lenient",
        "assistant_ids",
        "--script",
        str(script),
    ]
    with emulate_process(*options, lines=4) as lines:
        base_url = lines[0].rsplit(" ", 1)[-1].strip()
        yield {"base_url": base_url, "control": lines[3].split()[1]}


def call(served: dict[str, str], body: Any, key: str = "sk-cli") -> httpx.Response:
    return httpx.post(
        f"{served['base_url']}/responses",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def control(
    served: dict[str, str], path: str, body: Any = None, key: str = "sk-cli"
) -> httpx.Response:
    method = "GET" if path == "requests" else "POST"
    return httpx.request(
        method,
        f"{served['control']}/{path}",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )


def test_help_lists_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["emulate", "--help"])
    out = capsys.readouterr().out
    for option in ("--model", "--any-model", "--lenient", "--script"):
        assert option in out


def test_script_models_and_lenient_from_the_command_line(
    served: dict[str, str],
) -> None:
    first = call(served, {"model": "my-org/one", "input": "hi"})
    assert first.json()["output"][0]["content"][0]["text"] == "Scripted hello."
    limited = call(served, {"model": "my-org/two", "input": "hi"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
    assert limited.json()["error"]["message"] == "slow down"
    tool = call(served, {"model": "o4-mini", "input": "hi"}).json()["output"][0]
    assert (tool["name"], json.loads(tool["arguments"])) == ("lookup", {"q": "x"})
    # --lenient assistant_ids: history without ids passes; other rules hold
    history = [
        {"role": "user", "content": "a"},
        ASSISTANT,
        {"role": "user", "content": "b"},
    ]
    assert call(served, {"model": "o4-mini", "input": history}).status_code == 200
    assert call(served, {"model": "my-org/three", "input": "x"}).status_code == 404
    catalog = httpx.get(f"{served['base_url']}/models/my-org/two", timeout=10)
    assert catalog.json()["id"] == "my-org/two"


def test_control_route_scripts_replies_and_reads_requests(
    served: dict[str, str],
) -> None:
    assert control(served, "reset").json() == {"reset": True}
    queued = control(served, "replies", [{"text": "one"}, {"status": 503}])
    assert queued.json() == {"queued": 2, "pending": 2}
    assert call(served, {"model": "o4-mini", "input": "q1"}).json()["output"][0][
        "content"
    ][0]["text"] == ("one")
    assert call(served, {"model": "o4-mini", "input": "q2"}).status_code == 503
    seen = control(served, "requests").json()["requests"]
    assert [r["body"]["input"] for r in seen] == ["q1", "q2"]
    assert {r["headers"]["authorization"] for r in seen} == {"Bearer <redacted>"}
    assert "sk-cli" not in control(served, "requests").text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"txt": "x"}, "did you mean 'text'"),
        ({"status": "429"}, "status must be int"),
        ({"tool_calls": [{"arguments": {}}]}, "needs a string 'name'"),
        ("hello", "reply object or a list"),
    ],
)
def test_control_route_refuses_bad_replies_by_name(
    served: dict[str, str], body: Any, words: str
) -> None:
    refused = control(served, "replies", body)
    assert refused.status_code == 400 and words in refused.json()["error"]["message"]


def test_control_route_survives_deep_json(served: dict[str, str]) -> None:
    deep = httpx.post(
        f"{served['control']}/replies",
        content=b"[" * 100_000 + b"]" * 100_000,
        headers={"Authorization": "Bearer sk-cli"},
        timeout=10,
    )
    assert deep.status_code == 400
    assert control(served, "reset").status_code == 200


def test_an_unknown_lenient_rule_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["emulate", "--lenient", "assistant_id"]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'assistant_ids'" in err and err.count("\n") == 1


def test_control_route_needs_the_emulators_own_key(served: dict[str, str]) -> None:
    assert control(served, "requests", key="sk-wrong").status_code == 401


def test_control_route_refuses_non_loopback_clients() -> None:
    state = EmulatorState(api_key="sk-x")
    with TestClient(create_app(state)) as client:  # client host: "testclient"
        answer = client.get(
            "/_emulator/requests", headers={"Authorization": "Bearer sk-x"}
        )
    assert answer.status_code == 403 and "loopback" in answer.text


def test_control_key_is_needed_even_when_any_api_key_is_accepted() -> None:
    with OneRouterEmulator(accept_any_key=True, api_key="sk-own") as emu:
        url = f"{emu.control_url}/requests"
        assert (
            httpx.get(url, headers={"Authorization": "Bearer other"}).status_code == 401
        )
        assert (
            httpx.get(url, headers={"Authorization": "Bearer sk-own"}).status_code
            == 200
        )


def test_script_file_errors_name_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('[{"text": "ok"}, {"latency": "slow"}]')
    with pytest.raises(ValueError, match=r"bad.json\[1\].latency must be"):
        OneRouterEmulator().load_script(bad)
    bad.write_text("[{")
    with pytest.raises(ValueError, match="not valid JSON"):
        OneRouterEmulator().load_script(bad)


def test_bad_script_is_a_one_line_cli_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"replies": [{"retry": 1}]}')
    assert main(["emulate", "--script", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "did you mean 'retry_after'" in err and "Traceback" not in err


def test_reply_json_vocabulary_is_the_reply_fields() -> None:
    assert set(_TYPES) == set(REPLY_FIELDS)
    reply = reply_from_json({"text": "hi", "drop_after": 3, "fail": True})
    assert reply == Reply(text="hi", drop_after=3, fail=True, tool_calls=[])
    assert len(replies_from_json({"replies": [{}, {"status": 500}]})) == 2
