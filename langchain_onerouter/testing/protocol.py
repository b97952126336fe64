"""The wire format: request validation, response objects, stream events.

Pure functions (no I/O) so the server in `app.py` stays a thin shell.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from langchain_onerouter._mapping.jsonutil import dumps
from langchain_onerouter._settings.fields import REQUEST_FIELDS
from langchain_onerouter.testing.model import (
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


def check_strict(body: Mapping[str, Any], model_ids: Collection[str] | None) -> None:
    """What the real API rejects that a lenient emulator lets through: unknown
    top-level fields (400 naming the parameter), `previous_response_id`
    (OneRouter is stateless) and, unless `model_ids` is None, a model id that
    is not in the catalog (404)."""
    for key in body:
        if key not in REQUEST_FIELDS:
            raise RequestError(f"Unrecognized request argument: '{key}'.", key)
    if body.get("previous_response_id") is not None:
        raise RequestError(
            "'previous_response_id' is not supported: OneRouter is stateless; "
            "send the whole conversation in 'input'.",
            "previous_response_id",
        )
    model = body.get("model")
    if model_ids is not None and model not in model_ids:
        raise RequestError(
            f"The model {model!r} does not exist or is not in the catalog.",
            "model",
            status=404,
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
                    f"(its input_modalities: {', '.join(accepted)}).",
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
        if kind == "message" and item.get("role") == "assistant":
            for key in ("id", "status"):
                if not item.get(key):
                    raise RequestError(
                        f"Missing required parameter: '{where}.{key}'. Assistant "
                        "messages in the input must carry 'id' and 'status'.",
                        f"{where}.{key}",
                    )
        elif kind in ("function_call", "custom_tool_call"):
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
    reasoning_tokens = 0
    incomplete: str | None = None
    if plan.reasoning is not None:
        rs_id = new_id("rs")
        item: dict[str, Any] = {
            "type": "reasoning",
            "id": rs_id,
            "summary": [{"type": "summary_text", "text": plan.reasoning}],
        }
        if encrypted:
            item["encrypted_content"] = sign_reasoning(secret, rs_id, plan.reasoning)
        output.append(item)
        reasoning_tokens = count_tokens(plan.reasoning)
    text_tokens = 0
    if plan.text is not None:
        text = plan.text
        if (
            isinstance(max_output_tokens, int)
            and count_tokens(text) > max_output_tokens
        ):
            text = " ".join(text.split()[:max_output_tokens])
            incomplete = "max_output_tokens"
        text_tokens = count_tokens(text)
        output.append(
            {
                "type": "message",
                "id": new_id("msg"),
                "status": "incomplete" if incomplete else "completed",
                "role": "assistant",
                "content": [
                    {
                        "type": "output_text",
                        "text": text,
                        "annotations": [],
                        "logprobs": [],
                    }
                ],
            }
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


def input_tokens(body: Mapping[str, Any]) -> int:
    words = count_tokens(str(body.get("instructions") or ""))
    for item in normalize_input(body.get("input")):
        words += count_tokens(item_text(item))
    return words


def full_usage(body: Mapping[str, Any], partial: Mapping[str, Any]) -> dict[str, Any]:
    read = input_tokens(body)
    out = int(partial.get("output_tokens", 0))
    return {
        "input_tokens": read,
        "input_tokens_details": {"cached_tokens": 0},
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


# -- streaming ------------------------------------------------------------------
Deltas = Iterable[Sequence[str]] | Callable[[str], Sequence[str]]
"""How streamed texts are cut: one list of deltas per text, in order, or a
function from a text to its deltas (see `item_events`)."""

DONE = b"data: [DONE]\n\n"
"""The frame that follows the last event."""


def _chunks(text: str, size: int = 1) -> list[str]:
    """Split into word-sized deltas that concatenate back to `text`."""
    import re

    pieces = re.findall(r"\s*\S+", text) or [text]
    if pieces and text[len("".join(pieces)) :]:
        pieces[-1] += text[len("".join(pieces)) :]
    return ["".join(pieces[i : i + size]) for i in range(0, len(pieces), size)]


def _cutter(deltas: Deltas | None) -> Callable[[str, int], Sequence[str]]:
    """`(text, words per delta) -> its deltas`, for `item_events`' `deltas`."""
    if deltas is None:
        return _chunks
    if callable(deltas):
        split = deltas
        return lambda text, _size: split(text)
    given = iter(deltas)

    def take(text: str, _size: int) -> Sequence[str]:
        pieces = next(given, ())
        if "".join(pieces) != text:
            raise ValueError(f"deltas {pieces!r} do not make up {text!r}")
        return pieces

    return take


