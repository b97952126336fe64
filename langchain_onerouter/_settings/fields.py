"""The chat model's settings in one table, and what derives from it: the
name sets (per-call keywords, routing, not sent, ...), the model's request
parameters (`model_params`), the per-call merge (`merge_params`) and its
checks (`call_params`). Adding a setting is one row in `SETTINGS` (and its
model field, whose docstring documents it).

Pure and light:

>>> params = call_params(
...     model_params({"model": "o4-mini", "max_tokens": 64}), {"reasoning_effort": "low"}
... )
>>> params
{'model': 'o4-mini', 'max_output_tokens': 64, 'reasoning': {'effort': 'low'}}
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from langchain_onerouter._mapping.jsonutil import check_json
from langchain_onerouter._mapping.names import nearest
from langchain_onerouter._mapping.reasoning_fallback import RETRY_KEYWORD
from langchain_onerouter._mapping.routing import apply_routing
from langchain_onerouter._settings import checks
from langchain_onerouter._settings.env import BASE_URL_ENV, DEFAULT_BASE_URL

ENCRYPTED_REASONING = "reasoning.encrypted_content"

Params = dict[str, Any]


def _set(payload: str) -> Callable[[Params, Any], None]:
    def put(params: Params, value: Any) -> None:
        params[payload] = value

    return put


def _put_effort(params: Params, effort: Any) -> None:
    params["reasoning"] = {**(params.get("reasoning") or {}), "effort": effort}


def _put_encrypted(params: Params, wanted: Any) -> None:
    values = list(params.get("include") or [])
    if wanted and ENCRYPTED_REASONING not in values:
        values.append(ENCRYPTED_REASONING)
    params["include"] = values or None


def _put_model_kwargs(params: Params, extra: Any) -> None:
    params.update(extra)


def _put_extra_body(params: Params, extra: Any) -> None:
    # A per-call extra_body adds to the model's; None drops it for the call.
    params["extra_body"] = (
        None
        if extra is None
        else {**(params.get("extra_body") or {}), **extra_body(extra)}
    )


Kind = Literal["request", "routing", "ours", "langchain"]


@dataclass(frozen=True)
class Setting:
    """One setting: a chat-model field and/or a per-call keyword."""

    name: str
    """The model field and per-call keyword."""
    payload: str | None
    """The body field it becomes (`None`: never sent). Routing settings are
    mapped to it by `apply_routing` (`usage_accounting` → `usage`)."""
    kind: Kind = "request"
    """`request`: a Responses API field; `routing`: a OneRouter extension;
    `ours`: a setting of this package; `langchain`: passed by LangChain."""
    model: bool = True
    """A field of `ChatOneRouterResponses`."""
    per_call: bool = True
    """Accepted by `invoke`/`stream`/`batch`/`.bind`."""
    check: Callable[[Any], None] | None = None
    """Checks the merged value under the payload name, before any request."""
    put: Callable[[Params, Any], None] | None = None
    """How the value joins the parameters (default: set under `payload`)."""

    def merge(self, params: Params, value: Any) -> None:
        """Add `value` to `params`; routing settings keep their name until
        `apply_routing` maps them."""
        if self.put is not None:
            self.put(params, value)
        else:
            params[self.name if self.kind == "routing" else str(self.payload)] = value


SETTINGS: tuple[Setting, ...] = (
    Setting("model", "model", check=checks.check_model),
    Setting(
        "temperature", "temperature", check=checks.check_range("temperature", 0, 2)
    ),
    Setting("top_p", "top_p", check=checks.check_range("top_p", 0, 1)),
    Setting("max_tokens", "max_output_tokens", check=checks.check_max_tokens),
    Setting("reasoning", "reasoning", check=checks.check_reasoning),
    Setting("reasoning_effort", "reasoning.effort", put=_put_effort),
    Setting("instructions", "instructions"),
    Setting("include", "include", check=checks.check_include),
    Setting("use_encrypted_reasoning", "include", per_call=False, put=_put_encrypted),
    Setting("store", "store", check=checks.check_bool("store")),
    Setting(
        "parallel_tool_calls",
        "parallel_tool_calls",
        check=checks.check_bool("parallel_tool_calls"),
    ),
    Setting("request_metadata", "metadata", check=checks.check_metadata),
    Setting("fallback_models", "fallback_models", "routing"),
    Setting("fallback_rules", "fallback_rules", "routing"),
    Setting("provider", "provider", "routing"),
    Setting("usage_accounting", "usage", "routing"),
    Setting("model_kwargs", "*", "ours", per_call=False, put=_put_model_kwargs),
    Setting("extra_body", "*", "ours", put=_put_extra_body),
    Setting("stop", None, "ours"),
    Setting("streaming", None, "ours", per_call=False),
    Setting("stream", None, "ours", model=False),
    Setting("strict_capabilities", None, "ours"),
    Setting("max_cost", None, "ours"),
    Setting("drop_compacted_history", None, "ours"),
    Setting(RETRY_KEYWORD, None, "ours"),
    # breakpoints added by the chat model (`caching.apply_prompt_caching`)
    Setting("prompt_caching", None, "ours"),
    Setting("cache_control", None, "ours", model=False),
    # mapped to `text.format` by the chat model (`structured.response_format_text`)
    Setting(
        "response_format", "text", "langchain", model=False, put=_set("response_format")
    ),
    Setting("ls_structured_output_format", None, "langchain", model=False),
    Setting("structured_output_format", None, "langchain", model=False),
)
"""Every setting once. `payload` `"*"`: merged into the body as given."""
BY_NAME = {s.name: s for s in SETTINGS}

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
_BUILT = frozenset({"input", "stream"})
"""Request fields we build ourselves, never taken from a keyword."""
_LANGCHAIN_RESERVED = frozenset({"metadata"})
"""Request fields whose name LangChain's tracing owns per call (ours:
`request_metadata`)."""

# -- derived from the table ----------------------------------------------------------------
ROUTING_KEYWORDS = tuple(s.name for s in SETTINGS if s.kind == "routing")
"""Routing settings (model fields and per-call keywords), mapped by `call_params`."""
ONEROUTER_EXTENSIONS = tuple(str(s.payload) for s in SETTINGS if s.kind == "routing")
"""Request fields OneRouter documents beyond the Responses API (see routing.py)."""
ONEROUTER_REQUEST_FIELDS = frozenset(ONEROUTER_EXTENSIONS)
REQUEST_FIELDS = RESPONSES_REQUEST_FIELDS | ONEROUTER_REQUEST_FIELDS
"""Every top-level field a request may carry (the emulator rejects the rest)."""
CALL_ONLY = tuple(
    s.name for s in SETTINGS if s.kind == "ours" and s.per_call and s.payload is None
)
"""Per-call keywords that are settings of ours, never payload fields."""
LANGCHAIN_KWARGS = frozenset(s.name for s in SETTINGS if s.kind == "langchain")
"""Keywords LangChain's agents and tracing pass to a chat model. The tracing
ones are not sent; `response_format` is (the Responses API wants `text.format`)."""
CALL_KEYWORDS = frozenset(s.name for s in SETTINGS if s.per_call) | (
    REQUEST_FIELDS - _BUILT - _LANGCHAIN_RESERVED
)
"""Every keyword `invoke`/`stream`/`batch`/`.bind` accept (`check_call_keywords`).
Not `metadata`: LangChain's tracing owns that name; ours is `request_metadata`."""
_MODEL_SENT = tuple(s for s in SETTINGS if s.model and s.payload is not None)
_CHECKS = tuple((s.payload, s.check) for s in SETTINGS if s.payload and s.check) + (
    ("tool_choice", checks.check_tool_choice),  # request fields with no setting
    ("text", checks.check_text),
)


