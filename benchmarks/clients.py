"""The clients under comparison, each driven through its public API only.

- `raw`: httpx2 + orjson, a minimal SSE line reader: the least
  any client does to get the same bytes decoded;
- `ours`: `ChatOneRouterResponses`;
- `openai`: `langchain_openai.ChatOpenAI(use_responses_api=True)`;
- `floor`: a do-nothing `BaseChatModel` on raw's I/O: one chunk per delta,
  nothing else (what any LangChain chat model making this request costs).

Every client gets the HTTP library the package uses, httpx2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import orjson

from benchmarks.server import MODEL, json_bytes

PROMPT = "Why does connection pooling matter?"
API_KEY = "sk-bench-0000000000000000"
MOCK_URL = "https://mock.invalid/v1"  # never resolved: a MockTransport answers
POOL = 100  # the pool size every client gets; ours' default
DELTA = "response.output_text.delta"


def mock_transport(*, asynchronous: bool = False) -> Any:
    """A transport answering every request at once with the canned JSON body."""
    body, headers = json_bytes(), {"content-type": "application/json"}

    def answer(request: Any) -> Any:
        return httpx2.Response(200, content=body, headers=headers)

    async def aanswer(request: Any) -> Any:
        return answer(request)

    return httpx2.MockTransport(aanswer if asynchronous else answer)


def _limits() -> dict[str, Any]:
    limits = httpx2.Limits(max_connections=POOL, max_keepalive_connections=POOL)
    return {"limits": limits, "timeout": httpx2.Timeout(600.0, connect=10.0)}


def sync_client(transport: Any = None) -> Any:
    return httpx2.Client(transport=transport, **_limits())


def async_client(transport: Any = None) -> Any:
    return httpx2.AsyncClient(transport=transport, **_limits())


class Raw:
    """Raw HTTP + orjson: POST the prompt, decode the answer or the SSE events."""

    def __init__(self, base_url: str, client: Any = None, aclient: Any = None) -> None:
        self.url = base_url + "/responses"
        self.client = client if client is not None else sync_client()
        self.aclient = aclient if aclient is not None else async_client()
        self.headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
        }
        self.body = orjson.dumps({"model": MODEL, "input": PROMPT})
        self.stream_body = orjson.dumps(
            {"model": MODEL, "input": PROMPT, "stream": True}
        )

    def invoke(self) -> str:
        reply = self.client.post(self.url, content=self.body, headers=self.headers)
        return str(orjson.loads(reply.content)["output"][1]["content"][0]["text"])

    async def ainvoke(self) -> str:
        reply = await self.aclient.post(
            self.url, content=self.body, headers=self.headers
        )
        return str(orjson.loads(reply.content)["output"][1]["content"][0]["text"])

    def stream(self) -> Iterator[str]:
        """The text deltas."""
        with self.client.stream(
            "POST", self.url, content=self.stream_body, headers=self.headers
        ) as reply:
            for line in reply.iter_lines():
                if line.startswith("data: "):
                    event = orjson.loads(line[6:])
                    if event["type"] == DELTA:
                        yield event["delta"]

    async def astream(self) -> AsyncIterator[str]:
        async with self.aclient.stream(
            "POST", self.url, content=self.stream_body, headers=self.headers
        ) as reply:
            async for line in reply.aiter_lines():
                if line.startswith("data: "):
                    event = orjson.loads(line[6:])
                    if event["type"] == DELTA:
                        yield event["delta"]


def make_ours(base_url: str, client: Any = None, aclient: Any = None) -> Any:
    from pydantic import SecretStr

    from langchain_onerouter import ChatOneRouterResponses

    return ChatOneRouterResponses(
        model=MODEL,
        base_url=base_url,
        api_key=SecretStr(API_KEY),
        http_client=client,
        http_async_client=aclient,
    )


def make_openai(base_url: str, client: Any = None, aclient: Any = None) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=MODEL,
        base_url=base_url,
        api_key=API_KEY,  # type: ignore[arg-type]
        use_responses_api=True,
        http_client=client,
        http_async_client=aclient,
    )


def make_floor(raw: Raw) -> Any:
    """A chat model that makes raw's request and only wraps what it decoded:
    the answer in an `AIMessage`, each delta in one `AIMessageChunk` (a v1 text
    block with its index, as ours yields)."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    def result(text: str) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])

    def chunk(piece: str) -> ChatGenerationChunk:
        block = {"type": "text", "text": piece, "index": 1}
        return ChatGenerationChunk(message=AIMessageChunk(content=[block]))

    class FloorChat(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            return result(raw.invoke())

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            return result(await raw.ainvoke())

        def _stream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            for piece in raw.stream():
                yield chunk(piece)

        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            async for piece in raw.astream():
                yield chunk(piece)

    return FloorChat()


def make_model(name: str, base_url: str) -> Any:
    """A chat model by name (ours, openai or floor) on `base_url`'s server."""
    if name == "ours":
        return make_ours(base_url)
    if name == "openai":
        return make_openai(base_url)
    if name == "floor":
        return make_floor(Raw(base_url))
    raise ValueError(f"unknown model {name!r}; known: ours, openai, floor")
