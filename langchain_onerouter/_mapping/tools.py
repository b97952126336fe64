"""Tool definitions and `tool_choice` → Responses payload fields. Pure, no I/O.

Every function tool is sent in the flat Responses shape
`{"type": "function", "name", "description", "parameters", "strict"}`,
whatever form the user passed; custom (freeform) tools as `{"type": "custom",
"name", "description", "format"}` (a dict, or a tool made with `custom_tool`
of `langchain_onerouter.tools` or langchain-openai); built-in tool dicts
(`{"type": "web_search"}`, ...) pass through untouched.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool

# Loose on purpose: OneRouter routes to providers with different rules; this
# only rejects names no provider accepts (empty, spaces, punctuation).
_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
BUILTIN_KEY = "responses_tool"
"""`BaseTool.metadata` key: bind the tool as this built-in tool dict instead.

So one LangChain tool both declares a client-executed built-in (`{"type":
"shell"}`, `{"type": "apply_patch"}`, ...) and runs its calls in an agent:

>>> from langchain_core.tools import tool
>>> @tool
... def shell(action: dict, environment: dict | None = None) -> str:
...     '''Run the commands.'''
...     return "ok"
>>> shell.metadata = {BUILTIN_KEY: {"type": "shell"}}
>>> convert_tool(shell)
{'type': 'shell'}
"""
_CHOICE_ALIASES = {
    "auto": "auto",
    "none": "none",
    "required": "required",
    "any": "required",
}


def tool_payload(
    tools: Sequence[Any],
    *,
    tool_choice: Any = None,
    strict: bool | None = None,
    parallel_tool_calls: bool | None = None,
) -> dict[str, Any]:
    """Payload fields (`tools`, `tool_choice`, `parallel_tool_calls`) for `bind_tools`.

    Args:
        tools: `@tool` functions, `BaseTool`s, plain functions, pydantic models,
            TypedDicts, JSON-schema dicts, chat-style
            `{"type": "function", "function": {...}}` dicts, flat Responses
            function dicts, or built-in tool dicts (passed through).
        tool_choice: `"auto"`, `"none"`, `"required"`, `"any"`/`True`
            (→ `"required"`), a bound tool's name, or a dict.
        strict: Strict schema adherence for every function tool. None keeps a
            tool dict's own `strict` and otherwise sends `false`.
        parallel_tool_calls: Allow several calls in one turn.

    Raises:
        ValueError: A malformed tool, or a `tool_choice` naming a tool that
            is not bound. Raised before any request. (Two tools with one name:
            the first is kept, with a warning; the API rejects duplicates.)

    >>> def add(a: int, b: int) -> int:
    ...     '''Add two integers.'''
    ...     return a + b
    >>> payload = tool_payload([add], tool_choice="add")
    >>> payload["tools"][0]["name"], payload["tool_choice"]
    ('add', {'type': 'function', 'name': 'add'})
    """
    if isinstance(tools, (str, bytes, Mapping)) or not isinstance(tools, Sequence):
        raise ValueError(f"tools must be a list, got {type(tools).__name__}")
    converted = [
        convert_tool(tool, strict=strict, where=f"tools[{i}]")
        for i, tool in enumerate(tools)
    ]
    converted = _dedupe(converted)
    payload: dict[str, Any] = {"tools": converted}
    choice = _convert_tool_choice(tool_choice, converted)
    if choice is not None:
        payload["tool_choice"] = choice
    if parallel_tool_calls is not None:
        payload["parallel_tool_calls"] = bool(parallel_tool_calls)
    return payload


def convert_tool(
    tool: Any, *, strict: bool | None = None, where: str = "tool"
) -> dict[str, Any]:
    """One tool in any supported form → a Responses tool dict.

    >>> convert_tool({"type": "web_search"})
    {'type': 'web_search'}
    """
    if isinstance(tool, Mapping):
        kind = tool.get("type")
        if kind == "custom":
            return _custom_tool(dict(tool), where)
        if kind == "function" and isinstance(tool.get("function"), Mapping):
            return _function_tool(dict(tool["function"]), strict, where)  # chat-style
        if kind == "function":
            return _function_tool(dict(tool), strict, where)  # flat Responses
        if isinstance(kind, str) and kind != "object" and not _looks_like_schema(tool):
            return dict(tool)  # built-in tool: web_search, file_search, mcp, ...
        if "name" in tool and "parameters" in tool:  # bare OpenAI function dict
            return _function_tool(dict(tool), strict, where)
    builtin = (getattr(tool, "metadata", None) or {}).get(BUILTIN_KEY)
    if isinstance(tool, BaseTool) and isinstance(builtin, Mapping):
        return dict(builtin)  # a LangChain tool that runs a built-in's calls
    try:
        spec = convert_to_openai_tool(tool, strict=strict)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ValueError(
            f"{where}: cannot convert {_describe(tool)} to a tool: {exc}"
        ) from None
    if spec.get("type") == "custom":
        return _custom_tool(dict(spec), where)
    if spec.get("type") != "function" or not isinstance(spec.get("function"), Mapping):
        return dict(spec)
    return _function_tool(dict(spec["function"]), strict, where)


def _convert_tool_choice(choice: Any, tools: Sequence[Mapping[str, Any]]) -> Any:
    """`tool_choice` in LangChain's forms → the Responses form (None = not sent)."""
    if choice is None:
        return None
    function_names = [t["name"] for t in tools if t.get("type") == "function"]
    custom_names = [t["name"] for t in tools if t.get("type") == "custom"]
    builtin_types = {
        t.get("type") for t in tools if t.get("type") not in ("function", "custom")
    }
    if choice is True:
        choice = "required"
    if isinstance(choice, bool):  # False has no agreed meaning
        raise ValueError("tool_choice=False is not supported; use 'none'")
    if isinstance(choice, str):
        if choice in _CHOICE_ALIASES:
            return _CHOICE_ALIASES[choice]
        if choice in function_names:
            return {"type": "function", "name": choice}
        if choice in custom_names:
            return {"type": "custom", "name": choice}
        if choice in builtin_types:
            return {"type": choice}
        raise ValueError(_unbound(choice, function_names + custom_names))
    if isinstance(choice, Mapping):
        if choice.get("type") == "function":
            nested = choice.get("function")
            name = (
                nested.get("name")
                if isinstance(nested, Mapping)
                else choice.get("name")
            )
            if name not in function_names:
                raise ValueError(_unbound(name, function_names))
            return {"type": "function", "name": name}
        return dict(choice)  # allowed_tools, built-in tool choices, ...
    raise ValueError(
        f"tool_choice must be a string, bool or dict, got {type(choice).__name__}"
    )