def resolve_base_url(base_url: str | None = None) -> str:
    """`base_url`, else `ONEROUTER_BASE_URL`, else OneRouter's endpoint."""
    return base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


# -- the merge -----------------------------------------------------------------------
def model_params(fields: Mapping[str, Any]) -> Params:
    """A model's fields (by field name) → request parameters (by payload name),
    as `SETTINGS` says: renamed, folded (`reasoning_effort` into `reasoning`,
    `use_encrypted_reasoning` into `include`), `model_kwargs` merged,
    `extra_body` kept under its name (`call_params` merges it last), unset
    values left out. Not validated (see `call_params`).
    """
    params: Params = {}
    for setting in _MODEL_SENT:
        value = fields.get(setting.name)
        # A model's False routing flag is its default: it leaves a `usage`
        # given in model_kwargs alone (per call, False removes `include`).
        if value is None or (setting.kind == "routing" and value is False):
            continue
        setting.merge(params, value)
    return {k: v for k, v in params.items() if v is not None}


def merge_params(defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> Params:
    """Model parameters with per-call overrides (`invoke(..., **kwargs)`),
    unvalidated. Per-call names are the model's, mapped as in `model_params`;
    settings never sent (`stop`, tracing keywords, ...) are left out, and
    other request fields are taken as given."""
    params = dict(defaults)
    for key, value in overrides.items():
        setting = BY_NAME.get(key)
        if setting is None:
            params[key] = value
        elif setting.payload is not None:
            setting.merge(params, value)
    return params


def call_params(
    defaults: Mapping[str, Any],
    overrides: Mapping[str, Any],
    model_fields: Collection[str] = (),
) -> Params:
    """`merge_params`, then the routing settings checked and mapped to their
    body fields (`apply_routing`: `usage_accounting` becomes
    `usage: {"include": true}`), then `validate_params`: what one request is
    built from. Per-call keywords are checked first (`check_call_keywords`);
    `extra_body` is merged last, verbatim; every value must be JSON."""
    check_call_keywords(overrides, model_fields)
    params = apply_routing(merge_params(defaults, overrides))
    extra = extra_body(params.pop("extra_body", None))
    validate_params(params)
    params.update(extra)  # verbatim: after the checks, over every other field
    for key, value in params.items():
        check_json(value, key)
    return params


def validate_params(params: Mapping[str, Any]) -> None:
    """Raise `ValueError` naming the first invalid setting (before any request).

    >>> validate_params({"model": "o4-mini", "temperature": 3})
    Traceback (most recent call last):
    ...
    ValueError: temperature must be between 0 and 2, got 3
    """
    for payload, check in _CHECKS:
        check(params.get(payload))


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
    if key in _LANGCHAIN_RESERVED:
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


def extra_body(value: Any) -> Params:
    """`extra_body` checked: a dict with str keys (None: empty)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise TypeError(f"extra_body must be a dict with str keys, got {value!r}")
    return dict(value)
