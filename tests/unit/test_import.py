import json
import subprocess
import sys

import langchain_onerouter

# Loaded on first use, never by `import langchain_onerouter` (issue 18, "Import").
LAZY_OURS = {
    "langchain_onerouter.transport",
    "langchain_onerouter._retry",
    "langchain_onerouter.catalog",
    "langchain_onerouter.capabilities",
    "langchain_onerouter.tools",
    "langchain_onerouter.structured_output",
    "langchain_onerouter.callbacks",
    "langchain_onerouter.embeddings",
    "langchain_onerouter.rerank",
    "langchain_onerouter.retrieval",
    "langchain_onerouter._connection",
    "langchain_onerouter.tokens",
    "langchain_onerouter.cli",
    "langchain_onerouter.testing",
}
HEAVY_THIRD_PARTY = {
    "tenacity",
    "httpx_sse",
    "starlette",
    "uvicorn",
    "langchain_openai",
}


def _modules_after(statement: str) -> set[str]:
    code = f"{statement}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    )
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_public_api_exports_model_and_errors() -> None:
    assert (
        langchain_onerouter.ChatOneRouterResponses.__name__ == "ChatOneRouterResponses"
    )
    assert issubclass(
        langchain_onerouter.RateLimitError, langchain_onerouter.OneRouterError
    )


def test_import_loads_only_the_chat_model() -> None:
    loaded = _modules_after("import langchain_onerouter")
    assert "langchain_onerouter.chat_models" in loaded
    assert loaded & LAZY_OURS == set()
    assert {name.split(".")[0] for name in loaded} & HEAVY_THIRD_PARTY == set()


def test_every_export_resolves_and_is_listed() -> None:
    for name in langchain_onerouter.__all__:
        assert getattr(langchain_onerouter, name) is not None, name
    assert set(langchain_onerouter.__all__) <= set(dir(langchain_onerouter))
    assert langchain_onerouter.custom_tool.__module__ == "langchain_onerouter.tools"


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        langchain_onerouter.NoSuchThing  # noqa: B018
    except AttributeError as err:
        assert "NoSuchThing" in str(err)
    else:
        raise AssertionError("expected AttributeError")


def test_lazy_exports_load_their_module_on_access() -> None:
    loaded = _modules_after(
        "import langchain_onerouter\nlangchain_onerouter.OneRouterEmbeddings"
    )
    assert "langchain_onerouter.embeddings" in loaded
    assert "langchain_onerouter.tools" not in loaded


def test_first_call_loads_the_transport() -> None:
    loaded = _modules_after(
        "from langchain_onerouter import ChatOneRouterResponses\n"
        "ChatOneRouterResponses(model='m', api_key='k')._get_transport()"
    )
    assert {"langchain_onerouter.transport", "tenacity"} <= loaded
