"""The wire format: request validation, response objects, stream events.

Pure functions (no I/O) so the server in `app.py` stays a thin shell.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from langchain_onerouter._settings.fields import REQUEST_FIELDS

# Stream events live in `events.py`; re-exported for existing importers.
from langchain_onerouter.testing.events import DONE as DONE
from langchain_onerouter.testing.events import Deltas as Deltas
from langchain_onerouter.testing.events import item_events as item_events
from langchain_onerouter.testing.events import numbered as numbered
from langchain_onerouter.testing.events import response_events as response_events
from langchain_onerouter.testing.events import sse_frame as sse_frame
from langchain_onerouter.testing.model import (
    PHASES,
    Plan,
    count_tokens,
    function_tools,
    item_text,
    normalize_input,
)

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "insufficient_credits",
    403: "moderation_error",
    404: "not_found_error",
    408: "timeout_error",
    429: "rate_limit_error",
    502: "upstream_error",
    503: "service_unavailable",
}


class RequestError(Exception):
    """A request the real API would reject (HTTP 400 unless `status` says else)."""

    def __init__(
        self, message: str, param: str | None = None, *, status: int = 400
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.status = status


STRICT_RULES = ("fields", "stateless", "model", "assistant_ids", "modalities")
"""What strict mode rejects, each relaxable by name (`lenient={...}`):

- `fields`: unknown top-level request fields (400 naming the parameter);
- `stateless`: `previous_response_id`, `conversation` and `item_reference`
  input items (OneRouter keeps no state; 400);
- `model`: model ids not in the catalog (404; other-category models 400);
- `assistant_ids`: assistant messages in the input without `id`/`status` (400);
- `modalities`: images or files for a model whose catalog entry lacks them (400).
"""
_RELAX_HINT = (
    " To accept it anyway, make the emulator lenient: "
    "OneRouterEmulator(lenient={{{rule!r}}}) or lenient=True; "
    "on the command line, onerouter emulate --lenient."
)


def relax_hint(rule: str) -> str:
    """The sentence an error ends with: how to relax `rule`."""
    return _RELAX_HINT.format(rule=rule)


def check_strict(
    body: Mapping[str, Any],
    model_ids: Collection[str] | None,
    relaxed: Collection[str] = (),
) -> None:
    """Raise `RequestError` for what OneRouter rejects and a lenient emulator
    lets through (see `STRICT_RULES`; `model_ids` None: any model)."""
    if "fields" not in relaxed:
        for key in body:
            if key not in REQUEST_FIELDS:
                raise RequestError(
                    f"Unrecognized request argument: '{key}'." + relax_hint("fields"),
                    key,
                )
    if "stateless" not in relaxed:
        _check_stateless(body)
    if "model" not in relaxed and model_ids is not None:
        check_model(body.get("model"), model_ids)
    if "assistant_ids" not in relaxed:
        _check_assistant_ids(body)


def check_model(model: Any, model_ids: Collection[str]) -> None:
    """404 for a model id outside `model_ids`, naming the nearest ones."""
    if model in model_ids:
        return
    near = difflib.get_close_matches(str(model), sorted(model_ids), n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(map(repr, near))}?" if near else ""
    raise RequestError(
        f"The model {model!r} does not exist or is not in the catalog.{hint}"
        + relax_hint("model"),
        "model",
        status=404,
    )


def _check_stateless(body: Mapping[str, Any]) -> None:
    for key in ("previous_response_id", "conversation"):
        if body.get(key) is not None:
            raise RequestError(
                f"'{key}' is not supported: OneRouter is stateless; "
                "send the whole conversation in 'input'." + relax_hint("stateless"),
                key,
            )
    for index, item in enumerate(normalize_input(body.get("input"))):
        if item.get("type") == "item_reference":
            raise RequestError(
                f"'input[{index}]' is an item_reference: OneRouter is stateless and "
                "stores no items; send the item itself." + relax_hint("stateless"),
                f"input[{index}]",
            )


def _check_assistant_ids(body: Mapping[str, Any]) -> None:
    for index, item in enumerate(normalize_input(body.get("input"))):
        if item.get("type") != "message" or item.get("role") != "assistant":
            continue
        for key in ("id", "status"):
            if not item.get(key):
                raise RequestError(
                    f"Missing required parameter: 'input[{index}].{key}'. OneRouter "
                    "requires 'id' and 'status' on assistant messages in the input."
                    + relax_hint("assistant_ids"),
                    f"input[{index}].{key}",
                )


def wants_encrypted_reasoning(body: Mapping[str, Any]) -> bool:
    """`include` asks for `reasoning.encrypted_content`."""
    include = body.get("include")
    return isinstance(include, list) and "reasoning.encrypted_content" in include


MEDIA_PARTS = {"input_image": "image", "input_file": "file"}


def check_modalities(
    body: Mapping[str, Any], models: Iterable[Mapping[str, Any]]
) -> None:
    """400 for an image or file sent to a catalog model whose
    `input_modalities` lack it (unknown models are not checked)."""
    entry = next((m for m in models if m.get("id") == body.get("model")), None)
    if entry is None or not isinstance(entry.get("input_modalities"), list):
        return
    accepted = entry["input_modalities"]
    for index, item in enumerate(normalize_input(body.get("input"))):
        content = item.get("content") if item.get("type") == "message" else None
        for c_index, part in enumerate(content if isinstance(content, list) else []):
            kind = (
                MEDIA_PARTS.get(str(part.get("type")))
                if isinstance(part, dict)
                else None
            )
            if kind is not None and kind not in accepted:
                raise RequestError(
                    f"The model {entry['id']!r} does not support {kind} input "
                    f"(its input_modalities: {', '.join(accepted)})."
                    + relax_hint("modalities"),
                    f"input[{index}].content[{c_index}]",
                )


def error_body(
    status: int, message: str, *, code: Any = None, param: str | None = None
) -> dict[str, Any]:
    """OneRouter's documented error body: `{"error": {code, message, type, param}}`."""
    return {
        "error": {
            "code": status if code is None else code,
            "message": message,
            "type": ERROR_TYPES.get(
                status, "server_error" if status >= 500 else "error"
            ),
            "param": param,
        }
    }


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(24)}"


