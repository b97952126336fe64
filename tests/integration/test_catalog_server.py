"""The catalog over real HTTP: a stdlib server on 127.0.0.1 serves the sample."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter.catalog import CATALOG, alist_models, list_models

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "models_sample.json"


class CatalogServer:
    """Serves `GET /v1/models` from the sample file; records each request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                server.requests.append((self.path, dict(self.headers)))
                if self.path != "/v1/models":
                    self.send_error(404)
                    return
                body = SAMPLE.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CatalogServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[CatalogServer]:
    CATALOG.clear()
    with CatalogServer() as srv:
        yield srv
    CATALOG.clear()


def test_list_models_over_http(server: CatalogServer) -> None:
    models = list_models(server.base_url)
    ids = [m.id for m in models]
    assert ids[:2] == ["openai/gpt-5.4", "o4-mini"] and len(ids) == 8
    assert list_models(server.base_url) == models  # served from the cache
    assert len(server.requests) == 1
    path, headers = server.requests[0]
    assert path == "/v1/models"
    assert "Authorization" not in headers
    # A model built afterwards gets its profile from the cache, offline.
    llm = ChatOneRouterResponses(model="openai/gpt-5.4", base_url=server.base_url)
    assert llm.profile is not None and llm.profile["pdf_inputs"] is True
    assert len(server.requests) == 1


async def test_alist_models_over_http(server: CatalogServer) -> None:
    models = await alist_models(server.base_url, refresh=True)
    assert {m.category for m in models} >= {"LLM", "embedding", "image"}
    assert len(server.requests) == 1


async def test_chat_model_lists_models_over_http(server: CatalogServer) -> None:
    llm = ChatOneRouterResponses(model="o4-mini", base_url=server.base_url)
    assert llm.profile is None
    models = await llm.alist_models()
    assert "o4-mini" in {m.id for m in models}
    assert llm.profile is not None and llm.profile["max_input_tokens"] == 200000
    assert llm.list_models() == models
    assert len(server.requests) == 1
    assert server.requests[0][1]["Authorization"].startswith("Bearer ")
