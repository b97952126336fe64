"""Hand-written analysis rendered into docs/performance.md (figures filled in
by `report._note_values` from the same run; `–` where a section did not run)."""

NOTES = """## Reading the results

- **Invoke.** The no-op model costs {core_invoke_us} µs per `invoke` in
  langchain-core alone (callback manager, run ids, message normalisation,
  `ChatResult` → `LLMResult`). The floor and the no-op measured apart
  undercount a real call: on loopback the floor's round trip slows with the
  CPU work done between its calls (the caches go cold while it waits), so
  the floor then the no-op as one call (floor+core: a no-op model making the
  floor's request) took {floor_core_invoke_us} µs, not the
  {floor_plus_core_us} µs of the two apart; in-process it is
  {inproc_floor_core_us} µs against {inproc_floor_us} + {inproc_core_us} µs.
  The target is measured in-process (httpx.MockTransport, same bytes, same
  httpx `Client.send`): ours {inproc_ours_us} µs, {inproc_above_us} µs above
  floor+core, {invoke_ratio}× the no-op (rounds ranged {inproc_min} to
  {inproc_max}); async {ainvoke_ratio}× ({ainproc_min} to {ainproc_max}).
  Ours runs on the clients its pool builds, with the mock as their
  transport (an injected `http_client` costs ~15 µs more a call: httpx
  merges our headers into each request). On loopback the same difference is
  {ours_invoke_above_combo_us} µs ({invoke_loopback_ratio}× sync,
  {ainvoke_loopback_ratio}× async): the difference of two ~2 ms medians,
  which moved by the no-op's whole cost between runs (full runs on 12-02 and
  12-03: 0.45 to 1.9 sync, −0.02 to 2.6 async), while our transport alone
  is no dearer than raw httpx there (`transport.post` against
  `httpx.Client.post` + `orjson.loads`, loopback, CPU per call, 15
  interleaved rounds, two runs: 935 vs 986 µs and 792 vs 829 µs).
  Timed alone without I/O (best of repeats), our parts are: `_request_body`
  ~12 µs, `_chat_result` ~42 µs (the no-op's result ~26: a richer
  `AIMessage` with usage and metadata, ~18 µs of it langchain-core's
  validation), the retry policy under 1 µs (the first attempt runs before
  tenacity, whose loop cost ~18 µs sync and ~58 µs async per call), the
  transport no dearer than the floor's `post` (it parses each URL once).
  The `invoke` profile splits ours' time above the floor by group, and lists
  the langchain-core functions that cost ours more than they cost the no-op
  and the httpx functions that cost ours more than the floor; `waiting` is
  time blocked in `recv`, i.e. on the server or on a CPU.
- **Streams.** Per chunk the no-op model costs {core_chunk_text} µs (text),
  {core_chunk_tool} µs (tool arguments) and {core_chunk_reasoning} µs
  (summary); ours above the httpx-sse floor {ours_chunk_text}, {ours_chunk_tool}
  and {ours_chunk_reasoning} µs. Tool-argument chunks are dear for any model:
  building an `AIMessageChunk` with `tool_call_chunks` runs langchain-core's
  `init_tool_calls`, which parses the partial JSON of each chunk's arguments
  (`parse_partial_json`), and `stream()` merges every chunk again at its end
  for `on_llm_end`. Our parser alone (`ResponseStreamParser.feed`, no I/O,
  no langchain-core run) costs {parser_text} µs per text event.
- **Linear.** Folded with `+`, ours costs {ours_us_2k}, {ours_us_20k} and
  {ours_us_50k} µs per delta at 2,000, 20,000 and 50,000 deltas; the no-op
  model {core_us_2k}, {core_us_20k} and {core_us_50k}; the floor (joining
  strings) {floor_us_2k}, {floor_us_20k} and {floor_us_50k}. Folding is
  super-linear in langchain-core itself: the no-op's 20,000 / 2,000 ratio is
  {core_linear_20_2} and 50,000 / 20,000 {core_linear_50_20} (ours
  {ours_linear_20_2} and {ours_linear_50_20}). Every chunk `stream()` yields
  is kept (for `on_llm_end`), so the cyclic garbage collector's full passes
  scan a heap that grows with the stream: its share of ours' time goes from
  {ours_gc_share_2k} at 2,000 deltas to {ours_gc_share_50k} at 50,000
  ({ours_gc_50k} passes), the no-op's from {core_gc_share_2k} to
  {core_gc_share_50k}. The `linear` profile lists each function's µs per
  delta at two sizes; a function whose work per delta is constant (a list
  comprehension over the two content blocks) but whose time grows is where
  the collector's passes land. With the collector off the fold is still
  super-linear, for any model: `+` merges the text block with langchain-core's
  `merge_dicts` (`langchain_core/utils/_merge.py`), whose `merged[k] += v`
  copies the whole text so far on every delta (seen by hand, cProfile,
  GC off, 5,000 → 50,000 deltas: `merge_dicts` 9.9 → 18.1 µs per delta for
  ours, 14.0 → 19.5 for the no-op). The less a model adds per delta, the
  more that quadratic share weighs in its ratio, so these two ratios
  measure langchain-core's fold more than the model.
- **Memory.** langchain-core's `stream()` keeps every chunk it yields (to
  merge them for `on_llm_end`), so a stream's peak allocation grows with its
  number of chunks, not with its final message: {core_memory_ratio}× the
  final message for the no-op model, {ours_memory_ratio}× for ours, against
  {floor_memory_ratio}× for the floor (httpx-sse decoding each event, the
  delta strings kept, no message objects). No chat
  model that yields one chunk per delta through `BaseChatModel.stream` can
  reach 3×; the `memory` profile shows what is held at the last chunk and
  where it was allocated (chunks built by our parser are charged to ours,
  though langchain-core holds them).
- **Batch.** On a loopback server that answers at once, `batch` is bound by
  one core: the threads share the GIL, and the batch ran at
  {batch_cpu_share} CPU-seconds per second. The no-op model, which does no
  I/O at all, reaches {core_batch_ratio}× its target ratio, so the 0 ms row
  measures the GIL, not us. With the server answering after 20 ms the
  threads overlap their waits ({batch_20_ratio}× the target), but their CPU
  still runs one thread at a time: raw httpx on the same 32 threads gets
  {floor_batch_20_ratio}× and floor+core (a no-op model making the floor's
  request) {floor_core_batch_20_ratio}×, so the batch is bound by httpx's
  and langchain-core's CPU per call under the GIL. The connections row shows
  whether the threads shared one pool.
- **Import.** `import langchain_onerouter` costs {import_above_ms} ms of CPU
  above langchain-core's import, against {openai_above_ms} ms for
  `langchain_openai`; the `import` profile lists the modules it loads that
  langchain-core does not, by package.
- **Concurrency.** {concurrent_streams} concurrent streams opened
  {ours_stream_connections} connections (pool: 100) and took
  {concurrent_ratio}× raw httpx-sse's wall time. One event loop runs every
  stream's per-chunk work on one core, so the wall time is about all the
  streams' chunks times the per-chunk cost. A LangChain model that only
  builds the chunks over raw httpx-sse (floor+core: the floor's request,
  one no-op-shaped chunk per delta through `BaseChatModel.astream`) took
  {floor_core_concurrent_ratio}× raw, {floor_core_verdict}; ours took
  {ours_vs_floor_core_concurrent}× floor+core. The `concurrency` profile
  shows where ours' time goes.
"""