# -- signing reasoning ------------------------------------------------------
def sign_reasoning(
    secret: bytes, item_id: str, summary: str, provider: str | None = None
) -> str:
    """Opaque `encrypted_content`: the payload plus an HMAC only we can make.

    With `provider`, the payload names the upstream provider that issued it
    (only that provider can read it back, see `testing/routing.py`).
    """
    fields: dict[str, Any] = {"id": item_id, "summary": summary}
    if provider is not None:
        fields["provider"] = provider
    payload = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()
    mac = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def reasoning_provider(token: Any) -> str | None:
    """The provider a (verified) `encrypted_content` names, if any."""
    if not isinstance(token, str) or "." not in token:
        return None
    try:
        fields = json.loads(base64.urlsafe_b64decode(token.rpartition(".")[0]))
    except ValueError:
        return None
    provider = fields.get("provider") if isinstance(fields, dict) else None
    return provider if isinstance(provider, str) else None


def verify_reasoning(secret: bytes, token: Any) -> bool:
    if not isinstance(token, str) or "." not in token:
        return False
    payload, _, mac = token.rpartition(".")
    expected = hmac.new(secret, payload.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(mac, expected)


# -- validation ---------------------------------------------------------------
def validate_request(body: Any, secret: bytes) -> None:
    """Raise `RequestError` for what OneRouter documents as a bad request."""
    if not isinstance(body, dict):
        raise RequestError("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise RequestError("Missing required parameter: 'model'.", "model")
    raw_input = body.get("input")
    if raw_input is None or raw_input == "" or raw_input == []:
        raise RequestError("Missing required parameter: 'input'.", "input")
    if not isinstance(raw_input, (str, list)):
        raise RequestError("'input' must be a string or an array of items.", "input")
    call_ids: set[str] = set()
    for index, item in enumerate(normalize_input(raw_input)):
        where = f"input[{index}]"
        kind = item.get("type")
        if kind in ("function_call", "custom_tool_call"):
            if not item.get("call_id") or not item.get("name"):
                raise RequestError(
                    f"'{where}' {kind} needs 'call_id' and 'name'.", where
                )
            call_ids.add(item["call_id"])
        elif kind in ("function_call_output", "custom_tool_call_output"):
            if item.get("call_id") not in call_ids:
                raise RequestError(
                    f"No tool call found for function call output with call_id "
                    f"{item.get('call_id')!r} ('{where}.call_id').",
                    f"{where}.call_id",
                )
        elif kind == "message" and item.get("phase") not in (None, *PHASES):
            raise RequestError(
                f"'{where}.phase' must be one of: {', '.join(PHASES)}.",
                f"{where}.phase",
            )
        elif kind == "reasoning" and "encrypted_content" in item:
            if not verify_reasoning(secret, item["encrypted_content"]):
                raise RequestError(
                    f"The encrypted content for '{where}' could not be verified.",
                    f"{where}.encrypted_content",
                )
    fmt = (
        (body.get("text") or {}).get("format")
        if isinstance(body.get("text"), dict)
        else None
    )
    if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        if not isinstance(fmt.get("schema"), dict) or not fmt.get("name"):
            raise RequestError(
                "text.format of type json_schema needs 'name' and 'schema'.",
                "text.format",
            )


# -- output items and the response object -------------------------------------
def build_output(
    plan: Plan, secret: bytes, max_output_tokens: Any = None, *, encrypted: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any], str | None]:
    """(output items, usage-without-input, incomplete reason) for a plan;
    reasoning carries `encrypted_content` only when `encrypted` (the request's
    `include` asked for it)."""
    output: list[dict[str, Any]] = []
    reasoning_tokens = text_tokens = 0
    incomplete: str | None = None
    if plan.reasoning is not None or plan.reasoning_text is not None:
        item, thought = _reasoning_item(plan, secret, encrypted)
        output.append(item)
        reasoning_tokens = count_tokens(thought)
    for said, phase in plan.messages:
        text_tokens += count_tokens(said)
        output.append(_message_item(said, [], phase, incomplete=False))
    if plan.text is not None:
        text = plan.text
        if (
            isinstance(max_output_tokens, int)
            and count_tokens(text) > max_output_tokens
        ):
            text = " ".join(text.split()[:max_output_tokens])
            incomplete = "max_output_tokens"
        text_tokens += count_tokens(text)
        output.append(
            _message_item(
                text, plan.annotations, plan.phase, incomplete=bool(incomplete)
            )
        )
    for name, arguments in plan.tool_calls:
        text_tokens += count_tokens(arguments)
        output.append(
            {
                "type": "function_call",
                "id": new_id("fc"),
                "call_id": new_id("call"),
                "name": name,
                "arguments": arguments,
                "status": "completed",
            }
        )
    usage = {
        "output_tokens": text_tokens + reasoning_tokens,
        "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
    }
    return output, usage, incomplete


def _message_item(
    text: str, annotations: list[dict[str, Any]], phase: str | None, *, incomplete: bool
) -> dict[str, Any]:
    """An assistant message item; `phase` only when there is one."""
    item: dict[str, Any] = {
        "type": "message",
        "id": new_id("msg"),
        "status": "incomplete" if incomplete else "completed",
        "role": "assistant",
        "content": [
            {
                "type": "output_text",
                "text": text,
                "annotations": list(annotations),
                "logprobs": [],
            }
        ],
    }
    if phase is not None:
        item["phase"] = phase
    return item


def _reasoning_item(
    plan: Plan, secret: bytes, encrypted: bool
) -> tuple[dict[str, Any], str]:
    """(the reasoning item, all its reasoning text) for a plan."""
    rs_id = new_id("rs")
    thought = plan.reasoning or ""
    summary = [] if plan.reasoning is None else [plan.reasoning]
    item: dict[str, Any] = {
        "type": "reasoning",
        "id": rs_id,
        "summary": [{"type": "summary_text", "text": text} for text in summary],
    }
    if plan.reasoning_text is not None:
        item["content"] = [{"type": "reasoning_text", "text": plan.reasoning_text}]
        thought = f"{thought} {plan.reasoning_text}"
    if encrypted:
        item["encrypted_content"] = sign_reasoning(secret, rs_id, thought)
    return item, thought


def input_tokens(body: Mapping[str, Any]) -> int:
    words = count_tokens(str(body.get("instructions") or ""))
    for item in normalize_input(body.get("input")):
        words += count_tokens(item_text(item))
    return words


def full_usage(body: Mapping[str, Any], partial: Mapping[str, Any]) -> dict[str, Any]:
    """The counted usage; `cache_write_tokens` too, as OpenAI's spec requires."""
    read = input_tokens(body)
    out = int(partial.get("output_tokens", 0))
    return {
        "input_tokens": read,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": dict(
            partial.get("output_tokens_details") or {"reasoning_tokens": 0}
        ),
        "total_tokens": read + out,
    }


