"""One warning per distinct cause, on one channel (`warnings`), and connection
errors that name the host they failed to reach, never the key."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses, errors
from tests.support.modes import KEY, echo_reply, served_model
from tests.support.scripted_server import ScriptedServer, closed_port


def _caught(work: Any) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # every emission, not once per line
        work()
    return [str(w.message) for w in caught if issubclass(w.category, UserWarning)]


def test_an_unknown_provider_key_warns_once_for_a_model_and_its_calls() -> None:
    with ScriptedServer(echo_reply) as server:

        def build_and_call() -> None:
            llm = served_model(server, provider={"sortt": "price"})
            for text in ("a", "b"):
                llm.invoke(text)
            list(llm.stream("c"))
            asyncio.run(llm.ainvoke("d"))

        said = _caught(build_and_call)
    assert len([m for m in said if "'sortt'" in m]) == 1, said
    assert "did you mean 'sort'" in said[0]


def test_a_per_call_provider_is_checked_at_that_call() -> None:
    with ScriptedServer(echo_reply) as server:
        llm = served_model(server, provider={"sort": "price"})
        said = _caught(lambda: llm.invoke("a", provider={"onlyy": ["openai"]}))
    assert len([m for m in said if "'onlyy'" in m]) == 1, said


def test_a_dropped_thinking_block_is_a_warning_like_its_siblings() -> None:
    from langchain_core.messages import AIMessage, HumanMessage

    history = [
        HumanMessage("hi"),
        AIMessage(
            [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "ok"}]
        ),
        HumanMessage("again"),
    ]
    with ScriptedServer(echo_reply) as server:
        said = _caught(lambda: served_model(server).invoke(history))
    assert [m for m in said if "dropped a 'thinking' block" in m]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream"])
def test_connection_errors_name_the_host_never_the_key(mode: str) -> None:
    port = closed_port()
    llm = ChatOneRouterResponses(
        model="m", base_url=f"http://127.0.0.1:{port}/v1", api_key=KEY, max_retries=0
    )
    with pytest.raises(errors.APIConnectionError) as caught:
        if mode == "invoke":
            llm.invoke("hi")
        elif mode == "ainvoke":
            asyncio.run(llm.ainvoke("hi"))
        else:
            list(llm.stream("hi"))
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert KEY not in str(caught.value) and KEY not in repr(caught.value)
