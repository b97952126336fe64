"""`embed_documents` of many short texts: OneRouterEmbeddings vs OpenAIEmbeddings.

    python -m benchmarks.embeddings                # 10,000 texts, 1536 dimensions
    python -m benchmarks.embeddings --texts 2000 --dims 256 --latency-ms 200

The loopback server answers canned vectors (floats, or base64 when asked), so
the figures are client work. Each client runs in a fresh process (its peak
RSS is its own): `raw` (httpx + orjson, sequential batches of 1000), `ours`
(defaults: floats, 1000 per request, 4 in flight), `ours-sequential`
(`max_concurrency=1`), `ours-base64` and `openai`
(`check_embedding_ctx_length=False`, as langchain-openai advises for other
servers; it asks for base64). Wall time is the best of three calls after a
warm-up call.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import orjson

from benchmarks.clients import API_KEY, sync_client
from benchmarks.server import ServerProcess
from benchmarks.workers import python, rss_mb

CLIENTS = ("raw", "ours", "ours-sequential", "ours-base64", "openai")
BATCH = 1000


class RawEmbedder:
    """POST each batch of 1000 texts, decode with orjson, collect."""

    def __init__(self, base_url: str) -> None:
        self.client = sync_client()
        self.url = base_url + "/embeddings"
        self.headers = {"Authorization": f"Bearer {API_KEY}"}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            body = {
                "model": "text-embedding-3-small",
                "input": texts[start : start + BATCH],
            }
            reply = self.client.post(
                self.url, content=orjson.dumps(body), headers=self.headers
            )
            out.extend(
                item["embedding"] for item in orjson.loads(reply.content)["data"]
            )
        return out


def make_embedder(name: str, base_url: str) -> Any:
    if name == "raw":
        return RawEmbedder(base_url)
    if name == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(
            model="text-embedding-3-small",
            base_url=base_url,
            api_key=API_KEY,  # type: ignore[arg-type]
            check_embedding_ctx_length=False,
        )
    from pydantic import SecretStr

    from langchain_onerouter import OneRouterEmbeddings

    variants: dict[str, dict[str, Any]] = {
        "ours-sequential": {"max_concurrency": 1},
        "ours-base64": {"encoding_format": "base64"},
    }
    options = variants.get(name, {})
    return OneRouterEmbeddings(
        model="text-embedding-3-small",
        base_url=base_url,
        api_key=SecretStr(API_KEY),
        **options,
    )


def worker(name: str, base_url: str, count: int, dims: int) -> dict[str, float]:
    """One client in this process: best wall time of three calls, peak RSS."""
    texts = [f"short text number {i} about topic {i % 17}" for i in range(count)]
    embedder = make_embedder(name, base_url)
    embedder.embed_documents(texts[:10])
    walls = []
    for _ in range(3):
        start = time.perf_counter()
        vectors = embedder.embed_documents(texts)
        walls.append(time.perf_counter() - start)
        if len(vectors) != count or {len(v) for v in vectors} != {dims}:
            raise RuntimeError(f"{name}: vectors of the wrong shape")
        del vectors
    return {"wall_s": min(walls), "peak_rss_mb": rss_mb(peak=True)}


def run(count: int, dims: int, latency_ms: int) -> dict[str, dict[str, float]]:
    """Every client against one server; `x openai` ratios added."""
    figures = {}
    with ServerProcess() as server:
        url = f"http://127.0.0.1:{server.port}/{dims}/{latency_ms}"
        for name in CLIENTS:
            args = ["--worker", name, "--base-url", url]
            args += ["--texts", str(count), "--dims", str(dims)]
            out = python("-m", "benchmarks.embeddings", *args)
            figures[name] = orjson.loads(out.strip().splitlines()[-1])
    for fig in figures.values():
        for key in ("wall_s", "peak_rss_mb"):
            fig[f"{key}_vs_openai"] = fig[key] / figures["openai"][key]
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--latency-ms", type=int, default=0, help="per request")
    parser.add_argument("--worker", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        figures = worker(args.worker, args.base_url, args.texts, args.dims)
        print(orjson.dumps(figures).decode())
        return
    print(
        f"{'client':12} {'wall s':>7} {'x openai':>9} {'peak RSS MB':>12} {'x openai':>9}"
    )
    for name, fig in run(args.texts, args.dims, args.latency_ms).items():
        print(
            f"{name:16} {fig['wall_s']:7.3f} {fig['wall_s_vs_openai']:9.2f}"
            f" {fig['peak_rss_mb']:12.0f} {fig['peak_rss_mb_vs_openai']:9.2f}"
        )


if __name__ == "__main__":
    main()
