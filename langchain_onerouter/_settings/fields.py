"""Settings: environment names, defaults, allowed values, and the merge of a
model's settings with per-call overrides into validated request parameters.

Pure and light: stdlib plus `routing` (the CLI imports it before anything heavy). Every other
module takes its names, defaults and checks from here:

>>> params = call_params(
...     model_params({"model": "o4-mini", "max_tokens": 64}), {"reasoning_effort": "low"}
... )
>>> params
{'model': 'o4-mini', 'max_output_tokens': 64, 'reasoning': {'effort': 'low'}}
"""

from __future__ import annotations

import ipaddress
import math
import os
import unicodedata
import warnings
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from langchain_onerouter._mapping.routing import apply_routing
from langchain_onerouter._settings.env import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
)
from langchain_onerouter._settings.names import nearest

ENCRYPTED_REASONING = "reasoning.encrypted_content"

# -- allowed values ------------------------------------------------------------------
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
REASONING_SUMMARIES = ("auto", "concise", "detailed")
CALL_ONLY = ("stop", "stream", "strict_capabilities", "reasoning_fallback_retry")
"""Per-call keywords that are settings of ours, never payload fields."""
ROUTING_KEYWORDS = ("fallback_models", "fallback_rules", "provider", "usage_accounting")
"""Routing settings (model fields and per-call keywords), mapped by `call_params`."""
ONEROUTER_EXTENSIONS = ("fallback_models", "fallback_rules", "provider", "usage")
"""Request fields OneRouter documents beyond the Responses API (see routing.py)."""

# -- what a request may carry ----------------------------------------------------------
RESPONSES_REQUEST_FIELDS = frozenset(
    {
        "background",
        "context_management",
        "conversation",
        "include",
        "input",
        "instructions",
        "max_output_tokens",
        "max_tool_calls",
        "metadata",
        "model",
        "moderation",
        "parallel_tool_calls",
        "previous_response_id",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "truncation",
        "user",
    }
)
"""Top-level properties of the Responses API's `CreateResponse` schema (OpenAI's
OpenAPI document; tests/mapping/test_settings.py checks this list against it)."""
ONEROUTER_REQUEST_FIELDS = frozenset(ONEROUTER_EXTENSIONS)
"""OneRouter's documented additions to the body (routing, usage accounting);
`routing.py` types and checks them. New extensions go in ONEROUTER_EXTENSIONS."""
REQUEST_FIELDS = RESPONSES_REQUEST_FIELDS | ONEROUTER_REQUEST_FIELDS
"""Every top-level field a request may carry (the emulator rejects the rest)."""
CALL_SETTINGS = frozenset(
    {"max_tokens", "reasoning_effort", "request_metadata", "extra_body"}
    | set(ROUTING_KEYWORDS)
)
"""Per-call keywords of ours that become payload fields (under their payload name)."""
LANGCHAIN_KWARGS = frozenset(
    {"response_format", "ls_structured_output_format", "structured_output_format"}
)
"""Keywords LangChain's agents and tracing pass to a chat model. The tracing
ones are not sent; `response_format` is (the Responses API wants `text.format`)."""
_NOT_SENT = frozenset(CALL_ONLY) | {
    "ls_structured_output_format",
    "structured_output_format",
}
_BUILT = frozenset({"input", "stream"})
"""Request fields we build ourselves, never taken from a keyword."""
CALL_KEYWORDS = (
    (RESPONSES_REQUEST_FIELDS - _BUILT - {"metadata"})
    | ONEROUTER_REQUEST_FIELDS
    | CALL_SETTINGS
    | LANGCHAIN_KWARGS
    | set(CALL_ONLY)
)
"""Every keyword `invoke`/`stream`/`batch`/`.bind` accept (`check_call_keywords`).
Not `metadata`: LangChain's tracing owns that name; ours is `request_metadata`."""


def resolve_base_url(base_url: str | None = None) -> str:
    """`base_url`, else `ONEROUTER_BASE_URL`, else OneRouter's endpoint."""
    return base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


