"""The emulator's Starlette app: `POST /v1/responses`, `POST /v1/embeddings`,
`POST /v1/rerank`, `GET /v1/models`."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from langchain_onerouter.testing import caching, control, protocol, retrieval, routing
from langchain_onerouter.testing.model import Plan, plan_reply
from langchain_onerouter.testing.script import RecordedRequest, Reply, Script, ToolCall

KEEPALIVE = b": ONEROUTER PROCESSING\n\n"
MAX_BODY = 16 << 20
"""Default cap on a request body, in bytes (413 past it)."""
MAX_JSON_DEPTH = 128
"""Deepest JSON nesting a request body may have (400 past it)."""


def _model(
    model_id: str,
    name: str,
    context: int,
    out: int,
    modalities: list[str],
    prices: tuple[float, float] = (0.0, 0.0),
) -> dict[str, Any]:
    return {
        "id": model_id,
        "object": "model",
        "category_type": "LLM",
        "display_name": f"{name} (emulated)",
        "context_length": context,
        "max_output_tokens": out,
        "min_prompt_price": prices[0],
        "min_completion_price": prices[1],
        "input_modalities": modalities,
        "output_modalities": ["text"],
    }


# Prices (USD per million tokens) are made up, so usage accounting has
# something to count: `usage: {"include": true}` costs tokens at these rates.
MODELS: list[dict[str, Any]] = [
    _model("o4-mini", "o4-mini", 200000, 100000, ["text", "image", "file"], (1.1, 4.4)),
    _model("openai/o4-mini", "o4-mini", 200000, 100000, ["text", "image"], (1.1, 4.4)),
    _model(
        "openai/gpt-5.4",
        "GPT-5.4",
        400000,
        128000,
        ["text", "image", "file"],
        (1.25, 10.0),
    ),
    _model(
        "anthropic/claude-sonnet-4.5",
        "Claude Sonnet 4.5",
        200000,
        64000,
        ["text", "image"],
        (3.0, 15.0),
    ),
    _model(
        "google/gemini-3-flash",
        "Gemini 3 Flash",
        1000000,
        65536,
        ["text", "image"],
        (0.5, 3.0),
    ),
    _model("deepseek/deepseek-r1:free", "DeepSeek R1 (free)", 128000, 32768, ["text"]),
    {
        **_model("text-embedding-3-small", "text-embedding-3-small", 8192, 0, ["text"]),
        "category_type": "embedding",
        "output_modalities": ["embedding"],
    },
    {
        **_model("text-embedding-3-large", "text-embedding-3-large", 8192, 0, ["text"]),
        "category_type": "embedding",
        "output_modalities": ["embedding"],
    },
    {
        **_model("cohere/rerank-v3.5", "Rerank v3.5", 4096, 0, ["text"]),
        "category_type": "rerank",
        "output_modalities": ["score"],
    },
]


def catalog_entry(model_id: str) -> dict[str, Any]:
    """A text model entry for `model_id` (what `OneRouterEmulator.add_models` adds)."""
    return _model(model_id, model_id, 128000, 16384, ["text", "image"], (1.0, 2.0))


class _Drop(Exception):
    """Raised inside a stream to cut the connection (a scripted fault)."""


@dataclass
class EmulatorState:
    """Everything the running app reads; mutable from the test's thread."""

    api_key: str
    accept_any_key: bool = False
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    script: Script = field(default_factory=Script)
    latency: float = 0.0
    event_delay: float = 0.0
    keepalive: bool = True
    event_names: bool = True
    router: routing.RoutingState = field(default_factory=routing.RoutingState)
    cache: caching.PromptCache = field(default_factory=caching.PromptCache)
    """Prompt-cache entries (see `testing/caching.py`)."""
    strict: bool = True
    """Reject what the real API rejects (see `protocol.STRICT_RULES`)."""
    relaxed: frozenset[str] = frozenset()
    """Strict rules relaxed one by one (`lenient={...}`)."""
    raw_reasoning: str = "reasoning_text"
    """Event name of raw reasoning deltas (`reasoning` for Open Responses)."""
    models: list[dict[str, Any]] = field(default_factory=lambda: list(MODELS))
    """The catalog `/v1/models` serves; strict mode 404s other model ids."""
    any_model: bool = False
    """Accept any model id even in strict mode."""

    max_body: int = MAX_BODY
    """Bytes a request body may have (413 past it)."""
    body_timeout: float = 30.0
    """Seconds a request body may take to arrive (408 past it)."""
    defaults: tuple[Any, ...] = ()
    """The checks `reset()` restores (see `save_defaults`)."""

    def save_defaults(self) -> None:
        """Remember the current checks and catalog as what `reset()` restores."""
        self.defaults = (self.strict, self.relaxed, self.any_model, list(self.models))

    def reset(self) -> None:
        """Forget queued replies, recorded requests, latency, delays and failing
        models/providers; restore the saved checks and catalog."""
        self.script.reset()
        self.latency = self.event_delay = 0.0
        self.router.restore()
        self.cache.clear()
        if self.defaults:
            self.strict, self.relaxed, self.any_model, models = self.defaults
            self.models = list(models)

    def relaxed_rules(self) -> frozenset[str]:
        """The strict rules not enforced now (all of them when not strict)."""
        return self.relaxed if self.strict else frozenset(protocol.STRICT_RULES)

    def model_ids(self) -> set[str] | None:
        """The ids a strict emulator accepts (None: any)."""
        if self.any_model or "model" in self.relaxed_rules():
            return None
        return {m["id"] for m in self.models}


