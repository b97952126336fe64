"""Who owns which httpx2 client: the lifecycle under threads, loops and forks.

Clients are shared, like an SDK's default client: every `ClientPool` built
with the same client settings (timeout, limits, and the proxy and CA
variables of the environment) in one process uses one `_Clients`, which
hands out

- one sync `httpx2.Client` per process, built once even when 64 threads ask
  for it at the same moment;
- one `httpx2.AsyncClient` per event loop per process. A loop's client is
  closed on that loop when the loop shuts down (`asyncio.run`,
  `loop.shutdown_asyncgens()`), so `asyncio.run` twice, or a thread per
  loop, neither shares sockets between loops nor leaks them.

So derived models (`configurable_fields`, `with_config`, `bind`, copies, a
model built per request) reuse warm connections instead of each opening
(and leaking) its own. A pool's `close()` closes the shared clients only
when no other live pool uses them; otherwise it lets go of them. The sync
clients left at interpreter exit are closed then.

After `os.fork()` the child forgets every client it inherited (without
touching them: their sockets are the parent's) and builds its own on first
use; the parent keeps its pools. Clients you passed in are yours, shared by
copies and never closed here.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
import weakref
from collections.abc import AsyncGenerator
from typing import Any, TypeVar

import httpx2

from langchain_onerouter import errors

__all__ = ["ClientPool"]

_POOLS: weakref.WeakSet[_Clients] = weakref.WeakSet()
# client settings -> the clients every pool with those settings uses
_SHARED: dict[tuple[tuple[str, str | None], ...], _Clients] = {}
_SHARED_LOCK = threading.Lock()


# What a client reads from the environment when it is built (trust_env).
_ENV_READ = tuple(
    name
    for base in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
    for name in (base, base.lower())
) + ("SSL_CERT_FILE", "SSL_CERT_DIR")


def _shared(kwargs: dict[str, Any]) -> _Clients:
    # A proxy set after a client was built gets a client of its own.
    env = tuple((name, os.environ.get(name)) for name in _ENV_READ)
    settings = tuple(sorted((name, repr(value)) for name, value in kwargs.items()))
    key = (*settings, *env)
    with _SHARED_LOCK:
        clients = _SHARED.get(key)
        if clients is None:
            clients = _SHARED[key] = _Clients(kwargs)
        return clients


class ClientPool:
    """The clients of one transport: yours, or the process's shared ones.

    Args:
        client_kwargs: Passed to `httpx2.Client` / `httpx2.AsyncClient`;
            pools with equal settings share their clients.
        http_client / http_async_client: Your own clients, used as they are
            (in every thread, loop and copy) and never closed here.

    Example:
        ```python
        from langchain_onerouter._http.pool import ClientPool

        pool = ClientPool({"timeout": 5.0})
        assert pool.sync() is ClientPool({"timeout": 5.0}).sync()
        pool.close()
        ```
    """

    def __init__(
        self,
        client_kwargs: dict[str, Any],
        *,
        http_client: httpx2.Client | None = None,
        http_async_client: httpx2.AsyncClient | None = None,
    ) -> None:
        self._kwargs = client_kwargs
        self._user_client = http_client
        self._user_aclient = http_async_client
        self._clients = _shared(client_kwargs)
        self._hold()

    def _hold(self) -> None:
        self._held = True
        with self._clients.lock:
            self._clients.holders.add(self)

    def sync(self) -> httpx2.Client:
        """This process's sync client (built on first use)."""
        if self._user_client is not None:
            return self._user_client
        if not self._held:
            self._hold()
        return self._clients.sync()

    def current_async(self) -> httpx2.AsyncClient:
        """The async client of the running event loop (built on first use)."""
        if self._user_aclient is not None:
            return self._user_aclient
        if not self._held:
            self._hold()
        return self._clients.current_async()

    def _release(self) -> bool:
        """Let go of the shared clients; True when no other pool holds them."""
        self._held = False
        with self._clients.lock:
            self._clients.holders.discard(self)
            return not self._clients.holders

    def close(self) -> None:
        """Close the sync client unless another live pool uses it (never
        one you passed in). A later call reconnects."""
        if self._release():
            self._clients.close()

    async def aclose(self) -> None:
        """As `close`, and this loop's async client too. Other loops'
        clients close when their loop shuts down."""
        if self._release():
            await self._clients.aclose()

    # -- copies ----------------------------------------------------------
    def __copy__(self) -> ClientPool:
        return ClientPool(
            self._kwargs,
            http_client=self._user_client,
            http_async_client=self._user_aclient,
        )

    def __deepcopy__(self, memo: dict[int, Any]) -> ClientPool:
        return self.__copy__()

    def __reduce__(self) -> tuple[Any, ...]:
        # Your own clients cannot cross a process boundary (they hold locks
        # and sockets); pickling one raises the HTTP library's TypeError.
        return (
            _rebuild,
            (self._kwargs, self._user_client, self._user_aclient),
        )


def _rebuild(
    kwargs: dict[str, Any],
    http_client: httpx2.Client | None,
    http_async_client: httpx2.AsyncClient | None,
) -> ClientPool:
    return ClientPool(
        kwargs, http_client=http_client, http_async_client=http_async_client
    )


