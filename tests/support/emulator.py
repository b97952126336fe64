"""One emulator per test module (module scope), reset around every test.

In a test module or conftest: `emu_fixture, fresh_emulator = module_emulator()`
gives the `emu` fixture and an autouse reset.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_onerouter.testing import OneRouterEmulator


def module_emulator(**options: Any) -> tuple[Any, Any]:
    """The `emu` fixture (an emulator built with `options`) and its reset."""

    @pytest.fixture(scope="module", name="emu")
    def emu_fixture() -> Iterator[OneRouterEmulator]:
        with OneRouterEmulator(**options) as server:
            yield server

    @pytest.fixture(autouse=True)
    def fresh_emulator(emu: OneRouterEmulator) -> Iterator[None]:
        emu.reset()
        yield
        emu.reset()

    return emu_fixture, fresh_emulator