def create_app(state: EmulatorState) -> Starlette:
    """The ASGI app serving `state` (see `OneRouterEmulator`)."""

    async def responses(request: Request) -> Response:
        served: list[routing.Route] = []

        def validate(body: Any) -> None:
            protocol.validate_request(body, state.secret)
            caching.check_cache_control(body)
            relaxed = state.relaxed_rules()
            protocol.check_strict(body, state.model_ids(), relaxed)
            if "modalities" not in relaxed:
                protocol.check_modalities(body, state.models)
            served.append(_route(state, body))

        accepted = await _accept(state, request, validate)
        if isinstance(accepted, Response):
            return accepted
        body, reply, headers = accepted
        resource = _run(state, body, reply)
        _account(state, _key(request), body, reply, resource, served[0])
        if body.get("stream"):
            return StreamingResponse(
                _sse(state, resource, reply),
                headers={**headers, "cache-control": "no-cache"},
                media_type="text/event-stream",
            )
        if reply.raw_body is not None:
            return Response(_bytes(reply.raw_body), 200, headers, "application/json")
        return JSONResponse(resource, 200, headers)

    async def embeddings(request: Request) -> Response:
        def validate(body: Any) -> None:
            retrieval.validate_embeddings(body)
            _check_kind(state, body, "embedding")

        return await _serve(state, request, validate, retrieval.embeddings_response)

    async def rerank(request: Request) -> Response:
        def validate(body: Any) -> None:
            retrieval.validate_rerank(body)
            _check_kind(state, body, "rerank")

        return await _serve(state, request, validate, retrieval.rerank_response)

    async def not_found(request: Request) -> Response:
        return _error(404, f"No route for {request.method} {request.url.path}")

    return Starlette(
        routes=[
            Route("/v1/responses", responses, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
            Route("/v1/rerank", rerank, methods=["POST"]),
            *_catalog_routes(state),
            *control.control_routes(state),
            Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )


def _catalog_routes(state: EmulatorState) -> list[Route]:
    """`GET /v1/models` and `GET /v1/models/{id}` (no key needed)."""

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": state.models})

    async def model(request: Request) -> Response:
        model_id = request.path_params["model_id"]
        entry = next((m for m in state.models if m["id"] == model_id), None)
        if entry is None and state.model_ids() is None:
            entry = catalog_entry(model_id)  # any model is served
        if entry is None:
            return _error(404, f"The model {model_id!r} does not exist.", param="model")
        return JSONResponse(entry)

    return [
        Route("/v1/models", models, methods=["GET"]),
        Route("/v1/models/{model_id:path}", model, methods=["GET"]),
    ]


async def _accept(
    state: EmulatorState, request: Request, validate: Callable[[Any], None]
) -> tuple[Any, Reply, dict[str, str]] | Response:
    """What every POST route does first: check the key (before reading the
    body), read the body within the size cap and time limit, parse and
    `validate` it, record the request, take the next scripted reply, wait
    its latency, and answer its HTTP fault. The (body, reply, headers) to
    answer with, or the response that already answers."""
    if not _authorized(state, request):
        _record(state, request, b"", None)
        return _error(
            401, "Invalid or missing API key (Authorization: Bearer <key>).", close=True
        )
    raw = await _read_body(state, request)
    if isinstance(raw, Response):
        _record(state, request, b"", None)
        return raw
    body, problem = _parse(raw)
    _record(state, request, raw, body)
    if problem is not None:
        return _error(400, problem)
    try:
        validate(body)
    except protocol.RequestError as exc:
        return _error(exc.status, exc.message, param=exc.param)
    except routing.RoutingError as exc:  # no model/provider can serve it
        return JSONResponse(
            protocol.error_body(
                exc.status, exc.message, code=exc.code, param=exc.param
            ),
            exc.status,
        )
    reply = state.script.pop() or Reply()
    delay = state.latency + reply.latency
    if delay > 0:
        await asyncio.sleep(delay)
    headers = {"x-request-id": protocol.new_id("req"), **reply.headers}
    if reply.retry_after is not None:
        headers["retry-after"] = f"{reply.retry_after:g}"
    if reply.should_retry is not None:
        headers["x-should-retry"] = "true" if reply.should_retry else "false"
    if reply.status != 200:
        if reply.raw_body is not None:
            return Response(_bytes(reply.raw_body), reply.status, headers, "text/html")
        message = reply.error_message or f"Emulated HTTP {reply.status}"
        return JSONResponse(
            protocol.error_body(reply.status, message, code=reply.error_code),
            reply.status,
            headers,
        )
    return body, reply, headers


class _TooLarge(Exception):
    pass


async def _read_body(state: EmulatorState, request: Request) -> bytes | Response:
    """The body, or 413 past `state.max_body` bytes / 408 past
    `state.body_timeout` seconds (both close the connection)."""
    declared = request.headers.get("content-length", "")
    too_large = f"The request body is larger than {state.max_body} bytes."
    if declared.isdigit() and int(declared) > state.max_body:
        return _error(413, too_large, close=True)
    chunks: list[bytes] = []
    size = 0

    async def read() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > state.max_body:
                raise _TooLarge
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), state.body_timeout)
    except _TooLarge:
        return _error(413, too_large, close=True)
    except TimeoutError:
        message = f"The request body did not arrive within {state.body_timeout:g} s."
        return _error(408, message, close=True)
    return b"".join(chunks)


