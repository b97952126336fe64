"""The benchmark suite in its `--quick` form, plus checks of its own parts.

The quick run fails only on a gross regression: a ratio (ours / ChatOpenAI, or
20k / 2k deltas) over twice the committed baseline in `benchmarks/baseline.json`.
It never looks at absolute times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.clients import DELTA_EVENT, expected, noop_chunks, noop_pieces, streamed
from benchmarks.profile import group_of, summarize
from benchmarks.report import TARGETS
from benchmarks.run import BASELINE, compare_baseline
from benchmarks.server import (
    ANSWER,
    json_bytes,
    response_body,
    split_text,
    sse_events,
    sse_writes,
    stream_text,
    tool_arguments,
)
from langchain_onerouter._mapping.jsonutil import loads
from langchain_onerouter._mapping.response import response_to_message
from langchain_onerouter._mapping.stream import ResponseStreamParser

ROOT = Path(__file__).resolve().parents[2]


def test_compare_baseline_flags_only_gross_regressions() -> None:
    baseline = {"invoke_overhead": 0.2, "scaling": 10.0}
    assert compare_baseline({"invoke_overhead": 0.4, "scaling": 19.0}, baseline) == []
    failures = compare_baseline({"invoke_overhead": 0.5, "scaling": 21.0}, baseline)
    assert [f.split(":")[0] for f in failures] == ["invoke_overhead", "scaling"]
    # Ratios the baseline does not know are ignored, missing ones too.
    assert compare_baseline({"new_ratio": 99.0}, baseline) == []


@pytest.mark.parametrize("parts", [1, 7, 2000])
def test_split_text_makes_exactly_n_nonempty_deltas(parts: int) -> None:
    pieces = split_text(ANSWER, parts)
    assert len(pieces) == parts
    assert all(pieces)
    assert "".join(pieces) == stream_text(parts)


def test_canned_json_body_maps_to_reasoning_message_and_usage() -> None:
    message = response_to_message(loads(json_bytes()))
    assert [b["type"] for b in message.content] == ["reasoning", "text"]  # type: ignore[index]
    assert message.text == ANSWER
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_token_details"] == {"reasoning": 640}


def _decoded(writes: tuple[bytes, ...]) -> list[dict[str, Any]]:
    raw = b"".join(writes).decode()
    return [
        json.loads(line[len("data: ") :])
        for line in raw.splitlines()
        if line.startswith("data: ")
    ]


def _fold(chunks: list[Any]) -> Any:
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    return total


@pytest.mark.parametrize("deltas", [3, 250])
def test_canned_stream_aggregates_to_the_completed_response(deltas: int) -> None:
    events = sse_events(deltas)
    text_deltas = [e for e in events if e["type"] == "response.output_text.delta"]
    assert len(text_deltas) == deltas
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    # The encoded writes decode back to the same events.
    decoded = _decoded(sse_writes(deltas))
    assert decoded == events
    parser = ResponseStreamParser()
    total = _fold([c for e in decoded for c in parser.feed(e)])
    assert parser.done
    assert total.text == stream_text(deltas)
    final = response_body()
    assert total.usage_metadata == response_to_message(final).usage_metadata


@pytest.mark.parametrize("kind", ["text", "tool", "reasoning"])
@pytest.mark.parametrize("deltas", [1, 5, 301])
def test_each_stream_kind_has_n_deltas_that_ours_and_the_noop_fold_alike(
    kind: str, deltas: int
) -> None:
    events = _decoded(sse_writes(deltas, kind))
    assert events == sse_events(deltas, kind)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert sum(e["type"] == DELTA_EVENT[kind] for e in events) == deltas
    parser = ResponseStreamParser()
    ours = _fold([c for e in events for c in parser.feed(e)])
    assert parser.done
    noop = list(noop_chunks(kind, noop_pieces(kind, deltas)))
    assert len(noop) == deltas
    folded = _fold(noop)
    assert streamed(ours, kind) == streamed(folded, kind) == expected(kind, deltas)
    if kind == "tool":
        assert json.loads(tool_arguments(deltas)) == ours.tool_calls[0]["args"]


def test_profile_groups_by_package_and_charges_the_stdlib_to_its_caller() -> None:
    import cProfile
    import pstats

    assert (
        group_of("/x/site-packages/langchain_core/messages/ai.py") == "langchain_core"
    )
    assert group_of("/x/site-packages/httpcore/_sync/connection.py") == "httpx+httpcore"
    assert group_of("/repo/langchain_onerouter/streaming.py") == "ours"
    assert group_of("/usr/lib/python3.11/json/decoder.py") == "other"
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        json.loads(json.dumps({"a": list(range(50))}))
    profiler.disable()
    summary = summarize(pstats.Stats(profiler))
    shares = [g["share"] for g in summary["groups"].values()]
    assert sum(shares) == pytest.approx(1.0)
    # json's time is charged to this test module's code: "other".
    assert summary["groups"]["other"]["share"] == pytest.approx(1.0)
    assert any("json" in row["function"] for row in summary["self"])


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quick_benchmark_has_no_gross_regression(tmp_path: Path) -> None:
    """One quick run's ratios on 2 shared cores swing by up to 2x (seen: ainvoke
    overhead 0.20 and 0.36 on the same commit), so a flagged regression is
    measured once more and fails only when the second run confirms it."""
    pytest.importorskip("langchain_openai", reason="needs the bench extra")
    pytest.importorskip("psutil", reason="needs the bench extra")
    out = tmp_path / "quick.json"
    for _ in range(2):
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.run",
                "--quick",
                "--check",
                "--json",
                str(out),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=420,
            check=False,
        )
        if proc.returncode == 0:
            break
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    baseline = json.loads(BASELINE.read_text())
    assert set(baseline) <= set(results["ratios"])
    # The run really compared the clients on the same bytes.
    assert results["concurrency"]["ours"]["ainvoke"]["connections"] <= 100
    for kind in ("text", "tool", "reasoning"):
        assert results["stream"][kind]["ours"]["chunks"] >= 2000
    # Every target of issue 18 is measured (peak RSS against ChatOpenAI, whose
    # 1,000 streams take ~100 s, only by the full run) and printed.
    assert set(TARGETS) - {"concurrent_rss"} <= set(results["ratios"])
    assert proc.stdout.count("MISSED") + proc.stdout.count(" met") >= len(TARGETS) - 1


def test_floor_core_streams_the_noop_chunks_over_the_floor_bytes() -> None:
    """floor+core (the floor's request, the no-op's chunks) yields exactly the
    no-op model's chunks, sync and async, and invokes the floor's text."""
    import asyncio

    from benchmarks.clients import make_client
    from benchmarks.server import ServerProcess, stream_url

    def dump(chunks: list[Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in c.model_dump().items() if k != "id"} for c in chunks]

    async def astreamed(client: Any) -> list[Any]:
        assert await client.ainvoke() == ANSWER
        chunks = [chunk async for chunk in client.astream()]
        await client.aclose()
        return chunks

    with ServerProcess() as server:
        root = f"http://127.0.0.1:{server.port}"
        for kind in ("text", "tool", "reasoning"):
            deltas = 37
            client = make_client(
                "floor+core", stream_url(root, deltas, kind), deltas, kind
            )
            noop = dump(list(make_client("core", "", deltas, kind).stream()))
            assert client.invoke() == ANSWER
            assert streamed(client.fold(), kind) == expected(kind, deltas)
            assert dump(list(client.stream())) == noop
            assert dump(asyncio.run(astreamed(client))) == noop


def test_inprocess_ratio_is_the_median_of_each_rounds_ratio() -> None:
    from benchmarks.inprocess import _summary

    summary = _summary(
        {
            "floor": [1.0, 1.0, 1.0],
            "floor+core": [5.0, 5.0, 9.0],
            "ours": [10.0, 20.0, 10.0],
            "core": [10.0, 10.0, 4.0],
        }
    )
    # Rounds: (10-5)/10, (20-5)/10, (10-9)/4 -> 0.5, 1.5, 0.25.
    assert summary["vs_core"] == 0.5
    assert summary["vs_core_range"] == (0.25, 1.5)
    assert summary["median_us"]["ours"] == 10.0
    assert summary["rounds"] == 3


def test_inprocess_invoke_runs_all_four_clients_on_the_mock() -> None:
    """Every client answers the canned text (checked inside) without a socket:
    the base URL does not resolve, so a request that left the mock fails."""
    from benchmarks.inprocess import NAMES, bench_inprocess

    results = bench_inprocess(rounds=2, calls=2)
    for key in ("invoke", "ainvoke"):
        summary = results[key]
        assert set(summary["median_us"]) == set(NAMES)
        assert all(us > 0 for us in summary["median_us"].values())
        low, high = summary["vs_core_range"]
        assert low <= summary["vs_core"] <= high


def test_docs_with_only_some_sections_is_refused_before_running() -> None:
    from benchmarks.run import main

    with pytest.raises(SystemExit) as exc:
        main(["--only", "invoke", "--docs"])
    assert exc.value.code == 2
