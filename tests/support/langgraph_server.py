"""Start LangGraph's own dev server (`langgraph dev`: langgraph-api with the
in-memory runtime) on 127.0.0.1 for a test, and stop it afterwards.

Needs the `server` extra (`pip install -e ".[server]" -c constraints.txt`);
`require_server()` skips the calling test when it is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "langgraph_server"
START_BOUND = 90.0  # seconds; ~11 s measured on 2 busy cores


def require_server() -> str:
    """The `langgraph` CLI path, or skip (the optional packages are absent)."""
    for module in ("langgraph_api", "langgraph_runtime_inmem", "langgraph_sdk"):
        pytest.importorskip(module, reason='needs the "server" extra')
    cli = shutil.which("langgraph")
    if cli is None:
        pytest.skip('needs the langgraph CLI (the "server" extra)')
    return cli


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def langgraph_dev(config_dir: Path, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """(base URL, server pid) of `langgraph dev` serving `config_dir`."""
    cli = require_server()
    port = _free_port()
    log = (config_dir / f".langgraph-{port}.log").open("w")
    proc = subprocess.Popen(
        [cli, "dev", "--no-browser", "--no-reload", "--host", "127.0.0.1"]
        + ["--port", str(port), "--config", "langgraph.json"],
        cwd=config_dir,
        env={
            **os.environ,
            "LANGSMITH_TRACING": "false",
            "LANGCHAIN_TRACING_V2": "false",
            "LANGGRAPH_CLI_NO_ANALYTICS": "1",
            **env,
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_BOUND
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"langgraph dev exited; see {log.name}")
            try:
                if httpx2.get(f"{url}/ok", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"langgraph dev did not start; see {log.name}")
            time.sleep(0.3)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
