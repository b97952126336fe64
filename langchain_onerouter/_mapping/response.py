"""A Responses object → an `AIMessage`. Pure, no I/O.

Content is kept in the Responses shape LangChain's OpenAI integration uses
(`output_version="responses/v1"`), so it replays losslessly and its standard
blocks come from langchain-core's translator (see `blocks.py`):

- `message` items → `{"type": "text", "text", "annotations", "id": "msg_..."}`
  (and `{"type": "refusal", ...}`),
- `reasoning` items → `{"type": "reasoning", "id", "summary", "encrypted_content"}`,
- `function_call` items → `{"type": "function_call", ...}` plus `tool_calls`,
- client-executed calls (`custom_tool_call`, `local_shell_call`, `shell_call`,
  `apply_patch_call`, `computer_call`) → kept as-is, plus `tool_calls` (see
  `items.client_tool_call`), so a LangChain tool can answer them,
- any other item, known or not → kept as-is (it is replayed verbatim).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from langchain_core.messages import AIMessage, InvalidToolCall, ToolCall
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)

from langchain_onerouter._mapping.items import client_tool_call
from langchain_onerouter._mapping.jsonutil import JSONDecodeError, loads
from langchain_onerouter._mapping.routing import is_fallback
from langchain_onerouter._mapping.serverjson import count, finite

MODEL_PROVIDER = "onerouter"
METADATA_KEYS = ("id", "status", "incomplete_details", "service_tier", "created_at")


def _list(value: Any) -> list[Any]:
    """`value` if the wire gave a list, else [] (bodies come from many providers)."""
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def item_to_blocks(item: dict[str, Any]) -> list[dict[str, Any]]:
    """Content blocks for one output item (shared with the stream parser)."""
    kind = item.get("type")
    if kind == "message":
        blocks = []
        for part in _list(item.get("content")):
            if not isinstance(part, dict):
                continue
            block: dict[str, Any]
            if part.get("type") == "refusal":
                block = {"type": "refusal", "refusal": _text(part.get("refusal"))}
            elif part.get("type") in ("output_text", "text"):
                block = {
                    "type": "text",
                    "text": _text(part.get("text")),
                    "annotations": list(_list(part.get("annotations"))),
                }
            else:
                continue
            if item.get("id"):
                block["id"] = item["id"]
            if item.get("phase"):
                block["phase"] = item["phase"]
            blocks.append(block)
        return blocks
    if kind == "reasoning":
        block = {"type": "reasoning", "summary": list(_list(item.get("summary")))}
        for key in ("id", "encrypted_content", "content", "status"):
            if item.get(key) is not None:
                block[key] = item[key]
        return [block]
    if kind is None:
        return []
    return [dict(item)]


def _parse_tool_call(item: dict[str, Any]) -> ToolCall | InvalidToolCall:
    """A `function_call` item → `ToolCall`, or `InvalidToolCall` on bad JSON."""
    raw = item.get("arguments") or ""
    name = item.get("name") or ""
    call_id = item.get("call_id") or item.get("id")
    try:
        args = loads(raw) if raw.strip() else {}
    except (JSONDecodeError, AttributeError) as exc:
        error = f"arguments are not valid JSON: {exc}"
    else:
        if isinstance(args, dict):
            return ToolCall(name=name, args=args, id=call_id, type="tool_call")
        error = f"arguments must be a JSON object, got {type(args).__name__}"
    return InvalidToolCall(
        name=name, args=raw, id=call_id, error=error, type="invalid_tool_call"
    )


def usage_to_metadata(usage: dict[str, Any] | None) -> UsageMetadata | None:
    """Responses `usage` → LangChain `UsageMetadata` (malformed counts → 0).

    `cached_tokens` and `cache_write_tokens` become `cache_read` and
    `cache_creation` (ChatOpenAI's names).
    """
    if not usage or not isinstance(usage, dict):
        return None
    input_tokens = _count(usage.get("input_tokens"))
    output_tokens = _count(usage.get("output_tokens"))
    metadata = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=_count(usage.get("total_tokens")) or input_tokens + output_tokens,
    )
    inputs = _details(usage, "input_tokens_details")
    cache = {
        ours: _count(inputs[theirs])
        for theirs, ours in _CACHE_DETAILS
        if inputs.get(theirs) is not None
    }
    if cache:
        metadata["input_token_details"] = InputTokenDetails(**cache)  # type: ignore[typeddict-item]
    reasoning = _details(usage, "output_tokens_details").get("reasoning_tokens")
    if reasoning is not None:
        metadata["output_token_details"] = OutputTokenDetails(
            reasoning=_count(reasoning)
        )
    return metadata


_CACHE_DETAILS = (
    ("cached_tokens", "cache_read"),
    ("cache_write_tokens", "cache_creation"),
)
# (input, output) cost names: Infron's billing page, and OpenRouter's upstream split.
_SPLITS = (
    ("prompt_cost", "completion_cost"),
    ("upstream_inference_prompt_cost", "upstream_inference_completions_cost"),
)


def add_langsmith_costs(message: AIMessage) -> None:
    """Put the message's OneRouter cost in its `usage_metadata`, where LangSmith
    reads costs an integration supplies (instead of its price-table guess).

    Only for a traced, non-streamed result: langchain-core's `add_usage` sums
    ints only, so float costs would break chunk merging and summing usage
    across calls (langchain-ai/langchain#36015).
    """
    costs = langsmith_costs(message.response_metadata)
    if costs and message.usage_metadata is not None:
        usage: dict[str, Any] = {**message.usage_metadata, **costs}
        message.usage_metadata = cast("UsageMetadata", usage)


def langsmith_costs(routing: Mapping[str, Any]) -> dict[str, float]:
    """OneRouter's `cost` as LangSmith's `total_cost` (USD: 1 credit = 1 USD),
    plus `input_cost`/`output_cost` when `cost_details` splits it exactly.

    >>> langsmith_costs({"cost": 0.003, "cost_details": {
    ...     "upstream_inference_prompt_cost": 0.002,
    ...     "upstream_inference_completions_cost": 0.001}})
    {'total_cost': 0.003, 'input_cost': 0.002, 'output_cost': 0.001}
    """
    total = finite(routing.get("cost"))
    if total is None:
        return {}
    costs = {"total_cost": float(total)}
    details = routing.get("cost_details")
    if not isinstance(details, dict):
        return costs
    for names in _SPLITS:
        prompt, completion = (finite(details.get(name)) for name in names)
        if prompt is None or completion is None:
            continue
        if abs(prompt + completion - total) <= 1e-9 * max(1.0, abs(total)):
            costs.update(input_cost=float(prompt), output_cost=float(completion))
        break
    return costs


def _count(value: Any) -> int:
    """A token count from untrusted JSON; 0 when it is not one."""
    return count(value) or 0


def _details(usage: dict[str, Any], key: str) -> dict[str, Any]:
    value = usage.get(key)
    return value if isinstance(value, dict) else {}


def response_metadata(
    body: dict[str, Any], requested: RequestedRoute | None = None
) -> dict[str, Any]:
    """`response_metadata` of the message: ids, model, status, timing, routing.

    `model_name` is the model that answered (the body's `model`). With the
    `requested` route it adds `requested_model` and `fallback_used`;
    `upstream_provider`, `cost` and `cost_details` appear when the body has them.
    """
    metadata: dict[str, Any] = {
        key: body[key] for key in METADATA_KEYS if body.get(key) is not None
    }
    metadata["model_name"] = body.get("model")
    metadata["model_provider"] = MODEL_PROVIDER
    metadata.update(routing_metadata(body, requested))
    return metadata


@dataclass(frozen=True)
class RequestedRoute:
    """What a request asked for: its model and fallback models."""

    model: str
    fallback_models: tuple[str, ...] = ()

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> RequestedRoute | None:
        """The route a request body asked for (None without a string model)."""
        model = body.get("model")
        if not isinstance(model, str):
            return None
        fallbacks = body.get("fallback_models")
        return cls(
            model,
            tuple(m for m in fallbacks if isinstance(m, str))
            if isinstance(fallbacks, list)
            else (),
        )


def routing_metadata(
    body: dict[str, Any], requested: RequestedRoute | None = None
) -> dict[str, Any]:
    """Which model and provider answered, whether it was a fallback, the cost.

    `cost`/`cost_details` are read from `usage` (where the Responses body
    carries them), else from the top level; a cost that is not a number is
    kept as received.

    >>> routing_metadata({"model": "gpt-5-chat", "provider": "OpenAI",
    ...                   "usage": {"cost": 0.0021}}, RequestedRoute("o4-mini"))
    {'requested_model': 'o4-mini', 'fallback_used': True, 'upstream_provider': 'OpenAI', 'cost': 0.0021}
    """
    metadata: dict[str, Any] = {}
    served = body.get("model")
    if requested is not None:
        metadata["requested_model"] = requested.model
        if isinstance(served, str) and served:
            metadata["fallback_used"] = is_fallback(
                requested.model, served, requested.fallback_models
            )
    provider = body.get("provider")
    if provider not in (None, "", {}, []):
        metadata["upstream_provider"] = provider  # any other shape: kept as is
    usage = _details(body, "usage")
    for key in ("cost", "cost_details"):
        value = usage.get(key, body.get(key))
        if value is None:
            continue
        metadata[key] = _cost(value) if key == "cost" else value
    return metadata


def _cost(value: Any) -> Any:
    """A cost as a float when it is a finite number (or numeric string)."""
    number = finite(value, strings=True)
    return value if number is None else number


def _split_output(
    output: Iterable[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[ToolCall], list[InvalidToolCall]]:
    """Output items → (content blocks, tool calls, invalid tool calls)."""
    content: list[dict[str, Any]] = []
    tool_calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for item in output:
        if not isinstance(item, dict):
            continue
        content.extend(item_to_blocks(item))
        if item.get("type") == "function_call":
            call = _parse_tool_call(item)
            if call["type"] == "tool_call":
                tool_calls.append(call)  # type: ignore[arg-type]
            else:
                invalid.append(call)  # type: ignore[arg-type]
        elif (client_call := client_tool_call(item)) is not None:
            tool_calls.append(client_call)
    return content, tool_calls, invalid


def response_to_message(
    body: dict[str, Any], requested: RequestedRoute | None = None
) -> AIMessage:
    """Map a Responses object (the JSON body) to an `AIMessage`.

    >>> msg = response_to_message({
    ...     "id": "resp_1", "model": "o4-mini", "status": "completed",
    ...     "output": [{"type": "message", "id": "msg_1", "role": "assistant",
    ...                 "content": [{"type": "output_text", "text": "Hi"}]}],
    ... })
    >>> msg.text, msg.response_metadata["model_provider"]
    ('Hi', 'onerouter')
    """
    output = body.get("output")
    content, tool_calls, invalid = _split_output(
        output if isinstance(output, list) else []
    )
    additional_kwargs: dict[str, Any] = {}
    refusals = [b["refusal"] for b in content if b.get("type") == "refusal"]
    if refusals:
        additional_kwargs["refusal"] = "".join(refusals)
    return AIMessage(
        content=content,  # type: ignore[arg-type]
        id=body.get("id"),
        tool_calls=tool_calls,
        invalid_tool_calls=invalid,
        usage_metadata=usage_to_metadata(body.get("usage")),
        response_metadata=response_metadata(body, requested),
        additional_kwargs=additional_kwargs,
    )
