"""Stop sequences, enforced client-side (the Responses API has none). Pure, no I/O.

`invoke` cuts the finished message (`StopFilter.message`); `stream` passes each
event's chunks through `StopFilter.feed`, which withholds a text tail that may
begin a stop sequence and, at the first hit, cuts the text, drops every block
after it and ends the message, so the aggregate equals what `invoke` returns.

Example:
    ```python
    parser, stops = ResponseStreamParser(), StopFilter(["\\n\\n"])
    for event in events:
        for chunk in stops.feed(parser.feed(event), parser.end_early):
            print(chunk.text, end="")
        if parser.done or stops.hit:
            break
    ```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk

__all__ = ["StopFilter", "first_stop"]


class StopFilter:
    """Cut model output at the first of `stop` (empty sequences are ignored).

    Attributes:
        hit: The stop sequence found, once one was (then nothing more passes).
    """

    def __init__(self, stop: list[str] | None) -> None:
        self.stop = [s for s in stop or [] if s]
        self.hit: str | None = None
        self._held: dict[int, tuple[AIMessageChunk, str]] = {}  # by block index
        self._cut = -1  # index of the block the stop sequence was found in
        self._passed: set[int] = set()  # blocks some of which was let through

    # -- invoke -------------------------------------------------------------
    def message(self, message: AIMessage) -> AIMessage:
        """`message` cut at the first stop sequence, blocks after it dropped,
        the sequence in `response_metadata["stop_sequence"]` (else unchanged)."""
        if not self.stop or isinstance(message.content, str):
            return message
        kept: list[Any] = []
        for block in message.content:
            if isinstance(block, dict) and block.get("type") == "text":
                text = block.get("text", "")
                found = first_stop(text, self.stop)
                if found is not None:
                    position, sequence = found
                    if position:
                        kept.append({**block, "text": text[:position]})
                    kept_ids = {
                        b.get("call_id") for b in kept if isinstance(b, dict)
                    } - {None}
                    return message.model_copy(
                        update={
                            "content": kept,
                            "tool_calls": [
                                t for t in message.tool_calls if t["id"] in kept_ids
                            ],
                            "response_metadata": {
                                **message.response_metadata,
                                "stop_sequence": sequence,
                            },
                        }
                    )
            kept.append(block)
        return message

    # -- stream -------------------------------------------------------------
    def feed(
        self,
        chunks: list[AIMessageChunk],
        end_early: Callable[[int], list[AIMessageChunk]],
    ) -> list[AIMessageChunk]:
        """The chunks of one event, cut at a stop sequence.

        `end_early(block_index)` is called once, at a hit, for the chunks that
        close the message as it stands (`ResponseStreamParser.end_early`).
        """
        if not self.stop:
            return chunks
        if self.hit is not None:
            return []
        out: list[AIMessageChunk] = []
        for chunk in chunks:
            out += self._passing(
                self._scan(chunk) if self.hit is None else self._after_hit(chunk)
            )
        if self.hit is not None and not (out and out[-1].chunk_position == "last"):
            for chunk in end_early(self._cut):
                out += self._passing(self._after_hit(chunk))
        return out

    def _passing(self, chunks: list[AIMessageChunk]) -> list[AIMessageChunk]:
        for chunk in chunks:
            self._passed.update(
                b.get("index", 0) for b in chunk.content if isinstance(b, dict)
            )
        return chunks

    def _scan(self, chunk: AIMessageChunk) -> list[AIMessageChunk]:
        index, text = _text_block(chunk)
        out = self._release(keep=None if chunk.chunk_position == "last" else index)
        if text is None:
            return [*out, chunk]
        held = self._held.pop(index, (chunk, ""))[1]
        pending = held + text
        found = first_stop(pending, self.stop)
        if found is not None:
            position, self.hit = found
            self._cut = index
            if position:
                out.append(_with_text(chunk, pending[:position]))
            else:  # the block keeps what it had (nothing: it is dropped)
                out += self._after_hit(chunk)
            return out
        keep = _partial_stop(pending, self.stop)
        if keep:
            pending, self._held[index] = pending[:-keep], (chunk, pending[-keep:])
        if pending:
            out.append(_with_text(chunk, pending))
        return out

    def _release(self, keep: int | None) -> list[AIMessageChunk]:
        """Withheld text of every block but `keep` (it cannot go on: it ended)."""
        out = []
        for index in [i for i in self._held if i != keep]:
            chunk, text = self._held.pop(index)
            out.append(_with_text(chunk, text))
        return out

    def _after_hit(self, chunk: AIMessageChunk) -> list[AIMessageChunk]:
        """What of a chunk after the hit is kept: earlier blocks, the cut
        block's constant fields, and the final chunk (naming the sequence)."""
        if chunk.chunk_position == "last":
            metadata = {**chunk.response_metadata, "stop_sequence": self.hit}
            return [chunk.model_copy(update={"response_metadata": metadata})]
        blocks = []
        for block in chunk.content:
            if not isinstance(block, dict) or block.get("index", 0) < self._cut:
                blocks.append(block)
            elif block.get("index") == self._cut and self._cut in self._passed:
                rest = {k: v for k, v in block.items() if k != "text"}
                if set(rest) - {"type", "index"}:
                    blocks.append(rest)
        if not blocks:
            return []
        tools = chunk.tool_call_chunks if blocks == chunk.content else []
        return [chunk.model_copy(update={"content": blocks, "tool_call_chunks": tools})]


def first_stop(text: str, stop: list[str]) -> tuple[int, str] | None:
    """(position, sequence) of the earliest stop sequence in `text`, or None.

    >>> first_stop("abcabc", ["c", "b"])
    (1, 'b')
    """
    best: tuple[int, str] | None = None
    for sequence in stop:
        if not sequence:
            continue
        position = text.find(sequence)
        if position != -1 and (best is None or position < best[0]):
            best = (position, sequence)
    return best


def _partial_stop(text: str, stop: list[str]) -> int:
    """Length of the longest tail of `text` that starts some stop sequence."""
    longest = min(len(text), max(len(s) for s in stop) - 1)
    for size in range(longest, 0, -1):
        tail = text[-size:]
        if any(s.startswith(tail) for s in stop):
            return size
    return 0


def _text_block(chunk: AIMessageChunk) -> tuple[int, str | None]:
    """(block index, text) of a chunk carrying text, else (index, None)."""
    content = chunk.content
    if isinstance(content, list) and len(content) == 1:
        block = content[0]
        if isinstance(block, dict):
            text = block.get("text") if block.get("type") == "text" else None
            return block.get("index", 0), text if isinstance(text, str) else None
    return -1, None


def _with_text(chunk: AIMessageChunk, text: str) -> AIMessageChunk:
    block = chunk.content[0]
    assert isinstance(block, dict)
    return chunk.model_copy(update={"content": [{**block, "text": text}]})
