"""langchain-tests' standard embeddings integration suite, on the emulator."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_tests.integration_tests import EmbeddingsIntegrationTests

from langchain_onerouter import OneRouterEmbeddings

pytest.importorskip("starlette")


@pytest.fixture(autouse=True)
def _on_the_emulator(onerouter_emulator: Any) -> Any:
    """`ONEROUTER_BASE_URL` / `ONEROUTER_API_KEY` point at the emulator."""
    return onerouter_emulator


class TestOneRouterEmbeddingsOnEmulator(EmbeddingsIntegrationTests):
    @property
    def embeddings_class(self) -> type[OneRouterEmbeddings]:
        return OneRouterEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-embedding-3-small", "max_retries": 0}


class TestOneRouterEmbeddingsBase64OnEmulator(TestOneRouterEmbeddingsOnEmulator):
    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {**super().embedding_model_params, "encoding_format": "base64"}
