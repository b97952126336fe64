"""Testing your own chain offline with the bundled emulator.

Run: `pytest examples/emulator_test.py` (needs `langchain-onerouter[emulator]`);
the `onerouter_emulator` fixture comes with the package.
"""

import pytest
from langchain_core.exceptions import ModelRateLimitError
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_onerouter import ChatOneRouterResponses


def make_chain():
    prompt = ChatPromptTemplate.from_messages([("human", "Summarise: {text}")])
    return prompt | ChatOneRouterResponses(model="o4-mini") | StrOutputParser()


def test_chain_uses_the_models_answer(onerouter_emulator):
    onerouter_emulator.reply("A short summary.")
    assert make_chain().invoke({"text": "a long text"}) == "A short summary."
    (request,) = onerouter_emulator.requests
    assert "a long text" in str(request.body)


def test_chain_survives_one_rate_limit(onerouter_emulator):
    onerouter_emulator.fail_next(1, status=429, retry_after=0)
    onerouter_emulator.reply("Still fine.")
    assert make_chain().invoke({"text": "x"}) == "Still fine."


def test_chain_reports_a_persistent_outage(onerouter_emulator):
    onerouter_emulator.fail_next(5, status=429, retry_after=0)
    with pytest.raises(ModelRateLimitError):
        make_chain().with_config(max_concurrency=1).invoke({"text": "x"})
