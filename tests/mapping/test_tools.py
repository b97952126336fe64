"""bind_tools: tool conversion, tool_choice, tool calls in replies (invoke/stream)."""

from __future__ import annotations

from typing import Annotated, Any

import httpx2
import pytest
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import BaseTool, tool
from pydantic import BaseModel, Field
from pydantic.v1 import BaseModel as BaseModelV1
from typing_extensions import TypedDict

from langchain_onerouter._mapping.tools import convert_tool, tool_payload
from tests.support import bodies
from tests.support.models import Recorder, make_llm


# -- helpers shared with test_structured_output / test_history ---------------
# -- tool conversion ------------------------------------------------------------
@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"sunny in {city}"


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


class Lookup(BaseModel):
    """Look something up."""

    query: str = Field(description="what to look up")


class LookupV1(BaseModelV1):
    """Look something up (pydantic v1)."""

    query: str


class Search(TypedDict):
    """Search the web."""

    query: Annotated[str, ..., "search terms"]


PARAMS = {
    "type": "object",
    "properties": {"q": {"type": "string"}},
    "required": ["q"],
}
echo = RunnableLambda(lambda d: d["q"]).as_tool(
    name="echo", description="Echo q.", arg_types={"q": str}
)

FORMS: list[tuple[Any, str, str]] = [
    (get_weather, "get_weather", "city"),
    (add, "add", "a"),
    (Lookup, "Lookup", "query"),
    (LookupV1, "LookupV1", "query"),
    (Search, "Search", "query"),
    ({"title": "schema_tool", "description": "d", **PARAMS}, "schema_tool", "q"),
    (echo, "echo", "q"),
    (
        {"type": "function", "function": {"name": "chat_style", "parameters": PARAMS}},
        "chat_style",
        "q",
    ),
    ({"type": "function", "name": "flat", "parameters": PARAMS}, "flat", "q"),
    ({"name": "bare", "description": "d", "parameters": PARAMS}, "bare", "q"),
]


@pytest.mark.parametrize("form, name, prop", FORMS, ids=[f[1] for f in FORMS])
def test_every_form_becomes_a_flat_function_tool(
    form: Any, name: str, prop: str
) -> None:
    converted = convert_tool(form)
    assert set(converted) <= {"type", "name", "description", "parameters", "strict"}
    assert converted["type"] == "function" and converted["name"] == name
    assert converted["parameters"]["type"] == "object"
    assert prop in converted["parameters"]["properties"]
    assert converted["strict"] is False
    assert "function" not in converted


def test_descriptions_are_kept() -> None:
    assert convert_tool(get_weather)["description"] == "Current weather in a city."
    assert convert_tool(Lookup)["parameters"]["properties"]["query"]["description"] == (
        "what to look up"
    )


@pytest.mark.parametrize("form, name, prop", FORMS, ids=[f[1] for f in FORMS])
def test_strict_closes_every_schema(form: Any, name: str, prop: str) -> None:
    converted = convert_tool(form, strict=True)
    assert converted["strict"] is True
    assert converted["parameters"]["additionalProperties"] is False


def test_tool_dict_keeps_its_own_strict_unless_overridden() -> None:
    own = {"type": "function", "name": "f", "parameters": PARAMS, "strict": True}
    assert convert_tool(own)["strict"] is True
    assert convert_tool(own, strict=False)["strict"] is False


@pytest.mark.parametrize(
    "builtin",
    [
        {"type": "web_search"},
        {"type": "web_search_preview", "search_context_size": "low"},
        {"type": "file_search", "vector_store_ids": ["vs_1"]},
        {"type": "mcp", "server_label": "x", "server_url": "https://x"},
    ],
)
def test_builtin_tools_pass_through_untouched(builtin: dict) -> None:
    payload = tool_payload([get_weather, builtin])
    assert payload["tools"][1] == builtin
    assert payload["tools"][1] is not builtin  # a copy: the caller's dict is safe


@pytest.mark.parametrize(
    "bad, needle",
    [
        ({"type": "function", "function": {"name": "", "parameters": PARAMS}}, "name"),
        ({"type": "function", "name": "has space", "parameters": PARAMS}, "name"),
        ({"type": "function", "name": "f", "parameters": "nope"}, "parameters"),
        ({"type": "function", "name": "f", "parameters": {"type": "array"}}, "object"),
        (
            {
                "type": "function",
                "name": "f",
                "parameters": {"type": "object", "properties": []},
            },
            "properties",
        ),
        ({"type": "function", "name": "f", "description": 3}, "description"),
        ({"foo": "bar"}, "tools\\[0\\]"),
        (42, "tools\\[0\\]"),
    ],
)
def test_malformed_tools_raise_a_clear_value_error(bad: Any, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        tool_payload([bad])


def test_duplicate_names_keep_the_first_with_a_warning() -> None:
    other = {"type": "function", "name": "get_weather", "parameters": PARAMS}
    with pytest.warns(UserWarning, match="get_weather") as caught:
        tools = tool_payload([get_weather, other, add])["tools"]
    assert [t["name"] for t in tools] == ["get_weather", "add"]
    assert "city" in tools[0]["parameters"]["properties"]
    assert len(caught) == 1


def test_non_list_rejected() -> None:
    with pytest.raises(ValueError, match="list"):
        tool_payload(get_weather)  # type: ignore[arg-type]


# -- tool_choice ----------------------------------------------------------------
@pytest.mark.parametrize(
    "choice, expected",
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        (True, "required"),
        ("add", {"type": "function", "name": "add"}),
        (
            {"type": "function", "function": {"name": "add"}},
            {"type": "function", "name": "add"},
        ),
        (
            {"type": "function", "name": "get_weather"},
            {"type": "function", "name": "get_weather"},
        ),
        ("web_search", {"type": "web_search"}),
    ],
)
def test_tool_choice_mapping(choice: Any, expected: Any) -> None:
    payload = tool_payload(
        [get_weather, add, {"type": "web_search"}], tool_choice=choice
    )
    assert payload["tool_choice"] == expected


