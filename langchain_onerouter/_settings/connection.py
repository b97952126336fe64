"""`OneRouterConnection`: the connection fields of the chat model, embeddings
and rerank, declared once (key, base URL, timeouts, retries, caps, headers,
injected clients), their checks, one unknown-keyword policy, and the
per-instance `Transport` built from them. Light: no HTTP library is loaded."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Self

from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    model_validator,
)

from langchain_onerouter._http.budget import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_SSE_LINE_BYTES,
    DEFAULT_TOTAL_TIMEOUT,
    Limits,
)
from langchain_onerouter._http.owner import (
    HttpAsyncClient,
    HttpClient,
    HttpTimeout,
    OwnPoolCopies,
)
from langchain_onerouter._mapping.names import nearest
from langchain_onerouter._settings.checks import (
    check_base_url,
    check_headers,
    check_timeout,
    require_api_key,
)
from langchain_onerouter._settings.env import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
)

if TYPE_CHECKING:
    from langchain_onerouter._http.transport import Transport


class OneRouterConnection(OwnPoolCopies, BaseModel):
    """Connection fields and one pooled `Transport` per instance (internal)."""

    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(API_KEY_ENV, default=None)
    )
    """Bearer key; defaults to the `ONEROUTER_API_KEY` environment variable.
    An empty or blank key is refused at construction."""
    base_url: str = Field(
        default_factory=from_env(BASE_URL_ENV, default=DEFAULT_BASE_URL)
    )
    """API root; defaults to `ONEROUTER_BASE_URL`, else OneRouter's endpoint."""
    timeout: float | HttpTimeout | None = None
    """Seconds or an `httpx.Timeout`. Default: 600 s read (also the longest
    silence allowed between two stream events), 10 s connect."""
    total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT
    """Deadline of a whole call in seconds: every attempt, retry wait and the
    stream to its last event (default 1800; None: no bound). Exceeded:
    `APITimeoutError` with `code="total_timeout"`, not retried."""
    max_response_bytes: int = Field(default=DEFAULT_MAX_RESPONSE_BYTES, gt=0)
    """Cap on a response body after decompression (default 64 MiB); over it:
    `ResponseTooLargeError`."""
    max_sse_line_bytes: int = Field(default=DEFAULT_MAX_SSE_LINE_BYTES, gt=0)
    """Cap on one line of a stream (default 16 MiB); over it:
    `ResponseTooLargeError`."""
    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt (429, 408, 409, 5xx, connection errors)."""
    max_concurrent_requests: int | None = Field(default=None, ge=1)
    """Opt-in cap on requests in flight, shared by every chat, embeddings and
    rerank model in this process with the same key and base URL (sync and
    async); calls over it wait their turn. OneRouter's community tier allows
    30. None: no cap."""
    default_headers: dict[str, str] | None = None
    """Extra headers for every request; an invalid name or a value with a line
    break, control or non-ASCII character is refused at construction."""
    http_client: HttpClient | None = Field(default=None, exclude=True)
    """Your own sync client (proxies, TLS, pool); never closed by us."""
    http_async_client: HttpAsyncClient | None = Field(default=None, exclude=True)
    """Your own async client; never closed by us."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Any other payload field, passed through. Unknown constructor keywords
    land here, with a warning naming the nearest field."""

    # hide_input_in_errors: a validation error would otherwise print the
    # constructor's arguments, the API key among them.
    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True
    )

    _PAYLOAD_FIELDS: ClassVar[Collection[str]] = ()
    """Request fields an unknown keyword may name: moved without a warning."""

    _transport: Transport | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: Any) -> Any:
        """`model_name=` → `model`; unknown keywords → `model_kwargs`."""
        if not isinstance(values, dict):
            return values
        known = set(cls.model_fields) | {
            f.alias for f in cls.model_fields.values() if f.alias
        }
        return move_unknown_fields(values, known, cls.__name__, cls._PAYLOAD_FIELDS)

    @model_validator(mode="after")
    def _check_connection(self) -> Self:
        self.api_key = require_api_key(self.api_key)
        check_timeout("timeout", self.timeout)
        check_timeout("total_timeout", self.total_timeout)
        check_base_url(self.base_url)
        check_headers(self.default_headers)
        return self

    def _limits(self) -> Limits:
        return Limits(
            total_timeout=self.total_timeout,
            max_response_bytes=self.max_response_bytes,
            max_sse_line_bytes=self.max_sse_line_bytes,
        )


def move_unknown_fields(
    values: Mapping[str, Any],
    known: Collection[str],
    owner: str,
    payload_fields: Collection[str] = (),
) -> dict[str, Any]:
    """Constructor keywords, with `model_name` read as `model` and the keywords
    `owner` has no field for moved into `model_kwargs` (as ChatOpenAI and
    OpenAIEmbeddings do). A name in `payload_fields` moves silently; any other
    warns, naming the nearest field, since it is most likely a typo.
    """
    values = dict(values)
    if "model_name" in values and "model_name" not in known:
        if "model" in values:
            raise ValueError("pass model=... or model_name=..., not both")
        values["model"] = values.pop("model_name")
    extra = {name: values.pop(name) for name in list(values) if name not in known}
    if not extra:
        return values
    model_kwargs = dict(values.get("model_kwargs") or {})
    for name, value in extra.items():
        if name in model_kwargs:
            raise ValueError(f"{name!r} is given both as a keyword and in model_kwargs")
        if name not in payload_fields:
            hint = nearest(name, {*known, *payload_fields})
            warnings.warn(
                f"{owner} has no field {name!r}{hint}; it was moved into "
                "model_kwargs and will be sent in the request body as is.",
                UserWarning,
                stacklevel=_user_stacklevel(),
            )
        model_kwargs[name] = value
    values["model_kwargs"] = model_kwargs
    return values


_INTERNAL = ("pydantic", "langchain_core", "langchain_onerouter")


def _user_stacklevel() -> int:
    """`warnings.warn`'s stacklevel, from its caller, for the first frame
    outside pydantic, langchain-core and this package: the user's line."""
    frame = sys._getframe(2)
    level = 2
    while frame.f_back is not None and str(
        frame.f_globals.get("__name__", "")
    ).startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    return level
