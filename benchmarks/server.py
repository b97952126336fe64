"""A loopback HTTP/1.1 server with canned Responses bodies, in its own process.

Plain asyncio (no framework), so its cost per request is small and the same
for every client, and it counts connections itself:

- `POST /{deltas}/{ms}/responses`: after `ms` milliseconds, the Responses
  JSON object (reasoning item, message, usage), or, when the body says
  `"stream": true`, an SSE stream whose answer arrives in `deltas`
  `response.output_text.delta` events, written in ~8 KiB pieces;
- `POST /{dims}/{ms}/embeddings`: one `dims`-float vector per input, as
  floats or (when asked) base64;
- `GET /_stats`: connections accepted since the last `POST /_reset`, the
  most open at once, and the requests answered (control requests excluded).

```python
with ServerProcess() as server:
    url = server.base_url(deltas=2000)  # http://127.0.0.1:PORT/2000/0
```
"""

from __future__ import annotations

import array
import asyncio
import base64
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

MODEL = "openai/gpt-5.4-mini"
WRITE_SIZE = 8192
# A typical short answer (~750 characters); streams cut and repeat it.
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
SUMMARY = "**Explaining pooling**\n\nHandshakes, router hops, sizing, streaming."
IDS = {"response": "resp_bench01", "reasoning": "rs_bench01", "message": "msg_bench01"}


def deltas_of(count: int) -> list[str]:
    """`count` non-empty deltas of 3-6 characters cut from ANSWER, repeated."""
    text, out, position = ANSWER * 2, [], 0
    for i in range(count):
        start = position % len(ANSWER)
        out.append(text[start : start + 3 + i % 4])
        position += 3 + i % 4
    return out


@lru_cache(maxsize=8)
def stream_text(count: int) -> str:
    """What a `count`-delta stream's answer spells."""
    return "".join(deltas_of(count))


def _reasoning(*, done: bool) -> dict[str, Any]:
    summary = [{"type": "summary_text", "text": SUMMARY}] if done else []
    return {
        "id": IDS["reasoning"],
        "type": "reasoning",
        "summary": summary,
        "encrypted_content": "gAAAAAB" + "x9Yq" * 240,
    }


def _message(text: str | None) -> dict[str, Any]:
    content = [] if text is None else [_part(text)]
    status = "in_progress" if text is None else "completed"
    return {
        "id": IDS["message"],
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def _part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def response_body(text: str = ANSWER, *, done: bool = True) -> dict[str, Any]:
    """The Responses object of a call (in progress: no output, no usage)."""
    usage = {
        "input_tokens": 42,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 812,
        "output_tokens_details": {"reasoning_tokens": 640},
        "total_tokens": 854,
    }
    return {
        "id": IDS["response"],
        "object": "response",
        "created_at": 1767225600,
        "status": "completed" if done else "in_progress",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "max_output_tokens": None,
        "model": MODEL,
        "output": [_reasoning(done=True), _message(text)] if done else [],
        "parallel_tool_calls": True,
        "previous_response_id": None,
        "reasoning": {"effort": "low", "summary": "auto"},
        "store": False,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": usage if done else None,
        "metadata": {},
    }


def stream_events(count: int) -> list[dict[str, Any]]:
    """The events of a `count`-delta stream, in OpenAI's order and shape."""
    where = {"item_id": IDS["message"], "output_index": 1, "content_index": 0}
    text = stream_text(count)
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": response_body(done=False)},
        {"type": "response.in_progress", "response": response_body(done=False)},
        {
            "type": "response.output_item.added",
            "output_index": 0,
            "item": _reasoning(done=False),
        },
        {
            "type": "response.output_item.done",
            "output_index": 0,
            "item": _reasoning(done=True),
        },
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": _message(None),
        },
        {"type": "response.content_part.added", **where, "part": _part("")},
    ]
    events += [
        {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
        for piece in deltas_of(count)
    ]
    events += [
        {"type": "response.output_text.done", **where, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **where, "part": _part(text)},
        {
            "type": "response.output_item.done",
            "output_index": 1,
            "item": _message(text),
        },
        {"type": "response.completed", "response": response_body(text)},
    ]
    return [{**event, "sequence_number": n} for n, event in enumerate(events)]


@lru_cache(maxsize=16)
def stream_writes(count: int) -> tuple[bytes, ...]:
    """The encoded SSE stream in writes of about WRITE_SIZE bytes."""
    writes, buffer = [], bytearray()
    for event in stream_events(count):
        buffer += b"event: %s\ndata: %s\n\n" % (
            event["type"].encode(),
            orjson.dumps(event),
        )
        if len(buffer) >= WRITE_SIZE:
            writes.append(bytes(buffer))
            buffer.clear()
    return (*writes, bytes(buffer)) if buffer else tuple(writes)


@lru_cache(maxsize=1)
def json_bytes() -> bytes:
    return orjson.dumps(response_body())


def _head(status: str, kind: str, length: int) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {length}\r\n\r\n"
    ).encode()


