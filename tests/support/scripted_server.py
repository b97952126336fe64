"""A tiny scripted HTTP/1.1 server on 127.0.0.1 for transport-level tests.

Stdlib only, so it can misbehave in ways a framework would not let it:
replies are queued as `RawReply` objects and served in order, each request is
recorded. When the queue is empty it answers 500, or asks `responder` (a
function of the recorded request) when one is given; each record carries
the caller's port, i.e. which connection it came on. `disconnects` records
the paths of chunked replies whose client went away mid-body; `connections`
counts the TCP connections accepted (a pooled client reuses them), `open_now`
those open at this moment and `max_open` the most open at once.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2


@dataclass
class RawReply:
    """One scripted answer, at the HTTP level (bytes, chunks, connection faults);
    not the emulator's `langchain_onerouter.testing.Reply`, a model's answer.

    `body` may be bytes, str or a JSON-able object. `chunks` (instead of body;
    any iterable, so a generator can serve more than fits in memory) are
    written one by one with `delay` seconds between them; `drop=True`
    closes the socket after the chunks without finishing the response; `hang`
    sleeps before answering at all; `reset=True` aborts the connection (TCP
    RST) right after reading the request, without a byte of response; `raw`
    is written as it is (status line and all), then the socket is closed.
    """

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    delay: float = 0.0
    drop: bool = False
    hang: float = 0.0
    reset: bool = False
    raw: bytes | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: Mapping[str, str]
    """Case-insensitive (`httpx2.Headers`)."""
    body: bytes
    client_port: int = 0
    """The caller's TCP port: requests with the same port came on one connection."""
    url: str = ""
    """The full URL (of a `Recorder` request; the server knows only `path`)."""

    def json(self) -> Any:
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # load tests open ~100 connections at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # a client that hung up is a scripted fault, not a bug
        super().handle_error(request, client_address)


class ScriptedServer:
    """`with ScriptedServer() as srv: srv.push(RawReply(...)); srv.base_url`."""

    def __init__(
        self,
        responder: Callable[[Recorded], RawReply] | None = None,
        *,
        keep_requests: bool = True,
    ) -> None:
        self.replies: deque[RawReply] = deque()
        self.requests: list[Recorded] = []
        self.responder = responder
        self.keep_requests = keep_requests  # False: soak runs stay flat in memory
        self.disconnects: list[str] = []
        self.disconnected = threading.Event()
        self.connections = 0
        self.open_now = 0
        self.max_open = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms delayed-ACK stalls

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def setup(self) -> None:  # once per connection (requests loop in it)
                super().setup()
                with server._lock:
                    server.connections += 1
                    server.open_now += 1
                    server.max_open = max(server.max_open, server.open_now)

            def finish(self) -> None:
                with server._lock:
                    server.open_now -= 1
                super().finish()

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    self.command,
                    self.path,
                    httpx2.Headers(list(self.headers.items())),
                    body,
                    client_port=self.client_address[1],
                )
                with server._lock:
                    if server.keep_requests:
                        server.requests.append(recorded)
                    reply = server.replies.popleft() if server.replies else None
                if reply is None:
                    reply = (
                        server.responder(recorded)
                        if server.responder
                        else RawReply(500)
                    )
                if reply.reset:
                    # SO_LINGER 0: close() sends RST instead of FIN.
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    self.close_connection = True
                    return
                if reply.hang:
                    time.sleep(reply.hang)
                    return
                if reply.raw is not None:
                    self.wfile.write(reply.raw)
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.chunks is not None:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for chunk in reply.chunks:
                        try:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                        except OSError:  # broken pipe / reset: the client left
                            self._client_left()
                            return
                        if reply.delay:
                            time.sleep(reply.delay)
                            if self._peer_closed():
                                self._client_left()
                                return
                    if reply.drop:
                        self.connection.shutdown(socket.SHUT_RDWR)
                        self.close_connection = True
                        return
                    self.wfile.write(b"0\r\n\r\n")
                    return
                data = reply.body
                if data is None:
                    data = b""
                elif not isinstance(data, (bytes, str)):
                    data = json.dumps(data).encode()
                    if "content-type" not in {k.lower() for k in reply.headers}:
                        self.send_header("Content-Type", "application/json")
                if isinstance(data, str):
                    data = data.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if reply.drop:
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                self.wfile.write(data)

            def _peer_closed(self) -> bool:
                readable, _, _ = select.select([self.connection], [], [], 0)
                if not readable:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def _client_left(self) -> None:
                with server._lock:
                    server.disconnects.append(self.path)
                server.disconnected.set()
                self.close_connection = True

            do_GET = _handle
            do_POST = _handle

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown between tests
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def push(self, *replies: RawReply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port() -> int:
    """A loopback port nothing listens on (connecting is refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