class _Clients:
    """The sync client and the per-loop async clients shared by every
    `ClientPool` with the same settings (`holders`: the live ones)."""

    def __init__(self, client_kwargs: dict[str, Any]) -> None:
        self._kwargs = client_kwargs
        self.holders: weakref.WeakSet[ClientPool] = weakref.WeakSet()
        self._reset()
        _POOLS.add(self)

    def _reset(self) -> None:
        """Forget every client (they are not closed: after a fork they are
        the parent's) and start with a fresh lock."""
        self.lock = threading.Lock()
        self._pid = os.getpid()
        self._client: httpx2.Client | None = None
        # loop -> (its client, the async generator that closes it with the loop)
        self._aclients: dict[
            asyncio.AbstractEventLoop, tuple[httpx2.AsyncClient, Any]
        ] = {}

    def _forget_inherited(self) -> None:
        """In a forked child: drop the parent's clients unused and unclosed
        (closing would act on the parent's sockets and loops)."""
        for _, closer in self._aclients.values():
            _finish(closer)  # its close is skipped: wrong process
        self._reset()

    def _check_pid(self) -> None:
        # `os.register_at_fork` covers os.fork and multiprocessing; this
        # covers a fork made behind Python's back.
        if self._pid != os.getpid():
            self._forget_inherited()

    # -- sync ------------------------------------------------------------
    def sync(self) -> httpx2.Client:
        """This process's sync client (built on first use)."""
        self._check_pid()
        client = self._client
        if client is None or client.is_closed:
            with self.lock:
                client = self._client
                if client is None or client.is_closed:
                    client = self._client = _new_client(self._kwargs)
        return client

    # -- async -----------------------------------------------------------
    def current_async(self) -> httpx2.AsyncClient:
        """The async client of the running event loop (built on first use)."""
        self._check_pid()
        loop = asyncio.get_running_loop()
        entry = self._aclients.get(loop)
        if entry is not None and not entry[0].is_closed:
            return entry[0]
        with self.lock:
            entry = self._aclients.get(loop)
            if entry is None or entry[0].is_closed:
                if entry is not None:
                    _finish(entry[1])
                self._forget_closed_loops()
                client = _new_async_client(self._kwargs)
                entry = self._aclients[loop] = (client, _close_with_loop(client, loop))
        return entry[0]

    def _forget_closed_loops(self) -> None:
        """Drop the clients of loops closed without `shutdown_asyncgens()`.

        Their sockets can no longer be closed through the loop; the garbage
        collector closes them.
        """
        for loop in [loop for loop in self._aclients if loop.is_closed()]:
            _, closer = self._aclients.pop(loop)
            _finish(closer)

    # -- closing ---------------------------------------------------------
    def close(self) -> None:
        """Close the sync client (never one you passed in)."""
        with self.lock:
            client, self._client = self._client, None
        if client is not None and self._pid == os.getpid():
            client.close()

    async def aclose(self) -> None:
        """Close the sync client and the running loop's async client.

        Other loops' clients close when their loop shuts down.
        """
        self.close()
        loop = asyncio.get_running_loop()
        with self.lock:
            entry = self._aclients.pop(loop, None)
        if entry is not None and self._pid == os.getpid():
            await entry[0].aclose()
            _finish(entry[1])


def _after_fork_in_child() -> None:
    global _SHARED_LOCK
    _SHARED_LOCK = threading.Lock()  # another thread may have held it at the fork
    for pool in list(_POOLS):
        pool._forget_inherited()


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _close_at_exit() -> None:
    # Shared sync clients outlive every model; close their sockets before
    # the interpreter's teardown reports them as unclosed.
    with _SHARED_LOCK:
        shared = list(_SHARED.values())
    for clients in shared:
        clients.close()


# -- closing a loop's client with its loop -------------------------------------


def _close_with_loop(
    client: httpx2.AsyncClient, loop: asyncio.AbstractEventLoop
) -> AsyncGenerator[None, None]:
    """An async generator, started now, whose `finally` closes `client`.

    The running loop tracks started async generators and closes each one in
    `shutdown_asyncgens()` (which `asyncio.run` calls before closing the
    loop), so the client's sockets are closed on their own loop, while it
    still runs. The caller keeps the generator alive: the loop holds it
    only weakly.
    """
    pid = os.getpid()

    async def closer() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            if os.getpid() == pid and not loop.is_closed() and not client.is_closed:
                await client.aclose()

    gen = closer()
    try:  # run to the first `yield` (no await before it): registers it
        gen.asend(None).send(None)
    except StopIteration:
        pass
    return gen


def _finish(closer: Any) -> None:
    """End a closer whose client is closed, or cannot be closed (its loop
    closed, or another process's), so no loop's finalizer runs it later.
    Its `finally` then has nothing to await: it ends at once."""
    try:
        closer.aclose().send(None)
    except (StopIteration, RuntimeError):
        pass


# -- building clients ---------------------------------------------------------


def _new_client(kwargs: dict[str, Any]) -> httpx2.Client:
    return _build(httpx2.Client, kwargs)


def _new_async_client(kwargs: dict[str, Any]) -> httpx2.AsyncClient:
    return _build(httpx2.AsyncClient, kwargs)


_C = TypeVar("_C", httpx2.Client, httpx2.AsyncClient)


def _build(cls: type[_C], kwargs: dict[str, Any]) -> _C:
    # Not transport=...: that would turn off proxies from the environment.
    try:
        return cls(**kwargs)
    except ImportError as exc:  # e.g. ALL_PROXY=socks5://... without socksio
        raise errors.OneRouterError(
            f"cannot build the HTTP client: {exc} (a socks5:// proxy from "
            "ALL_PROXY/HTTPS_PROXY needs `pip install httpx2[socks]`)"
        ) from exc
