"""Responses SSE events → `AIMessageChunk`s. Pure, no I/O.

One state machine serves the sync and async paths. Its chunks use the block
shapes of `response.item_to_blocks` plus an integer `"index"`, so LangChain's
chunk merge (`chunk1 + chunk2`) concatenates deltas into the very message
`response_to_message` builds for the final response object:

- deltas (text, summary text, raw reasoning text, function arguments) are
  emitted as they arrive; any other item (a web search call, a custom tool
  call, a type we have never seen) is emitted whole at its
  `output_item.done`, as are items of providers that send nothing else; a
  client-executed call also gets its tool call chunk then;
- constant fields of a block (`id`, `status`, `phase`, `encrypted_content`,
  ...) are emitted exactly once (merging concatenates repeated strings), at
  `response.completed`, whose output is what `invoke` returns: ids and
  encrypted content may differ from those in `output_item.done`;
- items are correlated by `output_index`, since some providers (GitHub
  Copilot) send a new item id with every event;
- usage, `id` and the response metadata (served model, fallback, provider,
  cost) ride on the one final chunk (`chunk_position="last"`): merging sums
  differing numbers and concatenates strings, so they must appear once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.utils._merge import merge_dicts

from langchain_onerouter import errors
from langchain_onerouter._mapping.items import CLIENT_CALLS, client_tool_call
from langchain_onerouter._mapping.jsonutil import dumps
from langchain_onerouter._mapping.response import (
    MODEL_PROVIDER,
    RequestedRoute,
    item_to_blocks,
    response_metadata,
    usage_to_metadata,
)
from langchain_onerouter._mapping.stream_order import EventOrder, Reconciler

# Reasoning fields that are lists of `{"index", "type", "text"}` entries.
_INDEXED_LISTS = ("summary", "content")
# Block kinds whose first chunk is a bare placeholder (their deltas stream);
# other item types are emitted whole.
_DEFERRED = ("text", "refusal", "reasoning", "function_call")
_TEXT_DONE = {
    "response.output_text.done": "text",
    "response.refusal.done": "refusal",
    "response.function_call_arguments.done": "arguments",
}


# Fields whose chunks carry deltas that `+` concatenates.
_DELTA_FIELDS = frozenset({"text", "arguments", "refusal"})
# The keys of a summary or reasoning-text entry's delta.
_ENTRY = frozenset({"index", "type", "text"})


@dataclass
class _Block:
    """What was emitted for one content block: `sent` is the merge of it all.

    Text deltas are kept in lists and joined when `sent` is read (at an item's
    end): merging each one would copy the text so far, quadratic in the length.
    """

    index: int
    kind: str
    merged: dict[str, Any] = field(default_factory=dict)
    deltas: dict[str, list[str]] = field(default_factory=dict)  # not yet joined
    # Text deltas of an entry of `summary`/`content` already in `merged`, by
    # (field, entry index); not yet joined either.
    entry_deltas: dict[tuple[str, int], list[str]] = field(default_factory=dict)

    @property
    def sent(self) -> dict[str, Any]:
        """The merge of every field emitted for this block (as `+` merges)."""
        for name, parts in self.deltas.items():
            self.merged[name] = (self.merged.get(name) or "") + "".join(parts)
        self.deltas.clear()
        for (name, index), parts in self.entry_deltas.items():
            # A new list and entry: the emitted chunks share the old ones.
            entries = self.merged[name] = list(self.merged[name])
            at = _entry_at(entries, index)
            entries[at] = {**entries[at], "text": entries[at]["text"] + "".join(parts)}
        self.entry_deltas.clear()
        return self.merged

    def record(self, fields: dict[str, Any]) -> None:
        """Remember emitted fields."""
        if fields.keys() <= _DELTA_FIELDS and all(
            isinstance(v, str) for v in fields.values()
        ):
            for name, value in fields.items():
                self.deltas.setdefault(name, []).append(value)
            return
        entry = self._entry_delta(fields)
        if entry is not None:
            self.entry_deltas.setdefault(entry, []).append(fields[entry[0]][0]["text"])
        else:
            self.merged = merge_dicts(self.sent, fields)

    def _entry_delta(self, fields: dict[str, Any]) -> tuple[str, int] | None:
        """(field, index) when `fields` only appends text to an entry of
        `summary`/`content` already sent with a string `text` (the entry
        merging would append to), else None. A `content` delta comes beside
        the empty `summary` every reasoning chunk carries."""
        name = "content" if fields.keys() == {"summary", "content"} else None
        if name is None and len(fields) == 1:
            name = next(iter(fields))
        if name not in _INDEXED_LISTS or (name == "content" and fields.get("summary")):
            return None
        new = fields[name]
        if (
            not isinstance(new, list)
            or len(new) != 1
            or not isinstance(new[0], dict)
            or new[0].keys() - _ENTRY
        ):
            return None
        index, text = new[0].get("index"), new[0].get("text")
        if type(index) is not int or not isinstance(text, str):
            return None
        if (name, index) in self.entry_deltas:
            return (name, index)
        entries = self.merged.get(name)
        if not isinstance(entries, list) or not isinstance(
            self.merged.get("summary"), list
        ):
            return None
        at = _entry_at(entries, index)
        if at is None or not isinstance(entries[at].get("text"), str):
            return None
        return (name, index)


def _entry_at(entries: list[Any], index: int) -> Any:
    """The position of the entry `merge_lists` merges an `index` entry into."""
    return next(
        (
            at
            for at, e in enumerate(entries)
            if isinstance(e, dict) and "index" in e and e["index"] == index
        ),
        None,
    )


@dataclass
class _Item:
    output_index: int
    item: dict[str, Any]  # latest snapshot of the output item
    ids: set[str] = field(default_factory=set)
    blocks: dict[int, _Block] = field(default_factory=dict)  # by content index
    tool_index: int | None = None
    tool_sent: dict[str, bool] = field(default_factory=dict)
    pending: dict[str, Any] | None = None  # the output_item.done item
    settled: bool = False


class ResponseStreamParser:
    """Turn Responses stream events into `AIMessageChunk`s.

    `feed` each event (a dict with `type`); call `finish` when the events run
    out. `done` turns True once the response is complete (the caller should
    then close the connection); a caller that stops reading earlier (at a stop
    sequence: see `stop.StopFilter`) ends the message with `end_early`.

    Example:
        ```python
        parser = ResponseStreamParser()
        for event in events:
            for chunk in parser.feed(event):
                print(chunk.text, end="")
            if parser.done:
                break
        parser.finish()  # raises StreamError if the stream ended early
        ```
    """

    def __init__(self, *, requested: RequestedRoute | None = None) -> None:
        self.requested = requested
        self.done = False
        self._items: dict[int, _Item] = {}
        self._by_id: dict[str, int] = {}
        self._next_block = 0
        self._next_tool = 0
        self._response: dict[str, Any] = {}
        self._out: list[AIMessageChunk] = []
        self._order = EventOrder()
        self._reconciler = Reconciler()

    # -- public -----------------------------------------------------------
    def feed(self, event: dict[str, Any]) -> list[AIMessageChunk]:
        """Chunks produced by one event (often none). Raises on error events."""
        if self.done or not isinstance(event, dict) or not self._order.fresh(event):
            return []
        self._out = []
        kind = event.get("type")
        if isinstance(kind, str):
            handler = _HANDLERS.get(kind)
            if handler is not None:
                handler(self, event)
        return self._out

    def finish(self) -> list[AIMessageChunk]:
        """Call when the events end; raises `StreamError` if they ended early."""
        if self.done:
            return []
        raise errors.StreamError(
            "stream ended before response.completed; the response is incomplete"
            + (
                f" (response {self._response['id']})"
                if self._response.get("id")
                else ""
            )
        )

    # -- lifecycle events ---------------------------------------------------
    def _on_snapshot(self, event: dict[str, Any]) -> None:
        if isinstance(event.get("response"), dict):
            self._response = event["response"]

    def _on_completed(self, event: dict[str, Any]) -> None:
        response = _dict(event.get("response"))
        self._response = response
        output = [i for i in response.get("output") or [] if isinstance(i, dict)]
        finals = self._match(output)
        for state in sorted(self._items.values(), key=lambda s: s.output_index):
            final = finals.get(state.output_index) or state.pending or state.item
            self._settle(state, final)
        for item in output:
            if not any(final is item for final in finals.values()):
                position = max(self._items, default=-1) + 1
                state = self._items[position] = _Item(position, item)
                self._settle(state, item)
        self._final(
            response_metadata(response, self.requested),
            msg_id=response.get("id"),
            usage=response.get("usage"),
        )

    def _match(self, output: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """Final output items by the `output_index` of the streamed item they
        finish: matched by id, else by position."""
        states = sorted(self._items.values(), key=lambda s: s.output_index)
        finals: dict[int, dict[str, Any]] = {}
        rest = []
        for position, item in enumerate(output):
            state = next(
                (
                    s
                    for s in states
                    if item.get("id") in s.ids and s.output_index not in finals
                ),
                None,
            )
            if state is None:
                rest.append((position, item))
            else:
                finals[state.output_index] = item
        for position, item in rest:
            state = self._items.get(position)
            if (
                state is not None
                and position not in finals
                and state.item.get("type") == item.get("type")
            ):
                finals[position] = item
        return finals

    def _on_failure(self, event: dict[str, Any]) -> None:
        errors.raise_for_event(event)  # the one mapping invoke's bodies use too

    # -- items --------------------------------------------------------------
    def _on_item_added(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            return
        state = self._state(event, item.get("type"), item)
        state.item = {**state.item, **item}
        if item.get("type") == "function_call":
            fields = {
                k: item[k] for k in ("name", "call_id", "arguments") if item.get(k)
            }
            self._emit(state, 0, "function_call", fields)

    def _on_item_done(self, event: dict[str, Any]) -> None:
        item = event.get("item")
        if not isinstance(item, dict):
            return
        state = self._state(event, item.get("type"), item)
        state.item = state.pending = item
        # Create each block now so the aggregate keeps the output order; the
        # constant fields wait for response.completed (ids and encrypted
        # content may differ there, and the final response is what invoke sees).
        for key, target in _targets(item).items():
            kind = str(target.get("type"))
            if kind == "text":
                self._catch_up_text(state, key, target.get("text"))
            if key not in state.blocks or not state.blocks[key].sent:
                fields = {} if kind in _DEFERRED else _missing(target, {})
                self._emit(state, key, kind, fields)

    def _on_part_added(self, event: dict[str, Any]) -> None:
        self._state(event, "message")

    def _on_part_done(self, event: dict[str, Any]) -> None:
        part = _dict(event.get("part"))
        state = self._state(event, "message")
        key = _index(event, "content_index")
        if (
            part.get("type") in ("reasoning_text", "text")
            and state.item.get("type") == "reasoning"
        ):
            self._catch_up_list(state, "content", key, part.get("text"))
        elif part.get("type") == "output_text":
            self._catch_up_text(state, key, part.get("text"))
        elif part.get("type") == "refusal":
            self._catch_up(state, key, "refusal", part.get("refusal"))

    # -- deltas ---------------------------------------------------------------
    def _on_text_delta(self, event: dict[str, Any]) -> None:
        state = self._state(event, "message")
        delta = _str(event, "delta")
        if delta:
            self._emit(state, _index(event, "content_index"), "text", {"text": delta})

    def _on_text_done(self, event: dict[str, Any]) -> None:
        state = self._state(event, "message")
        key = _index(event, "content_index")
        self._catch_up_text(state, key, event.get("text"))

    def _on_annotation(self, event: dict[str, Any]) -> None:
        annotation = event.get("annotation")
        if isinstance(annotation, dict):
            state = self._state(event, "message")
            key = _index(event, "content_index")
            self._emit(state, key, "text", {"annotations": [annotation]})

    def _on_refusal_delta(self, event: dict[str, Any]) -> None:
        state = self._state(event, "message")
        key = _index(event, "content_index")
        self._emit(state, key, "refusal", {"refusal": _str(event, "delta")})

    def _on_field_done(self, event: dict[str, Any]) -> None:
        """`refusal.done` / `function_call_arguments.done`: the full string."""
        name = _TEXT_DONE[str(event["type"])]
        kind = "function_call" if name == "arguments" else "message"
        state = self._state(event, kind)
        self._catch_up(state, _index(event, "content_index"), name, event.get(name))

    def _on_summary_part(self, event: dict[str, Any]) -> None:
        state = self._state(event, "reasoning")
        index = _index(event, "summary_index")
        block = state.blocks.get(0)
        sent = (
            {e.get("index") for e in (block.sent.get("summary") or [])}
            if block
            else set()
        )
        if index not in sent:
            entry = {"index": index, "type": "summary_text", "text": ""}
            self._emit(state, 0, "reasoning", {"summary": [entry]})
        part = _dict(event.get("part"))
        if event.get("type", "").endswith(".done"):
            self._catch_up_list(state, "summary", index, part.get("text"))

    def _on_summary_delta(self, event: dict[str, Any]) -> None:
        state = self._state(event, "reasoning")
        index = _index(event, "summary_index")
        entry = {"index": index, "type": "summary_text", "text": _str(event, "delta")}
        self._emit(state, 0, "reasoning", {"summary": [entry]})

    def _on_summary_done(self, event: dict[str, Any]) -> None:
        state = self._state(event, "reasoning")
        index = _index(event, "summary_index")
        self._catch_up_list(state, "summary", index, event.get("text"))

    def _on_reasoning_delta(self, event: dict[str, Any]) -> None:
        state = self._state(event, "reasoning")
        index = _index(event, "content_index")
        entry = {"index": index, "type": "reasoning_text", "text": _str(event, "delta")}
        self._emit(state, 0, "reasoning", {"content": [entry]})

    def _on_reasoning_done(self, event: dict[str, Any]) -> None:
        state = self._state(event, "reasoning")
        index = _index(event, "content_index")
        self._catch_up_list(state, "content", index, event.get("text"))

    def _on_arguments_delta(self, event: dict[str, Any]) -> None:
        state = self._state(event, "function_call")
        self._emit(state, 0, "function_call", {"arguments": _str(event, "delta")})

    # -- machinery ----------------------------------------------------------
    def _state(
        self, event: dict[str, Any], kind: Any, item: dict[str, Any] | None = None
    ) -> _Item:
        """The item an event belongs to: by `output_index`, else by item id."""
        item_id = event.get("item_id") or (item or {}).get("id")
        position = event.get("output_index")
        if not isinstance(position, int):
            position = self._by_id.get(item_id) if item_id else None
        if position is None:
            last = max(self._items) if self._items else None
            if last is not None and self._items[last].item.get("type") == kind:
                position = last
            else:
                position = last + 1 if last is not None else 0
        state = self._items.get(position)
        if state is None:
            snapshot = dict(item) if item else {"type": kind}
            if item_id:
                snapshot.setdefault("id", item_id)
            state = self._items[position] = _Item(position, snapshot)
        if isinstance(item_id, str) and item_id:
            state.ids.add(item_id)
            self._by_id[item_id] = position
        return state

    def _emit(self, state: _Item, key: int, kind: str, fields: dict[str, Any]) -> None:
        """One chunk carrying `fields` for the block (`state`, `key`)."""
        block = state.blocks.get(key)
        if block is None:
            block = state.blocks[key] = _Block(self._next_block, kind)
            self._next_block += 1
        if kind == "reasoning" and "summary" not in fields:
            # Every reasoning chunk says `summary`, so LangChain's v1 translator
            # gives its late fields (id, encrypted_content) the same merge index
            # as the item's first summary part.
            fields = {"summary": [], **fields}
        block.record(fields)
        content = {"type": block.kind, **fields, "index": block.index}
        tool_chunks = []
        if block.kind == "function_call":
            tool_chunks.append(self._tool_chunk(state, fields))
        elif block.kind in CLIENT_CALLS and not state.tool_sent.get("id"):
            call = client_tool_call({"type": block.kind, **fields})
            if call is not None:
                tool_chunks.append(self._client_tool_chunk(state, call))
        # Empty fields keep their defaults: an explicit `[]`/`{}` is validated
        # and makes every retained chunk larger.
        extra: dict[str, Any] = {}
        if tool_chunks:
            extra["tool_call_chunks"] = tool_chunks
        if "refusal" in fields:
            extra["additional_kwargs"] = {"refusal": fields["refusal"]}
        self._out.append(
            AIMessageChunk(
                content=[content],
                response_metadata={"model_provider": MODEL_PROVIDER},
                **extra,
            )
        )

    def _tool_chunk(self, state: _Item, fields: dict[str, Any]) -> Any:
        if state.tool_index is None:
            state.tool_index = self._next_tool
            self._next_tool += 1
        name = fields.get("name") if not state.tool_sent.get("name") else None
        call_id = fields.get("call_id") if not state.tool_sent.get("id") else None
        state.tool_sent["name"] = state.tool_sent.get("name") or bool(name)
        state.tool_sent["id"] = state.tool_sent.get("id") or bool(call_id)
        return tool_call_chunk(
            name=name,
            args=fields.get("arguments") or "",
            id=call_id,
            index=state.tool_index,
        )

    def _client_tool_chunk(self, state: _Item, call: Any) -> Any:
        """The whole tool call of a client-executed call item, as one chunk."""
        state.tool_index = self._next_tool
        self._next_tool += 1
        state.tool_sent.update(name=True, id=True)
        return tool_call_chunk(
            name=call["name"],
            args=dumps(call["args"]).decode(),
            id=call["id"],
            index=state.tool_index,
        )

    def _catch_up_text(self, state: _Item, key: int, full: Any) -> None:
        """At a text block's end: emit what the deltas missed."""
        self._catch_up(state, key, "text", full)

    def _catch_up(self, state: _Item, key: int, name: str, full: Any) -> None:
        """Emit the tail of a string field that the deltas did not deliver
        (`StreamError` when the deltas contradict it: `stream_order`)."""
        block = state.blocks.get(key)
        seen = (block.sent.get(name) or "") if block else ""
        tail = self._reconciler.tail(seen, full, name)
        if tail:
            kind = {"arguments": "function_call"}.get(name, name)
            self._emit(state, key, kind, {name: tail})

    def _catch_up_list(self, state: _Item, name: str, index: int, full: Any) -> None:
        block = state.blocks.get(0)
        entries = (block.sent.get(name) or []) if block else []
        seen = next((e.get("text", "") for e in entries if e.get("index") == index), "")
        tail = self._reconciler.tail(seen, full, f"reasoning {name}")
        if tail:
            kind = "summary_text" if name == "summary" else "reasoning_text"
            entry = {"index": index, "type": kind, "text": tail}
            self._emit(state, 0, "reasoning", {name: [entry]})

    def _settle(self, state: _Item, final: dict[str, Any]) -> None:
        """Emit everything of the finished item not yet emitted (once)."""
        state.settled = True
        for key, target in _targets(final).items():
            if target.get("type") == "text":
                self._catch_up_text(state, key, target.get("text"))
            elif target.get("type") in ("function_call", "refusal"):
                name = "arguments" if target["type"] == "function_call" else "refusal"
                self._catch_up(state, key, name, target.get(name))
            block = state.blocks.get(key)
            fields = _missing(target, block.sent if block else {})
            if fields:
                self._emit(state, key, str(target.get("type")), fields)

    def end_early(self, block_index: int) -> list[AIMessageChunk]:
        """End the message as it stands: the caller stops reading here.

        Items whose `output_item.done` arrived are settled from it, the block
        `block_index` (where the caller stopped) gets its constant fields, and
        the final chunk carries the metadata known so far (no status: the
        response did not complete).
        """
        self._out = []
        if self.done:
            return []
        for state in sorted(self._items.values(), key=lambda s: s.output_index):
            if state.pending is not None and not state.settled:
                self._settle(state, state.pending)
        for state in self._items.values():
            for key, block in state.blocks.items():
                if block.index == block_index and block.kind == "text" and block.sent:
                    part = {"type": "output_text", "text": "", "annotations": []}
                    target = _targets({**state.item, "content": [part]}).get(0, {})
                    fields = _missing(target, block.sent)
                    fields.pop("text", None)
                    if fields:
                        self._emit(state, key, "text", fields)
        metadata = response_metadata(self._response, self.requested)
        for name in ("status", "incomplete_details"):
            metadata.pop(name, None)
        self._final(metadata, msg_id=self._response.get("id"))
        return self._out

    def _final(
        self, metadata: dict[str, Any], *, msg_id: Any, usage: Any = None
    ) -> None:
        self._out.append(
            AIMessageChunk(
                content=[],
                id=msg_id if isinstance(msg_id, str) else None,
                usage_metadata=usage_to_metadata(
                    usage if isinstance(usage, dict) else None
                ),
                response_metadata=metadata,
                chunk_position="last",
            )
        )
        self.done = True


