"""The emulator's HTTP protocol: uvicorn's, plus a header timeout and
`TCP_NODELAY` on every connection.

uvicorn times out idle keep-alive connections but not a client that sends
its request headers a byte at a time (slowloris): each byte re-arms nothing
and the connection stays open. Here a request's headers must be complete
within `header_timeout` seconds of the connection opening (or of the previous
response ending), else the connection is closed.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

try:  # uvicorn[standard] brings httptools; plain uvicorn has h11
    from uvicorn.protocols.http.httptools_impl import (
        HttpToolsProtocol as _BaseProtocol,
    )
except ImportError:  # pragma: no cover - depends on the installed extras
    from uvicorn.protocols.http.h11_impl import (  # type: ignore[assignment]
        H11Protocol as _BaseProtocol,
    )

HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's headers."""


def protocol_class(header_timeout: float = HEADER_TIMEOUT) -> type[Any]:
    """uvicorn's HTTP protocol class with the header timeout and TCP_NODELAY."""

    class GuardedProtocol(_BaseProtocol):  # type: ignore[misc, valid-type]
        _header_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                # Small responses leave at once, never waiting on a delayed ACK.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._arm()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self._header_timer is not None and self._busy():
                self._disarm()  # a request's headers are complete

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(header_timeout, self._expire)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _expire(self) -> None:
            self._header_timer = None
            if not self._busy() and not self.transport.is_closing():
                self.transport.close()

        def _busy(self) -> bool:
            """A request is being answered (its headers arrived)."""
            return self.cycle is not None and not self.cycle.response_complete

    return GuardedProtocol
