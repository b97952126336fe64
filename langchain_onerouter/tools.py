"""Tools for `bind_tools` beyond LangChain's own: custom (freeform) tools, and
the metadata key that binds a LangChain tool as a built-in tool.

How tools are sent (the payload mapping) lives in `_mapping/tools.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.tools import BaseTool, Tool
from langchain_core.tools import tool as make_tool

from langchain_onerouter._mapping.tools import BUILTIN_KEY

__all__ = ["BUILTIN_KEY", "custom_tool"]


def custom_tool(func: Any = None, *, format: Mapping[str, Any] | None = None) -> Any:
    """Make a function a custom (freeform) tool: the model writes its input as text.

    The function takes one string and returns the tool's output. The tool
    binds as `{"type": "custom", ...}` (with the grammar `format`, if given);
    the model's `custom_tool_call` arrives in `AIMessage.tool_calls` as
    `{"name": ..., "args": {"__arg1": <input>}}`, and the `ToolMessage` of the
    result goes back as the `custom_tool_call_output`. Same name and shape as
    `langchain_openai.custom_tool`, whose tools work here too.

    Example:
        ```python
        from langchain_onerouter.tools import custom_tool


        @custom_tool
        def run_sql(query: str) -> str:
            \"\"\"Run one SQL SELECT statement.\"\"\"
            return "3 rows"


        llm.bind_tools([run_sql])
        ```
    """

    def decorate(function: Any) -> BaseTool:
        made = make_tool(infer_schema=False)(function)
        if not isinstance(made, Tool):  # pragma: no cover - core's contract
            raise TypeError(f"custom_tool expects a function, got {function!r}")
        made.metadata = {"type": "custom_tool"}
        if format is not None:
            made.metadata["format"] = dict(format)
        made.description = (function.__doc__ or "").strip()
        return made

    return decorate(func) if func is not None else decorate