def _name_and_description(
    spec: Mapping[str, Any], where: str, what: str = "tool"
) -> tuple[str, str | None]:
    name = spec.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f"{where}: {what} name must be 1-128 letters, digits, '_', '-', '.' or ':', got {name!r}"
        )
    description = spec.get("description")
    if description is not None and not isinstance(description, str):
        raise ValueError(f"{where} ({name}): description must be a string")
    return name, description


def _function_tool(
    spec: dict[str, Any], strict: bool | None, where: str
) -> dict[str, Any]:
    name, description = _name_and_description(spec, where)
    parameters = spec.get("parameters")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, Mapping):
        raise ValueError(
            f"{where} ({name}): parameters must be a JSON-schema object, got {type(parameters).__name__}"
        )
    if parameters.get("type", "object") != "object":
        raise ValueError(
            f"{where} ({name}): parameters must describe an object, got type {parameters.get('type')!r}"
        )
    properties = parameters.get("properties")
    if properties is not None and not isinstance(properties, Mapping):
        raise ValueError(f"{where} ({name}): parameters.properties must be an object")
    if strict is None:
        strict = spec.get("strict") if isinstance(spec.get("strict"), bool) else False
    elif strict and not spec.get("strict"):
        # A dict the user wrote themselves did not go through langchain-core's
        # strict conversion: close its objects as strict mode requires.
        parameters = convert_to_openai_tool(
            {
                "name": name,
                "description": description or "",
                "parameters": dict(parameters),
            },
            strict=True,
        )["function"]["parameters"]
    tool: dict[str, Any] = {"type": "function", "name": name}
    if description:
        tool["description"] = description
    tool["parameters"] = dict(parameters)
    tool["strict"] = bool(strict)
    return tool


def _custom_tool(spec: dict[str, Any], where: str) -> dict[str, Any]:
    """A custom (freeform) tool: the model writes its input as plain text."""
    name, _ = _name_and_description(spec, where, "custom tool")
    fmt = spec.get("format")
    if fmt is not None and not (isinstance(fmt, Mapping) and fmt.get("type")):
        raise ValueError(
            f"{where} ({name}): format must be {{'type': 'text'}} or a grammar "
            f"{{'type': 'grammar', 'syntax': 'lark' | 'regex', 'definition': ...}}, got {fmt!r}"
        )
    return {k: v for k, v in spec.items() if v is not None}


def _dedupe(tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    names: set[str] = set()
    for tool in tools:
        if tool.get("type") in ("function", "custom"):
            if tool["name"] in names:
                warnings.warn(  # a notice that what is sent differs: a warning
                    f"two tools are named {tool['name']!r}; only the first is sent",
                    UserWarning,
                    stacklevel=3,
                )
                continue
            names.add(tool["name"])
        kept.append(tool)
    return kept


def _looks_like_schema(tool: Mapping[str, Any]) -> bool:
    return "properties" in tool or "$schema" in tool or "$defs" in tool


def _describe(tool: Any) -> str:
    if isinstance(tool, Mapping):
        return f"dict with keys {sorted(map(str, tool))}"
    return (
        type(tool).__name__ if not isinstance(tool, type) else f"class {tool.__name__}"
    )


def _unbound(name: Any, names: Sequence[str]) -> str:
    return f"tool_choice names {name!r}, which is not a bound tool (bound: {sorted(names)})"