def _parse(raw: bytes) -> tuple[Any, str | None]:
    """(parsed JSON or None, the 400 message when it is not acceptable)."""
    if not raw:
        return None, None
    try:
        body = json.loads(raw)
    except RecursionError:
        return None, f"The request body nests deeper than {MAX_JSON_DEPTH} levels."
    except ValueError:
        return None, "The request body is not valid JSON."
    if json_depth(body) > MAX_JSON_DEPTH:
        return body, f"The request body nests deeper than {MAX_JSON_DEPTH} levels."
    return body, None


def json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children = (
            node.values()
            if isinstance(node, dict)
            else node
            if isinstance(node, list)
            else None
        )
        if children is None:
            continue
        deepest = max(deepest, depth)
        if depth <= MAX_JSON_DEPTH:  # deeper is refused anyway
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _record(state: EmulatorState, request: Request, raw: bytes, body: Any) -> None:
    state.script.record(
        RecordedRequest(
            method=request.method,
            path=request.url.path,
            headers={k.lower(): v for k, v in request.headers.items()},
            raw=raw,
            body=body,
        )
    )


async def _serve(
    state: EmulatorState,
    request: Request,
    validate: Callable[[Any], None],
    answer: Callable[[Any, Any], dict[str, Any]],
) -> Response:
    """A JSON-only route (embeddings, rerank) with the scripted faults of
    `/v1/responses`: HTTP errors, latency, `fail` (a 200 error body),
    `raw_body` (sent verbatim) and `usage` (overrides the counted one)."""
    accepted = await _accept(state, request, validate)
    if isinstance(accepted, Response):
        return accepted
    body, reply, headers = accepted
    if reply.raw_body is not None:
        return Response(_bytes(reply.raw_body), 200, headers, "application/json")
    if reply.fail:
        message = reply.error_message or "The model failed (emulated)."
        error = protocol.error_body(500, message, code=reply.error_code)
        return JSONResponse(error, 200, headers)
    return JSONResponse(answer(body, reply.usage), 200, headers)


def _route(state: EmulatorState, body: dict[str, Any]) -> routing.Route:
    """Routing (see `testing/routing.py`): who serves `body`, or RoutingError."""
    served = routing.route(state.router, body)
    routing.check_reasoning(body, served)
    return served


def _account(
    state: EmulatorState,
    user: str,
    body: dict[str, Any],
    reply: Reply,
    resource: dict[str, Any],
    served: routing.Route,
) -> None:
    """Prompt caching (`caching.py`) into the usage, then the routing stamps
    and, when asked, the cost (`routing.annotate`)."""
    cached = caching.Outcome()
    if reply.usage is None:  # scripted usage is reported as given
        cached = state.cache.apply(user, body, served.model)
        caching.report(resource["usage"], cached)
    routing.annotate(
        resource, served, body, state.secret, state.models, cached.write_1h
    )


