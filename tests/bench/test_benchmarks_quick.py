"""The benchmark runner's contract: its canned server, its baseline check, and
(under `pytest -m slow`) one `--quick` run end to end. No test looks at timings."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import run
from benchmarks.server import ANSWER, deltas_of, stream_events, stream_text

ROOT = Path(__file__).resolve().parents[2]


def test_regressions_flag_only_a_value_over_twice_the_baseline_plus_slack() -> None:
    baseline = {"invoke_overhead_vs_openai": 0.1, "burst_new_connections": 0.0}
    within = {"invoke_overhead_vs_openai": 0.25, "burst_new_connections": 5.0}
    assert run.regressions(within, baseline) == []
    over = {"invoke_overhead_vs_openai": 0.26, "burst_new_connections": 6.0}
    flagged = [line.split(":")[0] for line in run.regressions(over, baseline)]
    assert flagged == ["invoke_overhead_vs_openai", "burst_new_connections"]
    # A value still meeting its target is no regression, however far it moved.
    assert (
        run.regressions(
            {"concurrent_connections_vs_pool": 0.9},
            {"concurrent_connections_vs_pool": 0.2},
        )
        == []
    )
    # A metric missing on either side is not compared.
    assert run.regressions({"new_metric": 99.0}, baseline) == []


def test_every_metric_has_a_reader_and_the_table_gives_each_target_a_verdict() -> None:
    assert set(run.READS) == set(run.METRICS)
    got = {name: 0.0 for name in run.METRICS} | {"invoke_overhead_vs_openai": 9.0}
    text = run.table(got, {"invoke_overhead_vs_openai": 0.1})
    targets = [n for n, (target, _, _) in run.METRICS.items() if target is not None]
    assert text.count("MISSED") == 1
    assert text.count(" met ") == len(targets) - 1


def _fake_figures() -> dict[str, Any]:
    ratios = {
        "invoke_ratio": 0.05,
        "ainvoke_ratio": 0.05,
        "invoke_floor_ratio": 0.04,
        "ainvoke_floor_ratio": 0.04,
    }
    return {
        "invoke": ratios,
        "stream": {"stream_ratio": 0.2, "astream_ratio": 0.2},
        "bursts": {"after_first": 0, "batch_after_first": 0},
    }


def test_check_exits_non_zero_only_on_a_regression_and_json_keeps_every_figure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "run_all", lambda cfg, only, log: _fake_figures())
    monkeypatch.setattr(run, "BASELINE", tmp_path / "baseline.json")
    out = tmp_path / "out.json"
    assert run.main(["--quick", "--update-baseline"]) == 0
    saved = json.loads((tmp_path / "baseline.json").read_text())
    assert saved["quick"]["stream_per_chunk_vs_openai"] == 0.2
    assert run.main(["--quick", "--check", "--json", str(out)]) == 0
    results = json.loads(out.read_text())
    assert results["figures"] == _fake_figures()
    assert results["regressions"] == [] and results["mode"] == "quick"
    worse = _fake_figures()
    worse["stream"]["astream_ratio"] = 0.5
    monkeypatch.setattr(run, "run_all", lambda cfg, only, log: worse)
    assert run.main(["--quick", "--check", "--json", str(out)]) == 1
    assert json.loads(out.read_text())["regressions"][0].startswith("astream")
    # The full run compares with its own entry, which does not exist yet.
    assert run.main(["--check"]) == 0


def test_unknown_sections_and_a_partial_baseline_are_refused() -> None:
    with pytest.raises(SystemExit) as exc:
        run.main(["--only", "invoke,strem"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        run.main(["--only", "invoke", "--update-baseline"])
    assert exc.value.code == 2


@pytest.mark.parametrize("count", [1, 7, 2000])
def test_streams_have_exactly_n_text_deltas_spelling_the_stream_text(
    count: int,
) -> None:
    pieces = deltas_of(count)
    assert len(pieces) == count and all(pieces)
    events = stream_events(count)
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == stream_text(count)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert events[-1]["response"]["output"][1]["content"][0]["text"] == stream_text(
        count
    )


def test_server_counts_connections_and_every_model_reads_the_same_answer() -> None:
    from benchmarks.clients import Raw, make_model
    from benchmarks.server import ServerProcess

    with ServerProcess() as server:
        url = server.base_url(deltas=40)
        raw = Raw(url)
        server.reset()
        assert [raw.invoke() for _ in range(3)] == [ANSWER] * 3
        assert "".join(raw.stream()) == stream_text(40)
        stats = server.stats()
        assert (stats["accepted"], stats["requests"]) == (1, 4)
        for name in ("ours", "floor"):  # openai: in the slow quick run
            model = make_model(name, url)
            assert model.invoke("hi").text == ANSWER
            assert run._fold(model.stream("hi")) == stream_text(40)
        server.reset()
        stats = server.stats()
        # Kept-alive connections stay open across a reset, but `peak` counts
        # only the connections opened above them.
        assert stats["accepted"] == 0 and stats["open"] >= 1 and stats["peak"] == 0
        assert Raw(url).invoke() == ANSWER
        stats = server.stats()
        assert (stats["accepted"], stats["peak"]) == (1, 1)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_quick_run_measures_every_metric_in_one_process(tmp_path: Path) -> None:
    pytest.importorskip("langchain_openai", reason="needs the bench extra")
    out = tmp_path / "quick.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert set(results["metrics"]) == set(run.METRICS)
    assert all(value == value for value in results["metrics"].values())  # no NaN
    targets = results["targets"]
    assert proc.stdout.count("MISSED") + proc.stdout.count(" met ") == len(targets)
    figures = results["figures"]
    streams = figures["concurrency"]["ours"]
    assert streams["chunks"] >= run.QUICK["streams"] * run.QUICK["concurrent_deltas"]
    for kind in ("ainvoke", "batch"):
        assert len(figures["bursts"]["ours"][kind]["opened"]) == run.QUICK["bursts"]
    assert set(figures["imports"]["added_cpu_ms"]) == set(run.IMPORTS)


@pytest.mark.slow
def test_embeddings_benchmark_measures_every_client() -> None:
    pytest.importorskip("langchain_openai", reason="needs the bench extra")
    from benchmarks import embeddings

    figures = embeddings.run(count=300, dims=16, latency_ms=5)
    assert set(figures) == set(embeddings.CLIENTS)
    assert figures["openai"]["wall_s_vs_openai"] == 1.0
    assert all(fig["wall_s"] > 0 and fig["peak_rss_mb"] > 0 for fig in figures.values())
