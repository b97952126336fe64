"""64 threads on one sync client: the pool never closes a connection that a
pending request holds (httpcore <= 1.0.9 does: encode/httpcore#1110, #1000;
`_clients` carries the fixed pass), so no `[Errno 9] Bad file descriptor`
and no hang until the read timeout.

The fast tests drive the assignment pass of the pool our clients use with
stand-in connections; the `slow` one is the bounded reproduction over real
sockets (`pytest -m slow tests/io/test_pool_race.py`).
"""

from __future__ import annotations

import collections
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpcore
import httpx
import pytest
from httpcore._sync.connection_pool import PoolRequest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._http import pool as _clients
from tests.support.modes import KEY, final_body
from tests.support.scripted_server import RawReply, Recorded, ScriptedServer


class _Conn:
    """A stand-in connection: idle or busy, for one origin."""

    def __init__(self, idle: bool) -> None:
        self.idle = idle

    def is_closed(self) -> bool:
        return False

    def has_expired(self) -> bool:
        return False

    def is_idle(self) -> bool:
        return self.idle

    def is_available(self) -> bool:
        return self.idle

    def can_handle_request(self, origin: Any) -> bool:
        return True


def _pool(max_keepalive: int) -> Any:
    """The connection pool our sync clients are built with."""
    limits = httpx.Limits(max_connections=10, max_keepalive_connections=max_keepalive)
    return _clients._new_client({"limits": limits})._transport._pool


def _held_by_pending_request(pool: Any, connection: _Conn) -> None:
    request = httpcore.Request("POST", "http://127.0.0.1:1/v1/responses")
    pool_request = PoolRequest(request)
    pool_request.assign_to_connection(connection)
    pool._requests.append(pool_request)


def test_a_connection_held_by_a_pending_request_is_never_trimmed() -> None:
    pool = _pool(max_keepalive=1)
    held = [_Conn(idle=True), _Conn(idle=True)]
    spare = [_Conn(idle=True), _Conn(idle=True)]
    pool._connections = [*held, *spare]
    for connection in held:
        _held_by_pending_request(pool, connection)

    closing = pool._assign_requests_to_connections()

    assert not set(map(id, closing)) & set(map(id, held))
    assert len(closing) == 1  # two unheld idle ones, keep-alive 1: one goes
    assert all(c in pool._connections for c in held)


def test_only_idle_connections_count_against_keep_alive() -> None:
    pool = _pool(max_keepalive=1)
    pool._connections = [_Conn(idle=False), _Conn(idle=False), _Conn(idle=True)]
    assert pool._assign_requests_to_connections() == []


class _OriginConn(_Conn):
    """A busy connection to one origin (never idle, never available)."""

    def __init__(self, origin: Any) -> None:
        super().__init__(idle=False)
        self.origin = origin

    def can_handle_request(self, origin: Any) -> bool:
        return bool(origin == self.origin)


def _queue(pool: Any, url: str) -> Any:
    request = PoolRequest(httpcore.Request("POST", url))
    pool._requests.append(request)
    return request


def test_queued_requests_wait_on_a_full_busy_pool() -> None:
    pool = _pool(max_keepalive=5)
    a, b = "http://127.0.0.1:1/v1/responses", "http://127.0.0.1:2/v1/responses"
    origin_a = httpcore.Request("POST", a).url.origin
    busy = [_OriginConn(origin_a) for _ in range(10)]
    pool._connections = list(busy)
    queued = [_queue(pool, a), _queue(pool, a), _queue(pool, b)]

    assert pool._assign_requests_to_connections() == []

    assert [r.connection for r in queued] == [None, None, None]
    assert pool._connections == busy


def test_a_queued_request_of_another_origin_replaces_an_idle_connection() -> None:
    pool = _pool(max_keepalive=5)
    a, b = "http://127.0.0.1:1/v1/responses", "http://127.0.0.1:2/v1/responses"
    origin_a = httpcore.Request("POST", a).url.origin
    pool._connections = [_OriginConn(origin_a) for _ in range(9)]
    spare = _OriginConn(origin_a)
    spare.idle = True  # idle, but for origin a only: not available to b
    spare.is_available = lambda: False  # type: ignore[method-assign]
    pool._connections.append(spare)
    waiting, other = _queue(pool, a), _queue(pool, b)

    closing = pool._assign_requests_to_connections()

    # a's request finds no available connection and the pool is full, so the
    # idle one is closed to make room for it; b's then waits.
    assert closing == [spare]
    assert waiting.connection is not None and waiting.connection is not spare
    assert other.connection is None


def _slow_echo(request: Recorded) -> RawReply:
    # 5 ms per answer keeps ~60 requests in flight: more connections than
    # the 20 kept alive, so every release trims the pool.
    time.sleep(0.005)
    token = request.json()["input"][0]["content"][0]["text"]
    return RawReply(body=final_body(f"echo {token}"))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_64_threads_on_one_client_never_fail_or_hang() -> None:
    """Bounded: 64 threads, 6,000 calls, 10 s read timeout, 0 retries, the
    default limits (100 connections, 20 kept alive)."""
    trimmed_while_held: collections.Counter[str] = collections.Counter()

    def watched(pool: Any) -> list[Any]:
        held = {id(r.connection) for r in pool._requests if r.connection}
        closing = type(pool)._assign_requests_to_connections(pool)
        trimmed_while_held["held"] += sum(id(c) in held for c in closing)
        trimmed_while_held["all"] += len(closing)
        return closing

    calls = 6000
    with ScriptedServer(_slow_echo, keep_requests=False) as server:
        llm = ChatOneRouterResponses(
            model="o4-mini",
            base_url=server.base_url,
            api_key=KEY,
            max_retries=0,
            timeout=10,
        )
        pool = llm._get_transport().client._transport._pool
        failures: list[str] = []
        lock = threading.Lock()
        pool._assign_requests_to_connections = lambda: watched(pool)

        def call(i: int) -> None:
            try:
                text = llm.invoke(f"race-{i}").text
                ok = text == f"echo race-{i}"
                problem = "" if ok else f"wrong answer {text!r}"
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                with lock:
                    failures.append(problem)

        with ThreadPoolExecutor(64) as executor:
            list(executor.map(call, range(calls)))
        llm._get_transport().close()
    assert failures == []
    assert trimmed_while_held["held"] == 0, dict(trimmed_while_held)


def test_a_free_connection_is_reused_by_the_queued_requests() -> None:
    """As upstream: an available connection goes to every queued request of
    its origin (all but one retry the pass), so a freed connection is reused
    before new ones are opened (keep-alive would trim those between bursts)."""
    pool = _pool(max_keepalive=5)
    url = "http://127.0.0.1:1/v1/responses"
    free = _Conn(idle=True)
    pool._connections = [_Conn(idle=False) for _ in range(4)] + [free]
    for connection in pool._connections[:4]:
        _held_by_pending_request(pool, connection)
    queued = [_queue(pool, url) for _ in range(3)]

    assert pool._assign_requests_to_connections() == []

    assert [r.connection for r in queued] == [free] * 3
    assert len(pool._connections) == 5  # none opened, though the pool has room
