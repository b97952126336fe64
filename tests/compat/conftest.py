"""Real client libraries against the emulator (the `compat` extra).

Each module gets one emulator (module scope), reset around every test. A
module whose client library is absent skips as a whole.
"""

from __future__ import annotations

from tests.support.emulator import module_emulator

emu_fixture, fresh_emulator = module_emulator()
