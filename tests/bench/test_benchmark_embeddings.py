"""benchmarks/embeddings.py still runs end to end (tiny sizes; `pytest -m slow`)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_embeddings_benchmark_runs_every_client() -> None:
    pytest.importorskip("starlette")
    pytest.importorskip("langchain_openai")
    from benchmarks import embeddings

    figures = embeddings.run(count=300, dims=16, repeats=1, latency_ms=5)
    assert set(figures) == set(embeddings.CLIENTS)
    for fig in figures.values():
        assert fig["wall_s"] > 0 and fig["peak_rss_mb"] >= fig["rss_before_mb"] > 0
    text = embeddings.table(figures, 300, 16, 5)
    assert "ours-base64" in text and "x openai" in text
