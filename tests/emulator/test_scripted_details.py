"""Scripted `x-should-retry` headers, `phase` on scripted assistant messages
(JSON and streamed, in the scripted order) and `provider.sort`'s object form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from langchain_onerouter.testing import OneRouterEmulator, Reply, ToolCall
from langchain_onerouter.testing.script import reply_from_json
from tests.support.emulator import module_emulator

pytest.importorskip("starlette")
pytestmark = pytest.mark.timeout(60)

emu_fixture, fresh_emulator = module_emulator()
COMMENTARY = {"text": "Checking the schema first.", "phase": "commentary"}


def post(emu: OneRouterEmulator, body: Any) -> httpx.Response:
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    return httpx.post(f"{emu.base_url}/responses", json=body, headers=auth, timeout=10)


def streamed(emu: OneRouterEmulator, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = post(emu, {**body, "stream": True})
    assert response.status_code == 200, response.text
    return [
        json.loads(line[6:])
        for line in response.text.splitlines()
        if line.startswith("data: {")
    ]


def phases(output: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    return [(item["type"], item.get("phase")) for item in output]


# -- x-should-retry ---------------------------------------------------------------------
@pytest.mark.parametrize("should_retry, header", [(True, "true"), (False, "false")])
def test_fail_next_sends_x_should_retry(
    emu: Any, should_retry: bool, header: str
) -> None:
    emu.fail_next(status=500, should_retry=should_retry)
    response = post(emu, {"model": "o4-mini", "input": "hi"})
    assert response.status_code == 500
    assert response.headers["x-should-retry"] == header


def test_without_should_retry_there_is_no_header(emu: Any) -> None:
    emu.fail_next(status=503)
    emu.push(Reply(text="fine", should_retry=True))  # also on a success
    first, second = (post(emu, {"model": "o4-mini", "input": "hi"}) for _ in "12")
    assert first.status_code == 503 and "x-should-retry" not in first.headers
    assert second.headers["x-should-retry"] == "true"


def test_the_script_vocabulary_and_the_control_route_carry_it(
    emu: Any, tmp_path: Path
) -> None:
    script = tmp_path / "replies.json"
    script.write_text(json.dumps([{"status": 500, "should_retry": False}]))
    assert emu.load_script(script) == 1
    auth = {"Authorization": f"Bearer {emu.api_key}"}
    queued = httpx.post(
        f"{emu.control_url}/replies",
        json=[{"status": 502, "should_retry": True}],
        headers=auth,
    )
    assert queued.status_code == 200, queued.text
    answers = [post(emu, {"model": "o4-mini", "input": "hi"}) for _ in range(2)]
    assert [(r.status_code, r.headers["x-should-retry"]) for r in answers] == [
        (500, "false"),
        (502, "true"),
    ]
    with pytest.raises(ValueError, match=r"reply\.should_retry must be bool"):
        reply_from_json({"status": 500, "should_retry": "false"})


# -- phase --------------------------------------------------------------------------------
def test_scripted_messages_keep_their_phases_in_order(emu: Any) -> None:
    emu.reply('{"ok": true}', phase="final_answer", messages=[COMMENTARY])
    body = post(emu, {"model": "o4-mini", "input": "hi"}).json()
    assert phases(body["output"]) == [
        ("message", "commentary"),
        ("message", "final_answer"),
    ]
    texts = [item["content"][0]["text"] for item in body["output"]]
    assert texts == [COMMENTARY["text"], '{"ok": true}']
    assert body["usage"]["output_tokens"] == 4 + 2


def test_streamed_messages_keep_their_phases_in_order(emu: Any) -> None:
    emu.reply(
        "Done.",
        phase="final_answer",
        messages=["plain", COMMENTARY],
        reasoning="think",
    )
    events = streamed(emu, {"model": "o4-mini", "input": "hi"})
    added = [e["item"] for e in events if e["type"] == "response.output_item.added"]
    done = [e["item"] for e in events if e["type"] == "response.output_item.done"]
    expected = [
        ("reasoning", None),
        ("message", None),
        ("message", "commentary"),
        ("message", "final_answer"),
    ]
    assert phases(added) == phases(done) == expected
    final = events[-1]
    assert final["type"] == "response.completed"
    assert phases(final["response"]["output"]) == expected
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == "plain" + COMMENTARY["text"] + "Done."


def test_the_stand_in_answer_can_carry_a_phase(emu: Any) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    }
    fmt = {"type": "json_schema", "name": "Place", "schema": schema}
    emu.push(Reply(messages=[COMMENTARY], phase="final_answer"))
    body = post(
        emu, {"model": "o4-mini", "input": "In 'Oslo'", "text": {"format": fmt}}
    ).json()
    assert phases(body["output"]) == [
        ("message", "commentary"),
        ("message", "final_answer"),
    ]
    assert json.loads(body["output"][1]["content"][0]["text"]) == {"city": "Oslo"}


def test_commentary_before_a_tool_call(emu: Any) -> None:
    emu.reply(tool_calls=[ToolCall("search", {"q": "x"})], messages=[COMMENTARY])
    events = streamed(emu, {"model": "o4-mini", "input": "hi"})
    output = events[-1]["response"]["output"]
    assert phases(output) == [("message", "commentary"), ("function_call", None)]


@pytest.mark.parametrize(
    "make, says",
    [
        (lambda: Reply(text="x", phase="final"), "phase must be one of"),
        (lambda: Reply(messages=[{"text": "x", "phase": "aside"}]), r"messages\[0\]"),
        (lambda: Reply(messages=[{"phase": "commentary"}]), "needs a string 'text'"),
        (
            lambda: reply_from_json({"messages": [{"text": "x", "phase": "nope"}]}),
            r"reply\.messages\[0\]: phase",
        ),
    ],
    ids=["phase", "message-phase", "message-text", "json"],
)
def test_a_bad_phase_fails_when_scripted(make: Any, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        make()


def test_replayed_phases_are_accepted_and_unknown_ones_refused(emu: Any) -> None:
    said: dict[str, Any] = {
        "type": "message",
        "role": "assistant",
        "id": "msg_1",
        "status": "completed",
        "content": [{"type": "output_text", "text": "hm"}],
        "phase": "commentary",
    }
    history = [
        {"role": "user", "content": "hi"},
        said,
        {"role": "user", "content": "?"},
    ]
    assert post(emu, {"model": "o4-mini", "input": history}).status_code == 200
    said["phase"] = "thinking"
    refused = post(emu, {"model": "o4-mini", "input": history})
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "input[1].phase"


# -- provider.sort -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sort",
    [
        "price",
        {"by": "price"},
        {"by": "throughput", "partition": "none"},
        {"by": "latency", "partition": "model"},
    ],
)
def test_provider_sort_strings_and_objects_are_accepted(emu: Any, sort: Any) -> None:
    body = {"model": "o4-mini", "input": "hi", "provider": {"sort": sort}}
    response = post(emu, body)
    assert response.status_code == 200, response.text
    assert emu.requests[-1].body["provider"] == {"sort": sort}


@pytest.mark.parametrize(
    "sort, param, says",
    [
        ({"by": "cost"}, "provider.sort.by", "price, throughput, latency"),
        ({"partition": "none"}, "provider.sort.by", "price, throughput, latency"),
        ({"by": "price", "partition": "all"}, "provider.sort.partition", "model, none"),
        ("cheapest", "provider.sort", "price, throughput, latency"),
    ],
)
def test_a_bad_provider_sort_is_a_400_naming_the_choices(
    emu: Any, sort: Any, param: str, says: str
) -> None:
    body = {"model": "o4-mini", "input": "hi", "provider": {"sort": sort}}
    response = post(emu, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param and says in error["message"]
