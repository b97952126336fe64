"""The clients under comparison, behind one small interface.

- `floor`: raw httpx + orjson (httpx-sse for streams): the least any client
  must do to get the same bytes decoded;
- `ours`: `ChatOneRouterResponses`;
- `openai`: `langchain_openai.ChatOpenAI(use_responses_api=True)`;
- `core`: a do-nothing `BaseChatModel` (no I/O): what langchain-core's own
  invoke/stream machinery costs, which bounds any LangChain chat model.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

from benchmarks.server import MODEL

PROMPT = "Why does connection pooling matter?"
API_KEY = "sk-bench-0000000000000000"


class Client:
    """One client: `invoke`, `ainvoke`, `stream` and `astream` a prompt."""

    name = ""

    def invoke(self) -> str:
        raise NotImplementedError

    async def ainvoke(self) -> str:
        raise NotImplementedError

    def stream(self) -> Iterator[Any]:
        raise NotImplementedError

    def astream(self) -> AsyncIterator[Any]:
        raise NotImplementedError

    def aggregate(self) -> str:
        """Stream and fold the chunks with `+`, as LangGraph does; the text."""
        total = None
        for chunk in self.stream():
            total = chunk if total is None else total + chunk
        return _text(total)

    async def aclose(self) -> None:
        return None


def _text(message: Any) -> str:
    return str(getattr(message, "text", message))


def _floor_pool() -> dict[str, Any]:
    """The floor gets our pool and timeouts: httpx's default keeps only 20 idle
    connections, which churns connections under load (see transport.py), and
    gives up after 5 s waiting for a connection of a busy pool."""
    import httpx

    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return {"limits": limits, "timeout": httpx.Timeout(600.0, connect=10.0)}


class FloorClient(Client):
    """Raw httpx + orjson: the cost floor."""

    name = "floor"

    def __init__(self, base_url: str) -> None:
        import httpx
        import orjson

        self._loads = orjson.loads
        self._url = base_url + "/responses"
        self._headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
        }
        self._body = orjson.dumps({"model": MODEL, "input": PROMPT})
        self._stream_body = orjson.dumps(
            {"model": MODEL, "input": PROMPT, "stream": True}
        )
        self._client = httpx.Client(**_floor_pool())
        self._aclient: httpx.AsyncClient | None = None
        self._loop: Any = None

    @property
    def aclient(self) -> Any:
        import httpx

        loop = asyncio.get_running_loop()
        if self._aclient is None or self._loop is not loop:
            self._aclient = httpx.AsyncClient(**_floor_pool())
            self._loop = loop
        return self._aclient

    def invoke(self) -> str:
        response = self._client.post(
            self._url, content=self._body, headers=self._headers
        )
        body = self._loads(response.content)
        return str(body["output"][1]["content"][0]["text"])

    async def ainvoke(self) -> str:
        response = await self.aclient.post(
            self._url, content=self._body, headers=self._headers
        )
        body = self._loads(response.content)
        return str(body["output"][1]["content"][0]["text"])

    def stream(self) -> Iterator[Any]:
        from httpx_sse import EventSource

        with self._client.stream(
            "POST", self._url, content=self._stream_body, headers=self._headers
        ) as response:
            for sse in EventSource(response).iter_sse():
                yield self._loads(sse.data)

    async def astream(self) -> AsyncIterator[Any]:
        from httpx_sse import EventSource

        async with self.aclient.stream(
            "POST", self._url, content=self._stream_body, headers=self._headers
        ) as response:
            async for sse in EventSource(response).aiter_sse():
                yield self._loads(sse.data)

    def aggregate(self) -> str:
        parts = [
            event["delta"]
            for event in self.stream()
            if event["type"] == "response.output_text.delta"
        ]
        return "".join(parts)

    async def aclose(self) -> None:
        self._client.close()
        if self._aclient is not None:
            await self._aclient.aclose()


class ChatModelClient(Client):
    """Any LangChain chat model."""

    def __init__(self, model: Any) -> None:
        self.model = model

    def invoke(self) -> str:
        return _text(self.model.invoke(PROMPT))

    async def ainvoke(self) -> str:
        return _text(await self.model.ainvoke(PROMPT))

    def stream(self) -> Iterator[Any]:
        return iter(self.model.stream(PROMPT))

    def astream(self) -> AsyncIterator[Any]:
        return self.model.astream(PROMPT)


def make_ours(base_url: str) -> Any:
    from langchain_onerouter import ChatOneRouterResponses

    return ChatOneRouterResponses(model=MODEL, base_url=base_url, api_key=API_KEY)


def make_openai(base_url: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL, base_url=base_url, api_key=API_KEY, use_responses_api=True
    )


class OursClient(ChatModelClient):
    name = "ours"

    def __init__(self, base_url: str) -> None:
        super().__init__(make_ours(base_url))


class OpenAIClient(ChatModelClient):
    name = "openai"

    def __init__(self, base_url: str) -> None:
        super().__init__(make_openai(base_url))


def make_noop(deltas: int) -> Any:
    """A chat model that does nothing: langchain-core's own cost."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    from benchmarks.server import ANSWER

    class NoopChat(BaseChatModel):
        deltas: int = 2000

        @property
        def _llm_type(self) -> str:
            return "noop"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            message = AIMessage(content=ANSWER)
            return ChatResult(generations=[ChatGeneration(message=message)])

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            message = AIMessage(content=ANSWER)
            return ChatResult(generations=[ChatGeneration(message=message)])

        def _stream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            for _ in range(self.deltas):
                yield ChatGenerationChunk(message=AIMessageChunk(content="tok"))

        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            for _ in range(self.deltas):
                yield ChatGenerationChunk(message=AIMessageChunk(content="tok"))

    return NoopChat(deltas=deltas)


class CoreClient(ChatModelClient):
    name = "core"

    def __init__(self, deltas: int) -> None:
        super().__init__(make_noop(deltas))


def make_client(name: str, base_url: str, deltas: int) -> Client:
    """A client by name: floor, ours, openai or core."""
    if name == "floor":
        return FloorClient(base_url)
    if name == "ours":
        return OursClient(base_url)
    if name == "openai":
        return OpenAIClient(base_url)
    if name == "core":
        return CoreClient(deltas)
    raise ValueError(f"unknown client {name!r}")