def test_no_tool_choice_or_parallel_flag_means_not_sent() -> None:
    assert set(tool_payload([add])) == {"tools"}
    assert (
        tool_payload([add], parallel_tool_calls=False)["parallel_tool_calls"] is False
    )


@pytest.mark.parametrize(
    "choice",
    ["multiply", {"type": "function", "name": "multiply"}, False, 3],
)
def test_bad_tool_choice_raises_before_any_request(choice: Any) -> None:
    calls: list[Any] = []
    llm = make_llm(lambda r: calls.append(r) or httpx2.Response(500))
    with pytest.raises(ValueError):
        llm.bind_tools([add], tool_choice=choice)
    assert calls == []


def test_unbound_name_error_lists_bound_tools() -> None:
    with pytest.raises(ValueError, match="multiply.*add"):
        tool_payload([add], tool_choice="multiply")


# -- end to end through the model -------------------------------------------------
def _tool_reply(arguments: str = '{"city": "Zürich 🌧"}') -> dict:
    return bodies.response(
        bodies.reasoning_item("rs_1", ["need weather"], encrypted="ENC"),
        bodies.function_call_item("get_weather", arguments, "call_w1", "fc_w1"),
    )


def test_bound_request_body_is_valid_and_flat(create_response_validator: Any) -> None:
    rec = Recorder(_tool_reply())
    llm = make_llm(rec).bind_tools(
        [get_weather, Lookup, {"type": "web_search"}],
        tool_choice="get_weather",
        parallel_tool_calls=False,
    )
    llm.invoke("weather in Zürich?")
    body = rec.requests[0].json()
    create_response_validator.validate(body)
    assert body["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert body["parallel_tool_calls"] is False
    assert [t.get("name", t["type"]) for t in body["tools"]] == [
        "get_weather",
        "Lookup",
        "web_search",
    ]


def test_tool_call_parsed_sync_unicode_preserved() -> None:
    msg = make_llm(Recorder(_tool_reply())).bind_tools([get_weather]).invoke("q")
    assert msg.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Zürich 🌧"},
            "id": "call_w1",
            "type": "tool_call",
        }
    ]
    assert msg.invalid_tool_calls == []


async def test_tool_call_parsed_async() -> None:
    msg = await make_llm(Recorder(_tool_reply())).bind_tools([get_weather]).ainvoke("q")
    assert msg.tool_calls[0]["args"] == {"city": "Zürich 🌧"}
    assert msg.tool_calls[0]["id"] == "call_w1"


@pytest.mark.parametrize("arguments", ['{"city": ', "[1, 2]", "not json"])
async def test_unparsable_arguments_become_invalid_tool_calls(arguments: str) -> None:
    llm = make_llm(Recorder(_tool_reply(arguments), _tool_reply(arguments)))
    for msg in (llm.invoke("q"), await llm.ainvoke("q")):
        assert msg.tool_calls == []
        [bad] = msg.invalid_tool_calls
        assert bad["id"] == "call_w1" and bad["name"] == "get_weather"
        assert bad["args"] == arguments and bad["error"]


def test_tool_call_streamed_sync() -> None:
    llm = make_llm(Recorder(_tool_reply())).bind_tools([get_weather])
    full = None
    for chunk in llm.stream("q"):
        full = chunk if full is None else full + chunk
    assert full is not None
    assert [(c["name"], c["args"], c["id"]) for c in full.tool_calls] == [
        ("get_weather", {"city": "Zürich 🌧"}, "call_w1")
    ]


async def test_tool_call_streamed_async() -> None:
    llm = make_llm(Recorder(_tool_reply())).bind_tools([get_weather])
    full = None
    async for chunk in llm.astream("q"):
        full = chunk if full is None else full + chunk
    assert full is not None
    assert full.tool_calls[0]["args"] == {"city": "Zürich 🌧"}


def test_bind_tools_returns_a_binding_usable_by_base_tool() -> None:
    assert isinstance(get_weather, BaseTool)
    bound = make_llm(Recorder()).bind_tools([get_weather], strict=True)
    assert bound.kwargs["tools"][0]["strict"] is True  # type: ignore[attr-defined]
