"""A two-tool LangGraph agent loop against a loopback Responses server.

The server is stateless like OneRouter: it decides the turn from the input it
receives (how many tool outputs it holds) and answers 400 unless every earlier
reasoning item comes back with its encrypted content, right before its
function call, and every call has a matching output.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from langchain_onerouter import ChatOneRouterResponses
from tests.support import bodies
from tests.support.events import sse_stream
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer
from tests.support.tools import get_weather, to_fahrenheit

# (reasoning id, encrypted content, function name, arguments, call id, item id)
SCRIPT = [
    ("rs_t1", "gAAAA-enc-one", "get_weather", '{"city": "Oslo"}', "call_w", "fc_w"),
    ("rs_t2", "gAAAA-enc-two", "to_fahrenheit", '{"celsius": 21}', "call_f", "fc_f"),
]
FINAL = "It is 21°C (69.8°F) and sunny in Oslo."


def check_replay(items: list[dict[str, Any]]) -> tuple[int, str | None]:
    """(turn, problem): the turn is the number of answered tool calls."""
    outputs = {
        i["call_id"]: i for i in items if i.get("type") == "function_call_output"
    }
    turn = len(outputs)
    for step in range(turn):
        rs_id, encrypted, name, _, call_id, fc_id = SCRIPT[step]
        positions = [n for n, i in enumerate(items) if i.get("id") == rs_id]
        if not positions:
            return turn, f"reasoning item {rs_id} was not replayed"
        reasoning = items[positions[0]]
        if (
            reasoning.get("type") != "reasoning"
            or reasoning.get("encrypted_content") != encrypted
        ):
            return turn, f"reasoning item {rs_id} lost its encrypted_content"
        if not isinstance(reasoning.get("summary"), list):
            return turn, f"reasoning item {rs_id} has no summary list"
        following = items[positions[0] + 1] if positions[0] + 1 < len(items) else {}
        if (
            following.get("type") != "function_call"
            or following.get("call_id") != call_id
        ):
            return turn, f"reasoning {rs_id} is not right before its function call"
        if following.get("name") != name or following.get("id") != fc_id:
            return turn, f"function call {call_id} came back altered"
        output = outputs.get(call_id)
        if output is None or not str(output.get("id", "")).startswith("fco_"):
            return turn, f"output for {call_id} is missing or has no id"
        if not isinstance(output.get("output"), str) or not output["output"]:
            return turn, f"output for {call_id} is empty"
    for item in items:
        if item.get("role") == "assistant" and not (
            item.get("id") and item.get("status")
        ):
            return turn, "assistant message without id/status"
    return turn, None


def reply_for(turn: int) -> dict[str, Any]:
    if turn < len(SCRIPT):
        rs_id, encrypted, name, args, call_id, fc_id = SCRIPT[turn]
        return bodies.response(
            bodies.reasoning_item(rs_id, [f"step {turn + 1}"], encrypted=encrypted),
            bodies.function_call_item(name, args, call_id, fc_id),
            resp_id=f"resp_turn{turn}",
        )
    return bodies.response(
        bodies.reasoning_item("rs_t3", [], encrypted="gAAAA-enc-three"),
        bodies.message_item(FINAL, "msg_final"),
        resp_id="resp_final",
    )


class StatelessAgent:
    """The server's side: a `ScriptedServer` responder that decides the turn
    from the input alone and records why it rejected a request (400)."""

    def __init__(self) -> None:
        self.rejections: list[str] = []
        self.answered = 0

    def __call__(self, request: Recorded) -> RawReply:
        body = request.json()
        self.answered += 1
        turn, problem = check_replay(body.get("input") or [])
        if "reasoning.encrypted_content" not in (body.get("include") or []):
            problem = "include lacks reasoning.encrypted_content"
        if problem is not None or self.answered > 10:
            self.rejections.append(problem or "too many requests")
            return RawReply(
                400, {"error": {"code": "invalid_prompt", "message": problem}}
            )
        reply = reply_for(turn)
        if body.get("stream"):
            sse = {"Content-Type": "text/event-stream"}
            return RawReply(body=sse_stream(reply), headers=sse)
        return RawReply(body=reply)


@pytest.fixture
def stateless() -> StatelessAgent:
    return StatelessAgent()


@pytest.fixture
def server(stateless: StatelessAgent) -> Iterator[ScriptedServer]:
    with ScriptedServer(stateless) as srv:
        yield srv


def _llm(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    settings: dict[str, Any] = {
        "model": "openai/gpt-5.4",
        "base_url": server.base_url,
        "use_encrypted_reasoning": True,
        "reasoning": {"effort": "low", "summary": "auto"},
        "timeout": 10,
        "max_retries": 0,
    }
    return ChatOneRouterResponses(**{**settings, **kw})


def _build(kind: str, llm: ChatOneRouterResponses) -> Any:
    tools = [get_weather, to_fahrenheit]
    if kind == "create_agent":
        from langchain.agents import create_agent

        return create_agent(llm, tools=tools)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # create_react_agent is deprecated
        from langgraph.prebuilt import create_react_agent

        return create_react_agent(llm, tools)


def _assert_completed(
    messages: list[Any], server: ScriptedServer, stateless: StatelessAgent
) -> None:
    assert stateless.rejections == []
    assert len(server.requests) == 3
    assert messages[-1].text == FINAL
    tool_results = [m for m in messages if isinstance(m, ToolMessage)]
    assert [m.content for m in tool_results] == ["Oslo: sunny, 21C", "69.8F"]
    ais = [m for m in messages if isinstance(m, AIMessage)]
    assert [c["name"] for m in ais for c in m.tool_calls] == [
        "get_weather",
        "to_fahrenheit",
    ]
    last_input = server.requests[-1].json()["input"]
    assert [i["type"] for i in last_input] == [
        "message",
        "reasoning",
        "function_call",
        "function_call_output",
        "reasoning",
        "function_call",
        "function_call_output",
    ]


@pytest.mark.parametrize("kind", ["create_agent", "create_react_agent"])
@pytest.mark.parametrize("streaming", [False, True])
def test_agent_loop_completes_sync(
    server: ScriptedServer, stateless: StatelessAgent, kind: str, streaming: bool
) -> None:
    agent = _build(kind, _llm(server, streaming=streaming))
    state = agent.invoke(
        {"messages": [HumanMessage("Weather in Oslo, in Fahrenheit too?")]},
        config={"recursion_limit": 12},
    )
    _assert_completed(state["messages"], server, stateless)
    assert all(bool(r.json().get("stream")) is streaming for r in server.requests)


@pytest.mark.parametrize("kind", ["create_agent", "create_react_agent"])
async def test_agent_loop_completes_async_streamed_messages(
    server: ScriptedServer, stateless: StatelessAgent, kind: str
) -> None:
    agent = _build(kind, _llm(server))
    tokens: list[str] = []
    async for chunk, _meta in agent.astream(
        {"messages": [HumanMessage("Weather in Oslo, in Fahrenheit too?")]},
        config={"recursion_limit": 12},
        stream_mode="messages",
    ):
        if isinstance(chunk, AIMessage) and chunk.text:
            tokens.append(chunk.text)
    assert "".join(tokens) == FINAL
    assert stateless.rejections == [] and len(server.requests) == 3
    assert all(r.json().get("stream") for r in server.requests)


def test_server_rejects_a_replay_without_encrypted_reasoning(
    server: ScriptedServer, stateless: StatelessAgent
) -> None:
    """The check is real: drop the flag and the second turn fails with 400."""
    from langchain_onerouter.errors import BadRequestError

    llm = _llm(server, use_encrypted_reasoning=False, include=None)
    with pytest.raises(BadRequestError):
        _build("create_agent", llm).invoke(
            {"messages": [HumanMessage("Weather in Oslo?")]},
            config={"recursion_limit": 12},
        )
    assert stateless.rejections


def test_recorded_requests_match_the_spec(
    server: ScriptedServer, create_response_validator: Any
) -> None:
    _build("create_agent", _llm(server)).invoke(
        {"messages": [HumanMessage("Weather in Oslo, in Fahrenheit too?")]},
        config={"recursion_limit": 12},
    )
    assert len(server.requests) == 3
    for request in server.requests:
        create_response_validator.validate(request.json())
