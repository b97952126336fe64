"""Hand-written analysis rendered into docs/performance.md (figures filled in)."""

NOTES = """## What bounds the rest (profiled with pyinstrument and cProfile)

- **Import time** is bounded by langchain-core: a fresh Python needs
  {core_import_ms} ms just to import `BaseChatModel` (langsmith, pydantic,
  tracers); ours takes {ours_import_ms} ms and `langchain_openai`
  {openai_import_ms} ms. No `BaseChatModel` subclass can import in 50% of
  `langchain_openai`'s time here; above the langchain-core floor ours costs
  {import_above_core} of what `langchain_openai` adds.
- **invoke**: a chat model that does nothing costs {core_invoke_ms} ms per
  call in langchain-core (callback manager, run ids, message normalisation);
  our whole overhead above raw httpx is {ours_overhead_ms} ms. Fixed here:
  tenacity's bookkeeping (~30 µs sync, ~90 µs async per call) now runs only
  after a first failed attempt, and each request URL is parsed once (httpx
  spends ~40 µs parsing a `str` URL).
- **Connections**: a stream is read to its end after `response.completed`
  (at most 64 KiB and 10 s more), so its connection goes back to the pool
  instead of being discarded; before, every streamed call opened a new TCP
  (and TLS) connection. httpcore 1.0.9 itself would still churn connections
  under load (it counts busy connections against `max_keepalive_connections`,
  encode/httpcore#1000); `_clients.py` patches that pass.
  The cap is a trade-off against latency: with a slow upstream, 200
  concurrent calls run in two waves of 100 (ChatOpenAI allows 1,000); pass
  `http_async_client=httpx.AsyncClient(limits=...)` to raise it.
- **Streaming**: langchain-core spends {core_chunk_us} µs per chunk in
  `stream()` even for a do-nothing model; ours costs {ours_chunk_us} µs per
  chunk above the httpx-sse floor, of which `ResponseStreamParser.feed` is
  {parser_us} µs (about half of it building the `AIMessageChunk`).
- **Scaling (20,000 vs 2,000 deltas)** is super-linear in langchain-core
  itself: the do-nothing model's ratio is {core_scaling}. `stream()` keeps every
  chunk for its final merge, so the cyclic GC scans a growing heap, and `+`
  re-copies the accumulated text of a list-content block on every merge.
  Our own super-linear part is in `streaming.py` (not changed here): `_emit`
  merges each delta into `block.sent` with `merge_dicts`, copying the whole
  text sent so far on every delta. Keeping the sent text as a list of parts
  (or only its length, plus the parts for the end-of-item catch-up) removes
  that copy: in a patched experiment the parser's own time for 20,000 deltas
  fell from ~470 ms to ~330 ms (20k/2k from ~14x to ~10x). The rest of the
  gap to 12x is langchain-core's, as the no-op model shows. ChatOpenAI's
  ratio looks better only because its 2,000-delta run is so much slower.
"""
