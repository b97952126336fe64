"""with_structured_output: payloads, parsing, streaming, refusals, include_raw."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import OutputParserException
from pydantic import BaseModel, Field
from pydantic.v1 import BaseModel as BaseModelV1
from typing_extensions import TypedDict

from langchain_onerouter._mapping.structured import json_schema_format
from tests.support import bodies
from tests.support.models import Recorder, make_llm


class Person(BaseModel):
    """A person."""

    name: str = Field(description="full name")
    age: int


class PersonV1(BaseModelV1):
    """A person (pydantic v1)."""

    name: str
    age: int


class PersonDict(TypedDict):
    """A person."""

    name: str
    age: int


PERSON_SCHEMA = {
    "title": "PersonSchema",
    "description": "A person.",
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}
ADA = {"name": "Ada Lovelace", "age": 36}


def _json_reply(obj: Any = ADA) -> dict:
    return bodies.response(bodies.message_item(json.dumps(obj), "msg_so"))


def _tool_reply(name: str, obj: Any = ADA) -> dict:
    return bodies.response(
        bodies.function_call_item(name, json.dumps(obj), "call_so", "fc_so")
    )


def _check(result: Any, schema: Any) -> None:
    if isinstance(schema, type) and issubclass(schema, (BaseModel, BaseModelV1)):
        assert isinstance(result, schema)
        assert (result.name, result.age) == (ADA["name"], ADA["age"])
    else:
        assert result == ADA


SCHEMAS = [Person, PersonV1, PersonDict, PERSON_SCHEMA]
IDS = ["pydantic2", "pydantic1", "typeddict", "jsonschema"]


@pytest.mark.parametrize("schema", SCHEMAS, ids=IDS)
@pytest.mark.parametrize("strict", [None, False, True])
def test_json_schema_sends_text_format_and_parses(
    schema: Any, strict: bool | None, create_response_validator: Any
) -> None:
    rec = Recorder(_json_reply())
    result = make_llm(rec).with_structured_output(schema, strict=strict).invoke("Ada")
    _check(result, schema)
    body = rec.requests[0].json()
    create_response_validator.validate(body)
    fmt = body["text"]["format"]
    assert fmt["type"] == "json_schema"
    assert fmt["name"] in {"Person", "PersonV1", "PersonDict", "PersonSchema"}
    assert set(fmt["schema"]["properties"]) == {"name", "age"}
    assert fmt["strict"] is bool(strict)
    if strict:
        assert fmt["schema"]["additionalProperties"] is False
    assert "tools" not in body


@pytest.mark.parametrize("schema", SCHEMAS, ids=IDS)
async def test_json_mode_async(schema: Any) -> None:
    rec = Recorder(_json_reply())
    llm = make_llm(rec).with_structured_output(schema, method="json_mode")
    _check(await llm.ainvoke("Ada as JSON"), schema)
    assert rec.requests[0].json()["text"] == {"format": {"type": "json_object"}}


def test_json_mode_without_schema_returns_dict() -> None:
    llm = make_llm(Recorder(_json_reply())).with_structured_output(method="json_mode")
    assert llm.invoke("json please") == ADA


@pytest.mark.parametrize("schema", SCHEMAS, ids=IDS)
@pytest.mark.parametrize("strict", [None, True])
def test_function_calling_forces_the_tool(schema: Any, strict: bool | None) -> None:
    name = json_schema_format(schema)["name"]
    rec = Recorder(_tool_reply(name))
    llm = make_llm(rec).with_structured_output(
        schema, method="function_calling", strict=strict
    )
    _check(llm.invoke("Ada"), schema)
    body = rec.requests[0].json()
    assert body["tool_choice"] == {"type": "function", "name": name}
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["strict"] is bool(strict)
    assert "text" not in body


def test_ready_made_format_dicts_are_used_as_given() -> None:
    chat_style = {
        "type": "json_schema",
        "json_schema": {"name": "p", "schema": PERSON_SCHEMA, "strict": True},
    }
    assert json_schema_format(chat_style) == {
        "type": "json_schema",
        "name": "p",
        "schema": PERSON_SCHEMA,
        "strict": True,
    }
    assert json_schema_format({"name": "p", "schema": PERSON_SCHEMA})["name"] == "p"
    odd = {**PERSON_SCHEMA, "title": "a person/record"}
    assert json_schema_format(odd)["name"] == "a_person_record"


@pytest.mark.parametrize(
    "kwargs, needle",
    [
        ({"method": "xml"}, "method"),
        ({"method": "json_mode", "strict": True}, "strict"),
    ],
)
def test_bad_options_raise(kwargs: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        make_llm(Recorder()).with_structured_output(Person, **kwargs)
    with pytest.raises(ValueError, match="schema"):
        make_llm(Recorder()).with_structured_output(None)


def _refusal_reply() -> dict:
    item = bodies.message_item("", "msg_r")
    item["content"] = [{"type": "refusal", "refusal": "I can't help with that."}]
    return bodies.response(item)


@pytest.mark.parametrize(
    "reply",
    [_refusal_reply(), bodies.response(bodies.message_item("not json", "msg_x"))],
    ids=["refusal", "unparsable"],
)
async def test_refusal_or_garbage_raises_or_is_returned_raw(reply: dict) -> None:
    llm = make_llm(Recorder(reply, reply, reply))
    with pytest.raises(OutputParserException):
        llm.with_structured_output(Person).invoke("q")
    with pytest.raises(OutputParserException):
        await llm.with_structured_output(PERSON_SCHEMA).ainvoke("q")
    out = llm.with_structured_output(Person, include_raw=True).invoke("q")
    assert out["parsed"] is None
    assert isinstance(out["parsing_error"], OutputParserException)
    assert out["raw"].response_metadata["id"] == "resp_0123"


def test_missing_tool_call_raises_for_function_calling() -> None:
    llm = make_llm(Recorder(_json_reply()))
    with pytest.raises(OutputParserException, match="did not call"):
        llm.with_structured_output(Person, method="function_calling").invoke("q")


def test_include_raw_success() -> None:
    llm = make_llm(Recorder(_json_reply()))
    out = llm.with_structured_output(Person, include_raw=True).invoke("q")
    assert out["parsed"] == Person(**ADA)
    assert out["parsing_error"] is None
    assert out["raw"].text == json.dumps(ADA)


@pytest.mark.parametrize("method", ["json_schema", "function_calling"])
def test_stream_yields_partial_then_full_objects(method: str) -> None:
    name = "PersonSchema"
    reply = _json_reply() if method == "json_schema" else _tool_reply(name)
    llm = make_llm(Recorder(reply)).with_structured_output(PERSON_SCHEMA, method=method)
    parts = list(llm.stream("q"))
    assert parts[-1] == ADA
    assert len(parts) >= 2  # the sse builder splits text/arguments in two
    assert all(isinstance(p, dict) for p in parts)
    assert parts[0] != ADA and all(k in ADA for k in parts[0])


async def test_astream_pydantic_ends_with_the_object() -> None:
    llm = make_llm(Recorder(_json_reply())).with_structured_output(Person)
    parts = [p async for p in llm.astream("q")]
    assert parts and parts[-1] == Person(**ADA)
    assert all(isinstance(p, Person) for p in parts)


async def test_stream_refusal_and_garbage_raise() -> None:
    llm = make_llm(
        Recorder(_refusal_reply(), bodies.response(bodies.message_item("{oops")))
    )
    with pytest.raises(OutputParserException):
        list(llm.with_structured_output(Person).stream("q"))
    with pytest.raises(OutputParserException):
        [p async for p in llm.with_structured_output(PERSON_SCHEMA).astream("q")]


@pytest.mark.parametrize("method", ["json_schema", "function_calling", "json_mode"])
def test_ls_structured_output_format_is_bound(method: str) -> None:
    reply = _tool_reply("Person") if method == "function_calling" else _json_reply()
    llm = make_llm(Recorder(reply))
    seen: dict[str, Any] = {}

    class Spy(BaseCallbackHandler):
        def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
            seen.update(kwargs.get("options") or {})

    llm.with_structured_output(Person, method=method).invoke(
        "q", config={"callbacks": [Spy()]}
    )
    fmt = seen["ls_structured_output_format"]
    assert fmt["kwargs"]["method"] == method
    assert fmt["schema"]["title"] == "Person"
    assert set(fmt["schema"]["properties"]) == {"name", "age"}
