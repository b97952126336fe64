"""Hand-written analysis rendered into docs/performance.md (figures filled in)."""

NOTES = """## What bounds the rest

- **Import time** is bounded by langchain-core: a fresh Python needs
  {core_import_ms} ms just to import `BaseChatModel`; ours takes
  {ours_import_ms} ms and langchain_openai {openai_import_ms} ms. The 50%
  target on the whole import cannot be met by any BaseChatModel subclass on
  this machine; above the core floor see the informative ratio above.
- **invoke**: the do-nothing chat model costs {core_invoke_ms} ms per call
  (callback manager, run tree, message normalisation), against our total
  overhead above raw httpx of {ours_overhead_ms} ms.
- **Streaming**: langchain-core spends {core_chunk_us} µs per chunk in
  `stream()` for a do-nothing model; ours costs {ours_chunk_us} µs per chunk
  above the httpx-sse floor, of which `ResponseStreamParser.feed` is
  {parser_us} µs.
"""
