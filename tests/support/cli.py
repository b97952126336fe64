"""Run the `onerouter` CLI in-process and check its one-line errors."""

from __future__ import annotations

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
