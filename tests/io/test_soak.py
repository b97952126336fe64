"""The CI-sized soak (`python -m tests.support.soak --full` for 10,000)."""

from __future__ import annotations

import pytest

from tests.support.soak import CI, FAULTS, expected_outcome, run_soak


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_soak_ci_size() -> None:
    report = run_soak(CI)
    assert report.problems() == [], report.table()
    assert sum(report.outcomes.values()) == CI
    assert set(report.modes) == {"invoke", "ainvoke", "stream", "astream"}
    # the faults really were injected, about 5% of attempts, every kind
    assert 0.03 <= sum(report.faults.values()) / report.attempts <= 0.08
    assert set(report.faults) == set(FAULTS)
    assert report.attempts > CI  # retries happened
    assert report.sockets_peak > report.sockets_baseline  # the probe saw traffic


@pytest.mark.parametrize(
    "decisions, streaming, expected",
    [
        (["ok"], False, "ok"),
        (["http_500", "reset", "ok"], True, "ok"),
        (["stall", "stall", "stall", "http_429"], False, "RateLimitError"),
        (["http_500", "drop"], True, "StreamError"),
        (["http_500", "drop", "ok"], False, "ok"),
        (["error_200"], True, "ResponseFailedError"),
        (["http_500", "ok", "ok"], False, "wrong attempt count"),  # a spare retry
        (["http_500", "http_500"], False, "wrong attempt count"),  # gave up early
        ([], False, "wrong attempt count"),
    ],
)
def test_expected_outcome_follows_the_retry_policy(
    decisions: list[str], streaming: bool, expected: str
) -> None:
    assert expected_outcome(decisions, streaming, max_retries=3) == expected
