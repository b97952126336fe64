"""Emulated routing: model fallbacks, provider choice, usage accounting.

Pure functions over the request body and a `RoutingState` (which models and
providers a test scripted to fail), so `app.py` only calls them:

- every model is served by one or more upstream providers (`endpoints`);
- `route` picks the served model and provider: the requested model, else
  (when it is scripted to fail and `fallback_rules` allow it) the first
  working model of `fallback_models`; within a model, providers in
  `provider.order` first, restricted by `only`/`ignore`, the others only
  while `allow_fallbacks` is not false. No candidate: the failing status, or
  503 "no provider meets the routing requirements";
- reasoning is signed for the provider that issued it: replayed to another
  one it is rejected with 400 `invalid_encrypted_content`, as real upstreams
  do after a fallback;
- with `usage: {"include": true}` the usage carries `cost`, `is_byok` and
  `cost_details` (the names OneRouter documents), from the catalog prices
  of the served model and the cache reads and writes (`caching.py`).

`sort` (a string or `{"by", "partition"}`), `max_price`, `quantizations`,
`zdr`, `data_collection`, `require_parameters` and the latency/throughput
preferences are validated but do not change the choice: every emulated
provider meets them. Of the `fallback_rules` triggers only `error_code` is
emulated (nothing is slow).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_onerouter.testing import protocol

ENDPOINTS: dict[str, tuple[str, ...]] = {
    "o4-mini": ("openai", "azure"),
    "openai/gpt-5.4": ("openai", "azure"),
    "anthropic/claude-sonnet-4.5": ("anthropic", "amazon-bedrock", "google-vertex"),
    "google/gemini-3-flash": ("google-ai-studio", "google-vertex"),
    "deepseek/deepseek-r1:free": ("chutes",),
}
"""Upstream providers of each emulated model, in default order."""

_PROVIDER_LISTS = ("order", "only", "ignore", "quantizations")
_PROVIDER_BOOLS = ("allow_fallbacks", "zdr", "require_parameters")
SORT_BY = ("price", "throughput", "latency")
SORT_PARTITIONS = ("model", "none")
_PROVIDER_CHOICES = {"sort": SORT_BY, "data_collection": ("allow", "deny")}


class RoutingError(Exception):
    """A request the routing layer answers with an error status."""

    def __init__(
        self, status: int, message: str, *, code: Any = None, param: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param


@dataclass(frozen=True)
class Route:
    """Who serves a request."""

    model: str
    provider: str
    requested: str


@dataclass
class RoutingState:
    """Models and providers scripted to fail, thread-safe.

    Each failing name maps to (status, failures left; None: until restored).
    """

    failing_models: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    failing_providers: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fail_model(self, model: str, status: int, times: int | None = None) -> None:
        with self._lock:
            self.failing_models[model] = (status, times)

    def fail_provider(
        self, provider: str, status: int, times: int | None = None
    ) -> None:
        with self._lock:
            self.failing_providers[provider.lower()] = (status, times)

    def failure(self, kind: str, name: str) -> int | None:
        """The status `name` fails with now (counting one failure), or None."""
        table = self.failing_models if kind == "model" else self.failing_providers
        with self._lock:
            entry = table.get(name)
            if entry is None:
                return None
            status, left = entry
            if left is not None:
                if left <= 1:
                    del table[name]
                else:
                    table[name] = (status, left - 1)
            return status

    def restore(self, name: str | None = None) -> None:
        """Restore one model or provider, or (None) everything."""
        with self._lock:
            if name is None:
                self.failing_models.clear()
                self.failing_providers.clear()
            else:
                self.failing_models.pop(name, None)
                self.failing_providers.pop(name.lower(), None)


def endpoints(model: str) -> tuple[str, ...]:
    """The providers serving `model` (unknown `vendor/x` ids: `vendor`)."""
    if model in ENDPOINTS:
        return ENDPOINTS[model]
    vendor = model.split("/", 1)[0] if "/" in model else "openai"
    return (vendor.lower(),)


# -- routing ---------------------------------------------------------------------------
def route(state: RoutingState, body: Mapping[str, Any]) -> Route:
    """The model and provider serving `body`, or `RoutingError`."""
    preferences = check_provider(body.get("provider"))
    fallbacks = _fallback_models(body.get("fallback_models"))
    rules = _fallback_rules(body.get("fallback_rules"))
    requested = str(body["model"])
    error: RoutingError | None = None
    for model in [requested, *fallbacks]:
        if error is not None and not _falls_back(rules, error.status):
            break
        status = state.failure("model", model)
        if status is not None:
            error = RoutingError(status, f"Model {model} is unavailable (emulated).")
            continue
        candidates = _providers(model, preferences)
        if not candidates:
            error = RoutingError(
                503,
                f"No provider of {model} meets the routing requirements "
                f"(providers: {', '.join(endpoints(model))}).",
            )
            continue
        for provider in candidates:
            status = state.failure("provider", provider)
            if status is None:
                return Route(model=model, provider=provider, requested=requested)
            error = RoutingError(status, f"Provider {provider} failed (emulated).")
    assert error is not None
    raise error


def _providers(model: str, preferences: Mapping[str, Any]) -> list[str]:
    listed = list(endpoints(model))
    order = [p.lower() for p in preferences.get("order") or []]
    ranked = [p for p in order if p in listed]
    if preferences.get("allow_fallbacks", True) or not ranked:
        ranked += [p for p in listed if p not in ranked]
    if preferences.get("only"):
        only = {p.lower() for p in preferences["only"]}
        ranked = [p for p in ranked if p in only]
    ignore = {p.lower() for p in preferences.get("ignore") or []}
    return [p for p in ranked if p not in ignore]


def _falls_back(rules: Any, status: int) -> bool:
    if not isinstance(rules, dict):  # "auto", "" or absent: any endpoint error
        return True
    trigger = rules.get("error_code")
    return isinstance(trigger, dict) and status in (trigger.get("hint_array") or [])


# -- request validation (what the server would reject) ---------------------------------
def check_provider(value: Any) -> Mapping[str, Any]:
    """Reject a malformed `provider` object with 400 (unknown keys pass)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _bad("'provider' must be an object.", "provider")
    for key, item in value.items():
        where = f"provider.{key}"
        if key in _PROVIDER_LISTS and (
            not isinstance(item, list) or not all(isinstance(p, str) for p in item)
        ):
            raise _bad(f"'{where}' must be an array of strings.", where)
        if key in _PROVIDER_BOOLS and not isinstance(item, bool):
            raise _bad(f"'{where}' must be a boolean.", where)
        if key == "sort" and isinstance(item, dict):
            _check_sort_object(item)
        elif key in _PROVIDER_CHOICES and item not in _PROVIDER_CHOICES[key]:
            allowed = ", ".join(_PROVIDER_CHOICES[key])
            also = (
                ' or an object {"by": ..., "partition": ...}' if key == "sort" else ""
            )
            raise _bad(f"'{where}' must be one of: {allowed}{also}.", where)
    return value