def response_resource(
    body: Mapping[str, Any],
    *,
    response_id: str,
    created_at: int,
    status: str,
    output: list[dict[str, Any]],
    usage: dict[str, Any] | None,
    error: dict[str, Any] | None = None,
    incomplete_reason: str | None = None,
) -> dict[str, Any]:
    """A full Open Responses `ResponseResource` echoing the request's settings."""
    reasoning = body.get("reasoning")
    return {
        "id": response_id,
        "object": "response",
        "created_at": created_at,
        "completed_at": int(time.time()) if status == "completed" else None,
        "status": status,
        "incomplete_details": {"reason": incomplete_reason}
        if incomplete_reason
        else None,
        "model": body.get("model"),
        "previous_response_id": body.get("previous_response_id"),
        "instructions": body.get("instructions")
        if isinstance(body.get("instructions"), str)
        else None,
        "output": output,
        "error": error,
        "tools": function_tools(body.get("tools")),
        "tool_choice": _tool_choice(body.get("tool_choice")),
        "truncation": body.get("truncation")
        if body.get("truncation") in ("auto", "disabled")
        else "disabled",
        "parallel_tool_calls": bool(body.get("parallel_tool_calls", True)),
        "text": {"format": _text_format(body.get("text")), "verbosity": "medium"},
        "top_p": float(body.get("top_p", 1.0)),
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "top_logprobs": 0,
        "temperature": float(body.get("temperature", 1.0)),
        "reasoning": {
            "effort": reasoning.get("effort"),
            "summary": reasoning.get("summary"),
        }
        if isinstance(reasoning, dict)
        else None,
        "usage": usage,
        "max_output_tokens": body.get("max_output_tokens"),
        "max_tool_calls": None,
        "store": bool(body.get("store", False)),
        "background": False,
        "service_tier": "default",
        "metadata": body.get("metadata") or {},
        "safety_identifier": None,
        "prompt_cache_key": None,
    }


def _tool_choice(choice: Any) -> Any:
    if choice in ("none", "auto", "required"):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function":
        return {"type": "function", "name": choice.get("name")}
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        return choice
    return "auto"


def _text_format(text: Any) -> dict[str, Any]:
    fmt = text.get("format") if isinstance(text, dict) else None
    if not isinstance(fmt, dict) or fmt.get("type") not in (
        "json_schema",
        "json_object",
    ):
        return {"type": "text"}
    if fmt["type"] == "json_object":
        return {"type": "json_object"}
    # The Open Responses spec types the echoed `schema` as null, so it is not echoed.
    return {
        "type": "json_schema",
        "name": str(fmt.get("name")),
        "description": fmt.get("description"),
        "schema": None,
        "strict": bool(fmt.get("strict", False)),
    }


def scripted_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A scripted output item, with the ids and status the API would give it."""
    out = dict(item)
    kind = str(out.get("type", "item"))
    out.setdefault("id", new_id({"custom_tool_call": "ctc"}.get(kind, kind[:3])))
    if kind.endswith("_call"):
        out.setdefault("call_id", new_id("call"))
        out.setdefault("status", "completed")
    return out
