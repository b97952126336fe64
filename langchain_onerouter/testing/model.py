"""The emulator's stand-in "model": deterministic, and honest about it.

It never recognises particular prompts. Its whole behaviour:

- no tools, plain text: it answers `You said: <the last user message>`;
- `tools` bound, `tool_choice` not `none`, and the turn ends with a user
  message: it calls one tool (the named one, else the one whose name and
  description share most words with the message, else the first), with
  arguments generated from the tool's JSON schema;
- the turn ends with tool outputs: it reports them;
- `text.format` is `json_schema`: it answers JSON generated from that schema
  (`json_object`: a small object);
- `reasoning` requested: a reasoning item whose summary says what it will do.

Generated strings are the quoted part of the last user message when it has
one ('...' or "..."), else the message itself; numbers are the schema's
default or lower bound, else 1. Tokens are counted by whitespace split.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# A quote opens and closes outside a word, so the apostrophe of "What's" is no quote.
_QUOTED = re.compile(
    r'"([^"]{1,200})"|\u201c([^\u201d]{1,200})\u201d'
    r"|(?<!\w)['\u2018]([^'\u2018\u2019]{1,200})['\u2019](?!\w)"
)
_WORD = re.compile(r"[a-z0-9]{3,}")
_STOPWORDS = frozenset(
    {"the", "and", "for", "with", "what", "get", "set", "use", "this", "that"}
)
PHASES = ("commentary", "final_answer")
"""The `phase` an assistant message may carry."""
MAX_STRING = 200
MAX_DEPTH = 8
MAX_BRACES = 32


@dataclass
class Plan:
    """What the model will output, before ids and events are added."""

    text: str | None = None
    tool_calls: list[tuple[str, str]] = field(default_factory=list)  # (name, args)
    reasoning: str | None = None
    reasoning_text: str | None = None
    """Raw reasoning (a `reasoning_text` content part)."""
    annotations: list[dict[str, Any]] = field(default_factory=list)
    """Annotations of the text (e.g. `url_citation`s)."""
    phase: str | None = None
    """The `phase` of the text's message (`commentary` / `final_answer`)."""
    messages: list[tuple[str, str | None]] = field(default_factory=list)
    """Assistant messages before the text: (text, phase)."""


def count_tokens(text: str) -> int:
    """Whitespace-split token count (the emulator's honest, simple tokenizer)."""
    return len(text.split())


def normalize_input(value: Any) -> list[dict[str, Any]]:
    """`input` as a list of items (a string is one user message)."""
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    items = []
    for item in value or []:
        if isinstance(item, dict):
            if "type" not in item and "role" in item:
                item = {"type": "message", **item}
            items.append(item)
    return items


def item_text(item: Mapping[str, Any]) -> str:
    """All the text an input item carries (what the model 'reads')."""
    kind = item.get("type")
    if kind == "message":
        return content_text(item.get("content"))
    if kind == "function_call":
        return str(item.get("arguments") or "")
    if kind == "custom_tool_call":
        return str(item.get("input") or "")
    if kind in ("function_call_output", "custom_tool_call_output"):
        return content_text(item.get("output"))
    if kind == "reasoning":
        return " ".join(
            str(s.get("text", ""))
            for s in item.get("summary") or []
            if isinstance(s, dict)
        )
    return ""


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    texts = []
    for part in content or []:
        if isinstance(part, dict):
            text = part.get("text", part.get("refusal"))
            if isinstance(text, str):
                texts.append(text)
    return " ".join(texts)


def _media_count(content: Any) -> int:
    if not isinstance(content, list):
        return 0
    return sum(
        1
        for p in content
        if isinstance(p, dict) and p.get("type") in ("input_image", "input_file")
    )


def function_tools(tools: Any) -> list[dict[str, Any]]:
    """Function tools in the flat shape (the nested chat shape is accepted too)."""
    result = []
    for tool in tools or []:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            continue
        spec: dict[str, Any] = (
            tool["function"] if isinstance(tool.get("function"), dict) else tool
        )
        if spec.get("name"):
            result.append(
                {
                    "type": "function",
                    "name": spec["name"],
                    "description": spec.get("description"),
                    "parameters": spec.get("parameters"),
                    "strict": spec.get("strict"),
                }
            )
    return result


