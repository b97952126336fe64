"""The clients under comparison, behind one small interface.

- `floor`: raw httpx + orjson (httpx-sse for streams): the least any client
  must do to get the same bytes decoded;
- `ours`: `ChatOneRouterResponses`;
- `openai`: `langchain_openai.ChatOpenAI(use_responses_api=True)`;
- `core`: a do-nothing `BaseChatModel` (no I/O): what langchain-core's own
  invoke/stream machinery costs, which bounds any LangChain chat model. It
  streams the same deltas as the server, in chunks shaped as ours are
  (`noop_chunks`), so that `+` and the callbacks cost both the same;
- `floor+core`: a `BaseChatModel` whose only work is the floor's I/O and the
  no-op's chunks (`make_floor_core`): the least any LangChain chat model
  making this request and yielding one chunk per delta can cost.

Streams come in three kinds (`benchmarks.server.STREAM_KINDS`): `text`,
`tool` (function-call argument deltas) and `reasoning` (summary deltas).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from benchmarks.server import (
    ANSWER,
    CALL_ID,
    MODEL,
    SUMMARY,
    TOOL_NAME,
    split_text,
    sse_events,
    stream_text,
    summary_text,
    tool_arguments,
    tool_pieces,
)

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

    def batch(self, calls: int, threads: int) -> None:
        """`calls` invokes on `threads` threads."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(lambda _: self.invoke(), range(calls)))

    def aggregate(self) -> str:
        """Stream and fold the chunks with `+`, as LangGraph does; the text."""
        return streamed(self.fold())

    def fold(self) -> Any:
        """Stream and fold the chunks with `+`; the final chunk."""
        total = None
        for chunk in self.stream():
            total = chunk if total is None else total + chunk
        return total

    async def aclose(self) -> None:
        return None


def _text(message: Any) -> str:
    return str(getattr(message, "text", message))


def streamed(message: Any, kind: str = "text") -> str:
    """What the deltas of a folded `kind` stream spell: the message's text,
    its tool call's arguments, or its reasoning summary; the floor's fold is
    already that string."""
    if isinstance(message, str):
        return message
    if kind == "tool":
        return str(message.tool_call_chunks[0]["args"])
    if kind == "reasoning":
        return "".join(
            entry.get("text", "")
            for block in message.content
            if isinstance(block, dict) and block.get("type") == "reasoning"
            for entry in block.get("summary") or []
        )
    return _text(message)


def expected(kind: str, deltas: int) -> str:
    """What `streamed` returns for a `deltas`-delta stream of `kind`."""
    if kind == "tool":
        return tool_arguments(deltas)
    if kind == "reasoning":
        return summary_text(deltas)
    return stream_text(deltas)


# The event type whose deltas a stream kind counts.
DELTA_EVENT = {
    "text": "response.output_text.delta",
    "tool": "response.function_call_arguments.delta",
    "reasoning": "response.reasoning_summary_text.delta",
}


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

    def __init__(
        self, base_url: str, kind: str = "text", transport: Any = None
    ) -> None:
        """`transport`: an httpx transport for both clients (default: httpx's,
        on sockets), e.g. the in-process benchmark's `httpx.MockTransport`."""
        import httpx
        import orjson

        self._loads = orjson.loads
        self._delta_event = DELTA_EVENT[kind]
        self._url = base_url + "/responses"
        self._headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
        }
        self._body = orjson.dumps({"model": MODEL, "input": PROMPT})
        self._stream_body = orjson.dumps(
            {"model": MODEL, "input": PROMPT, "stream": True}
        )
        self._transport = transport
        self._client = httpx.Client(transport=transport, **_floor_pool())
        self._aclient: httpx.AsyncClient | None = None
        self._loop: Any = None

    @property
    def aclient(self) -> Any:
        import httpx

        loop = asyncio.get_running_loop()
        if self._aclient is None or self._loop is not loop:
            self._aclient = httpx.AsyncClient(
                transport=self._transport, **_floor_pool()
            )
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
        kind = self._delta_event
        return "".join(e["delta"] for e in self.stream() if e["type"] == kind)

    def fold(self) -> Any:
        return self.aggregate()

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

    def batch(self, calls: int, threads: int) -> None:
        """`batch`, as LangChain runs it: `max_concurrency` threads."""
        self.model.batch([PROMPT] * calls, config={"max_concurrency": threads})

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


def noop_pieces(kind: str, deltas: int) -> list[str]:
    """The server's `deltas` deltas of a `kind` stream."""
    if kind == "tool":
        return tool_pieces(deltas)
    return split_text(SUMMARY if kind == "reasoning" else ANSWER, deltas)


def chunk_maker(kind: str) -> Callable[[str, bool], Any]:
    """`make(piece, first)`: the `AIMessageChunk` of one `kind` delta, shaped
    as `ResponseStreamParser` shapes it (one indexed content block,
    `model_provider`; a tool call chunk for arguments, with the call's name
    and id on the `first`). Built on the fly, as any model builds its chunks;
    `shape` compares them with ours."""
    from langchain_core.messages import AIMessageChunk
    from langchain_core.messages.tool import tool_call_chunk

    meta = {"model_provider": "onerouter"}

    def tool(piece: str, first: bool) -> Any:
        head = {"name": TOOL_NAME, "call_id": CALL_ID} if first else {}
        block = {"type": "function_call", **head, "arguments": piece, "index": 0}
        call = tool_call_chunk(
            name=head.get("name"), args=piece, id=head.get("call_id"), index=0
        )
        return AIMessageChunk(
            content=[block], tool_call_chunks=[call], response_metadata=dict(meta)
        )

    def reasoning(piece: str, first: bool) -> Any:
        entry = {"index": 0, "type": "summary_text", "text": piece}
        return AIMessageChunk(
            content=[{"type": "reasoning", "summary": [entry], "index": 0}],
            response_metadata=dict(meta),
        )

    def text(piece: str, first: bool) -> Any:
        return AIMessageChunk(
            content=[{"type": "text", "text": piece, "index": 1}],
            response_metadata=dict(meta),
        )

    return {"tool": tool, "reasoning": reasoning}.get(kind, text)


