"""A call leaves nothing for the cyclic GC: its objects are freed by refcount.

Under 1,000 concurrent streams every cycle a call creates waits for a full
collection, whose cost grows with the live heap; tenacity's retrying object
was one (its actions list holds its own bound methods).
"""

from __future__ import annotations

import gc

import pytest

from tests.support.bodies import message_item, response
from tests.support.models import Recorder, make_llm
from tests.support.modes import MODES, call

TEXT = "Paris is the capital of France."


@pytest.mark.parametrize("mode", MODES)
async def test_one_call_leaves_no_cyclic_garbage(mode: str) -> None:
    recorder = Recorder.always(response(message_item(TEXT)))
    llm = make_llm(recorder, max_retries=2)
    (await call(llm, mode)).final()  # imports, clients and caches come first
    gc.collect()
    gc.disable()
    try:
        outcome = await call(llm, mode)
        found = gc.collect()
    finally:
        gc.enable()
    assert outcome.final().text == TEXT
    assert found == 0, f"one {mode} left {found} objects in reference cycles"
