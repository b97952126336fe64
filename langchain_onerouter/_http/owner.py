"""What a pydantic model owning a `Transport` shares (the chat model, and
`OneRouterConnection` behind embeddings and rerank).

- `OwnPoolCopies`: the lifecycle of the model's `_transport`.
- `HttpClient`, `HttpAsyncClient`, `HttpTimeout`: field types for an
  `httpx2.Client`, `httpx2.AsyncClient` and `httpx2.Timeout`, or the same
  class of legacy `httpx` (checked only when it is loaded: a client you pass
  in has loaded it, and checking never imports it).
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Annotated, Any, Self

import httpx2
from pydantic import GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

__all__ = ["HttpAsyncClient", "HttpClient", "HttpTimeout", "OwnPoolCopies"]


class _HttpxInstance:
    """pydantic metadata: an instance of `httpx2.<name>` or `httpx.<name>`.

    The error is pydantic's own `is_instance_of`, naming the field, as for
    a field typed with the httpx2 class.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(self._check)

    def _check(self, value: Any) -> Any:
        if isinstance(value, getattr(httpx2, self.name)):
            return value
        legacy = sys.modules.get("httpx")  # not loaded: `value` is none of its
        if legacy is not None and isinstance(value, getattr(legacy, self.name)):
            return value
        raise PydanticCustomError(
            "is_instance_of",
            "Input should be an instance of httpx.{class_name} or httpx2.{class_name}",
            {"class_name": self.name},
        )


if TYPE_CHECKING:
    HttpClient = httpx2.Client
    HttpAsyncClient = httpx2.AsyncClient
    HttpTimeout = httpx2.Timeout
else:
    HttpClient = Annotated[Any, _HttpxInstance("Client")]
    HttpAsyncClient = Annotated[Any, _HttpxInstance("AsyncClient")]
    HttpTimeout = Annotated[Any, _HttpxInstance("Timeout")]


# Guards the lazy creation of a model's transport (one per instance).
_TRANSPORT_LOCK = threading.Lock()


class OwnPoolCopies:
    """Lifecycle of a pydantic model's `_transport`, built by `_new_transport()`
    from the connection fields every owner has (`base_url`, `api_key`,
    `timeout`, `max_retries`, `default_headers`, `http_client`,
    `http_async_client`) and `_limits()`.

    `_get_transport()` builds it once, on first use, even when many threads
    ask at the same moment; with `max_concurrent_requests` set, its requests
    take slots of the process's cap for the key and base URL.
    A copy (`copy`, `deepcopy`, `pickle`, `model_copy`) builds its own
    transport from its own settings on first use, so `model_copy(update=...)`
    takes effect; the HTTP clients underneath are the process's, shared by
    every model with the same client settings (see `pool`). `close()` /
    `aclose()` (or `with` / `async with`) let go of them. Clients you passed
    in (`http_client`, `http_async_client`) are shared by copies, never
    copied or closed; a model holding one cannot be pickled (a clear
    `TypeError`).
    """

    # No annotations here: pydantic would take them for fields.
    _USER_CLIENTS = ("http_client", "http_async_client")

    def _get_transport(self) -> Any:
        if self._transport is None:  # type: ignore[has-type]
            with _TRANSPORT_LOCK:
                if self._transport is None:  # type: ignore[has-type]
                    self._transport = self._new_transport()
        return self._transport

    def _new_transport(self) -> Any:
        from langchain_onerouter._http.transport import Transport

        owner: Any = self  # the fields are the pydantic subclass's
        transport = Transport(
            base_url=owner.base_url,
            api_key=owner.api_key,
            timeout=owner.timeout,
            max_retries=owner.max_retries,
            default_headers=owner.default_headers,
            http_client=owner.http_client,
            http_async_client=owner.http_async_client,
            limits=self._limits(),
        )
        cap = getattr(owner, "max_concurrent_requests", None)
        if cap is None:
            return transport
        from langchain_onerouter._http.concurrency import CappedTransport, cap_for

        key = owner.api_key.get_secret_value() if owner.api_key else None
        return CappedTransport(transport, cap_for(key, owner.base_url, cap))

    # -- closing -------------------------------------------------------------
    def close(self) -> None:
        """Let go of this model's connections: they close unless another live
        model with the same settings shares them. Clients you passed in stay
        open. A later call reconnects."""
        transport, self._transport = self._transport, None  # type: ignore[has-type]
        if transport is not None:
            transport.close()

    async def aclose(self) -> None:
        """As `close`, and the running event loop's connections too."""
        transport, self._transport = self._transport, None  # type: ignore[has-type]
        if transport is not None:
            await transport.aclose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _limits(self) -> Any:
        """The transport's response caps (None: `Limits()`'s defaults)."""
        return None

    def __copy__(self) -> Any:
        copied = super().__copy__()  # type: ignore[misc]
        copied._transport = None
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        memo = {} if memo is None else memo
        names = (*self._USER_CLIENTS, "_transport")
        for shared in (getattr(self, name) for name in names):
            if shared is not None:
                memo.setdefault(id(shared), shared)
        copied = super().__deepcopy__(memo)  # type: ignore[misc]
        copied._transport = None
        return copied

    def __getstate__(self) -> dict[Any, Any]:
        yours = [n for n in self._USER_CLIENTS if getattr(self, n) is not None]
        if yours:
            raise TypeError(
                f"cannot pickle a {type(self).__name__} with {' and '.join(yours)} "
                "set: an HTTP client holds sockets and locks that cannot cross "
                "processes. Build the model (and its client) in the worker, or "
                "leave the client unset so the copy makes its own connections."
            )
        state: dict[Any, Any] = super().__getstate__()  # type: ignore[misc,assignment]
        private = dict(state.get("__pydantic_private__") or {})
        private["_transport"] = None
        return {**state, "__pydantic_private__": private}
