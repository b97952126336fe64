"""Embedding 10,000 short texts against a loopback server: ours vs OpenAIEmbeddings.

Run: `python -m benchmarks.embeddings` (options: `--texts`, `--dims`,
`--repeats`, `--latency-ms`, `--json`). Not part of `pytest` (a tiny run is, under `-m slow`).

The server (`benchmarks.server`, its own process) answers every request with
the same canned vectors, as floats or base64 as asked, so the figures are
client work: building requests, decoding JSON or base64, assembling vectors.
Each client runs in a fresh subprocess, so its peak RSS is its own:

- `floor`: raw httpx + orjson, sequential batches: the least any client does;
- `ours`: `OneRouterEmbeddings` defaults (floats, 1000 per request, 4 in flight);
- `ours-sequential`: the same with `max_concurrency=1`;
- `ours-base64`: `encoding_format="base64"`;
- `openai`: `OpenAIEmbeddings(base_url=..., check_embedding_ctx_length=False)`
  (langchain-openai's advice for non-OpenAI servers, and its tokenizer would
  need a download); the openai SDK asks for base64 and decodes with numpy.

Wall time is the best of `--repeats` calls of `embed_documents` on one
instance (after a warm-up call); peak RSS is the process's high-water mark
(`ru_maxrss`) after all of them, with the RSS before the first call beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
API_KEY = "sk-bench-0000000000000000"
CLIENTS = ("floor", "ours", "ours-sequential", "ours-base64", "openai")
CHUNK = 1000


def texts(count: int) -> list[str]:
    """`count` distinct short texts (5-8 words each)."""
    return [f"short text number {i} about topic {i % 17}" for i in range(count)]


def make_client(name: str, base_url: str) -> Any:
    """An object with `embed_documents(texts)` for client `name`."""
    if name == "floor":
        return _Floor(base_url)
    if name == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(
            model="text-embedding-3-small",
            base_url=base_url,
            api_key=API_KEY,  # type: ignore[arg-type]
            check_embedding_ctx_length=False,
            chunk_size=CHUNK,
        )
    from langchain_onerouter import OneRouterEmbeddings

    options: dict[str, Any] = {
        "ours": {},
        "ours-sequential": {"max_concurrency": 1},
        "ours-base64": {"encoding_format": "base64"},
    }[name]
    return OneRouterEmbeddings(
        model="text-embedding-3-small",
        base_url=base_url,
        api_key=API_KEY,
        chunk_size=CHUNK,
        **options,
    )


class _Floor:
    """Raw httpx + orjson: POST each batch, decode, collect."""

    def __init__(self, base_url: str) -> None:
        import httpx

        self._client = httpx.Client(timeout=60)
        self._url = base_url + "/embeddings"
        self._headers = {
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json",
        }

    def embed_documents(self, inputs: list[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(inputs), CHUNK):
            body = {"model": "m", "input": inputs[start : start + CHUNK]}
            response = self._client.post(
                self._url, content=orjson.dumps(body), headers=self._headers
            )
            out.extend(
                item["embedding"] for item in orjson.loads(response.content)["data"]
            )
        return out


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def worker(name: str, base_url: str, count: int, repeats: int) -> dict[str, Any]:
    """Measure one client in this process (run by `main` in a subprocess)."""
    client = make_client(name, base_url)
    inputs = texts(count)
    client.embed_documents(inputs[:CHUNK])  # warm-up: imports, pool, first request
    before = _rss_mb()
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        vectors = client.embed_documents(inputs)
        walls.append(time.perf_counter() - start)
        if len(vectors) != count or not all(len(v) == len(vectors[0]) for v in vectors):
            raise RuntimeError(f"{name}: wrong result shape")
        del vectors
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"wall_s": min(walls), "rss_before_mb": before, "peak_rss_mb": peak}


def run(
    count: int,
    dims: int,
    repeats: int,
    latency_ms: int = 0,
    clients: tuple[str, ...] = CLIENTS,
) -> dict[str, dict[str, Any]]:
    """Start the loopback server and measure every client against it."""
    from benchmarks.server import ServerProcess

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    figures = {}
    with ServerProcess() as server:
        base_url = server.base_url(dims) + (f"/{latency_ms}" if latency_ms else "")
        for name in clients:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.embeddings",
                    "--worker",
                    name,
                    "--base-url",
                    base_url,
                    "--texts",
                    str(count),
                    "--repeats",
                    str(repeats),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=env,
                timeout=600,
                check=False,
            )
            if done.returncode:
                raise RuntimeError(f"embeddings worker {name} failed:\n{done.stderr}")
            figures[name] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return figures


def table(
    figures: dict[str, dict[str, Any]], count: int, dims: int, latency_ms: int = 0
) -> str:
    """The figures as text, with each client's ratio to `openai`."""
    ref = figures.get("openai")
    lines = [
        f"embed_documents of {count:,} short texts, {dims} dimensions, loopback, "
        f"server latency {latency_ms} ms per request",
        f"{'client':<16}{'wall s':>9}{'x openai':>10}{'peak RSS MB':>13}"
        f"{'x openai':>10}{'RSS before':>12}",
    ]
    for name, fig in figures.items():
        walls = f"{fig['wall_s'] / ref['wall_s']:>10.2f}" if ref else f"{'-':>10}"
        rss = (
            f"{fig['peak_rss_mb'] / ref['peak_rss_mb']:>10.2f}" if ref else f"{'-':>10}"
        )
        lines.append(
            f"{name:<16}{fig['wall_s']:>9.3f}{walls}"
            f"{fig['peak_rss_mb']:>13.0f}{rss}{fig['rss_before_mb']:>12.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--dims", type=int, default=1536)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="server time per request"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--clients", default=",".join(CLIENTS), help="comma-separated subset"
    )
    parser.add_argument("--worker", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--base-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        figures = worker(args.worker, args.base_url, args.texts, args.repeats)
        print(orjson.dumps(figures).decode())
        return 0
    clients = tuple(args.clients.split(","))
    unknown = sorted(set(clients) - set(CLIENTS))
    if unknown:
        parser.error(f"unknown clients {unknown}; choose from {list(CLIENTS)}")
    figures = run(args.texts, args.dims, args.repeats, args.latency_ms, clients)
    print(
        orjson.dumps(figures).decode()
        if args.json
        else table(figures, args.texts, args.dims, args.latency_ms)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
