"""SSE events → AIMessageChunks. (Being written: issue 3.)"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessageChunk


class ResponseStreamParser:
    """Placeholder interface; replaced by the full state machine."""

    def __init__(self, *, stop: list[str] | None = None) -> None:
        self.stop = stop
        self.done = False

    def feed(self, event: dict[str, Any]) -> list[AIMessageChunk]:
        raise NotImplementedError

    def finish(self) -> list[AIMessageChunk]:
        raise NotImplementedError
