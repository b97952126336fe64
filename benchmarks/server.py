"""A minimal, fast loopback server for the benchmarks (Starlette + uvicorn).

Every client gets byte-identical canned bodies, so the benchmark compares
client work only:

- `POST /{deltas}/responses` answers a realistic Responses JSON object
  (reasoning item + message + usage), or, when the request body says
  `"stream": true`, an SSE stream whose message text arrives in `deltas`
  `response.output_text.delta` events (prebuilt once, written in ~8 KB
  writes so the server never paces the client);
- `POST /tool/{deltas}/responses` and `/reasoning/{deltas}/responses`: the
  same with `deltas` function-call argument deltas, or reasoning-summary
  deltas (`STREAM_KINDS`); `POST /{deltas}/{ms}/responses` answers after
  `ms` milliseconds (an upstream that takes time);
- `POST /{dims}/embeddings` answers an OpenAI-shaped embeddings list: one
  fixed `dims`-float vector per input, as floats or (when asked) base64;
  `POST /{dims}/{ms}/embeddings` the same after `ms` milliseconds (a server
  that takes time to compute);
- `GET /_stats` reports the connections accepted since `POST /_reset`
  (counted by client address; the stats routes themselves are not counted)
  and the most connections open at once (`peak_open`).

Run it in its own process, so it never competes with the client for the GIL:

```python
with ServerProcess() as server:
    print(server.base_url(2000))  # http://127.0.0.1:PORT/2000
```
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import orjson

MODEL = "openai/gpt-5.4-mini"
RESPONSE_ID = "resp_0bench0000000000000000000000000000000000000001"
REASONING_ID = "rs_0bench00000000000000000000000000000000000000001"
MESSAGE_ID = "msg_0bench0000000000000000000000000000000000000001"
CREATED_AT = 1767225600
SUMMARY_DELTAS = 12
WRITE_SIZE = 8192
Events = list[dict[str, Any]]
# ~750 characters of answer text, the size of a typical short reply.
ANSWER = (
    "Connection pooling keeps TCP (and TLS) sessions open between requests, "
    "so a client that sends many small calls pays the handshake once instead "
    "of every time. For an HTTP API behind a router this matters twice: the "
    "router's own upstream connections are pooled too, and the first byte of "
    "a streamed answer arrives sooner. Size the pool to the concurrency you "
    "actually run, keep idle connections for a few seconds, and reuse one "
    "client per process rather than one per request. Measure before tuning: "
    "on loopback the handshake is cheap, across regions it dominates short "
    "calls. Finally, remember that streaming responses hold their connection "
    "until the last event, so long streams need a larger pool than short "
    "JSON calls with the same request rate, and back-pressure should apply."
)
SUMMARY = (
    "**Explaining pooling**\n\nThe user asks why connection pooling matters; "
    "I will cover handshakes, router hops, sizing and streaming."
)


def _reasoning_item(*, done: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": REASONING_ID,
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": SUMMARY}] if done else [],
        "encrypted_content": "gAAAAAB" + "x9Yq" * 240,
    }
    return item


def _message_item(text: str, *, done: bool) -> dict[str, Any]:
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "status": "completed" if done else "in_progress",
        "role": "assistant",
        "content": (
            [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]
            if done
            else []
        ),
    }


def response_body(*, status: str = "completed") -> dict[str, Any]:
    """The Responses object every non-streamed call gets (and `completed` carries)."""
    done = status == "completed"
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": CREATED_AT,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": MODEL,
        "output": (
            [_reasoning_item(done=True), _message_item(ANSWER, done=True)]
            if done
            else []
        ),
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "low", "summary": "auto"},
        "service_tier": "default",
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": (
            {
                "input_tokens": 42,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 812,
                "output_tokens_details": {"reasoning_tokens": 640},
                "total_tokens": 854,
            }
            if done
            else None
        ),
        "user": None,
        "metadata": {},
    }


def split_text(text: str, parts: int) -> list[str]:
    """`text` repeated/cut into exactly `parts` non-empty deltas."""
    out = []
    position = 0
    size = len(text)
    for _ in range(parts):
        # 3-6 characters per delta, like real token deltas.
        step = 3 + (len(out) % 4)
        out.append((text * 2)[position % size : position % size + step])
        position += step
    return out


@lru_cache(maxsize=8)
def stream_text(deltas: int) -> str:
    """The full message text of a `deltas`-delta stream."""
    return "".join(split_text(ANSWER, deltas))


TOOL_NAME = "search_docs"
CALL_ID = "call_0bench000000000000000001"
FUNCTION_ID = "fc_0bench0000000000000000000000000000000000000001"


def _steps(parts: int) -> list[int]:
    """The delta lengths `split_text` uses: 3-6 characters, cycling."""
    return [3 + (i % 4) for i in range(parts)]


def tool_pieces(deltas: int) -> list[str]:
    """Function-call arguments (a JSON object) cut into exactly `deltas` deltas."""
    steps = _steps(deltas)
    head, tail = '{"query": "', '"}'
    filler = max(0, sum(steps) - len(head) - len(tail))
    text = head + (ANSWER * (filler // len(ANSWER) + 1))[:filler] + tail
    pieces: list[str] = []
    position = 0
    for step in steps:
        pieces.append(text[position : position + step])
        position += step
    pieces[-1] += text[position:]  # tiny streams: the rest of the object
    return pieces


@lru_cache(maxsize=8)
def tool_arguments(deltas: int) -> str:
    """The full arguments of a `deltas`-delta tool stream."""
    return "".join(tool_pieces(deltas))


@lru_cache(maxsize=8)
def summary_text(deltas: int) -> str:
    """The full reasoning summary of a `deltas`-delta reasoning stream."""
    return "".join(split_text(SUMMARY, deltas))


def _text_events(deltas: int, summary_deltas: int = SUMMARY_DELTAS) -> Events:
    """A reasoning summary in `summary_deltas` deltas, then an answer in `deltas`."""
    reasoning = {
        **_reasoning_item(done=True),
        "summary": [{"type": "summary_text", "text": summary_text(summary_deltas)}],
    }
    answer = _message_item(stream_text(deltas), done=True)
    cuts = [split_text(SUMMARY, summary_deltas), split_text(ANSWER, deltas)]
    return _openai_events([reasoning, answer], cuts)


def _tool_events(deltas: int) -> Events:
    """One function call whose arguments arrive in `deltas` deltas."""
    call = {
        "id": FUNCTION_ID,
        "type": "function_call",
        "status": "completed",
        "arguments": tool_arguments(deltas),
        "call_id": CALL_ID,
        "name": TOOL_NAME,
    }
    return _openai_events([call], [tool_pieces(deltas)])


def _reasoning_events(deltas: int) -> Events:
    """A summary in `deltas` deltas, then a 12-delta answer (the text stream
    mirrored)."""
    return _text_events(SUMMARY_DELTAS, summary_deltas=deltas)


def _openai_events(output: list[dict[str, Any]], cuts: list[list[str]]) -> Events:
    """The emulator's events for a completed `response_body()` with `output`
    (each text cut as `cuts` says), as OpenAI sends them: every delta with an
    `obfuscation` field, the reasoning item announced with its encrypted content."""
    from langchain_onerouter.testing import protocol

    final = response_body()
    final["output"] = output
    events = protocol.response_events(final, deltas=cuts)
    for event in events:
        if event["type"].endswith(".delta"):
            event["obfuscation"] = "aBcD"
        elif event["type"] == "response.output_item.added":
            if event["item"]["type"] == "reasoning":
                event["item"] = _reasoning_item(done=False)
    return events


# Stream kinds by name: the events of a stream with `deltas` deltas of it.
STREAM_KINDS = {"tool": _tool_events, "reasoning": _reasoning_events}


def sse_events(deltas: int, kind: str = "text") -> Events:
    """The stream's events, in OpenAI's order, with sequence numbers.

    `kind` says which deltas number `deltas`: `text` (after a 12-delta
    reasoning summary), `tool` (function-call arguments) or `reasoning` (the
    summary, before a 12-delta answer); see `STREAM_KINDS`.
    """
    from langchain_onerouter.testing.protocol import numbered

    return numbered({"text": _text_events, **STREAM_KINDS}[kind](deltas))


@lru_cache(maxsize=16)
def sse_writes(deltas: int, kind: str = "text") -> tuple[bytes, ...]:
    """The encoded stream, grouped into writes of about `WRITE_SIZE` bytes."""
    from langchain_onerouter.testing.protocol import sse_frame

    writes: list[bytes] = []
    buffer = bytearray()
    for event in sse_events(deltas, kind):
        buffer += sse_frame(event)
        if len(buffer) >= WRITE_SIZE:
            writes.append(bytes(buffer))
            buffer.clear()
    if buffer:
        writes.append(bytes(buffer))
    return tuple(writes)


@lru_cache(maxsize=1)
def json_bytes() -> bytes:
    return orjson.dumps(response_body())


@lru_cache(maxsize=8)
def _embedding_items(dims: int, packed: bool) -> tuple[bytes, ...]:
    """One encoded item per index 0..2047, each carrying the same vector."""
    import array
    import base64
    import math

    vector = [round(math.sin(i) * 0.05, 8) for i in range(dims)]
    value: Any = (
        base64.b64encode(array.array("f", vector).tobytes()).decode()
        if packed
        else vector
    )
    return tuple(
        orjson.dumps({"object": "embedding", "index": i, "embedding": value})
        for i in range(2048)
    )


@lru_cache(maxsize=64)
def embeddings_bytes(count: int, dims: int, packed: bool) -> bytes:
    """The embeddings response for `count` inputs (built once per shape)."""
    items = _embedding_items(dims, packed)[:count]
    usage = {"prompt_tokens": 4 * count, "total_tokens": 4 * count}
    return (
        b'{"object":"list","data":['
        + b",".join(items)
        + b'],"model":"text-embedding-3-small","usage":'
        + orjson.dumps(usage)
        + b"}"
    )


def create_app() -> Any:
    """The ASGI app: canned responses plus a connection counter."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    # The streams' builder, loaded now rather than in the first stream request.
    import langchain_onerouter.testing.protocol  # noqa: F401

    connections: set[Any] = set()
    peak = {"open": 0}
    live: dict[str, Any] = {"server": None}

    async def responses(request: Request) -> Response:
        body = orjson.loads(await request.body())
        params = request.path_params
        if params.get("ms"):
            await asyncio.sleep(int(params["ms"]) / 1000)
        kind = params.get("kind", "text")
        if kind not in ("text", *STREAM_KINDS):
            return Response(b"unknown stream kind", status_code=404)
        if not body.get("stream"):
            return Response(json_bytes(), media_type="application/json")
        writes = sse_writes(int(params["deltas"]), kind)

        async def gen() -> Any:
            for chunk in writes:
                yield chunk

        return StreamingResponse(gen(), media_type="text/event-stream")

    async def embeddings(request: Request) -> Response:
        body = orjson.loads(await request.body())
        count = len(body["input"]) if isinstance(body["input"], list) else 1
        packed = body.get("encoding_format") == "base64"
        dims = int(request.path_params["dims"])
        if request.path_params.get("ms"):
            await asyncio.sleep(int(request.path_params["ms"]) / 1000)
        return Response(
            embeddings_bytes(count, dims, packed), media_type="application/json"
        )

    async def stats(request: Request) -> Response:
        stats = {"connections": len(connections), "peak_open": peak["open"]}
        return Response(orjson.dumps(stats))

    async def reset(request: Request) -> Response:
        connections.clear()
        peak["open"] = 0
        return Response(b"{}")

    app = Starlette(
        routes=[
            Route("/{deltas:int}/responses", responses, methods=["POST"]),
            # The same after `ms` milliseconds (an upstream that takes time).
            Route("/{deltas:int}/{ms:int}/responses", responses, methods=["POST"]),
            # Streams of another kind (`STREAM_KINDS`): `/tool/2000/responses`.
            Route("/{kind}/{deltas:int}/responses", responses, methods=["POST"]),
            Route("/{dims:int}/embeddings", embeddings, methods=["POST"]),
            Route("/{dims:int}/{ms:int}/embeddings", embeddings, methods=["POST"]),
            Route("/_stats", stats, methods=["GET"]),
            Route("/_reset", reset, methods=["POST"]),
        ]
    )

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_"):
            connections.add(tuple(scope.get("client") or ()))
            if live["server"] is not None:
                now = len(live["server"].server_state.connections)
                peak["open"] = max(peak["open"], now)
        await app(scope, receive, send)

    counting.live = live  # type: ignore[attr-defined]
    return counting


