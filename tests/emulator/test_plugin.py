"""The pytest plugin covers a model built at import time in a user's test
module: with `--onerouter-emulator` (or the ini option) the environment points
at the emulator before collection. Runs a user's suite in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = """
import os

from langchain_onerouter import ChatOneRouterResponses

LLM = ChatOneRouterResponses(model="o4-mini", max_retries=0)  # at import time
BUILT_WITH = os.environ.get("ONEROUTER_BASE_URL")


def test_scripted_through_the_fixture(onerouter_emulator):
    onerouter_emulator.reply("Paris.")
    assert LLM.invoke("Capital of France?").text == "Paris."
    assert BUILT_WITH == onerouter_emulator.base_url


def test_canned_without_the_fixture():
    assert LLM.invoke("hello").text == "You said: hello"
"""


def run_user_suite(
    tmp_path: Path, *args: str, ini: str = ""
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_user.py").write_text(USER_TESTS)
    (tmp_path / "pytest.ini").write_text(f"[pytest]\n{ini}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEROUTER_")}
    # A closed port: without the plugin the import-time model cannot reach anything.
    env["ONEROUTER_BASE_URL"] = "http://127.0.0.1:9/v1"
    env["ONEROUTER_API_KEY"] = "sk-from-the-shell"
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), env.get("PYTHONPATH")])
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            *args,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "ini"),
    [(("--onerouter-emulator",), ""), ((), "onerouter_emulator = true\n")],
    ids=["flag", "ini"],
)
def test_a_model_built_at_import_time_uses_the_emulator(
    tmp_path: Path, args: tuple[str, ...], ini: str
) -> None:
    done = run_user_suite(tmp_path, *args, ini=ini)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_without_the_option_the_import_time_model_misses_it(tmp_path: Path) -> None:
    done = run_user_suite(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed" in done.stdout


def test_the_option_is_registered(pytestconfig: pytest.Config) -> None:
    # this suite does not turn it on: its own tests start their emulators
    assert pytestconfig.getoption("onerouter_emulator") is False
    assert pytestconfig.getini("onerouter_emulator") is False