def _targets(item: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The blocks `response_to_message` makes of `item`, by content index."""
    if item.get("type") != "message":
        blocks = item_to_blocks(item)
        return {0: blocks[0]} if blocks else {}
    targets = {}
    for position, part in enumerate(item.get("content") or []):
        blocks = item_to_blocks({**item, "content": [part]})
        if blocks:
            targets[position] = blocks[0]
    return targets


def _missing(target: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """Fields of `target` that merging onto `sent` would add (never repeats)."""
    out: dict[str, Any] = {}
    for key, value in target.items():
        have = sent.get(key)
        if key == "type":
            continue
        if key not in sent:
            out[key] = value
        elif value is None or have is None:
            continue
        elif key == "id":
            continue
        elif isinstance(value, str) and isinstance(have, str):
            if value != have and value.startswith(have):
                out[key] = value[len(have) :]
        elif isinstance(value, list) and isinstance(have, list):
            extra = (
                _missing_entries(value, have)
                if key in _INDEXED_LISTS
                else (value[len(have) :] if value[: len(have)] == have else [])
            )
            if extra:
                out[key] = extra
    return out


def _missing_entries(target: list[Any], sent: list[Any]) -> list[dict[str, Any]]:
    """Entries (and text tails) of an indexed list not yet emitted."""
    by_index = {e.get("index", n): e for n, e in enumerate(sent) if isinstance(e, dict)}
    out = []
    for index, entry in enumerate(target):
        if not isinstance(entry, dict):
            continue
        have = by_index.get(index)
        if have is None:
            out.append({**entry, "index": index})
            continue
        text, seen = entry.get("text"), have.get("text") or ""
        if isinstance(text, str) and text.startswith(seen) and len(text) > len(seen):
            out.append({"index": index, "text": text[len(seen) :]})
    return out


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _index(event: dict[str, Any], name: str) -> int:
    """A part/summary index from the wire; anything but a small int counts as 0."""
    value = event.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10_000:
        return value
    return 0


def _str(event: dict[str, Any], key: str) -> str:
    value = event.get(key)
    return value if isinstance(value, str) else ""


_HANDLERS: dict[str, Any] = {
    "response.created": ResponseStreamParser._on_snapshot,
    "response.queued": ResponseStreamParser._on_snapshot,
    "response.in_progress": ResponseStreamParser._on_snapshot,
    "response.completed": ResponseStreamParser._on_completed,
    "response.incomplete": ResponseStreamParser._on_completed,
    "response.failed": ResponseStreamParser._on_failure,
    "error": ResponseStreamParser._on_failure,
    "response.output_item.added": ResponseStreamParser._on_item_added,
    "response.output_item.done": ResponseStreamParser._on_item_done,
    "response.content_part.added": ResponseStreamParser._on_part_added,
    "response.content_part.done": ResponseStreamParser._on_part_done,
    "response.output_text.delta": ResponseStreamParser._on_text_delta,
    "response.output_text.done": ResponseStreamParser._on_text_done,
    "response.output_text.annotation.added": ResponseStreamParser._on_annotation,
    "response.refusal.delta": ResponseStreamParser._on_refusal_delta,
    "response.refusal.done": ResponseStreamParser._on_field_done,
    "response.function_call_arguments.delta": ResponseStreamParser._on_arguments_delta,
    "response.function_call_arguments.done": ResponseStreamParser._on_field_done,
    "response.reasoning_summary_part.added": ResponseStreamParser._on_summary_part,
    "response.reasoning_summary_part.done": ResponseStreamParser._on_summary_part,
    "response.reasoning_summary_text.delta": ResponseStreamParser._on_summary_delta,
    "response.reasoning_summary_text.done": ResponseStreamParser._on_summary_done,
    "response.reasoning_text.delta": ResponseStreamParser._on_reasoning_delta,
    "response.reasoning_text.done": ResponseStreamParser._on_reasoning_done,
    "response.reasoning.delta": ResponseStreamParser._on_reasoning_delta,
    "response.reasoning.done": ResponseStreamParser._on_reasoning_done,
}
