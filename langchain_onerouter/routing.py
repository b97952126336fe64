"""Routing settings as users write them: model fallbacks, provider
preferences, usage accounting, and `routing_from_env`. Pure, no I/O.

OneRouter documents (pages "Model Routing", "Provider Routing and Fallbacks",
"Usage Accounting") three request fields beyond the OpenAI ones:

- `fallback_models`: model ids tried in order when the primary one fails,
  with `fallback_rules` (`"auto"`, or an object of triggers) saying when;
- `provider`: which upstream providers may serve the request, in which order;
- `usage: {"include": true}`: add the `cost` of the call to its usage.

The TypedDicts below give editors completion for them. The chat model checks
them before any request (wrong types raise `TypeError`, bad values
`ValueError`, both naming the field; keys we do not know are sent as given,
with a warning: OneRouter adds keys faster than this package).

>>> routing_from_env({"ONEROUTER_FALLBACK_MODELS": "gpt-5-chat",
...                   "ONEROUTER_USAGE_ACCOUNTING": "1"})
{'fallback_models': ['gpt-5-chat'], 'usage_accounting': True}
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Literal

from typing_extensions import TypedDict

from langchain_onerouter._settings.env import (
    FALLBACK_MODELS_ENV,
    FALLBACK_RULES_ENV,
    MODEL_ENV,
    PROVIDER_ENV,
    USAGE_ACCOUNTING_ENV,
)

__all__ = [
    "FallbackTrigger",
    "MaxPrice",
    "PercentileCutoffs",
    "ProviderPreferences",
    "ProviderSort",
    "routing_from_env",
]


class MaxPrice(TypedDict, total=False):
    """Highest price accepted, in USD per million tokens (`request`: per call).

    Example:
        ```python
        provider = {"max_price": {"prompt": 1.0, "completion": 4.0}}
        ```
    """

    prompt: float
    completion: float
    request: float
    image: float


class PercentileCutoffs(TypedDict, total=False):
    """Per-percentile cutoffs for `preferred_min_throughput` / `_max_latency`.

    Example:
        ```python
        provider = {"preferred_min_throughput": {"p50": 50, "p90": 20}}
        ```
    """

    p50: float
    p75: float
    p90: float
    p99: float


class ProviderSort(TypedDict, total=False):
    """`provider.sort` in its object form (sent as given).

    Example:
        ```python
        provider = {"sort": {"by": "throughput", "partition": "none"}}
        ```
    """

    by: Literal["price", "throughput", "latency"]
    """Rank the candidate providers by this."""
    partition: str
    """How candidates are grouped before ranking (e.g. `"model"`, `"none"`)."""


class ProviderPreferences(TypedDict, total=False):
    """The `provider` object: which upstream providers may serve a request.

    Example:
        ```python
        from langchain_onerouter import ChatOneRouterResponses, ProviderPreferences

        prefs: ProviderPreferences = {"order": ["anthropic"], "allow_fallbacks": False}
        llm = ChatOneRouterResponses(model="anthropic/claude-sonnet-4.5", provider=prefs)
        ```
    """

    order: list[str]
    """Providers to try first, in this order."""
    only: list[str]
    """Use only these providers."""
    ignore: list[str]
    """Never use these providers."""
    allow_fallbacks: bool
    """Allow providers outside `order` when those fail (default: true)."""
    sort: Literal["price", "throughput", "latency"] | ProviderSort
    """Rank the candidate providers by this (a string, or `{"by", "partition"}`)."""
    data_collection: Literal["allow", "deny"]
    """`"deny"`: only providers that do not store or train on your data."""
    zdr: bool
    """Only zero-data-retention endpoints."""
    quantizations: list[str]
    """Accepted quantizations, e.g. `["fp8", "bf16"]`."""
    require_parameters: bool
    """Only providers that support every parameter of the request."""
    max_price: MaxPrice
    """Refuse providers above these prices."""
    preferred_min_throughput: float | PercentileCutoffs
    """Prefer providers at least this fast (tokens per second)."""
    preferred_max_latency: float | PercentileCutoffs
    """Prefer providers with at most this latency (seconds)."""


class FallbackTrigger(TypedDict, total=False):
    """One trigger of `fallback_rules`: when it fires, OneRouter falls back.

    `hint_array` lists HTTP status codes (trigger `error_code`);
    `hint_threshold` is a number (triggers `Latency`, `TTFT`, `TPM`, `RPM`).

    Example:
        ```python
        rules = {
            "error_code": {"action": "fallback", "hint_array": [429, 500, 503]},
            "Latency": {"action": "fallback", "hint_threshold": 3000},
        }
        ```
    """

    action: Literal["fallback"]
    hint_array: list[int]
    hint_threshold: float


FallbackRules = Literal["auto", ""] | dict[str, FallbackTrigger]
"""`"auto"` (OneRouter's default; `""` means the same) or triggers by name."""


def routing_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Model and routing settings from the environment, as constructor kwargs.

    Reads `ONEROUTER_MODEL`, `ONEROUTER_FALLBACK_MODELS` (comma-separated),
    `ONEROUTER_FALLBACK_RULES` (`auto` or JSON), `ONEROUTER_PROVIDER` (JSON)
    and `ONEROUTER_USAGE_ACCOUNTING`; unset variables are left out, so
    explicit arguments can follow. A malformed value raises `ValueError`
    naming the variable.

    >>> routing_from_env({"ONEROUTER_MODEL": "o4-mini",
    ...                   "ONEROUTER_FALLBACK_MODELS": "gpt-5-chat, claude-3-5-sonnet",
    ...                   "ONEROUTER_PROVIDER": '{"sort": "price"}'})
    {'model': 'o4-mini', 'fallback_models': ['gpt-5-chat', 'claude-3-5-sonnet'], 'provider': {'sort': 'price'}}
    """
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    if env.get(MODEL_ENV, "").strip():
        found["model"] = env[MODEL_ENV].strip()
    if env.get(FALLBACK_MODELS_ENV, "").strip():
        found["fallback_models"] = [
            m.strip() for m in env[FALLBACK_MODELS_ENV].split(",") if m.strip()
        ]
    rules = env.get(FALLBACK_RULES_ENV, "").strip()
    if rules:
        found["fallback_rules"] = (
            rules if rules == "auto" else _json_env(FALLBACK_RULES_ENV, rules)
        )
    provider = env.get(PROVIDER_ENV, "").strip()
    if provider:
        found["provider"] = _json_env(PROVIDER_ENV, provider)
    accounting = env.get(USAGE_ACCOUNTING_ENV, "").strip().lower()
    if accounting:
        if accounting not in _TRUE + _FALSE:
            raise ValueError(
                f"{USAGE_ACCOUNTING_ENV} must be one of {list(_TRUE + _FALSE)}, "
                f"got {accounting!r}"
            )
        found["usage_accounting"] = accounting in _TRUE
    return found


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _json_env(name: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{name} must be JSON ({exc}), got {text!r}") from None
