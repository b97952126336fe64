"""The emulator speaks the whole protocol: annotation, raw reasoning, custom
tool input and web search events, scripted order, `GET /v1/models/{id}`, and
switchable strictness (item_reference, conversation, assistant ids)."""

from __future__ import annotations

import json
import socket
from typing import Any

import httpx
import pytest

from langchain_onerouter.testing import OneRouterEmulator, Reply
from tests.support.emulator import module_emulator

NOTE = {
    "type": "url_citation",
    "url": "https://example.com/paris",
    "title": "Paris",
    "start_index": 0,
    "end_index": 5,
}


emu_fixture, fresh_emulator = module_emulator()


def post(emu: OneRouterEmulator, body: Any, path: str = "responses") -> httpx.Response:
    return httpx.post(
        f"{emu.base_url}/{path}",
        json=body,
        headers={"Authorization": f"Bearer {emu.api_key}"},
        timeout=10,
    )


def events(emu: OneRouterEmulator, **body: Any) -> list[dict[str, Any]]:
    response = post(emu, {"model": "o4-mini", "input": "hi", "stream": True, **body})
    assert response.status_code == 200, response.text
    return [
        json.loads(line[6:])
        for line in response.text.split("\n")
        if line.startswith("data: ") and line != "data: [DONE]"
    ]


def kinds(stream: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in stream]


# -- events ------------------------------------------------------------------------
def test_annotations_stream_before_the_text_is_done(emu: OneRouterEmulator) -> None:
    emu.reply("Paris is big.", annotations=[NOTE])
    stream = events(emu)
    added = [e for e in stream if e["type"] == "response.output_text.annotation.added"]
    assert [(e["annotation_index"], e["annotation"]) for e in added] == [(0, NOTE)]
    assert kinds(stream).index(added[0]["type"]) < kinds(stream).index(
        "response.output_text.done"
    )
    final = stream[-1]["response"]["output"][0]["content"][0]
    assert final["annotations"] == [NOTE]


@pytest.mark.parametrize("name", ["reasoning_text", "reasoning"])
def test_raw_reasoning_streams_under_the_chosen_event_name(name: str) -> None:
    with OneRouterEmulator(raw_reasoning_events=name) as emu:
        emu.reply("ok", reasoning_text="first think hard")
        stream = events(emu)
    deltas = [e["delta"] for e in stream if e["type"] == f"response.{name}.delta"]
    assert "".join(deltas) == "first think hard" and len(deltas) == 3
    (done,) = [e for e in stream if e["type"] == f"response.{name}.done"]
    assert done["text"] == "first think hard" and done["content_index"] == 0
    item = stream[-1]["response"]["output"][0]
    assert item["content"] == [{"type": "reasoning_text", "text": "first think hard"}]


def test_unknown_raw_reasoning_event_name_is_refused() -> None:
    with pytest.raises(ValueError, match="reasoning_text"):
        OneRouterEmulator(raw_reasoning_events="thinking")


def test_custom_tool_call_input_streams_delta_and_done(emu: OneRouterEmulator) -> None:
    sql = {"type": "custom_tool_call", "name": "run_sql", "input": "SELECT 1 FROM t"}
    emu.push(Reply(items=[sql]))
    stream = events(emu)
    deltas = [
        e["delta"]
        for e in stream
        if e["type"] == "response.custom_tool_call_input.delta"
    ]
    (done,) = [e for e in stream if e["type"] == "response.custom_tool_call_input.done"]
    assert "".join(deltas) == done["input"] == "SELECT 1 FROM t"


def test_web_search_call_sends_its_progress_events(emu: OneRouterEmulator) -> None:
    search = {
        "type": "web_search_call",
        "status": "completed",
        "action": {"type": "search", "query": "paris"},
    }
    emu.push(Reply(text="Found it.", items=[search], annotations=[NOTE]))
    stream = events(emu)
    progress = [e["type"] for e in stream if "web_search_call." in e["type"]]
    assert progress == [
        "response.web_search_call.in_progress",
        "response.web_search_call.searching",
        "response.web_search_call.completed",
    ]
    assert len({e["item_id"] for e in stream if "web_search_call." in e["type"]}) == 1


def test_scripted_reasoning_item_comes_before_the_message(
    emu: OneRouterEmulator,
) -> None:
    thought = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "t"}]}
    emu.push(Reply(text="answer", items=[thought]))
    body = post(emu, {"model": "o4-mini", "input": "hi"}).json()
    assert [i["type"] for i in body["output"]] == ["reasoning", "message"]
    emu.push(Reply(text="answer", items=[thought]))
    added = [
        e["item"]["type"]
        for e in events(emu)
        if e["type"] == "response.output_item.added"
    ]
    assert added == ["reasoning", "message"]