def plan_reply(body: Mapping[str, Any]) -> Plan:
    """Decide the output for a (validated) request body."""
    items = normalize_input(body.get("input"))
    last = items[-1] if items else {}
    user = next(
        (
            i
            for i in reversed(items)
            if i.get("type") == "message" and i.get("role") == "user"
        ),
        None,
    )
    user_text = content_text(user.get("content")).strip() if user else ""
    plan = Plan()
    choice = body.get("tool_choice")
    tools = _allowed_tools(function_tools(body.get("tools")), choice)
    ends_with_user = last.get("type") == "message" and last.get("role") == "user"
    fmt = _text_format(body)
    if tools and (ends_with_user or _forced(choice)):
        called = set() if ends_with_user else _called_this_turn(items)
        tool = _choose_tool(tools, choice, user_text, called)
        args = value_from_schema(tool.get("parameters") or {}, user_text)
        if not isinstance(args, dict):
            args = {}
        plan.tool_calls.append((tool["name"], json.dumps(args, ensure_ascii=False)))
        action = f"call the tool {tool['name']}"
    elif fmt.get("type") == "json_schema":
        value = value_from_schema(fmt.get("schema") or {}, user_text)
        plan.text = json.dumps(value, ensure_ascii=False)
        action = f"fill the JSON schema {fmt.get('name', '')}".rstrip()
    elif fmt.get("type") == "json_object":
        prompt = [str(body.get("instructions") or "")]
        prompt += [item_text(i) for i in items if i.get("type") == "message"]
        plan.text = json.dumps(json_object_for(prompt, user_text), ensure_ascii=False)
        action = "answer with a JSON object"
    elif trailing := _trailing_outputs(items):
        plan.text = "Tool results: " + "; ".join(
            f"{name} returned {output}" for name, output in trailing
        )
        action = "report the tool results"
    else:
        plan.text = f"You said: {user_text}" if user_text else "You said nothing."
        media = _media_count(user.get("content")) if user else 0
        if media:
            plan.text += f" (with {media} attachment{'s' if media > 1 else ''})"
        action = "echo it back"
    if _reasoning_requested(body.get("reasoning")):
        plan.reasoning = (
            f"The last user message has {count_tokens(user_text)} words; "
            f"I will {action}."
        )
    return plan


def _text_format(body: Mapping[str, Any]) -> dict[str, Any]:
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, dict) else None
    return fmt if isinstance(fmt, dict) else {}


def _forced(choice: Any) -> bool:
    """`tool_choice` demands a call (`required`, a named function, or
    `allowed_tools` in mode `required`)."""
    if choice == "required":
        return True
    if isinstance(choice, dict):
        if choice.get("type") == "allowed_tools":
            return choice.get("mode") == "required"
        return choice.get("type") == "function"
    return False


def _called_this_turn(items: list[dict[str, Any]]) -> set[str]:
    """Names of the tools called since the last user message."""
    called: set[str] = set()
    for item in reversed(items):
        if item.get("type") == "message" and item.get("role") == "user":
            break
        if item.get("type") in ("function_call", "custom_tool_call"):
            called.add(str(item.get("name")))
    return called


def _reasoning_requested(reasoning: Any) -> bool:
    return isinstance(reasoning, dict) and reasoning.get("effort") != "none"


def _allowed_tools(tools: list[dict[str, Any]], choice: Any) -> list[dict[str, Any]]:
    if choice == "none":
        return []
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        if choice.get("mode") == "none":
            return []
        names = {
            t.get("name") for t in choice.get("tools") or [] if isinstance(t, dict)
        }
        return [t for t in tools if t["name"] in names]
    return tools


def _choose_tool(
    tools: list[dict[str, Any]], choice: Any, user_text: str, called: set[str]
) -> dict[str, Any]:
    """The named tool, else (preferring tools not yet called this turn) the
    one sharing most words with the message, else the first."""
    if isinstance(choice, dict) and choice.get("type") == "function":
        for tool in tools:
            if tool["name"] == choice.get("name"):
                return tool
    tools = [t for t in tools if t["name"] not in called] or tools
    words = set(_WORD.findall(user_text.lower())) - _STOPWORDS

    def overlap(tool: dict[str, Any]) -> int:
        about = f"{tool['name'].replace('_', ' ')} {tool.get('description') or ''}"
        return len(words & set(_WORD.findall(about.lower())))

    best = max(overlap(t) for t in tools)
    return next(t for t in tools if overlap(t) == best)