def item_events(
    index: int,
    item: Mapping[str, Any],
    *,
    deltas: Deltas | None = None,
    annotations: bool = False,
) -> Iterator[dict[str, Any]]:
    """The standard events for one output item, in order (no sequence numbers).

    Each streamed text (a content part's text or refusal, a summary part, the
    arguments or input) arrives as the deltas `deltas` gives for it; by default
    a word per delta for text and four words for arguments and input. With
    `annotations`, each annotation of an `output_text` part also arrives as
    `response.output_text.annotation.added` (the emulator sends none).
    """
    cut = _cutter(deltas)
    kind = item["type"]
    base = {"output_index": index}
    if kind == "reasoning":
        yield {
            "type": "response.output_item.added",
            **base,
            "item": {"type": "reasoning", "id": item["id"], "summary": []},
        }
        for s_index, part in enumerate(item["summary"]):
            ids = {"item_id": item["id"], **base, "summary_index": s_index}
            yield {
                "type": "response.reasoning_summary_part.added",
                **ids,
                "part": {"type": "summary_text", "text": ""},
            }
            for delta in cut(part["text"], 1):
                yield {
                    "type": "response.reasoning_summary_text.delta",
                    **ids,
                    "delta": delta,
                }
            yield {
                "type": "response.reasoning_summary_text.done",
                **ids,
                "text": part["text"],
            }
            yield {
                "type": "response.reasoning_summary_part.done",
                **ids,
                "part": dict(part),
            }
    elif kind == "message":
        yield {
            "type": "response.output_item.added",
            **base,
            "item": {**item, "status": "in_progress", "content": []},
        }
        for c_index, part in enumerate(item["content"]):
            ids = {"item_id": item["id"], **base, "content_index": c_index}
            if part.get("type") == "refusal":
                yield from _refusal_events(ids, part["refusal"], cut)
            else:
                yield from _text_events(ids, part, cut, annotations)
            yield {"type": "response.content_part.done", **ids, "part": dict(part)}
    elif kind == "custom_tool_call":
        yield {
            "type": "response.output_item.added",
            **base,
            "item": {**item, "input": "", "status": "in_progress"},
        }
        for delta in cut(str(item.get("input", "")), 4):
            yield {
                "type": "response.custom_tool_call_input.delta",
                "item_id": item["id"],
                **base,
                "delta": delta,
            }
    elif kind == "function_call":
        yield {
            "type": "response.output_item.added",
            **base,
            "item": {**item, "arguments": "", "status": "in_progress"},
        }
        ids = {"item_id": item["id"], **base}
        for delta in cut(item["arguments"], 4):
            yield {
                "type": "response.function_call_arguments.delta",
                **ids,
                "delta": delta,
            }
        yield {
            "type": "response.function_call_arguments.done",
            **ids,
            "arguments": item["arguments"],
        }
    else:  # any other scripted item: added, then done
        yield {"type": "response.output_item.added", **base, "item": dict(item)}
    yield {"type": "response.output_item.done", **base, "item": dict(item)}


def _text_events(
    ids: dict[str, Any],
    part: Mapping[str, Any],
    cut: Callable[[str, int], Sequence[str]],
    annotations: bool,
) -> Iterator[dict[str, Any]]:
    empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    yield {"type": "response.content_part.added", **ids, "part": empty}
    for delta in cut(part["text"], 1):
        yield {
            "type": "response.output_text.delta",
            **ids,
            "delta": delta,
            "logprobs": [],
        }
    for a_index, annotation in enumerate(
        part.get("annotations") or [] if annotations else []
    ):
        yield {
            "type": "response.output_text.annotation.added",
            **ids,
            "annotation_index": a_index,
            "annotation": annotation,
        }
    yield {
        "type": "response.output_text.done",
        **ids,
        "text": part["text"],
        "logprobs": [],
    }


def _refusal_events(
    ids: dict[str, Any], refusal: str, cut: Callable[[str, int], Sequence[str]]
) -> Iterator[dict[str, Any]]:
    yield {
        "type": "response.content_part.added",
        **ids,
        "part": {"type": "refusal", "refusal": ""},
    }
    for delta in cut(refusal, 1):
        yield {"type": "response.refusal.delta", **ids, "delta": delta}
    yield {"type": "response.refusal.done", **ids, "refusal": refusal}


def response_events(
    final: Mapping[str, Any], *, deltas: Deltas | None = None
) -> list[dict[str, Any]]:
    """The whole stream of the finished response `final` (no sequence numbers).

    `response.created` and `response.in_progress` carry a snapshot without
    output, usage or error; then every item's events (`deltas` as in
    `item_events`, across all items in order) and `response.completed` or
    `response.incomplete`. A failed response sends half its item events, an
    `error` event and `response.failed`.
    """
    snapshot = {**final, "status": "in_progress", "output": [], "usage": None}
    for key in ("error", "incomplete_details", "completed_at"):
        if key in final:
            snapshot[key] = None
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": snapshot},
        {"type": "response.in_progress", "response": snapshot},
    ]
    shared = deltas if deltas is None or callable(deltas) else iter(deltas)
    body = [
        event
        for index, item in enumerate(final["output"])
        for event in item_events(index, item, deltas=shared)
    ]
    status = final.get("status", "completed")
    if status != "failed":
        kind = "incomplete" if status == "incomplete" else "completed"
        return [*events, *body, {"type": f"response.{kind}", "response": final}]
    error = final["error"]
    failure = {
        "type": "server_error",
        "code": error["code"],
        "message": error["message"],
        "param": None,
    }
    return [
        *events,
        *body[: len(body) // 2],  # fail partway: some content arrives first
        {"type": "error", "error": failure},
        {"type": "response.failed", "response": final},
    ]


def numbered(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`events` with their `sequence_number`s, counted from 0."""
    return [
        {"type": event["type"], "sequence_number": n, **event}
        for n, event in enumerate(events)
    ]


def sse_frame(event: Mapping[str, Any], *, named: bool = True) -> bytes:
    """One event as an SSE frame: `event: <type>` (if `named`) and `data: <JSON>`."""
    name = b"event: " + str(event["type"]).encode() + b"\n" if named else b""
    return name + b"data: " + dumps(event) + b"\n\n"
