"""`with_structured_output` for `ChatOneRouterResponses`.

Three methods:

- `json_schema` (default): `text.format = {"type": "json_schema", "name",
  "schema", "strict"}`; the reply text is JSON matching the schema.
- `json_mode`: `text.format = {"type": "json_object"}`; the prompt must ask for
  JSON (and describe the shape).
- `function_calling`: the schema becomes a tool the model is forced to call.

Parsers stream partial objects and raise `OutputParserException` on a refusal
or on output that does not parse (returned under `include_raw=True`). They
parse the answer, not the model's running commentary: message items with
`phase: "commentary"` before the `final_answer` one are left out
(`answer_text`).
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator, Mapping
from operator import itemgetter
from typing import Any, Literal

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGeneration, Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_openai_tool
from langchain_core.utils.json import parse_json_markdown
from langchain_core.utils.pydantic import is_basemodel_subclass

Method = Literal["json_schema", "function_calling", "json_mode"]
METHODS = ("json_schema", "function_calling", "json_mode")
_FORMAT_NAME = re.compile(r"[^A-Za-z0-9_-]")


def with_structured_output(
    model: BaseChatModel,
    schema: Any = None,
    *,
    method: Method = "json_schema",
    strict: bool | None = None,
    include_raw: bool = False,
    **kwargs: Any,
) -> Runnable[LanguageModelInput, Any]:
    """Wrap `model` so it returns objects matching `schema`.

    Args:
        model: The chat model (its `bind`/`bind_tools` are used).
        schema: A pydantic model (v2 or v1), a TypedDict, or a JSON schema /
            OpenAI function dict. Optional only for `json_mode`.
        method: `"json_schema"`, `"function_calling"` or `"json_mode"`.
        strict: Strict schema adherence (not used by `json_mode`).
        include_raw: Return `{"raw", "parsed", "parsing_error"}` instead of
            raising on a parsing error.
        kwargs: Extra payload fields bound to the model.

    Example:
        ```python
        from pydantic import BaseModel

        class Person(BaseModel):
            name: str
            age: int

        llm.with_structured_output(Person).invoke("Ada, 36")  # Person(...)
        ```
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    if schema is None and method != "json_mode":
        raise ValueError(f"method={method!r} needs a schema")
    if method == "json_mode" and strict is not None:
        raise ValueError("strict is not supported with method='json_mode'")
    trace = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
    llm, parser = _bind(
        model, schema, method, strict, {**kwargs, "ls_structured_output_format": trace}
    )
    if not include_raw:
        return llm | parser
    parse = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    failed = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parse.with_fallbacks(
        [failed], exception_key="parsing_error"
    )


def _bind(
    model: BaseChatModel,
    schema: Any,
    method: Method,
    strict: bool | None,
    kwargs: dict[str, Any],
) -> tuple[Runnable[LanguageModelInput, BaseMessage], Runnable[Any, Any]]:
    """The model bound for `method`, and the parser of its replies."""
    pydantic_schema = _is_pydantic(schema)
    if method == "function_calling":  # the schema is a tool the model must call
        name = convert_to_openai_tool(schema)["function"]["name"]
        llm = model.bind_tools(
            [schema],
            tool_choice=name,
            strict=strict,
            parallel_tool_calls=False,
            **kwargs,
        )
        if pydantic_schema:
            return llm, _PydanticToolsParser(tools=[schema], first_tool_only=True)
        return llm, _JsonKeyToolsParser(key_name=name, first_tool_only=True)
    if method == "json_schema":
        text_format = json_schema_format(schema, strict=strict)
    else:
        text_format = {"type": "json_object"}
    llm = model.bind(text={"format": text_format}, **kwargs)
    if pydantic_schema:
        return llm, _PydanticParser(pydantic_object=schema)
    return llm, _JsonParser()


def json_schema_format(schema: Any, *, strict: bool | None = None) -> dict[str, Any]:
    """The `text.format` object for `method="json_schema"`.

    Accepts a pydantic model, a TypedDict, a JSON schema, an OpenAI function
    dict, or a ready `{"name", "schema"}` / `{"type": "json_schema", ...}` dict.

    >>> json_schema_format({"title": "P", "type": "object",
    ...     "properties": {"a": {"type": "string"}}}, strict=True)["name"]
    'P'
    """
    if isinstance(schema, Mapping):
        ready = _ready_format(schema)
        if ready is not None:
            if strict is not None:
                ready["strict"] = strict
            return ready
    function = convert_to_openai_tool(schema, strict=strict)["function"]
    text_format: dict[str, Any] = {
        "type": "json_schema",
        "name": _FORMAT_NAME.sub("_", function["name"])[:64],
        "schema": function.get("parameters") or {"type": "object", "properties": {}},
    }
    if function.get("description"):
        text_format["description"] = function["description"]
    text_format["strict"] = bool(strict)
    return text_format


