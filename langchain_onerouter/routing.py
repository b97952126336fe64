"""Typed routing configuration: model fallbacks, provider preferences, usage
accounting. Pure, no I/O.

OneRouter documents (pages "Model Routing", "Provider Routing and Fallbacks",
"Usage Accounting") three request fields beyond the OpenAI ones:

- `fallback_models`: model ids tried in order when the primary one fails,
  with `fallback_rules` (`"auto"`, or an object of triggers) saying when;
- `provider`: which upstream providers may serve the request, in which order;
- `usage: {"include": true}`: add the `cost` of the call to its usage.

The TypedDicts below give editors completion for them; `apply_routing`
validates the merged settings of a call and rewrites them into the body
fields OneRouter reads. Wrong types raise `TypeError`, bad values
`ValueError`, both naming the field; keys we do not know are sent as given,
with a warning (OneRouter adds keys faster than this package).

>>> apply_routing({"model": "o4-mini", "fallback_models": ("gpt-5-chat",),
...                "usage_accounting": True})
{'model': 'o4-mini', 'fallback_models': ['gpt-5-chat'], 'usage': {'include': True}}
"""

from __future__ import annotations

import difflib
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from typing_extensions import TypedDict

__all__ = [
    "FallbackTrigger",
    "MaxPrice",
    "PercentileCutoffs",
    "ProviderPreferences",
    "apply_routing",
    "is_fallback",
    "is_foreign_reasoning_error",
    "validate_fallback_models",
    "validate_fallback_rules",
    "validate_provider",
    "without_reasoning",
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
    sort: Literal["price", "throughput", "latency"]
    """Rank the candidate providers by this."""
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

ROUTING_PARAMS = frozenset(
    {"fallback_models", "fallback_rules", "provider", "usage_accounting"}
)
"""Our routing settings (model fields and per-call keywords)."""

_LIST_KEYS = ("order", "only", "ignore", "quantizations")
_BOOL_KEYS = ("allow_fallbacks", "zdr", "require_parameters")
_CHOICES: dict[str, tuple[str, ...]] = {
    "sort": ("price", "throughput", "latency"),
    "data_collection": ("allow", "deny"),
}
_CUTOFF_KEYS = ("preferred_min_throughput", "preferred_max_latency")
PROVIDER_KEYS = frozenset(
    {*_LIST_KEYS, *_BOOL_KEYS, *_CHOICES, *_CUTOFF_KEYS, "max_price"}
)
"""The `provider` keys OneRouter (or its Infron examples) document."""
_PRICE_KEYS = frozenset(MaxPrice.__annotations__)
_PERCENTILES = frozenset(PercentileCutoffs.__annotations__)
_CODE_TRIGGERS = ("error_code",)
_THRESHOLD_TRIGGERS = ("Latency", "TTFT", "TPM", "RPM")
FALLBACK_TRIGGERS = frozenset({*_CODE_TRIGGERS, *_THRESHOLD_TRIGGERS})
FALLBACK_ACTIONS = frozenset({"fallback"})
_RULE_STRINGS = ("auto", "")


# -- validation -------------------------------------------------------------------
def validate_fallback_models(value: Any) -> list[str] | None:
    """The `fallback_models` list, checked: model ids, as non-empty strings.

    >>> validate_fallback_models(("claude-3-5-sonnet@20240620", "gpt-5-chat"))
    ['claude-3-5-sonnet@20240620', 'gpt-5-chat']
    """
    if value is None:
        return None
    if isinstance(value, str):
        raise TypeError(
            "fallback_models must be a list of model ids, got the string "
            f"{value!r}; did you mean [{value!r}]?"
        )
    models = _strings(value, "fallback_models")
    if any(not m.strip() for m in models):
        raise ValueError(f"fallback_models has an empty model id: {models!r}")
    return models


def validate_fallback_rules(value: Any) -> str | dict[str, Any] | None:
    """`fallback_rules`, checked: `"auto"`/`""` or `{trigger: {action, hint_*}}`.

    Unknown trigger names are sent with a warning; an unknown `action`, a
    non-integer status code or a non-numeric threshold raises.

    >>> validate_fallback_rules({"error_code": {"action": "fallback",
    ...                                         "hint_array": [503]}})
    {'error_code': {'action': 'fallback', 'hint_array': [503]}}
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value not in _RULE_STRINGS:
            raise ValueError(
                f"fallback_rules must be 'auto' or a dict of triggers, got {value!r}"
            )
        return value
    if not isinstance(value, Mapping):
        raise TypeError(
            "fallback_rules must be 'auto' or a dict of triggers "
            f"(e.g. {{'error_code': {{'action': 'fallback', 'hint_array': [503]}}}}), "
            f"got {type(value).__name__}"
        )
    rules: dict[str, Any] = {}
    for name, trigger in value.items():
        where = f"fallback_rules[{name!r}]"
        if not isinstance(name, str):
            raise TypeError(f"fallback_rules trigger names must be strings: {name!r}")
        if name not in FALLBACK_TRIGGERS:
            _warn_unknown(where, name, FALLBACK_TRIGGERS, "fallback trigger")
        if not isinstance(trigger, Mapping):
            raise TypeError(
                f"{where} must be a dict like {{'action': 'fallback', ...}}, "
                f"got {type(trigger).__name__}"
            )
        rules[name] = _trigger(name, trigger, where)
    return rules


def _trigger(name: str, trigger: Mapping[str, Any], where: str) -> dict[str, Any]:
    checked = dict(trigger)
    action = trigger.get("action")
    if action not in FALLBACK_ACTIONS:
        raise ValueError(
            f"{where}.action must be one of {sorted(FALLBACK_ACTIONS)}, got {action!r}"
        )
    if "hint_array" in trigger:
        codes = trigger["hint_array"]
        if isinstance(codes, (str, bytes)) or not isinstance(codes, Iterable):
            raise TypeError(f"{where}.hint_array must be a list of HTTP status codes")
        codes = list(codes)
        for code in codes:
            if isinstance(code, bool) or not isinstance(code, int):
                raise TypeError(
                    f"{where}.hint_array must hold integer status codes, got {code!r}"
                )
            if not 100 <= code <= 599:
                raise ValueError(f"{where}.hint_array: {code} is not an HTTP status")
        checked["hint_array"] = codes
    if "hint_threshold" in trigger:
        checked["hint_threshold"] = _number(
            trigger["hint_threshold"], f"{where}.hint_threshold"
        )
    if name in _CODE_TRIGGERS and "hint_array" not in trigger:
        raise ValueError(f"{where} needs 'hint_array' (a list of status codes)")
    if name in _THRESHOLD_TRIGGERS and "hint_threshold" not in trigger:
        raise ValueError(f"{where} needs 'hint_threshold' (a number)")
    for key in trigger:
        if key not in ("action", "hint_array", "hint_threshold"):
            _warn_unknown(f"{where}.{key}", key, FallbackTrigger.__annotations__, "key")
    return checked


def validate_provider(value: Any) -> dict[str, Any] | None:
    """The `provider` preferences, checked; unknown keys warn and are kept.

    >>> validate_provider({"order": ("openai", "azure"), "sort": "price"})
    {'order': ['openai', 'azure'], 'sort': 'price'}
    """
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(
            "provider must be a dict of provider preferences (e.g. "
            f"{{'order': ['openai'], 'allow_fallbacks': False}}), got "
            f"{type(value).__name__}"
        )
    checked: dict[str, Any] = {}
    for key, item in value.items():
        where = f"provider.{key}"
        if not isinstance(key, str):
            raise TypeError(f"provider keys must be strings, got {key!r}")
        if key in _LIST_KEYS:
            checked[key] = _strings(item, where)
        elif key in _BOOL_KEYS:
            if not isinstance(item, bool):
                raise TypeError(f"{where} must be True or False, got {item!r}")
            checked[key] = item
        elif key in _CHOICES:
            if item not in _CHOICES[key]:
                raise ValueError(
                    f"{where} must be one of {list(_CHOICES[key])}, got {item!r}"
                )
            checked[key] = item
        elif key == "max_price":
            checked[key] = _numbers(item, where, _PRICE_KEYS)
        elif key in _CUTOFF_KEYS:
            checked[key] = (
                _numbers(item, where, _PERCENTILES)
                if isinstance(item, Mapping)
                else _number(item, where)
            )
        else:
            _warn_unknown(where, key, PROVIDER_KEYS, "provider preference")
            checked[key] = item
    return checked


def apply_routing(params: Mapping[str, Any]) -> dict[str, Any]:
    """Merged call settings with our routing settings validated and mapped.

    `usage_accounting=True` becomes `usage: {"include": true}`;
    `fallback_models`, `fallback_rules` and `provider` are sent as given
    (lists for tuples). Empty/None values are left out. Other keys pass through.

    >>> apply_routing({"model": "m", "provider": {"sort": "price"},
    ...                "fallback_models": [], "usage_accounting": False})
    {'model': 'm', 'provider': {'sort': 'price'}}
    """
    out = dict(params)
    for key, check in (
        ("fallback_models", validate_fallback_models),
        ("fallback_rules", validate_fallback_rules),
        ("provider", validate_provider),
    ):
        value = check(out.pop(key, None))
        if value is not None and (value or key == "fallback_rules"):
            out[key] = value
    accounting = out.pop("usage_accounting", None)
    if accounting is not None and not isinstance(accounting, bool):
        raise TypeError(f"usage_accounting must be True or False, got {accounting!r}")
    usage = out.get("usage")
    if usage is not None and not isinstance(usage, Mapping):
        raise TypeError(f"usage must be a dict like {{'include': True}}, got {usage!r}")
    if accounting:
        out["usage"] = {**(usage or {}), "include": True}
    elif accounting is False and usage is not None and "include" in usage:
        rest = {k: v for k, v in usage.items() if k != "include"}
        if rest:
            out["usage"] = rest
        else:
            del out["usage"]
    return out


# -- what answered ------------------------------------------------------------------
def is_fallback(
    requested: str, served: str, fallback_models: Iterable[str] = ()
) -> bool:
    """True when `served` is another model than `requested`.

    Provider prefixes and dated snapshots are the same model:
    `o4-mini` served as `openai/o4-mini` or `o4-mini-2025-04-16` is not a
    fallback; any model listed in `fallback_models` is.

    >>> is_fallback("o4-mini", "o4-mini-2025-04-16"), is_fallback("o4-mini", "gpt-5")
    (False, True)
    """
    if served == requested:
        return False
    if served in set(fallback_models) and served != requested:
        return True
    want, got = _bare(requested), _bare(served)
    return not (want == got or got.startswith(want + "-") or want.startswith(got + "-"))


def _bare(model: str) -> str:
    return model.rsplit("/", 1)[-1].lower()


# -- helpers -------------------------------------------------------------------------
def _strings(value: Any, where: str) -> list[str]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise TypeError(f"{where} must be a list of strings, got {value!r}")
    items = list(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{where} must hold strings, got {item!r}")
    return items


def _number(value: Any, where: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{where} must be a finite number >= 0, got {value!r}")
    return value


def _numbers(value: Any, where: str, known: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{where} must be a dict with keys {sorted(known)}, "
            f"got {type(value).__name__}"
        )
    checked: dict[str, Any] = {}
    for key, item in value.items():
        if key not in known:
            _warn_unknown(f"{where}.{key}", str(key), known, "key")
        checked[key] = _number(item, f"{where}.{key}")
    return checked


def _warn_unknown(where: str, name: str, known: Iterable[str], what: str) -> None:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    if not close:
        lowered = {k.lower(): k for k in known}
        close = [lowered[name.lower()]] if name.lower() in lowered else []
    hint = f"; did you mean {close[0]!r}?" if close else ""
    warnings.warn(
        f"{where}: {name!r} is not a {what} this package knows; sent as given{hint}",
        UserWarning,
        stacklevel=4,
    )


# -- reasoning across a fallback -------------------------------------------------------
REASONING_RETRY_KEY = "reasoning_retry"
"""`response_metadata` key set when reasoning was dropped and the call retried."""
_FOREIGN_REASONING = re.compile(
    r"invalid_encrypted_content|encrypted[ _]content|reasoning item|"
    r"item[^.]{0,40}\brs_\w+|\brs_\w+[^.]{0,40}(?:not found|invalid|provided)",
    re.IGNORECASE,
)


def is_foreign_reasoning_error(
    status_code: int | None, code: Any, message: str, param: Any = None
) -> bool:
    """True for a rejection of replayed reasoning the serving provider cannot read.

    OneRouter falls back to another provider, which cannot decrypt the
    reasoning the first one issued: `invalid_encrypted_content`, or a 400
    naming the reasoning item or its `encrypted_content`.

    >>> is_foreign_reasoning_error(400, "invalid_encrypted_content", "bad")
    True
    >>> is_foreign_reasoning_error(400, None, "Item with id 'rs_12' not found.")
    True
    >>> is_foreign_reasoning_error(429, None, "rate limited")
    False
    """
    if code == "invalid_encrypted_content":
        return True
    if status_code not in (None, 400, 422):
        return False
    text = f"{message} {param or ''}"
    return bool(_FOREIGN_REASONING.search(text))


def without_reasoning(body: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """(`body` without its replayed reasoning items, how many were dropped).

    The server `id`s of the function calls that followed a dropped reasoning
    item in the same turn are dropped too: an upstream that stored the turn
    rejects a call that arrives without its reasoning.

    >>> body = {"model": "m", "input": [
    ...     {"type": "reasoning", "id": "rs_1", "encrypted_content": "x", "summary": []},
    ...     {"type": "function_call", "id": "fc_1", "call_id": "c1", "name": "f",
    ...      "arguments": "{}"}]}
    >>> without_reasoning(body)
    ({'model': 'm', 'input': [{'type': 'function_call', 'call_id': 'c1', 'name': 'f', 'arguments': '{}'}]}, 1)
    """
    items = body.get("input")
    if not isinstance(items, list):
        return dict(body), 0
    kept: list[Any] = []
    dropped = 0
    orphaned = False
    for item in items:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "reasoning":
            dropped += 1
            orphaned = True
            continue
        if kind == "function_call" and orphaned and "id" in item:
            item = {k: v for k, v in item.items() if k != "id"}
        elif kind not in ("function_call", "message") or (
            kind == "message" and item.get("role") != "assistant"
        ):
            orphaned = False  # a new turn starts
        kept.append(item)
    return {**body, "input": kept}, dropped
