"""Structured output parses the `final_answer` message when `commentary`
messages precede it (`phase` on message items): invoke, stream, include_raw
and `response_format=`, on the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import OutputParserException
from pydantic import BaseModel

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.testing import OneRouterEmulator, Reply
from tests.support.emulator import module_emulator

emu, _fresh = module_emulator()
ANSWER = '{"name": "Ada Lovelace", "age": 36}'


class Person(BaseModel):
    name: str
    age: int


def message(n: int, phase: str | None, text: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "type": "message",
        "id": f"msg_{n}",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    if phase:
        item["phase"] = phase
    return item


def narrated(*commentary: str) -> Reply:
    """Commentary messages, then the JSON answer as the `final_answer`."""
    items = [message(n, "commentary", text) for n, text in enumerate(commentary)]
    return Reply(items=[*items, message(99, "final_answer", ANSWER)])


def model(emu: OneRouterEmulator, **kw: Any) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model="openai/gpt-5.4", base_url=emu.base_url, api_key=emu.api_key, **kw
    )


@pytest.mark.parametrize("schema", [Person, Person.model_json_schema()])
def test_invoke_returns_the_final_answer(emu: OneRouterEmulator, schema: Any) -> None:
    emu.push(narrated("Let me recall who she was.", "Checking the year {1815}."))
    result = model(emu).with_structured_output(schema).invoke("Who?")
    expected = {"name": "Ada Lovelace", "age": 36}
    assert result == (Person(**expected) if schema is Person else expected)


async def test_stream_and_astream_end_with_the_final_answer(
    emu: OneRouterEmulator,
) -> None:
    structured = model(emu).with_structured_output(Person)
    emu.push(narrated("Thinking about it..."))
    streamed = list(structured.stream("Who?"))
    assert streamed[-1] == Person(name="Ada Lovelace", age=36)
    emu.push(narrated("Thinking about it..."))
    partials = [
        p
        async for p in model(emu)
        .with_structured_output(None, method="json_mode")
        .astream("Who? JSON")
    ]
    assert partials[-1] == {"name": "Ada Lovelace", "age": 36}
    assert len(partials) > 1  # the answer streamed as partial objects


def test_include_raw_keeps_the_commentary_and_parses_the_answer(
    emu: OneRouterEmulator,
) -> None:
    emu.push(narrated("First, the commentary."))
    out = model(emu).with_structured_output(Person, include_raw=True).invoke("Who?")
    assert out["parsing_error"] is None
    assert out["parsed"] == Person(name="Ada Lovelace", age=36)
    phases = [b.get("phase") for b in out["raw"].content]
    assert phases == ["commentary", "final_answer"]


def test_commentary_without_an_answer_is_a_parsing_error(
    emu: OneRouterEmulator,
) -> None:
    emu.push(Reply(items=[message(1, "commentary", "Still working on it.")]))
    out = model(emu).with_structured_output(Person, include_raw=True).invoke("Who?")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    emu.push(Reply(items=[message(1, "commentary", "Still working on it.")]))
    with pytest.raises(OutputParserException):
        model(emu).with_structured_output(Person).invoke("Who?")


@pytest.mark.parametrize("streaming", [False, True])
def test_response_format_puts_the_parsed_answer_in_additional_kwargs(
    emu: OneRouterEmulator, streaming: bool
) -> None:
    emu.push(narrated("Looking her up."))
    llm = model(emu, streaming=streaming)
    reply = llm.invoke("Who?", response_format=Person)
    assert reply.additional_kwargs["parsed"] == Person(name="Ada Lovelace", age=36)
    assert "Looking her up." in reply.text  # the message itself keeps everything


def test_without_phases_the_whole_text_is_still_parsed(
    emu: OneRouterEmulator,
) -> None:
    emu.push(Reply(text=ANSWER))
    assert model(emu).with_structured_output(Person).invoke("Who?").age == 36
    emu.push(Reply(items=[message(1, None, "Sure: "), message(2, None, ANSWER)]))
    with pytest.raises(OutputParserException):  # no phase: nothing to leave out
        model(emu).with_structured_output(Person).invoke("Who?")
