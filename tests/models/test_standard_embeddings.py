"""langchain-tests' standard unit tests for OneRouterEmbeddings."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import EmbeddingsUnitTests

from langchain_onerouter import OneRouterEmbeddings


class TestOneRouterEmbeddingsStandard(EmbeddingsUnitTests):
    @property
    def embeddings_class(self) -> type[OneRouterEmbeddings]:
        return OneRouterEmbeddings

    @property
    def embedding_model_params(self) -> dict[str, Any]:
        return {"model": "text-embedding-3-small"}

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "ONEROUTER_API_KEY": "sk-or-env-key",
                "ONEROUTER_BASE_URL": "https://router.example/v1",
            },
            {"model": "text-embedding-3-small"},
            {"api_key": "sk-or-env-key", "base_url": "https://router.example/v1"},
        )
