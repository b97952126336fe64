"""The connection settings that `OneRouterEmbeddings` and `OneRouterRerank` share
with the chat model: key, base URL, timeout, retries, headers, injected clients,
and the per-instance `Transport` built from them."""

from __future__ import annotations

import difflib
from typing import Any, Self

from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    model_validator,
)

from langchain_onerouter._http.owner import (
    HttpAsyncClient,
    HttpClient,
    HttpTimeout,
    OwnPoolCopies,
)
from langchain_onerouter._http.transport import Transport
from langchain_onerouter._settings.fields import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    check_base_url,
    check_timeout,
    require_api_key,
)


class OneRouterConnection(OwnPoolCopies, BaseModel):
    """Connection fields and one pooled `Transport` per instance (internal)."""

    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(API_KEY_ENV, default=None)
    )
    """Bearer key; defaults to the `ONEROUTER_API_KEY` environment variable."""
    base_url: str = Field(
        default_factory=from_env(BASE_URL_ENV, default=DEFAULT_BASE_URL)
    )
    """API root; defaults to `ONEROUTER_BASE_URL`, else OneRouter's endpoint."""
    timeout: float | HttpTimeout | None = None
    """Seconds or an `httpx.Timeout`. Default: 600 s read, 10 s connect."""
    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt (429, 408, 409, 5xx, connection errors)."""
    default_headers: dict[str, str] | None = None
    """Extra headers for every request."""
    http_client: HttpClient | None = Field(default=None, exclude=True)
    """Your own sync client (proxies, TLS, pool); never closed by us."""
    http_async_client: HttpAsyncClient | None = Field(default=None, exclude=True)
    """Your own async client; never closed by us."""

    model_config = ConfigDict(
        populate_by_name=True,
        arbitrary_types_allowed=True,
        extra="forbid",
        hide_input_in_errors=True,  # else errors print the key passed in
    )

    _transport: Transport | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown(cls, values: Any) -> Any:
        if isinstance(values, dict):
            known = set(cls.model_fields) | {
                f.alias for f in cls.model_fields.values() if f.alias
            }
            for name in values:
                if name not in known:
                    close = difflib.get_close_matches(str(name), sorted(known), n=1)
                    hint = f"; did you mean {close[0]!r}?" if close else ""
                    raise ValueError(
                        f"{cls.__name__} has no setting {name!r}{hint} (pass other "
                        "payload fields in model_kwargs)"
                    )
        return values

    @model_validator(mode="after")
    def _check_connection(self) -> Self:
        self.api_key = require_api_key(self.api_key)
        check_timeout("timeout", self.timeout)
        check_base_url(self.base_url)
        return self