def test_items_alone_keep_their_scripted_order(emu: OneRouterEmulator) -> None:
    items = [
        {"type": "custom_tool_call", "name": "a", "input": "1"},
        {"type": "reasoning", "summary": []},
        {"type": "function_call", "name": "b", "arguments": "{}"},
    ]
    emu.push(Reply(items=items))
    body = post(emu, {"model": "o4-mini", "input": "hi"}).json()
    assert [i["type"] for i in body["output"]] == [i["type"] for i in items]


# -- models ---------------------------------------------------------------------------
def test_get_one_model_by_id(emu: OneRouterEmulator) -> None:
    found = httpx.get(f"{emu.base_url}/models/openai/gpt-5.4", timeout=10)
    assert found.status_code == 200
    assert found.json()["id"] == "openai/gpt-5.4"
    missing = httpx.get(f"{emu.base_url}/models/openai/gpt-9", timeout=10)
    assert missing.status_code == 404
    assert "openai/gpt-9" in missing.json()["error"]["message"]
    emu.any_model = True
    served = httpx.get(f"{emu.base_url}/models/openai/gpt-9", timeout=10)
    assert served.status_code == 200 and served.json()["id"] == "openai/gpt-9"


# -- strictness ---------------------------------------------------------------------------
ASSISTANT = {"role": "assistant", "content": "hello"}
REFERENCE = {"type": "item_reference", "id": "msg_123"}


@pytest.mark.parametrize(
    ("body", "param", "rule"),
    [
        (
            {"input": [REFERENCE, {"role": "user", "content": "x"}]},
            "input[0]",
            "stateless",
        ),
        ({"conversation": "conv_1"}, "conversation", "stateless"),
        ({"previous_response_id": "resp_1"}, "previous_response_id", "stateless"),
        (
            {"input": [{"role": "user", "content": "a"}, ASSISTANT]},
            "input[1].id",
            "assistant_ids",
        ),
        ({"temprature": 1}, "temprature", "fields"),
    ],
    ids=["item_reference", "conversation", "previous_response_id", "no-id", "typo"],
)
def test_strict_rules_400_and_say_how_to_relax(
    emu: OneRouterEmulator, body: dict[str, Any], param: str, rule: str
) -> None:
    request = {"model": "o4-mini", "input": "hi", **body}
    refused = post(emu, request)
    assert refused.status_code == 400, refused.text
    error = refused.json()["error"]
    assert error["param"] == param
    assert f"lenient={{{rule!r}}}" in error["message"]
    assert "--lenient" in error["message"]
    other = next(r for r in ("fields", "model", "stateless") if r != rule)
    emu.lenient = {other}
    assert post(emu, request).status_code == 400  # another rule relaxes nothing
    emu.lenient = {rule}
    assert post(emu, request).status_code == 200
    emu.reset()
    assert post(emu, request).status_code == 400
    emu.lenient = True
    assert post(emu, request).status_code == 200


def test_lenient_constructor_and_unknown_rule_names() -> None:
    with OneRouterEmulator(lenient={"assistant_ids"}) as emu:
        request = {"model": "o4-mini", "input": [ASSISTANT]}
        assert post(emu, request).status_code == 200
        emu.reset()
        assert emu.lenient == {"assistant_ids"}
    with pytest.raises(ValueError, match="did you mean 'assistant_ids'"):
        OneRouterEmulator(lenient={"assistant_id"})


def test_unknown_model_names_the_nearest_ids(emu: OneRouterEmulator) -> None:
    refused = post(emu, {"model": "openai/gpt-5.3", "input": "hi"})
    assert refused.status_code == 404
    assert "Did you mean 'openai/gpt-5.4'" in refused.json()["error"]["message"]


@pytest.mark.parametrize("path", ["responses/compact", "realtime"])
def test_not_onerouter_features_are_404(emu: OneRouterEmulator, path: str) -> None:
    response = post(emu, {"model": "o4-mini", "input": "hi"}, path=path)
    assert response.status_code == 404
    assert response.json()["error"]["message"].startswith("No route")


def test_a_websocket_upgrade_is_refused(emu: OneRouterEmulator) -> None:
    handshake = (
        "GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {emu.api_key}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
        sock.sendall(handshake.encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 ") and b" 101 " not in status_line
