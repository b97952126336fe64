"""langchain-tests' standard embeddings integration suite, on the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_onerouter import OneRouterEmbeddings

pytest.importorskip("starlette")
from langchain_onerouter.testing import OneRouterEmulator  # noqa: E402

_emulator: OneRouterEmulator | None = None


@pytest.fixture(scope="module", autouse=True)
def _running_emulator() -> Iterator[OneRouterEmulator]:
    global _emulator
    with OneRouterEmulator() as emulator:
        _emulator = emulator
        yield emulator
    _emulator = None


class TestOneRouterEmbeddingsOnEmulator(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[OneRouterEmbeddings]:
        return OneRouterEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        assert _emulator is not None
        return {
            "model": "text-embedding-3-small",
            "base_url": _emulator.base_url,
            "api_key": _emulator.api_key,
            "max_retries": 0,
        }


class TestOneRouterEmbeddingsBase64OnEmulator(TestOneRouterEmbeddingsOnEmulator):
    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {**super().embedding_model_params, "encoding_format": "base64"}
