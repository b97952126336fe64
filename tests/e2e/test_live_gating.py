"""Live tests run only on the explicit opt-in ONEROUTER_LIVE=1: a key
exported in the shell alone never sends our suite to the network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.live import live_key

ROOT = Path(__file__).resolve().parents[2]


def test_a_key_alone_is_no_opt_in() -> None:
    assert live_key({"ONEROUTER_API_KEY": "sk-real"}) is None
    assert live_key({"ONEROUTER_LIVE": "1", "ONEROUTER_API_KEY": "sk-a"}) == "sk-a"
    both = {
        "ONEROUTER_LIVE": "1",
        "ONEROUTER_API_KEY": "a",
        "ONEROUTER_LIVE_API_KEY": "b",
    }
    assert live_key(both) == "b"
    assert live_key({"ONEROUTER_LIVE": "yes", "ONEROUTER_API_KEY": "sk-a"}) is None


def test_pytest_with_an_exported_key_runs_no_live_test() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEROUTER_")}
    env["ONEROUTER_API_KEY"] = "sk-or-exported-in-the-shell"
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/e2e/test_live.py",
            "-m",
            "live",
            "-q",
            "-p",
            "no:randomly",
            "-rs",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" not in done.stdout and "failed" not in done.stdout
    assert "ONEROUTER_LIVE=1" in done.stdout  # the skip reason says how to opt in