def serve(port: int) -> None:
    """Serve on 127.0.0.1:`port` (0 = a free port), printing the port first."""
    import socket

    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit TCP_NODELAY: without it, Nagle + delayed ACK add
    # ~40 ms to every response written in two parts (headers, body).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", port))
    print(sock.getsockname()[1], flush=True)
    app = create_app()
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        backlog=2048,
        timeout_keep_alive=60,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    app.live["server"] = server  # open connections, for `peak_open`
    server.run(sockets=[sock])


def stream_url(root: str, deltas: int, kind: str = "text", ms: int = 0) -> str:
    """The server's base URL for `deltas`-delta streams of `kind` (see
    `ServerProcess.base_url`)."""
    if ms:
        return f"{root}/{deltas}/{ms}"
    return f"{root}/{deltas}" if kind == "text" else f"{root}/{kind}/{deltas}"


class ServerProcess:
    """Runs `serve` in a subprocess; a context manager.

    Example:
        ```python
        with ServerProcess() as server:
            httpx.post(server.base_url(2000) + "/responses", json={})
        ```
    """

    def __init__(self) -> None:
        self.port = 0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerProcess:
        root = str(Path(__file__).resolve().parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", ""),
        }
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.server"],
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
            env=env,
        )
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.strip().isdigit():
            self.__exit__()
            raise RuntimeError(f"benchmark server failed to start: {line!r}")
        self.port = int(line)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.stats()
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None

    def base_url(self, deltas: int = 2000, kind: str = "text", ms: int = 0) -> str:
        """The base URL of streams of `deltas` deltas of `kind`; answers after
        `ms` milliseconds when `ms` (text streams only)."""
        return stream_url(f"http://127.0.0.1:{self.port}", deltas, kind, ms)

    def reset(self) -> None:
        httpx.post(f"http://127.0.0.1:{self.port}/_reset", timeout=10)

    def stats(self) -> dict[str, Any]:
        response = httpx.get(f"http://127.0.0.1:{self.port}/_stats", timeout=10)
        return dict(orjson.loads(response.content))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    serve(parser.parse_args().port)


if __name__ == "__main__":
    main()
