"""One call's answer, from what the server sent to what LangChain receives:
the `ChatResult` of a response body, or the chunks of a stream, with stop
sequences enforced, the parsed structured output and the reasoning-fallback
flag added. Pure: the chat model does the I/O and the callbacks."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.outputs import ChatGeneration, ChatResult

from langchain_onerouter._mapping.reasoning_fallback import ReasoningFallback
from langchain_onerouter._mapping.response import RequestedRoute, response_to_message
from langchain_onerouter._mapping.stop import StopFilter
from langchain_onerouter._mapping.stream import ResponseStreamParser
from langchain_onerouter.errors import OneRouterError

_LLM_OUTPUT = ("model_name", "requested_model", "fallback_used", "cost")


def chat_result(
    data: dict[str, Any],
    body: dict[str, Any],
    stop: list[str] | None,
    fallback: ReasoningFallback,
    response_format: Any = None,
) -> ChatResult:
    """The `ChatResult` of the response `data` answering `body`."""
    message = response_to_message(data, RequestedRoute.of(body))
    fallback.mark(message.response_metadata)
    message = StopFilter(stop).message(message)
    if response_format is not None:
        from langchain_onerouter._mapping.structured import parse_response_format

        parsed = parse_response_format(response_format, message)
        if parsed is not None:  # where ChatOpenAI puts it
            message.additional_kwargs["parsed"] = parsed
    metadata = message.response_metadata
    llm_output = {k: metadata[k] for k in _LLM_OUTPUT if metadata.get(k) is not None}
    return ChatResult(
        generations=[ChatGeneration(message=message)], llm_output=llm_output
    )


class StreamRun:
    """The state `_stream` and `_astream` share, so only their I/O differs.

    Per attempt: `feed` each event's chunks until `over`, then `finish`;
    every chunk passes `out` before it is emitted. On a `OneRouterError`,
    `retry_or_raise` raises it or, for foreign reasoning rejected before any
    output, starts the one retry (a new `body`, parser and stop filter).
    """

    def __init__(
        self,
        body: dict[str, Any],
        stop: list[str] | None,
        fallback: ReasoningFallback,
        response_format: Any = None,
    ) -> None:
        from langchain_onerouter._mapping.structured import ParsedOnLastChunk

        self.body, self._stop, self._fallback = body, stop, fallback
        self._parsed = ParsedOnLastChunk(response_format)
        self._attempt()

    def _attempt(self) -> None:
        self._parser = ResponseStreamParser(requested=RequestedRoute.of(self.body))
        self._stops = StopFilter(self._stop)
        self._sent = False

    def feed(self, event: dict[str, Any]) -> list[AIMessageChunk]:
        return self._stops.feed(self._parser.feed(event), self._parser.end_early)

    @property
    def over(self) -> bool:
        """The response ended, or a stop sequence was hit."""
        return self._parser.done or self._stops.hit is not None

    def finish(self) -> list[AIMessageChunk]:
        return [] if self._stops.hit is not None else self._parser.finish()

    def out(self, chunk: AIMessageChunk) -> AIMessageChunk:
        """`chunk` as emitted: the retry flagged and the parsed object put on
        the final chunk."""
        self._sent = True
        if chunk.chunk_position == "last":
            self._fallback.mark(chunk.response_metadata)
        return self._parsed(chunk)

    def retry_or_raise(self, err: OneRouterError) -> None:
        self.body = self._fallback.retry_body(err, self.body, output_sent=self._sent)
        self._attempt()
