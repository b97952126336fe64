"""Routing settings checked and mapped to the body fields OneRouter reads
(`fallback_models`, `fallback_rules`, `provider`, `usage`), and whether a
response came from a fallback. Pure, no I/O; the user's types are in
`langchain_onerouter.routing`.

>>> apply_routing({"model": "o4-mini", "fallback_models": ("gpt-5-chat",),
...                "usage_accounting": True})
{'model': 'o4-mini', 'fallback_models': ['gpt-5-chat'], 'usage': {'include': True}}
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from langchain_onerouter._mapping.names import nearest
from langchain_onerouter.routing import (
    FallbackTrigger,
    MaxPrice,
    PercentileCutoffs,
    ProviderSort,
)

_LIST_KEYS = ("order", "only", "ignore", "quantizations")
_BOOL_KEYS = ("allow_fallbacks", "zdr", "require_parameters")
SORT_BY = ("price", "throughput", "latency")
_CHOICES: dict[str, tuple[str, ...]] = {
    "sort": SORT_BY,
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
        elif key == "sort" and isinstance(item, Mapping):
            checked[key] = validate_sort_object(item)
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


def validate_sort_object(value: Mapping[str, Any]) -> dict[str, Any]:
    """`provider.sort` in its object form, sent as given once `by` is checked.

    Unknown keys (OneRouter adds them) are kept with a warning.

    >>> validate_sort_object({"by": "price", "partition": "none"})
    {'by': 'price', 'partition': 'none'}
    """
    by = value.get("by")
    if by not in SORT_BY:
        raise ValueError(
            f"provider.sort.by must be one of {list(SORT_BY)}, got {by!r}"
            + (nearest(by, SORT_BY) if isinstance(by, str) else "")
        )
    for key in value:
        if key not in _SORT_KEYS:
            _warn_unknown(f"provider.sort.{key}", str(key), _SORT_KEYS, "key")
    return dict(value)


_SORT_KEYS = frozenset(ProviderSort.__annotations__)


class _CheckedDict(dict[str, Any]):
    """A routing dict already checked (and warned about): not checked again."""


class _CheckedList(list[Any]):
    """A routing list already checked: not checked again."""


def _once(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`check`, skipped for its own output: a model's routing fields are
    checked when it is built and not at each call, so one cause warns once."""

    def checked(value: Any) -> Any:
        if isinstance(value, _CheckedDict | _CheckedList):
            return value
        out = check(value)
        if type(out) is dict:
            return _CheckedDict(out)
        return _CheckedList(out) if type(out) is list else out

    return checked


FIELD_CHECKS: dict[str, Callable[[Any], Any]] = {
    "fallback_models": _once(validate_fallback_models),
    "fallback_rules": _once(validate_fallback_rules),
    "provider": _once(validate_provider),
}
"""The checks of the routing model fields (run before pydantic's)."""


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
    for key, check in FIELD_CHECKS.items():
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
    warnings.warn(
        f"{where}: {name!r} is not a {what} this package knows; sent as given"
        + nearest(name, list(known)),
        UserWarning,
        stacklevel=4,
    )