# -- the merge -----------------------------------------------------------------------
def model_params(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A model's fields (by field name) → request parameters (by payload name).

    Renames `max_tokens` → `max_output_tokens` and `request_metadata` →
    `metadata`, folds `reasoning_effort` into `reasoning` and
    `use_encrypted_reasoning` into `include`, merges `model_kwargs`, keeps
    `extra_body` under its name (`call_params` merges it last), and leaves out
    unset values. Not validated (see `call_params`).
    """
    reasoning = dict(fields.get("reasoning") or {})
    if fields.get("reasoning_effort") is not None:
        reasoning["effort"] = fields["reasoning_effort"]
    params: dict[str, Any] = {
        "model": fields.get("model"),
        "temperature": fields.get("temperature"),
        "top_p": fields.get("top_p"),
        "max_output_tokens": fields.get("max_tokens"),
        "reasoning": reasoning or None,
        "instructions": fields.get("instructions"),
        "include": _include(
            fields.get("include"), bool(fields.get("use_encrypted_reasoning"))
        ),
        "store": fields.get("store"),
        "parallel_tool_calls": fields.get("parallel_tool_calls"),
        "metadata": fields.get("request_metadata"),
        # routing (see routing.py): mapped to body fields by `call_params`
        "fallback_models": fields.get("fallback_models"),
        "fallback_rules": fields.get("fallback_rules"),
        "provider": fields.get("provider"),
        "usage_accounting": fields.get("usage_accounting") or None,
        **(fields.get("model_kwargs") or {}),
        "extra_body": fields.get("extra_body"),
    }
    return {k: v for k, v in params.items() if v is not None}


def _include(include: Any, encrypted_reasoning: bool) -> list[str] | None:
    values = list(include or [])
    if encrypted_reasoning and ENCRYPTED_REASONING not in values:
        values.append(ENCRYPTED_REASONING)
    return values or None


def merge_params(
    defaults: Mapping[str, Any], overrides: Mapping[str, Any]
) -> dict[str, Any]:
    """Model parameters with per-call overrides (`invoke(..., **kwargs)`), unvalidated.

    Per-call names are the model's: `max_tokens`, `request_metadata` and
    `reasoning_effort` are mapped as in `model_params`, a per-call
    `extra_body` is merged into the model's; `stop`/`stream` and LangChain's
    tracing keywords are not payload fields.
    """
    params = dict(defaults)
    for key, value in overrides.items():
        if key in _NOT_SENT:
            continue
        if key == "max_tokens":
            key = "max_output_tokens"
        elif key == "request_metadata":
            key = "metadata"
        elif key == "reasoning_effort":
            params["reasoning"] = {**params.get("reasoning", {}), "effort": value}
            continue
        elif key == "extra_body" and value is not None:
            value = {**(params.get("extra_body") or {}), **_extra_body(value)}
        params[key] = value
    return params


def call_params(
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    model_fields: Collection[str] = (),
) -> dict[str, Any]:
    """`merge_params`, then the routing settings checked and mapped to their
    body fields (`routing.apply_routing`: `usage_accounting` becomes
    `usage: {"include": true}`), then `validate_params`: what one request is
    built from. Per-call keywords are checked first (`check_call_keywords`);
    `extra_body` is merged last, verbatim; every value must be JSON."""
    check_call_keywords(overrides, model_fields)
    params = apply_routing(merge_params(defaults, overrides))
    extra = _extra_body(params.pop("extra_body", None))
    validate_params(params)
    params.update(extra)  # verbatim: after the checks, over every other field
    for key, value in params.items():
        check_json(value, key)
    return params


def check_call_keywords(
    overrides: Mapping[str, Any], model_fields: Collection[str] = ()
) -> None:
    """Raise `TypeError` for a per-call keyword that is neither one of ours, a
    Responses request field nor a OneRouter extension, naming the nearest valid
    one. `extra_body={...}` is the way to send anything else.

    >>> check_call_keywords({"temprature": 0.2})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: unknown keyword 'temprature' (did you mean 'temperature'?). ...
    """
    for key in overrides:
        if key not in CALL_KEYWORDS:
            raise TypeError(_unknown_call_keyword(key, model_fields))


def _unknown_call_keyword(key: str, model_fields: Collection[str]) -> str:
    if key == "metadata":
        return (
            "per-call 'metadata' is ambiguous: LangChain reserves it for tracing "
            "(invoke(..., config={'metadata': ...})). Send the request's metadata "
            "with request_metadata={...}."
        )
    if key in _BUILT:
        return f"{key!r} cannot be passed per call: it is built from the messages"
    if key in model_fields:
        return (
            f"{key!r} is a setting of the model, not of one call: pass it when "
            "constructing ChatOneRouterResponses"
        )
    return (
        f"unknown keyword {key!r}{nearest(key, CALL_KEYWORDS)}. Per-call keywords "
        "are Responses API request fields, OneRouter extensions and our settings "
        "(see docs/configuration.md); send anything else with extra_body={...}."
    )


def _extra_body(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"extra_body must be a dict with str keys, got {value!r}")
    return dict(value)


def check_json(value: Any, where: str) -> None:
    """Raise `ValueError` naming `where` (e.g. `provider.order[1]`) when `value`
    cannot be sent as JSON: NaN/Infinity (which would go out as `null`),
    non-str dict keys, or a type the JSON encoder refuses.

    >>> check_json({"a": [1, float("nan")]}, "model_kwargs")
    Traceback (most recent call last):
    ...
    ValueError: request field model_kwargs.a[1] is nan: JSON has no NaN or Infinity
    """
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"request field {where} is {value!r}: JSON has no NaN or Infinity"
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"request field {where} has a non-string key {key!r}")
            check_json(item, f"{where}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]")
    else:
        _check_encodable(value, where)


def _check_encodable(value: Any, where: str) -> None:
    import orjson  # other types: whatever the body encoder accepts

    try:
        orjson.dumps(value)
    except TypeError:
        raise ValueError(
            f"request field {where} is not JSON-serializable: "
            f"{type(value).__name__} {value!r:.80}"
        ) from None


# -- validation ------------------------------------------------------------------------
def validate_params(params: Mapping[str, Any]) -> None:
    """Raise `ValueError` naming the first invalid setting (before any request).

    >>> validate_params({"model": "o4-mini", "temperature": 3})
    Traceback (most recent call last):
    ...
    ValueError: temperature must be between 0 and 2, got 3
    """
    model = params.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty string, got {model!r}")
    tokens = params.get("max_output_tokens")
    if tokens is not None and (
        isinstance(tokens, bool) or not isinstance(tokens, int) or tokens < 1
    ):
        raise ValueError(
            f"max_tokens (max_output_tokens) must be a positive integer, got {tokens!r}"
        )
    _check_range(params, "temperature", 0.0, 2.0)
    _check_range(params, "top_p", 0.0, 1.0)
    reasoning = params.get("reasoning")
    if reasoning is not None:
        if not isinstance(reasoning, Mapping):
            raise ValueError(f"reasoning must be a dict, got {reasoning!r}")
        _check_choice("reasoning effort", reasoning.get("effort"), REASONING_EFFORTS)
        _check_choice(
            "reasoning summary", reasoning.get("summary"), REASONING_SUMMARIES
        )
    include = params.get("include")
    if include is not None and (
        not isinstance(include, (list, tuple))
        or not all(isinstance(i, str) for i in include)
    ):
        raise ValueError(f"include must be a list of strings, got {include!r}")


def _check_range(params: Mapping[str, Any], key: str, lo: float, hi: float) -> None:
    value = params.get(key)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key} must be a number, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{key} must be between {lo:g} and {hi:g}, got {value!r}")


def _check_choice(what: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, got {value!r}")


def check_base_url(url: str) -> None:
    """Reject non-HTTP URLs; warn when the key would cross a network in clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {url!r}"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        warnings.warn(
            f"base_url {url!r} uses plain http:// to a non-loopback host: the "
            "API key travels unencrypted. Use https://.",
            UserWarning,
            stacklevel=2,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clean_api_key(key: str) -> str:
    """`key` without surrounding whitespace (a trailing newline from a file or
    `echo`); `ValueError` (never showing the key) when what is left has a
    space, a control or a non-ASCII character: HTTP headers cannot carry it.

    >>> _clean_api_key("sk-or-abc\\n")
    'sk-or-abc'
    """
    cleaned = key.strip()
    for index, char in enumerate(cleaned):
        if not (char.isascii() and char.isprintable()) or char == " ":
            raise ValueError(
                f"api_key has a character an HTTP header cannot carry at position "
                f"{index} ({unicodedata.name(char, 'control character')}); check "
                "the key for stray quotes, spaces or pasted formatting."
            )
    return cleaned


def require_api_key(key: SecretStr | None) -> SecretStr:
    """The key, cleaned (`_clean_api_key`); `ValueError` when there is none.

    >>> require_api_key(SecretStr("sk-or-abc\\n")).get_secret_value()
    'sk-or-abc'
    """
    if key is None:
        raise ValueError(
            f"No OneRouter API key: pass api_key=... or set the {API_KEY_ENV} "
            "environment variable."
        )
    return SecretStr(_clean_api_key(key.get_secret_value()))


MAX_TIMEOUT = 86_400.0
"""Longest timeout accepted, in seconds (a day): larger values overflow
socket timeouts or never fire."""


def check_timeout(name: str, value: Any) -> None:
    """Reject a timeout that cannot work, naming the setting: not a number,
    <= 0, nan, infinite, or over `MAX_TIMEOUT`. `None` means the default;
    an `httpx.Timeout` is checked phase by phase (its `None` = no limit).

    >>> check_timeout("timeout", 0)
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a number of seconds in (0, 86400], got 0
    """
    if value is None:
        return
    if hasattr(value, "as_dict"):  # httpx.Timeout
        for phase, seconds in value.as_dict().items():
            check_timeout(f"{name}.{phase}", seconds)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be seconds (a number), got {value!r}")
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise ValueError(
            f"{name} must be a number of seconds in (0, {MAX_TIMEOUT:g}], got {value!r}"
        )