def _check_kind(state: EmulatorState, body: dict[str, Any], kind: str) -> None:
    """Strict mode: the model exists (404) and is a `kind` model (400)."""
    ids = state.model_ids()
    if ids is None:
        return
    protocol.check_model(body["model"], ids)
    entry = next(m for m in state.models if m["id"] == body["model"])
    if entry.get("category_type", "LLM").lower() != kind:
        raise protocol.RequestError(
            f"The model {body['model']!r} is not a {kind} model "
            f"(category_type {entry.get('category_type')!r}).",
            "model",
        )


def _key(request: Request) -> str:
    """The request's Bearer key ("" when there is none)."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    return key.strip() if scheme.lower() == "bearer" else ""


def _authorized(state: EmulatorState, request: Request) -> bool:
    key = _key(request)
    return bool(key) and (
        state.accept_any_key or secrets.compare_digest(key, state.api_key)
    )


def _error(
    status: int, message: str, *, param: str | None = None, close: bool = False
) -> JSONResponse:
    """An error body; `close` ends the connection (an unread body may follow)."""
    headers = {"connection": "close"} if close else None
    return JSONResponse(
        protocol.error_body(status, message, param=param), status, headers
    )


def _bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def _run(state: EmulatorState, body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    """The final response object for a request (what the model 'generated')."""
    if reply.has_content:
        plan = Plan(
            text=reply.text,
            tool_calls=[
                (call.name, call.arguments_json())
                for call in map(ToolCall.coerce, reply.tool_calls)
            ],
            reasoning=reply.reasoning,
            reasoning_text=reply.reasoning_text,
            annotations=[dict(a) for a in reply.annotations],
        )
    else:
        plan = plan_reply(body)
    plan.phase, plan.messages = reply.phase, reply.message_plan()
    output, partial_usage, incomplete = protocol.build_output(
        plan,
        state.secret,
        body.get("max_output_tokens"),
        encrypted=protocol.wants_encrypted_reasoning(body),
    )
    output = _in_scripted_order(output, reply.items)
    scripted_ids = [ToolCall.coerce(c).call_id for c in reply.tool_calls]
    calls = [item for item in output if item["type"] == "function_call"]
    for item, call_id in zip(calls, scripted_ids, strict=False):
        if call_id:
            item["call_id"] = call_id
    usage = (
        dict(reply.usage) if reply.usage else protocol.full_usage(body, partial_usage)
    )
    incomplete = reply.incomplete or incomplete
    status = "failed" if reply.fail else "incomplete" if incomplete else "completed"
    error = None
    if reply.fail:
        error = {
            "code": str(reply.error_code or "server_error"),
            "message": reply.error_message
            or "The model failed while generating (emulated).",
        }
    return protocol.response_resource(
        body,
        response_id=protocol.new_id("resp"),
        created_at=int(time.time()),
        status=status,
        output=output,
        usage=usage,
        error=error,
        incomplete_reason=incomplete,
    )


def _in_scripted_order(
    output: list[dict[str, Any]], items: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Scripted `items` in their order; next to generated output, reasoning
    ones lead the message and calls (after a generated reasoning item), as
    the API orders them."""
    scripted = [protocol.scripted_item(item) for item in items]
    if not output:
        return scripted
    lead = 1 if output and output[0]["type"] == "reasoning" else 0
    thinking = [i for i in scripted if i["type"] == "reasoning"]
    others = [i for i in scripted if i["type"] != "reasoning"]
    return [*output[:lead], *thinking, *output[lead:], *others]


async def _sse(
    state: EmulatorState, final: dict[str, Any], reply: Reply
) -> AsyncIterator[bytes]:
    # Without pacing, frames are written in one go: hundreds of concurrent
    # streams stay cheap, and clients must still split the SSE themselves.
    pending: list[bytes] = []
    if state.keepalive:
        pending.append(KEEPALIVE)
    if reply.raw_body is not None:
        pending.append(b"data: " + _bytes(reply.raw_body) + b"\n\n")
    for sent, event in enumerate(
        protocol.numbered(
            protocol.response_events(final, raw_reasoning=state.raw_reasoning)
        )
    ):
        if reply.drop_after is not None and sent >= reply.drop_after:
            if pending:
                yield b"".join(pending)
            await asyncio.sleep(0.05)  # let the bytes leave before the cut
            raise _Drop("scripted connection drop")
        if state.event_delay > 0 and sent:
            yield b"".join(pending)
            pending = []
            await asyncio.sleep(state.event_delay)
        pending.append(protocol.sse_frame(event, named=state.event_names))
    pending.append(protocol.DONE)
    yield b"".join(pending)
