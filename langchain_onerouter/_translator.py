"""Standard content blocks (`.content_blocks`, `output_version="v1"`).

Our content uses the Responses block shapes of LangChain's OpenAI integration,
so langchain-core's OpenAI translator already knows how to read it; we only
register it under our provider name.
"""

from __future__ import annotations

from langchain_core.messages.block_translators import register_translator
from langchain_core.messages.block_translators.openai import (
    translate_content,
    translate_content_chunk,
)

from langchain_onerouter.response import MODEL_PROVIDER


def register() -> None:
    """Register the translator for `model_provider="onerouter"` (idempotent)."""
    register_translator(MODEL_PROVIDER, translate_content, translate_content_chunk)