def _trailing_outputs(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    names = {
        i.get("call_id"): str(i.get("name"))
        for i in items
        if i.get("type") in ("function_call", "custom_tool_call")
    }
    outputs: list[tuple[str, str]] = []
    for item in reversed(items):
        if item.get("type") not in ("function_call_output", "custom_tool_call_output"):
            break
        outputs.append((names.get(item.get("call_id"), "tool"), item_text(item)))
    return list(reversed(outputs))


def string_seed(user_text: str) -> str:
    match = _QUOTED.search(user_text)
    quoted = next((g for g in match.groups() if g), None) if match else None
    return (quoted or user_text)[:MAX_STRING]


def value_from_schema(
    schema: Any, user_text: str, *, root: Any = None, depth: int = 0
) -> Any:
    """A value valid against `schema`, generated without reading any prompt.

    >>> value_from_schema({"type": "object", "properties": {
    ...     "n": {"type": "integer", "minimum": 5},
    ...     "tags": {"type": "array", "items": {"enum": ["a", "b"]}}},
    ...     "required": ["n"]}, "hi")
    {'n': 5, 'tags': ['a']}
    """
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "$ref" in schema:
        return value_from_schema(
            _resolve(root, schema["$ref"]), user_text, root=root, depth=depth + 1
        )
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            branches = [
                b
                for b in schema[key]
                if not (isinstance(b, dict) and b.get("type") == "null")
            ]
            return value_from_schema(
                (branches or schema[key])[0], user_text, root=root, depth=depth + 1
            )
    if schema.get("allOf"):
        merged = _merge_all_of(root, schema["allOf"])
        return value_from_schema(merged, user_text, root=root, depth=depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        return {
            name: value_from_schema(sub, user_text, root=root, depth=depth + 1)
            for name, sub in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        count = max(1, int(schema.get("minItems") or 1))
        if schema.get("maxItems") is not None:
            count = min(count, int(schema["maxItems"]))
        item = value_from_schema(
            schema.get("items") or {}, user_text, root=root, depth=depth + 1
        )
        return [item] * count
    if kind in ("integer", "number"):
        return _number(schema, integer=kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, user_text)


def _merge_all_of(root: Any, parts: list[Any]) -> dict[str, Any]:
    """One schema from `allOf` parts: their keywords, and properties united."""
    merged: dict[str, Any] = {}
    for part in parts:
        if isinstance(part, dict) and "$ref" in part:
            part = _resolve(root, part["$ref"])
        if isinstance(part, dict):
            merged.update(
                {k: v for k, v in part.items() if k not in ("properties", "required")}
            )
            merged.setdefault("properties", {}).update(part.get("properties") or {})
    return merged


def _resolve(root: Any, ref: str) -> Any:
    node = root
    if not ref.startswith("#"):
        return {}
    for part in ref.lstrip("#/").split("/"):
        if not part:
            continue
        node = (
            node.get(part.replace("~1", "/").replace("~0", "~"), {})
            if isinstance(node, dict)
            else {}
        )
    return node


def _number(schema: dict[str, Any], *, integer: bool) -> int | float:
    low = schema.get("minimum")
    if low is None and schema.get("exclusiveMinimum") is not None:
        low = schema["exclusiveMinimum"] + 1
    high = schema.get("maximum")
    if high is None and schema.get("exclusiveMaximum") is not None:
        high = schema["exclusiveMaximum"] - 1
    value = low if low is not None else 1
    if high is not None and value > high:
        value = high
    return int(value) if integer else value


def _string(schema: dict[str, Any], user_text: str) -> str:
    fmt = schema.get("format")
    fixed = {
        "date": "2025-01-01",
        "date-time": "2025-01-01T00:00:00Z",
        "time": "00:00:00Z",
        "email": "user@example.com",
        "uri": "https://example.com/",
        "url": "https://example.com/",
        "uuid": "00000000-0000-4000-8000-000000000000",
    }
    if fmt in fixed:
        return fixed[fmt]
    value = string_seed(user_text) or "text"
    max_len = schema.get("maxLength")
    if max_len is not None:
        value = value[: int(max_len)]
    min_len = int(schema.get("minLength") or 0)
    if len(value) < min_len:
        value = value + "x" * (min_len - len(value))
    return value


_NAMED_KEYS = re.compile(r"\b(?:keys?|fields?|properties)\b", re.IGNORECASE)
_KEY_TOKEN = re.compile(r"[`\"']([A-Za-z_][A-Za-z0-9_]{0,63})[`\"']")


def json_object_for(prompt: list[str], user_text: str) -> dict[str, Any]:
    """A JSON object shaped as the prompt describes it, read from the prompt's
    texts (instructions first): a JSON Schema it embeds, else the keys and
    value types of a JSON example, else the quoted names after "keys",
    "fields" or "properties"; with none of these, `{"you_said": ...}`.

    >>> json_object_for(['Reply as JSON like {"city": "X", "temp": 3}'], "Paris")
    {'city': 'Paris', 'temp': 3}
    >>> json_object_for(["Return JSON with keys `name` and `age`."], "Bo")
    {'name': 'Bo', 'age': 'Bo'}
    """
    for text in prompt:
        example = _embedded_object(text)
        if example is None:
            continue
        if example.get("type") == "object" or "properties" in example:
            value = value_from_schema(example, user_text)
            if isinstance(value, dict):
                return value
        return _like(example, user_text)
    for text in prompt:
        match = _NAMED_KEYS.search(text)
        names = _KEY_TOKEN.findall(text[match.end() :]) if match else []
        if names:
            return dict.fromkeys(names, string_seed(user_text) or "text")
    return {"you_said": user_text}


def _embedded_object(text: str) -> dict[str, Any] | None:
    """The first `{...}` in `text` that parses as a JSON object (of the
    first `MAX_BRACES` braces, so a long prompt stays cheap)."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _attempt in range(MAX_BRACES):
        if start == -1:
            break
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            value = None
        if isinstance(value, dict) and value:
            return value
        start = text.find("{", start + 1)
    return None


def _like(example: Any, user_text: str, depth: int = 0) -> Any:
    """A value of the example's shape: its keys and types, strings seeded."""
    if depth > MAX_DEPTH:
        return None
    if isinstance(example, dict):
        return {k: _like(v, user_text, depth + 1) for k, v in example.items()}
    if isinstance(example, list):
        return [_like(example[0], user_text, depth + 1)] if example else []
    if isinstance(example, str):
        return string_seed(user_text) or "text"
    return example
