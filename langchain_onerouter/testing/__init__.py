"""Test helpers: a local OneRouter emulator (needs the `emulator` extra).

```python
from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.testing import OneRouterEmulator

with OneRouterEmulator() as emu:
    llm = ChatOneRouterResponses(
        model="o4-mini", base_url=emu.base_url, api_key=emu.api_key
    )
    print(llm.invoke("Hello").text)  # "You said: Hello"
```

In pytest, request the `onerouter_emulator` fixture (installed with the package).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_onerouter.testing.emulator import OneRouterEmulator
    from langchain_onerouter.testing.script import RecordedRequest, Reply, ToolCall

__all__ = ["OneRouterEmulator", "RecordedRequest", "Reply", "ToolCall"]


def __getattr__(name: str) -> Any:
    # Lazy, so the pytest plugin (a submodule) imports without the extra.
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "langchain_onerouter.testing needs starlette and uvicorn: "
            'pip install "langchain-onerouter[emulator]"'
        ) from exc
    from langchain_onerouter.testing import emulator, script

    return getattr(emulator if name == "OneRouterEmulator" else script, name)
