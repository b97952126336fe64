"""A dumped model loads back with the call docs/deploying.md shows; the key is
never in the dump and comes from `secrets_map` or the environment."""

from __future__ import annotations

import pytest
from langchain_core.load import dumpd, dumps, load, loads

from langchain_onerouter import ChatOneRouterResponses

TRUSTED = {
    "allowed_objects": [ChatOneRouterResponses],
    "valid_namespaces": ["langchain_onerouter"],
}
SECRET = "sk-or-dumped-0123456789"


def _model() -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model="openai/gpt-5.4",
        api_key=SECRET,  # type: ignore[arg-type]
        temperature=0.2,
        provider={"sort": "price"},
        fallback_models=["anthropic/claude-sonnet-4.5"],
        max_concurrent_requests=30,
    )


def test_dumps_loads_with_secrets_map_gives_the_same_settings() -> None:
    llm = _model()
    text = dumps(llm)
    assert SECRET not in text
    again = loads(text, **TRUSTED, secrets_map={"ONEROUTER_API_KEY": SECRET})  # type: ignore[arg-type]
    assert isinstance(again, ChatOneRouterResponses)
    assert again.api_key is not None and again.api_key.get_secret_value() == SECRET
    fields = ("model", "temperature", "provider", "fallback_models", "base_url")
    assert {f: getattr(again, f) for f in fields} == {
        f: getattr(llm, f) for f in fields
    }
    assert again.max_concurrent_requests == 30


def test_dumpd_load_with_the_key_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEROUTER_API_KEY", "sk-or-from-env-0123456789")
    again = load(dumpd(_model()), **TRUSTED, secrets_from_env=True)  # type: ignore[arg-type]
    assert again.api_key.get_secret_value() == "sk-or-from-env-0123456789"
    assert again.model == "openai/gpt-5.4"


def test_the_call_langchain_core_suggests_is_not_enough() -> None:
    """Why the docs name the class: `allowed_objects="all"` is refused."""
    with pytest.raises(ValueError, match="not allowed"):
        loads(
            dumps(_model()),
            allowed_objects="all",
            secrets_map={"ONEROUTER_API_KEY": SECRET},
        )
