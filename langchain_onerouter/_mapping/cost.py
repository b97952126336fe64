"""The worst-case cost of one request, before it is sent (`max_cost`). Pure.

An estimate, in USD (OneRouter bills in credits, 1 credit = 1 USD), from the
model catalog's per-million-token prices:

- input: the offline token estimate of the body (`tokens.py`) at the
  catalog's prompt price;
- output: `max_output_tokens` when set, else the model's maximum output
  (else its context length minus the input), at the completion price;
  reasoning tokens are output tokens, so they are inside this bound;
- every model that may serve the call counts (`model` and
  `fallback_models`): the most expensive one is the estimate;
- the catalog lists the cheapest provider's price (`min_prompt_price`); with
  `provider={"max_price": {...}}` that cap is used instead, since OneRouter
  refuses providers above it.

Not included: cache writes (billed above the input price), server tools
(web search) and per-request fees.

>>> from langchain_onerouter._mapping.catalog import ModelInfo
>>> m = ModelInfo("m", max_output_tokens=1000, prompt_price_per_million=1.0,
...               completion_price_per_million=4.0)
>>> worst_case_cost({"model": "m"}, [m], input_tokens=500).cost
0.0045
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_onerouter._mapping.catalog import ModelInfo, find_model
from langchain_onerouter.errors import MaxCostExceededError

PER_MILLION = 1_000_000


@dataclass(frozen=True)
class CostEstimate:
    """A call's worst case: `cost` in USD for `model` at the token bounds."""

    cost: float
    model: str
    input_tokens: int
    output_tokens: int
    prompt_price: float
    completion_price: float

    def describe(self) -> str:
        return (
            f"${self.cost:.6g} for {self.model} (~{self.input_tokens} input tokens "
            f"at ${self.prompt_price:g}/M + up to {self.output_tokens} output "
            f"tokens at ${self.completion_price:g}/M)"
        )


def check_max_cost(value: Any, where: str = "max_cost") -> float | None:
    """`max_cost` checked: None, or a finite number of USD above 0.

    >>> check_max_cost(0)
    Traceback (most recent call last):
    ...
    ValueError: max_cost must be a number of USD above 0 (or None), got 0
    """
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(
            f"{where} must be a number of USD above 0 (or None), got {value!r}"
        )
    return float(value)


def worst_case_cost(
    body: Mapping[str, Any], catalog: Sequence[ModelInfo], input_tokens: int
) -> CostEstimate:
    """The highest cost any model that may serve `body` could charge.

    The requested model must be in the catalog with prices (else `ValueError`:
    the cap could not be checked); a fallback model without them is left out
    with a warning.
    """
    caps = _price_caps(body)
    candidates = [str(body["model"]), *(body.get("fallback_models") or [])]
    estimates: list[CostEstimate] = []
    for position, model in enumerate(candidates):
        info = find_model(catalog, model)
        estimate = _estimate(model, info, body, input_tokens, caps)
        if isinstance(estimate, CostEstimate):
            estimates.append(estimate)
        elif position == 0:
            raise ValueError(
                f"max_cost is set but its worst case cannot be estimated: {estimate}"
            )
        else:
            warnings.warn(
                f"max_cost: fallback model left out of the estimate: {estimate}",
                UserWarning,
                stacklevel=4,
            )
    return max(estimates, key=lambda e: e.cost)


def enforce_max_cost(
    body: Mapping[str, Any],
    catalog: Sequence[ModelInfo],
    max_cost: float,
    input_tokens: int,
) -> CostEstimate:
    """Raise `MaxCostExceededError` when the worst case is above `max_cost`."""
    estimate = worst_case_cost(body, catalog, input_tokens)
    if estimate.cost > max_cost:
        raise MaxCostExceededError(
            f"estimated worst-case cost {estimate.describe()} exceeds "
            f"max_cost=${max_cost:g} (USD); nothing was sent. Lower "
            "max_output_tokens, shorten the input or raise max_cost.",
            cost=estimate.cost,
            limit=max_cost,
            code="max_cost_exceeded",
        )
    return estimate


def _estimate(
    model: str,
    info: ModelInfo | None,
    body: Mapping[str, Any],
    input_tokens: int,
    caps: Mapping[str, float],
) -> CostEstimate | str:
    """The estimate for one model, or why there is none."""
    if info is None:
        return f"{model!r} is not in the model catalog"
    prompt = caps.get("prompt", info.prompt_price_per_million)
    completion = caps.get("completion", info.completion_price_per_million)
    if prompt is None or completion is None:
        return f"the catalog has no prices for {info.id!r}"
    output = body.get("max_output_tokens") or info.max_output_tokens
    if output is None and info.context_length is not None:
        output = max(info.context_length - input_tokens, 0)
    if output is None:
        return (
            f"the catalog gives no output limit for {info.id!r}; set max_output_tokens"
        )
    cost = (input_tokens * prompt + output * completion) / PER_MILLION
    return CostEstimate(cost, info.id, input_tokens, int(output), prompt, completion)


def _price_caps(body: Mapping[str, Any]) -> dict[str, float]:
    """`provider.max_price` prompt/completion caps (USD per million tokens)."""
    provider = body.get("provider")
    max_price = provider.get("max_price") if isinstance(provider, Mapping) else None
    if not isinstance(max_price, Mapping):
        return {}
    return {
        key: float(max_price[key])
        for key in ("prompt", "completion")
        if isinstance(max_price.get(key), (int, float))
    }
