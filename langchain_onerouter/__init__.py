"""LangChain integration for OneRouter's Responses API.

```python
from langchain_onerouter import ChatOneRouterResponses

llm = ChatOneRouterResponses(model="o4-mini")
print(llm.invoke("What is the meaning of life?").text)
```
"""

from langchain_onerouter import _translator
from langchain_onerouter._version import __version__
from langchain_onerouter.callbacks import (
    OneRouterCostCallbackHandler,
    get_onerouter_cost,
)
from langchain_onerouter.capabilities import UnsupportedCapabilityError
from langchain_onerouter.chat_models import ChatOneRouterResponses
from langchain_onerouter.embeddings import OneRouterEmbeddings
from langchain_onerouter.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    NotFoundError,
    OneRouterError,
    PermissionDeniedError,
    RateLimitError,
    ResponseFailedError,
    StreamError,
)
from langchain_onerouter.rerank import OneRouterRerank
from langchain_onerouter.retrieval import RetrievalUsage
from langchain_onerouter.routing import (
    FallbackTrigger,
    MaxPrice,
    ProviderPreferences,
)
from langchain_onerouter.settings import routing_from_env
from langchain_onerouter.tools import custom_tool

_translator.register()

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
    "StreamError",
    "UnsupportedCapabilityError",
    "ProviderPreferences",
    "MaxPrice",
    "FallbackTrigger",
    "OneRouterCostCallbackHandler",
    "get_onerouter_cost",
    "routing_from_env",
    "custom_tool",
    "__version__",
]
