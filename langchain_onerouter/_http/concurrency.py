"""A process-wide cap on requests in flight, per API key and base URL.

Every model (chat, embeddings, rerank) built with `max_concurrent_requests`
and the same key and base URL takes its slots from one `ConcurrencyCap`,
whether it calls from threads or from any number of event loops, so a
parallel `batch` or several agents queue here instead of collecting 429s.
Waiters are served first come, first served; a cancelled waiter gives its
slot on.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

__all__ = ["ConcurrencyCap", "CappedTransport", "cap_for"]

_Waiter = threading.Event | tuple[asyncio.AbstractEventLoop, "asyncio.Future[None]"]


class ConcurrencyCap:
    """At most `limit` holders at once, across threads and event loops.

    Example:
        ```python
        cap = ConcurrencyCap(2)
        with cap.slot():
            ...  # at most two of these run at a time in this process
        ```
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    def _try_take(self) -> bool:
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
            return True
        return False

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot (blocking the thread while none is free)."""
        with self._lock:
            event = None if self._try_take() else threading.Event()
            if event is not None:
                self._waiters.append(event)
        if event is not None:
            try:
                event.wait()  # `release` hands its slot over before setting it
            except BaseException:  # e.g. KeyboardInterrupt while queued
                self._withdraw(event)
                raise
        try:
            yield
        finally:
            self.release()

    @asynccontextmanager
    async def aslot(self) -> AsyncIterator[None]:
        """Hold one slot (awaiting, never blocking the loop)."""
        loop = asyncio.get_running_loop()
        with self._lock:
            waiter = None if self._try_take() else (loop, loop.create_future())
            if waiter is not None:
                self._waiters.append(waiter)
        if waiter is not None:
            try:
                await waiter[1]
            except asyncio.CancelledError:
                self._withdraw(waiter)
                raise
        try:
            yield
        finally:
            self.release()

    def _withdraw(self, waiter: _Waiter) -> None:
        """A waiter gives up: leave the queue, or pass on the slot it was
        handed already."""
        with self._lock:
            queued = waiter in self._waiters
            if queued:
                self._waiters.remove(waiter)
        if not queued:
            self.release()

    def release(self) -> None:
        """Hand the slot to the first waiter, or free it."""
        with self._lock:
            while self._waiters:
                if _wake(self._waiters.popleft()):
                    return
            self.in_flight -= 1


def _wake(waiter: _Waiter) -> bool:
    """Give `waiter` the slot; False when it can no longer take it."""
    if isinstance(waiter, threading.Event):
        waiter.set()
        return True
    loop, future = waiter
    try:
        loop.call_soon_threadsafe(_resolve, future)
    except RuntimeError:  # its loop is closed
        return False
    return True


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


# (sha256 of the key, base URL) -> the cap every model with them shares
_CAPS: dict[tuple[str, str], ConcurrencyCap] = {}
_CAPS_LOCK = threading.Lock()


def cap_for(api_key: str | None, base_url: str, limit: int) -> ConcurrencyCap:
    """The process's cap for this key and base URL. Models asking for
    different limits share one, at the smallest asked for."""
    digest = hashlib.sha256((api_key or "").encode()).hexdigest()
    key = (digest, base_url.rstrip("/"))
    with _CAPS_LOCK:
        cap = _CAPS.get(key)
        if cap is None:
            cap = _CAPS[key] = ConcurrencyCap(limit)
        elif limit < cap.limit:
            cap.limit = limit
        return cap


def _after_fork_in_child() -> None:
    global _CAPS_LOCK
    _CAPS_LOCK = threading.Lock()
    _CAPS.clear()  # the parent's slots are the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class CappedTransport:
    """A `Transport` whose requests each hold a slot of `cap` (a stream,
    until it is closed); everything else is the transport's."""

    def __init__(self, transport: Any, cap: ConcurrencyCap) -> None:
        self._transport = transport
        self.cap = cap

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)

    def _held(self, method: str, *args: Any, **kwargs: Any) -> Any:
        with self.cap.slot():
            return getattr(self._transport, method)(*args, **kwargs)

    async def _aheld(self, method: str, *args: Any, **kwargs: Any) -> Any:
        async with self.cap.aslot():
            return await getattr(self._transport, method)(*args, **kwargs)

    def post(self, *args: Any, **kwargs: Any) -> Any:
        return self._held("post", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._held("get", *args, **kwargs)

    async def apost(self, *args: Any, **kwargs: Any) -> Any:
        return await self._aheld("apost", *args, **kwargs)

    async def aget(self, *args: Any, **kwargs: Any) -> Any:
        return await self._aheld("aget", *args, **kwargs)

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        with self.cap.slot():
            events = self._transport.stream(*args, **kwargs)
            try:
                yield from events
            finally:
                events.close()

    async def astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        async with self.cap.aslot():
            events = self._transport.astream(*args, **kwargs)
            try:
                async for event in events:
                    yield event
            finally:
                await events.aclose()
