"""The package stays ruff-clean, ruff-formatted and mypy-clean (run by CI)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.quality

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    "command",
    [
        ["check", "langchain_onerouter", "tests", "examples"],
        ["format", "--check", "langchain_onerouter", "examples"],
    ],
    ids=["ruff-check", "ruff-format"],
)
def test_ruff(command: list[str]) -> None:
    pytest.importorskip("ruff")
    done = _run(sys.executable, "-m", "ruff", *command)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_mypy_package() -> None:
    pytest.importorskip("mypy")
    done = _run(sys.executable, "-m", "mypy")
    assert done.returncode == 0, done.stdout[-4000:]
