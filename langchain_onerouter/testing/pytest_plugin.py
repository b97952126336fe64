"""pytest plugin (auto-loaded): the `onerouter_emulator` fixture.

```python
from langchain_onerouter import ChatOneRouterResponses

def test_my_chain(onerouter_emulator):
    onerouter_emulator.reply("Paris.")
    llm = ChatOneRouterResponses(model="o4-mini")  # env points at the emulator
    assert llm.invoke("Capital of France?").text == "Paris."
```

The server starts once per session; each test gets it reset (no queued
replies, no recorded requests) and `ONEROUTER_BASE_URL` / `ONEROUTER_API_KEY`
set to it. Importing this module needs only pytest: the emulator's
dependencies load when the fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def _onerouter_emulator_server() -> Iterator[Any]:
    try:
        from langchain_onerouter.testing import OneRouterEmulator
    except ImportError as exc:
        pytest.fail(str(exc), pytrace=False)
    with OneRouterEmulator() as emulator:
        yield emulator


@pytest.fixture
def onerouter_emulator(
    _onerouter_emulator_server: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A running `OneRouterEmulator`, reset for this test, with env set to it."""
    emulator = _onerouter_emulator_server
    emulator.reset()
    for key, value in emulator.env().items():
        monkeypatch.setenv(key, value)
    yield emulator
    emulator.reset()
