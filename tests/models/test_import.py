import json
import subprocess
import sys

import langchain_onerouter

# Loaded on first use, never by `import langchain_onerouter` (issue 18, "Import").
LAZY_OURS = {
    "langchain_onerouter._http.transport",
    "langchain_onerouter._http.retry",
    "langchain_onerouter.catalog",
    "langchain_onerouter._mapping.capabilities",
    "langchain_onerouter.tools",
    "langchain_onerouter._mapping.structured",
    "langchain_onerouter.callbacks",
    "langchain_onerouter.embeddings",
    "langchain_onerouter.rerank",
    "langchain_onerouter._mapping.retrieval",
    "langchain_onerouter._mapping.tokens",
    "langchain_onerouter.cli",
    "langchain_onerouter.testing",
    "langchain_onerouter._http.pool",
}
HEAVY_THIRD_PARTY = {
    "httpx",  # ~90 ms of our import before; its __init__ loads rich and click
    "httpcore",
    "httpcore2",
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
    assert {"langchain_onerouter._http.transport", "tenacity"} <= loaded


def test_client_fields_check_their_type_without_importing_httpx() -> None:
    # No httpx loaded: a wrong value is rejected without loading it.
    loaded = _modules_after(
        "from langchain_onerouter import ChatOneRouterResponses as C\n"
        "from pydantic import ValidationError\n"
        "try:\n"
        "    C(model='m', api_key='k', http_client='not a client')\n"
        "except ValidationError as err:\n"
        "    assert 'instance of httpx.Client' in str(err), err\n"
        "else:\n"
        "    raise AssertionError('accepted a str as http_client')"
    )
    assert "httpx" not in loaded


def test_client_fields_take_httpx_objects_and_name_a_wrong_one() -> None:
    import httpx
    import pytest
    from pydantic import ValidationError

    from langchain_onerouter import ChatOneRouterResponses

    timeout = httpx.Timeout(5.0, connect=2.0)
    with httpx.Client() as client:
        llm = ChatOneRouterResponses(
            model="m", api_key="k", http_client=client, timeout=timeout
        )
        assert llm.http_client is client and llm.timeout is timeout
        with pytest.raises(ValidationError, match="http_async_client") as err:
            ChatOneRouterResponses(model="m", api_key="k", http_async_client=client)
        assert "instance of httpx.AsyncClient" in str(err.value)
    assert ChatOneRouterResponses(model="m", api_key="k", timeout="30").timeout == 30.0


def test_public_modules_export_only_what_users_call() -> None:
    from langchain_onerouter import errors, routing

    assert langchain_onerouter.ResponseTooLargeError is errors.ResponseTooLargeError
    assert (
        langchain_onerouter.UnsupportedCapabilityError
        is errors.UnsupportedCapabilityError
    )
    assert set(routing.__all__) == {
        "FallbackTrigger",
        "MaxPrice",
        "PercentileCutoffs",
        "ProviderPreferences",
        "ProviderSort",
        "routing_from_env",
    }
    for name in routing.__all__:
        assert not name.startswith(("apply_", "validate_", "is_", "without_")), name