def noop_chunks(kind: str, pieces: list[str]) -> Iterator[Any]:
    """The do-nothing model's chunks, one per piece (`chunk_maker`)."""
    make = chunk_maker(kind)
    for i, piece in enumerate(pieces):
        yield make(piece, i == 0)


def shape(chunk: Any) -> Any:
    """A chunk's structure without its values: keys of its content blocks
    (recursively), of `response_metadata` and of its tool call chunks."""

    def skeleton(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: skeleton(v) for k, v in sorted(value.items())}
        if isinstance(value, list):
            return [skeleton(v) for v in value]
        return type(value).__name__

    return skeleton(
        {
            "content": chunk.content,
            "response_metadata": chunk.response_metadata,
            "tool_call_chunks": chunk.tool_call_chunks,
        }
    )


def shape_check(deltas: int = 50) -> str:
    """Whether the no-op model's delta chunks have the shape of ours, per kind
    (our parser fed the server's events; a middle delta compared)."""
    from langchain_onerouter._mapping.stream import ResponseStreamParser

    verdicts = []
    for kind, event_type in DELTA_EVENT.items():
        parser = ResponseStreamParser()
        ours = [
            chunk
            for event in sse_events(deltas, kind)
            for chunk in parser.feed(event)
            if event["type"] == event_type
        ]
        noop = list(noop_chunks(kind, noop_pieces(kind, deltas)))
        same = len(ours) == len(noop) and shape(ours[deltas // 2]) == shape(
            noop[deltas // 2]
        )
        verdicts.append(f"{kind} {'same' if same else 'DIFFERENT (fix noop_chunks)'}")
    return "no-op chunk shapes vs ours: " + ", ".join(verdicts)


def make_noop(deltas: int, kind: str = "text") -> Any:
    """A chat model that does nothing: langchain-core's own cost."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    pieces = noop_pieces(kind, deltas)

    def fresh() -> Iterator[Any]:
        for chunk in noop_chunks(kind, pieces):
            yield ChatGenerationChunk(message=chunk)

    class NoopChat(BaseChatModel):
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
            yield from fresh()

        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            for chunk in fresh():
                yield chunk

    return NoopChat()


class CoreClient(ChatModelClient):
    name = "core"

    def __init__(self, deltas: int, kind: str = "text") -> None:
        super().__init__(make_noop(deltas, kind))


def make_floor_core(floor: FloorClient, kind: str = "text") -> Any:
    """A chat model that makes `floor`'s request and does nothing else:
    `_generate` returns the floor's text as a plain `AIMessage` (as the no-op
    returns its own); `_stream` yields one `chunk_maker` chunk per delta event
    of `kind` that the floor's `stream` decoded. The floor's bytes plus
    langchain-core's cost, in one call: measured apart, the two cost less than
    together (on this loopback setup the floor's round trip slows with the CPU
    work run between its calls: seen +0.3 and +0.7 ms per call with 0.3 and
    1 ms of busy loop between calls)."""
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

    make = chunk_maker(kind)
    delta = DELTA_EVENT[kind]

    def result(text: str) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    class FloorCoreChat(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "floor+core"

        def _generate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            return result(floor.invoke())

        async def _agenerate(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            return result(await floor.ainvoke())

        def _stream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            first = True
            for event in floor.stream():
                if event["type"] == delta:
                    yield ChatGenerationChunk(message=make(event["delta"], first))
                    first = False

        async def _astream(
            self, messages: Any, stop: Any = None, run_manager: Any = None, **kw: Any
        ) -> Any:
            first = True
            async for event in floor.astream():
                if event["type"] == delta:
                    yield ChatGenerationChunk(message=make(event["delta"], first))
                    first = False

    return FloorCoreChat()


class FloorCoreClient(ChatModelClient):
    """`make_floor_core` on its own `FloorClient` (own pools, closed here)."""

    name = "floor+core"

    def __init__(self, base_url: str, kind: str = "text") -> None:
        self.floor = FloorClient(base_url, kind)
        super().__init__(make_floor_core(self.floor, kind))

    async def aclose(self) -> None:
        await self.floor.aclose()


def make_client(name: str, base_url: str, deltas: int, kind: str = "text") -> Client:
    """A client by name: floor, ours, openai, core or floor+core (`kind`: which
    stream the base URL serves, see `benchmarks.server.stream_url`)."""
    if name == "floor":
        return FloorClient(base_url, kind)
    if name == "ours":
        return OursClient(base_url)
    if name == "openai":
        return OpenAIClient(base_url)
    if name == "core":
        return CoreClient(deltas, kind)
    if name == "floor+core":
        return FloorCoreClient(base_url, kind)
    raise ValueError(f"unknown client {name!r}")
