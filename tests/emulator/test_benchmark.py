"""The emulator latency benchmark runs and reports every measurement (its
timings are not checked here: see docs/performance.md)."""

from __future__ import annotations

import json

import pytest

from benchmarks.emulator_latency import main


def test_the_latency_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--requests", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["requests"] == 3
    for kind in ("json", "stream"):
        for client in ("http.client", "httpx"):
            numbers = report[kind][client]
            assert set(numbers) == {"first_ms", "median_ms", "p90_ms", "max_ms"}
            assert 0 < numbers["median_ms"] <= numbers["max_ms"]
    assert report["target"]["json_reused_median_ms"] == 2.0
    assert isinstance(report["target"]["met"], bool)


def test_the_request_count_is_bounded() -> None:
    with pytest.raises(SystemExit):
        main(["--requests", "0"])