def _ready_format(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    if schema.get("type") == "json_schema":
        inner = schema.get("json_schema", schema)  # chat-style or flat
        if isinstance(inner, Mapping) and "schema" in inner:
            return {
                "type": "json_schema",
                **{k: v for k, v in inner.items() if k != "type"},
            }
    if "name" in schema and isinstance(schema.get("schema"), Mapping):
        return {"type": "json_schema", **schema}
    return None


def _is_pydantic(schema: Any) -> bool:
    return isinstance(schema, type) and is_basemodel_subclass(schema)


def _refusal(result: list[Generation]) -> str | None:
    """The refusal text of an AI reply, if it refused."""
    if not result or not isinstance(result[0], ChatGeneration):
        return None
    message = result[0].message
    if not isinstance(message, AIMessage):
        return None
    if message.additional_kwargs.get("refusal"):
        return str(message.additional_kwargs["refusal"])
    if isinstance(message.content, list):
        parts = [
            str(b.get("refusal", ""))
            for b in message.content
            if isinstance(b, dict) and b.get("type") == "refusal"
        ]
        if parts:
            return "".join(parts)
    return None


def answer_text(message: BaseMessage, *, partial: bool = False) -> str:
    """The text structured output parses: the reply without its commentary.

    Models that narrate before answering send message items with `phase:
    "commentary"` and then the `final_answer` one; only the latter is JSON.
    A stream carries phases only at its end, so a partial parse reads the
    last text block (the answer comes last).

    >>> from langchain_core.messages import AIMessage
    >>> answer_text(AIMessage(content=[
    ...     {"type": "text", "text": "Looking it up.", "phase": "commentary"},
    ...     {"type": "text", "text": '{"a": 1}', "phase": "final_answer"}]))
    '{"a": 1}'
    """
    content = message.content
    if not isinstance(content, list):
        return message.text
    blocks = [b for b in content if isinstance(b, dict) and b.get("type") == "text"]
    if any(b.get("phase") for b in blocks):
        return "".join(
            str(b.get("text") or "") for b in blocks if b.get("phase") != "commentary"
        )
    if partial and len(blocks) > 1:
        return str(blocks[-1].get("text") or "")
    return message.text


def _answer_only(result: list[Generation], partial: bool) -> list[Generation]:
    """`result` with a chat reply reduced to its answer text (`answer_text`)."""
    if result and isinstance(result[0], ChatGeneration):
        return [Generation(text=answer_text(result[0].message, partial=partial))]
    return result


class _StrictCumulativeMixin:
    """Refusals raise; a stream ends with a full (non-partial) parse.

    LangChain's cumulative parsers only ever parse partially while streaming,
    so a stream whose final text is not valid JSON would end silently; here
    the last accumulated output is parsed once more in full.
    """

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        refusal = _refusal(result)
        if refusal is not None:
            raise OutputParserException(
                f"The model refused to answer: {refusal}", llm_output=refusal
            )
        if isinstance(self, JsonOutputParser):  # tool parsers read tool calls
            result = _answer_only(result, partial)
        if not partial and isinstance(self, JsonOutputParser):
            # JsonOutputParser completes truncated JSON even when not partial
            # ("{oops" parses as {}); the final answer must be real JSON.
            text = result[0].text if result else ""
            try:
                parse_json_markdown(text, parser=json.loads)
            except ValueError as exc:
                raise OutputParserException(
                    f"The model's reply is not valid JSON: {exc}", llm_output=text
                ) from None
        parsed = super().parse_result(result, partial=partial)  # type: ignore[misc]
        if parsed is None and not partial:
            text = result[0].text if result else ""
            raise OutputParserException(
                "The model did not call the structured-output tool", llm_output=text
            )
        return parsed

    def _transform(self, input: Iterator[str | BaseMessage]) -> Iterator[Any]:
        fold = _Fold(self)
        for item in input:
            yield from fold.add(item)
        yield from fold.end()

    async def _atransform(
        self, input: AsyncIterator[str | BaseMessage]
    ) -> AsyncIterator[Any]:
        fold = _Fold(self)
        async for item in input:
            for parsed in fold.add(item):
                yield parsed
        for parsed in fold.end():
            yield parsed


class _Fold:
    """The output streamed so far and the object last parsed from it: the
    state `_transform` and `_atransform` share."""

    def __init__(self, parser: _StrictCumulativeMixin) -> None:
        self._parser = parser
        self._so_far: Any = None
        self._previous: Any = None

    def add(self, item: str | BaseMessage) -> list[Any]:
        """The object parsed (partially) from the output so far, if it is new."""
        self._so_far = item if self._so_far is None else self._so_far + item
        return self._changed(partial=True)

    def end(self) -> list[Any]:
        """The full parse of the whole output, if it differs from the last."""
        return [] if self._so_far is None else self._changed(partial=False)

    def _changed(self, *, partial: bool) -> list[Any]:
        generation = _as_generation(self._so_far)
        parsed = self._parser.parse_result([generation], partial=partial)
        if parsed is None or parsed == self._previous:
            return []
        self._previous = parsed
        return [parsed]


def _as_generation(item: str | BaseMessage) -> Generation:
    if isinstance(item, BaseMessage):
        return ChatGeneration(message=item)
    return Generation(text=item)


class _JsonParser(_StrictCumulativeMixin, JsonOutputParser):
    pass


class _PydanticParser(_StrictCumulativeMixin, PydanticOutputParser):
    pass


class _JsonKeyToolsParser(_StrictCumulativeMixin, JsonOutputKeyToolsParser):
    pass


class _PydanticToolsParser(_StrictCumulativeMixin, PydanticToolsParser):
    pass


# -- `response_format=` (ChatOpenAI's keyword; LangChain agents bind it) --------
def response_format_text(
    response_format: Any, text: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The payload's `text` with `format` set from a `response_format` keyword.

    Accepts what `create_agent(..., response_format=...)` and ChatOpenAI users
    pass: a pydantic class, a TypedDict, a JSON schema, OpenAI's
    `{"type": "json_schema", "json_schema": {...}}`, or `{"type": "json_object"}`.
    Other `text` settings (e.g. `verbosity`) are kept.

    >>> response_format_text({"type": "json_schema", "json_schema": {
    ...     "name": "P", "schema": {"type": "object"}, "strict": True}})
    {'format': {'type': 'json_schema', 'name': 'P', 'schema': {'type': 'object'}, 'strict': True}}
    """
    if isinstance(response_format, Mapping) and response_format.get("type") in (
        "json_object",
        "text",
    ):
        text_format: dict[str, Any] = {"type": response_format["type"]}
    elif (
        isinstance(response_format, Mapping)
        and "title" not in response_format
        and _ready_format(response_format) is None
        and response_format.get("type") == "object"
    ):  # a bare JSON schema: no name of its own
        text_format = json_schema_format(
            {"title": "response_format", **response_format}
        )
    else:
        try:
            text_format = json_schema_format(response_format)
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(
                "response_format must be a pydantic class, a TypedDict, a JSON "
                'schema, {"type": "json_schema", "json_schema": {...}} or '
                f'{{"type": "json_object"}}; got {response_format!r} ({exc})'
            ) from None
    return {**(text or {}), "format": text_format}


def parse_response_format(response_format: Any, message: BaseMessage) -> Any:
    """The reply parsed as `response_format` asks, or None (no JSON, a refusal).

    A pydantic class gives an instance, anything else the JSON value; this
    is what ChatOpenAI puts in `additional_kwargs["parsed"]`.
    """
    if isinstance(response_format, Mapping) and response_format.get("type") == "text":
        return None
    if _refusal([ChatGeneration(message=message)]) is not None:
        return None
    text = answer_text(message) if isinstance(message, AIMessage) else ""
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not _is_pydantic(response_format):
        return data
    try:
        if hasattr(response_format, "model_validate"):
            return response_format.model_validate(data)
        return response_format.parse_obj(data)
    except (ValueError, TypeError):  # pydantic's ValidationError is a ValueError
        return None


class ParsedOnLastChunk:
    """Streams: puts the parsed object on the final chunk, as ChatOpenAI does.

    Example:
        ```python
        collect = ParsedOnLastChunk(Person)
        for chunk in chunks:
            collect(chunk)  # the last one gets additional_kwargs["parsed"]
        ```
    """

    def __init__(self, response_format: Any) -> None:
        self.response_format = response_format
        self.blocks: dict[Any, dict[str, Any]] = {}  # text block index → text, phase

    def __call__(self, chunk: AIMessageChunk) -> AIMessageChunk:
        if self.response_format is None:
            return chunk
        self._collect(chunk)
        if chunk.chunk_position == "last":
            whole = AIMessage(content=list(self.blocks.values()))
            parsed = parse_response_format(self.response_format, whole)
            if parsed is not None:
                chunk.additional_kwargs["parsed"] = parsed
        return chunk

    def _collect(self, chunk: AIMessageChunk) -> None:
        """Add the chunk's text to its block (phases arrive at the end)."""
        content = chunk.content
        if isinstance(content, str):
            content = [{"type": "text", "text": content}] if content else []
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                key = block.get("index", len(self.blocks))
                kept = self.blocks.setdefault(key, {"type": "text", "text": ""})
                kept["text"] += str(block.get("text") or "")
                if block.get("phase"):
                    kept["phase"] = block["phase"]
