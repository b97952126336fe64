"""`ChatOneRouterResponses()` reads the model from `ONEROUTER_MODEL`, as the key
and base URL are read; with neither, the error names the field and the variable."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from langchain_onerouter import ChatOneRouterResponses


def test_the_model_comes_from_onerouter_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEROUTER_MODEL", "anthropic/claude-sonnet-4.5")
    assert ChatOneRouterResponses().model == "anthropic/claude-sonnet-4.5"
    assert ChatOneRouterResponses(model="o4-mini").model == "o4-mini"  # given wins
    assert ChatOneRouterResponses(model_name="o3").model == "o3"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_without_a_model_the_error_names_the_field_and_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is None:
        monkeypatch.delenv("ONEROUTER_MODEL", raising=False)
    else:
        monkeypatch.setenv("ONEROUTER_MODEL", value)
    with pytest.raises(ValidationError) as caught:
        ChatOneRouterResponses()
    message = str(caught.value)
    assert "model=" in message and "ONEROUTER_MODEL" in message
    assert "sk-or-test" not in message  # the key never shows
