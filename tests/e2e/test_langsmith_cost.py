"""LangSmith shows OneRouter's bill: with tracing on and usage accounting, the
run posted to a LangSmith endpoint (a recorder on 127.0.0.1) carries the cost
in `extra.metadata.usage_metadata`, where LangSmith reads costs an
integration supplies, instead of its price-table guess."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses

testing = pytest.importorskip("langchain_onerouter.testing")
langsmith_utils = pytest.importorskip("langsmith.utils")
run_trees = pytest.importorskip("langsmith.run_trees")

MODEL = "openai/gpt-5.4"


class LangSmithRecorder(ThreadingHTTPServer):
    """Accepts LangSmith's run uploads and keeps every run part it receives."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.parts: list[tuple[str, Any]] = []  # ("patch.<id>.extra", json)
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def finished_runs(self) -> dict[str, dict[str, Any]]:
        """The `extra` of each run as last sent once it ended (LangSmith's
        client sends a run's start and end together, or the end as a patch),
        waiting a bounded time for the client's background thread."""
        from langchain_core.tracers.langchain import wait_for_all_tracers

        deadline = time.monotonic() + 10
        while True:
            wait_for_all_tracers()
            with self.lock:
                found = {
                    k.split(".")[1]: v
                    for k, v in self.parts
                    if k.endswith(".extra")
                    and "usage_metadata" in v.get("metadata", {})
                }
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


class _Handler(BaseHTTPRequestHandler):
    server: LangSmithRecorder

    def do_GET(self) -> None:  # /info: answer "not found", the client copes
        self.send_response(404)
        self.end_headers()

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        kind = self.headers.get("content-type", "")
        if "multipart" in kind:  # /runs/multipart
            parts = _multipart(raw, kind)
        else:  # /runs/batch, or one run: POST /runs, PATCH /runs/<id>
            parts = _json_runs(self.command, self.path, json.loads(raw or b"{}"))
        with self.server.lock:
            self.server.parts.extend(parts)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    do_PATCH = do_POST

    def log_message(self, *args: Any) -> None:
        pass


def _multipart(raw: bytes, content_type: str) -> list[tuple[str, Any]]:
    message = BytesParser(policy=policy.default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    assert isinstance(message, EmailMessage)
    return [
        (str(part.get_param("name", header="content-disposition")),
         json.loads(part.get_payload(decode=True) or b"null"))
        for part in message.iter_parts()
    ]  # fmt: skip


def _json_runs(method: str, path: str, body: Any) -> list[tuple[str, Any]]:
    if not isinstance(body, dict):
        return []
    if "post" in body or "patch" in body:
        runs = [(op, run) for op in ("post", "patch") for run in body.get(op) or []]
    else:
        op = "patch" if method == "PATCH" else "post"
        runs = [(op, {"id": path.rstrip("/").rsplit("/", 1)[-1], **body})]
    return [(f"{op}.{run['id']}.extra", run.get("extra") or {}) for op, run in runs]


@pytest.fixture
def langsmith(monkeypatch: pytest.MonkeyPatch) -> Iterator[LangSmithRecorder]:
    server = LangSmithRecorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name, value in {
        "LANGSMITH_TRACING": "true",
        "LANGSMITH_ENDPOINT": server.url,
        "LANGSMITH_API_KEY": "fake-langsmith-key",
        "LANGSMITH_PROJECT": "onerouter-cost-test",
    }.items():
        monkeypatch.setenv(name, value)
    langsmith_utils.get_env_var.cache_clear()
    monkeypatch.setattr(run_trees, "_CLIENT", None)  # a client for this endpoint
    try:
        yield server
    finally:
        client = run_trees._CLIENT
        if client is not None:
            client.flush()
        monkeypatch.undo()
        langsmith_utils.get_env_var.cache_clear()  # tracing off for later tests
        server.shutdown()
        server.server_close()


def _model(emu: Any, **kw: Any) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model=MODEL, base_url=emu.base_url, api_key=emu.api_key, max_retries=0, **kw
    )


def _traced_usage(langsmith: LangSmithRecorder) -> dict[str, Any]:
    """`usage_metadata` in the metadata of the one run posted: where LangSmith
    reads token counts and supplied costs."""
    runs = langsmith.finished_runs()
    assert len(runs) == 1, [k for k, _ in langsmith.parts]  # one traced call
    (extra,) = runs.values()
    return extra["metadata"]["usage_metadata"]


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_traced_run_carries_onerouter_cost_where_langsmith_reads_it(
    onerouter_emulator: Any, langsmith: LangSmithRecorder, mode: str
) -> None:
    llm = _model(onerouter_emulator, usage_accounting=True)
    message = llm.invoke("hi") if mode == "invoke" else asyncio.run(llm.ainvoke("hi"))
    cost = message.response_metadata["cost"]
    assert isinstance(cost, float) and cost > 0
    usage = _traced_usage(langsmith)
    assert usage["total_cost"] == pytest.approx(cost)
    # the split is reported only when the emulator's input and output costs
    # add up to the whole bill (no cache or tool costs beside them)
    details = message.response_metadata["cost_details"]
    split = details["prompt_cost"] + details["completion_cost"]
    if split == pytest.approx(cost):
        assert usage["input_cost"] == pytest.approx(details["prompt_cost"])
        assert usage["output_cost"] == pytest.approx(details["completion_cost"])
    else:
        assert "input_cost" not in usage and "output_cost" not in usage
    assert usage["input_tokens"] == message.usage_metadata["input_tokens"]  # type: ignore[index]
    # the API key never reaches the trace
    assert onerouter_emulator.api_key not in json.dumps(langsmith.parts)


def test_without_usage_accounting_no_cost_is_invented(
    onerouter_emulator: Any, langsmith: LangSmithRecorder
) -> None:
    _model(onerouter_emulator).invoke("hi")
    usage = _traced_usage(langsmith)
    assert "total_cost" not in usage and usage["total_tokens"] > 0


def test_traced_stream_keeps_summable_usage(
    onerouter_emulator: Any, langsmith: LangSmithRecorder
) -> None:
    # Chunks are merged with `+` (add_usage, ints only): a streamed run keeps
    # its token counts and OneRouter's cost stays in response_metadata.
    llm = _model(onerouter_emulator, usage_accounting=True)
    total = None
    for chunk in llm.stream("hi"):
        total = chunk if total is None else total + chunk
    assert total is not None and total.response_metadata["cost"] > 0
    usage = _traced_usage(langsmith)
    assert usage["total_tokens"] == total.usage_metadata["total_tokens"]  # type: ignore[index]
    assert "total_cost" not in usage