def _check_sort_object(sort: Mapping[str, Any]) -> None:
    """`provider.sort` in its object form: `{"by": ..., "partition": ...}`."""
    if sort.get("by") not in SORT_BY:
        raise _bad(
            f"'provider.sort.by' must be one of: {', '.join(SORT_BY)} "
            f"(got {sort.get('by')!r}).",
            "provider.sort.by",
        )
    partition = sort.get("partition")
    if partition is not None and partition not in SORT_PARTITIONS:
        raise _bad(
            f"'provider.sort.partition' must be one of: {', '.join(SORT_PARTITIONS)} "
            f"(got {partition!r}).",
            "provider.sort.partition",
        )


def _fallback_models(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise _bad(
            "'fallback_models' must be an array of model ids.", "fallback_models"
        )
    return value


def _fallback_rules(value: Any) -> Any:
    if value is None or value in ("auto", ""):
        return value
    if not isinstance(value, dict):
        raise _bad("'fallback_rules' must be 'auto' or an object.", "fallback_rules")
    for name, trigger in value.items():
        if not isinstance(trigger, dict) or trigger.get("action") != "fallback":
            raise _bad(
                f"'fallback_rules.{name}.action' must be 'fallback'.",
                f"fallback_rules.{name}.action",
            )
    return value


def _bad(message: str, param: str) -> RoutingError:
    return RoutingError(400, message, code="invalid_request", param=param)


def check_reasoning(body: Mapping[str, Any], served: Route) -> None:
    """400 `invalid_encrypted_content` for reasoning another provider issued."""
    items = body.get("input")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or item.get("type") != "reasoning":
            continue
        issuer = protocol.reasoning_provider(item.get("encrypted_content"))
        if issuer is not None and issuer != served.provider:
            raise RoutingError(
                400,
                f"The encrypted content for item input[{index}] (reasoning "
                f"{item.get('id')}) could not be decrypted by {served.provider}: "
                f"it was issued by {issuer}.",
                code="invalid_encrypted_content",
                param=f"input[{index}].encrypted_content",
            )


# -- the response --------------------------------------------------------------------
def annotate(
    resource: dict[str, Any],
    served: Route,
    body: Mapping[str, Any],
    secret: bytes,
    catalog: Sequence[Mapping[str, Any]],
    write_1h: int = 0,
) -> None:
    """Stamp the served model and provider, bind reasoning to the provider and,
    when asked, add the cost to the usage (`write_1h`: cache writes at the
    one-hour rate)."""
    resource["model"] = served.model
    resource["provider"] = served.provider
    for item in resource.get("output") or []:
        if item.get("type") == "reasoning" and item.get("encrypted_content"):
            summary = " ".join(s.get("text", "") for s in item.get("summary") or [])
            item["encrypted_content"] = protocol.sign_reasoning(
                secret, item["id"], summary, served.provider
            )
    usage_request = body.get("usage")
    usage = resource.get("usage")
    if (
        isinstance(usage_request, dict)
        and usage_request.get("include") is True
        and isinstance(usage, dict)
        and "cost" not in usage
    ):
        searches = sum(
            1
            for i in resource.get("output") or []
            if i.get("type") == "web_search_call"
        )
        prices = Prices.of(served.model, catalog)
        usage.update(cost_fields(prices, usage, searches=searches, write_1h=write_1h))


CACHE_READ_RATE = 0.1
CACHE_WRITE_5M_RATE = 1.25
CACHE_WRITE_1H_RATE = 2.0
"""Cache reads and writes (5 minutes, 1 hour) as multiples of the prompt price."""
WEB_SEARCH_PRICE = 0.01
"""USD per `web_search_call` (the emulator's rate; OneRouter's varies)."""


@dataclass(frozen=True)
class Prices:
    """A model's prices in USD per million tokens (the catalog's `min_*_price`)."""

    prompt: float = 0.0
    completion: float = 0.0

    @classmethod
    def of(cls, model: str, catalog: Sequence[Mapping[str, Any]]) -> Prices:
        entry = next((m for m in catalog if m.get("id") == model), {})
        return cls(
            float(entry.get("min_prompt_price") or 0.0),
            float(entry.get("min_completion_price") or 0.0),
        )


def cost_fields(
    prices: Prices, usage: Mapping[str, Any], *, searches: int = 0, write_1h: int = 0
) -> dict[str, Any]:
    """`cost` (credits = USD), `is_byok` and `cost_details` (the names
    OneRouter documents) for `usage` at `prices`: fresh input at the prompt
    price, cache reads at 0.1x, writes at 1.25x (2x for `write_1h` of them),
    output at the completion price, `searches` web searches at
    `WEB_SEARCH_PRICE`.

    >>> cost_fields(Prices(2.0, 10.0), {"input_tokens": 1000, "output_tokens": 100})["cost"]
    0.003
    """
    details = usage.get("input_tokens_details") or {}
    read = int(details.get("cached_tokens") or 0)
    written = int(details.get("cache_write_tokens") or 0)
    write_1h = min(write_1h, written)
    fresh = max(int(usage.get("input_tokens") or 0) - read - written, 0)
    output = int(usage.get("output_tokens") or 0)
    reasoning = int(
        (usage.get("output_tokens_details") or {}).get("reasoning_tokens") or 0
    )
    per_token = prices.prompt / 1e6
    read_cost = read * per_token * CACHE_READ_RATE
    write_5m = (written - write_1h) * per_token * CACHE_WRITE_5M_RATE
    write_1h_cost = write_1h * per_token * CACHE_WRITE_1H_RATE
    prompt_cost = fresh * per_token + read_cost + write_5m + write_1h_cost
    completion_cost = output * prices.completion / 1e6
    search_cost = searches * WEB_SEARCH_PRICE
    total = _usd(prompt_cost + completion_cost + search_cost)
    return {
        "cost": total,
        "is_byok": False,
        "cost_details": {
            "upstream_inference_cost": total,
            "prompt_cost": _usd(prompt_cost),
            "completion_cost": _usd(completion_cost),
            "prompt_cache_read_cost": _usd(read_cost),
            "prompt_cache_write_cost": _usd(write_5m + write_1h_cost),
            "prompt_cache_write_5_min": _usd(write_5m),
            "prompt_cache_write_1_h": _usd(write_1h_cost),
            "reasoning_cost": _usd(reasoning * prices.completion / 1e6),
            "native_web_search_cost": _usd(search_cost),
            "plugin_web_search_cost": 0.0,
            "tools_cost": 0.0,
            "image_cost": 0.0,
            "video_cost": 0.0,
            "audio_cost": 0.0,
            "discount_rate": 0.0,
            "is_byok": False,
            "byok_cost": 0.0,
        },
    }


def _usd(value: float) -> float:
    return round(value, 12)
