"""Totals of tokens and cost over a chain or an agent run.

`get_onerouter_cost()` is to OneRouter what `get_openai_callback()` is to
OpenAI: a context manager whose handler sees every chat model call made
inside it (sync or async, in any thread LangChain starts), and adds up token
usage and the `cost` OneRouter reports. Cost is only reported for calls made
with usage accounting on (`usage_accounting=True`); calls without it are
counted in `calls_without_cost`, so a total is never silently partial.

```python
from langchain_onerouter import ChatOneRouterResponses, get_onerouter_cost

llm = ChatOneRouterResponses(model="o4-mini", usage_accounting=True)
with get_onerouter_cost() as cost:
    llm.invoke("Hello")
    llm.batch(["Hi", "Bye"])
print(cost.total_cost, cost.total_tokens, cost.successful_requests)
```

With a `budget` (USD), a runaway agent loop stops cleanly: once the calls
finished inside the block cost more than the budget, the next chat model call
raises `BudgetExceededError` before it sends anything.

```python
with get_onerouter_cost(budget=0.50):
    agent.invoke({"messages": [("user", "Research this for me")]})
```
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.tracers.context import register_configure_hook

from langchain_onerouter._mapping.cost import check_max_cost
from langchain_onerouter._mapping.serverjson import finite
from langchain_onerouter.errors import BudgetExceededError

__all__ = ["OneRouterCostCallbackHandler", "get_onerouter_cost"]


class OneRouterCostCallbackHandler(BaseCallbackHandler):
    """Adds up tokens and OneRouter `cost` over every chat model call it sees.

    Thread-safe (one lock), so `batch`, parallel tool calls and async runs
    can share one handler. Costs are summed as decimals of the reported
    values, so many small costs add up exactly.

    Args:
        budget: USD the calls may cost; once the finished calls cost more,
            the next call (through any handler below it) raises
            `BudgetExceededError` before sending. Only reported costs count
            (`usage_accounting=True`); a call without one warns once.

    Attributes:
        total_cost: Credits (USD) reported by OneRouter, summed.
        input_tokens, output_tokens, total_tokens, reasoning_tokens,
            cached_tokens: Token counts from `usage_metadata`, summed.
        successful_requests: Chat model calls that finished.
        calls_without_cost: Finished calls whose response carried no cost
            (usage accounting off, or another provider's model).
        fallbacks: Calls served by another model than the one requested.
        by_model: Per served model: `{"calls", "cost", "input_tokens",
            "output_tokens", "total_tokens"}`.

    Example:
        ```python
        from langchain_onerouter import OneRouterCostCallbackHandler

        handler = OneRouterCostCallbackHandler()
        llm.invoke("Hello", config={"callbacks": [handler]})
        print(handler.total_cost, handler.by_model)
        ```
    """

    run_inline = True  # cheap and lock-guarded: no executor hop in async runs

    def __init__(self, budget: float | None = None) -> None:
        super().__init__()
        self.budget = check_max_cost(budget, "budget")
        self._warned_uncounted = False
        self._lock = threading.Lock()
        self._cost = Decimal(0)
        self.input_tokens = 0
        self.output_tokens = 0
        self.total_tokens = 0
        self.reasoning_tokens = 0
        self.cached_tokens = 0
        self.successful_requests = 0
        self.calls_without_cost = 0
        self.fallbacks = 0
        self.by_model: dict[str, dict[str, Any]] = {}
        self._parent: OneRouterCostCallbackHandler | None = None
        self._seen: set[UUID] = set()

    @property
    def total_cost(self) -> float:
        """The summed cost in credits (USD)."""
        with self._lock:
            return float(self._cost)

    def __repr__(self) -> str:
        return (
            f"Tokens used: {self.total_tokens} ({self.input_tokens} input, "
            f"{self.output_tokens} output, {self.reasoning_tokens} reasoning)\n"
            f"Successful requests: {self.successful_requests} "
            f"({self.calls_without_cost} without a reported cost, "
            f"{self.fallbacks} served by a fallback model)\n"
            f"Total cost (credits): {self.total_cost:.10g}"
        )

    @property
    def raise_error(self) -> bool:  # type: ignore[override]
        """A budget's stop must reach the caller; without one, never raise."""
        return any(h.budget is not None for h in self._chain())

    def _chain(self) -> Iterator[OneRouterCostCallbackHandler]:
        handler: OneRouterCostCallbackHandler | None = self
        while handler is not None:
            yield handler
            handler = handler._parent

    def check_budget(self) -> None:
        """Raise `BudgetExceededError` when this block (or one around it) is
        over its budget; the chat model start hooks call it before sending."""
        for handler in self._chain():
            spent = handler.total_cost
            if handler.budget is not None and spent > handler.budget:
                raise BudgetExceededError(
                    f"the calls in this run cost ${spent:.6g} (USD, as OneRouter "
                    f"reported), over its budget of ${handler.budget:g}; the next "
                    "call was not sent",
                    cost=spent,
                    limit=handler.budget,
                    code="budget_exceeded",
                )

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        """Refuse the call when over budget (before any request)."""
        self.check_budget()

    def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self.check_budget()

    def on_llm_end(
        self, response: LLMResult, *, run_id: UUID | None = None, **kwargs: Any
    ) -> None:
        """Add the usage and cost of one finished chat model call."""
        messages = [
            generation.message
            for generations in response.generations
            for generation in generations
            if isinstance(generation, ChatGeneration)
            and isinstance(generation.message, AIMessage)
        ]
        self._add_run(run_id, messages)

    def _add_run(self, run_id: UUID | None, messages: list[AIMessage]) -> None:
        # A call can reach a handler twice (inherited from an outer run and
        # set by an inner block that forwards to it): count each run once.
        with self._lock:
            if run_id is not None:
                if run_id in self._seen:
                    return
                self._seen.add(run_id)
        for message in messages:
            self._add(message)
        if self._parent is not None:  # an enclosing get_onerouter_cost() block
            self._parent._add_run(run_id, messages)

    def _add(self, message: AIMessage) -> None:
        usage: dict[str, Any] = dict(message.usage_metadata or {})
        metadata = message.response_metadata or {}
        cost = _decimal(metadata.get("cost"))
        model = str(metadata.get("model_name") or "unknown")
        with self._lock:
            self.successful_requests += 1
            self.input_tokens += usage.get("input_tokens", 0)
            self.output_tokens += usage.get("output_tokens", 0)
            self.total_tokens += usage.get("total_tokens", 0)
            self.reasoning_tokens += (usage.get("output_token_details") or {}).get(
                "reasoning", 0
            ) or 0
            self.cached_tokens += (usage.get("input_token_details") or {}).get(
                "cache_read", 0
            ) or 0
            if metadata.get("fallback_used") is True:
                self.fallbacks += 1
            row = self.by_model.setdefault(
                model,
                {
                    "calls": 0,
                    "cost": 0.0,
                    "input_tokens": 0,
                    "output_tokens": 0,
                    "total_tokens": 0,
                },
            )
            row["calls"] += 1
            for key in ("input_tokens", "output_tokens", "total_tokens"):
                row[key] += usage.get(key, 0)
            if cost is None:
                self.calls_without_cost += 1
                warn = self.budget is not None and not self._warned_uncounted
                self._warned_uncounted |= warn
            else:
                warn = False
                self._cost += cost
                row["cost"] = float(Decimal(str(row["cost"])) + cost)
        if warn:
            warnings.warn(
                f"a call ({model}) reported no cost, so the budget cannot count it: "
                "turn on usage_accounting=True",
                UserWarning,
                stacklevel=2,
            )


def _decimal(value: Any) -> Decimal | None:
    """A reported cost as an exact decimal of its JSON number, else None."""
    return None if finite(value) is None else Decimal(str(value))


_cost_handler: ContextVar[OneRouterCostCallbackHandler | None] = ContextVar(
    "onerouter_cost_handler", default=None
)
# Registered once at import (a hook per call would pile up in long-lived apps).
register_configure_hook(_cost_handler, inheritable=True)


@contextmanager
def get_onerouter_cost(
    budget: float | None = None,
) -> Iterator[OneRouterCostCallbackHandler]:
    """Total tokens and cost of every chat model call inside the block.

    Works for `invoke`/`stream`/`batch` and their async forms, chains and
    agents (the handler is inherited by child runs). In nested blocks the
    outer total includes the inner block's calls, and every block's budget
    holds inside it.

    Args:
        budget: USD the block may spend: once its finished calls cost more,
            the next call raises `BudgetExceededError` before sending
            (thread-safe; calls already running finish). Counts the costs
            OneRouter reports, so set `usage_accounting=True`.

    Example:
        ```python
        with get_onerouter_cost() as cost:
            agent.invoke({"messages": [("user", "Weather in Paris?")]})
        print(f"{cost.total_cost:.6f} credits, {cost.total_tokens} tokens")
        ```
    """
    handler = OneRouterCostCallbackHandler(budget)
    handler._parent = _cost_handler.get()
    token = _cost_handler.set(handler)
    try:
        yield handler
    finally:
        _cost_handler.reset(token)
