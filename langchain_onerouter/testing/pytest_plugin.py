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

Models built at import time (a module-level `llm = ChatOneRouterResponses(...)`
in a test module or in the code it imports) read the environment before any
fixture runs. Turn on `--onerouter-emulator` (or `onerouter_emulator = true` in
the pytest ini section): the emulator then starts before collection and the
environment points at it for the whole session, restored at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

_SESSION = pytest.StashKey[tuple[Any, dict[str, str | None]]]()
_HELP = (
    "start the OneRouter emulator before collection and point "
    "ONEROUTER_BASE_URL / ONEROUTER_API_KEY at it for the whole session, so "
    "models built at import time use it"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("onerouter")
    group.addoption(
        "--onerouter-emulator", action="store_true", default=False, help=_HELP
    )
    parser.addini("onerouter_emulator", _HELP, type="bool", default=False)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not (
        config.getoption("onerouter_emulator", False)
        or config.getini("onerouter_emulator")
    ):
        return
    emulator = _new_emulator().start()
    env = emulator.env()
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    config.stash[_SESSION] = (emulator, saved)


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION, None)
    if session is None:
        return
    emulator, saved = session
    del config.stash[_SESSION]
    emulator.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _new_emulator() -> Any:
    try:
        from langchain_onerouter.testing import OneRouterEmulator
    except ImportError as exc:
        raise pytest.UsageError(str(exc)) from None
    return OneRouterEmulator()


@pytest.fixture(scope="session")
def _onerouter_emulator_server(pytestconfig: pytest.Config) -> Iterator[Any]:
    session = pytestconfig.stash.get(_SESSION, None)
    if session is not None:  # started before collection
        yield session[0]
        return
    try:
        emulator = _new_emulator()
    except pytest.UsageError as exc:
        pytest.fail(str(exc), pytrace=False)
    with emulator:
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
