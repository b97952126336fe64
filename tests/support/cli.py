"""Run the `onerouter` CLI in-process (and `onerouter emulate` as a process)
and check its one-line errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from langchain_onerouter.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `onerouter *argv`."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str) -> None:
    """A failed command says what is wrong on one line, never a traceback."""
    assert code == 1
    assert err.startswith("onerouter: error: ")
    assert err.strip().count("\n") == 0, err
    assert "Traceback" not in err


@contextmanager
def emulate_process(
    *options: str, lines: int = 1, command: list[str] | None = None
) -> Iterator[list[str]]:
    """`onerouter emulate *options` as a subprocess (no ONEROUTER_* env; by
    default through `python -m`, else `command`); yields the first `lines`
    lines it prints, then stops it with SIGINT and checks it exits cleanly."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEROUTER_")}
    program = command or [sys.executable, "-m", "langchain_onerouter.cli"]
    proc = subprocess.Popen(
        [*program, "emulate", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # A runner started in the background (`cmd &` in a script) passes
        # SIGINT on as ignored; give the CLI the disposition a terminal gives.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        yield [proc.stdout.readline() for _ in range(lines)]  # printed at start
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)
