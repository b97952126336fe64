"""LangChain integration for OneRouter's Responses API.

```python
from langchain_onerouter import ChatOneRouterResponses

llm = ChatOneRouterResponses(model="o4-mini")
print(llm.invoke("What is the meaning of life?").text)
```

Only the chat model is imported eagerly; every other export is loaded on
first access (PEP 562 `__getattr__`): `import langchain_onerouter` then costs
little more than langchain-core itself (guarded by tests/models/test_import.py).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from langchain_onerouter._mapping import blocks as _translator
from langchain_onerouter._version import __version__
from langchain_onerouter.chat_models import ChatOneRouterResponses
from langchain_onerouter.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    ContextLengthExceededError,
    CostLimitError,
    MaxCostExceededError,
    NotFoundError,
    OneRouterError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFailedError,
    ResponseTooLargeError,
    StreamError,
    UnsupportedCapabilityError,
)
from langchain_onerouter.routing import (
    FallbackTrigger,
    MaxPrice,
    ProviderPreferences,
    ProviderSort,
    routing_from_env,
)

if TYPE_CHECKING:
    from langchain_onerouter._mapping.retrieval import RetrievalUsage
    from langchain_onerouter.callbacks import (
        OneRouterCostCallbackHandler,
        get_onerouter_cost,
    )
    from langchain_onerouter.embeddings import OneRouterEmbeddings
    from langchain_onerouter.rerank import OneRouterRerank
    from langchain_onerouter.tools import custom_tool

_translator.register()

# Export name → the module that defines it, imported on first access.
_LAZY = {
    "OneRouterEmbeddings": "embeddings",
    "OneRouterRerank": "rerank",
    "RetrievalUsage": "_mapping.retrieval",
    "OneRouterCostCallbackHandler": "callbacks",
    "get_onerouter_cost": "callbacks",
    "custom_tool": "tools",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later accesses skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ChatOneRouterResponses",
    "OneRouterEmbeddings",
    "OneRouterRerank",
    "RetrievalUsage",
    "OneRouterError",
    "BadRequestError",
    "ContextLengthExceededError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "RateLimitError",
    "APIStatusError",
    "APIConnectionError",
    "APITimeoutError",
    "ResponseFailedError",
    "ResponseTooLargeError",
    "StreamError",
    "UnsupportedCapabilityError",
    "CostLimitError",
    "MaxCostExceededError",
    "BudgetExceededError",
    "ProviderPreferences",
    "ProviderSort",
    "MaxPrice",
    "FallbackTrigger",
    "OneRouterCostCallbackHandler",
    "get_onerouter_cost",
    "routing_from_env",
    "custom_tool",
    "__version__",
]