class Counter:
    """Connections accepted, open now, at most open at once; requests served.

    `peak` counts only connections above those open at the last reset: other
    processes' idle keep-alive connections (the parent's clients) are not the
    measured client's.
    """

    def __init__(self) -> None:
        self.accepted, self.open, self.peak, self.requests = 0, 0, 0, 0
        self.base = 0

    def reset(self) -> None:
        """Start counting anew from the connections open now."""
        self.accepted, self.requests, self.peak, self.base = 0, 0, self.open, self.open

    def stats(self) -> bytes:
        counts = {
            "accepted": self.accepted,
            "open": self.open,
            "requests": self.requests,
        }
        return orjson.dumps({**counts, "peak": self.peak - self.base})


@lru_cache(maxsize=16)
def embeddings_bytes(count: int, dims: int, packed: bool) -> bytes:
    """An embeddings list of `count` copies of one `dims`-float vector."""
    vector = [round(math.sin(i) * 0.05, 6) for i in range(dims)]
    value: Any = vector
    if packed:
        value = base64.b64encode(array.array("f", vector).tobytes()).decode()
    data = [
        {"object": "embedding", "index": i, "embedding": value} for i in range(count)
    ]
    usage = {"prompt_tokens": 4 * count, "total_tokens": 4 * count}
    return orjson.dumps(
        {"object": "list", "data": data, "model": MODEL, "usage": usage}
    )


async def _answer(path: str, body: bytes, writer: asyncio.StreamWriter) -> None:
    parts = path.strip("/").split("/")  # deltas (or dimensions), ms, endpoint
    if len(parts) != 3 or parts[2] not in ("responses", "embeddings"):
        writer.write(_head("404 Not Found", "text/plain", 0))
        return
    if int(parts[1]):
        await asyncio.sleep(int(parts[1]) / 1000)
    request = orjson.loads(body)
    if parts[2] == "embeddings":
        packed = request.get("encoding_format") == "base64"
        payload = embeddings_bytes(len(request["input"]), int(parts[0]), packed)
        writer.write(_head("200 OK", "application/json", len(payload)) + payload)
        return
    if not request.get("stream"):
        payload = json_bytes()
        writer.write(_head("200 OK", "application/json", len(payload)) + payload)
        return
    writes = stream_writes(int(parts[0]))
    writer.write(_head("200 OK", "text/event-stream", sum(map(len, writes))))
    for piece in writes:
        writer.write(piece)
        await writer.drain()


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return method, path, await reader.readexactly(length) if length else b""


def _handler(counter: Counter) -> Any:
    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        counted = False
        try:
            while True:
                method, path, body = await _read_request(reader)
                if path.startswith("/_"):  # control requests are not counted
                    if path == "/_reset":
                        counter.reset()
                    stats = counter.stats()
                    writer.write(_head("200 OK", "application/json", len(stats)))
                    writer.write(stats)
                    continue
                if not counted:
                    counted = True
                    counter.accepted += 1
                    counter.open += 1
                    counter.peak = max(counter.peak, counter.open)
                counter.requests += 1
                await _answer(path, body, writer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if counted:
                counter.open = max(0, counter.open - 1)
            writer.close()

    return handle


def serve() -> None:
    """Serve on a free 127.0.0.1 port, printing the port first."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Without TCP_NODELAY, Nagle and delayed ACKs stall two-part answers.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    print(sock.getsockname()[1], flush=True)

    async def main() -> None:
        server = await asyncio.start_server(_handler(Counter()), sock=sock)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


class ServerProcess:
    """`serve` in a subprocess; a context manager."""

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> ServerProcess:
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": root}
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
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None

    def base_url(self, deltas: int = 2000, ms: int = 0) -> str:
        """Base URL of a `deltas`-delta stream answered after `ms` milliseconds."""
        return f"http://127.0.0.1:{self.port}/{deltas}/{ms}"

    def _control(self, path: str) -> dict[str, int]:
        url = f"http://127.0.0.1:{self.port}/{path}"
        method = "POST" if path == "_reset" else "GET"
        deadline = time.monotonic() + 10
        while True:
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(url, data=b"", method=method), timeout=10
                ) as reply:
                    return dict(orjson.loads(reply.read()))
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def reset(self) -> None:
        self._control("_reset")

    def stats(self) -> dict[str, int]:
        return self._control("_stats")


if __name__ == "__main__":
    serve()
